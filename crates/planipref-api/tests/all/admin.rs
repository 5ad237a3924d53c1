//! Administration of sites and the audit trail, on every configured
//! backend: no token → 401, out of scope → 403, in scope → success, every
//! write audited, every refusal writing nothing.

use crate::common::{next_open_monday, next_open_weekday, saint_paul, state, token};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use planipref_test_support::TestDb;
use serde_json::{Value, json};

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
        unknown["time_zone"] = json!("Europe/Paris");
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
async fn a_site_keeps_a_time_zone_of_its_departement() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let national = token("admin_national", &[]);
        let post = |body: Value| {
            TestRequest::post()
                .uri("/api/v1/admin/sites")
                .insert_header(("Authorization", national.clone()))
                .set_json(body)
        };
        let before = site_count(&db);
        let refused_zone = |b: &Value| -> Vec<(String, String)> {
            b["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap().to_owned(),
                        e["message"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        };
        // A site of La Réunion on Paris's clocks.
        let mut paris_in_reunion = saint_paul();
        paris_in_reunion["time_zone"] = json!("Europe/Paris");
        let (s, _, b) = call!(app, post(paris_in_reunion));
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}: {b}", db.backend());
        assert_eq!(b["type"], "urn:planipref:problem:validation");
        assert_eq!(
            refused_zone(&b),
            vec![(
                "time_zone".to_owned(),
                "must be Indian/Reunion, the time zone of département 974".to_owned()
            )]
        );
        // A metropolitan département keeps Europe/Paris only.
        let aubervilliers = json!({
            "prefecture_code": "93",
            "kind": "antenne",
            "name": "Antenne d'Aubervilliers",
            "address": {"line": "2 rue de la Commune de Paris", "postal_code": "93300", "city": "Aubervilliers", "commune_insee": "93001"},
            "time_zone": "Indian/Reunion"
        });
        for zone in ["Indian/Reunion", "Europe/London", "America/Cayenne"] {
            let mut body = aubervilliers.clone();
            body["time_zone"] = json!(zone);
            let (s, _, b) = call!(app, post(body));
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{zone}: {b}");
            assert_eq!(
                refused_zone(&b),
                vec![(
                    "time_zone".to_owned(),
                    "must be Europe/Paris, the time zone of département 93".to_owned()
                )],
                "{zone}"
            );
        }
        assert_eq!(site_count(&db), before, "refusals write nothing");

        let (s, _, reunion) = call!(app, post(saint_paul()));
        assert_eq!(s, StatusCode::CREATED, "Indian/Reunion in 974: {reunion}");
        let mut paris = aubervilliers.clone();
        paris["time_zone"] = json!("Europe/Paris");
        let (s, _, b) = call!(app, post(paris));
        assert_eq!(s, StatusCode::CREATED, "Europe/Paris in 93: {b}");
        assert_eq!(site_count(&db), before + 2);

        // An update is held to the same rule.
        let site_id = reunion["id"].as_str().unwrap();
        let mut moved = saint_paul();
        moved["time_zone"] = json!("Europe/Paris");
        let (s, _, b) = call!(
            app,
            TestRequest::put()
                .uri(&format!("/api/v1/admin/sites/{site_id}"))
                .insert_header(("Authorization", national.clone()))
                .set_json(moved)
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(b["errors"][0]["field"], "time_zone");
        assert_eq!(
            db.store().get_site(site_id).unwrap().time_zone,
            "Indian/Reunion",
            "nothing written"
        );
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
        moved["time_zone"] = json!("Europe/Paris");
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
        let audit = planipref_store::AuditEntry {
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
            .update_site(&before, &first, &Default::default(), &audit)
            .expect("first update");
        let stale = store.update_site(&before, &second, &Default::default(), &audit);
        assert!(
            matches!(
                stale,
                Err(planipref_store::StoreError::Outdated { current: 2 })
            ),
            "{}: {stale:?}",
            db.backend()
        );
        let now = store.get_site(&before.id).unwrap();
        assert_eq!((now.name.as_str(), now.revision), ("Premier", 2));
        let entries = store
            .list_audit(&planipref_store::AuditFilter::default(), 0, 10)
            .unwrap();
        assert_eq!(entries.total, 1, "the refused update left no audit entry");
    }
}

#[actix_web::test]
async fn an_administrator_sets_up_a_site_from_nothing_and_its_slots_can_be_booked() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let admin = token("admin_prefecture", &["974"]);
        let outsider = token("admin_prefecture", &["93"]);
        let post = |uri: String, auth: &str, body: Value| {
            TestRequest::post()
                .uri(&uri)
                .insert_header(("Authorization", auth.to_owned()))
                .set_json(body)
        };
        let (s, _, site) = call!(
            app,
            post("/api/v1/admin/sites".into(), &admin, saint_paul())
        );
        assert_eq!(s, StatusCode::CREATED, "{site}");
        let site_id = site["id"].as_str().unwrap().to_owned();

        let service_uri = format!("/api/v1/admin/sites/{site_id}/services");
        let service_body = json!({"name": "Accueil des étrangers"});
        assert_eq!(
            call!(
                app,
                TestRequest::post()
                    .uri(&service_uri)
                    .set_json(&service_body)
            )
            .0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            call!(
                app,
                post(service_uri.clone(), &outsider, service_body.clone())
            )
            .0,
            StatusCode::FORBIDDEN
        );
        let (s, _, service) = call!(app, post(service_uri.clone(), &admin, service_body.clone()));
        assert_eq!(s, StatusCode::CREATED, "{service}");
        assert_eq!(
            call!(app, post(service_uri, &admin, service_body)).0,
            StatusCode::CONFLICT
        );
        let service_id = service["id"].as_str().unwrap().to_owned();

        let motif_uri = format!("/api/v1/admin/services/{service_id}/motifs");
        let (s, _, b) = call!(
            app,
            post(
                motif_uri.clone(),
                &admin,
                json!({"label": "Remise de titre", "duration_minutes": 17})
            )
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(b["errors"][0]["field"], "duration_minutes");
        assert_eq!(
            call!(
                app,
                post(
                    motif_uri.clone(),
                    &outsider,
                    json!({"label": "Remise de titre", "duration_minutes": 20})
                )
            )
            .0,
            StatusCode::FORBIDDEN
        );
        let (s, _, motif) = call!(
            app,
            post(
                motif_uri,
                &admin,
                json!({"label": "Remise de titre", "duration_minutes": 20})
            )
        );
        assert_eq!(s, StatusCode::CREATED, "{motif}");
        let motif_id = motif["id"].as_str().unwrap().to_owned();

        // A guichet may serve only motifs of its own site.
        let bobigny_motif = db
            .store()
            .list_site_motifs(&db.store().list_sites(Some("93"), 0, 10).unwrap().items[0].id)
            .unwrap()[0]
            .0
            .id
            .clone();
        let guichet_uri = format!("/api/v1/admin/sites/{site_id}/guichets");
        let (s, _, b) = call!(
            app,
            post(
                guichet_uri.clone(),
                &admin,
                json!({"name": "Guichet 1", "motif_ids": [bobigny_motif]})
            )
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(b["errors"][0]["field"], "motif_ids");
        let (s, _, guichet) = call!(
            app,
            post(
                guichet_uri,
                &admin,
                json!({"name": "Guichet 1", "motif_ids": [motif_id]})
            )
        );
        assert_eq!(s, StatusCode::CREATED, "{guichet}");
        let guichet_id = guichet["id"].as_str().unwrap().to_owned();

        let plage_uri = format!("/api/v1/admin/guichets/{guichet_id}/plages");
        let monday = next_open_monday("974");
        let today = chrono::Utc::now().date_naive().to_string();
        let plage = json!({"weekdays": ["monday", "tuesday"], "start": "08:00", "end": "10:00", "valid_from": today});
        let (s, _, b) = call!(
            app,
            post(
                plage_uri.clone(),
                &admin,
                json!({"weekdays": ["monday"], "start": "10:00", "end": "09:00", "valid_from": "2027-02-01", "valid_until": "2027-01-01"})
            )
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = b["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert_eq!(fields, vec!["end", "valid_until"]);
        assert_eq!(
            call!(app, post(plage_uri.clone(), &outsider, plage.clone())).0,
            StatusCode::FORBIDDEN
        );
        let (s, _, created) = call!(app, post(plage_uri.clone(), &admin, plage));
        assert_eq!(s, StatusCode::CREATED, "{created}");
        assert_eq!(created["weekdays"], json!(["monday", "tuesday"]));
        let (s, _, b) = call!(
            app,
            post(
                plage_uri.clone(),
                &admin,
                json!({"weekdays": ["tuesday"], "start": "09:00", "end": "11:00", "valid_from": "2027-06-01"})
            )
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "overlap: {b}");
        assert_eq!(b["errors"][0]["field"], "start");
        let (s, _, b) = call!(
            app,
            post(
                plage_uri,
                &admin,
                json!({"weekdays": ["wednesday"], "start": "08:00", "end": "09:00", "valid_from": "2027-01-01", "motif_ids": [bobigny_motif]})
            )
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(b["errors"][0]["field"], "motif_ids");

        // Slots follow: an open Monday, 08:00–10:00 Réunion time, 20 minutes each.
        let (s, _, slots) = call!(
            app,
            TestRequest::get().uri(&format!(
                "/api/v1/motifs/{motif_id}/slots?from={monday}&to={monday}"
            ))
        );
        assert_eq!(s, StatusCode::OK);
        let starts: Vec<&str> = slots["slots"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["start"].as_str())
            .collect();
        assert_eq!(starts.len(), 6, "08:00–10:00 in 20 minutes: {starts:?}");
        assert_eq!(starts[0], format!("{monday}T08:00:00+04:00"));
        let (s, _, booked) = call!(
            app,
            TestRequest::post().uri("/api/v1/reservations").set_json(json!({
                "motif_id": motif_id, "start": starts[0],
                "applicant": {"last_name": "Hoarau", "first_names": "Marie", "birth_date": "1975-03-02", "email": "m@example.re", "phone": "0692 00 00 00"}
            }))
        );
        assert_eq!(s, StatusCode::CREATED, "{}: {booked}", db.backend());

        // Every write is in the audit trail of 974, none in 93's.
        let (_, _, trail) = call!(
            app,
            TestRequest::get()
                .uri("/api/v1/admin/audit")
                .insert_header(("Authorization", admin.clone()))
        );
        let entities: Vec<&str> = trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["entity"].as_str())
            .collect();
        assert_eq!(
            entities,
            vec!["plage", "guichet", "motif", "service", "site"],
            "{}",
            db.backend()
        );
        let (_, _, other) = call!(
            app,
            TestRequest::get()
                .uri("/api/v1/admin/audit")
                .insert_header(("Authorization", outsider.clone()))
        );
        assert_eq!(other["total"], 0);
    }
}

#[actix_web::test]
async fn a_closure_never_orphans_booked_appointments_silently() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let bobigny = db
            .store()
            .list_sites(Some("93"), 0, 10)
            .unwrap()
            .items
            .into_iter()
            .find(|s| s.kind == "prefecture")
            .unwrap();
        let motifs = db.store().list_site_motifs(&bobigny.id).unwrap();
        let remise = motifs
            .iter()
            .find(|(m, _)| m.label.starts_with("Remise"))
            .unwrap()
            .0
            .id
            .clone();
        let day = next_open_weekday().to_string();
        let slots_uri = format!("/api/v1/motifs/{remise}/slots?from={day}&to={day}");
        let (_, _, slots) = call!(app, TestRequest::get().uri(&slots_uri));
        let all_slots = slots["slots"].as_array().unwrap().clone();
        assert!(
            !all_slots.is_empty(),
            "Bobigny hands titles over every weekday"
        );
        let start = all_slots[0]["start"].as_str().unwrap().to_owned();
        let (s, _, booked) = call!(
            app,
            TestRequest::post().uri("/api/v1/reservations").set_json(json!({
                "motif_id": remise, "start": start,
                "applicant": {"last_name": "Diallo", "first_names": "Awa", "birth_date": "1992-08-15", "email": "a@example.org", "phone": "+33612345678"}
            }))
        );
        assert_eq!(s, StatusCode::CREATED, "{booked}");
        let reference = booked["reference"].as_str().unwrap().to_owned();
        let (_, _, after_booking) = call!(app, TestRequest::get().uri(&slots_uri));
        assert_ne!(
            after_booking["slots"], slots["slots"],
            "the booking took a counter"
        );

        let admin = token("admin_prefecture", &["93"]);
        let uri = |q: &str| format!("/api/v1/admin/sites/{}/fermetures{q}", bobigny.id);
        let closure = json!({"from_date": day, "to_date": day, "reason": "Inventaire annuel"});
        let post = |u: String, auth: &str, body: &Value| {
            TestRequest::post()
                .uri(&u)
                .insert_header(("Authorization", auth.to_owned()))
                .set_json(body)
        };
        assert_eq!(
            call!(app, TestRequest::post().uri(&uri("")).set_json(&closure)).0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            call!(
                app,
                post(uri(""), &token("admin_prefecture", &["974"]), &closure)
            )
            .0,
            StatusCode::FORBIDDEN
        );

        let (s, _, refused) = call!(app, post(uri(""), &admin, &closure));
        assert_eq!(s, StatusCode::CONFLICT, "{refused}");
        assert_eq!(
            refused["type"],
            "urn:planipref:problem:booked-reservations-affected"
        );
        assert_eq!(refused["conflicts"], json!([reference]));
        let (_, _, unchanged) = call!(app, TestRequest::get().uri(&slots_uri));
        assert_eq!(
            unchanged["slots"],
            after_booking["slots"],
            "{}: nothing written",
            db.backend()
        );
        let r = planipref_domain::reference::Reference::parse(&reference).unwrap();
        assert!(
            !db.store()
                .find_reservation(&r)
                .unwrap()
                .reservation
                .needs_rebooking
        );

        let (s, _, applied) = call!(app, post(uri("?on_conflict=flag"), &admin, &closure));
        assert_eq!(s, StatusCode::CREATED, "{applied}");
        assert_eq!(applied["flagged_reservations"], json!([reference]));
        let detail = db.store().find_reservation(&r).unwrap();
        assert!(detail.reservation.needs_rebooking, "flagged, never deleted");
        assert_eq!(detail.reservation.status, "booked");
        let events = db
            .store()
            .reservation_events(detail.reservation.id.parse().unwrap())
            .unwrap();
        assert_eq!(
            events.last().map(|e| (e.action.as_str(), e.actor.as_str())),
            Some(("flagged", "agent:admin_prefecture-93"))
        );
        let (_, _, closed) = call!(app, TestRequest::get().uri(&slots_uri));
        assert_eq!(
            closed["slots"],
            json!([]),
            "{}: no slot on a closed day",
            db.backend()
        );

        let (s, _, b) = call!(app, post(uri(""), &admin, &json!({"reason": "x"})));
        assert_eq!(
            (s, &b["errors"][0]["field"]),
            (StatusCode::UNPROCESSABLE_ENTITY, &json!("from_date"))
        );
        let reunion_guichet = {
            let reunion_motif = db
                .store()
                .list_site_motifs(&db.store().list_sites(Some("974"), 0, 1).unwrap().items[0].id)
                .unwrap()[0]
                .0
                .id
                .clone();
            db.store()
                .motif_schedule(
                    &reunion_motif,
                    chrono::Utc::now(),
                    chrono::Utc::now(),
                    chrono::Utc::now(),
                )
                .unwrap()
                .guichets[0]
                .to_string()
        };
        let (s, _, b) = call!(
            app,
            post(
                uri(""),
                &admin,
                &json!({"guichet_id": reunion_guichet, "from_date": day, "to_date": day, "reason": "x"})
            )
        );
        assert_eq!(
            (s, &b["errors"][0]["field"]),
            (StatusCode::UNPROCESSABLE_ENTITY, &json!("guichet_id"))
        );
        let (s, _, _) = call!(app, post(uri("?on_conflict=maybe"), &admin, &closure));
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

#[actix_web::test]
async fn closing_one_guichet_removes_it_from_the_slots_it_served() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let bobigny = db
            .store()
            .list_sites(Some("93"), 0, 10)
            .unwrap()
            .items
            .into_iter()
            .find(|s| s.kind == "prefecture")
            .unwrap();
        let renouvellement = db
            .store()
            .list_site_motifs(&bobigny.id)
            .unwrap()
            .into_iter()
            .find(|(m, _)| m.label.starts_with("Renouvellement"))
            .unwrap()
            .0
            .id;
        // An open weekday, 09:00–10:00 local: three guichets serve the motif.
        let day = next_open_weekday();
        let guichet = db
            .store()
            .motif_schedule(
                &renouvellement,
                chrono::Utc::now(),
                chrono::Utc::now(),
                chrono::Utc::now(),
            )
            .unwrap()
            .guichets[0]
            .to_string();
        let first = |v: &Value| v["slots"][0]["remaining"].as_u64();
        let slots_uri = format!("/api/v1/motifs/{renouvellement}/slots?from={day}&to={day}");
        let (_, _, before) = call!(app, TestRequest::get().uri(&slots_uri));
        assert_eq!(first(&before), Some(3));
        let (s, _, b) = call!(
            app,
            TestRequest::post()
                .uri(&format!("/api/v1/admin/sites/{}/fermetures", bobigny.id))
                .insert_header(("Authorization", token("admin_national", &[])))
                .set_json(json!({"guichet_id": guichet, "start": format!("{day}T09:00"), "end": format!("{day}T10:00"), "reason": "Formation"}))
        );
        assert_eq!(s, StatusCode::CREATED, "{b}");
        assert!(
            b["start"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{day}T09:00:00+0")),
            "{b}"
        );
        let (_, _, after) = call!(app, TestRequest::get().uri(&slots_uri));
        let remaining: Vec<u64> = after["slots"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["remaining"].as_u64())
            .collect();
        assert_eq!(
            &remaining[..3],
            &[2, 2, 3],
            "{}: 09:00 and 09:30 lose a guichet, 10:00 does not",
            db.backend()
        );
    }
}

#[actix_web::test]
async fn only_national_administrators_create_prefectures_and_each_lists_its_own() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let corse = json!({"code": "2a", "name": "Préfecture de la Corse-du-Sud", "departement_name": "Corse-du-Sud"});
        let post = |auth: Option<String>, body: &Value| {
            let mut r = TestRequest::post()
                .uri("/api/v1/admin/prefectures")
                .set_json(body);
            if let Some(a) = auth {
                r = r.insert_header(("Authorization", a));
            }
            r
        };
        assert_eq!(call!(app, post(None, &corse)).0, StatusCode::UNAUTHORIZED);
        assert_eq!(
            call!(app, post(Some(token("admin_prefecture", &["2A"])), &corse)).0,
            StatusCode::FORBIDDEN
        );
        let (s, location, created) = call!(app, post(Some(token("admin_national", &[])), &corse));
        assert_eq!(s, StatusCode::CREATED, "{}: {created}", db.backend());
        assert_eq!(
            (created["code"].as_str(), location.as_deref()),
            (Some("2A"), Some("/api/v1/admin/prefectures/2A"))
        );
        assert_eq!(
            call!(app, post(Some(token("admin_national", &[])), &corse)).0,
            StatusCode::CONFLICT
        );
        let (s, _, b) = call!(
            app,
            post(
                Some(token("admin_national", &[])),
                &json!({"code": "20", "name": "", "departement_name": "Corse"})
            )
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = b["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert_eq!(fields, vec!["code", "name"]);

        let list = |auth: String| {
            TestRequest::get()
                .uri("/api/v1/admin/prefectures")
                .insert_header(("Authorization", auth))
        };
        let (_, _, all) = call!(app, list(token("admin_national", &[])));
        assert_eq!(all["total"], 3);
        let (_, _, mine) = call!(app, list(token("admin_prefecture", &["974"])));
        let codes: Vec<&str> = mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["code"].as_str())
            .collect();
        assert_eq!(codes, vec!["974"]);
        let site = db.store().list_sites(Some("93"), 0, 1).unwrap().items[0]
            .id
            .clone();
        assert_eq!(
            call!(app, list(token("agent", &[&site]))).0,
            StatusCode::FORBIDDEN
        );
    }
}

#[actix_web::test]
async fn shrinking_or_deleting_a_plage_is_refused_over_booked_appointments_then_flags_them() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let admin = token("admin_prefecture", &["974"]);
        let post = |uri: String, body: Value| {
            TestRequest::post()
                .uri(&uri)
                .insert_header(("Authorization", admin.clone()))
                .set_json(body)
        };
        let (_, _, site) = call!(app, post("/api/v1/admin/sites".into(), saint_paul()));
        let site_id = site["id"].as_str().unwrap().to_owned();
        let (_, _, service) = call!(
            app,
            post(
                format!("/api/v1/admin/sites/{site_id}/services"),
                json!({"name": "Accueil"})
            )
        );
        let (_, _, motif) = call!(
            app,
            post(
                format!(
                    "/api/v1/admin/services/{}/motifs",
                    service["id"].as_str().unwrap()
                ),
                json!({"label": "Remise", "duration_minutes": 20})
            )
        );
        let motif_id = motif["id"].as_str().unwrap().to_owned();
        let (_, _, guichet) = call!(
            app,
            post(
                format!("/api/v1/admin/sites/{site_id}/guichets"),
                json!({"name": "G1", "motif_ids": [motif_id]})
            )
        );
        let today = chrono::Utc::now().date_naive().to_string();
        let (s, _, plage) = call!(
            app,
            post(
                format!(
                    "/api/v1/admin/guichets/{}/plages",
                    guichet["id"].as_str().unwrap()
                ),
                json!({"weekdays": ["monday"], "start": "08:00", "end": "10:00", "valid_from": today})
            )
        );
        assert_eq!(s, StatusCode::CREATED, "{plage}");
        let plage_id = plage["id"].as_str().unwrap().to_owned();
        let monday = next_open_monday("974");
        let late = format!("{monday}T09:40:00+04:00");
        let (s, _, booked) = call!(
            app,
            TestRequest::post().uri("/api/v1/reservations").set_json(json!({
                "motif_id": motif_id, "start": late,
                "applicant": {"last_name": "Payet", "first_names": "Jean", "birth_date": "1980-01-02", "email": "j@example.re", "phone": "0692 12 34 56"}
            }))
        );
        assert_eq!(s, StatusCode::CREATED, "{booked}");
        let reference = booked["reference"].as_str().unwrap().to_owned();
        let slots_uri = format!("/api/v1/motifs/{motif_id}/slots?from={monday}&to={monday}");
        let count = |v: &Value| v["slots"].as_array().map(Vec::len).unwrap_or(0);
        let (_, _, before) = call!(app, TestRequest::get().uri(&slots_uri));
        assert_eq!(count(&before), 5, "six slots, one booked");

        let shrunk =
            json!({"weekdays": ["monday"], "start": "08:00", "end": "09:00", "valid_from": today});
        let put = |q: &str, auth: &str| {
            TestRequest::put()
                .uri(&format!("/api/v1/admin/plages/{plage_id}{q}"))
                .insert_header(("Authorization", auth.to_owned()))
                .set_json(&shrunk)
        };
        assert_eq!(
            call!(app, put("", &token("admin_prefecture", &["93"]))).0,
            StatusCode::FORBIDDEN
        );
        let (s, _, refused) = call!(app, put("", &admin));
        assert_eq!(s, StatusCode::CONFLICT, "{}: {refused}", db.backend());
        assert_eq!(refused["conflicts"], json!([reference]));
        let (_, _, unchanged) = call!(app, TestRequest::get().uri(&slots_uri));
        assert_eq!(
            unchanged["slots"], before["slots"],
            "the refused change wrote nothing"
        );

        let (s, _, applied) = call!(app, put("?on_conflict=flag", &admin));
        assert_eq!(s, StatusCode::OK, "{applied}");
        assert_eq!(applied["flagged_reservations"], json!([reference]));
        assert_eq!(applied["plage"]["end"], "09:00");
        let r = planipref_domain::reference::Reference::parse(&reference).unwrap();
        let detail = db.store().find_reservation(&r).unwrap();
        assert!(
            detail.reservation.needs_rebooking && detail.reservation.status == "booked",
            "flagged, not deleted"
        );
        let (_, _, after) = call!(app, TestRequest::get().uri(&slots_uri));
        assert_eq!(count(&after), 3, "08:00–09:00 in 20 minutes");

        // Deleting it now orphans nothing new (the appointment is already flagged).
        let del = |q: &str| {
            TestRequest::delete()
                .uri(&format!("/api/v1/admin/plages/{plage_id}{q}"))
                .insert_header(("Authorization", admin.clone()))
        };
        let (s, _, deleted) = call!(app, del(""));
        assert_eq!(s, StatusCode::OK, "{deleted}");
        assert_eq!(
            (deleted["plage"].is_null(), &deleted["flagged_reservations"]),
            (true, &json!([]))
        );
        let (_, _, none) = call!(app, TestRequest::get().uri(&slots_uri));
        assert_eq!(count(&none), 0);
        assert_eq!(call!(app, del("")).0, StatusCode::NOT_FOUND);
        let (_, _, trail) = call!(
            app,
            TestRequest::get()
                .uri("/api/v1/admin/audit?entity=plage")
                .insert_header(("Authorization", admin.clone()))
        );
        let actions: Vec<&str> = trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert_eq!(
            actions,
            vec!["deleted", "updated", "created"],
            "{}",
            db.backend()
        );
    }
}

