//! The national seed on every configured backend (SQLite always,
//! PostgreSQL when `PLANIPREF_TEST_POSTGRES_URL` is set), restricted to
//! Pas-de-Calais and La Réunion over one week that holds Christmas.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc, Weekday};
use diesel::prelude::*;
use planipref_domain::calendar::{closed_days, holidays_on};
use planipref_domain::ids::{DepartementCode, GuichetId, MotifId};
use planipref_domain::occupancy::units;
use planipref_domain::plage::{Plage, Weekdays, plages_cover};
use planipref_domain::reference::Reference;
use planipref_domain::slots::{SlotRequest, compute_slots};
use planipref_seed::national::{NationalCounts, NationalOptions, NationalProgress};
use planipref_seed::{seed_demo, seed_national};
use planipref_store::models::{PlageRow, SiteRow};
use planipref_store::schema::*;
use planipref_store::{AnyConnection, Store, from_db};
use planipref_test_support::TestDb;

const DEPARTEMENTS_CSV: &str = include_str!("../../../../reference/departements.csv");

/// Sites of département `code` in the reference file: the préfecture and
/// one per sous-préfecture (read independently of the seed's parser: the
/// columns used come before the only quoted one, `notes`).
fn reference_sites(code: &str) -> usize {
    let line = DEPARTEMENTS_CSV
        .lines()
        .find(|l| l.split(',').next() == Some(code))
        .expect("département in the reference file");
    let fields: Vec<&str> = line.split(',').collect();
    1 + fields[13].split(';').filter(|s| !s.is_empty()).count()
}

fn options() -> NationalOptions {
    NationalOptions {
        weeks: 1,
        fill: 0.5,
        seed: 7,
        departements: Some(vec!["974".to_owned(), "62".to_owned()]),
        // Monday 21 December 2026, 10:00 UTC: reservations from Tuesday
        // 22nd to Monday 28th, Christmas (Friday 25th) excepted.
        now: "2026-12-21T10:00:00Z".parse().expect("instant"),
    }
}

fn count(store: &Store, table: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    store
        .with_conn(|c| {
            Ok(
                diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                    .get_result::<N>(c)?
                    .n,
            )
        })
        .expect("count")
}

fn counts(store: &Store) -> Vec<(&'static str, i64)> {
    [
        "prefectures",
        "sites",
        "services",
        "motifs",
        "guichets",
        "guichet_motifs",
        "plages",
        "reservations",
        "guichet_occupancy",
        "reservation_events",
    ]
    .into_iter()
    .map(|t| (t, count(store, t)))
    .collect()
}

struct Booked {
    reference: String,
    site_id: String,
    motif_id: String,
    guichet_id: String,
    start: NaiveDateTime,
    end: NaiveDateTime,
}

#[test]
fn the_national_seed_writes_a_consistent_country_once() {
    for db in TestDb::each() {
        let store = db.store();
        let backend = db.backend();
        let mut planned = None;
        let mut last_done = 0;
        let report = seed_national(store, &options(), |p| match p {
            NationalProgress::Planned { to_write, .. } => planned = Some(to_write),
            NationalProgress::Reservations { done, total, .. } => {
                assert!(done > last_done && done <= total);
                last_done = done;
            }
            NationalProgress::Written { .. } => {}
        })
        .expect("seed");
        assert_eq!(report.created, vec!["62", "974"], "{backend}");
        assert!(report.skipped.is_empty());
        assert_eq!(planned, Some(report.written));
        assert_eq!(last_done, report.written.reservations);

        // Sites: the préfecture and every sous-préfecture of the file.
        for code in ["62", "974"] {
            let sites = store.list_sites(Some(code), 0, 100).expect("sites");
            assert_eq!(sites.total as usize, reference_sites(code), "{code}");
            let kinds: Vec<&str> = sites.items.iter().map(|s| s.kind.as_str()).collect();
            assert_eq!(kinds.iter().filter(|k| **k == "prefecture").count(), 1);
        }
        let tables: BTreeMap<_, _> = counts(store).into_iter().collect();
        assert_eq!(tables["sites"], 11);
        assert_eq!(tables["sites"] as u64, report.written.sites);
        assert_eq!(tables["guichets"] as u64, report.written.guichets);
        assert_eq!(tables["plages"] as u64, report.written.plages);
        assert_eq!(tables["reservations"] as u64, report.written.reservations);
        assert_eq!(tables["guichet_occupancy"] as u64, report.written.occupancy);
        assert_eq!(tables["reservation_events"], tables["reservations"]);
        assert!(tables["reservations"] > 1_000, "{tables:?}");

        store
            .with_conn(|c| {
                check_organisation(c);
                check_reservations(c);
                Ok(())
            })
            .expect("checks");
        check_against_the_engine(store);

        // Again: nothing new, both reported as present.
        let before = counts(store);
        let again = seed_national(store, &options(), |_| {}).expect("again");
        assert!(again.created.is_empty(), "{backend}");
        assert_eq!(again.skipped, vec!["62", "974"]);
        assert_eq!(again.written, NationalCounts::default());
        assert_eq!(counts(store), before, "{backend}");
    }
}

