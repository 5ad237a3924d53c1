//! Appointments, for agents: a site's list, cancel or move with a reason, history.

use crate::app::moves::move_to;
use crate::app::reservations::agent_view;
use crate::app::reservations::readable_reservation;
use crate::http::error::ApiError;
use crate::http::extract::JsonBody;
use crate::http::extract::QueryParams;
use crate::http::path::PathId;
use crate::http::problem::Problem;
use crate::model::reservation::AgentReservation;
use crate::model::reservation::AgentReservationPage;
use crate::model::reservation::CancelAsAgent;
use crate::model::reservation::History;
use crate::model::reservation::HistoryEntry;
use crate::model::reservation::RescheduleAsAgent;
use crate::model::reservation::SiteReservationsQuery;
use crate::security::agent::AuthenticatedAgent;
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use planipref_domain::access::check_reason;
use planipref_domain::error::Collector;
use planipref_domain::ids::ReservationId;
use planipref_domain::ids::SiteId;
use planipref_store::from_db;
use planipref_store::models::status;
use utoipa_actix_web::service_config::ServiceConfig;
/// A site's appointments
///
/// The appointments of a site between two local days (at most 31), earliest
/// first, with who comes and why. For agents whose scope covers the site.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site"), SiteReservationsQuery),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The appointments", body = AgentReservationPage,
         example = json!({"items": [crate::model::reservation::example_agent_reservation()], "total": 1, "page": 1, "per_page": 50})),
        (status = 403, description = "The site is outside the agent's scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `from`, `to`, `status`, `page` or `per_page`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sites/{site_id}/reservations")]
