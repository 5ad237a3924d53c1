//! A préfecture's anti-capture settings: `/admin/prefectures/{code}/anti-capture`.

use crate::app::prefectures;
use crate::http::error::ApiError;
use crate::http::extract::JsonBody;
use crate::http::problem::Problem;
use crate::http::version::IfMatch;
use crate::http::version::IfMatchParam;
use crate::http::version::Versioned as _;
use crate::model::prefecture::AntiCapture;
use crate::model::prefecture::AntiCaptureUpdate;
use crate::model::prefecture::anti_capture_example;
use crate::security::agent::AuthenticatedAgent;
use crate::security::scope::may_administer_prefecture;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, put, web};
use utoipa_actix_web::service_config::ServiceConfig;
/// A préfecture's anti-capture settings
///
/// How long cancelled slots wait before returning to the public, when new
/// days open, and how many appointments one person may hold. For the
/// administrators of its département and national administrators.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("code" = String, Path, description = "Département code", example = "93")),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The settings", body = AntiCapture, example = json!(anti_capture_example())),
        (status = 404, description = "No such préfecture", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/prefectures/{code}/anti-capture")]
pub async fn get_anti_capture(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = may_administer_prefecture(&agent.0, &path)?;
    let (rules, version) = state
        .blocking(move |store| {
            store
                .anti_capture(code.as_str())
                .map_err(|e| ApiError::from_store(e, "préfecture"))
        })
        .await?;
    Ok(AntiCapture::new(rules, version).answer(StatusCode::OK))
}

/// Change a préfecture's anti-capture settings
///
/// Replaces the settings sent, checked together (every invalid field at
/// once), from the version read (`If-Match`: the préfecture's). Takes
/// effect at once on every server; audited. For the administrators of its
/// département and national administrators.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("code" = String, Path, description = "Département code", example = "93"), IfMatchParam),
    request_body(content = AntiCaptureUpdate),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::VersionErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The new settings", body = AntiCapture, example = json!(anti_capture_example())),
        (status = 404, description = "No such préfecture", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed since the version sent (`stale`, with `current_version`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/prefectures/{code}/anti-capture")]
pub async fn update_anti_capture(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    path: web::Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<AntiCaptureUpdate>,
) -> Result<HttpResponse, ApiError> {
    let code = may_administer_prefecture(&agent, &path)?;
    let now = state.now();
    let after = state
        .blocking(move |store| {
            prefectures::change_anti_capture(store, (&agent, now), &code, &body, if_match)
        })
        .await?;
    Ok(after.answer(StatusCode::OK))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_anti_capture).service(update_anti_capture);
}
