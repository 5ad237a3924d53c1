//! Openings on holidays: `/admin/sites/{site_id}/ouvertures`.

use crate::http::error::ApiError;
use crate::http::extract::JsonBody;
use crate::http::path::PathId;
use crate::http::problem::Problem;
use crate::model::fermeture::Ouverture;
use crate::model::fermeture::OuvertureRequest;
use crate::security::agent::AuthenticatedAgent;
use crate::state::AppState;
use actix_web::{HttpResponse, post, web};
use planipref_domain::ids::SiteId;
use utoipa_actix_web::service_config::ServiceConfig;
/// Open a site on a holiday
///
/// Sites are closed on the public holidays of their département; a
/// préfecture may open one on such a day all the same (Whit Monday as the
/// "journée de solidarité", for instance): its plages then apply that day.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")),
    request_body(content = OuvertureRequest, example = json!({"date": "2027-05-17", "reason": "Journée de solidarité"})),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::Unavailable,
        (status = 201, description = "Opened", body = Ouverture, example = json!({"id": "8c9d0e1f-2a3b-4c4d-9e5f-6a7b8c9d0e1f", "site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "date": "2027-05-17", "holidays": ["lundi_de_pentecote"], "reason": "Journée de solidarité"})),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The site is already opened that day", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid date, or not a holiday of the site's département", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sites/{site_id}/ouvertures")]
pub async fn create_ouverture(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    PathId(site_id): PathId<SiteId>,
    JsonBody(body): JsonBody<OuvertureRequest>,
) -> Result<HttpResponse, ApiError> {
    let opening = body.check()?;
    let now = state.now();
    let created = state
        .blocking(move |store| {
            crate::app::fermetures::open_on_holiday(store, (&agent, now), site_id, opening)
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_ouverture);
}
