//! What bookings owe their applicants, as agents see it in the history:
//! the confirmation and reminders, taken back and replaced by a message
//! when an agent cancels, on both databases.

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use planipref_test_support::TestDb;
use serde_json::{Value, json};

use crate::common::requests::{hold, slots_on};
use crate::common::{
    bobigny_motif, fields, get_as, next_open_weekday, post, someone, state, token,
};

/// `(kind, channel, status)` of each message of a history, sorted.
fn messages(history: &Value) -> Vec<(String, String, String)> {
    let mut all: Vec<_> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let s = |k: &str| m[k].as_str().unwrap().to_owned();
            (s("kind"), s("channel"), s("status"))
        })
        .collect();
    all.sort();
    all
}

fn owned(items: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    let mut all: Vec<_> = items
        .iter()
        .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
        .collect();
    all.sort();
    all
}

#[actix_web::test]
async fn agents_see_what_an_appointment_owes_its_applicant_never_the_content() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let (motif, site) = bobigny_motif(db.store(), "Renouvellement");
        let (_, _, slots) = call!(app, slots_on(&motif, next_open_weekday()));
        let start = slots["slots"][0]["start"].as_str().unwrap().to_owned();

        let mut english = someone();
        english["email"] = json!("someone@example.org");
        english["phone"] = json!("07 00 11 22 33");
        let request = TestRequest::post()
            .uri("/api/v1/reservations")
            .set_json(json!({
                "motif_id": motif, "start": start, "applicant": english, "language": "de"
            }));
        let (s, _, p) = call!(app, request);
        assert_eq!(
            (s, fields(&p)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec!["language".to_owned()]
            )
        );
        let request = TestRequest::post()
            .uri("/api/v1/reservations")
            .set_json(json!({
                "motif_id": motif, "start": start, "applicant": english, "language": "en"
            }));
        let (s, _, created) = call!(app, request);
        assert_eq!(s, StatusCode::CREATED, "{created}");
        let reference = created["reference"].as_str().unwrap();
        let agent = token("agent", &[&site]);
        let history_uri = format!("/api/v1/admin/reservations/{reference}/history");
        let (_, _, history) = call!(app, get_as(&history_uri, &agent));
        assert_eq!(
            messages(&history),
            owned(&[
                ("booked", "email", "pending"),
                ("booked", "sms", "pending"),
                ("reminder", "email", "pending"),
                ("reminder", "email", "pending"),
                ("reminder", "sms", "pending"),
                ("reminder", "sms", "pending"),
            ]),
            "{}",
            db.backend()
        );
        // Status and times, never an address or a text.
        let text = history["messages"].to_string();
        assert!(
            !text.contains("someone@example.org") && !text.contains("07 00"),
            "{text}"
        );

        let (s, _, _) = call!(
            app,
            post(
                &format!("/api/v1/admin/reservations/{reference}/cancel"),
                &agent,
                json!({"reason": "Guichet fermé ce jour-là"})
            )
        );
        assert_eq!(s, StatusCode::OK);
        let (_, _, history) = call!(app, get_as(&history_uri, &agent));
        assert_eq!(
            messages(&history),
            owned(&[
                ("booked", "email", "cancelled"),
                ("booked", "sms", "cancelled"),
                ("cancelled", "email", "pending"),
                ("cancelled", "sms", "pending"),
                ("reminder", "email", "cancelled"),
                ("reminder", "email", "cancelled"),
                ("reminder", "sms", "cancelled"),
                ("reminder", "sms", "cancelled"),
            ])
        );

        // Booked from a hold (the journey of service-public.fr): the same.
        let start = slots["slots"][2]["start"].as_str().unwrap().to_owned();
        let (s, _, held) = call!(app, hold(&motif, &start));
        assert_eq!(s, StatusCode::CREATED, "{held}");
        let request = TestRequest::post()
            .uri("/api/v1/reservations")
            .set_json(json!({
                "hold_id": held["hold_id"], "applicant": someone()
            }));
        let (s, _, confirmed) = call!(app, request);
        assert_eq!(s, StatusCode::CREATED, "{confirmed}");
        let uri = format!(
            "/api/v1/admin/reservations/{}/history",
            confirmed["reference"].as_str().unwrap()
        );
        let (_, _, history) = call!(app, get_as(&uri, &agent));
        let kinds: Vec<_> = messages(&history).into_iter().map(|(k, ..)| k).collect();
        assert!(kinds.contains(&"booked".to_owned()), "{history}");
        assert!(kinds.contains(&"reminder".to_owned()), "{history}");

        // Booked by phone for someone with neither e-mail nor mobile: no
        // message is owed (a landline takes no SMS).
        let start = slots["slots"][1]["start"].as_str().unwrap().to_owned();
        let (s, _, created) = call!(
            app,
            post(
                "/api/v1/admin/reservations",
                &agent,
                json!({"motif_id": motif, "start": start, "channel": "phone",
                    "contact_note": "Rappeler au fixe",
                    "applicant": {"last_name": "Benali", "first_names": "Fatima",
                        "birth_date": "1960-05-30", "phone": "01 41 60 60 60"}})
            )
        );
        assert_eq!(s, StatusCode::CREATED, "{created}");
        let uri = format!(
            "/api/v1/admin/reservations/{}/history",
            created["reference"].as_str().unwrap()
        );
        let (_, _, history) = call!(app, get_as(&uri, &agent));
        assert_eq!(messages(&history), owned(&[]));
    }
}

