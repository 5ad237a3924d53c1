//! Webhook subscriptions: `/admin/prefectures/{code}/webhooks`, their
//! deliveries, redelivery and a test. For the administrators of the
//! préfecture's département and national administrators.

use crate::app::webhooks;
use crate::http::error::ApiError;
use crate::http::extract::JsonBody;
use crate::http::extract::QueryParams;
use crate::http::headers::NO_STORE;
use crate::http::path::CodeInPath;
use crate::http::path::PathId;
use crate::http::problem::Problem;
use crate::http::version::IfMatch;
use crate::http::version::IfMatchParam;
use crate::http::version::Versioned as _;
use crate::model::page::Pagination;
use crate::model::webhook::DeliveryQuery;
use crate::model::webhook::Webhook;
use crate::model::webhook::WebhookCreated;
use crate::model::webhook::WebhookDelivery;
use crate::model::webhook::WebhookDeliveryPage;
use crate::model::webhook::WebhookPage;
use crate::model::webhook::WebhookPath;
use crate::model::webhook::WebhookRequest;
use crate::model::webhook::example_created;
use crate::model::webhook::example_delivery;
use crate::model::webhook::example_webhook;
use crate::security::agent::AuthenticatedAgent;
use crate::security::scope::may_administer_prefecture;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, put, web};
use planipref_domain::ids::MessageId;
use planipref_domain::ids::WebhookId;
use utoipa_actix_web::service_config::ServiceConfig;

