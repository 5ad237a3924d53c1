//! When appointment reminders are sent.
//!
//! A reminder goes out a set number of hours before the appointment, read
//! on the site's wall clock: "48 hours before Tuesday 09:00" is Sunday
//! 09:00 even when clocks change in between, because that is what an
//! applicant expects and what the message text says. Nobody should be woken
//! by a préfecture, so a reminder falling in the quiet hours
//! ([`QUIET_FROM_HOUR`] to [`QUIET_UNTIL_HOUR`], local time) is brought
//! forward to [`EVENING_HOUR`] on the evening before that night — earlier
//! rather than later, so it still arrives ahead of the appointment.

use chrono::{DateTime, Duration, NaiveDateTime, Timelike, Utc};
use chrono_tz::Tz;

use crate::time::first_instant_at_or_after;

/// Hours before the appointment at which reminders are sent when a site
/// has not chosen otherwise: two days before, then the day before.
pub const DEFAULT_HOURS_BEFORE: [u32; 2] = [48, 24];

/// Local hour at which the quiet period starts (21:00, included).
pub const QUIET_FROM_HOUR: u32 = 21;

/// Local hour at which the quiet period ends (08:00, excluded from it).
pub const QUIET_UNTIL_HOUR: u32 = 8;

/// Local hour to which a reminder falling in the quiet period is moved, on
/// the evening before that night.
pub const EVENING_HOUR: u32 = 20;

/// The instants at which reminders of an appointment starting at `start`,
/// at a site in `time_zone`, are due; sorted, without duplicates.
///
/// For each `h` of `hours_before` (zeros are ignored: a reminder at the
/// appointment is no reminder), the reminder falls `h` hours before the
/// start on the local wall clock. When that local time is in the quiet
/// period `[21:00, 08:00)` it moves to 20:00 on the evening that precedes
/// the night (22:30 Monday and 03:00 Tuesday both become Monday 20:00), so
/// two offsets may meet on the same evening and are then sent once.
///
/// Local times are turned into instants with the site's daylight-saving
/// rules: a time that happens twice (autumn) is taken at its first
/// occurrence, and one that does not exist (spring gap) an hour later, as
/// [`first_instant_at_or_after`] does.
///
/// Reminders not strictly after `now` (their moment has passed, e.g. for a
/// booking made the day before) and those not strictly before `start` are
/// left out.
pub fn reminder_times(
    start: DateTime<Utc>,
    time_zone: Tz,
    hours_before: &[u32],
    now: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let local_start = start.with_timezone(&time_zone).naive_local();
    let mut times: Vec<DateTime<Utc>> = hours_before
        .iter()
        .filter(|&&hours| hours > 0)
        .filter_map(|&hours| {
            let offset = Duration::try_hours(i64::from(hours))?;
            let local = local_start.checked_sub_signed(offset)?;
            let local = out_of_quiet_hours(local)?;
            Some(first_instant_at_or_after(time_zone, local))
        })
        .filter(|t| *t > now && *t < start)
        .collect();
    times.sort_unstable();
    times.dedup();
    times
}

