//! Anti-capture through the API, on SQLite and PostgreSQL: a cancelled
//! slot cannot be handed over, new days open at a moment nobody knows,
//! one identity cannot stock appointments, and the préfecture's settings
//! are checked, scoped and audited.

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use chrono::{Days, Utc};
use planipref_store::Store;
use planipref_test_support::TestDb;
use serde_json::{Value, json};

use crate::common::requests::{book, problem, slots_on};
use crate::common::{get_as, put, someone, state, token};

/// Bobigny's motifs by label prefix.
fn bobigny_motif(store: &Store, label: &str) -> String {
    crate::common::bobigny_motif(store, label).0
}

fn cancel(reference: &str, management: &str) -> TestRequest {
    TestRequest::post()
        .uri(&format!("/api/v1/reservations/{reference}/cancel"))
        .insert_header(("X-Management-Token", management.to_owned()))
}

const SETTINGS: &str = "/api/v1/admin/prefectures/93/anti-capture";

#[actix_web::test]
async fn a_cancelled_slot_cannot_be_handed_over_to_the_buyer_waiting_for_it() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let motif = bobigny_motif(db.store(), "Renouvellement");
        let day = crate::common::next_open_weekday();
        let (_, _, open) = call!(app, slots_on(&motif, day));
        let start = open["slots"][0]["start"].as_str().unwrap().to_owned();
        let capacity = open["slots"][0]["remaining"].as_u64().unwrap();
        // The reseller's bots fill the slot.
        let mut bookings = vec![];
        for _ in 0..capacity {
            let (s, _, b) = call!(app, book(&motif, &start, someone()));
            assert_eq!(s, StatusCode::CREATED, "{b}");
            bookings.push((
                b["reference"].as_str().unwrap().to_owned(),
                b["management_token"].as_str().unwrap().to_owned(),
            ));
        }
        // The reseller cancels one while the buyer books at once: refused,
        // by a hold nobody can confirm, for a delay nobody knows.
        let (reference, management) = &bookings[0];
        let (s, _, _) = call!(app, cancel(reference, management));
        assert_eq!(s, StatusCode::OK);
        let buyer = someone();
        let (s, _, b) = call!(app, book(&motif, &start, buyer.clone()));
        assert_eq!(
            (s, problem(&b)),
            (StatusCode::CONFLICT, "slot-taken"),
            "{}",
            db.backend()
        );
        let (s, _, _) = call!(
            app,
            TestRequest::post()
                .uri("/api/v1/holds")
                .set_json(json!({"motif_id": motif, "start": start}))
        );
        assert_eq!(s, StatusCode::CONFLICT);
        let (_, _, listed) = call!(app, slots_on(&motif, day));
        assert!(
            listed["slots"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["start"] != start.as_str()),
            "not offered yet"
        );
        let now = Utc::now();
        let store = db.store();
        assert_eq!(store.count_pending_releases(now).unwrap(), 1);
        assert_eq!(
            store
                .count_pending_releases(now + chrono::Duration::minutes(61))
                .unwrap(),
            0,
            "offered again within the préfecture's bounds"
        );

        // A préfecture that wants cancelled slots back at once says so.
        let admin = token("admin_prefecture", &["93"]);
        let (s, _, set) = call!(
            app,
            put(
                SETTINGS,
                &admin,
                json!({"release_delay_min_minutes": 0, "release_delay_max_minutes": 0})
            )
        );
        assert_eq!(s, StatusCode::OK, "{set}");
        let (reference, management) = &bookings[1];
        let (s, _, _) = call!(app, cancel(reference, management));
        assert_eq!(s, StatusCode::OK);
        let (s, _, b) = call!(app, book(&motif, &start, buyer));
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
}

