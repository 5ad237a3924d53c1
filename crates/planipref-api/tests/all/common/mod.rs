//! Helpers shared by the administration tests: tokens, a seeded app
//! state, a request macro and days on which the demo's counters are open.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

pub mod requests;

use actix_web::test::TestRequest;
use planipref_api::AppState;
use planipref_api::security::agent::{AuthSettings, Claims, Minter, Verifier};
use planipref_seed::seed_demo;
use planipref_test_support::TestDb;
use serde_json::{Value, json};

/// Sends a request to a test app: (status, `Location`, JSON body or null).
#[allow(unused_macros)]
/// A `PUT` sent without `If-Match` is sent with the version the resource
/// has just before (see [`with_current_version`]): tests of other rules
/// than versions need not read it first. Tests of versions send their own.
macro_rules! call {
    ($app:expr, $req:expr) => {{
        let req = crate::common::with_current_version(&$app, $req.to_request()).await;
        let res = actix_web::test::call_service(&$app, req).await;
        let status = res.status();
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body: serde_json::Value =
            serde_json::from_slice(&actix_web::test::read_body(res).await)
                .unwrap_or(serde_json::Value::Null);
        (status, location, body)
    }};
}

/// `req` as sent, or, when it is a `PUT` without `If-Match`, with the
/// `If-Match` of the resource as read now by the same caller (from its
/// `GET`; démarches are read from the public catalogue). When it cannot be
/// read (out of scope, unknown), version 1: the answer then tells what the
/// test wants to see (403, 404…).
pub async fn with_current_version<S, B>(
    app: &S,
    mut req: actix_http::Request,
) -> actix_http::Request
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    use actix_web::HttpMessage as _;
    if req.method() != actix_web::http::Method::PUT || req.headers().contains_key("if-match") {
        return req;
    }
    let path = req
        .uri()
        .path()
        .replacen("/api/v1/admin/demarches/", "/api/v1/demarches/", 1);
    let mut read = TestRequest::get().uri(&path);
    if let Some(auth) = req.headers().get("authorization") {
        read = read.insert_header(("Authorization", auth.clone()));
    }
    let res = actix_web::test::call_service(app, read.to_request()).await;
    let etag = res
        .headers()
        .get("etag")
        .cloned()
        .unwrap_or_else(|| actix_web::http::header::HeaderValue::from_static("\"1\""));
    req.headers_mut()
        .insert(actix_web::http::header::IF_MATCH, etag);
    req
}

/// Sends `req` as is (no version added, unlike `call!`): status, headers
/// and JSON body (or null).
pub async fn send<S, B>(
    app: &S,
    req: TestRequest,
) -> (
    actix_web::http::StatusCode,
    actix_web::http::header::HeaderMap,
    Value,
)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let res = actix_web::test::call_service(app, req.to_request()).await;
    let status = res.status();
    let headers = res.headers().clone();
    let body =
        serde_json::from_slice(&actix_web::test::read_body(res).await).unwrap_or(Value::Null);
    (status, headers, body)
}

/// The seconds a 429 or 503 asks to wait.
pub fn retry_after(headers: &actix_web::http::header::HeaderMap) -> u64 {
    headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After of whole seconds")
}

/// A document path (`/api/v1/sites/{site_id}/motifs`) with every
/// parameter replaced by `id`.
pub fn concrete(path: &str, id: &str) -> String {
    path.split('/')
        .map(|part| if part.starts_with('{') { id } else { part })
        .collect::<Vec<_>>()
        .join("/")
}

pub fn token(role: &str, scope: &[&str]) -> String {
    token_for(role, scope, 600)
}

/// A token of the same agent as [`token`]'s, valid `seconds`: another
/// token string for the same identity (a renewed token).
pub fn token_for(role: &str, scope: &[&str], seconds: u64) -> String {
    let s = AuthSettings::development();
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
    let claims = Claims {
        sub: format!("{role}-{}", scope.join("-")),
        name: "Test".into(),
        role: role.into(),
        scope: scope.iter().map(|s| (*s).to_owned()).collect(),
        organisation: (role == "intermediary").then(|| "Association de test".to_owned()),
        iss: s.issuer.clone(),
        aud: s.audience.clone().into(),
        exp: now + seconds,
        nbf: None,
        iat: Some(now),
    };
    format!("Bearer {}", Minter::new(&s).unwrap().mint(&claims).unwrap())
}

pub fn state(db: &TestDb) -> AppState {
    seed_demo(db.store()).expect("seed");
    AppState::new(
        db.store().clone(),
        Verifier::new(&AuthSettings::development()).unwrap(),
    )
}

/// A clock that runs with the system's, moved forward on demand: tests
/// let holds and windows lapse without sleeping.
#[derive(Debug, Default)]
pub struct ShiftedClock(std::sync::Mutex<chrono::TimeDelta>);

