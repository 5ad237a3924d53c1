//! Reservations: book a slot, read it back, cancel it.
//!
//! The applicant gets a short reference and a secret management token,
//! once; the token is stored hashed. Reading or changing a reservation takes
//! both, and a wrong token looks exactly like an unknown reference (404), so
//! references cannot be probed.

use crate::convocations::access_for;
use crate::http::error::ApiError;
use crate::http::error::Problem;
use crate::http::extract::ConvocationTokenHeader;
use crate::http::extract::JsonBody;
use crate::http::extract::ManagementTokenHeader;
use crate::model::fields::at_site;
use crate::model::reservation::ApplicantResponse;
use crate::model::reservation::CreateReservationRequest;
use crate::model::reservation::ManagementTokenParam;
use crate::model::reservation::NO_STORE;
use crate::model::reservation::Reservation;
use crate::model::reservation::ReservationCreated;
use crate::model::reservation::ReservationMotif;
use crate::model::site::Site;
use crate::model::site::site_zone;
use crate::security::router::ContextHeader;
use crate::slots::Access;
use crate::slots::ContextCheck;
use crate::slots::day_start;
use crate::slots::with_slot_request;
use crate::state::AppState;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use planipref_domain::applicant::{Applicant, ApplicantInput};
use planipref_domain::context::RouterContext;
use planipref_domain::error::Collector;
use planipref_domain::ids::{GuichetId, HoldId, MotifId, ReservationId};
use planipref_domain::motif::{BookingMode, check_persons, doublon_scope};
use planipref_domain::reference::{ManagementToken, Reference, TOKEN_BYTES, token_matches};
use planipref_domain::slots::{check_bookable_year, free_guichets_at};
use planipref_domain::{DomainError, FieldError};
use planipref_store::models::{MotifRow, ReservationRow, SiteRow, status};
use planipref_store::{MotifSchedule, NewReservation, ReservationDetail, Store, from_db};

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
/// used up, until the appointment is cancelled.
#[utoipa::path(
    tag = "reservations",
    request_body(content = CreateReservationRequest, example = json!(crate::model::examples::create_reservation_request())),
    params(
        crate::model::convocation::ConvocationTokenParam,
        crate::security::router::ContextParam
    ),
    responses(
        (status = 201, description = "Booked. `Location` points at the reservation.", body = ReservationCreated,
         headers(("Location" = String, description = "Path of the new reservation"), ("Cache-Control" = String, description = "`no-store`: the body holds a secret")),
         example = json!(crate::model::examples::reservation_created())),
        (status = 400, description = "Not JSON, wrong types or unknown fields", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "The router's context (`X-Planipref-Context`) is tampered with, expired or wrongly signed, or this server accepts none (`invalid-context`, without a `WWW-Authenticate` challenge)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The motif is booked only with a convocation (`convocation-required`); the convocation presented is unknown (`convocation-invalid`), for another motif (`convocation-other-motif`), or names another person (`convocation-other-person`); the router's context is for another démarche (`context-other-demarche`), missing while the motif requires it (`context-required`), or names another person (`context-other-person`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such motif, or no such hold (released, booked or cleaned up)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The slot is full (`slot-taken`), the applicant already has an appointment for this démarche (`already-booked`, details not revealed) or as many coming appointments as the préfecture allows across démarches (`too-many-appointments`), the convocation has booked already (`convocation-used`), or a request with the same `Idempotency-Key` is still being processed (`conflict`)", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The hold expired (`hold-expired`), or the convocation expired (`convocation-expired`) or was withdrawn (`convocation-revoked`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (names, birth date, e-mail, phone, a start that is not a slot), or an `Idempotency-Key` malformed or already used for another request", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The client booked too often on this server (`too-many-requests`)", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds until the client may ask again"))),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[post(
    "/reservations",
    wrap = "actix_web::middleware::from_fn(crate::http::limits::booking)"
)]
pub async fn create_reservation(
    state: web::Data<AppState>,
    JsonBody(body): JsonBody<CreateReservationRequest>,
    convocation: ConvocationTokenHeader,
    context: ContextHeader,
) -> Result<HttpResponse, ApiError> {
    book_once(&state, body, (convocation, context)).await
}

/// Checks and books the request (see [`create_reservation`]).
async fn book_once(
    state: &AppState,
    body: CreateReservationRequest,
    (convocation, context): (ConvocationTokenHeader, ContextHeader),
) -> Result<HttpResponse, ApiError> {
    let now = Utc::now();
    let (target, applicant) = validate(&body, now)?;
    if let Some(c) = &context.0 {
        c.check_applicant(&applicant).map_err(ApiError::Context)?;
    }
    let token = ManagementToken::from_random_bytes(&random_bytes()?);
    let token_hash = token.hash();
    let detail = state
        .blocking(move |store| {
            book(
                store,
                (target, &convocation, &context),
                applicant,
                token_hash,
                now,
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
    ),
    responses(
        (status = 200, description = "The reservation", body = Reservation, example = json!(crate::model::examples::reservation())),
        (status = 400, description = "Missing `X-Management-Token`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown reference or wrong token", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/reservations/{reference}")]
pub async fn get_reservation(
    state: web::Data<AppState>,
    path: web::Path<String>,
    token: ManagementTokenHeader,
) -> Result<HttpResponse, ApiError> {
    let detail = state
        .blocking(move |store| authorised(store, &path, &token.0))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(NO_STORE)
        .json(reservation_response(detail)?))
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
        (status = 200, description = "Cancelled", body = Reservation, example = json!(crate::model::examples::cancelled_reservation())),
        (status = 400, description = "Missing `X-Management-Token`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown reference or wrong token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The appointment has started, or the cancellation deadline has passed", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[post("/reservations/{reference}/cancel")]
pub async fn cancel_reservation(
    state: web::Data<AppState>,
    path: web::Path<String>,
    token: ManagementTokenHeader,
) -> Result<HttpResponse, ApiError> {
    let now = Utc::now();
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

/// What a booking takes: a hold, or a slot.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// Confirm this hold.
    Hold(HoldId),
    /// Book this slot for this many persons.
    Slot(MotifId, DateTime<Utc>, u32),
}

/// Checks the whole request, reporting every invalid field at once.
fn validate(
    body: &CreateReservationRequest,
    now: DateTime<Utc>,
) -> Result<(Target, Applicant), ApiError> {
    let mut c = Collector::default();
    let target = match (&body.hold_id, &body.motif_id, &body.start) {
        (Some(hold), None, None) => {
            if body.persons.is_some() {
                c.push(FieldError::new(
                    "persons",
                    "is the hold's: leave it out with hold_id",
                ));
            }
            c.take(
                hold.trim()
                    .parse::<HoldId>()
                    .map(Target::Hold)
                    .map_err(|_| FieldError::new("hold_id", "must be a hold identifier (UUID)")),
            )
        }
        (Some(_), ..) => {
            c.push(FieldError::new(
                "hold_id",
                "give either hold_id, or motif_id and start, not both",
            ));
            None
        }
        (None, motif, start) => {
            let motif = c.take(parse_motif_id(motif.as_deref()));
            let start = c.take(parse_start(start.as_deref()));
            let persons = body.persons.unwrap_or(1);
            c.take(check_persons("persons", persons));
            motif.zip(start).map(|(m, s)| Target::Slot(m, s, persons))
        }
    };
    let a = &body.applicant;
    let input = ApplicantInput {
        last_name: &a.last_name,
        first_names: &a.first_names,
        birth_date: &a.birth_date,
        email: &a.email,
        phone: &a.phone,
        nationality: a.nationality.as_deref(),
        file_number: a.file_number.as_deref(),
    };
    // The latest calendar date anywhere on Earth (UTC+14): nobody is turned
    // away for being born "tomorrow" in UTC.
    let latest_today = (now + chrono::Duration::hours(14)).date_naive();
    let applicant = match Applicant::parse(input, latest_today) {
        Ok(a) => Some(a),
        Err(DomainError::Invalid(errors)) => {
            for e in errors {
                c.push(FieldError::new(format!("applicant.{}", e.field), e.message));
            }
            None
        }
        Err(e) => return Err(e.into()),
    };
    c.finish()?;
    match (target, applicant) {
        (Some(t), Some(a)) => Ok((t, a)),
        _ => Err(ApiError::Internal),
    }
}

/// `motif_id`, required.
pub fn parse_motif_id(raw: Option<&str>) -> Result<MotifId, FieldError> {
    raw.ok_or_else(|| FieldError::new("motif_id", "is required"))?
        .trim()
        .parse::<MotifId>()
        .map_err(|_| FieldError::new("motif_id", "must be a motif identifier (UUID)"))
}

/// `start`, required: an instant as the slots endpoint gives it.
pub fn parse_start(raw: Option<&str>) -> Result<DateTime<Utc>, FieldError> {
    let raw = raw.ok_or_else(|| FieldError::new("start", "is required"))?;
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            FieldError::new(
                "start",
                "must be an instant with offset, as given by the slots endpoint",
            )
        })
        .and_then(|t| check_bookable_year("start", t).map(|()| t))
}

/// Where a slot can be taken: the motif's schedule around it, the site's
/// zone, the appointment's end (longer for a group when the motif says
/// so), and the guichets the engine finds free for all of it.
#[derive(Debug)]
pub struct Placement {
    /// The motif's schedule of that day.
    pub schedule: MotifSchedule,
    /// The site's zone.
    pub time_zone: chrono_tz::Tz,
    /// The appointment's end.
    pub end: DateTime<Utc>,
    /// Guichets free for the whole appointment, in the engine's order.
    pub candidates: Vec<GuichetId>,
}

/// Loads the motif's day and asks the engine which counters are free at
/// `start` for `persons` (422 naming `start` when it is not a slot, 409
/// when the slot is full).
pub fn place(
    store: &Store,
    motif_id: MotifId,
    start: DateTime<Utc>,
    (persons, access, context): (u32, Access, ContextCheck<'_>),
    now: DateTime<Utc>,
) -> Result<Placement, ApiError> {
    let day = start.date_naive();
    let schedule = store
        .motif_schedule(
            &motif_id.to_string(),
            day_start(day, -1),
            day_start(day, 2),
            now,
        )
        .map_err(|e| ApiError::from_store(e, "motif"))?;
    let tz = site_zone(&schedule.site)?;
    let local_day = start.with_timezone(&tz).date_naive();
    let candidates = with_slot_request(
        &schedule,
        motif_id,
        tz,
        (local_day, local_day),
        now,
        (persons, access, context),
        |request| {
            free_guichets_at(request, start).map(|free| {
                (
                    free,
                    start + chrono::Duration::minutes(i64::from(request.duration_minutes)),
                )
            })
        },
    )??;
    let (candidates, end) = candidates;
    Ok(Placement {
        schedule,
        time_zone: tz,
        end,
        candidates,
    })
}

/// A préfecture's limit of appointments per person, as stored.
fn limit(stored: i32) -> u32 {
    u32::try_from(stored).unwrap_or(planipref_domain::quota::DEFAULT_ACTIVE_PER_PERSON)
}

/// The démarche a motif books, as doublons are counted.
fn demarche_key(motif: &MotifRow) -> String {
    doublon_scope(motif.demarche_code.as_deref(), &motif.id)
}

/// Books `target` for `applicant`, with the convocation and router context
/// presented, if any.
fn book(
    store: &Store,
    (target, convocation, context): (Target, &ConvocationTokenHeader, &ContextHeader),
    applicant: Applicant,
    token_hash: String,
    now: DateTime<Utc>,
) -> Result<ReservationDetail, ApiError> {
    match target {
        Target::Slot(motif_id, start, persons) => {
            let (access, convocation) = access_for(store, convocation, motif_id, now)?;
            let placed = place(
                store,
                motif_id,
                start,
                (persons, access, ContextCheck::Checked(context.0.as_ref())),
                now,
            )?;
            let motif = &placed.schedule.motif;
            let new = NewReservation {
                site_id: placed
                    .schedule
                    .site
                    .id
                    .parse()
                    .map_err(|_| ApiError::Internal)?,
                motif_id,
                start,
                end: placed.end,
                applicant,
                token_hash,
                actor: "applicant".to_owned(),
                now,
                time_zone: placed.time_zone,
                persons,
                demarche_code: demarche_key(motif),
                refuse_doublons: motif.refuse_doublons,
                convocation,
                max_active_per_person: limit(placed.schedule.rules.max_active_per_person),
            };
            let row = store
                .create_reservation(&new, &placed.candidates, new_reference)
                .map_err(|e| ApiError::from_store(e, "motif"))?;
            Ok(ReservationDetail {
                reservation: row,
                motif: placed.schedule.motif,
                site: placed.schedule.site,
            })
        }
        Target::Hold(hold_id) => {
            // Its motif and site; whether it is still live is checked when
            // it is confirmed (410 once expired).
            let (hold, motif, site, rules) = store
                .find_hold_to_confirm(hold_id)
                .map_err(|e| ApiError::from_store(e, "hold"))?;
            let motif_id: MotifId = hold.motif_id.parse().map_err(|_| ApiError::Internal)?;
            let (access, convocation) = access_for(store, convocation, motif_id, now)?;
            RouterContext::check_motif(
                context.0.as_ref(),
                motif.demarche_code.as_deref(),
                motif.requires_context,
            )
            .map_err(ApiError::Context)?;
            if access == Access::Public
                && motif.settings().booking_mode == BookingMode::ConvocationOnly
            {
                return Err(ApiError::ConvocationRequired);
            }
            let new = NewReservation {
                site_id: site.id.parse().map_err(|_| ApiError::Internal)?,
                motif_id,
                start: from_db(hold.starts_at),
                end: from_db(hold.ends_at),
                applicant,
                token_hash,
                actor: "applicant".to_owned(),
                now,
                time_zone: site_zone(&site)?,
                persons: u32::try_from(hold.persons).unwrap_or(1),
                demarche_code: demarche_key(&motif),
                refuse_doublons: motif.refuse_doublons,
                convocation,
                max_active_per_person: limit(rules.max_active_per_person),
            };
            let row = store
                .confirm_hold(hold_id, &new, new_reference)
                .map_err(|e| ApiError::from_store(e, "hold"))?;
            Ok(ReservationDetail {
                reservation: row,
                motif,
                site,
            })
        }
    }
}

/// The reservation named by `raw_reference` if `token` is its management
/// token; otherwise "not found", whichever part was wrong.
pub(crate) fn authorised(
    store: &Store,
    raw_reference: &str,
    token: &str,
) -> Result<ReservationDetail, ApiError> {
    let not_found = ApiError::NotFound("reservation");
    let Some(reference) = Reference::parse(raw_reference) else {
        return Err(not_found);
    };
    let detail = store
        .find_reservation(&reference)
        .map_err(|e| ApiError::from_store(e, "reservation"))?;
    if token_matches(&detail.reservation.token_hash, token) {
        Ok(detail)
    } else {
        Err(not_found)
    }
}

pub(crate) fn reservation_response(detail: ReservationDetail) -> Result<Reservation, ApiError> {
    let ReservationDetail {
        reservation: r,
        motif,
        site,
    } = detail;
    let tz = site_zone(&site)?;
    Ok(to_reservation(r, motif, site, tz))
}

fn to_reservation(r: ReservationRow, m: MotifRow, site: SiteRow, tz: chrono_tz::Tz) -> Reservation {
    Reservation {
        reference: r.reference,
        status: r.status,
        start: at_site(from_db(r.starts_at), tz),
        end: at_site(from_db(r.ends_at), tz),
        persons: u32::try_from(r.persons).unwrap_or(1),
        motif: ReservationMotif {
            id: m.id,
            label: m.label,
            description: m.description,
            duration_minutes: m.duration_minutes,
        },
        site: Site::from(site),
        applicant: ApplicantResponse {
            last_name: r.last_name,
            first_names: r.first_names,
            birth_date: r.birth_date,
            email: r.email,
            phone: r.phone,
            nationality: r.nationality,
            file_number: r.file_number,
        },
        created_at: at_site(from_db(r.created_at), tz),
        cancelled_at: r.cancelled_at.map(|t| at_site(from_db(t), tz)),
    }
}

/// When a time freed now at `site` is offered again: after a random delay
/// within its préfecture's bounds.
pub(crate) fn release_at(
    store: &Store,
    site: &SiteRow,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, ApiError> {
    let rules = store
        .prefecture_rules(&site.prefecture_code)
        .map_err(ApiError::from)?
        .release();
    Ok(now + rules.release_delay(random_draw()?))
}

/// A random number, for the moments nobody may predict.
pub(crate) fn random_draw() -> Result<u64, ApiError> {
    let mut draw = [0u8; 8];
    getrandom::fill(&mut draw).map_err(|e| {
        log::error!("no randomness available: {e}");
        ApiError::Internal
    })?;
    Ok(u64::from_le_bytes(draw))
}

pub(crate) fn random_bytes() -> Result<[u8; TOKEN_BYTES], ApiError> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| {
        log::error!("no randomness available: {e}");
        ApiError::Internal
    })?;
    Ok(bytes)
}

/// A fresh random reference. Should the system's randomness fail (it does
/// not on Linux), random UUIDs stand in rather than failing the booking.
fn new_reference() -> Reference {
    loop {
        let mut bytes = [0u8; 32];
        if getrandom::fill(&mut bytes).is_err() {
            bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
            bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        }
        if let Some(r) = Reference::from_random_bytes(&bytes) {
            return r;
        }
    }
}
