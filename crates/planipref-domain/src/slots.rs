//! The slot engine: which start times of a motif are bookable, and how many
//! guichets are free at each.
//!
//! A slot is never typed in; it is computed from the plages of the guichets
//! that serve the motif, in the site's local time: from each plage's start,
//! stepping by the motif's duration, as long as the appointment ends by the
//! plage's end. Its capacity is the number of guichets offering it; what
//! remains is the number of those not occupied (by any motif) during the
//! whole appointment.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::error::{DomainError, FieldError};
use crate::ids::{GuichetId, MotifId};
use crate::referentiel::Plage;
use crate::time::unique_instant;

/// A `[start, end)` interval of instants.
type Interval = (DateTime<Utc>, DateTime<Utc>);

/// The longest date range one slot search may cover, in days (inclusive).
pub const MAX_RANGE_DAYS: i64 = 62;

/// A time during which a guichet is taken (a reservation, later a hold).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    /// The occupied guichet.
    pub guichet_id: GuichetId,
    /// First instant occupied.
    pub start: DateTime<Utc>,
    /// First instant free again.
    pub end: DateTime<Utc>,
}

/// Everything the engine needs to know, loaded by the caller.
#[derive(Debug, Clone, Copy)]
pub struct SlotRequest<'a> {
    /// The motif being booked.
    pub motif_id: MotifId,
    /// Its duration in minutes.
    pub duration_minutes: u32,
    /// The site's time zone, in which plages are read.
    pub time_zone: Tz,
    /// First local day of the search.
    pub from: NaiveDate,
    /// Last local day of the search (inclusive).
    pub to: NaiveDate,
    /// The current instant (with `min_notice_hours` and
    /// `booking_window_days`, it bounds the slots offered).
    pub now: DateTime<Utc>,
    /// The active guichets that serve the motif.
    pub guichets: &'a [GuichetId],
    /// The plages of those guichets (others are ignored).
    pub plages: &'a [Plage],
    /// The occupied times of those guichets (others are ignored).
    pub busy: &'a [Busy],
    /// Local days the site is closed (public holidays…), sorted.
    pub closed_days: &'a [NaiveDate],
    /// Slots open this many days ahead (local days after today at the site).
    pub booking_window_days: u32,
    /// Slots starting sooner than this many hours from `now` are not offered.
    pub min_notice_hours: u32,
}

/// One bookable start time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// Start of the appointment.
    pub start: DateTime<Utc>,
    /// End of the appointment.
    pub end: DateTime<Utc>,
    /// How many guichets offer this slot in their plages.
    pub capacity: u32,
    /// The guichets offering it that are free for the whole appointment.
    pub free_guichets: Vec<GuichetId>,
}

impl Slot {
    /// How many more appointments the slot can take.
    pub fn remaining(&self) -> u32 {
        u32::try_from(self.free_guichets.len()).unwrap_or(u32::MAX)
    }
}

/// First year a slot search may ask about.
pub const EARLIEST_SEARCH_YEAR: i32 = 2000;
/// Last year a slot search may ask about.
pub const LATEST_SEARCH_YEAR: i32 = 2100;

/// Reads a search day (`YYYY-MM-DD`), refusing years no préfecture plans
/// for: far-off dates serve nobody and would strain date arithmetic.
pub fn parse_search_date(field: &str, raw: &str) -> Result<NaiveDate, FieldError> {
    let date = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, "must be a date written YYYY-MM-DD"))?;
    if !(EARLIEST_SEARCH_YEAR..=LATEST_SEARCH_YEAR).contains(&date.year()) {
        return Err(FieldError::new(
            field,
            format!("must be between {EARLIEST_SEARCH_YEAR} and {LATEST_SEARCH_YEAR}"),
        ));
    }
    Ok(date)
}

/// Checks that an appointment's start lies within the years slots are
/// offered for ([`EARLIEST_SEARCH_YEAR`]–[`LATEST_SEARCH_YEAR`]).
pub fn check_bookable_year(field: &str, start: DateTime<Utc>) -> Result<(), FieldError> {
    if (EARLIEST_SEARCH_YEAR..=LATEST_SEARCH_YEAR).contains(&start.year()) {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!("must be between {EARLIEST_SEARCH_YEAR} and {LATEST_SEARCH_YEAR}"),
        ))
    }
}

