//! The audit trail: `/admin/audit`.

use crate::http::error::ApiError;
use crate::http::extract::QueryParams;
use crate::http::problem::Problem;
use crate::model::audit::AuditPage;
use crate::model::audit::AuditQuery;
use crate::security::agent::AuthenticatedAgent;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;
/// List the audit trail
///
/// Every administrative write in the caller's scope — who, what, when, and
/// the values before and after — newest first, filterable by entity and
/// period. National administrators see everything, préfecture
/// administrators their départements, agents their sites.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        crate::http::responses::AgentOnly,
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "A page of entries", body = AuditPage, example = json!({
            "items": [{"occurred_at": "2026-11-28T14:05:12+00:00", "actor": "agent:a.martin", "departement": "974",
                       "site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "entity": "site",
                       "entity_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "action": "created",
                       "before": null, "after": {"name": "Sous-préfecture de Saint-Paul"}}],
            "page": 1, "per_page": 50, "total": 1})),
        (status = 422, description = "Invalid period or page", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    QueryParams(q): QueryParams<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let (filter, pages) = q.check()?;
    let page = state
        .blocking(move |store| crate::app::audit::list(store, &agent, filter, pages))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_audit);
}
