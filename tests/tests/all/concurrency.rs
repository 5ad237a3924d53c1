//! The invariant, proven against the real binary: a slot never sells more
//! than its capacity, whatever the concurrency, on SQLite and PostgreSQL,
//! and across two server processes sharing one PostgreSQL database.

use std::time::Instant;

use futures_util::future::join_all;
use planipref_domain::ids::MotifId;
use planipref_store::{DatabaseUrl, PoolOptions, Store};
use planipref_test_support::{TestDb, release_at_once};
use planipref_tests::{Server, bobigny, bobigny_slot, book_each, booking, cancel, client, run};
use serde_json::Value;

/// Concurrent booking attempts at one slot, per test.
const REQUESTS: usize = 60;

struct Outcome {
    created: Vec<Value>,
    conflicts: usize,
    other: Vec<(u16, String)>,
}

/// Fires `REQUESTS` bookings of one slot at once, spread over `servers`.
async fn rush(servers: &[&Server], motif: &str, start: &str) -> Outcome {
    let client = client();
    let requests = (0..REQUESTS).map(|n| {
        let url = servers[n % servers.len()].url("/api/v1/reservations");
        let body = booking(motif, start, n);
        let client = client.clone();
        async move {
            let mut res = client.post(url).send_json(&body).await.expect("POST");
            let status = res.status().as_u16();
            let content_type = res
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let body = res.json::<Value>().await.unwrap_or(Value::Null);
            (status, content_type, body)
        }
    });
    let mut outcome = Outcome {
        created: vec![],
        conflicts: 0,
        other: vec![],
    };
    for (status, content_type, body) in join_all(requests).await {
        match status {
            201 => outcome.created.push(body),
            409 if content_type == "application/problem+json"
                && body["type"] == "urn:planipref:problem:slot-taken" =>
            {
                outcome.conflicts += 1;
            }
            _ => outcome.other.push((status, body.to_string())),
        }
    }
    outcome
}

fn booked_in_database(url: &str, motif: &str) -> i64 {
    let store = Store::open(
        &DatabaseUrl::parse(url).expect("url"),
        &PoolOptions::default(),
    )
    .expect("store");
    store
        .count_booked(motif.parse::<MotifId>().expect("motif id"))
        .expect("count")
}

async fn exactly_capacity_is_sold(db: &TestDb, servers: &[&Server], label: &str) {
    let client = client();
    let (motif, slot) = bobigny_slot(&client, servers[0], "Renouvellement").await;
    let capacity = slot["remaining"].as_u64().expect("remaining") as usize;
    assert!(capacity >= 2, "the demo slot has several counters");
    let started = Instant::now();
    let outcome = rush(servers, &motif, slot["start"].as_str().expect("start")).await;
    let elapsed = started.elapsed();
    println!(
        "[{label}] {REQUESTS} concurrent bookings of one slot of capacity {capacity} on {} server(s): \
         {} created, {} conflicts, {} other, in {} ms",
        servers.len(),
        outcome.created.len(),
        outcome.conflicts,
        outcome.other.len(),
        elapsed.as_millis()
    );
    assert!(
        outcome.other.is_empty(),
        "[{label}] unexpected answers: {:?}",
        outcome.other
    );
    assert_eq!(outcome.created.len(), capacity, "[{label}]");
    assert_eq!(outcome.conflicts, REQUESTS - capacity, "[{label}]");
    assert_eq!(
        booked_in_database(&db.url, &motif),
        capacity as i64,
        "[{label}] rows in the database"
    );
    let mut references: Vec<_> = outcome
        .created
        .iter()
        .map(|c| c["reference"].as_str().unwrap_or("").to_owned())
        .collect();
    references.sort();
    references.dedup();
    assert_eq!(references.len(), capacity, "[{label}] distinct references");
    // The slot is now full: it is no longer offered.
    let (_, next) = bobigny_slot(&client, servers[0], "Renouvellement").await;
    assert_ne!(next["start"], slot["start"], "[{label}]");
}

