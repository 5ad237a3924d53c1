//! Unpredictable release: nobody can know in advance when a slot appears.
//!
//! Resellers hand a slot over by cancelling it while their buyer books at
//! once, and their bots wait for the fixed hour at which a new day opens.
//! Both fail when a cancelled slot returns to the public after a random
//! delay, and when each motif's newest day opens at a random moment of a
//! window. The moment a day opens is drawn from a secret shared by every
//! server (so they agree) and unknown outside (so nobody can compute it).

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};

use crate::error::{Collector, DomainError, FieldError};

/// Longest delay or window, in minutes (a day).
pub const MAX_MINUTES: u32 = 1440;

/// A préfecture's release rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReleaseRules {
    /// Shortest delay before a cancelled slot is offered again, minutes.
    pub delay_min_minutes: u32,
    /// Longest delay, minutes (≥ the shortest).
    pub delay_max_minutes: u32,
    /// When the window in which the newest day opens starts, in minutes
    /// after local midnight.
    pub opening_start_minute: u32,
    /// How long that window lasts, minutes (0: the day opens at its start).
    pub opening_window_minutes: u32,
}

impl Default for ReleaseRules {
    /// 5 to 60 minutes after a cancellation; new days between 07:00 and
    /// 10:00.
    fn default() -> Self {
        Self {
            delay_min_minutes: 5,
            delay_max_minutes: 60,
            opening_start_minute: 7 * 60,
            opening_window_minutes: 180,
        }
    }
}

impl ReleaseRules {
    /// Checks rules as sent (fields named as in the API).
    pub fn check(self) -> Result<Self, DomainError> {
        let mut c = Collector::default();
        for (field, value) in [
            ("release_delay_min_minutes", self.delay_min_minutes),
            ("release_delay_max_minutes", self.delay_max_minutes),
            ("opening_window_minutes", self.opening_window_minutes),
        ] {
            if value > MAX_MINUTES {
                c.push(FieldError::new(
                    field,
                    format!("must be between 0 and {MAX_MINUTES}"),
                ));
            }
        }
        if self.opening_start_minute >= MAX_MINUTES {
            c.push(FieldError::new(
                "opening_start_minute",
                format!("must be between 0 and {}", MAX_MINUTES - 1),
            ));
        }
        if self.opening_start_minute < MAX_MINUTES
            && self.opening_window_minutes <= MAX_MINUTES
            && self.opening_start_minute + self.opening_window_minutes > MAX_MINUTES
        {
            // Past midnight, the day would open at the next midnight: a
            // moment bots can wait for.
            c.push(FieldError::new(
                "opening_window_minutes",
                "must end by midnight: opening_start_minute plus opening_window_minutes at most 1440",
            ));
        }
        if self.delay_max_minutes < self.delay_min_minutes {
            c.push(FieldError::new(
                "release_delay_max_minutes",
                "must not be less than release_delay_min_minutes",
            ));
        }
        c.finish()?;
        Ok(self)
    }

    /// The delay before a slot cancelled now is offered again, drawn
    /// uniformly between the bounds from `draw` (a random number).
    pub fn release_delay(&self, draw: u64) -> Duration {
        let span = u64::from(
            self.delay_max_minutes
                .saturating_sub(self.delay_min_minutes),
        );
        // Drawn to the second, so that even a narrow window is not a
        // fixed moment.
        let seconds = u64::from(self.delay_min_minutes) * 60 + draw % (span * 60 + 1);
        Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX))
    }

    /// When the day that enters motif `motif_id`'s booking window on
    /// local day `today` opens: a moment of the window drawn from
    /// `secret`, the motif and the day (the same on every server, not
    /// computable without the secret). A local time that does not exist
    /// that day (a clock change) moves to the next one that does.
    pub fn newest_day_opens_at(
        &self,
        secret: &[u8],
        motif_id: &str,
        today: NaiveDate,
        tz: Tz,
    ) -> DateTime<Utc> {
        let offset_seconds = if self.opening_window_minutes == 0 {
            0
        } else {
            let digest = Sha256::new()
                .chain_update(secret)
                .chain_update(b"\x00opening\x00")
                .chain_update(motif_id.as_bytes())
                .chain_update(b"\x00")
                .chain_update(today.to_string().as_bytes())
                .finalize();
            let mut word = [0u8; 8];
            word.copy_from_slice(&digest[..8]);
            u64::from_le_bytes(word) % (u64::from(self.opening_window_minutes) * 60)
        };
        let start = today.and_time(NaiveTime::MIN)
            + Duration::minutes(i64::from(self.opening_start_minute))
            + Duration::seconds(i64::try_from(offset_seconds).unwrap_or(0));
        crate::time::first_instant_at_or_after(tz, start)
    }
}

