//! A préfecture's webhook subscriptions through the API, on both
//! databases: administered within scope, the secret shown once and never
//! stored or audited in clear, changes reaching the subscriptions that
//! listen (and no other), without contact details; deliveries listed,
//! sent again and tested.

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use planipref_test_support::TestDb;
use serde_json::{Value, json};

use crate::common::requests::{aissata, book, slots_on};
use crate::common::{
    bobigny_motif, fields, get_as, next_open_weekday, post, put, someone, state, token,
};

const WEBHOOKS: &str = "/api/v1/admin/prefectures/93/webhooks";

fn subscription(url: &str, events: &[&str]) -> Value {
    json!({"url": url, "events": events, "description": "Logiciel du bureau des étrangers"})
}

#[actix_web::test]
async fn an_administrator_subscribes_a_system_whose_secret_is_shown_once_then_changes_and_deletes_it()
 {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let admin = token("admin_prefecture", &["93"]);

        let bad = json!({"url": "http://example.org/in", "events": ["reservation.booked", "reservation.lost"]});
        let (s, _, p) = call!(app, post(WEBHOOKS, &admin, bad));
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
        assert_eq!(fields(&p), vec!["url".to_owned(), "events[1]".to_owned()]);
        let body = subscription("https://sias.example.gouv.fr/in", &["reservation.booked"]);
        for (who, expected) in [
            (token("admin_prefecture", &["974"]), StatusCode::FORBIDDEN),
            (
                token("agent", &["4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"]),
                StatusCode::FORBIDDEN,
            ),
        ] {
            let (s, _, p) = call!(app, post(WEBHOOKS, &who, body.clone()));
            assert_eq!(s, expected, "{p}");
        }
        let national = token("admin_national", &[]);
        let (s, _, _) = call!(
            app,
            post(
                "/api/v1/admin/prefectures/2A/webhooks",
                &national,
                body.clone()
            )
        );
        assert_eq!(s, StatusCode::NOT_FOUND, "no such préfecture");

        let events = [
            "reservation.no_show",
            "reservation.booked",
            "reservation.booked",
        ];
        let created = test::call_service(
            &app,
            post(
                WEBHOOKS,
                &admin,
                subscription("https://sias.example.gouv.fr/in", &events),
            )
            .to_request(),
        )
        .await;
        assert_eq!(created.status(), StatusCode::CREATED);
        let header = |name: &str| {
            created
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        assert_eq!(header("cache-control").as_deref(), Some("no-store"));
        assert_eq!(header("etag").as_deref(), Some("\"1\""));
        let location = header("location").unwrap();
        let created: Value = test::read_body_json(created).await;
        let secret = created["secret"].as_str().unwrap().to_owned();
        assert!(
            secret.starts_with("whsec_") && secret.len() > 40,
            "{secret}"
        );
        assert_eq!(
            created["events"],
            json!(["reservation.booked", "reservation.no_show"])
        );
        assert_eq!(created["active"], true);
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(location, format!("{WEBHOOKS}/{id}"));

        let stored = db.store().get_webhook("93", &id).unwrap();
        assert!(
            !stored.secret_sealed.contains(&secret[6..]),
            "sealed, not in clear"
        );
        let trail = db
            .store()
            .list_audit(&planipref_store::AuditFilter::default(), 0, 500)
            .unwrap();
        assert!(
            trail
                .items
                .iter()
                .any(|e| e.entity == "webhook" && e.entity_id == id)
        );
        let written = format!("{:?}", trail.items);
        assert!(!written.contains("whsec_"), "the secret is never audited");

        let (s, _, read) = call!(app, get_as(&location, &admin));
        assert_eq!(s, StatusCode::OK);
        assert!(read.get("secret").is_none(), "{read}");
        let (_, _, listed) = call!(app, get_as(WEBHOOKS, &admin));
        assert_eq!(listed["total"], 1);
        let (s, _, _) = call!(
            app,
            get_as(
                &location.replace("/93/", "/974/"),
                &token("admin_prefecture", &["974"])
            )
        );
        assert_eq!(
            s,
            StatusCode::NOT_FOUND,
            "another préfecture's subscription"
        );

        let mut paused = subscription(
            "https://sias.example.gouv.fr/v2/in",
            &["reservation.cancelled"],
        );
        paused["active"] = json!(false);
        let (s, _, changed) = call!(app, put(&location, &admin, paused.clone()));
        assert_eq!(s, StatusCode::OK, "{changed}");
        assert_eq!(
            (
                changed["version"].clone(),
                changed["active"].clone(),
                changed["url"].clone()
            ),
            (
                json!(2),
                json!(false),
                json!("https://sias.example.gouv.fr/v2/in")
            )
        );
        let stale = put(&location, &admin, paused).insert_header(("If-Match", "\"1\""));
        let (s, _, p) = call!(app, stale);
        assert_eq!(
            (s, p["current_version"].clone()),
            (StatusCode::CONFLICT, json!(2))
        );
        assert_eq!(
            db.store().get_webhook("93", &id).unwrap().secret_sealed,
            stored.secret_sealed
        );

        let deleted = TestRequest::delete()
            .uri(&location)
            .insert_header(("Authorization", admin.clone()));
        let (s, _, _) = call!(app, deleted);
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, _, _) = call!(app, get_as(&location, &admin));
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}

