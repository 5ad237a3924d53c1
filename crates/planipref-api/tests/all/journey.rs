//! The booking journey through the API, on SQLite and PostgreSQL: holds
//! that keep a slot, their confirmation, release and expiry, and doublons.

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use chrono::{DateTime, Days, Duration, Utc};
use planipref_domain::ids::MotifId;
use planipref_store::{NewHold, Store};
use planipref_test_support::TestDb;
use serde_json::{Value, json};

use crate::common::requests::{book, hold};
use crate::common::{ShiftedClock, fields, prefecture_motif, someone, state, token};

/// Bobigny's préfecture.
fn bobigny(store: &Store) -> String {
    prefecture_motif(store, "93", "Renouvellement").1
}

/// Bobigny's residence-permit renewal motif (a démarche of the catalogue).
fn renouvellement(store: &Store) -> MotifId {
    renouvellement_in(store, "93")
}

/// The residence-permit renewal motif at a département's préfecture.
fn renouvellement_in(store: &Store, departement: &str) -> MotifId {
    prefecture_motif(store, departement, "Renouvellement")
        .0
        .parse()
        .expect("id")
}

/// The slots of next week's first open days.
fn slots_uri(motif: MotifId) -> String {
    let from = Utc::now().date_naive() + Days::new(7);
    format!(
        "/api/v1/motifs/{motif}/slots?from={from}&to={}",
        from + Days::new(6)
    )
}

fn confirm(hold_id: &str, applicant: Value) -> TestRequest {
    TestRequest::post()
        .uri("/api/v1/reservations")
        .set_json(json!({"hold_id": hold_id, "applicant": applicant}))
}

/// The remaining counters at `start`, or 0 when the slot is not listed.
fn remaining_at(slots: &Value, start: &str) -> i64 {
    slots["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .find(|s| s["start"] == start)
        .map_or(0, |s| s["remaining"].as_i64().expect("remaining"))
}

#[actix_web::test]
async fn a_hold_keeps_the_slot_until_it_is_confirmed_as_the_reservation() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let motif = renouvellement(db.store());
        let (_, _, slots) = call!(app, TestRequest::get().uri(&slots_uri(motif)));
        let start = slots["slots"][0]["start"]
            .as_str()
            .expect("start")
            .to_owned();
        let before = remaining_at(&slots, &start);

        let (s, location, held) = call!(app, hold(motif, &start));
        assert_eq!(s, StatusCode::CREATED, "{}: {held}", db.backend());
        let hold_id = held["hold_id"].as_str().expect("hold_id").to_owned();
        assert_eq!(
            location.as_deref(),
            Some(format!("/api/v1/holds/{hold_id}").as_str())
        );
        assert_eq!(held["start"], start.as_str());
        let expires: DateTime<Utc> = held["expires_at"].as_str().unwrap().parse().unwrap();
        let minutes = (expires - Utc::now()).num_seconds();
        assert!(
            (540..=600).contains(&minutes),
            "kept ten minutes, not {minutes} s"
        );

        // Held: one counter fewer, at once (the cached list is not reused).
        let (_, _, slots) = call!(app, TestRequest::get().uri(&slots_uri(motif)));
        assert_eq!(remaining_at(&slots, &start), before - 1);
        let (s, _, read) = call!(
            app,
            TestRequest::get().uri(&format!("/api/v1/holds/{hold_id}"))
        );
        assert_eq!((s, &read["hold_id"]), (StatusCode::OK, &held["hold_id"]));

        // Confirmed: the reservation takes the hold's slot, and the hold
        // is gone; the counter stays taken.
        let applicant = someone();
        let (s, _, created) = call!(app, confirm(&hold_id, applicant.clone()));
        assert_eq!(s, StatusCode::CREATED, "{created}");
        assert_eq!(created["reservation"]["start"], start.as_str());
        assert_eq!(created["reservation"]["persons"], 1);
        let (s, _, _) = call!(
            app,
            TestRequest::get().uri(&format!("/api/v1/holds/{hold_id}"))
        );
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, _, slots) = call!(app, TestRequest::get().uri(&slots_uri(motif)));
        assert_eq!(remaining_at(&slots, &start), before - 1);
        let (s, _, again) = call!(app, confirm(&hold_id, someone()));
        assert_eq!(s, StatusCode::NOT_FOUND, "a hold books once: {again}");
        assert_eq!(db.store().count_reservations().unwrap(), 1);

        // Its history says it came from a hold.
        let reference =
            planipref_domain::reference::Reference::parse(created["reference"].as_str().unwrap())
                .unwrap();
        let detail = db.store().find_reservation(&reference).unwrap();
        let events = db
            .store()
            .reservation_events(detail.reservation.id.parse().unwrap())
            .unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(
            (events[0].action.as_str(), events[0].actor.as_str()),
            ("confirmed", "applicant")
        );
    }
}

