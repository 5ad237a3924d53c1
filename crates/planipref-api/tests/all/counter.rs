//! The counter's day: arrivals, calls, ends, no-shows (by agents and by
//! the task), undo, the day view, walk-ins, bookings made for someone and
//! the préfecture's counter settings, on both databases.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use chrono::{Duration, NaiveDate, Utc};
use planipref_test_support::TestDb;
use serde_json::{Value, json};

use crate::common::requests::{audit_count, book, problem, slots_on};
use crate::common::{
    ShiftedClock, bobigny_motif, fields, get_as, next_open_weekday, paris_clock_at, post, put,
    someone, state, token,
};

fn step(reference: &str, what: &str, auth: &str) -> TestRequest {
    post(
        &format!("/api/v1/admin/reservations/{reference}/{what}"),
        auth,
        json!({}),
    )
}

fn day_uri(site: &str, day: NaiveDate) -> String {
    format!("/api/v1/admin/sites/{site}/day?date={day}")
}

fn item<'a>(day: &'a Value, reference: &str) -> &'a Value {
    day["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["reference"] == reference))
        .unwrap_or_else(|| panic!("{reference} not in the day: {day}"))
}

#[actix_web::test]
async fn an_appointment_goes_through_the_counter_and_every_step_is_in_its_history() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let (motif, site) = bobigny_motif(db.store(), "Renouvellement");
        let day = next_open_weekday();
        let (_, _, slots) = call!(app, slots_on(&motif, day));
        let start = slots["slots"][0]["start"].as_str().unwrap().to_owned();
        let (s, _, created) = call!(app, book(&motif, &start, someone()));
        assert_eq!(s, StatusCode::CREATED);
        let reference = created["reference"].as_str().unwrap().to_owned();
        let agent = token("agent", &[&site]);

        let (s, _, view) = call!(app, get_as(&day_uri(&site, day), &agent));
        assert_eq!(s, StatusCode::OK);
        let entry = item(&view, &reference);
        assert_eq!(entry["status"], "booked");
        assert_eq!(entry["channel"], "web");
        assert_eq!(
            entry["last_name"],
            created["reservation"]["applicant"]["last_name"]
        );
        assert!(entry["email"].is_null(), "no contact unless asked");
        assert_eq!(view["counts"]["booked"], 1);
        assert!(!view["guichets"].as_array().unwrap().is_empty());

        // Out of order: 409 naming the current status; nothing written.
        for wrong in ["call", "done"] {
            let (s, _, p) = call!(app, step(&reference, wrong, &agent));
            assert_eq!((s, problem(&p)), (StatusCode::CONFLICT, "wrong-status"));
            assert_eq!(p["current_status"], "booked");
        }
        // A no-show before the start is refused.
        let (s, _, _) = call!(app, step(&reference, "no-show", &agent));
        assert_eq!(s, StatusCode::CONFLICT);

        let (s, _, e) = call!(app, step(&reference, "check-in", &agent));
        assert_eq!(
            (s, e["status"].as_str()),
            (StatusCode::OK, Some("checked_in"))
        );
        assert!(e["arrived_at"].is_string());
        let (s, _, p) = call!(app, step(&reference, "check-in", &agent));
        assert_eq!(
            (s, p["current_status"].as_str()),
            (StatusCode::CONFLICT, Some("checked_in"))
        );

        // A closure flags booked appointments, never one checked in.
        let (s, _, _) = call!(
            app,
            post(
                &format!("/api/v1/admin/sites/{site}/fermetures?on_conflict=flag"),
                &token("admin_prefecture", &["93"]),
                json!({"from_date": day.to_string(), "to_date": day.to_string(), "reason": "Grève"}),
            )
        );
        assert_eq!(s, StatusCode::CREATED);

        let (s, _, e) = call!(app, step(&reference, "call", &agent));
        assert_eq!((s, e["status"].as_str()), (StatusCode::OK, Some("called")));
        assert_eq!(e["called_to"], e["guichet_id"]);
        assert!(e["waiting_minutes"].is_number());
        assert_eq!(e["needs_rebooking"], false);

        // Undo: a reason is required; the call then the check-in come off.
        let undo = |reason: &str| {
            post(
                &format!("/api/v1/admin/reservations/{reference}/undo"),
                &agent,
                json!({"reason": reason}),
            )
        };
        let (s, _, p) = call!(app, undo(""));
        assert_eq!(
            (s, fields(&p)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["reason".to_owned()])
        );
        let (s, _, e) = call!(app, undo("Wrong person called"));
        assert_eq!(
            (s, e["status"].as_str()),
            (StatusCode::OK, Some("checked_in"))
        );
        assert!(e["called_at"].is_null());
        let (_, _, e) = call!(app, undo("Not arrived after all"));
        assert_eq!(e["status"], "booked");
        let (s, _, p) = call!(app, undo("Nothing left"));
        assert_eq!((s, problem(&p)), (StatusCode::CONFLICT, "cannot-undo"));

        for what in ["check-in", "call", "done"] {
            let (s, _, _) = call!(app, step(&reference, what, &agent));
            assert_eq!(s, StatusCode::OK, "{what}");
        }
        let (_, _, view) = call!(
            app,
            get_as(
                &format!("{}&with_contact=true", day_uri(&site, day)),
                &agent
            )
        );
        let entry = item(&view, &reference);
        assert_eq!(entry["status"], "done");
        assert!(entry["service_minutes"].is_number());
        assert_eq!(entry["email"], "camille@example.org");
        let audited = audit_count(&db);

        let (_, _, history) = call!(
            app,
            get_as(
                &format!("/api/v1/admin/reservations/{reference}/history"),
                &agent
            )
        );
        let actions: Vec<&str> = history["entries"]
            .as_array()
            .or_else(|| history.as_array())
            .unwrap()
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert_eq!(
            actions,
            [
                "created",
                "checked_in",
                "called",
                "undone",
                "undone",
                "checked_in",
                "called",
                "done"
            ]
        );
        // Reading contacts is audited; other sites' agents see nothing.
        assert!(audited >= 1);
        let other = token(
            "agent",
            &[&planipref_domain::ids::SiteId::new_random().to_string()],
        );
        let (s, _, _) = call!(app, get_as(&day_uri(&site, day), &other));
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, _) = call!(app, step("ZZZZ-ZZZZ", "check-in", &agent));
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _, p) = call!(
            app,
            get_as(
                &format!("/api/v1/admin/sites/{site}/day?date=2026-13-01&guichet_id=x"),
                &agent
            )
        );
        assert_eq!(
            (s, fields(&p)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec!["date".to_owned(), "guichet_id".to_owned()]
            )
        );
        let integrity = db.store().booking_integrity().unwrap();
        assert_eq!(
            (
                integrity.overlapping,
                integrity.incomplete,
                integrity.orphaned
            ),
            (0, 0, 0)
        );
    }
}

