//! The first free slot of a motif: what the router and the orientation
//! answer show applicants first.

use actix_web::{HttpResponse, get, web};
use chrono::Utc;
use planipref_domain::ids::SiteId;

use crate::app::availability::earliest_of;
use crate::http::error::ApiError;
use crate::http::error::Problem;
use crate::http::extract::QueryParams;
use crate::model::slot::FirstSlotQuery;
use crate::model::slot::FirstSlotResponse;
use crate::security::router::ContextHeader;
use crate::state::AppState;
use planipref_domain::context::ContextRefusal;

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
        (status = 200, description = "The first free slot, or `null`", body = FirstSlotResponse, example = json!(crate::model::examples::first_slot())),
        (status = 400, description = "Unreadable query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "The router's context (`X-Planipref-Context`) is tampered with, expired or wrongly signed, or this server accepts none (`invalid-context`, without a `WWW-Authenticate` challenge)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The motif is booked only with a convocation (`convocation-required`), only through service-public.fr's router and no context was given (`context-required`), or the router's context is for another démarche (`context-other-demarche`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site, or no such motif or démarche at this site", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither or both of `motif_id` and `demarche`, or more persons than the motif takes (`persons`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The client searched too often on this server (`too-many-requests`)", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds until the client may ask again"))),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get(
    "/sites/{site_id}/first-slot",
    wrap = "actix_web::middleware::from_fn(crate::http::limits::search)"
)]
pub async fn site_first_slot(
    state: web::Data<AppState>,
    path: web::Path<String>,
    QueryParams(q): QueryParams<FirstSlotQuery>,
    context: ContextHeader,
) -> Result<HttpResponse, ApiError> {
    let site_id: SiteId = path.parse().map_err(|_| ApiError::NotFound("site"))?;
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
    let now = Utc::now();
    let cache = state.cache.clone();
    // The version first: what is computed after it is at least as recent.
    let version = cache
        .site_version(&state, &site_id.to_string())
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