#[actix_web::test]
async fn a_hold_lasts_as_long_as_the_deployment_says() {
    for db in TestDb::each() {
        let settings = planipref_api::state::BookingSettings { hold_minutes: 3 };
        let app = test::init_service(planipref_api::app(state(&db).with_booking(settings))).await;
        let motif = renouvellement(db.store());
        let (_, _, slots) = call!(app, TestRequest::get().uri(&slots_uri(motif)));
        let start = slots["slots"][0]["start"].as_str().unwrap().to_owned();
        // Times are kept to the microsecond.
        let asked = Utc::now() - Duration::milliseconds(1);
        let (s, _, held) = call!(app, hold(motif, &start));
        let answered = Utc::now();
        assert_eq!(s, StatusCode::CREATED, "{held}");
        let expires: DateTime<Utc> = held["expires_at"].as_str().unwrap().parse().unwrap();
        let three = Duration::minutes(3);
        assert!(
            asked + three <= expires && expires <= answered + three,
            "kept three minutes from the request: {asked} {expires} {answered}"
        );
        // What the database keeps agrees with the answer.
        let row = db
            .store()
            .find_hold(held["hold_id"].as_str().unwrap().parse().unwrap())
            .unwrap();
        assert_eq!(
            row.expires_at.and_utc().timestamp(),
            expires.timestamp(),
            "{}",
            db.backend()
        );
    }
}

#[actix_web::test]
async fn held_counters_are_refused_to_others_and_a_release_frees_them_before_expiry() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let store = db.store();
        let motif = renouvellement(store);
        let (_, _, slots) = call!(app, TestRequest::get().uri(&slots_uri(motif)));
        let start = slots["slots"][0]["start"].as_str().unwrap().to_owned();
        let capacity = remaining_at(&slots, &start);
        let mut holds = Vec::new();
        for _ in 0..capacity {
            let (s, _, held) = call!(app, hold(motif, &start));
            assert_eq!(s, StatusCode::CREATED, "{held}");
            holds.push(held["hold_id"].as_str().unwrap().to_owned());
        }
        // Every counter is held: neither a hold nor a booking gets in.
        let (s, _, _) = call!(app, hold(motif, &start));
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, _, _) = call!(app, book(motif, &start, someone()));
        assert_eq!(s, StatusCode::CONFLICT);
        let (_, _, slots) = call!(app, TestRequest::get().uri(&slots_uri(motif)));
        assert_eq!(remaining_at(&slots, &start), 0);

        // One applicant gives up: the hold is gone at once (nobody can
        // confirm it), and its counter is free at a drawn moment before
        // the hold would have expired, never later.
        let uri = format!("/api/v1/holds/{}", holds[0]);
        let (s, _, _) = call!(app, TestRequest::delete().uri(&uri));
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, _, _) = call!(app, TestRequest::delete().uri(&uri));
        assert_eq!(s, StatusCode::NOT_FOUND, "released once");
        let (s, _, _) = call!(app, confirm(&holds[0], someone()));
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(store.count_live_holds(Utc::now()).unwrap(), capacity - 1);
        let expiry = Utc::now() + Duration::minutes(10) + Duration::seconds(1);
        assert_eq!(store.count_pending_releases(expiry).unwrap(), 0);

        // Drawn "now", the counter is someone else's at once; drawn near
        // the end, it stays taken until then.
        let id = |h: &str| h.parse().unwrap();
        store.release_hold(id(&holds[1]), Utc::now(), 0).unwrap();
        let (s, _, b) = call!(app, book(motif, &start, someone()));
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let later = slots_uri(motif);
        let (_, _, listed) = call!(app, TestRequest::get().uri(&later));
        let other = listed["slots"][1]["start"].as_str().unwrap().to_owned();
        let free = remaining_at(&listed, &other);
        let (_, _, held) = call!(app, hold(motif, &other));
        let kept = held["hold_id"].as_str().unwrap().to_owned();
        store.release_hold(id(&kept), Utc::now(), 590).unwrap();
        let (_, _, listed) = call!(app, TestRequest::get().uri(&later));
        assert_eq!(
            remaining_at(&listed, &other),
            free - 1,
            "kept until the drawn moment"
        );
    }
}

#[actix_web::test]
async fn an_expired_hold_stops_counting_at_once_and_cannot_be_confirmed() {
    for db in TestDb::each() {
        let clock = std::sync::Arc::new(ShiftedClock::default());
        let app =
            test::init_service(planipref_api::app(state(&db).with_clock(clock.clone()))).await;
        let store = db.store();
        let motif = renouvellement(store);
        let (_, _, slots) = call!(app, TestRequest::get().uri(&slots_uri(motif)));
        let start_text = slots["slots"][0]["start"].as_str().unwrap().to_owned();
        let capacity = remaining_at(&slots, &start_text);
        // Every counter held, for one second (the API's holds last minutes:
        // the store is asked directly).
        let start: DateTime<Utc> = start_text.parse().unwrap();
        let schedule = store
            .motif_schedule(
                &motif.to_string(),
                start - Duration::days(1),
                start + Duration::days(1),
                Utc::now(),
            )
            .unwrap();
        let now = Utc::now();
        let new = NewHold {
            site_id: schedule.site.id.parse().unwrap(),
            motif_id: motif,
            start,
            end: start + Duration::minutes(i64::from(schedule.motif.duration_minutes)),
            persons: 1,
            now,
            expires_at: now + Duration::seconds(1),
            time_zone: chrono_tz::Europe::Paris,
            convocation_id: None,
            client_key: None,
            max_client_holds: 0,
            extra: None,
            file_check: None,
        };
        let mut held = Vec::new();
        for guichet in &schedule.guichets {
            if let Ok(h) = store.create_hold(&new, std::slice::from_ref(guichet)) {
                held.push(h.id);
            }
        }
        assert_eq!(held.len() as i64, capacity);
        let (_, _, slots) = call!(app, TestRequest::get().uri(&slots_uri(motif)));
        assert_eq!(remaining_at(&slots, &start_text), 0, "held, and cached so");

        clock.advance(Duration::seconds(2));
        // Nothing was written, and the slot is offered again: the cached
        // list lapsed with the first hold.
        let (_, _, slots) = call!(app, TestRequest::get().uri(&slots_uri(motif)));
        assert_eq!(remaining_at(&slots, &start_text), capacity);
        let (s, _, gone) = call!(app, confirm(&held[0], someone()));
        assert_eq!(s, StatusCode::GONE, "{gone}");
        assert_eq!(gone["type"], "urn:planipref:problem:hold-expired");
        let (s, _, _) = call!(
            app,
            TestRequest::get().uri(&format!("/api/v1/holds/{}", held[1]))
        );
        assert_eq!(s, StatusCode::GONE);
        // Its counter is booked by another applicant (the expired hold's
        // time is taken over in the same transaction).
        for _ in 0..capacity {
            let (s, _, b) = call!(app, book(motif, &start_text, someone()));
            assert_eq!(s, StatusCode::CREATED, "{b}");
        }
        assert_eq!(store.count_reservations().unwrap(), capacity);
        // The cleanup removes expired holds only.
        let later = planipref_api::app::clock::Clock::now(clock.as_ref());
        assert_eq!(store.purge_expired_holds(later).unwrap(), held.len());
    }
}

