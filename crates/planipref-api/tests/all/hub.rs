//! National hubs on both databases (the ANTS model): each hub calls with
//! its own shared token and rate; the meeting points are the sites whose
//! location administrators set (a versioned, scoped, audited setting);
//! the free times are exactly the public slot lists' starts, each with its
//! booking link; a file's coming appointments are found by its number
//! written any way, and no longer once cancelled.

use actix_web::http::StatusCode;
use actix_web::test;
use actix_web::test::TestRequest;
use planipref_api::security::hub::{Hub, HubSettings};
use planipref_domain::hub::{UrlTemplate, token_digest};
use planipref_test_support::TestDb;
use serde_json::{Value, json};

use crate::common::requests::{audit_count, book, problem};
use crate::common::{
    fields, get_as, next_open_weekday, put, retry_after, saint_paul, send, someone, state, token,
};

const ANTS: &str = "a-shared-token-of-the-ants-hub-0123456789abcdef";
const DILA: &str = "a-shared-token-of-the-dila-hub-0123456789abcdef";
const BOOKING: &str = "https://rdv.example.gouv.fr/reserver?site={site_id}&motif={motif_id}&start={start}&persons={persons}";
const MANAGING: &str = "https://rdv.example.gouv.fr/rendez-vous?reference={reference}";
const UNKNOWN_SITE: &str = "00000000-0000-4000-8000-000000000000";

fn hubs(rate: u32) -> HubSettings {
    let hub = |name: &str, token: &str| Hub {
        name: name.into(),
        token_digest: token_digest(token),
        requests_per_minute: rate,
    };
    HubSettings {
        hubs: vec![hub("ants", ANTS), hub("dila", DILA)],
        booking_url: UrlTemplate::parse(
            BOOKING,
            planipref_api::security::hub::BOOKING_URL_PLACES,
            false,
        )
        .unwrap(),
        management_url: UrlTemplate::parse(
            MANAGING,
            planipref_api::security::hub::MANAGEMENT_URL_PLACES,
            false,
        )
        .unwrap(),
    }
}

fn as_hub(uri: &str, token: &str) -> TestRequest {
    TestRequest::get()
        .uri(uri)
        .insert_header(("x-hub-rdv-auth-token", token))
}

/// The demo's site of `departement` named `name` (a prefix), its id.
fn site(db: &TestDb, departement: &str, name: &str) -> String {
    db.store()
        .list_sites(Some(departement), 0, 50)
        .unwrap()
        .items
        .into_iter()
        .find(|s| s.name.starts_with(name))
        .unwrap()
        .id
}

/// The motif of démarche `code` at site `site`.
fn motif_of(db: &TestDb, site: &str, code: &str) -> String {
    db.store()
        .list_site_motifs(site)
        .unwrap()
        .into_iter()
        .find(|(m, _)| m.demarche_code.as_deref() == Some(code))
        .unwrap()
        .0
        .id
}