/// Checks a search range: ordered, and at most [`MAX_RANGE_DAYS`] days.
pub fn check_range(from: NaiveDate, to: NaiveDate) -> Result<(), DomainError> {
    check_range_within(from, to, MAX_RANGE_DAYS)
}

/// Checks a range of days: ordered, and at most `max_days` days (inclusive).
pub fn check_range_within(
    from: NaiveDate,
    to: NaiveDate,
    max_days: i64,
) -> Result<(), DomainError> {
    if to < from {
        return Err(DomainError::invalid("to", "must not be before from"));
    }
    if (to - from).num_days() + 1 > max_days {
        return Err(DomainError::invalid(
            "to",
            format!("the range may cover at most {max_days} days"),
        ));
    }
    Ok(())
}

/// Every slot of the motif in the range, earliest first, including full ones
/// (`remaining() == 0`); slots starting before `now` are left out.
pub fn compute_slots(req: &SlotRequest<'_>) -> Vec<Slot> {
    let duration = Duration::minutes(i64::from(req.duration_minutes));
    let busy = busy_by_guichet(req);
    let earliest = req.now + Duration::hours(i64::from(req.min_notice_hours));
    let today = req.now.with_timezone(&req.time_zone).date_naive();
    let last_day = today
        .checked_add_days(chrono::Days::new(u64::from(req.booking_window_days)))
        .unwrap_or(today);
    // start → (end, guichets whose plages offer it)
    let mut offered: BTreeMap<DateTime<Utc>, (DateTime<Utc>, BTreeSet<GuichetId>)> =
        BTreeMap::new();

    let plages = req
        .plages
        .iter()
        .filter(|p| req.guichets.contains(&p.guichet_id) && p.serves(req.motif_id));
    for plage in plages {
        for day in req.from.iter_days().take_while(|d| *d <= req.to) {
            if day > last_day
                || !plage.applies_on(day)
                || req.closed_days.binary_search(&day).is_ok()
            {
                continue;
            }
            let close = day.and_time(plage.end);
            let mut local_start = day.and_time(plage.start);
            while local_start + duration <= close {
                let local_end = local_start + duration;
                let slot_start = unique_instant(req.time_zone, local_start);
                local_start = local_end;
                // The start must name exactly one instant (no slot in the
                // spring gap nor in the repeated autumn hour), and the
                // appointment must read, on the site's clocks, as the same
                // wall-clock span: no slot straddles a clock change.
                let Some(start) = slot_start else {
                    continue;
                };
                let end = start + duration;
                if end.with_timezone(&req.time_zone).naive_local() != local_end || start < earliest
                {
                    continue;
                }
                // A set: two plages of one guichet never count it twice.
                offered
                    .entry(start)
                    .or_insert_with(|| (end, BTreeSet::new()))
                    .1
                    .insert(plage.guichet_id);
            }
        }
    }

    offered
        .into_iter()
        .map(|(start, (end, guichets))| Slot {
            start,
            end,
            capacity: u32::try_from(guichets.len()).unwrap_or(u32::MAX),
            free_guichets: guichets
                .into_iter()
                .filter(|g| !busy.get(g).is_some_and(|b| overlaps_any(b, start, end)))
                .collect(),
        })
        .collect()
}

/// The guichets that can take an appointment starting at `start`.
///
/// Refuses with a field error on `start` when no plage offers that start
/// time (a typo or a stale page), and with [`DomainError::SlotFull`] when it
/// is a real slot whose guichets are all taken.
pub fn free_guichets_at(
    req: &SlotRequest<'_>,
    start: DateTime<Utc>,
) -> Result<Vec<GuichetId>, DomainError> {
    let slot = compute_slots(req).into_iter().find(|s| s.start == start);
    match slot {
        None => Err(DomainError::invalid(
            "start",
            "is not a bookable slot of this motif (see its slots)",
        )),
        Some(s) if s.free_guichets.is_empty() => Err(DomainError::SlotFull),
        Some(s) => Ok(s.free_guichets),
    }
}

fn busy_by_guichet(req: &SlotRequest<'_>) -> HashMap<GuichetId, Vec<Interval>> {
    let mut map: HashMap<GuichetId, Vec<_>> = HashMap::new();
    for b in req.busy {
        map.entry(b.guichet_id).or_default().push((b.start, b.end));
    }
    for v in map.values_mut() {
        v.sort();
    }
    map
}

