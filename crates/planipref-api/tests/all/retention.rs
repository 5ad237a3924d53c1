//! Retention then erasure, on both databases, with an injected clock:
//! past a préfecture's retention, the purge leaves nothing of the person
//! in the database (its bytes searched, as a stolen copy would be) while
//! the statistics stay as they were; a person's data is exported and
//! erased at once on a legal request, in scope and audited; the periods
//! are set from the version read.

use actix_web::http::StatusCode;
use actix_web::test;
use chrono::Duration;
use planipref_store::Store;
use planipref_test_support::TestDb;
use serde_json::{Value, json};

use crate::common::requests::{book, slots_on};
use crate::common::{bobigny_motif, fields, get_as, next_open_weekday, post, put, state, token};

/// What identifies the people of these tests, as a thief would search it.
const TRACES: [&str; 5] = [
    "Zyxwvutsky",
    "Quentinella",
    "quentinella.zyx@example.org",
    "0698765432",
    "Kwabenaxe",
];

fn applicant() -> Value {
    json!({"last_name": "Zyxwvutsky", "first_names": "Quentinella", "birth_date": "1979-07-14",
           "email": "quentinella.zyx@example.org", "phone": "06 98 76 54 32", "file_number": "7501234567"})
}

/// Every trace of the people left in the database (see
/// [`TestDb::everything_stored`]).
fn traces_left(db: &TestDb, _: &Store) -> Vec<String> {
    let text = db.everything_stored();
    let squeezed = text.replace(' ', "");
    TRACES
        .iter()
        .filter(|t| text.contains(*t) || squeezed.contains(*t))
        .map(|t| (*t).to_owned())
        .collect()
}

#[actix_web::test]
async fn past_retention_nothing_of_the_person_is_left_and_statistics_stay() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let store = db.store();
        let (motif, site) = bobigny_motif(store, "Renouvellement");
        let day = next_open_weekday();
        let (_, _, slots) = call!(app, slots_on(&motif, day));
        let start = |i: usize| slots["slots"][i]["start"].as_str().unwrap().to_owned();
        let (s, _, kept) = call!(app, book(&motif, &start(0), applicant()));
        assert_eq!(s, StatusCode::CREATED, "{kept}");
        let mut other = applicant();
        other["last_name"] = json!("Zyxwvutsky-Kwabenaxe");
        other["birth_date"] = json!("1981-02-03");
        other["file_number"] = json!("7509876543");
        let (s, _, cancelled) = call!(app, book(&motif, &start(1), other));
        assert_eq!(s, StatusCode::CREATED, "{cancelled}");
        let agent = token("agent", &[&site]);
        let reference = cancelled["reference"].as_str().unwrap();
        let reason = json!({"reason": "Demande de Mme Zyxwvutsky par téléphone"});
        let (s, _, _) = call!(
            app,
            post(
                &format!("/api/v1/admin/reservations/{reference}/cancel"),
                &agent,
                reason
            )
        );
        assert_eq!(s, StatusCode::OK);
        let person = json!({"last_name": "Kwabenaxe", "first_names": "Quentinella", "birth_date": "1985-05-05", "email": "quentinella.zyx@example.org"});
        let (s, _, issued) = call!(
            app,
            post(
                "/api/v1/admin/convocations",
                &agent,
                json!({"motif_id": motif, "person": person, "valid_days": 7})
            )
        );
        assert_eq!(s, StatusCode::CREATED, "{issued}");
        let (s, _, _) = call!(
            app,
            get_as(
                &format!(
                    "/api/v1/admin/persons?reference={}",
                    kept["reference"].as_str().unwrap()
                ),
                &agent
            )
        );
        assert_eq!(s, StatusCode::OK, "an export audits the references read");
        // An entry of an older release that named the applicant.
        let named =
            serde_json::json!({"reference": reference, "applicant": {"last_name": "Zyxwvutsky"}});
        let legacy = planipref_store::AuditEntry {
            actor: "agent:a.martin".into(),
            departement: Some("93".into()),
            site_id: None,
            entity: "reservation",
            entity_id: reference.to_owned(),
            action: "updated",
            before: None,
            after: Some(named.to_string()),
            at: chrono::Utc::now(),
        };
        store.write_audit(&legacy).unwrap();
        assert!(
            !traces_left(&db, store).is_empty(),
            "{}: the test sees what it looks for",
            db.backend()
        );

        let admin = token("admin_prefecture", &["93"]);
        let stats = format!("/api/v1/admin/stats?site_id={site}&from={day}&to={day}&by=channel");
        let (_, _, before) = call!(app, get_as(&stats, &admin));
        assert_eq!(before["totals"]["appointments"], 2, "{before}");

        // Nine months after the appointments, and a week: due.
        let now = day.and_hms_opt(12, 0, 0).unwrap().and_utc() + Duration::days(9 * 31 + 7);
        let dry = store.purge(now, 500, true).unwrap();
        assert_eq!(
            (dry.identities, dry.convocations),
            (2, 1),
            "{}: {dry:?}",
            db.backend()
        );
        assert!(
            !traces_left(&db, store).is_empty(),
            "a dry run erases nothing"
        );
        let mut rounds = 0;
        while !store.purge(now, 1, false).unwrap().is_empty() {
            rounds += 1;
            assert!(rounds < 100, "the purge ends");
        }
        assert_eq!(
            traces_left(&db, store),
            Vec::<String>::new(),
            "{}",
            db.backend()
        );
        assert!(
            store.purge(now, 500, true).unwrap().is_empty(),
            "nothing left to erase"
        );

        let (_, _, after) = call!(app, get_as(&stats, &admin));
        assert_eq!(after, before, "statistics count appointments, not people");
        let totals: Vec<(String, String, i64)> = store.purge_totals("93").unwrap();
        let erased = |category: &str| {
            totals
                .iter()
                .filter(|(c, cause, _)| c == category && cause == "retention")
                .map(|t| t.2)
                .sum::<i64>()
        };
        assert_eq!(
            (erased("identities"), erased("convocations")),
            (2, 1),
            "{totals:?}"
        );
        assert!(
            erased("messages") > 0 && erased("audit_pseudonymised") > 0,
            "{totals:?}"
        );
    }
}

