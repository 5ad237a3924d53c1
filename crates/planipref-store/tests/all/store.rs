//! Store tests on every configured backend (SQLite always, PostgreSQL when
//! `PLANIPREF_TEST_POSTGRES_URL` is set).

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};

use chrono::{DateTime, Days, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::Text;
use planipref_domain::applicant::{Applicant, ApplicantInput};
use planipref_domain::ids::{GuichetId, MotifId, ReservationId};
use planipref_domain::reference::Reference;
use planipref_domain::slots::{SlotRequest, first_free_slot};
use planipref_seed::seed_demo;
use planipref_store::models::ReservationRow;
use planipref_store::{
    AnyConnection, DatabaseUrl, NewReservation, PoolOptions, Refresh, Store, StoreError,
};
use planipref_test_support::TestDb;

#[derive(QueryableByName, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    nullable: String,
}

fn columns(store: &Store) -> BTreeSet<(String, String, String, String)> {
    store
        .with_conn(|c| {
            let rows: Vec<Column> = match c {
                AnyConnection::Sqlite(_) => diesel::sql_query(
                    "SELECT m.name AS table_name, p.name AS column_name, lower(p.type) AS data_type, \
                     CASE WHEN p.\"notnull\" = 1 OR p.pk > 0 THEN 'NO' ELSE 'YES' END AS nullable \
                     FROM sqlite_master m, pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
                     AND m.name <> '__diesel_schema_migrations'",
                )
                .load(c)?,
                AnyConnection::Postgresql(_) => diesel::sql_query(
                    "SELECT table_name::text AS table_name, column_name::text AS column_name, \
                     CASE data_type WHEN 'timestamp without time zone' THEN 'timestamp' \
                     WHEN 'time without time zone' THEN 'time' ELSE data_type END::text AS data_type, \
                     is_nullable::text AS nullable \
                     FROM information_schema.columns WHERE table_schema = 'public' \
                     AND table_name <> '__diesel_schema_migrations'",
                )
                .load(c)?,
            };
            Ok(rows
                .into_iter()
                .map(|r| (r.table_name, r.column_name, r.data_type, r.nullable))
                .collect())
        })
        .expect("columns")
}

#[test]
fn both_backends_create_the_same_tables_and_columns() {
    let sqlite = TestDb::sqlite();
    let sqlite_columns = columns(sqlite.store());
    assert!(
        sqlite_columns
            .iter()
            .any(|(t, c, ..)| t == "guichet_occupancy" && c == "unit_start")
    );
    assert!(
        sqlite_columns.len() > 60,
        "{} columns",
        sqlite_columns.len()
    );
    if let Some(pg) = TestDb::postgres() {
        let pg_columns = columns(pg.store());
        let only_sqlite: Vec<_> = sqlite_columns.difference(&pg_columns).collect();
        let only_pg: Vec<_> = pg_columns.difference(&sqlite_columns).collect();
        assert!(
            only_sqlite.is_empty() && only_pg.is_empty(),
            "schemas differ:\n only in SQLite: {only_sqlite:?}\n only in PostgreSQL: {only_pg:?}"
        );
    }
}

#[test]
fn migrating_twice_applies_nothing_the_second_time() {
    for db in TestDb::each() {
        assert_eq!(
            db.store().migrate().expect("migrate"),
            Vec::<String>::new(),
            "{}",
            db.backend()
        );
    }
}

/// The demo motif "Remise de titre de séjour" at Bobigny (15 minutes,
/// served by three guichets).
pub(crate) fn remise_at_bobigny(store: &Store) -> MotifId {
    let sites = store.list_sites(Some("93"), 0, 10).expect("sites");
    let bobigny = sites
        .items
        .iter()
        .find(|s| s.kind == "prefecture")
        .expect("Bobigny");
    let motifs = store.list_site_motifs(&bobigny.id).expect("motifs");
    let (m, _) = motifs
        .iter()
        .find(|(m, _)| m.label.starts_with("Remise"))
        .expect("remise");
    m.id.parse().expect("id")
}

/// Applicant `n`: a different person for each `n` (doublons are refused).
pub(crate) fn applicant(n: usize) -> Applicant {
    let mut last = String::from("Testeur");
    let mut rest = n;
    loop {
        last.push(char::from(b'a' + (rest % 26) as u8));
        rest /= 26;
        if rest == 0 {
            break;
        }
    }
    Applicant::parse(
        ApplicantInput {
            last_name: &last,
            first_names: "Camille",
            birth_date: "1985-06-01",
            email: "camille@example.org",
            phone: "+33612345678",
            nationality: None,
            file_number: None,
        },
        NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
    )
    .expect("applicant")
}

/// A distinct reference per `n`: `n` written in base 31 over the alphabet.
pub(crate) fn reference(n: u64) -> Reference {
    let alphabet = planipref_domain::reference::REFERENCE_ALPHABET;
    let digits: String = (0..8)
        .map(|i| char::from(alphabet[((n / 31u64.pow(i)) % 31) as usize]))
        .collect();
    Reference::parse(&digits).expect("reference")
}

/// The first slot of the motif next Monday or later, with its free guichets.
pub(crate) fn first_slot(
    store: &Store,
    motif: MotifId,
) -> (DateTime<Utc>, DateTime<Utc>, Vec<GuichetId>) {
    let today = Utc::now().date_naive();
    let from = today.checked_add_days(Days::new(7)).expect("date");
    let to = from.checked_add_days(Days::new(7)).expect("date");
    let schedule = store
        .motif_schedule(
            &motif.to_string(),
            from.and_hms_opt(0, 0, 0).expect("t").and_utc(),
            to.and_hms_opt(23, 0, 0).expect("t").and_utc(),
            Utc::now(),
        )
        .expect("schedule");
    let tz = schedule.site.time_zone.parse().expect("tz");
    let duration = u32::try_from(schedule.motif.duration_minutes).expect("duration");
    let free = first_free_slot(&SlotRequest {
        motif_id: motif,
        duration_minutes: duration,
        step_minutes: duration,
        time_zone: tz,
        from,
        to,
        now: Utc::now(),
        guichets: &schedule.guichets,
        plages: &schedule.plages,
        busy: &schedule.busy,
        closed_days: &[],
        booking_window_days: 366,
        newest_day_opens_at: None,
        min_notice_hours: 0,
    })
    .expect("a free slot");
    (free.slot.start, free.slot.end, free.free_guichets)
}

/// A ten-minute hold of `new`'s slot, as an applicant takes before
/// confirming.
fn hold_for(new: &NewReservation) -> planipref_store::NewHold {
    planipref_store::NewHold {
        site_id: new.site_id,
        motif_id: new.motif_id,
        start: new.start,
        end: new.end,
        persons: 1,
        now: new.now,
        expires_at: new.now + chrono::Duration::minutes(10),
        time_zone: new.time_zone,
        convocation_id: None,
        client_key: None,
        max_client_holds: 0,
        extra: None,
        file_check: None,
    }
}

