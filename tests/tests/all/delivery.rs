//! Messages survive a server killed mid-delivery: two `planipref serve`
//! processes on one PostgreSQL send through one SMTP sink; one is killed
//! (SIGKILL) while e-mails are going out; every e-mail owed arrives, and
//! an e-mail that arrives twice does so under the same `Message-ID`.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use chrono::{Days, Utc};
use planipref_store::{DatabaseUrl, PoolOptions, Store};
use planipref_test_support::{SmtpSink, TestDb};
use planipref_tests::{Server, bobigny_slot, book_each, client, get_json, run};

/// The `Message-ID`s of what the sink received (the outbox ids).
fn received_ids(sink: &SmtpSink) -> Vec<String> {
    sink.received()
        .iter()
        .filter_map(|mail| {
            mail.lines()
                .find_map(|l| l.strip_prefix("Message-ID: <"))
                .and_then(|rest| rest.strip_suffix("@planipref>"))
                .map(str::to_owned)
        })
        .collect()
}

/// The ids of the confirmation e-mails the outbox holds (due at once;
/// reminders are days ahead), and how many are sent.
fn emails(store: &Store) -> (BTreeSet<String>, usize) {
    use diesel::prelude::*;
    use planipref_store::schema::outbox;
    store
        .with_conn(|c| {
            let rows: Vec<(String, String)> = outbox::table
                .filter(outbox::channel.eq("email"))
                .filter(outbox::kind.eq("booked"))
                .select((outbox::id, outbox::status))
                .load(c)?;
            let sent = rows.iter().filter(|(_, s)| s == "sent").count();
            Ok((rows.into_iter().map(|(id, _)| id).collect(), sent))
        })
        .expect("outbox")
}

#[actix_web::test]
async fn a_server_killed_mid_delivery_loses_no_message() {
    let Some(db) = TestDb::postgres() else { return };
    run(&db.url, &["seed", "--demo"]);
    let sink = SmtpSink::start();
    let url = sink.url();
    let env = [
        ("PLANIPREF_CLIENT_LIMITS", "off"),
        ("PLANIPREF_SMTP_URL", url.as_str()),
        ("PLANIPREF_MAIL_FROM", "Préfecture <rdv@example.gouv.fr>"),
        ("PLANIPREF_DELIVERY_LEASE_SECONDS", "5"),
    ];
    let mut a = Server::start_with(&db.url, "info", &env);
    let b = Server::start_with(&db.url, "info", &env);
    let client = client();
    let (motif, _) = bobigny_slot(&client, &a, "Renouvellement").await;
    let from = Utc::now().date_naive() + Days::new(7);
    let (_, slots) = get_json(
        &client,
        &a.url(&format!(
            "/api/v1/motifs/{motif}/slots?from={from}&to={}",
            from + Days::new(13)
        )),
    )
    .await;
    // About 150 appointments (each owes an e-mail), booked on both servers.
    let mut booked = 0;
    for (i, slot) in slots["slots"].as_array().expect("slots").iter().enumerate() {
        if booked >= 150 {
            break;
        }
        let server = if i % 2 == 0 { &a } else { &b };
        let start = slot["start"].as_str().expect("start");
        let places = slot["remaining"].as_u64().expect("remaining") as usize;
        booked += book_each(&client, server, (&motif, start), booked, places)
            .await
            .len();
    }
    assert!(booked >= 100, "booked {booked}");

    // Kill one server while e-mails are going out.
    let started = Instant::now();
    while received_ids(&sink).len() < 5 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no e-mail went out"
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    a.kill();
    let store = Store::open(
        &DatabaseUrl::parse(&db.url).expect("url"),
        &PoolOptions::default(),
    )
    .expect("store");
    let (owed, sent_at_kill) = emails(&store);
    println!(
        "[kill] {booked} bookings, {} e-mails owed; killed with {} received and {sent_at_kill} marked sent",
        owed.len(),
        received_ids(&sink).len()
    );

    // The survivor sends the rest, the dead one's claims included once
    // their lease has run out.
    let started = Instant::now();
    loop {
        let (_, sent) = emails(&store);
        if sent == owed.len() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{sent} of {} e-mails sent: {}",
            owed.len(),
            b.log()
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
    let ids = received_ids(&sink);
    let distinct: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(
        distinct, owed,
        "every e-mail owed arrived, and nothing else"
    );
    println!(
        "[kill] {} e-mails received for {} owed: {} sent twice, under the same Message-ID",
        ids.len(),
        owed.len(),
        ids.len() - distinct.len()
    );
}