#[actix_web::test]
async fn meeting_points_are_the_located_sites_and_only_hubs_read_them() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db).with_hubs(hubs(600)))).await;
        let uri = "/api/v1/hub/getManagedMeetingPoints";
        // No token, a wrong one, an agent's bearer token: refused alike,
        // without a bearer challenge.
        let agent = token("admin_national", &[]);
        for req in [
            TestRequest::get().uri(uri),
            as_hub(uri, "not-a-hub"),
            as_hub(uri, ""),
            get_as(uri, &agent),
        ] {
            let (s, h, body) = send(&app, req).await;
            assert_eq!(
                (s, problem(&body)),
                (StatusCode::UNAUTHORIZED, "hub-unauthorized")
            );
            assert!(h.get("www-authenticate").is_none());
        }
        let (_, _, french) = send(
            &app,
            TestRequest::get()
                .uri(uri)
                .insert_header(("Accept-Language", "fr")),
        )
        .await;
        assert_eq!(
            french["title"],
            "Le jeton de la plateforme (x-hub-rdv-auth-token) n'est pas valide"
        );
        assert_eq!(
            french["detail"],
            "le jeton de la plateforme est obligatoire"
        );

        let (s, _, points) = send(&app, as_hub(uri, ANTS)).await;
        assert_eq!(s, StatusCode::OK, "{points}");
        let points = points.as_array().unwrap().clone();
        assert_eq!(points.len(), 5, "the demo's five sites are located");
        let codes: Vec<&str> = points
            .iter()
            .map(|p| p["prefecture_code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["93", "93", "93", "974", "974"]);
        let bobigny = site(&db, "93", "Préfecture de la Seine-Saint-Denis");
        let point = points.iter().find(|p| p["id"] == bobigny.as_str()).unwrap();
        assert_eq!(
            point,
            &json!({"id": bobigny, "name": "Préfecture de la Seine-Saint-Denis — Bobigny",
                "longitude": 2.4397, "latitude": 48.9077,
                "public_entry_address": "1 esplanade Jean Moulin", "zip_code": "93000",
                "city_name": "Bobigny", "website": "https://www.seine-saint-denis.gouv.fr",
                "prefecture_code": "93", "time_zone": "Europe/Paris"})
        );

        // A new site is not a meeting point until it is located.
        let admin = token("admin_prefecture", &["974"]);
        let (s, _, created) = call!(
            app,
            TestRequest::post()
                .uri("/api/v1/admin/sites")
                .insert_header(("Authorization", admin.clone()))
                .set_json(saint_paul())
        );
        assert_eq!(s, StatusCode::CREATED, "{created}");
        let saint_paul_id = created["id"].as_str().unwrap().to_owned();
        let (_, _, again) = send(&app, as_hub(uri, DILA)).await;
        assert_eq!(again.as_array().unwrap().len(), 5);
        let location = format!("/api/v1/admin/sites/{saint_paul_id}/location");
        let (s, _, unset) = call!(app, get_as(&location, &admin));
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            unset,
            json!({"site_id": saint_paul_id, "latitude": null, "longitude": null,
                "website": null, "version": 1})
        );
        let before = audit_count(&db);
        let (s, _, set) = call!(
            app,
            put(
                &location,
                &admin,
                json!({"latitude": -21.0096, "longitude": 55.2707})
            )
            .insert_header(("If-Match", "\"1\""))
        );
        assert_eq!(s, StatusCode::OK, "{set}");
        assert_eq!(set["version"], 2);
        assert_eq!(audit_count(&db), before + 1, "audited");
        let (_, _, located) = send(&app, as_hub(uri, ANTS)).await;
        let located = located.as_array().unwrap();
        assert_eq!(located.len(), 6);
        let new_point = located
            .iter()
            .find(|p| p["id"] == saint_paul_id.as_str())
            .unwrap();
        assert_eq!(
            (new_point["latitude"].clone(), new_point["website"].clone()),
            (json!(-21.0096), Value::Null)
        );
    }
}

#[actix_web::test]
async fn locations_are_checked_versioned_and_scoped() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let bobigny = site(&db, "93", "Préfecture de la Seine-Saint-Denis");
        let location = format!("/api/v1/admin/sites/{bobigny}/location");
        let admin = token("admin_prefecture", &["93"]);
        let (s, h, read) = send(&app, get_as(&location, &admin)).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(read["latitude"], 48.9077);
        let version = read["version"].as_i64().unwrap();
        assert_eq!(h.get("etag").unwrap(), &format!("\"{version}\""));

        // Every bad field named; nothing changed.
        let (s, _, refused) = call!(
            app,
            put(
                &location,
                &admin,
                json!({"latitude": 95.5, "longitude": -200, "website": "http://x.fr"})
            )
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(fields(&refused), ["latitude", "longitude", "website"]);
        let (s, _, refused) = call!(app, put(&location, &admin, json!({"latitude": 48.9})));
        assert!(s.is_client_error(), "{s}: {refused}");
        // A stale version, or none: refused.
        let moved = json!({"latitude": 48.91, "longitude": 2.44, "website": "https://www.seine-saint-denis.gouv.fr/Demarches"});
        let stale = format!("\"{}\"", version + 5);
        let (s, _, b) = call!(
            app,
            put(&location, &admin, moved.clone()).insert_header(("If-Match", stale))
        );
        assert_eq!((s, problem(&b)), (StatusCode::CONFLICT, "stale"));
        let (s, _, _) = send(&app, put(&location, &admin, moved.clone())).await;
        assert_eq!(s, StatusCode::PRECONDITION_REQUIRED);
        // Other départements' administrators and agents: not theirs.
        for other in [
            token("admin_prefecture", &["974"]),
            token("agent", &[bobigny.as_str()]),
        ] {
            let (s, _, _) = call!(app, put(&location, &other, moved.clone()));
            assert_eq!(s, StatusCode::FORBIDDEN);
        }
        let (s, _, _) = call!(app, get_as(&location, &token("admin_prefecture", &["974"])));
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (_, _, unchanged) = call!(app, get_as(&location, &admin));
        assert_eq!(unchanged, read, "refusals change nothing");

        let current = format!("\"{version}\"");
        let (s, _, set) = call!(
            app,
            put(&location, &admin, moved).insert_header(("If-Match", current.clone()))
        );
        assert_eq!(s, StatusCode::OK, "{set}");
        assert_eq!(set["version"], version + 1);
        assert_eq!(
            set["website"],
            "https://www.seine-saint-denis.gouv.fr/Demarches"
        );
        // The site's version went up: a site edit from the old one is stale.
        let (s, _, site_read) = call!(
            app,
            get_as(&format!("/api/v1/admin/sites/{bobigny}"), &admin)
        );
        assert_eq!(s, StatusCode::OK);
        assert_eq!(site_read["version"], version + 1);
        let unknown = format!("/api/v1/admin/sites/{UNKNOWN_SITE}/location");
        let (s, _, _) = call!(app, get_as(&unknown, &admin));
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}