/// Every site has its service, three motifs following démarches, guichets
/// that each serve one to three of them and open on plages.
fn check_organisation(c: &mut AnyConnection) {
    let sites: Vec<SiteRow> = sites::table.select(SiteRow::as_select()).load(c).unwrap();
    for site in &sites {
        let services: Vec<String> = services::table
            .filter(services::site_id.eq(&site.id))
            .select(services::name)
            .load(c)
            .unwrap();
        assert_eq!(
            services,
            vec!["Bureau du séjour des étrangers"],
            "{}",
            site.name
        );
        let motifs: Vec<(String, Option<String>)> = motifs::table
            .inner_join(services::table)
            .filter(services::site_id.eq(&site.id))
            .select((motifs::id, motifs::demarche_code))
            .load(c)
            .unwrap();
        assert_eq!(motifs.len(), 3, "{}", site.name);
        assert!(motifs.iter().all(|(_, d)| d.is_some()));
        let guichets: Vec<String> = guichets::table
            .filter(guichets::site_id.eq(&site.id))
            .select(guichets::id)
            .load(c)
            .unwrap();
        assert!(
            guichets.len() >= 8,
            "{}: {} guichets",
            site.name,
            guichets.len()
        );
        let links: Vec<(String, String)> = guichet_motifs::table
            .filter(guichet_motifs::guichet_id.eq_any(&guichets))
            .select((guichet_motifs::guichet_id, guichet_motifs::motif_id))
            .load(c)
            .unwrap();
        for g in &guichets {
            let served = links.iter().filter(|(x, _)| x == g).count();
            assert!((1..=3).contains(&served), "{}: {served} motifs", site.name);
            let plages: i64 = plages::table
                .filter(plages::guichet_id.eq(g))
                .count()
                .get_result(c)
                .unwrap();
            assert!(plages >= 1);
        }
        for (m, _) in &motifs {
            assert!(links.iter().any(|(_, x)| x == m), "every motif is served");
        }
    }
}

