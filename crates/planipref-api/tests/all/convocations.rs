//! Convocations through the API, on SQLite and PostgreSQL: an agent
//! invites a named person; only that person, with the link's token, sees
//! and books a convocation-only motif's slots, once; every misuse is
//! refused with its own problem.

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use chrono::{Days, Duration, Utc};
use planipref_domain::convocation::{ConvocationPerson, ConvocationPersonInput, ConvocationTerms};
use planipref_domain::ids::{ConvocationId, MotifId};
use planipref_domain::reference::hash_token;
use planipref_store::{NewConvocation, Store};
use planipref_test_support::TestDb;
use serde_json::{Value, json};

use crate::common::requests::{aissata, book, hold, problem};
use crate::common::{get_as, post, put, someone, state, token};

const HEADER: &str = "X-Convocation-Token";

/// Issues a convocation of `motif` for Aïssata as `admin`; its link's
/// token.
macro_rules! issue_for_aissata {
    ($app:expr, $admin:expr, $motif:expr) => {{
        let (_, _, issued) = call!(
            $app,
            post(
                "/api/v1/admin/convocations",
                $admin,
                json!({"motif_id": $motif.to_string(), "person": aissata()})
            )
        );
        issued["token"].as_str().unwrap().to_owned()
    }};
}

/// Bobigny's residence-permit renewal motif, and its site.
fn renouvellement(store: &Store) -> (MotifId, String) {
    let (motif, site) = crate::common::bobigny_motif(store, "Renouvellement");
    (motif.parse().unwrap(), site)
}

/// The same person as an applicant types it (case, accents, hyphen).
fn aissata_as_typed() -> Value {
    json!({
        "last_name": "NDIAYE",
        "first_names": "aissata-marie",
        "birth_date": "1990-04-12",
        "email": "aissata.ndiaye@example.org",
        "phone": "06 12 34 56 78"
    })
}

fn slots(motif: MotifId, from: chrono::NaiveDate, days: u64) -> TestRequest {
    TestRequest::get().uri(&format!(
        "/api/v1/motifs/{motif}/slots?from={from}&to={}",
        from + Days::new(days - 1)
    ))
}

fn with_token(req: TestRequest, token: &str) -> TestRequest {
    req.insert_header((HEADER, token.to_owned()))
}

