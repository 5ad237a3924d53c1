//! A motif's translations: `/admin/motifs/{motif_id}/translations`.

use crate::app::translations;
use crate::http::error::ApiError;
use crate::http::extract::JsonBody;
use crate::http::path::PathId;
use crate::http::problem::Problem;
use crate::http::version::IfMatch;
use crate::http::version::IfMatchParam;
use crate::http::version::Versioned as _;
use crate::model::translation::MotifTranslations;
use crate::model::translation::MotifTranslationsUpdate;
use crate::security::agent::AuthenticatedAgent;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, put, web};
use planipref_domain::ids::MotifId;
use utoipa_actix_web::service_config::ServiceConfig;

/// A motif's translations
///
/// Its texts (label, description, instructions, documents) in languages
/// other than French, each saying whether it is `up_to_date` with the
/// French. For agents who may read its site.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("motif_id" = String, Path, format = Uuid, description = "Motif identifier", example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00")),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Its translations", body = MotifTranslations, example = json!(crate::model::translation::example_translations())),
        (status = 404, description = "No such motif", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/motifs/{motif_id}/translations")]
pub async fn get_translations(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    PathId(id): PathId<MotifId>,
) -> Result<HttpResponse, ApiError> {
    let listed = state
        .blocking(move |store| translations::translations(store, &agent, id))
        .await?;
    Ok(listed.answer(StatusCode::OK))
}

/// Set a motif's translations
///
/// Replaces the whole set, from the motif's version read (`If-Match`; the
/// motif's version goes up). Each translation gives every text the French
/// has: a label, a description and instructions when the French has them,
/// as many documents in the same order. Applicants then read the one that
/// best fits their `Accept-Language`, until the French changes. Audited;
/// administrators of the site's département only.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("motif_id" = String, Path, format = Uuid, description = "Motif identifier", example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00"), IfMatchParam),
    request_body(content = MotifTranslationsUpdate, example = json!({"translations": [{"language": "en", "label": "Residence permit renewal", "description": "Bring your current permit, passport, proof of address and 3 photos.", "instructions": "Please arrive 10 minutes early, door B.", "documents": ["Current residence permit", "Valid passport"]}]})),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::VersionErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Set", body = MotifTranslations, example = json!(crate::model::translation::example_translations())),
        (status = 404, description = "No such motif", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The motif changed since the version sent (`stale`, with `current_version`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid translations, each field named (`translations[0].label`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/motifs/{motif_id}/translations")]
pub async fn set_translations(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    PathId(id): PathId<MotifId>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<MotifTranslationsUpdate>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let set = state
        .blocking(move |store| {
            translations::set_translations(store, (&agent, now), id, &body, if_match)
        })
        .await?;
    Ok(set.answer(StatusCode::OK))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_translations).service(set_translations);
}
