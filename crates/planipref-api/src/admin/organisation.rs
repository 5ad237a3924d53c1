//! A site's whole organisation: `/admin/sites/{site_id}/organisation`.

use crate::http::error::ApiError;
use crate::http::path::PathId;
use crate::http::problem::Problem;
use crate::model::organisation::Organisation;
use crate::security::agent::AuthenticatedAgent;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use planipref_domain::ids::SiteId;
use utoipa_actix_web::service_config::ServiceConfig;
/// A site's organisation
///
/// Everything a site is set up with, in one answer: services and their
/// motifs, guichets with the motifs they serve and their plages. For agents
/// whose scope covers the site.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The organisation", body = Organisation, example = json!({
            "site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11",
            "services": [{"id": "0b8f2f0a-3b1c-4a57-8f3e-6e1f8d7c2b10", "site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "name": "Bureau du séjour des étrangers", "description": "", "motifs": [crate::model::motif::example_motif()]}],
            "guichets": [{"id": "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f", "site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "name": "Guichet 1", "active": true, "active_from": null, "active_until": null, "motif_ids": ["9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00"], "channel": "public",
                          "plages": [{"id": "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d", "guichet_id": "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f", "weekdays": ["monday"], "start": "09:00", "end": "12:00", "valid_from": "2026-01-01", "valid_until": null, "motif_ids": []}]}]
        })),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sites/{site_id}/organisation")]
pub async fn site_organisation(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    PathId(site_id): PathId<SiteId>,
) -> Result<HttpResponse, ApiError> {
    let organisation = state
        .blocking(move |store| crate::app::sites::organisation(store, &agent, site_id))
        .await?;
    Ok(HttpResponse::Ok().json(organisation))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(site_organisation);
}
