//! Everything held on one person (a legal request's export), its erasure,
//! and a préfecture's retention periods.

use chrono::{DateTime, NaiveDate, Utc};
use planipref_store::from_db;
use planipref_store::models::{ConvocationRow, ReservationEventRow, ReservationRow};
use planipref_store::outbox::OutboxRow;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

/// Whom: the person of one appointment, or everyone filed under a file
/// number (one of the two).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PersonQuery {
    /// An appointment's reference.
    #[param(example = "K7QX-M3PA")]
    pub reference: Option<String>,
    /// A foreigner's file number (AGDREF, ANEF), as recorded.
    #[param(example = "7501234567")]
    pub file_number: Option<String>,
}

/// A legal request to erase a person.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reference": "K7QX-M3PA", "reason": "Demande d'effacement (art. 17 RGPD) reçue le 2 décembre"}))]
pub struct EraseRequest {
    /// An appointment's reference (or `file_number`).
    #[schema(example = "K7QX-M3PA")]
    pub reference: Option<String>,
    /// A file number (or `reference`).
    #[schema(example = json!(null))]
    pub file_number: Option<String>,
    /// The request's grounds, 3 to 500 characters, kept in the audit
    /// trail.
    #[schema(
        min_length = 3,
        max_length = 500,
        example = "Demande d'effacement (art. 17 RGPD) reçue le 2 décembre"
    )]
    pub reason: String,
}

/// The person as an appointment or a convocation holds them.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeldIdentity {
    /// Family name.
    pub last_name: String,
    /// Given names.
    pub first_names: String,
    /// Date of birth.
    #[schema(format = Date)]
    pub birth_date: NaiveDate,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Nationality.
    pub nationality: Option<String>,
    /// File number.
    pub file_number: Option<String>,
}

/// A change of an appointment, as its history keeps it.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeldEvent {
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub occurred_at: DateTime<Utc>,
    /// Who (`applicant`, `agent:<id>`, `system`).
    pub actor: String,
    /// What.
    pub action: String,
    /// The reason given.
    pub detail: Option<String>,
}

/// A message sent about an appointment (not its content).
#[derive(Debug, Serialize, ToSchema)]
pub struct HeldMessage {
    /// What it said.
    pub kind: String,
    /// `email` or `sms`.
    pub channel: String,
    /// Where it stands.
    pub status: String,
    /// When it was sent.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sent_at: Option<DateTime<Utc>>,
}

/// An appointment held on the person.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeldReservation {
    /// Reference.
    pub reference: String,
    /// Status.
    pub status: String,
    /// Site.
    pub site_id: String,
    /// Motif.
    pub motif_id: String,
    /// Start.
    #[schema(value_type = String, format = DateTime)]
    pub start: DateTime<Utc>,
    /// When it was made.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    /// The person.
    pub person: HeldIdentity,
    /// Its history.
    pub history: Vec<HeldEvent>,
    /// Its messages.
    pub messages: Vec<HeldMessage>,
}

/// A convocation held on the person.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeldConvocation {
    /// Identifier.
    pub id: String,
    /// Site.
    pub site_id: String,
    /// Motif.
    pub motif_id: String,
    /// Valid until.
    #[schema(value_type = String, format = DateTime)]
    pub valid_until: DateTime<Utc>,
    /// Issued at, by.
    #[schema(value_type = String, format = DateTime)]
    pub issued_at: DateTime<Utc>,
    /// The agent who issued it.
    pub issued_by: String,
    /// The person.
    pub person: HeldIdentity,
}

/// Everything Planipref holds on a person.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!(example_export()))]
pub struct PersonExport {
    /// When it was read.
    #[schema(value_type = String, format = DateTime)]
    pub exported_at: DateTime<Utc>,
    /// Their appointments.
    pub reservations: Vec<HeldReservation>,
    /// Their convocations.
    pub convocations: Vec<HeldConvocation>,
}

/// What an erasure did.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"reservations": 1, "convocations": 0}))]
pub struct Erased {
    /// Appointments whose person was erased (their counts stay in the
    /// statistics).
    #[schema(minimum = 0)]
    pub reservations: u64,
    /// Convocations whose person was erased.
    #[schema(minimum = 0)]
    pub convocations: u64,
}

