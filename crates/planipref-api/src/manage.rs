//! What an applicant does with a booked appointment besides reading and
//! cancelling it: move it to another slot, and put it in their calendar.
//! Both need the reference and the management token.

use crate::http::error::ApiError;
use crate::http::error::Problem;
use crate::http::extract::JsonBody;
use crate::http::extract::ManagementTokenHeader;
use crate::model::reservation::ManagementTokenParam;
use crate::model::reservation::NO_STORE;
use crate::model::reservation::RescheduleRequest;
use crate::model::reservation::Reservation;
use crate::model::site::site_zone;
use crate::reservations::authorised;
use crate::reservations::parse_start;
use crate::reservations::place;
use crate::reservations::reservation_response;
use crate::slots::Access;
use crate::slots::ContextCheck;
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use planipref_domain::ics::{Appointment, calendar};
use planipref_domain::ids::ReservationId;
use planipref_store::models::status;
use planipref_store::{Move, ReservationDetail, Store, from_db};

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

/// Moves a booked reservation to `start` (a slot of its motif for its
/// persons), as `actor` for `reason`.
pub fn move_to(
    store: &Store,
    detail: ReservationDetail,
    start: DateTime<Utc>,
    (actor, reason): (&str, Option<&str>),
    now: DateTime<Utc>,
) -> Result<ReservationDetail, ApiError> {
    let r = &detail.reservation;
    if r.status != status::BOOKED {
        return Err(ApiError::Conflict("the appointment is cancelled"));
    }
    if from_db(r.starts_at) <= now {
        return Err(ApiError::AppointmentPast);
    }
    if from_db(r.starts_at) == start {
        return Err(ApiError::invalid("start", "is the current appointment"));
    }
    let id: ReservationId = r.id.parse().map_err(|_| ApiError::Internal)?;
    let motif_id = r.motif_id.parse().map_err(|_| ApiError::Internal)?;
    let persons = u32::try_from(r.persons).unwrap_or(1);
    // Agents move any appointment; an applicant moves theirs to what they
    // could book: the public's slots, or their convocation's days.
    let access = if actor.starts_with("agent:") {
        Access::Agent
    } else {
        match &r.convocation_id {
            None => Access::Public,
            Some(id) => {
                let id = id.parse().map_err(|_| ApiError::Internal)?;
                Access::Convoked(store.convocation(id).map_err(ApiError::from)?.days())
            }
        }
    };
    // Its context was checked when it was booked.
    let placed = place(
        store,
        motif_id,
        start,
        (persons, access, ContextCheck::Skipped),
        now,
    )?;
    let row = store
        .reschedule_reservation(
            id,
            &Move {
                motif_id,
                start,
                end: placed.end,
                time_zone: placed.time_zone,
                actor,
                reason,
                now,
                release_at: crate::reservations::release_at(store, &detail.site, now)?,
            },
            &placed.candidates,
        )
        .map_err(|e| ApiError::from_store(e, "reservation"))?;
    Ok(ReservationDetail {
        reservation: row,
        ..detail
    })
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

/// The calendar file of a reservation.
fn ics_of(detail: &ReservationDetail, now: DateTime<Utc>) -> Result<String, ApiError> {
    let (r, motif, site) = (&detail.reservation, &detail.motif, &detail.site);
    let tz = site_zone(site)?;
    let mut description = format!(
        "Référence du rendez-vous : {}\nPersonnes : {}\nHeure locale : {} ({})",
        r.reference,
        r.persons,
        from_db(r.starts_at)
            .with_timezone(&tz)
            .format("%d/%m/%Y %H:%M"),
        site.time_zone
    );
    let documents = motif.document_list();
    if !documents.is_empty() {
        description.push_str("\n\nÀ apporter :");
        for d in documents {
            description.push_str("\n- ");
            description.push_str(&d);
        }
    }
    if !motif.instructions.trim().is_empty() {
        description.push_str("\n\n");
        description.push_str(motif.instructions.trim());
    }
    let summary = format!("{} – {}", motif.label, site.name);
    let location = format!(
        "{}, {}, {} {}",
        site.name, site.address_line, site.postal_code, site.city
    );
    let uid = format!("{}@planipref", r.id);
    Ok(calendar(&Appointment {
        uid: &uid,
        stamp: now,
        start: from_db(r.starts_at),
        end: from_db(r.ends_at),
        summary: &summary,
        location: &location,
        description: &description,
        cancelled: r.status != status::BOOKED,
    }))
}
