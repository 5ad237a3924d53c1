use super::*;

/// The slots of a search, without their guichet sets.
fn slots_of(req: &SlotRequest<'_>) -> Vec<Slot> {
    compute_slots(req).slots
}
use crate::plage::Weekdays;
use chrono::{Duration, NaiveTime, Weekday};

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
            step_minutes: duration,
            time_zone: self.tz,
            from,
            to,
            now: at("2026-01-01T00:00:00Z"),
            guichets: &self.guichets,
            plages: &self.plages,
            busy: &self.busy,
            closed_days: &self.closed,
            booking_window_days: 366,
            newest_day_opens_at: None,
            min_notice_hours: 0,
        }
    }
}

#[test]
fn slots_step_from_the_plage_start_by_the_duration_and_fit_inside_it() {
    let f = Fixture::new(1);
    let slots = slots_of(&f.request(45, d(2026, 12, 1), d(2026, 12, 1)));
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
    let slots = slots_of(&f.request(30, d(2026, 12, 1), d(2026, 12, 1)));
    assert_eq!(slots.len(), 6);
    assert!(slots.iter().all(|s| s.capacity == 3 && s.remaining == 3));
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
    let all = compute_slots(&f.request(30, d(2026, 12, 1), d(2026, 12, 1)));
    let slots = &all.slots;
    let remaining: Vec<_> = slots.iter().map(|s| s.remaining).collect();
    // 09:00–09:30 and 09:30–10:00 overlap it; the others do not.
    assert_eq!(remaining, vec![1, 1, 2, 2, 2, 2]);
    assert_eq!(all.free_guichets(&slots[0]), vec![f.guichets[1]]);
}

#[test]
fn no_slot_on_days_outside_the_plage_weekdays_or_validity() {
    let mut f = Fixture::new(1);
    f.plages[0].weekdays = Weekdays::of(&[Weekday::Tue]);
    f.plages[0].valid_until = Some(d(2026, 12, 8));
    // 2026-12-01 and 12-08 are Tuesdays; 12-15 is past validity.
    let slots = slots_of(&f.request(60, d(2026, 11, 30), d(2026, 12, 20)));
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
    let slots = slots_of(&f.request(30, d(2026, 12, 1), d(2026, 12, 1)));
    assert!(slots.iter().all(|s| s.capacity == 1), "{slots:?}");
    let at_ten = slots
        .iter()
        .find(|s| s.start == at("2026-12-01T09:00:00Z"))
        .expect("10:00");
    assert_eq!(at_ten.remaining, 0, "busy, whichever plage offers it");
    assert_eq!(slots.len(), 8, "09:00–13:00 in half hours");
}

#[test]
fn no_slot_on_a_closed_day() {
    let mut f = Fixture::new(1);
    f.closed = vec![d(2026, 12, 25)];
    let slots = slots_of(&f.request(60, d(2026, 12, 24), d(2026, 12, 28)));
    let days: std::collections::BTreeSet<_> = slots.iter().map(|s| s.start.date_naive()).collect();
    assert_eq!(
        days.into_iter().collect::<Vec<_>>(),
        vec![d(2026, 12, 24), d(2026, 12, 28)]
    );
}

#[test]
fn plages_restricted_to_other_motifs_offer_nothing() {
    let mut f = Fixture::new(1);
    f.plages[0].motifs = vec![MotifId::new_random()];
    assert!(slots_of(&f.request(30, d(2026, 12, 1), d(2026, 12, 1))).is_empty());
    f.plages[0].motifs.push(f.motif);
    assert_eq!(
        slots_of(&f.request(30, d(2026, 12, 1), d(2026, 12, 1))).len(),
        6
    );
}

