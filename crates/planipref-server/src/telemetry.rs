//! Operators' metrics: the Prometheus recorder every crate records to
//! through the `metrics` facade, and the small server that renders it on
//! `GET /metrics` at `PLANIPREF_METRICS_BIND`, apart from the API (never on
//! its public address). The gauges that describe state (the pool, the
//! outbox) are read when Prometheus scrapes: the pool's from memory, the
//! outbox's from the database at most every [`OUTBOX_EVERY`].

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use planipref_api::app::clock::Clock;
use planipref_store::Store;

use crate::shutdown::Stop;

/// How often the outbox's depth is counted again at most (a scrape in
/// between shows the last count).
pub const OUTBOX_EVERY: Duration = Duration::from_secs(15);
/// How often the recorder's histograms are drained when nobody scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);
/// The Prometheus text format's media type.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Installs the process's recorder, with the histograms' buckets; returns
/// the handle that renders it.
pub fn install() -> Result<PrometheusHandle, String> {
    let mut builder = PrometheusBuilder::new();
    for (name, buckets) in [
        (
            planipref_api::telemetry::HTTP_DURATION,
            planipref_api::telemetry::HTTP_DURATION_BUCKETS,
        ),
        (
            planipref_api::telemetry::BLOCKING_WAIT,
            planipref_api::telemetry::BLOCKING_WAIT_BUCKETS,
        ),
        (
            planipref_store::telemetry::POOL_WAIT,
            planipref_store::telemetry::POOL_WAIT_BUCKETS,
        ),
    ] {
        builder = builder
            .set_buckets_for_metric(Matcher::Full(name.to_owned()), buckets)
            .map_err(|e| format!("metrics: {e}"))?;
    }
    let recorder = builder.build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder)
        .map_err(|e| format!("metrics: cannot install the recorder: {e}"))?;
    planipref_api::telemetry::describe();
    planipref_store::telemetry::describe();
    planipref_delivery::telemetry::describe();
    Ok(handle)
}

/// What a scrape reads: the recorder, and the state it samples.
#[derive(Debug)]
pub struct Scrape {
    handle: PrometheusHandle,
    store: Store,
    clock: Arc<dyn Clock>,
    /// When the outbox was last counted.
    outbox_counted: Mutex<Option<Instant>>,
}

impl Scrape {
    /// Scrapes `handle`, sampling `store`'s pool and outbox.
    pub fn new(handle: PrometheusHandle, store: Store, clock: Arc<dyn Clock>) -> Self {
        Self {
            handle,
            store,
            clock,
            outbox_counted: Mutex::new(None),
        }
    }

    /// Samples the pool, and the outbox when its count is older than
    /// [`OUTBOX_EVERY`].
    async fn sample(&self) {
        planipref_store::telemetry::pool_gauges(self.store.pool_state());
        let due = {
            let mut counted = self
                .outbox_counted
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let due = counted.is_none_or(|at| at.elapsed() >= OUTBOX_EVERY);
            if due {
                *counted = Some(Instant::now());
            }
            due
        };
        if !due {
            return;
        }
        let (store, now) = (self.store.clone(), self.clock.now());
        match web::block(move || store.outbox_depth_by_channel(now)).await {
            Ok(Ok(depths)) => planipref_delivery::telemetry::outbox_gauges(&depths),
            Ok(Err(e)) => log::warn!("metrics: the outbox was not counted: {e}"),
            Err(e) => log::warn!("metrics: the outbox was not counted: {e}"),
        }
    }
}

async fn render(scrape: web::Data<Scrape>) -> HttpResponse {
    scrape.sample().await;
    HttpResponse::Ok()
        .content_type(TEXT_FORMAT)
        .body(scrape.handle.render())
}

/// The metrics server on `bind` (one worker, `GET /metrics` only; 404
/// elsewhere), listening; prints its address on stdout, after the API's.
pub fn server(
    bind: &str,
    scrape: Scrape,
    grace: Duration,
) -> Result<actix_web::dev::Server, String> {
    let scrape = web::Data::new(scrape);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(scrape.clone())
            .route("/metrics", web::get().to(render))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(grace.as_secs())
    .bind(bind)
    .map_err(|e| format!("cannot serve metrics on {bind}: {e}"))?;
    for addr in server.addrs() {
        #[allow(clippy::print_stdout)]
        {
            println!("Planipref metrics on http://{addr}/metrics");
        }
    }
    Ok(server.run())
}

/// Drains the recorder's histograms every few seconds (a scrape does it
/// too), until the server stops.
pub async fn upkeep(handle: PrometheusHandle, stop: Stop) {
    let mut every = actix_web::rt::time::interval(UPKEEP_EVERY);
    while stop.tick(&mut every).await {
        handle.run_upkeep();
    }
}
