//! The router's questions, on every configured backend: which site is
//! competent for a commune (by arrondissement, by declared competence, in
//! Paris, overseas, in Mayotte), and when is the first free slot.

use crate::common::{fields, id, post, put, state, token};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use planipref_test_support::TestDb;
use serde_json::{Value, json};

fn get(uri: &str) -> TestRequest {
    TestRequest::get().uri(uri)
}

/// The demo, with the communes loaded as `planipref migrate` does.
fn oriented_state(db: &TestDb) -> planipref_api::AppState {
    let state = state(db);
    db.store().sync_communes().expect("communes");
    state
}

fn orientation(demarche: &str, commune: &str) -> TestRequest {
    get(&format!(
        "/api/v1/orientation?demarche={demarche}&commune={commune}"
    ))
}

fn name(offer: &Value) -> &str {
    offer["site"]["name"].as_str().unwrap_or("")
}

/// Creates préfecture `code` with one site at `commune` (a préfecture),
/// one motif of `sejour-renouvellement`, and one guichet open every day
/// 08:00–12:00 from today; evaluates to the site id.
macro_rules! prefecture_with_counter {
    ($app:expr, $code:expr, $commune:expr, $postal:expr, $city:expr, $zone:expr) => {{
        let national = token("admin_national", &[]);
        let (s, _, b) = call!(
            $app,
            post(
                "/api/v1/admin/prefectures",
                &national,
                json!({"code": $code, "name": format!("Préfecture {}", $code), "departement_name": $city})
            )
        );
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let admin = token("admin_prefecture", &[$code]);
        let (s, _, site) = call!(
            $app,
            post(
                "/api/v1/admin/sites",
                &admin,
                json!({"prefecture_code": $code, "kind": "prefecture", "name": format!("Préfecture — {}", $city),
                       "address": {"line": "1 rue de la Préfecture", "postal_code": $postal, "city": $city, "commune_insee": $commune},
                       "time_zone": $zone})
            )
        );
        assert_eq!(s, StatusCode::CREATED, "{site}");
        let site = id(&site);
        let (_, _, service) = call!(
            $app,
            post(&format!("/api/v1/admin/sites/{site}/services"), &admin, json!({"name": "Séjour"}))
        );
        let (s, _, motif) = call!(
            $app,
            post(
                &format!("/api/v1/admin/services/{}/motifs", id(&service)),
                &admin,
                json!({"demarche_code": "sejour-renouvellement", "min_notice_hours": 0, "cancellation_deadline_hours": 0})
            )
        );
        assert_eq!(s, StatusCode::CREATED, "{motif}");
        let (_, _, guichet) = call!(
            $app,
            post(
                &format!("/api/v1/admin/sites/{site}/guichets"),
                &admin,
                json!({"name": "G1", "motif_ids": [id(&motif)]})
            )
        );
        let today = chrono::Utc::now().date_naive().to_string();
        let (s, _, b) = call!(
            $app,
            post(
                &format!("/api/v1/admin/guichets/{}/plages", id(&guichet)),
                &admin,
                json!({"weekdays": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
                       "start": "08:00", "end": "12:00", "valid_from": today})
            )
        );
        assert_eq!(s, StatusCode::CREATED, "{b}");
        site
    }};
}