#[actix_web::test]
async fn a_person_books_one_coming_appointment_per_demarche() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let motif = renouvellement(db.store());
        let (_, _, slots) = call!(app, TestRequest::get().uri(&slots_uri(motif)));
        let first = slots["slots"][0]["start"].as_str().unwrap().to_owned();
        let second = slots["slots"][1]["start"].as_str().unwrap().to_owned();
        let person = json!({
            "last_name": "N'Diaye", "first_names": "Aïssata Marie", "birth_date": "1990-04-12",
            "email": "a@example.org", "phone": "06 12 34 56 78"
        });
        let (s, _, created) = call!(app, book(motif, &first, person.clone()));
        assert_eq!(s, StatusCode::CREATED, "{created}");

        // The same person, written otherwise: refused, without details.
        let same = json!({
            "last_name": "NDIAYE", "first_names": "aissata-marie", "birth_date": "1990-04-12",
            "email": "other@example.org", "phone": "+33 7 00 00 00 00"
        });
        let (s, _, refused) = call!(app, book(motif, &second, same));
        assert_eq!(s, StatusCode::CONFLICT, "{refused}");
        assert_eq!(refused["type"], "urn:planipref:problem:already-booked");
        assert!(
            !refused
                .to_string()
                .contains(created["reference"].as_str().unwrap())
        );
        // A hold does not get around it.
        let (s, _, held) = call!(app, hold(motif, &second));
        assert_eq!(s, StatusCode::CREATED);
        let (s, _, _) = call!(
            app,
            confirm(held["hold_id"].as_str().unwrap(), person.clone())
        );
        assert_eq!(s, StatusCode::CONFLICT);
        assert_eq!(db.store().count_reservations().unwrap(), 1);

        // Someone else with the same name but another birth date books.
        let namesake = json!({
            "last_name": "N'Diaye", "first_names": "Aïssata Marie", "birth_date": "1991-04-12",
            "email": "b@example.org", "phone": "06 12 34 56 78"
        });
        let (s, _, _) = call!(app, book(motif, &second, namesake));
        assert_eq!(s, StatusCode::CREATED);

        // Cancelled, the appointment no longer counts.
        let reference = created["reference"].as_str().unwrap();
        let token = created["management_token"].as_str().unwrap();
        let (s, _, _) = call!(
            app,
            TestRequest::post()
                .uri(&format!("/api/v1/reservations/{reference}/cancel"))
                .insert_header(("X-Management-Token", token))
        );
        assert_eq!(s, StatusCode::OK);
        let (s, _, b) = call!(app, book(motif, &first, person));
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
}

#[actix_web::test]
async fn a_person_has_one_coming_appointment_per_demarche_in_the_whole_country() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        // The same démarche at two préfectures, an ocean apart.
        let bobigny = renouvellement_in(db.store(), "93");
        let reunion = renouvellement_in(db.store(), "974");
        let (_, _, here) = call!(app, TestRequest::get().uri(&slots_uri(bobigny)));
        let (_, _, there) = call!(app, TestRequest::get().uri(&slots_uri(reunion)));
        let start =
            |slots: &Value, i: usize| slots["slots"][i]["start"].as_str().unwrap().to_owned();

        let person = someone();
        let (s, _, created) = call!(app, book(bobigny, &start(&here, 0), person.clone()));
        assert_eq!(s, StatusCode::CREATED, "{created}");
        let (s, _, refused) = call!(app, book(reunion, &start(&there, 0), person));
        assert_eq!(s, StatusCode::CONFLICT, "{}: {refused}", db.backend());
        assert_eq!(refused["type"], "urn:planipref:problem:already-booked");
        assert!(
            !refused.to_string().contains("Bobigny"),
            "no details: {refused}"
        );

        // By file number too, whatever the names, from the other side.
        let mut numbered = someone();
        numbered["file_number"] = json!("9740123456");
        let (s, _, _) = call!(app, book(reunion, &start(&there, 0), numbered));
        assert_eq!(s, StatusCode::CREATED);
        let mut renamed = someone();
        renamed["file_number"] = json!("9740123456");
        let (s, _, refused) = call!(app, book(bobigny, &start(&here, 1), renamed));
        assert_eq!(s, StatusCode::CONFLICT);
        assert_eq!(refused["type"], "urn:planipref:problem:already-booked");
        assert_eq!(db.store().count_reservations().unwrap(), 2);
    }
}

