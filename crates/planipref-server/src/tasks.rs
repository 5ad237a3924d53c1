//! The server's background tasks: the delivery worker's loop, and every
//! minute the no-show task, the cleanup, the morning's délai samples and
//! the retention purge. Each runs its database work off the async workers
//! and is safe on any number of servers. Each stops, once the server is
//! stopping ([`Stop`]), between two pieces of work: every piece is one
//! transaction, or a delivery round that releases what it has not sent.

use std::sync::atomic::{AtomicBool, Ordering};

use planipref_api::http::limits::ClientLimits;
use planipref_store::{Refresh, Store};

use crate::config::{self, Config};
use crate::shutdown::Stop;

/// The delivery worker of this process: messages sent over SMTP when
/// `PLANIPREF_SMTP_URL` is set, else written to `PLANIPREF_OUTBOX_DIR`.
pub fn deliverer(config: &Config) -> Result<planipref_delivery::worker::Deliverer, String> {
    use planipref_delivery::transport::{Folder, Mailer, NoSmsProvider, SmsSender, SmtpMailer};
    let settings = &config.delivery;
    let folder = Folder::new(&settings.outbox_dir);
    let mailer: Box<dyn Mailer> = match &settings.smtp_url {
        Some(url) => Box::new(SmtpMailer::from_url(url)?),
        None => {
            log::warn!(
                "no PLANIPREF_SMTP_URL: e-mails are written to {}, not sent",
                settings.outbox_dir.display()
            );
            Box::new(folder.clone())
        }
    };
    let sms: Box<dyn SmsSender> = match (&settings.sms, &settings.smtp_url) {
        (
            Some(config::SmsProvider::Brevo {
                url,
                api_key,
                sender,
            }),
            _,
        ) => Box::new(planipref_delivery::sms_http::Brevo::new(
            url, api_key, sender,
        )),
        (Some(config::SmsProvider::Webhook { url, token }), _) => Box::new(
            planipref_delivery::sms_http::JsonWebhook::new(url, token.as_deref()),
        ),
        (None, Some(_)) => Box::new(NoSmsProvider),
        (None, None) => Box::new(folder),
    };
    Ok(planipref_delivery::worker::Deliverer {
        templates: planipref_delivery::render::Templates::new().map_err(|e| e.to_string())?,
        mailer,
        sms,
        from: settings
            .from
            .parse()
            .map_err(|e| format!("PLANIPREF_MAIL_FROM: {e}"))?,
        manage_url: settings.manage_url.clone(),
        convocation_url: settings.convocation_url.clone(),
        key: config.outbox_key.clone(),
        lease: chrono::Duration::seconds(i64::from(settings.lease_seconds)),
        webhooks: planipref_delivery::webhook::WebhookClient::new(
            settings.webhook_networks.clone(),
        ),
    })
}

/// Every few seconds, delivers what the outbox owes (see
/// [`planipref_delivery::worker::Deliverer`]), off the async workers; a
/// full batch is followed at once by the next. Once the server is
/// stopping, the round under way sends no more: what it claimed and has
/// not sent is released for another server (or the next start).
pub async fn deliver_messages(
    store: Store,
    deliverer: std::sync::Arc<planipref_delivery::worker::Deliverer>,
    clock: std::sync::Arc<dyn planipref_api::app::clock::Clock>,
    stop: Stop,
) {
    let mut every = actix_web::rt::time::interval(std::time::Duration::from_secs(5));
    while stop.tick(&mut every).await {
        while !stop.is_set() {
            let (store, deliverer, now) = (store.clone(), deliverer.clone(), clock.now());
            let stopping = stop.flag();
            let round = actix_web::web::block(move || {
                deliverer.deliver_due_until(&store, now, jitter, &stopping)
            })
            .await;
            match round {
                Ok(Ok(round)) if !round.is_empty() => {
                    log::info!(
                        "messages: {} sent, {} to retry, {} failed, {} released unsent",
                        round.sent,
                        round.retried,
                        round.failed,
                        round.released
                    );
                    // A full batch: more may be due at once.
                    if round.settled()
                        < usize::try_from(planipref_delivery::worker::BATCH).unwrap_or(0)
                    {
                        break;
                    }
                }
                Ok(Ok(_)) => break,
                Ok(Err(e)) => {
                    log::warn!("the delivery worker failed: {e}");
                    break;
                }
                Err(e) => {
                    log::warn!("the delivery worker did not run: {e}");
                    break;
                }
            }
        }
    }
    log::info!("the delivery worker stopped");
}

/// A uniform number in [0, 1) for retry delays' jitter.
fn jitter() -> f64 {
    let mut bytes = [0u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0)
}