/// Subscribe a préfecture system to events
///
/// Registers a URL that receives the préfecture's events, each a signed
/// `POST` (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
/// `webhook-signature`). The answer holds the secret that verifies the
/// signatures: it is shown this once. Audited.
#[utoipa::path(
    tag = "webhooks", security(("bearer" = [])),
    params(("code" = String, Path, description = "Département code", example = "93")),
    request_body(content = WebhookRequest),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::Unavailable,
        (status = 201, description = "Created; `Location` points at it. The secret is shown only now.", body = WebhookCreated,
         headers(("Location" = String, description = "Where it is read"), ("ETag" = String, description = "Its version"), ("Cache-Control" = String, description = "`no-store`: the body holds a secret")),
         example = json!(example_created())),
        (status = 404, description = "No such préfecture", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (`url`, `events`, `description`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/prefectures/{code}/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    code: CodeInPath,
    JsonBody(body): JsonBody<WebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let code = may_administer_prefecture(&agent, &code.0)?;
    let subscription = webhooks::validate(&body)?;
    let key = state.outbox_key.clone();
    let created = state
        .blocking(move |store| webhooks::create(store, (&agent, now), &code, subscription, &key))
        .await?;
    let location = format!(
        "/api/v1/admin/prefectures/{}/webhooks/{}",
        created.webhook.prefecture_code, created.webhook.id
    );
    let mut answer = created.created_at(&location);
    answer.headers_mut().insert(
        NO_STORE.0,
        actix_web::http::header::HeaderValue::from_static(NO_STORE.1),
    );
    Ok(answer)
}

/// A préfecture's webhook subscriptions
///
/// Oldest first, without their secrets.
#[utoipa::path(
    tag = "webhooks", security(("bearer" = [])),
    params(("code" = String, Path, description = "Département code", example = "93"), Pagination),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "A page of subscriptions", body = WebhookPage,
         example = json!(crate::model::page::paged(example_webhook()))),
        (status = 404, description = "No such préfecture", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid page", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/prefectures/{code}/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    code: CodeInPath,
    QueryParams(q): QueryParams<Pagination>,
) -> Result<HttpResponse, ApiError> {
    let code = may_administer_prefecture(&agent, &code.0)?;
    let window = q.window()?;
    let page = state
        .blocking(move |store| webhooks::list(store, &code, window))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// A webhook subscription
///
/// Its URL, events and state, without its secret.
#[utoipa::path(
    tag = "webhooks", security(("bearer" = [])),
    params(WebhookPath),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The subscription", body = Webhook, example = json!(example_webhook())),
        (status = 404, description = "No such subscription at this préfecture", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/prefectures/{code}/webhooks/{webhook_id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    code: CodeInPath,
    PathId(id): PathId<WebhookId>,
) -> Result<HttpResponse, ApiError> {
    let code = may_administer_prefecture(&agent, &code.0)?;
    let row = state
        .blocking(move |store| webhooks::find(store, &code, id))
        .await?;
    Ok(Webhook::from_row(row).answer(StatusCode::OK))
}

/// Change a webhook subscription
///
/// Replaces its URL, events, description and state (`active: false`
/// pauses it), from the version read (`If-Match`). Its secret stays.
/// Audited.
#[utoipa::path(
    tag = "webhooks", security(("bearer" = [])),
    params(WebhookPath,
           IfMatchParam),
    request_body(content = WebhookRequest),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::VersionErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Changed", body = Webhook, example = json!(example_webhook())),
        (status = 404, description = "No such subscription at this préfecture", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed since the version sent (`stale`, with `current_version`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (`url`, `events`, `description`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/prefectures/{code}/webhooks/{webhook_id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    code: CodeInPath,
    PathId(id): PathId<WebhookId>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<WebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let code = may_administer_prefecture(&agent, &code.0)?;
    let subscription = webhooks::validate(&body)?;
    let changed = state
        .blocking(move |store| {
            webhooks::change(store, (&agent, now), (&code, id), subscription, if_match)
        })
        .await?;
    Ok(changed.answer(StatusCode::OK))
}

/// Delete a webhook subscription
///
/// With its deliveries (pending ones are not sent). Audited.
#[utoipa::path(
    tag = "webhooks", security(("bearer" = [])),
    params(WebhookPath),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such subscription at this préfecture", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/prefectures/{code}/webhooks/{webhook_id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    code: CodeInPath,
    PathId(id): PathId<WebhookId>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let code = may_administer_prefecture(&agent, &code.0)?;
    state
        .blocking(move |store| webhooks::remove(store, (&agent, now), (&code, id)))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A subscription's deliveries
///
/// Newest first, with their state, the HTTP status of their last attempt,
/// why it failed, and the body posted; filtered by state.
#[utoipa::path(
    tag = "webhooks", security(("bearer" = [])),
    params(WebhookPath,
           DeliveryQuery),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "A page of deliveries", body = WebhookDeliveryPage,
         example = json!(crate::model::page::paged(example_delivery()))),
        (status = 404, description = "No such subscription at this préfecture", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `status`, `page` or `per_page`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/prefectures/{code}/webhooks/{webhook_id}/deliveries")]
pub async fn webhook_deliveries(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    code: CodeInPath,
    PathId(id): PathId<WebhookId>,
    QueryParams(q): QueryParams<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    let code = may_administer_prefecture(&agent, &code.0)?;
    let (status, window) = q.check()?;
    let page = state
        .blocking(move |store| webhooks::deliveries(store, (&code, id), status, window))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Send a delivery again
///
/// A delivery sent or given up is due again now, with the same
/// `webhook-id` and body (receivers de-duplicate on the id) and its
/// attempts counted afresh. Audited.
#[utoipa::path(
    tag = "webhooks", security(("bearer" = [])),
    params(WebhookPath,
           ("delivery_id" = String, Path, format = Uuid, description = "Delivery", example = "f715b8be-be7a-43bb-8186-913067dcc323")),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 202, description = "Due again now", body = WebhookDelivery, example = json!(example_delivery())),
        (status = 404, description = "No such delivery of this subscription", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Still pending: it will be attempted", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/prefectures/{code}/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    code: CodeInPath,
    PathId(id): PathId<WebhookId>,
    PathId(delivery): PathId<MessageId>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let code = may_administer_prefecture(&agent, &code.0)?;
    let again = state
        .blocking(move |store| webhooks::redeliver(store, (&agent, now), (&code, id), delivery))
        .await?;
    Ok(HttpResponse::Accepted().json(again))
}

/// Test a webhook subscription
///
/// Sends it a `webhook.ping` event now (whatever its events, even paused),
/// to check the receiver and its signature verification; follow it in the
/// deliveries. Audited.
#[utoipa::path(
    tag = "webhooks", security(("bearer" = [])),
    params(WebhookPath),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 202, description = "The test delivery, due now", body = WebhookDelivery, example = json!(example_delivery())),
        (status = 404, description = "No such subscription at this préfecture", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/prefectures/{code}/webhooks/{webhook_id}/ping")]
pub async fn ping_webhook(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    code: CodeInPath,
    PathId(id): PathId<WebhookId>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let code = may_administer_prefecture(&agent, &code.0)?;
    let ping = state
        .blocking(move |store| webhooks::ping(store, (&agent, now), (&code, id)))
        .await?;
    Ok(HttpResponse::Accepted().json(ping))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_webhooks)
        .service(create_webhook)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(webhook_deliveries)
        .service(redeliver)
        .service(ping_webhook);
}