#[actix_web::test]
async fn a_rush_on_one_slot_sells_exactly_its_capacity_on_sqlite() {
    let db = TestDb::sqlite();
    run(&db.url, &["seed", "--demo"]);
    let server = Server::start(&db.url, "warn");
    exactly_capacity_is_sold(&db, &[&server], "sqlite").await;
}

#[actix_web::test]
async fn a_rush_on_one_slot_sells_exactly_its_capacity_on_postgresql() {
    let Some(db) = TestDb::postgres() else { return };
    run(&db.url, &["seed", "--demo"]);
    let server = Server::start(&db.url, "warn");
    exactly_capacity_is_sold(&db, &[&server], "postgresql").await;
}

#[actix_web::test]
async fn two_server_processes_on_one_postgresql_never_oversell() {
    let Some(db) = TestDb::postgres() else { return };
    run(&db.url, &["seed", "--demo"]);
    let a = Server::start(&db.url, "warn");
    let b = Server::start(&db.url, "warn");
    assert_ne!(a.base, b.base);
    exactly_capacity_is_sold(&db, &[&a, &b], "postgresql, two processes").await;
}

#[actix_web::test]
async fn a_cancelled_slot_is_booked_again_through_the_real_server() {
    for db in TestDb::each() {
        run(&db.url, &["seed", "--demo"]);
        // Freed at once: this is about the slot coming back, not its delay.
        release_at_once(db.store(), "93");
        let server = Server::start(&db.url, "warn");
        let client = client();
        let (motif, slot) = bobigny_slot(&client, &server, "Première demande").await;
        let start = slot["start"].as_str().expect("start").to_owned();
        let capacity = slot["remaining"].as_u64().expect("remaining") as usize;
        let tokens = book_each(&client, &server, (&motif, &start), 0, capacity).await;
        let res = client
            .post(server.url("/api/v1/reservations"))
            .send_json(&booking(&motif, &start, 99))
            .await
            .expect("POST");
        assert_eq!(res.status().as_u16(), 409, "{}: full", db.backend());

        assert_eq!(cancel(&client, &server, &tokens[0]).await, 200);
        let (_, again) = bobigny_slot(&client, &server, "Première demande").await;
        assert_eq!(
            (again["start"].as_str(), again["remaining"].as_u64()),
            (Some(start.as_str()), Some(1)),
            "{}",
            db.backend()
        );
        let res = client
            .post(server.url("/api/v1/reservations"))
            .send_json(&booking(&motif, &start, 100))
            .await
            .expect("POST");
        assert_eq!(
            res.status().as_u16(),
            201,
            "{}: booked again after the cancellation",
            db.backend()
        );
        assert_eq!(booked_in_database(&db.url, &motif), capacity as i64);
    }
}

