//! People who come without an appointment: `/admin/sites/{site_id}/walk-ins`.
use crate::app::counter_bookings;
use crate::http::error::ApiError;
use crate::http::extract::JsonBody;
use crate::http::path::PathId;
use crate::http::problem::Problem;
use crate::model::counter::CounterEntry;
use crate::model::counter::WalkInRequest;
use crate::model::counter::example_counter_entry;
use crate::security::agent::AuthenticatedAgent;
use crate::state::AppState;
use actix_web::{HttpResponse, post, web};
use planipref_domain::ids::SiteId;
use utoipa_actix_web::service_config::ServiceConfig;

/// Register a walk-in
///
/// Gives a person who came without an appointment the earliest free time,
/// now or next, on a guichet serving the motif: walk-in guichets first
/// (any time left today), then public guichets within the préfecture's
/// `walk_in_horizon_minutes`. The time is taken like a booking's (never
/// two on one guichet at once); the person is checked in and gets the
/// day's next ticket number. For agents whose scope covers the site.
#[utoipa::path(
    tag = "counter", security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site")),
    request_body(content = WalkInRequest),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::Unavailable,
        (status = 201, description = "Registered, with its ticket", body = CounterEntry, example = json!(example_counter_entry())),
        (status = 403, description = "The site is outside the agent's scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site or motif", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No guichet serving the motif is free today (walk-in) or within the horizon (public): `no-walk-in-time`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (every one at once)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sites/{site_id}/walk-ins")]
pub async fn register_walk_in(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    PathId(site_id): PathId<SiteId>,
    JsonBody(body): JsonBody<WalkInRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let entry = state
        .blocking(move |store| counter_bookings::walk_in(store, (&agent, now), site_id, &body))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(crate::http::headers::NO_STORE)
        .json(entry))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(register_walk_in);
}
