//! What an administrator sets beyond the skeleton, on every configured
//! backend: a motif's documents, persons, instructions and booking mode; a
//! guichet's working period; a site's competence; new démarches of the
//! national catalogue. Each refusal names its field and writes nothing.

use crate::common::requests::{audit_count, slots_on};
use crate::common::{
    fields, get_as as get, id, next_open_monday, post, put, saint_paul, state, token,
};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use planipref_test_support::TestDb;
use serde_json::json;

/// Creates Saint-Paul with one service, one motif (`$motif` body) and one
/// guichet open on Mondays 08:00–10:00; evaluates to (site, motif, guichet).
macro_rules! saint_paul_counter {
    ($app:expr, $admin:expr, $motif:expr) => {{
        let (s, _, site) = call!($app, post("/api/v1/admin/sites", &$admin, saint_paul()));
        assert_eq!(s, StatusCode::CREATED, "{site}");
        let site = id(&site);
        let (_, _, service) = call!(
            $app,
            post(
                &format!("/api/v1/admin/sites/{site}/services"),
                &$admin,
                json!({"name": "Accueil"})
            )
        );
        let (s, _, motif) = call!(
            $app,
            post(
                &format!("/api/v1/admin/services/{}/motifs", id(&service)),
                &$admin,
                $motif
            )
        );
        assert_eq!(s, StatusCode::CREATED, "{motif}");
        let motif = id(&motif);
        let (_, _, guichet) = call!(
            $app,
            post(
                &format!("/api/v1/admin/sites/{site}/guichets"),
                &$admin,
                json!({"name": "G1", "motif_ids": [motif]})
            )
        );
        let guichet = id(&guichet);
        let today = chrono::Utc::now().date_naive().to_string();
        let (s, _, _) = call!(
            $app,
            post(
                &format!("/api/v1/admin/guichets/{guichet}/plages"),
                &$admin,
                json!({"weekdays": ["monday"], "start": "08:00", "end": "10:00", "valid_from": today})
            )
        );
        assert_eq!(s, StatusCode::CREATED);
        (site, motif, guichet)
    }};
}

fn booking(motif: &str, start: &str) -> TestRequest {
    TestRequest::post()
        .uri("/api/v1/reservations")
        .set_json(json!({
            "motif_id": motif, "start": start, "applicant": crate::common::someone()
        }))
}

