//! What bookings owe their applicants, as agents see it in the history:
//! the confirmation and reminders, taken back and replaced by a message
//! when an agent cancels, on both databases.

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use planipref_test_support::TestDb;
use serde_json::{Value, json};

use crate::common::requests::slots_on;
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
                ("booked", "email", "pending"),
                ("booked", "sms", "pending"),
                ("cancelled", "email", "pending"),
                ("cancelled", "sms", "pending"),
                ("reminder", "email", "cancelled"),
                ("reminder", "email", "cancelled"),
                ("reminder", "sms", "cancelled"),
                ("reminder", "sms", "cancelled"),
            ])
        );

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
