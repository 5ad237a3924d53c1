//! Keeping a slot while the form is filled in: `POST /holds`, `GET`/`DELETE /holds/{hold_id}`.

use crate::app::booking::random_draw;
use crate::app::holds;
use crate::app::holds::HoldTerms;
use crate::http::error::ApiError;
use crate::http::extract::ConvocationTokenHeader;
use crate::http::extract::JsonBody;
use crate::http::path::PathId;
use crate::http::problem::Problem;
use crate::model::hold::CreateHoldRequest;
use crate::model::hold::Hold;
use crate::security::router::ContextHeader;
use crate::state::AppState;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use planipref_domain::ids::HoldId;
use utoipa_actix_web::service_config::ServiceConfig;
/// Keep a slot
///
/// Keeps a slot for the applicant while they fill in the form: the counter
/// is taken exactly as by a reservation, until `expires_at`. Book it with
/// `POST /reservations` and `hold_id`; release it with `DELETE
/// /holds/{hold_id}` if the applicant gives up. 409 when the slot is full
/// (another applicant kept or booked it first). When the motif's démarche
/// has files checked (its `file_check`), `file_number` is required and the
/// State's system is asked once the slot is known to be free: only a
/// `validated` file keeps it (or, when the system cannot say, as the
/// démarche decides).
#[utoipa::path(
    tag = "reservations",
    request_body(content = CreateHoldRequest, example = json!(crate::model::hold::example_create_hold_request())),
    params(
        crate::model::convocation::ConvocationTokenParam,
        crate::security::router::ContextParam
    ),
    responses(
        crate::http::responses::ContextErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::Unavailable,
        (status = 201, description = "Kept. `Location` points at the hold.", body = Hold,
         headers(("Location" = String, description = "Path of the hold")),
         example = json!(crate::model::hold::example_hold())),
        (status = 403, description = "The motif is booked only with a convocation (`convocation-required`), or the convocation presented is unknown (`convocation-invalid`) or for another motif (`convocation-other-motif`), the router's context is for another démarche (`context-other-demarche`) or missing while the motif requires it (`context-required`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such motif", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The slot is full (`slot-taken`), the convocation has booked already (`convocation-used`), or a request with the same `Idempotency-Key` is still being processed (`conflict`)", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The convocation presented expired (`convocation-expired`) or was withdrawn (`convocation-revoked`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The client holds as many slots as allowed, on all servers together, or holds too often (`too-many-requests`), or the convocation presented already keeps a slot (`convocation-holding`: one at a time)", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds until the client may hold again"))),
        (status = 422, description = "Invalid fields (`motif_id`, `start` not a slot, `persons`, `file_number` missing or in none of the démarche's system's formats), or an `Idempotency-Key` malformed or already used for another request; the démarche's file check refused the file (`file-consumed`, `file-unknown`, `file-expired`, naming `file_number`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database does not answer (`unavailable`), or the system holding the applicant's file could not say and the démarche refuses then (`file-check-unavailable`, retry after a minute: not the applicant's fault)", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[post(
    "/holds",
    wrap = "actix_web::middleware::from_fn(crate::http::limits::hold)"
)]
pub async fn create_hold(
    state: web::Data<AppState>,
    req: HttpRequest,
    JsonBody(body): JsonBody<CreateHoldRequest>,
    convocation: ConvocationTokenHeader,
    context: ContextHeader,
) -> Result<HttpResponse, ApiError> {
    let client = state.limits.client(&req);
    hold_once(&state, body, (convocation, context, client)).await
}

/// Checks and keeps the slot (see [`create_hold`]).
async fn hold_once(
    state: &AppState,
    body: CreateHoldRequest,
    (convocation, context, client): (
        ConvocationTokenHeader,
        ContextHeader,
        Option<std::net::IpAddr>,
    ),
) -> Result<HttpResponse, ApiError> {
    let asked = body.check()?;
    let terms = HoldTerms {
        minutes: state.booking.hold_minutes,
        max_client_holds: state.limits.live_holds_per_client(),
        client,
    };
    let now = state.now();
    let files = state.file_status.clone();
    let hold = state
        .blocking(move |store| {
            holds::hold(
                store,
                &asked,
                (convocation.0.as_deref(), context.0.as_ref()),
                (terms, files.as_ref()),
                now,
            )
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/v1/holds/{}", hold.hold_id)))
        .json(hold))
}

/// Read a hold
///
/// The kept slot, while it is kept. 410 once expired (for a while, until
/// the cleanup), 404 when unknown, released or booked.
#[utoipa::path(
    tag = "reservations",
    params(("hold_id" = String, Path, format = Uuid, description = "Hold identifier", example = "0b7e4c2d-5a1f-4e3b-9c8d-7f6a5b4c3d2e")),
    responses(
        crate::http::responses::Unavailable,
        (status = 200, description = "The hold", body = Hold, example = json!(crate::model::hold::example_hold())),
        (status = 404, description = "No such hold", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The hold expired (`hold-expired`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/holds/{hold_id}")]
pub async fn get_hold(
    state: web::Data<AppState>,
    PathId(id): PathId<HoldId>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let hold = state
        .blocking(move |store| holds::live(store, id, now))
        .await?;
    Ok(HttpResponse::Ok().json(hold))
}

/// Release a hold
///
/// The applicant gives up: nobody can confirm the hold any more, and its
/// counter is free for others at a moment drawn before the hold's expiry
/// (never later), so that nobody can hand a slot over by releasing it
/// while someone else books.
#[utoipa::path(
    tag = "reservations",
    params(("hold_id" = String, Path, format = Uuid, description = "Hold identifier", example = "0b7e4c2d-5a1f-4e3b-9c8d-7f6a5b4c3d2e")),
    responses(
        crate::http::responses::Unavailable,
        (status = 204, description = "Released"),
        (status = 404, description = "No such hold (unknown, released or booked)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/holds/{hold_id}")]
pub async fn release_hold(
    state: web::Data<AppState>,
    PathId(id): PathId<HoldId>,
) -> Result<HttpResponse, ApiError> {
    let draw = random_draw()?;
    let now = state.now();
    state
        .blocking(move |store| {
            store
                .release_hold(id, now, draw)
                .map_err(|e| ApiError::from_store(e, "hold"))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_hold)
        .service(get_hold)
        .service(release_hold);
}
