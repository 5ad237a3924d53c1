//! A site's whole organisation: `/admin/sites/{site_id}/organisation`.

use crate::http::error::ApiError;
use crate::http::path::PathId;
use crate::http::problem::Problem;
use crate::model::guichet::Guichet;
use crate::model::guichet::GuichetWithPlages;
use crate::model::motif::Motif;
use crate::model::organisation::Organisation;
use crate::model::plage::PlageResponse;
use crate::model::service::Service;
use crate::model::service::ServiceWithMotifs;
use crate::security::agent::AuthenticatedAgent;
use crate::security::scope::may_read;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use planipref_domain::ids::SiteId;
use planipref_domain::plage::weekday_name;
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
    agent: AuthenticatedAgent,
    PathId(site_id): PathId<SiteId>,
) -> Result<HttpResponse, ApiError> {
    let agent = agent.0;
    let organisation = state
        .blocking(move |store| {
            let site = store
                .get_site(&site_id.to_string())
                .map_err(|e| ApiError::from_store(e, "site"))?;
            may_read(&agent, &site)?;
            let o = store.site_organisation(&site.id).map_err(ApiError::from)?;
            let services = o
                .services
                .into_iter()
                .map(|s| {
                    let motifs = o
                        .motifs
                        .iter()
                        .filter(|m| m.service_id == s.id)
                        .map(|m| Motif::from_rows(m.clone(), s.clone()))
                        .collect();
                    ServiceWithMotifs {
                        service: Service::from_row(s),
                        motifs,
                    }
                })
                .collect();
            let mut guichets = Vec::new();
            for g in o.guichets {
                let motif_ids = o
                    .served
                    .iter()
                    .filter(|(gid, _)| *gid == g.id)
                    .map(|(_, m)| m.clone())
                    .collect();
                let mut plages = Vec::new();
                for p in o.plages.iter().filter(|p| p.guichet_id == g.id) {
                    let weekdays = planipref_domain::plage::Weekdays::from_bits(p.weekdays)
                        .ok_or(ApiError::Internal)?;
                    plages.push(PlageResponse {
                        version: p.revision,
                        id: p.id.clone(),
                        guichet_id: p.guichet_id.clone(),
                        weekdays: weekdays
                            .days()
                            .into_iter()
                            .map(|d| weekday_name(d).to_owned())
                            .collect(),
                        start: p.start_time.format("%H:%M").to_string(),
                        end: p.end_time.format("%H:%M").to_string(),
                        valid_from: p.valid_from,
                        valid_until: p.valid_until,
                        motif_ids: o
                            .restrictions
                            .iter()
                            .filter(|(pid, _)| *pid == p.id)
                            .map(|(_, m)| m.clone())
                            .collect(),
                    });
                }
                guichets.push(GuichetWithPlages {
                    guichet: Guichet::from_row(&g, motif_ids),
                    plages,
                });
            }
            Ok(Organisation {
                site_id: site.id,
                services,
                guichets,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(organisation))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(site_organisation);
}
