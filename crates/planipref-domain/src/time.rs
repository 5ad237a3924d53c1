//! Local wall-clock time at a site versus instants.
//!
//! Plages are written in the site's local time ("Monday 09:00–12:00 at
//! Bobigny"); reservations are instants, stored in UTC and shown with the
//! site's offset. The only delicate days are those when clocks change: a
//! local time may not exist (spring gap) or exist twice (autumn repeat).

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Parses an IANA time zone name (`Europe/Paris`, `Indian/Reunion`).
pub fn parse_time_zone(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok()
}

/// The instant of a local wall-clock time, when it names exactly one.
///
/// Returns `None` for a time inside the spring-forward gap (it never happens)
/// and for a time in the repeated autumn hour (it happens twice): no slot is
/// offered at such times, so no slot is ever missing an instant or offered
/// twice.
pub fn unique_instant(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(..) | LocalResult::None => None,
    }
}

/// The first instant of a local day in `tz` (its midnight, or the first
/// minute after a clock change that skips midnight).
pub fn local_midnight(tz: Tz, day: chrono::NaiveDate) -> DateTime<Utc> {
    first_instant_at_or_after(tz, day.and_time(chrono::NaiveTime::MIN))
}

/// The first instant at which `tz`'s clocks show `local` (the earlier of
/// a repeated time), or, in a spring-forward gap, an hour later.
pub fn first_instant_at_or_after(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    tz.from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(local + chrono::Duration::hours(1)))
                .earliest()
        })
        .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
}

/// Truncates an instant to whole microseconds: what both databases store
/// alike (PostgreSQL keeps microseconds, SQLite would keep nanoseconds).
pub fn to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(h, min, 0))
            .expect("valid date")
    }

    #[test]
    fn paris_winter_is_utc_plus_one_and_summer_plus_two() {
        let paris = parse_time_zone("Europe/Paris").expect("zone");
        assert_eq!(
            unique_instant(paris, local(2026, 12, 1, 9, 0)).map(|t| t.to_rfc3339()),
            Some("2026-12-01T08:00:00+00:00".into())
        );
        assert_eq!(
            unique_instant(paris, local(2026, 7, 1, 9, 0)).map(|t| t.to_rfc3339()),
            Some("2026-07-01T07:00:00+00:00".into())
        );
    }

    #[test]
    fn a_local_time_in_the_spring_gap_or_autumn_repeat_has_no_instant() {
        let paris = parse_time_zone("Europe/Paris").expect("zone");
        assert_eq!(unique_instant(paris, local(2026, 3, 29, 2, 30)), None);
        assert_eq!(unique_instant(paris, local(2026, 10, 25, 2, 30)), None);
        assert!(unique_instant(paris, local(2026, 10, 25, 3, 0)).is_some());
    }

    #[test]
    fn reunion_has_no_daylight_saving() {
        let reunion = parse_time_zone("Indian/Reunion").expect("zone");
        for (m, d) in [(1, 15), (3, 29), (7, 1), (10, 25)] {
            let t = unique_instant(reunion, local(2026, m, d, 8, 0)).expect("single");
            assert_eq!(t.to_rfc3339(), format!("2026-{m:02}-{d:02}T04:00:00+00:00"));
        }
    }

    #[test]
    fn instants_are_kept_to_the_microsecond() {
        let t: DateTime<Utc> = "2026-12-01T08:00:00.123456789Z".parse().expect("instant");
        assert_eq!(
            to_micros(t).to_rfc3339(),
            "2026-12-01T08:00:00.123456+00:00"
        );
    }

    #[test]
    fn unknown_zones_are_refused() {
        assert!(parse_time_zone("Europe/Bobigny").is_none());
        assert!(parse_time_zone("").is_none());
    }
}
