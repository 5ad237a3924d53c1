//! What operators rely on, against the real binary on SQLite and
//! PostgreSQL: `/metrics` served apart from the API, labelled by route
//! pattern and never by path; and SIGTERM stopping the server cleanly, the
//! bookings in flight answered and none lost or half-made.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::rc::Rc;
use std::time::{Duration, Instant};

use chrono::{Days, Utc};
use futures_util::future::{join, join_all};
use planipref_store::Store;
use planipref_test_support::TestDb;
use planipref_tests::{Server, bobigny, bobigny_slot, book_each, booking, client, get_json, run};
use serde_json::Value;

/// Starts a server on `db` with metrics on a free port, logging at
/// `log_level`.
fn with_metrics(db: &TestDb, log_level: &str) -> Server {
    Server::start_with(
        &db.url,
        log_level,
        &[
            ("PLANIPREF_CLIENT_LIMITS", "off"),
            ("PLANIPREF_METRICS_BIND", "127.0.0.1:0"),
        ],
    )
}

/// The sum of the samples of `name` whose labels include `labels`, if
/// any: `name{a="x",b="y"} 3` in the Prometheus text format.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let matching: Vec<f64> = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (metric, set) = match series.split_once('{') {
                Some((metric, rest)) => (metric, rest.strip_suffix('}')?),
                None => (series, ""),
            };
            let has_all = labels
                .iter()
                .all(|(k, v)| set.split(',').any(|pair| pair == format!("{k}=\"{v}\"")));
            (metric == name && has_all).then(|| value.parse::<f64>().ok())?
        })
        .collect();
    (!matching.is_empty()).then(|| matching.iter().sum())
}

