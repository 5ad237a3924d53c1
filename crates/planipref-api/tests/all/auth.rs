//! Agents' bearer tokens: every way a token can be wrong is a 401
//! problem+json, and a good one (HS256, RS256 or ES256) names its agent.

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use planipref_api::AppState;
use planipref_api::security::agent::{Algorithm, AuthSettings, Claims, Minter, Verifier};
use planipref_test_support::TestDb;
use serde_json::Value;

fn now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap()
}

fn claims(role: &str, scope: &[&str]) -> Claims {
    let settings = AuthSettings::development();
    Claims {
        sub: "agent-42".into(),
        name: "Anne Martin".into(),
        role: role.into(),
        scope: scope.iter().map(|s| (*s).to_owned()).collect(),
        organisation: (role == "intermediary").then(|| "Association de test".to_owned()),
        iss: settings.issuer,
        aud: settings.audience.into(),
        exp: now() + 600,
        nbf: Some(now()),
        iat: Some(now()),
    }
}

fn mint(c: &Claims) -> String {
    Minter::new(&AuthSettings::development())
        .unwrap()
        .mint(c)
        .unwrap()
}

async fn me(
    settings: &AuthSettings,
    authorization: Option<String>,
) -> (StatusCode, Option<String>, Value) {
    let db = TestDb::sqlite();
    let state = AppState::new(
        db.store().clone(),
        Verifier::new(settings).expect("verifier"),
    );
    let app = test::init_service(planipref_api::app(state)).await;
    let mut req = TestRequest::get().uri("/api/v1/admin/me");
    if let Some(a) = authorization {
        req = req.insert_header(("Authorization", a));
    }
    let res = test::call_service(&app, req.to_request()).await;
    let status = res.status();
    let www = res
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: Value = serde_json::from_slice(&test::read_body(res).await).unwrap_or(Value::Null);
    (status, www, body)
}

async fn refused(authorization: Option<String>, detail_contains: &str) {
    let (status, www, body) = me(&AuthSettings::development(), authorization).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["type"], "urn:planipref:problem:unauthorized");
    assert!(
        www.is_some_and(|w| w.starts_with("Bearer")),
        "WWW-Authenticate"
    );
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or("")
            .contains(detail_contains),
        "{body}"
    );
}

