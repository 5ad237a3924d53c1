//! The API in-process, on every configured backend: every operation, every
//! kind of bad input, and the problem+json answers.

// Test helpers fail by panicking, like the tests that call them.
use crate::common::{state, token};
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use chrono::{DateTime, Datelike, Days, Utc};
use planipref_api::AppState;
use planipref_domain::ids::MotifId;
use planipref_store::{DatabaseUrl, PoolOptions, Store};
use planipref_test_support::TestDb;
use serde_json::{Value, json};

async fn call(
    app: &impl Service<
        actix_http::Request,
        Response = ServiceResponse<impl MessageBody + 'static>,
        Error = actix_web::Error,
    >,
    req: TestRequest,
) -> (StatusCode, actix_web::http::header::HeaderMap, Value) {
    let res = test::call_service(app, req.to_request())
        .await
        .map_into_boxed_body();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = test::read_body(res).await;
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
    };
    (status, headers, body)
}

/// Asserts a problem+json answer of `status` whose `errors` name `fields`.
fn assert_problem(
    status: StatusCode,
    headers: &actix_web::http::header::HeaderMap,
    body: &Value,
    expected: StatusCode,
    fields: &[&str],
) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    assert_eq!(body["status"], expected.as_u16());
    assert!(
        body["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("urn:planipref:problem:")),
        "{body}"
    );
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "{body}"
    );
    let named: Vec<&str> = body["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|f| f["field"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(named, fields, "{body}");
}