/// Whether `[start, end)` overlaps any interval of `busy` (sorted by start).
fn overlaps_any(busy: &[Interval], start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
    // Intervals starting before `end` are candidates; any of them that ends
    // after `start` overlaps. Checking them all keeps this correct even if
    // the loaded intervals overlap each other.
    let candidates = busy.partition_point(|(s, _)| *s < end);
    busy[..candidates].iter().any(|(_, e)| *e > start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::referentiel::Weekdays;
    use chrono::{NaiveTime, Weekday};

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("time")
    }
    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }
    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("instant")
    }
    fn paris() -> Tz {
        "Europe/Paris".parse().expect("tz")
    }

    struct Fixture {
        motif: MotifId,
        guichets: Vec<GuichetId>,
        plages: Vec<Plage>,
        busy: Vec<Busy>,
        closed: Vec<NaiveDate>,
        tz: Tz,
    }

    impl Fixture {
        /// `n` guichets open Monday–Friday 09:00–12:00 in Paris.
        fn new(n: usize) -> Self {
            let guichets: Vec<_> = (0..n).map(|_| GuichetId::new_random()).collect();
            let plages = guichets
                .iter()
                .map(|g| Plage {
                    guichet_id: *g,
                    weekdays: Weekdays::WORKING_WEEK,
                    start: t(9, 0),
                    end: t(12, 0),
                    valid_from: d(2026, 1, 1),
                    valid_until: None,
                    motifs: vec![],
                })
                .collect();
            Self {
                motif: MotifId::new_random(),
                guichets,
                plages,
                busy: vec![],
                closed: vec![],
                tz: paris(),
            }
        }

        fn request(&self, duration: u32, from: NaiveDate, to: NaiveDate) -> SlotRequest<'_> {
            SlotRequest {
                motif_id: self.motif,
                duration_minutes: duration,
                time_zone: self.tz,
                from,
                to,
                now: at("2026-01-01T00:00:00Z"),
                guichets: &self.guichets,
                plages: &self.plages,
                busy: &self.busy,
                closed_days: &self.closed,
                booking_window_days: 366,
                min_notice_hours: 0,
            }
        }
    }

    #[test]
    fn slots_step_from_the_plage_start_by_the_duration_and_fit_inside_it() {
        let f = Fixture::new(1);
        let slots = compute_slots(&f.request(45, d(2026, 12, 1), d(2026, 12, 1)));
        let starts: Vec<_> = slots.iter().map(|s| s.start.to_rfc3339()).collect();
        // 09:00, 09:45, 10:30, 11:15 local (+01:00); 12:00 would end at 12:45.
        assert_eq!(
            starts,
            vec![
                "2026-12-01T08:00:00+00:00",
                "2026-12-01T08:45:00+00:00",
                "2026-12-01T09:30:00+00:00",
                "2026-12-01T10:15:00+00:00",
            ]
        );
        assert!(
            slots
                .iter()
                .all(|s| s.end - s.start == Duration::minutes(45))
        );
    }

    #[test]
    fn capacity_counts_the_guichets_offering_a_slot() {
        let f = Fixture::new(3);
        let slots = compute_slots(&f.request(30, d(2026, 12, 1), d(2026, 12, 1)));
        assert_eq!(slots.len(), 6);
        assert!(slots.iter().all(|s| s.capacity == 3 && s.remaining() == 3));
    }

    #[test]
    fn a_busy_guichet_is_removed_from_every_overlapping_slot() {
        let mut f = Fixture::new(2);
        // A 20-minute appointment of another motif, 09:20–09:40 local.
        f.busy.push(Busy {
            guichet_id: f.guichets[0],
            start: at("2026-12-01T08:20:00Z"),
            end: at("2026-12-01T08:40:00Z"),
        });
        let slots = compute_slots(&f.request(30, d(2026, 12, 1), d(2026, 12, 1)));
        let remaining: Vec<_> = slots.iter().map(Slot::remaining).collect();
        // 09:00–09:30 and 09:30–10:00 overlap it; the others do not.
        assert_eq!(remaining, vec![1, 1, 2, 2, 2, 2]);
        assert_eq!(slots[0].free_guichets, vec![f.guichets[1]]);
    }

    #[test]
    fn no_slot_on_days_outside_the_plage_weekdays_or_validity() {
        let mut f = Fixture::new(1);
        f.plages[0].weekdays = Weekdays::of(&[Weekday::Tue]);
        f.plages[0].valid_until = Some(d(2026, 12, 8));
        // 2026-12-01 and 12-08 are Tuesdays; 12-15 is past validity.
        let slots = compute_slots(&f.request(60, d(2026, 11, 30), d(2026, 12, 20)));
        let days: Vec<_> = slots.iter().map(|s| s.start.date_naive()).collect();
        assert_eq!(
            days,
            vec![d(2026, 12, 1); 3]
                .into_iter()
                .chain(vec![d(2026, 12, 8); 3])
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn overlapping_plages_of_one_guichet_do_not_double_its_capacity() {
        let mut f = Fixture::new(1);
        let mut second = f.plages[0].clone();
        second.start = t(10, 0);
        second.end = t(13, 0);
        f.plages.push(second);
        f.busy.push(Busy {
            guichet_id: f.guichets[0],
            start: at("2026-12-01T09:00:00Z"),
            end: at("2026-12-01T09:30:00Z"),
        });
        let slots = compute_slots(&f.request(30, d(2026, 12, 1), d(2026, 12, 1)));
        assert!(slots.iter().all(|s| s.capacity == 1), "{slots:?}");
        let at_ten = slots
            .iter()
            .find(|s| s.start == at("2026-12-01T09:00:00Z"))
            .expect("10:00");
        assert_eq!(at_ten.remaining(), 0, "busy, whichever plage offers it");
        assert_eq!(slots.len(), 8, "09:00–13:00 in half hours");
    }

    #[test]
    fn no_slot_on_a_closed_day() {
        let mut f = Fixture::new(1);
        f.closed = vec![d(2026, 12, 25)];
        let slots = compute_slots(&f.request(60, d(2026, 12, 24), d(2026, 12, 28)));
        let days: std::collections::BTreeSet<_> =
            slots.iter().map(|s| s.start.date_naive()).collect();
        assert_eq!(
            days.into_iter().collect::<Vec<_>>(),
            vec![d(2026, 12, 24), d(2026, 12, 28)]
        );
    }

    #[test]
    fn plages_restricted_to_other_motifs_offer_nothing() {
        let mut f = Fixture::new(1);
        f.plages[0].motifs = vec![MotifId::new_random()];
        assert!(compute_slots(&f.request(30, d(2026, 12, 1), d(2026, 12, 1))).is_empty());
        f.plages[0].motifs.push(f.motif);
        assert_eq!(
            compute_slots(&f.request(30, d(2026, 12, 1), d(2026, 12, 1))).len(),
            6
        );
    }

    #[test]
    fn slots_in_the_past_are_not_offered() {
        let f = Fixture::new(1);
        let mut req = f.request(60, d(2026, 12, 1), d(2026, 12, 1));
        req.now = at("2026-12-01T08:30:00Z"); // 09:30 local
        let starts: Vec<_> = compute_slots(&req).iter().map(|s| s.start).collect();
        assert_eq!(
            starts,
            vec![at("2026-12-01T09:00:00Z"), at("2026-12-01T10:00:00Z")]
        );
    }

    #[test]
    fn the_spring_gap_yields_no_slot_and_the_autumn_repeat_none_twice() {
        let mut f = Fixture::new(1);
        f.plages[0].weekdays = Weekdays::of(&[Weekday::Sun]);
        f.plages[0].start = t(1, 0);
        f.plages[0].end = t(4, 0);
        // 2026-03-29: 02:00–03:00 does not exist in Paris.
        let spring = compute_slots(&f.request(30, d(2026, 3, 29), d(2026, 3, 29)));
        let local: Vec<_> = spring
            .iter()
            .map(|s| s.start.with_timezone(&f.tz).format("%H:%M").to_string())
            .collect();
        assert_eq!(local, vec!["01:00", "03:00", "03:30"]);
        // 2026-10-25: 02:00–03:00 happens twice; no slot starts in it, and
        // 01:30 ends at the first 02:00.
        let autumn = compute_slots(&f.request(30, d(2026, 10, 25), d(2026, 10, 25)));
        let local: Vec<_> = autumn
            .iter()
            .map(|s| s.start.with_timezone(&f.tz).format("%H:%M %:z").to_string())
            .collect();
        assert_eq!(
            local,
            vec![
                "01:00 +02:00",
                "01:30 +02:00",
                "03:00 +01:00",
                "03:30 +01:00"
            ]
        );
        assert!(
            autumn
                .iter()
                .all(|s| s.end - s.start == Duration::minutes(30))
        );
        assert_eq!(
            autumn[1].end,
            at("2026-10-25T00:00:00Z"),
            "01:30–02:00 CEST"
        );
    }

    #[test]
    fn overseas_plages_are_read_in_the_site_zone() {
        let mut f = Fixture::new(1);
        f.tz = "Indian/Reunion".parse().expect("tz");
        let slots = compute_slots(&f.request(60, d(2026, 12, 1), d(2026, 12, 1)));
        assert_eq!(slots[0].start, at("2026-12-01T05:00:00Z")); // 09:00 +04:00
    }

    #[test]
    fn booking_a_start_that_is_not_a_slot_names_the_start_field() {
        let f = Fixture::new(1);
        let req = f.request(30, d(2026, 12, 1), d(2026, 12, 1));
        match free_guichets_at(&req, at("2026-12-01T08:10:00Z")) {
            Err(DomainError::Invalid(e)) => assert_eq!(e[0].field, "start"),
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn booking_a_full_slot_is_refused_as_full() {
        let mut f = Fixture::new(1);
        f.busy.push(Busy {
            guichet_id: f.guichets[0],
            start: at("2026-12-01T08:00:00Z"),
            end: at("2026-12-01T08:30:00Z"),
        });
        let req = f.request(30, d(2026, 12, 1), d(2026, 12, 1));
        assert_eq!(
            free_guichets_at(&req, at("2026-12-01T08:00:00Z")),
            Err(DomainError::SlotFull)
        );
        assert_eq!(
            free_guichets_at(&req, at("2026-12-01T08:30:00Z")),
            Ok(vec![f.guichets[0]])
        );
    }

    #[test]
    fn search_dates_are_real_days_of_this_century() {
        assert_eq!(
            parse_search_date("from", " 2026-12-01 "),
            Ok(d(2026, 12, 1))
        );
        for bad in [
            "2026-02-30",
            "01/12/2026",
            "",
            "1999-12-31",
            "2101-01-01",
            "+262143-01-01",
            "-0001-01-01",
        ] {
            let e = parse_search_date("from", bad).expect_err(bad);
            assert_eq!(e.field, "from");
        }
    }

    #[test]
    fn appointments_are_booked_within_the_searchable_years() {
        assert!(check_bookable_year("start", at("2026-12-01T08:00:00Z")).is_ok());
        assert!(check_bookable_year("start", at("2150-01-06T08:00:00Z")).is_err());
        assert!(check_bookable_year("start", at("1999-12-31T08:00:00Z")).is_err());
    }

    #[test]
    fn slots_honour_the_minimum_notice_and_the_booking_window() {
        let f = Fixture::new(1);
        let mut req = f.request(60, d(2026, 12, 1), d(2026, 12, 31));
        req.now = at("2026-12-01T07:30:00Z"); // Tuesday 08:30 in Paris
        req.min_notice_hours = 24;
        req.booking_window_days = 7;
        let slots = compute_slots(&req);
        assert_eq!(
            slots.first().map(|s| s.start),
            Some(at("2026-12-02T08:00:00Z")),
            "09:00 tomorrow is 24h30 away"
        );
        assert!(slots.iter().all(|s| s.start >= at("2026-12-02T07:30:00Z")));
        let last = slots.last().map(|s| s.start.date_naive());
        assert_eq!(
            last,
            Some(d(2026, 12, 8)),
            "seven days after today, inclusive"
        );
    }

    #[test]
    fn ranges_are_ordered_and_at_most_62_days() {
        assert!(check_range(d(2026, 12, 1), d(2026, 12, 1)).is_ok());
        assert!(check_range(d(2026, 12, 1), d(2027, 1, 31)).is_ok()); // 62 days
        assert!(check_range(d(2026, 12, 1), d(2027, 2, 1)).is_err()); // 63 days
        match check_range(d(2026, 12, 2), d(2026, 12, 1)) {
            Err(DomainError::Invalid(e)) => assert_eq!(e[0].field, "to"),
            other => panic!("{other:?}"),
        }
    }
}