#[actix_web::test]
async fn a_commune_goes_to_the_sous_prefecture_of_its_arrondissement() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(oriented_state(&db))).await;
        // Aubervilliers (93001) is in the arrondissement of Saint-Denis (933).
        let (s, _, b) = call!(app, orientation("sejour-renouvellement", "93001"));
        assert_eq!(s, StatusCode::OK, "{}: {b}", db.backend());
        assert_eq!(b["commune"]["name"], "Aubervilliers");
        assert_eq!(b["commune"]["arrondissement"], "933");
        assert_eq!(b["reason"], "sous_prefecture");
        let competent = &b["competent"];
        assert_eq!(name(competent), "Sous-préfecture de Saint-Denis");
        assert_eq!(competent["site"]["address"]["commune_insee"], "93066");
        assert_eq!(competent["motif"]["demarche_code"], "sejour-renouvellement");
        assert!(
            !competent["motif"]["documents"]
                .as_array()
                .unwrap()
                .is_empty(),
            "documents to bring: {competent}"
        );
        let first = competent["first_slot"]["start"].as_str().expect("a slot");
        assert!(competent["searched_until"].is_string());
        // The other sites offering it, earliest first.
        let others: Vec<&str> = b["other_sites"]
            .as_array()
            .unwrap()
            .iter()
            .map(name)
            .collect();
        let mut expected = vec![
            "Préfecture de la Seine-Saint-Denis — Bobigny",
            "Sous-préfecture du Raincy",
        ];
        expected.sort();
        let mut sorted = others.clone();
        sorted.sort();
        assert_eq!(sorted, expected);
        let starts: Vec<chrono::DateTime<chrono::FixedOffset>> = b["other_sites"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["first_slot"]["start"].as_str().unwrap().parse().unwrap())
            .collect();
        assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{starts:?}");

        // The competent site's first slot is its first-slot answer, and the
        // first free slot of its slot list.
        let site = competent["site"]["id"].as_str().unwrap();
        let (s, _, f) = call!(
            app,
            get(&format!(
                "/api/v1/sites/{site}/first-slot?demarche=sejour-renouvellement"
            ))
        );
        assert_eq!(s, StatusCode::OK, "{f}");
        assert_eq!(f["slot"]["start"], first);
        assert_eq!(f["motif_id"], competent["motif"]["id"]);
        let from = &first[..10];
        let (_, _, list) = call!(
            app,
            get(&format!(
                "/api/v1/motifs/{}/slots?from={}&to={from}",
                competent["motif"]["id"].as_str().unwrap(),
                f["searched_from"].as_str().unwrap()
            ))
        );
        assert_eq!(list["slots"][0]["start"], first, "{list}");
    }
}

#[actix_web::test]
async fn without_its_sous_prefecture_offering_the_demarche_a_commune_goes_to_the_prefecture() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(oriented_state(&db))).await;
        // Saint-Denis's sous-préfecture does not take first applications.
        let (s, _, b) = call!(app, orientation("sejour-premiere-demande", "93001"));
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["reason"], "prefecture");
        assert_eq!(
            name(&b["competent"]),
            "Préfecture de la Seine-Saint-Denis — Bobigny"
        );
        assert_eq!(b["other_sites"], json!([]));
        // Saint-Benoît (97410, arrondissement 9743) has no sous-préfecture
        // in the demo: La Réunion's préfecture receives it, in its zone.
        let (s, _, b) = call!(app, orientation("sejour-renouvellement", "97410"));
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["reason"], "prefecture");
        assert_eq!(
            name(&b["competent"]),
            "Préfecture de La Réunion — Saint-Denis"
        );
        let start = b["competent"]["first_slot"]["start"].as_str().unwrap();
        assert!(start.ends_with("+04:00"), "{start}");
        // Saint-Pierre (97416) has its own sous-préfecture, which hands
        // permits over.
        let (_, _, b) = call!(app, orientation("sejour-remise-titre", "97416"));
        assert_eq!(b["reason"], "sous_prefecture", "{b}");
        assert_eq!(name(&b["competent"]), "Sous-préfecture de Saint-Pierre");
        assert_eq!(
            name(&b["other_sites"][0]),
            "Préfecture de La Réunion — Saint-Denis"
        );
    }
}

#[actix_web::test]
async fn paris_and_mayotte_go_to_their_prefecture() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(oriented_state(&db))).await;
        let paris = prefecture_with_counter!(app, "75", "75056", "75004", "Paris", "Europe/Paris");
        let mayotte =
            prefecture_with_counter!(app, "976", "97611", "97600", "Mamoudzou", "Indian/Mayotte");
        // Paris has one arrondissement and no sous-préfecture; a municipal
        // arrondissement belongs to Paris.
        for commune in ["75056", "75112"] {
            let (s, _, b) = call!(app, orientation("sejour-renouvellement", commune));
            assert_eq!(s, StatusCode::OK, "{commune}: {b}");
            assert_eq!(b["reason"], "prefecture");
            assert_eq!(b["competent"]["site"]["id"], paris.as_str());
            assert_eq!(b["commune"]["arrondissement"], "751");
        }
        // Dzaoudzi (97608): Mayotte has no arrondissement.
        let (s, _, b) = call!(app, orientation("sejour-renouvellement", "97608"));
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["commune"]["arrondissement"], Value::Null);
        assert_eq!(b["reason"], "prefecture");
        assert_eq!(b["competent"]["site"]["id"], mayotte.as_str());
        let start = b["competent"]["first_slot"]["start"].as_str().unwrap();
        assert!(start.ends_with("+03:00"), "Mayotte is UTC+3: {start}");
        // A démarche Mayotte does not offer: nobody is competent.
        let (s, _, b) = call!(app, orientation("sejour-premiere-demande", "97608"));
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["competent"], Value::Null);
        assert_eq!(b["reason"], Value::Null);
        assert_eq!(b["other_sites"], json!([]));
    }
}

