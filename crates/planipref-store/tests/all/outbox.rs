//! The outbox on both databases: what each change owes, and how workers
//! claim, lease and settle messages.

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};

use chrono::{Duration, Utc};
use planipref_domain::ids::ReservationId;
use planipref_seed::seed_demo;
use planipref_store::outbox::{NewMessage, OutboxRow};
use planipref_store::{DatabaseUrl, PoolOptions, Store};
use planipref_test_support::TestDb;

use crate::store::{first_slot, new_reservation, reference, remise_at_bobigny};

/// `(kind, channel, status)` of each message, sorted.
fn summary(rows: &[OutboxRow]) -> Vec<(String, String, String)> {
    let mut all: Vec<_> = rows
        .iter()
        .map(|m| (m.kind.clone(), m.channel.clone(), m.status.clone()))
        .collect();
    all.sort();
    all
}

fn owned(items: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    let mut all: Vec<_> = items
        .iter()
        .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
        .collect();
    all.sort();
    all
}

#[test]
fn a_booking_owes_its_confirmation_and_reminders_and_a_cancellation_takes_the_reminders_back() {
    for db in TestDb::each() {
        let store = db.store();
        seed_demo(store).expect("seed");
        let motif = remise_at_bobigny(store);
        let (start, end, free) = first_slot(store, motif);
        let mut new = new_reservation(store, motif, start, end, 1);
        new.sealed_token = Some("sealed-token".into());
        new.language = "en".into();
        let row = store
            .create_reservation(&new, &free, || reference(1))
            .expect("booked");
        let messages = store.reservation_messages(&row.id).expect("messages");
        assert_eq!(
            summary(&messages),
            owned(&[
                ("booked", "email", "pending"),
                ("booked", "sms", "pending"),
                ("reminder", "email", "pending"),
                ("reminder", "email", "pending"),
                ("reminder", "sms", "pending"),
                ("reminder", "sms", "pending"),
            ]),
            "{}",
            db.backend()
        );
        for m in &messages {
            assert_eq!(m.language, "en");
            assert_eq!(m.prefecture_code, "93");
            assert_eq!(m.sealed.is_some(), m.kind == "booked", "{m:?}");
            assert!(m.payload.contains(&row.reference), "{}", m.payload);
            // No personal data in what the outbox shows.
            assert!(!m.payload.contains("camille"), "{}", m.payload);
        }
        let reminders: BTreeSet<_> = messages
            .iter()
            .filter(|m| m.kind == "reminder")
            .map(|m| m.due_at)
            .collect();
        assert_eq!(reminders.len(), 2, "48 and 24 hours before");

        let id: ReservationId = row.id.parse().expect("id");
        store
            .cancel_reservation(
                id,
                ("agent:a1", Some("Guichet fermé")),
                Utc::now(),
                Utc::now(),
            )
            .expect("cancel");
        let messages = store.reservation_messages(&row.id).expect("messages");
        assert_eq!(
            summary(&messages),
            owned(&[
                ("booked", "email", "cancelled"),
                ("booked", "sms", "cancelled"),
                ("cancelled", "email", "pending"),
                ("cancelled", "sms", "pending"),
                ("reminder", "email", "cancelled"),
                ("reminder", "email", "cancelled"),
                ("reminder", "sms", "cancelled"),
                ("reminder", "sms", "cancelled"),
            ]),
            "{}",
            db.backend()
        );
        let cancelled = messages
            .iter()
            .find(|m| m.kind == "cancelled")
            .expect("one");
        assert!(
            cancelled.payload.contains("Guichet fermé"),
            "{}",
            cancelled.payload
        );
        assert!(
            cancelled.payload.contains("\"by_agent\":true"),
            "{}",
            cancelled.payload
        );
    }
}

fn message(n: usize, due: chrono::DateTime<Utc>) -> NewMessage {
    NewMessage {
        kind: "booked".into(),
        channel: "email".into(),
        prefecture_code: "93".into(),
        language: "fr".into(),
        payload: format!("{{\"n\":{n}}}"),
        sealed: Some(format!("sealed-{n}")),
        due_at: due,
    }
}