#[actix_web::test]
async fn a_site_opened_on_a_holiday_offers_slots_and_its_calendar_says_so() {
    use chrono::Datelike;
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let bobigny = db
            .store()
            .list_sites(Some("93"), 0, 10)
            .unwrap()
            .items
            .into_iter()
            .find(|s| s.kind == "prefecture")
            .unwrap();
        let motif = db.store().list_site_motifs(&bobigny.id).unwrap()[0]
            .0
            .id
            .clone();
        let dep = planipref_domain::ids::DepartementCode::parse("93").unwrap();
        // The next Whit Monday, within a year: open the motif's window that far.
        let year = chrono::Utc::now().year();
        let whit_monday = (year..=year + 1)
            .filter_map(|y| {
                planipref_domain::calendar::public_holidays(y, &dep)
                    .into_iter()
                    .find(|(_, h)| *h == planipref_domain::calendar::Holiday::LundiDePentecote)
            })
            .map(|(d, _)| d)
            .find(|d| *d > chrono::Utc::now().date_naive() + chrono::Duration::days(2))
            .unwrap();
        let (s, _, _) = call!(
            app,
            TestRequest::put()
                .uri(&format!("/api/v1/admin/motifs/{motif}"))
                .insert_header(("Authorization", token("admin_prefecture", &["93"])))
                .set_json(json!({"booking_window_days": 366}))
        );
        assert_eq!(s, StatusCode::OK);
        let slots_uri = format!("/api/v1/motifs/{motif}/slots?from={whit_monday}&to={whit_monday}");
        let (_, _, closed) = call!(app, TestRequest::get().uri(&slots_uri));
        assert_eq!(closed["slots"], json!([]), "closed on Whit Monday");

        let admin = token("admin_prefecture", &["93"]);
        let uri = format!("/api/v1/admin/sites/{}/ouvertures", bobigny.id);
        let post = |auth: &str, body: Value| {
            TestRequest::post()
                .uri(&uri)
                .insert_header(("Authorization", auth.to_owned()))
                .set_json(body)
        };
        let body = json!({"date": whit_monday, "reason": "Journée de solidarité"});
        assert_eq!(
            call!(
                app,
                post(&token("admin_prefecture", &["974"]), body.clone())
            )
            .0,
            StatusCode::FORBIDDEN
        );
        let (s, _, b) = call!(
            app,
            post(
                &admin,
                json!({"date": whit_monday.succ_opt().unwrap(), "reason": "x"})
            )
        );
        assert_eq!(
            (s, &b["errors"][0]["field"]),
            (StatusCode::UNPROCESSABLE_ENTITY, &json!("date")),
            "not a holiday"
        );
        let (s, _, opened) = call!(app, post(&admin, body.clone()));
        assert_eq!(s, StatusCode::CREATED, "{}: {opened}", db.backend());
        assert_eq!(opened["holidays"], json!(["lundi_de_pentecote"]));
        assert_eq!(call!(app, post(&admin, body)).0, StatusCode::CONFLICT);

        let (_, _, open) = call!(app, TestRequest::get().uri(&slots_uri));
        assert!(
            !open["slots"].as_array().unwrap().is_empty(),
            "open that day now: {open}"
        );

        let closure_day = whit_monday.succ_opt().unwrap();
        let (s, _, _) = call!(
            app,
            TestRequest::post()
                .uri(&format!("/api/v1/admin/sites/{}/fermetures", bobigny.id))
                .insert_header(("Authorization", admin.clone()))
                .set_json(json!({"from_date": closure_day, "to_date": closure_day, "reason": "Inventaire"}))
        );
        assert_eq!(s, StatusCode::CREATED);
        let (_, _, calendar) = call!(
            app,
            TestRequest::get().uri(&format!(
                "/api/v1/sites/{}/calendar?from={whit_monday}&to={closure_day}",
                bobigny.id
            ))
        );
        assert_eq!(calendar["closed"], json!([]), "{calendar}");
        assert_eq!(calendar["opened"][0]["reason"], "Journée de solidarité");
        assert_eq!(calendar["closures"][0]["whole_site"], true);
        assert!(
            calendar["closures"][0].get("reason").is_none(),
            "the reason stays with agents"
        );
        assert!(
            calendar["closures"][0]["start"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{closure_day}T00:00:00+0"))
        );
    }
}

