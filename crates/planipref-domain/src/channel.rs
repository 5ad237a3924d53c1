//! Channels: whom a guichet's time is for.
//!
//! A préfecture splits its counters between the public online, the holders
//! of a convocation, and the people who come without an appointment (walk
//! ins, counted in counter capacity and never offered online). The split
//! is by whole guichets. What convocations did not take of their counters
//! is offered to the public a configurable time before its day.

use chrono::{DateTime, Days, Duration, Utc};
use chrono_tz::Tz;

use crate::error::{DomainError, FieldError};

/// Longest release delay before the day, hours (30 days).
pub const MAX_RELEASE_HOURS: u32 = 720;

/// Whom a guichet's time is for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Channel {
    /// Anyone, online (the default).
    #[default]
    Public,
    /// Holders of a convocation (and the public, for days about to come).
    Convocation,
    /// People who come without an appointment: never offered online.
    WalkIn,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Self; 3] = [Self::Public, Self::Convocation, Self::WalkIn];

    /// Its code in the API and the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Convocation => "convocation",
            Self::WalkIn => "walk_in",
        }
    }

    /// The channel named `code`.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// Reads a channel sent as `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        Self::from_code(raw.trim())
            .ok_or_else(|| FieldError::new(field, "must be public, convocation or walk_in"))
    }
}

/// How an appointment was made: what no-show rates and statistics are
/// broken down by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum BookingChannel {
    /// Booked online by the applicant.
    #[default]
    Web,
    /// Booked online with an agent's convocation.
    Convocation,
    /// Booked by an agent on the phone.
    Phone,
    /// Booked by an agent at the counter, for another day.
    Counter,
    /// Booked by an accredited intermediary (an association).
    Intermediary,
    /// Came without an appointment.
    WalkIn,
}

impl BookingChannel {
    /// Every channel.
    pub const ALL: [Self; 6] = [
        Self::Web,
        Self::Convocation,
        Self::Phone,
        Self::Counter,
        Self::Intermediary,
        Self::WalkIn,
    ];

    /// Its code in the API and the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Convocation => "convocation",
            Self::Phone => "phone",
            Self::Counter => "counter",
            Self::Intermediary => "intermediary",
            Self::WalkIn => "walk_in",
        }
    }

    /// The channel named `code`.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The channel an agent may name when booking for someone (`phone`,
    /// `counter`, `intermediary`), read from `field`.
    pub fn parse_on_behalf(field: &str, raw: &str) -> Result<Self, FieldError> {
        match Self::from_code(raw.trim()) {
            Some(c @ (Self::Phone | Self::Counter | Self::Intermediary)) => Ok(c),
            _ => Err(FieldError::new(
                field,
                "must be phone, counter or intermediary",
            )),
        }
    }
}

/// Checks a préfecture's release delay (0 to [`MAX_RELEASE_HOURS`]; 0:
/// never released).
pub fn check_release_hours(value: u32) -> Result<u32, DomainError> {
    if value <= MAX_RELEASE_HOURS {
        Ok(value)
    } else {
        Err(DomainError::invalid(
            "convocation_release_hours",
            format!("must be between 0 and {MAX_RELEASE_HOURS}"),
        ))
    }
}

/// From when, at `now`, a convocation guichet's time is kept for
/// convocations: from the first local day that starts more than
/// `release_hours` from now (earlier days are offered to the public too).
/// With `release_hours` 0, always (never released).
pub fn reserved_from(now: DateTime<Utc>, tz: Tz, release_hours: u32) -> DateTime<Utc> {
    if release_hours == 0 {
        return now;
    }
    let horizon = now + Duration::hours(i64::from(release_hours));
    let day = horizon.with_timezone(&tz).date_naive();
    let next = day.checked_add_days(Days::new(1)).unwrap_or(day);
    crate::time::local_midnight(tz, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_have_codes() {
        for c in Channel::ALL {
            assert_eq!(Channel::from_code(c.code()), Some(c));
        }
        assert!(Channel::parse("channel", "guichet").is_err());
        assert_eq!(Channel::parse("channel", " walk_in "), Ok(Channel::WalkIn));
    }

    #[test]
    fn convocation_time_is_released_the_given_hours_before_its_day() {
        let tz = chrono_tz::Europe::Paris;
        // Tuesday 1 December 2026, 10:00 in Paris.
        let now: DateTime<Utc> = "2026-12-01T09:00:00Z".parse().unwrap();
        // 48 hours: Wednesday and Thursday are released; Friday is kept.
        assert_eq!(
            reserved_from(now, tz, 48),
            "2026-12-03T23:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        // 1 hour: only today.
        assert_eq!(
            reserved_from(now, tz, 1),
            "2026-12-01T23:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(reserved_from(now, tz, 0), now, "never released");
        assert!(check_release_hours(721).is_err());
        assert_eq!(check_release_hours(48), Ok(48));
    }
}