/// Bobigny's site id and its motifs by label prefix.
async fn bobigny(
    app: &impl Service<
        actix_http::Request,
        Response = ServiceResponse<impl MessageBody + 'static>,
        Error = actix_web::Error,
    >,
) -> (String, Value) {
    let (_, _, sites) = call(app, TestRequest::get().uri("/api/v1/sites?prefecture=93")).await;
    let site = sites["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|s| s["kind"] == "prefecture")
        .expect("Bobigny")
        .clone();
    let id = site["id"].as_str().expect("id").to_owned();
    let (_, _, motifs) = call(
        app,
        TestRequest::get().uri(&format!("/api/v1/sites/{id}/motifs")),
    )
    .await;
    (id, motifs["items"].clone())
}

fn motif_id(motifs: &Value, label_prefix: &str) -> String {
    motifs
        .as_array()
        .expect("motifs")
        .iter()
        .find(|m| {
            m["label"]
                .as_str()
                .is_some_and(|l| l.starts_with(label_prefix))
        })
        .expect("motif")["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// A week from next Monday: the demo's guichets are open then.
fn next_week() -> (String, String) {
    let from = Utc::now()
        .date_naive()
        .checked_add_days(Days::new(7))
        .expect("date");
    let to = from.checked_add_days(Days::new(6)).expect("date");
    (from.to_string(), to.to_string())
}

fn booking(motif: &str, start: &str) -> Value {
    json!({
        "motif_id": motif,
        "start": start,
        "applicant": crate::common::someone(),
    })
}

async fn first_slot(
    app: &impl Service<
        actix_http::Request,
        Response = ServiceResponse<impl MessageBody + 'static>,
        Error = actix_web::Error,
    >,
    motif: &str,
) -> Value {
    let (from, to) = next_week();
    let (status, _, body) = call(
        app,
        TestRequest::get().uri(&format!("/api/v1/motifs/{motif}/slots?from={from}&to={to}")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["slots"][0].clone()
}

fn count_reservations(db: &TestDb) -> i64 {
    db.store().count_reservations().expect("count")
}

#[actix_web::test]
async fn sites_are_listed_filtered_and_paginated() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let (status, _, body) = call(&app, TestRequest::get().uri("/api/v1/sites")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["total"], 5, "{}", db.backend());
        let (_, _, body) = call(&app, TestRequest::get().uri("/api/v1/sites?prefecture=974")).await;
        assert_eq!(body["total"], 2);
        assert!(
            body["items"]
                .as_array()
                .expect("items")
                .iter()
                .all(|s| s["time_zone"] == "Indian/Reunion")
        );
        let (_, _, body) = call(
            &app,
            TestRequest::get().uri("/api/v1/sites?page=2&per_page=2"),
        )
        .await;
        assert_eq!(body["items"].as_array().map(Vec::len), Some(2));
        assert_eq!(
            (body["page"].as_u64(), body["per_page"].as_u64()),
            (Some(2), Some(2))
        );

        let (s, h, b) = call(&app, TestRequest::get().uri("/api/v1/sites?prefecture=20")).await;
        assert_problem(s, &h, &b, StatusCode::UNPROCESSABLE_ENTITY, &["prefecture"]);
        let (s, h, b) = call(
            &app,
            TestRequest::get().uri("/api/v1/sites?page=0&per_page=500"),
        )
        .await;
        assert_problem(
            s,
            &h,
            &b,
            StatusCode::UNPROCESSABLE_ENTITY,
            &["page", "per_page"],
        );
        let (s, h, b) = call(&app, TestRequest::get().uri("/api/v1/sites?per_page=abc")).await;
        assert_problem(s, &h, &b, StatusCode::BAD_REQUEST, &["per_page"]);
        let (s, _, b) = call(
            &app,
            TestRequest::get().uri("/api/v1/sites?page=100000&per_page=200"),
        )
        .await;
        assert_eq!(
            (s, b["items"].as_array().map(Vec::len)),
            (StatusCode::OK, Some(0)),
            "a page past the end is empty"
        );
        let (s, h, b) = call(&app, TestRequest::get().uri("/api/v1/sites?page=100001")).await;
        assert_problem(s, &h, &b, StatusCode::UNPROCESSABLE_ENTITY, &["page"]);
        let (s, h, b) = call(
            &app,
            TestRequest::get().uri("/api/v1/sites?page=4294967296"),
        )
        .await;
        assert_problem(s, &h, &b, StatusCode::BAD_REQUEST, &["page"]);
        let (s, h, b) = call(&app, TestRequest::get().uri("/api/v1/sites?colour=blue")).await;
        assert_problem(s, &h, &b, StatusCode::BAD_REQUEST, &["colour"]);
    }
}

#[actix_web::test]
async fn a_site_and_its_motifs_are_read_and_unknown_ones_are_404() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let (site, motifs) = bobigny(&app).await;
        let (status, _, body) = call(
            &app,
            TestRequest::get().uri(&format!("/api/v1/sites/{site}")),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["address"]["commune_insee"], "93008");
        assert_eq!(body["time_zone"], "Europe/Paris");
        let labels: Vec<_> = motifs
            .as_array()
            .expect("motifs")
            .iter()
            .map(|m| m["duration_minutes"].as_i64())
            .collect();
        assert_eq!(labels.len(), 3, "{}", db.backend());
        let (s, _, b) = call(
            &app,
            TestRequest::get().uri(&format!(
                "/api/v1/sites/{site}/motifs?page=100000&per_page=200"
            )),
        )
        .await;
        assert_eq!(
            (s, b["items"].as_array().map(Vec::len), &b["total"]),
            (StatusCode::OK, Some(0), &json!(3))
        );
        for uri in [
            "/api/v1/sites/00000000-0000-4000-8000-000000000000".to_owned(),
            "/api/v1/sites/not-an-id".to_owned(),
            "/api/v1/sites/00000000-0000-4000-8000-000000000000/motifs".to_owned(),
        ] {
            let (s, h, b) = call(&app, TestRequest::get().uri(&uri)).await;
            assert_problem(s, &h, &b, StatusCode::NOT_FOUND, &[]);
        }
    }
}

#[actix_web::test]
async fn slots_are_given_with_the_site_offset_and_bad_ranges_are_422() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let (_, motifs) = bobigny(&app).await;
        let renouvellement = motif_id(&motifs, "Renouvellement");
        let slot = first_slot(&app, &renouvellement).await;
        let start =
            DateTime::parse_from_rfc3339(slot["start"].as_str().expect("start")).expect("rfc3339");
        let end =
            DateTime::parse_from_rfc3339(slot["end"].as_str().expect("end")).expect("rfc3339");
        assert_eq!((end - start).num_minutes(), 30);
        let paris_offset = start
            .with_timezone(&chrono_tz::Europe::Paris)
            .format("%:z")
            .to_string();
        assert_eq!(
            start.offset().to_string(),
            paris_offset,
            "the offset Paris has on that day"
        );
        assert_eq!(
            slot["remaining"], 3,
            "three guichets serve it in the morning"
        );

        let (_, _, sites) =
            call(&app, TestRequest::get().uri("/api/v1/sites?prefecture=974")).await;
        let reunion = sites["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|s| s["kind"] == "prefecture")
            .expect("site")["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let (_, _, reunion_motifs) = call(
            &app,
            TestRequest::get().uri(&format!("/api/v1/sites/{reunion}/motifs")),
        )
        .await;
        let slot = first_slot(&app, &motif_id(&reunion_motifs["items"], "Remise")).await;
        assert!(
            slot["start"]
                .as_str()
                .expect("start")
                .ends_with("T08:00:00+04:00"),
            "{slot}"
        );

        let uri = |q: &str| format!("/api/v1/motifs/{renouvellement}/slots?{q}");
        let (s, h, b) = call(
            &app,
            TestRequest::get().uri(&uri("from=2026-12-10&to=2026-12-01")),
        )
        .await;
        assert_problem(s, &h, &b, StatusCode::UNPROCESSABLE_ENTITY, &["to"]);
        let (s, h, b) = call(
            &app,
            TestRequest::get().uri(&uri("from=2026-12-01&to=2027-02-01")),
        )
        .await;
        assert_problem(s, &h, &b, StatusCode::UNPROCESSABLE_ENTITY, &["to"]);
        let (s, _, _) = call(
            &app,
            TestRequest::get().uri(&uri("from=2026-12-01&to=2027-01-31")),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "62 days are allowed");
        let (s, h, b) = call(
            &app,
            TestRequest::get().uri(&uri("from=2026-13-01&to=tomorrow")),
        )
        .await;
        assert_problem(s, &h, &b, StatusCode::UNPROCESSABLE_ENTITY, &["from", "to"]);
        let (s, h, b) = call(
            &app,
            TestRequest::get().uri("/api/v1/motifs/00000000-0000-4000-8000-000000000000/slots"),
        )
        .await;
        assert_problem(s, &h, &b, StatusCode::NOT_FOUND, &[]);
    }
}

