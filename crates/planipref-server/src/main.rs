//! `planipref`: the appointment engine's server and its administration
//! commands. Configuration comes from `PLANIPREF_*` variables (see
//! `.env.example`); logs go to stderr, filtered by `RUST_LOG`.

mod config;

use std::path::PathBuf;
use std::process::ExitCode;

use actix_web::HttpServer;
use clap::{Parser, Subcommand};
use planipref_api::AppState;
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
    /// Write reference or demonstration data; running it again changes nothing.
    Seed {
        /// The demo: Seine-Saint-Denis (Bobigny, Le Raincy, Saint-Denis) and La Réunion.
        #[arg(long)]
        demo: bool,
    },
    /// Print the OpenAPI document (or write it to a file).
    Openapi {
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            log::error!("{message}");
            eprintln!("planipref: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<(), String> {
    if let Command::Openapi { output } = command {
        return write_openapi(output);
    }
    let config = Config::from_env().map_err(|e| e.to_string())?;
    let store = Store::open(&config.database_url, &config.pool).map_err(|e| e.to_string())?;
    match command {
        Command::Serve => serve(config, store),
        Command::Migrate => migrate(&store),
        Command::Seed { demo } => {
            if !demo {
                return Err("say what to seed: --demo".into());
            }
            migrate(&store)?;
            let report = store.seed_demo().map_err(|e| format!("seed failed: {e}"))?;
            log::info!(
                "demo préfectures created: {:?}; already present: {:?}",
                report.created,
                report.skipped
            );
            Ok(())
        }
        Command::Openapi { .. } => Ok(()),
    }
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
    Ok(())
}

fn serve(config: Config, store: Store) -> Result<(), String> {
    if config.auto_migrate {
        migrate(&store)?;
    }
    log::info!("database: {}", store.describe());
    let state = AppState { store };
    actix_web::rt::System::new().block_on(async move {
        let mut server = HttpServer::new(move || planipref_api::app(state.clone()))
            .bind(&config.bind)
            .map_err(|e| format!("cannot listen on {}: {e}", config.bind))?;
        if let Some(workers) = config.workers {
            server = server.workers(workers);
        }
        for addr in server.addrs() {
            // On stdout, for people and for tests that bind port 0.
            #[allow(clippy::print_stdout)]
            {
                println!(
                    "Planipref listening on http://{addr} — Swagger UI: http://{addr}/swagger-ui/"
                );
            }
        }
        server
            .run()
            .await
            .map_err(|e| format!("server failed: {e}"))
    })
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
