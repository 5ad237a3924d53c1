//! A préfecture's over-booking policy: `/admin/prefectures/{code}/overbooking`.

use crate::app::overbooking_policy;
use crate::http::error::ApiError;
use crate::http::extract::JsonBody;
use crate::http::problem::Problem;
use crate::http::version::IfMatch;
use crate::http::version::IfMatchParam;
use crate::http::version::Versioned as _;
use crate::model::overbooking::OverbookingSettings;
use crate::model::overbooking::OverbookingUpdate;
use crate::security::agent::AuthenticatedAgent;
use crate::security::scope::may_administer_prefecture;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, put, web};
use utoipa_actix_web::service_config::ServiceConfig;

/// A préfecture's over-booking policy
///
/// Off by default (`ceiling_percent` 0). For the administrators of its
/// département and national administrators.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("code" = String, Path, description = "Département code", example = "93")),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The policy", body = OverbookingSettings, example = json!({"ceiling_percent": 0, "weeks": 12, "min_sample": 100, "version": 3})),
        (status = 404, description = "No such préfecture", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/prefectures/{code}/overbooking")]
pub async fn get_overbooking(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = may_administer_prefecture(&agent, &path)?;
    let settings = state
        .blocking(move |store| overbooking_policy::policy(store, &code))
        .await?;
    Ok(settings.answer(StatusCode::OK))
}

/// Change a préfecture's over-booking policy
///
/// From the version read (`If-Match`: the préfecture's); checked
/// (ceiling 0 to 20 %, 2 to 52 weeks, a minimum sample of 20 to 10,000);
/// audited. Slots offered from then on follow it; appointments already
/// over-booked stay.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("code" = String, Path, description = "Département code", example = "93"), IfMatchParam),
    request_body(content = OverbookingUpdate),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::VersionErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Changed", body = OverbookingSettings, example = json!({"ceiling_percent": 10, "weeks": 12, "min_sample": 100, "version": 4})),
        (status = 404, description = "No such préfecture", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed since the version sent (`stale`, with `current_version`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid policy", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/prefectures/{code}/overbooking")]
pub async fn update_overbooking(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    path: web::Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<OverbookingUpdate>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let code = may_administer_prefecture(&agent, &path)?;
    let changed = state
        .blocking(move |store| {
            overbooking_policy::change_policy(store, (&agent, now), &code, &body, if_match)
        })
        .await?;
    Ok(changed.answer(StatusCode::OK))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_overbooking).service(update_overbooking);
}