#[actix_web::test]
async fn an_appointment_is_booked_read_and_cancelled_and_its_slot_offered_again() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let (_, motifs) = bobigny(&app).await;
        let motif = motif_id(&motifs, "Renouvellement");
        let slot = first_slot(&app, &motif).await;
        let start = slot["start"].as_str().expect("start");

        let (status, headers, created) = call(
            &app,
            TestRequest::post()
                .uri("/api/v1/reservations")
                .set_json(booking(&motif, start)),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{}: {created}", db.backend());
        let reference = created["reference"].as_str().expect("reference").to_owned();
        let token = created["management_token"]
            .as_str()
            .expect("token")
            .to_owned();
        assert_eq!(
            headers.get("location").and_then(|v| v.to_str().ok()),
            Some(format!("/api/v1/reservations/{reference}").as_str())
        );
        assert_eq!(reference.len(), 9);
        assert_eq!(token.len(), 64);
        let r = &created["reservation"];
        assert_eq!(
            (r["status"].as_str(), r["start"].as_str()),
            (Some("booked"), Some(start))
        );
        assert_eq!(r["applicant"]["phone"], "+33612345678");
        assert!(
            r.get("guichet_id").is_none() && r.to_string().find("uichet").is_none(),
            "the guichet is not shown"
        );

        // The slot has one counter fewer.
        assert_eq!(
            first_slot(&app, &motif).await["remaining"],
            slot["remaining"].as_i64().expect("n") - 1
        );

        // Read: token needed; a wrong one looks like an unknown reference.
        let get = |t: &str, r: &str| {
            TestRequest::get()
                .uri(&format!("/api/v1/reservations/{r}"))
                .insert_header(("X-Management-Token", t.to_owned()))
        };
        assert_eq!(
            headers.get("cache-control").and_then(|v| v.to_str().ok()),
            Some("no-store")
        );
        let (s, cache_headers, read) = call(
            &app,
            get(&token, &reference.to_lowercase().replace('-', "")),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "references are read leniently");
        assert_eq!(read["applicant"]["last_name"], r["applicant"]["last_name"]);
        assert!(
            read["applicant"]["last_name"]
                .as_str()
                .is_some_and(|n| n.starts_with("Test"))
        );
        let (s1, _, wrong_token) = call(&app, get(&"0".repeat(64), &reference)).await;
        let (s2, _, unknown) = call(&app, get(&token, "ZZZZ-ZZZZ")).await;
        assert_eq!((s1, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
        assert_eq!(
            wrong_token, unknown,
            "no way to tell a wrong token from an unknown reference"
        );
        let (s, h, b) = call(
            &app,
            TestRequest::get().uri(&format!("/api/v1/reservations/{reference}")),
        )
        .await;
        assert_problem(s, &h, &b, StatusCode::BAD_REQUEST, &["X-Management-Token"]);
        assert_eq!(
            cache_headers
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-store")
        );
        let non_ascii =
            actix_web::http::header::HeaderValue::from_bytes(b"caf\xe9").expect("opaque bytes");
        let (s, _, b) = call(
            &app,
            TestRequest::get()
                .uri(&format!("/api/v1/reservations/{reference}"))
                .insert_header(("X-Management-Token", non_ascii)),
        )
        .await;
        assert_eq!(b, unknown, "an unreadable token is a wrong token: {s}");

        // Cancel with a wrong token changes nothing.
        let cancel = |t: &str| {
            TestRequest::post()
                .uri(&format!("/api/v1/reservations/{reference}/cancel"))
                .insert_header(("X-Management-Token", t.to_owned()))
        };
        let (s, _, _) = call(&app, cancel("nope")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(
            call(&app, get(&token, &reference)).await.2["status"],
            "booked"
        );

        let (s, _, cancelled) = call(&app, cancel(&token)).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(cancelled["status"], "cancelled");
        assert!(cancelled["cancelled_at"].is_string());
        let (s, _, again) = call(&app, cancel(&token)).await;
        assert_eq!(
            (s, &again["cancelled_at"]),
            (StatusCode::OK, &cancelled["cancelled_at"]),
            "cancelling twice is harmless"
        );
        // Offered again, but not at once: after a random delay of 5 to 60
        // minutes (the demo préfecture's default), so that nobody can hand
        // it over by cancelling while someone else books.
        assert_ne!(
            first_slot(&app, &motif).await,
            slot,
            "the slot waits for its release"
        );
        let live = db
            .store()
            .count_pending_releases(chrono::Utc::now())
            .expect("holds");
        assert_eq!(live, 1, "kept by its release hold");
        let released = db
            .store()
            .count_pending_releases(chrono::Utc::now() + chrono::Duration::minutes(60))
            .expect("holds");
        assert_eq!(released, 0, "released within the hour");
        let early = db
            .store()
            .count_pending_releases(chrono::Utc::now() + chrono::Duration::minutes(4))
            .expect("holds");
        assert_eq!(early, 1, "not within the first five minutes");

        let id = db
            .store()
            .find_reservation(
                &planipref_domain::reference::Reference::parse(&reference).expect("ref"),
            )
            .expect("row")
            .reservation
            .id;
        let events = db
            .store()
            .reservation_events(id.parse().expect("id"))
            .expect("events");
        let actions: Vec<_> = events
            .iter()
            .map(|e| (e.action.as_str(), e.actor.as_str()))
            .collect();
        assert_eq!(
            actions,
            vec![("created", "applicant"), ("cancelled", "applicant")]
        );
    }
}

#[actix_web::test]
async fn a_full_slot_is_409_and_nothing_is_written() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let (_, motifs) = bobigny(&app).await;
        let motif = motif_id(&motifs, "Renouvellement");
        let slot = first_slot(&app, &motif).await;
        let capacity = slot["remaining"].as_i64().expect("remaining");
        for _ in 0..capacity {
            let (s, _, b) = call(
                &app,
                TestRequest::post()
                    .uri("/api/v1/reservations")
                    .set_json(booking(&motif, slot["start"].as_str().expect("s"))),
            )
            .await;
            assert_eq!(s, StatusCode::CREATED, "{b}");
        }
        let (s, h, b) = call(
            &app,
            TestRequest::post()
                .uri("/api/v1/reservations")
                .set_json(booking(&motif, slot["start"].as_str().expect("s"))),
        )
        .await;
        assert_problem(s, &h, &b, StatusCode::CONFLICT, &[]);
        assert_eq!(b["type"], "urn:planipref:problem:slot-taken");
        assert_eq!(count_reservations(&db), capacity, "{}", db.backend());
        let next = first_slot(&app, &motif).await;
        assert_ne!(
            next["start"], slot["start"],
            "a full slot is no longer offered"
        );
    }
}