pub(crate) fn new_reservation(
    store: &Store,
    motif: MotifId,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    n: usize,
) -> NewReservation {
    let site = store
        .motif_schedule(&motif.to_string(), start, end, Utc::now())
        .expect("schedule")
        .site
        .id
        .parse()
        .expect("site id");
    NewReservation {
        site_id: site,
        motif_id: motif,
        start,
        end,
        applicant: applicant(n),
        token_hash: format!("hash-{n}"),
        actor: "applicant".into(),
        now: Utc::now(),
        time_zone: chrono_tz::Europe::Paris,
        persons: 1,
        demarche_code: format!("motif:{motif}"),
        refuse_doublons: true,
        convocation: None,
        max_active_per_person: 3,
        origin: Default::default(),
        language: "fr".into(),
        sealed_token: None,
        extra: None,
        file_check: None,
    }
}

#[test]
fn a_guichet_cannot_be_booked_twice_and_a_cancellation_frees_it() {
    for db in TestDb::each() {
        let store = db.store();
        seed_demo(store).expect("seed");
        let motif = remise_at_bobigny(store);
        let (start, end, free) = first_slot(store, motif);
        let one = vec![free[0]];
        let first = store
            .create_reservation(&new_reservation(store, motif, start, end, 1), &one, || {
                reference(1)
            })
            .expect("first booking");
        let second =
            store.create_reservation(&new_reservation(store, motif, start, end, 2), &one, || {
                reference(2)
            });
        assert!(
            matches!(second, Err(StoreError::SlotTaken)),
            "{}: {second:?}",
            db.backend()
        );
        assert_eq!(store.count_booked(motif).expect("count"), 1);

        let id: ReservationId = first.id.parse().expect("id");
        let cancelled = store
            .cancel_reservation(id, ("applicant", None), Utc::now(), Utc::now())
            .expect("cancel");
        assert_eq!(cancelled.status, "cancelled");
        // Cancelling again changes nothing and records nothing.
        store
            .cancel_reservation(id, ("applicant", None), Utc::now(), Utc::now())
            .expect("cancel again");
        let actions: Vec<_> = store
            .reservation_events(id)
            .expect("events")
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(actions, vec!["created", "cancelled"]);

        store
            .create_reservation(&new_reservation(store, motif, start, end, 3), &one, || {
                reference(3)
            })
            .expect("booked again after the cancellation");
        assert_eq!(store.count_booked(motif).expect("count"), 1);
    }
}

#[test]
fn bookings_that_overlap_only_partly_are_refused_and_adjacent_ones_accepted() {
    for db in TestDb::each() {
        let store = db.store();
        seed_demo(store).expect("seed");
        let motif = remise_at_bobigny(store);
        let (first, _, free) = first_slot(store, motif);
        // An hour into the morning plage (09:00–12:00), so that every interval
        // below lies inside it: bookings are checked against plages.
        let start = first + chrono::Duration::hours(1);
        let one = vec![free[0]];
        let minutes = |m: i64| start + chrono::Duration::minutes(m);
        // 30 minutes from 10:00.
        store
            .create_reservation(
                &new_reservation(store, motif, minutes(0), minutes(30), 1),
                &one,
                || reference(11),
            )
            .expect("first");
        // 45 minutes from +15: shares only its first three units with the first.
        let overlapping = store.create_reservation(
            &new_reservation(store, motif, minutes(15), minutes(60), 2),
            &one,
            || reference(12),
        );
        assert!(
            matches!(overlapping, Err(StoreError::SlotTaken)),
            "{}: {overlapping:?}",
            db.backend()
        );
        // Ending inside the first one.
        let before = store.create_reservation(
            &new_reservation(store, motif, minutes(-15), minutes(5), 3),
            &one,
            || reference(13),
        );
        assert!(
            matches!(before, Err(StoreError::SlotTaken)),
            "{}: {before:?}",
            db.backend()
        );
        // Right after it, and right before it: free.
        store
            .create_reservation(
                &new_reservation(store, motif, minutes(30), minutes(75), 4),
                &one,
                || reference(14),
            )
            .expect("adjacent after");
        store
            .create_reservation(
                &new_reservation(store, motif, minutes(-15), minutes(0), 5),
                &one,
                || reference(15),
            )
            .expect("adjacent before");
        assert_eq!(
            store.count_booked(motif).expect("count"),
            3,
            "{}",
            db.backend()
        );
    }
}

#[test]
fn a_taken_reference_is_replaced_by_a_fresh_one() {
    for db in TestDb::each() {
        let store = db.store();
        seed_demo(store).expect("seed");
        let motif = remise_at_bobigny(store);
        let (start, end, free) = first_slot(store, motif);
        let a = store
            .create_reservation(
                &new_reservation(store, motif, start, end, 1),
                &free[..1],
                || reference(7),
            )
            .expect("first");
        let mut refs = vec![reference(7), reference(8)].into_iter();
        let b = store
            .create_reservation(
                &new_reservation(store, motif, start, end, 2),
                &free[1..2],
                || refs.next().expect("ref"),
            )
            .expect("second, with a fresh reference");
        assert_eq!(a.reference, reference(7).as_str());
        assert_eq!(b.reference, reference(8).as_str(), "{}", db.backend());
    }
}