#[actix_web::test]
async fn a_person_is_exported_then_erased_on_request_in_scope_and_audited() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let (motif, site) = bobigny_motif(db.store(), "Renouvellement");
        let (_, _, slots) = call!(app, slots_on(&motif, next_open_weekday()));
        let start = slots["slots"][0]["start"].as_str().unwrap();
        let (_, _, booked) = call!(app, book(&motif, start, applicant()));
        let reference = booked["reference"].as_str().unwrap().to_owned();
        let agent = token("agent", &[&site]);
        let uri = format!("/api/v1/admin/persons?reference={reference}");

        let res = test::call_service(&app, get_as(&uri, &agent).to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers().get("cache-control").unwrap(), "no-store");
        let held: Value = test::read_body_json(res).await;
        let r = &held["reservations"][0];
        assert_eq!(
            (r["reference"].as_str(), r["person"]["last_name"].as_str()),
            (Some(reference.as_str()), Some("Zyxwvutsky"))
        );
        assert_eq!(r["history"][0]["action"], "created");
        assert!(
            r["messages"].as_array().is_some_and(|m| !m.is_empty()),
            "{held}"
        );
        let elsewhere = token("agent", &["4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"]);
        let (s, _, _) = call!(app, get_as(&uri, &elsewhere));
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, _) = call!(
            app,
            get_as("/api/v1/admin/persons?file_number=7500000000", &agent)
        );
        assert_eq!(s, StatusCode::NOT_FOUND);
        // Written with spaces, as agents copy it: read as recorded.
        let spaced = "/api/v1/admin/persons?file_number=75%2001%2023%2045%2067";
        let (s, _, by_file) = call!(app, get_as(spaced, &agent));
        assert_eq!(s, StatusCode::OK, "{by_file}");
        assert_eq!(by_file["reservations"][0]["reference"], reference.as_str());
        let (s, _, p) = call!(
            app,
            get_as("/api/v1/admin/persons?file_number=75-00", &agent)
        );
        assert_eq!(
            (s, fields(&p)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec!["file_number".to_owned()]
            )
        );
        let (s, _, p) = call!(app, get_as("/api/v1/admin/persons", &agent));
        assert_eq!(
            (s, fields(&p)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec!["reference".to_owned()]
            )
        );

        // A préfecture system hears of the cancellation, with the agent's
        // reason, which names the person.
        let admin = token("admin_prefecture", &["93"]);
        let subscription =
            json!({"url": "https://sias.example.gouv.fr/in", "events": ["reservation.cancelled"]});
        let (_, _, hook) = call!(
            app,
            post(
                "/api/v1/admin/prefectures/93/webhooks",
                &admin,
                subscription
            )
        );
        let hook = hook["id"].as_str().unwrap().to_owned();
        let why = json!({"reason": "Demande de Mme Zyxwvutsky par téléphone"});
        let (s, _, _) = call!(
            app,
            post(
                &format!("/api/v1/admin/reservations/{reference}/cancel"),
                &agent,
                why
            )
        );
        assert_eq!(s, StatusCode::OK);
        let erase = |body: Value| post("/api/v1/admin/persons/erase", &agent, body);
        let (s, _, p) = call!(app, erase(json!({"reference": reference, "reason": ""})));
        assert_eq!(
            (s, fields(&p)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["reason".to_owned()])
        );
        let grounds = "Demande d'effacement (art. 17 RGPD) du 2 décembre";
        let (s, _, erased) = call!(
            app,
            erase(json!({"reference": reference, "reason": grounds}))
        );
        assert_eq!(
            (s, erased),
            (
                StatusCode::OK,
                json!({"reservations": 1, "convocations": 0})
            )
        );
        let (_, _, held) = call!(app, get_as(&uri, &agent));
        let person = &held["reservations"][0]["person"];
        assert_eq!(
            (person["last_name"].as_str(), person["email"].as_str()),
            (Some(""), None),
            "{held}"
        );
        let messages = &held["reservations"][0]["messages"];
        assert!(
            messages
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["status"] != "pending"),
            "{messages}"
        );
        let (_, _, again) = call!(
            app,
            erase(json!({"reference": reference, "reason": grounds}))
        );
        assert_eq!(again, json!({"reservations": 0, "convocations": 0}));
        // Nothing of the person is left, the webhook's copy of the
        // agent's reason included; the préfecture still hears of the
        // cancellation.
        assert!(
            !db.everything_stored().contains("Zyxwvutsky"),
            "{}",
            db.backend()
        );
        let (_, _, page) = call!(
            app,
            get_as(
                &format!("/api/v1/admin/prefectures/93/webhooks/{hook}/deliveries"),
                &admin
            )
        );
        let delivery = &page["items"][0];
        assert_eq!(
            (delivery["event"].as_str(), delivery["status"].as_str()),
            (Some("reservation.cancelled"), Some("pending")),
            "{page}"
        );
        assert!(delivery["body"]["data"].get("reason").is_none(), "{page}");
        let trail = db
            .store()
            .list_audit(&planipref_store::AuditFilter::default(), 0, 500)
            .unwrap();
        let of_person: Vec<_> = trail
            .items
            .iter()
            .filter(|e| e.entity == "person")
            .collect();
        assert!(of_person.iter().any(|e| {
            e.action == "deleted"
                && e.after
                    .as_deref()
                    .is_some_and(|a| a.contains(grounds) && a.contains(&reference))
        }));
        assert!(of_person.iter().any(|e| e.action == "read"));
        assert!(
            !format!("{:?}", trail.items).contains("Zyxwvutsky"),
            "the trail names no one"
        );
    }
}