#[actix_web::test]
async fn the_file_number_identifies_the_person_whatever_the_names() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let motif = renouvellement(db.store());
        let (_, _, slots) = call!(app, TestRequest::get().uri(&slots_uri(motif)));
        let start = |i: usize| slots["slots"][i]["start"].as_str().unwrap().to_owned();
        let mut one = someone();
        one["file_number"] = json!("75 0123 4567");
        one["nationality"] = json!("sen");
        let (s, _, created) = call!(app, book(motif, &start(0), one));
        assert_eq!(s, StatusCode::CREATED, "{created}");
        let applicant = &created["reservation"]["applicant"];
        assert_eq!(
            (
                applicant["file_number"].as_str(),
                applicant["nationality"].as_str()
            ),
            (Some("7501234567"), Some("SEN"))
        );
        let mut renamed = someone();
        renamed["file_number"] = json!("7501234567");
        let (s, _, _) = call!(app, book(motif, &start(1), renamed));
        assert_eq!(s, StatusCode::CONFLICT);
    }
}

#[actix_web::test]
async fn a_person_giving_a_file_number_or_not_or_another_one_books_once_per_demarche() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let motif = renouvellement(db.store());
        let (_, _, slots) = call!(app, TestRequest::get().uri(&slots_uri(motif)));
        let start = |i: usize| slots["slots"][i]["start"].as_str().unwrap().to_owned();
        let with_number = |person: &Value, number: &str| {
            let mut numbered = person.clone();
            numbered["file_number"] = json!(number);
            numbered
        };
        let refused_as_doublon = |s: StatusCode, body: &Value, created: &Value, what: &str| {
            assert_eq!(s, StatusCode::CONFLICT, "{}: {what}: {body}", db.backend());
            assert_eq!(body["type"], "urn:planipref:problem:already-booked");
            // Nothing about the appointment already booked.
            let shown = body.to_string();
            assert!(!shown.contains(created["reference"].as_str().unwrap()));
            assert!(!shown.contains(&created["reservation"]["start"].to_string()));
        };

        // (a) With a file number, then without.
        let person = someone();
        let (s, _, created) = call!(
            app,
            book(motif, &start(0), with_number(&person, "7501234567"))
        );
        assert_eq!(s, StatusCode::CREATED, "{created}");
        let (s, _, body) = call!(app, book(motif, &start(1), person.clone()));
        refused_as_doublon(s, &body, &created, "without");
        // (c) With another number, through a hold as well.
        let (s, _, body) = call!(
            app,
            book(motif, &start(1), with_number(&person, "7509876543"))
        );
        refused_as_doublon(s, &body, &created, "another number");
        let (s, _, held) = call!(app, hold(motif, &start(1)));
        assert_eq!(s, StatusCode::CREATED, "{held}");
        let (s, _, body) = call!(
            app,
            confirm(
                held["hold_id"].as_str().unwrap(),
                with_number(&person, "7509876543")
            )
        );
        refused_as_doublon(s, &body, &created, "another number, held");

        // (b) Without a file number, then with one.
        let other = someone();
        let (s, _, created) = call!(app, book(motif, &start(2), other.clone()));
        assert_eq!(s, StatusCode::CREATED, "{created}");
        let (s, _, body) = call!(
            app,
            book(motif, &start(3), with_number(&other, "7500000001"))
        );
        refused_as_doublon(s, &body, &created, "with");
        assert_eq!(db.store().count_reservations().unwrap(), 2);
    }
}

#[actix_web::test]
async fn a_vietnamese_name_written_without_its_marks_is_the_same_person() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let motif = renouvellement(db.store());
        let (_, _, slots) = call!(app, TestRequest::get().uri(&slots_uri(motif)));
        let start = |i: usize| slots["slots"][i]["start"].as_str().unwrap().to_owned();
        let applicant = |last: &str, first: &str| {
            json!({
                "last_name": last, "first_names": first, "birth_date": "1994-09-02",
                "email": "lan@example.org", "phone": "06 12 34 56 78"
            })
        };
        let (s, _, created) = call!(app, book(motif, &start(0), applicant("Nguyễn", "Thị Lan")));
        assert_eq!(s, StatusCode::CREATED, "{created}");
        for (last, first) in [("NGUYEN", "Thi Lan"), ("Nguyen", "THỊ-LAN")] {
            let (s, _, refused) = call!(app, book(motif, &start(1), applicant(last, first)));
            assert_eq!(
                s,
                StatusCode::CONFLICT,
                "{}: {last} / {first}: {refused}",
                db.backend()
            );
            assert_eq!(refused["type"], "urn:planipref:problem:already-booked");
        }
        assert_eq!(db.store().count_reservations().unwrap(), 1);
    }
}

