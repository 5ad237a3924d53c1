//! The messages of an appointment as agents see them: what was sent, by
//! which channel, when, and what failed, never their content or address.

use chrono::{DateTime, Utc};
use planipref_store::from_db;
use planipref_store::outbox::OutboxRow;
use serde::Serialize;
use utoipa::ToSchema;

/// One message about an appointment.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageEntry {
    /// The message's id (the e-mail's `Message-ID`, the SMS's id).
    #[schema(format = Uuid, example = "f715b8be-be7a-43bb-8186-913067dcc323")]
    pub id: String,
    /// What it says: `booked`, `moved`, `cancelled`, `needs_rebooking`,
    /// `reminder` or `no_show`.
    #[schema(example = "booked")]
    pub kind: String,
    /// `email` or `sms`.
    #[schema(example = "email")]
    pub channel: String,
    /// `pending`, `sent`, `failed` (given up: the applicant was not
    /// reached) or `cancelled` (no longer owed: a reminder of an
    /// appointment moved or cancelled).
    #[schema(example = "sent")]
    pub status: String,
    /// When it is or was due.
    #[schema(value_type = String, format = DateTime, example = "2026-12-04T09:00:03Z")]
    pub due_at: DateTime<Utc>,
    /// When it was handed over.
    #[schema(value_type = Option<String>, format = DateTime, example = "2026-12-04T09:00:05Z")]
    pub sent_at: Option<DateTime<Utc>>,
    /// Attempts that failed.
    #[schema(example = 0, minimum = 0)]
    pub failed_attempts: u32,
    /// Why the last attempt failed (never an address).
    #[schema(example = json!(null))]
    pub last_error: Option<String>,
}

impl From<OutboxRow> for MessageEntry {
    fn from(m: OutboxRow) -> Self {
        Self {
            id: m.id,
            kind: m.kind,
            channel: m.channel,
            status: m.status,
            due_at: from_db(m.due_at),
            sent_at: m.sent_at.map(from_db),
            failed_attempts: u32::try_from(m.attempts).unwrap_or(0),
            last_error: m.last_error,
        }
    }
}

/// What stopping SMS did.
#[derive(Debug, Serialize, ToSchema)]
pub struct SmsOptOut {
    /// The appointment through which it was asked.
    #[schema(example = "K7QX-M3PA")]
    pub reference: String,
    /// No SMS will be sent to the applicant's mobile any more.
    #[schema(example = true)]
    pub sms_stopped: bool,
    /// SMS that were still to come and are cancelled.
    #[schema(example = 2, minimum = 0)]
    pub cancelled_messages: u32,
}

/// What stopping SMS answers.
pub fn example_sms_opt_out() -> serde_json::Value {
    serde_json::json!({"reference": "K7QX-M3PA", "sms_stopped": true, "cancelled_messages": 2})
}
