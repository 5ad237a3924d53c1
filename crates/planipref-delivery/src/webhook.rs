//! Webhook deliveries to préfecture systems, signed as the Standard
//! Webhooks specification asks (see `planipref_domain::messages::webhook`).
//!
//! The body is the one written with the event (the same on every attempt);
//! the timestamp and signature are those of the attempt. A 2xx answer is
//! delivered; any other answer, or none, is tried again with backoff until
//! the attempts run out, as the specification recommends; redirects are
//! not followed (a receiver that moved is told by failures). The status
//! each attempt got is recorded for the préfecture to see.

use std::time::Duration;

use chrono::{DateTime, Utc};
use planipref_domain::messages::network::Networks;
use planipref_domain::messages::seal::OutboxKey;
use planipref_domain::messages::webhook::{Event, Secret};
use planipref_store::outbox::OutboxRow;
use planipref_store::{Store, StoreError};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use crate::SendError;

/// How long a receiver has to answer.
pub const TIMEOUT_SECONDS: u64 = 15;

/// Why a delivery was refused before any connection: every address of the
/// receiver is private (or this machine's) and outside the deployment's
/// allowed networks.
const NOT_REACHABLE: &str = "refused: the receiver's address is neither public nor in \
     the deployment's allowed networks (PLANIPREF_WEBHOOK_ALLOWED_NETWORKS)";

/// What posts webhooks: connects only to the addresses `networks` lets it
/// reach, checked on the very addresses it connects to (a name resolving
/// to an inside address is refused, whenever it is resolved), never
/// follows a redirect, and gives a receiver [`TIMEOUT_SECONDS`].
#[derive(Debug)]
pub struct WebhookClient {
    agent: ureq::Agent,
}

impl WebhookClient {
    /// A client reaching public addresses, and `networks`.
    pub fn new(networks: Networks) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(TIMEOUT_SECONDS)))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent("Planipref-Webhooks/1")
            .build();
        Self {
            agent: ureq::Agent::with_parts(
                config,
                DefaultConnector::new(),
                GuardedResolver {
                    networks,
                    inner: DefaultResolver::default(),
                },
            ),
        }
    }
}

/// The system's resolver, keeping only the addresses webhooks may reach.
#[derive(Debug)]
struct GuardedResolver {
    networks: Networks,
    inner: DefaultResolver,
}

impl Resolver for GuardedResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let found = self.inner.resolve(uri, config, timeout)?;
        let mut kept = self.empty();
        for address in found.iter().filter(|a| self.networks.may_reach(a.ip())) {
            kept.push(*address);
        }
        if kept.is_empty() {
            return Err(ureq::Error::Io(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                NOT_REACHABLE,
            )));
        }
        Ok(kept)
    }
}

/// Posts `message` to its subscription with `client`, signed with the
/// subscription's secret (opened with `key`) at `now` (the attempt's
/// time), and records the receiver's answer.
pub fn deliver(
    store: &Store,
    (key, client): (&OutboxKey, &WebhookClient),
    message: &OutboxRow,
    now: DateTime<Utc>,
) -> Result<(), SendError> {
    let subscription_id = message
        .subscription_id
        .as_deref()
        .ok_or_else(|| SendError::Permanent("a webhook without a subscription".into()))?;
    let webhook = match store.webhook_of_delivery(subscription_id) {
        Ok(w) => w,
        Err(StoreError::NotFound) => {
            return Err(SendError::Permanent("the subscription is gone".into()));
        }
        Err(e) => return Err(SendError::Temporary(format!("database: {e}"))),
    };
    if !webhook.active && message.kind != Event::Ping.code() {
        return Err(SendError::Permanent("the subscription is paused".into()));
    }
    let secret = key
        .open(&webhook.secret_sealed)
        .as_deref()
        .and_then(Secret::parse)
        .ok_or_else(|| SendError::Permanent("the subscription's secret cannot be read".into()))?;
    let timestamp = now.timestamp();
    let signature = secret.sign(&message.id, timestamp, &message.payload);
    let answer = client
        .agent
        .post(&webhook.url)
        .header("content-type", "application/json")
        .header("webhook-id", &message.id)
        .header("webhook-timestamp", &timestamp.to_string())
        .header("webhook-signature", &signature)
        .send(&message.payload)
        .map(|response| response.status().as_u16());
    if let Err(ureq::Error::Io(e)) = &answer
        && e.kind() == std::io::ErrorKind::PermissionDenied
    {
        // Never connected: nothing to record but the refusal, for good.
        return Err(SendError::Permanent(NOT_REACHABLE.into()));
    }
    let status = answer.as_ref().ok().map(|s| i32::from(*s));
    if let Err(e) = store.delivery_answered(&message.id, status) {
        log::warn!("delivery {}: its answer was not recorded: {e}", message.id);
    }
    match answer {
        Ok(status) if (200..300).contains(&status) => Ok(()),
        Ok(status) => Err(SendError::Temporary(format!(
            "the receiver answered {status}"
        ))),
        Err(e) => Err(SendError::Temporary(format!(
            "no answer from the receiver ({})",
            crate::sms_http::kind(&e)
        ))),
    }
}