impl HeldReservation {
    /// From its row, history and messages.
    pub fn new(
        r: ReservationRow,
        history: Vec<ReservationEventRow>,
        messages: Vec<OutboxRow>,
    ) -> Self {
        let text = |s: String| Some(s).filter(|s| !s.is_empty());
        Self {
            reference: r.reference,
            status: r.status,
            site_id: r.site_id,
            motif_id: r.motif_id,
            start: from_db(r.starts_at),
            created_at: from_db(r.created_at),
            person: HeldIdentity {
                last_name: r.last_name,
                first_names: r.first_names,
                birth_date: r.birth_date,
                email: text(r.email),
                phone: text(r.phone),
                nationality: r.nationality,
                file_number: r.file_number,
            },
            history: history
                .into_iter()
                .map(|e| HeldEvent {
                    occurred_at: from_db(e.occurred_at),
                    actor: e.actor,
                    action: e.action,
                    detail: e.detail,
                })
                .collect(),
            messages: messages
                .into_iter()
                .map(|m| HeldMessage {
                    kind: m.kind,
                    channel: m.channel,
                    status: m.status,
                    sent_at: m.sent_at.map(from_db),
                })
                .collect(),
        }
    }
}

impl From<ConvocationRow> for HeldConvocation {
    fn from(c: ConvocationRow) -> Self {
        Self {
            id: c.id,
            site_id: c.site_id,
            motif_id: c.motif_id,
            valid_until: from_db(c.valid_until),
            issued_at: from_db(c.issued_at),
            issued_by: c.issued_by,
            person: HeldIdentity {
                last_name: c.last_name,
                first_names: c.first_names,
                birth_date: c.birth_date,
                email: c.email,
                phone: c.phone,
                nationality: None,
                file_number: c.file_number,
            },
        }
    }
}

pub fn example_export() -> Value {
    json!({"exported_at": "2026-12-04T10:00:00Z", "reservations": [{"reference": "K7QX-M3PA", "status": "done", "site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "motif_id": "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00", "start": "2026-11-10T08:30:00Z", "created_at": "2026-10-20T18:02:00Z",
        "person": {"last_name": "N'Diaye", "first_names": "Aïssata", "birth_date": "1990-04-12", "email": "aissata@example.org", "phone": "06 12 34 56 78", "nationality": null, "file_number": null},
        "history": [{"occurred_at": "2026-10-20T18:02:00Z", "actor": "applicant", "action": "created", "detail": null}],
        "messages": [{"kind": "booked", "channel": "email", "status": "sent", "sent_at": "2026-10-20T18:02:04Z"}]}], "convocations": []})
}

/// New retention periods, in months (sent with `If-Match`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"identity_months": 9, "message_months": 1, "audit_months": 60}))]
pub struct RetentionUpdate {
    /// Applicants' identity and contact (1 to 36).
    #[schema(minimum = 1, maximum = 36, example = 9)]
    pub identity_months: u32,
    /// Messages (1 to `identity_months`).
    #[schema(minimum = 1, maximum = 36, example = 1)]
    pub message_months: u32,
    /// The audit trail (`identity_months` to 120).
    #[schema(minimum = 1, maximum = 120, example = 60)]
    pub audit_months: u32,
}

/// A préfecture's retention periods, in months.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"identity_months": 9, "message_months": 1, "audit_months": 60, "version": 3}))]
pub struct RetentionSettings {
    /// Applicants' identity and contact, after the appointment's day
    /// (1 to 36; 9 by default).
    #[schema(minimum = 1, maximum = 36, example = 9)]
    pub identity_months: u32,
    /// Messages' bodies and delivery records, after they were written (1
    /// to `identity_months`; 1 by default).
    #[schema(minimum = 1, maximum = 36, example = 1)]
    pub message_months: u32,
    /// The audit trail (`identity_months` to 120; 60 by default);
    /// applicants are removed from it after `identity_months`.
    #[schema(minimum = 1, maximum = 120, example = 60)]
    pub audit_months: u32,
    /// The préfecture's version (its `ETag`): send it in `If-Match`.
    #[schema(minimum = 1, example = 3)]
    pub version: i32,
}

crate::http::version::versioned_by_field!(RetentionSettings);
