//! Properties of the slot engine over generated sites: random plages
//! (some restricted to another motif, some with validity dates), random
//! occupied times (on and off the 5-minute grid), closed days, notice and
//! window, in zones with and without clock changes, around the days clocks
//! change.
//!
//! Beyond the invariants (no slot over an occupied guichet, none on a closed
//! day, all inside a plage, remaining ≤ capacity ≤ guichets), the engine is
//! compared with a deliberately naive oracle written from the rules alone.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use planipref_domain::ids::{GuichetId, MotifId};
use planipref_domain::plage::{Plage, Weekdays};
use planipref_domain::slots::{Busy, SlotRequest, compute_slots, first_free_slot};
use planipref_domain::time::unique_instant;
use proptest::prelude::*;

const ZONES: &[&str] = &[
    "Europe/Paris",
    "Indian/Reunion",
    "America/Cayenne",
    "America/Santiago",
];

/// Days around which the search starts: both French clock changes of 2026,
/// Chile's (at midnight), and an ordinary week.
const ANCHORS: &[(i32, u32, u32)] = &[(2026, 3, 26), (2026, 10, 22), (2026, 9, 3), (2026, 12, 1)];

#[derive(Debug, Clone)]
struct Site {
    tz: Tz,
    from: NaiveDate,
    days: u32,
    motif: MotifId,
    guichets: Vec<GuichetId>,
    /// Guichets with plages but not serving the motif.
    outsiders: Vec<GuichetId>,
    plages: Vec<Plage>,
    busy: Vec<Busy>,
    closed: Vec<NaiveDate>,
    duration: u32,
    step: u32,
    now: DateTime<Utc>,
    notice: u32,
    window: u32,
}

impl Site {
    fn request(&self) -> SlotRequest<'_> {
        SlotRequest {
            motif_id: self.motif,
            duration_minutes: self.duration,
            step_minutes: self.step,
            time_zone: self.tz,
            from: self.from,
            to: self.from + Duration::days(i64::from(self.days) - 1),
            now: self.now,
            guichets: &self.guichets,
            plages: &self.plages,
            busy: &self.busy,
            closed_days: &self.closed,
            booking_window_days: self.window,
            newest_day_opens_at: None,
            min_notice_hours: self.notice,
        }
    }
}

fn minutes(m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(m / 60, m % 60, 0).expect("time")
}

prop_compose! {
    fn plage_strategy(guichets: usize)(
        g in 0..guichets,
        weekdays in 1i32..128,
        start in 0u32..(24 * 12 - 1),
        length in 1u32..(10 * 12),
        valid_from in 0i64..6,
        valid_days in prop::option::of(0i64..10),
        restriction in 0u8..4,
    ) -> (usize, i32, u32, u32, i64, Option<i64>, u8) {
        (g, weekdays, start * 5, ((start + length) * 5).min(23 * 60 + 55), valid_from, valid_days, restriction)
    }
}

prop_compose! {
    fn busy_strategy(guichets: usize, days: u32)(
        g in 0..guichets,
        day in 0..days,
        start in 0u32..(24 * 60),
        length in 1u32..240,
        aligned in any::<bool>(),
    ) -> (usize, u32, u32, u32) {
        if aligned { (g, day, start / 5 * 5, length.div_ceil(5) * 5) } else { (g, day, start, length) }
    }
}