#[actix_web::test]
async fn a_motif_carries_documents_persons_instructions_and_a_booking_mode() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let admin = token("admin_prefecture", &["974"]);
        let (site, motif, _) = saint_paul_counter!(
            app,
            admin,
            json!({"demarche_code": "sejour-renouvellement", "max_persons": 3, "duration_per_person": true, "instructions": "Porte B, 10 minutes avant."})
        );
        let uri = format!("/api/v1/admin/motifs/{motif}");
        let (_, _, org) = call!(
            app,
            get(&format!("/api/v1/admin/sites/{site}/organisation"), &admin)
        );
        let created = &org["services"][0]["motifs"][0];
        assert_eq!(created["max_persons"], 3);
        assert_eq!(created["duration_per_person"], true);
        assert_eq!(created["instructions"], "Porte B, 10 minutes avant.");
        assert_eq!(created["booking_mode"], "online");
        let documents = created["documents"].as_array().unwrap();
        assert!(
            documents.iter().any(|d| d == "Titre de séjour en cours"),
            "{}: documents follow the démarche: {created}",
            db.backend()
        );
        assert!(
            created["follows_demarche"]
                .as_array()
                .unwrap()
                .contains(&json!("documents"))
        );

        // Every invalid field is named at once, and nothing is written.
        let audits = audit_count(&db);
        let (s, _, b) = call!(
            app,
            put(
                &uri,
                &admin,
                json!({"max_persons": 11, "booking_mode": "guichet", "documents": ["Passeport", " "], "instructions": "a\u{0007}b"})
            )
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let mut named = fields(&b);
        named.sort();
        assert_eq!(
            named,
            vec![
                "booking_mode",
                "documents[1]",
                "instructions",
                "max_persons"
            ]
        );
        let (s, _, b) = call!(
            app,
            put(
                &uri,
                &admin,
                json!({"duration_minutes": 120, "max_persons": 5})
            )
        );
        assert_eq!(
            (s, fields(&b)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec!["max_persons".to_owned()]
            ),
            "5 persons × 120 minutes is more than a working day"
        );
        let (s, _, b) = call!(
            app,
            put(
                &uri,
                &admin,
                json!({"demarche_code": "sejour-remise-titre"})
            )
        );
        assert_eq!(
            (s, fields(&b)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec!["demarche_code".to_owned()]
            )
        );
        assert_eq!(audit_count(&db), audits, "refusals write nothing");

        // Own settings left out keep their value; documents sent override.
        let (s, _, changed) = call!(
            app,
            put(
                &uri,
                &admin,
                json!({"documents": ["Titre en cours", "Passeport"]})
            )
        );
        assert_eq!(s, StatusCode::OK, "{changed}");
        assert_eq!(changed["max_persons"], 3);
        assert_eq!(changed["instructions"], "Porte B, 10 minutes avant.");
        assert_eq!(changed["documents"], json!(["Titre en cours", "Passeport"]));
        assert!(
            !changed["follows_demarche"]
                .as_array()
                .unwrap()
                .contains(&json!("documents"))
        );
        let (s, _, public) = call!(
            app,
            TestRequest::get().uri(&format!("/api/v1/sites/{site}/motifs"))
        );
        assert_eq!(s, StatusCode::OK);
        assert_eq!(public["items"][0]["documents"], changed["documents"]);

        // Convocation-only: listed, but neither offered nor booked online.
        let monday = next_open_monday("974");
        let start = format!("{monday}T08:00:00+04:00");
        let (_, _, open) = call!(app, slots_on(&motif, monday));
        assert_eq!(open["slots"][0]["start"], start.as_str(), "{open}");
        let (s, _, changed) = call!(
            app,
            put(&uri, &admin, json!({"booking_mode": "convocation_only"}))
        );
        assert_eq!(
            (s, &changed["booking_mode"]),
            (StatusCode::OK, &json!("convocation_only"))
        );
        let (s, _, b) = call!(app, slots_on(&motif, monday));
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        assert_eq!(b["type"], "urn:planipref:problem:convocation-required");
        let (s, _, b) = call!(app, booking(&motif, &start));
        assert_eq!(
            (s, &b["type"]),
            (
                StatusCode::FORBIDDEN,
                &json!("urn:planipref:problem:convocation-required")
            )
        );
        let (_, _, public) = call!(
            app,
            TestRequest::get().uri(&format!("/api/v1/sites/{site}/motifs"))
        );
        assert_eq!(public["items"][0]["booking_mode"], "convocation_only");
        let (s, _, _) = call!(app, put(&uri, &admin, json!({"booking_mode": "online"})));
        assert_eq!(s, StatusCode::OK);
        let (s, _, booked) = call!(app, booking(&motif, &start));
        assert_eq!(s, StatusCode::CREATED, "{}: {booked}", db.backend());
    }
}