#[actix_web::test]
async fn only_the_named_person_books_a_convocation_only_motif_once_with_the_link() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let (motif, site) = renouvellement(db.store());
        let admin = token("admin_prefecture", &["93"]);
        let (s, _, _) = call!(
            app,
            put(
                &format!("/api/v1/admin/motifs/{motif}"),
                &admin,
                json!({"booking_mode": "convocation_only"})
            )
        );
        assert_eq!(s, StatusCode::OK);
        let first = crate::common::next_open_weekday();
        let earliest = first + Days::new(1);
        let latest = first + Days::new(9);
        let (s, location, issued) = call!(
            app,
            post(
                "/api/v1/admin/convocations",
                &admin,
                json!({
                    "motif_id": motif.to_string(),
                    "person": aissata(),
                    "valid_days": 20,
                    "earliest_day": earliest.to_string(),
                    "latest_day": latest.to_string()
                })
            )
        );
        assert_eq!(s, StatusCode::CREATED, "{}: {issued}", db.backend());
        let link = issued["token"].as_str().unwrap().to_owned();
        assert_eq!(link.len(), 64);
        let id = issued["convocation"]["id"].as_str().unwrap().to_owned();
        assert_eq!(
            location.as_deref(),
            Some(format!("/api/v1/admin/convocations/{id}").as_str())
        );
        assert_eq!(issued["convocation"]["state"], "issued");
        assert_eq!(issued["convocation"]["site_id"], site.as_str());

        // Without the link: nothing offered, nothing held or booked.
        let (s, _, b) = call!(app, slots(motif, first, 14));
        assert_eq!(
            (s, problem(&b)),
            (StatusCode::FORBIDDEN, "convocation-required")
        );

        // With it: the motif's slots, on the convocation's days only.
        let (s, _, offered) = call!(app, with_token(slots(motif, first, 14), &link));
        assert_eq!(s, StatusCode::OK, "{offered}");
        let starts: Vec<String> = offered["slots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["start"].as_str().unwrap().to_owned())
            .collect();
        assert!(!starts.is_empty());
        for start in &starts {
            let day: chrono::NaiveDate = start[..10].parse().unwrap();
            assert!(
                (earliest..=latest).contains(&day),
                "{start} outside the days allowed"
            );
        }
        let (s, _, b) = call!(app, hold(motif, &starts[0]));
        assert_eq!(
            (s, problem(&b)),
            (StatusCode::FORBIDDEN, "convocation-required")
        );
        let (s, _, mine) = call!(
            app,
            with_token(
                TestRequest::get().uri("/api/v1/convocations/current"),
                &link
            )
        );
        assert_eq!(s, StatusCode::OK, "{mine}");
        assert_eq!(mine["motif_id"], motif.to_string());
        assert_eq!(mine["state"], "issued");
        assert!(mine.get("person").is_none(), "no personal data: {mine}");

        // A slot before the convocation's first day is not one it offers.
        let (_, _, public_day) = call!(app, with_token(slots(motif, first, 1), &link));
        assert_eq!(public_day["slots"], json!([]));

        // Someone else with the link is refused, and nothing is written.
        let (s, _, held) = call!(app, with_token(hold(motif, &starts[0]), &link));
        assert_eq!(s, StatusCode::CREATED, "{held}");
        let hold_id = held["hold_id"].as_str().unwrap().to_owned();
        let confirm = |applicant: Value| {
            TestRequest::post()
                .uri("/api/v1/reservations")
                .set_json(json!({"hold_id": hold_id, "applicant": applicant}))
        };
        let (s, _, b) = call!(app, with_token(confirm(someone()), &link));
        assert_eq!(
            (s, problem(&b)),
            (StatusCode::FORBIDDEN, "convocation-other-person"),
            "{b}"
        );
        assert_eq!(crate::common::fields(&b), ["applicant"]);
        let (s, _, b) = call!(app, confirm(aissata_as_typed()));
        assert_eq!(
            (s, problem(&b)),
            (StatusCode::FORBIDDEN, "convocation-required")
        );
        assert_eq!(db.store().count_reservations().unwrap(), 0);

        // The person named, typed their own way: booked.
        let (s, _, booked) = call!(app, with_token(confirm(aissata_as_typed()), &link));
        assert_eq!(s, StatusCode::CREATED, "{booked}");
        let reference = booked["reference"].as_str().unwrap().to_owned();
        let management = booked["management_token"].as_str().unwrap().to_owned();
        let (_, _, seen) = call!(
            app,
            get_as(&format!("/api/v1/admin/convocations/{id}"), &admin)
        );
        assert_eq!(seen["state"], "booked");
        assert_eq!(seen["reservation_reference"], reference.as_str());

        // Used: a second appointment is refused, even for the same person.
        let (s, _, b) = call!(
            app,
            with_token(book(motif, &starts[1], aissata_as_typed()), &link)
        );
        assert_eq!(
            (s, problem(&b)),
            (StatusCode::CONFLICT, "convocation-used"),
            "{b}"
        );
        let (s, _, b) = call!(app, with_token(slots(motif, first, 14), &link));
        assert_eq!((s, problem(&b)), (StatusCode::CONFLICT, "convocation-used"));

        // The applicant moves it within the convocation's days.
        let (s, _, moved) = call!(
            app,
            TestRequest::post()
                .uri(&format!("/api/v1/reservations/{reference}/reschedule"))
                .insert_header(("X-Management-Token", management.clone()))
                .set_json(json!({"start": starts[1]}))
        );
        assert_eq!(s, StatusCode::OK, "{moved}");

        // Cancelled: the convocation is given back, and books again.
        let (s, _, _) = call!(
            app,
            TestRequest::post()
                .uri(&format!("/api/v1/reservations/{reference}/cancel"))
                .insert_header(("X-Management-Token", management))
        );
        assert_eq!(s, StatusCode::OK);
        let (_, _, seen) = call!(
            app,
            get_as(&format!("/api/v1/admin/convocations/{id}"), &admin)
        );
        assert_eq!(seen["state"], "issued");
        assert_eq!(seen["reservation_reference"], Value::Null);
        let last = starts.last().unwrap();
        let (s, _, again) = call!(
            app,
            with_token(book(motif, last, aissata_as_typed()), &link)
        );
        assert_eq!(s, StatusCode::CREATED, "{again}");
    }
}