#[actix_web::test]
async fn a_site_organisation_is_read_in_one_answer_within_scope() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let bobigny = db
            .store()
            .list_sites(Some("93"), 0, 10)
            .unwrap()
            .items
            .into_iter()
            .find(|s| s.kind == "prefecture")
            .unwrap();
        let get = |auth: String| {
            TestRequest::get()
                .uri(&format!("/api/v1/admin/sites/{}/organisation", bobigny.id))
                .insert_header(("Authorization", auth))
        };
        let (s, _, o) = call!(app, get(token("agent", &[&bobigny.id])));
        assert_eq!(s, StatusCode::OK, "{o}");
        assert_eq!(o["services"].as_array().map(Vec::len), Some(1));
        assert_eq!(o["services"][0]["motifs"].as_array().map(Vec::len), Some(3));
        let guichets = o["guichets"].as_array().unwrap();
        assert_eq!(guichets.len(), 4, "{}", db.backend());
        let g1 = guichets.iter().find(|g| g["name"] == "Guichet 1").unwrap();
        assert_eq!(g1["motif_ids"].as_array().map(Vec::len), Some(3));
        let hours: Vec<(&str, &str)> = g1["plages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["start"].as_str().unwrap(), p["end"].as_str().unwrap()))
            .collect();
        assert_eq!(hours, vec![("09:00", "12:00"), ("13:30", "16:30")]);
        assert_eq!(
            g1["plages"][0]["weekdays"],
            json!(["monday", "tuesday", "wednesday", "thursday", "friday"])
        );
        assert_eq!(
            call!(app, get(token("admin_prefecture", &["974"]))).0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            call!(
                app,
                TestRequest::get().uri(&format!("/api/v1/admin/sites/{}/organisation", bobigny.id))
            )
            .0,
            StatusCode::UNAUTHORIZED
        );
    }
}