#[actix_web::test]
async fn the_task_records_no_shows_once_and_leaves_those_who_came() {
    for db in TestDb::each() {
        let clock = Arc::new(ShiftedClock::default());
        let app =
            test::init_service(planipref_api::app(state(&db).with_clock(clock.clone()))).await;
        let (motif, site) = bobigny_motif(db.store(), "Renouvellement");
        let day = next_open_weekday();
        let (_, _, slots) = call!(app, slots_on(&motif, day));
        let mut references = vec![];
        for i in 0..2 {
            let start = slots["slots"][i]["start"].as_str().unwrap().to_owned();
            let (s, _, created) = call!(app, book(&motif, &start, someone()));
            assert_eq!(s, StatusCode::CREATED);
            references.push(created["reference"].as_str().unwrap().to_owned());
        }
        let agent = token("agent", &[&site]);
        let (s, _, _) = call!(app, step(&references[1], "check-in", &agent));
        assert_eq!(s, StatusCode::OK);
        let first: chrono::DateTime<Utc> = slots["slots"][0]["start"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();

        let store = db.store();
        // Before the delay: nothing.
        assert!(
            store
                .sweep_no_shows(first + Duration::minutes(29), 100)
                .unwrap()
                .is_empty()
        );
        let after = first + Duration::minutes(31);
        assert_eq!(
            store.sweep_no_shows(after, 100).unwrap(),
            vec![references[0].clone()]
        );
        assert!(
            store
                .sweep_no_shows(after + Duration::minutes(1), 100)
                .unwrap()
                .is_empty()
        );

        clock.advance(after - Utc::now());
        let (_, _, view) = call!(app, get_as(&day_uri(&site, day), &agent));
        assert_eq!(item(&view, &references[0])["status"], "no_show");
        assert_eq!(item(&view, &references[1])["status"], "checked_in");
        // Undone by an agent (within 15 minutes), it is not flagged again.
        let (s, _, e) = call!(
            app,
            post(
                &format!("/api/v1/admin/reservations/{}/undo", references[0]),
                &agent,
                json!({"reason": "She was in the waiting room"})
            )
        );
        assert_eq!((s, e["status"].as_str()), (StatusCode::OK, Some("booked")));
        assert!(
            store
                .sweep_no_shows(after + Duration::minutes(5), 100)
                .unwrap()
                .is_empty()
        );
        clock.advance(Duration::minutes(20));
        let (s, _, _) = call!(app, step(&references[0], "check-in", &agent));
        assert_eq!(s, StatusCode::OK);
        let (s, _, p) = call!(
            app,
            post(
                &format!("/api/v1/admin/reservations/{}/undo", references[1]),
                &agent,
                json!({"reason": "Too late now"})
            )
        );
        assert_eq!((s, problem(&p)), (StatusCode::CONFLICT, "cannot-undo"));
        let integrity = store.booking_integrity().unwrap();
        assert_eq!(
            (
                integrity.overlapping,
                integrity.incomplete,
                integrity.orphaned
            ),
            (0, 0, 0)
        );
    }
}

#[actix_web::test]
async fn walk_ins_take_the_earliest_free_time_with_a_ticket_and_never_share_a_unit() {
    for db in TestDb::each() {
        let day = next_open_weekday();
        // 10:02 at the site (Paris, winter or summer: 08:02 or 09:02 UTC).
        let clock = paris_clock_at(day, 10, 2);
        let at = planipref_api::app::clock::Clock::now(clock.as_ref());
        let app =
            test::init_service(planipref_api::app(state(&db).with_clock(clock.clone()))).await;
        let (motif, site) = bobigny_motif(db.store(), "Renouvellement");
        let agent = token("agent", &[&site]);
        let walk_in = |body: Value| {
            post(
                &format!("/api/v1/admin/sites/{site}/walk-ins"),
                &agent,
                body,
            )
        };
        let (s, _, p) = call!(
            app,
            walk_in(
                json!({"motif_id": "x", "persons": 0, "applicant": {"last_name": "", "first_names": "A", "birth_date": "1990-13-01"}})
            )
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            fields(&p),
            [
                "motif_id",
                "persons",
                "applicant.last_name",
                "applicant.birth_date"
            ]
        );
        let mut seen = vec![];
        for n in 1..=3 {
            let person = json!({"last_name": format!("Nguyễn {}", ["A", "B", "C"][n as usize - 1]), "first_names": "Thị Lan", "birth_date": "1987-03-02"});
            let (s, _, e) = call!(
                app,
                walk_in(json!({"motif_id": motif, "applicant": person}))
            );
            assert_eq!(s, StatusCode::CREATED, "{e}");
            assert_eq!(
                (
                    e["ticket"].as_i64(),
                    e["status"].as_str(),
                    e["channel"].as_str()
                ),
                (Some(n), Some("checked_in"), Some("walk_in"))
            );
            let start: chrono::DateTime<Utc> = e["start"].as_str().unwrap().parse().unwrap();
            assert!(
                start >= at - Duration::minutes(5) && start <= at + Duration::minutes(61),
                "{start}"
            );
            seen.push((e["guichet_id"].clone(), e["start"].clone()));
        }
        seen.sort_by_key(|(g, s)| format!("{g}{s}"));
        seen.dedup();
        assert_eq!(seen.len(), 3);
        let (_, _, view) = call!(app, get_as(&day_uri(&site, day), &agent));
        assert_eq!(view["counts"]["checked_in"], 3);
        let integrity = db.store().booking_integrity().unwrap();
        assert_eq!(
            (
                integrity.overlapping,
                integrity.incomplete,
                integrity.orphaned
            ),
            (0, 0, 0)
        );
    }
}

#[actix_web::test]
async fn agents_and_intermediaries_book_for_someone_under_the_public_rules_and_a_daily_cap() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let (motif, site) = bobigny_motif(db.store(), "Renouvellement");
        let day = next_open_weekday();
        let (_, _, slots) = call!(app, slots_on(&motif, day));
        let start = |i: usize| slots["slots"][i]["start"].as_str().unwrap().to_owned();
        let agent = token("agent", &[&site]);
        let person =
            json!({"last_name": "Kowalski", "first_names": "Łukasz", "birth_date": "1979-06-30"});
        let on_behalf = |auth: &str, body: Value| post("/api/v1/admin/reservations", auth, body);
        let (s, _, p) = call!(
            app,
            on_behalf(
                &agent,
                json!({"motif_id": motif, "start": start(0), "channel": "web", "applicant": person})
            )
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&p), ["channel", "contact_note"]);
        let (s, _, created) = call!(
            app,
            on_behalf(
                &agent,
                json!({"motif_id": motif, "start": start(0), "channel": "phone", "contact_note": "Contacted by phone", "applicant": person})
            )
        );
        assert_eq!(s, StatusCode::CREATED, "{created}");
        let reference = created["reference"].as_str().unwrap();
        let token_given = created["management_token"].as_str().unwrap();
        let (s, _, _) = call!(
            app,
            TestRequest::get()
                .uri(&format!("/api/v1/reservations/{reference}"))
                .insert_header(("X-Management-Token", token_given))
        );
        assert_eq!(
            s,
            StatusCode::OK,
            "the person manages it with the token given on paper"
        );
        let (_, _, view) = call!(app, get_as(&day_uri(&site, day), &agent));
        let entry = item(&view, reference);
        assert_eq!(
            (entry["channel"].as_str(), entry["contact_note"].as_str()),
            (Some("phone"), Some("Contacted by phone"))
        );
        assert!(entry["booked_by"].as_str().unwrap().starts_with("agent:"));
        // The same person again for the same démarche: a doublon.
        let (s, _, p) = call!(
            app,
            on_behalf(
                &agent,
                json!({"motif_id": motif, "start": start(1), "channel": "counter", "contact_note": "At the counter", "applicant": person})
            )
        );
        assert_eq!((s, problem(&p)), (StatusCode::CONFLICT, "already-booked"));

        // An intermediary accredited in 93 books as such; not in 75.
        let asso = token("intermediary", &["93"]);
        let (s, _, created) = call!(
            app,
            on_behalf(
                &asso,
                json!({"motif_id": motif, "start": start(2), "channel": "phone", "applicant": {"last_name": "Diallo", "first_names": "Mamadou", "birth_date": "1995-02-01", "phone": "07 00 00 00 01"}})
            )
        );
        assert_eq!(s, StatusCode::CREATED, "{created}");
        let (_, _, view) = call!(app, get_as(&day_uri(&site, day), &agent));
        let entry = item(&view, created["reference"].as_str().unwrap());
        assert_eq!(
            (entry["channel"].as_str(), entry["organisation"].as_str()),
            (Some("intermediary"), Some("Association de test"))
        );
        let (s, _, _) = call!(app, get_as(&day_uri(&site, day), &asso));
        assert_eq!(s, StatusCode::FORBIDDEN, "intermediaries read nothing");
        let (s, _, _) = call!(
            app,
            on_behalf(
                &token("intermediary", &["75"]),
                json!({"motif_id": motif, "start": start(3), "channel": "phone", "applicant": {"last_name": "B", "first_names": "C", "birth_date": "1990-01-01", "phone": "0700000002"}})
            )
        );
        assert_eq!(s, StatusCode::FORBIDDEN);

        // A person with a convocation phones: the agent books with the
        // token on their letter; the convocation is then used up, for
        // anyone.
        let (_, _, issued) = call!(
            app,
            post(
                "/api/v1/admin/convocations",
                &token("admin_prefecture", &["93"]),
                json!({"motif_id": motif, "person": {"last_name": "Traoré", "first_names": "Awa", "birth_date": "1970-09-09"}})
            )
        );
        let letter = issued["token"].as_str().unwrap().to_owned();
        let awa = json!({"motif_id": motif, "start": start(5), "channel": "phone",
            "applicant": {"last_name": "Traoré", "first_names": "Awa", "birth_date": "1970-09-09", "phone": "01 48 00 00 00"}});
        let (s, _, b) = call!(
            app,
            on_behalf(&agent, awa.clone()).insert_header(("X-Convocation-Token", letter.clone()))
        );
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let (s, _, p) = call!(
            app,
            on_behalf(&agent, json!({"motif_id": motif, "start": start(6), "channel": "phone",
                "applicant": {"last_name": "Autre", "first_names": "Personne", "birth_date": "1970-09-09", "phone": "01 48 00 00 01"}}))
            .insert_header(("X-Convocation-Token", letter))
        );
        assert_eq!((s, problem(&p)), (StatusCode::CONFLICT, "convocation-used"));

        // The préfecture caps what one agent books a day.
        let admin = token("admin_prefecture", &["93"]);
        let (s, _, settings) = call!(app, get_as("/api/v1/admin/prefectures/93/counter", &admin));
        assert_eq!(
            (s, settings["agent_daily_bookings"].as_u64()),
            (StatusCode::OK, Some(100))
        );
        let (s, _, p) = call!(
            app,
            put(
                "/api/v1/admin/prefectures/93/counter",
                &admin,
                json!({"no_show_after_minutes": 1, "walk_in_horizon_minutes": 60, "agent_daily_bookings": 0})
            )
        );
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            fields(&p),
            ["no_show_after_minutes", "agent_daily_bookings"]
        );
        let (s, _, _) = call!(
            app,
            put(
                "/api/v1/admin/prefectures/93/counter",
                &admin,
                json!({"no_show_after_minutes": 30, "walk_in_horizon_minutes": 60, "agent_daily_bookings": 1})
            )
        );
        assert_eq!(s, StatusCode::OK);
        let before = db.store().count_reservations().unwrap();
        let (s, _, p) = call!(
            app,
            on_behalf(
                &agent,
                json!({"motif_id": motif, "start": start(4), "channel": "phone", "applicant": {"last_name": "Other", "first_names": "One", "birth_date": "1991-01-01", "email": "one@example.org"}})
            )
        );
        assert_eq!(
            (s, problem(&p)),
            (StatusCode::TOO_MANY_REQUESTS, "agent-daily-bookings")
        );
        assert_eq!(
            db.store().count_reservations().unwrap(),
            before,
            "nothing written"
        );
    }
}
