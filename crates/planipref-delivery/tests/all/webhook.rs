//! Webhooks on both databases, posted to a local receiver that records
//! each request: signed as the Standard Webhooks specification says
//! (checked here with an HMAC computed independently of the domain's),
//! the same id and body on every attempt, retried after a failure, the
//! receiver's status recorded; paused subscriptions get nothing more.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{Duration, Utc};
use hmac::{Hmac, Mac};
use planipref_domain::messages::seal::{NONCE_BYTES, OutboxKey};
use planipref_domain::messages::webhook::Event;
use planipref_store::webhooks::{DeliveryFilter, WebhookRow, events_column};
use planipref_store::{AuditEntry, Store, to_db};
use planipref_test_support::{HttpRequest as Request, HttpSink as Gateway, TestDb};
use sha2::Sha256;

use planipref_delivery::webhook::WebhookClient;
use planipref_domain::messages::network::Networks;

use crate::worker::{book, deliverer};

/// The key a test subscription signs with.
const KEY: [u8; 32] = [9; 32];

/// Subscribes `url` to `events` of Seine-Saint-Denis, its secret sealed
/// with the development key.
fn subscribe(store: &Store, url: &str, events: &[Event], active: bool) -> WebhookRow {
    let secret = format!("whsec_{}", STANDARD.encode(KEY));
    let row = WebhookRow {
        id: uuid::Uuid::new_v4().to_string(),
        prefecture_code: "93".into(),
        url: url.into(),
        events: events_column(events),
        description: "Logiciel du bureau des étrangers".into(),
        active,
        secret_sealed: OutboxKey::development().seal(&secret, [5; NONCE_BYTES]),
        revision: 1,
        created_at: to_db(Utc::now()),
        created_by: "agent:admin-93".into(),
    };
    let audit = audit_of(&row.id, "created", Utc::now());
    store.create_webhook(&row, &audit).expect("subscribed");
    row
}

/// The audit entry of an administrator's `action` on subscription `id`.
fn audit_of(id: &str, action: &'static str, at: chrono::DateTime<Utc>) -> AuditEntry {
    AuditEntry {
        actor: "agent:admin-93".into(),
        departement: Some("93".into()),
        site_id: None,
        entity: "webhook",
        entity_id: id.to_owned(),
        action,
        before: None,
        after: None,
        at,
    }
}

