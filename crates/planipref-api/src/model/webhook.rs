//! Webhook subscriptions of a préfecture and their deliveries.

use chrono::{DateTime, Utc};
use planipref_domain::messages::webhook::Event;
use planipref_store::from_db;
use planipref_store::outbox::OutboxRow;
use planipref_store::webhooks::WebhookRow;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

/// An event a subscription hears of (`type` of the delivered body).
/// `webhook.ping` is the test an administrator asks for; it cannot be
/// subscribed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum WebhookEvent {
    /// An appointment was booked.
    #[serde(rename = "reservation.booked")]
    ReservationBooked,
    /// It was moved.
    #[serde(rename = "reservation.moved")]
    ReservationMoved,
    /// It was cancelled.
    #[serde(rename = "reservation.cancelled")]
    ReservationCancelled,
    /// It must be booked again (a closure).
    #[serde(rename = "reservation.needs_rebooking")]
    ReservationNeedsRebooking,
    /// The person did not come.
    #[serde(rename = "reservation.no_show")]
    ReservationNoShow,
    /// A convocation was issued.
    #[serde(rename = "convocation.issued")]
    ConvocationIssued,
    /// A convocation was withdrawn.
    #[serde(rename = "convocation.revoked")]
    ConvocationRevoked,
    /// A test delivery.
    #[serde(rename = "webhook.ping")]
    Ping,
}

impl From<Event> for WebhookEvent {
    fn from(e: Event) -> Self {
        match e {
            Event::ReservationBooked => Self::ReservationBooked,
            Event::ReservationMoved => Self::ReservationMoved,
            Event::ReservationCancelled => Self::ReservationCancelled,
            Event::ReservationNeedsRebooking => Self::ReservationNeedsRebooking,
            Event::ReservationNoShow => Self::ReservationNoShow,
            Event::ConvocationIssued => Self::ConvocationIssued,
            Event::ConvocationRevoked => Self::ConvocationRevoked,
            Event::Ping => Self::Ping,
        }
    }
}

/// A subscription as an administrator writes it (creation and change).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!(example_request()))]
pub struct WebhookRequest {
    /// Where deliveries are posted: `https://`, or `http://` to
    /// `localhost` only; no credentials in it (deliveries are signed).
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "https://sias.seine-saint-denis.gouv.fr/hooks/planipref"
    )]
    pub url: String,
    /// The events it hears of, at least one.
    #[schema(value_type = Vec<WebhookEvent>, min_items = 1, max_items = 7)]
    pub events: Vec<String>,
    /// What it is for (the receiving system, who runs it).
    #[serde(default)]
    #[schema(max_length = 500, example = "Logiciel du bureau des étrangers")]
    #[schema(pattern = "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]*$")]
    pub description: String,
    /// Whether it receives events (default `true`); a paused one receives
    /// none and its pending deliveries fail.
    #[serde(default)]
    #[schema(example = true)]
    pub active: Option<bool>,
}

/// A subscription (its secret is shown only at creation).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!(example_webhook()))]
pub struct Webhook {
    /// Identifier.
    #[schema(format = Uuid, example = "7b1e4c2a-6d3f-4a8e-9b0c-1d2e3f4a5b6c")]
    pub id: String,
    /// The préfecture whose events it hears of.
    #[schema(example = "93")]
    pub prefecture_code: String,
    /// Where deliveries are posted.
    #[schema(example = "https://sias.seine-saint-denis.gouv.fr/hooks/planipref")]
    pub url: String,
    /// The events it hears of.
    pub events: Vec<WebhookEvent>,
    /// What it is for.
    #[schema(example = "Logiciel du bureau des étrangers")]
    pub description: String,
    /// Whether it receives events.
    #[schema(example = true)]
    pub active: bool,
    /// When it was created.
    #[schema(value_type = String, format = DateTime, example = "2026-12-04T09:00:00Z")]
    pub created_at: DateTime<Utc>,
    /// Who created it.
    #[schema(example = "agent:admin-93")]
    pub created_by: String,
    /// Its version (also its `ETag`): send it in `If-Match` to change it.
    #[schema(example = 1, minimum = 1)]
    pub version: i32,
}