#[actix_web::test]
async fn a_guichet_takes_appointments_only_within_its_working_period() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let admin = token("admin_prefecture", &["974"]);
        let (_, motif, guichet) =
            saint_paul_counter!(app, admin, json!({"demarche_code": "sejour-remise-titre"}));
        let uri = format!("/api/v1/admin/guichets/{guichet}");
        let monday = next_open_monday("974");
        let next_monday = monday + chrono::Duration::days(7);
        let day = |d: chrono::NaiveDate| d.to_string();

        let audits = audit_count(&db);
        let (s, _, b) = call!(
            app,
            put(
                &uri,
                &admin,
                json!({"name": "G1", "motif_ids": [motif], "active": true, "active_from": day(next_monday), "active_until": day(monday)})
            )
        );
        assert_eq!(
            (s, fields(&b)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec!["active_until".to_owned()]
            )
        );
        let (s, _, b) = call!(
            app,
            put(
                &uri,
                &admin,
                json!({"name": "G1", "motif_ids": [motif], "active": true, "active_from": "2027-02-30"})
            )
        );
        assert_eq!(
            (s, fields(&b)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec!["active_from".to_owned()]
            )
        );
        assert_eq!(audit_count(&db), audits);

        // Starting a week later: nothing on the first Monday.
        let (s, _, changed) = call!(
            app,
            put(
                &uri,
                &admin,
                json!({"name": "G1", "motif_ids": [motif], "active": true, "active_from": day(next_monday)})
            )
        );
        assert_eq!(s, StatusCode::OK, "{changed}");
        assert_eq!(changed["guichet"]["active_from"], day(next_monday));
        let (_, _, first) = call!(app, slots_on(&motif, monday));
        assert_eq!(
            first["slots"],
            json!([]),
            "{}: before its period",
            db.backend()
        );
        let (_, _, second) = call!(app, slots_on(&motif, next_monday));
        assert_eq!(second["slots"].as_array().unwrap().len(), 8, "{second}");
        let (s, _, _) = call!(app, booking(&motif, &format!("{monday}T08:00:00+04:00")));
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "not a slot any more");

        // An appointment outside a narrowed period is never orphaned silently.
        let (s, _, booked) = call!(
            app,
            booking(&motif, &format!("{next_monday}T08:00:00+04:00"))
        );
        assert_eq!(s, StatusCode::CREATED, "{booked}");
        let reference = booked["reference"].as_str().unwrap().to_owned();
        let narrowed = json!({"name": "G1", "motif_ids": [motif], "active": true, "active_from": day(next_monday), "active_until": day(next_monday - chrono::Duration::days(1))});
        let (s, _, b) = call!(app, put(&uri, &admin, narrowed.clone()));
        assert_eq!(
            (s, fields(&b)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec!["active_until".to_owned()]
            )
        );
        let ends_before = json!({"name": "G1", "motif_ids": [motif], "active": true, "active_until": day(monday)});
        let (s, _, b) = call!(app, put(&uri, &admin, ends_before.clone()));
        assert_eq!(s, StatusCode::CONFLICT, "{b}");
        assert_eq!(b["conflicts"], json!([reference]));
        let (s, _, b) = call!(
            app,
            put(&format!("{uri}?on_conflict=flag"), &admin, ends_before)
        );
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["flagged_reservations"], json!([reference]));
        assert_eq!(b["guichet"]["active_until"], day(monday));
    }
}

#[actix_web::test]
async fn a_site_lists_the_territory_it_is_competent_for() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let admin = token("admin_prefecture", &["974"]);
        let mut body = saint_paul();
        body["competence"] =
            json!({"arrondissements": ["9742", "751"], "communes": ["97415", "97415", "9741"]});
        let audits = audit_count(&db);
        let (s, _, b) = call!(app, post("/api/v1/admin/sites", &admin, body.clone()));
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(
            fields(&b),
            vec![
                "competence.arrondissements[1]",
                "competence.communes[1]",
                "competence.communes[2]"
            ]
        );
        let mut unknown = body.clone();
        unknown["competence"]["cantons"] = json!([]);
        let (s, _, _) = call!(app, post("/api/v1/admin/sites", &admin, unknown));
        assert_eq!(s, StatusCode::BAD_REQUEST, "unknown fields are refused");
        assert_eq!(audit_count(&db), audits, "nothing written");

        body["competence"] = json!({"arrondissements": ["9742"], "communes": ["97401"]});
        let (s, _, created) = call!(app, post("/api/v1/admin/sites", &admin, body.clone()));
        assert_eq!(s, StatusCode::CREATED, "{created}");
        assert_eq!(created["competence"], body["competence"]);
        let uri = format!("/api/v1/admin/sites/{}", id(&created));
        let (s, _, read) = call!(app, get(&uri, &admin));
        assert_eq!(
            (s, &read["competence"]),
            (StatusCode::OK, &body["competence"])
        );

        body["competence"] = json!({"arrondissements": ["9744", "9742"]});
        let (s, _, updated) = call!(app, put(&uri, &admin, body.clone()));
        assert_eq!(s, StatusCode::OK, "{updated}");
        let (_, _, read) = call!(app, get(&uri, &admin));
        assert_eq!(
            read["competence"],
            json!({"arrondissements": ["9742", "9744"], "communes": []}),
            "{}: replaced, sorted",
            db.backend()
        );
        let (_, _, trail) = call!(app, get("/api/v1/admin/audit?entity=site", &admin));
        assert_eq!(
            trail["items"][0]["before"]["competence"]["communes"],
            json!(["97401"]),
            "{trail}"
        );
        let (s, _, _) = call!(app, get(&uri, &token("admin_prefecture", &["93"])));
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