#[actix_web::test]
async fn a_competence_declared_by_the_prefecture_wins() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(oriented_state(&db))).await;
        let admin = token("admin_prefecture", &["93"]);
        let (_, _, sites) = call!(app, get("/api/v1/sites?prefecture=93"));
        let site_named = |n: &str| {
            sites["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["name"] == n)
                .map(id)
                .unwrap()
        };
        let raincy = site_named("Sous-préfecture du Raincy");
        let bobigny = site_named("Préfecture de la Seine-Saint-Denis — Bobigny");
        for (site, competence) in [
            (&raincy, json!({"communes": ["93001"]})),
            (&bobigny, json!({"arrondissements": ["933"]})),
        ] {
            let uri = format!("/api/v1/admin/sites/{site}");
            let (_, _, mut body) = call!(
                app,
                TestRequest::get()
                    .uri(&uri)
                    .insert_header(("Authorization", admin.clone()))
            );
            let body = body.as_object_mut().unwrap();
            body.remove("id");
            body.remove("version");
            body["address"]
                .as_object_mut()
                .unwrap()
                .remove("commune_name");
            body.insert("competence".into(), competence);
            let (s, _, b) = call!(app, put(&uri, &admin, Value::Object(body.clone())));
            assert_eq!(s, StatusCode::OK, "{b}");
        }
        // Aubervilliers is named for Le Raincy; the rest of 933 goes to
        // Bobigny, declared for the arrondissement.
        let (_, _, b) = call!(app, orientation("sejour-renouvellement", "93001"));
        assert_eq!(b["reason"], "competence_commune", "{b}");
        assert_eq!(name(&b["competent"]), "Sous-préfecture du Raincy");
        let (_, _, b) = call!(app, orientation("sejour-renouvellement", "93066"));
        assert_eq!(b["reason"], "competence_arrondissement", "{b}");
        assert_eq!(
            name(&b["competent"]),
            "Préfecture de la Seine-Saint-Denis — Bobigny"
        );
        // Aulnay-sous-Bois (932) keeps the default.
        let (_, _, b) = call!(app, orientation("sejour-renouvellement", "93005"));
        assert_eq!(b["reason"], "sous_prefecture", "{b}");
        assert_eq!(name(&b["competent"]), "Sous-préfecture du Raincy");
    }
}

#[actix_web::test]
async fn unknown_or_malformed_questions_are_refused_clearly() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(oriented_state(&db))).await;
        let (s, _, b) = call!(app, orientation("sejour-renouvellement", "99999"));
        assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
        assert!(b["detail"].as_str().unwrap().contains("commune"), "{b}");
        let (s, _, b) = call!(app, orientation("permis-de-chasse", "93001"));
        assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
        assert!(b["detail"].as_str().unwrap().contains("démarche"), "{b}");
        for bad in ["9300", "930011", "2C004", "93%2001"] {
            let (s, _, b) = call!(app, orientation("sejour-renouvellement", bad));
            assert_eq!(
                (s, fields(&b)),
                (StatusCode::UNPROCESSABLE_ENTITY, vec!["commune".to_owned()]),
                "{bad}: {b}"
            );
        }
        let (s, _, b) = call!(
            app,
            get("/api/v1/orientation?commune=93001&demarche=sejour-renouvellement&persons=11")
        );
        assert_eq!(
            (s, fields(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["persons".to_owned()])
        );
        let (s, _, b) = call!(app, get("/api/v1/orientation?commune=93001"));
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
        assert_eq!(
            b["type"]
                .as_str()
                .map(|t| t.starts_with("urn:planipref:problem:")),
            Some(true)
        );
    }
}

