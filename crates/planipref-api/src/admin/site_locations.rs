//! A site's location, for national hubs' maps: `/admin/sites/{site_id}/location`.

use crate::app::hub;
use crate::http::error::ApiError;
use crate::http::extract::JsonBody;
use crate::http::path::PathId;
use crate::http::problem::Problem;
use crate::http::version::IfMatch;
use crate::http::version::IfMatchParam;
use crate::http::version::Versioned as _;
use crate::model::hub::SiteLocation;
use crate::model::hub::SiteLocationUpdate;
use crate::security::agent::AuthenticatedAgent;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, put, web};
use planipref_domain::ids::SiteId;
use utoipa_actix_web::service_config::ServiceConfig;

/// A site's location
///
/// Its coordinates (WGS 84) and page, as national hubs show it; `null`
/// coordinates while none is set (the site is then not offered to hubs).
/// Its `version` is the site's. For agents who may read the site.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Its location", body = SiteLocation, example = json!(crate::model::hub::example_location())),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sites/{site_id}/location")]
pub async fn get_location(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    PathId(id): PathId<SiteId>,
) -> Result<HttpResponse, ApiError> {
    let location = state
        .blocking(move |store| hub::location(store, &agent, id))
        .await?;
    Ok(location.answer(StatusCode::OK))
}

/// Set a site's location
///
/// Replaces its coordinates and page, from the site's version read
/// (`If-Match`; the site's version goes up). From then on the site is one
/// of the hubs' meeting points. Audited; administrators of the site's
/// département only.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"), IfMatchParam),
    request_body(content = SiteLocationUpdate, example = json!({"latitude": 48.9077, "longitude": 2.4397, "website": "https://www.seine-saint-denis.gouv.fr"})),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::VersionErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Set", body = SiteLocation, example = json!(crate::model::hub::example_location())),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The site changed since the version sent (`stale`, with `current_version`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid location, each field named (`latitude`, `longitude`, `website`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/sites/{site_id}/location")]
pub async fn set_location(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    PathId(id): PathId<SiteId>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<SiteLocationUpdate>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let set = state
        .blocking(move |store| hub::set_location(store, (&agent, now), id, &body, if_match))
        .await?;
    Ok(set.answer(StatusCode::OK))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_location).service(set_location);
}