#[actix_web::test]
async fn the_newest_day_opens_at_the_drawn_moment_not_at_midnight() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let motif = bobigny_motif(db.store(), "Renouvellement");
        let admin = token("admin_prefecture", &["93"]);
        let paris_now = Utc::now().with_timezone(&chrono_tz::Europe::Paris);
        let today = paris_now.date_naive();
        // The newest day of the window: an open weekday.
        let newest = crate::common::next_open_weekday();
        let window = (newest - today).num_days();
        let (s, _, _) = call!(
            app,
            put(
                &format!("/api/v1/admin/motifs/{motif}"),
                &admin,
                json!({"booking_window_days": window})
            )
        );
        assert_eq!(s, StatusCode::OK);
        let open_at = |start: u32, length: u32| {
            put(
                SETTINGS,
                &admin,
                json!({"opening_start_minute": start, "opening_window_minutes": length}),
            )
        };
        // Opens at 23:59 today: not yet (unless this runs in that minute).
        if paris_now.time() < chrono::NaiveTime::from_hms_opt(23, 59, 0).unwrap() {
            let (s, _, _) = call!(app, open_at(23 * 60 + 59, 0));
            assert_eq!(s, StatusCode::OK);
            let (s, _, shut) = call!(app, slots_on(&motif, newest));
            assert_eq!(s, StatusCode::OK);
            assert_eq!(shut["slots"], json!([]), "{}", db.backend());
            // The day before is open all the same.
            let (_, _, before) = call!(app, slots_on(&motif, newest - Days::new(1)));
            let weekday_before = chrono::Datelike::weekday(&(newest - Days::new(1)));
            if weekday_before.number_from_monday() <= 5 {
                assert_ne!(before["slots"], json!([]));
            }
        }
        // Opened at midnight: offered (the kept answer was dropped).
        let (s, _, _) = call!(app, open_at(0, 0));
        assert_eq!(s, StatusCode::OK);
        let (_, _, open) = call!(app, slots_on(&motif, newest));
        assert_ne!(open["slots"], json!([]), "{open}");
    }
}

/// Two démarches of Bobigny, a préfecture limiting each person to one
/// coming appointment: (motif, first free start) of each.
async fn one_appointment_each<S, B>(app: &S, store: &Store) -> [(String, String); 2]
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let admin = token("admin_prefecture", &["93"]);
    let (s, _, _) = call!(
        app,
        put(SETTINGS, &admin, json!({"max_active_per_person": 1}))
    );
    assert_eq!(s, StatusCode::OK);
    let day = crate::common::next_open_weekday();
    let mut found = Vec::new();
    for label in ["Renouvellement", "Première"] {
        let motif = bobigny_motif(store, label);
        let (_, _, open) = call!(app, slots_on(&motif, day));
        let start = open["slots"][0]["start"].as_str().unwrap().to_owned();
        found.push((motif, start));
    }
    [found[0].clone(), found[1].clone()]
}

#[actix_web::test]
async fn one_identity_cannot_stock_appointments_across_demarches() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let [(renouvellement, a), (premiere, b)] = one_appointment_each(&app, db.store()).await;
        let person = someone();
        let (s, _, booked) = call!(app, book(&renouvellement, &a, person.clone()));
        assert_eq!(s, StatusCode::CREATED, "{booked}");
        let (s, _, refused) = call!(app, book(&premiere, &b, person.clone()));
        assert_eq!(
            (s, problem(&refused)),
            (StatusCode::CONFLICT, "too-many-appointments"),
            "{}",
            db.backend()
        );
        assert_eq!(db.store().count_reservations().unwrap(), 1);
        // Cancelled, the first frees the person's quota.
        let (s, _, _) = call!(
            app,
            cancel(
                booked["reference"].as_str().unwrap(),
                booked["management_token"].as_str().unwrap()
            )
        );
        assert_eq!(s, StatusCode::OK);
        let (s, _, _) = call!(app, book(&premiere, &b, person));
        assert_eq!(s, StatusCode::CREATED);
    }
}

#[actix_web::test]
async fn alternating_file_numbers_cannot_stock_appointments_across_demarches() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let [(renouvellement, a), (premiere, b)] = one_appointment_each(&app, db.store()).await;
        let person = someone();
        let mut numbered = person.clone();
        numbered["file_number"] = json!("9301234567");
        let (s, _, booked) = call!(app, book(&renouvellement, &a, numbered));
        assert_eq!(s, StatusCode::CREATED, "{booked}");
        let mut renumbered = person.clone();
        renumbered["file_number"] = json!("9307654321");
        for (what, who) in [("without", person), ("another number", renumbered)] {
            let (s, _, refused) = call!(app, book(&premiere, &b, who));
            assert_eq!(
                (s, problem(&refused)),
                (StatusCode::CONFLICT, "too-many-appointments"),
                "{}: {what}: {refused}",
                db.backend()
            );
        }
        assert_eq!(db.store().count_reservations().unwrap(), 1);
    }
}

