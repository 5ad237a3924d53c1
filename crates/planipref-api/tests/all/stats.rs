//! Statistics on both databases: a day at Bobigny (served, missed,
//! cancelled by each side, moved, a walk-in) counted by outcome, channel
//! and guichet, the open time matching the day view's plages, as JSON and
//! as CSV; the délai sampled once a day and shown to the public; bad
//! parameters named; scope kept.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use chrono::{Duration, NaiveDate, NaiveTime, TimeZone};
use planipref_test_support::TestDb;
use serde_json::{Value, json};

use crate::common::requests::{book, slots_on};
use crate::common::{
    ShiftedClock, bobigny_motif, fields, get_as, next_open_weekday, paris_clock_at, post, someone,
    state, token,
};

fn step(reference: &str, what: &str, auth: &str, body: Value) -> TestRequest {
    post(
        &format!("/api/v1/admin/reservations/{reference}/{what}"),
        auth,
        body,
    )
}

/// Minutes the day view says the site's guichets are open on `day`.
fn open_minutes(view: &Value) -> i64 {
    let minutes = |hhmm: &str| {
        let t = NaiveTime::parse_from_str(hhmm, "%H:%M").unwrap();
        i64::from(chrono::Timelike::hour(&t)) * 60 + i64::from(chrono::Timelike::minute(&t))
    };
    view["guichets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["plages"].as_array().unwrap().iter())
        .map(|p| minutes(p["end"].as_str().unwrap()) - minutes(p["start"].as_str().unwrap()))
        .sum()
}

/// Paris time `h:m` on `day`, as the clock's offset from now.
fn paris(day: NaiveDate, h: u32, m: u32) -> chrono::DateTime<chrono::Utc> {
    chrono_tz::Europe::Paris
        .from_local_datetime(&day.and_hms_opt(h, m, 0).unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc)
}

#[actix_web::test]
async fn a_day_is_counted_by_outcome_channel_and_guichet_as_json_and_csv() {
    for db in TestDb::each() {
        let day = next_open_weekday();
        // Booked, cancelled and moved two days before; served that day.
        let clock: Arc<ShiftedClock> = paris_clock_at(day - Duration::days(2), 10, 2);
        let app =
            test::init_service(planipref_api::app(state(&db).with_clock(clock.clone()))).await;
        let (motif, site) = bobigny_motif(db.store(), "Renouvellement");
        let agent = token("agent", &[&site]);
        let (_, _, slots) = call!(app, slots_on(&motif, day));
        let starts: Vec<String> = slots["slots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["start"].as_str().unwrap().to_owned())
            .collect();
        let mut booked = vec![];
        for start in starts.iter().take(5) {
            let (s, _, b) = call!(app, book(&motif, start, someone()));
            assert_eq!(s, StatusCode::CREATED, "{b}");
            booked.push((
                b["reference"].as_str().unwrap().to_owned(),
                b["management_token"].as_str().unwrap().to_owned(),
            ));
        }
        // 0 is served, 1 missed, 2 cancelled by its applicant, 3 by an
        // agent, 4 moved; and a walk-in comes.
        let cancel = TestRequest::post()
            .uri(&format!("/api/v1/reservations/{}/cancel", booked[2].0))
            .insert_header(("X-Management-Token", booked[2].1.clone()));
        let (s, _, _) = call!(app, cancel);
        assert_eq!(s, StatusCode::OK);
        let reason = json!({"reason": "Dossier transmis à Saint-Denis"});
        let (s, _, _) = call!(app, step(&booked[3].0, "cancel", &agent, reason));
        assert_eq!(s, StatusCode::OK);
        let moved = json!({"start": starts[6], "reason": "À la demande de la personne"});
        let (s, _, m) = call!(app, step(&booked[4].0, "reschedule", &agent, moved));
        assert_eq!(s, StatusCode::OK, "{m}");
        clock.advance(paris(day, 10, 2) - paris(day - Duration::days(2), 10, 2));
        let served = &booked[0].0;
        for what in ["check-in", "call", "done"] {
            let (s, _, e) = call!(app, step(served, what, &agent, json!({})));
            assert_eq!(s, StatusCode::OK, "{what}: {e}");
        }
        let walk_in = json!({"motif_id": motif, "applicant": someone()});
        let (s, _, w) = call!(
            app,
            post(
                &format!("/api/v1/admin/sites/{site}/walk-ins"),
                &agent,
                walk_in
            )
        );
        assert_eq!(s, StatusCode::CREATED, "{w}");
        clock.advance(paris(day, 18, 0) - paris(day, 10, 2));
        let (s, _, e) = call!(app, step(&booked[1].0, "no-show", &agent, json!({})));
        assert_eq!(s, StatusCode::OK, "{e}");

        let uri = format!("/api/v1/admin/stats?site_id={site}&from={day}&to={day}&group_by=day");
        let (s, _, report) = call!(app, get_as(&uri, &agent));
        assert_eq!(s, StatusCode::OK, "{report}");
        let t = &report["totals"];
        let counts = |keys: &[&str]| {
            keys.iter()
                .map(|k| t[*k].as_u64().unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            counts(&[
                "appointments",
                "booked",
                "cancelled",
                "cancelled_by_applicant",
                "cancelled_by_agent"
            ]),
            vec![6, 4, 2, 1, 1],
            "{}: {t}",
            db.backend()
        );
        assert_eq!(
            counts(&["moved", "honoured", "no_show", "walk_ins"]),
            vec![1, 2, 1, 1],
            "{t}"
        );
        assert_eq!(t["no_show_rate"], json!(0.3333));
        assert!(t["median_wait_minutes"].is_number() && t["median_service_minutes"].is_number());
        let (_, _, view) = call!(
            app,
            get_as(
                &format!("/api/v1/admin/sites/{site}/day?date={day}"),
                &agent
            )
        );
        assert_eq!(
            t["capacity_minutes"].as_i64(),
            Some(open_minutes(&view)),
            "{view}"
        );
        assert_eq!(report["rows"].as_array().unwrap().len(), 1);
        assert_eq!(report["rows"][0]["period"], day.to_string());
        assert_eq!(report["no_show_rate_by_channel"]["web"], json!(0.5));
        assert_eq!(report["no_show_rate_by_channel"]["walk_in"], json!(0.0));

        let (_, _, by_motif) = call!(app, get_as(&format!("{uri}&by=motif"), &agent));
        let row = &by_motif["rows"].as_array().unwrap()[0];
        assert_eq!(
            (row["key"].as_str(), row["capacity_minutes"].is_null()),
            (Some(motif.as_str()), true)
        );
        assert!(row["label"].as_str().unwrap().starts_with("Renouvellement"));
        let (_, _, by_guichet) = call!(app, get_as(&format!("{uri}&by=guichet"), &agent));
        let total: i64 = by_guichet["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["capacity_minutes"].as_i64().unwrap())
            .sum();
        assert_eq!(Some(total), t["capacity_minutes"].as_i64());

        let csv = TestRequest::get()
            .uri(&uri)
            .insert_header(("Authorization", agent.clone()))
            .insert_header(("Accept", "text/csv"));
        let res = test::call_service(&app, csv.to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers().get("content-type").unwrap(),
            "text/csv; charset=utf-8"
        );
        let body = test::read_body(res).await;
        assert!(body.starts_with(b"\xEF\xBB\xBFperiod,key,label,capacity_minutes,appointments"));
        let text = String::from_utf8(body[3..].to_vec()).unwrap();
        let line = text.lines().nth(1).unwrap();
        assert!(
            line.starts_with(&format!(
                "{day},,,{},6,4,2,1,1,1,2,1,1,",
                t["capacity_minutes"]
            )),
            "{line}"
        );
        let same = TestRequest::get()
            .uri(&uri.replace("/stats?", "/stats.csv?"))
            .insert_header(("Authorization", agent.clone()));
        let res = test::call_service(&app, same.to_request()).await;
        assert_eq!(test::read_body(res).await, text_with_bom(&text));

        // The whole préfecture, for its administrator; not for an agent of
        // another site.
        let admin = token("admin_prefecture", &["93"]);
        let (s, _, all) = call!(
            app,
            get_as(
                &format!("/api/v1/admin/stats?prefecture=93&from={day}&to={day}"),
                &admin
            )
        );
        assert_eq!(s, StatusCode::OK);
        assert!(all["site_ids"].as_array().unwrap().len() > 1);
        assert_eq!(all["totals"]["appointments"], 6);
        let elsewhere = token("agent", &["4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"]);
        let (s, _, _) = call!(app, get_as(&uri, &elsewhere));
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, _) = call!(
            app,
            get_as(
                &format!("/api/v1/admin/stats?prefecture=93&from={day}&to={day}"),
                &elsewhere
            )
        );
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

fn text_with_bom(text: &str) -> actix_web::web::Bytes {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(text.as_bytes());
    bytes.into()
}

#[actix_web::test]
async fn bad_parameters_are_named_and_the_period_is_bounded() {
    let db = TestDb::sqlite();
    let app = test::init_service(planipref_api::app(state(&db))).await;
    let admin = token("admin_prefecture", &["93"]);
    for (query, expected) in [
        ("from=2026-01-01&to=2026-01-31", vec!["site_id"]),
        (
            "prefecture=93&site_id=4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11&from=2026-01-01&to=2026-01-31",
            vec!["site_id"],
        ),
        ("prefecture=93&from=2026-02-01&to=2026-01-01", vec!["to"]),
        ("prefecture=93&from=2026-01-01&to=2027-01-02", vec!["to"]),
        (
            "prefecture=93&from=01/01/2026&to=2026-01-01&group_by=year&by=site",
            vec!["from", "group_by", "by"],
        ),
        (
            "prefecture=XX&from=2026-01-01&to=2026-01-01",
            vec!["prefecture"],
        ),
    ] {
        let (s, _, p) = call!(app, get_as(&format!("/api/v1/admin/stats?{query}"), &admin));
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {p}");
        let mut got = fields(&p);
        got.sort();
        let mut expected: Vec<String> = expected.into_iter().map(str::to_owned).collect();
        expected.sort();
        assert_eq!(got, expected, "{query}");
    }
    let (s, _, _) = call!(
        app,
        get_as(
            "/api/v1/admin/stats?prefecture=2A&from=2026-01-01&to=2026-01-01",
            &token("admin_national", &[])
        )
    );
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn the_delai_is_sampled_once_a_day_and_shown_per_site_to_the_public() {
    for db in TestDb::each() {
        let day = next_open_weekday();
        let clock = paris_clock_at(day - Duration::days(1), 5, 0);
        let app_state = state(&db).with_clock(clock.clone());
        let app = test::init_service(planipref_api::app(app_state.clone())).await;
        let uri = "/api/v1/demarches/sejour-renouvellement/delays?departement=93";
        let store = db.store();

        // Before the sampling hour in Paris (La Réunion's motifs, three
        // hours ahead, are sampled): nothing sampled in Seine-Saint-Denis.
        planipref_api::app::delays::sample_due(
            store,
            app_state.now(),
            (10_000, std::time::Duration::from_secs(600)),
        )
        .unwrap();
        let res = test::call_service(&app, TestRequest::get().uri(uri).to_request()).await;
        assert_eq!(
            res.headers().get("cache-control").unwrap(),
            "public, max-age=300"
        );
        let before: Value = test::read_body_json(res).await;
        let sites = before["sites"].as_array().unwrap();
        assert!(!sites.is_empty(), "{before}");
        assert!(
            sites
                .iter()
                .all(|s| s["today_days"].is_null() && s["sampled_days"] == 0)
        );

        clock.advance(Duration::hours(2));
        let sampled = planipref_api::app::delays::sample_due(
            store,
            app_state.now(),
            (10_000, std::time::Duration::from_secs(600)),
        )
        .unwrap();
        assert!(sampled > 0);
        assert_eq!(
            planipref_api::app::delays::sample_due(
                store,
                app_state.now(),
                (10_000, std::time::Duration::from_secs(600))
            )
            .unwrap(),
            0,
            "once a day"
        );
        let (s, _, after) = call!(app, TestRequest::get().uri(uri));
        assert_eq!(s, StatusCode::OK);
        let (motif, site) = bobigny_motif(store, "Renouvellement");
        let bobigny = after["sites"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["site_id"] == site.as_str())
            .unwrap();
        // The demo's first free slot of the renewal is the next open
        // weekday: a day after the clock's.
        let (_, _, first) = call!(
            app,
            TestRequest::get().uri(&format!(
                "/api/v1/motifs/{motif}/slots?from={}&to={}",
                day - Duration::days(1),
                day + Duration::days(6)
            ))
        );
        let first_day: NaiveDate = first["slots"][0]["start"].as_str().unwrap()[..10]
            .parse()
            .unwrap();
        assert_eq!(
            bobigny["today_days"].as_i64(),
            Some((first_day - (day - Duration::days(1))).num_days()),
            "{after}"
        );
        assert_eq!(bobigny["sampled_days"], 1);
        assert_eq!(bobigny["full_days"], 0, "a free slot was found");
        assert_eq!(
            bobigny["median_30_days"].as_f64(),
            bobigny["today_days"].as_f64()
        );
        let written = after.to_string();
        assert!(!written.contains('@'), "no personal data");

        // Statistics show the motif's median délai.
        let admin = token("admin_prefecture", &["93"]);
        let stats = format!(
            "/api/v1/admin/stats?site_id={site}&from={}&to={}&by=motif",
            day - Duration::days(1),
            day - Duration::days(1)
        );
        let (_, _, report) = call!(app, get_as(&stats, &admin));
        let row = report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == motif.as_str());
        assert_eq!(
            row.map(|r| r["median_delay_days"].clone()),
            Some(
                bobigny["today_days"]
                    .clone()
                    .as_f64()
                    .map_or(Value::Null, |d| json!(d))
            ),
            "{report}"
        );

        let (s, _, p) = call!(
            app,
            TestRequest::get().uri("/api/v1/demarches/sejour-renouvellement/delays?departement=XX")
        );
        assert_eq!(
            (s, fields(&p)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec!["departement".to_owned()]
            )
        );
        let (s, _, _) = call!(
            app,
            TestRequest::get().uri("/api/v1/demarches/nope/delays?departement=93")
        );
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}