/// Every minute, the no-show task ([`planipref_store::Store::sweep_no_shows`]:
/// appointments still booked their préfecture's delay after their start;
/// safe on any number of servers) and the store's cleanup
/// ([`planipref_store::Store::clean_up`]):
/// expired idempotency keys, and holds expired for over an hour (expired
/// holds count for nothing from the moment they expire; this reclaims
/// space). Runs
/// off the async workers, as all database work.
pub async fn clean_up(
    store: Store,
    limits: std::sync::Arc<ClientLimits>,
    clock: std::sync::Arc<dyn planipref_api::app::clock::Clock>,
    stop: Stop,
) {
    let mut every_minute = actix_web::rt::time::interval(std::time::Duration::from_secs(60));
    while stop.tick(&mut every_minute).await {
        // Clients back at their full rate are forgotten: the limiters hold
        // only recent clients.
        limits.forget_idle();
        let sweeper = store.clone();
        let now = clock.now();
        let swept = actix_web::web::block(move || sweeper.sweep_no_shows(now, 500)).await;
        match swept {
            Ok(Ok(references)) if !references.is_empty() => {
                log::info!("recorded {} appointments as no-shows", references.len());
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => log::warn!("the no-show task failed: {e}"),
            Err(e) => log::warn!("the no-show task did not run: {e}"),
        }
        let store = store.clone();
        let cleaned = actix_web::web::block(move || store.clean_up(now)).await;
        match cleaned {
            Ok(Ok(done)) => {
                if done.idempotency_keys > 0 {
                    log::info!("deleted {} expired idempotency keys", done.idempotency_keys);
                }
                if done.holds > 0 {
                    log::info!("deleted {} expired holds", done.holds);
                }
            }
            Ok(Err(e)) => log::warn!("the cleanup of expired holds and keys failed: {e}"),
            Err(e) => log::warn!("the cleanup of expired holds and keys did not run: {e}"),
        }
    }
}

/// Every minute, the morning's délai samples (see [`sample_delays`]) and,
/// every hour, the retention purge (see [`purge`]): apart from the
/// no-show task, which must never wait behind them.
pub async fn slow_tasks(
    store: Store,
    clock: std::sync::Arc<dyn planipref_api::app::clock::Clock>,
    stop: Stop,
) {
    let mut every_minute = actix_web::rt::time::interval(std::time::Duration::from_secs(60));
    let mut minutes: u32 = 0;
    while stop.tick(&mut every_minute).await {
        let now = clock.now();
        sample_delays(&store, now).await;
        // Once an hour (and at start), in batches until nothing is due.
        if minutes.is_multiple_of(60) && !stop.is_set() {
            purge(&store, now, &stop).await;
        }
        // At start when there are none, then once a day.
        if minutes.is_multiple_of(MINUTES_A_DAY) && !stop.is_set() {
            let refresh = if minutes == 0 {
                Refresh::IfMissing
            } else {
                Refresh::Always
            };
            refresh_statistics(&store, refresh).await;
        }
        minutes = minutes.wrapping_add(1);
    }
}

const MINUTES_A_DAY: u32 = 24 * 60;

/// Brings the planner's statistics up to date (see
/// [`planipref_store::Store::refresh_statistics`]).
async fn refresh_statistics(store: &Store, refresh: Refresh) {
    let store = store.clone();
    let started = std::time::Instant::now();
    match actix_web::web::block(move || store.refresh_statistics(refresh)).await {
        Ok(Ok(true)) => log::info!(
            "the database's statistics were analysed in {:.1} s",
            started.elapsed().as_secs_f64()
        ),
        Ok(Ok(false)) => {}
        Ok(Err(e)) => log::warn!("analysing the database's statistics failed: {e}"),
        Err(e) => log::warn!("analysing the database's statistics did not run: {e}"),
    }
}

/// Items per category a purge round erases at most, per préfecture.
pub const PURGE_BATCH: i64 = 500;

/// Erases what is past its retention (see
/// [`planipref_store::Store::purge`]), round after round while a round
/// erases anything; logs the counts.
async fn purge(store: &Store, now: chrono::DateTime<chrono::Utc>, stop: &Stop) {
    let (store, stopping) = (store.clone(), stop.flag());
    let purged = actix_web::web::block(move || purge_rounds(&store, now, false, &stopping)).await;
    match purged {
        Ok(Ok(total)) if !total.is_empty() => log::info!("retention purge: erased {total:?}"),
        Ok(Ok(_)) => {}
        Ok(Err(e)) => log::warn!("the retention purge failed: {e}"),
        Err(e) => log::warn!("the retention purge did not run: {e}"),
    }
}

/// Rounds of [`planipref_store::Store::purge`] until one erases nothing
/// (a dry run: one round, counting what the first would erase).
pub fn purge_all(
    store: &Store,
    now: chrono::DateTime<chrono::Utc>,
    dry_run: bool,
) -> Result<planipref_store::retention::Purged, planipref_store::StoreError> {
    purge_rounds(store, now, dry_run, &AtomicBool::new(false))
}

/// [`purge_all`], ending after the round under way once `stopping` is set
/// (each round is its own transaction: the next purge goes on from there).
fn purge_rounds(
    store: &Store,
    now: chrono::DateTime<chrono::Utc>,
    dry_run: bool,
    stopping: &AtomicBool,
) -> Result<planipref_store::retention::Purged, planipref_store::StoreError> {
    let mut total = planipref_store::retention::Purged::default();
    loop {
        let round = store.purge(now, PURGE_BATCH, dry_run)?;
        total = total.plus(round);
        if dry_run || round.is_empty() || stopping.load(Ordering::SeqCst) {
            return Ok(total);
        }
    }
}

/// Motifs whose délai one round samples at most, and the time it may take
/// (a national deployment has about a thousand motifs, each a first-slot
/// search: the morning's samples spread over its first minutes, one
/// thread at a time, beside the requests).
const DELAYS_PER_ROUND: usize = 200;
const DELAYS_SECONDS_PER_ROUND: u64 = 15;

/// Samples the délai of the motifs due (see
/// [`planipref_api::app::delays::sample_due`]), off the async workers.
async fn sample_delays(store: &Store, now: chrono::DateTime<chrono::Utc>) {
    let store = store.clone();
    let sampled = actix_web::web::block(move || {
        let budget = std::time::Duration::from_secs(DELAYS_SECONDS_PER_ROUND);
        planipref_api::app::delays::sample_due(&store, now, (DELAYS_PER_ROUND, budget))
    })
    .await;
    match sampled {
        Ok(Ok(n)) if n > 0 => log::info!("sampled the délai of {n} motifs"),
        Ok(Ok(_)) => {}
        Ok(Err(e)) => log::warn!("the délai sampling failed: {e}"),
        Err(e) => log::warn!("the délai sampling did not run: {e}"),
    }
}
