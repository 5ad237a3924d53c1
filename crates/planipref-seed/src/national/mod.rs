//! The national seed (`planipref seed --national`): every préfecture and
//! sous-préfecture of France with its counters, opening hours and about a
//! million booked appointments, for load measurements of orientation and
//! of the slot engine.
//!
//! Sites come from `reference/departements.csv` (INSEE COG 2026 via
//! Etalab's `@etalab/decoupage-administratif` 6.0.0, Licence Ouverte; see
//! `reference/SOURCES.md`): per row, the préfecture at
//! `prefecture_site_insee` and one sous-préfecture per town of
//! `sous_prefectures_insee`, in the row's `timezone`; 337 sites in all.
//! Postal codes come from `reference/communes.csv` (same source). Street
//! addresses are not in the reference data: sites read "Hôtel de la
//! préfecture". No competence is declared: orientation's default (the
//! sous-préfecture of the applicant's arrondissement, else the préfecture)
//! applies, as for a préfecture that has set nothing.
//!
//! Saint-Barthélemy (977) and Saint-Martin (978) share one préfecture, at
//! Marigot (commune of Saint-Martin, 97801). Both are préfectures here, as
//! applicants are oriented by their collectivité's code: 978 has its site
//! at Marigot, and 977 has a second site at that same address under
//! préfecture 977 (in 977's time zone, the same UTC−4). Its commune is
//! then not one of 977, which the API's site form would refuse; the seed
//! writes it as the reference data describe it.
//!
//! Everything else is synthetic, drawn from a small deterministic
//! generator seeded per département (`--seed`), so a département gets the
//! same organisation and bookings whatever else is seeded with it (its
//! dates follow the day it runs):
//! * each site has a "Bureau du séjour des étrangers" with three motifs
//!   following national démarches (first residence permit, renewal, handing
//!   over of the permit: 45, 30 and 15 minutes unless the catalogue says
//!   otherwise), as the demo's;
//! * about 23 guichets at a préfecture and 11 at a sous-préfecture (about
//!   5,000 in all), each serving one to three of those motifs;
//! * plages from today: every guichet opens Monday to Friday mornings (from
//!   08:00, 08:30 or 09:00 to 12:00 or 12:30, per site), most also some
//!   afternoons (13:30–16:00 or 14:00–16:30);
//! * reservations on the working days (public holidays of the département
//!   excepted) of the next `weeks` weeks from tomorrow, laid exactly on the
//!   slot engine's grid: from each plage's start, stepping by the motif's
//!   duration while the appointment fits, local times read in the site's
//!   zone, none at a local time that does not exist or exists twice. Each
//!   guichet's plages are walked slot after slot (motifs picked by weight,
//!   gaps their grids leave walked with shorter motifs, so that a guichet
//!   booked throughout has no gap left), and each slot is booked with a
//!   probability that falls linearly from 1.5 × `fill` on the first day to
//!   0.5 × `fill` on the last, times a busyness of the site (1 on average,
//!   below at most sites, up to 2 at a few; the probability is capped at
//!   1): the busiest sites are full for their first days or weeks, as real
//!   préfectures are.
//!
//! Each reservation is written as the booking path writes one: its row
//! (status booked, a reference of the API's format, unique), one occupancy
//! row per 5-minute unit of its guichet, and a "created" history entry.
//! Applicants are fake (`NATIONAL`, `usager…@example.invalid`) and nobody
//! can manage these reservations: their token hash is not a SHA-256 hex
//! digest, so no token ever matches it.
//!
//! Each préfecture is written in one transaction, whole or not at all; one
//! already present is left untouched, so running the seed again (or after
//! the demo) writes only what is missing.

mod plan;
mod reference;
mod rng;
mod write;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use planipref_domain::DomainError;
use planipref_store::db::{AnyConnection, write_transaction};
use planipref_store::schema::*;
use planipref_store::{Store, StoreError, to_db};

use crate::rows::{PREMIERE, REMISE, RENOUVELLEMENT, demarche, prefecture_exists};
use plan::plan_prefecture;
use reference::{read_departements, read_postal_codes, selected};
use write::Writer;

