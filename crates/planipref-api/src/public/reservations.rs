//! An applicant's appointment: `POST /reservations`, and with its management token `GET /reservations/{reference}`, `/cancel`, `/reschedule`, `/ics`.

use crate::app::booking::authorised;
use crate::app::booking::book;
use crate::app::booking::random_bytes;
use crate::app::booking::release_at;
use crate::app::booking::reservation_response;
use crate::app::booking::validate;
use crate::app::moves::ics_of;
use crate::app::moves::move_to;
use crate::app::translations::localize_row;
use crate::http::error::ApiError;
use crate::http::extract::ConvocationTokenHeader;
use crate::http::extract::JsonBody;
use crate::http::extract::ManagementTokenHeader;
use crate::http::headers::NO_STORE;
use crate::http::language::{AcceptLanguage, AcceptLanguageParam, in_languages};
use crate::http::problem::Problem;
use crate::model::fields::parse_start;
use crate::model::reservation::CreateReservationRequest;
use crate::model::reservation::ManagementTokenParam;
use crate::model::reservation::RescheduleRequest;
use crate::model::reservation::Reservation;
use crate::model::reservation::ReservationCreated;
use crate::security::router::ContextHeader;
use crate::state::AppState;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, get, post, web};
use planipref_domain::ids::ReservationId;
use planipref_domain::reference::ManagementToken;
use planipref_store::from_db;
use planipref_store::models::status;
use utoipa_actix_web::service_config::ServiceConfig;
/// Book a slot
///
/// Books one appointment: the slot kept by a hold (`hold_id`, the one-page
/// journey: `POST /holds` when the applicant picks the slot, this when they
/// confirm), or directly a slot returned by the slots endpoint (`motif_id`,
/// `start`, `persons`). A free counter is assigned (not shown). Every field
/// is checked first, and all invalid ones are reported at once (422). When
/// the slot was taken in the meantime the answer is 409 and nothing is
/// written: no counter is ever booked twice, whatever the number of
/// simultaneous requests or servers. One person (the foreigner file number
/// when given, else the names and birth date, compared without case,
/// accents or spaces) holds at most one coming appointment per démarche: a
/// second is 409 `already-booked` unless the motif allows it. A
/// convocation-only motif is booked with the convocation's token
/// (`X-Convocation-Token`), for the person it names: the token is then
/// used up, until the appointment is cancelled. When the motif's démarche
/// has files checked (its `file_check`), `applicant.file_number` is
/// required and the State's system is asked (unless the hold confirmed was
/// checked for the same number): only a `validated` file is booked.
#[utoipa::path(
    tag = "reservations",
    request_body(content = CreateReservationRequest, example = json!(crate::model::reservation::example_create_reservation_request())),
    params(
        crate::model::convocation::ConvocationTokenParam,
        crate::security::router::ContextParam,
        AcceptLanguageParam
    ),
    responses(
        crate::http::responses::ContextErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::Unavailable,
        (status = 201, description = "Booked. `Location` points at the reservation.", body = ReservationCreated,
         headers(("Location" = String, description = "Path of the new reservation"), ("Cache-Control" = String, description = "`no-store`: the body holds a secret")),
         example = json!(crate::model::reservation::example_reservation_created())),
        (status = 403, description = "The motif is booked only with a convocation (`convocation-required`); the convocation presented is unknown (`convocation-invalid`), for another motif (`convocation-other-motif`), or names another person (`convocation-other-person`); the router's context is for another démarche (`context-other-demarche`), missing while the motif requires it (`context-required`), or names another person (`context-other-person`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such motif, or no such hold (released, booked or cleaned up)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The slot is full (`slot-taken`), the applicant already has an appointment for this démarche (`already-booked`, details not revealed) or as many coming appointments as the préfecture allows across démarches (`too-many-appointments`), the convocation has booked already (`convocation-used`), or a request with the same `Idempotency-Key` is still being processed (`conflict`)", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The hold expired (`hold-expired`), or the convocation expired (`convocation-expired`) or was withdrawn (`convocation-revoked`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (names, birth date, e-mail, phone, a start that is not a slot, `applicant.file_number` missing or in none of the démarche's system's formats), or an `Idempotency-Key` malformed or already used for another request; the démarche's file check refused the file (`file-consumed`, `file-unknown`, `file-expired`, naming `applicant.file_number`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database does not answer (`unavailable`), or the system holding the applicant's file could not say and the démarche refuses then (`file-check-unavailable`, retry after a minute: not the applicant's fault)", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
        (status = 429, description = "The client booked too often on this server (`too-many-requests`)", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds until the client may ask again"))),
    )
)]
#[post(
    "/reservations",
    wrap = "actix_web::middleware::from_fn(crate::http::limits::booking)"
)]
pub async fn create_reservation(
    state: web::Data<AppState>,
    JsonBody(mut body): JsonBody<CreateReservationRequest>,
    convocation: ConvocationTokenHeader,
    context: ContextHeader,
    wanted: AcceptLanguage,
) -> Result<HttpResponse, ApiError> {
    // Messages in the language the applicant reads the site in, unless
    // they chose one.
    if body.language.is_none() {
        body.language = Some(wanted.pick(&["fr", "en"]).to_owned());
    }
    book_once(&state, body, (convocation, context)).await
}