#[actix_web::test]
async fn retention_periods_are_set_from_the_version_read_and_checked() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let admin = token("admin_prefecture", &["93"]);
        let uri = "/api/v1/admin/prefectures/93/retention";
        let (s, _, read) = call!(app, get_as(uri, &admin));
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            (
                read["identity_months"].clone(),
                read["message_months"].clone(),
                read["audit_months"].clone()
            ),
            (json!(9), json!(1), json!(60))
        );
        let (s, _, p) = call!(
            app,
            put(
                uri,
                &admin,
                json!({"identity_months": 0, "message_months": 2, "audit_months": 200})
            )
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let mut got = fields(&p);
        got.sort();
        assert_eq!(got, ["audit_months", "identity_months", "message_months"]);
        let (s, _, changed) = call!(
            app,
            put(
                uri,
                &admin,
                json!({"identity_months": 6, "message_months": 1, "audit_months": 24})
            )
        );
        assert_eq!(
            (s, changed["identity_months"].clone()),
            (StatusCode::OK, json!(6)),
            "{changed}"
        );
        assert_eq!(changed["version"], read["version"].as_i64().unwrap() + 1);
        let stale = put(
            uri,
            &admin,
            json!({"identity_months": 7, "message_months": 1, "audit_months": 24}),
        )
        .insert_header(("If-Match", format!("\"{}\"", read["version"])));
        let (s, _, _) = call!(app, stale);
        assert_eq!(s, StatusCode::CONFLICT);
        assert_eq!(db.store().retention("93").unwrap().0.identity_months, 6);
        let (s, _, _) = call!(app, get_as(uri, &token("admin_prefecture", &["974"])));
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}