/// Prepares one attempt per thread (`prepare(n)`, here), then runs them
/// all at once (`attempt(prepared)`, each on its thread, released together
/// by a barrier); their results, in order of `n`.
fn race<P: Send, T: Send>(
    threads: usize,
    prepare: impl Fn(usize) -> P,
    attempt: impl Fn(usize, P) -> T + Sync,
) -> Vec<T> {
    let prepared: Vec<P> = (0..threads).map(prepare).collect();
    let barrier = Barrier::new(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = prepared
            .into_iter()
            .enumerate()
            .map(|(n, p)| {
                let (barrier, attempt) = (&barrier, &attempt);
                s.spawn(move || {
                    barrier.wait();
                    attempt(n, p)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    })
}

#[test]
fn concurrent_bookings_never_exceed_the_free_guichets() {
    const THREADS: usize = 50;
    for db in TestDb::each() {
        let store = db.store();
        seed_demo(store).expect("seed");
        let motif = remise_at_bobigny(store);
        let (start, end, free) = first_slot(store, motif);
        let capacity = free.len();
        assert!(capacity >= 2, "the demo slot should have several guichets");
        let results = race(
            THREADS,
            |n| new_reservation(store, motif, start, end, n),
            |n, new| store.create_reservation(&new, &free, || reference(n as u64 + 100)),
        );
        let ok = results.iter().filter(|r| r.is_ok()).count();
        let taken = results
            .iter()
            .filter(|r| matches!(r, Err(StoreError::SlotTaken)))
            .count();
        let other: Vec<_> = results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .filter(|e| !matches!(e, StoreError::SlotTaken))
            .collect();
        assert!(
            other.is_empty(),
            "{}: unexpected errors {other:?}",
            db.backend()
        );
        assert_eq!(ok, capacity, "{}", db.backend());
        assert_eq!(taken, THREADS - capacity);
        assert_eq!(store.count_booked(motif).expect("count"), capacity as i64);
        let guichets: BTreeSet<_> = results
            .into_iter()
            .flatten()
            .map(|r| r.guichet_id)
            .collect();
        assert_eq!(guichets.len(), capacity, "each booking on its own guichet");
    }
}

/// The audit entry of an agent creating `closure` at Bobigny.
fn closure_created(closure: &planipref_store::models::FermetureRow) -> planipref_store::AuditEntry {
    planipref_store::AuditEntry {
        actor: "agent:t".into(),
        departement: Some("93".into()),
        site_id: Some(closure.site_id.clone()),
        entity: "fermeture",
        entity_id: closure.id.clone(),
        action: "created",
        before: None,
        after: None,
        at: Utc::now(),
    }
}

/// A closure of one guichet of `site` over `[start, end)`, with its audit
/// entry.
fn guichet_closure(
    site: &planipref_store::models::SiteRow,
    guichet: String,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    reason: &str,
) -> (
    planipref_store::models::FermetureRow,
    planipref_store::AuditEntry,
) {
    let closure = planipref_store::models::FermetureRow {
        revision: 1,
        id: uuid::Uuid::new_v4().to_string(),
        site_id: site.id.clone(),
        guichet_id: Some(guichet),
        starts_at: planipref_store::to_db(start),
        ends_at: planipref_store::to_db(end),
        reason: reason.into(),
        created_at: planipref_store::to_db(Utc::now()),
    };
    let audit = planipref_store::AuditEntry {
        departement: Some(site.prefecture_code.clone()),
        ..closure_created(&closure)
    };
    (closure, audit)
}

#[test]
fn a_booking_computed_before_a_closure_is_refused_after_it() {
    for db in TestDb::each() {
        let store = db.store();
        seed_demo(store).expect("seed");
        let motif = remise_at_bobigny(store);
        let (start, end, free) = first_slot(store, motif);
        let new = new_reservation(store, motif, start, end, 1);
        // The organisation changes between the slot search and the booking.
        let closure = planipref_store::models::FermetureRow {
            revision: 1,
            id: uuid::Uuid::new_v4().to_string(),
            site_id: new.site_id.to_string(),
            guichet_id: None,
            starts_at: planipref_store::to_db(start),
            ends_at: planipref_store::to_db(end),
            reason: "Alerte".into(),
            created_at: planipref_store::to_db(Utc::now()),
        };
        store
            .create_fermeture(&closure, false, "agent:t", &closure_created(&closure))
            .expect("closure");
        let late = store.create_reservation(&new, &free, || reference(77));
        assert!(
            matches!(late, Err(StoreError::SlotTaken)),
            "{}: {late:?}",
            db.backend()
        );
        assert_eq!(store.count_booked(motif).expect("count"), 0);
    }
}

#[test]
fn a_motif_deleted_while_it_is_booked_never_leaves_both_done() {
    for db in TestDb::each() {
        let store = db.store();
        seed_demo(store).expect("seed");
        let sites = store.list_sites(None, 0, 50).expect("sites").items;
        let mut races = 0;
        for site in &sites {
            for (motif, _) in store.list_site_motifs(&site.id).expect("motifs") {
                let motif_id: MotifId = motif.id.parse().expect("id");
                let (start, end, free) = first_slot(store, motif_id);
                let mut new = new_reservation(store, motif_id, start, end, races + 100);
                new.time_zone = site.time_zone.parse().expect("zone");
                let audit = planipref_store::AuditEntry {
                    actor: "agent:t".into(),
                    departement: Some(site.prefecture_code.clone()),
                    site_id: Some(site.id.clone()),
                    entity: "motif",
                    entity_id: motif.id.clone(),
                    action: "deleted",
                    before: None,
                    after: None,
                    at: Utc::now(),
                };
                let barrier = Arc::new(Barrier::new(2));
                let n = u64::try_from(races).expect("n") + 1000;
                let (booked, deleted) = std::thread::scope(|s| {
                    let b = Arc::clone(&barrier);
                    let book = s.spawn(move || {
                        b.wait();
                        store.create_reservation(&new, &free, || reference(n))
                    });
                    let b = Arc::clone(&barrier);
                    let id = motif.id.clone();
                    let delete = s.spawn(move || {
                        b.wait();
                        store.delete_motif(&id, &audit)
                    });
                    (book.join().expect("book"), delete.join().expect("delete"))
                });
                let kept = store.get_motif(&motif.id);
                match (&booked, &deleted) {
                    (Ok(_), Err(StoreError::InUse(_))) => {
                        assert!(kept.is_ok(), "{}: a booked motif stays", db.backend());
                    }
                    (Err(StoreError::Stale | StoreError::SlotTaken), Ok(())) => {
                        assert!(matches!(kept, Err(StoreError::NotFound)));
                    }
                    other => panic!("{}: {other:?}", db.backend()),
                }
                races += 1;
            }
        }
        assert!(races >= 10, "every demo motif raced: {races}");
    }
}

#[test]
fn a_closure_racing_a_booking_never_leaves_it_orphaned() {
    // Bookings and hold confirmations share their guichet's row, which a
    // closure takes alone: it waits for either.
    for (db, confirming) in TestDb::each()
        .into_iter()
        .map(|db| (db, false))
        .chain(TestDb::each().into_iter().map(|db| (db, true)))
    {
        let store = db.store();
        seed_demo(store).expect("seed");
        let sites = store.list_sites(None, 0, 50).expect("sites").items;
        let mut races = 0u64;
        for site in &sites {
            for (motif, _) in store.list_site_motifs(&site.id).expect("motifs") {
                let motif_id: MotifId = motif.id.parse().expect("id");
                // One free guichet, closed alone: nothing else is affected.
                let (start, end, free) = first_slot(store, motif_id);
                let free = vec![free[0]];
                // A new person each race: one person may hold only a few.
                let mut new = new_reservation(store, motif_id, start, end, 200 + races as usize);
                new.time_zone = site.time_zone.parse().expect("zone");
                let (closure, audit) =
                    guichet_closure(site, free[0].to_string(), (start, end), "Alerte");
                let held = confirming.then(|| {
                    let hold = hold_for(&new);
                    let row = store.create_hold(&hold, &free).expect("held");
                    row.id
                        .parse::<planipref_domain::ids::HoldId>()
                        .expect("hold id")
                });
                let barrier = Arc::new(Barrier::new(2));
                let n = races + 2000;
                let (booked, closed) = std::thread::scope(|s| {
                    let b = Arc::clone(&barrier);
                    let book = s.spawn(move || {
                        b.wait();
                        match held {
                            Some(hold) => store.confirm_hold(hold, &new, || reference(n)),
                            None => store.create_reservation(&new, &free, || reference(n)),
                        }
                    });
                    let b = Arc::clone(&barrier);
                    let close = s.spawn(move || {
                        b.wait();
                        store.create_fermeture(&closure, false, "agent:t", &audit)
                    });
                    (book.join().expect("book"), close.join().expect("close"))
                });
                match (&booked, &closed) {
                    (Ok(row), Err(StoreError::Affected(refs))) => {
                        let bare = |r: &str| r.replace('-', "");
                        let refs: Vec<String> = refs.iter().map(|r| bare(r)).collect();
                        assert_eq!(refs, vec![bare(&row.reference)]);
                    }
                    (Err(StoreError::Stale | StoreError::SlotTaken), Ok(flagged)) => {
                        assert!(flagged.is_empty());
                    }
                    other => panic!("{} (confirming: {confirming}): {other:?}", db.backend()),
                }
                races += 1;
            }
        }
        assert!(races >= 10, "every demo motif raced: {races}");
    }
}

/// Holds and bookings racing for one slot on both backends: never more
/// than its guichets, every refusal a clean `SlotTaken`.
#[test]
fn concurrent_holds_and_bookings_never_exceed_the_free_guichets() {
    const THREADS: usize = 40;
    for db in TestDb::each() {
        let store = db.store();
        seed_demo(store).expect("seed");
        let motif = remise_at_bobigny(store);
        let (start, end, free) = first_slot(store, motif);
        let capacity = free.len();
        let results: Vec<Result<String, StoreError>> = race(
            THREADS,
            |n| new_reservation(store, motif, start, end, n),
            |n, new| {
                if n % 2 == 0 {
                    let hold = hold_for(&new);
                    store.create_hold(&hold, &free).map(|h| h.guichet_id)
                } else {
                    store
                        .create_reservation(&new, &free, || reference(n as u64 + 500))
                        .map(|r| r.guichet_id)
                }
            },
        );
        let taken: BTreeSet<_> = results.iter().flatten().cloned().collect();
        let won = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(won, capacity, "{}", db.backend());
        assert_eq!(taken.len(), capacity, "each on its own guichet");
        assert!(
            results
                .iter()
                .all(|r| r.is_ok() || matches!(r, Err(StoreError::SlotTaken))),
            "{}: {:?}",
            db.backend(),
            results.iter().filter(|r| r.is_err()).collect::<Vec<_>>()
        );
        let held = store.count_live_holds(Utc::now()).expect("holds");
        assert_eq!(
            held + store.count_booked(motif).expect("booked"),
            capacity as i64
        );
    }
}

/// One person booking several slots of one démarche at once, on both
/// backends: exactly one appointment, the others refused as doublons.
#[test]
fn one_person_racing_for_several_slots_gets_one_appointment() {
    const THREADS: usize = 24;
    for db in TestDb::each() {
        let store = db.store();
        seed_demo(store).expect("seed");
        let motif = remise_at_bobigny(store);
        // Several rounds, a new person each: a race lost once in a while
        // by a broken guard would otherwise go unseen.
        for person in 7..12 {
            let (start, end, free) = first_slot(store, motif);
            let results = race(
                THREADS,
                |n| {
                    // Each request starts with another guichet, so that
                    // their locks do not line them up; the same person
                    // each time, at successive slots of the day (or the
                    // same one, should the day be short).
                    let mut free = free.clone();
                    let turn = n % free.len();
                    free.rotate_left(turn);
                    let shift = chrono::Duration::minutes(30 * (n as i64 % 4));
                    let new = new_reservation(store, motif, start + shift, end + shift, person);
                    (new, free)
                },
                |n, (new, free)| {
                    store.create_reservation(&new, &free, || {
                        reference((person * 100 + n) as u64 + 900)
                    })
                },
            );
            let won = results.iter().filter(|r| r.is_ok()).count();
            assert_eq!(
                won,
                1,
                "{}: {:?}",
                db.backend(),
                results.iter().filter(|r| r.is_err()).collect::<Vec<_>>()
            );
            assert!(results.iter().all(
                |r| r.is_ok() || matches!(r, Err(StoreError::Doublon | StoreError::SlotTaken))
            ));
            assert!(
                results
                    .iter()
                    .any(|r| matches!(r, Err(StoreError::Doublon)))
            );
            assert_eq!(
                store.count_booked(motif).expect("booked"),
                (person - 6) as i64
            );
        }
    }
}

/// An applicant by names, birth date and file number.
fn person(last_name: &str, first_names: &str, birth_date: &str, file: Option<&str>) -> Applicant {
    Applicant::parse(
        ApplicantInput {
            last_name,
            first_names,
            birth_date,
            email: "personne@example.org",
            phone: "+33612345678",
            nationality: None,
            file_number: file,
        },
        NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
    )
    .expect("applicant")
}

/// Books `who` at the motif's first free slot (shifted by `shift`
/// slots of its length) for `demarche`, as `new_reservation` does.
fn book_as(
    store: &Store,
    motif: MotifId,
    (demarche, shift): (&str, i32),
    who: Applicant,
    n: u64,
) -> Result<ReservationRow, StoreError> {
    let (start, end, free) = first_slot(store, motif);
    let shift = (end - start) * shift;
    let mut new = new_reservation(store, motif, start + shift, end + shift, 0);
    new.applicant = who;
    new.demarche_code = demarche.to_owned();
    store.create_reservation(&new, &free, || reference(n))
}

/// One person is one whatever file number they give, on both backends:
/// the same names and birth date with a file number then without, or with
/// another number, or the same number under other names, are refused
/// for the démarche; someone else with a number of their own is not.
#[test]
fn a_person_giving_a_file_number_or_not_or_another_one_books_one_appointment() {
    for db in TestDb::each() {
        let store = db.store();
        seed_demo(store).expect("seed");
        let motif = remise_at_bobigny(store);
        let demarche = ("titre-remise", 0);
        let doublon = |r: Result<ReservationRow, StoreError>, what: &str| {
            assert!(
                matches!(r, Err(StoreError::Doublon)),
                "{}: {what}: {:?}",
                db.backend(),
                r.map(|r| r.id)
            );
        };
        let numbered = person("Diallo", "Mamadou", "1985-06-01", Some("7501234567"));
        book_as(store, motif, demarche, numbered, 1).expect("first booking");
        // (a) With a file number, then without.
        let bare = person("DIALLO", "mamadou", "1985-06-01", None);
        doublon(book_as(store, motif, demarche, bare, 2), "without");
        // (c) With another number.
        let other_number = person("Diallo", "Mamadou", "1985-06-01", Some("7509999999"));
        doublon(book_as(store, motif, demarche, other_number, 3), "another");
        // The same number under other names.
        let renamed = person("Bah", "Oumou", "1990-01-01", Some("7501234567"));
        doublon(book_as(store, motif, demarche, renamed, 4), "renamed");
        // (b) Without a file number, then with one.
        let first = person("Sow", "Aminata", "1979-11-30", None);
        book_as(store, motif, demarche, first, 5).expect("someone else");
        let then_numbered = person("Sow", "Aminata", "1979-11-30", Some("7500000001"));
        doublon(book_as(store, motif, demarche, then_numbered, 6), "with");
        // A namesake born another day, with a number of their own, is
        // someone else.
        let namesake = person("Diallo", "Mamadou", "1986-06-01", Some("7502222222"));
        book_as(store, motif, demarche, namesake, 7).expect("a namesake");
        assert_eq!(store.count_booked(motif).expect("booked"), 3);
    }
}

/// The préfecture's limit of coming appointments counts a person under
/// either key, on both backends: alternating with and without a file
/// number, or between numbers, gets no appointment beyond it.
#[test]
fn alternating_identities_do_not_escape_the_limit_of_appointments() {
    for db in TestDb::each() {
        let store = db.store();
        seed_demo(store).expect("seed");
        let motif = remise_at_bobigny(store);
        let limited = |demarche: &str, shift: i32, who: Applicant, n: u64| {
            let (start, end, free) = first_slot(store, motif);
            let shift = (end - start) * shift;
            let mut new = new_reservation(store, motif, start + shift, end + shift, 0);
            new.applicant = who;
            new.demarche_code = demarche.to_owned();
            new.max_active_per_person = 2;
            store.create_reservation(&new, &free, || reference(n))
        };
        let with = |file| person("Kowalski", "Jan", "1970-03-15", file);
        limited("a", 0, with(Some("7501111111")), 11).expect("first");
        limited("b", 1, with(None), 12).expect("second");
        for (n, who) in [
            with(Some("7501111111")),
            with(None),
            with(Some("7503333333")),
            person("KOWALSKI", "JAN", "1970-03-15", Some("7504444444")),
        ]
        .into_iter()
        .enumerate()
        {
            let third = limited("c", 2, who, 13 + n as u64);
            assert!(
                matches!(third, Err(StoreError::Quota)),
                "{}: variant {n}: {:?}",
                db.backend(),
                third.map(|r| r.id)
            );
        }
        assert_eq!(store.count_booked(motif).expect("booked"), 2);
    }
}

/// One person booking one démarche at once from many threads under three
/// identities (a file number, none, another number), on both backends:
/// exactly one appointment, the others refused, no other error (the
/// guard rows of both keys are taken in one order by every booking, so
/// that none waits on another in a cycle).
#[test]
fn one_person_racing_under_several_identities_gets_one_appointment() {
    const THREADS: usize = 24;
    for db in TestDb::each() {
        let store = db.store();
        seed_demo(store).expect("seed");
        let motif = remise_at_bobigny(store);
        for round in 0..5_u64 {
            let (start, end, free) = first_slot(store, motif);
            let last_name = format!("Nguyễn{}", char::from(b'a' + round as u8));
            let results = race(
                THREADS,
                |n| {
                    let file = ["7505550001", "7505550002"].get(n % 3).copied();
                    // Spelled otherwise each time: the same person.
                    let names = if n % 2 == 0 {
                        (last_name.clone(), "Thị Lan")
                    } else {
                        (last_name.to_uppercase(), "THI LAN")
                    };
                    let mut free = free.clone();
                    let turn = n % free.len();
                    free.rotate_left(turn);
                    let shift = (end - start) * (n as i32 % 4);
                    let mut new = new_reservation(store, motif, start + shift, end + shift, 0);
                    new.applicant = person(&names.0, names.1, "1992-07-14", file);
                    (new, free)
                },
                |n, (new, free)| {
                    store.create_reservation(&new, &free, || {
                        reference(round * 100 + n as u64 + 5_000)
                    })
                },
            );
            let won = results.iter().filter(|r| r.is_ok()).count();
            let unexpected: Vec<_> = results
                .iter()
                .filter_map(|r| r.as_ref().err())
                .filter(|e| !matches!(e, StoreError::Doublon | StoreError::SlotTaken))
                .collect();
            assert!(
                unexpected.is_empty(),
                "{}: unexpected errors {unexpected:?}",
                db.backend()
            );
            assert_eq!(won, 1, "{}: round {round}", db.backend());
            assert!(
                results
                    .iter()
                    .any(|r| matches!(r, Err(StoreError::Doublon)))
            );
            assert_eq!(store.count_booked(motif).expect("booked"), round as i64 + 1);
        }
    }
}

/// Reservations stored with the keys of the version before (the file
/// number's key alone when one was given, names folded by a fixed table
/// that did not know `ầ`) are keyed again by the migrations, on both
/// backends, and then block a doublon under the keys of now; rows without
/// keys stay so, and keying again finds nothing left.
#[test]
fn reservations_keyed_the_old_way_are_keyed_again_and_then_block_doublons() {
    use planipref_domain::reference::hash_token;
    use planipref_store::schema::reservations;
    for db in TestDb::each() {
        let store = db.store();
        seed_demo(store).expect("seed");
        let motif = remise_at_bobigny(store);
        let numbered = person("Nguyễn", "Thị Lan", "1992-07-14", Some("7506660001"));
        let a = book_as(store, motif, ("d1", 0), numbered, 21).expect("first");
        let bare = person("Trần", "Văn", "1988-02-03", None);
        let b = book_as(store, motif, ("d2", 1), bare, 22).expect("second");
        let keyless = book_as(
            store,
            motif,
            ("d3", 2),
            person("National", "Usager", "1980-01-01", None),
            23,
        )
        .expect("third");
        let old_keys = [
            (&a.id, Some(hash_token("file:7506660001"))),
            (&b.id, Some(hash_token("identity:trần|van|1988-02-03"))),
            (&keyless.id, None),
        ];
        store
            .with_conn(|c| {
                for (id, old) in &old_keys {
                    diesel::update(reservations::table.find(id))
                        .set((
                            reservations::person_key.eq(old),
                            reservations::file_key.eq(None::<String>),
                            reservations::key_version.eq(1),
                        ))
                        .execute(c)?;
                }
                Ok(())
            })
            .expect("old keys");

        assert_eq!(store.migrate().expect("migrate"), Vec::<String>::new());
        let keys_of = |id: &str| -> (Option<String>, Option<String>, i32) {
            store
                .with_conn(|c| {
                    Ok(reservations::table
                        .find(id)
                        .select((
                            reservations::person_key,
                            reservations::file_key,
                            reservations::key_version,
                        ))
                        .first(c)?)
                })
                .expect("keys")
        };
        assert_eq!(
            keys_of(&a.id),
            (a.person_key.clone(), a.file_key.clone(), 2),
            "{}",
            db.backend()
        );
        assert!(a.file_key.is_some());
        assert_eq!(keys_of(&b.id), (b.person_key.clone(), None, 2));
        assert_eq!(keys_of(&keyless.id), (None, None, 1));
        assert_eq!(store.rekey_persons().expect("again"), 0);

        let respelled = person("NGUYEN", "Thi Lan", "1992-07-14", None);
        let refused = book_as(store, motif, ("d1", 3), respelled, 24);
        assert!(
            matches!(refused, Err(StoreError::Doublon)),
            "{}: by names",
            db.backend()
        );
        let numbered = person("TRAN", "Van", "1988-02-03", Some("7506660002"));
        let refused = book_as(store, motif, ("d2", 3), numbered, 25);
        assert!(
            matches!(refused, Err(StoreError::Doublon)),
            "{}: by names, with a number",
            db.backend()
        );
    }
}

/// A counter turned walk-in after the slot was placed takes no online
/// booking or hold: the channel is checked again under its lock.
#[test]
fn a_counter_turned_walk_in_meanwhile_takes_no_online_booking() {
    for db in TestDb::each() {
        let store = db.store();
        seed_demo(store).expect("seed");
        let motif = remise_at_bobigny(store);
        let (start, end, free) = first_slot(store, motif);
        let one = vec![free[0]];
        store
            .with_conn(|c| {
                diesel::update(planipref_store::schema::guichets::table.find(free[0].to_string()))
                    .set(planipref_store::schema::guichets::channel.eq("walk_in"))
                    .execute(c)
                    .map_err(StoreError::from)
            })
            .expect("walk-in");
        let booked =
            store.create_reservation(&new_reservation(store, motif, start, end, 7), &one, || {
                reference(7)
            });
        assert!(
            matches!(booked, Err(StoreError::SlotTaken)),
            "{}: {booked:?}",
            db.backend()
        );
        assert_eq!(store.count_booked(motif).expect("count"), 0);
    }
}

#[test]
fn a_motifs_organisation_is_kept_until_its_site_records_a_change() {
    for db in TestDb::each() {
        let store = db.store();
        seed_demo(store).expect("seed");
        let motif = remise_at_bobigny(store);
        let (start, end, _) = first_slot(store, motif);
        let (from, to) = (
            start - chrono::Duration::days(1),
            end + chrono::Duration::days(1),
        );
        let busy = || {
            store
                .motif_schedule(&motif.to_string(), from, to, Utc::now())
                .expect("schedule")
                .busy
                .len()
        };
        let site = new_reservation(store, motif, start, end, 1)
            .site_id
            .to_string();
        let closure = |id: &str| planipref_store::models::FermetureRow {
            revision: 1,
            id: id.to_owned(),
            site_id: site.clone(),
            guichet_id: None,
            starts_at: planipref_store::to_db(start),
            ends_at: planipref_store::to_db(end),
            reason: "Alerte".into(),
            created_at: planipref_store::to_db(Utc::now()),
        };
        let open = busy();

        // An audited change is seen at once: the site's counter moved.
        let audited = closure("9a0c3d1e-0000-4000-8000-000000000001");
        store
            .create_fermeture(&audited, false, "agent:t", &closure_created(&audited))
            .expect("closure");
        let closed = busy();
        assert!(closed > open, "{}: {open} → {closed}", db.backend());

        // A row written behind the API's back moves no counter: the
        // organisation this process read stands (which is what saves the
        // queries) …
        store
            .with_conn(|c| {
                diesel::insert_into(planipref_store::schema::fermetures::table)
                    .values(closure("9a0c3d1e-0000-4000-8000-000000000002"))
                    .execute(c)
                    .map_err(StoreError::from)
            })
            .expect("raw closure");
        assert_eq!(busy(), closed, "{}", db.backend());
        // … until the counter moves, as every audited change makes it.
        store
            .with_conn(|c| {
                use planipref_store::schema::sites;
                diesel::update(sites::table.find(&site))
                    .set(sites::availability_version.eq(sites::availability_version + 1))
                    .execute(c)
                    .map_err(StoreError::from)
            })
            .expect("counter");
        assert_eq!(busy(), closed + (closed - open), "{}", db.backend());
    }
}

#[derive(QueryableByName)]
struct BackendPid {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pid: i32,
}

/// The pool hands out a connection used less than half a second ago
/// without checking it (one round trip in four or five, under load). One
/// the database dropped meanwhile is checked once that time has passed,
/// found dead, and replaced: a restarted database never leaves the pool
/// with dead connections.
#[test]
fn a_connection_the_database_dropped_is_replaced() {
    let Some(db) = TestDb::postgres() else {
        return;
    };
    // Every connection is checked on its way out of the pool, however
    // recently it was used (by default, one used within half a second is
    // trusted, and the first request on it would fail instead).
    let store = &Store::open(
        &DatabaseUrl::parse(&db.url).expect("url"),
        &PoolOptions {
            trusted_after_use: std::time::Duration::ZERO,
            ..PoolOptions::default()
        },
    )
    .expect("pool");
    let pid = |store: &Store| {
        store
            .with_conn(|c| {
                diesel::sql_query("SELECT pg_backend_pid() AS pid")
                    .get_result::<BackendPid>(c)
                    .map(|r| r.pid)
                    .map_err(StoreError::from)
            })
            .expect("a pooled connection answers")
    };
    let before = pid(store);
    // Every connection of the pool is killed, from outside it; with a
    // timeout, pg_terminate_backend returns once each process has exited.
    let mut outside = diesel::PgConnection::establish(&db.url).expect("outside connection");
    diesel::sql_query(
        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .execute(&mut outside)
    .expect("terminate the pool's connections");
    // Checked on the way out of the pool: dead, replaced by a new one.
    let after = pid(store);
    assert_ne!(after, before, "a new connection");
    assert_eq!(
        store.count_reservations().expect("the store answers"),
        0,
        "and it serves"
    );
}

/// An applicant confirming a hold while giving it up (two tabs): one of
/// the two happens, the other finds the hold gone; never both, never a
/// reservation without its units or a hold left behind.
#[test]
fn releasing_and_confirming_one_hold_at_once_do_one_thing() {
    for db in TestDb::each() {
        let store = db.store();
        seed_demo(store).expect("seed");
        let site = &store.list_sites(None, 0, 50).expect("sites").items[0];
        let motif: MotifId = store.list_site_motifs(&site.id).expect("motifs")[0]
            .0
            .id
            .parse()
            .expect("motif id");
        let (confirmed, released) =
            (0..8_usize).fold((0_i64, 0_i64), |(confirmed, released), n| {
                let (start, end, free) = first_slot(store, motif);
                let new = new_reservation(store, motif, start, end, 300 + n);
                let hold = hold_for(&new);
                let held: planipref_domain::ids::HoldId = store
                    .create_hold(&hold, &free)
                    .expect("held")
                    .id
                    .parse()
                    .expect("hold id");
                let barrier = Arc::new(Barrier::new(2));
                let (booked, given_up) = std::thread::scope(|s| {
                    let b = Arc::clone(&barrier);
                    let confirm = s.spawn(move || {
                        b.wait();
                        store.confirm_hold(held, &new, || reference(3000 + n as u64))
                    });
                    let b = Arc::clone(&barrier);
                    let release = s.spawn(move || {
                        b.wait();
                        store.release_hold(held, Utc::now(), 0)
                    });
                    (
                        confirm.join().expect("confirm"),
                        release.join().expect("release"),
                    )
                });
                match (&booked, &given_up) {
                    (Ok(_), Err(StoreError::NotFound)) => (confirmed + 1, released),
                    (Err(StoreError::NotFound), Ok(())) => (confirmed, released + 1),
                    other => panic!("{}: {other:?}", db.backend()),
                }
            });
        assert_eq!(confirmed + released, 8);
        assert_eq!(
            store.booking_integrity().expect("integrity"),
            planipref_store::Integrity::default(),
            "{}",
            db.backend()
        );
        assert_eq!(store.count_live_holds(Utc::now()).expect("holds"), 0);
        assert_eq!(store.count_reservations().expect("count"), confirmed);
    }
}

/// A closure (flagging what it covers) racing the move of an appointment
/// out of the closed time: the move and the flag happen one after the
/// other, so the moved appointment is never left flagged for rebooking.
#[test]
fn a_closure_racing_a_move_never_flags_the_moved_appointment() {
    for db in TestDb::each() {
        let store = db.store();
        seed_demo(store).expect("seed");
        let sites = store.list_sites(None, 0, 50).expect("sites").items;
        let (mut races, mut tried) = (0_usize, 0_usize);
        for site in &sites {
            for (motif, _) in store.list_site_motifs(&site.id).expect("motifs") {
                tried += 1;
                let motif_id: MotifId = motif.id.parse().expect("id");
                let zone: chrono_tz::Tz = site.time_zone.parse().expect("zone");
                // The appointment, and others filling its time, so that the
                // next free slot is at another time.
                let (start, end, free) = first_slot(store, motif_id);
                let mut booked = Vec::new();
                for (i, guichet) in free.iter().enumerate() {
                    let mut new =
                        new_reservation(store, motif_id, start, end, 5000 + tried * 50 + i);
                    new.time_zone = zone;
                    let n = (5000 + tried * 50 + i) as u64;
                    booked.push(
                        store
                            .create_reservation(&new, std::slice::from_ref(guichet), || {
                                reference(n)
                            })
                            .expect("booked"),
                    );
                }
                let moving = booked[0].clone();
                let (to_start, to_end, to_free) = first_slot(store, motif_id);
                assert_ne!(to_start, start, "another time");
                // On another guichet: the closure's is not the one the move
                // books.
                let to_free: Vec<GuichetId> = to_free
                    .into_iter()
                    .filter(|g| g.to_string() != moving.guichet_id)
                    .collect();
                if to_free.is_empty() {
                    continue;
                }
                let (closure, audit) =
                    guichet_closure(site, moving.guichet_id.clone(), (start, end), "Panne");
                let id: ReservationId = moving.id.parse().expect("reservation id");
                let barrier = Arc::new(Barrier::new(2));
                let (moved, closed) = std::thread::scope(|s| {
                    let b = Arc::clone(&barrier);
                    let to_free = &to_free;
                    let mover = s.spawn(move || {
                        let now = Utc::now();
                        let to = planipref_store::Move {
                            motif_id,
                            start: to_start,
                            end: to_end,
                            time_zone: zone,
                            actor: "agent:t",
                            reason: Some("avancé"),
                            now,
                            release_at: now,
                        };
                        b.wait();
                        store.reschedule_reservation(id, &to, to_free)
                    });
                    let b = Arc::clone(&barrier);
                    let close = s.spawn(move || {
                        b.wait();
                        store.create_fermeture(&closure, true, "agent:t", &audit)
                    });
                    (mover.join().expect("move"), close.join().expect("close"))
                });
                let moved = moved.expect("the move is outside the closure");
                let flagged = closed.expect("a flagging closure is written");
                assert!(flagged.len() <= 1, "{flagged:?}");
                let now = store
                    .find_reservation(&Reference::parse(&moved.reference).expect("reference"))
                    .expect("found")
                    .reservation;
                assert_eq!(planipref_store::from_db(now.starts_at), to_start);
                assert!(
                    !now.needs_rebooking,
                    "{}: moved out of the closure, yet flagged",
                    db.backend()
                );
                races += 1;
            }
        }
        assert!(races >= 5, "demo motifs raced: {races} of {tried}");
    }
}

#[test]
fn the_cleanup_deletes_expired_keys_and_holds_expired_for_over_an_hour() {
    use planipref_store::idempotency::Claim;
    use planipref_store::{CleanUp, EXPIRED_HOLDS_KEPT_MINUTES};
    for db in TestDb::each() {
        let store = db.store();
        seed_demo(store).expect("seed");
        let motif = remise_at_bobigny(store);
        let (start, end, free) = first_slot(store, motif);
        let now = Utc::now();
        let minutes = chrono::Duration::minutes;
        // One slot held three times in turn, each hold taken once the one
        // before had lapsed: long ago, half an hour ago, and now.
        let held_at = |at: DateTime<Utc>, n: usize| {
            let mut new = new_reservation(store, motif, start, end, n);
            new.now = at;
            let row = store.create_hold(&hold_for(&new), &free).expect("held");
            row.id
                .parse::<planipref_domain::ids::HoldId>()
                .expect("hold id")
        };
        let long_ago = held_at(now - minutes(EXPIRED_HOLDS_KEPT_MINUTES + 20), 1);
        let lately = held_at(now - minutes(40), 2);
        let live = held_at(now, 3);
        assert_eq!(
            store.booking_integrity().expect("integrity"),
            planipref_store::Integrity::default(),
            "a hold's units lapse with it"
        );
        let day = chrono::Duration::hours(24);
        let claimed = |key: &str, at: DateTime<Utc>| {
            store
                .claim_idempotency_key(key, "request", at, day)
                .expect("claim")
        };
        assert_eq!(claimed("expired", now - day - minutes(1)), Claim::Claimed);
        assert_eq!(claimed("kept", now - day + minutes(1)), Claim::Claimed);
        store
            .answer_idempotency_key("kept", 201, "sealed", None)
            .expect("answered");

        let done = store.clean_up(now).expect("cleanup");
        assert_eq!(
            done,
            CleanUp {
                holds: 1,
                idempotency_keys: 1
            },
            "{}",
            db.backend()
        );
        assert!(matches!(
            store.find_hold(long_ago),
            Err(StoreError::NotFound)
        ));
        // Expired half an hour ago: still there, so that confirming it is
        // told it expired; the live one still holds its slot.
        assert_eq!(
            store.find_hold(lately).expect("kept").id,
            lately.to_string()
        );
        assert_eq!(store.find_hold(live).expect("kept").id, live.to_string());
        assert_eq!(store.count_live_holds(now).expect("live"), 1);
        assert_eq!(
            claimed("kept", now),
            Claim::Answered {
                status: 201,
                sealed_body: "sealed".into(),
                location: None
            }
        );
        assert_eq!(store.clean_up(now).expect("again"), CleanUp::default());

        // Two hours on, both holds are gone, with the units the live one
        // had taken over from the others, and so is the key.
        let hold_units = || {
            store
                .with_conn(|c| {
                    use planipref_store::schema::guichet_occupancy as units;
                    units::table
                        .filter(units::hold_id.is_not_null())
                        .count()
                        .get_result::<i64>(c)
                        .map_err(StoreError::from)
                })
                .expect("units")
        };
        assert!(hold_units() > 0, "the live hold's units");
        let later = store.clean_up(now + minutes(120)).expect("later");
        assert_eq!((later.holds, later.idempotency_keys), (2, 1));
        for gone in [lately, live] {
            assert!(matches!(store.find_hold(gone), Err(StoreError::NotFound)));
        }
        assert_eq!(hold_units(), 0);
        assert_eq!(
            store.booking_integrity().expect("integrity"),
            planipref_store::Integrity::default()
        );
    }
}

#[test]
fn an_idempotency_key_answers_for_its_lifetime_then_is_free_again() {
    use planipref_domain::idempotency::LIFETIME_HOURS;
    use planipref_store::idempotency::{ABANDONED_AFTER_SECONDS, Claim};
    assert_eq!(LIFETIME_HOURS, 24, "the issue's lifetime");
    for db in TestDb::each() {
        let store = db.store();
        let lifetime = chrono::Duration::hours(LIFETIME_HOURS);
        let seconds = chrono::Duration::seconds;
        let t = Utc::now();
        let claim = |request: &str, at: DateTime<Utc>| {
            store
                .claim_idempotency_key("key", request, at, lifetime)
                .expect("claim")
        };
        assert_eq!(claim("first", t), Claim::Claimed);
        // Unanswered: in progress for anyone else, until its process is
        // taken for dead; then the next retry takes it over.
        assert_eq!(claim("first", t + seconds(30)), Claim::InProgress);
        let taken_over = t + seconds(ABANDONED_AFTER_SECONDS + 1);
        assert_eq!(claim("first", taken_over), Claim::Claimed);
        store
            .answer_idempotency_key("key", 201, "sealed", Some("/api/v1/reservations/X"))
            .expect("answer");
        let answered = Claim::Answered {
            status: 201,
            sealed_body: "sealed".into(),
            location: Some("/api/v1/reservations/X".into()),
        };
        let last_second = taken_over + lifetime - seconds(1);
        assert_eq!(claim("first", last_second), answered, "{}", db.backend());
        assert_eq!(claim("other", last_second), Claim::OtherRequest);
        // Past its lifetime the key is anyone's again, and the old answer
        // is gone.
        assert_eq!(claim("other", taken_over + lifetime), Claim::Claimed);
        assert_eq!(
            store.kept_idempotent_answers().expect("kept"),
            Vec::<String>::new()
        );
    }
}

#[test]
fn sqlite_is_analysed_once_when_it_has_no_statistics_and_again_on_demand() {
    for db in TestDb::each() {
        seed_demo(db.store()).expect("seed");
        let store = db.store();
        let sqlite = db.backend() == "sqlite";
        assert_eq!(
            store.refresh_statistics(Refresh::IfMissing).unwrap(),
            sqlite,
            "{}: only SQLite lacks statistics of its own",
            db.backend()
        );
        assert!(
            !store.refresh_statistics(Refresh::IfMissing).unwrap(),
            "{}: analysed once",
            db.backend()
        );
        assert!(store.refresh_statistics(Refresh::Always).unwrap());
        if sqlite {
            let analysed = store
                .with_conn(|c| {
                    #[derive(QueryableByName)]
                    struct N {
                        #[diesel(sql_type = diesel::sql_types::BigInt)]
                        n: i64,
                    }
                    let rows: Vec<N> = diesel::sql_query(
                        "SELECT count(*) AS n FROM sqlite_stat1 WHERE tbl = 'reservations'",
                    )
                    .load(c)?;
                    Ok(rows[0].n)
                })
                .unwrap();
            assert!(analysed > 0, "the reservations' indexes have statistics");
        }
    }
}

#[test]
fn an_imported_appointment_is_booked_with_its_mapping_or_not_at_all() {
    use planipref_store::imports::{ImportedFrom, kind};
    for db in TestDb::each() {
        let store = db.store();
        seed_demo(store).expect("seed");
        let motif = remise_at_bobigny(store);
        let (start, end, free) = first_slot(store, motif);
        let imported = |n: usize| {
            let mut new = new_reservation(store, motif, start, end, n);
            new.origin.imported = Some(ImportedFrom {
                kind: kind::RESERVATION,
                external_id: "RDV-1".into(),
                digest: "d1".into(),
            });
            new
        };
        let first = store
            .create_reservation(&imported(1), &free, || reference(1))
            .expect("imported");
        let mappings = store.imported(kind::RESERVATION).expect("mappings");
        assert_eq!(mappings["RDV-1"].object_id, first.id, "{}", db.backend());
        // The same line booked again (a second run racing the first): its
        // mapping is taken, so nothing is booked.
        let again = store.create_reservation(&imported(2), &free, || reference(2));
        assert!(again.is_err(), "{}: {again:?}", db.backend());
        assert_eq!(
            store.count_booked(motif).expect("count"),
            1,
            "{}",
            db.backend()
        );
        assert_eq!(
            store.imported(kind::RESERVATION).expect("mappings").len(),
            1
        );
    }
}

#[test]
fn an_imported_guichet_is_created_with_its_mapping_or_not_at_all() {
    use planipref_store::imports::{ImportedFrom, kind};
    for db in TestDb::each() {
        let store = db.store();
        seed_demo(store).expect("seed");
        let site = store
            .list_sites(Some("93"), 0, 10)
            .expect("sites")
            .items
            .remove(0)
            .id;
        let from = ImportedFrom {
            kind: kind::GUICHET,
            external_id: "G-1".into(),
            digest: "d".into(),
        };
        let create = |name: &str| {
            let row = planipref_store::models::GuichetRow {
                id: uuid::Uuid::new_v4().to_string(),
                site_id: site.clone(),
                name: name.into(),
                active: true,
                created_at: Utc::now().naive_utc(),
                active_from: None,
                active_until: None,
                channel: "public".into(),
                revision: 1,
            };
            let audit = planipref_store::AuditEntry {
                actor: "import".into(),
                departement: Some("93".into()),
                site_id: Some(site.clone()),
                entity: "guichet",
                entity_id: row.id.clone(),
                action: "created",
                before: None,
                after: None,
                at: Utc::now(),
            };
            store.create_guichet(&row, &[], (&audit, Some(&from)))
        };
        let before = store.list_guichets(&site, 0, 100).expect("guichets").total;
        create("Guichet importé 1").expect("created with its mapping");
        assert_eq!(store.imported(kind::GUICHET).expect("mappings").len(), 1);
        // The same line again (a second run racing the first): refused
        // whole, no second guichet.
        assert!(create("Guichet importé 2").is_err(), "{}", db.backend());
        let after = store.list_guichets(&site, 0, 100).expect("guichets").total;
        assert_eq!(after, before + 1, "{}", db.backend());
    }
}
