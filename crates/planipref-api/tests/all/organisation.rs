//! Reading and deleting a site's organisation piece by piece, on every
//! configured backend: out of scope → 403, in scope → the object; a
//! deletion is audited, and refused (409, nothing written) for anything an
//! appointment ever used or that still has dependants.

use crate::common::requests::audit_count;
use crate::common::{id, next_open_monday, saint_paul, state, token};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use planipref_test_support::TestDb;
use serde_json::{Value, json};

fn with(req: TestRequest, auth: &str) -> TestRequest {
    req.insert_header(("Authorization", auth.to_owned()))
}

#[actix_web::test]
async fn every_piece_of_a_site_is_listed_and_read_within_scope() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let admin = token("admin_prefecture", &["974"]);
        let (_, _, site) = call!(
            app,
            with(
                TestRequest::post()
                    .uri("/api/v1/admin/sites")
                    .set_json(saint_paul()),
                &admin
            )
        );
        let site = id(&site);
        let agent = token("agent", &[&site]);
        let outsider = token("admin_prefecture", &["93"]);
        let post =
            |uri: String, body: Value| with(TestRequest::post().uri(&uri).set_json(body), &admin);
        let (_, _, service) = call!(
            app,
            post(
                format!("/api/v1/admin/sites/{site}/services"),
                json!({"name": "Accueil"})
            )
        );
        let service = id(&service);
        let (_, _, motif) = call!(
            app,
            post(
                format!("/api/v1/admin/services/{service}/motifs"),
                json!({"demarche_code": "sejour-remise-titre"})
            )
        );
        let motif = id(&motif);
        let (_, _, guichet) = call!(
            app,
            post(
                format!("/api/v1/admin/sites/{site}/guichets"),
                json!({"name": "G1", "motif_ids": [motif]})
            )
        );
        let guichet = id(&guichet);
        let (_, _, plage) = call!(
            app,
            post(
                format!("/api/v1/admin/guichets/{guichet}/plages"),
                json!({"weekdays": ["monday"], "start": "08:00", "end": "10:00", "valid_from": "2026-01-05", "motif_ids": [motif]})
            )
        );
        let plage = id(&plage);
        let monday = next_open_monday("974");
        let (s, _, _) = call!(
            app,
            post(
                format!("/api/v1/admin/sites/{site}/fermetures"),
                json!({"from_date": monday.to_string(), "to_date": monday.to_string(), "reason": "Formation"})
            )
        );
        assert_eq!(s, StatusCode::CREATED);

        let lists = [
            (
                format!("/api/v1/admin/sites/{site}/services"),
                service.clone(),
            ),
            (
                format!("/api/v1/admin/services/{service}/motifs"),
                motif.clone(),
            ),
            (
                format!("/api/v1/admin/sites/{site}/guichets"),
                guichet.clone(),
            ),
            (
                format!("/api/v1/admin/guichets/{guichet}/plages"),
                plage.clone(),
            ),
        ];
        for (uri, only) in &lists {
            let (s, _, page) = call!(app, with(TestRequest::get().uri(uri), &agent));
            assert_eq!(s, StatusCode::OK, "{}: {uri}: {page}", db.backend());
            assert_eq!(
                (page["total"].as_i64(), &page["items"][0]["id"]),
                (Some(1), &json!(only))
            );
            assert_eq!(
                call!(app, with(TestRequest::get().uri(uri), &outsider)).0,
                StatusCode::FORBIDDEN,
                "{uri}"
            );
            let (s, _, b) = call!(
                app,
                with(TestRequest::get().uri(&format!("{uri}?per_page=0")), &agent)
            );
            assert_eq!(
                (s, &b["errors"][0]["field"]),
                (StatusCode::UNPROCESSABLE_ENTITY, &json!("per_page"))
            );
        }
        let (_, _, page) = call!(
            app,
            with(
                TestRequest::get().uri(&format!("/api/v1/admin/sites/{site}/fermetures")),
                &agent
            )
        );
        assert_eq!(page["items"][0]["reason"], "Formation");
        assert!(
            page["items"][0]["start"]
                .as_str()
                .unwrap()
                .ends_with("+04:00")
        );

        let reads = [
            (
                format!("/api/v1/admin/services/{service}"),
                "name",
                json!("Accueil"),
            ),
            (
                format!("/api/v1/admin/motifs/{motif}"),
                "duration_minutes",
                json!(15),
            ),
            (
                format!("/api/v1/admin/guichets/{guichet}"),
                "motif_ids",
                json!([motif]),
            ),
            (
                format!("/api/v1/admin/plages/{plage}"),
                "motif_ids",
                json!([motif]),
            ),
        ];
        for (uri, field, value) in &reads {
            let (s, _, read) = call!(app, with(TestRequest::get().uri(uri), &agent));
            assert_eq!((s, &read[field]), (StatusCode::OK, value), "{uri}");
            assert_eq!(
                call!(app, with(TestRequest::get().uri(uri), &outsider)).0,
                StatusCode::FORBIDDEN
            );
        }
        let (s, _, _) = call!(
            app,
            with(
                TestRequest::get().uri("/api/v1/admin/motifs/00000000-0000-4000-8000-000000000000"),
                &admin
            )
        );
        assert_eq!(s, StatusCode::NOT_FOUND);

        // Sites in scope: an agent sees its own, an administrator its département's.
        let (_, _, mine) = call!(
            app,
            with(TestRequest::get().uri("/api/v1/admin/sites"), &agent)
        );
        assert_eq!(
            (mine["total"].as_i64(), &mine["items"][0]["id"]),
            (Some(1), &json!(site))
        );
        let (_, _, reunion) = call!(
            app,
            with(TestRequest::get().uri("/api/v1/admin/sites"), &admin)
        );
        assert_eq!(reunion["total"], 3, "the demo's two sites and Saint-Paul");
        assert!(
            reunion["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["prefecture_code"] == "974")
        );

        // Renaming a service: validated, scoped, audited.
        let uri = format!("/api/v1/admin/services/{service}");
        let (s, _, b) = call!(
            app,
            with(
                TestRequest::put().uri(&uri).set_json(json!({"name": " "})),
                &admin
            )
        );
        assert_eq!(
            (s, &b["errors"][0]["field"]),
            (StatusCode::UNPROCESSABLE_ENTITY, &json!("name"))
        );
        let (s, _, _) = call!(
            app,
            with(
                TestRequest::put()
                    .uri(&uri)
                    .set_json(json!({"name": "Séjour"})),
                &agent
            )
        );
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "agents read, administrators write"
        );
        let (s, _, renamed) = call!(
            app,
            with(
                TestRequest::put()
                    .uri(&uri)
                    .set_json(json!({"name": "Séjour", "description": "Titres"})),
                &admin
            )
        );
        assert_eq!((s, &renamed["name"]), (StatusCode::OK, &json!("Séjour")));
    }
}