#[test]
fn a_claimed_message_is_leased_until_settled_or_its_lease_runs_out() {
    for db in TestDb::each() {
        let store = db.store();
        let now = Utc::now();
        let lease = Duration::minutes(5);
        store
            .enqueue_messages(
                &[
                    message(1, now),
                    message(2, now),
                    message(3, now + Duration::hours(1)),
                ],
                now,
            )
            .expect("enqueue");
        let claimed = store.claim_messages(now, lease, 10).expect("claim");
        assert_eq!(claimed.len(), 2, "{}: only what is due", db.backend());
        assert!(
            store
                .claim_messages(now, lease, 10)
                .expect("again")
                .is_empty(),
            "leased"
        );
        // The worker died: once its lease runs out, another claims them.
        let later = now + lease + Duration::seconds(1);
        let again = store
            .claim_messages(later, lease, 10)
            .expect("after the lease");
        let ids = |rows: &[OutboxRow]| rows.iter().map(|m| m.id.clone()).collect::<BTreeSet<_>>();
        assert_eq!(
            ids(&again),
            ids(&claimed),
            "the same ids: receivers de-duplicate"
        );

        let (sent, retried) = (&again[0], &again[1]);
        store.message_sent(&sent.id, later).expect("sent");
        store
            .message_retry(
                &retried.id,
                "smtp: 451 try later",
                later + Duration::minutes(1),
            )
            .expect("retry");
        let until_retry = store
            .claim_messages(later + Duration::seconds(30), lease, 10)
            .expect("claim");
        assert!(until_retry.is_empty(), "{until_retry:?}");
        let retry = store
            .claim_messages(later + Duration::minutes(1), lease, 10)
            .expect("claim");
        assert_eq!(ids(&retry), BTreeSet::from([retried.id.clone()]));
        assert_eq!(retry[0].attempts, 1);
        assert_eq!(retry[0].last_error.as_deref(), Some("smtp: 451 try later"));
        store
            .message_failed(&retried.id, "smtp: 550 no such user")
            .expect("failed");

        let depth = store.outbox_depth().expect("depth");
        assert_eq!((depth.pending, depth.failed), (1, 1), "{}", db.backend());
        // By channel, every channel named: the one pending is due in an hour.
        for (at, due) in [(now, 0), (now + Duration::hours(2), 1)] {
            let by_channel = store.outbox_depth_by_channel(at).expect("by channel");
            let figures: Vec<_> = by_channel
                .iter()
                .map(|(c, d)| (*c, d.pending, d.due, d.failed))
                .collect();
            assert_eq!(
                figures,
                [("email", 1, due, 1), ("sms", 0, 0, 0), ("webhook", 0, 0, 0)],
                "{}",
                db.backend()
            );
        }
        // Settled messages keep no secret; the one not yet due keeps its.
        for (id, state) in [(&sent.id, "sent"), (&retried.id, "failed")] {
            let m = store.find_message(id).expect("message");
            assert_eq!((m.status.as_str(), m.sealed), (state, None));
        }
        let last = store
            .claim_messages(now + Duration::days(1), lease, 10)
            .expect("the last one");
        assert_eq!(last.len(), 1);
        assert_eq!(last[0].sealed.as_deref(), Some("sealed-3"));
    }
}

/// Workers of several processes claiming at once never claim one message
/// twice (PostgreSQL skips rows another claim holds; SQLite claims one
/// after the other).
#[test]
fn workers_claiming_at_once_share_the_messages_without_overlap() {
    const MESSAGES: usize = 300;
    const WORKERS: usize = 4;
    for db in TestDb::each() {
        let now = Utc::now();
        let all: Vec<NewMessage> = (0..MESSAGES).map(|n| message(n, now)).collect();
        db.store().enqueue_messages(&all, now).expect("enqueue");
        let barrier = Arc::new(Barrier::new(WORKERS));
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                let store = Store::open(
                    &DatabaseUrl::parse(&db.url).expect("url"),
                    &PoolOptions::default(),
                )
                .expect("store");
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    let mut mine = Vec::new();
                    loop {
                        let batch = store
                            .claim_messages(now, Duration::minutes(10), 7)
                            .expect("claim");
                        if batch.is_empty() {
                            break mine;
                        }
                        for m in batch {
                            store.message_sent(&m.id, now).expect("sent");
                            mine.push(m.id);
                        }
                    }
                })
            })
            .collect();
        let claimed: Vec<String> = workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect();
        let distinct: BTreeSet<_> = claimed.iter().collect();
        assert_eq!(claimed.len(), MESSAGES, "{}: claimed in all", db.backend());
        assert_eq!(distinct.len(), MESSAGES, "{}: none twice", db.backend());
        assert_eq!(db.store().outbox_depth().expect("depth").pending, 0);
    }
}