#[actix_web::test]
async fn motifs_follow_the_national_defaults_they_do_not_override() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let (s, _, catalogue) = call!(app, TestRequest::get().uri("/api/v1/demarches"));
        assert_eq!(s, StatusCode::OK);
        assert!(catalogue["total"].as_i64().unwrap() >= 9, "{catalogue}");
        let (s, _, renouvellement) = call!(
            app,
            TestRequest::get().uri("/api/v1/demarches/sejour-renouvellement")
        );
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            renouvellement["site_ids"].as_array().map(Vec::len),
            Some(4),
            "Bobigny, Le Raincy, Saint-Denis, La Réunion"
        );
        assert_eq!(
            call!(
                app,
                TestRequest::get().uri("/api/v1/demarches/no-such-thing")
            )
            .0,
            StatusCode::NOT_FOUND
        );

        // A motif of Saint-Denis (974) from the démarche, with its own duration.
        let reunion = db
            .store()
            .list_sites(Some("974"), 0, 10)
            .unwrap()
            .items
            .into_iter()
            .find(|s| s.kind == "prefecture")
            .unwrap();
        let service = db.store().list_site_motifs(&reunion.id).unwrap()[0]
            .1
            .id
            .clone();
        let admin = token("admin_prefecture", &["974"]);
        let post = |body: Value| {
            TestRequest::post()
                .uri(&format!("/api/v1/admin/services/{service}/motifs"))
                .insert_header(("Authorization", admin.clone()))
                .set_json(body)
        };
        let (s, _, b) = call!(app, post(json!({"description": "x"})));
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = b["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert_eq!(fields, vec!["label", "duration_minutes"]);
        let (s, _, b) = call!(app, post(json!({"demarche_code": "nope"})));
        assert_eq!(
            (s, &b["errors"][0]["field"]),
            (StatusCode::UNPROCESSABLE_ENTITY, &json!("demarche_code"))
        );
        let (s, _, own) = call!(
            app,
            post(json!({"demarche_code": "sejour-changement-statut", "duration_minutes": 60}))
        );
        assert_eq!(s, StatusCode::CREATED, "{own}");
        assert_eq!(
            (own["label"].as_str(), own["duration_minutes"].as_i64()),
            (Some("Changement de statut"), Some(60))
        );

        // The national default changes: followers follow, overrides stay.
        let change = json!({"label": "Changement de statut (titre de séjour)", "description": "Nouvelle liste de pièces.", "documents": ["Titre en cours", "Contrat de travail"], "default_duration_minutes": 40, "default_booking_window_days": 30});
        let put = |auth: String, code: &str| {
            TestRequest::put()
                .uri(&format!("/api/v1/admin/demarches/{code}"))
                .insert_header(("Authorization", auth))
                .set_json(&change)
        };
        assert_eq!(
            call!(
                app,
                put(
                    token("admin_prefecture", &["974"]),
                    "sejour-changement-statut"
                )
            )
            .0,
            StatusCode::FORBIDDEN
        );
        let (s, _, changed) = call!(
            app,
            put(token("admin_national", &[]), "sejour-changement-statut")
        );
        assert_eq!(s, StatusCode::OK, "{changed}");
        assert_eq!(
            changed["motif_fields_updated"], 6,
            "label, description, documents and the three booking rules of the one follower"
        );
        assert_eq!(
            changed["demarche"]["documents"],
            json!(["Titre en cours", "Contrat de travail"])
        );
        let motifs = db.store().list_site_motifs(&reunion.id).unwrap();
        let followed = motifs
            .iter()
            .find(|(m, _)| m.demarche_code.as_deref() == Some("sejour-changement-statut"))
            .unwrap();
        assert_eq!(followed.0.label, "Changement de statut (titre de séjour)");
        assert_eq!(followed.0.description, "Nouvelle liste de pièces.");
        assert_eq!(
            followed.0.document_list(),
            vec!["Titre en cours", "Contrat de travail"]
        );
        assert_eq!(
            (followed.0.booking_window_days, followed.0.min_notice_hours),
            (30, 24),
            "booking rules follow; those left out return to the national defaults"
        );
        assert_eq!(
            followed.0.duration_minutes,
            60,
            "{}: its own duration stays",
            db.backend()
        );
        let (s, _, _) = call!(app, put(token("admin_national", &[]), "no-such-thing"));
        assert_eq!(s, StatusCode::NOT_FOUND);

        // The demo's motifs follow everything of theirs.
        let change = json!({"label": "Remise de titre de séjour", "description": "Apportez le SMS.", "default_duration_minutes": 20});
        let (s, _, changed) = call!(
            app,
            TestRequest::put()
                .uri("/api/v1/admin/demarches/sejour-remise-titre")
                .insert_header(("Authorization", token("admin_national", &[])))
                .set_json(&change)
        );
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            changed["motif_fields_updated"],
            5 * 7,
            "five demo sites hand titles over, seven fields each"
        );
        let (_, _, trail) = call!(
            app,
            TestRequest::get()
                .uri("/api/v1/admin/audit?entity=motif")
                .insert_header(("Authorization", token("admin_prefecture", &["93"])))
        );
        assert_eq!(
            trail["total"], 3,
            "each of 93's sites sees its motif follow the national change"
        );
    }
}