impl ShiftedClock {
    /// Moves the clock `by` forward.
    pub fn advance(&self, by: chrono::TimeDelta) {
        *self.0.lock().unwrap() += by;
    }
}

impl planipref_api::app::clock::Clock for ShiftedClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now() + *self.0.lock().unwrap()
    }
}

/// A clock reading `hour:minute` in Paris (Seine-Saint-Denis' time) on
/// `day`, then running on: the counter's day happens "now".
pub fn paris_clock_at(
    day: chrono::NaiveDate,
    hour: u32,
    minute: u32,
) -> std::sync::Arc<ShiftedClock> {
    let at = chrono::TimeZone::from_local_datetime(
        &chrono_tz::Europe::Paris,
        &day.and_hms_opt(hour, minute, 0).unwrap(),
    )
    .unwrap()
    .with_timezone(&chrono::Utc);
    let clock = std::sync::Arc::new(ShiftedClock::default());
    clock.advance(at - chrono::Utc::now());
    clock
}

pub fn saint_paul() -> Value {
    json!({
        "prefecture_code": "974",
        "kind": "sous_prefecture",
        "name": "Sous-préfecture de Saint-Paul",
        "address": {"line": "Rue de la République", "postal_code": "97460", "city": "Saint-Paul", "commune_insee": "97415"},
        "time_zone": "Indian/Reunion"
    })
}

/// The first Monday-to-Friday at least a week ahead that is not a public
/// holiday in Seine-Saint-Denis: the demo's counters are open then.
pub fn next_open_weekday() -> chrono::NaiveDate {
    use chrono::Datelike;
    let dep = planipref_domain::ids::DepartementCode::parse("93").unwrap();
    let mut day = chrono::Utc::now().date_naive() + chrono::Duration::days(7);
    while day.weekday().number_from_monday() > 5
        || !planipref_domain::calendar::holidays_on(day, &dep).is_empty()
    {
        day = day.succ_opt().unwrap();
    }
    day
}

/// The first Monday at least a week ahead that is not a public holiday in
/// `departement`.
pub fn next_open_monday(departement: &str) -> chrono::NaiveDate {
    use chrono::Datelike;
    let dep = planipref_domain::ids::DepartementCode::parse(departement).unwrap();
    let mut day = chrono::Utc::now().date_naive() + chrono::Duration::days(7);
    while day.weekday() != chrono::Weekday::Mon
        || !planipref_domain::calendar::holidays_on(day, &dep).is_empty()
    {
        day = day.succ_opt().unwrap();
    }
    day
}

/// A POST of `body` with `auth`.
pub fn post(uri: &str, auth: &str, body: Value) -> TestRequest {
    TestRequest::post()
        .uri(uri)
        .insert_header(("Authorization", auth.to_owned()))
        .set_json(body)
}

/// A PUT of `body` with `auth`.
pub fn put(uri: &str, auth: &str, body: Value) -> TestRequest {
    TestRequest::put()
        .uri(uri)
        .insert_header(("Authorization", auth.to_owned()))
        .set_json(body)
}

/// A GET with `auth`.
pub fn get_as(uri: &str, auth: &str) -> TestRequest {
    TestRequest::get()
        .uri(uri)
        .insert_header(("Authorization", auth.to_owned()))
}

/// The fields a problem+json answer names, in order.
pub fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The `id` of a created or read item.
pub fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// A different applicant at each call (doublons are refused: one person
/// books one appointment per démarche).
pub fn someone() -> Value {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let mut n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut name = String::from("Test");
    loop {
        name.push(char::from(b'a' + (n % 26) as u8));
        n /= 26;
        if n == 0 {
            break;
        }
    }
    json!({
        "last_name": name,
        "first_names": "Camille",
        "birth_date": "1990-04-12",
        "email": "camille@example.org",
        "phone": "06 12 34 56 78"
    })
}

/// The demo's motif at Bobigny's préfecture whose label starts with
/// `label`, and that site's id.
pub fn bobigny_motif(store: &planipref_store::Store, label: &str) -> (String, String) {
    prefecture_motif(store, "93", label)
}

/// The demo's motif at the préfecture's own site of `departement` (93,
/// 974) whose label starts with `label`, and that site's id.
pub fn prefecture_motif(
    store: &planipref_store::Store,
    departement: &str,
    label: &str,
) -> (String, String) {
    let site = store
        .list_sites(Some(departement), 0, 50)
        .unwrap()
        .items
        .into_iter()
        .find(|s| s.kind == "prefecture")
        .unwrap()
        .id;
    let motif = store
        .list_site_motifs(&site)
        .unwrap()
        .into_iter()
        .find(|(m, _)| m.label.starts_with(label))
        .unwrap()
        .0
        .id;
    (motif, site)
}
