//! What an applicant does with a booked appointment besides reading and
//! cancelling it: move it to another slot, and put it in their calendar.
//! Both need the reference and the management token.

use crate::app::booking::authorised;
use crate::app::booking::parse_start;
use crate::app::booking::reservation_response;
use crate::app::moves::ics_of;
use crate::app::moves::move_to;
use crate::http::error::ApiError;
use crate::http::error::Problem;
use crate::http::extract::JsonBody;
use crate::http::extract::ManagementTokenHeader;
use crate::model::reservation::ManagementTokenParam;
use crate::model::reservation::NO_STORE;
use crate::model::reservation::RescheduleRequest;
use crate::model::reservation::Reservation;
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use chrono::Utc;
use planipref_store::from_db;
use planipref_store::models::status;

/// Move an appointment
///
/// Moves the appointment to another slot of the same motif, for the same
/// persons. Atomic: the new slot is secured first, and the old one freed
/// only if that succeeds; if the new slot is taken meanwhile (409) the
/// appointment stays where it was. Allowed until the motif's cancellation
/// deadline. The move is recorded in the reservation's history.
#[utoipa::path(
    tag = "reservations",
    params(
        ("reference" = String, Path, description = "Reservation reference", example = "K7QX-M3PA"),
        ManagementTokenParam,
    ),
    request_body(content = RescheduleRequest),
    responses(
        (status = 200, description = "Moved", body = Reservation, example = json!(crate::model::examples::reservation())),
        (status = 400, description = "Missing `X-Management-Token`, or an unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown reference or wrong token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new slot is full (`slot-taken`), the appointment is cancelled or has started, or the deadline has passed", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`start` is not a slot of the motif, or is the current one", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[post(
    "/reservations/{reference}/reschedule",
    wrap = "actix_web::middleware::from_fn(crate::http::limits::booking)"
)]
pub async fn reschedule_reservation(
    state: web::Data<AppState>,
    path: web::Path<String>,
    token: ManagementTokenHeader,
    JsonBody(body): JsonBody<RescheduleRequest>,
) -> Result<HttpResponse, ApiError> {
    let start = parse_start(Some(&body.start)).map_err(|e| ApiError::Validation(vec![e]))?;
    let now = Utc::now();
    let detail = state
        .blocking(move |store| {
            let detail = authorised(store, &path, &token.0)?;
            if detail.reservation.status == status::BOOKED {
                detail
                    .motif
                    .booking_rules()
                    .check_cancellation(from_db(detail.reservation.starts_at), now)?;
            }
            move_to(store, detail, start, ("applicant", None), now)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(NO_STORE)
        .json(reservation_response(detail)?))
}

/// Add to a calendar
///
/// The appointment as an iCalendar file (RFC 5545): when (in UTC, shown at
/// the site's local time by calendar applications), where, the reference,
/// the documents to bring and the préfecture's instructions. A cancelled
/// appointment gives a cancelled entry. Needs the management token.
#[utoipa::path(
    tag = "reservations",
    params(
        ("reference" = String, Path, description = "Reservation reference", example = "K7QX-M3PA"),
        ManagementTokenParam,
    ),
    responses(
        (status = 200, description = "The calendar file", content_type = "text/calendar", body = String,
         example = json!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n…\r\nEND:VCALENDAR\r\n")),
        (status = 400, description = "Missing `X-Management-Token`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown reference or wrong token", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/reservations/{reference}/ics")]
pub async fn reservation_ics(
    state: web::Data<AppState>,
    path: web::Path<String>,
    token: ManagementTokenHeader,
) -> Result<HttpResponse, ApiError> {
    let detail = state
        .blocking(move |store| authorised(store, &path, &token.0))
        .await?;
    let ics = ics_of(&detail, Utc::now())?;
    let file = format!("rendez-vous-{}.ics", detail.reservation.reference);
    Ok(HttpResponse::Ok()
        .insert_header(NO_STORE)
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file}\""),
        ))
        .content_type("text/calendar; charset=utf-8")
        .body(ics))
}