#[actix_web::test]
async fn changing_the_motifs_of_a_guichet_never_orphans_booked_appointments_silently() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let admin = token("admin_prefecture", &["974"]);
        let post = |uri: String, body: Value| {
            TestRequest::post()
                .uri(&uri)
                .insert_header(("Authorization", admin.clone()))
                .set_json(body)
        };
        let (_, _, site) = call!(app, post("/api/v1/admin/sites".into(), saint_paul()));
        let site_id = site["id"].as_str().unwrap().to_owned();
        let (_, _, service) = call!(
            app,
            post(
                format!("/api/v1/admin/sites/{site_id}/services"),
                json!({"name": "Accueil"})
            )
        );
        let motifs_uri = format!(
            "/api/v1/admin/services/{}/motifs",
            service["id"].as_str().unwrap()
        );
        let (_, _, a) = call!(
            app,
            post(
                motifs_uri.clone(),
                json!({"demarche_code": "sejour-remise-titre"})
            )
        );
        let (_, _, b) = call!(
            app,
            post(
                motifs_uri,
                json!({"demarche_code": "sejour-renouvellement"})
            )
        );
        let (a, b) = (
            a["id"].as_str().unwrap().to_owned(),
            b["id"].as_str().unwrap().to_owned(),
        );
        let (_, _, guichet) = call!(
            app,
            post(
                format!("/api/v1/admin/sites/{site_id}/guichets"),
                json!({"name": "G1", "motif_ids": [a, b]})
            )
        );
        let guichet_id = guichet["id"].as_str().unwrap().to_owned();
        let today = chrono::Utc::now().date_naive().to_string();
        let plages_uri = format!("/api/v1/admin/guichets/{guichet_id}/plages");
        let (s, _, _) = call!(
            app,
            post(
                plages_uri.clone(),
                json!({"weekdays": ["monday"], "start": "08:00", "end": "10:00", "valid_from": today})
            )
        );
        assert_eq!(s, StatusCode::CREATED);
        let (s, _, _) = call!(
            app,
            post(
                plages_uri,
                json!({"weekdays": ["tuesday"], "start": "08:00", "end": "10:00", "valid_from": today, "motif_ids": [a]})
            )
        );
        assert_eq!(s, StatusCode::CREATED);
        let monday = next_open_monday("974");
        let (s, _, booked) = call!(
            app,
            TestRequest::post().uri("/api/v1/reservations").set_json(json!({
                "motif_id": b, "start": format!("{monday}T08:00:00+04:00"),
                "applicant": {"last_name": "Grondin", "first_names": "Luc", "birth_date": "1970-07-07", "email": "l@example.re", "phone": "0692 11 22 33"}
            }))
        );
        assert_eq!(s, StatusCode::CREATED, "{booked}");
        let reference = booked["reference"].as_str().unwrap().to_owned();

        let put = |q: &str, body: Value| {
            TestRequest::put()
                .uri(&format!("/api/v1/admin/guichets/{guichet_id}{q}"))
                .insert_header(("Authorization", admin.clone()))
                .set_json(body)
        };
        // Removing A would leave Tuesday's plage restricted to nothing: 422.
        let (s, _, e) = call!(
            app,
            put("", json!({"name": "G1", "motif_ids": [b], "active": true}))
        );
        assert_eq!(
            (s, &e["errors"][0]["field"]),
            (StatusCode::UNPROCESSABLE_ENTITY, &json!("motif_ids")),
            "{e}"
        );
        // Removing B orphans the booked appointment: 409, then flag.
        let (s, _, refused) = call!(
            app,
            put("", json!({"name": "G1", "motif_ids": [a], "active": true}))
        );
        assert_eq!(s, StatusCode::CONFLICT, "{}: {refused}", db.backend());
        assert_eq!(refused["conflicts"], json!([reference]));
        assert_eq!(
            db.store().guichet_motif_ids(&guichet_id).unwrap().len(),
            2,
            "nothing written"
        );
        let (s, _, applied) = call!(
            app,
            put(
                "?on_conflict=flag",
                json!({"name": "Guichet 1", "motif_ids": [a], "active": true})
            )
        );
        assert_eq!(s, StatusCode::OK, "{applied}");
        assert_eq!(applied["flagged_reservations"], json!([reference]));
        assert_eq!(applied["guichet"]["name"], "Guichet 1");
        let r = planipref_domain::reference::Reference::parse(&reference).unwrap();
        assert!(
            db.store()
                .find_reservation(&r)
                .unwrap()
                .reservation
                .needs_rebooking
        );
        let (_, _, slots) = call!(
            app,
            TestRequest::get().uri(&format!(
                "/api/v1/motifs/{b}/slots?from={monday}&to={monday}"
            ))
        );
        assert_eq!(slots["slots"], json!([]), "B is no longer served");

        // Deactivated: no slot at all for A either.
        let (s, _, _) = call!(
            app,
            put(
                "",
                json!({"name": "Guichet 1", "motif_ids": [a], "active": false})
            )
        );
        assert_eq!(s, StatusCode::OK);
        let (_, _, slots) = call!(
            app,
            TestRequest::get().uri(&format!(
                "/api/v1/motifs/{a}/slots?from={monday}&to={monday}"
            ))
        );
        assert_eq!(slots["slots"], json!([]), "{}", db.backend());
        assert_eq!(
            call!(
                app,
                TestRequest::put()
                    .uri(&format!("/api/v1/admin/guichets/{guichet_id}"))
                    .insert_header(("Authorization", token("admin_prefecture", &["93"])))
                    .set_json(json!({"name": "x", "motif_ids": [a], "active": true}))
            )
            .0,
            StatusCode::FORBIDDEN
        );
    }
}