#[test]
fn slots_in_the_past_are_not_offered() {
    let f = Fixture::new(1);
    let mut req = f.request(60, d(2026, 12, 1), d(2026, 12, 1));
    req.now = at("2026-12-01T08:30:00Z"); // 09:30 local
    let starts: Vec<_> = slots_of(&req).iter().map(|s| s.start).collect();
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
    let spring = slots_of(&f.request(30, d(2026, 3, 29), d(2026, 3, 29)));
    let local: Vec<_> = spring
        .iter()
        .map(|s| s.start.with_timezone(&f.tz).format("%H:%M").to_string())
        .collect();
    assert_eq!(local, vec!["01:00", "03:00", "03:30"]);
    // 2026-10-25: 02:00–03:00 happens twice; no slot starts in it, and
    // 01:30 ends at the first 02:00.
    let autumn = slots_of(&f.request(30, d(2026, 10, 25), d(2026, 10, 25)));
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
    let slots = slots_of(&f.request(60, d(2026, 12, 1), d(2026, 12, 1)));
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
    let slots = slots_of(&req);
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

#[test]
fn a_configured_step_offers_overlapping_start_times() {
    let f = Fixture::new(1);
    let mut req = f.request(30, d(2026, 12, 1), d(2026, 12, 1));
    req.step_minutes = 15;
    let slots = slots_of(&req);
    // 09:00, 09:15 … 11:30: the last one ends at 12:00.
    assert_eq!(slots.len(), 11);
    assert_eq!(slots[1].start, at("2026-12-01T08:15:00Z"));
    assert!(
        slots
            .iter()
            .all(|s| s.end - s.start == Duration::minutes(30))
    );
}

#[test]
fn a_group_needs_a_guichet_free_for_the_longer_appointment() {
    let mut f = Fixture::new(1);
    // Taken 10:30–11:00 local.
    f.busy.push(Busy {
        guichet_id: f.guichets[0],
        start: at("2026-12-01T09:30:00Z"),
        end: at("2026-12-01T10:00:00Z"),
    });
    // Three persons × 30 minutes, starts every 30 minutes.
    let mut req = f.request(90, d(2026, 12, 1), d(2026, 12, 1));
    req.step_minutes = 30;
    let slots = slots_of(&req);
    let local: Vec<_> = slots
        .iter()
        .map(|s| {
            let start = s.start.with_timezone(&f.tz).format("%H:%M").to_string();
            (start, s.remaining)
        })
        .collect();
    // 09:00–10:30 is free; 09:30, 10:00 and 10:30 overlap the busy half
    // hour; nothing after 10:30 fits before noon.
    assert_eq!(
        local,
        vec![
            ("09:00".to_owned(), 1),
            ("09:30".to_owned(), 0),
            ("10:00".to_owned(), 0),
            ("10:30".to_owned(), 0),
        ]
    );
}

#[test]
fn the_first_free_slot_skips_full_days_and_gives_its_free_guichets() {
    let mut f = Fixture::new(2);
    // Both guichets taken all of Tuesday 1 December, one on Wednesday 09:00.
    for g in &f.guichets {
        f.busy.push(Busy {
            guichet_id: *g,
            start: at("2026-12-01T08:00:00Z"),
            end: at("2026-12-01T11:00:00Z"),
        });
    }
    f.busy.push(Busy {
        guichet_id: f.guichets[0],
        start: at("2026-12-02T08:00:00Z"),
        end: at("2026-12-02T08:30:00Z"),
    });
    let req = f.request(30, d(2026, 12, 1), d(2026, 12, 31));
    let first = first_free_slot(&req).expect("a free slot");
    assert_eq!(first.slot.start, at("2026-12-02T08:00:00Z"));
    assert_eq!(first.slot.remaining, 1);
    assert_eq!(first.free_guichets, vec![f.guichets[1]]);
    // It agrees with the full computation.
    let all = slots_of(&req);
    assert_eq!(all.iter().find(|s| s.remaining > 0), Some(&first.slot));
}

#[test]
fn no_first_free_slot_when_everything_is_taken_or_nothing_is_offered() {
    let mut f = Fixture::new(1);
    f.busy.push(Busy {
        guichet_id: f.guichets[0],
        start: at("2026-11-30T00:00:00Z"),
        end: at("2026-12-05T00:00:00Z"),
    });
    assert_eq!(
        first_free_slot(&f.request(30, d(2026, 12, 1), d(2026, 12, 4))),
        None
    );
    let empty = Fixture::new(0);
    assert_eq!(
        first_free_slot(&empty.request(30, d(2026, 12, 1), d(2026, 12, 4))),
        None
    );
}

#[test]
fn plages_of_guichets_that_do_not_serve_the_motif_offer_nothing() {
    let mut f = Fixture::new(2);
    let outsider = f.guichets.pop().expect("two guichets");
    let slots = slots_of(&f.request(30, d(2026, 12, 1), d(2026, 12, 1)));
    assert!(slots.iter().all(|s| s.capacity == 1), "{outsider}");
}

#[test]
fn more_than_sixty_four_guichets_are_counted_and_named() {
    let mut f = Fixture::new(130);
    f.busy.push(Busy {
        guichet_id: f.guichets[129],
        start: at("2026-12-01T08:00:00Z"),
        end: at("2026-12-01T08:30:00Z"),
    });
    let all = compute_slots(&f.request(30, d(2026, 12, 1), d(2026, 12, 1)));
    assert_eq!(all.slots[0].capacity, 130);
    assert_eq!(all.slots[0].remaining, 129);
    let free = all.free_guichets(&all.slots[0]);
    assert_eq!(free.len(), 129);
    assert!(!free.contains(&f.guichets[129]));
    assert_eq!(all.free_guichets(&all.slots[1]).len(), 130);
}

#[test]
fn a_closure_in_the_middle_of_a_slot_takes_the_slot() {
    let mut f = Fixture::new(1);
    // A closure off the 5-minute grid, 10:07–10:08 local.
    f.busy.push(Busy {
        guichet_id: f.guichets[0],
        start: at("2026-12-01T09:07:00Z"),
        end: at("2026-12-01T09:08:00Z"),
    });
    let slots = slots_of(&f.request(30, d(2026, 12, 1), d(2026, 12, 1)));
    let taken: Vec<_> = slots
        .iter()
        .filter(|s| s.remaining == 0)
        .map(|s| s.start)
        .collect();
    assert_eq!(taken, vec![at("2026-12-01T09:00:00Z")]);
}

#[test]
fn a_clock_change_at_midnight_yields_no_slot_in_the_missing_hour() {
    let mut f = Fixture::new(1);
    // Chile leaves summer time on the first Sunday of April 2026 at 24:00
    // (00:00 becomes 23:00 the evening before), and starts it on the first
    // Sunday of September at 24:00 (00:00 becomes 01:00).
    f.tz = "America/Santiago".parse().expect("tz");
    f.plages[0].weekdays = Weekdays::of(&[Weekday::Sun]);
    f.plages[0].start = t(0, 0);
    f.plages[0].end = t(2, 0);
    let spring = slots_of(&f.request(30, d(2026, 9, 6), d(2026, 9, 6)));
    let local: Vec<_> = spring
        .iter()
        .map(|s| s.start.with_timezone(&f.tz).format("%H:%M").to_string())
        .collect();
    assert_eq!(local, vec!["01:00", "01:30"]);
    let normal = slots_of(&f.request(30, d(2026, 9, 13), d(2026, 9, 13)));
    assert_eq!(normal.len(), 4);
}

#[test]
fn overseas_zones_keep_one_offset_all_year() {
    let mut f = Fixture::new(1);
    f.plages[0].weekdays = Weekdays::of(&[
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ]);
    for (zone, utc_hour) in [
        ("Indian/Reunion", 5),
        ("Indian/Mayotte", 6),
        ("America/Cayenne", 12),
        ("America/Martinique", 13),
    ] {
        f.tz = zone.parse().expect("tz");
        // Around both French clock changes: nothing moves overseas.
        for day in [d(2026, 3, 29), d(2026, 10, 25), d(2026, 7, 1)] {
            let slots = slots_of(&f.request(60, day, day));
            assert_eq!(slots.len(), 3, "{zone} {day}");
            assert_eq!(
                slots[0].start,
                day.and_hms_opt(utc_hour, 0, 0).expect("time").and_utc(),
                "{zone} {day}"
            );
        }
    }
}

#[test]
fn the_newest_day_of_the_window_opens_only_at_its_moment() {
    let tz = chrono_tz::Europe::Paris;
    let now = "2026-12-01T08:00:00Z".parse::<DateTime<Utc>>().unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let later = "2026-12-01T09:30:00Z".parse::<DateTime<Utc>>().unwrap();
    let earlier = "2026-12-01T06:30:00Z".parse::<DateTime<Utc>>().unwrap();
    let plus = |d: u64| today + chrono::Days::new(d);
    assert_eq!(last_bookable_day(now, tz, 30, None), plus(30));
    assert_eq!(last_bookable_day(now, tz, 30, Some(later)), plus(29));
    assert_eq!(last_bookable_day(now, tz, 30, Some(earlier)), plus(30));
    assert_eq!(last_bookable_day(now, tz, 30, Some(now)), plus(30));
    // A window of today only is never shortened below today.
    assert_eq!(last_bookable_day(now, tz, 0, Some(later)), today);
}