fn site_strategy() -> impl Strategy<Value = Site> {
    (1usize..5, 1u32..12).prop_flat_map(|(n, days)| {
        (
            0..ZONES.len(),
            0..ANCHORS.len(),
            0i64..4,
            prop::collection::vec(plage_strategy(n + 1), 0..10),
            prop::collection::vec(busy_strategy(n + 1, days), 0..25),
            prop::collection::btree_set(0..days, 0..3),
            (
                1u32..25,
                1u32..25,
                -2i64..(i64::from(days) * 24),
                0u32..30,
                0u32..15,
            ),
        )
            .prop_map(
                move |(
                    zone,
                    anchor,
                    shift,
                    plages,
                    busy,
                    closed,
                    (d, s, now_h, notice, window),
                )| {
                    let tz: Tz = ZONES[zone].parse().expect("zone");
                    let (y, m, dd) = ANCHORS[anchor];
                    let from =
                        NaiveDate::from_ymd_opt(y, m, dd).expect("date") + Duration::days(shift);
                    // The last guichet has plages but does not serve the motif.
                    let ids: Vec<GuichetId> = (0..=n).map(|_| GuichetId::new_random()).collect();
                    let motif = MotifId::new_random();
                    let other = MotifId::new_random();
                    let plages = plages
                        .into_iter()
                        .filter(|p| p.3 > p.2)
                        .map(|(g, weekdays, start, end, vf, vd, restriction)| Plage {
                            guichet_id: ids[g],
                            weekdays: Weekdays::from_bits(weekdays).expect("weekdays"),
                            start: minutes(start),
                            end: minutes(end),
                            valid_from: from + Duration::days(vf - 2),
                            valid_until: vd.map(|v| from + Duration::days(vf - 2 + v)),
                            motifs: match restriction {
                                0 => vec![other],
                                1 => vec![motif, other],
                                _ => vec![],
                            },
                        })
                        .collect();
                    let busy = busy
                        .into_iter()
                        .map(|(g, day, start, length)| {
                            let midnight = tz
                                .from_local_datetime(
                                    &(from + Duration::days(i64::from(day)))
                                        .and_time(NaiveTime::MIN),
                                )
                                .earliest()
                                .unwrap_or_else(|| {
                                    Utc.from_utc_datetime(&from.and_time(NaiveTime::MIN))
                                        .with_timezone(&tz)
                                })
                                .with_timezone(&Utc);
                            let start = midnight + Duration::minutes(i64::from(start));
                            Busy {
                                guichet_id: ids[g],
                                start,
                                end: start + Duration::minutes(i64::from(length)),
                            }
                        })
                        .collect();
                    let now_local = from.and_time(NaiveTime::MIN) + Duration::hours(now_h);
                    let now = tz
                        .from_local_datetime(&now_local)
                        .earliest()
                        .map_or_else(|| now_local.and_utc(), |t| t.with_timezone(&Utc));
                    Site {
                        tz,
                        from,
                        days,
                        motif,
                        guichets: ids[..n].to_vec(),
                        outsiders: vec![ids[n]],
                        plages,
                        busy,
                        closed: closed
                            .into_iter()
                            .map(|d| from + Duration::days(i64::from(d)))
                            .collect(),
                        duration: d * 5,
                        step: s * 5,
                        now,
                        notice,
                        window,
                    }
                },
            )
    })
}

/// What the rules say: for each start, its end, the guichets offering it
/// and those free.
type Expected = BTreeMap<DateTime<Utc>, (DateTime<Utc>, BTreeSet<GuichetId>, BTreeSet<GuichetId>)>;

