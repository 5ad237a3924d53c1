//! What time it is. Handlers and use cases ask the state's clock
//! (`AppState::now`), never the system's directly: one read per request,
//! passed down to the domain and the store, and tests move time instead of
//! sleeping.

use chrono::{DateTime, Utc};

/// A source of the current instant.
pub trait Clock: std::fmt::Debug + Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The system's clock: what a server uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock set to a chosen instant when the server starts, then running at
/// the system's pace: a training or demonstration instance lives on the
/// day it was set to (agents rehearse a Monday morning at the counter on a
/// Sunday), and black-box tests start servers at a known time. Production
/// refuses it (`PLANIPREF_CLOCK_START`).
#[derive(Debug, Clone, Copy)]
pub struct StartedClock {
    offset: chrono::Duration,
}

impl StartedClock {
    /// A clock reading `start` now.
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        Self {
            offset: start - Utc::now(),
        }
    }
}

impl Clock for StartedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_started_clock_reads_its_start_then_runs_on() {
        let start = DateTime::parse_from_rfc3339("2026-12-07T08:55:00+01:00")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        let clock = StartedClock::starting_at(start);
        let first = clock.now();
        assert!(first >= start && first - start < chrono::Duration::seconds(5));
        assert!(clock.now() >= first);
    }
}