#[actix_web::test]
async fn a_motif_overrides_what_it_sends_and_follows_its_demarche_for_the_rest() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let bobigny = db
            .store()
            .list_sites(Some("93"), 0, 10)
            .unwrap()
            .items
            .into_iter()
            .find(|s| s.kind == "prefecture")
            .unwrap();
        let remise = db
            .store()
            .list_site_motifs(&bobigny.id)
            .unwrap()
            .into_iter()
            .find(|(m, _)| m.label.starts_with("Remise"))
            .unwrap()
            .0;
        assert_eq!(remise.duration_minutes, 15);
        let put = |auth: String, body: Value| {
            TestRequest::put()
                .uri(&format!("/api/v1/admin/motifs/{}", remise.id))
                .insert_header(("Authorization", auth))
                .set_json(body)
        };
        assert_eq!(
            call!(
                app,
                put(token("admin_prefecture", &["974"]), json!({"label": "x"}))
            )
            .0,
            StatusCode::FORBIDDEN
        );
        let (s, _, b) = call!(
            app,
            put(
                token("admin_prefecture", &["93"]),
                json!({"duration_minutes": 7})
            )
        );
        assert_eq!(
            (s, &b["errors"][0]["field"]),
            (StatusCode::UNPROCESSABLE_ENTITY, &json!("duration_minutes"))
        );
        let (s, _, m) = call!(
            app,
            put(
                token("admin_prefecture", &["93"]),
                json!({"label": "Retrait de titre de séjour"})
            )
        );
        assert_eq!(s, StatusCode::OK, "{m}");
        assert_eq!(
            (m["label"].as_str(), m["duration_minutes"].as_i64()),
            (Some("Retrait de titre de séjour"), Some(15))
        );

        let national = json!({"label": "Remise du titre de séjour", "description": "Nouvelles pièces.", "default_duration_minutes": 10});
        let (s, _, _) = call!(
            app,
            TestRequest::put()
                .uri("/api/v1/admin/demarches/sejour-remise-titre")
                .insert_header(("Authorization", token("admin_national", &[])))
                .set_json(&national)
        );
        assert_eq!(s, StatusCode::OK);
        let (after, _, _) = db.store().get_motif(&remise.id).unwrap();
        assert_eq!(
            after.label,
            "Retrait de titre de séjour",
            "{}: its own label stays",
            db.backend()
        );
        assert_eq!(
            (after.description.as_str(), after.duration_minutes),
            ("Nouvelles pièces.", 10),
            "the rest follows"
        );
        let (_, _, trail) = call!(
            app,
            TestRequest::get()
                .uri("/api/v1/admin/audit?entity=motif")
                .insert_header(("Authorization", token("admin_prefecture", &["93"])))
        );
        assert_eq!(
            trail["items"][0]["before"]["label"],
            "Remise de titre de séjour"
        );
    }
}

#[actix_web::test]
async fn a_new_time_zone_or_departement_is_refused_while_appointments_are_booked() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let national = token("admin_national", &[]);
        let (s, _, site) = call!(
            app,
            TestRequest::post()
                .uri("/api/v1/admin/sites")
                .insert_header(("Authorization", national.clone()))
                .set_json(saint_paul())
        );
        assert_eq!(s, StatusCode::CREATED);
        let site_id = site["id"].as_str().unwrap().to_owned();
        let put = |body: Value| {
            TestRequest::put()
                .uri(&format!("/api/v1/admin/sites/{site_id}"))
                .insert_header(("Authorization", national.clone()))
                .set_json(body)
        };
        let (s, _, _) = call!(
            app,
            TestRequest::post()
                .uri("/api/v1/admin/prefectures")
                .insert_header(("Authorization", national.clone()))
                .set_json(json!({"code": "976", "name": "Préfecture de Mayotte", "departement_name": "Mayotte"}))
        );
        assert_eq!(s, StatusCode::CREATED);
        // Moving it to Mayotte while nothing is booked: allowed, and both
        // départements' trails record it.
        let mut mayotte = saint_paul();
        mayotte["prefecture_code"] = json!("976");
        mayotte["time_zone"] = json!("Indian/Mayotte");
        mayotte["address"] = json!({"line": "Rue du Commerce", "postal_code": "97600", "city": "Mamoudzou", "commune_insee": "97611"});
        let (s, _, b) = call!(app, put(mayotte.clone()));
        assert_eq!(s, StatusCode::OK, "{b}");
        for dep in ["974", "976"] {
            let (_, _, trail) = call!(
                app,
                TestRequest::get()
                    .uri("/api/v1/admin/audit?entity=site")
                    .insert_header(("Authorization", token("admin_prefecture", &[dep])))
            );
            assert!(
                trail["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["action"] == "updated"),
                "{dep}: {trail}"
            );
        }
        // Book something there, then try to change its zone.
        let admin = token("admin_prefecture", &["976"]);
        let post = |uri: String, body: Value| {
            TestRequest::post()
                .uri(&uri)
                .insert_header(("Authorization", admin.clone()))
                .set_json(body)
        };
        let (_, _, service) = call!(
            app,
            post(
                format!("/api/v1/admin/sites/{site_id}/services"),
                json!({"name": "Accueil"})
            )
        );
        let (_, _, motif) = call!(
            app,
            post(
                format!(
                    "/api/v1/admin/services/{}/motifs",
                    service["id"].as_str().unwrap()
                ),
                json!({"demarche_code": "sejour-remise-titre"})
            )
        );
        let motif_id = motif["id"].as_str().unwrap().to_owned();
        let (_, _, guichet) = call!(
            app,
            post(
                format!("/api/v1/admin/sites/{site_id}/guichets"),
                json!({"name": "G1", "motif_ids": [motif_id]})
            )
        );
        let today = chrono::Utc::now().date_naive().to_string();
        let (s, _, _) = call!(
            app,
            post(
                format!(
                    "/api/v1/admin/guichets/{}/plages",
                    guichet["id"].as_str().unwrap()
                ),
                json!({"weekdays": ["monday"], "start": "08:00", "end": "10:00", "valid_from": today})
            )
        );
        assert_eq!(s, StatusCode::CREATED);
        let monday = next_open_monday("976");
        let (s, _, booked) = call!(
            app,
            TestRequest::post().uri("/api/v1/reservations").set_json(json!({
                "motif_id": motif_id, "start": format!("{monday}T08:00:00+03:00"),
                "applicant": {"last_name": "Ali", "first_names": "Said", "birth_date": "1985-05-05", "email": "s@example.yt", "phone": "+262639000000"}
            }))
        );
        assert_eq!(s, StatusCode::CREATED, "{booked}");
        // Back to La Réunion, on its clocks: a new département and zone
        // under a booked appointment.
        let (s, _, refused) = call!(app, put(saint_paul()));
        assert_eq!(s, StatusCode::CONFLICT, "{}: {refused}", db.backend());
        assert_eq!(refused["conflicts"], json!([booked["reference"]]));
        assert_eq!(
            db.store().get_site(&site_id).unwrap().time_zone,
            "Indian/Mayotte",
            "nothing written"
        );
        let mut renamed = mayotte;
        renamed["name"] = json!("Antenne de Mamoudzou");
        assert_eq!(
            call!(app, put(renamed)).0,
            StatusCode::OK,
            "other changes stay possible"
        );
    }
}