#[actix_web::test]
async fn malformed_holds_and_bookings_name_their_fields_and_write_nothing() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let motif = renouvellement(db.store());
        let cases = [
            (
                TestRequest::post().uri("/api/v1/holds").set_json(json!({"motif_id": "x", "start": "tomorrow", "persons": 0})),
                vec!["motif_id", "persons", "start"],
            ),
            (
                TestRequest::post().uri("/api/v1/reservations").set_json(json!({
                    "hold_id": "0b7e4c2d-5a1f-4e3b-9c8d-7f6a5b4c3d2e", "motif_id": motif.to_string(),
                    "applicant": someone()
                })),
                vec!["hold_id"],
            ),
            (
                TestRequest::post().uri("/api/v1/reservations").set_json(json!({
                    "hold_id": "not-a-hold", "persons": 2, "applicant": someone()
                })),
                vec!["hold_id", "persons"],
            ),
            (
                {
                    let mut a = someone();
                    a["file_number"] = json!("123456789");
                    a["nationality"] = json!("FR");
                    TestRequest::post().uri("/api/v1/reservations").set_json(json!({"applicant": a}))
                },
                vec!["applicant.file_number", "applicant.nationality", "motif_id", "start"],
            ),
        ];
        for (request, expected) in cases {
            let (s, _, problem) = call!(app, request);
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
            let mut got = fields(&problem);
            got.sort();
            assert_eq!(got, expected, "{problem}");
        }
        let (s, _, _) = call!(
            app,
            TestRequest::post()
                .uri("/api/v1/reservations")
                .set_json(json!({
                    "hold_id": "0b7e4c2d-5a1f-4e3b-9c8d-7f6a5b4c3d2e", "applicant": someone()
                }))
        );
        assert_eq!(s, StatusCode::NOT_FOUND, "an unknown hold");
        assert_eq!(db.store().count_reservations().unwrap(), 0);
        assert_eq!(db.store().count_live_holds(Utc::now()).unwrap(), 0);
    }
}

#[actix_web::test]
async fn a_retried_booking_with_its_idempotency_key_gets_the_first_answer_and_books_nothing() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let motif = renouvellement(db.store());
        let (_, _, slots) = call!(app, TestRequest::get().uri(&slots_uri(motif)));
        let start = slots["slots"][0]["start"].as_str().unwrap().to_owned();
        let key = "5d1c9a0e-2b7f-4e83-9a61-0c4d8e2f7b35";
        let applicant = someone();
        let with_key = |body: Value, key: &str| {
            TestRequest::post()
                .uri("/api/v1/reservations")
                .insert_header(("Idempotency-Key", key.to_owned()))
                .set_json(body)
        };
        let body = json!({"motif_id": motif.to_string(), "start": start, "applicant": applicant});

        let first = test::call_service(&app, with_key(body.clone(), key).to_request()).await;
        assert_eq!(first.status(), StatusCode::CREATED);
        assert!(first.headers().get("idempotent-replayed").is_none());
        let first: Value = test::read_body_json(first).await;
        let again = test::call_service(&app, with_key(body.clone(), key).to_request()).await;
        assert_eq!(again.status(), StatusCode::CREATED);
        assert_eq!(again.headers().get("idempotent-replayed").unwrap(), "true");
        assert_eq!(
            again.headers().get("location").unwrap().to_str().unwrap(),
            format!(
                "/api/v1/reservations/{}",
                first["reference"].as_str().unwrap()
            )
        );
        let again: Value = test::read_body_json(again).await;
        assert_eq!(again, first, "the same reference and token");
        assert_eq!(db.store().count_reservations().unwrap(), 1);

        // The token is not readable in the database.
        let token = first["management_token"].as_str().unwrap().to_owned();
        let kept = db.store().kept_idempotent_answers().unwrap();
        assert_eq!(kept.len(), 1);
        assert!(!kept[0].contains(&token) && !kept[0].contains("management_token"));

        // The same key for another request: 422 naming the header.
        let mut other = body.clone();
        other["applicant"] = someone();
        let (s, _, problem) = call!(app, with_key(other, key));
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(fields(&problem), vec!["Idempotency-Key"]);
        // A malformed key: 422, nothing written.
        let (s, _, problem) = call!(app, with_key(body.clone(), "short"));
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&problem), vec!["Idempotency-Key"]);
        assert_eq!(db.store().count_reservations().unwrap(), 1);

        // A refusal is kept too: the retry of a doublon is the same 409.
        let doublon = json!({"motif_id": motif.to_string(), "start": slots["slots"][1]["start"], "applicant": body["applicant"]});
        let other_key = "c0ffee00-2b7f-4e83-9a61-0c4d8e2f7b35";
        let (s1, _, p1) = call!(app, with_key(doublon.clone(), other_key));
        let replayed = test::call_service(&app, with_key(doublon, other_key).to_request()).await;
        assert_eq!(
            (s1, replayed.status()),
            (StatusCode::CONFLICT, StatusCode::CONFLICT)
        );
        assert_eq!(
            replayed.headers().get("content-type").unwrap(),
            "application/problem+json"
        );
        let p2: Value = test::read_body_json(replayed).await;
        assert_eq!(p1, p2);
        assert_eq!(db.store().count_reservations().unwrap(), 1);
    }
}