/// Weeks of reservations unless told otherwise.
pub const DEFAULT_WEEKS: u32 = 8;
/// Most weeks of reservations (half a year; past a motif's booking window,
/// 90 days by default, the engine offers no slot anyway).
pub const MAX_WEEKS: u32 = 26;
/// Share of slots booked on average unless told otherwise: about a million
/// reservations over [`DEFAULT_WEEKS`] weeks.
pub const DEFAULT_FILL: f64 = 0.47;
/// The generator's seed unless told otherwise.
pub const DEFAULT_SEED: u64 = 2026;

/// The service every site gets.
const SERVICE: &str = "Bureau du séjour des étrangers";
/// Démarches of the three motifs, with how often each is picked when a
/// guichet serves several (gaps left by their grids are then walked with
/// shorter motifs, which adds to their share).
const MOTIFS: [(&str, u32); 3] = [(PREMIERE, 30), (RENOUVELLEMENT, 45), (REMISE, 25)];
/// Guichets at a préfecture: uniformly within this range (mean 23).
const PREFECTURE_GUICHETS: (u32, u32) = (18, 28);
/// Guichets at a sous-préfecture: uniformly within this range (mean 11).
const SOUS_PREFECTURE_GUICHETS: (u32, u32) = (8, 14);

/// What to seed.
#[derive(Debug, Clone)]
pub struct NationalOptions {
    /// Weeks of reservations, from tomorrow (1 to [`MAX_WEEKS`]).
    pub weeks: u32,
    /// Average share of slots booked (0 to 1).
    pub fill: f64,
    /// Seed of the pseudo-random generator.
    pub seed: u64,
    /// Only these départements (codes such as `62`, `2A`, `974`); all when
    /// `None`.
    pub departements: Option<Vec<String>>,
    /// The current instant: plages apply from today, reservations start
    /// tomorrow (local days at each site).
    pub now: DateTime<Utc>,
}

impl Default for NationalOptions {
    fn default() -> Self {
        Self {
            weeks: DEFAULT_WEEKS,
            fill: DEFAULT_FILL,
            seed: DEFAULT_SEED,
            departements: None,
            now: Utc::now(),
        }
    }
}

/// How many rows of each kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NationalCounts {
    /// Préfectures.
    pub prefectures: u64,
    /// Sites (préfectures and sous-préfectures).
    pub sites: u64,
    /// Of which sous-préfectures.
    pub sous_prefectures: u64,
    /// Motifs.
    pub motifs: u64,
    /// Guichets.
    pub guichets: u64,
    /// Plages.
    pub plages: u64,
    /// Reservations.
    pub reservations: u64,
    /// Occupancy rows (5-minute units of guichet time booked).
    pub occupancy: u64,
}

impl NationalCounts {
    fn add(&mut self, other: &Self) {
        self.prefectures += other.prefectures;
        self.sites += other.sites;
        self.sous_prefectures += other.sous_prefectures;
        self.motifs += other.motifs;
        self.guichets += other.guichets;
        self.plages += other.plages;
        self.reservations += other.reservations;
        self.occupancy += other.occupancy;
    }
}

/// How the seed is going, for a progress display.
#[derive(Debug, Clone)]
pub enum NationalProgress {
    /// Everything is planned, nothing written yet.
    Planned {
        /// What will be written.
        to_write: NationalCounts,
        /// Préfectures already present, left untouched.
        skipped: Vec<String>,
        /// First day of reservations (the earliest local "tomorrow").
        first_day: Option<NaiveDate>,
    },
    /// One préfecture committed.
    Written {
        /// Its code.
        code: String,
    },
    /// Reservations written so far.
    Reservations {
        /// Written (committed or about to be).
        done: u64,
        /// Planned in all.
        total: u64,
        /// Since the seed started.
        elapsed: Duration,
    },
}

/// What the national seed did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NationalReport {
    /// Préfectures created by this run.
    pub created: Vec<String>,
    /// Préfectures already present, left untouched.
    pub skipped: Vec<String>,
    /// Rows written.
    pub written: NationalCounts,
    /// How long it took.
    pub elapsed: Duration,
}

/// Writes every préfecture and sous-préfecture of the reference data
/// (or of `options.departements`) that is not there yet, with services,
/// motifs, guichets, plages and reservations (see the module's
/// documentation), calling `progress` as it goes. Each préfecture is
/// written whole or not at all; one already present is skipped.
pub fn seed_national(
    store: &Store,
    options: &NationalOptions,
    mut progress: impl FnMut(NationalProgress),
) -> Result<NationalReport, StoreError> {
    let started = Instant::now();
    check_options(options)?;
    let departements = selected(read_departements()?, options.departements.as_deref())?;
    let report = write_national(store, &departements, options, &mut progress, started)?;
    // A bulk load: the planner's statistics are out of date at once.
    if !report.created.is_empty() {
        store.refresh_statistics(planipref_store::Refresh::Always)?;
    }
    Ok(report)
}

