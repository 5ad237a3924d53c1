//! A day's clock at the site: local minutes of one day turned into
//! instants. A day whose clocks do not change does it by one addition;
//! the two days a year that change read each time through the time zone,
//! so that no slot falls in the spring gap or twice in the repeated autumn
//! hour.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use crate::time::unique_instant;

/// Local minutes of one day at the site, as instants.
pub(super) struct DayClock {
    tz: Tz,
    date: NaiveDate,
    /// The Unix second of 00:00 when the day keeps one UTC offset
    /// throughout (every day but the two when clocks change, in zones that
    /// change): local minutes then turn into instants by one addition.
    pub(super) midnight: Option<i64>,
    /// The next day's 00:00 as a Unix second, with the UTC offset then,
    /// when it names one instant.
    pub(super) next: Option<(i64, i32)>,
    /// The UTC day of `midnight` and its Unix second: instants of this
    /// day are built from them without date arithmetic.
    utc_day: Option<(NaiveDate, i64)>,
}

impl DayClock {
    /// `known`: this day's 00:00 and its UTC offset, when the day before
    /// found them (its `next`).
    pub(super) fn new(tz: Tz, date: NaiveDate, known: Option<(i64, i32)>) -> Self {
        // Most days: the offset 24 hours after midnight is the same, so
        // the clocks did not change (zones change at most once a day) and
        // the next midnight is 24 hours later: one look-up in the zone's
        // table rather than two local-time resolutions.
        if let Some((midnight, offset)) = known {
            let next = midnight + 86_400;
            if offset_at(tz, next) == Some(offset) {
                return Self::steady(tz, date, midnight, Some((next, offset)));
            }
        }
        let at_midnight = |d: NaiveDate| match tz.from_local_datetime(&d.and_time(NaiveTime::MIN)) {
            LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
            _ => None,
        };
        let midnight = at_midnight(date);
        let next_midnight = date.succ_opt().and_then(at_midnight);
        let next = next_midnight.and_then(|n| Some((n.timestamp(), offset_at(tz, n.timestamp())?)));
        // Two midnights that exist and lie 24 hours apart: no clock change
        // between them.
        match (midnight, next_midnight) {
            (Some(m), Some(n)) if n - m == Duration::days(1) => {
                Self::steady(tz, date, m.timestamp(), next)
            }
            _ => Self {
                tz,
                date,
                midnight: None,
                next,
                utc_day: None,
            },
        }
    }

    fn steady(tz: Tz, date: NaiveDate, midnight: i64, next: Option<(i64, i32)>) -> Self {
        let utc_day = DateTime::from_timestamp(midnight, 0).map(|m| {
            let day = m.date_naive();
            (day, day.and_time(NaiveTime::MIN).and_utc().timestamp())
        });
        Self {
            tz,
            date,
            midnight: Some(midnight),
            next,
            utc_day,
        }
    }

    /// The instant of Unix second `t`, a time of this day or the next
    /// (cheaper than [`DateTime::from_timestamp`], which works out the
    /// calendar date every time).
    pub(super) fn instant(&self, t: i64) -> Option<DateTime<Utc>> {
        if let Some((day, day_start)) = self.utc_day {
            let offset = t - day_start;
            let (day, seconds) = match offset {
                0..86_400 => (Some(day), offset),
                86_400..172_800 => (day.succ_opt(), offset - 86_400),
                _ => (None, 0),
            };
            if let Some(day) = day {
                let time =
                    NaiveTime::from_num_seconds_from_midnight_opt(u32::try_from(seconds).ok()?, 0)?;
                return Some(day.and_time(time).and_utc());
            }
        }
        DateTime::from_timestamp(t, 0)
    }

    /// The appointment `[minute, minute + duration)` of this day as Unix
    /// seconds, when its start names exactly one instant and it reads, on
    /// the site's clocks, as that same wall-clock span (no slot straddles a
    /// clock change). Seconds rather than `DateTime`s: date arithmetic
    /// would be most of the engine's time.
    pub(super) fn span(&self, minute: u32, duration: u32) -> Option<(i64, i64)> {
        let length = i64::from(duration) * 60;
        if let Some(midnight) = self.midnight {
            let start = midnight + i64::from(minute) * 60;
            return Some((start, start + length));
        }
        let local_start = self.date.and_time(NaiveTime::MIN) + Duration::minutes(i64::from(minute));
        let start = unique_instant(self.tz, local_start)?;
        let end = start + Duration::seconds(length);
        let same_span =
            end.with_timezone(&self.tz).naive_local() == local_start + Duration::seconds(length);
        same_span.then_some((start.timestamp(), end.timestamp()))
    }
}

/// The UTC offset of zone `tz` at Unix second `t`, in seconds.
fn offset_at(tz: Tz, t: i64) -> Option<i32> {
    let t = DateTime::from_timestamp(t, 0)?;
    Some(
        tz.offset_from_utc_datetime(&t.naive_utc())
            .fix()
            .local_minus_utc(),
    )
}
