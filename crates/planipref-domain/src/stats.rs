//! Figures for agents: appointments counted by period and by motif,
//! guichet or channel, the time guichets were open, the rates and medians
//! drawn from them, and the *délai* (days from a day to the first free
//! slot). Pure arithmetic over what the store reads; statistics count
//! appointments, never people, so they survive the erasure of identities.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::FieldError;
use crate::plage::Plage;

/// Longest period figures are asked for, in days.
pub const MAX_DAYS: i64 = 366;

/// How appointments are grouped in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Period {
    /// Each local day.
    Day,
    /// Each week, from Monday.
    Week,
    /// Each calendar month.
    #[default]
    Month,
}

impl Period {
    /// Every period, as the API lists them.
    pub const ALL: [Self; 3] = [Self::Day, Self::Week, Self::Month];

    /// Its code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }

    /// The first day of the period holding `day`.
    pub fn start_of(self, day: NaiveDate) -> NaiveDate {
        match self {
            Self::Day => day,
            Self::Week => day - Days::new(u64::from(day.weekday().num_days_from_monday())),
            Self::Month => day.with_day(1).unwrap_or(day),
        }
    }
}

/// What appointments are split by, beside the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dimension {
    /// Nothing: one line per period.
    #[default]
    None,
    /// Their motif.
    Motif,
    /// Their guichet.
    Guichet,
    /// How they were made (web, convocation, phone, counter,
    /// intermediary, walk-in).
    Channel,
}

impl Dimension {
    /// Every dimension but none, as the API lists them.
    pub const ALL: [Self; 3] = [Self::Motif, Self::Guichet, Self::Channel];

    /// Its code.
    pub fn code(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Motif => "motif",
            Self::Guichet => "guichet",
            Self::Channel => "channel",
        }
    }
}

/// Parses `group_by` (default `month`) and `by` (default none), naming
/// the field refused.
pub fn parse_grouping(
    group_by: Option<&str>,
    by: Option<&str>,
) -> (Result<Period, FieldError>, Result<Dimension, FieldError>) {
    let period = match group_by.map(str::trim) {
        None => Ok(Period::default()),
        Some(code) => Period::ALL
            .into_iter()
            .find(|p| p.code() == code)
            .ok_or_else(|| FieldError::new("group_by", "must be day, week or month")),
    };
    let dimension = match by.map(str::trim) {
        None => Ok(Dimension::None),
        Some(code) => Dimension::ALL
            .into_iter()
            .find(|d| d.code() == code)
            .ok_or_else(|| FieldError::new("by", "must be motif, guichet or channel")),
    };
    (period, dimension)
}

/// Years figures may be asked for: far beyond, dates overflow.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Checks a period of figures: years 2000 to 2100, `to` not before
/// `from`, at most a year.
pub fn check_period(from: NaiveDate, to: NaiveDate) -> Result<(), FieldError> {
    for (field, day) in [("from", from), ("to", to)] {
        if !YEARS.contains(&day.year()) {
            return Err(FieldError::new(
                field,
                "must be a date between 2000 and 2100",
            ));
        }
    }
    if to < from {
        return Err(FieldError::new("to", "must not be before from"));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(FieldError::new("to", "must be within 366 days of from"));
    }
    Ok(())
}

/// Who cancelled an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelledBy {
    /// Its applicant (or whoever held its management link).
    Applicant,
    /// An agent.
    Agent,
}

/// Appointments alike, counted together (by the database): the same
/// period and key, channel, status, canceller and move. No person in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    /// The first day of their period (see [`Period::start_of`]).
    pub period: NaiveDate,
    /// Their key in the [`Dimension`] asked (their motif's id, guichet's
    /// id or channel), empty for none.
    pub key: String,
    /// How they were made.
    pub channel: String,
    /// Their status (`booked`, `checked_in`, `called`, `done`, `no_show`,
    /// `cancelled`).
    pub status: String,
    /// Who cancelled them, if they were.
    pub cancelled_by: Option<CancelledBy>,
    /// Whether they were moved at least once.
    pub moved: bool,
    /// How many.
    pub count: u64,
    /// Guichet minutes they take, together.
    pub minutes: i64,
}

