//! E-mail through a real SMTP server: a local sink
//! ([`planipref_test_support::SmtpSink`]) started by the test on
//! 127.0.0.1 and stopped with it.

use std::time::Instant;

use chrono::Utc;
use planipref_delivery::transport::SmtpMailer;
use planipref_store::outbox::NewMessage;
use planipref_test_support::{SmtpSink, TestDb};

use crate::worker::{book, deliverer};

#[test]
fn confirmations_reach_an_smtp_server_with_their_parts_and_calendar() {
    let sink = SmtpSink::start();
    let db = TestDb::sqlite();
    let store = db.store();
    let row = book(store, "fr");
    let dir = tempfile::tempdir().expect("dir");
    let mailer = SmtpMailer::from_url(&sink.url()).expect("url");
    let worker = deliverer(dir.path(), Some(Box::new(mailer)));
    let round = worker
        .deliver_due(store, Utc::now(), || 0.5)
        .expect("round");
    assert_eq!(round.sent, 2, "{round:?}");
    let received = sink.received();
    assert_eq!(
        received.len(),
        1,
        "one e-mail (the SMS went to its own sender)"
    );
    let mail = &received[0];
    let email_id = store
        .reservation_messages(&row.id)
        .expect("messages")
        .into_iter()
        .find(|m| m.channel == "email" && m.kind == "booked")
        .unwrap()
        .id;
    for expected in [
        format!("Message-ID: <{email_id}@planipref>"),
        "To: aissata@example.org".to_owned(),
        "rdv@example.gouv.fr".to_owned(),
        "Subject: Rendez-vous".to_owned(),
        "Content-Type: text/plain; charset=utf-8".to_owned(),
        "Content-Type: text/html; charset=utf-8".to_owned(),
        "Content-Disposition: attachment; filename=\"rendez-vous.ics\"".to_owned(),
        "BEGIN:VEVENT".to_owned(),
        "K7QX-M3PA".to_owned(),
    ] {
        assert!(mail.contains(&expected), "{expected} in\n{mail}");
    }
}

/// Messages per second handed to the local sink by one worker (a figure
/// for the closing note, printed; bounded to a few hundred messages).
#[test]
fn throughput_through_the_local_sink() {
    const MESSAGES: usize = 200;
    let sink = SmtpSink::start();
    let db = TestDb::sqlite();
    let store = db.store();
    book(store, "fr");
    let now = Utc::now();
    let reminders: Vec<NewMessage> = (0..MESSAGES)
        .map(|_| NewMessage {
            kind: "reminder".into(),
            channel: "email".into(),
            prefecture_code: "93".into(),
            language: "fr".into(),
            payload: r#"{"reference":"K7QX-M3PA"}"#.into(),
            sealed: None,
            due_at: now,
        })
        .collect();
    store.enqueue_messages(&reminders, now).expect("enqueue");
    let dir = tempfile::tempdir().expect("dir");
    let mailer = SmtpMailer::from_url(&sink.url()).expect("url");
    let worker = deliverer(dir.path(), Some(Box::new(mailer)));
    let started = Instant::now();
    let mut sent = 0;
    loop {
        let round = worker.deliver_due(store, now, || 0.5).expect("round");
        if round.is_empty() {
            break;
        }
        assert_eq!(round.failed + round.retried, 0, "{round:?}");
        sent += round.sent;
    }
    let elapsed = started.elapsed();
    assert_eq!(
        sent,
        MESSAGES + 2,
        "the reminders and the confirmation's two messages"
    );
    assert_eq!(sink.received().len(), MESSAGES + 1);
    println!(
        "[smtp] {sent} messages in {} ms: {:.0} messages/s through the local sink (one worker, SQLite)",
        elapsed.as_millis(),
        sent as f64 / elapsed.as_secs_f64()
    );
}