#[actix_web::test]
async fn booking_rules_bound_slots_and_cancellations() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let admin = token("admin_prefecture", &["974"]);
        let post = |uri: String, body: Value| {
            TestRequest::post()
                .uri(&uri)
                .insert_header(("Authorization", admin.clone()))
                .set_json(body)
        };
        let (_, _, site) = call!(app, post("/api/v1/admin/sites".into(), saint_paul()));
        let site_id = site["id"].as_str().unwrap().to_owned();
        let (_, _, service) = call!(
            app,
            post(
                format!("/api/v1/admin/sites/{site_id}/services"),
                json!({"name": "Accueil"})
            )
        );
        let motifs_uri = format!(
            "/api/v1/admin/services/{}/motifs",
            service["id"].as_str().unwrap()
        );
        let (s, _, b) = call!(
            app,
            post(
                motifs_uri.clone(),
                json!({"label": "Accueil", "duration_minutes": 30, "booking_window_days": 0, "min_notice_hours": 721})
            )
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = b["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert_eq!(fields, vec!["booking_window_days", "min_notice_hours"]);
        let (s, _, motif) = call!(
            app,
            post(
                motifs_uri,
                json!({"label": "Accueil", "duration_minutes": 30, "booking_window_days": 14, "min_notice_hours": 0, "cancellation_deadline_hours": 720})
            )
        );
        assert_eq!(s, StatusCode::CREATED, "{motif}");
        assert_eq!(
            (
                motif["booking_window_days"].as_i64(),
                motif["cancellation_deadline_hours"].as_i64()
            ),
            (Some(14), Some(720))
        );
        let motif_id = motif["id"].as_str().unwrap().to_owned();
        let (_, _, guichet) = call!(
            app,
            post(
                format!("/api/v1/admin/sites/{site_id}/guichets"),
                json!({"name": "G1", "motif_ids": [motif_id]})
            )
        );
        let week = [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ];
        let (s, _, _) = call!(
            app,
            post(
                format!(
                    "/api/v1/admin/guichets/{}/plages",
                    guichet["id"].as_str().unwrap()
                ),
                json!({"weekdays": week, "start": "00:00", "end": "23:30", "valid_from": "2020-01-01"})
            )
        );
        assert_eq!(s, StatusCode::CREATED);

        let today = chrono::Utc::now()
            .with_timezone(&chrono_tz::Indian::Reunion)
            .date_naive();
        let (_, _, slots) = call!(
            app,
            TestRequest::get().uri(&format!(
                "/api/v1/motifs/{motif_id}/slots?from={today}&to={}",
                today + chrono::Duration::days(30)
            ))
        );
        let days: std::collections::BTreeSet<String> = slots["slots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["start"].as_str().unwrap()[..10].to_owned())
            .collect();
        let last = days.iter().next_back().unwrap().clone();
        assert!(
            last <= (today + chrono::Duration::days(14)).to_string(),
            "{}: nothing beyond 14 days ({last})",
            db.backend()
        );
        assert!(
            !days
                .iter()
                .any(|d| *d > (today + chrono::Duration::days(14)).to_string())
        );

        // A slot in a few days can be booked, but not cancelled online: the
        // deadline is 30 days before.
        let start = slots["slots"][100]["start"].as_str().unwrap().to_owned();
        let (s, _, booked) = call!(
            app,
            TestRequest::post().uri("/api/v1/reservations").set_json(json!({
                "motif_id": motif_id, "start": start,
                "applicant": {"last_name": "Técher", "first_names": "Anne", "birth_date": "1960-02-02", "email": "a@example.re", "phone": "0692 44 55 66"}
            }))
        );
        assert_eq!(s, StatusCode::CREATED, "{booked}");
        let (s, _, refused) = call!(
            app,
            TestRequest::post()
                .uri(&format!(
                    "/api/v1/reservations/{}/cancel",
                    booked["reference"].as_str().unwrap()
                ))
                .insert_header((
                    "X-Management-Token",
                    booked["management_token"].as_str().unwrap()
                ))
        );
        assert_eq!(s, StatusCode::CONFLICT, "{refused}");
        assert_eq!(
            refused["type"],
            "urn:planipref:problem:cancellation-deadline-passed"
        );
    }
}

#[actix_web::test]
async fn every_administration_operation_refuses_requests_without_a_valid_token() {
    let db = TestDb::sqlite();
    let app = test::init_service(planipref_api::app(state(&db))).await;
    let spec = serde_json::to_value(planipref_api::openapi()).unwrap();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1/admin/") {
            continue;
        }
        // Any identifier will do: authentication comes before everything else.
        let uri = crate::common::concrete(path, "00000000-0000-4000-8000-000000000000");
        for method in item.as_object().unwrap().keys() {
            let method =
                actix_web::http::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            for auth in [None, Some("Bearer not-a-token".to_owned())] {
                let mut req = TestRequest::default()
                    .method(method.clone())
                    .uri(&uri)
                    .set_json(json!({}));
                if let Some(a) = &auth {
                    req = req.insert_header(("Authorization", a.clone()));
                }
                let (s, _, b) = call!(app, req);
                assert_eq!(
                    s,
                    StatusCode::UNAUTHORIZED,
                    "{method} {path} with {auth:?}: {b}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 18, "{checked} administration operations");
    assert_eq!(site_count(&db), 5, "nothing was written");
}

use crate::common::send;

fn etag(headers: &actix_web::http::header::HeaderMap) -> Option<&str> {
    headers.get("etag").and_then(|v| v.to_str().ok())
}

/// Every editable resource of the demo, as (what, GET path, PUT path, a
/// first change, a second change): the second, sent from the version the
/// first replaced, must be refused.
async fn editable<S, B>(
    app: &S,
    db: &TestDb,
    auth: &str,
) -> Vec<(&'static str, String, String, Value, Value)>
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let (motif, site) = crate::common::bobigny_motif(db.store(), "Renouvellement");
    let get = |uri: &str| {
        TestRequest::get()
            .uri(uri)
            .insert_header(("Authorization", auth.to_owned()))
    };
    let (_, _, org) = send(
        app,
        get(&format!("/api/v1/admin/sites/{site}/organisation")),
    )
    .await;
    let service = org["services"][0].clone();
    let guichet = org["guichets"][0].clone();
    let plage = org["guichets"][0]["plages"][0].clone();
    let (s, _, fermeture) = send(
        app,
        TestRequest::post()
            .uri(&format!("/api/v1/admin/sites/{site}/fermetures"))
            .insert_header(("Authorization", auth.to_owned()))
            .set_json(
                json!({"from_date": "2030-01-07", "to_date": "2030-01-07", "reason": "Inventaire"}),
            ),
    )
    .await;
    assert_eq!(
        (s, &fermeture["version"]),
        (StatusCode::CREATED, &json!(1)),
        "{fermeture}"
    );
    let (_, _, admin_site) = send(app, get(&format!("/api/v1/admin/sites/{site}"))).await;
    let site_body = |name: &str| {
        json!({
            "prefecture_code": admin_site["prefecture_code"], "kind": admin_site["kind"],
            "name": name, "address": admin_site["address"], "time_zone": admin_site["time_zone"],
            "competence": admin_site["competence"],
        })
    };
    let (_, _, demarche) = send(app, get("/api/v1/demarches/sejour-renouvellement")).await;
    let demarche_body = |label: &str| {
        json!({
            "label": label, "description": demarche["description"], "documents": demarche["documents"],
            "default_duration_minutes": demarche["default_duration_minutes"],
        })
    };
    let guichet_body = |name: &str| json!({"name": name, "motif_ids": guichet["motif_ids"], "active": true, "channel": guichet["channel"]});
    let plage_body = |end: &str| json!({"weekdays": plage["weekdays"], "start": plage["start"], "end": end, "valid_from": plage["valid_from"], "valid_until": plage["valid_until"], "motif_ids": plage["motif_ids"]});
    let fermeture_body = |reason: &str| json!({"from_date": "2030-01-07", "to_date": "2030-01-07", "reason": reason});
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    vec![
        (
            "prefecture",
            "/api/v1/admin/prefectures/93".into(),
            "/api/v1/admin/prefectures/93".into(),
            json!({"name": "Préfecture A", "departement_name": "Seine-Saint-Denis"}),
            json!({"name": "Préfecture B", "departement_name": "Seine-Saint-Denis"}),
        ),
        (
            "anti-capture",
            "/api/v1/admin/prefectures/93/anti-capture".into(),
            "/api/v1/admin/prefectures/93/anti-capture".into(),
            json!({"max_active_per_person": 4}),
            json!({"max_active_per_person": 5}),
        ),
        (
            "site",
            format!("/api/v1/admin/sites/{site}"),
            format!("/api/v1/admin/sites/{site}"),
            site_body("Préfecture — Bobigny A"),
            site_body("Préfecture — Bobigny B"),
        ),
        (
            "service",
            format!("/api/v1/admin/services/{}", id(&service)),
            format!("/api/v1/admin/services/{}", id(&service)),
            json!({"name": "Service A"}),
            json!({"name": "Service B"}),
        ),
        (
            "motif",
            format!("/api/v1/admin/motifs/{motif}"),
            format!("/api/v1/admin/motifs/{motif}"),
            json!({"instructions": "Porte A"}),
            json!({"instructions": "Porte B"}),
        ),
        (
            "guichet",
            format!("/api/v1/admin/guichets/{}", id(&guichet)),
            format!("/api/v1/admin/guichets/{}", id(&guichet)),
            guichet_body("Guichet A"),
            guichet_body("Guichet B"),
        ),
        (
            "plage",
            format!("/api/v1/admin/plages/{}", id(&plage)),
            format!("/api/v1/admin/plages/{}?on_conflict=flag", id(&plage)),
            plage_body(plage["end"].as_str().unwrap()),
            plage_body("23:55"),
        ),
        (
            "fermeture",
            format!("/api/v1/admin/fermetures/{}", id(&fermeture)),
            format!("/api/v1/admin/fermetures/{}", id(&fermeture)),
            fermeture_body("Inventaire A"),
            fermeture_body("Inventaire B"),
        ),
        (
            "démarche",
            "/api/v1/demarches/sejour-renouvellement".into(),
            "/api/v1/admin/demarches/sejour-renouvellement".into(),
            demarche_body("Renouvellement A"),
            demarche_body("Renouvellement B"),
        ),
        (
            "counter settings",
            "/api/v1/admin/prefectures/93/counter".into(),
            "/api/v1/admin/prefectures/93/counter".into(),
            json!({"no_show_after_minutes": 45, "walk_in_horizon_minutes": 60, "agent_daily_bookings": 100}),
            json!({"no_show_after_minutes": 20, "walk_in_horizon_minutes": 30, "agent_daily_bookings": 50}),
        ),
        (
            "site location",
            format!("/api/v1/admin/sites/{site}/location"),
            format!("/api/v1/admin/sites/{site}/location"),
            json!({"latitude": 48.9, "longitude": 2.44}),
            json!({"latitude": 48.95, "longitude": 2.45, "website": "https://www.seine-saint-denis.gouv.fr"}),
        ),
    ]
}

#[actix_web::test]
async fn every_change_names_the_version_it_was_made_from_and_a_stale_one_writes_nothing() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let auth = token("admin_national", &[]);
        for (what, read, change, first, second) in editable(&app, &db, &auth).await {
            let get = || {
                TestRequest::get()
                    .uri(&read)
                    .insert_header(("Authorization", auth.clone()))
            };
            let put = |body: &Value| {
                TestRequest::put()
                    .uri(&change)
                    .insert_header(("Authorization", auth.clone()))
                    .set_json(body)
            };
            let (s, h, before) = send(&app, get()).await;
            let version = before["version"]
                .as_i64()
                .unwrap_or_else(|| panic!("{what}: {before}"));
            assert_eq!(
                (s, etag(&h)),
                (StatusCode::OK, Some(format!("\"{version}\"").as_str())),
                "{what}"
            );

            // No version: 428, naming the header; nothing written.
            let (s, _, problem) = send(&app, put(&first)).await;
            assert_eq!(s, StatusCode::PRECONDITION_REQUIRED, "{what}: {problem}");
            assert_eq!(
                problem["type"],
                "urn:planipref:problem:precondition-required"
            );
            assert_eq!(problem["errors"][0]["field"], "If-Match", "{what}");
            // A version that is not one: 400, naming the header.
            for bad in ["*", "W/\"1\"", "\"one\"", "\"0\""] {
                let (s, _, problem) =
                    send(&app, put(&first).insert_header(("If-Match", bad))).await;
                assert_eq!(
                    (s, &problem["errors"][0]["field"]),
                    (StatusCode::BAD_REQUEST, &json!("If-Match")),
                    "{what} {bad}"
                );
            }
            assert_eq!(
                send(&app, get()).await.2,
                before,
                "{what}: refused changes wrote nothing"
            );

            // The version read: changed, one version up.
            let read_as = format!("\"{version}\"");
            let (s, h, changed) = send(
                &app,
                put(&first).insert_header(("If-Match", read_as.as_str())),
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{what}: {changed}");
            let next = format!("\"{}\"", version + 1);
            assert_eq!(etag(&h), Some(next.as_str()), "{what}");
            let (_, h, after) = send(&app, get()).await;
            assert_eq!(
                (after["version"].as_i64(), etag(&h)),
                (Some(version + 1), Some(next.as_str())),
                "{what}"
            );

            // Another change made from the version the first replaced: 409
            // `stale` naming the current version; nothing written.
            let (s, h, problem) = send(
                &app,
                put(&second).insert_header(("If-Match", read_as.as_str())),
            )
            .await;
            assert_eq!(s, StatusCode::CONFLICT, "{what}: {problem}");
            assert_eq!(problem["type"], "urn:planipref:problem:stale", "{what}");
            assert_eq!(problem["current_version"], version + 1, "{what}");
            assert_eq!(etag(&h), Some(next.as_str()), "{what}");
            assert_eq!(
                send(&app, get()).await.2,
                after,
                "{what}: the stale change wrote nothing"
            );
        }
    }
}

#[actix_web::test]
async fn every_put_of_the_document_refuses_a_change_without_its_version() {
    let spec = serde_json::to_value(planipref_api::openapi()).unwrap();
    let db = TestDb::sqlite();
    let app = test::init_service(planipref_api::app(state(&db))).await;
    let mut puts = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        let Some(op) = item.get("put") else { continue };
        puts += 1;
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        assert!(
            params
                .iter()
                .any(|p| p["name"] == "If-Match" && p["in"] == "header" && p["required"] == true),
            "PUT {path} does not document If-Match as required"
        );
        for code in ["409", "428"] {
            assert!(
                op["responses"][code].is_object(),
                "PUT {path} does not document {code}"
            );
        }
        let uri = crate::common::concrete(path, "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11");
        let (s, _, problem) = send(
            &app,
            TestRequest::put()
                .uri(&uri)
                .insert_header(("Authorization", token("admin_national", &[])))
                .set_json(json!({})),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::PRECONDITION_REQUIRED,
            "PUT {path}: {problem}"
        );
    }
    assert_eq!(puts, 15, "every administration PUT is walked");
}

#[actix_web::test]
async fn agents_racing_to_change_the_same_settings_from_one_version_change_them_once() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let admin = token("admin_prefecture", &["93"]);
        let attempts = (1..=8).map(|n| {
            send(
                &app,
                TestRequest::put()
                    .uri("/api/v1/admin/prefectures/93/anti-capture")
                    .insert_header(("Authorization", admin.clone()))
                    .insert_header(("If-Match", "\"1\""))
                    .set_json(json!({"max_active_per_person": n})),
            )
        });
        let answers = futures_util::future::join_all(attempts).await;
        let won: Vec<&Value> = answers
            .iter()
            .filter(|(s, _, _)| *s == StatusCode::OK)
            .map(|(_, _, b)| b)
            .collect();
        assert_eq!(won.len(), 1, "{}: {answers:?}", db.backend());
        for (s, _, b) in answers.iter().filter(|(s, _, _)| *s != StatusCode::OK) {
            assert_eq!(
                (*s, &b["type"]),
                (StatusCode::CONFLICT, &json!("urn:planipref:problem:stale")),
                "{b}"
            );
        }
        let (_, _, now) = send(
            &app,
            TestRequest::get()
                .uri("/api/v1/admin/prefectures/93/anti-capture")
                .insert_header(("Authorization", admin.clone())),
        )
        .await;
        assert_eq!(
            now["max_active_per_person"], won[0]["max_active_per_person"],
            "the winner's value stands"
        );
        assert_eq!(now["version"], 2);
        let trail = db
            .store()
            .list_audit(&planipref_store::AuditFilter::default(), 0, 100)
            .unwrap()
            .items;
        assert_eq!(
            trail
                .iter()
                .filter(|e| e.entity == "prefecture" && e.action == "updated")
                .count(),
            1,
            "one change, one entry"
        );
    }
}