/// What the counter measured of appointments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Minutes between arrival and call.
    Wait,
    /// Minutes between call and end.
    Service,
}

/// How many appointments of a period and key took the same minutes to be
/// called (or served). A negative duration (a clock put right between two
/// steps) is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timed {
    /// The first day of their period.
    pub period: NaiveDate,
    /// Their key in the [`Dimension`] asked, empty for none.
    pub key: String,
    /// What was measured.
    pub measure: Measure,
    /// The minutes.
    pub minutes: i64,
    /// How many took them.
    pub count: u64,
}

/// The figures of one group of appointments.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// Guichet minutes open (`None` where it is not the group's: a motif
    /// or a channel shares its guichets with others).
    pub capacity_minutes: Option<i64>,
    /// Appointments made for the period (walk-ins included), cancelled
    /// ones included.
    pub appointments: u64,
    /// Those not cancelled.
    pub booked: u64,
    /// Cancelled, all.
    pub cancelled: u64,
    /// Cancelled by their applicant.
    pub cancelled_by_applicant: u64,
    /// Cancelled by an agent.
    pub cancelled_by_agent: u64,
    /// Moved at least once.
    pub moved: u64,
    /// The person came (checked in, called or served).
    pub honoured: u64,
    /// The person did not come.
    pub no_show: u64,
    /// People who came without an appointment.
    pub walk_ins: u64,
    /// Minutes booked (not cancelled) over minutes open.
    pub fill_rate: Option<f64>,
    /// No-shows over appointments whose outcome is known (came or not).
    pub no_show_rate: Option<f64>,
    /// Median minutes between arrival and call.
    pub median_wait_minutes: Option<f64>,
    /// Median minutes between call and end.
    pub median_service_minutes: Option<f64>,
    /// Median délai, in days, of the days sampled (motifs only).
    pub median_delay_days: Option<f64>,
}

/// What [`Figures`] are made from, gathered a group of appointments at a
/// time.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    figures: Figures,
    booked_minutes: i64,
    waits: Vec<i64>,
    services: Vec<i64>,
}

impl Tally {
    /// Counts the appointments `a`.
    pub fn add(&mut self, a: &Counted) {
        let (f, n) = (&mut self.figures, a.count);
        f.appointments += n;
        match a.cancelled_by {
            Some(by) => {
                f.cancelled += n;
                match by {
                    CancelledBy::Applicant => f.cancelled_by_applicant += n,
                    CancelledBy::Agent => f.cancelled_by_agent += n,
                }
            }
            None if a.status == "cancelled" => f.cancelled += n,
            None => {}
        }
        if a.status != "cancelled" {
            f.booked += n;
            self.booked_minutes += a.minutes;
        }
        if a.moved {
            f.moved += n;
        }
        match a.status.as_str() {
            "checked_in" | "called" | "done" => f.honoured += n,
            "no_show" => f.no_show += n,
            _ => {}
        }
        if a.channel == "walk_in" {
            f.walk_ins += n;
        }
    }

    /// Counts the durations `t` (none when negative).
    pub fn add_timed(&mut self, t: &Timed) {
        if t.minutes < 0 {
            return;
        }
        let values = match t.measure {
            Measure::Wait => &mut self.waits,
            Measure::Service => &mut self.services,
        };
        let n = usize::try_from(t.count).unwrap_or(usize::MAX);
        values.extend(std::iter::repeat_n(t.minutes, n));
    }

    /// The figures, with `capacity` minutes open and the délai samples.
    pub fn finish(mut self, capacity: Option<i64>, delays: &[i64]) -> Figures {
        let f = &mut self.figures;
        f.capacity_minutes = capacity;
        f.fill_rate = capacity
            .filter(|c| *c > 0)
            .map(|c| round(self.booked_minutes as f64 / c as f64));
        let known = f.honoured + f.no_show;
        f.no_show_rate = (known > 0).then(|| round(f.no_show as f64 / known as f64));
        f.median_wait_minutes = median(&mut self.waits);
        f.median_service_minutes = median(&mut self.services);
        f.median_delay_days = median(&mut delays.to_vec());
        self.figures
    }
}

