//! Local days as stretches of UTC time, for a database that knows no time
//! zone: which instants fall on the local days `from..=to` of a zone, and
//! the zone's offset from UTC over them, so that an instant's local day is
//! the UTC date of the instant plus its offset (see [`LocalDays`]).
//!
//! Offsets are read from chrono-tz, as everywhere else: the database's
//! own zone data (PostgreSQL has some, SQLite none) never decides.

use chrono::{DateTime, Duration, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// The instants of the local days `from..=to` of a zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalDays {
    /// The zone's offset (seconds east of UTC) over [`Self::ranges`]: the
    /// first applies from their start, each next one from its instant on.
    pub offsets: Vec<(DateTime<Utc>, i32)>,
    /// The stretches `[start, end)` of UTC time whose local day is within
    /// the days: one, unless clocks go back over midnight.
    pub ranges: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

impl LocalDays {
    /// The local days `from..=to` (`from` ≤ `to`) of `tz`.
    pub fn of(tz: Tz, from: NaiveDate, to: NaiveDate) -> Self {
        let first = from.and_time(chrono::NaiveTime::MIN).and_utc();
        let after = to.and_time(chrono::NaiveTime::MIN).and_utc() + Duration::days(1);
        // No zone is more than a day from UTC.
        let changes = offsets(tz, first - Duration::days(1), after + Duration::days(1));
        let mut ranges: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        for (i, (start, offset)) in changes.iter().enumerate() {
            let end = changes
                .get(i + 1)
                .map_or(after + Duration::days(1), |(next, _)| *next);
            let shift = Duration::seconds(i64::from(*offset));
            let (lo, hi) = ((*start).max(first - shift), end.min(after - shift));
            if lo >= hi {
                continue;
            }
            match ranges.last_mut() {
                Some(last) if last.1 >= lo => last.1 = last.1.max(hi),
                _ => ranges.push((lo, hi)),
            }
        }
        let (lo, hi) = match (ranges.first(), ranges.last()) {
            (Some(f), Some(l)) => (f.0, l.1),
            _ => (first, first),
        };
        // The offsets over the ranges only: the one at their start, then
        // the changes within them.
        let mut over: Vec<(DateTime<Utc>, i32)> = Vec::new();
        for (at, offset) in changes {
            if at <= lo {
                over = vec![(lo, offset)];
            } else if at < hi {
                over.push((at, offset));
            }
        }
        Self {
            offsets: over,
            ranges,
        }
    }

    /// Whether `t` is on one of the days.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.ranges.iter().any(|(s, e)| *s <= t && t < *e)
    }

    /// The local day of `t`, an instant within [`Self::ranges`]: its UTC
    /// date once shifted by the offset then.
    pub fn day_of(&self, t: DateTime<Utc>) -> NaiveDate {
        let offset = self
            .offsets
            .iter()
            .take_while(|(at, _)| *at <= t)
            .last()
            .or(self.offsets.first())
            .map_or(0, |(_, o)| *o);
        (t + Duration::seconds(i64::from(offset))).date_naive()
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
    fn a_paris_year_is_one_stretch_with_its_two_clock_changes() {
        let days = LocalDays::of(chrono_tz::Europe::Paris, day(2026, 1, 1), day(2026, 12, 31));
        assert_eq!(
            days.ranges,
            vec![(at(2025, 12, 31, 23, 0), at(2026, 12, 31, 23, 0))]
        );
        assert_eq!(
            days.offsets,
            vec![
                (at(2025, 12, 31, 23, 0), 3600),
                (at(2026, 3, 29, 1, 0), 7200),
                (at(2026, 10, 25, 1, 0), 3600),
            ]
        );
        // 23:30 UTC on 28 March is 00:30 on the 29th in Paris; 22:30 UTC
        // on 29 March is 00:30 on the 30th (summer time).
        assert_eq!(days.day_of(at(2026, 3, 28, 23, 30)), day(2026, 3, 29));
        assert_eq!(days.day_of(at(2026, 3, 29, 22, 30)), day(2026, 3, 30));
        assert_eq!(days.day_of(at(2026, 3, 29, 0, 59)), day(2026, 3, 29));
        assert!(!days.contains(at(2025, 12, 31, 22, 59)));
        assert!(days.contains(at(2026, 12, 31, 22, 59)));
        assert!(!days.contains(at(2026, 12, 31, 23, 0)));
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
        assert_eq!(days.offsets, vec![(at(2026, 6, 1, 3, 0), -3 * 3600)]);
        assert_eq!(days.day_of(at(2026, 6, 2, 2, 59)), day(2026, 6, 1));
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
                prop_assert_eq!(days.day_of(t), local);
            }
        }
    }
}