/// The `type`s of a page of deliveries, newest first.
fn types(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["event"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn changes_reach_the_subscriptions_listening_without_contact_details_and_can_be_sent_again() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let admin = token("admin_prefecture", &["93"]);
        let events = [
            "reservation.booked",
            "reservation.cancelled",
            "convocation.issued",
        ];
        let (_, _, listening) = call!(
            app,
            post(
                WEBHOOKS,
                &admin,
                subscription("https://a.example.gouv.fr/in", &events)
            )
        );
        let mut paused = subscription("https://b.example.gouv.fr/in", &events);
        paused["active"] = json!(false);
        let (_, _, paused) = call!(app, post(WEBHOOKS, &admin, paused));
        let reunion = token("admin_prefecture", &["974"]);
        let (_, _, elsewhere) = call!(
            app,
            post(
                "/api/v1/admin/prefectures/974/webhooks",
                &reunion,
                subscription("https://c.example.gouv.fr/in", &events)
            )
        );
        let deliveries = |w: &Value| format!("{WEBHOOKS}/{}/deliveries", w["id"].as_str().unwrap());

        let (motif, site) = bobigny_motif(db.store(), "Renouvellement");
        let (_, _, slots) = call!(app, slots_on(&motif, next_open_weekday()));
        let start = slots["slots"][0]["start"].as_str().unwrap();
        let applicant = someone();
        let (s, _, booked) = call!(app, book(&motif, start, applicant.clone()));
        assert_eq!(s, StatusCode::CREATED, "{booked}");
        let reference = booked["reference"].as_str().unwrap();
        let agent = token("agent", &[&site]);
        let cancel = format!("/api/v1/admin/reservations/{reference}/cancel");
        let (s, _, _) = call!(
            app,
            post(
                &cancel,
                &agent,
                json!({"reason": "Guichet fermé ce jour-là"})
            )
        );
        assert_eq!(s, StatusCode::OK);
        let convocation = json!({"motif_id": motif, "person": aissata()});
        let (s, _, issued) = call!(app, post("/api/v1/admin/convocations", &agent, convocation));
        assert_eq!(s, StatusCode::CREATED, "{issued}");

        let (s, _, page) = call!(app, get_as(&deliveries(&listening), &admin));
        assert_eq!(s, StatusCode::OK, "{page}");
        assert_eq!(
            types(&page),
            [
                "convocation.issued",
                "reservation.cancelled",
                "reservation.booked"
            ],
            "{}",
            db.backend()
        );
        let items = page["items"].as_array().unwrap();
        assert_eq!(items[1]["reference"], reference);
        assert_eq!(
            items[1]["body"]["data"]["reason"],
            "Guichet fermé ce jour-là"
        );
        assert_eq!(items[0]["convocation_id"], issued["convocation"]["id"]);
        assert_eq!(items[2]["status"], "pending");
        let written = page.to_string();
        for personal in [
            "camille@example.org",
            "06 12 34 56 78",
            applicant["last_name"].as_str().unwrap(),
            "N'Diaye",
        ] {
            assert!(!written.contains(personal), "{personal} in {written}");
        }
        let (_, _, none) = call!(app, get_as(&deliveries(&paused), &admin));
        assert_eq!(none["total"], 0, "a paused subscription hears nothing");
        let (_, _, none) = call!(
            app,
            get_as(
                &format!(
                    "/api/v1/admin/prefectures/974/webhooks/{}/deliveries",
                    elsewhere["id"].as_str().unwrap()
                ),
                &reunion
            )
        );
        assert_eq!(
            none["total"], 0,
            "another préfecture's subscription hears nothing"
        );
        let (s, _, p) = call!(
            app,
            get_as(&format!("{}?status=lost", deliveries(&listening)), &admin)
        );
        assert_eq!(
            (s, fields(&p)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["status".to_owned()])
        );

        // Sending again: not while pending; once sent, with the same id.
        let booked_delivery = items[2]["id"].as_str().unwrap();
        let again = format!("{}/{booked_delivery}/redeliver", deliveries(&listening));
        let (s, _, p) = call!(app, post(&again, &admin, json!({})));
        assert_eq!(s, StatusCode::CONFLICT, "{p}");
        db.store()
            .message_failed(booked_delivery, "the receiver answered 500")
            .unwrap();
        let (s, _, p) = call!(
            app,
            post(
                &again.replace(
                    listening["id"].as_str().unwrap(),
                    paused["id"].as_str().unwrap()
                ),
                &admin,
                json!({})
            )
        );
        assert_eq!(
            s,
            StatusCode::NOT_FOUND,
            "another subscription's delivery: {p}"
        );
        let (s, _, redelivered) = call!(app, post(&again, &admin, json!({})));
        assert_eq!(s, StatusCode::ACCEPTED, "{redelivered}");
        assert_eq!(
            (
                redelivered["id"].as_str(),
                redelivered["status"].as_str(),
                redelivered["failed_attempts"].as_u64()
            ),
            (Some(booked_delivery), Some("pending"), Some(0))
        );
        let (_, _, failed) = call!(
            app,
            get_as(&format!("{}?status=failed", deliveries(&listening)), &admin)
        );
        assert_eq!(failed["total"], 0);

        let ping = format!("{WEBHOOKS}/{}/ping", paused["id"].as_str().unwrap());
        let (s, _, pinged) = call!(app, post(&ping, &admin, json!({})));
        assert_eq!(
            (s, pinged["event"].clone()),
            (StatusCode::ACCEPTED, json!("webhook.ping"))
        );
        let (_, _, tested) = call!(app, get_as(&deliveries(&paused), &admin));
        assert_eq!(types(&tested), ["webhook.ping"]);
        let history = format!("/api/v1/admin/reservations/{reference}/history");
        let (_, _, history) = call!(app, get_as(&history, &agent));
        let channels: Vec<&str> = history["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["channel"].as_str().unwrap())
            .collect();
        assert!(
            !channels.contains(&"webhook"),
            "the applicant's messages only: {channels:?}"
        );
    }
}
