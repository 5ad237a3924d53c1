//! How long personal data is kept (RGPD), per préfecture and category, in
//! months after the appointment's day (or a convocation's end, a
//! message's writing, an audit entry's time), and what erasing a person
//! leaves: counts survive, people do not.

use crate::error::FieldError;
use chrono::{DateTime, Months, Utc};

/// A préfecture's retention periods, in months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Applicants' identity and contact (names, birth date, e-mail, phone,
    /// nationality, file number): 9 by default, as the workshops asked.
    pub identity_months: u32,
    /// Messages' bodies and delivery records (the outbox): 1 by default.
    pub message_months: u32,
    /// The audit trail: 60 by default; applicants in it are pseudonymised
    /// once their identity's retention has passed.
    pub audit_months: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            identity_months: 9,
            message_months: 1,
            audit_months: 60,
        }
    }
}

/// Longest retention of identities, in months.
pub const MAX_IDENTITY_MONTHS: u32 = 36;
/// Longest retention of the audit trail, in months.
pub const MAX_AUDIT_MONTHS: u32 = 120;

impl Retention {
    /// Checks periods: identity 1 to 36 months; messages 1 month to the
    /// identity's; the audit trail from the identity's to 120 months.
    pub fn check(&self) -> Vec<FieldError> {
        let mut refused = Vec::new();
        if !(1..=MAX_IDENTITY_MONTHS).contains(&self.identity_months) {
            refused.push(FieldError::new(
                "identity_months",
                "must be between 1 and 36",
            ));
        }
        if !(1..=self.identity_months.max(1)).contains(&self.message_months) {
            refused.push(FieldError::new(
                "message_months",
                "must be between 1 and identity_months",
            ));
        }
        if !(self.identity_months..=MAX_AUDIT_MONTHS).contains(&self.audit_months) {
            refused.push(FieldError::new(
                "audit_months",
                "must be between identity_months and 120",
            ));
        }
        refused
    }
}

/// The instant `months` before `now`: what is older is due.
pub fn cutoff(now: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    now.checked_sub_months(Months::new(months))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The keys of personal data in recorded JSON (an audit entry's before
/// and after), removed at any depth once the identity's period is past.
pub const PERSONAL_KEYS: [&str; 10] = [
    "last_name",
    "first_names",
    "birth_date",
    "email",
    "phone",
    "nationality",
    "file_number",
    "contact_note",
    "applicant",
    "person",
];

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn periods_are_bounded_and_ordered() {
        assert!(Retention::default().check().is_empty());
        let fields = |r: Retention| r.check().into_iter().map(|f| f.field).collect::<Vec<_>>();
        assert_eq!(
            fields(Retention {
                identity_months: 0,
                message_months: 1,
                audit_months: 60
            }),
            ["identity_months"]
        );
        assert_eq!(
            fields(Retention {
                identity_months: 6,
                message_months: 7,
                audit_months: 5
            }),
            ["message_months", "audit_months"]
        );
        assert_eq!(
            fields(Retention {
                identity_months: 37,
                message_months: 1,
                audit_months: 121
            }),
            ["identity_months", "audit_months"]
        );
    }

    #[test]
    fn a_cutoff_is_calendar_months_back() {
        let now = Utc.with_ymd_and_hms(2026, 12, 4, 10, 0, 0).unwrap();
        assert_eq!(
            cutoff(now, 9),
            Utc.with_ymd_and_hms(2026, 3, 4, 10, 0, 0).unwrap()
        );
        let end_of_may = Utc.with_ymd_and_hms(2026, 5, 31, 0, 0, 0).unwrap();
        assert_eq!(
            cutoff(end_of_may, 3),
            Utc.with_ymd_and_hms(2026, 2, 28, 0, 0, 0).unwrap()
        );
    }
}
