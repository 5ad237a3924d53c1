//! File-status checks, on SQLite and PostgreSQL, against a local fake
//! connector (a real HTTP server on 127.0.0.1 that checks each request's
//! shape and token): each status decides the hold or booking, a timeout
//! or an unconfigured connector refuses or flags as the démarche says
//! (the flag shown to agents only), identifiers are checked in each
//! system's formats, the same foreigner's number is a doublon, and a
//! convocation's démarches-simplifiées dossier reaches agents only.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use planipref_api::AppState;
use planipref_api::file_status::{Endpoint, FileStatusSettings, HttpFileStatus};
use planipref_test_support::{FileAnswer, FileStatusServer, TestDb};
use serde_json::{Value, json};

use crate::common::requests::{book, hold, problem, slots_on};
use crate::common::{bobigny_motif, fields, get_as, post, put, someone, state, token};

/// The connector's bearer token in these tests.
const TOKEN: &str = "test-connector-token";
/// The démarche of Bobigny's renewal motif.
const RENOUVELLEMENT: &str = "sejour-renouvellement";
/// The démarche of Bobigny's first-request motif, checked with the SNPC
/// here (the demo books no driving-licence démarche: what is tested is
/// the system's identifiers and its connector).
const PREMIERE: &str = "sejour-premiere-demande";

/// The files the fake connector knows.
fn files() -> Vec<(&'static str, FileAnswer)> {
    vec![
        ("7501234567", FileAnswer::Status("validated")),
        ("7500000001", FileAnswer::Status("consumed")),
        ("7500000002", FileAnswer::Status("unknown")),
        ("7500000003", FileAnswer::Status("expired")),
        ("7500000004", FileAnswer::Http(500)),
        ("7500000005", FileAnswer::Garbage),
        ("7500000006", FileAnswer::Status("archived")),
        ("ANEF20260001234", FileAnswer::Status("validated")),
        ("AB12CD34EF", FileAnswer::Status("validated")),
        ("130712345678", FileAnswer::Status("validated")),
    ]
}

/// The demo's state asking both systems through `server`, within
/// `timeout_ms`.
fn connected(db: &TestDb, server: &FileStatusServer, timeout_ms: u64) -> AppState {
    let endpoint = Endpoint {
        url: server.url.clone(),
        token: Some(TOKEN.to_owned()),
    };
    state(db).with_file_status(Arc::new(HttpFileStatus::new(FileStatusSettings {
        anef: Some(endpoint.clone()),
        snpc: Some(endpoint),
        timeout: Duration::from_millis(timeout_ms),
    })))
}

/// Démarche `code` as the public catalogue has it, with `check` (system,
/// policy) set or removed, as a national administrator `PUT`s it.
macro_rules! set_check {
    ($app:expr, $code:expr, $check:expr) => {{
        let (_, _, d) = call!(
            $app,
            TestRequest::get().uri(&format!("/api/v1/demarches/{}", $code))
        );
        let check: Option<(&str, &str)> = $check;
        let body = json!({
            "label": d["label"], "description": d["description"], "documents": d["documents"],
            "default_duration_minutes": d["default_duration_minutes"],
            "file_check": check.map(|c| c.0),
            "file_check_on_failure": check.map(|c| c.1),
        });
        let (s, _, changed) = call!(
            $app,
            put(
                &format!("/api/v1/admin/demarches/{}", $code),
                &token("admin_national", &[]),
                body
            )
        );
        assert_eq!(s, StatusCode::OK, "{changed}");
        changed
    }};
}

/// The first free slot of `motif` on the next open weekday, and that day.
macro_rules! first_slot {
    ($app:expr, $motif:expr) => {{
        let day = crate::common::next_open_weekday();
        let (_, _, open) = call!($app, slots_on(&$motif, day));
        (open["slots"][0]["start"].as_str().unwrap().to_owned(), day)
    }};
}

/// Someone new, with this file number.
fn numbered(number: &str) -> Value {
    let mut who = someone();
    who["file_number"] = json!(number);
    who
}