#[actix_web::test]
async fn a_motif_changed_while_its_demarche_changes_never_writes_the_old_defaults_back() {
    for db in TestDb::each() {
        let _ = state(&db);
        let store = db.store();
        let (motif_id, _) = crate::common::bobigny_motif(store, "Renouvellement");
        // The motif's change is prepared as the API does: the motif and its
        // démarche read, the démarche's defaults resolved into the row…
        let (motif, _, _) = store.get_motif(&motif_id).unwrap();
        assert!(
            !motif.label_overridden,
            "the demo's motif follows its démarche's label"
        );
        let code = motif.demarche_code.clone().unwrap();
        let demarche = store.get_demarche(&code).unwrap();
        let prepared = planipref_store::models::MotifRow {
            instructions: "Porte C".into(),
            ..motif.clone()
        };
        // …while a national administrator changes the démarche's label.
        let audit = |entity| planipref_store::AuditEntry {
            actor: "agent:t".into(),
            departement: None,
            site_id: None,
            entity,
            entity_id: "x".into(),
            action: "updated",
            before: None,
            after: None,
            at: chrono::Utc::now(),
        };
        let renamed = planipref_store::models::DemarcheRow {
            label: "Renouvellement (nouveau libellé)".into(),
            ..demarche.clone()
        };
        store
            .update_demarche(&demarche, &renamed, &audit("demarche"))
            .unwrap();
        // The motif's change, made from what it read, is refused…
        let refused = store.update_motif(&prepared, Some(demarche.revision), &audit("motif"));
        assert!(
            matches!(refused, Err(planipref_store::StoreError::Stale)),
            "{}: {refused:?}",
            db.backend()
        );
        // …even if it had not named the démarche's version: the démarche's
        // change raised the motif's own.
        let refused = store.update_motif(&prepared, None, &audit("motif"));
        assert!(
            matches!(
                refused,
                Err(planipref_store::StoreError::Outdated { current: 2 })
            ),
            "{}: {refused:?}",
            db.backend()
        );
        let (now, _, _) = store.get_motif(&motif_id).unwrap();
        assert_eq!(
            (now.label.as_str(), now.instructions.as_str(), now.revision),
            (
                "Renouvellement (nouveau libellé)",
                motif.instructions.as_str(),
                2
            ),
            "the new default stands"
        );
    }
}