/// A convocation written straight to the store, issued `age` ago for
/// `valid_days`.
fn issued_long_ago(store: &Store, motif: MotifId, site: &str, age: Duration) -> String {
    let token = format!("{:064x}", rand_u128());
    let now = Utc::now() - age;
    let person = ConvocationPerson::parse(
        ConvocationPersonInput {
            last_name: "N'Diaye",
            first_names: "Aïssata Marie",
            birth_date: "1990-04-12",
            file_number: None,
            email: None,
            phone: None,
        },
        now.date_naive(),
    )
    .unwrap();
    store
        .create_convocation(
            &NewConvocation {
                id: ConvocationId::new_random(),
                token_hash: hash_token(&token),
                site_id: site.parse().unwrap(),
                motif_id: motif,
                person,
                terms: ConvocationTerms::parse(Some(30), None, None, now, now.date_naive())
                    .unwrap(),
                issued_by: "agent:test".into(),
                now,
                messages: vec![],
                ds_dossier_number: None,
            },
            None,
        )
        .unwrap();
    token
}

fn rand_u128() -> u128 {
    u128::from_le_bytes(*uuid::Uuid::new_v4().as_bytes())
}

#[actix_web::test]
async fn unknown_expired_revoked_and_other_motifs_convocations_are_refused() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let store = db.store();
        let (motif, site) = renouvellement(store);
        let admin = token("admin_prefecture", &["93"]);
        let first = crate::common::next_open_weekday();
        let (_, _, open) = call!(app, slots(motif, first, 5));
        let start = open["slots"][0]["start"].as_str().unwrap().to_owned();

        let refused = |token: &str| with_token(book(motif, &start, aissata_as_typed()), token);
        let (s, _, b) = call!(app, refused(&"0".repeat(64)));
        assert_eq!(
            (s, problem(&b)),
            (StatusCode::FORBIDDEN, "convocation-invalid")
        );
        assert_eq!(crate::common::fields(&b), [HEADER]);
        // A blank or malformed token is not "no convocation": it is one
        // that matches nothing, for slots as for bookings.
        for malformed in ["", "   ", "not-a-token"] {
            let (s, _, b) = call!(app, with_token(slots(motif, first, 5), malformed));
            assert_eq!(
                (s, problem(&b)),
                (StatusCode::FORBIDDEN, "convocation-invalid"),
                "{malformed:?}"
            );
        }

        let expired = issued_long_ago(store, motif, &site, Duration::days(31));
        let (s, _, b) = call!(app, refused(&expired));
        assert_eq!((s, problem(&b)), (StatusCode::GONE, "convocation-expired"));
        let (_, _, mine) = call!(
            app,
            with_token(
                TestRequest::get().uri("/api/v1/convocations/current"),
                &expired
            )
        );
        assert_eq!(mine["state"], "expired");

        // Another motif's convocation does not open this one.
        let other: MotifId = store
            .list_site_motifs(&site)
            .unwrap()
            .iter()
            .find(|(m, _)| m.id != motif.to_string())
            .unwrap()
            .0
            .id
            .parse()
            .unwrap();
        let (s, _, issued) = call!(
            app,
            post(
                "/api/v1/admin/convocations",
                &admin,
                json!({"motif_id": other.to_string(), "person": aissata()})
            )
        );
        assert_eq!(s, StatusCode::CREATED);
        let other_link = issued["token"].as_str().unwrap().to_owned();
        let (s, _, b) = call!(app, refused(&other_link));
        assert_eq!(
            (s, problem(&b)),
            (StatusCode::FORBIDDEN, "convocation-other-motif")
        );

        // Revoked: refused, with the reason kept; revoking again changes
        // nothing; a reason is required.
        let id = issued["convocation"]["id"].as_str().unwrap();
        let revoke = format!("/api/v1/admin/convocations/{id}/revoke");
        let (s, _, b) = call!(app, post(&revoke, &admin, json!({"reason": ""})));
        assert_eq!(
            (s, crate::common::fields(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["reason".to_owned()])
        );
        let (s, _, revoked) = call!(
            app,
            post(&revoke, &admin, json!({"reason": "Dossier transmis"}))
        );
        assert_eq!(s, StatusCode::OK);
        assert_eq!(revoked["state"], "revoked");
        assert_eq!(revoked["revoke_reason"], "Dossier transmis");
        let (_, _, again) = call!(app, post(&revoke, &admin, json!({"reason": "Encore"})));
        assert_eq!(again["revoke_reason"], "Dossier transmis");
        assert_eq!(again["revoked_at"], revoked["revoked_at"]);
        // Issued and revoked once in the administrative trail, without the
        // person's data.
        let (_, _, trail) = call!(
            app,
            get_as("/api/v1/admin/audit?entity=convocation", &admin)
        );
        let actions: Vec<&str> = trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["entity_id"] == id)
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["updated", "created"], "{trail}");
        assert!(!trail.to_string().contains("Diaye"), "no personal data");
        let (s, _, b) = call!(
            app,
            with_token(book(other, &start, aissata_as_typed()), &other_link)
        );
        assert_eq!((s, problem(&b)), (StatusCode::GONE, "convocation-revoked"));
        assert_eq!(store.count_reservations().unwrap(), 0, "nothing written");
    }
}