impl Webhook {
    /// From its row.
    pub fn from_row(w: WebhookRow) -> Self {
        let events = w
            .event_names()
            .iter()
            .filter_map(|e| Event::parse(e))
            .map(WebhookEvent::from)
            .collect();
        Self {
            events,
            id: w.id,
            prefecture_code: w.prefecture_code,
            url: w.url,
            description: w.description,
            active: w.active,
            created_at: from_db(w.created_at),
            created_by: w.created_by,
            version: w.revision,
        }
    }
}

crate::http::version::versioned_by_field!(Webhook);

/// A new subscription, with its secret: shown this once, keep it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!(example_created()))]
pub struct WebhookCreated {
    /// The subscription.
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The key of the deliveries' signatures (`whsec_` and base64, as the
    /// Standard Webhooks libraries take it). Shown only now; Planipref
    /// keeps it encrypted.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

impl crate::http::version::Versioned for WebhookCreated {
    fn version(&self) -> i32 {
        self.webhook.version
    }
}

/// A page of subscriptions.
pub type WebhookPage = crate::model::page::Page<Webhook>;
crate::model::page::listed!(
    Webhook,
    "WebhookPage",
    "A page of webhook subscriptions.",
    "Oldest first."
);

/// One delivery of an event to a subscription.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!(example_delivery()))]
pub struct WebhookDelivery {
    /// Its id: the `webhook-id` header, the same on every attempt and
    /// redelivery (receivers de-duplicate on it).
    #[schema(format = Uuid, example = "f715b8be-be7a-43bb-8186-913067dcc323")]
    pub id: String,
    /// The event.
    pub event: WebhookEvent,
    /// `pending` (due, or waiting for its next attempt), `sent` (a 2xx
    /// answer), `failed` (given up) or `cancelled`.
    #[schema(value_type = crate::model::codes::DeliveryStatus, example = "sent")]
    pub status: String,
    /// The appointment it is about.
    #[schema(example = "K7QX-M3PA")]
    pub reference: Option<String>,
    /// The convocation it is about.
    #[schema(format = Uuid, example = json!(null))]
    pub convocation_id: Option<String>,
    /// The HTTP status the receiver answered the last attempt with (none:
    /// no attempt yet, or no answer).
    #[schema(example = 200, minimum = 100, maximum = 599)]
    pub response_status: Option<i32>,
    /// Attempts that failed.
    #[schema(example = 0, minimum = 0)]
    pub failed_attempts: u32,
    /// Why the last attempt failed.
    #[schema(example = json!(null))]
    pub last_error: Option<String>,
    /// When the event happened.
    #[schema(value_type = String, format = DateTime, example = "2026-12-04T09:00:00Z")]
    pub created_at: DateTime<Utc>,
    /// When it is due (pending): its next attempt.
    #[schema(value_type = Option<String>, format = DateTime, example = json!(null))]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When the receiver accepted it.
    #[schema(value_type = Option<String>, format = DateTime, example = "2026-12-04T09:00:01Z")]
    pub sent_at: Option<DateTime<Utc>>,
    /// The body posted, as the receiver gets it.
    #[schema(value_type = Object)]
    pub body: Value,
}

impl From<OutboxRow> for WebhookDelivery {
    fn from(m: OutboxRow) -> Self {
        let body: Value = serde_json::from_str(&m.payload).unwrap_or(Value::Null);
        let pending = m.status == planipref_store::outbox::status::PENDING;
        Self {
            event: Event::named(&m.kind).map_or(WebhookEvent::Ping, WebhookEvent::from),
            reference: body["data"]["reference"].as_str().map(str::to_owned),
            id: m.id,
            status: m.status,
            convocation_id: m.convocation_id,
            response_status: m.response_status,
            failed_attempts: u32::try_from(m.attempts).unwrap_or(0),
            last_error: m.last_error,
            created_at: from_db(m.created_at),
            next_attempt_at: pending.then(|| from_db(m.due_at)),
            sent_at: m.sent_at.map(from_db),
            body,
        }
    }
}

/// A page of deliveries.
pub type WebhookDeliveryPage = crate::model::page::Page<WebhookDelivery>;
crate::model::page::listed!(
    WebhookDelivery,
    "WebhookDeliveryPage",
    "A page of webhook deliveries.",
    "Newest first."
);

/// A subscription's place in paths.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct WebhookPath {
    /// Département code.
    #[param(example = "93")]
    pub code: String,
    /// Subscription.
    #[param(format = Uuid, example = "7b1e4c2a-6d3f-4a8e-9b0c-1d2e3f4a5b6c")]
    pub webhook_id: String,
}

