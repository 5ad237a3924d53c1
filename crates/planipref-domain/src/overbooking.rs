//! Over-booking from measured attendance: how many places beyond its
//! guichets' time a motif's day may offer, from the share of people who
//! did not come to its past appointments.
//!
//! Off by default; a préfecture opts in with a ceiling. The expected
//! no-show rate of a motif and booking channel is measured over the last
//! weeks, ignored below a minimum sample, and shrunk towards 0 (as if
//! `min_sample` more people had all come) so that a small sample never
//! over-books much; it never exceeds the ceiling. The engine may then
//! offer `floor(capacity / (1 − rate))` places for `capacity` of the
//! guichets' own: the difference are explicit extra places, each taking
//! an extra unit of a guichet's time (lane 1), never a weaker guichet key.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::error::FieldError;
use crate::slots::Slot;

/// Highest ceiling a préfecture may set, in percent.
pub const MAX_CEILING_PERCENT: u32 = 20;
/// Fewest and most weeks of history measured.
pub const WEEKS: std::ops::RangeInclusive<u32> = 2..=52;
/// Smallest and largest minimum sample.
pub const MIN_SAMPLE: std::ops::RangeInclusive<u32> = 20..=10_000;
/// Rates are counted in basis points (1/10,000), so that places are
/// computed in whole numbers, exactly.
pub const BASIS: u64 = 10_000;

/// A préfecture's over-booking policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overbooking {
    /// The highest no-show rate over-booking may assume, in percent; 0
    /// turns it off (the default).
    pub ceiling_percent: u32,
    /// How many weeks of past appointments are measured (12 by default).
    pub weeks: u32,
    /// Fewest past appointments (came or not) before any over-booking,
    /// and the weight of the shrinking towards 0 (100 by default).
    pub min_sample: u32,
}

impl Default for Overbooking {
    fn default() -> Self {
        Self {
            ceiling_percent: 0,
            weeks: 12,
            min_sample: 100,
        }
    }
}

/// Past appointments of a motif and channel that were due: how many came
/// (checked in, called or served) and how many did not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attendance {
    /// People who came.
    pub came: u64,
    /// People who never came.
    pub no_shows: u64,
}

impl Overbooking {
    /// Whether it is on.
    pub fn is_on(&self) -> bool {
        self.ceiling_percent > 0
    }

    /// Checks a policy: ceiling 0 to 20 %, 2 to 52 weeks, a minimum
    /// sample of 20 to 10,000.
    pub fn check(&self) -> Vec<FieldError> {
        let mut refused = Vec::new();
        if self.ceiling_percent > MAX_CEILING_PERCENT {
            refused.push(FieldError::new(
                "ceiling_percent",
                "must be between 0 (off) and 20",
            ));
        }
        if !WEEKS.contains(&self.weeks) {
            refused.push(FieldError::new("weeks", "must be between 2 and 52"));
        }
        if !MIN_SAMPLE.contains(&self.min_sample) {
            refused.push(FieldError::new(
                "min_sample",
                "must be between 20 and 10000",
            ));
        }
        refused
    }

    /// The no-show rate over-booking assumes, in basis points: 0 when off
    /// or below the minimum sample; else the measured rate shrunk towards
    /// 0 by `min_sample` imaginary attendees, at most the ceiling.
    pub fn expected_no_show_bp(&self, seen: Attendance) -> u64 {
        let due = seen.came.saturating_add(seen.no_shows);
        if !self.is_on() || due < u64::from(self.min_sample) {
            return 0;
        }
        let shrunk =
            seen.no_shows.saturating_mul(BASIS) / due.saturating_add(u64::from(self.min_sample));
        shrunk.min(u64::from(self.ceiling_percent) * BASIS / 100)
    }
}

/// How many places beyond `capacity` may be offered when `rate_bp` of
/// those booked are expected not to come: `floor(capacity / (1 − rate))
/// − capacity`, in whole numbers.
pub fn extra_places(capacity: u64, rate_bp: u64) -> u64 {
    let rate_bp = rate_bp.min(BASIS - 1);
    capacity.saturating_mul(BASIS) / (BASIS - rate_bp) - capacity
}

