//! Statistics counted by the database are those counted one appointment
//! at a time, as figures were first computed (kept here as the
//! reference): on both backends, for appointments at the edges of local
//! days, weeks and months, around clock changes (Paris, Miquelon, and
//! Santiago, whose clocks change at midnight), a microsecond either side,
//! with guichets freed early, waits and services (negative ones too),
//! cancellations by either side and moves; sites of one zone and of
//! several, by every period and dimension.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use planipref_domain::stats::{
    CancelledBy, Counted, Dimension, Figures, Measure, Period, Tally, Timed,
};
use planipref_seed::seed_demo;
use planipref_store::schema::{
    guichets, motifs, reservation_counter, reservation_events, reservations, services, sites,
};
use planipref_store::{Store, from_db, to_db};
use planipref_test_support::TestDb;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// Up to `minutes` either side, to the microsecond.
    fn jitter(&mut self, minutes: i64) -> Duration {
        let span = minutes * 60_000_000;
        Duration::microseconds(self.below((2 * span + 1) as u64) as i64 - span)
    }
}

/// A site with its motifs and guichets.
struct Place {
    site: String,
    motifs: Vec<String>,
    guichets: Vec<String>,
}

fn places(store: &Store) -> Vec<Place> {
    store
        .with_conn(|c| {
            let ids: Vec<String> = sites::table.select(sites::id).order(sites::id).load(c)?;
            let mut out = Vec::new();
            for site in ids.into_iter().take(3) {
                let motifs: Vec<String> = motifs::table
                    .inner_join(services::table)
                    .filter(services::site_id.eq(&site))
                    .select(motifs::id)
                    .load(c)?;
                let guichets: Vec<String> = guichets::table
                    .filter(guichets::site_id.eq(&site))
                    .select(guichets::id)
                    .load(c)?;
                out.push(Place {
                    site,
                    motifs,
                    guichets,
                });
            }
            Ok(out)
        })
        .unwrap()
}