#[actix_web::test]
async fn invalid_bookings_name_every_field_and_change_nothing() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let (_, motifs) = bobigny(&app).await;
        let motif = motif_id(&motifs, "Renouvellement");
        let slot = first_slot(&app, &motif).await;
        let start = slot["start"].as_str().expect("start").to_owned();
        let post = |body: Value| {
            TestRequest::post()
                .uri("/api/v1/reservations")
                .set_json(body)
        };
        let with = |path: &str, value: Value| {
            let mut b = booking(&motif, &start);
            let mut target = &mut b;
            let parts: Vec<&str> = path.split('.').collect();
            for p in &parts[..parts.len() - 1] {
                target = &mut target[*p];
            }
            target[parts[parts.len() - 1]] = value;
            b
        };
        let cases: Vec<(Value, &[&str])> = vec![
            (
                with("applicant.last_name", json!("  ")),
                &["applicant.last_name"],
            ),
            (
                with("applicant.first_names", json!("")),
                &["applicant.first_names"],
            ),
            (
                with("applicant.birth_date", json!("2999-01-01")),
                &["applicant.birth_date"],
            ),
            (
                with("applicant.birth_date", json!("12/04/1990")),
                &["applicant.birth_date"],
            ),
            (
                with("applicant.email", json!("aissata.example.org")),
                &["applicant.email"],
            ),
            (with("applicant.phone", json!("12")), &["applicant.phone"]),
            (with("motif_id", json!("abc")), &["motif_id"]),
            (with("start", json!("tomorrow at nine")), &["start"]),
            (
                with("start", json!("2020-01-06T09:00:00+01:00")),
                &["start"],
            ),
            (
                with("start", json!("2150-01-06T09:00:00+01:00")),
                &["start"],
            ),
            (
                with(
                    "start",
                    // Ten minutes into a 30-minute slot: not a start time.
                    json!(
                        (DateTime::parse_from_rfc3339(&start).expect("start")
                            + chrono::Duration::minutes(10))
                        .to_rfc3339()
                    ),
                ),
                &["start"],
            ),
        ];
        for (body, fields) in cases {
            let (s, h, b) = call(&app, post(body.clone())).await;
            assert_problem(s, &h, &b, StatusCode::UNPROCESSABLE_ENTITY, fields);
        }
        let (s, h, b) = call(
            &app,
            post(with("motif_id", json!(MotifId::new_random().to_string()))),
        )
        .await;
        assert_problem(s, &h, &b, StatusCode::NOT_FOUND, &[]);
        assert_eq!(
            count_reservations(&db),
            0,
            "{}: a refused request writes nothing",
            db.backend()
        );
    }
}

