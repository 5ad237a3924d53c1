//! A préfecture's anti-capture settings: `/admin/prefectures/{code}/anti-capture`.

use crate::app::audit::prefecture_audit;
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
use planipref_domain::DomainError;
use planipref_domain::channel::check_release_hours;
use planipref_domain::quota::check_max_active_per_person as check_quota;
use planipref_domain::release::ReleaseRules;
use planipref_store::AuditEntry;
use planipref_store::models::PrefectureRulesRow;
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
    agent: AuthenticatedAgent,
    path: web::Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<AntiCaptureUpdate>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let code = may_administer_prefecture(&agent.0, &path)?;
    let agent = agent.0;
    let after = state
        .blocking(move |store| {
            let (rules, version) = store
                .anti_capture(code.as_str())
                .map_err(|e| ApiError::from_store(e, "préfecture"))?;
            let before = AntiCapture::new(rules, version);
            let after = AntiCapture {
                version: if_match.next(),
                release_delay_min_minutes: body
                    .release_delay_min_minutes
                    .unwrap_or(before.release_delay_min_minutes),
                release_delay_max_minutes: body
                    .release_delay_max_minutes
                    .unwrap_or(before.release_delay_max_minutes),
                opening_start_minute: body
                    .opening_start_minute
                    .unwrap_or(before.opening_start_minute),
                opening_window_minutes: body
                    .opening_window_minutes
                    .unwrap_or(before.opening_window_minutes),
                max_active_per_person: body
                    .max_active_per_person
                    .unwrap_or(before.max_active_per_person),
                convocation_release_hours: body
                    .convocation_release_hours
                    .unwrap_or(before.convocation_release_hours),
            };
            let release = ReleaseRules {
                delay_min_minutes: after.release_delay_min_minutes,
                delay_max_minutes: after.release_delay_max_minutes,
                opening_start_minute: after.opening_start_minute,
                opening_window_minutes: after.opening_window_minutes,
            }
            .check();
            let quota = check_quota(after.max_active_per_person);
            let channels = check_release_hours(after.convocation_release_hours);
            DomainError::both(DomainError::both(release, quota), channels)?;
            let n = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
            let row = PrefectureRulesRow {
                release_delay_min_minutes: n(after.release_delay_min_minutes),
                release_delay_max_minutes: n(after.release_delay_max_minutes),
                opening_start_minute: n(after.opening_start_minute),
                opening_window_minutes: n(after.opening_window_minutes),
                max_active_per_person: n(after.max_active_per_person),
                convocation_release_hours: n(after.convocation_release_hours),
            };
            let audit = AuditEntry {
                before: crate::app::audit::json(&before),
                after: crate::app::audit::json(&after),
                ..prefecture_audit(&agent, code.as_str(), "updated", now)
            };
            store
                .update_prefecture_rules(code.as_str(), &row, if_match.0, &audit)
                .map_err(|e| ApiError::from_store(e, "préfecture"))?;
            Ok(after)
        })
        .await?;
    Ok(after.answer(StatusCode::OK))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_anti_capture).service(update_anti_capture);
}