#[actix_web::test]
async fn deletions_never_take_an_appointment_history_with_them() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let admin = token("admin_prefecture", &["974"]);
        let post =
            |uri: String, body: Value| with(TestRequest::post().uri(&uri).set_json(body), &admin);
        let delete = |uri: String, auth: &str| with(TestRequest::delete().uri(&uri), auth);
        let (_, _, site) = call!(app, post("/api/v1/admin/sites".into(), saint_paul()));
        let site = id(&site);
        let (_, _, service) = call!(
            app,
            post(
                format!("/api/v1/admin/sites/{site}/services"),
                json!({"name": "Accueil"})
            )
        );
        let service = id(&service);
        let motif_of = |code: &str| {
            post(
                format!("/api/v1/admin/services/{service}/motifs"),
                json!({"demarche_code": code}),
            )
        };
        let (_, _, booked) = call!(app, motif_of("sejour-remise-titre"));
        let (_, _, spare) = call!(app, motif_of("sejour-renouvellement"));
        let (booked, spare) = (id(&booked), id(&spare));
        let (_, _, g1) = call!(
            app,
            post(
                format!("/api/v1/admin/sites/{site}/guichets"),
                json!({"name": "G1", "motif_ids": [booked, spare]})
            )
        );
        let (_, _, g2) = call!(
            app,
            post(
                format!("/api/v1/admin/sites/{site}/guichets"),
                json!({"name": "G2", "motif_ids": [spare]})
            )
        );
        let (g1, g2) = (id(&g1), id(&g2));
        let today = chrono::Utc::now().date_naive().to_string();
        let (s, _, _) = call!(
            app,
            post(
                format!("/api/v1/admin/guichets/{g1}/plages"),
                json!({"weekdays": ["monday"], "start": "08:00", "end": "10:00", "valid_from": today})
            )
        );
        assert_eq!(s, StatusCode::CREATED);
        let monday = next_open_monday("974");
        let (s, _, reservation) = call!(
            app,
            TestRequest::post().uri("/api/v1/reservations").set_json(json!({
                "motif_id": booked, "start": format!("{monday}T08:00:00+04:00"),
                "applicant": {"last_name": "Payet", "first_names": "Jean", "birth_date": "1980-01-02", "email": "j@example.re", "phone": "0692 12 34 56"}
            }))
        );
        assert_eq!(s, StatusCode::CREATED, "{reservation}");

        let audits = audit_count(&db);
        for (uri, why) in [
            (format!("/api/v1/admin/sites/{site}"), "booked at the site"),
            (
                format!("/api/v1/admin/motifs/{booked}"),
                "booked for the motif",
            ),
            (
                format!("/api/v1/admin/guichets/{g1}"),
                "booked at the guichet",
            ),
            (
                format!("/api/v1/admin/services/{service}"),
                "the service has motifs",
            ),
        ] {
            let (s, _, b) = call!(app, delete(uri.clone(), &admin));
            assert_eq!(
                s,
                StatusCode::CONFLICT,
                "{}: {uri} ({why}): {b}",
                db.backend()
            );
            assert_eq!(b["type"], "urn:planipref:problem:conflict");
        }
        assert_eq!(
            call!(
                app,
                delete(
                    format!("/api/v1/admin/guichets/{g2}"),
                    &token("admin_prefecture", &["93"])
                )
            )
            .0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            call!(
                app,
                delete(
                    format!("/api/v1/admin/guichets/{g2}"),
                    &token("agent", &[&site])
                )
            )
            .0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(audit_count(&db), audits, "refusals write nothing");
        let reference = planipref_domain::reference::Reference::parse(
            reservation["reference"].as_str().unwrap(),
        )
        .unwrap();
        let kept = db.store().find_reservation(&reference).unwrap();
        assert_eq!(
            kept.reservation.status, "booked",
            "the appointment is untouched"
        );

        // What no appointment used goes, and the trail says so.
        let (s, _, _) = call!(app, delete(format!("/api/v1/admin/guichets/{g2}"), &admin));
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, _, _) = call!(app, delete(format!("/api/v1/admin/guichets/{g2}"), &admin));
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _, _) = call!(app, delete(format!("/api/v1/admin/motifs/{spare}"), &admin));
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (_, _, g1_now) = call!(
            app,
            with(
                TestRequest::get().uri(&format!("/api/v1/admin/guichets/{g1}")),
                &admin
            )
        );
        assert_eq!(
            g1_now["motif_ids"],
            json!([booked]),
            "no longer served anywhere"
        );
        let (_, _, trail) = call!(
            app,
            with(TestRequest::get().uri("/api/v1/admin/audit"), &admin)
        );
        let deleted: Vec<(&str, &str)> = trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "deleted")
            .map(|e| {
                (
                    e["entity"].as_str().unwrap(),
                    e["entity_id"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            deleted,
            vec![("motif", spare.as_str()), ("guichet", g2.as_str())]
        );

        // A closure is deleted and its slots come back.
        let (_, _, closure) = call!(
            app,
            post(
                format!("/api/v1/admin/sites/{site}/fermetures"),
                json!({"from_date": (monday + chrono::Duration::days(7)).to_string(), "to_date": (monday + chrono::Duration::days(7)).to_string(), "reason": "Formation"})
            )
        );
        let next = monday + chrono::Duration::days(7);
        let slots = format!("/api/v1/motifs/{booked}/slots?from={next}&to={next}");
        let (_, _, closed) = call!(app, TestRequest::get().uri(&slots));
        assert_eq!(closed["slots"], json!([]));
        // Widening it over the booked Monday: refused, then flagged.
        let closure_uri = format!("/api/v1/admin/fermetures/{}", id(&closure));
        let wider = json!({"from_date": monday.to_string(), "to_date": next.to_string(), "reason": "Travaux"});
        let put = |uri: String| with(TestRequest::put().uri(&uri).set_json(&wider), &admin);
        let audits = audit_count(&db);
        let (s, _, b) = call!(app, put(closure_uri.clone()));
        assert_eq!(s, StatusCode::CONFLICT, "{b}");
        assert_eq!(b["conflicts"], json!([reservation["reference"]]));
        assert_eq!(audit_count(&db), audits, "refused whole");
        let (s, _, b) = call!(app, put(format!("{closure_uri}?on_conflict=flag")));
        assert_eq!(s, StatusCode::OK, "{}: {b}", db.backend());
        assert_eq!(b["flagged_reservations"], json!([reservation["reference"]]));
        assert_eq!(
            (&b["id"], &b["reason"]),
            (&closure["id"], &json!("Travaux"))
        );
        let (s, _, _) = call!(
            app,
            with(
                TestRequest::put()
                    .uri("/api/v1/admin/fermetures/00000000-0000-4000-8000-000000000000")
                    .set_json(&wider),
                &admin
            )
        );
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _, _) = call!(
            app,
            delete(format!("/api/v1/admin/fermetures/{}", id(&closure)), &admin)
        );
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (_, _, open) = call!(app, TestRequest::get().uri(&slots));
        assert!(!open["slots"].as_array().unwrap().is_empty(), "{open}");

        // A site never booked goes whole, with its organisation.
        let mut other = saint_paul();
        other["name"] = json!("Antenne de Saint-Leu");
        let (_, _, other) = call!(app, post("/api/v1/admin/sites".into(), other));
        let other = id(&other);
        let (_, _, s2) = call!(
            app,
            post(
                format!("/api/v1/admin/sites/{other}/services"),
                json!({"name": "Accueil"})
            )
        );
        let (_, _, m2) = call!(
            app,
            post(
                format!("/api/v1/admin/services/{}/motifs", id(&s2)),
                json!({"demarche_code": "sejour-remise-titre"})
            )
        );
        let (_, _, _) = call!(
            app,
            post(
                format!("/api/v1/admin/sites/{other}/guichets"),
                json!({"name": "G1", "motif_ids": [id(&m2)]})
            )
        );
        let (s, _, _) = call!(app, delete(format!("/api/v1/admin/sites/{other}"), &admin));
        assert_eq!(s, StatusCode::NO_CONTENT, "{}", db.backend());
        let (s, _, _) = call!(
            app,
            TestRequest::get().uri(&format!("/api/v1/sites/{other}"))
        );
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}

#[actix_web::test]
async fn national_administrators_rename_and_delete_prefectures() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let national = token("admin_national", &[]);
        let (s, _, _) = call!(
            app,
            with(
                TestRequest::post().uri("/api/v1/admin/prefectures").set_json(json!({"code": "2A", "name": "Préfecture de Corse-du-Sud", "departement_name": "Corse-du-Sud"})),
                &national
            )
        );
        assert_eq!(s, StatusCode::CREATED);
        let (s, _, read) = call!(
            app,
            with(
                TestRequest::get().uri("/api/v1/admin/prefectures/2a"),
                &token("admin_prefecture", &["2A"])
            )
        );
        assert_eq!((s, &read["code"]), (StatusCode::OK, &json!("2A")));
        assert_eq!(
            call!(
                app,
                with(
                    TestRequest::get().uri("/api/v1/admin/prefectures/2A"),
                    &token("admin_prefecture", &["93"])
                )
            )
            .0,
            StatusCode::FORBIDDEN
        );
        let rename =
            json!({"name": "Préfecture de la Corse-du-Sud", "departement_name": "Corse-du-Sud"});
        assert_eq!(
            call!(
                app,
                with(
                    TestRequest::put()
                        .uri("/api/v1/admin/prefectures/2A")
                        .set_json(&rename),
                    &token("admin_prefecture", &["2A"])
                )
            )
            .0,
            StatusCode::FORBIDDEN
        );
        let (s, _, b) = call!(
            app,
            with(
                TestRequest::put()
                    .uri("/api/v1/admin/prefectures/2A")
                    .set_json(json!({"name": "", "departement_name": "Corse-du-Sud"})),
                &national
            )
        );
        assert_eq!(
            (s, &b["errors"][0]["field"]),
            (StatusCode::UNPROCESSABLE_ENTITY, &json!("name"))
        );
        let (s, _, renamed) = call!(
            app,
            with(
                TestRequest::put()
                    .uri("/api/v1/admin/prefectures/2A")
                    .set_json(&rename),
                &national
            )
        );
        assert_eq!((s, &renamed["name"]), (StatusCode::OK, &rename["name"]));
        let (s, _, b) = call!(
            app,
            with(
                TestRequest::delete().uri("/api/v1/admin/prefectures/93"),
                &national
            )
        );
        assert_eq!(s, StatusCode::CONFLICT, "93 has sites: {b}");
        let (s, _, _) = call!(
            app,
            with(
                TestRequest::delete().uri("/api/v1/admin/prefectures/2A"),
                &national
            )
        );
        assert_eq!(s, StatusCode::NO_CONTENT, "{}", db.backend());
        let (s, _, _) = call!(
            app,
            with(
                TestRequest::get().uri("/api/v1/admin/prefectures/2A"),
                &national
            )
        );
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _, _) = call!(
            app,
            with(
                TestRequest::delete().uri("/api/v1/admin/prefectures/nope"),
                &national
            )
        );
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}
