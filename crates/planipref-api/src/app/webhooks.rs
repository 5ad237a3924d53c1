//! A préfecture's webhook subscriptions: created with a secret shown once
//! (and kept sealed with the outbox key), changed from the version read,
//! deleted, tested; their deliveries listed and sent again. Every write is
//! audited in the préfecture's trail (never the secret).

use chrono::{DateTime, Utc};
use planipref_domain::access::Agent;
use planipref_domain::error::Collector;
use planipref_domain::ids::{DepartementCode, MessageId, WebhookId};
use planipref_domain::messages::seal::OutboxKey;
use planipref_domain::messages::webhook::{Event, Secret, check_url, parse_events};
use planipref_domain::text::check_description;
use planipref_store::webhooks::{DeliveryFilter, WebhookRow, events_column};
use planipref_store::{AuditEntry, Store, StoreError, to_db};

use crate::app::audit::{entry, json};
use crate::app::booking::random_bytes;
use crate::app::sealing::seal_text;
use crate::http::error::ApiError;
use crate::http::version::IfMatch;
use crate::model::page::Page;
use crate::model::webhook::{Webhook, WebhookCreated, WebhookDelivery, WebhookRequest};

/// A subscription as checked from its request.
#[derive(Debug, Clone)]
pub struct Subscription {
    url: String,
    events: Vec<Event>,
    description: String,
    active: bool,
}

/// Checks a subscription's request, naming every invalid field at once.
pub fn validate(body: &WebhookRequest) -> Result<Subscription, ApiError> {
    let mut c = Collector::default();
    let url = c.take(check_url("url", &body.url));
    let events = c.take(parse_events("events", &body.events));
    let description = c.take(check_description("description", &body.description, 500));
    c.finish()?;
    let (Some(url), Some(events), Some(description)) = (url, events, description) else {
        return Err(ApiError::Internal);
    };
    Ok(Subscription {
        url,
        events,
        description,
        active: body.active.unwrap_or(true),
    })
}

/// The audit entry of `action` on subscription `id` of préfecture `code`.
fn audited(
    agent: &Agent,
    code: &DepartementCode,
    (entity, id): (&'static str, &str),
    action: &'static str,
    now: DateTime<Utc>,
) -> AuditEntry {
    AuditEntry {
        departement: Some(code.as_str().to_owned()),
        ..entry(agent, entity, id, action, now)
    }
}

/// Creates `subscription` for préfecture `code` with a new secret, sealed
/// with `key`; the answer shows the secret, this once.
pub fn create(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    code: &DepartementCode,
    subscription: Subscription,
    key: &OutboxKey,
) -> Result<WebhookCreated, ApiError> {
    store
        .get_prefecture(code.as_str())
        .map_err(|e| ApiError::from_store(e, "préfecture"))?;
    let secret = Secret::from_random(random_bytes()?);
    let row = WebhookRow {
        id: WebhookId::new_random().to_string(),
        prefecture_code: code.as_str().to_owned(),
        url: subscription.url,
        events: events_column(&subscription.events),
        description: subscription.description,
        active: subscription.active,
        secret_sealed: seal_text(&secret.expose(), key)?,
        revision: 1,
        created_at: to_db(now),
        created_by: agent.actor(),
    };
    let webhook = Webhook::from_row(row.clone());
    let audit = AuditEntry {
        after: json(&webhook),
        ..audited(agent, code, ("webhook", &row.id), "created", now)
    };
    store.create_webhook(&row, &audit)?;
    Ok(WebhookCreated {
        webhook,
        secret: secret.expose(),
    })
}

/// Subscription `id` of préfecture `code`.
pub fn find(store: &Store, code: &DepartementCode, id: WebhookId) -> Result<WebhookRow, ApiError> {
    store
        .get_webhook(code.as_str(), &id.to_string())
        .map_err(|e| ApiError::from_store(e, "webhook subscription"))
}

/// The subscriptions of préfecture `code`, a page of them.
pub fn list(
    store: &Store,
    code: &DepartementCode,
    (page, per_page, offset, limit): (u32, u32, i64, i64),
) -> Result<Page<Webhook>, ApiError> {
    let found = store.list_webhooks(code.as_str(), offset, limit)?;
    let items = found.items.into_iter().map(Webhook::from_row).collect();
    Ok(Page::new(items, (page, per_page), found.total))
}

/// Subscription `id` changed to `subscription`, from the version read.
pub fn change(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    (code, id): (&DepartementCode, WebhookId),
    subscription: Subscription,
    if_match: IfMatch,
) -> Result<Webhook, ApiError> {
    let before = find(store, code, id)?;
    let row = WebhookRow {
        url: subscription.url,
        events: events_column(&subscription.events),
        description: subscription.description,
        active: subscription.active,
        revision: if_match.0,
        ..before.clone()
    };
    let after = Webhook {
        version: if_match.next(),
        ..Webhook::from_row(row.clone())
    };
    let audit = AuditEntry {
        before: json(&Webhook::from_row(before)),
        after: json(&after),
        ..audited(agent, code, ("webhook", &row.id), "updated", now)
    };
    store.update_webhook(&row, &audit)?;
    Ok(after)
}

/// Deletes subscription `id` with its deliveries.
pub fn remove(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    (code, id): (&DepartementCode, WebhookId),
) -> Result<(), ApiError> {
    let before = find(store, code, id)?;
    let audit = AuditEntry {
        before: json(&Webhook::from_row(before.clone())),
        ..audited(agent, code, ("webhook", &before.id), "deleted", now)
    };
    store
        .delete_webhook(&before.id, &audit)
        .map_err(|e| ApiError::from_store(e, "webhook subscription"))
}

/// A page of subscription `id`'s deliveries, newest first.
pub fn deliveries(
    store: &Store,
    (code, id): (&DepartementCode, WebhookId),
    status: Option<&str>,
    (page, per_page, offset, limit): (u32, u32, i64, i64),
) -> Result<Page<WebhookDelivery>, ApiError> {
    let webhook = find(store, code, id)?;
    let found =
        store.webhook_deliveries(&webhook.id, DeliveryFilter { status }, (offset, limit))?;
    let items = found.items.into_iter().map(WebhookDelivery::from).collect();
    Ok(Page::new(items, (page, per_page), found.total))
}

/// Delivery `delivery` of subscription `id`, sent again now.
pub fn redeliver(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    (code, id): (&DepartementCode, WebhookId),
    delivery: MessageId,
) -> Result<WebhookDelivery, ApiError> {
    let webhook = find(store, code, id)?;
    let delivery = delivery.to_string();
    let audit = AuditEntry {
        after: json(&serde_json::json!({ "subscription_id": webhook.id })),
        ..audited(agent, code, ("webhook_delivery", &delivery), "updated", now)
    };
    match store.redeliver(&webhook.id, &delivery, now, &audit) {
        Ok(row) => Ok(row.into()),
        Err(StoreError::WrongStatus(_)) => Err(ApiError::Conflict(
            "the delivery is still pending: it will be attempted",
        )),
        Err(e) => Err(ApiError::from_store(e, "delivery")),
    }
}

/// A test delivery (`webhook.ping`) to subscription `id`, due now.
pub fn ping(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    (code, id): (&DepartementCode, WebhookId),
) -> Result<WebhookDelivery, ApiError> {
    let webhook = find(store, code, id)?;
    let audit = AuditEntry {
        after: json(&serde_json::json!({ "event": Event::Ping.code() })),
        ..audited(agent, code, ("webhook", &webhook.id), "updated", now)
    };
    Ok(store.ping_webhook(&webhook, now, &audit)?.into())
}