/// Rates to four decimals.
fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The median of `values` (the mean of the middle two when even).
pub fn median(values: &mut [i64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) as f64 / 2.0
    } else {
        values[mid] as f64
    })
}

/// Minutes a guichet is open on `day` (local, in `tz`): its plages that
/// apply that day, less what `closures` (UTC intervals: the site's and the
/// guichet's closures) take of them. A day the site is closed (a public
/// holiday without an opening) is the caller's to leave out.
///
/// Without closures, a plage's minutes are its local length: opening
/// hours never span a change of clocks (at night), and a year of a
/// département's guichets is counted without converting a time.
pub fn open_minutes(
    day: NaiveDate,
    tz: Tz,
    plages: &[&Plage],
    closures: &[(DateTime<Utc>, DateTime<Utc>)],
) -> i64 {
    if closures.is_empty() {
        return plages
            .iter()
            .filter(|p| p.applies_on(day))
            .map(|p| (p.end - p.start).num_minutes().max(0))
            .sum();
    }
    let local = |t: NaiveDateTime| {
        tz.from_local_datetime(&t)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    };
    plages
        .iter()
        .filter(|p| p.applies_on(day))
        .filter_map(|p| Some((local(day.and_time(p.start))?, local(day.and_time(p.end))?)))
        .map(|(start, end)| {
            // The closures' parts within the plage, merged: a site's
            // closure and a guichet's may overlap.
            let mut within: Vec<(DateTime<Utc>, DateTime<Utc>)> = closures
                .iter()
                .map(|(s, e)| ((*s).max(start), (*e).min(end)))
                .filter(|(s, e)| s < e)
                .collect();
            within.sort_unstable();
            let mut closed = 0;
            let mut reached = start;
            for (s, e) in within {
                let from = s.max(reached);
                if e > from {
                    closed += (e - from).num_minutes();
                    reached = e;
                }
            }
            ((end - start).num_minutes() - closed).max(0)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::GuichetId;
    use crate::plage::Weekdays;
    use chrono::{NaiveTime, Weekday};

    fn counted(status: &str, channel: &str) -> Counted {
        Counted {
            period: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
            key: String::new(),
            channel: channel.into(),
            status: status.into(),
            cancelled_by: None,
            moved: false,
            count: 1,
            minutes: 20,
        }
    }

    fn timed(measure: Measure, minutes: i64, count: u64) -> Timed {
        Timed {
            period: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
            key: String::new(),
            measure,
            minutes,
            count,
        }
    }

    #[test]
    fn a_tally_counts_outcomes_rates_and_medians() {
        let mut t = Tally::default();
        t.add(&counted("done", "web"));
        t.add_timed(&timed(Measure::Wait, 10, 1));
        t.add_timed(&timed(Measure::Service, 15, 1));
        let mut served = counted("done", "phone");
        served.moved = true;
        t.add(&served);
        t.add_timed(&timed(Measure::Wait, 30, 1));
        t.add_timed(&timed(Measure::Service, 25, 1));
        t.add_timed(&timed(Measure::Service, -1, 3));
        t.add(&counted("no_show", "web"));
        let mut cancelled = counted("cancelled", "web");
        cancelled.cancelled_by = Some(CancelledBy::Agent);
        t.add(&cancelled);
        t.add(&counted("checked_in", "walk_in"));
        let f = t.finish(Some(200), &[3, 9, 4]);
        assert_eq!(
            (f.appointments, f.booked, f.cancelled, f.cancelled_by_agent),
            (5, 4, 1, 1)
        );
        assert_eq!((f.honoured, f.no_show, f.walk_ins, f.moved), (3, 1, 1, 1));
        assert_eq!(f.fill_rate, Some(0.4), "80 minutes of 200");
        assert_eq!(f.no_show_rate, Some(0.25));
        assert_eq!(f.median_wait_minutes, Some(20.0));
        assert_eq!(f.median_service_minutes, Some(20.0), "negatives left out");
        assert_eq!(f.median_delay_days, Some(4.0));
        assert_eq!(Tally::default().finish(None, &[]).fill_rate, None);
    }

    #[test]
    fn groups_count_as_many_appointments() {
        let mut one_by_one = Tally::default();
        let mut grouped = Tally::default();
        let mut moved = counted("booked", "walk_in");
        moved.moved = true;
        moved.cancelled_by = Some(CancelledBy::Applicant);
        for _ in 0..3 {
            one_by_one.add(&moved);
            one_by_one.add_timed(&timed(Measure::Wait, 7, 1));
        }
        one_by_one.add_timed(&timed(Measure::Wait, 2, 1));
        grouped.add(&Counted {
            count: 3,
            minutes: 60,
            ..moved
        });
        grouped.add_timed(&timed(Measure::Wait, 2, 1));
        grouped.add_timed(&timed(Measure::Wait, 7, 3));
        assert_eq!(
            one_by_one.finish(Some(100), &[]),
            grouped.finish(Some(100), &[])
        );
    }

    #[test]
    fn periods_start_on_mondays_and_firsts() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
        assert_eq!(Period::Week.start_of(day).to_string(), "2026-12-07");
        assert_eq!(Period::Month.start_of(day).to_string(), "2026-12-01");
        assert_eq!(Period::Day.start_of(day), day);
        let (p, d) = parse_grouping(Some("year"), Some("site"));
        assert_eq!(p.unwrap_err().field, "group_by");
        assert_eq!(d.unwrap_err().field, "by");
        let from = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert!(check_period(from, from + Days::new(365)).is_ok());
        assert_eq!(
            check_period(from, from + Days::new(366)).unwrap_err().field,
            "to"
        );
        assert_eq!(
            check_period(from, from - Days::new(1)).unwrap_err().field,
            "to"
        );
        let far = NaiveDate::from_ymd_opt(262_142, 12, 30).unwrap();
        assert_eq!(check_period(far, far).unwrap_err().field, "from");
    }

    #[test]
    fn open_minutes_are_plages_less_closures_in_local_time() {
        let g = GuichetId::new_random();
        let plage = |start: u32, end: u32| Plage {
            guichet_id: g,
            weekdays: Weekdays::of(&[Weekday::Mon]),
            start: NaiveTime::from_hms_opt(start, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(end, 0, 0).unwrap(),
            valid_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            valid_until: None,
            motifs: vec![],
        };
        let (morning, afternoon) = (plage(9, 12), plage(14, 17));
        let monday = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let paris = chrono_tz::Europe::Paris;
        assert_eq!(
            open_minutes(monday, paris, &[&morning, &afternoon], &[]),
            360
        );
        assert_eq!(
            open_minutes(monday + Days::new(1), paris, &[&morning], &[]),
            0
        );
        // Closed 11:00–15:00 Paris (10:00–14:00 UTC in winter).
        let at = |h: u32| Utc.with_ymd_and_hms(2026, 12, 7, h, 0, 0).unwrap();
        let closed = [(at(10), at(14))];
        assert_eq!(
            open_minutes(monday, paris, &[&morning, &afternoon], &closed),
            240,
            "an hour of each"
        );
        // A site's closure 09:00–10:30 and the guichet's 10:00–11:00
        // overlap: two hours closed, not two and a half.
        let at_min = |h: u32, m: u32| Utc.with_ymd_and_hms(2026, 12, 7, h, m, 0).unwrap();
        let overlapping = [(at_min(8, 0), at_min(9, 30)), (at_min(9, 0), at_min(10, 0))];
        assert_eq!(open_minutes(monday, paris, &[&morning], &overlapping), 60);
    }
}