/// The rules, written as plainly as possible: every start of every plage
/// of a serving guichet, on every open day, kept when it names one instant,
/// reads as the same wall-clock span, is after the notice and within the
/// window; its guichets are those offering it, free when no occupied time
/// overlaps it.
fn oracle(site: &Site) -> Expected {
    let req = site.request();
    let length = Duration::minutes(i64::from(site.duration));
    let earliest = site.now + Duration::hours(i64::from(site.notice));
    let last = req.last_bookable_day().min(req.to);
    let mut out: BTreeMap<_, (DateTime<Utc>, BTreeSet<_>, BTreeSet<_>)> = BTreeMap::new();
    for plage in &site.plages {
        if !site.guichets.contains(&plage.guichet_id) || !plage.serves(site.motif) {
            continue;
        }
        let mut day = site.from;
        while day <= last {
            if plage.applies_on(day) && !site.closed.contains(&day) {
                let close = day.and_time(plage.end);
                let mut local = day.and_time(plage.start);
                while local + length <= close {
                    if let Some(start) = unique_instant(site.tz, local) {
                        let end = start + length;
                        if end.with_timezone(&site.tz).naive_local() == local + length
                            && start >= earliest
                        {
                            let entry = out
                                .entry(start)
                                .or_insert_with(|| (end, BTreeSet::new(), BTreeSet::new()));
                            entry.1.insert(plage.guichet_id);
                            let taken = site.busy.iter().any(|b| {
                                b.guichet_id == plage.guichet_id && b.start < end && b.end > start
                            });
                            if !taken {
                                entry.2.insert(plage.guichet_id);
                            }
                        }
                    }
                    local += Duration::minutes(i64::from(site.step));
                }
            }
            day = day.succ_opt().expect("day");
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn slots_respect_every_rule_and_match_the_oracle(site in site_strategy()) {
        let req = site.request();
        let found = compute_slots(&req);
        let expected = oracle(&site);
        let serving: BTreeSet<GuichetId> = site.guichets.iter().copied().collect();
        let earliest = site.now + Duration::hours(i64::from(site.notice));

        prop_assert_eq!(found.slots.len(), expected.len());
        let mut previous: Option<DateTime<Utc>> = None;
        for slot in &found.slots {
            // Ordered, exact length, after the notice.
            prop_assert!(previous.is_none_or(|p| p < slot.start));
            previous = Some(slot.start);
            prop_assert_eq!(slot.end - slot.start, Duration::minutes(i64::from(site.duration)));
            prop_assert!(slot.start >= earliest);
            // Never on a closed day, never past the window.
            let local_day = slot.start.with_timezone(&site.tz).date_naive();
            prop_assert!(!site.closed.contains(&local_day));
            prop_assert!(local_day <= req.last_bookable_day());
            // remaining ≤ capacity ≤ guichets serving the motif.
            prop_assert!(slot.remaining <= slot.capacity);
            prop_assert!(slot.capacity as usize <= serving.len());
            let free = found.free_guichets(slot);
            prop_assert_eq!(free.len(), slot.remaining as usize);
            for g in &free {
                prop_assert!(serving.contains(g), "only serving guichets");
                prop_assert!(!site.outsiders.contains(g));
                // No free guichet is occupied during the slot.
                prop_assert!(!site.busy.iter().any(|b| b.guichet_id == *g && b.start < slot.end && b.end > slot.start));
                // The slot lies wholly inside one of its plages, in local time.
                let local_start = slot.start.with_timezone(&site.tz).naive_local();
                let local_end = slot.end.with_timezone(&site.tz).naive_local();
                prop_assert!(site.plages.iter().any(|p| p.guichet_id == *g
                    && p.serves(site.motif)
                    && p.applies_on(local_day)
                    && local_start >= local_day.and_time(p.start)
                    && local_end <= local_day.and_time(p.end)));
            }
            // Exactly what the rules say.
            let (end, offering, free_expected) = expected.get(&slot.start).expect("an expected start");
            prop_assert_eq!(*end, slot.end);
            prop_assert_eq!(offering.len(), slot.capacity as usize);
            prop_assert_eq!(free.iter().copied().collect::<BTreeSet<_>>(), free_expected.clone());
        }

        // Occupied times as the store gives them (by guichet, then start)
        // or in any order: the same answer.
        let mut sorted = site.busy.clone();
        sorted.sort_by_key(|b| (b.guichet_id, b.start));
        let in_store_order = compute_slots(&SlotRequest { busy: &sorted, ..req });
        prop_assert_eq!(&in_store_order.slots, &found.slots);
        for slot in &found.slots {
            prop_assert_eq!(in_store_order.free_guichets(slot), found.free_guichets(slot));
        }

        // The first free slot is the first slot with room.
        let first = first_free_slot(&req);
        let expected_first = found.slots.iter().find(|s| s.remaining > 0);
        prop_assert_eq!(first.as_ref().map(|f| f.slot), expected_first.copied());
        if let (Some(f), Some(s)) = (first, expected_first) {
            prop_assert_eq!(f.free_guichets, found.free_guichets(s));
        }
    }
}
