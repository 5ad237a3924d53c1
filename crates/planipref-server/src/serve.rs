//! `planipref serve`: the API on `PLANIPREF_BIND`, the metrics on
//! `PLANIPREF_METRICS_BIND` when set, the background tasks, and a clean
//! stop. On SIGTERM or SIGINT the server stops accepting connections,
//! lets the requests in flight finish (at most
//! `PLANIPREF_SHUTDOWN_TIMEOUT_SECONDS`; keep-alive connections close
//! after their current request), tells the background tasks to stop
//! between two pieces of work, waits for them within the same timeout,
//! then exits with success.

use std::pin::pin;
use std::time::{Duration, Instant};

use actix_web::HttpServer;
use futures_util::future::{Either, join_all, select};
use planipref_api::AppState;
use planipref_store::Store;

use crate::config::{self, Config};
use crate::shutdown::Stop;
use crate::{shutdown, tasks, telemetry};

/// Serves until a signal says to stop (see the module's documentation).
pub fn serve(config: Config, store: Store) -> Result<(), String> {
    if config.auto_migrate {
        crate::migrate(&store)?;
    }
    log::info!("database: {}", store.describe());
    if config.environment == config::Environment::Development {
        log::warn!(
            "development mode: agents' tokens may be signed with the public development secret"
        );
    }
    let auth = planipref_api::security::agent::Verifier::new(&config.auth)?;
    let deliverer = std::sync::Arc::new(tasks::deliverer(&config)?);
    let files = planipref_api::file_status::HttpFileStatus::new(config.file_status.clone());
    warn_of_unchecked_files(&store, &files);
    let mut state = AppState::new(store.clone(), auth)
        .with_booking(config.booking)
        .with_limits(config.limits)
        .with_outbox_key(config.outbox_key.clone())
        .with_cors(config.cors.clone())
        .with_hubs(config.hubs.clone())
        .with_file_status(std::sync::Arc::new(files));
    if let Some(start) = config.clock_start {
        log::warn!("the clock starts at {start} (PLANIPREF_CLOCK_START), not at the system's time");
        state = state.with_clock(std::sync::Arc::new(
            planipref_api::app::clock::StartedClock::starting_at(start),
        ));
    }
    if let Some(router) = &config.router {
        state = state.with_router(planipref_api::security::router::ContextVerifier::new(
            router,
        )?);
    }
    // Without an address to serve them on, nothing records metrics (the
    // facade's calls do nothing).
    let recorder = match &config.metrics_bind {
        Some(_) => Some(telemetry::install()?),
        None => {
            log::info!("metrics are not served (PLANIPREF_METRICS_BIND is not set)");
            None
        }
    };
    let grace = config.shutdown_timeout;
    actix_web::rt::System::new().block_on(async move {
        // Before listening: a signal from then on is a clean stop.
        let signalled = shutdown::signalled()?;
        let stop = Stop::new();
        let clock = state.clock.clone();
        let mut background = vec![
            actix_web::rt::spawn(tasks::deliver_messages(
                store.clone(),
                deliverer,
                clock.clone(),
                stop.clone(),
            )),
            actix_web::rt::spawn(tasks::slow_tasks(
                store.clone(),
                clock.clone(),
                stop.clone(),
            )),
            actix_web::rt::spawn(tasks::clean_up(
                store.clone(),
                state.limits.clone(),
                clock.clone(),
                stop.clone(),
            )),
        ];
        let mut servers = vec![api_server((&config.bind, config.workers), state, grace)?];
        if let (Some(bind), Some(handle)) = (&config.metrics_bind, recorder) {
            background.push(actix_web::rt::spawn(telemetry::upkeep(
                handle.clone(),
                stop.clone(),
            )));
            let scrape = telemetry::Scrape::new(handle, store, clock);
            servers.push(telemetry::server(bind, scrape, grace)?);
        }
        let handles: Vec<_> = servers.iter().map(actix_web::dev::Server::handle).collect();
        let mut running = join_all(servers.into_iter().map(actix_web::rt::spawn));
        let why = match select(pin!(signalled), &mut running).await {
            Either::Left((why, _)) => why,
            Either::Right((ended, _)) => {
                stop.set();
                return Err(format!("a server stopped by itself: {ended:?}"));
            }
        };
        let started = Instant::now();
        log::info!(
            "shutting down ({why}): no new connections; requests in flight and background \
             tasks have {} s to finish",
            grace.as_secs()
        );
        stop.set();
        join_all(handles.iter().map(|h| h.stop(true))).await;
        for ended in running.await {
            match ended {
                Ok(Ok(())) => {}
                Ok(Err(e)) => log::warn!("a server ended with an error: {e}"),
                Err(e) => log::warn!("a server's task failed: {e}"),
            }
        }
        let left = grace
            .saturating_sub(started.elapsed())
            .max(Duration::from_secs(1));
        if actix_web::rt::time::timeout(left, join_all(background))
            .await
            .is_err()
        {
            log::warn!("background tasks still at work after the shutdown timeout");
        }
        log::info!("stopped");
        Ok(())
    })
}

/// Says, at start, which démarches ask for a file check that no connector
/// is configured for: each of their holds and bookings is then checked as
/// a failure, under the démarche's policy.
fn warn_of_unchecked_files(
    store: &Store,
    files: &dyn planipref_domain::file_check::FileStatusConnector,
) {
    let demarches = match store.list_demarches() {
        Ok(d) => d,
        Err(e) => {
            log::warn!("could not read the démarches' file checks: {e}");
            return;
        }
    };
    for (demarche, _) in demarches {
        if let Some(check) = demarche.file_check()
            && !files.configured(check.system)
        {
            log::warn!(
                "démarche {} has files checked with {}, but no connector is configured                  (PLANIPREF_FILE_CHECK_{}_URL): its holds and bookings are {}",
                demarche.code,
                check.system.code(),
                check.system.code().to_ascii_uppercase(),
                match check.on_failure {
                    planipref_domain::file_check::OnFailure::Refuse => "refused",
                    planipref_domain::file_check::OnFailure::AcceptAndFlag => {
                        "accepted and flagged unverified"
                    }
                }
            );
        }
    }
}

/// The API's server on `PLANIPREF_BIND`, listening; prints its address on
/// stdout (the first line: tests that bind port 0 read it).
fn api_server(
    (bind, workers): (&str, Option<usize>),
    state: AppState,
    grace: Duration,
) -> Result<actix_web::dev::Server, String> {
    let mut server = HttpServer::new(move || planipref_api::app(state.clone()))
        // Signals are handled once, for both servers and the tasks.
        .disable_signals()
        .shutdown_timeout(grace.as_secs())
        .bind(bind)
        .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    if let Some(workers) = workers {
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
    Ok(server.run())
}
