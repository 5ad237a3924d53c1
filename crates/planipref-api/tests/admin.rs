//! Administration of sites and the audit trail, on every configured
//! backend: no token → 401, out of scope → 403, in scope → success, every
//! write audited, every refusal writing nothing.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use planipref_api::AppState;
use planipref_api::auth::{AuthSettings, Claims, Minter, Verifier};
use planipref_store::test_support::TestDb;
use serde_json::{Value, json};

fn token(role: &str, scope: &[&str]) -> String {
    let s = AuthSettings::development();
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
    let claims = Claims {
        sub: format!("{role}-{}", scope.join("-")),
        name: "Test".into(),
        role: role.into(),
        scope: scope.iter().map(|s| (*s).to_owned()).collect(),
        iss: s.issuer.clone(),
        aud: s.audience.clone(),
        exp: now + 600,
        nbf: None,
        iat: Some(now),
    };
    format!("Bearer {}", Minter::new(&s).unwrap().mint(&claims).unwrap())
}

fn state(db: &TestDb) -> AppState {
    db.store().seed_demo().expect("seed");
    AppState {
        store: db.store().clone(),
        auth: Verifier::new(&AuthSettings::development()).unwrap(),
    }
}

fn saint_paul() -> Value {
    json!({
        "prefecture_code": "974",
        "kind": "sous_prefecture",
        "name": "Sous-préfecture de Saint-Paul",
        "address": {"line": "Rue de la République", "postal_code": "97460", "city": "Saint-Paul", "commune_insee": "97415"},
        "time_zone": "Indian/Reunion"
    })
}

macro_rules! call {
    ($app:expr, $req:expr) => {{
        let res = test::call_service(&$app, $req.to_request()).await;
        let status = res.status();
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body: Value =
            serde_json::from_slice(&test::read_body(res).await).unwrap_or(Value::Null);
        (status, location, body)
    }};
}

fn site_count(db: &TestDb) -> i64 {
    db.store().list_sites(None, 0, 1).expect("sites").total
}

#[actix_web::test]
async fn creating_a_site_needs_an_administrator_of_its_departement() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let post = |auth: Option<String>, body: Value| {
            let mut r = TestRequest::post()
                .uri("/api/v1/admin/sites")
                .set_json(body);
            if let Some(a) = auth {
                r = r.insert_header(("Authorization", a));
            }
            r
        };
        let before = site_count(&db);
        let (s, _, _) = call!(app, post(None, saint_paul()));
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _, b) = call!(
            app,
            post(Some(token("admin_prefecture", &["93"])), saint_paul())
        );
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        assert_eq!(b["type"], "urn:planipref:problem:forbidden");
        let some_site = db.store().list_sites(Some("974"), 0, 1).unwrap().items[0]
            .id
            .clone();
        let (s, _, _) = call!(app, post(Some(token("agent", &[&some_site])), saint_paul()));
        assert_eq!(s, StatusCode::FORBIDDEN, "agents administer nothing");
        assert_eq!(
            site_count(&db),
            before,
            "{}: refusals write nothing",
            db.backend()
        );

        let (s, location, created) = call!(
            app,
            post(Some(token("admin_prefecture", &["974"])), saint_paul())
        );
        assert_eq!(s, StatusCode::CREATED, "{}: {created}", db.backend());
        assert_eq!(
            location,
            Some(format!(
                "/api/v1/admin/sites/{}",
                created["id"].as_str().unwrap()
            ))
        );
        assert_eq!(created["address"]["commune_insee"], "97415");
        let (s, _, public) = call!(app, TestRequest::get().uri("/api/v1/sites?prefecture=974"));
        assert_eq!(
            (s, &public["total"]),
            (StatusCode::OK, &json!(3)),
            "the new site is public at once"
        );

        let (s, _, b) = call!(
            app,
            post(Some(token("admin_prefecture", &["974"])), saint_paul())
        );
        assert_eq!(s, StatusCode::CONFLICT, "same name: {b}");
        let mut unknown = saint_paul();
        unknown["prefecture_code"] = json!("01");
        unknown["address"]["commune_insee"] = json!("01053");
        unknown["address"]["postal_code"] = json!("01000");
        let (s, _, b) = call!(app, post(Some(token("admin_national", &[])), unknown));
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(b["errors"][0]["field"], "prefecture_code");
        assert_eq!(site_count(&db), before + 1);
    }
}

#[actix_web::test]
async fn invalid_sites_name_every_field_and_write_nothing() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let before = site_count(&db);
        let bad = json!({
            "prefecture_code": "974", "kind": "mairie", "name": " ",
            "address": {"line": "x", "postal_code": "974", "city": "Saint-Paul", "commune_insee": "93008"},
            "time_zone": "Indian/Atlantis"
        });
        let (s, _, b) = call!(
            app,
            TestRequest::post()
                .uri("/api/v1/admin/sites")
                .insert_header(("Authorization", token("admin_national", &[])))
                .set_json(bad)
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = b["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert_eq!(
            fields,
            vec![
                "kind",
                "name",
                "address.postal_code",
                "address.commune_insee",
                "time_zone"
            ]
        );
        assert_eq!(site_count(&db), before);
    }
}