async fn text(client: &awc::Client, url: &str) -> (u16, String, String) {
    let mut res = client.get(url).send().await.expect("GET");
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = res.body().limit(8 << 20).await.expect("body");
    (
        res.status().as_u16(),
        content_type,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

#[actix_web::test]
async fn metrics_are_served_apart_from_the_api_and_name_routes_never_paths() {
    for db in TestDb::each() {
        let label = db.backend();
        run(&db.url, &["seed", "--demo"]);
        let server = with_metrics(&db, "warn");
        let metrics = server.metrics.clone().expect("the metrics' address");
        assert_ne!(
            metrics.trim_end_matches("/metrics"),
            server.base,
            "[{label}]"
        );
        let client = client();
        let (motif, slot) = bobigny_slot(&client, &server, "Renouvellement").await;
        let start = slot["start"].as_str().expect("start");
        let booked = book_each(&client, &server, (&motif, start), 7, 1).await;
        let (reference, token) = &booked[0];
        let read = client
            .get(server.url(&format!("/api/v1/reservations/{reference}")))
            .insert_header(("X-Management-Token", token.as_str()))
            .send()
            .await
            .expect("GET");
        assert_eq!(read.status().as_u16(), 200, "[{label}]");
        // The same person again: a doublon, refused.
        let again = client
            .post(server.url("/api/v1/reservations"))
            .send_json(&booking(&motif, start, 7))
            .await
            .expect("POST");
        assert_eq!(again.status().as_u16(), 409, "[{label}]");
        let (status, _) = get_json(&client, &server.url(&format!("/nowhere/{reference}"))).await;
        assert_eq!(status, 404, "[{label}]");
        // Never on the API's address.
        let (status, _, _) = text(&client, &server.url("/metrics")).await;
        assert_eq!(status, 404, "[{label}] /metrics on the API's address");

        let (status, content_type, body) = text(&client, &metrics).await;
        assert_eq!(status, 200, "[{label}]");
        assert!(
            content_type.starts_with("text/plain"),
            "[{label}] {content_type}"
        );
        let at_least_one = |name: &str, labels: &[(&str, &str)]| {
            let value = sample(&body, name, labels);
            assert!(
                value.is_some_and(|v| v >= 1.0),
                "[{label}] {name} {labels:?} is {value:?} in:\n{body}"
            );
        };
        at_least_one(
            "planipref_http_requests_total",
            &[
                ("method", "POST"),
                ("route", "/api/v1/reservations"),
                ("status", "201"),
            ],
        );
        at_least_one(
            "planipref_http_requests_total",
            &[
                ("method", "GET"),
                ("route", "/api/v1/reservations/{reference}"),
                ("status", "200"),
            ],
        );
        at_least_one(
            "planipref_http_requests_total",
            &[("route", "unmatched"), ("status", "404")],
        );
        at_least_one(
            "planipref_http_request_duration_seconds_count",
            &[("route", "/api/v1/reservations")],
        );
        at_least_one("planipref_bookings_total", &[("channel", "web")]);
        at_least_one("planipref_refusals_total", &[("kind", "already-booked")]);
        at_least_one("planipref_db_pool_connections", &[]);
        at_least_one("planipref_db_pool_max_connections", &[]);
        assert!(
            sample(&body, "planipref_db_pool_idle", &[]).is_some(),
            "[{label}]"
        );
        at_least_one("planipref_db_pool_wait_seconds_count", &[]);
        // The booking's reminders wait in the outbox.
        at_least_one("planipref_outbox_pending", &[("channel", "email")]);
        for channel in ["email", "sms", "webhook"] {
            assert!(
                sample(&body, "planipref_outbox_due", &[("channel", channel)]).is_some(),
                "[{label}] {channel}"
            );
        }
        // No path, reference or secret in any label.
        for secret in [reference.as_str(), token.as_str(), "nowhere", "Durand"] {
            assert!(
                !body.contains(secret),
                "[{label}] the metrics contain {secret:?}"
            );
        }
        // The metrics' server serves nothing else.
        let (status, _, _) = text(
            &client,
            &metrics.replace("/metrics", "/api/v1/sites?prefecture=93"),
        )
        .await;
        assert_eq!(status, 404, "[{label}]");
    }
}

/// Bookings fired at once by the SIGTERM test.
const IN_FLIGHT: usize = 40;

/// What became of one booking request.
enum Answer {
    Status(u16, Value, Instant),
    /// No answer: the connection was refused or closed (allowed only if
    /// nothing was booked for it).
    NoAnswer,
}

/// The references of the appointments booked at `site` over the coming
/// weeks.
fn booked_references(store: &Store, site: &str) -> BTreeSet<String> {
    let from = Utc::now();
    let to = from + chrono::Duration::days(60);
    store
        .site_reservations(site, (from, to), Some("booked"), (0, 10_000))
        .expect("reservations")
        .items
        .into_iter()
        .map(|(r, ..)| r.reference)
        .collect()
}

#[actix_web::test]
async fn sigterm_answers_the_bookings_in_flight_and_loses_none() {
    for db in TestDb::each() {
        let label = db.backend();
        run(&db.url, &["seed", "--demo"]);
        let mut server = with_metrics(&db, "info");
        let client = client();
        let site = bobigny(&client, &server).await;
        let (motif, _) = bobigny_slot(&client, &server, "Renouvellement").await;
        let from = Utc::now().date_naive() + Days::new(7);
        let (_, slots) = get_json(
            &client,
            &server.url(&format!(
                "/api/v1/motifs/{motif}/slots?from={from}&to={}",
                from + Days::new(13)
            )),
        )
        .await;
        let starts: Vec<String> = slots["slots"]
            .as_array()
            .expect("slots")
            .iter()
            .map(|s| s["start"].as_str().expect("start").to_owned())
            .collect();
        assert!(starts.len() >= 10, "[{label}] {} slots", starts.len());
        let before = booked_references(db.store(), &site);

        // Bookings of different slots by different people, all at once;
        // SIGTERM as soon as the first is answered.
        let answered = Rc::new(Cell::new(0usize));
        let requests = (0..IN_FLIGHT).map(|n| {
            let (client, answered) = (client.clone(), answered.clone());
            let url = server.url("/api/v1/reservations");
            let body = booking(&motif, &starts[n % starts.len()], 1000 + n);
            async move {
                let Ok(mut res) = client.post(url).send_json(&body).await else {
                    return Answer::NoAnswer;
                };
                let status = res.status().as_u16();
                let Ok(body) = res.json::<Value>().await else {
                    return Answer::NoAnswer;
                };
                answered.set(answered.get() + 1);
                Answer::Status(status, body, Instant::now())
            }
        });
        let terminate = async {
            while answered.get() == 0 {
                actix_web::rt::time::sleep(Duration::from_millis(1)).await;
            }
            server.sigterm();
            Instant::now()
        };
        let (answers, signalled_at) = join(join_all(requests), terminate).await;
        let exit = server.exit_within(Duration::from_secs(40));
        assert!(
            exit.is_some_and(|s| s.success()),
            "[{label}] exit {exit:?}: {}",
            server.log()
        );
        let log = server.log();
        assert!(
            log.contains("shutting down (SIGTERM)") && log.contains("stopped"),
            "[{label}] {log}"
        );

        let mut created = BTreeSet::new();
        let (mut after_signal, mut no_answer) = (0, 0);
        for answer in &answers {
            match answer {
                Answer::Status(status, body, at) => {
                    assert!(*status < 500, "[{label}] {status} {body}");
                    if *status == 201 {
                        created.insert(body["reference"].as_str().expect("ref").to_owned());
                    }
                    if *at > signalled_at {
                        after_signal += 1;
                    }
                }
                Answer::NoAnswer => no_answer += 1,
            }
        }
        println!(
            "[{label}] {IN_FLIGHT} bookings, SIGTERM after the first answer: {} booked, \
             {after_signal} answered after the signal, {no_answer} without an answer",
            created.len()
        );
        assert!(
            after_signal > 0,
            "[{label}] requests in flight were answered"
        );
        // Every appointment answered 201 is booked, and every appointment
        // booked was answered 201: none lost, none made unbeknownst.
        let now_booked: BTreeSet<String> = booked_references(db.store(), &site)
            .difference(&before)
            .cloned()
            .collect();
        assert_eq!(now_booked, created, "[{label}]");
        let integrity = db.store().booking_integrity().expect("integrity");
        assert_eq!(
            (
                integrity.overlapping,
                integrity.incomplete,
                integrity.orphaned
            ),
            (0, 0, 0),
            "[{label}] {integrity:?}"
        );
        // Stopped: new connections are refused, on both addresses.
        for base in [
            server.base.clone(),
            server.metrics.clone().expect("metrics"),
        ] {
            let address = base
                .trim_start_matches("http://")
                .trim_end_matches("/metrics")
                .to_owned();
            assert!(
                std::net::TcpStream::connect(&address).is_err(),
                "[{label}] {address} still accepts connections"
            );
        }
    }
}
