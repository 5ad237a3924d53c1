//! Openings on holidays: `/admin/sites/{site_id}/ouvertures`.

use crate::app::audit::json;
use crate::app::audit::site_entry;
use crate::http::error::ApiError;
use crate::http::error::write_error;
use crate::http::extract::JsonBody;
use crate::http::path::PathId;
use crate::http::problem::Problem;
use crate::model::fermeture::Ouverture;
use crate::model::fermeture::OuvertureRequest;
use crate::model::site::site_departement;
use crate::security::agent::AuthenticatedAgent;
use crate::security::scope::may_administer_departement;
use crate::state::AppState;
use actix_web::{HttpResponse, post, web};
use planipref_domain::ids::SiteId;
use planipref_domain::text::check_name;
use planipref_store::AuditEntry;
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
    agent: AuthenticatedAgent,
    PathId(site_id): PathId<SiteId>,
    JsonBody(body): JsonBody<OuvertureRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let mut c = planipref_domain::error::Collector::default();
    let date = c.take(planipref_domain::slots::parse_search_date(
        "date", &body.date,
    ));
    let reason = c.take(check_name("reason", &body.reason, 200));
    c.finish()?;
    let (Some(date), Some(reason)) = (date, reason) else {
        return Err(ApiError::Internal);
    };
    let agent = agent.0;
    let created = state
        .blocking(move |store| {
            let site = store
                .get_site(&site_id.to_string())
                .map_err(|e| ApiError::from_store(e, "site"))?;
            let departement = site_departement(&site)?;
            may_administer_departement(&agent, &departement)?;
            let holidays: Vec<String> = planipref_domain::calendar::holidays_on(date, &departement)
                .into_iter()
                .map(|h| h.code().to_owned())
                .collect();
            if holidays.is_empty() {
                return Err(ApiError::invalid(
                    "date",
                    "is not a public holiday of the site's département",
                ));
            }
            let row = planipref_store::models::OuvertureRow {
                id: uuid::Uuid::new_v4().to_string(),
                site_id: site.id.clone(),
                day: date,
                reason: reason.clone(),
                created_at: planipref_store::to_db(now),
            };
            let ouverture = Ouverture {
                id: row.id.clone(),
                site_id: site.id.clone(),
                date,
                holidays,
                reason,
            };
            let audit = AuditEntry {
                after: json(&ouverture),
                ..site_entry(&agent, &site, "ouverture", &row.id, "created", now)
            };
            store
                .create_ouverture(&row, &audit)
                .map_err(|e| write_error(e, "the site is already opened that day"))?;
            Ok(ouverture)
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_ouverture);
}