#[actix_web::test]
async fn reading_and_updating_a_site_respect_scopes_and_are_audited() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let reunion = db.store().list_sites(Some("974"), 0, 10).unwrap().items;
        let site = reunion
            .iter()
            .find(|s| s.kind == "prefecture")
            .unwrap()
            .id
            .clone();
        let other = reunion
            .iter()
            .find(|s| s.kind != "prefecture")
            .unwrap()
            .id
            .clone();
        let get = |auth: &str| {
            TestRequest::get()
                .uri(&format!("/api/v1/admin/sites/{site}"))
                .insert_header(("Authorization", auth.to_owned()))
        };
        assert_eq!(call!(app, get(&token("agent", &[&site]))).0, StatusCode::OK);
        assert_eq!(
            call!(app, get(&token("agent", &[&other]))).0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            call!(app, get(&token("admin_prefecture", &["93"]))).0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            call!(app, get(&token("admin_prefecture", &["974"]))).0,
            StatusCode::OK
        );
        assert_eq!(
            call!(
                app,
                TestRequest::get().uri(&format!("/api/v1/admin/sites/{site}"))
            )
            .0,
            StatusCode::UNAUTHORIZED
        );
        let (s, _, _) = call!(
            app,
            TestRequest::get()
                .uri("/api/v1/admin/sites/00000000-0000-4000-8000-000000000000")
                .insert_header(("Authorization", token("admin_national", &[])))
        );
        assert_eq!(s, StatusCode::NOT_FOUND);

        let mut renamed = saint_paul();
        renamed["kind"] = json!("prefecture");
        renamed["name"] = json!("Préfecture de La Réunion — Saint-Denis (Barachois)");
        renamed["address"] = json!({"line": "Place du Barachois", "postal_code": "97400", "city": "Saint-Denis", "commune_insee": "97411"});
        let put = |auth: &str, body: &Value| {
            TestRequest::put()
                .uri(&format!("/api/v1/admin/sites/{site}"))
                .insert_header(("Authorization", auth.to_owned()))
                .set_json(body)
        };
        assert_eq!(
            call!(app, put(&token("admin_prefecture", &["93"]), &renamed)).0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            call!(app, put(&token("agent", &[&site]), &renamed)).0,
            StatusCode::FORBIDDEN
        );
        let mut moved = renamed.clone();
        moved["prefecture_code"] = json!("93");
        moved["address"]["commune_insee"] = json!("93008");
        moved["address"]["postal_code"] = json!("93000");
        assert_eq!(
            call!(app, put(&token("admin_prefecture", &["974"]), &moved)).0,
            StatusCode::FORBIDDEN,
            "cannot move it out of scope"
        );
        let (s, _, updated) = call!(app, put(&token("admin_prefecture", &["974"]), &renamed));
        assert_eq!(s, StatusCode::OK, "{}: {updated}", db.backend());
        assert_eq!(
            updated["name"],
            "Préfecture de La Réunion — Saint-Denis (Barachois)"
        );
        assert_eq!(
            db.store().get_site(&site).unwrap().name,
            "Préfecture de La Réunion — Saint-Denis (Barachois)"
        );

        // The audit trail: one update, with before and after, visible in scope only.
        let audit = |auth: String, query: &str| {
            TestRequest::get()
                .uri(&format!("/api/v1/admin/audit{query}"))
                .insert_header(("Authorization", auth))
        };
        let (s, _, mine) = call!(
            app,
            audit(token("admin_prefecture", &["974"]), "?entity=site")
        );
        assert_eq!(s, StatusCode::OK);
        assert_eq!(mine["total"], 1, "{mine}");
        let entry = &mine["items"][0];
        assert_eq!(
            (entry["action"].as_str(), entry["entity_id"].as_str()),
            (Some("updated"), Some(site.as_str()))
        );
        assert_eq!(entry["actor"], "agent:admin_prefecture-974");
        assert_eq!(
            entry["before"]["name"],
            "Préfecture de La Réunion — Saint-Denis"
        );
        assert_eq!(
            entry["after"]["name"],
            "Préfecture de La Réunion — Saint-Denis (Barachois)"
        );
        let (_, _, theirs) = call!(app, audit(token("admin_prefecture", &["93"]), ""));
        assert_eq!(theirs["total"], 0, "an admin of 93 sees nothing of 974");
        let (_, _, agent_view) = call!(app, audit(token("agent", &[&site]), ""));
        assert_eq!(agent_view["total"], 1);
        let (_, _, national) = call!(app, audit(token("admin_national", &[]), "?entity=motif"));
        assert_eq!(national["total"], 0);
        let (_, _, past) = call!(
            app,
            audit(
                token("admin_national", &[]),
                "?from=2000-01-01&to=2000-12-31"
            )
        );
        assert_eq!(past["total"], 0);
        let (s, _, _) = call!(app, audit(token("admin_national", &[]), "?from=someday"));
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            call!(app, TestRequest::get().uri("/api/v1/admin/audit")).0,
            StatusCode::UNAUTHORIZED
        );
    }
}

#[actix_web::test]
async fn an_update_based_on_a_stale_read_writes_nothing() {
    for db in TestDb::each() {
        let _ = state(&db);
        let store = db.store();
        let before = store.list_sites(Some("93"), 0, 1).unwrap().items[0].clone();
        let mut first = before.clone();
        first.name = "Premier".into();
        let mut second = before.clone();
        second.name = "Second".into();
        let audit = planipref_store::admin::AuditEntry {
            actor: "agent:t".into(),
            departement: Some("93".into()),
            site_id: Some(before.id.clone()),
            entity: "site",
            entity_id: before.id.clone(),
            action: "updated",
            before: None,
            after: None,
            at: chrono::Utc::now(),
        };
        store
            .update_site(&before, &first, &audit)
            .expect("first update");
        let stale = store.update_site(&before, &second, &audit);
        assert!(
            matches!(stale, Err(planipref_store::StoreError::Stale)),
            "{}: {stale:?}",
            db.backend()
        );
        assert_eq!(store.get_site(&before.id).unwrap().name, "Premier");
        let entries = store
            .list_audit(&planipref_store::admin::AuditFilter::default(), 0, 10)
            .unwrap();
        assert_eq!(entries.total, 1, "the refused update left no audit entry");
    }
}
