//! Webhook subscriptions of a préfecture, and their deliveries: messages
//! of the outbox on the `webhook` channel, one per subscription listening
//! to the event, written in the transaction of the change (see
//! [`owe_webhooks`]). Each write of a subscription and its audit entry go
//! in one transaction; a change is made from the revision read.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use planipref_domain::messages::webhook::Event;

use crate::audit::{AuditEntry, record};
use crate::connection::MultiBackend;
use crate::db::{AnyConnection, gone, write_transaction};
use crate::outbox::{About, OutboxRow, channel, status};
use crate::revision::{Edited, advance};
use crate::schema::{outbox, webhook_subscriptions};
use crate::{Page, Store, StoreError, to_db};

/// A subscription as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_subscriptions, check_for_backend(MultiBackend))]
pub struct WebhookRow {
    /// Identifier (a UUID).
    pub id: String,
    /// The préfecture whose events it hears.
    pub prefecture_code: String,
    /// Where deliveries are posted.
    pub url: String,
    /// The events it listens to: a JSON array of their names.
    pub events: String,
    /// What it is for (the receiving system, its owner).
    pub description: String,
    /// Whether it receives events (a paused one receives none).
    pub active: bool,
    /// Its secret (`whsec_…`), sealed with the outbox key.
    pub secret_sealed: String,
    /// Its revision (the API's version).
    pub revision: i32,
    /// When it was created.
    pub created_at: chrono::NaiveDateTime,
    /// Who created it.
    pub created_by: String,
}

impl WebhookRow {
    /// The names of the events it listens to.
    pub fn event_names(&self) -> Vec<String> {
        serde_json::from_str(&self.events).unwrap_or_default()
    }

    fn listens_to(&self, event: Event) -> bool {
        self.active && self.event_names().iter().any(|e| e == event.code())
    }
}

/// The JSON array of `events`' names, as a row keeps them.
pub fn events_column(events: &[Event]) -> String {
    serde_json::Value::from(events.iter().map(|e| e.code()).collect::<Vec<_>>()).to_string()
}

/// Writes, in the caller's transaction, the deliveries `event` owes the
/// active subscriptions of `prefecture_code` that listen to it: each
/// posts `{"type", "timestamp", "data"}`, the same body on every attempt.
/// `data` carries references and times, never contact details.
pub(crate) fn owe_webhooks(
    c: &mut AnyConnection,
    prefecture_code: &str,
    event: Event,
    data: serde_json::Value,
    about: About<'_>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let listening: Vec<WebhookRow> = webhook_subscriptions::table
        .filter(webhook_subscriptions::prefecture_code.eq(prefecture_code))
        .filter(webhook_subscriptions::active.eq(true))
        .select(WebhookRow::as_select())
        .load(c)?;
    let rows: Vec<OutboxRow> = listening
        .iter()
        .filter(|w| w.listens_to(event))
        .map(|w| delivery(w, event, &data, about, now))
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    crate::db::insert_batch!(c, outbox::table, &rows)?;
    Ok(())
}

/// [`owe_webhooks`] for an event of convocation `id`: its id, site,
/// motif and validity, and what `extra` adds (a withdrawal's reason).
pub(crate) fn owe_convocation_webhooks(
    c: &mut AnyConnection,
    id: &str,
    event: Event,
    extra: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use crate::schema::{convocations, sites};
    let (site_id, motif_id, valid_until, prefecture_code): (
        String,
        String,
        chrono::NaiveDateTime,
        String,
    ) = convocations::table
        .inner_join(sites::table.on(sites::id.eq(convocations::site_id)))
        .filter(convocations::id.eq(id))
        .select((
            convocations::site_id,
            convocations::motif_id,
            convocations::valid_until,
            sites::prefecture_code,
        ))
        .first(c)?;
    let mut data = serde_json::json!({
        "convocation_id": id,
        "site_id": site_id,
        "motif_id": motif_id,
        "valid_until": crate::from_db(valid_until).to_rfc3339(),
    });
    if let (Some(map), Some(extra)) = (data.as_object_mut(), extra.as_object()) {
        map.extend(extra.clone());
    }
    let about = About {
        reservation_id: None,
        convocation_id: Some(id),
    };
    owe_webhooks(c, &prefecture_code, event, data, about, now)
}