/// Books the first slot for someone: (start, reference, token).
async fn booked(
    app: &impl actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
    >,
    motif: MotifId,
    slots: &Value,
    i: usize,
) -> (String, String, String) {
    let start = slots["slots"][i]["start"].as_str().unwrap().to_owned();
    let res = test::call_service(app, book(motif, &start, someone()).to_request()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = test::read_body_json(res).await;
    (
        start,
        created["reference"].as_str().unwrap().to_owned(),
        created["management_token"].as_str().unwrap().to_owned(),
    )
}

fn as_applicant(req: TestRequest, token: &str) -> TestRequest {
    req.insert_header(("X-Management-Token", token.to_owned()))
}

#[actix_web::test]
async fn an_applicant_moves_an_appointment_atomically_and_it_is_in_the_history() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let motif = renouvellement(db.store());
        let (_, _, slots) = call!(app, TestRequest::get().uri(&slots_uri(motif)));
        // Stored times may be cut to the microsecond.
        let began = Utc::now() - Duration::milliseconds(1);
        let (start, reference, key) = booked(&app, motif, &slots, 0).await;
        let target = slots["slots"][2]["start"].as_str().unwrap().to_owned();
        let reschedule = |to: &str| {
            as_applicant(
                TestRequest::post()
                    .uri(&format!("/api/v1/reservations/{reference}/reschedule"))
                    .set_json(json!({"start": to})),
                &key,
            )
        };
        // To its own slot, or to something that is not a slot: 422.
        let (s, _, p) = call!(app, reschedule(&start));
        assert_eq!(
            (s, fields(&p)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["start".to_owned()])
        );
        let (s, _, _) = call!(app, reschedule("2026-13-01T09:00:00+01:00"));
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

        // The target full: 409, and the appointment stays where it was.
        let full = remaining_at(&slots, &target);
        for _ in 0..full {
            let (s, _, _) = call!(app, book(motif, &target, someone()));
            assert_eq!(s, StatusCode::CREATED);
        }
        let (s, _, _) = call!(app, reschedule(&target));
        assert_eq!(s, StatusCode::CONFLICT);
        let (_, _, read) = call!(
            app,
            as_applicant(
                TestRequest::get().uri(&format!("/api/v1/reservations/{reference}")),
                &key
            )
        );
        assert_eq!(read["start"], start.as_str());

        // A free slot: moved; the old slot is offered again after a
        // random delay (nobody can hand it over by moving away from it).
        let free = slots["slots"][1]["start"].as_str().unwrap().to_owned();
        let (s, _, moved) = call!(app, reschedule(&free));
        assert_eq!(s, StatusCode::OK, "{moved}");
        assert_eq!(moved["start"], free.as_str());
        let (_, _, now) = call!(app, TestRequest::get().uri(&slots_uri(motif)));
        assert_eq!(remaining_at(&now, &start), remaining_at(&slots, &start) - 1);
        assert_eq!(db.store().count_pending_releases(Utc::now()).unwrap(), 1);
        assert_eq!(remaining_at(&now, &free), remaining_at(&slots, &free) - 1);

        // The history, for an agent of the site: created, then moved by
        // the applicant with the times before and after.
        let agent = token("agent", &[&bobigny(db.store())]);
        let history_of = || {
            TestRequest::get()
                .uri(&format!("/api/v1/admin/reservations/{reference}/history"))
                .insert_header(("Authorization", agent.clone()))
        };
        let (s, _, history) = call!(app, history_of());
        assert_eq!(s, StatusCode::OK, "{history}");
        let entries = history["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(
            (&entries[0]["action"], &entries[0]["actor"]),
            (&json!("created"), &json!("applicant"))
        );
        assert_eq!(entries[1]["action"], "rescheduled");
        let instant = |v: &Value| v.as_str().unwrap().parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            instant(&entries[1]["previous"]["start"]),
            start.parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            instant(&entries[1]["current"]["start"]),
            free.parse::<DateTime<Utc>>().unwrap()
        );
        // Each entry is dated when it happened: after the test began,
        // before the history was read.
        let read_at = Utc::now();
        for entry in entries {
            let at = instant(&entry["at"]);
            assert!(began <= at && at <= read_at, "{began} {at} {read_at}");
        }

        // Once cancelled, it cannot move.
        let (s, _, _) = call!(
            app,
            as_applicant(
                TestRequest::post().uri(&format!("/api/v1/reservations/{reference}/cancel")),
                &key
            )
        );
        assert_eq!(s, StatusCode::OK);
        let (s, _, _) = call!(app, reschedule(&target));
        assert_eq!(s, StatusCode::CONFLICT);

        // The cancellation is one more entry; those before are unchanged.
        let (_, _, after) = call!(app, history_of());
        let after = after["entries"].as_array().unwrap();
        assert_eq!(after.len(), 3);
        assert_eq!(&after[..2], &entries[..]);
        assert_eq!(
            (&after[2]["action"], &after[2]["actor"]),
            (&json!("cancelled"), &json!("applicant"))
        );
    }
}

#[actix_web::test]
async fn the_calendar_file_gives_the_appointment_in_utc_with_what_to_bring() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let motif = renouvellement(db.store());
        let (_, _, slots) = call!(app, TestRequest::get().uri(&slots_uri(motif)));
        let (start, reference, key) = booked(&app, motif, &slots, 0).await;
        let uri = format!("/api/v1/reservations/{reference}/ics");
        let res = test::call_service(
            &app,
            as_applicant(TestRequest::get().uri(&uri), &key).to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers().get("content-type").unwrap(),
            "text/calendar; charset=utf-8"
        );
        let ics = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
        let start: DateTime<Utc> = start.parse().unwrap();
        assert!(
            ics.contains(&format!(
                "\r\nDTSTART:{}\r\n",
                start.format("%Y%m%dT%H%M%SZ")
            )),
            "{ics}"
        );
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(&reference), "the reference is in it");
        assert!(unfolded.contains("LOCATION:Préfecture"), "{unfolded}");
        assert!(unfolded.contains("STATUS:CONFIRMED"));
        let motif_row = db.store().get_motif(&motif.to_string()).unwrap().0;
        for document in motif_row.document_list() {
            let escaped = document.replace(',', "\\,").replace(';', "\\;");
            assert!(unfolded.contains(&escaped), "{document}");
        }
        // A wrong token is an unknown reference.
        let (s, _, _) = call!(
            app,
            as_applicant(TestRequest::get().uri(&uri), &"0".repeat(64))
        );
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}

