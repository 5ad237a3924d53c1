//! Webhook deliveries to préfecture systems, signed as the Standard
//! Webhooks specification asks (see `planipref_domain::messages::webhook`).
//!
//! The body is the one written with the event (the same on every attempt);
//! the timestamp and signature are those of the attempt. A 2xx answer is
//! delivered; any other answer, or none, is tried again with backoff until
//! the attempts run out, as the specification recommends; redirects are
//! not followed (a receiver that moved is told by failures). The status
//! each attempt got is recorded for the préfecture to see.

use std::sync::OnceLock;
use std::time::Duration;

use chrono::{DateTime, Utc};
use planipref_domain::messages::seal::OutboxKey;
use planipref_domain::messages::webhook::{Event, Secret};
use planipref_store::outbox::OutboxRow;
use planipref_store::{Store, StoreError};

use crate::SendError;

/// How long a receiver has to answer.
pub const TIMEOUT_SECONDS: u64 = 15;

fn agent() -> &'static ureq::Agent {
    static AGENT: OnceLock<ureq::Agent> = OnceLock::new();
    AGENT.get_or_init(|| {
        ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(TIMEOUT_SECONDS)))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent("Planipref-Webhooks/1")
            .build()
            .into()
    })
}

/// Posts `message` to its subscription, signed with the subscription's
/// secret (opened with `key`), and records the receiver's answer.
pub fn deliver(
    store: &Store,
    key: &OutboxKey,
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
    let answer = agent()
        .post(&webhook.url)
        .header("content-type", "application/json")
        .header("webhook-id", &message.id)
        .header("webhook-timestamp", &timestamp.to_string())
        .header("webhook-signature", &signature)
        .send(&message.payload)
        .map(|response| response.status().as_u16());
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