const PARIS: Tz = chrono_tz::Europe::Paris;
const SANTIAGO: Tz = chrono_tz::America::Santiago;
const MIQUELON: Tz = chrono_tz::America::Miquelon;
const REUNION: Tz = chrono_tz::Indian::Reunion;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Instants worth an appointment: local midnights (and the times of
/// clock changes) of days at the edges of periods in each zone, a
/// microsecond, a second, half an hour and an hour either side.
fn edges() -> Vec<DateTime<Utc>> {
    let days = [
        day(2026, 3, 1),
        day(2026, 3, 8),
        day(2026, 3, 9),
        day(2026, 3, 28),
        day(2026, 3, 29),
        day(2026, 3, 30),
        day(2026, 4, 1),
        day(2026, 4, 4),
        day(2026, 4, 5),
        day(2026, 4, 6),
        day(2026, 9, 5),
        day(2026, 9, 6),
        day(2026, 9, 7),
        day(2026, 10, 25),
        day(2026, 10, 26),
        day(2026, 11, 1),
        day(2026, 11, 2),
    ];
    let mut instants = Vec::new();
    for tz in [PARIS, SANTIAGO, MIQUELON, REUNION] {
        for d in days {
            for (h, m) in [(0, 0), (1, 0), (2, 0), (2, 30), (3, 0)] {
                let local = d.and_hms_opt(h, m, 0).unwrap();
                let Some(t) = tz.from_local_datetime(&local).earliest() else {
                    continue;
                };
                for shift in [
                    -3_600_000_000,
                    -1_800_000_000,
                    -1_000_000,
                    -1,
                    0,
                    1,
                    1_000_000,
                ] {
                    instants.push(t.with_timezone(&Utc) + Duration::microseconds(shift));
                }
            }
        }
    }
    instants
}

/// Writes appointments at `edges` and at random through the spring and
/// autumn, with their counter times and history.
fn write_appointments(store: &Store, places: &[Place]) {
    let mut rng = Rng(0x005e_ed0f_57a7);
    let mut starts = edges();
    let base = Utc.with_ymd_and_hms(2026, 2, 20, 0, 0, 0).unwrap();
    for _ in 0..300 {
        starts.push(base + Duration::minutes(rng.below(260 * 24 * 60) as i64) + rng.jitter(1));
    }
    let statuses = [
        "booked",
        "cancelled",
        "checked_in",
        "called",
        "done",
        "no_show",
    ];
    let channels = ["web", "phone", "walk_in", "counter", "convocation"];
    let lengths = [
        Duration::minutes(15),
        Duration::minutes(30),
        Duration::minutes(45),
        Duration::seconds(20 * 60 + 30) + Duration::microseconds(7),
        Duration::microseconds(1),
    ];
    store
        .with_conn(|c| {
            c.transaction::<_, diesel::result::Error, _>(|c| {
                for (i, start) in starts.iter().enumerate() {
                    let place = rng.pick(places);
                    let id = format!("stats-{i:05}");
                    let start = to_db(*start);
                    let end = start + *rng.pick(&lengths);
                    let freed = rng
                        .chance(40)
                        .then(|| start + Duration::minutes(25) + rng.jitter(30));
                    let stamp = to_db(base);
                    diesel::insert_into(reservations::table)
                        .values((
                            reservations::id.eq(&id),
                            reservations::reference.eq(format!("T{i:07}")),
                            reservations::token_hash.eq("-"),
                            reservations::site_id.eq(&place.site),
                            reservations::motif_id.eq(rng.pick(&place.motifs)),
                            reservations::guichet_id.eq(rng.pick(&place.guichets)),
                            reservations::starts_at.eq(start),
                            reservations::ends_at.eq(end),
                            reservations::status.eq(*rng.pick(&statuses)),
                            reservations::last_name.eq("STATS"),
                            reservations::first_names.eq("Test"),
                            reservations::birth_date.eq(day(1990, 1, 1)),
                            reservations::email.eq("stats@example.invalid"),
                            reservations::phone.eq("0600000000"),
                            reservations::created_at.eq(stamp),
                            reservations::updated_at.eq(stamp),
                            reservations::channel.eq(*rng.pick(&channels)),
                            reservations::freed_from.eq(freed),
                        ))
                        .execute(c)?;
                    if rng.chance(60) {
                        let mut at = |p: u64| {
                            rng.chance(p)
                                .then(|| start + Duration::minutes(10) + rng.jitter(20))
                        };
                        let (arrived, called, finished) = (at(85), at(85), at(85));
                        diesel::insert_into(reservation_counter::table)
                            .values((
                                reservation_counter::reservation_id.eq(&id),
                                reservation_counter::arrived_at.eq(arrived),
                                reservation_counter::called_at.eq(called),
                                reservation_counter::finished_at.eq(finished),
                            ))
                            .execute(c)?;
                    }
                    let mut events = vec![("created", "applicant")];
                    if rng.chance(20) {
                        events.push(("rescheduled", "agent:someone"));
                    }
                    if rng.chance(10) {
                        events.push(("rescheduled", "applicant"));
                    }
                    if rng.chance(25) {
                        events.push(("cancelled", *rng.pick(&["agent:x", "applicant", "Agent:y"])));
                    }
                    for (n, (action, actor)) in events.into_iter().enumerate() {
                        diesel::insert_into(reservation_events::table)
                            .values((
                                reservation_events::id.eq(format!("{id}-{n}")),
                                reservation_events::reservation_id.eq(&id),
                                reservation_events::occurred_at.eq(stamp),
                                reservation_events::actor.eq(actor),
                                reservation_events::action.eq(action),
                            ))
                            .execute(c)?;
                    }
                }
                Ok(())
            })?;
            Ok(())
        })
        .unwrap();
}

/// Figures by (period, key), the totals, and the no-show rate by channel.
type Report = (
    BTreeMap<(NaiveDate, String), Figures>,
    Figures,
    BTreeMap<String, Option<f64>>,
);

fn report(counted: &[Counted], timed: &[Timed], period: Period) -> Report {
    let mut groups: BTreeMap<(NaiveDate, String), Tally> = BTreeMap::new();
    let mut totals = Tally::default();
    let mut channels: BTreeMap<String, Tally> = BTreeMap::new();
    for a in counted {
        let key = (period.start_of(a.period), a.key.clone());
        groups.entry(key).or_default().add(a);
        totals.add(a);
        channels.entry(a.channel.clone()).or_default().add(a);
    }
    for t in timed {
        let key = (period.start_of(t.period), t.key.clone());
        groups.entry(key).or_default().add_timed(t);
        totals.add_timed(t);
    }
    (
        groups
            .into_iter()
            .map(|(k, t)| (k, t.finish(None, &[])))
            .collect(),
        totals.finish(None, &[]),
        channels
            .into_iter()
            .map(|(k, t)| (k, t.finish(None, &[]).no_show_rate))
            .collect(),
    )
}

/// A reservation's row as figures first read it.
type Row = (
    (String, String, String, String, String, String),
    (NaiveDateTime, NaiveDateTime, Option<NaiveDateTime>),
    (
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
    ),
);

/// Every appointment of the sites as figures first read them, and who
/// cancelled and which were moved.
struct Stored {
    rows: Vec<Row>,
    changes: HashMap<String, (Option<CancelledBy>, bool)>,
}

fn stored(store: &Store, places: &[Place]) -> Stored {
    let ids: Vec<&String> = places.iter().map(|p| &p.site).collect();
    let (rows, events) = store
        .with_conn(|c| {
            let rows: Vec<Row> = reservations::table
                .left_join(reservation_counter::table)
                .filter(reservations::site_id.eq_any(&ids))
                .select((
                    (
                        reservations::id,
                        reservations::site_id,
                        reservations::motif_id,
                        reservations::guichet_id,
                        reservations::channel,
                        reservations::status,
                    ),
                    (
                        reservations::starts_at,
                        reservations::ends_at,
                        reservations::freed_from,
                    ),
                    (
                        reservation_counter::arrived_at.nullable(),
                        reservation_counter::called_at.nullable(),
                        reservation_counter::finished_at.nullable(),
                    ),
                ))
                .load(c)?;
            let events: Vec<(String, String, String)> = reservation_events::table
                .select((
                    reservation_events::reservation_id,
                    reservation_events::action,
                    reservation_events::actor,
                ))
                .load(c)?;
            Ok((rows, events))
        })
        .unwrap();
    let mut changes: HashMap<String, (Option<CancelledBy>, bool)> = HashMap::new();
    for (id, action, actor) in events {
        let entry = changes.entry(id).or_default();
        match action.as_str() {
            "cancelled" if actor.starts_with("agent:") => entry.0 = Some(CancelledBy::Agent),
            "cancelled" => entry.0 = Some(CancelledBy::Applicant),
            "rescheduled" => entry.1 = true,
            _ => {}
        }
    }
    Stored { rows, changes }
}

/// The former way: every appointment read, its local day found by
/// chrono-tz, counted one at a time.
fn reference(
    stored: &Stored,
    zones: &HashMap<String, Tz>,
    (from, to): (NaiveDate, NaiveDate),
    (period, dimension): (Period, Dimension),
) -> Report {
    let mut counted = Vec::new();
    let mut timed = Vec::new();
    for ((id, site, motif, guichet, channel, status), (starts, ends, freed), times) in &stored.rows
    {
        let local = from_db(*starts).with_timezone(&zones[site]).date_naive();
        if local < from || local > to {
            continue;
        }
        let key = match dimension {
            Dimension::None => String::new(),
            Dimension::Motif => motif.clone(),
            Dimension::Guichet => guichet.clone(),
            Dimension::Channel => channel.clone(),
        };
        let (cancelled_by, moved) = stored.changes.get(id).copied().unwrap_or_default();
        counted.push(Counted {
            period: period.start_of(local),
            key: key.clone(),
            channel: channel.clone(),
            status: status.clone(),
            cancelled_by,
            moved,
            count: 1,
            minutes: ((*freed).unwrap_or(*ends).min(*ends) - *starts)
                .num_minutes()
                .max(0),
        });
        let (arrived, called, finished) = *times;
        for (measure, a, b) in [
            (Measure::Wait, arrived, called),
            (Measure::Service, called, finished),
        ] {
            if let (Some(a), Some(b)) = (a, b) {
                timed.push(Timed {
                    period: period.start_of(local),
                    key: key.clone(),
                    measure,
                    minutes: (b - a).num_minutes(),
                    count: 1,
                });
            }
        }
    }
    report(&counted, &timed, period)
}

#[test]
fn the_database_counts_as_appointments_counted_one_by_one() {
    for db in TestDb::each() {
        let store = db.store();
        seed_demo(store).unwrap();
        let places = places(store);
        assert_eq!(places.len(), 3);
        write_appointments(store, &places);
        let stored = stored(store, &places);
        let layouts = [
            [PARIS, SANTIAGO, REUNION],
            [MIQUELON, MIQUELON, PARIS],
            [SANTIAGO, SANTIAGO, SANTIAGO],
        ];
        let spans = [
            (day(2026, 3, 2), day(2026, 11, 1)),
            (day(2026, 3, 29), day(2026, 3, 29)),
            (day(2026, 4, 5), day(2026, 4, 5)),
            (day(2026, 9, 6), day(2026, 10, 25)),
        ];
        let mut checked = 0;
        for layout in layouts {
            let sites: Vec<(String, Tz)> = places
                .iter()
                .zip(layout)
                .map(|(p, tz)| (p.site.clone(), tz))
                .collect();
            let zones: HashMap<String, Tz> = sites.iter().cloned().collect();
            for span in spans {
                for period in Period::ALL {
                    for dimension in [
                        Dimension::None,
                        Dimension::Motif,
                        Dimension::Guichet,
                        Dimension::Channel,
                    ] {
                        let inputs = store
                            .stats_inputs(&sites, span, (period, dimension))
                            .unwrap();
                        let counted = report(&inputs.appointments, &inputs.durations, period);
                        let expected = reference(&stored, &zones, span, (period, dimension));
                        assert_eq!(
                            counted,
                            expected,
                            "{}: {layout:?} {span:?} {period:?} {dimension:?}",
                            db.backend()
                        );
                        checked += usize::try_from(expected.1.appointments).unwrap();
                    }
                }
            }
        }
        assert!(checked > 10_000, "{checked} appointments compared");
    }
}