/// Every reservation is booked on a guichet serving its motif, inside one
/// of its plages on a working day, on the engine's grid (from the plage's
/// start by the motif's duration), never overlapping another on its
/// guichet, with its occupancy units and its history entry.
fn check_reservations(c: &mut AnyConnection) {
    let rows: Vec<(
        String,
        String,
        String,
        String,
        NaiveDateTime,
        NaiveDateTime,
        String,
    )> = reservations::table
        .select((
            reservations::reference,
            reservations::site_id,
            reservations::motif_id,
            reservations::guichet_id,
            reservations::starts_at,
            reservations::ends_at,
            reservations::status,
        ))
        .load(c)
        .unwrap();
    let booked: Vec<Booked> = rows
        .into_iter()
        .map(
            |(reference, site_id, motif_id, guichet_id, start, end, status)| {
                assert_eq!(status, "booked");
                Booked {
                    reference,
                    site_id,
                    motif_id,
                    guichet_id,
                    start,
                    end,
                }
            },
        )
        .collect();
    let sites: HashMap<String, SiteRow> = sites::table
        .select(SiteRow::as_select())
        .load(c)
        .unwrap()
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    let durations: HashMap<String, i64> = motifs::table
        .select((motifs::id, motifs::duration_minutes))
        .load::<(String, i32)>(c)
        .unwrap()
        .into_iter()
        .map(|(id, d)| (id, i64::from(d)))
        .collect();
    let links: BTreeSet<(String, String)> = guichet_motifs::table
        .select((guichet_motifs::guichet_id, guichet_motifs::motif_id))
        .load(c)
        .unwrap()
        .into_iter()
        .collect();
    let mut plages: HashMap<String, Vec<Plage>> = HashMap::new();
    for p in plages::table.select(PlageRow::as_select()).load(c).unwrap() {
        plages.entry(p.guichet_id.clone()).or_default().push(Plage {
            guichet_id: p.guichet_id.parse().unwrap(),
            weekdays: Weekdays::from_bits(p.weekdays).unwrap(),
            start: p.start_time,
            end: p.end_time,
            valid_from: p.valid_from,
            valid_until: p.valid_until,
            motifs: vec![],
        });
    }
    let first = NaiveDate::from_ymd_opt(2026, 12, 22).unwrap();
    let last = NaiveDate::from_ymd_opt(2026, 12, 28).unwrap();
    let mut days = BTreeSet::new();
    let mut references = BTreeSet::new();
    for b in &booked {
        let site = &sites[&b.site_id];
        let tz = site.time_zone.parse().unwrap();
        let (start, end) = (from_db(b.start), from_db(b.end));
        let local = start.with_timezone(&tz);
        let day = local.date_naive();
        days.insert(day);
        assert!((first..=last).contains(&day), "{day}");
        assert!(!matches!(day.weekday(), Weekday::Sat | Weekday::Sun));
        let dep = DepartementCode::parse(&site.prefecture_code).unwrap();
        assert!(holidays_on(day, &dep).is_empty(), "{day} is a holiday");
        assert!(links.contains(&(b.guichet_id.clone(), b.motif_id.clone())));
        let duration = durations[&b.motif_id];
        assert_eq!((end - start).num_minutes(), duration);
        let motif: MotifId = b.motif_id.parse().unwrap();
        let mine = &plages[&b.guichet_id];
        assert!(
            plages_cover(mine, motif, tz, start, end),
            "{} at {local} is inside a plage of its guichet",
            b.reference
        );
        let on_grid = mine.iter().any(|p| {
            p.applies_on(day)
                && p.start <= local.time()
                && (local.time() - p.start).num_minutes() % duration == 0
        });
        assert!(
            on_grid,
            "{} at {local} is a slot of the engine",
            b.reference
        );
        assert_eq!(
            Reference::parse(&b.reference).map(|r| r.as_str().to_owned()),
            Some(b.reference.clone())
        );
        assert!(references.insert(b.reference.clone()), "unique references");
    }
    assert!(
        !days.contains(&NaiveDate::from_ymd_opt(2026, 12, 25).unwrap()),
        "Christmas"
    );
    assert!(days.contains(&NaiveDate::from_ymd_opt(2026, 12, 28).unwrap()));

    // No guichet is booked twice at once.
    let mut by_guichet: HashMap<&str, Vec<(NaiveDateTime, NaiveDateTime)>> = HashMap::new();
    for b in &booked {
        by_guichet
            .entry(&b.guichet_id)
            .or_default()
            .push((b.start, b.end));
    }
    for times in by_guichet.values_mut() {
        times.sort();
        for pair in times.windows(2) {
            assert!(pair[0].1 <= pair[1].0, "overlap on a guichet: {pair:?}");
        }
    }

    // Each reservation holds exactly its units of its guichet, and has
    // its history entry.
    let units_held: Vec<(String, String, NaiveDateTime)> = guichet_occupancy::table
        .inner_join(
            reservations::table.on(reservations::id
                .nullable()
                .eq(guichet_occupancy::reservation_id)),
        )
        .select((
            reservations::reference,
            guichet_occupancy::guichet_id,
            guichet_occupancy::unit_start,
        ))
        .load(c)
        .unwrap();
    let mut held: HashMap<String, Vec<(String, NaiveDateTime)>> = HashMap::new();
    for (reference, guichet, unit) in units_held {
        held.entry(reference).or_default().push((guichet, unit));
    }
    for b in &booked {
        let mut mine = held.remove(&b.reference).unwrap_or_default();
        mine.sort();
        let expected: Vec<(String, NaiveDateTime)> = units(from_db(b.start), from_db(b.end))
            .into_iter()
            .map(|u: DateTime<Utc>| (b.guichet_id.clone(), u.naive_utc()))
            .collect();
        assert_eq!(mine, expected, "{}", b.reference);
    }
    let created: i64 = reservation_events::table
        .filter(reservation_events::action.eq("created"))
        .count()
        .get_result(c)
        .unwrap();
    assert_eq!(created as usize, booked.len());
}

