//! The counter's steps on an appointment: `/admin/reservations/{reference}/check-in`,
//! `/call`, `/done`, `/no-show`, and `/undo` of the last one.
use crate::app::counter;
use crate::http::error::ApiError;
use crate::http::extract::JsonBody;
use crate::http::problem::Problem;
use crate::model::counter::CallRequest;
use crate::model::counter::CounterEntry;
use crate::model::counter::UndoRequest;
use crate::model::counter::example_counter_entry;
use crate::security::agent::AuthenticatedAgent;
use crate::state::AppState;
use actix_web::{HttpResponse, post, web};
use planipref_domain::access::Agent;
use planipref_domain::attendance::Step;
use utoipa_actix_web::service_config::ServiceConfig;

/// Takes `step` and answers the appointment as it now stands.
async fn step(
    state: web::Data<AppState>,
    agent: Agent,
    reference: String,
    step: Step,
    called: Option<CallRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let entry = state
        .blocking(move |store| {
            counter::take_step(store, (&agent, now), &reference, step, called.as_ref())
        })
        .await?;
    Ok(HttpResponse::Ok().json(entry))
}

/// The person has arrived
///
/// Records the arrival (`booked` → `checked_in`) with the agent and time
/// in the history. For agents whose scope covers the site.
#[utoipa::path(
    tag = "counter", security(("bearer" = [])),
    params(("reference" = String, Path, description = "Reservation reference", example = "K7QX-M3PA")),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::CounterStepErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Checked in", body = CounterEntry, example = json!(example_counter_entry())),
    )
)]
#[post("/reservations/{reference}/check-in")]
pub async fn check_in(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    step(state, agent, path.into_inner(), Step::CheckIn, None).await
}

/// Call the person to a guichet
///
/// Records the call (`checked_in` → `called`), to the guichet named (by
/// default the appointment's). Two agents calling the same person: one
/// call is recorded, the other answers 409 `wrong-status`.
#[utoipa::path(
    tag = "counter", security(("bearer" = [])),
    params(("reference" = String, Path, description = "Reservation reference", example = "K7QX-M3PA")),
    request_body(content = CallRequest),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::CounterStepErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Called", body = CounterEntry, example = json!(example_counter_entry())),
        (status = 422, description = "`guichet_id` is not a guichet of the site", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reservations/{reference}/call")]
pub async fn call(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    path: web::Path<String>,
    JsonBody(body): JsonBody<CallRequest>,
) -> Result<HttpResponse, ApiError> {
    step(state, agent, path.into_inner(), Step::Call, Some(body)).await
}

/// The person has been served
///
/// Records the end (`called` → `done`); the rest of the appointment's time
/// is given back to the guichet (what had passed stays taken).
#[utoipa::path(
    tag = "counter", security(("bearer" = [])),
    params(("reference" = String, Path, description = "Reservation reference", example = "K7QX-M3PA")),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::CounterStepErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Done", body = CounterEntry, example = json!(example_counter_entry())),
    )
)]
#[post("/reservations/{reference}/done")]
pub async fn done(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    step(state, agent, path.into_inner(), Step::Done, None).await
}

/// The person did not come
///
/// Records a no-show: someone expected (`booked`) once the appointment has
/// started, or someone who arrived and left (`checked_in`, `called`) at
/// any time; the rest of its time is given back. The
/// préfecture's task does the same by itself `no_show_after_minutes`
/// after the start of appointments still `booked`.
#[utoipa::path(
    tag = "counter", security(("bearer" = [])),
    params(("reference" = String, Path, description = "Reservation reference", example = "K7QX-M3PA")),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::CounterStepErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Recorded", body = CounterEntry, example = json!(example_counter_entry())),
        (status = 409, description = "The status does not allow it (`wrong-status`, with `current_status`), or the person is expected and the appointment has not started (`conflict`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reservations/{reference}/no-show")]
pub async fn no_show(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    step(state, agent, path.into_inner(), Step::NoShow, None).await
}

/// Undo the last step
///
/// Undoes the last step still standing (checked in, called, done or
/// no-show) within 15 minutes of it, with a reason kept in the history;
/// the status before it comes back. Time given back to the guichet stays
/// given back.
#[utoipa::path(
    tag = "counter", security(("bearer" = [])),
    params(("reference" = String, Path, description = "Reservation reference", example = "K7QX-M3PA")),
    request_body(content = UndoRequest),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::CounterStepErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Undone", body = CounterEntry, example = json!(example_counter_entry())),
        (status = 409, description = "Nothing to undo, or the last step is over 15 minutes old (`cannot-undo`); the status changed meanwhile (`wrong-status`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or invalid `reason`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reservations/{reference}/undo")]
pub async fn undo(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    path: web::Path<String>,
    JsonBody(body): JsonBody<UndoRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let entry = state
        .blocking(move |store| counter::undo(store, (&agent, now), &path, &body.reason))
        .await?;
    Ok(HttpResponse::Ok().json(entry))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(check_in)
        .service(call)
        .service(done)
        .service(no_show)
        .service(undo);
}