#[actix_web::test]
async fn anti_capture_settings_are_checked_scoped_and_audited() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let admin = token("admin_prefecture", &["93"]);
        let (s, _, defaults) = call!(app, get_as(SETTINGS, &admin));
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            defaults,
            json!({
                "release_delay_min_minutes": 5, "release_delay_max_minutes": 60,
                "opening_start_minute": 420, "opening_window_minutes": 180,
                "max_active_per_person": 3, "convocation_release_hours": 48,
                "version": 1
            })
        );
        let (s, _, b) = call!(
            app,
            put(
                SETTINGS,
                &admin,
                json!({
                    "release_delay_min_minutes": 90,
                    "opening_start_minute": 1440,
                    "max_active_per_person": 0
                })
            )
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(
            crate::common::fields(&b),
            [
                "opening_start_minute",
                "release_delay_max_minutes",
                "max_active_per_person"
            ]
        );
        let (_, _, unchanged) = call!(app, get_as(SETTINGS, &admin));
        assert_eq!(unchanged, defaults, "nothing written");

        let stranger = token("admin_prefecture", &["75"]);
        let (s, _, _) = call!(app, get_as(SETTINGS, &stranger));
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, _) = call!(
            app,
            put(SETTINGS, &stranger, json!({"max_active_per_person": 5}))
        );
        assert_eq!(s, StatusCode::FORBIDDEN);

        let (s, _, changed) = call!(
            app,
            put(
                SETTINGS,
                &admin,
                json!({"release_delay_min_minutes": 10, "release_delay_max_minutes": 90})
            )
        );
        assert_eq!(s, StatusCode::OK);
        assert_eq!(changed["release_delay_min_minutes"], 10);
        assert_eq!(changed["opening_window_minutes"], 180, "kept");
        let (_, _, trail) = call!(app, get_as("/api/v1/admin/audit?entity=prefecture", &admin));
        let entry = trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["entity"] == "prefecture")
            .unwrap_or_else(|| panic!("audited: {trail}"))
            .clone();
        assert_eq!(entry["before"]["release_delay_min_minutes"], 5);
        assert_eq!(entry["after"]["release_delay_max_minutes"], 90);
    }
}

/// A request from `peer`, as a real client's would be.
fn from(req: TestRequest, peer: &str) -> TestRequest {
    req.peer_addr(format!("{peer}:40000").parse().unwrap())
}

#[actix_web::test]
async fn one_client_holding_fifty_slots_gets_only_a_few() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let motif = bobigny_motif(db.store(), "Renouvellement");
        let from_day = crate::common::next_open_weekday();
        let (_, _, open) = call!(
            app,
            TestRequest::get().uri(&format!(
                "/api/v1/motifs/{motif}/slots?from={from_day}&to={}",
                from_day + Days::new(13)
            ))
        );
        let starts: Vec<String> = open["slots"]
            .as_array()
            .unwrap()
            .iter()
            .take(50)
            .map(|s| s["start"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(starts.len(), 50);
        let hold = |start: &str| {
            TestRequest::post()
                .uri("/api/v1/holds")
                .set_json(json!({"motif_id": motif, "start": start}))
        };
        let mut kept = 0;
        let mut refused = 0;
        for start in &starts {
            let res = test::call_service(&app, from(hold(start), "203.0.113.9").to_request()).await;
            match res.status() {
                StatusCode::CREATED => kept += 1,
                StatusCode::TOO_MANY_REQUESTS => {
                    let wait = crate::common::retry_after(res.headers());
                    assert!((1..=601).contains(&wait), "until a hold lapses: {wait}");
                    refused += 1;
                }
                other => panic!("{other}"),
            }
        }
        assert_eq!((kept, refused), (3, 47), "{}", db.backend());
        assert_eq!(db.store().count_live_holds(Utc::now()).unwrap(), 3);
        // Another client is not concerned.
        let (s, _, _) = call!(app, from(hold(&starts[10]), "203.0.113.10"));
        assert_eq!(s, StatusCode::CREATED);
    }
}