/// Writes the préfectures of `departements` not present yet.
fn write_national(
    store: &Store,
    departements: &[reference::Departement],
    options: &NationalOptions,
    progress: &mut impl FnMut(NationalProgress),
    started: Instant,
) -> Result<NationalReport, StoreError> {
    store.with_conn(|c| {
        let demarches = MOTIFS
            .iter()
            .map(|(code, _)| demarche(c, code))
            .collect::<Result<Vec<_>, _>>()?;
        let mut skipped = Vec::new();
        let mut missing = Vec::new();
        for d in departements {
            if prefecture_exists(c, &d.code)? {
                skipped.push(d.code.clone());
            } else {
                missing.push(d);
            }
        }
        let postal_codes = if missing.is_empty() {
            HashMap::new()
        } else {
            read_postal_codes()?
        };
        let mut plans = Vec::new();
        let mut to_write = NationalCounts::default();
        for d in missing {
            let plan = plan_prefecture(d, &postal_codes, &demarches, options)?;
            to_write.add(&plan.counts);
            plans.push(plan);
        }
        let first_day = plans
            .iter()
            .flat_map(|p| &p.sites)
            .map(|s| s.first_day)
            .min();
        progress(NationalProgress::Planned {
            to_write,
            skipped: skipped.clone(),
            first_day,
        });
        let mut references = if plans.is_empty() {
            HashSet::new()
        } else {
            reservations::table
                .select(reservations::reference)
                .load::<String>(c)?
                .into_iter()
                .collect()
        };
        let mut writer = Writer {
            now: to_db(options.now),
            id_clock: (u64::try_from(Utc::now().timestamp_millis()).unwrap_or(0), 0),
            references: &mut references,
            done: 0,
            total: to_write.reservations,
            started,
            progress: &mut *progress,
        };
        let mut created = Vec::new();
        let mut written = NationalCounts::default();
        sqlite_bulk_settings(c, true)?;
        for plan in &plans {
            let wrote = write_transaction(c, |c| writer.prefecture(c, plan));
            let wrote = match wrote {
                Ok(wrote) => wrote,
                Err(e) => {
                    sqlite_bulk_settings(c, false)?;
                    return Err(e);
                }
            };
            if wrote {
                created.push(plan.code.clone());
                written.add(&plan.counts);
                (writer.progress)(NationalProgress::Written {
                    code: plan.code.clone(),
                });
            } else {
                // Created by someone else since it was planned.
                skipped.push(plan.code.clone());
                writer.total = writer.total.saturating_sub(plan.counts.reservations);
            }
        }
        sqlite_bulk_settings(c, false)?;
        Ok(NationalReport {
            created,
            skipped,
            written,
            elapsed: started.elapsed(),
        })
    })
}

/// For bulk writes (`on`), a SQLite connection keeps up to 256 MiB of
/// pages and its statement journals in memory: the seed's large
/// transactions then mostly stay off the disk until they commit. Off:
/// SQLite's defaults again (which the pool's connections keep).
fn sqlite_bulk_settings(c: &mut AnyConnection, on: bool) -> Result<(), StoreError> {
    use diesel::connection::SimpleConnection;
    if let AnyConnection::Sqlite(c) = c {
        c.batch_execute(if on {
            "PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY;"
        } else {
            "PRAGMA cache_size = -2000; PRAGMA temp_store = DEFAULT;"
        })?;
    }
    Ok(())
}

fn check_options(options: &NationalOptions) -> Result<(), StoreError> {
    if !(1..=MAX_WEEKS).contains(&options.weeks) {
        return Err(StoreError::Rejected(DomainError::invalid(
            "weeks",
            format!("must be between 1 and {MAX_WEEKS}"),
        )));
    }
    if !(0.0..=1.0).contains(&options.fill) {
        return Err(StoreError::Rejected(DomainError::invalid(
            "fill",
            "must be between 0 and 1",
        )));
    }
    Ok(())
}
