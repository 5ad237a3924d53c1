//! A national hub against the real binary: `planipref hub-token` makes a
//! token and its `PLANIPREF_HUBS` entry; a server configured with that
//! entry (and its links) answers the hub holding the token, and only it;
//! the development hub's public token then opens nothing.

use planipref_test_support::TestDb;
use planipref_tests::{Server, client, output, run};
use serde_json::Value;

/// The token and the entry `planipref hub-token` printed.
fn minted(database_url: &str, name: &str) -> (String, String) {
    let printed = output(database_url, &["hub-token", name]);
    let value = |label: &str| {
        printed
            .lines()
            .find_map(|l| l.strip_prefix(label))
            .unwrap_or_else(|| panic!("no {label:?} in {printed}"))
            .trim()
            .to_owned()
    };
    (
        value("token (give it to the hub; it is not kept):"),
        value("PLANIPREF_HUBS entry:"),
    )
}

async fn meeting_points(server: &Server, token: &str) -> (u16, Value) {
    let mut res = client()
        .get(server.url("/api/v1/hub/getManagedMeetingPoints"))
        .insert_header(("x-hub-rdv-auth-token", token))
        .send()
        .await
        .expect("GET");
    let body = res
        .json::<Value>()
        .limit(1 << 20)
        .await
        .unwrap_or(Value::Null);
    (res.status().as_u16(), body)
}

#[actix_web::test]
async fn a_hub_configured_with_its_minted_token_is_answered_and_no_one_else() {
    let db = TestDb::sqlite();
    run(&db.url, &["migrate"]);
    run(&db.url, &["seed", "--demo"]);
    let (token, entry) = minted(&db.url, "ants");
    assert_eq!(token.len(), 64, "256 random bits in hexadecimal");
    assert!(
        entry.starts_with("ants:") && entry.len() == "ants:".len() + 64,
        "{entry}"
    );
    assert!(
        !entry.contains(&token),
        "the entry keeps the digest, not the token"
    );
    let (again, _) = minted(&db.url, "ants");
    assert_ne!(again, token, "a new token each time");

    let server = Server::start_with(
        &db.url,
        "warn",
        &[
            ("PLANIPREF_HUBS", &format!("{entry}:100")),
            (
                "PLANIPREF_HUB_BOOKING_URL",
                "https://rdv.example.gouv.fr/reserver?site={site_id}&start={start}",
            ),
        ],
    );
    let (status, points) = meeting_points(&server, &token).await;
    assert_eq!(status, 200, "{points}");
    assert_eq!(points.as_array().map(Vec::len), Some(5), "{points}");
    for refused in [
        again.as_str(),
        "planipref-hub-development-token-NOT-FOR-PRODUCTION",
        "",
    ] {
        let (status, problem) = meeting_points(&server, refused).await;
        assert_eq!(status, 401, "{refused}: {problem}");
        assert_eq!(problem["type"], "urn:planipref:problem:hub-unauthorized");
    }
}