#[actix_web::test]
async fn the_calendar_file_of_an_overseas_site_has_its_times_and_its_address() {
    use chrono::Timelike;
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let motif = renouvellement_in(db.store(), "974");
        let (_, _, slots) = call!(app, TestRequest::get().uri(&slots_uri(motif)));
        let (start, reference, key) = booked(&app, motif, &slots, 0).await;
        // Slots are given in the site's zone (UTC+4, no summer time), and
        // the first is at the opening of the préfecture's counters there.
        let local = DateTime::parse_from_rfc3339(&start).unwrap();
        assert_eq!(local.offset().local_minus_utc(), 4 * 3600, "{start}");
        assert_eq!((local.hour(), local.minute()), (8, 0), "{start}");
        let res = test::call_service(
            &app,
            as_applicant(
                TestRequest::get().uri(&format!("/api/v1/reservations/{reference}/ics")),
                &key,
            )
            .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        let ics = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
        let unfolded = ics.replace("\r\n ", "");
        // 08:00 in Saint-Denis is 04:00 UTC.
        let day = local.format("%Y%m%d");
        assert!(
            unfolded.contains(&format!("\r\nDTSTART:{day}T040000Z\r\n")),
            "{unfolded}"
        );
        let duration = db
            .store()
            .get_motif(&motif.to_string())
            .unwrap()
            .0
            .duration_minutes;
        let end = local.with_timezone(&Utc) + Duration::minutes(i64::from(duration));
        assert!(
            unfolded.contains(&format!("\r\nDTEND:{}\r\n", end.format("%Y%m%dT%H%M%SZ"))),
            "{unfolded}"
        );
        assert!(
            unfolded.contains("Place du Barachois\\, 97400 Saint-Denis"),
            "{unfolded}"
        );
    }
}

#[actix_web::test]
async fn agents_list_cancel_and_move_their_sites_appointments_with_a_reason() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let motif = renouvellement(db.store());
        let site = bobigny(db.store());
        let (_, _, slots) = call!(app, TestRequest::get().uri(&slots_uri(motif)));
        let (start, reference, _) = booked(&app, motif, &slots, 0).await;
        let day = start.get(..10).unwrap().to_owned();
        let agent = token("agent", &[&site]);
        let elsewhere = token("agent", &["00000000-0000-4000-8000-000000000000"]);
        let list = |auth: &str| {
            TestRequest::get()
                .uri(&format!(
                    "/api/v1/admin/sites/{site}/reservations?from={day}&to={day}&status=booked"
                ))
                .insert_header(("Authorization", auth.to_owned()))
        };
        let (s, _, page) = call!(app, list(&agent));
        assert_eq!(s, StatusCode::OK, "{page}");
        assert_eq!(page["total"], 1);
        let item = &page["items"][0];
        assert_eq!(
            (item["reference"].as_str(), item["start"].as_str()),
            (Some(reference.as_str()), Some(start.as_str()))
        );
        assert!(item["last_name"].as_str().unwrap().starts_with("Test"));
        let (s, _, _) = call!(app, list(&elsewhere));
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, _) = call!(
            app,
            TestRequest::get().uri(&format!("/api/v1/admin/sites/{site}/reservations"))
        );
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _, p) = call!(
            app,
            TestRequest::get()
                .uri(&format!(
                    "/api/v1/admin/sites/{site}/reservations?from={day}&to=2099-01-01&status=maybe"
                ))
                .insert_header(("Authorization", agent.clone()))
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");

        let post = |path: &str, auth: &str, body: Value| {
            TestRequest::post()
                .uri(&format!("/api/v1/admin/reservations/{reference}/{path}"))
                .insert_header(("Authorization", auth.to_owned()))
                .set_json(body)
        };
        // Moving needs a reason and a slot.
        let target = slots["slots"][1]["start"].as_str().unwrap().to_owned();
        let (s, _, p) = call!(
            app,
            post("reschedule", &agent, json!({"start": "soon", "reason": ""}))
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let mut got = fields(&p);
        got.sort();
        assert_eq!(got, vec!["reason", "start"]);
        let (s, _, _) = call!(
            app,
            post(
                "reschedule",
                &elsewhere,
                json!({"start": target, "reason": "Demande"})
            )
        );
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, moved) = call!(
            app,
            post(
                "reschedule",
                &agent,
                json!({"start": target, "reason": "Demande au guichet"})
            )
        );
        assert_eq!(s, StatusCode::OK, "{moved}");
        assert_eq!(moved["start"], target.as_str());

        // Cancelling needs a reason too; it is kept with the agent's name.
        let (s, _, p) = call!(app, post("cancel", &agent, json!({"reason": " "})));
        assert_eq!(
            (s, fields(&p)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["reason".to_owned()])
        );
        let (s, _, cancelled) = call!(
            app,
            post("cancel", &agent, json!({"reason": "Agent absent ce jour"}))
        );
        assert_eq!(s, StatusCode::OK, "{cancelled}");
        assert_eq!(cancelled["status"], "cancelled");
        let (_, _, history) = call!(
            app,
            TestRequest::get()
                .uri(&format!("/api/v1/admin/reservations/{reference}/history"))
                .insert_header(("Authorization", agent.clone()))
        );
        let entries: Vec<(String, String, Option<String>)> = history["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["action"].as_str().unwrap().to_owned(),
                    e["actor"].as_str().unwrap().to_owned(),
                    e["reason"].as_str().map(str::to_owned),
                )
            })
            .collect();
        let me = format!("agent:agent-{site}");
        assert_eq!(
            entries,
            vec![
                ("created".to_owned(), "applicant".to_owned(), None),
                (
                    "rescheduled".to_owned(),
                    me.clone(),
                    Some("Demande au guichet".to_owned())
                ),
                (
                    "cancelled".to_owned(),
                    me,
                    Some("Agent absent ce jour".to_owned())
                ),
            ]
        );
        let (s, _, _) = call!(
            app,
            TestRequest::get()
                .uri(&format!("/api/v1/admin/reservations/{reference}/history"))
                .insert_header(("Authorization", elsewhere))
        );
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

