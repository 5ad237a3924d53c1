//! When a motif can be booked: `GET /motifs/{motif_id}/slots`, and a site's first free slot `GET /sites/{site_id}/first-slot`.

use crate::app::slot_list;
use crate::http::error::ApiError;
use crate::http::extract::ConvocationTokenHeader;
use crate::http::extract::QueryParams;
use crate::http::path::PathId;
use crate::http::problem::Problem;
use crate::model::slot::FirstSlotQuery;
use crate::model::slot::FirstSlotResponse;
use crate::model::slot::SlotList;
use crate::model::slot::SlotQuery;
use crate::security::router::ContextHeader;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use planipref_domain::ids::MotifId;
use planipref_domain::ids::SiteId;
use utoipa_actix_web::service_config::ServiceConfig;
/// List a motif's free slots
///
/// The start times at which the motif can be booked between two local
/// days, with how many counters remain free at each. Computed from the
/// opening ranges (plages) of the counters serving the motif, in the site's
/// time zone: days when clocks change yield no slot in the missing or
/// repeated hour. A range longer than 62 days, or inverted, is refused.
/// With a convocation's token (`X-Convocation-Token`), a convocation-only
/// motif's slots are offered, on the days the convocation allows.
#[utoipa::path(
    tag = "slots",
    params(
        ("motif_id" = String, Path, format = Uuid, description = "Motif identifier", example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00"),
        SlotQuery,
        crate::model::convocation::ConvocationTokenParam,
        crate::security::router::ContextParam,
    ),
    responses(
        crate::http::responses::ContextErrors,
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The free slots", body = SlotList, example = json!(crate::model::slot::example_slot_list())),
        (status = 403, description = "The motif is booked only with a convocation (`convocation-required`), or the convocation presented is unknown (`convocation-invalid`) or for another motif (`convocation-other-motif`), the router's context is for another démarche (`context-other-demarche`) or missing while the motif requires it (`context-required`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such motif", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The convocation presented has booked its appointment already (`convocation-used`)", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The convocation presented expired (`convocation-expired`) or was withdrawn (`convocation-revoked`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid dates or range (field `from` or `to`), or more persons than the motif takes (`persons`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The client searched too often on this server (`too-many-requests`)", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds until the client may ask again"))),
    )
)]
#[get(
    "/motifs/{motif_id}/slots",
    wrap = "actix_web::middleware::from_fn(crate::http::limits::search)"
)]
pub async fn list_slots(
    state: web::Data<AppState>,
    PathId(motif_id): PathId<MotifId>,
    QueryParams(q): QueryParams<SlotQuery>,
    convocation: ConvocationTokenHeader,
    context: ContextHeader,
) -> Result<HttpResponse, ApiError> {
    let asked = q.check()?;
    let now = state.now();
    if convocation.0.is_some() {
        // A convocation's holder: their own days, computed afresh (few
        // people, and the answer depends on their convocation).
        let list = state
            .blocking(move |store| {
                crate::app::convocations::slots(
                    store,
                    convocation.0.as_deref(),
                    motif_id,
                    (asked, context.0),
                    now,
                )
            })
            .await?;
        return Ok(HttpResponse::Ok()
            .insert_header(crate::http::headers::NO_STORE)
            .json(list));
    }
    let body = slot_list::public_list(
        &state.store,
        &state.cache,
        motif_id,
        (asked, context.0),
        now,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(body))
}

/// Find a site's first free slot
///
/// The earliest slot at which a motif of the site can be booked, looking
/// ahead to the end of the motif's booking window (past the minimum
/// notice). Name the motif with `motif_id`, or a démarche with `demarche`:
/// the site's motif of that démarche. `slot` is `null` when the whole
/// window is taken. Public.
#[utoipa::path(
    tag = "slots",
    params(
        ("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"),
        FirstSlotQuery,
        crate::security::router::ContextParam,
    ),
    responses(
        crate::http::responses::ContextErrors,
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The first free slot, or `null`", body = FirstSlotResponse, example = json!(crate::model::slot::example_first_slot())),
        (status = 403, description = "The motif is booked only with a convocation (`convocation-required`), only through service-public.fr's router and no context was given (`context-required`), or the router's context is for another démarche (`context-other-demarche`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site, or no such motif or démarche at this site", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither or both of `motif_id` and `demarche`, or more persons than the motif takes (`persons`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The client searched too often on this server (`too-many-requests`)", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds until the client may ask again"))),
    )
)]
#[get(
    "/sites/{site_id}/first-slot",
    wrap = "actix_web::middleware::from_fn(crate::http::limits::search)"
)]
pub async fn site_first_slot(
    state: web::Data<AppState>,
    PathId(site_id): PathId<SiteId>,
    QueryParams(q): QueryParams<FirstSlotQuery>,
    context: ContextHeader,
) -> Result<HttpResponse, ApiError> {
    let asked = q.check(context.0.as_ref())?;
    let answer = crate::app::availability::site_first_slot(
        &state.store,
        &state.cache,
        site_id,
        asked,
        state.now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_slots).service(site_first_slot);
}