#[actix_web::test]
async fn the_first_slot_names_its_motif_and_follows_bookings() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(oriented_state(&db))).await;
        let prefecture = prefecture_with_counter!(
            app,
            "971",
            "97105",
            "97100",
            "Basse-Terre",
            "America/Guadeloupe"
        );
        let uri = format!("/api/v1/sites/{prefecture}/first-slot?demarche=sejour-renouvellement");
        let (s, _, first) = call!(app, get(&uri));
        assert_eq!(s, StatusCode::OK, "{first}");
        assert_eq!(first["time_zone"], "America/Guadeloupe");
        let start = first["slot"]["start"].as_str().unwrap().to_owned();
        assert!(start.ends_with("-04:00"), "{start}");
        assert_eq!(first["slot"]["remaining"], 1);
        let motif = first["motif_id"].as_str().unwrap().to_owned();
        // By motif, the same answer.
        let (_, _, by_motif) = call!(
            app,
            get(&format!(
                "/api/v1/sites/{prefecture}/first-slot?motif_id={motif}"
            ))
        );
        assert_eq!(by_motif["slot"], first["slot"]);
        // Once booked, the first slot is the next one.
        let (s, _, b) = call!(
            app,
            TestRequest::post().uri("/api/v1/reservations").set_json(json!({
                "motif_id": motif, "start": start,
                "applicant": {"last_name": "Jean-Baptiste", "first_names": "Rose", "birth_date": "1980-05-17", "email": "r@example.gp", "phone": "0690 00 00 00"}
            }))
        );
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let (_, _, next) = call!(app, get(&uri));
        let next_start: chrono::DateTime<chrono::FixedOffset> =
            next["slot"]["start"].as_str().unwrap().parse().unwrap();
        let booked: chrono::DateTime<chrono::FixedOffset> = start.parse().unwrap();
        assert!(next_start > booked, "{next}");

        // Convocation-only: 403 here, shown without a slot by orientation.
        let (s, _, b) = call!(
            app,
            put(
                &format!("/api/v1/admin/motifs/{motif}"),
                &token("admin_prefecture", &["971"]),
                json!({"booking_mode": "convocation_only"})
            )
        );
        assert_eq!(s, StatusCode::OK, "{b}");
        let (s, _, b) = call!(app, get(&uri));
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        let (s, _, b) = call!(app, orientation("sejour-renouvellement", "97105"));
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["competent"]["motif"]["booking_mode"], "convocation_only");
        assert_eq!(b["competent"]["first_slot"], Value::Null);

        // Malformed and unknown questions.
        let base = format!("/api/v1/sites/{prefecture}/first-slot");
        for (query, status, field) in [
            ("", StatusCode::UNPROCESSABLE_ENTITY, Some("motif_id")),
            (
                "?motif_id=x&demarche=sejour-renouvellement",
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("motif_id"),
            ),
            ("?demarche=sejour-remise-titre", StatusCode::NOT_FOUND, None),
            ("?motif_id=nope", StatusCode::NOT_FOUND, None),
            ("?demarche=x&colour=blue", StatusCode::BAD_REQUEST, None),
        ] {
            let (s, _, b) = call!(app, get(&format!("{base}{query}")));
            assert_eq!(s, status, "{query}: {b}");
            if let Some(field) = field {
                assert_eq!(fields(&b), vec![field.to_owned()], "{query}");
            }
        }
        let (s, _, _) = call!(
            app,
            get(
                "/api/v1/sites/00000000-0000-4000-8000-000000000000/first-slot?demarche=sejour-renouvellement"
            )
        );
        assert_eq!(s, StatusCode::NOT_FOUND);
        // Another préfecture's motif is not this site's.
        let (_, _, demo) = call!(app, get("/api/v1/sites?prefecture=974"));
        let reunion = id(&demo["items"][0]);
        let (s, _, b) = call!(
            app,
            get(&format!(
                "/api/v1/sites/{reunion}/first-slot?motif_id={motif}"
            ))
        );
        assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
    }
}

