//! A préfecture's retention periods: `/admin/prefectures/{code}/retention`.

use crate::app::persons;
use crate::http::error::ApiError;
use crate::http::extract::JsonBody;
use crate::http::problem::Problem;
use crate::http::version::IfMatch;
use crate::http::version::IfMatchParam;
use crate::http::version::Versioned as _;
use crate::model::person::RetentionSettings;
use crate::model::person::RetentionUpdate;
use crate::security::agent::AuthenticatedAgent;
use crate::security::scope::may_administer_prefecture;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, put, web};
use utoipa_actix_web::service_config::ServiceConfig;

/// A préfecture's retention periods
///
/// How many months applicants' identity and contact, messages and the
/// audit trail are kept before the hourly purge erases them. For the
/// administrators of its département and national administrators.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("code" = String, Path, description = "Département code", example = "93")),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The periods", body = RetentionSettings, example = json!({"identity_months": 9, "message_months": 1, "audit_months": 60, "version": 3})),
        (status = 404, description = "No such préfecture", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/prefectures/{code}/retention")]
pub async fn get_retention(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = may_administer_prefecture(&agent, &path)?;
    let settings = state
        .blocking(move |store| persons::retention(store, &code))
        .await?;
    Ok(settings.answer(StatusCode::OK))
}

/// Change a préfecture's retention periods
///
/// From the version read (`If-Match`: the préfecture's); checked together
/// (identity 1 to 36 months, messages up to the identity's, the audit
/// trail from the identity's to 120); audited. The next purge applies them.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("code" = String, Path, description = "Département code", example = "93"), IfMatchParam),
    request_body(content = RetentionUpdate),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::VersionErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Changed", body = RetentionSettings, example = json!({"identity_months": 6, "message_months": 1, "audit_months": 60, "version": 4})),
        (status = 404, description = "No such préfecture", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed since the version sent (`stale`, with `current_version`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid periods", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/prefectures/{code}/retention")]
pub async fn update_retention(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    path: web::Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<RetentionUpdate>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let code = may_administer_prefecture(&agent, &path)?;
    let changed = state
        .blocking(move |store| {
            persons::change_retention(store, (&agent, now), &code, &body, if_match)
        })
        .await?;
    Ok(changed.answer(StatusCode::OK))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_retention).service(update_retention);
}
