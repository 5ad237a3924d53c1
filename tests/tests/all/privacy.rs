//! Applicants' personal data never reaches the server's logs, even at the
//! most verbose level.

use planipref_test_support::TestDb;
use planipref_tests::{Server, bobigny_slot, client, run};
use serde_json::{Value, json};

#[actix_web::test]
async fn personal_data_and_secrets_never_appear_in_logs() {
    for db in TestDb::each() {
        run(&db.url, &["seed", "--demo"]);
        let server = Server::start(&db.url, "trace");
        let client = client();
        let (motif, slot) = bobigny_slot(&client, &server, "Remise").await;
        let applicant = json!({
            "last_name": "Zyxwvutsky",
            "first_names": "Quentinella",
            "birth_date": "1979-07-14",
            "email": "quentinella.zyx@example.org",
            "phone": "+33 6 98 76 54 32"
        });
        let mut res = client
            .post(server.url("/api/v1/reservations"))
            .send_json(&json!({"motif_id": motif, "start": slot["start"], "applicant": applicant}))
            .await
            .expect("POST");
        assert_eq!(res.status().as_u16(), 201);
        let created: Value = res.json().await.expect("json");
        let reference = created["reference"].as_str().expect("ref").to_owned();
        let token = created["management_token"]
            .as_str()
            .expect("token")
            .to_owned();
        for path in [
            format!("/api/v1/reservations/{reference}"),
            format!("/api/v1/reservations/{reference}/cancel"),
        ] {
            let req = if path.ends_with("cancel") {
                client.post(server.url(&path))
            } else {
                client.get(server.url(&path))
            };
            let res = req
                .insert_header(("X-Management-Token", token.as_str()))
                .send()
                .await
                .expect("request");
            assert_eq!(res.status().as_u16(), 200);
        }
        // A refused request echoes nothing either.
        let res = client
            .post(server.url("/api/v1/reservations"))
            .send_json(
                &json!({"motif_id": motif, "start": slot["start"], "applicant": {
            "last_name": "Zyxwvutsky", "first_names": "Quentinella", "birth_date": "2999-01-01",
            "email": "quentinella.zyx@example.org", "phone": "+33698765432"}}),
            )
            .await
            .expect("POST");
        assert_eq!(res.status().as_u16(), 422);

        // Unknown reference, wrong token: nothing echoed either.
        let res = client
            .get(server.url(&format!("/api/v1/reservations/{reference}")))
            .insert_header(("X-Management-Token", "Zyxwvutsky-guess"))
            .send()
            .await
            .expect("GET");
        assert_eq!(res.status().as_u16(), 404);

        // The booking journey: a hold, its confirmation with an idempotency
        // key and a file number, the retry, the calendar file.
        let key = "Zyxw-idempotency-7f3a9c2e5b1d";
        let mut res = client
            .post(server.url("/api/v1/holds"))
            .send_json(&json!({"motif_id": motif, "start": slot["start"]}))
            .await
            .expect("POST hold");
        assert_eq!(res.status().as_u16(), 201);
        let held: Value = res.json().await.expect("json");
        let hold_id = held["hold_id"].as_str().expect("hold").to_owned();
        let mut with_file = applicant.clone();
        with_file["file_number"] = json!("7511223344");
        let body = json!({"hold_id": hold_id, "applicant": with_file});
        let (mut second_ref, mut second_token) = (String::new(), String::new());
        for _ in 0..2 {
            let mut res = client
                .post(server.url("/api/v1/reservations"))
                .insert_header(("Idempotency-Key", key))
                .send_json(&body)
                .await
                .expect("POST");
            assert_eq!(res.status().as_u16(), 201);
            let created: Value = res.json().await.expect("json");
            second_ref = created["reference"].as_str().expect("ref").to_owned();
            second_token = created["management_token"]
                .as_str()
                .expect("token")
                .to_owned();
        }
        let res = client
            .get(server.url(&format!("/api/v1/reservations/{second_ref}/ics")))
            .insert_header(("X-Management-Token", second_token.as_str()))
            .send()
            .await
            .expect("GET ics");
        assert_eq!(res.status().as_u16(), 200);

        let log = server.log();
        assert!(
            log.contains("POST /api/v1/reservations 201"),
            "requests are logged: {log}"
        );
        for secret in [
            "Zyxwvutsky",
            "Quentinella",
            "1979-07-14",
            "quentinella.zyx",
            "98 76 54 32",
            "698765432",
            &token,
            &reference,
            "7511223344",
            key,
            &hold_id,
            &second_token,
            &second_ref,
        ] {
            assert!(
                !log.contains(secret),
                "{}: the log contains {secret:?}",
                db.backend()
            );
        }

        // Management tokens are stored as their hash only (the second
        // appointment's came through an idempotent retry).
        for (reference, token) in [(&reference, &token), (&second_ref, &second_token)] {
            let stored = db
                .store()
                .find_reservation(
                    &planipref_domain::reference::Reference::parse(reference).unwrap(),
                )
                .unwrap()
                .reservation;
            assert_eq!(
                stored.token_hash,
                planipref_domain::reference::hash_token(token)
            );
        }
        if let Some(path) = db.url.strip_prefix("sqlite://") {
            // Nowhere in the database's files either (idempotent answers
            // that carry a token are sealed), though what agents need to
            // read is there.
            let mut bytes = std::fs::read(path).unwrap();
            bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
            let holds = |text: &str| bytes.windows(text.len()).any(|w| w == text.as_bytes());
            assert!(holds("Zyxwvutsky"), "the files read are the database's");
            assert!(!holds(&token) && !holds(&second_token), "{path}");
        }
    }
}