#[actix_web::test]
async fn a_convocation_can_be_sent_by_email_and_sms_and_its_withdrawal_follows() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let (motif, _) = bobigny_motif(db.store(), "Renouvellement");
        let admin = token("admin_prefecture", &["93"]);
        let issue = |send: Value, person: Value| {
            post(
                "/api/v1/admin/convocations",
                &admin,
                json!({"motif_id": motif, "person": person, "send": send, "language": "en"}),
            )
        };
        let moussa = json!({"last_name": "Diallo", "first_names": "Moussa", "birth_date": "1985-01-01",
            "email": "m.diallo@example.org", "phone": "06 98 76 54 32"});
        let unreachable = json!({"last_name": "Diallo", "first_names": "Awa", "birth_date": "1987-01-01",
            "phone": "01 41 60 60 60"});
        let (s, _, p) = call!(app, issue(json!(["email", "sms", "fax"]), unreachable));
        assert_eq!(
            (s, fields(&p)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![
                    "person.email".to_owned(),
                    "person.phone".to_owned(),
                    "send".to_owned()
                ]
            )
        );
        let (s, _, issued) = call!(app, issue(json!(["email", "sms"]), moussa));
        assert_eq!(s, StatusCode::CREATED, "{issued}");
        let id = issued["convocation"]["id"].as_str().unwrap().to_owned();
        let messages = db.store().convocation_messages(&id).unwrap();
        let mut owed: Vec<_> = messages
            .iter()
            .map(|m| {
                (
                    m.kind.as_str(),
                    m.channel.as_str(),
                    m.status.as_str(),
                    m.language.as_str(),
                )
            })
            .collect();
        owed.sort();
        assert_eq!(
            owed,
            [
                ("convocation_issued", "email", "pending", "en"),
                ("convocation_issued", "sms", "pending", "en")
            ],
            "{}",
            db.backend()
        );
        // The link's token is sealed, not written as given.
        let token_given = issued["token"].as_str().unwrap();
        for m in &messages {
            let sealed = m.sealed.as_deref().unwrap();
            assert!(!sealed.contains(token_given));
        }
        // Revoked before anything went out: nothing is sent, nor withdrawn.
        let (s, _, _) = call!(
            app,
            post(
                &format!("/api/v1/admin/convocations/{id}/revoke"),
                &admin,
                json!({"reason": "Envoyée par erreur"})
            )
        );
        assert_eq!(s, StatusCode::OK);
        let after: Vec<_> = db
            .store()
            .convocation_messages(&id)
            .unwrap()
            .into_iter()
            .map(|m| (m.kind, m.status, m.sealed))
            .collect();
        assert_eq!(
            after,
            [
                (
                    "convocation_issued".to_owned(),
                    "cancelled".to_owned(),
                    None
                ),
                (
                    "convocation_issued".to_owned(),
                    "cancelled".to_owned(),
                    None
                )
            ]
        );
    }
}

/// `(kind, status)` counts of a history's messages, e.g. `("reminder",
/// "cancelled") → 4`.
fn counted(history: &Value) -> std::collections::BTreeMap<(String, String), usize> {
    let mut counts = std::collections::BTreeMap::new();
    for (kind, _, status) in messages(history) {
        *counts.entry((kind, status)).or_insert(0) += 1;
    }
    counts
}

fn count(
    counts: &std::collections::BTreeMap<(String, String), usize>,
    kind: &str,
    status: &str,
) -> usize {
    counts
        .get(&(kind.to_owned(), status.to_owned()))
        .copied()
        .unwrap_or(0)
}