/// The first free slot of the Bobigny motif whose label starts with
/// `label`, as `server` answers it.
async fn first_slot_of(client: &awc::Client, server: &Server, motif: &str) -> Value {
    let site = bobigny(client, server).await;
    let (status, body) = planipref_tests::get_json(
        client,
        &server.url(&format!("/api/v1/sites/{site}/first-slot?motif_id={motif}")),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["slot"].clone()
}

#[actix_web::test]
async fn a_process_never_answers_from_a_stale_cache_when_another_books() {
    let Some(db) = TestDb::postgres() else { return };
    run(&db.url, &["seed", "--demo"]);
    release_at_once(db.store(), "93");
    let a = Server::start(&db.url, "warn");
    let b = Server::start(&db.url, "warn");
    let client = client();
    // B computes, and keeps, the first slot of a motif and its day's list.
    let (motif, _) = bobigny_slot(&client, &b, "Première demande").await;
    let slot = first_slot_of(&client, &b, &motif).await;
    let start = slot["start"].as_str().expect("start").to_owned();
    let capacity = slot["remaining"].as_u64().expect("remaining");
    let day_list = format!(
        "/api/v1/motifs/{motif}/slots?from={}&to={}",
        &start[..10],
        &start[..10]
    );
    let listed_starts = |body: &Value| -> Vec<String> {
        body["slots"]
            .as_array()
            .expect("slots")
            .iter()
            .map(|s| s["start"].as_str().expect("start").to_owned())
            .collect()
    };
    let (_, before) = planipref_tests::get_json(&client, &b.url(&day_list)).await;
    assert!(listed_starts(&before).contains(&start));
    // A sells every counter of that slot.
    let tokens = book_each(&client, &a, (&motif, &start), 0, capacity as usize).await;
    // B knows at once, for the first slot and the list.
    assert_ne!(
        first_slot_of(&client, &b, &motif).await["start"],
        start.as_str()
    );
    let (_, after) = planipref_tests::get_json(&client, &b.url(&day_list)).await;
    assert!(!listed_starts(&after).contains(&start), "{after}");
    // A cancellation through A gives the slot back on B.
    assert_eq!(cancel(&client, &a, &tokens[0]).await, 200);
    let back = first_slot_of(&client, &b, &motif).await;
    assert_eq!(
        (back["start"].as_str(), back["remaining"].as_u64()),
        (Some(start.as_str()), Some(1))
    );
    let (_, again) = planipref_tests::get_json(&client, &b.url(&day_list)).await;
    assert!(listed_starts(&again).contains(&start));
}

#[actix_web::test]
async fn an_idempotent_retry_reaching_the_other_process_gets_the_first_answer() {
    let Some(db) = TestDb::postgres() else { return };
    run(&db.url, &["seed", "--demo"]);
    let a = Server::start(&db.url, "warn");
    let b = Server::start(&db.url, "warn");
    let client = client();
    let (motif, slot) = bobigny_slot(&client, &a, "Renouvellement").await;
    let start = slot["start"].as_str().expect("start").to_owned();
    let post = |server: &Server, key: &str, body: &Value| {
        client
            .post(server.url("/api/v1/reservations"))
            .insert_header(("Idempotency-Key", key.to_owned()))
            .send_json(body)
    };
    let answer = |mut res: awc::ClientResponse<_>| async move {
        let replayed = res.headers().contains_key("idempotent-replayed");
        let body: Value = res.json().await.expect("JSON");
        (res.status().as_u16(), replayed, body)
    };

    // One after the other: the retry on the other process is the answer
    // the first gave, token included, and books nothing more.
    let key = "0f8fad5b-d9cb-469f-a165-70867728950e";
    let body = booking(&motif, &start, 1);
    let first = answer(post(&a, key, &body).await.expect("POST")).await;
    assert_eq!((first.0, first.1), (201, false), "{}", first.2);
    let again = answer(post(&b, key, &body).await.expect("POST")).await;
    assert_eq!((again.0, again.1), (201, true), "{}", again.2);
    for field in ["reference", "management_token"] {
        assert_eq!(again.2[field], first.2[field], "{field}");
    }
    let other = answer(
        post(&b, key, &booking(&motif, &start, 2))
            .await
            .expect("POST"),
    )
    .await;
    assert_eq!(other.0, 422, "same key, another request: {}", other.2);

    // At once on both: one books; the other waits its turn (409, to
    // retry) or gets the same answer. A retry then gets that answer.
    let key = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    let body = booking(&motif, &start, 3);
    let both = join_all([post(&a, key, &body), post(&b, key, &body)]).await;
    let mut both = both.into_iter().map(|r| r.expect("POST"));
    let x = answer(both.next().expect("a")).await;
    let y = answer(both.next().expect("b")).await;
    let created: Vec<&Value> = [&x, &y]
        .into_iter()
        .filter(|r| r.0 == 201 && !r.1)
        .map(|r| &r.2)
        .collect();
    assert_eq!(created.len(), 1, "one books: {x:?} {y:?}");
    for r in [&x, &y] {
        assert!(r.0 == 201 || r.0 == 409, "{r:?}");
    }
    let retried = answer(post(&a, key, &body).await.expect("POST")).await;
    assert_eq!((retried.0, retried.1), (201, true), "{}", retried.2);
    assert_eq!(retried.2["reference"], created[0]["reference"]);
    assert_eq!(db.store().count_reservations().expect("count"), 2);
}