#[actix_web::test]
async fn agents_issue_list_and_revoke_convocations_of_their_scope_only() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let (motif, site) = renouvellement(db.store());
        let admin = token("admin_prefecture", &["93"]);
        let stranger = token("admin_prefecture", &["75"]);
        let issue = |auth: &str, person: Value| {
            post(
                "/api/v1/admin/convocations",
                auth,
                json!({"motif_id": motif.to_string(), "person": person}),
            )
        };
        let (s, _, _) = call!(app, issue(&stranger, aissata()));
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, _) = call!(
            app,
            TestRequest::post()
                .uri("/api/v1/admin/convocations")
                .set_json(json!({"motif_id": motif.to_string(), "person": aissata()}))
        );
        assert_eq!(s, StatusCode::UNAUTHORIZED);

        // Every invalid field at once, nothing written.
        let (s, _, b) = call!(
            app,
            post(
                "/api/v1/admin/convocations",
                &admin,
                json!({
                    "motif_id": "nope",
                    "person": {"last_name": "", "first_names": "A", "birth_date": "1990-13-01", "file_number": "12"},
                    "valid_days": 400,
                    "earliest_day": "2026-12-10",
                    "latest_day": "2026-12-01"
                })
            )
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(
            crate::common::fields(&b),
            [
                "motif_id",
                "person.last_name",
                "person.birth_date",
                "person.file_number"
            ]
        );

        let mut ids = vec![];
        for _ in 0..3 {
            let (s, _, issued) = call!(app, issue(&admin, aissata()));
            assert_eq!(s, StatusCode::CREATED);
            ids.push(issued["convocation"]["id"].as_str().unwrap().to_owned());
        }
        let (s, _, _) = call!(
            app,
            post(
                &format!("/api/v1/admin/convocations/{}/revoke", ids[0]),
                &admin,
                json!({"reason": "Erreur de saisie"})
            )
        );
        assert_eq!(s, StatusCode::OK);
        let list = |query: &str, auth: &str| {
            get_as(
                &format!("/api/v1/admin/sites/{site}/convocations{query}"),
                auth,
            )
        };
        let (s, _, all) = call!(app, list("", &admin));
        assert_eq!(s, StatusCode::OK, "{all}");
        assert_eq!(all["total"], 3);
        let (_, _, issued) = call!(app, list("?state=issued", &admin));
        assert_eq!(issued["total"], 2);
        let (_, _, revoked) = call!(
            app,
            list(&format!("?state=revoked&motif_id={motif}"), &admin)
        );
        assert_eq!(revoked["total"], 1);
        assert_eq!(revoked["items"][0]["id"], ids[0].as_str());
        let (s, _, b) = call!(app, list("?state=honoured", &admin));
        assert_eq!(
            (s, crate::common::fields(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["state".to_owned()])
        );

        // Another préfecture's agent sees and changes nothing.
        let (s, _, _) = call!(app, list("", &stranger));
        assert_eq!(s, StatusCode::FORBIDDEN);
        let one = format!("/api/v1/admin/convocations/{}", ids[1]);
        let (s, _, _) = call!(app, get_as(&one, &stranger));
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, _) = call!(
            app,
            post(
                &format!("{one}/revoke"),
                &stranger,
                json!({"reason": "Pas à moi"})
            )
        );
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (_, _, still) = call!(app, get_as(&one, &admin));
        assert_eq!(still["state"], "issued");
    }
}

