//! A préfecture system hears of a booking from the real server: an
//! administrator subscribes a local receiver over HTTP, an applicant
//! books, and the server's delivery loop posts the event, signed with the
//! secret the subscription's answer showed, on SQLite and PostgreSQL.

use std::time::{Duration, Instant};

use planipref_domain::messages::webhook::Secret;
use planipref_test_support::{HttpSink, TestDb};
use planipref_tests::{Server, bearer, bobigny_slot, book_each, client, run};
use serde_json::{Value, json};

#[actix_web::test]
async fn a_booking_reaches_the_subscribed_system_signed_with_its_secret() {
    for db in TestDb::each() {
        run(&db.url, &["seed", "--demo"]);
        // The receiver listens on this machine: allowed by the deployment.
        let server = Server::start_with(
            &db.url,
            "info",
            &[("PLANIPREF_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32")],
        );
        let client = client();
        let admin = bearer(&db.url, "admin_prefecture", "93", "admin-93");
        let receiver = HttpSink::start("/hooks/planipref", &[200]);
        let webhooks = server.url("/api/v1/admin/prefectures/93/webhooks");
        let mut created = client
            .post(&webhooks)
            .insert_header(("Authorization", admin.as_str()))
            .send_json(&json!({"url": receiver.url, "events": ["reservation.booked"]}))
            .await
            .expect("subscribe");
        assert_eq!(created.status().as_u16(), 201);
        let created: Value = created.json().await.expect("json");
        let secret = Secret::parse(created["secret"].as_str().expect("secret")).expect("whsec_");

        let (motif, slot) = bobigny_slot(&client, &server, "Renouvellement").await;
        let start = slot["start"].as_str().expect("start");
        let booked = book_each(&client, &server, (&motif, start), 0, 1).await;

        let deadline = Instant::now() + Duration::from_secs(30);
        while receiver.requests().is_empty() && Instant::now() < deadline {
            actix_web::rt::time::sleep(Duration::from_millis(200)).await;
        }
        let requests = receiver.requests();
        assert_eq!(requests.len(), 1, "{}: {}", db.backend(), server.log());
        let request = &requests[0];
        assert_eq!(request.body["type"], "reservation.booked");
        assert_eq!(request.body["data"]["reference"], booked[0].0.as_str());
        let id = request.header("webhook-id").expect("id");
        let ts: i64 = request
            .header("webhook-timestamp")
            .expect("ts")
            .parse()
            .expect("seconds");
        assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
        assert_eq!(
            request.header("webhook-signature"),
            Some(secret.sign(id, ts, &request.raw).as_str())
        );

        // The préfecture sees it delivered, with the receiver's answer.
        let mut seen = Value::Null;
        while Instant::now() < deadline {
            let sent = client
                .get(format!(
                    "{webhooks}/{}/deliveries",
                    created["id"].as_str().expect("id")
                ))
                .insert_header(("Authorization", admin.as_str()))
                .send()
                .await;
            // A pooled connection the server closed meanwhile (a busy
            // machine): ask again on a new one.
            let Ok(mut res) = sent else {
                actix_web::rt::time::sleep(Duration::from_millis(200)).await;
                continue;
            };
            seen = res.json().await.expect("json");
            if seen["items"][0]["status"] == "sent" {
                break;
            }
            actix_web::rt::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(seen["items"][0]["id"], id);
        assert_eq!(seen["items"][0]["status"], "sent", "{seen}");
        assert_eq!(seen["items"][0]["response_status"], 200);
        assert!(
            !server
                .log()
                .contains(created["secret"].as_str().expect("secret"))
        );
    }
}