#[actix_web::test]
async fn moves_closures_and_absences_owe_their_messages_and_take_back_the_reminders() {
    for db in TestDb::each() {
        let clock = std::sync::Arc::new(crate::common::ShiftedClock::default());
        let app =
            test::init_service(planipref_api::app(state(&db).with_clock(clock.clone()))).await;
        let (motif, site) = bobigny_motif(db.store(), "Renouvellement");
        let day = next_open_weekday();
        let (_, _, slots) = call!(app, slots_on(&motif, day));
        let start = |i: usize| slots["slots"][i]["start"].as_str().unwrap().to_owned();
        let agent = token("agent", &[&site]);
        let booked = |i: usize| {
            TestRequest::post()
                .uri("/api/v1/reservations")
                .set_json(json!({
                    "motif_id": motif, "start": start(i), "applicant": someone()
                }))
        };
        let history = |reference: &str| {
            get_as(
                &format!("/api/v1/admin/reservations/{reference}/history"),
                &agent,
            )
        };

        // Moved by an agent: a `moved` message, the old reminders taken
        // back, new ones owed.
        let (_, _, first) = call!(app, booked(0));
        let reference = first["reference"].as_str().unwrap().to_owned();
        let (_, _, second) = call!(app, booked(1));
        let flagged = second["reference"].as_str().unwrap().to_owned();
        let (_, _, third) = call!(app, booked(2));
        let absent = third["reference"].as_str().unwrap().to_owned();
        let (s, _, moved) = call!(
            app,
            post(
                &format!("/api/v1/admin/reservations/{reference}/reschedule"),
                &agent,
                json!({"start": start(3), "reason": "Guichet indisponible"})
            )
        );
        assert_eq!(s, StatusCode::OK, "{moved}");
        let (_, _, h) = call!(app, history(&reference));
        let c = counted(&h);
        assert_eq!(count(&c, "moved", "pending"), 2, "{c:?}");
        assert_eq!(count(&c, "reminder", "cancelled"), 4, "{c:?}");
        assert_eq!(count(&c, "reminder", "pending"), 4, "{c:?}");

        // A closure over the day: `needs_rebooking`, no reminder left.
        let (s, _, _) = call!(
            app,
            post(
                &format!("/api/v1/admin/sites/{site}/fermetures?on_conflict=flag"),
                &token("admin_prefecture", &["93"]),
                json!({"from_date": day.to_string(), "to_date": day.to_string(), "reason": "Grève"})
            )
        );
        assert_eq!(s, StatusCode::CREATED);
        let (_, _, h) = call!(app, history(&flagged));
        let c = counted(&h);
        assert_eq!(count(&c, "needs_rebooking", "pending"), 2, "{c:?}");
        assert_eq!(count(&c, "reminder", "pending"), 0, "{c:?}");

        // Absent (flagged too, but it came to nothing): the message waits
        // for the undo window; an undo takes it back.
        let begins: chrono::DateTime<chrono::Utc> = start(2).parse().unwrap();
        clock.advance(begins + chrono::Duration::minutes(5) - chrono::Utc::now());
        let step = |what: &str, body: Value| {
            post(
                &format!("/api/v1/admin/reservations/{absent}/{what}"),
                &agent,
                body,
            )
        };
        let (s, _, _) = call!(app, step("no-show", json!({})));
        assert_eq!(s, StatusCode::OK);
        let (_, _, h) = call!(app, history(&absent));
        let pending: Vec<&Value> = h["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["kind"] == "no_show")
            .collect();
        assert_eq!(pending.len(), 2, "{h}");
        let due: chrono::DateTime<chrono::Utc> =
            pending[0]["due_at"].as_str().unwrap().parse().unwrap();
        assert!(
            due > begins + chrono::Duration::minutes(19),
            "15 minutes after: {due}"
        );
        let (s, _, _) = call!(
            app,
            step("undo", json!({"reason": "Elle attendait dehors"}))
        );
        assert_eq!(s, StatusCode::OK);
        let (_, _, h) = call!(app, history(&absent));
        assert_eq!(count(&counted(&h), "no_show", "cancelled"), 2, "{h}");
    }
}

#[actix_web::test]
async fn an_applicant_stops_sms_and_no_appointment_sends_them_any_more() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let (motif, site) = bobigny_motif(db.store(), "Renouvellement");
        let (_, _, slots) = call!(app, slots_on(&motif, next_open_weekday()));
        let start = |i: usize| slots["slots"][i]["start"].as_str().unwrap().to_owned();
        let mut person = someone();
        person["phone"] = json!("07 12 34 56 78");
        let (s, _, created) = call!(
            app,
            TestRequest::post()
                .uri("/api/v1/reservations")
                .set_json(json!({
                    "motif_id": motif, "start": start(0), "applicant": person
                }))
        );
        assert_eq!(s, StatusCode::CREATED, "{created}");
        let reference = created["reference"].as_str().unwrap().to_owned();
        let stop = |token: &str| {
            TestRequest::post()
                .uri(&format!("/api/v1/reservations/{reference}/sms-opt-out"))
                .insert_header(("X-Management-Token", token.to_owned()))
        };
        let (s, _, _) = call!(
            app,
            stop("0000000000000000000000000000000000000000000000000000000000000000")
        );
        assert_eq!(s, StatusCode::NOT_FOUND, "a wrong token reveals nothing");
        let token_given = created["management_token"].as_str().unwrap().to_owned();
        let (s, _, answer) = call!(app, stop(&token_given));
        assert_eq!(s, StatusCode::OK, "{answer}");
        // The confirmation and two reminders by SMS.
        assert_eq!(
            answer["cancelled_messages"],
            3,
            "{}: {answer}",
            db.backend()
        );
        let (_, _, again) = call!(app, stop(&token_given));
        assert_eq!(
            again["cancelled_messages"], 0,
            "asking again changes nothing"
        );
        // Kept under a keyed hash: not the plain one anybody can compute.
        let keys = planipref_test_support::opt_out_keys(db.store());
        assert_eq!(keys.len(), 1);
        let plain = planipref_domain::messages::legacy_opt_out_key("+33712345678");
        assert_ne!(keys[0], plain);
        assert!(!keys[0].contains("712345678"));

        let agent = token("agent", &[&site]);
        let uri = format!("/api/v1/admin/reservations/{reference}/history");
        let (_, _, history) = call!(app, get_as(&uri, &agent));
        let c = counted(&history);
        assert_eq!(count(&c, "booked", "pending"), 1, "the e-mail stays: {c:?}");
        assert_eq!(count(&c, "booked", "cancelled"), 1, "{c:?}");

        // Another appointment for the same number (written otherwise)
        // sends no SMS.
        let mut same = someone();
        same["phone"] = json!("+33 7 12 34 56 78");
        let (_, _, other) = call!(
            app,
            TestRequest::post()
                .uri("/api/v1/reservations")
                .set_json(json!({
                    "motif_id": motif, "start": start(1), "applicant": same
                }))
        );
        let uri = format!(
            "/api/v1/admin/reservations/{}/history",
            other["reference"].as_str().unwrap()
        );
        let (_, _, history) = call!(app, get_as(&uri, &agent));
        assert!(
            messages(&history)
                .iter()
                .all(|(_, channel, _)| channel == "email"),
            "{history}"
        );

        // An opt-out kept under the plain hash of earlier versions is
        // still honoured.
        planipref_test_support::write_opt_out_key(
            db.store(),
            &planipref_domain::messages::legacy_opt_out_key("+33698765432"),
        );
        let mut earlier = someone();
        earlier["phone"] = json!("06 98 76 54 32");
        let (s, _, booked) = call!(
            app,
            TestRequest::post()
                .uri("/api/v1/reservations")
                .set_json(json!({
                    "motif_id": motif, "start": start(2), "applicant": earlier
                }))
        );
        assert_eq!(s, StatusCode::CREATED, "{booked}");
        let uri = format!(
            "/api/v1/admin/reservations/{}/history",
            booked["reference"].as_str().unwrap()
        );
        let (_, _, history) = call!(app, get_as(&uri, &agent));
        let sent = messages(&history);
        assert!(!sent.is_empty(), "{history}");
        assert!(
            sent.iter().all(|(_, channel, _)| channel == "email"),
            "{history}"
        );
    }
}