/// Which deliveries of a subscription.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    /// Only those in this state.
    #[param(value_type = Option<crate::model::codes::DeliveryStatus>, example = "failed")]
    pub status: Option<String>,
    /// Page number, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000, example = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub per_page: Option<u32>,
}

pub fn example_request() -> Value {
    json!({"url": "https://sias.seine-saint-denis.gouv.fr/hooks/planipref", "events": ["reservation.booked", "reservation.cancelled", "reservation.no_show"], "description": "Logiciel du bureau des étrangers"})
}

pub fn example_webhook() -> Value {
    json!({"id": "7b1e4c2a-6d3f-4a8e-9b0c-1d2e3f4a5b6c", "prefecture_code": "93", "url": "https://sias.seine-saint-denis.gouv.fr/hooks/planipref", "events": ["reservation.booked", "reservation.cancelled", "reservation.no_show"], "description": "Logiciel du bureau des étrangers", "active": true, "created_at": "2026-12-04T09:00:00Z", "created_by": "agent:admin-93", "version": 1})
}

pub fn example_created() -> Value {
    let mut created = example_webhook();
    created["secret"] = json!("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    created
}

pub fn example_delivery() -> Value {
    json!({"id": "f715b8be-be7a-43bb-8186-913067dcc323", "event": "reservation.booked", "status": "sent", "reference": "K7QX-M3PA", "convocation_id": null, "response_status": 200, "failed_attempts": 0, "last_error": null, "created_at": "2026-12-04T09:00:00Z", "next_attempt_at": null, "sent_at": "2026-12-04T09:00:01Z", "body": {"type": "reservation.booked", "timestamp": "2026-12-04T09:00:00Z", "data": {"reference": "K7QX-M3PA", "start": "2026-12-10T08:30:00+00:00", "end": "2026-12-10T08:50:00+00:00", "site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "motif_id": "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00"}}})
}

/// A page asked for: (page, per page, offset, limit).
pub type Window = (u32, u32, i64, i64);

impl DeliveryQuery {
    /// The state asked for and the page, every invalid parameter named at
    /// once.
    pub fn check(&self) -> Result<(Option<&'static str>, Window), crate::http::error::ApiError> {
        use crate::model::codes::DeliveryStatus;
        let status = match self.status.as_deref().map(str::trim) {
            None => Ok(None),
            Some(s) => DeliveryStatus::ALL
                .iter()
                .find(|d| d.code() == s)
                .map(|d| Some(d.code()))
                .ok_or_else(|| {
                    planipref_domain::FieldError::new(
                        "status",
                        "must be pending, sent, failed or cancelled",
                    )
                }),
        };
        let pages = crate::model::page::Pagination {
            page: self.page,
            per_page: self.per_page,
        }
        .window();
        match (status, pages) {
            (Ok(status), Ok(window)) => Ok((status, window)),
            (Err(field), Ok(_)) => Err(crate::http::error::ApiError::Validation(vec![field])),
            (Err(field), Err(crate::http::error::ApiError::Validation(mut fields))) => {
                fields.insert(0, field);
                Err(crate::http::error::ApiError::Validation(fields))
            }
            (_, Err(e)) => Err(e),
        }
    }
}