/// Whether `request` carries a valid signature of its body, checked the
/// way a receiver would: HMAC-SHA256 of `{id}.{timestamp}.{body}`.
fn signed(request: &Request) -> bool {
    let id = request.header("webhook-id").expect("webhook-id");
    let ts = request.header("webhook-timestamp").expect("timestamp");
    let mut mac = Hmac::<Sha256>::new_from_slice(&KEY).expect("key");
    mac.update(format!("{id}.{ts}.{}", request.raw).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    request.header("webhook-signature") == Some(expected.as_str())
}

#[test]
fn an_event_is_posted_signed_retried_after_a_failure_and_its_answers_recorded() {
    for db in TestDb::each() {
        let store = db.store();
        let booked = book(store, "fr");
        let receiver = Gateway::start("/hooks/planipref", &[503, 204]);
        let listening = subscribe(store, &receiver.url, &[Event::ReservationCancelled], true);
        let other = subscribe(store, &receiver.url, &[Event::ReservationMoved], true);
        let now = Utc::now();
        store
            .cancel_reservation(
                booked.id.parse().expect("id"),
                ("agent:a.martin", Some("Dossier transmis à Saint-Denis")),
                now,
                now,
            )
            .expect("cancelled");
        let worker = deliverer(tempfile::tempdir().expect("dir").path(), None);

        worker.deliver_due(store, now, || 0.5).expect("round");
        let all = DeliveryFilter::default();
        let first = store
            .webhook_deliveries(&listening.id, all, (0, 10))
            .expect("deliveries");
        assert_eq!(first.total, 1, "{}", db.backend());
        let delivery = &first.items[0];
        assert_eq!(
            (delivery.kind.as_str(), delivery.status.as_str()),
            ("reservation.cancelled", "pending")
        );
        assert_eq!(
            (delivery.attempts, delivery.response_status),
            (1, Some(503))
        );
        assert!(
            delivery.last_error.as_deref().unwrap_or("").contains("503"),
            "{:?}",
            delivery.last_error
        );
        let none = store
            .webhook_deliveries(&other.id, all, (0, 10))
            .expect("none");
        assert_eq!(none.total, 0, "not listening to cancellations");

        worker
            .deliver_due(store, now + Duration::hours(1), || 0.5)
            .expect("retry");
        let settled = store.find_message(&delivery.id).expect("delivery");
        assert_eq!(settled.status, "sent");
        assert_eq!(settled.response_status, Some(204));

        let requests = receiver.requests();
        assert_eq!(requests.len(), 2, "{requests:?}");
        for request in &requests {
            assert_eq!(request.line, "POST /hooks/planipref HTTP/1.1");
            assert_eq!(request.header("webhook-id"), Some(delivery.id.as_str()));
            assert_eq!(request.header("content-type"), Some("application/json"));
            assert!(signed(request), "{request:?}");
            assert_eq!(request.raw, requests[0].raw, "the same body every time");
        }
        let body = &requests[0].body;
        assert_eq!(body["type"], "reservation.cancelled");
        assert_eq!(body["data"]["reference"], "K7QX-M3PA");
        assert_eq!(body["data"]["reason"], "Dossier transmis à Saint-Denis");
        assert_eq!(body["data"]["site_id"], booked.site_id.as_str());
        for personal in ["aissata", "Aïssata", "N'Diaye", "06 12", "+336", "1990"] {
            assert!(
                !requests[0].raw.contains(personal),
                "{personal} in {}",
                requests[0].raw
            );
        }
        // A signature of another body does not verify.
        let mut forged = requests[0].clone();
        forged.raw = forged.raw.replace("cancelled", "booked");
        assert!(!signed(&forged));
    }
}

#[test]
fn a_paused_subscription_gets_no_event_but_its_test_and_a_gone_receiver_is_retried() {
    for db in TestDb::each() {
        let store = db.store();
        let booked = book(store, "fr");
        let receiver = Gateway::start("/in", &[200]);
        let paused = subscribe(store, &receiver.url, &[Event::ReservationCancelled], false);
        let now = Utc::now();
        store
            .cancel_reservation(
                booked.id.parse().expect("id"),
                ("applicant", None),
                now,
                now,
            )
            .expect("cancelled");
        let all = DeliveryFilter::default();
        let owed = store
            .webhook_deliveries(&paused.id, all, (0, 10))
            .expect("owed");
        assert_eq!(
            owed.total,
            0,
            "{}: a paused subscription hears nothing",
            db.backend()
        );

        let audit = audit_of(&paused.id, "updated", now);
        let ping = store.ping_webhook(&paused, now, &audit).expect("ping");
        let worker = deliverer(tempfile::tempdir().expect("dir").path(), None);
        worker.deliver_due(store, now, || 0.5).expect("round");
        assert_eq!(store.find_message(&ping.id).expect("ping").status, "sent");
        let requests = receiver.requests();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].body["type"], "webhook.ping");
        assert!(signed(&requests[0]));

        // Nobody listens at the URL: no status, tried again later.
        let nobody = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        let url = format!("http://{}/in", nobody.local_addr().expect("addr"));
        drop(nobody);
        let gone = subscribe(store, &url, &[Event::ReservationBooked], true);
        let ping = store.ping_webhook(&gone, now, &audit).expect("ping");
        worker.deliver_due(store, now, || 0.5).expect("round");
        let tried = store.find_message(&ping.id).expect("tried");
        assert_eq!(
            (tried.status.as_str(), tried.response_status),
            ("pending", None)
        );
        assert!(
            tried
                .last_error
                .as_deref()
                .unwrap_or("")
                .contains("no answer"),
            "{:?}",
            tried.last_error
        );
    }
}