#[actix_web::test]
async fn each_motif_says_when_its_appointments_are_reminded() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let (motif, site) = bobigny_motif(db.store(), "Renouvellement");
        let admin = token("admin_prefecture", &["93"]);
        let agent = token("agent", &[&site]);
        let motif_uri = format!("/api/v1/admin/motifs/{motif}");
        let (s, _, p) = call!(
            app,
            crate::common::put(&motif_uri, &admin, json!({"reminders": [0, 400]}))
        );
        assert_eq!(
            (s, fields(&p)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec!["reminders".to_owned()]
            )
        );
        let (_, _, slots) = call!(app, slots_on(&motif, next_open_weekday()));
        for (i, hours, reminders) in [(0, json!([24, 72]), 2), (1, json!([]), 0)] {
            let (s, _, changed) = call!(
                app,
                crate::common::put(&motif_uri, &admin, json!({"reminders": hours}))
            );
            assert_eq!(s, StatusCode::OK, "{changed}");
            let start = slots["slots"][i]["start"].as_str().unwrap().to_owned();
            let (s, _, created) = call!(
                app,
                TestRequest::post()
                    .uri("/api/v1/reservations")
                    .set_json(json!({
                        "motif_id": motif, "start": start, "applicant": someone()
                    }))
            );
            assert_eq!(s, StatusCode::CREATED, "{created}");
            let uri = format!(
                "/api/v1/admin/reservations/{}/history",
                created["reference"].as_str().unwrap()
            );
            let (_, _, history) = call!(app, get_as(&uri, &agent));
            let c = counted(&history);
            // Each reminder by e-mail and SMS.
            assert_eq!(
                count(&c, "reminder", "pending"),
                reminders * 2,
                "{hours}: {c:?}"
            );
        }
        let (_, _, read) = call!(app, get_as(&motif_uri, &admin));
        assert_eq!(read["reminders"], json!([]));
    }
}
