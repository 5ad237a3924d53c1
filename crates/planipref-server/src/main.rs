//! `planipref`: the appointment engine's server and its administration
//! commands. Configuration comes from `PLANIPREF_*` variables (see
//! `.env.example`); logs go to stderr, filtered by `RUST_LOG`.

mod config;
mod import;
mod serve;
mod shutdown;
mod tasks;
mod telemetry;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use planipref_seed::national;
use planipref_store::Store;

use crate::config::Config;

/// Planipref: the appointment engine of French préfectures and sous-préfectures.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (and Swagger UI) on PLANIPREF_BIND; applies pending
    /// migrations first unless PLANIPREF_AUTO_MIGRATE=false.
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Write demonstration or load-test data; running it again changes
    /// nothing. Refused in production.
    Seed {
        /// The demo: Seine-Saint-Denis (Bobigny, Le Raincy, Saint-Denis) and La Réunion.
        #[arg(long, conflicts_with = "national")]
        demo: bool,
        /// For load measurements: every préfecture and sous-préfecture of
        /// reference/departements.csv with services, motifs, about 5,000
        /// guichets, plages and about a million reservations over the coming
        /// weeks (fake applicants). Préfectures already present are skipped.
        #[arg(long)]
        national: bool,
        /// With --national: weeks of reservations, from tomorrow.
        #[arg(long, default_value_t = national::DEFAULT_WEEKS, requires = "national")]
        weeks: u32,
        /// With --national: average share of slots booked, 0 to 1 (1.5 times
        /// that on the first day, falling to half of it on the last).
        #[arg(long, default_value_t = national::DEFAULT_FILL, requires = "national")]
        fill: f64,
        /// With --national: seed of the pseudo-random generator (same seed
        /// and day, same data).
        #[arg(long, default_value_t = national::DEFAULT_SEED, requires = "national")]
        seed: u64,
        /// With --national: only these départements, comma-separated (e.g. 62,974).
        #[arg(long, value_delimiter = ',', requires = "national")]
        departements: Option<Vec<String>>,
    },
    /// Mint a development token for an agent (refused in production, and
    /// with RS256/ES256, whose tokens come from the identity provider).
    Token {
        /// `agent`, `admin_prefecture`, `admin_national` or `intermediary`.
        #[arg(long)]
        role: String,
        /// Site ids (agent) or département codes (admin_prefecture,
        /// intermediary), comma-separated.
        #[arg(long, value_delimiter = ',')]
        scope: Vec<String>,
        /// Lifetime: seconds, or a number followed by m, h or d.
        #[arg(long, default_value = "8h")]
        ttl: String,
        /// The agent's id (`sub`).
        #[arg(long, default_value = "dev-agent")]
        sub: String,
        /// The agent's display name.
        #[arg(long, default_value = "Agent de développement")]
        name: String,
        /// The accredited organisation (role `intermediary`).
        #[arg(long)]
        organisation: Option<String>,
    },
    /// Erase what is past its retention (applicants' identities, messages,
    /// the audit trail: see docs/retention.md), as the hourly task does,
    /// and print the counts.
    Purge {
        /// Count what would be erased (the first round), erase nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Bring plannings or coming appointments from the module Planipref
    /// replaces, from its CSV exports (columns in docs/imports.md). The
    /// file is checked whole first: every bad line is reported and nothing
    /// is written. Running it again creates nothing twice.
    Import {
        /// What the file holds.
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Make a national hub's shared token: prints the token (give it to the
    /// hub, over a safe channel) and its `PLANIPREF_HUBS` entry (the
    /// token's SHA-256 digest: what the deployment keeps). Nothing is
    /// written.
    HubToken {
        /// The hub's name (`ants`): lower-case letters, digits, hyphens.
        name: String,
    },
    /// Print the OpenAPI document (or write it to a file).
    Openapi {
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

/// What `planipref import` reads.
#[derive(Debug, Subcommand)]
enum ImportWhat {
    /// Guichets and plages at Planipref's sites, one plage per line.
    Plannings {
        /// The CSV file.
        file: PathBuf,
        /// Check and report what would be created; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Coming appointments, one per line.
    Reservations {
        /// The CSV file.
        file: PathBuf,
        /// Check and report what would be created; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Where each imported appointment's new management token is
        /// written, once, for mailing (a new file, readable by its owner
        /// only). Required unless --dry-run.
        #[arg(long, required_unless_present = "dry_run")]
        tokens_out: Option<PathBuf>,
    },
}

/// Why a command did not do its work.
#[derive(Debug)]
enum Failure {
    /// It failed: bad configuration, database out of reach… (exit code 1).
    Failed(String),
    /// It is not allowed here: a development command under
    /// `PLANIPREF_ENV=production` (exit code 2, so that a script can tell a
    /// refusal from a fault).
    Refused(String),
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Self::Failed(message)
    }
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    let (message, code) = match run(cli.command) {
        Ok(()) => return ExitCode::SUCCESS,
        Err(Failure::Failed(message)) => (message, ExitCode::FAILURE),
        Err(Failure::Refused(message)) => (message, ExitCode::from(2)),
    };
    log::error!("{message}");
    eprintln!("planipref: {message}");
    code
}

/// Why `command` must not run in production, if it must not: development
/// tokens are signed with a secret the identity provider does not hold,
/// and seeds write demonstration préfectures or fake applicants among real
/// ones.
fn refused_in_production(command: &Command) -> Option<String> {
    let what = match command {
        Command::Token { .. } => "mint a token",
        Command::Seed { national: true, .. } => "seed --national",
        Command::Seed { demo: true, .. } => "seed --demo",
        Command::Seed { .. } => "seed",
        Command::Serve
        | Command::Migrate
        | Command::Purge { .. }
        | Command::Import { .. }
        | Command::HubToken { .. }
        | Command::Openapi { .. } => {
            return None;
        }
    };
    Some(format!("refusing to {what}: PLANIPREF_ENV is production"))
}

/// Runs an import and prints its report; fails when a line was refused.
fn run_import(store: &Store, config: &Config, what: &ImportWhat) -> Result<(), Failure> {
    migrate(store)?;
    let now = config.clock_start.unwrap_or_else(chrono::Utc::now);
    let report = match what {
        ImportWhat::Plannings { file, dry_run } => {
            import::import_plannings(store, file, *dry_run, now)?
        }
        ImportWhat::Reservations {
            file,
            dry_run,
            tokens_out,
        } => import::import_reservations(store, file, (*dry_run, tokens_out.as_deref()), now)?,
    };
    #[allow(clippy::print_stdout)]
    {
        print!("{}", report.render());
    }
    if report.errors.is_empty() {
        Ok(())
    } else {
        Err(Failure::Failed(format!(
            "{} line(s) refused",
            report.errors.len()
        )))
    }
}

fn run(command: Command) -> Result<(), Failure> {
    if let Command::Openapi { output } = command {
        return Ok(write_openapi(output)?);
    }
    if let Command::HubToken { name } = &command {
        return Ok(print_hub_token(name)?);
    }
    let config = Config::from_env().map_err(|e| e.to_string())?;
    // Before the database is opened: a refused command writes nothing.
    if config.environment == config::Environment::Production
        && let Some(refusal) = refused_in_production(&command)
    {
        return Err(Failure::Refused(refusal));
    }
    if let Command::Token {
        role,
        scope,
        ttl,
        sub,
        name,
        organisation,
    } = &command
    {
        let token = mint_token(
            &config,
            (role, scope, organisation.as_deref()),
            ttl,
            (sub, name),
        )?;
        #[allow(clippy::print_stdout)]
        {
            println!("{token}");
        }
        return Ok(());
    }
    let store = Store::open(&config.database_url, &config.pool).map_err(|e| e.to_string())?;
    match command {
        Command::Serve => Ok(serve::serve(config, store)?),
        Command::Migrate => Ok(migrate(&store)?),
        Command::Seed {
            demo,
            national,
            weeks,
            fill,
            seed,
            departements,
        } => {
            if national {
                migrate(&store)?;
                return Ok(seed_national(
                    &store,
                    &national::NationalOptions {
                        weeks,
                        fill,
                        seed,
                        departements,
                        now: chrono::Utc::now(),
                    },
                )?);
            }
            if !demo {
                return Err(Failure::Failed(
                    "say what to seed: --demo or --national".into(),
                ));
            }
            migrate(&store)?;
            let report =
                planipref_seed::seed_demo(&store).map_err(|e| format!("seed failed: {e}"))?;
            log::info!(
                "demo préfectures created: {:?}; already present: {:?}",
                report.created,
                report.skipped
            );
            Ok(())
        }
        Command::Purge { dry_run } => {
            // The server's clock (PLANIPREF_CLOCK_START, for rehearsals).
            let now = config.clock_start.unwrap_or_else(chrono::Utc::now);
            let purged =
                tasks::purge_all(&store, now, dry_run).map_err(|e| format!("purge failed: {e}"))?;
            #[allow(clippy::print_stdout)]
            {
                let verb = if dry_run { "would erase" } else { "erased" };
                println!(
                    "{verb}: {} identities, {} convocations, {} messages, {} audit entries pseudonymised, {} audit entries deleted",
                    purged.identities,
                    purged.convocations,
                    purged.messages,
                    purged.audit_pseudonymised,
                    purged.audit_deleted
                );
            }
            Ok(())
        }
        Command::Import { what } => run_import(&store, &config, &what),
        Command::Openapi { .. } | Command::Token { .. } | Command::HubToken { .. } => Ok(()),
    }
}

fn mint_token(
    config: &Config,
    (role, scope, organisation): (&str, &[String], Option<&str>),
    ttl: &str,
    (sub, name): (&str, &str),
) -> Result<String, String> {
    planipref_domain::access::Agent::from_claims(sub, name, (role, scope), organisation)
        .map_err(|e| e.to_string())?;
    let seconds = parse_ttl(ttl).ok_or_else(|| {
        format!("--ttl {ttl:?}: expected seconds or a number followed by m, h or d")
    })?;
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0);
    let claims = planipref_api::security::agent::Claims {
        sub: sub.to_owned(),
        name: name.to_owned(),
        role: role.to_owned(),
        scope: scope.to_vec(),
        organisation: organisation.map(str::to_owned),
        iss: config.auth.issuer.clone(),
        aud: config.auth.audience.clone().into(),
        exp: now + seconds,
        nbf: Some(now),
        iat: Some(now),
    };
    planipref_api::security::agent::Minter::new(&config.auth)?.mint(&claims)
}

/// `90`, `30m`, `8h`, `2d` → seconds (at most 30 days).
fn parse_ttl(raw: &str) -> Option<u64> {
    let raw = raw.trim();
    let (number, unit) = match raw.char_indices().last()? {
        (i, 'm') => (&raw[..i], 60),
        (i, 'h') => (&raw[..i], 3600),
        (i, 'd') => (&raw[..i], 86_400),
        _ => (raw, 1),
    };
    let seconds = number.parse::<u64>().ok()?.checked_mul(unit)?;
    (1..=30 * 86_400).contains(&seconds).then_some(seconds)
}

/// Runs the national seed, telling its progress on stderr: the plan
/// (sites, guichets, plages, reservations), then reservations written at
/// least every two seconds, then totals.
fn seed_national(store: &Store, options: &national::NationalOptions) -> Result<(), String> {
    use national::NationalProgress;
    let every = std::time::Duration::from_secs(2);
    let mut last_line: Option<std::time::Instant> = None;
    let report = national::seed_national(store, options, |p| match p {
        NationalProgress::Planned {
            to_write: n,
            skipped,
            first_day,
        } => {
            if !skipped.is_empty() {
                eprintln!(
                    "préfectures already present, skipped: {}",
                    skipped.join(", ")
                );
            }
            eprintln!(
                "sites: {} to write ({} préfectures, {} sous-préfectures), {} motifs",
                n.sites, n.prefectures, n.sous_prefectures, n.motifs
            );
            eprintln!("guichets: {}", n.guichets);
            eprintln!("plages: {}", n.plages);
            eprintln!(
                "reservations: {} planned ({} occupancy units), {} weeks from {}, fill {}, seed {}",
                n.reservations,
                n.occupancy,
                options.weeks,
                first_day.map_or_else(|| "-".to_owned(), |d| d.to_string()),
                options.fill,
                options.seed
            );
        }
        NationalProgress::Written { code } => log::debug!("préfecture {code} written"),
        NationalProgress::Reservations {
            done,
            total,
            elapsed,
        } => {
            if done == total || last_line.is_none_or(|t| t.elapsed() >= every) {
                last_line = Some(std::time::Instant::now());
                let percent = (done * 100).checked_div(total).unwrap_or(100);
                eprintln!(
                    "reservations {done}/{total} ({percent} %), {:.1} s",
                    elapsed.as_secs_f64()
                );
            }
        }
    })
    .map_err(|e| format!("national seed failed: {e}"))?;
    let n = report.written;
    log::info!(
        "national seed done in {:.1} s: {} préfectures created, {} sites, {} guichets, \
         {} plages, {} reservations, {} occupancy rows; already present: {:?}",
        report.elapsed.as_secs_f64(),
        report.created.len(),
        n.sites,
        n.guichets,
        n.plages,
        n.reservations,
        n.occupancy,
        report.skipped
    );
    Ok(())
}

fn migrate(store: &Store) -> Result<(), String> {
    let applied = store
        .migrate()
        .map_err(|e| format!("migrations on {} failed: {e}", store.describe()))?;
    if applied.is_empty() {
        log::info!("database {} is up to date", store.describe());
    } else {
        log::info!("applied migrations {applied:?} to {}", store.describe());
    }
    // Reference data embedded in the binary follows the migrations: a new
    // release brings the new COG with it.
    match store.sync_communes() {
        Ok(planipref_store::orientation::CommunesSync::UpToDate) => {
            log::info!("communes are up to date")
        }
        Ok(planipref_store::orientation::CommunesSync::Loaded(n)) => {
            log::info!("loaded {n} communes of the reference data")
        }
        Err(e) => return Err(format!("loading the communes failed: {e}")),
    }
    Ok(())
}

fn write_openapi(output: Option<PathBuf>) -> Result<(), String> {
    let json = planipref_api::openapi()
        .to_pretty_json()
        .map_err(|e| format!("cannot render the OpenAPI document: {e}"))?;
    match output {
        Some(path) => std::fs::write(&path, format!("{json}\n"))
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => {
            #[allow(clippy::print_stdout)]
            {
                println!("{json}");
            }
            Ok(())
        }
    }
}

/// Prints a new shared token for hub `name` and its `PLANIPREF_HUBS`
/// entry.
fn print_hub_token(name: &str) -> Result<(), String> {
    if !planipref_domain::hub::is_hub_name(name) {
        return Err("a hub's name is 1 to 32 lower-case letters, digits or hyphens".into());
    }
    // 256 random bits, as 64 hexadecimal digits (safe in any header).
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness: {e}"))?;
    let token = planipref_domain::hub::digest_hex(&bytes);
    let digest = planipref_domain::hub::digest_hex(&planipref_domain::hub::token_digest(&token));
    #[allow(clippy::print_stdout)]
    {
        println!("token (give it to the hub; it is not kept): {token}");
        println!("PLANIPREF_HUBS entry: {name}:{digest}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_ttl;

    #[test]
    fn token_lifetimes() {
        assert_eq!(parse_ttl("90"), Some(90));
        assert_eq!(parse_ttl("30m"), Some(1800));
        assert_eq!(parse_ttl("8h"), Some(28_800));
        assert_eq!(parse_ttl("2d"), Some(172_800));
        for bad in ["", "0", "h", "-5m", "31d", "8x", "99999999999999999999d"] {
            assert_eq!(parse_ttl(bad), None, "{bad}");
        }
    }
}