/// The guichets' own places of each local day among `every` (each slot of
/// the days, computed with nothing busy): a slot offers `capacity`
/// appointments; with a step shorter than the duration consecutive slots
/// share time, so each counts for `step / duration` of a place.
pub fn places_by_day(
    every: &[Slot],
    tz: Tz,
    (step_minutes, duration_minutes): (u32, u32),
) -> BTreeMap<NaiveDate, u64> {
    let mut offered: BTreeMap<NaiveDate, u64> = BTreeMap::new();
    for slot in every {
        *offered
            .entry(slot.start.with_timezone(&tz).date_naive())
            .or_default() += u64::from(slot.capacity);
    }
    let (step, duration) = (
        u64::from(step_minutes.min(duration_minutes)),
        u64::from(duration_minutes.max(1)),
    );
    offered
        .into_iter()
        .map(|(day, capacity)| (day, capacity * step / duration))
        .collect()
}

/// The extra places each day may still give: its bound for `rate_bp`
/// less those `taken` (the starts of its over-booked appointments and live
/// holds). Days without any left are left out.
pub fn places_left(
    places: &BTreeMap<NaiveDate, u64>,
    rate_bp: u64,
    taken: &[DateTime<Utc>],
    tz: Tz,
) -> BTreeMap<NaiveDate, u64> {
    places
        .iter()
        .filter_map(|(day, capacity)| {
            let used = taken
                .iter()
                .filter(|t| t.with_timezone(&tz).date_naive() == *day)
                .count() as u64;
            let left = extra_places(*capacity, rate_bp).saturating_sub(used);
            (left > 0).then_some((*day, left))
        })
        .collect()
}

/// The over-booked slots to offer: each slot the guichets' own time has
/// full (`regular`, all taken) that an extra unit can still take (`extra`,
/// the same search on lane 1), on a day with places left; each offers at
/// most what its day has left.
pub fn extra_slots(
    regular: &[Slot],
    extra: &[Slot],
    left: &BTreeMap<NaiveDate, u64>,
    tz: Tz,
) -> Vec<Slot> {
    extra
        .iter()
        .filter(|s| s.remaining > 0)
        .filter(|s| {
            // Both are earliest first, one slot per start.
            regular
                .binary_search_by_key(&s.start, |r| r.start)
                .is_ok_and(|i| regular[i].remaining == 0)
        })
        .filter_map(|s| {
            let day_left = *left.get(&s.start.with_timezone(&tz).date_naive())?;
            let mut offered = *s;
            offered.remaining = s.remaining.min(u32::try_from(day_left).unwrap_or(u32::MAX));
            Some(offered)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(ceiling_percent: u32) -> Overbooking {
        Overbooking {
            ceiling_percent,
            ..Overbooking::default()
        }
    }

    #[test]
    fn off_by_default_and_below_the_minimum_sample() {
        let seen = Attendance {
            came: 700,
            no_shows: 300,
        };
        assert_eq!(Overbooking::default().expected_no_show_bp(seen), 0);
        let few = Attendance {
            came: 60,
            no_shows: 39,
        };
        assert_eq!(on(20).expected_no_show_bp(few), 0);
    }

    #[test]
    fn the_rate_is_shrunk_towards_zero_then_capped() {
        // 100 no-shows of 1,000 due, 100 imaginary attendees: 100/1100.
        let seen = Attendance {
            came: 900,
            no_shows: 100,
        };
        assert_eq!(on(20).expected_no_show_bp(seen), 909);
        // At the minimum sample, half the measured rate.
        let small = Attendance {
            came: 80,
            no_shows: 20,
        };
        assert_eq!(on(20).expected_no_show_bp(small), 1_000);
        // 40 % measured, capped at the ceiling.
        let many = Attendance {
            came: 6_000,
            no_shows: 4_000,
        };
        assert_eq!(on(10).expected_no_show_bp(many), 1_000);
    }

    #[test]
    fn places_are_the_floor_of_capacity_over_show_up() {
        assert_eq!(extra_places(40, 1_000), 4); // 40 / 0.9 = 44.4
        assert_eq!(extra_places(9, 1_000), 1); // exactly 10
        assert_eq!(extra_places(8, 1_000), 0); // 8.9
        assert_eq!(extra_places(100, 0), 0);
        assert_eq!(extra_places(0, 2_000), 0);
        assert_eq!(extra_places(100, 2_000), 25);
    }

    #[test]
    fn policies_are_bounded() {
        assert!(Overbooking::default().check().is_empty());
        let fields = |o: Overbooking| o.check().into_iter().map(|f| f.field).collect::<Vec<_>>();
        assert_eq!(
            fields(Overbooking {
                ceiling_percent: 21,
                weeks: 1,
                min_sample: 19
            }),
            ["ceiling_percent", "weeks", "min_sample"]
        );
    }
}