/// A delivery of `event` to `webhook`, due now.
fn delivery(
    webhook: &WebhookRow,
    event: Event,
    data: &serde_json::Value,
    about: About<'_>,
    now: DateTime<Utc>,
) -> OutboxRow {
    let body = serde_json::json!({
        "type": event.code(),
        "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "data": data,
    });
    OutboxRow {
        id: uuid::Uuid::new_v4().to_string(),
        kind: event.code().to_owned(),
        channel: channel::WEBHOOK.to_owned(),
        reservation_id: about.reservation_id.map(str::to_owned),
        convocation_id: about.convocation_id.map(str::to_owned),
        prefecture_code: webhook.prefecture_code.clone(),
        language: "fr".to_owned(),
        payload: body.to_string(),
        sealed: None,
        status: status::PENDING.to_owned(),
        due_at: to_db(now),
        attempts: 0,
        lease_until: None,
        last_error: None,
        created_at: to_db(now),
        sent_at: None,
        subscription_id: Some(webhook.id.clone()),
        response_status: None,
    }
}

/// Which deliveries to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeliveryFilter<'a> {
    /// Only those in this state (see [`status`]).
    pub status: Option<&'a str>,
}

impl Store {
    /// Creates a subscription and records it.
    pub fn create_webhook(&self, row: &WebhookRow, audit: &AuditEntry) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                diesel::insert_into(webhook_subscriptions::table)
                    .values(row)
                    .execute(c)?;
                record(c, audit)
            })
        })
    }

    /// A préfecture's subscriptions, oldest first.
    pub fn list_webhooks(
        &self,
        prefecture_code: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Page<WebhookRow>, StoreError> {
        self.with_conn(|c| {
            let of = || {
                webhook_subscriptions::table
                    .filter(webhook_subscriptions::prefecture_code.eq(prefecture_code))
            };
            let total = of().count().get_result(c)?;
            let items = of()
                .order((webhook_subscriptions::created_at, webhook_subscriptions::id))
                .offset(offset)
                .limit(limit)
                .select(WebhookRow::as_select())
                .load(c)?;
            Ok(Page { items, total })
        })
    }

    /// One subscription of `prefecture_code` (`NotFound` when it is
    /// another préfecture's).
    pub fn get_webhook(&self, prefecture_code: &str, id: &str) -> Result<WebhookRow, StoreError> {
        self.with_conn(|c| {
            Ok(webhook_subscriptions::table
                .filter(webhook_subscriptions::id.eq(id))
                .filter(webhook_subscriptions::prefecture_code.eq(prefecture_code))
                .select(WebhookRow::as_select())
                .first(c)?)
        })
    }

    /// The subscription a delivery is for, whatever its préfecture (the
    /// delivery worker's read).
    pub fn webhook_of_delivery(&self, subscription_id: &str) -> Result<WebhookRow, StoreError> {
        self.with_conn(|c| {
            Ok(webhook_subscriptions::table
                .find(subscription_id)
                .select(WebhookRow::as_select())
                .first(c)?)
        })
    }

    /// Changes a subscription's URL, events, description, state or secret
    /// from its revision `row.revision` (`Outdated` if it changed
    /// meanwhile), and records it. Deliveries already owed keep going.
    pub fn update_webhook(&self, row: &WebhookRow, audit: &AuditEntry) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                advance(c, Edited::Webhook, &row.id, row.revision)?;
                diesel::update(webhook_subscriptions::table.find(&row.id))
                    .set((
                        webhook_subscriptions::url.eq(&row.url),
                        webhook_subscriptions::events.eq(&row.events),
                        webhook_subscriptions::description.eq(&row.description),
                        webhook_subscriptions::active.eq(row.active),
                        webhook_subscriptions::secret_sealed.eq(&row.secret_sealed),
                    ))
                    .execute(c)?;
                record(c, audit)
            })
        })
    }

    /// Deletes a subscription with its deliveries, and records it.
    pub fn delete_webhook(&self, id: &str, audit: &AuditEntry) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                // Explicitly: SQLite enforces the cascade only with its
                // foreign keys on.
                diesel::delete(outbox::table.filter(outbox::subscription_id.eq(id))).execute(c)?;
                gone(diesel::delete(webhook_subscriptions::table.find(id)).execute(c)?)?;
                record(c, audit)
            })
        })
    }

    /// A subscription's deliveries, newest first.
    pub fn webhook_deliveries(
        &self,
        subscription_id: &str,
        filter: DeliveryFilter<'_>,
        (offset, limit): (i64, i64),
    ) -> Result<Page<OutboxRow>, StoreError> {
        self.with_conn(|c| {
            let of = || {
                let q = outbox::table
                    .filter(outbox::subscription_id.eq(subscription_id))
                    .into_boxed();
                match filter.status {
                    Some(s) => q.filter(outbox::status.eq(s.to_owned())),
                    None => q,
                }
            };
            let total = of().count().get_result(c)?;
            let items = of()
                .order((outbox::created_at.desc(), outbox::id))
                .offset(offset)
                .limit(limit)
                .select(OutboxRow::as_select())
                .load(c)?;
            Ok(Page { items, total })
        })
    }

    /// Sends a delivery of `subscription_id` again, now, with the same id
    /// and body (receivers de-duplicate on the id) and its attempts
    /// counted afresh, and records it. Only a delivery sent or failed:
    /// one still pending is `WrongStatus`.
    pub fn redeliver(
        &self,
        subscription_id: &str,
        delivery_id: &str,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> Result<OutboxRow, StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                let of = || {
                    outbox::table
                        .filter(outbox::id.eq(delivery_id))
                        .filter(outbox::subscription_id.eq(subscription_id))
                };
                let current: OutboxRow = of().select(OutboxRow::as_select()).first(c)?;
                let again = diesel::update(
                    of().filter(outbox::status.eq_any([status::SENT, status::FAILED])),
                )
                .set((
                    outbox::status.eq(status::PENDING),
                    outbox::due_at.eq(to_db(now)),
                    outbox::attempts.eq(0),
                    outbox::lease_until.eq(None::<chrono::NaiveDateTime>),
                    outbox::last_error.eq(None::<String>),
                ))
                .execute(c)?;
                if again == 0 {
                    return Err(StoreError::WrongStatus(current.status));
                }
                record(c, audit)?;
                Ok(of().select(OutboxRow::as_select()).first(c)?)
            })
        })
    }

    /// Writes a test delivery (`webhook.ping`) to `webhook`, whatever its
    /// events and state, and records it; returns it.
    pub fn ping_webhook(
        &self,
        webhook: &WebhookRow,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> Result<OutboxRow, StoreError> {
        let data = serde_json::json!({ "subscription_id": webhook.id });
        let row = delivery(webhook, Event::Ping, &data, About::default(), now);
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                crate::db::insert_batch!(c, outbox::table, std::slice::from_ref(&row))?;
                record(c, audit)
            })
        })?;
        Ok(row)
    }

    /// Records the HTTP status a receiver answered a delivery's attempt
    /// with (`None`: no answer).
    pub fn delivery_answered(&self, id: &str, status: Option<i32>) -> Result<(), StoreError> {
        self.with_conn(|c| {
            diesel::update(outbox::table.find(id))
                .set(outbox::response_status.eq(status))
                .execute(c)?;
            Ok(())
        })
    }
}