/// Checks and books the request (see [`create_reservation`]).
async fn book_once(
    state: &AppState,
    body: CreateReservationRequest,
    (convocation, context): (ConvocationTokenHeader, ContextHeader),
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let (target, applicant, language) = validate(&body, now)?;
    if let Some(c) = &context.0 {
        c.check_applicant(&applicant).map_err(ApiError::Context)?;
    }
    let token = ManagementToken::from_random_bytes(&random_bytes()?);
    let sealed = crate::app::sealing::NewToken::sealed(&token, &state.outbox_key, language)?;
    let files = state.file_status.clone();
    let detail = state
        .blocking(move |store| {
            book(
                store,
                (target, convocation.0.as_deref(), context.0.as_ref()),
                (applicant, &crate::app::booking::Booker::applicant()),
                sealed,
                (now, files.as_ref()),
            )
        })
        .await?;
    let reference = detail.reservation.reference.clone();
    let created = ReservationCreated {
        reference: reference.clone(),
        management_token: token.expose().to_owned(),
        reservation: reservation_response(detail)?,
    };
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/v1/reservations/{reference}")))
        .insert_header(NO_STORE)
        .json(created))
}

/// Read a reservation
///
/// The appointment, where and when, and the applicant as recorded. Needs the
/// management token given at booking (header `X-Management-Token`); a wrong
/// token is answered exactly like an unknown reference.
#[utoipa::path(
    tag = "reservations",
    params(
        ("reference" = String, Path, description = "Reservation reference (case and hyphen do not matter)", example = "K7QX-M3PA"),
        ManagementTokenParam,
        AcceptLanguageParam,
    ),
    responses(
        crate::http::responses::Unavailable,
        (status = 200, description = "The reservation", body = Reservation, example = json!(crate::model::reservation::example_reservation())),
        (status = 400, description = "Missing `X-Management-Token`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown reference or wrong token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reservations/{reference}")]
pub async fn get_reservation(
    state: web::Data<AppState>,
    path: web::Path<String>,
    token: ManagementTokenHeader,
    wanted: AcceptLanguage,
) -> Result<HttpResponse, ApiError> {
    let (detail, language) = state
        .blocking(move |store| {
            let mut detail = authorised(store, &path, &token.0)?;
            let language = localize_row(store, &mut detail.motif, &wanted)?;
            Ok((detail, language))
        })
        .await?;
    let mut reservation = reservation_response(detail)?;
    reservation.motif.language.clone_from(&language);
    let answer = HttpResponse::Ok().insert_header(NO_STORE).json(reservation);
    Ok(in_languages(answer, &[language]))
}

/// Cancel a reservation
///
/// Cancels the appointment and offers its slot again. Needs the management
/// token. Cancelling an already cancelled reservation changes nothing and
/// answers the same; an appointment that has started can no longer be
/// cancelled (409), nor one whose motif's cancellation deadline has passed
/// (409, `cancellation-deadline-passed`). The cancellation is recorded in
/// the reservation's history.
#[utoipa::path(
    tag = "reservations",
    params(
        ("reference" = String, Path, description = "Reservation reference", example = "K7QX-M3PA"),
        ManagementTokenParam,
    ),
    responses(
        crate::http::responses::Unavailable,
        (status = 200, description = "Cancelled", body = Reservation, example = json!(crate::model::reservation::example_cancelled_reservation())),
        (status = 400, description = "Missing `X-Management-Token`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown reference or wrong token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The appointment has started, or the cancellation deadline has passed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reservations/{reference}/cancel")]
pub async fn cancel_reservation(
    state: web::Data<AppState>,
    path: web::Path<String>,
    token: ManagementTokenHeader,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let detail = state
        .blocking(move |store| {
            let mut detail = authorised(store, &path, &token.0)?;
            let r = &detail.reservation;
            if r.status == status::BOOKED {
                detail
                    .motif
                    .booking_rules()
                    .check_cancellation(from_db(r.starts_at), now)?;
                let id: ReservationId = r.id.parse().map_err(|_| ApiError::Internal)?;
                let release_at = release_at(store, &detail.site, now)?;
                detail.reservation = store
                    .cancel_reservation(id, ("applicant", None), now, release_at)
                    .map_err(|e| ApiError::from_store(e, "reservation"))?;
            }
            Ok(detail)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(NO_STORE)
        .json(reservation_response(detail)?))
}

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
        crate::http::responses::BodyErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Moved", body = Reservation, example = json!(crate::model::reservation::example_reservation())),
        (status = 400, description = "Missing `X-Management-Token`, or an unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown reference or wrong token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new slot is full (`slot-taken`), the appointment is cancelled or has started, or the deadline has passed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`start` is not a slot of the motif, or is the current one", body = Problem, content_type = "application/problem+json"),
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
    let now = state.now();
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
        crate::http::responses::Unavailable,
        (status = 200, description = "The calendar file", content_type = "text/calendar", body = String,
         example = json!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n…\r\nEND:VCALENDAR\r\n")),
        (status = 400, description = "Missing `X-Management-Token`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown reference or wrong token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reservations/{reference}/ics")]
pub async fn reservation_ics(
    state: web::Data<AppState>,
    path: web::Path<String>,
    token: ManagementTokenHeader,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let detail = state
        .blocking(move |store| authorised(store, &path, &token.0))
        .await?;
    let ics = ics_of(&detail, now)?;
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

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_reservation)
        .service(get_reservation)
        .service(cancel_reservation)
        .service(reschedule_reservation)
        .service(reservation_ics);
}