/// The starts of a public slot list.
fn starts(list: &Value) -> Vec<String> {
    list["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["start"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn free_times_are_the_public_slots_with_their_booking_links() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db).with_hubs(hubs(600)))).await;
        let bobigny = site(&db, "93", "Préfecture de la Seine-Saint-Denis");
        let raincy = site(&db, "93", "Sous-préfecture du Raincy");
        let from = next_open_weekday();
        let to = from + chrono::Duration::days(6);
        let ask = |reason: &str, persons: u32| {
            format!(
                "/api/v1/hub/availableTimeSlots?meeting_point_ids={bobigny}&meeting_point_ids={raincy}\
                 &meeting_point_ids={UNKNOWN_SITE}&start_date={from}&end_date={to}&reason={reason}\
                 &documents_number={persons}"
            )
        };
        let code = "sejour-renouvellement";
        let (s, h, times) = send(&app, as_hub(&ask(code, 1), ANTS)).await;
        assert_eq!(s, StatusCode::OK, "{times}");
        assert_eq!(h.get("cache-control").unwrap(), "no-store");
        let keys: Vec<&String> = times.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 2, "the unknown site is left out: {keys:?}");

        let check = |times: &Value, site: &str, public: &Value| {
            let motif = public["motif_id"].as_str().unwrap();
            let offered = times[site].as_array().unwrap();
            let datetimes: Vec<String> = offered
                .iter()
                .map(|t| t["datetime"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(
                datetimes,
                starts(public),
                "exactly the public slots at {site}"
            );
            assert!(!datetimes.is_empty());
            for t in offered {
                let start = t["datetime"]
                    .as_str()
                    .unwrap()
                    .replace(':', "%3A")
                    .replace('+', "%2B");
                assert_eq!(
                    t["callback_url"],
                    format!(
                        "https://rdv.example.gouv.fr/reserver?site={site}&motif={motif}&start={start}&persons=1"
                    )
                );
            }
        };
        for at in [&bobigny, &raincy] {
            let motif = motif_of(&db, at, code);
            let (_, _, public) = call!(
                app,
                TestRequest::get()
                    .uri(&format!("/api/v1/motifs/{motif}/slots?from={from}&to={to}"))
            );
            check(&times, at, &public);
        }

        // A booking takes its place: hubs and the public still agree.
        let motif = motif_of(&db, &bobigny, code);
        let first = times[&bobigny][0]["datetime"].as_str().unwrap().to_owned();
        let (s, _, booked) = call!(app, book(&motif, &first, someone()));
        assert_eq!(s, StatusCode::CREATED, "{booked}");
        let (_, _, after) = send(&app, as_hub(&ask(code, 1), DILA)).await;
        let (_, _, public) = call!(
            app,
            TestRequest::get().uri(&format!("/api/v1/motifs/{motif}/slots?from={from}&to={to}"))
        );
        check(&after, &bobigny, &public);

        // A démarche a site does not book: an empty list for it.
        let (s, _, premiere) = send(&app, as_hub(&ask("sejour-premiere-demande", 1), ANTS)).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(premiere[&raincy], json!([]));
        assert!(!premiere[&bobigny].as_array().unwrap().is_empty());

        // Bad questions: every key named, nothing answered.
        let (s, _, refused) = send(
            &app,
            as_hub(
                "/api/v1/hub/availableTimeSlots?meeting_point_ids=nope&start_date=2026-13-01&documents_number=11",
                ANTS,
            ),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(
            fields(&refused),
            [
                "meeting_point_ids[0]",
                "start_date",
                "end_date",
                "reason",
                "documents_number"
            ]
        );
        let far = from + chrono::Duration::days(62);
        let (s, _, refused) = send(
            &app,
            as_hub(
                &format!("/api/v1/hub/availableTimeSlots?meeting_point_ids={bobigny}&start_date={from}&end_date={far}&reason={code}"),
                ANTS,
            ),
        )
        .await;
        assert_eq!(
            (s, fields(&refused)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec!["end_date".to_owned()]
            )
        );

        // Motifs the public does not book on its own are never offered to
        // hubs: one booked only with a convocation, one only through
        // service-public.fr's router.
        let admin = token("admin_prefecture", &["93"]);
        for (at, setting) in [
            (&raincy, json!({"booking_mode": "convocation_only"})),
            (&bobigny, json!({"requires_context": true})),
        ] {
            let motif = motif_of(&db, at, code);
            let (s, _, b) = call!(
                app,
                put(&format!("/api/v1/admin/motifs/{motif}"), &admin, setting)
            );
            assert_eq!(s, StatusCode::OK, "{b}");
        }
        let (s, _, withheld) = send(&app, as_hub(&ask(code, 1), ANTS)).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            (&withheld[&raincy], &withheld[&bobigny]),
            (&json!([]), &json!([]))
        );
    }
}

#[actix_web::test]
async fn a_files_coming_appointments_are_found_by_its_number_until_cancelled() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db).with_hubs(hubs(600)))).await;
        let bobigny = site(&db, "93", "Préfecture de la Seine-Saint-Denis");
        let motif = motif_of(&db, &bobigny, "sejour-renouvellement");
        let day = next_open_weekday();
        let (_, _, public) = call!(
            app,
            TestRequest::get().uri(&format!("/api/v1/motifs/{motif}/slots?from={day}&to={day}"))
        );
        let start = starts(&public)[0].clone();
        let mut numbered = someone();
        numbered["file_number"] = json!("7501234567");
        let (s, _, booked) = call!(app, book(&motif, &start, numbered));
        assert_eq!(s, StatusCode::CREATED, "{booked}");
        let reference = booked["reference"].as_str().unwrap().to_owned();

        let search = "/api/v1/hub/searchApplicationIds?application_ids=75%200123-4567&application_ids=AB12CD34EF";
        let (s, h, found) = send(&app, as_hub(search, ANTS)).await;
        assert_eq!(s, StatusCode::OK, "{found}");
        assert_eq!(h.get("cache-control").unwrap(), "no-store");
        assert_eq!(
            found,
            json!({
                "75 0123-4567": [{
                    "meeting_point": "Préfecture de la Seine-Saint-Denis — Bobigny",
                    "meeting_point_id": bobigny,
                    "datetime": start,
                    "management_url": format!("https://rdv.example.gouv.fr/rendez-vous?reference={reference}"),
                }],
                "AB12CD34EF": [],
            })
        );

        let (s, _, _) = call!(
            app,
            TestRequest::post()
                .uri(&format!("/api/v1/reservations/{reference}/cancel"))
                .insert_header((
                    "X-Management-Token",
                    booked["management_token"].as_str().unwrap()
                ))
        );
        assert_eq!(s, StatusCode::OK);
        let (_, _, after) = send(&app, as_hub(search, ANTS)).await;
        assert_eq!(
            after["75 0123-4567"],
            json!([]),
            "a cancelled appointment is not told"
        );

        let (s, _, refused) = send(
            &app,
            as_hub(
                "/api/v1/hub/searchApplicationIds?application_ids=7501234567&application_ids=12",
                ANTS,
            ),
        )
        .await;
        assert_eq!(
            (s, fields(&refused)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec!["application_ids[1]".to_owned()]
            )
        );
        let (s, _, refused) = send(&app, as_hub("/api/v1/hub/searchApplicationIds", ANTS)).await;
        assert_eq!(
            (s, fields(&refused)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec!["application_ids".to_owned()]
            )
        );
    }
}

#[actix_web::test]
async fn each_hub_is_limited_at_its_own_rate() {
    let db = TestDb::sqlite();
    let app = test::init_service(planipref_api::app(state(&db).with_hubs(hubs(2)))).await;
    let uri = "/api/v1/hub/getManagedMeetingPoints";
    for _ in 0..2 {
        let (s, _, _) = send(&app, as_hub(uri, ANTS)).await;
        assert_eq!(s, StatusCode::OK);
    }
    let (s, h, body) = send(&app, as_hub(uri, ANTS)).await;
    assert_eq!(
        (s, problem(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "too-many-requests")
    );
    assert!((1..=31).contains(&retry_after(&h)));
    let (s, _, _) = send(&app, as_hub(uri, DILA)).await;
    assert_eq!(s, StatusCode::OK, "another hub is not held back");
    // A wrong token is refused before any rate is counted.
    let (s, _, _) = send(&app, as_hub(uri, "wrong")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}
