//! Local days as stretches of UTC time, for a database that knows no time
//! zone: which instants fall on the local days `from..=to` of a zone, and
//! at which instant each of those days begins, so that an instant's local
//! day is found by comparing it with a few instants (see [`LocalDays`]).
//!
//! Offsets are read from chrono-tz, as everywhere else: the database's
//! own zone data (PostgreSQL has some, SQLite none) never decides.

use chrono::{DateTime, Duration, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// The instants of the local days `from..=to` of a zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalDays {
    /// The stretches `[start, end)` of UTC time whose local day is within
    /// the days: one, unless clocks go back over midnight.
    pub ranges: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// Where the days begin within [`Self::ranges`], in order: the
    /// instant, and the local day from then on (until the next). A day
    /// begins twice when clocks go back over its midnight; the first
    /// instant of the ranges is always one.
    pub starts: Vec<(DateTime<Utc>, NaiveDate)>,
}

impl LocalDays {
    /// The local days `from..=to` (`from` ≤ `to`) of `tz`.
    pub fn of(tz: Tz, from: NaiveDate, to: NaiveDate) -> Self {
        let first = from.and_time(chrono::NaiveTime::MIN).and_utc();
        let after = to.and_time(chrono::NaiveTime::MIN).and_utc() + Duration::days(1);
        // No zone is more than a day from UTC.
        let (window_start, window_end) = (first - Duration::days(1), after + Duration::days(1));
        let changes = offsets(tz, window_start, window_end);
        let mut ranges: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        let mut starts: Vec<(DateTime<Utc>, NaiveDate)> = Vec::new();
        for (i, (start, offset)) in changes.iter().enumerate() {
            let end = changes.get(i + 1).map_or(window_end, |(next, _)| *next);
            let shift = Duration::seconds(i64::from(*offset));
            // Within a stretch of one offset, local time goes straight on:
            // the days in it are [from, to] shifted back by the offset.
            let (lo, hi) = ((*start).max(first - shift), end.min(after - shift));
            if lo >= hi {
                continue;
            }
            match ranges.last_mut() {
                Some(last) if last.1 >= lo => last.1 = last.1.max(hi),
                _ => ranges.push((lo, hi)),
            }
            let mut at = lo;
            while at < hi {
                let day = (at + shift).date_naive();
                if starts.last().is_none_or(|(_, d)| *d != day) {
                    starts.push((at, day));
                }
                // The next local midnight, back in UTC.
                at = (day + Duration::days(1))
                    .and_time(chrono::NaiveTime::MIN)
                    .and_utc()
                    - shift;
            }
        }
        Self { ranges, starts }
    }

    /// Whether `t` is on one of the days.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.ranges.iter().any(|(s, e)| *s <= t && t < *e)
    }

    /// The local day of `t`, an instant within [`Self::ranges`].
    pub fn day_of(&self, t: DateTime<Utc>) -> Option<NaiveDate> {
        let begun = self.starts.partition_point(|(at, _)| *at <= t);
        self.starts.get(begun.checked_sub(1)?).map(|(_, day)| *day)
    }
}

/// `tz`'s offset at `t`, in seconds east of UTC.
fn offset_at(tz: Tz, t: DateTime<Utc>) -> i32 {
    tz.offset_from_utc_datetime(&t.naive_utc())
        .fix()
        .local_minus_utc()
}

