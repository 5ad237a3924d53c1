//! Requests and readings the tests share: booking, holding, listing a
//! day's slots, a problem's type, the audit trail's length, the person
//! convocations are issued to.

use std::fmt::Display;

use actix_web::test::TestRequest;
use planipref_test_support::TestDb;
use serde_json::{Value, json};

/// `POST /reservations` of the slot `start` of `motif` for `applicant`.
pub fn book(motif: impl Display, start: &str, applicant: Value) -> TestRequest {
    TestRequest::post()
        .uri("/api/v1/reservations")
        .set_json(json!({
            "motif_id": motif.to_string(), "start": start, "applicant": applicant
        }))
}

/// `POST /holds` of the slot `start` of `motif`.
pub fn hold(motif: impl Display, start: &str) -> TestRequest {
    TestRequest::post()
        .uri("/api/v1/holds")
        .set_json(json!({"motif_id": motif.to_string(), "start": start}))
}

/// The slots of `motif` on `day`.
pub fn slots_on(motif: impl Display, day: chrono::NaiveDate) -> TestRequest {
    TestRequest::get().uri(&format!("/api/v1/motifs/{motif}/slots?from={day}&to={day}"))
}

/// A problem's type without its `urn:planipref:problem:` prefix.
pub fn problem(body: &Value) -> &str {
    body["type"]
        .as_str()
        .unwrap_or("")
        .trim_start_matches("urn:planipref:problem:")
}

/// How many entries the audit trail holds.
pub fn audit_count(db: &TestDb) -> i64 {
    db.store()
        .list_audit(&Default::default(), 0, 1)
        .unwrap()
        .total
}

/// The person convoked in the tests.
pub fn aissata() -> Value {
    json!({
        "last_name": "N'Diaye",
        "first_names": "Aïssata Marie",
        "birth_date": "1990-04-12",
        "email": "aissata.ndiaye@example.org"
    })
}