#[actix_web::test]
async fn national_administrators_add_demarches_that_motifs_then_follow() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let national = token("admin_national", &[]);
        let duplicata = json!({
            "code": "sejour-duplicata",
            "label": "Duplicata de titre de séjour",
            "documents": ["Déclaration de perte ou de vol", "Passeport en cours de validité"],
            "default_duration_minutes": 20,
            "default_min_notice_hours": 48
        });
        let before = db.store().list_demarches().unwrap().len();
        let (s, _, _) = call!(
            app,
            TestRequest::post()
                .uri("/api/v1/admin/demarches")
                .set_json(&duplicata)
        );
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _, _) = call!(
            app,
            post(
                "/api/v1/admin/demarches",
                &token("admin_prefecture", &["974"]),
                duplicata.clone()
            )
        );
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, b) = call!(
            app,
            post(
                "/api/v1/admin/demarches",
                &national,
                json!({"code": "Séjour Duplicata", "label": "", "documents": [""], "default_duration_minutes": 7, "default_booking_window_days": 0})
            )
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(
            fields(&b),
            vec![
                "code",
                "label",
                "documents[0]",
                "default_duration_minutes",
                "default_booking_window_days"
            ]
        );
        let (s, _, b) = call!(
            app,
            post(
                "/api/v1/admin/demarches",
                &national,
                json!({"label": "Sans code", "default_duration_minutes": 20})
            )
        );
        assert_eq!(
            (s, fields(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["code".to_owned()])
        );
        assert_eq!(db.store().list_demarches().unwrap().len(), before);

        let (s, location, created) = call!(
            app,
            post("/api/v1/admin/demarches", &national, duplicata.clone())
        );
        assert_eq!(s, StatusCode::CREATED, "{}: {created}", db.backend());
        assert_eq!(
            location.as_deref(),
            Some("/api/v1/demarches/sejour-duplicata")
        );
        assert_eq!(created["default_min_notice_hours"], 48);
        assert_eq!(created["default_booking_window_days"], 90);
        let (s, _, _) = call!(app, post("/api/v1/admin/demarches", &national, duplicata));
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, _, public) = call!(
            app,
            TestRequest::get().uri("/api/v1/demarches/sejour-duplicata")
        );
        assert_eq!(
            (s, &public["documents"]),
            (StatusCode::OK, &created["documents"])
        );
        let (s, _, b) = call!(
            app,
            put(
                "/api/v1/admin/demarches/sejour-duplicata",
                &national,
                json!({"code": "autre-code", "label": "Duplicata", "default_duration_minutes": 20})
            )
        );
        assert_eq!(
            (s, fields(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["code".to_owned()])
        );

        // A préfecture creates a motif from it: documents and rules follow.
        let admin = token("admin_prefecture", &["974"]);
        let (_, motif, _) =
            saint_paul_counter!(app, admin, json!({"demarche_code": "sejour-duplicata"}));
        let (m, _, _) = db.store().get_motif(&motif).unwrap();
        assert_eq!(
            m.document_list(),
            vec![
                "Déclaration de perte ou de vol",
                "Passeport en cours de validité"
            ]
        );
        assert_eq!((m.duration_minutes, m.min_notice_hours), (20, 48));
        let (_, _, trail) = call!(app, get("/api/v1/admin/audit?entity=demarche", &national));
        assert_eq!(trail["items"][0]["entity_id"], "sejour-duplicata");
        assert_eq!(trail["items"][0]["action"], "created");
    }
}