#[actix_web::test]
async fn unreadable_bodies_are_400_415_or_413() {
    let db = TestDb::sqlite();
    let app = test::init_service(planipref_api::app(state(&db))).await;
    let raw = |body: &str, ct: &str| {
        TestRequest::post()
            .uri("/api/v1/reservations")
            .insert_header(("content-type", ct.to_owned()))
            .set_payload(body.to_owned())
    };
    let (s, h, b) = call(&app, raw("{not json", "application/json")).await;
    assert_problem(s, &h, &b, StatusCode::BAD_REQUEST, &[]);
    let (s, h, b) = call(&app, raw("", "application/json")).await;
    assert_problem(s, &h, &b, StatusCode::BAD_REQUEST, &[]);
    let (s, h, b) = call(&app, raw(r#"{"motif_id": 12}"#, "application/json")).await;
    assert_problem(s, &h, &b, StatusCode::BAD_REQUEST, &["motif_id"]);
    let (s, h, b) = call(
        &app,
        raw(
            r#"{"motif_id":"a","start":"b","applicant":"Dupont Jean 0612345678"}"#,
            "application/json",
        ),
    )
    .await;
    assert_problem(s, &h, &b, StatusCode::BAD_REQUEST, &["applicant"]);
    assert!(
        !b.to_string().contains("Dupont"),
        "the submitted value is not echoed: {b}"
    );
    let (s, h, b) = call(&app, raw(r#"{"motif_id":"a","start":"b","applicant":{"last_name":"x","first_names":"y","birth_date":19900412,"email":"e","phone":"p"}}"#, "application/json")).await;
    assert_problem(
        s,
        &h,
        &b,
        StatusCode::BAD_REQUEST,
        &["applicant.birth_date"],
    );
    let (s, h, b) = call(
        &app,
        raw(r#"{"motif_id":"a","start":"b"}"#, "application/json"),
    )
    .await;
    assert_problem(s, &h, &b, StatusCode::BAD_REQUEST, &[]);
    assert!(
        b["detail"]
            .as_str()
            .is_some_and(|d| d.contains("applicant")),
        "{b}"
    );
    let (s, h, b) = call(
        &app,
        raw(
            r#"{"motif_id":"a","start":"b","admin":true}"#,
            "application/json",
        ),
    )
    .await;
    assert_problem(s, &h, &b, StatusCode::BAD_REQUEST, &["admin"]);
    let (s, h, b) = call(&app, raw("motif_id=a", "application/x-www-form-urlencoded")).await;
    assert_problem(s, &h, &b, StatusCode::UNSUPPORTED_MEDIA_TYPE, &[]);
    let big = format!(r#"{{"motif_id":"{}"}}"#, "a".repeat(140_000));
    let (s, h, b) = call(&app, raw(&big, "application/json")).await;
    assert_problem(s, &h, &b, StatusCode::PAYLOAD_TOO_LARGE, &[]);
    let (s, h, b) = call(&app, raw(r#"{"motif_id":"a","start":"b","applicant":{"last_name":"Nul\u0000","first_names":"y","birth_date":"1990-01-01","email":"e@x.fr","phone":"+33612345678"}}"#, "application/json")).await;
    assert_problem(s, &h, &b, StatusCode::BAD_REQUEST, &[]);
    for uri in [
        "/api/v1/demarches/%00",
        "/api/v1/sites?prefecture=9%003",
        "/api/v1/sites/%00/calendar",
    ] {
        let (s, h, b) = call(&app, TestRequest::get().uri(uri)).await;
        assert_problem(s, &h, &b, StatusCode::BAD_REQUEST, &[]);
    }
    assert_eq!(count_reservations(&db), 0);
}

#[actix_web::test]
async fn unknown_routes_are_404_and_wrong_methods_405_with_allow() {
    let db = TestDb::sqlite();
    let app = test::init_service(planipref_api::app(state(&db))).await;
    let (s, h, b) = call(&app, TestRequest::get().uri("/api/v1/nothing-here")).await;
    assert_problem(s, &h, &b, StatusCode::NOT_FOUND, &[]);
    let (s, h, b) = call(
        &app,
        TestRequest::default()
            .method(Method::DELETE)
            .uri("/api/v1/sites"),
    )
    .await;
    assert_problem(s, &h, &b, StatusCode::METHOD_NOT_ALLOWED, &[]);
    assert_eq!(h.get("allow").and_then(|v| v.to_str().ok()), Some("GET"));
    let (s, h, _) = call(
        &app,
        TestRequest::get().uri("/api/v1/reservations/K7QX-M3PA/cancel"),
    )
    .await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(h.get("allow").and_then(|v| v.to_str().ok()), Some("POST"));
    let (s, h, _) = call(&app, TestRequest::get().uri("/api/v1/reservations")).await;
    assert_eq!(
        (s, h.get("allow").and_then(|v| v.to_str().ok())),
        (StatusCode::METHOD_NOT_ALLOWED, Some("POST"))
    );
    // The same under the administration's scope.
    let (s, h, b) = call(&app, TestRequest::get().uri("/api/v1/admin/nothing-here")).await;
    assert_problem(s, &h, &b, StatusCode::NOT_FOUND, &[]);
    let (s, h, b) = call(
        &app,
        TestRequest::default()
            .method(Method::DELETE)
            .uri("/api/v1/admin/sites"),
    )
    .await;
    assert_problem(s, &h, &b, StatusCode::METHOD_NOT_ALLOWED, &[]);
    let allow = h.get("allow").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    // A path identifier that is not one names nothing: 404, as an unknown
    // one, naming what was looked for (after the agent is known).
    let auth = token("admin_national", &[]);
    for (uri, what) in [
        ("/api/v1/admin/guichets/not-an-id", "guichet"),
        (
            "/api/v1/admin/guichets/6f1c2b1e-0000-4000-8000-000000000000",
            "guichet",
        ),
        ("/api/v1/admin/fermetures/42", "closure"),
        ("/api/v1/sites/42/motifs", "site"),
    ] {
        let (s, h, b) = call(
            &app,
            TestRequest::get()
                .uri(uri)
                .insert_header(("Authorization", auth.clone())),
        )
        .await;
        assert_problem(s, &h, &b, StatusCode::NOT_FOUND, &[]);
        assert!(
            b["detail"].as_str().unwrap_or("").contains(what),
            "{uri}: {b}"
        );
    }
    let (s, _, _) = call(
        &app,
        TestRequest::get().uri("/api/v1/admin/guichets/not-an-id"),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the agent first");
}

#[actix_web::test]
async fn an_appointment_that_has_started_cannot_be_cancelled() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let (site, motifs) = bobigny(&app).await;
        let motif: MotifId = motif_id(&motifs, "Remise").parse().expect("id");
        // A counter open all day, every day, so that an appointment an hour
        // ago is one it really took (bookings are checked against plages).
        let auth = token("admin_national", &[]);
        let (s, _, guichet) = call(
            &app,
            TestRequest::post()
                .uri(&format!("/api/v1/admin/sites/{site}/guichets"))
                .insert_header(("Authorization", auth.clone()))
                .set_json(json!({"name": "Guichet de nuit", "motif_ids": [motif.to_string()]})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{guichet}");
        let guichet_id: planipref_domain::ids::GuichetId =
            guichet["id"].as_str().expect("id").parse().expect("id");
        let all_week = [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ];
        let (s, _, plage) = call(
            &app,
            TestRequest::post()
                .uri(&format!("/api/v1/admin/guichets/{guichet_id}/plages"))
                .insert_header(("Authorization", auth))
                .set_json(json!({"weekdays": all_week, "start": "00:00", "end": "23:55", "valid_from": "2020-01-01"})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{plage}");
        let token = planipref_domain::reference::ManagementToken::from_random_bytes(&[9; 32]);
        let mut start = Utc::now() - chrono::Duration::hours(1);
        start =
            DateTime::from_timestamp(start.timestamp() - start.timestamp() % 300, 0).expect("t");
        while (start + chrono::Duration::minutes(15))
            .with_timezone(&chrono_tz::Europe::Paris)
            .date_naive()
            != start.with_timezone(&chrono_tz::Europe::Paris).date_naive()
        {
            start -= chrono::Duration::minutes(30); // stay within one local day
        }
        let applicant = planipref_domain::applicant::Applicant::parse(
            planipref_domain::applicant::ApplicantInput {
                last_name: "Martin",
                first_names: "Léa",
                birth_date: "1970-01-01",
                email: "l@example.fr",
                phone: "+33612345678",
                nationality: None,
                file_number: None,
            },
            Utc::now().date_naive(),
        )
        .expect("applicant");
        let row = db
            .store()
            .create_reservation(
                &planipref_store::NewReservation {
                    site_id: site.parse().expect("site"),
                    motif_id: motif,
                    start,
                    end: start + chrono::Duration::minutes(15),
                    applicant,
                    token_hash: token.hash(),
                    actor: "applicant".into(),
                    now: Utc::now(),
                    time_zone: chrono_tz::Europe::Paris,
                    persons: 1,
                    demarche_code: format!("motif:{motif}"),
                    refuse_doublons: true,
                    convocation: None,
                    max_active_per_person: 3,
                    origin: Default::default(),
                    language: "fr".into(),
                    sealed_token: None,
                    extra: None,
                    file_check: None,
                },
                &[guichet_id],
                || planipref_domain::reference::Reference::parse("PAST-2345").expect("ref"),
            )
            .expect("past booking");
        let (s, h, b) = call(
            &app,
            TestRequest::post()
                .uri(&format!("/api/v1/reservations/{}/cancel", row.reference))
                .insert_header(("X-Management-Token", token.expose().to_owned())),
        )
        .await;
        assert_problem(s, &h, &b, StatusCode::CONFLICT, &[]);
        assert_eq!(b["type"], "urn:planipref:problem:appointment-past");
        let (_, _, read) = call(
            &app,
            TestRequest::get()
                .uri(&format!("/api/v1/reservations/{}", row.reference))
                .insert_header(("X-Management-Token", token.expose().to_owned())),
        )
        .await;
        assert_eq!(read["status"], "booked", "{}", db.backend());
    }
}

#[actix_web::test]
async fn an_unreachable_database_is_503_with_retry_after() {
    let url = DatabaseUrl::parse("postgres://nobody@127.0.0.1:1/none").expect("url");
    let store = Store::open(
        &url,
        &PoolOptions {
            max_size: 2,
            connection_timeout: std::time::Duration::from_millis(300),
            ..PoolOptions::default()
        },
    )
    .expect("pool");
    let auth = planipref_api::security::agent::Verifier::new(
        &planipref_api::security::agent::AuthSettings::development(),
    )
    .expect("verifier");
    let app = test::init_service(planipref_api::app(AppState::new(store, auth))).await;
    let (s, _, b) = call(&app, TestRequest::get().uri("/api/v1/health")).await;
    assert_eq!(
        (s, &b["status"]),
        (StatusCode::OK, &json!("ok")),
        "liveness does not need the database"
    );
    for req in [
        TestRequest::get().uri("/api/v1/ready"),
        TestRequest::get().uri("/api/v1/sites"),
        TestRequest::post()
            .uri("/api/v1/reservations")
            .set_json(booking(
                &MotifId::new_random().to_string(),
                "2026-12-01T09:00:00+01:00",
            )),
    ] {
        let (s, h, b) = call(&app, req).await;
        assert_problem(s, &h, &b, StatusCode::SERVICE_UNAVAILABLE, &[]);
        assert_eq!(
            h.get("retry-after").and_then(|v| v.to_str().ok()),
            Some("5")
        );
        assert!(!b.to_string().contains("127.0.0.1"), "no cause leaks: {b}");
    }
}

#[actix_web::test]
async fn readiness_names_the_backend() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let (s, _, b) = call(&app, TestRequest::get().uri("/api/v1/ready")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(b["database"], db.backend());
    }
}

#[actix_web::test]
async fn swagger_ui_and_the_spec_are_served_offline() {
    let db = TestDb::sqlite();
    let app = test::init_service(planipref_api::app(state(&db))).await;
    let res = test::call_service(&app, TestRequest::get().uri("/swagger-ui/").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = String::from_utf8(test::read_body(res).await.to_vec()).expect("utf-8");
    assert!(html.contains("Swagger UI"));
    let (s, h, _) = call(&app, TestRequest::get().uri("/swagger-ui")).await;
    assert_eq!(
        (s, h.get("location").and_then(|v| v.to_str().ok())),
        (StatusCode::FOUND, Some("/swagger-ui/"))
    );
    let (s, _, spec) = call(&app, TestRequest::get().uri("/api-docs/openapi.json")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        spec,
        serde_json::to_value(planipref_api::openapi()).expect("spec")
    );
}

async fn site_of(
    app: &impl Service<
        actix_http::Request,
        Response = ServiceResponse<impl MessageBody + 'static>,
        Error = actix_web::Error,
    >,
    prefecture: &str,
) -> (String, Value) {
    let (_, _, sites) = call(
        app,
        TestRequest::get().uri(&format!("/api/v1/sites?prefecture={prefecture}")),
    )
    .await;
    let id = sites["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|s| s["kind"] == "prefecture")
        .expect("préfecture")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (_, _, motifs) = call(
        app,
        TestRequest::get().uri(&format!("/api/v1/sites/{id}/motifs")),
    )
    .await;
    (id, motifs["items"].clone())
}

#[actix_web::test]
async fn a_site_calendar_lists_the_holidays_of_its_departement() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let (bobigny, _) = site_of(&app, "93").await;
        let (reunion, _) = site_of(&app, "974").await;
        let (s, _, b) = call(
            &app,
            TestRequest::get().uri(&format!(
                "/api/v1/sites/{bobigny}/calendar?from=2027-12-01&to=2027-12-31"
            )),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let codes: Vec<_> = b["closed"]
            .as_array()
            .expect("closed")
            .iter()
            .map(|d| {
                (
                    d["date"].as_str().unwrap_or(""),
                    d["holiday"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(codes, vec![("2027-12-25", "noel")], "{}", db.backend());
        let (_, b) = {
            let (s, _, b) = call(
                &app,
                TestRequest::get().uri(&format!(
                    "/api/v1/sites/{reunion}/calendar?from=2027-12-01&to=2027-12-31"
                )),
            )
            .await;
            (s, b)
        };
        let codes: Vec<_> = b["closed"]
            .as_array()
            .expect("closed")
            .iter()
            .map(|d| d["holiday"].as_str().unwrap_or("").to_owned())
            .collect();
        assert_eq!(codes, vec!["abolition_de_l_esclavage", "noel"]);
        assert_eq!(
            (b["departement"].as_str(), b["time_zone"].as_str()),
            (Some("974"), Some("Indian/Reunion"))
        );

        let (s, h, b) = call(
            &app,
            TestRequest::get().uri(&format!(
                "/api/v1/sites/{bobigny}/calendar?from=2027-01-01&to=2028-01-02"
            )),
        )
        .await;
        assert_problem(s, &h, &b, StatusCode::UNPROCESSABLE_ENTITY, &["to"]);
        let (s, _, b) = call(
            &app,
            TestRequest::get().uri(&format!("/api/v1/sites/{bobigny}/calendar")),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            b["closed"].as_array().is_some_and(|c| c.len() >= 11),
            "a year holds every holiday: {b}"
        );
        let (s, h, b) = call(
            &app,
            TestRequest::get().uri("/api/v1/sites/00000000-0000-4000-8000-000000000000/calendar"),
        )
        .await;
        assert_problem(s, &h, &b, StatusCode::NOT_FOUND, &[]);
    }
}

#[actix_web::test]
async fn no_slot_is_offered_or_booked_on_a_holiday() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let (_, bobigny_motifs) = site_of(&app, "93").await;
        let remise = motif_id(&bobigny_motifs, "Remise");
        // Open the motif's booking window to a year, so that a weekday
        // holiday is always in reach.
        let (s, _, _) = call(
            &app,
            TestRequest::put()
                .uri(&format!("/api/v1/admin/motifs/{remise}"))
                .insert_header(("Authorization", token("admin_national", &[])))
                .insert_header(("If-Match", "\"1\""))
                .set_json(json!({"booking_window_days": 366})),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let dep = planipref_domain::ids::DepartementCode::parse("93").expect("code");
        let is_holiday =
            |d: chrono::NaiveDate| !planipref_domain::calendar::holidays_on(d, &dep).is_empty();
        let weekday = |d: chrono::NaiveDate| d.weekday().number_from_monday() <= 5;
        let mut holiday = Utc::now().date_naive() + chrono::Duration::days(2);
        while !(weekday(holiday) && is_holiday(holiday)) {
            holiday = holiday.succ_opt().expect("date");
        }
        let mut open = holiday.succ_opt().expect("date");
        while !weekday(open) || is_holiday(open) {
            open = open.succ_opt().expect("date");
        }
        assert_eq!(
            slots_on(&app, &remise, &holiday.to_string()).await,
            0,
            "{}: closed on {holiday}",
            db.backend()
        );
        assert!(
            slots_on(&app, &remise, &open.to_string()).await > 0,
            "open on {open}"
        );
        let offset = |d: chrono::NaiveDate| {
            d.and_hms_opt(9, 0, 0)
                .expect("time")
                .and_local_timezone(chrono_tz::Europe::Paris)
                .single()
                .expect("single")
                .to_rfc3339()
        };
        let (s, h, b) = call(
            &app,
            TestRequest::post()
                .uri("/api/v1/reservations")
                .set_json(booking(&remise, &offset(holiday))),
        )
        .await;
        assert_problem(s, &h, &b, StatusCode::UNPROCESSABLE_ENTITY, &["start"]);
        let (s, _, b) = call(
            &app,
            TestRequest::post()
                .uri("/api/v1/reservations")
                .set_json(booking(&remise, &offset(open))),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "the next working day is open: {b}");
    }
}

async fn slots_on(
    app: &impl Service<
        actix_http::Request,
        Response = ServiceResponse<impl MessageBody + 'static>,
        Error = actix_web::Error,
    >,
    motif: &str,
    day: &str,
) -> usize {
    let (s, _, b) = call(
        app,
        TestRequest::get().uri(&format!("/api/v1/motifs/{motif}/slots?from={day}&to={day}")),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b["slots"].as_array().map(Vec::len).unwrap_or(0)
}
