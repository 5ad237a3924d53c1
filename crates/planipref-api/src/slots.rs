//! Slots: when a motif can be booked.

use actix_web::{HttpResponse, get, web};
use chrono::Utc;
use planipref_domain::ids::MotifId;
use planipref_domain::slots::check_range;
use planipref_domain::{DomainError, FieldError};
use std::sync::Arc;

use crate::app::cache::Answer;
use crate::app::cache::Question;
use crate::app::cache::Stamp;
use crate::app::convocations::access_for;
use crate::app::slots::Access;
use crate::app::slots::SerializedSlots;
use crate::app::slots::compute_slot_list;
use crate::http::error::ApiError;
use crate::http::error::Problem;
use crate::http::extract::ConvocationTokenHeader;
use crate::http::extract::QueryParams;
use crate::model::fields::date_range;
use crate::model::slot::SlotList;
use crate::model::slot::SlotQuery;
use crate::security::router::ContextHeader;
use crate::state::AppState;

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
        (status = 200, description = "The free slots", body = SlotList, example = json!(crate::model::examples::slot_list())),
        (status = 400, description = "Unreadable query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "The router's context (`X-Planipref-Context`) is tampered with, expired or wrongly signed, or this server accepts none (`invalid-context`, without a `WWW-Authenticate` challenge)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The motif is booked only with a convocation (`convocation-required`), or the convocation presented is unknown (`convocation-invalid`) or for another motif (`convocation-other-motif`), the router's context is for another démarche (`context-other-demarche`) or missing while the motif requires it (`context-required`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such motif", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The convocation presented has booked its appointment already (`convocation-used`)", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The convocation presented expired (`convocation-expired`) or was withdrawn (`convocation-revoked`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid dates or range (field `from` or `to`), or more persons than the motif takes (`persons`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The client searched too often on this server (`too-many-requests`)", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds until the client may ask again"))),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get(
    "/motifs/{motif_id}/slots",
    wrap = "actix_web::middleware::from_fn(crate::http::limits::search)"
)]
pub async fn list_slots(
    state: web::Data<AppState>,
    path: web::Path<String>,
    QueryParams(q): QueryParams<SlotQuery>,
    convocation: ConvocationTokenHeader,
    context: ContextHeader,
) -> Result<HttpResponse, ApiError> {
    let motif_id: MotifId = path.parse().map_err(|_| ApiError::NotFound("motif"))?;
    let (from, to) = date_range(q.from.as_deref(), q.to.as_deref())?;
    if let (Some(from), Some(to)) = (from, to) {
        check_range(from, to)?; // before touching the database
    }
    let now = Utc::now();
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
            .insert_header(crate::model::reservation::NO_STORE)
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
    let site = cache.site_of_motif(&state, motif_id).await?;
    let stamp = Stamp::Site(cache.site_version(&state, &site).await?);
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

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        DomainError::Invalid(vec![e]).into()
    }
}