#[actix_web::test]
async fn one_link_used_by_simultaneous_bookings_books_once() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let (motif, _) = renouvellement(db.store());
        let admin = token("admin_prefecture", &["93"]);
        let link = issue_for_aissata!(app, &admin, motif);
        let (_, _, open) = call!(app, slots(motif, crate::common::next_open_weekday(), 5));
        let starts: Vec<String> = open["slots"]
            .as_array()
            .unwrap()
            .iter()
            .take(8)
            .map(|s| s["start"].as_str().unwrap().to_owned())
            .collect();
        let requests = starts.iter().map(|start| {
            let req = with_token(book(motif, start, aissata_as_typed()), &link).to_request();
            test::call_service(&app, req)
        });
        let answers = futures_util::future::join_all(requests).await;
        let created = answers
            .iter()
            .filter(|r| r.status() == StatusCode::CREATED)
            .count();
        let refused = answers
            .iter()
            .filter(|r| r.status() == StatusCode::CONFLICT)
            .count();
        assert_eq!(
            (created, refused),
            (1, starts.len() - 1),
            "{}",
            db.backend()
        );
        assert_eq!(db.store().count_reservations().unwrap(), 1);
    }
}

#[actix_web::test]
async fn a_slot_held_with_a_convocation_is_booked_with_it_only_and_one_at_a_time() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let (motif, _) = renouvellement(db.store());
        let admin = token("admin_prefecture", &["93"]);
        let link = issue_for_aissata!(app, &admin, motif);
        let (_, _, open) = call!(app, slots(motif, crate::common::next_open_weekday(), 5));
        let start = |i: usize| open["slots"][i]["start"].as_str().unwrap().to_owned();
        let (s, _, held) = call!(app, with_token(hold(motif, &start(0)), &link));
        assert_eq!(s, StatusCode::CREATED, "{held}");
        // One slot at a time per convocation.
        let res =
            test::call_service(&app, with_token(hold(motif, &start(1)), &link).to_request()).await;
        let wait = crate::common::retry_after(res.headers());
        assert!(
            (1..=601).contains(&wait),
            "until the first hold lapses: {wait}"
        );
        let s = res.status();
        let b: Value = serde_json::from_slice(&test::read_body(res).await).unwrap();
        assert_eq!(
            (s, problem(&b), &b["errors"][0]["field"]),
            (
                StatusCode::TOO_MANY_REQUESTS,
                "convocation-holding",
                &json!("X-Convocation-Token")
            ),
            "its own problem type, not the client's rate: {b}"
        );
        // The hold is not confirmed without its convocation (even on a
        // motif open to the public): the convocation would stay unused.
        let confirm = TestRequest::post()
            .uri("/api/v1/reservations")
            .set_json(json!({"hold_id": held["hold_id"], "applicant": aissata_as_typed()}));
        let (s, _, b) = call!(app, confirm);
        assert_eq!(
            (s, problem(&b)),
            (StatusCode::FORBIDDEN, "convocation-required"),
            "{b}"
        );
        let confirm = TestRequest::post()
            .uri("/api/v1/reservations")
            .set_json(json!({"hold_id": held["hold_id"], "applicant": aissata_as_typed()}));
        let (s, _, b) = call!(app, with_token(confirm, &link));
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let (_, _, mine) = call!(
            app,
            with_token(
                TestRequest::get().uri("/api/v1/convocations/current"),
                &link
            )
        );
        assert_eq!(mine["state"], "booked");
    }
}

#[actix_web::test]
async fn an_idempotency_key_replayed_with_another_convocation_is_another_request() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let (motif, _) = renouvellement(db.store());
        let admin = token("admin_prefecture", &["93"]);
        let mut links = vec![];
        for _ in 0..2 {
            links.push(issue_for_aissata!(app, &admin, motif));
        }
        let (_, _, open) = call!(app, slots(motif, crate::common::next_open_weekday(), 5));
        let start = open["slots"][0]["start"].as_str().unwrap().to_owned();
        let keyed = |link: &str| {
            with_token(book(motif, &start, aissata_as_typed()), link)
                .insert_header(("Idempotency-Key", "3f2b8c1e-9d4a-4b7e-8f00-1a2b3c4d5e6f"))
        };
        let (s, _, first) = call!(app, keyed(&links[0]));
        assert_eq!(s, StatusCode::CREATED, "{first}");
        // The same key and body with the same convocation: the first answer.
        let (s, _, again) = call!(app, keyed(&links[0]));
        assert_eq!(
            (s, &again["reference"]),
            (StatusCode::CREATED, &first["reference"])
        );
        // With another convocation: not a retry of the first booking.
        let (s, _, b) = call!(app, keyed(&links[1]));
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(db.store().count_reservations().unwrap(), 1);
    }
}
