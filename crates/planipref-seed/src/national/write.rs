//! Writing one planned préfecture in one transaction: its organisation,
//! then its reservations in batches (PostgreSQL's `COPY`, SQLite's
//! multi-row inserts), each as the booking path writes one.

use std::collections::HashSet;
use std::time::Instant;

use chrono::{Days, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use planipref_domain::occupancy::units;
use planipref_domain::reference::Reference;
use planipref_store::db::AnyConnection;
use planipref_store::models::*;
use planipref_store::schema::*;
use planipref_store::{StoreError, to_db};

use super::NationalProgress;
use super::plan::{GuichetPlan, PrefecturePlan};
use super::rng::Rng;
use crate::rows::{SeedMotif, prefecture_exists};

/// Stored as the reservations' token hash: not a SHA-256 hex digest, so
/// that no management token can ever match it.
const NO_TOKEN_HASH: &str = "seed-national:no-management-token";
/// Who wrote the reservations, in their history.
const ACTOR: &str = "system";
/// The applicants' phone number.
const PHONE: &str = "+33600000000";
/// Most bind parameters in one statement (SQLite's limit; PostgreSQL's is
/// 65,535).
const MAX_BIND_PARAMS: usize = 32_766;
/// Reservations written per batch (and progress report).
const RESERVATIONS_PER_BATCH: usize = 1_000;

/// Inserts `rows` in as few statements as the bind-parameter limit allows
/// (`$columns`: the columns a row binds). Diesel's multi-backend
/// connection builds no multi-row insert: each backend runs its own.
macro_rules! insert_all {
    ($c:expr, $table:expr, $rows:expr, $columns:expr) => {
        for chunk in $rows.chunks(MAX_BIND_PARAMS / $columns) {
            match &mut *$c {
                AnyConnection::Postgresql(c) => {
                    diesel::insert_into($table).values(chunk).execute(c)?
                }
                AnyConnection::Sqlite(c) => diesel::insert_into($table).values(chunk).execute(c)?,
            };
        }
    };
}

/// Inserts many `rows`: with PostgreSQL's `COPY` (no SQL to parse, one
/// statement), with multi-row inserts on SQLite. The rows' type must name
/// every column it writes (no `Option` standing for a default).
macro_rules! bulk_insert {
    ($c:expr, $table:expr, $rows:expr, $columns:expr) => {
        match &mut *$c {
            AnyConnection::Postgresql(c) => {
                diesel::copy_from($table)
                    .from_insertable(&$rows)
                    .execute(c)?;
            }
            AnyConnection::Sqlite(_) => insert_all!($c, $table, $rows, $columns),
        }
    };
}

#[derive(Insertable)]
#[diesel(table_name = guichet_motifs)]
struct GuichetMotif<'a> {
    guichet_id: &'a str,
    motif_id: &'a str,
}

/// A reservation as the seed writes it (`cancelled_at` left null).
#[derive(Insertable)]
#[diesel(table_name = reservations, treat_none_as_default_value = false)]
struct SeedReservation<'a> {
    id: String,
    reference: String,
    token_hash: &'a str,
    site_id: &'a str,
    motif_id: &'a str,
    guichet_id: &'a str,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    status: &'a str,
    last_name: &'a str,
    first_names: String,
    birth_date: NaiveDate,
    email: String,
    phone: &'a str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    needs_rebooking: bool,
}
const RESERVATION_COLUMNS: usize = 17;

#[derive(Insertable)]
#[diesel(table_name = guichet_occupancy, treat_none_as_default_value = false)]
struct SeedOccupancy<'a> {
    guichet_id: &'a str,
    unit_start: NaiveDateTime,
    reservation_id: &'a str,
}

/// A history entry as the seed writes it (`detail` left null).
#[derive(Insertable)]
#[diesel(table_name = reservation_events, treat_none_as_default_value = false)]
struct SeedEvent<'a> {
    id: String,
    reservation_id: &'a str,
    occurred_at: NaiveDateTime,
    actor: &'a str,
    action: &'a str,
}

pub(super) struct Writer<'a, P: FnMut(NationalProgress)> {
    pub(super) now: NaiveDateTime,
    /// Milliseconds and counter of the next time-ordered identifier.
    pub(super) id_clock: (u64, u64),
    /// References taken, in the database or by this run.
    pub(super) references: &'a mut HashSet<String>,
    pub(super) done: u64,
    pub(super) total: u64,
    pub(super) started: Instant,
    pub(super) progress: &'a mut P,
}