/// `local` itself when it is outside the quiet period, otherwise 20:00 on
/// the evening before that night. `None` only at the very start of the
/// calendar, where there is no previous day.
fn out_of_quiet_hours(local: NaiveDateTime) -> Option<NaiveDateTime> {
    let hour = local.hour();
    let evening = if hour >= QUIET_FROM_HOUR {
        local.date()
    } else if hour < QUIET_UNTIL_HOUR {
        local.date().pred_opt()?
    } else {
        return Some(local);
    };
    evening.and_hms_opt(EVENING_HOUR, 0, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, NaiveDate, TimeZone, Weekday};
    use chrono_tz::{Europe::Paris, Indian::Reunion};

    /// The instant of an unambiguous local time in `tz`.
    fn at(tz: Tz, y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        let local = NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(h, min, 0))
            .expect("valid date");
        tz.from_local_datetime(&local)
            .single()
            .expect("a single instant")
            .with_timezone(&Utc)
    }

    fn local_strings(times: &[DateTime<Utc>], tz: Tz) -> Vec<String> {
        times
            .iter()
            .map(|t| t.with_timezone(&tz).format("%a %F %H:%M %Z").to_string())
            .collect()
    }

    fn long_ago() -> DateTime<Utc> {
        at(Paris, 2020, 1, 1, 0, 0)
    }

    #[test]
    fn default_reminders_of_a_tuesday_morning_appointment() {
        let start = at(Paris, 2026, 12, 1, 9, 0);
        assert_eq!(start.with_timezone(&Paris).weekday(), Weekday::Tue);
        let times = reminder_times(start, Paris, &DEFAULT_HOURS_BEFORE, long_ago());
        assert_eq!(
            times,
            vec![at(Paris, 2026, 11, 29, 9, 0), at(Paris, 2026, 11, 30, 9, 0)]
        );
        assert_eq!(
            local_strings(&times, Paris),
            vec!["Sun 2026-11-29 09:00 CET", "Mon 2026-11-30 09:00 CET"]
        );
    }

    #[test]
    fn the_end_of_the_quiet_period_is_not_quiet() {
        let start = at(Paris, 2026, 12, 1, 8, 30);
        let times = reminder_times(start, Paris, &[24], long_ago());
        assert_eq!(times, vec![at(Paris, 2026, 11, 30, 8, 30)]);
        let start = at(Paris, 2026, 12, 1, 8, 0);
        let times = reminder_times(start, Paris, &[24], long_ago());
        assert_eq!(times, vec![at(Paris, 2026, 11, 30, 8, 0)]);
    }

    #[test]
    fn an_early_morning_reminder_moves_to_the_evening_before() {
        // Tuesday 07:00: the 24-hour reminder would be Monday 07:00, in the
        // quiet period, so it goes on Sunday evening.
        let start = at(Paris, 2026, 12, 1, 7, 0);
        let times = reminder_times(start, Paris, &[24], long_ago());
        assert_eq!(times, vec![at(Paris, 2026, 11, 29, 20, 0)]);
        let start = at(Paris, 2026, 12, 1, 7, 59);
        let times = reminder_times(start, Paris, &[24], long_ago());
        assert_eq!(times, vec![at(Paris, 2026, 11, 29, 20, 0)]);
    }

    #[test]
    fn a_late_evening_reminder_moves_back_to_eight_pm_the_same_day() {
        // 12 hours before Tuesday 10:30 is Monday 22:30.
        let start = at(Paris, 2026, 12, 1, 10, 30);
        let times = reminder_times(start, Paris, &[12], long_ago());
        assert_eq!(times, vec![at(Paris, 2026, 11, 30, 20, 0)]);
        // 21:00 exactly is already quiet; 20:59 is not.
        let start = at(Paris, 2026, 12, 1, 9, 0);
        let times = reminder_times(start, Paris, &[12], long_ago());
        assert_eq!(times, vec![at(Paris, 2026, 11, 30, 20, 0)]);
        let start = at(Paris, 2026, 12, 1, 8, 59);
        let times = reminder_times(start, Paris, &[12], long_ago());
        assert_eq!(times, vec![at(Paris, 2026, 11, 30, 20, 59)]);
    }

    #[test]
    fn spring_forward_keeps_the_local_hour() {
        // Clocks go from 02:00 to 03:00 on Sunday 28 March 2027.
        let start = at(Paris, 2027, 3, 29, 9, 0);
        let times = reminder_times(start, Paris, &DEFAULT_HOURS_BEFORE, long_ago());
        assert_eq!(
            local_strings(&times, Paris),
            vec!["Sat 2027-03-27 09:00 CET", "Sun 2027-03-28 09:00 CEST"]
        );
        // Elapsed-time arithmetic would have put this one at 07:30 local,
        // in the quiet period; on the wall clock it is 08:30.
        let start = at(Paris, 2027, 3, 29, 8, 30);
        let times = reminder_times(start, Paris, &[24], long_ago());
        assert_eq!(
            local_strings(&times, Paris),
            vec!["Sun 2027-03-28 08:30 CEST"]
        );
    }

    #[test]
    fn fall_back_keeps_the_local_hour() {
        // Clocks go from 03:00 back to 02:00 on Sunday 25 October 2026.
        let start = at(Paris, 2026, 10, 26, 9, 0);
        let times = reminder_times(start, Paris, &DEFAULT_HOURS_BEFORE, long_ago());
        assert_eq!(
            local_strings(&times, Paris),
            vec!["Sat 2026-10-24 09:00 CEST", "Sun 2026-10-25 09:00 CET"]
        );
        assert_eq!(
            times[0],
            "2026-10-24T07:00:00Z"
                .parse::<DateTime<Utc>>()
                .expect("instant")
        );
        assert_eq!(
            times[1],
            "2026-10-25T08:00:00Z"
                .parse::<DateTime<Utc>>()
                .expect("instant")
        );
    }

    #[test]
    fn reunion_reminders_use_reunion_time() {
        // UTC+4 all year.
        let start = at(Reunion, 2027, 3, 29, 9, 0);
        let times = reminder_times(start, Reunion, &DEFAULT_HOURS_BEFORE, long_ago());
        assert_eq!(
            times,
            vec![
                "2027-03-27T05:00:00Z"
                    .parse::<DateTime<Utc>>()
                    .expect("instant"),
                "2027-03-28T05:00:00Z"
                    .parse::<DateTime<Utc>>()
                    .expect("instant"),
            ]
        );
        // 07:30 in Saint-Denis is quiet there even though it is 04:30 or
        // 05:30 in Paris: the evening before is 20:00 Réunion time.
        let start = at(Reunion, 2027, 3, 29, 7, 30);
        let times = reminder_times(start, Reunion, &[24], long_ago());
        assert_eq!(times, vec![at(Reunion, 2027, 3, 27, 20, 0)]);
        assert_eq!(
            times,
            vec![
                "2027-03-27T16:00:00Z"
                    .parse::<DateTime<Utc>>()
                    .expect("instant")
            ]
        );
    }

    #[test]
    fn past_reminders_are_dropped() {
        let start = at(Paris, 2026, 12, 1, 9, 0);
        // Booked on Sunday afternoon: only the 24-hour reminder remains.
        let now = at(Paris, 2026, 11, 29, 15, 0);
        let times = reminder_times(start, Paris, &DEFAULT_HOURS_BEFORE, now);
        assert_eq!(times, vec![at(Paris, 2026, 11, 30, 9, 0)]);
        // A reminder due exactly now is not strictly in the future.
        let now = at(Paris, 2026, 11, 30, 9, 0);
        assert!(reminder_times(start, Paris, &DEFAULT_HOURS_BEFORE, now).is_empty());
        // After the appointment, nothing.
        let now = at(Paris, 2026, 12, 2, 9, 0);
        assert!(reminder_times(start, Paris, &DEFAULT_HOURS_BEFORE, now).is_empty());
    }

    #[test]
    fn offsets_landing_on_the_same_evening_are_merged() {
        // 12 and 10 hours before Tuesday 09:00 are Monday 21:00 and 23:00,
        // both moved to Monday 20:00; 13 hours before is Monday 20:00.
        let start = at(Paris, 2026, 12, 1, 9, 0);
        let times = reminder_times(start, Paris, &[10, 12, 13, 24, 24], long_ago());
        assert_eq!(
            times,
            vec![
                at(Paris, 2026, 11, 30, 9, 0),
                at(Paris, 2026, 11, 30, 20, 0)
            ]
        );
    }

    #[test]
    fn zero_and_empty_offsets_give_no_reminder() {
        let start = at(Paris, 2026, 12, 1, 9, 0);
        assert!(reminder_times(start, Paris, &[0], long_ago()).is_empty());
        assert!(reminder_times(start, Paris, &[], long_ago()).is_empty());
        assert_eq!(
            reminder_times(start, Paris, &[0, 24, 0], long_ago()),
            vec![at(Paris, 2026, 11, 30, 9, 0)]
        );
    }

    #[test]
    fn an_evening_reminder_stays_before_the_start_and_huge_offsets_do_not_panic() {
        // An appointment at 22:00 with a 1-hour reminder: 21:00 is quiet and
        // moves to 20:00, still before the start, so it is kept.
        let start = at(Paris, 2026, 12, 1, 22, 0);
        assert_eq!(
            reminder_times(start, Paris, &[1], long_ago()),
            vec![at(Paris, 2026, 12, 1, 20, 0)]
        );
        // Offsets beyond the calendar are ignored rather than panicking.
        assert!(reminder_times(start, Paris, &[u32::MAX], long_ago()).is_empty());
    }

    #[test]
    fn results_are_sorted_whatever_the_order_of_offsets() {
        let start = at(Paris, 2026, 12, 1, 9, 0);
        let times = reminder_times(start, Paris, &[24, 72, 48], long_ago());
        assert!(times.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(times.len(), 3);
        assert_eq!(times[0], at(Paris, 2026, 11, 28, 9, 0));
    }
}