#[actix_web::test]
async fn a_valid_token_names_its_agent() {
    let token = mint(&claims("admin_prefecture", &["93", "2a"]));
    let (status, _, body) = me(
        &AuthSettings::development(),
        Some(format!("Bearer {token}")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["sub"], "agent-42");
    assert_eq!(body["role"], "admin_prefecture");
    assert_eq!(body["scope"], serde_json::json!(["93", "2A"]));
}

#[actix_web::test]
async fn an_audience_list_containing_ours_is_accepted() {
    let mut c = claims("admin_national", &[]);
    c.aud = planipref_api::security::agent::Audience::Many(vec![
        "other-service".into(),
        AuthSettings::development().audience,
    ]);
    let (status, _, body) = me(
        &AuthSettings::development(),
        Some(format!("Bearer {}", mint(&c))),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    c.aud = planipref_api::security::agent::Audience::Many(vec!["other-service".into()]);
    let (status, _, _) = me(
        &AuthSettings::development(),
        Some(format!("Bearer {}", mint(&c))),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn missing_or_malformed_tokens_are_401() {
    refused(None, "required").await;
    refused(Some("Basic YWRtaW46YWRtaW4=".into()), "required").await;
    refused(Some("Bearer".into()), "required").await;
    refused(Some("Bearer not.a.jwt".into()), "malformed").await;
}

#[actix_web::test]
async fn expired_and_not_yet_valid_tokens_are_401() {
    let mut c = claims("admin_national", &[]);
    c.exp = now() - 120;
    refused(Some(format!("Bearer {}", mint(&c))), "expired").await;
    let mut c = claims("admin_national", &[]);
    c.nbf = Some(now() + 600);
    refused(Some(format!("Bearer {}", mint(&c))), "not valid yet").await;
}

#[actix_web::test]
async fn wrong_signature_issuer_or_audience_are_401() {
    let mut other = AuthSettings::development();
    other.key = b"another-secret-another-secret-another".to_vec();
    let forged = Minter::new(&other)
        .unwrap()
        .mint(&claims("admin_national", &[]))
        .unwrap();
    refused(Some(format!("Bearer {forged}")), "signature").await;
    let mut c = claims("admin_national", &[]);
    c.aud = planipref_api::security::agent::Audience::One("someone-else".into());
    refused(Some(format!("Bearer {}", mint(&c))), "audience").await;
    let mut c = claims("admin_national", &[]);
    c.iss = "https://evil.example".into();
    refused(Some(format!("Bearer {}", mint(&c))), "issuer").await;
}

#[actix_web::test]
async fn unsigned_alg_none_tokens_are_401() {
    use base64_like::encode;
    let header = encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = encode(
        serde_json::to_string(&claims("admin_national", &[]))
            .unwrap()
            .as_bytes(),
    );
    refused(Some(format!("Bearer {header}.{payload}.")), "").await;
}

#[actix_web::test]
async fn invalid_roles_or_scopes_are_401() {
    refused(
        Some(format!("Bearer {}", mint(&claims("superuser", &[])))),
        "role or scope",
    )
    .await;
    refused(
        Some(format!("Bearer {}", mint(&claims("agent", &["93"])))),
        "role or scope",
    )
    .await;
    refused(
        Some(format!("Bearer {}", mint(&claims("admin_prefecture", &[])))),
        "role or scope",
    )
    .await;
}

fn asymmetric(
    algorithm: Algorithm,
    public: &str,
    private: &str,
) -> (AuthSettings, jsonwebtoken::EncodingKey) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/");
    let public = std::fs::read(format!("{dir}{public}")).unwrap();
    let private = std::fs::read(format!("{dir}{private}")).unwrap();
    let key = match algorithm {
        Algorithm::RS256 => jsonwebtoken::EncodingKey::from_rsa_pem(&private).unwrap(),
        _ => jsonwebtoken::EncodingKey::from_ec_pem(&private).unwrap(),
    };
    let settings = AuthSettings {
        algorithm,
        key: public,
        ..AuthSettings::development()
    };
    (settings, key)
}

#[actix_web::test]
async fn rs256_and_es256_tokens_from_an_identity_provider_are_verified() {
    for (alg, public, private) in [
        (
            Algorithm::RS256,
            "rs256-test-public.pem",
            "rs256-test-private.pem",
        ),
        (
            Algorithm::ES256,
            "es256-test-public.pem",
            "es256-test-private.pem",
        ),
    ] {
        let (settings, key) = asymmetric(alg, public, private);
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(alg),
            &claims("admin_national", &[]),
            &key,
        )
        .unwrap();
        let (status, _, body) = me(&settings, Some(format!("Bearer {token}"))).await;
        assert_eq!(status, StatusCode::OK, "{alg:?}: {body}");
        // An HS256 token signed with the public key as a secret (the classic
        // algorithm-confusion attack) is refused.
        let confused = Minter::new(&AuthSettings {
            algorithm: Algorithm::HS256,
            ..settings.clone()
        })
        .unwrap()
        .mint(&claims("admin_national", &[]))
        .unwrap();
        let (status, _, _) = me(&settings, Some(format!("Bearer {confused}"))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{alg:?}");
    }
}

#[test]
fn unusable_keys_are_refused_at_start() {
    let bad = AuthSettings {
        algorithm: Algorithm::RS256,
        key: b"not a pem".to_vec(),
        ..AuthSettings::development()
    };
    assert!(Verifier::new(&bad).is_err());
    assert!(
        Minter::new(&bad).is_err(),
        "only HS256 tokens are minted here"
    );
}

/// URL-safe base64 without padding, enough to forge an unsigned token.
mod base64_like {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..=chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            }
        }
        out
    }
}