#[actix_web::test]
async fn searches_beyond_the_rate_wait_and_forwarded_addresses_count_only_from_trusted_proxies() {
    let db = TestDb::sqlite();
    let limits = planipref_api::http::limits::LimitSettings {
        searches_per_minute: 3,
        trusted_proxies: vec!["10.0.0.1".parse().unwrap()],
        ..Default::default()
    };
    let app = test::init_service(planipref_api::app(state(&db).with_limits(limits))).await;
    let motif = bobigny_motif(db.store(), "Renouvellement");
    let day = crate::common::next_open_weekday();
    let search = || slots_on(&motif, day);
    for _ in 0..3 {
        let (s, _, _) = call!(app, from(search(), "203.0.113.20"));
        assert_eq!(s, StatusCode::OK);
    }
    let res = test::call_service(&app, from(search(), "203.0.113.20").to_request()).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    let body: Value = serde_json::from_slice(&test::read_body(res).await).unwrap();
    assert_eq!(problem(&body), "too-many-requests");

    // A bot cannot be a new client at each request by forging the header…
    let forged = from(search(), "203.0.113.20").insert_header(("X-Forwarded-For", "198.51.100.1"));
    let (s, _, _) = call!(app, forged);
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    // …but the applicants behind a trusted proxy are counted apart.
    for n in 1..=5 {
        let behind = from(search(), "10.0.0.1")
            .insert_header(("X-Forwarded-For", format!("198.51.100.{n}")));
        let (s, _, _) = call!(app, behind);
        assert_eq!(s, StatusCode::OK, "client {n}");
    }
    // Reading a reservation or the health is never counted.
    for _ in 0..5 {
        let (s, _, _) = call!(
            app,
            from(TestRequest::get().uri("/api/v1/health"), "203.0.113.20")
        );
        assert_eq!(s, StatusCode::OK);
    }
}

#[actix_web::test]
async fn percent_encoded_paths_are_counted_like_the_routes_they_reach() {
    let db = TestDb::sqlite();
    let limits = planipref_api::http::limits::LimitSettings {
        searches_per_minute: 2,
        holds_per_minute: 2,
        bookings_per_minute: 2,
        ..Default::default()
    };
    let app = test::init_service(planipref_api::app(state(&db).with_limits(limits))).await;
    let motif = bobigny_motif(db.store(), "Renouvellement");
    let day = crate::common::next_open_weekday();
    // Searches: the encoded form is served (it reaches the slots), and it
    // counts against the same rate as the plain one.
    let encoded = format!("/api/v1/motifs/{motif}/%73lots?from={day}&to={day}");
    let (s, _, body) = call!(app, from(TestRequest::get().uri(&encoded), "203.0.113.30"));
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(body["slots"].is_array(), "{body}");
    let (s, _, _) = call!(app, from(slots_on(&motif, day), "203.0.113.30"));
    assert_eq!(s, StatusCode::OK);
    let (s, _, body) = call!(app, from(TestRequest::get().uri(&encoded), "203.0.113.30"));
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(problem(&body), "too-many-requests");
    let upper = format!("/api/v1/%6Dotifs/{motif}/slots?from={day}&to={day}");
    let (s, _, _) = call!(app, from(TestRequest::get().uri(&upper), "203.0.113.30"));
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "any encoded letter");
    // Holds and bookings: refused requests count too (a bot probing with
    // bad bodies is still limited).
    for (path, kind) in [
        ("/api/v1/%68olds", "holds"),
        ("/api/v1/%72eservations", "bookings"),
        ("/api/v1/reservation%73", "bookings (another letter)"),
    ] {
        let peer = if kind.starts_with("holds") {
            "203.0.113.31"
        } else {
            "203.0.113.32"
        };
        let attempt = || {
            from(
                TestRequest::post()
                    .uri(path)
                    .set_json(json!({"motif_id": motif, "start": "x"})),
                peer,
            )
        };
        if !kind.contains("another") {
            for _ in 0..2 {
                let (s, _, body) = call!(app, attempt());
                // Served (refused by the handler, not unrouted).
                assert!(
                    [StatusCode::BAD_REQUEST, StatusCode::UNPROCESSABLE_ENTITY].contains(&s),
                    "{kind} served: {s} {body}"
                );
            }
        }
        let (s, _, body) = call!(app, attempt());
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{kind}: {body}");
    }
}

