//! A motif's booking rules: how many days ahead its slots open, how many
//! hours before a slot booking closes, and until when the applicant may
//! cancel; with the national defaults a démarche starts from and the
//! bounds each rule must keep. A motif follows its démarche's rules unless
//! it sets its own (see [`crate::motif::resolve_motif`]).

use chrono::{DateTime, Utc};

use crate::error::{Collector, DomainError, FieldError};

/// Default booking window: slots open this many days ahead.
pub const DEFAULT_BOOKING_WINDOW_DAYS: u32 = 90;
/// Default minimum notice: booking closes this many hours before a slot.
pub const DEFAULT_MIN_NOTICE_HOURS: u32 = 24;
/// Default cancellation deadline, in hours before the appointment.
pub const DEFAULT_CANCELLATION_DEADLINE_HOURS: u32 = 24;

/// A motif's booking rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingRules {
    /// Slots open this many days ahead (1–366).
    pub booking_window_days: u32,
    /// Booking closes this many hours before a slot (0–720).
    pub min_notice_hours: u32,
    /// The applicant may cancel until this many hours before (0–720).
    pub cancellation_deadline_hours: u32,
}

impl Default for BookingRules {
    fn default() -> Self {
        Self {
            booking_window_days: DEFAULT_BOOKING_WINDOW_DAYS,
            min_notice_hours: DEFAULT_MIN_NOTICE_HOURS,
            cancellation_deadline_hours: DEFAULT_CANCELLATION_DEADLINE_HOURS,
        }
    }
}

impl BookingRules {
    /// These rules with the ones given replacing theirs.
    pub fn overridden_by(
        self,
        window_days: Option<u32>,
        notice_hours: Option<u32>,
        deadline_hours: Option<u32>,
    ) -> Self {
        Self {
            booking_window_days: window_days.unwrap_or(self.booking_window_days),
            min_notice_hours: notice_hours.unwrap_or(self.min_notice_hours),
            cancellation_deadline_hours: deadline_hours.unwrap_or(self.cancellation_deadline_hours),
        }
    }

    /// Checks each rule's bounds, naming the faulty fields.
    pub fn check(self) -> Result<Self, DomainError> {
        let mut c = Collector::default();
        if !(1..=366).contains(&self.booking_window_days) {
            c.push(FieldError::new(
                "booking_window_days",
                "must be between 1 and 366",
            ));
        }
        if self.min_notice_hours > 720 {
            c.push(FieldError::new(
                "min_notice_hours",
                "must be between 0 and 720",
            ));
        }
        if self.cancellation_deadline_hours > 720 {
            c.push(FieldError::new(
                "cancellation_deadline_hours",
                "must be between 0 and 720",
            ));
        }
        c.finish().map(|()| self)
    }

    /// Whether the applicant may still cancel an appointment starting at
    /// `start`: not once it has started, nor past the deadline.
    pub fn check_cancellation(
        self,
        start: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        if now >= start {
            return Err(DomainError::AppointmentPast);
        }
        let deadline = start - chrono::Duration::hours(i64::from(self.cancellation_deadline_hours));
        if now > deadline {
            return Err(DomainError::CancellationDeadlinePassed(
                self.cancellation_deadline_hours,
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booking_rules_have_bounds_and_a_cancellation_deadline() {
        assert!(BookingRules::default().check().is_ok());
        let bad = BookingRules {
            booking_window_days: 0,
            min_notice_hours: 1000,
            cancellation_deadline_hours: 721,
        };
        match bad.check() {
            Err(DomainError::Invalid(e)) => assert_eq!(e.len(), 3),
            other => panic!("{other:?}"),
        }
        let at = |s: &str| -> DateTime<Utc> { s.parse().expect("instant") };
        let rules = BookingRules::default();
        let start = at("2026-12-10T09:00:00Z");
        assert_eq!(
            rules.check_cancellation(start, at("2026-12-09T08:59:00Z")),
            Ok(())
        );
        assert_eq!(
            rules.check_cancellation(start, at("2026-12-09T09:01:00Z")),
            Err(DomainError::CancellationDeadlinePassed(24))
        );
        assert_eq!(
            rules.check_cancellation(start, start),
            Err(DomainError::AppointmentPast)
        );
    }
}