#[actix_web::test]
async fn groups_and_steps_shape_the_slots() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(oriented_state(&db))).await;
        let site = prefecture_with_counter!(
            app,
            "972",
            "97209",
            "97200",
            "Fort-de-France",
            "America/Martinique"
        );
        let admin = token("admin_prefecture", &["972"]);
        let (_, _, first) = call!(
            app,
            get(&format!(
                "/api/v1/sites/{site}/first-slot?demarche=sejour-renouvellement"
            ))
        );
        let motif = first["motif_id"].as_str().unwrap().to_owned();
        let day = chrono::Utc::now().date_naive() + chrono::Duration::days(3);
        let slots = |persons: u32| {
            get(&format!(
                "/api/v1/motifs/{motif}/slots?from={day}&to={day}&persons={persons}"
            ))
        };
        // One person by default; the motif takes one.
        let (s, _, single) = call!(app, slots(1));
        assert_eq!(s, StatusCode::OK, "{single}");
        let duration = {
            let s = &single["slots"][0];
            let start: chrono::DateTime<chrono::FixedOffset> =
                s["start"].as_str().unwrap().parse().unwrap();
            let end: chrono::DateTime<chrono::FixedOffset> =
                s["end"].as_str().unwrap().parse().unwrap();
            (end - start).num_minutes()
        };
        let count = single["slots"].as_array().unwrap().len() as i64;
        assert_eq!(
            count,
            240 / duration,
            "08:00–12:00 in {duration}-minute slots"
        );
        let (s, _, b) = call!(app, slots(2));
        assert_eq!(
            (s, fields(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["persons".to_owned()])
        );
        // Groups of up to three, each person adding the duration.
        let (s, _, b) = call!(
            app,
            put(
                &format!("/api/v1/admin/motifs/{motif}"),
                &admin,
                json!({"max_persons": 3, "duration_per_person": true})
            )
        );
        assert_eq!(s, StatusCode::OK, "{b}");
        let (_, _, group) = call!(app, slots(3));
        let group = group["slots"].as_array().unwrap().clone();
        assert_eq!(group.len() as i64, 240 / duration - 2, "{group:?}");
        for s in &group {
            let start: chrono::DateTime<chrono::FixedOffset> =
                s["start"].as_str().unwrap().parse().unwrap();
            let end: chrono::DateTime<chrono::FixedOffset> =
                s["end"].as_str().unwrap().parse().unwrap();
            assert_eq!((end - start).num_minutes(), 3 * duration);
            assert!(s["end"].as_str().unwrap() <= format!("{day}T12:00:00-04:00").as_str());
        }
        // A 15-minute step: start times every quarter of an hour.
        let (s, _, b) = call!(
            app,
            put(
                &format!("/api/v1/admin/motifs/{motif}"),
                &admin,
                json!({"step_minutes": 15})
            )
        );
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["step_minutes"], 15);
        let (_, _, stepped) = call!(app, slots(1));
        let stepped = stepped["slots"].as_array().unwrap();
        assert_eq!(stepped.len() as i64, (240 - duration) / 15 + 1);
        assert!(stepped[1]["start"].as_str().unwrap().contains("T08:15:00"));
        // Left out, it stays; null returns to the duration; 7 is refused.
        let (_, _, b) = call!(
            app,
            put(
                &format!("/api/v1/admin/motifs/{motif}"),
                &admin,
                json!({"instructions": "Porte A"})
            )
        );
        assert_eq!(b["step_minutes"], 15);
        let (s, _, b) = call!(
            app,
            put(
                &format!("/api/v1/admin/motifs/{motif}"),
                &admin,
                json!({"step_minutes": 7})
            )
        );
        assert_eq!(
            (s, fields(&b)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec!["step_minutes".to_owned()]
            )
        );
        let (_, _, b) = call!(
            app,
            put(
                &format!("/api/v1/admin/motifs/{motif}"),
                &admin,
                json!({"step_minutes": null})
            )
        );
        assert_eq!(b["step_minutes"], duration);
        let (_, _, back) = call!(app, slots(1));
        assert_eq!(back["slots"].as_array().unwrap().len() as i64, count);
    }
}

