//! Occupancy units: how the database proves that a guichet is never booked
//! twice.
//!
//! Every booking writes one row per [`UNIT_MINUTES`]-long unit of time it
//! occupies on its guichet, under a unique index on (guichet, unit start).
//! Two overlapping bookings of one guichet would share at least one unit, so
//! the second insert fails in the database itself, whatever the number of
//! server processes. For that to be exact, every duration and every plage
//! boundary is a whole number of units (checked when they are created).

use chrono::{DateTime, Duration, Timelike, Utc};

/// The length of one unit, in minutes. Durations and plage bounds are
/// multiples of it.
pub const UNIT_MINUTES: u32 = 5;

/// The start of every unit that `[start, end)` touches. Bookings are
/// aligned on units, but should one not be, `start` is rounded down (and
/// the last unit covers `end`), so that two overlapping bookings always
/// share a unit whatever their alignment.
pub fn units(start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let step = Duration::minutes(i64::from(UNIT_MINUTES));
    let unit_seconds = i64::from(UNIT_MINUTES) * 60;
    let floor = start.timestamp() - start.timestamp().rem_euclid(unit_seconds);
    let mut out = Vec::new();
    let mut t = DateTime::from_timestamp(floor, 0).unwrap_or(start);
    while t < end {
        out.push(t);
        t += step;
    }
    out
}

/// The first unit boundary at or after `t`.
pub fn unit_ceil(t: DateTime<Utc>) -> DateTime<Utc> {
    let unit_seconds = i64::from(UNIT_MINUTES) * 60;
    let seconds = t.timestamp();
    let floor = seconds - seconds.rem_euclid(unit_seconds);
    let ceil = if floor == seconds && t.timestamp_subsec_nanos() == 0 {
        floor
    } else {
        floor + unit_seconds
    };
    DateTime::from_timestamp(ceil, 0).unwrap_or(t)
}

/// Whether an instant lies on a unit boundary (whole minutes, minute a
/// multiple of [`UNIT_MINUTES`]).
pub fn is_on_unit_boundary(t: DateTime<Utc>) -> bool {
    t.second() == 0 && t.nanosecond() == 0 && t.minute().is_multiple_of(UNIT_MINUTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("instant")
    }

    #[test]
    fn instants_round_up_to_the_next_boundary() {
        assert_eq!(
            unit_ceil(at("2026-12-01T08:00:00Z")),
            at("2026-12-01T08:00:00Z")
        );
        assert_eq!(
            unit_ceil(at("2026-12-01T08:00:01Z")),
            at("2026-12-01T08:05:00Z")
        );
        assert_eq!(
            unit_ceil(at("2026-12-01T08:04:59.5Z")),
            at("2026-12-01T08:05:00Z")
        );
    }

    #[test]
    fn a_thirty_minute_booking_occupies_six_units() {
        let u = units(at("2026-12-01T08:00:00Z"), at("2026-12-01T08:30:00Z"));
        assert_eq!(u.len(), 6);
        assert_eq!(u[0], at("2026-12-01T08:00:00Z"));
        assert_eq!(u[5], at("2026-12-01T08:25:00Z"));
    }

    #[test]
    fn overlapping_bookings_share_a_unit_and_adjacent_ones_do_not() {
        let a = units(at("2026-12-01T08:00:00Z"), at("2026-12-01T08:30:00Z"));
        let b = units(at("2026-12-01T08:25:00Z"), at("2026-12-01T09:10:00Z"));
        let c = units(at("2026-12-01T08:30:00Z"), at("2026-12-01T09:00:00Z"));
        assert!(a.iter().any(|u| b.contains(u)));
        assert!(!a.iter().any(|u| c.contains(u)));
    }

    #[test]
    fn unaligned_bookings_still_share_a_unit_when_they_overlap() {
        let a = units(at("2026-12-01T08:00:00Z"), at("2026-12-01T08:30:00Z"));
        let b = units(at("2026-12-01T08:02:00Z"), at("2026-12-01T08:32:00Z"));
        let c = units(at("2026-12-01T08:29:59Z"), at("2026-12-01T08:31:00Z"));
        assert_eq!(b[0], at("2026-12-01T08:00:00Z"));
        assert!(a.iter().any(|u| b.contains(u)));
        assert!(a.iter().any(|u| c.contains(u)));
    }

    #[test]
    fn unit_boundaries() {
        assert!(is_on_unit_boundary(at("2026-12-01T08:05:00Z")));
        assert!(!is_on_unit_boundary(at("2026-12-01T08:07:00Z")));
        assert!(!is_on_unit_boundary(at("2026-12-01T08:05:30Z")));
    }
}
