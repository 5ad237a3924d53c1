//! A préfecture's counter settings: `/admin/prefectures/{code}/counter`.
use crate::app::counter_settings;
use crate::http::error::ApiError;
use crate::http::extract::JsonBody;
use crate::http::problem::Problem;
use crate::http::version::IfMatch;
use crate::http::version::IfMatchParam;
use crate::http::version::Versioned as _;
use crate::model::counter::CounterSettings;
use crate::model::counter::CounterSettingsUpdate;
use crate::model::counter::example_counter_settings;
use crate::security::agent::AuthenticatedAgent;
use crate::security::scope::may_administer_prefecture;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, put, web};
use utoipa_actix_web::service_config::ServiceConfig;

/// A préfecture's counter settings
///
/// When an appointment still booked becomes a no-show, how far walk-ins
/// may take public time, and how many appointments an agent may book for
/// others a day. For the administrators of its département and national
/// administrators.
#[utoipa::path(
    tag = "counter", security(("bearer" = [])),
    params(("code" = String, Path, description = "Département code", example = "93")),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The settings", body = CounterSettings, example = json!(example_counter_settings())),
        (status = 404, description = "No such préfecture", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/prefectures/{code}/counter")]
pub async fn get_counter_settings(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = may_administer_prefecture(&agent, &path)?;
    let (row, version) = state
        .blocking(move |store| {
            store
                .counter_settings(code.as_str())
                .map_err(|e| ApiError::from_store(e, "préfecture"))
        })
        .await?;
    Ok(counter_settings::settings_view(row, version).answer(StatusCode::OK))
}

/// Change a préfecture's counter settings
///
/// Replaces the three settings, checked together, from the version read
/// (`If-Match`: the préfecture's); audited.
#[utoipa::path(
    tag = "counter", security(("bearer" = [])),
    params(("code" = String, Path, description = "Département code", example = "93"), IfMatchParam),
    request_body(content = CounterSettingsUpdate),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::VersionErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The new settings", body = CounterSettings, example = json!(example_counter_settings())),
        (status = 404, description = "No such préfecture", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed since the version sent (`stale`, with `current_version`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/prefectures/{code}/counter")]
pub async fn update_counter_settings(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    path: web::Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<CounterSettingsUpdate>,
) -> Result<HttpResponse, ApiError> {
    let code = may_administer_prefecture(&agent, &path)?;
    let now = state.now();
    let after = state
        .blocking(move |store| {
            counter_settings::change_settings(store, (&agent, now), code.as_str(), &body, if_match)
        })
        .await?;
    Ok(after.answer(StatusCode::OK))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_counter_settings)
        .service(update_counter_settings);
}