#[actix_web::test]
async fn a_prefecture_may_allow_several_appointments_per_person_for_a_motif() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let motif = renouvellement(db.store());
        let admin = token("admin_prefecture", &["93"]);
        let (s, _, updated) = call!(
            app,
            TestRequest::put()
                .uri(&format!("/api/v1/admin/motifs/{motif}"))
                .insert_header(("Authorization", admin))
                .set_json(json!({"refuse_doublons": false}))
        );
        assert_eq!(s, StatusCode::OK, "{updated}");
        assert_eq!(updated["refuse_doublons"], false);
        let (_, _, slots) = call!(app, TestRequest::get().uri(&slots_uri(motif)));
        let person = someone();
        for i in 0..2 {
            let start = slots["slots"][i]["start"].as_str().unwrap();
            let (s, _, b) = call!(app, book(motif, start, person.clone()));
            assert_eq!(s, StatusCode::CREATED, "{b}");
        }
        assert_eq!(db.store().count_reservations().unwrap(), 2);
    }
}

#[actix_web::test]
async fn a_hold_over_a_time_closed_since_is_not_confirmed() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let motif = renouvellement(db.store());
        let (_, _, slots) = call!(app, TestRequest::get().uri(&slots_uri(motif)));
        let start = slots["slots"][0]["start"].as_str().unwrap().to_owned();
        let (s, _, held) = call!(app, hold(motif, &start));
        assert_eq!(s, StatusCode::CREATED);
        // The préfecture closes the site that day (no booking falls in it).
        let day = start.get(..10).unwrap();
        let (s, _, closed) = call!(
            app,
            TestRequest::post()
                .uri(&format!(
                    "/api/v1/admin/sites/{}/fermetures",
                    bobigny(db.store())
                ))
                .insert_header(("Authorization", token("admin_prefecture", &["93"])))
                .set_json(json!({"from_date": day, "to_date": day, "reason": "Inventaire annuel"}))
        );
        assert_eq!(s, StatusCode::CREATED, "{closed}");
        let (s, _, refused) = call!(app, confirm(held["hold_id"].as_str().unwrap(), someone()));
        assert_eq!(s, StatusCode::CONFLICT, "{refused}");
        assert_eq!(refused["type"], "urn:planipref:problem:slot-taken");
        assert_eq!(db.store().count_reservations().unwrap(), 0);
    }
}

#[actix_web::test]
async fn a_booking_must_say_it_is_json_and_may_write_whole_numbers_as_decimals() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let motif = renouvellement(db.store());
        let (_, _, slots) = call!(app, TestRequest::get().uri(&slots_uri(motif)));
        let start = slots["slots"][0]["start"].as_str().unwrap().to_owned();
        let body = json!({
            "motif_id": motif.to_string(), "start": start, "applicant": someone(), "persons": 1.0
        })
        .to_string();
        // A valid booking without Content-Type: 415, nothing booked.
        let (s, _, b) = call!(
            app,
            TestRequest::post()
                .uri("/api/v1/reservations")
                .set_payload(body.clone())
        );
        assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{b}");
        assert_eq!(b["type"], "urn:planipref:problem:unsupported-media-type");
        assert_eq!(
            db.store().count_reservations().unwrap(),
            0,
            "{}",
            db.backend()
        );
        // The same with it: booked, `1.0` read as the integer it is (JSON
        // Schema counts it as one, so generated clients may send it).
        let (s, _, booked) = call!(
            app,
            TestRequest::post()
                .uri("/api/v1/reservations")
                .insert_header(("Content-Type", "application/json"))
                .set_payload(body)
        );
        assert_eq!(s, StatusCode::CREATED, "{booked}");
        assert_eq!(booked["reservation"]["persons"], 1, "{booked}");
        // A fraction is not a number of persons.
        let (s, _, b) = call!(
            app,
            TestRequest::post()
                .uri("/api/v1/holds")
                .set_json(json!({"motif_id": motif.to_string(), "start": start, "persons": 1.5}))
        );
        assert_eq!(
            (s, fields(&b)),
            (StatusCode::BAD_REQUEST, vec!["persons".to_owned()]),
            "{b}"
        );
    }
}
