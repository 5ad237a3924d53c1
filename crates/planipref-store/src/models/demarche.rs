//! The national catalogue's rows: a démarche's defaults, its file check,
//! and documents as stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::MultiBackend;
use crate::schema::*;

/// An entry of the national catalogue of démarches.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = demarches, check_for_backend(MultiBackend))]
pub struct DemarcheRow {
    pub code: String,
    pub label: String,
    pub description: String,
    pub default_duration_minutes: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Documents to bring: a JSON array of strings.
    pub documents: String,
    pub default_booking_window_days: i32,
    pub default_min_notice_hours: i32,
    pub default_cancellation_deadline_hours: i32,
    /// Raised by each change an administrator makes (the API's
    /// `version`); 1 when created.
    pub revision: i32,
    /// The system an applicant's file is checked with before a hold or a
    /// booking (`anef`, `snpc`); `None`: no check.
    pub file_check: Option<String>,
    /// When that system cannot say: `refuse` or `accept_and_flag`.
    pub file_check_on_failure: String,
}

impl DemarcheRow {
    /// Its documents to bring.
    pub fn document_list(&self) -> Vec<String> {
        documents_from_json(&self.documents)
    }

    /// Its file check, when it asks for one (codes checked when written;
    /// an unknown policy reads as refusing).
    pub fn file_check(&self) -> Option<planipref_domain::file_check::FileCheck> {
        use planipref_domain::file_check::{FileCheck, FileSystem, OnFailure};
        let system = FileSystem::from_code(self.file_check.as_deref()?)?;
        let on_failure = OnFailure::from_code(&self.file_check_on_failure).unwrap_or_default();
        Some(FileCheck { system, on_failure })
    }

    /// Sets its file check (`None`: no check).
    pub fn set_file_check(&mut self, check: Option<planipref_domain::file_check::FileCheck>) {
        self.file_check = check.map(|c| c.system.code().to_owned());
        self.file_check_on_failure = check
            .map(|c| c.on_failure)
            .unwrap_or_default()
            .code()
            .to_owned();
    }

    /// Its default booking rules (checked when written).
    pub fn default_rules(&self) -> planipref_domain::booking_rules::BookingRules {
        let count = |v: i32| u32::try_from(v).unwrap_or(0);
        planipref_domain::booking_rules::BookingRules {
            booking_window_days: count(self.default_booking_window_days),
            min_notice_hours: count(self.default_min_notice_hours),
            cancellation_deadline_hours: count(self.default_cancellation_deadline_hours),
        }
    }

    /// Sets its default booking rules (checked by the caller).
    pub fn set_default_rules(&mut self, rules: planipref_domain::booking_rules::BookingRules) {
        let count = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        self.default_booking_window_days = count(rules.booking_window_days);
        self.default_min_notice_hours = count(rules.min_notice_hours);
        self.default_cancellation_deadline_hours = count(rules.cancellation_deadline_hours);
    }
}

/// A list of documents as stored (a JSON array of strings).
pub fn documents_to_json(documents: &[String]) -> String {
    serde_json::to_string(documents).unwrap_or_else(|_| "[]".to_owned())
}

/// A stored list of documents; an unreadable value reads as none (it is
/// only ever written by [`documents_to_json`]).
pub fn documents_from_json(raw: &str) -> Vec<String> {
    serde_json::from_str(raw).unwrap_or_default()
}