/// The site's appointments of `day`, as its agents read them.
macro_rules! agents_list {
    ($app:expr, $site:expr, $day:expr) => {{
        let (s, _, page) = call!(
            $app,
            get_as(
                &format!(
                    "/api/v1/admin/sites/{}/reservations?from={}&to={}",
                    $site, $day, $day
                ),
                &token("agent", &[$site.as_str()])
            )
        );
        assert_eq!(s, StatusCode::OK, "{page}");
        page["items"].as_array().unwrap().clone()
    }};
}

#[actix_web::test]
async fn each_status_the_system_answers_decides_the_booking() {
    for db in TestDb::each() {
        let server = FileStatusServer::start(TOKEN, &files());
        let app = test::init_service(planipref_api::app(connected(&db, &server, 2000))).await;
        let (motif, site) = bobigny_motif(db.store(), "Renouvellement");
        let changed = set_check!(app, RENOUVELLEMENT, Some(("anef", "refuse")));
        assert_eq!(changed["demarche"]["file_check"], "anef");
        let (start, day) = first_slot!(app, motif);

        for (number, refused) in [
            ("75 0000 0001", "file-consumed"),
            ("7500000002", "file-unknown"),
            ("7500000003", "file-expired"),
        ] {
            let (s, _, b) = call!(app, book(&motif, &start, numbered(number)));
            assert_eq!(
                (s, problem(&b)),
                (StatusCode::UNPROCESSABLE_ENTITY, refused),
                "{}: {b}",
                db.backend()
            );
            assert_eq!(fields(&b), vec!["applicant.file_number"]);
            assert!(
                !b.to_string().contains("750000000"),
                "the number is not echoed"
            );
        }
        assert_eq!(db.store().count_reservations().unwrap(), 0);

        let (s, _, booked) = call!(app, book(&motif, &start, numbered("7501234567")));
        assert_eq!(s, StatusCode::CREATED, "{}: {booked}", db.backend());
        let listed = agents_list!(app, site, day);
        assert_eq!(
            listed[0]["file_check"],
            json!({"status": "validated", "system": "anef"})
        );

        // Every request had the documented shape (the server answered 400
        // otherwise) and its token: the number normalised, the démarche.
        let requests = server.requests();
        assert_eq!(requests.len(), 4);
        assert_eq!(requests[0].body["file_number"], "7500000001");
        assert_eq!(requests[0].body["system"], "anef");
        assert_eq!(requests[0].body["demarche"], RENOUVELLEMENT);
        assert_eq!(
            requests[0].header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        assert!(
            requests.iter().all(|r| !r.line.contains("750")),
            "no number in the URL"
        );

        // The check removed, nobody is asked any more.
        set_check!(app, RENOUVELLEMENT, None);
        let (s, _, _) = call!(app, book(&motif, &start, numbered("7500000002")));
        assert_eq!(s, StatusCode::CREATED);
        assert_eq!(server.requests().len(), 4);
    }
}

#[actix_web::test]
async fn a_hold_is_checked_and_its_booking_for_the_same_number_asks_nothing_more() {
    for db in TestDb::each() {
        let server = FileStatusServer::start(TOKEN, &files());
        let app = test::init_service(planipref_api::app(connected(&db, &server, 2000))).await;
        let (motif, _) = bobigny_motif(db.store(), "Renouvellement");
        set_check!(app, RENOUVELLEMENT, Some(("anef", "refuse")));
        let (start, _) = first_slot!(app, motif);
        let with_number = |number: &str| {
            TestRequest::post().uri("/api/v1/holds").set_json(json!({
                "motif_id": motif, "start": start, "file_number": number
            }))
        };

        let (s, _, b) = call!(app, hold(&motif, &start));
        assert_eq!(
            (s, fields(&b)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec!["file_number".to_owned()]
            ),
            "{b}"
        );
        let (s, _, b) = call!(app, with_number("7500000003"));
        assert_eq!(
            (s, problem(&b), fields(&b)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "file-expired",
                vec!["file_number".to_owned()]
            ),
            "{b}"
        );
        let now = chrono::Utc::now();
        assert_eq!(db.store().count_live_holds(now).unwrap(), 0);

        let (s, _, held) = call!(app, with_number("ANEF 2026 000-1234"));
        assert_eq!(s, StatusCode::CREATED, "{}: {held}", db.backend());
        let asked = server.requests().len();
        let mut confirm =
            json!({"hold_id": held["hold_id"], "applicant": numbered("anef20260001234")});
        confirm["applicant"]["last_name"] = json!("Holder");
        let (s, _, booked) = call!(
            app,
            TestRequest::post()
                .uri("/api/v1/reservations")
                .set_json(confirm)
        );
        assert_eq!(s, StatusCode::CREATED, "{booked}");
        assert_eq!(server.requests().len(), asked, "the hold's check stands");
        assert_eq!(
            booked["reservation"]["applicant"]["file_number"],
            "ANEF20260001234"
        );
        // The public answer carries no flag.
        assert!(booked.get("file_check").is_none());
        assert!(booked["reservation"].get("file_check").is_none());
    }
}

#[actix_web::test]
async fn a_system_that_does_not_answer_in_time_refuses_or_flags_as_the_demarche_says() {
    for db in TestDb::each() {
        let slow = FileStatusServer::start_slow(TOKEN, &files(), Duration::from_millis(1500));
        let app = test::init_service(planipref_api::app(connected(&db, &slow, 150))).await;
        let (motif, site) = bobigny_motif(db.store(), "Renouvellement");
        let (start, day) = first_slot!(app, motif);

        set_check!(app, RENOUVELLEMENT, Some(("anef", "refuse")));
        let (s, headers, b) =
            crate::common::send(&app, book(&motif, &start, numbered("7501234567"))).await;
        assert_eq!(
            (s, problem(&b)),
            (StatusCode::SERVICE_UNAVAILABLE, "file-check-unavailable"),
            "{}: {b}",
            db.backend()
        );
        assert_eq!(crate::common::retry_after(&headers), 60);
        assert_eq!(db.store().count_reservations().unwrap(), 0);

        set_check!(app, RENOUVELLEMENT, Some(("anef", "accept_and_flag")));
        let (s, _, booked) = call!(app, book(&motif, &start, numbered("7501234567")));
        assert_eq!(s, StatusCode::CREATED, "{}: {booked}", db.backend());
        let flag = json!({"status": "unverified", "system": "anef"});
        assert_eq!(agents_list!(app, site, day)[0]["file_check"], flag);
        let (s, _, counter) = call!(
            app,
            get_as(
                &format!("/api/v1/admin/sites/{site}/day?date={day}"),
                &token("agent", &[site.as_str()])
            )
        );
        assert_eq!(s, StatusCode::OK, "{counter}");
        assert_eq!(counter["items"][0]["file_check"], flag);
        // The applicant reads no flag.
        let reference = booked["reference"].as_str().unwrap();
        let (_, _, public) = call!(
            app,
            TestRequest::get()
                .uri(&format!("/api/v1/reservations/{reference}"))
                .insert_header((
                    "X-Management-Token",
                    booked["management_token"].as_str().unwrap()
                ))
        );
        assert_eq!(public["reference"], reference);
        assert!(!public.to_string().contains("unverified"));
    }
}

#[actix_web::test]
async fn a_failing_or_missing_connector_is_a_failure_under_the_policy() {
    for db in TestDb::each() {
        let server = FileStatusServer::start(TOKEN, &files());
        let app = test::init_service(planipref_api::app(connected(&db, &server, 2000))).await;
        let (motif, _) = bobigny_motif(db.store(), "Renouvellement");
        set_check!(app, RENOUVELLEMENT, Some(("anef", "refuse")));
        let (start, _) = first_slot!(app, motif);
        // A server error, a body that is not JSON, an unknown status.
        for number in ["7500000004", "7500000005", "7500000006"] {
            let (s, _, b) = call!(app, book(&motif, &start, numbered(number)));
            assert_eq!(
                (s, problem(&b)),
                (StatusCode::SERVICE_UNAVAILABLE, "file-check-unavailable"),
                "{number}: {b}"
            );
        }

        // No connector configured at all (the default state).
        let bare = test::init_service(planipref_api::app(state(&db))).await;
        let (motif, site) = bobigny_motif(db.store(), "Première");
        set_check!(bare, PREMIERE, Some(("snpc", "refuse")));
        let (start, day) = first_slot!(bare, motif);
        let (s, _, b) = call!(bare, book(&motif, &start, numbered("AB12CD34EF")));
        assert_eq!(
            (s, problem(&b)),
            (StatusCode::SERVICE_UNAVAILABLE, "file-check-unavailable"),
            "{}: {b}",
            db.backend()
        );
        set_check!(bare, PREMIERE, Some(("snpc", "accept_and_flag")));
        let (s, _, b) = call!(bare, book(&motif, &start, numbered("AB12CD34EF")));
        assert_eq!(s, StatusCode::CREATED, "{b}");
        assert_eq!(
            agents_list!(bare, site, day)[0]["file_check"],
            json!({"status": "unverified", "system": "snpc"})
        );
        assert_eq!(db.store().count_reservations().unwrap(), 1);
    }
}

#[actix_web::test]
async fn identifiers_are_checked_in_the_formats_of_the_demarches_system() {
    for db in TestDb::each() {
        let server = FileStatusServer::start(TOKEN, &files());
        let app = test::init_service(planipref_api::app(connected(&db, &server, 2000))).await;
        let (renouvellement, _) = bobigny_motif(db.store(), "Renouvellement");
        let (premiere, _) = bobigny_motif(db.store(), "Première");
        set_check!(app, RENOUVELLEMENT, Some(("anef", "refuse")));
        set_check!(app, PREMIERE, Some(("snpc", "refuse")));
        let (start, _) = first_slot!(app, renouvellement);
        let (first, _) = first_slot!(app, premiere);

        // Missing, in no system's format, or in the other system's.
        for (motif, slot, who) in [
            (&renouvellement, &start, someone()),
            (&renouvellement, &start, numbered("12 34")),
            (&renouvellement, &start, numbered("AB12CD34EF")),
            (&premiere, &first, numbered("ANEF20260001234")),
            (&premiere, &first, numbered("75012345678")),
        ] {
            let (s, _, b) = call!(app, book(motif, slot, who.clone()));
            assert_eq!(
                (s, problem(&b), fields(&b)),
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation",
                    vec!["applicant.file_number".to_owned()]
                ),
                "{who}: {b}"
            );
        }
        assert!(
            server.requests().is_empty(),
            "no system asked for a bad number"
        );

        // Each system's identifiers, however typed.
        let (s, _, b) = call!(app, book(&premiere, &first, numbered("ab12-cd34-ef")));
        assert_eq!(s, StatusCode::CREATED, "{b}");
        assert_eq!(b["reservation"]["applicant"]["file_number"], "AB12CD34EF");
        let (s, _, b) = call!(app, book(&premiere, &first, numbered("1307 1234 5678")));
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let (s, _, b) = call!(app, book(&renouvellement, &start, numbered("75-0123-4567")));
        assert_eq!(s, StatusCode::CREATED, "{b}");
        assert_eq!(b["reservation"]["applicant"]["file_number"], "7501234567");
        assert_eq!(server.requests()[0].body["system"], "snpc");

        // A démarche's check is set with known codes only.
        let (_, _, d) = call!(
            app,
            TestRequest::get().uri("/api/v1/demarches/sejour-remise-titre")
        );
        let national = token("admin_national", &[]);
        for (check, policy, named) in [
            (json!("agdref"), json!(null), vec!["file_check"]),
            (json!("anef"), json!("retry"), vec!["file_check_on_failure"]),
            (json!(null), json!("refuse"), vec!["file_check_on_failure"]),
        ] {
            let body = json!({
                "label": d["label"], "default_duration_minutes": d["default_duration_minutes"],
                "file_check": check, "file_check_on_failure": policy
            });
            let (s, _, b) = call!(
                app,
                put(
                    "/api/v1/admin/demarches/sejour-remise-titre",
                    &national,
                    body
                )
            );
            assert_eq!(
                (s, fields(&b)),
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    named.iter().map(|f| (*f).to_owned()).collect()
                ),
                "{b}"
            );
        }
    }
}