#[actix_web::test]
async fn the_client_is_the_right_most_address_not_added_by_a_trusted_proxy_on_any_line() {
    let db = TestDb::sqlite();
    let limits = planipref_api::http::limits::LimitSettings {
        searches_per_minute: 2,
        trusted_proxies: vec!["10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap()],
        ..Default::default()
    };
    let app = test::init_service(planipref_api::app(state(&db).with_limits(limits))).await;
    let motif = bobigny_motif(db.store(), "Renouvellement");
    let day = crate::common::next_open_weekday();
    // The client forges a first line at each request; the trusted proxies
    // add their own lines after it. Only the address they vouch for counts.
    for n in 1..=3 {
        let req = from(slots_on(&motif, day), "10.0.0.1")
            .append_header(("X-Forwarded-For", format!("192.0.2.{n}")))
            .append_header(("X-Forwarded-For", "198.51.100.7"))
            .append_header(("X-Forwarded-For", "10.0.0.2"));
        let (s, _, _) = call!(app, req);
        let expected = if n <= 2 {
            StatusCode::OK
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(s, expected, "request {n}");
    }
    // Another applicant behind the same proxies is counted apart.
    let other = from(slots_on(&motif, day), "10.0.0.1")
        .append_header(("X-Forwarded-For", "198.51.100.8, 10.0.0.2"));
    let (s, _, _) = call!(app, other);
    assert_eq!(s, StatusCode::OK);
}

/// Bobigny's guichets serving `motif`, as the organisation lists them.
async fn guichets_of<S, B>(app: &S, site: &str, motif: &str, admin: &str) -> Vec<Value>
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let res = test::call_service(
        app,
        get_as(&format!("/api/v1/admin/sites/{site}/organisation"), admin).to_request(),
    )
    .await;
    let org: Value = serde_json::from_slice(&test::read_body(res).await).unwrap();
    org["guichets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["motif_ids"].as_array().unwrap().contains(&json!(motif)))
        .cloned()
        .collect()
}

#[actix_web::test]
async fn walk_in_counters_are_never_offered_and_convocation_counters_only_to_convocations() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let store = db.store();
        let motif = bobigny_motif(store, "Renouvellement");
        let site = store.get_motif(&motif).unwrap().2.id;
        let admin = token("admin_prefecture", &["93"]);
        let guichets = guichets_of(&app, &site, &motif, &admin).await;
        assert!(guichets.len() >= 3, "{guichets:?}");
        let day = crate::common::next_open_weekday();
        let remaining = |list: &Value, start: &str| {
            list["slots"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["start"] == start)
                .map_or(0, |s| s["remaining"].as_u64().unwrap())
        };
        let (_, _, before) = call!(app, slots_on(&motif, day));
        let start = before["slots"][0]["start"].as_str().unwrap().to_owned();
        let all = remaining(&before, &start);
        assert_eq!(all, guichets.len() as u64);

        let set_channel = |g: &Value, channel: &str| {
            put(
                &format!("/api/v1/admin/guichets/{}", g["id"].as_str().unwrap()),
                &admin,
                json!({
                    "name": g["name"], "motif_ids": g["motif_ids"], "active": true,
                    "channel": channel
                }),
            )
        };
        let (s, _, changed) = call!(app, set_channel(&guichets[0], "walk_in"));
        assert_eq!(
            (s, &changed["guichet"]["channel"]),
            (StatusCode::OK, &json!("walk_in"))
        );
        let (s, _, changed) = call!(app, set_channel(&guichets[1], "convocation"));
        assert_eq!(s, StatusCode::OK, "{changed}");
        let (s, _, b) = call!(app, set_channel(&guichets[2], "everyone"));
        assert_eq!(
            (s, crate::common::fields(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["channel".to_owned()])
        );

        // The public sees neither the walk-in nor (a week ahead) the
        // convocation counter, and books only the rest.
        let (_, _, public) = call!(app, slots_on(&motif, day));
        assert_eq!(remaining(&public, &start), all - 2, "{}", db.backend());
        for _ in 0..all - 2 {
            let (s, _, b) = call!(app, book(&motif, &start, someone()));
            assert_eq!(s, StatusCode::CREATED, "{b}");
        }
        let (s, _, b) = call!(app, book(&motif, &start, someone()));
        assert_eq!((s, problem(&b)), (StatusCode::CONFLICT, "slot-taken"));

        // A convocation's holder books the convocation counter.
        let (_, _, issued) = call!(
            app,
            crate::common::post(
                "/api/v1/admin/convocations",
                &admin,
                json!({"motif_id": motif, "person": {
                    "last_name": "Diallo", "first_names": "Moussa", "birth_date": "1985-01-01"
                }})
            )
        );
        let link = issued["token"].as_str().unwrap().to_owned();
        let (_, _, convoked) = call!(
            app,
            slots_on(&motif, day).insert_header(("X-Convocation-Token", link.clone()))
        );
        assert_eq!(remaining(&convoked, &start), 1, "the convocation counter");
        let moussa = json!({
            "last_name": "Diallo", "first_names": "Moussa", "birth_date": "1985-01-01",
            "email": "m.diallo@example.org", "phone": "+33612345678"
        });
        let (s, _, b) = call!(
            app,
            book(&motif, &start, moussa).insert_header(("X-Convocation-Token", link))
        );
        assert_eq!(s, StatusCode::CREATED, "{b}");
        // The walk-in counter is still free, and still not offered.
        let (_, _, full) = call!(app, slots_on(&motif, day));
        assert_eq!(remaining(&full, &start), 0);
        let (s, _, _) = call!(app, book(&motif, &start, someone()));
        assert_eq!(s, StatusCode::CONFLICT);

        // Released to the public the given hours before the day: a later
        // slot's convocation counter is then offered to anyone.
        let later = before["slots"][1]["start"].as_str().unwrap().to_owned();
        let (_, _, kept) = call!(app, slots_on(&motif, day));
        assert_eq!(remaining(&kept, &later), all - 2);
        let (s, _, _) = call!(
            app,
            put(SETTINGS, &admin, json!({"convocation_release_hours": 720}))
        );
        assert_eq!(s, StatusCode::OK);
        let (_, _, released) = call!(app, slots_on(&motif, day));
        assert_eq!(remaining(&released, &later), all - 1);
    }
}

/// A router context for `demarche`, expiring in `seconds` (negative:
/// expired), naming `person` (family, given, birth) when given, signed
/// with `settings`.
fn context_token(
    settings: &planipref_api::security::agent::AuthSettings,
    demarche: &str,
    seconds: i64,
    person: Option<(&str, &str, &str)>,
) -> String {
    let now = Utc::now().timestamp();
    let claims = planipref_api::security::router::ContextClaims {
        iss: settings.issuer.clone(),
        aud: settings.audience.clone().into(),
        exp: u64::try_from(now + seconds).unwrap(),
        nbf: None,
        iat: Some(u64::try_from(now).unwrap()),
        demarche: demarche.into(),
        commune: Some("93008".into()),
        family_name: person.map(|p| p.0.into()),
        given_name: person.map(|p| p.1.into()),
        birthdate: person.map(|p| p.2.into()),
        file_number: None,
    };
    planipref_api::security::agent::Minter::new(settings)
        .unwrap()
        .mint(&claims)
        .unwrap()
}

fn routed(req: TestRequest, token: &str) -> TestRequest {
    req.insert_header(("X-Planipref-Context", token.to_owned()))
}

#[actix_web::test]
async fn a_router_context_for_one_demarche_cannot_book_another_or_someone_else() {
    let router = planipref_api::security::router::development_router();
    for db in TestDb::each() {
        let verifier = planipref_api::security::router::ContextVerifier::new(&router).unwrap();
        let app = test::init_service(planipref_api::app(state(&db).with_router(verifier))).await;
        let renouvellement = bobigny_motif(db.store(), "Renouvellement");
        let premiere = bobigny_motif(db.store(), "Première");
        let day = crate::common::next_open_weekday();
        let aissata = ("N'Diaye", "Aïssata", "1990-04-12");
        let signed = context_token(&router, "sejour-renouvellement", 600, Some(aissata));

        let (s, _, open) = call!(app, routed(slots_on(&renouvellement, day), &signed));
        assert_eq!(s, StatusCode::OK, "{open}");
        let start = open["slots"][0]["start"].as_str().unwrap().to_owned();
        let (_, _, other) = call!(app, slots_on(&premiere, day));
        let other_start = other["slots"][0]["start"].as_str().unwrap().to_owned();

        // Another démarche: not searched, held or booked with it.
        let (s, _, b) = call!(app, routed(slots_on(&premiere, day), &signed));
        assert_eq!(
            (s, problem(&b)),
            (StatusCode::FORBIDDEN, "context-other-demarche")
        );
        let (s, _, b) = call!(
            app,
            routed(
                TestRequest::post()
                    .uri("/api/v1/holds")
                    .set_json(json!({"motif_id": premiere, "start": other_start})),
                &signed
            )
        );
        assert_eq!(
            (s, problem(&b)),
            (StatusCode::FORBIDDEN, "context-other-demarche")
        );
        let applicant = json!({
            "last_name": "NDIAYE", "first_names": "aissata", "birth_date": "1990-04-12",
            "email": "a@example.org", "phone": "+33612345678"
        });
        let (s, _, b) = call!(
            app,
            routed(book(&premiere, &other_start, applicant.clone()), &signed)
        );
        assert_eq!(
            (s, problem(&b)),
            (StatusCode::FORBIDDEN, "context-other-demarche")
        );
        let (s, _, b) = call!(
            app,
            routed(
                TestRequest::get()
                    .uri("/api/v1/orientation?demarche=sejour-premiere-demande&commune=93008"),
                &signed
            )
        );
        assert_eq!(
            (s, problem(&b)),
            (StatusCode::FORBIDDEN, "context-other-demarche")
        );

        // Someone else than the person signed in: refused.
        let (s, _, b) = call!(
            app,
            routed(book(&renouvellement, &start, someone()), &signed)
        );
        assert_eq!(
            (s, problem(&b)),
            (StatusCode::FORBIDDEN, "context-other-person"),
            "{b}"
        );
        assert_eq!(db.store().count_reservations().unwrap(), 0);
        let (s, _, b) = call!(
            app,
            routed(book(&renouvellement, &start, applicant), &signed)
        );
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let booked = b.clone();

        // Tampered, expired, or signed by someone else: 401.
        let mut tampered = signed.clone();
        let last = tampered.pop().unwrap();
        tampered.push(if last == 'A' { 'B' } else { 'A' });
        let expired = context_token(&router, "sejour-renouvellement", -120, None);
        let agents = planipref_api::security::agent::AuthSettings {
            issuer: router.issuer.clone(),
            audience: router.audience.clone(),
            ..planipref_api::security::agent::AuthSettings::development()
        };
        let foreign = context_token(&agents, "sejour-renouvellement", 600, None);
        for bad in [tampered, expired, foreign, "not-a-jwt".to_owned()] {
            let res = test::call_service(
                &app,
                routed(slots_on(&renouvellement, day), &bad).to_request(),
            )
            .await;
            assert_context_refused(res, &bad).await;
        }

        // A motif may require the router's context.
        let admin = token("admin_prefecture", &["93"]);
        let (s, _, m) = call!(
            app,
            put(
                &format!("/api/v1/admin/motifs/{renouvellement}"),
                &admin,
                json!({"requires_context": true})
            )
        );
        assert_eq!((s, &m["requires_context"]), (StatusCode::OK, &json!(true)));
        let (s, _, b) = call!(app, slots_on(&renouvellement, day));
        assert_eq!(
            (s, problem(&b)),
            (StatusCode::FORBIDDEN, "context-required")
        );
        let (s, _, b) = call!(app, book(&renouvellement, &other_start, someone()));
        assert_eq!(
            (s, problem(&b)),
            (StatusCode::FORBIDDEN, "context-required")
        );
        let anyone = context_token(&router, "sejour-renouvellement", 600, None);
        let (s, _, _) = call!(app, routed(slots_on(&renouvellement, day), &anyone));
        assert_eq!(s, StatusCode::OK);
        // The first slot is still shown (orientation's answer), and the
        // booked applicant still moves their appointment.
        let site = db.store().get_motif(&renouvellement).unwrap().2.id;
        let (s, _, first) = call!(
            app,
            routed(
                TestRequest::get().uri(&format!(
                    "/api/v1/sites/{site}/first-slot?demarche=sejour-renouvellement"
                )),
                &anyone
            )
        );
        assert_eq!(s, StatusCode::OK, "{first}");
        assert!(first["slot"].is_object(), "{first}");
        // Without the context, neither the first slot nor orientation
        // shows its slots: they are the router's to offer.
        for query in [
            format!("motif_id={renouvellement}"),
            "demarche=sejour-renouvellement".to_owned(),
        ] {
            let (s, _, b) = call!(
                app,
                TestRequest::get().uri(&format!("/api/v1/sites/{site}/first-slot?{query}"))
            );
            assert_eq!(
                (s, problem(&b)),
                (StatusCode::FORBIDDEN, "context-required"),
                "{query}: {b}"
            );
        }
        db.store().sync_communes().unwrap();
        let orientation = "/api/v1/orientation?demarche=sejour-renouvellement&commune=93008";
        let offers = |answer: &Value| -> Vec<Value> {
            std::iter::once(answer["competent"].clone())
                .chain(
                    answer["other_sites"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default(),
                )
                .filter(|o| o["motif"]["id"] == json!(renouvellement))
                .collect()
        };
        let (s, _, public) = call!(app, TestRequest::get().uri(orientation));
        assert_eq!(s, StatusCode::OK, "{public}");
        let hidden = offers(&public);
        assert!(!hidden.is_empty(), "the site is still shown: {public}");
        assert!(hidden.iter().all(|o| o["first_slot"].is_null()), "{public}");
        let (s, _, routed_answer) =
            call!(app, routed(TestRequest::get().uri(orientation), &anyone));
        assert_eq!(s, StatusCode::OK, "{routed_answer}");
        assert!(
            offers(&routed_answer)
                .iter()
                .any(|o| o["first_slot"].is_object()),
            "with the context, its slot: {routed_answer}"
        );
        let reference = booked["reference"].as_str().unwrap();
        let management = booked["management_token"].as_str().unwrap().to_owned();
        let (s, _, moved) = call!(
            app,
            TestRequest::post()
                .uri(&format!("/api/v1/reservations/{reference}/reschedule"))
                .insert_header(("X-Management-Token", management))
                .set_json(json!({"start": open["slots"][1]["start"]}))
        );
        assert_eq!(s, StatusCode::OK, "{moved}");
    }
}

#[actix_web::test]
async fn a_server_without_a_router_refuses_contexts() {
    let db = TestDb::sqlite();
    let app = test::init_service(planipref_api::app(state(&db))).await;
    let motif = bobigny_motif(db.store(), "Renouvellement");
    let router = planipref_api::security::router::development_router();
    let token = context_token(&router, "sejour-renouvellement", 600, None);
    let res = test::call_service(
        &app,
        routed(slots_on(&motif, crate::common::next_open_weekday()), &token).to_request(),
    )
    .await;
    assert_context_refused(res, "a context, no router").await;
}

/// A router context that does not verify: 401 with the context's own
/// problem type, and no `WWW-Authenticate: Bearer` challenge, which would
/// send the applicant's browser or client after an agent's token.
async fn assert_context_refused(
    res: actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
    what: &str,
) {
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{what}");
    assert!(
        res.headers().get("www-authenticate").is_none(),
        "{what}: {:?}",
        res.headers().get("www-authenticate")
    );
    let b: Value = test::read_body_json(res).await;
    assert_eq!(problem(&b), "invalid-context", "{what}: {b}");
    assert!(
        b["title"].as_str().unwrap().contains("router's context"),
        "{b}"
    );
}
