//! When a motif can be booked: `GET /motifs/{motif_id}/slots`, and a site's first free slot `GET /sites/{site_id}/first-slot`.

use crate::app::answers::Answer;
use crate::app::answers::Question;
use crate::app::answers::SerializedSlots;
use crate::app::answers::Stamp;
use crate::app::availability::earliest_of;
use crate::app::convocations::access_for;
use crate::app::slots::Access;
use crate::app::slots::compute_slot_list;
use crate::http::error::ApiError;
use crate::http::extract::ConvocationTokenHeader;
use crate::http::extract::QueryParams;
use crate::http::path::PathId;
use crate::http::problem::Problem;
use crate::model::fields::date_range;
use crate::model::slot::FirstSlotQuery;
use crate::model::slot::FirstSlotResponse;
use crate::model::slot::SlotList;
use crate::model::slot::SlotQuery;
use crate::security::router::ContextHeader;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use planipref_domain::context::ContextRefusal;
use planipref_domain::ids::MotifId;
use planipref_domain::ids::SiteId;
use planipref_domain::slots::check_range;
use std::sync::Arc;
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
    let (from, to) = date_range(q.from.as_deref(), q.to.as_deref())?;
    if let (Some(from), Some(to)) = (from, to) {
        check_range(from, to)?; // before touching the database
    }
    let now = state.now();
    let persons = q.persons.unwrap_or(1);
    if convocation.0.is_some() {
        // A convocation's holder: their own days, computed afresh (few
        // people, and the answer depends on their convocation).
        let list = state
            .blocking(move |store| {
                let (access, _) = access_for(store, &convocation, motif_id, now)?;
                let (list, ..) = compute_slot_list(
                    store,
                    motif_id,
                    (from, to),
                    (persons, access, context.0.as_ref()),
                    now,
                )?;
                Ok(list)
            })
            .await?;
        return Ok(HttpResponse::Ok()
            .insert_header(crate::http::headers::NO_STORE)
            .json(list));
    }
    let cache = state.cache.clone();
    // Answers with a context were checked against its démarche: kept apart.
    let question = Question::Slots {
        motif: motif_id,
        from,
        to,
        persons,
        context: context.0.as_ref().map(|c| c.demarche.clone()),
    };
    // A kept answer is found without a blocking call (the version's read
    // aside, shared between requests).
    let site = cache.site_of_motif(&state.store, motif_id).await?;
    let stamp = Stamp::Site(cache.site_version(&state.store, &site).await?);
    if let Some(Answer::Slots(kept)) = cache.get(&question, &stamp, now) {
        return Ok(HttpResponse::Ok()
            .content_type(actix_web::http::header::ContentType::json())
            .body(kept.body(now)));
    }
    let list = state
        .blocking(move |store| {
            let (list, time_zone, notice, lapses_at) = compute_slot_list(
                store,
                motif_id,
                (from, to),
                (persons, Access::Public, context.0.as_ref()),
                now,
            )?;
            let kept = Arc::new(SerializedSlots::new(&list, notice)?);
            cache.put(
                question,
                stamp,
                time_zone,
                (now, lapses_at),
                Answer::Slots(kept.clone()),
            );
            Ok(kept.body(now))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(list))
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
    // With the router's context, only its démarche's motifs.
    let routed = context.0.is_some();
    let only = context.0.map(|c| c.demarche);
    if let (Some(only), Some(asked)) = (&only, &q.demarche)
        && only != asked.trim()
    {
        return Err(ApiError::Context(ContextRefusal::OtherDemarche));
    }
    let wanted = match (q.motif_id, q.demarche) {
        (Some(m), None) => Wanted::Motif(m),
        (None, Some(d)) => Wanted::Demarche(d),
        _ => {
            return Err(ApiError::invalid(
                "motif_id",
                "give either motif_id or demarche, not both",
            ));
        }
    };
    let persons = q.persons.unwrap_or(1);
    let now = state.now();
    let cache = state.cache.clone();
    // The version first: what is computed after it is at least as recent.
    let version = cache
        .site_version(&state.store, &site_id.to_string())
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::NotFound("site"),
            other => other,
        })?;
    let answer = state
        .blocking(move |store| {
            let site_id = site_id.to_string();
            let motifs: Vec<_> = store
                .list_site_motifs(&site_id)
                .map_err(|e| ApiError::from_store(e, "site"))?
                .into_iter()
                .filter(|(m, _)| match &wanted {
                    Wanted::Motif(id) => m.id == *id,
                    Wanted::Demarche(code) => m.demarche_code.as_deref() == Some(code.as_str()),
                })
                .filter(|(m, _)| {
                    only.as_deref()
                        .is_none_or(|d| m.demarche_code.as_deref() == Some(d))
                })
                .collect();
            let (i, found) = earliest_of(
                store,
                &cache,
                &motifs,
                now,
                (persons, routed),
                Some(version),
            )?
            .ok_or(ApiError::NotFound(match wanted {
                Wanted::Motif(_) => "motif at this site",
                Wanted::Demarche(_) => "démarche at this site",
            }))?;
            Ok(FirstSlotResponse::new(
                site_id,
                motifs[i].0.id.clone(),
                &found,
            ))
        })
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

enum Wanted {
    Motif(String),
    Demarche(String),
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_slots).service(site_first_slot);
}