impl<P: FnMut(NationalProgress)> Writer<'_, P> {
    /// Writes one préfecture; `false` (nothing written) when it exists.
    pub(super) fn prefecture(
        &mut self,
        c: &mut AnyConnection,
        plan: &PrefecturePlan,
    ) -> Result<bool, StoreError> {
        if prefecture_exists(c, &plan.code)? {
            return Ok(false);
        }
        diesel::insert_into(prefectures::table)
            .values(&plan.row)
            .execute(c)?;
        let sites: Vec<SiteRow> = plan.sites.iter().map(|s| s.row.clone()).collect();
        insert_all!(c, sites::table, sites, 10);
        let services: Vec<ServiceRow> = plan.sites.iter().map(|s| s.service.clone()).collect();
        insert_all!(c, services::table, services, 5);
        let motifs: Vec<SeedMotif> = plan
            .sites
            .iter()
            .flat_map(|s| s.motifs.iter().cloned())
            .collect();
        insert_all!(c, motifs::table, motifs, SeedMotif::COLUMNS);
        let guichets: Vec<&GuichetPlan> = plan.sites.iter().flat_map(|s| &s.guichets).collect();
        let rows: Vec<GuichetRow> = guichets.iter().map(|g| g.row.clone()).collect();
        insert_all!(c, guichets::table, rows, 7);
        let mut links = Vec::new();
        for site in &plan.sites {
            for g in &site.guichets {
                for m in &g.motifs {
                    let motif = site
                        .motifs
                        .get(*m)
                        .ok_or_else(|| StoreError::Corrupt(format!("national motif index {m}")))?;
                    links.push(GuichetMotif {
                        guichet_id: &g.row.id,
                        motif_id: &motif.id,
                    });
                }
            }
        }
        insert_all!(c, guichet_motifs::table, links, 2);
        let plages: Vec<PlageRow> = guichets
            .iter()
            .flat_map(|g| g.plages.iter().cloned())
            .collect();
        insert_all!(c, plages::table, plages, 8);

        let mut rng = Rng(plan.seed);
        let mut n = plan.index * 10_000_000;
        for site in &plan.sites {
            for batch in site.bookings.chunks(RESERVATIONS_PER_BATCH) {
                let mut rows = Vec::with_capacity(batch.len());
                for b in batch {
                    n += 1;
                    let guichet = site.guichets.get(b.guichet as usize);
                    let motif = site.motifs.get(usize::from(b.motif));
                    let (Some(guichet), Some(motif)) = (guichet, motif) else {
                        return Err(StoreError::Corrupt("national booking indexes".into()));
                    };
                    rows.push(SeedReservation {
                        id: self.next_id(&mut rng),
                        reference: self.new_reference(&mut rng),
                        token_hash: NO_TOKEN_HASH,
                        site_id: &site.row.id,
                        motif_id: &motif.id,
                        guichet_id: &guichet.row.id,
                        starts_at: to_db(b.start),
                        ends_at: to_db(b.end),
                        status: status::BOOKED,
                        last_name: "NATIONAL",
                        first_names: format!("Usager {}", letters(n)),
                        birth_date: birth_date(&mut rng),
                        email: format!("usager{n}@example.invalid"),
                        phone: PHONE,
                        created_at: self.now,
                        updated_at: self.now,
                        needs_rebooking: false,
                    });
                }
                let mut occupancy = Vec::new();
                let mut events = Vec::with_capacity(rows.len());
                for (r, b) in rows.iter().zip(batch) {
                    for unit in units(b.start, b.end) {
                        occupancy.push(SeedOccupancy {
                            guichet_id: r.guichet_id,
                            unit_start: to_db(unit),
                            reservation_id: &r.id,
                        });
                    }
                    events.push(SeedEvent {
                        id: self.next_id(&mut rng),
                        reservation_id: &r.id,
                        occurred_at: self.now,
                        actor: ACTOR,
                        action: "created",
                    });
                }
                bulk_insert!(c, reservations::table, rows, RESERVATION_COLUMNS);
                bulk_insert!(c, guichet_occupancy::table, occupancy, 3);
                bulk_insert!(c, reservation_events::table, events, 5);
                self.done += rows.len() as u64;
                (self.progress)(NationalProgress::Reservations {
                    done: self.done,
                    total: self.total,
                    elapsed: self.started.elapsed(),
                });
            }
        }
        Ok(true)
    }

    /// The next time-ordered identifier of a reservation or history entry.
    fn next_id(&mut self, rng: &mut Rng) -> String {
        let (millis, counter) = self.id_clock;
        self.id_clock.1 += 1;
        rng.uuid_v7(millis, counter)
    }

    /// A reference of the API's format that no reservation has.
    fn new_reference(&mut self, rng: &mut Rng) -> String {
        loop {
            if let Some(r) = Reference::from_random_bytes(&rng.bytes::<32>())
                && self.references.insert(r.as_str().to_owned())
            {
                return r.as_str().to_owned();
            }
        }
    }
}

/// `n` in letters (`a`…`z`, capitalised), for names that hold no digit.
fn letters(mut n: u64) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'a' + u8::try_from(n % 26).unwrap_or(0));
        n /= 26;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    if let Some(first) = out.first_mut() {
        first.make_ascii_uppercase();
    }
    String::from_utf8(out).unwrap_or_default()
}

/// A birth date between 1950 and 2007.
fn birth_date(rng: &mut Rng) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or_default();
    first
        .checked_add_days(Days::new(u64::from(rng.between((0, 58 * 365)))))
        .unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applicants_pass_the_booking_form_rules() {
        let mut rng = Rng(7);
        let n = 7_400_000_123;
        let applicant = planipref_domain::applicant::Applicant::parse(
            planipref_domain::applicant::ApplicantInput {
                last_name: "NATIONAL",
                first_names: &format!("Usager {}", letters(n)),
                birth_date: &birth_date(&mut rng).to_string(),
                email: &format!("usager{n}@example.invalid"),
                phone: PHONE,
                nationality: None,
                file_number: None,
            },
            NaiveDate::from_ymd_opt(2026, 11, 28).expect("date"),
        );
        assert!(applicant.is_ok(), "{applicant:?}");
        assert_eq!(letters(0), "A");
        assert_eq!(letters(27), "Bb");
        assert!(!planipref_domain::reference::token_matches(
            NO_TOKEN_HASH,
            ""
        ));
    }
}