/// The slot engine, asked about each motif with nothing booked, offers
/// every reservation's start on that reservation's guichet; with the
/// bookings loaded, it offers each booked guichet nowhere during its
/// appointment.
fn check_against_the_engine(store: &Store) {
    let now = options().now;
    let (from, to) = (now - Duration::days(1), now + Duration::days(9));
    let (first, last) = (
        NaiveDate::from_ymd_opt(2026, 12, 21).unwrap(),
        NaiveDate::from_ymd_opt(2026, 12, 29).unwrap(),
    );
    let mut checked = 0;
    for code in ["62", "974"] {
        for site in store.list_sites(Some(code), 0, 100).unwrap().items {
            for (motif, _) in store.list_site_motifs(&site.id).unwrap() {
                let schedule = store
                    .motif_schedule(&motif.id, from, to, chrono::Utc::now())
                    .unwrap();
                let dep = DepartementCode::parse(code).unwrap();
                let closed = closed_days(first, last, &dep, &schedule.openings);
                let duration = u32::try_from(motif.duration_minutes).unwrap();
                let request = |busy| SlotRequest {
                    motif_id: motif.id.parse().unwrap(),
                    duration_minutes: duration,
                    step_minutes: duration,
                    time_zone: site.time_zone.parse().unwrap(),
                    from: first,
                    to: last,
                    now,
                    guichets: &schedule.guichets,
                    plages: &schedule.plages,
                    busy,
                    closed_days: &closed,
                    booking_window_days: 366,
                    newest_day_opens_at: None,
                    min_notice_hours: 0,
                };
                let free = compute_slots(&request(&[]));
                let offered: HashMap<DateTime<Utc>, Vec<GuichetId>> = free
                    .slots
                    .iter()
                    .map(|s| (s.start, free.free_guichets(s)))
                    .collect();
                let busy = compute_slots(&request(&schedule.busy));
                let taken: HashMap<DateTime<Utc>, Vec<GuichetId>> = busy
                    .slots
                    .iter()
                    .map(|s| (s.start, busy.free_guichets(s)))
                    .collect();
                let mine: Vec<(String, NaiveDateTime)> = store
                    .with_conn(|c| {
                        Ok(reservations::table
                            .filter(reservations::motif_id.eq(&motif.id))
                            .select((reservations::guichet_id, reservations::starts_at))
                            .load(c)?)
                    })
                    .unwrap();
                for (guichet, start) in mine {
                    let guichet: GuichetId = guichet.parse().unwrap();
                    let start = from_db(start);
                    let at = offered.get(&start).map(Vec::as_slice).unwrap_or_default();
                    assert!(at.contains(&guichet), "{start} is a slot of its guichet");
                    let still = taken.get(&start).map(Vec::as_slice).unwrap_or_default();
                    assert!(!still.contains(&guichet), "{start} is taken on its guichet");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 1_000, "{checked}");
}

#[test]
fn the_national_seed_refuses_bad_options_and_skips_present_prefectures() {
    let db = TestDb::sqlite();
    let store = db.store();
    for bad in [
        NationalOptions {
            weeks: 0,
            ..options()
        },
        NationalOptions {
            fill: 1.5,
            ..options()
        },
        NationalOptions {
            departements: Some(vec!["20".to_owned()]),
            ..options()
        },
    ] {
        assert!(seed_national(store, &bad, |_| {}).is_err());
    }
    assert_eq!(count(store, "prefectures"), 0);
    seed_demo(store).expect("demo");
    let report = seed_national(
        store,
        &NationalOptions {
            departements: Some(vec!["974".to_owned(), "975".to_owned()]),
            ..options()
        },
        |_| {},
    )
    .expect("seed");
    assert_eq!(report.created, vec!["975"]);
    assert_eq!(report.skipped, vec!["974"]);
    let miquelon = store.list_sites(Some("975"), 0, 10).expect("sites");
    assert_eq!(miquelon.total, 1);
    assert_eq!(miquelon.items[0].time_zone, "America/Miquelon");
    assert_eq!(miquelon.items[0].postal_code, "97500");
}