pub async fn site_reservations(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    PathId(site_id): PathId<SiteId>,
    QueryParams(q): QueryParams<SiteReservationsQuery>,
) -> Result<HttpResponse, ApiError> {
    let asked = q.check()?;
    let now = state.now();
    let page = state
        .blocking(move |store| {
            crate::app::reservations::of_site(store, &agent, site_id, &asked, now)
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Cancel an appointment (agent)
///
/// Cancels the appointment, whatever the applicant's deadline, and frees
/// its slot. The reason is mandatory and kept in the history with the
/// agent's identity. Cancelling a cancelled appointment changes nothing.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("reference" = String, Path, description = "Reservation reference", example = "K7QX-M3PA")),
    request_body(content = CancelAsAgent),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Cancelled", body = AgentReservation, example = json!(crate::model::reservation::example_agent_reservation())),
        (status = 403, description = "The site is outside the agent's scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such reservation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The appointment has started", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or invalid `reason`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reservations/{reference}/cancel")]
pub async fn cancel_as_agent(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    path: web::Path<String>,
    JsonBody(body): JsonBody<CancelAsAgent>,
) -> Result<HttpResponse, ApiError> {
    let reason = check_reason(&body.reason).map_err(|e| ApiError::Validation(vec![e]))?;
    let now = state.now();
    let detail = state
        .blocking(move |store| {
            let mut detail = readable_reservation(store, &agent, &path)?;
            let r = &detail.reservation;
            if r.status == status::BOOKED {
                if from_db(r.starts_at) <= now {
                    return Err(ApiError::AppointmentPast);
                }
                let id: ReservationId = r.id.parse().map_err(|_| ApiError::Internal)?;
                let release_at = crate::app::booking::release_at(store, &detail.site, now)?;
                detail.reservation = store
                    .cancel_reservation(id, (&agent.actor(), Some(&reason)), now, release_at)
                    .map_err(|e| ApiError::from_store(e, "reservation"))?;
            }
            agent_view(store, detail)
        })
        .await?;
    Ok(HttpResponse::Ok().json(detail))
}

/// Move an appointment (agent)
///
/// Moves the appointment to another slot of its motif, for the same
/// persons, atomically (the old slot is freed only once the new one is
/// secured). The reason is mandatory and kept in the history.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("reference" = String, Path, description = "Reservation reference", example = "K7QX-M3PA")),
    request_body(content = RescheduleAsAgent),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Moved", body = AgentReservation, example = json!(crate::model::reservation::example_agent_reservation())),
        (status = 403, description = "The site is outside the agent's scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such reservation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new slot is full, or the appointment is cancelled or has started", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or invalid `reason` or `start`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reservations/{reference}/reschedule")]
pub async fn reschedule_as_agent(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    path: web::Path<String>,
    JsonBody(body): JsonBody<RescheduleAsAgent>,
) -> Result<HttpResponse, ApiError> {
    let mut c = Collector::default();
    let reason = c.take(check_reason(&body.reason));
    let start = c.take(crate::model::fields::parse_start(Some(&body.start)));
    c.finish()?;
    let (Some(reason), Some(start)) = (reason, start) else {
        return Err(ApiError::Internal);
    };
    let now = state.now();
    let detail = state
        .blocking(move |store| {
            let detail = readable_reservation(store, &agent, &path)?;
            let actor = agent.actor();
            let moved = move_to(store, detail, start, (&actor, Some(&reason)), now)?;
            agent_view(store, moved)
        })
        .await?;
    Ok(HttpResponse::Ok().json(detail))
}

/// A reservation's history
///
/// Every change to the appointment, oldest first: who (the applicant, an
/// agent, the system), what, why, and the values before and after. Entries
/// are never changed or deleted.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("reference" = String, Path, description = "Reservation reference", example = "K7QX-M3PA")),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The history", body = History,
         example = json!({"reference": "K7QX-M3PA", "entries": [{"at": "2026-11-28T13:05:12Z", "actor": "applicant", "action": "created", "reason": null, "previous": null, "current": null}],
             "messages": [{"id": "f715b8be-be7a-43bb-8186-913067dcc323", "kind": "booked", "channel": "email", "status": "sent", "due_at": "2026-11-28T13:05:12Z", "sent_at": "2026-11-28T13:05:14Z", "failed_attempts": 0, "last_error": null}]})),
        (status = 403, description = "The site is outside the agent's scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such reservation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reservations/{reference}/history")]
pub async fn reservation_history(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let entries = state
        .blocking(move |store| {
            let detail = readable_reservation(store, &agent, &path)?;
            let id: ReservationId = detail
                .reservation
                .id
                .parse()
                .map_err(|_| ApiError::Internal)?;
            let events = store.reservation_events(id).map_err(ApiError::from)?;
            let messages = store.reservation_messages(&detail.reservation.id)?;
            Ok(History {
                reference: detail.reservation.reference,
                entries: events.into_iter().map(HistoryEntry::from).collect(),
                messages: messages.into_iter().map(Into::into).collect(),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(entries))
}

/// Book for someone
///
/// An agent (or an intermediary accredited in the site's département, its
/// organisation recorded) books an appointment for a named person: the
/// public path's slot rules, doublons and per-person limits; contact
/// details optional (a `contact_note` then says how the person is
/// reached); the channel and the agent recorded. A convocation-only motif
/// is booked with the person's convocation token (`X-Convocation-Token`,
/// read from their letter), as on the public path. The management token is
/// returned once, to give the person on paper. Per-client web limits do
/// not apply; the préfecture's daily cap per agent does (429).
#[utoipa::path(
    tag = "counter",
    security(("bearer" = [])),
    params(crate::model::convocation::ConvocationTokenParam),
    request_body(content = crate::model::counter::OnBehalfRequest),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::Unavailable,
        (status = 201, description = "Booked", body = crate::model::counter::OnBehalfCreated,
         headers(("Cache-Control" = String, description = "`no-store`: the body holds a secret")),
         example = json!(crate::model::counter::example_on_behalf_created())),
        (status = 403, description = "The site is outside the caller's scope (`forbidden`); the motif is booked only with a convocation (`convocation-required`), or the convocation presented is unknown, for another motif or another person (`convocation-invalid`, `-other-motif`, `-other-person`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such motif", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The slot is full (`slot-taken`), the person already has an appointment for this démarche (`already-booked`) or as many as allowed (`too-many-appointments`), the convocation has booked already (`convocation-used`)", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The convocation expired (`convocation-expired`) or was withdrawn (`convocation-revoked`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (every one at once); the démarche's file check refused the file (`file-consumed`, `file-unknown`, `file-expired`, naming `applicant.file_number`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database does not answer (`unavailable`), or the system holding the applicant's file could not say and the démarche refuses then (`file-check-unavailable`, retry after a minute: not the applicant's fault)", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
        (status = 429, description = "The agent booked as many appointments for others today as the préfecture allows (`agent-daily-bookings`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reservations")]
pub async fn book_on_behalf(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    JsonBody(body): JsonBody<crate::model::counter::OnBehalfRequest>,
    convocation: crate::http::extract::ConvocationTokenHeader,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let token = planipref_domain::reference::ManagementToken::from_random_bytes(
        &crate::app::booking::random_bytes()?,
    );
    let key = state.outbox_key.clone();
    let given = token.clone();
    let files = state.file_status.clone();
    let reservation = state
        .blocking(move |store| {
            let convocation = convocation.0.as_deref();
            let detail = crate::app::counter_bookings::on_behalf(
                store,
                (&agent, now),
                (&body, convocation),
                (&given, &key),
                files.as_ref(),
            )?;
            agent_view(store, detail)
        })
        .await?;
    let created = crate::model::counter::OnBehalfCreated {
        reference: reservation.reference.clone(),
        management_token: token.expose().to_owned(),
        reservation,
    };
    Ok(HttpResponse::Created()
        .insert_header(crate::http::headers::NO_STORE)
        .json(created))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(book_on_behalf)
        .service(site_reservations)
        .service(cancel_as_agent)
        .service(reschedule_as_agent)
        .service(reservation_history);
}