#[actix_web::test]
async fn the_same_foreigners_number_booked_twice_for_a_motif_is_a_doublon() {
    for db in TestDb::each() {
        let server = FileStatusServer::start(TOKEN, &files());
        let app = test::init_service(planipref_api::app(connected(&db, &server, 2000))).await;
        let (motif, _) = bobigny_motif(db.store(), "Renouvellement");
        set_check!(app, RENOUVELLEMENT, Some(("anef", "refuse")));
        let day = crate::common::next_open_weekday();
        let (_, _, open) = call!(app, slots_on(&motif, day));
        let starts: Vec<String> = open["slots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["start"].as_str().unwrap().to_owned())
            .collect();
        let (s, _, b) = call!(app, book(&motif, &starts[0], numbered("7501234567")));
        assert_eq!(s, StatusCode::CREATED, "{b}");
        // Another name, the number typed otherwise: the same file.
        let mut again = numbered("75 01 23 45 67");
        again["last_name"] = json!("Autrement");
        let (s, _, b) = call!(app, book(&motif, &starts[1], again));
        assert_eq!(
            (s, problem(&b)),
            (StatusCode::CONFLICT, "already-booked"),
            "{}: {b}",
            db.backend()
        );
        assert_eq!(db.store().count_reservations().unwrap(), 1);
    }
}

#[actix_web::test]
async fn a_convocations_ds_dossier_number_is_shown_to_agents_only() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let (motif, site) = bobigny_motif(db.store(), "Renouvellement");
        let admin = token("admin_prefecture", &["93"]);
        let person =
            json!({"last_name": "Diallo", "first_names": "Awa", "birth_date": "1991-02-03"});
        let (s, _, b) = call!(
            app,
            post(
                "/api/v1/admin/convocations",
                &admin,
                json!({"motif_id": motif, "person": person, "ds_dossier_number": 0})
            )
        );
        assert_eq!(
            (s, fields(&b)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec!["ds_dossier_number".to_owned()]
            )
        );
        let (s, _, issued) = call!(
            app,
            post(
                "/api/v1/admin/convocations",
                &admin,
                json!({"motif_id": motif, "person": person, "ds_dossier_number": 40719553})
            )
        );
        assert_eq!(s, StatusCode::CREATED, "{issued}");
        assert_eq!(issued["convocation"]["ds_dossier_number"], 40719553);
        let link = issued["token"].as_str().unwrap().to_owned();
        let id = issued["convocation"]["id"].as_str().unwrap();
        let (_, _, read) = call!(
            app,
            get_as(&format!("/api/v1/admin/convocations/{id}"), &admin)
        );
        assert_eq!(read["ds_dossier_number"], 40719553);

        // Its holder reads no dossier number.
        let (s, _, current) = call!(
            app,
            TestRequest::get()
                .uri("/api/v1/convocations/current")
                .insert_header(("X-Convocation-Token", link.clone()))
        );
        assert_eq!(s, StatusCode::OK, "{current}");
        assert!(!current.to_string().contains("40719553"));

        let (start, day) = first_slot!(app, motif);
        let mut awa = person.clone();
        awa["email"] = json!("awa@example.org");
        awa["phone"] = json!("06 12 34 56 78");
        let (s, _, booked) = call!(
            app,
            book(&motif, &start, awa).insert_header(("X-Convocation-Token", link))
        );
        assert_eq!(s, StatusCode::CREATED, "{}: {booked}", db.backend());
        assert!(!booked.to_string().contains("40719553"));
        let reference = booked["reference"].as_str().unwrap();
        let (_, _, public) = call!(
            app,
            TestRequest::get()
                .uri(&format!("/api/v1/reservations/{reference}"))
                .insert_header((
                    "X-Management-Token",
                    booked["management_token"].as_str().unwrap()
                ))
        );
        assert!(!public.to_string().contains("40719553"), "{public}");

        // Agents read it on the appointment, in lists, at the counter, and
        // on what their changes answer.
        let listed = agents_list!(app, site, day);
        assert_eq!(listed[0]["ds_dossier_number"], 40719553);
        assert_eq!(listed[0]["file_check"], Value::Null);
        let (_, _, counter) = call!(
            app,
            get_as(
                &format!("/api/v1/admin/sites/{site}/day?date={day}"),
                &token("agent", &[site.as_str()])
            )
        );
        assert_eq!(counter["items"][0]["ds_dossier_number"], 40719553);
        let (s, _, cancelled) = call!(
            app,
            post(
                &format!("/api/v1/admin/reservations/{reference}/cancel"),
                &admin,
                json!({"reason": "Dossier complet"})
            )
        );
        assert_eq!(s, StatusCode::OK, "{cancelled}");
        assert_eq!(cancelled["ds_dossier_number"], 40719553);
    }
}
