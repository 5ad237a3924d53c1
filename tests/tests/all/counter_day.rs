//! The counter's day where races happen: two `planipref serve` processes
//! on one PostgreSQL. Two agents calling the same person, walk-ins and
//! online bookings racing for the same hour, and the no-show task running
//! on both servers: each has one outcome, and nothing is lost.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use futures_util::future::join_all;
use planipref_domain::reference::Reference;
use planipref_store::{DatabaseUrl, PoolOptions, Store};
use planipref_test_support::{TestDb, book_without_notice};
use planipref_tests::{Server, bobigny, bobigny_slot, book_each, booking, client, get_json, run};
use serde_json::{Value, json};

/// The first Monday-to-Friday at least a week ahead that is not a public
/// holiday in Seine-Saint-Denis: the demo's counters are open then.
fn next_open_weekday() -> NaiveDate {
    let dep = planipref_domain::ids::DepartementCode::parse("93").unwrap();
    let mut day = Utc::now().date_naive() + Duration::days(7);
    while day.weekday().number_from_monday() > 5
        || !planipref_domain::calendar::holidays_on(day, &dep).is_empty()
    {
        day = day.succ_opt().unwrap();
    }
    day
}

/// `hour:minute` in Paris on `day`.
fn paris(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    chrono_tz::Europe::Paris
        .from_local_datetime(&day.and_hms_opt(hour, minute, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

/// Two servers on `db`, started together (their clocks at `clock_start`
/// when given), logging at info level.
fn two_servers(db: &TestDb, clock_start: Option<DateTime<Utc>>) -> (Server, Server) {
    let start = move |url: String| {
        std::thread::spawn(move || {
            let clock = clock_start.map(|t| t.to_rfc3339()).unwrap_or_default();
            let mut env = vec![("PLANIPREF_CLIENT_LIMITS", "off")];
            if !clock.is_empty() {
                env.push(("PLANIPREF_CLOCK_START", clock.as_str()));
            }
            Server::start_with(&url, "info", &env)
        })
    };
    let (a, b) = (start(db.url.clone()), start(db.url.clone()));
    (a.join().unwrap(), b.join().unwrap())
}

fn bearer(db: &TestDb, role: &str, scope: &str, sub: &str) -> String {
    planipref_tests::bearer(&db.url, role, scope, sub)
}

fn store(db: &TestDb) -> Store {
    Store::open(
        &DatabaseUrl::parse(&db.url).unwrap(),
        &PoolOptions::default(),
    )
    .unwrap()
}

/// The history's actions of the appointment `reference`, in order.
fn actions(store: &Store, reference: &str) -> Vec<(String, String)> {
    let found = store
        .find_reservation(&Reference::parse(reference).unwrap())
        .unwrap();
    store
        .reservation_events(found.reservation.id.parse().unwrap())
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.actor))
        .collect()
}

fn status(store: &Store, reference: &str) -> String {
    store
        .find_reservation(&Reference::parse(reference).unwrap())
        .unwrap()
        .reservation
        .status
}

/// POSTs `body` to `url` with `auth`; status and JSON body.
async fn post(client: &awc::Client, url: String, auth: &str, body: Value) -> (u16, Value) {
    let mut res = client
        .post(url)
        .insert_header(("Authorization", auth))
        .send_json(&body)
        .await
        .expect("POST");
    let body = res.json::<Value>().await.unwrap_or(Value::Null);
    (res.status().as_u16(), body)
}

fn assert_whole(store: &Store) {
    let integrity = store.booking_integrity().unwrap();
    assert_eq!(
        (
            integrity.overlapping,
            integrity.incomplete,
            integrity.orphaned
        ),
        (0, 0, 0),
        "{integrity:?}"
    );
}

#[actix_web::test]
async fn two_agents_calling_the_same_person_on_two_servers_call_them_once() {
    let Some(db) = TestDb::postgres() else { return };
    run(&db.url, &["seed", "--demo"]);
    let (a, b) = two_servers(&db, None);
    let client = client();
    let site = bobigny(&client, &a).await;
    let (motif, slot) = bobigny_slot(&client, &a, "Renouvellement").await;
    let start = slot["start"].as_str().unwrap();
    let (reference, _) = book_each(&client, &a, (motif.as_str(), start), 0, 1)
        .await
        .remove(0);
    let agents = [
        bearer(&db, "agent", &site, "agent-guichet-1"),
        bearer(&db, "agent", &site, "agent-guichet-2"),
    ];
    let step = |server: &Server, what: &str| {
        server.url(&format!("/api/v1/admin/reservations/{reference}/{what}"))
    };
    let (s, _) = post(&client, step(&a, "check-in"), &agents[0], json!({})).await;
    assert_eq!(s, 200);

    let calls = (0..20).map(|n| {
        let server = if n % 2 == 0 { &a } else { &b };
        post(&client, step(server, "call"), &agents[n % 2], json!({}))
    });
    let answers = join_all(calls).await;
    let called = answers.iter().filter(|(s, _)| *s == 200).count();
    let refused: Vec<_> = answers.iter().filter(|(s, _)| *s != 200).collect();
    assert_eq!(called, 1, "{answers:?}");
    for (s, p) in &refused {
        assert_eq!(
            (*s, p["type"].as_str(), p["current_status"].as_str()),
            (
                409,
                Some("urn:planipref:problem:wrong-status"),
                Some("called")
            )
        );
    }
    let store = store(&db);
    let history = actions(&store, &reference);
    let calls = history.iter().filter(|(a, _)| a == "called").count();
    assert_eq!(calls, 1, "{history:?}");
    assert_eq!(status(&store, &reference), "called");
}

#[actix_web::test]
async fn walk_ins_and_online_bookings_racing_on_two_servers_never_share_a_unit() {
    let Some(db) = TestDb::postgres() else { return };
    run(&db.url, &["seed", "--demo"]);
    // Online bookings up to the start, so that both kinds want this hour.
    book_without_notice(db.store(), "93");
    let day = next_open_weekday();
    let (a, b) = two_servers(&db, Some(paris(day, 10, 2)));
    let client = client();
    let site = bobigny(&client, &a).await;
    let (motif, _) = bobigny_slot(&client, &a, "Renouvellement").await;
    let (_, today) = get_json(
        &client,
        &a.url(&format!("/api/v1/motifs/{motif}/slots?from={day}&to={day}")),
    )
    .await;
    let starts: Vec<(String, u64)> = today["slots"]
        .as_array()
        .unwrap()
        .iter()
        .take(3)
        .map(|s| {
            (
                s["start"].as_str().unwrap().to_owned(),
                s["remaining"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(starts.len(), 3, "open this morning: {today}");
    let first: DateTime<Utc> = starts[0].0.parse().unwrap();
    assert!(first - paris(day, 10, 2) < Duration::hours(1), "{first}");
    let agent = bearer(&db, "agent", &site, "agent-accueil");

    // Online: every place of the three first slots, twice over.
    let mut online = vec![];
    for (start, remaining) in &starts {
        for _ in 0..remaining * 2 {
            online.push(start.clone());
        }
    }
    let online_requests = online.iter().enumerate().map(|(n, start)| {
        let server = if n % 2 == 0 { &a } else { &b };
        let client = client.clone();
        let body = booking(&motif, start, n);
        let url = server.url("/api/v1/reservations");
        async move {
            let mut res = client.post(url).send_json(&body).await.expect("POST");
            let body = res.json::<Value>().await.unwrap_or(Value::Null);
            (res.status().as_u16(), body)
        }
    });
    let walk_ins = (0..12).map(|n| {
        let server = if n % 2 == 0 { &b } else { &a };
        let mut person = booking(&motif, "", 1000 + n)["applicant"].clone();
        person["email"] = Value::Null;
        post(
            &client,
            server.url(&format!("/api/v1/admin/sites/{site}/walk-ins")),
            &agent,
            json!({"motif_id": motif, "applicant": person}),
        )
    });
    let (online, walk_ins) =
        futures_util::future::join(join_all(online_requests), join_all(walk_ins)).await;

    let mut references = BTreeSet::new();
    let mut created = 0;
    for (s, body) in online.iter().chain(walk_ins.iter()) {
        match s {
            201 => {
                created += 1;
                references.insert(body["reference"].to_string());
            }
            409 => assert!(
                body["type"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("urn:planipref:problem:")),
                "{body}"
            ),
            _ => panic!("unexpected answer {s}: {body}"),
        }
    }
    let tickets: BTreeSet<i64> = walk_ins
        .iter()
        .filter(|(s, _)| *s == 201)
        .map(|(_, e)| e["ticket"].as_i64().unwrap())
        .collect();
    let walked_in = walk_ins.iter().filter(|(s, _)| *s == 201).count();
    assert!(walked_in >= 3, "walk-ins served: {walk_ins:?}");
    assert_eq!(
        tickets,
        (1..=walked_in as i64).collect::<BTreeSet<_>>(),
        "one ticket each, none skipped"
    );
    let store = store(&db);
    assert_eq!(
        store.count_reservations().unwrap(),
        created as i64,
        "every 201 is stored, nothing else"
    );
    assert_eq!(references.len(), created, "distinct references");
    // The database's own check: no guichet holds two appointments at once.
    assert_whole(&store);
    println!(
        "[walk-in race] {} online attempts, {} walk-ins: {created} created ({walked_in} walk-ins)",
        online.len(),
        walk_ins.len()
    );
}

#[actix_web::test]
async fn the_no_show_task_on_two_servers_records_each_absence_once() {
    let Some(db) = TestDb::postgres() else { return };
    run(&db.url, &["seed", "--demo"]);
    let client = client();
    let mut references = vec![];
    let last_start: DateTime<Utc>;
    let came: Vec<String>;
    {
        let booking_server = Server::start(&db.url, "warn");
        let (motif, _) = bobigny_slot(&client, &booking_server, "Renouvellement").await;
        let day = next_open_weekday();
        let (_, slots) = get_json(
            &client,
            &booking_server.url(&format!("/api/v1/motifs/{motif}/slots?from={day}&to={day}")),
        )
        .await;
        let slots = slots["slots"].as_array().unwrap().clone();
        assert!(slots.len() >= 4, "{slots:?}");
        for (i, slot) in slots.iter().take(4).enumerate() {
            let start = slot["start"].as_str().unwrap();
            let count = slot["remaining"].as_u64().unwrap() as usize;
            references.extend(
                book_each(&client, &booking_server, (&motif, start), i * 10, count)
                    .await
                    .into_iter()
                    .map(|(r, _)| r),
            );
        }
        last_start = slots[3]["start"].as_str().unwrap().parse().unwrap();
        let site = bobigny(&client, &booking_server).await;
        let agent = bearer(&db, "agent", &site, "agent-accueil");
        came = references[..2].to_vec();
        for reference in &came {
            let url =
                booking_server.url(&format!("/api/v1/admin/reservations/{reference}/check-in"));
            assert_eq!(post(&client, url, &agent, json!({})).await.0, 200);
        }
    }
    // Both servers wake 31 minutes after the last start (the demo's delay
    // is 30): their first sweep runs at once, on both.
    let (a, b) = two_servers(&db, Some(last_start + Duration::minutes(31)));
    let store = store(&db);
    let absent: Vec<&String> = references.iter().filter(|r| !came.contains(r)).collect();
    let mut waited = 0;
    while absent.iter().any(|r| status(&store, r) != "no_show") {
        waited += 1;
        assert!(waited < 300, "the task did not run on either server");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    for reference in &absent {
        let history = actions(&store, reference);
        let flagged: Vec<_> = history.iter().filter(|(a, _)| a == "no_show").collect();
        assert_eq!(flagged.len(), 1, "{reference}: {history:?}");
        assert_eq!(flagged[0].1, "system:no-show");
    }
    for reference in &came {
        assert_eq!(status(&store, reference), "checked_in", "{reference}");
    }
    // Each server logs how many it recorded: together, each absence once.
    let recorded = |log: String| -> usize {
        log.lines()
            .filter_map(|l| l.split("recorded ").nth(1))
            .filter_map(|rest| rest.split_whitespace().next()?.parse::<usize>().ok())
            .sum()
    };
    assert_eq!(recorded(a.log()) + recorded(b.log()), absent.len());
    assert_whole(&store);
}
