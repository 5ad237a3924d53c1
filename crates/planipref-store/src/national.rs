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

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, Utc, Weekday};
use chrono_tz::Tz;
use diesel::prelude::*;
use planipref_domain::DomainError;
use planipref_domain::calendar::closed_days;
use planipref_domain::departements::{DEPARTEMENTS_CSV, read_csv};
use planipref_domain::ids::DepartementCode;
use planipref_domain::occupancy::{UNIT_MINUTES, units};
use planipref_domain::orientation::parse_communes;
use planipref_domain::plage::Weekdays;
use planipref_domain::reference::Reference;
use planipref_domain::time::unique_instant;

use crate::db::{AnyConnection, insert_batch, write_transaction};
use crate::demo::{
    PREMIERE, REMISE, RENOUVELLEMENT, SeedMotif, demarche, motif_from_demarche, plage_row,
    prefecture_exists, time,
};
use crate::models::*;
use crate::orientation::COMMUNES_CSV;
use crate::schema::*;
use crate::{Store, StoreError, to_db};

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

impl Store {
    /// Writes every préfecture and sous-préfecture of the reference data
    /// (or of `options.departements`) that is not there yet, with services,
    /// motifs, guichets, plages and reservations (see the module's
    /// documentation), calling `progress` as it goes. Each préfecture is
    /// written whole or not at all; one already present is skipped.
    pub fn seed_national(
        &self,
        options: &NationalOptions,
        mut progress: impl FnMut(NationalProgress),
    ) -> Result<NationalReport, StoreError> {
        let started = Instant::now();
        check_options(options)?;
        let departements = selected(read_departements()?, options.departements.as_deref())?;
        self.with_conn(|c| {
            let demarches = MOTIFS
                .iter()
                .map(|(code, _)| demarche(c, code))
                .collect::<Result<Vec<_>, _>>()?;
            let mut skipped = Vec::new();
            let mut missing = Vec::new();
            for d in &departements {
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
                progress: &mut progress,
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

// ---------------------------------------------------------------------------
// Reference data

/// One row of `departements.csv`, as the seed uses it.
#[derive(Debug, Clone)]
struct Departement {
    code: String,
    name: String,
    /// Commune where the préfecture building is, and its INSEE code.
    prefecture_site: (String, String),
    time_zone: Tz,
    /// Sous-préfecture towns and their INSEE codes.
    sous_prefectures: Vec<(String, String)>,
    /// Its position in the file.
    index: u64,
}

/// A CSV file with a header: its records, and each column's position.
struct Table {
    name: &'static str,
    columns: HashMap<String, usize>,
    records: Vec<Vec<String>>,
}

impl Table {
    fn read(name: &'static str, text: &str) -> Result<Self, StoreError> {
        let corrupt = |e: String| StoreError::Corrupt(format!("reference/{name}: {e}"));
        let mut records = read_csv(text).map_err(corrupt)?.into_iter();
        let header = records.next().ok_or_else(|| corrupt("empty".into()))?;
        let records: Vec<Vec<String>> = records.collect();
        if let Some((i, r)) = records
            .iter()
            .enumerate()
            .find(|(_, r)| r.len() != header.len())
        {
            return Err(corrupt(format!(
                "record {}: {} fields, the header has {}",
                i + 1,
                r.len(),
                header.len()
            )));
        }
        Ok(Self {
            name,
            columns: header
                .into_iter()
                .enumerate()
                .map(|(i, h)| (h, i))
                .collect(),
            records,
        })
    }

    /// The position of `column`.
    fn column(&self, column: &str) -> Result<usize, StoreError> {
        self.columns.get(column).copied().ok_or_else(|| {
            StoreError::Corrupt(format!("reference/{}: no column {column}", self.name))
        })
    }
}

fn read_departements() -> Result<Vec<Departement>, StoreError> {
    let table = Table::read("departements.csv", DEPARTEMENTS_CSV)?;
    let [code, name, site, site_insee, zone, towns, codes] = [
        "code",
        "name",
        "prefecture_site",
        "prefecture_site_insee",
        "timezone",
        "sous_prefectures",
        "sous_prefectures_insee",
    ]
    .map(|c| table.column(c));
    let (code, name, site, site_insee, zone, towns, codes) =
        (code?, name?, site?, site_insee?, zone?, towns?, codes?);
    let list = |cell: &str| -> Vec<String> {
        cell.split(';')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    table
        .records
        .iter()
        .enumerate()
        .map(|(index, r)| {
            let corrupt = |e: &str| {
                StoreError::Corrupt(format!("reference/departements.csv, {}: {e}", r[code]))
            };
            let (towns, codes) = (list(&r[towns]), list(&r[codes]));
            if towns.len() != codes.len() {
                return Err(corrupt("sous-préfecture names and codes differ"));
            }
            let time_zone = planipref_domain::time::parse_time_zone(&r[zone])
                .ok_or_else(|| corrupt("unknown time zone"))?;
            if DepartementCode::parse(&r[code]).is_none() {
                return Err(corrupt("not a département code"));
            }
            Ok(Departement {
                code: r[code].clone(),
                name: r[name].clone(),
                prefecture_site: (r[site].clone(), r[site_insee].clone()),
                time_zone,
                sous_prefectures: towns.into_iter().zip(codes).collect(),
                index: index as u64,
            })
        })
        .collect()
}

/// The first postal code of every commune, by INSEE code.
fn read_postal_codes() -> Result<HashMap<String, String>, StoreError> {
    Ok(parse_communes(COMMUNES_CSV)
        .map_err(|e| StoreError::Corrupt(format!("reference/communes.csv: {e}")))?
        .into_iter()
        .filter_map(|c| Some((c.insee, c.postal_codes.into_iter().next()?)))
        .collect())
}

/// The départements asked for, in the reference file's order.
fn selected(
    all: Vec<Departement>,
    only: Option<&[String]>,
) -> Result<Vec<Departement>, StoreError> {
    let Some(only) = only else {
        return Ok(all);
    };
    let mut wanted = HashSet::new();
    for raw in only {
        let code = DepartementCode::parse(raw)
            .filter(|c| all.iter().any(|d| d.code == c.as_str()))
            .ok_or_else(|| {
                StoreError::Rejected(DomainError::invalid(
                    "departements",
                    format!("{raw:?} is not a département of the reference data"),
                ))
            })?;
        wanted.insert(code.as_str().to_owned());
    }
    Ok(all
        .into_iter()
        .filter(|d| wanted.contains(&d.code))
        .collect())
}

/// "de Lille", "d'Arras", "du Raincy", "des Sables-d'Olonne".
fn of_town(town: &str) -> String {
    if let Some(rest) = town.strip_prefix("Le ") {
        format!("du {rest}")
    } else if let Some(rest) = town.strip_prefix("Les ") {
        format!("des {rest}")
    } else if town.starts_with(['A', 'E', 'I', 'O', 'U', 'Y', 'É', 'È', 'Ê', 'Â', 'Î', 'Ô']) {
        format!("d'{town}")
    } else {
        format!("de {town}")
    }
}

// ---------------------------------------------------------------------------
// The generator

/// SplitMix64 (Steele, Lea and Flood, 2014): tiny, fast, and plenty for
/// synthetic data. Not for anything secret.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    /// A generator for one département and purpose: the same whatever else
    /// is seeded.
    fn for_departement(seed: u64, code: &str, stream: u64) -> Self {
        // FNV-1a of the code.
        let hash = code.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let mut rng = Self(seed ^ hash ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        rng.next_u64();
        rng
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
    }

    /// Uniform in `low..=high`.
    fn between(&mut self, (low, high): (u32, u32)) -> u32 {
        let span = u64::from(high.saturating_sub(low)) + 1;
        low + u32::try_from(((self.next_u64() >> 32) * span) >> 32).unwrap_or(0)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0; N];
        for chunk in out.chunks_mut(8) {
            let word = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        out
    }

    /// A time-ordered (version 7, RFC 9562) UUID: `millis`, then
    /// `counter` in the 42 bits the RFC allows for one, then 32 random
    /// bits. Rows written in that order append to their indexes instead of
    /// landing all over them.
    fn uuid_v7(&mut self, millis: u64, counter: u64) -> String {
        let mut b = [0_u8; 16];
        b[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
        let counter = counter & ((1 << 42) - 1);
        b[6] = 0x70 | ((counter >> 38) & 0x0f) as u8;
        b[7] = (counter >> 30) as u8;
        b[8] = 0x80 | ((counter >> 24) & 0x3f) as u8;
        b[9] = (counter >> 16) as u8;
        b[10] = (counter >> 8) as u8;
        b[11] = counter as u8;
        b[12..].copy_from_slice(&self.bytes::<4>());
        uuid::Uuid::from_bytes(b).to_string()
    }

    /// A random (version 4) UUID.
    fn uuid(&mut self) -> String {
        uuid::Builder::from_random_bytes(self.bytes())
            .into_uuid()
            .to_string()
    }
}

// ---------------------------------------------------------------------------
// Planning

/// One préfecture, ready to write.
#[derive(Debug)]
struct PrefecturePlan {
    code: String,
    row: PrefectureRow,
    sites: Vec<SitePlan>,
    counts: NationalCounts,
    /// Seed of the generator drawing identifiers and references.
    seed: u64,
    /// Index of the département in the reference file (applicants' names).
    index: u64,
}

#[derive(Debug)]
struct SitePlan {
    row: SiteRow,
    service: ServiceRow,
    motifs: Vec<SeedMotif>,
    guichets: Vec<GuichetPlan>,
    first_day: NaiveDate,
    bookings: Vec<Booking>,
}

#[derive(Debug)]
struct GuichetPlan {
    row: GuichetRow,
    /// Indexes into the site's motifs.
    motifs: Vec<usize>,
    plages: Vec<PlageRow>,
}

/// One appointment to write.
#[derive(Debug, Clone, Copy)]
struct Booking {
    guichet: u32,
    motif: u8,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

/// Afternoon days a guichet may open, one pattern per guichet.
const AFTERNOONS: &[&[Weekday]] = &[
    &[Weekday::Mon, Weekday::Tue, Weekday::Thu],
    &[Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu],
    &[Weekday::Tue, Weekday::Thu],
    &[Weekday::Mon, Weekday::Wed, Weekday::Fri],
];

/// The motif sets of guichets after the first two (which serve all three),
/// as indexes into [`MOTIFS`], with their weights.
const MOTIF_SETS: &[(&[usize], u32)] = &[
    (&[0, 1, 2], 40),
    (&[0, 1], 20),
    (&[1, 2], 15),
    (&[1], 10),
    (&[2], 15),
];

fn plan_prefecture(
    d: &Departement,
    postal_codes: &HashMap<String, String>,
    demarches: &[DemarcheRow],
    options: &NationalOptions,
) -> Result<PrefecturePlan, StoreError> {
    let mut rng = Rng::for_departement(options.seed, &d.code, 0);
    let now = to_db(options.now);
    let mut counts = NationalCounts {
        prefectures: 1,
        ..NationalCounts::default()
    };
    let departement = DepartementCode::parse(&d.code)
        .ok_or_else(|| StoreError::Corrupt(format!("département code {}", d.code)))?;
    let mut towns = vec![(
        "prefecture",
        match d.code.as_str() {
            "977" | "978" => {
                "Préfecture de Saint-Barthélemy et de Saint-Martin (Marigot)".to_owned()
            }
            _ => format!("Préfecture {}", of_town(&d.prefecture_site.0)),
        },
        &d.prefecture_site,
    )];
    for town in &d.sous_prefectures {
        towns.push((
            "sous_prefecture",
            format!("Sous-préfecture {}", of_town(&town.0)),
            town,
        ));
    }
    let mut sites = Vec::new();
    for (kind, name, (city, insee)) in towns {
        let postal_code = postal_codes.get(insee).cloned().ok_or_else(|| {
            StoreError::Corrupt(format!(
                "commune {insee} missing from reference/communes.csv"
            ))
        })?;
        let site_id = rng.uuid();
        let row = SiteRow {
            revision: 1,
            id: site_id.clone(),
            prefecture_code: d.code.clone(),
            kind: kind.to_owned(),
            name,
            address_line: if kind == "prefecture" {
                "Hôtel de la préfecture".to_owned()
            } else {
                "Hôtel de la sous-préfecture".to_owned()
            },
            postal_code,
            city: city.clone(),
            commune_insee: insee.clone(),
            time_zone: d.time_zone.name().to_owned(),
            created_at: now,
        };
        let service = ServiceRow {
            revision: 1,
            id: rng.uuid(),
            site_id: site_id.clone(),
            name: SERVICE.to_owned(),
            description: String::new(),
            created_at: now,
        };
        let motifs: Vec<SeedMotif> = demarches
            .iter()
            .map(|dm| motif_from_demarche(rng.uuid(), &service.id, dm, now))
            .collect();
        let site = plan_site(
            &mut rng,
            row,
            service,
            motifs,
            d.time_zone,
            &departement,
            options,
        )?;
        counts.sites += 1;
        counts.sous_prefectures += u64::from(kind == "sous_prefecture");
        counts.motifs += site.motifs.len() as u64;
        counts.guichets += site.guichets.len() as u64;
        counts.plages += site
            .guichets
            .iter()
            .map(|g| g.plages.len() as u64)
            .sum::<u64>();
        counts.reservations += site.bookings.len() as u64;
        counts.occupancy += site
            .bookings
            .iter()
            .map(|b| units(b.start, b.end).len() as u64)
            .sum::<u64>();
        sites.push(site);
    }
    Ok(PrefecturePlan {
        code: d.code.clone(),
        row: PrefectureRow {
            revision: 1,
            code: d.code.clone(),
            name: format!("Préfecture — {}", d.name),
            departement_name: d.name.clone(),
            created_at: now,
        },
        sites,
        counts,
        seed: Rng::for_departement(options.seed, &d.code, 1).next_u64(),
        index: d.index,
    })
}

fn plan_site(
    rng: &mut Rng,
    row: SiteRow,
    service: ServiceRow,
    motifs: Vec<SeedMotif>,
    tz: Tz,
    departement: &DepartementCode,
    options: &NationalOptions,
) -> Result<SitePlan, StoreError> {
    let now = to_db(options.now);
    let today = options.now.with_timezone(&tz).date_naive();
    let range = if row.kind == "prefecture" {
        PREFECTURE_GUICHETS
    } else {
        SOUS_PREFECTURE_GUICHETS
    };
    let morning = (
        [time(8, 0)?, time(8, 30)?, time(9, 0)?][rng.between((0, 2)) as usize],
        [time(12, 0)?, time(12, 30)?][rng.between((0, 1)) as usize],
    );
    let afternoon = [(time(13, 30)?, time(16, 0)?), (time(14, 0)?, time(16, 30)?)]
        [rng.between((0, 1)) as usize];
    let mut guichets = Vec::new();
    for n in 1..=rng.between(range) {
        let id = rng.uuid();
        let served = if n <= 2 {
            vec![0, 1, 2]
        } else {
            pick(rng, MOTIF_SETS).to_vec()
        };
        let mut plages = vec![plage_row(
            rng.uuid(),
            &id,
            Weekdays::WORKING_WEEK,
            morning,
            today,
            now,
        )?];
        if rng.chance(0.6) {
            let days = AFTERNOONS[rng.between((0, AFTERNOONS.len() as u32 - 1)) as usize];
            plages.push(plage_row(
                rng.uuid(),
                &id,
                Weekdays::of(days),
                afternoon,
                today,
                now,
            )?);
        }
        guichets.push(GuichetPlan {
            row: GuichetRow {
                revision: 1,
                id,
                site_id: row.id.clone(),
                name: format!("Guichet {n}"),
                active: true,
                created_at: now,
                active_from: None,
                active_until: None,
                channel: planipref_domain::channel::Channel::Public.code().to_owned(),
            },
            motifs: served,
            plages,
        });
    }
    let first_day = today
        .checked_add_days(Days::new(1))
        .ok_or_else(|| StoreError::Corrupt("date out of range".into()))?;
    let mut bookings = plan_bookings(rng, &guichets, &motifs, tz, departement, first_day, options)?;
    // Written guichet by guichet, in time order: each guichet's index
    // entries are then appended together.
    bookings.sort_by_key(|b| (b.guichet, b.start));
    Ok(SitePlan {
        row,
        service,
        motifs,
        guichets,
        first_day,
        bookings,
    })
}

/// How much busier or quieter than average a site is: 0.5 + 1.5 u² for u
/// uniform in [0, 1), so 1 on average, below 1 at most sites and up to 2
/// at a few, which are then full for their first weeks.
fn busyness(rng: &mut Rng) -> f64 {
    let u = rng.unit();
    0.5 + 1.5 * u * u
}

/// Picks one of `choices` in proportion to its weight.
fn pick<T: Copy>(rng: &mut Rng, choices: &[(T, u32)]) -> T {
    let total: u32 = choices.iter().map(|(_, w)| w).sum();
    let mut draw = rng.between((0, total.saturating_sub(1)));
    for (choice, weight) in choices {
        if draw < *weight {
            return *choice;
        }
        draw -= weight;
    }
    choices[0].0
}

/// The appointments of one site: every slot of every guichet, as the slot
/// engine lays them, booked or not by chance.
fn plan_bookings(
    rng: &mut Rng,
    guichets: &[GuichetPlan],
    motifs: &[SeedMotif],
    tz: Tz,
    departement: &DepartementCode,
    first_day: NaiveDate,
    options: &NationalOptions,
) -> Result<Vec<Booking>, StoreError> {
    let days = i64::from(options.weeks) * 7;
    let last_day = first_day
        .checked_add_days(Days::new(days.unsigned_abs() - 1))
        .ok_or_else(|| StoreError::Corrupt("date out of range".into()))?;
    let closed = closed_days(first_day, last_day, departement, &[]);
    let busyness = busyness(rng);
    // The national motifs leave their step unset: the engine steps by
    // their duration.
    let durations: Vec<i64> = motifs
        .iter()
        .map(|m| i64::from(m.duration_minutes))
        .collect();
    if durations
        .iter()
        .any(|d| *d <= 0 || d % i64::from(UNIT_MINUTES) != 0)
    {
        return Err(StoreError::Corrupt(
            "a démarche's duration is not a whole number of units".into(),
        ));
    }
    let mut out = Vec::new();
    for day in first_day.iter_days().take_while(|d| *d <= last_day) {
        if closed.binary_search(&day).is_ok() {
            continue;
        }
        let position = (day - first_day).num_days() as f64 / days as f64;
        let p = (options.fill * busyness * (1.5 - position)).clamp(0.0, 1.0);
        for (g, guichet) in guichets.iter().enumerate() {
            let weights: Vec<(usize, u32)> =
                guichet.motifs.iter().map(|m| (*m, MOTIFS[*m].1)).collect();
            for plage in &guichet.plages {
                let applies = Weekdays::from_bits(plage.weekdays)
                    .is_some_and(|w| w.contains(day.weekday()))
                    && day >= plage.valid_from;
                if !applies {
                    continue;
                }
                walk_plage(
                    rng,
                    (day.and_time(plage.start_time), day.and_time(plage.end_time)),
                    &weights,
                    &durations,
                    |rng, motif, local_start, minutes| {
                        let Some(start) = unique_instant(tz, local_start) else {
                            return;
                        };
                        let length = chrono::Duration::minutes(minutes);
                        let end = start + length;
                        // The engine offers no slot straddling a clock change.
                        if end.with_timezone(&tz).naive_local() != local_start + length {
                            return;
                        }
                        if rng.chance(p) {
                            out.push(Booking {
                                guichet: u32::try_from(g).unwrap_or(u32::MAX),
                                motif: u8::try_from(motif).unwrap_or(u8::MAX),
                                start,
                                end,
                            });
                        }
                    },
                );
            }
        }
    }
    Ok(out)
}

/// Walks one plage of one day, slot after slot without overlap, handing
/// each to `slot`: picks a motif the guichet serves by weight and takes its
/// next slot on the engine's grid (from the plage's start by the motif's
/// duration; when it no longer fits, the earliest slot of any motif);
/// should that slot start later, the time before it is first walked with
/// the earliest slots that end by then. Booking every slot so walked
/// leaves no gap where the guichet serves a motif that fits one.
fn walk_plage(
    rng: &mut Rng,
    (open, close): (NaiveDateTime, NaiveDateTime),
    weights: &[(usize, u32)],
    durations: &[i64],
    mut slot: impl FnMut(&mut Rng, usize, NaiveDateTime, i64),
) {
    let minutes = |m: usize| chrono::Duration::minutes(durations[m]);
    // The motif's first slot starting at or after `from` and ending by `until`.
    let next_slot = |m: usize, from: NaiveDateTime, until: NaiveDateTime| {
        let step = durations[m];
        let elapsed = (from - open).num_minutes();
        let k = elapsed.div_euclid(step) + i64::from(elapsed.rem_euclid(step) != 0);
        let start = open + chrono::Duration::minutes(k * step);
        (start + minutes(m) <= until).then_some(start)
    };
    // The earliest such slot of any motif, picking by weight among ties.
    let earliest = |rng: &mut Rng, from: NaiveDateTime, until: NaiveDateTime| {
        let next: Vec<(usize, u32, NaiveDateTime)> = weights
            .iter()
            .filter_map(|(m, w)| next_slot(*m, from, until).map(|s| (*m, *w, s)))
            .collect();
        let first = next.iter().map(|(_, _, s)| *s).min()?;
        let ties: Vec<(usize, u32)> = next
            .iter()
            .filter(|(_, _, s)| *s == first)
            .map(|(m, w, _)| (*m, *w))
            .collect();
        Some((pick(rng, &ties), first))
    };
    let mut cursor = open;
    loop {
        let chosen = pick(rng, weights);
        let Some((motif, start)) = next_slot(chosen, cursor, close)
            .map(|s| (chosen, s))
            .or_else(|| earliest(rng, cursor, close))
        else {
            break;
        };
        while let Some((m, s)) = earliest(rng, cursor, start) {
            cursor = s + minutes(m);
            slot(rng, m, s, durations[m]);
        }
        cursor = start + minutes(motif);
        slot(rng, motif, start, durations[motif]);
    }
}

// ---------------------------------------------------------------------------
// Writing

/// Inserts `rows` in as few statements as the bind-parameter limit allows
/// (`$columns`: the columns a row binds).
macro_rules! insert_all {
    ($c:expr, $table:expr, $rows:expr, $columns:expr) => {
        for chunk in $rows.chunks(MAX_BIND_PARAMS / $columns) {
            insert_batch!(&mut *$c, $table, chunk)?;
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

struct Writer<'a, P: FnMut(NationalProgress)> {
    now: NaiveDateTime,
    /// Milliseconds and counter of the next time-ordered identifier.
    id_clock: (u64, u64),
    /// References taken, in the database or by this run.
    references: &'a mut HashSet<String>,
    done: u64,
    total: u64,
    started: Instant,
    progress: &'a mut P,
}

impl<P: FnMut(NationalProgress)> Writer<'_, P> {
    /// Writes one préfecture; `false` (nothing written) when it exists.
    fn prefecture(
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
    use chrono::NaiveTime;

    #[test]
    fn the_reference_data_has_337_sites_in_104_prefectures() {
        let all = read_departements().expect("departements.csv");
        assert_eq!(all.len(), 104);
        let sites: usize = all.iter().map(|d| 1 + d.sous_prefectures.len()).sum();
        assert_eq!(sites, 337);
        let postal = read_postal_codes().expect("communes.csv");
        for d in &all {
            assert!(postal.contains_key(&d.prefecture_site.1), "{}", d.code);
            for (_, insee) in &d.sous_prefectures {
                assert!(postal.contains_key(insee), "{insee}");
            }
        }
        for d in &all {
            // The zone the seed gives its sites is one the site form accepts.
            let code = DepartementCode::parse(&d.code).expect("a code");
            assert!(
                planipref_domain::departements::time_zones(&code).contains(&d.time_zone),
                "{}",
                d.code
            );
        }
        let marigot = all.iter().find(|d| d.code == "977").expect("977");
        assert_eq!(marigot.prefecture_site.1, "97801");
        assert!(selected(all.clone(), Some(&["99".to_owned()])).is_err());
        let two = selected(all, Some(&["974".to_owned(), "2a".to_owned()])).expect("known");
        assert_eq!(
            two.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(),
            vec!["2A", "974"]
        );
    }

    #[test]
    fn towns_take_the_right_preposition() {
        assert_eq!(of_town("Le Raincy"), "du Raincy");
        assert_eq!(of_town("Les Sables-d'Olonne"), "des Sables-d'Olonne");
        assert_eq!(of_town("Arras"), "d'Arras");
        assert_eq!(of_town("Évry-Courcouronnes"), "d'Évry-Courcouronnes");
        assert_eq!(of_town("La Flèche"), "de La Flèche");
        assert_eq!(of_town("Bobigny"), "de Bobigny");
    }

    #[test]
    fn the_generator_is_deterministic_per_departement() {
        let mut a = Rng::for_departement(1, "62", 0);
        let mut b = Rng::for_departement(1, "62", 0);
        let mut c = Rng::for_departement(1, "974", 0);
        let (x, y, z) = (a.next_u64(), b.next_u64(), c.next_u64());
        assert_eq!(x, y);
        assert_ne!(x, z);
        let draws: Vec<u32> = (0..10_000).map(|_| a.between((3, 5))).collect();
        assert!(draws.iter().all(|d| (3..=5).contains(d)));
        assert!((3..=5).all(|v| draws.contains(&v)));
        assert!(a.uuid().parse::<uuid::Uuid>().is_ok());
    }

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

    #[test]
    fn a_plage_is_walked_on_each_motif_grid_without_overlap() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        let at = |h, m| day.and_time(NaiveTime::from_hms_opt(h, m, 0).expect("time"));
        let durations = [45, 30, 15];
        let weights = [(0, 30), (1, 45), (2, 25)];
        let mut rng = Rng(3);
        for _ in 0..200 {
            let mut slots = Vec::new();
            walk_plage(
                &mut rng,
                (at(8, 30), at(12, 0)),
                &weights,
                &durations,
                |_, m, start, minutes| slots.push((m, start, minutes)),
            );
            let mut end = at(8, 30);
            for (m, start, minutes) in &slots {
                assert_eq!(*minutes, durations[*m]);
                assert!(*start >= end, "no overlap");
                assert_eq!(
                    (*start - at(8, 30)).num_minutes() % minutes,
                    0,
                    "on the grid"
                );
                end = *start + chrono::Duration::minutes(*minutes);
                assert!(end <= at(12, 0));
            }
            assert!(!slots.is_empty());
            let booked: i64 = slots.iter().map(|(_, _, minutes)| minutes).sum();
            assert_eq!(booked, 210, "a guichet serving a 15-minute motif is packed");
        }
    }
}