/// When a hold given up at `now` frees its slot: at a moment drawn from
/// `draw` between now and its expiry, never later (a holder cannot time a
/// hand-off with it, nor block the slot longer than the hold would have).
pub fn given_up_hold_frees_at(
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    draw: u64,
) -> DateTime<Utc> {
    let remaining = (expires_at - now).num_seconds();
    match u64::try_from(remaining) {
        Ok(seconds) if seconds > 0 => {
            now + Duration::seconds(i64::try_from(draw % (seconds + 1)).unwrap_or(0))
        }
        _ => now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn delays_stay_within_their_bounds_and_vary() {
        let rules = ReleaseRules::default();
        let mut seen = std::collections::BTreeSet::new();
        for draw in [0u64, 1, 59, 3_599, 3_600, 12_345_678, u64::MAX] {
            let d = rules.release_delay(draw);
            assert!(
                (Duration::minutes(5)..=Duration::minutes(60)).contains(&d),
                "{d}"
            );
            seen.insert(d);
        }
        assert!(seen.len() > 4, "the draw decides: {seen:?}");
        let none = ReleaseRules {
            delay_min_minutes: 0,
            delay_max_minutes: 0,
            ..rules
        };
        assert_eq!(none.release_delay(987_654), Duration::zero());
    }

    #[test]
    fn a_new_day_opens_within_the_window_differently_per_day_and_secret() {
        let rules = ReleaseRules::default();
        let tz = chrono_tz::Europe::Paris;
        let mut moments = std::collections::BTreeSet::new();
        for d in 1..=20 {
            let today = day("2026-12-01") + chrono::Days::new(d);
            let at = rules.newest_day_opens_at(b"secret", "m1", today, tz);
            let local = at.with_timezone(&tz);
            assert_eq!(local.date_naive(), today);
            let minute = local
                .time()
                .signed_duration_since(NaiveTime::MIN)
                .num_minutes();
            assert!((420..600).contains(&minute), "{local}");
            moments.insert(minute);
            // Every server computes the same moment.
            assert_eq!(at, rules.newest_day_opens_at(b"secret", "m1", today, tz));
        }
        assert!(moments.len() > 10, "not a fixed hour: {moments:?}");
        let today = day("2026-12-02");
        let a = rules.newest_day_opens_at(b"secret", "m1", today, tz);
        let others = [
            rules.newest_day_opens_at(b"another", "m1", today, tz),
            rules.newest_day_opens_at(b"secret", "m2", today, tz),
        ];
        assert!(others.iter().any(|o| *o != a));
        let fixed = ReleaseRules {
            opening_window_minutes: 0,
            opening_start_minute: 0,
            ..rules
        };
        assert_eq!(
            fixed.newest_day_opens_at(b"secret", "m1", today, tz),
            tz.with_ymd_and_hms(2026, 12, 2, 0, 0, 0).unwrap()
        );
    }

    #[test]
    fn a_hold_given_up_frees_its_slot_before_its_expiry_at_a_drawn_moment() {
        let now: DateTime<Utc> = "2026-12-01T09:00:00Z".parse().unwrap();
        let expiry = now + Duration::minutes(10);
        let mut seen = std::collections::BTreeSet::new();
        for draw in [0u64, 1, 299, 600, 601, 123_456_789, u64::MAX] {
            let at = given_up_hold_frees_at(now, expiry, draw);
            assert!(now <= at && at <= expiry, "{at}");
            seen.insert(at);
        }
        assert!(seen.len() > 4);
        assert_eq!(
            given_up_hold_frees_at(now, now - Duration::seconds(5), 77),
            now
        );
    }

    #[test]
    fn rules_are_checked_field_by_field() {
        let bad = ReleaseRules {
            delay_min_minutes: 30,
            delay_max_minutes: 10,
            opening_start_minute: 1440,
            opening_window_minutes: 2000,
        };
        let DomainError::Invalid(fields) = bad.check().unwrap_err() else {
            panic!()
        };
        let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            names,
            [
                "opening_window_minutes",
                "opening_start_minute",
                "release_delay_max_minutes"
            ]
        );
        assert!(ReleaseRules::default().check().is_ok());
        let past_midnight = ReleaseRules {
            opening_start_minute: 23 * 60,
            opening_window_minutes: 61,
            ..ReleaseRules::default()
        };
        let DomainError::Invalid(fields) = past_midnight.check().unwrap_err() else {
            panic!()
        };
        assert_eq!(fields[0].field, "opening_window_minutes");
        assert!(
            ReleaseRules {
                opening_window_minutes: 60,
                ..past_midnight
            }
            .check()
            .is_ok()
        );
    }
}
