//! A site's day at the counter: `/admin/sites/{site_id}/day`.
use crate::app::counter;
use crate::http::error::ApiError;
use crate::http::extract::QueryParams;
use crate::http::path::PathId;
use crate::http::problem::Problem;
use crate::model::counter::DayQuery;
use crate::model::counter::SiteDay;
use crate::model::counter::example_day;
use crate::security::agent::AuthenticatedAgent;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use planipref_domain::ids::SiteId;
use utoipa_actix_web::service_config::ServiceConfig;

/// A site's day
///
/// Every appointment and walk-in of a local day in time order, with its
/// guichet, motif, status, arrival, call and end times, waiting and
/// service minutes, and the applicant's names; each guichet's plages and
/// closures that day (to draw the timeline); counts per status. Contact
/// details only with `with_contact=true`, which is recorded in the audit
/// trail. For agents whose scope covers the site.
#[utoipa::path(
    tag = "counter", security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site"), DayQuery),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The day", body = SiteDay, example = json!(example_day())),
        (status = 403, description = "The site is outside the agent's scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `date` or `guichet_id`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sites/{site_id}/day")]
pub async fn site_day(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    PathId(site_id): PathId<SiteId>,
    QueryParams(q): QueryParams<DayQuery>,
) -> Result<HttpResponse, ApiError> {
    let asked = q.check()?;
    let now = state.now();
    let day = state
        .blocking(move |store| counter::day(store, (&agent, now), site_id, &asked))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(crate::http::headers::NO_STORE)
        .json(day))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(site_day);
}