/// `tz`'s offsets over `[start, end)`: the one at `start`, then each
/// change, found to the second (zones change on whole seconds, never twice
/// within an hour).
fn offsets(tz: Tz, start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<(DateTime<Utc>, i32)> {
    let mut current = offset_at(tz, start);
    let mut out = vec![(start, current)];
    let mut before = start;
    while before < end {
        let next = (before + Duration::hours(1)).min(end);
        if offset_at(tz, next) != current {
            // The change is in (before, next]: halve to the second.
            let (mut lo, mut hi) = (before, next);
            while hi - lo > Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                let mid = DateTime::from_timestamp(mid.timestamp(), 0).unwrap_or(mid);
                if offset_at(tz, mid) == current {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            current = offset_at(tz, hi);
            out.push((hi, current));
        }
        before = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn a_paris_year_is_one_stretch_with_days_beginning_an_hour_or_two_early() {
        let days = LocalDays::of(chrono_tz::Europe::Paris, day(2026, 1, 1), day(2026, 12, 31));
        assert_eq!(
            days.ranges,
            vec![(at(2025, 12, 31, 23, 0), at(2026, 12, 31, 23, 0))]
        );
        assert_eq!(days.starts.len(), 365);
        assert_eq!(days.starts[0], (at(2025, 12, 31, 23, 0), day(2026, 1, 1)));
        // Summer time from 29 March: the 30th begins at 22:00 UTC.
        assert_eq!(days.starts[87], (at(2026, 3, 28, 23, 0), day(2026, 3, 29)));
        assert_eq!(days.starts[88], (at(2026, 3, 29, 22, 0), day(2026, 3, 30)));
        assert_eq!(days.day_of(at(2026, 3, 29, 21, 59)), Some(day(2026, 3, 29)));
        assert_eq!(days.day_of(at(2026, 3, 29, 22, 0)), Some(day(2026, 3, 30)));
        assert!(!days.contains(at(2025, 12, 31, 22, 59)));
        assert!(days.contains(at(2026, 12, 31, 22, 59)));
        assert!(!days.contains(at(2026, 12, 31, 23, 0)));
    }

    #[test]
    fn a_day_whose_last_hour_repeats_lasts_25_hours() {
        // Santiago: on 5 April 2026 clocks go back from 00:00 to 23:00 on
        // the 4th (at 03:00 UTC); the 5th begins at 04:00 UTC.
        let santiago = chrono_tz::America::Santiago;
        let days = LocalDays::of(santiago, day(2026, 4, 4), day(2026, 4, 5));
        assert_eq!(
            days.starts,
            vec![
                (at(2026, 4, 4, 3, 0), day(2026, 4, 4)),
                (at(2026, 4, 5, 4, 0), day(2026, 4, 5)),
            ]
        );
        assert_eq!(
            days.ranges,
            vec![(at(2026, 4, 4, 3, 0), at(2026, 4, 6, 4, 0))]
        );
        let fifth = LocalDays::of(santiago, day(2026, 4, 5), day(2026, 4, 5));
        assert!(!fifth.contains(at(2026, 4, 5, 3, 30)), "23:30 on the 4th");
        assert_eq!(fifth.day_of(at(2026, 4, 5, 4, 0)), Some(day(2026, 4, 5)));
        // On 6 September clocks skip from 00:00 to 01:00: the 6th begins
        // at 04:00 UTC, 01:00 local.
        let spring = LocalDays::of(santiago, day(2026, 9, 6), day(2026, 9, 6));
        assert_eq!(spring.starts, vec![(at(2026, 9, 6, 4, 0), day(2026, 9, 6))]);
        assert_eq!(
            spring.ranges,
            vec![(at(2026, 9, 6, 4, 0), at(2026, 9, 7, 3, 0))]
        );
    }

    #[test]
    fn zones_west_of_utc_and_without_changes_have_one_offset() {
        let days = LocalDays::of(
            chrono_tz::America::Cayenne,
            day(2026, 6, 1),
            day(2026, 6, 1),
        );
        assert_eq!(
            days.ranges,
            vec![(at(2026, 6, 1, 3, 0), at(2026, 6, 2, 3, 0))]
        );
        assert_eq!(days.starts, vec![(at(2026, 6, 1, 3, 0), day(2026, 6, 1))]);
        assert_eq!(days.day_of(at(2026, 6, 2, 2, 59)), Some(day(2026, 6, 1)));
    }

    const ZONES: [Tz; 6] = [
        chrono_tz::Europe::Paris,
        chrono_tz::America::Miquelon,
        chrono_tz::Indian::Reunion,
        chrono_tz::Pacific::Noumea,
        chrono_tz::America::Santiago,
        chrono_tz::Asia::Beirut,
    ];

    proptest! {
        // Santiago changes clocks at midnight, Beirut did too: the local
        // day of any instant is that of chrono-tz.
        #[test]
        fn the_local_day_is_chrono_tz_s(
            zone in 0..ZONES.len(),
            start in 0i64..(366 * 10),
            length in 0i64..366,
            minute in 0i64..(370 * 24 * 60),
            second in 0i64..60,
        ) {
            let tz = ZONES[zone];
            let from = day(2016, 1, 1) + Duration::days(start);
            let to = from + Duration::days(length);
            let days = LocalDays::of(tz, from, to);
            let t = from.and_time(chrono::NaiveTime::MIN).and_utc()
                + Duration::minutes(minute - 24 * 60)
                + Duration::seconds(second);
            let local = t.with_timezone(&tz).date_naive();
            prop_assert_eq!(days.contains(t), from <= local && local <= to);
            if days.contains(t) {
                prop_assert_eq!(days.day_of(t), Some(local));
            }
        }
    }
}