#[actix_web::test]
async fn kept_answers_follow_bookings_and_every_administrative_change() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(oriented_state(&db))).await;
        let site =
            prefecture_with_counter!(app, "973", "97302", "97300", "Cayenne", "America/Cayenne");
        // Freed at once: this is about kept answers, not release delays.
        planipref_test_support::release_at_once(db.store(), "973");
        let admin = token("admin_prefecture", &["973"]);
        let uri = format!("/api/v1/sites/{site}/first-slot?demarche=sejour-renouvellement");
        let (_, _, first) = call!(app, get(&uri));
        let motif = first["motif_id"].as_str().unwrap().to_owned();
        let start = first["slot"]["start"].as_str().unwrap().to_owned();
        let day = &start[..10];
        let slots_uri = format!("/api/v1/motifs/{motif}/slots?from={day}&to={day}");
        let (_, _, listed) = call!(app, get(&slots_uri));
        let count = listed["slots"].as_array().unwrap().len();
        // Asked again: the same (kept) answers.
        assert_eq!(call!(app, get(&uri)).2, first);
        assert_eq!(call!(app, get(&slots_uri)).2, listed);
        let (_, _, oriented) = call!(app, orientation("sejour-renouvellement", "97302"));
        assert_eq!(oriented["competent"]["first_slot"], first["slot"]);
        assert_eq!(
            call!(app, orientation("sejour-renouvellement", "97302")).2,
            oriented
        );

        // A booking takes the slot from both answers.
        let (s, _, b) = call!(
            app,
            TestRequest::post().uri("/api/v1/reservations").set_json(json!({
                "motif_id": motif, "start": start,
                "applicant": {"last_name": "Bertrand", "first_names": "Lucie", "birth_date": "1990-01-01", "email": "l@example.gf", "phone": "0694 00 00 00"}
            }))
        );
        assert_eq!(s, StatusCode::CREATED, "{}: {b}", db.backend());
        let reference = b["reference"].as_str().unwrap().to_owned();
        let token_value = b["management_token"].as_str().unwrap().to_owned();
        let (_, _, after) = call!(app, get(&uri));
        assert_ne!(after["slot"]["start"], start.as_str(), "{after}");
        let (_, _, listed_after) = call!(app, get(&slots_uri));
        assert_eq!(listed_after["slots"].as_array().unwrap().len(), count - 1);
        let (_, _, oriented_after) = call!(app, orientation("sejour-renouvellement", "97302"));
        assert_eq!(oriented_after["competent"]["first_slot"], after["slot"]);

        // Its cancellation gives it back.
        let (s, _, _) = call!(
            app,
            TestRequest::post()
                .uri(&format!("/api/v1/reservations/{reference}/cancel"))
                .insert_header(("X-Management-Token", token_value))
        );
        assert_eq!(s, StatusCode::OK);
        assert_eq!(call!(app, get(&uri)).2["slot"]["start"], start.as_str());
        assert_eq!(call!(app, get(&slots_uri)).2, listed);

        // A closure of that day moves the first slot and empties the day.
        let (s, _, closure) = call!(
            app,
            post(
                &format!("/api/v1/admin/sites/{site}/fermetures"),
                &admin,
                json!({"from_date": day, "to_date": day, "reason": "Inventaire"})
            )
        );
        assert_eq!(s, StatusCode::CREATED, "{closure}");
        let (_, _, closed) = call!(app, get(&uri));
        assert!(closed["slot"]["start"].as_str().unwrap() > day, "{closed}");
        assert_eq!(call!(app, get(&slots_uri)).2["slots"], json!([]));
        let (s, _, _) = call!(
            app,
            TestRequest::delete()
                .uri(&format!("/api/v1/admin/fermetures/{}", id(&closure)))
                .insert_header(("Authorization", admin.clone()))
        );
        assert_eq!(s, StatusCode::NO_CONTENT);
        assert_eq!(call!(app, get(&uri)).2["slot"]["start"], start.as_str());

        // A longer notice moves it too (a motif change).
        let (s, _, b) = call!(
            app,
            put(
                &format!("/api/v1/admin/motifs/{motif}"),
                &admin,
                json!({"min_notice_hours": 720})
            )
        );
        assert_eq!(s, StatusCode::OK, "{b}");
        let (_, _, later) = call!(app, get(&uri));
        let later_start: chrono::DateTime<chrono::FixedOffset> =
            later["slot"]["start"].as_str().unwrap().parse().unwrap();
        assert!(
            later_start > chrono::Utc::now() + chrono::Duration::days(29),
            "{later}"
        );
        let (_, _, oriented) = call!(app, orientation("sejour-renouvellement", "97302"));
        assert_eq!(oriented["competent"]["first_slot"], later["slot"]);
    }
}