#[test]
fn a_receiver_inside_the_servers_network_is_never_contacted_unless_allowed() {
    for db in TestDb::each() {
        let store = db.store();
        let booked = book(store, "fr");
        let receiver = Gateway::start("/hooks/planipref", &[204]);
        // Its port on this machine is open: only the rule keeps it out.
        let inside = subscribe(store, &receiver.url, &[Event::ReservationCancelled], true);
        let by_name = receiver.url.replace("127.0.0.1", "localhost");
        let named = subscribe(store, &by_name, &[Event::ReservationCancelled], true);
        let now = Utc::now();
        store
            .cancel_reservation(
                booked.id.parse().expect("id"),
                ("applicant", None),
                now,
                now,
            )
            .expect("cancelled");
        let mut worker = deliverer(tempfile::tempdir().expect("dir").path(), None);
        worker.webhooks = WebhookClient::new(Networks::default());

        let round = worker.deliver_due(store, now, || 0.5).expect("round");
        assert_eq!(round.failed, 2, "{}: {round:?}", db.backend());
        for subscription in [&inside, &named] {
            let listed = store
                .webhook_deliveries(&subscription.id, DeliveryFilter::default(), (0, 10))
                .expect("deliveries");
            let delivery = &listed.items[0];
            assert_eq!(
                (delivery.status.as_str(), delivery.response_status),
                ("failed", None),
                "failed for good, never answered"
            );
            assert!(
                delivery
                    .last_error
                    .as_deref()
                    .unwrap_or("")
                    .contains("PLANIPREF_WEBHOOK_ALLOWED_NETWORKS"),
                "{:?}",
                delivery.last_error
            );
        }
        assert!(
            receiver.requests().is_empty(),
            "nothing reached the receiver"
        );

        // Allowed by the deployment (this machine's address), the same
        // delivery sent again reaches it.
        let delivery = store
            .webhook_deliveries(&inside.id, DeliveryFilter::default(), (0, 10))
            .expect("deliveries")
            .items[0]
            .id
            .clone();
        let audit = audit_of(&inside.id, "updated", now);
        store
            .redeliver(&inside.id, &delivery, now, &audit)
            .expect("sent again");
        worker.webhooks = WebhookClient::new(Networks::parse("127.0.0.1/32").expect("network"));
        worker.deliver_due(store, now, || 0.5).expect("round");
        let sent = store.find_message(&delivery).expect("delivery");
        assert_eq!(
            (sent.status.as_str(), sent.response_status),
            ("sent", Some(204))
        );
        assert_eq!(receiver.requests().len(), 1);
    }
}

#[test]
fn a_slow_receiver_cannot_keep_a_batch_past_its_lease() {
    for db in TestDb::each() {
        let store = db.store();
        book(store, "fr");
        // One request at a time, 400 ms each: 16 take over 6 s.
        let receiver = Gateway::start_slow(
            "/hooks/planipref",
            &[204],
            std::time::Duration::from_millis(400),
        );
        let webhook = subscribe(store, &receiver.url, &[Event::ReservationBooked], true);
        let now = Utc::now();
        let audit = audit_of(&webhook.id, "updated", now);
        for _ in 0..16 {
            store.ping_webhook(&webhook, now, &audit).expect("ping");
        }
        let mut worker = deliverer(tempfile::tempdir().expect("dir").path(), None);
        worker.lease = Duration::seconds(2);

        let first = worker.deliver_due(store, now, || 0.5).expect("round");
        assert!(first.released > 0, "{}: {first:?}", db.backend());
        assert_eq!(first.retried + first.failed, 0, "{first:?}");
        // Released, not leased: the next round sends them at once.
        let sent = |store: &Store| {
            let only = DeliveryFilter {
                status: Some("sent"),
            };
            store
                .webhook_deliveries(&webhook.id, only, (0, 100))
                .expect("deliveries")
                .total
        };
        let mut rounds = 1;
        while sent(store) < 16 {
            rounds += 1;
            assert!(rounds <= 16, "{}: {} sent", db.backend(), sent(store));
            worker.deliver_due(store, now, || 0.5).expect("round");
        }
        let ids: std::collections::BTreeSet<String> = receiver
            .requests()
            .iter()
            .map(|r| r.header("webhook-id").expect("id").to_owned())
            .collect();
        assert_eq!(
            (ids.len(), receiver.requests().len()),
            (16, 16),
            "each sent once"
        );
    }
}
