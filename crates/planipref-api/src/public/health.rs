//! Liveness and readiness, for load balancers and orchestrators.

use crate::http::error::ApiError;
use crate::model::health::Health;
use crate::model::health::Readiness;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

/// Liveness
///
/// Answers as long as the process runs, without touching the database.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Alive", body = Health, example = json!({"status": "ok", "version": "0.1.0"})),
    )
)]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// Readiness
///
/// Answers 200 when the database answers a query, 503 (with `Retry-After`)
/// otherwise: take the instance out of rotation until it recovers.
#[utoipa::path(
    tag = "operations",
    responses(
        crate::http::responses::Unavailable,
        (status = 200, description = "Ready", body = Readiness, example = json!({"status": "ready", "database": "sqlite"})),
    )
)]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let database = state.store.backend();
    state
        .blocking(|store| store.ping().map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(Readiness {
        status: "ready",
        database,
    }))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health).service(ready);
}
