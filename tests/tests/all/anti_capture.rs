//! Anti-capture limits that must hold across servers: two `planipref
//! serve` processes on one PostgreSQL, one client, one person.

use futures_util::future::join_all;
use planipref_test_support::{TestDb, limit_appointments_per_person};
use planipref_tests::{Server, bobigny_slot, booking, client, run};

/// Two servers with client limits on, behind a trusted proxy (the test
/// itself, on 127.0.0.1), so that each request names its client.
fn two_servers(db: &TestDb) -> (Server, Server) {
    let env = [
        ("PLANIPREF_CLIENT_LIMITS", "on"),
        ("PLANIPREF_TRUSTED_PROXIES", "127.0.0.1"),
        ("PLANIPREF_LIVE_HOLDS_PER_CLIENT", "3"),
        ("PLANIPREF_HOLDS_PER_MINUTE", "1000"),
        ("PLANIPREF_BOOKINGS_PER_MINUTE", "1000"),
    ];
    (
        Server::start_with(&db.url, "warn", &env),
        Server::start_with(&db.url, "warn", &env),
    )
}

#[actix_web::test]
async fn one_client_holds_at_most_its_limit_on_two_servers() {
    let Some(db) = TestDb::postgres() else { return };
    run(&db.url, &["seed", "--demo"]);
    let (a, b) = two_servers(&db);
    let client = client();
    let (motif, _) = bobigny_slot(&client, &a, "Renouvellement").await;
    let from = chrono::Utc::now().date_naive() + chrono::Days::new(7);
    let (_, open) = planipref_tests::get_json(
        &client,
        &a.url(&format!(
            "/api/v1/motifs/{motif}/slots?from={from}&to={}",
            from + chrono::Days::new(6)
        )),
    )
    .await;
    let starts: Vec<String> = open["slots"]
        .as_array()
        .unwrap()
        .iter()
        .take(20)
        .map(|s| s["start"].as_str().unwrap().to_owned())
        .collect();
    // The same client, on both servers at once.
    let attempts = starts.iter().enumerate().map(|(i, start)| {
        let server = if i % 2 == 0 { &a } else { &b };
        client
            .post(server.url("/api/v1/holds"))
            .insert_header(("X-Forwarded-For", "198.51.100.7"))
            .send_json(&serde_json::json!({"motif_id": motif, "start": start}))
    });
    let statuses: Vec<u16> = join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.expect("POST").status().as_u16())
        .collect();
    let kept = statuses.iter().filter(|s| **s == 201).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((kept, refused), (3, starts.len() - 3), "{statuses:?}");
    assert_eq!(db.store().count_live_holds(chrono::Utc::now()).unwrap(), 3);
}

#[actix_web::test]
async fn one_person_holds_at_most_the_prefectures_limit_on_two_servers() {
    let Some(db) = TestDb::postgres() else { return };
    run(&db.url, &["seed", "--demo"]);
    limit_appointments_per_person(db.store(), "93", 1);
    let (a, b) = two_servers(&db);
    let client = client();
    let (renouvellement, _) = bobigny_slot(&client, &a, "Renouvellement").await;
    let (premiere, _) = bobigny_slot(&client, &a, "Première demande").await;
    let starts = |motif: String| {
        let client = &client;
        let a = &a;
        async move {
            let from = chrono::Utc::now().date_naive() + chrono::Days::new(7);
            let (_, open) = planipref_tests::get_json(
                client,
                &a.url(&format!(
                    "/api/v1/motifs/{motif}/slots?from={from}&to={}",
                    from + chrono::Days::new(6)
                )),
            )
            .await;
            open["slots"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["start"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let (first, second) = (
        starts(renouvellement.clone()).await,
        starts(premiere.clone()).await,
    );
    for person in 0..6 {
        // One person books two démarches, one on each server, at once
        // (slots far apart: only the person's limit can refuse one).
        let attempts = [
            (&a, &renouvellement, &first[person * 2]),
            (&b, &premiere, &second[second.len() - 1 - person * 2]),
        ]
        .map(|(server, motif, start)| {
            client
                .post(server.url("/api/v1/reservations"))
                .insert_header(("X-Forwarded-For", format!("198.51.100.{}", person + 10)))
                .send_json(&booking(motif, start, 500 + person))
        });
        let mut statuses: Vec<u16> = join_all(attempts)
            .await
            .into_iter()
            .map(|r| r.expect("POST").status().as_u16())
            .collect();
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "person {person}");
    }
    assert_eq!(db.store().count_reservations().unwrap(), 6);
}
