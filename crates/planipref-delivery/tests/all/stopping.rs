//! A worker told to stop (the server is shutting down) leaves nothing
//! half-done: the message it is sending is settled, those it claimed and
//! has not sent are released at once for another worker; once stopped it
//! claims nothing. On both databases.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{Duration, Utc};
use planipref_delivery::SendError;
use planipref_delivery::transport::Mailer;
use planipref_store::Store;
use planipref_store::outbox::NewMessage;
use planipref_test_support::TestDb;

use crate::worker::{book, deliverer};

/// Hands e-mails over, and says "stop" at the first one: a SIGTERM in
/// the middle of a batch.
#[derive(Debug)]
struct StopsAtFirstSend(Arc<AtomicBool>);

impl Mailer for StopsAtFirstSend {
    fn send(&self, _id: &str, _message: &lettre::Message) -> Result<(), SendError> {
        self.0.store(true, Ordering::SeqCst);
        Ok(())
    }
}

/// Messages due now, all channels together.
fn due(store: &Store, now: chrono::DateTime<Utc>) -> i64 {
    store
        .outbox_depth_by_channel(now)
        .expect("depth")
        .iter()
        .map(|(_, d)| d.due)
        .sum()
}

#[test]
fn a_stopping_worker_settles_what_it_sent_and_releases_the_rest() {
    for db in TestDb::each() {
        let store = db.store();
        let row = book(store, "fr");
        let now = Utc::now() + Duration::seconds(1);
        // With the booking's e-mail and SMS: two messages per sending
        // thread at least.
        let more: Vec<NewMessage> = (0..14)
            .map(|_| NewMessage {
                kind: "booked".into(),
                channel: "email".into(),
                prefecture_code: "93".into(),
                language: "fr".into(),
                payload: serde_json::json!({ "reference": row.reference }).to_string(),
                sealed: None,
                due_at: now - Duration::seconds(1),
            })
            .collect();
        store.enqueue_messages(&more, now).expect("enqueued");
        assert_eq!(due(store, now), 16, "{}", db.backend());

        let dir = tempfile::tempdir().expect("dir");
        let stopping = Arc::new(AtomicBool::new(false));
        let worker = deliverer(
            dir.path(),
            Some(Box::new(StopsAtFirstSend(stopping.clone()))),
        );
        let round = worker
            .deliver_due_until(store, now, || 0.5, &stopping)
            .expect("round");
        assert!(round.released >= 1, "{}: {round:?}", db.backend());
        assert_eq!(
            (round.sent + round.released, round.retried, round.failed),
            (16, 0, 0),
            "{}: {round:?}",
            db.backend()
        );
        // Sent ones are settled; released ones wait, due, untouched.
        assert_eq!(
            due(store, now),
            i64::try_from(round.released).unwrap(),
            "{}",
            db.backend()
        );

        // Stopped: nothing more is claimed.
        let idle = worker
            .deliver_due_until(store, now, || 0.5, &stopping)
            .expect("round");
        assert!(idle.is_empty(), "{}: {idle:?}", db.backend());

        // Released means no lease to wait for: another worker sends them
        // at the same instant.
        let other = deliverer(dir.path(), None);
        let next = other.deliver_due(store, now, || 0.5).expect("round");
        assert_eq!(next.sent, round.released, "{}: {next:?}", db.backend());
        assert_eq!(due(store, now), 0, "{}", db.backend());
    }
}
