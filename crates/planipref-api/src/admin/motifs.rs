//! Motifs: `/admin/services/{service_id}/motifs`, `/admin/motifs/{motif_id}`.

use crate::app::audit::audit;
use crate::app::audit::deletion;
use crate::app::motifs::blank;
use crate::app::motifs::resolved;
use crate::http::error::ApiError;
use crate::http::error::write_error;
use crate::http::extract::JsonBody;
use crate::http::extract::QueryParams;
use crate::http::path::PathId;
use crate::http::problem::Problem;
use crate::http::version::IfMatch;
use crate::http::version::IfMatchParam;
use crate::http::version::Versioned as _;
use crate::model::motif::Motif;
use crate::model::motif::MotifPage;
use crate::model::motif::MotifRequest;
use crate::model::page::Pagination;
use crate::model::page::page_info;
use crate::security::agent::AuthenticatedAgent;
use crate::security::scope::may_administer;
use crate::security::scope::may_read;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, put, web};
use planipref_domain::ids::MotifId;
use planipref_domain::ids::ServiceId;
use planipref_store::StoreError;
use utoipa_actix_web::service_config::ServiceConfig;
/// Create a motif
///
/// Adds a motif to a service, usually from a démarche of the national
/// catalogue: what is left out follows the démarche. Administrators of the
/// site's département only.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("service_id" = String, Path, format = Uuid, description = "Service identifier", example = "0b8f2f0a-3b1c-4a57-8f3e-6e1f8d7c2b10")),
    request_body(content = MotifRequest, example = json!({"demarche_code": "sejour-renouvellement", "instructions": "Présentez-vous 10 minutes avant l'heure, porte B."})),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::Unavailable,
        (status = 201, description = "Created; `Location` points at it", body = Motif, headers(("Location" = String, description = "Where it is read"), ("ETag" = String, description = "Its version")), example = json!(crate::model::motif::example_motif())),
        (status = 404, description = "No such service", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A motif with that label exists in the service", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (label, duration, documents, persons, booking mode…)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/services/{service_id}/motifs")]
pub async fn create_motif(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    PathId(service_id): PathId<ServiceId>,
    JsonBody(body): JsonBody<MotifRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let agent = agent.0;
    let motif = state
        .blocking(move |store| {
            let (service, site) = store
                .get_service(&service_id.to_string())
                .map_err(|e| ApiError::from_store(e, "service"))?;
            may_administer(&agent, &site)?;
            let demarche = match body.demarche_code.as_deref() {
                None => None,
                Some(code) => Some(store.get_demarche(code).map_err(|e| match e {
                    StoreError::NotFound => ApiError::invalid(
                        "demarche_code",
                        "no such démarche in the national catalogue",
                    ),
                    other => ApiError::from(other),
                })?),
            };
            let new = blank(
                service.id.clone(),
                demarche.as_ref().map(|d| d.code.clone()),
                now,
            );
            let row = resolved(new, &body, demarche.as_ref())?;
            let motif = Motif::from_rows(row.clone(), service);
            let audit = audit(&agent, &site, "motif", &row.id, &motif, now);
            store
                .create_motif(&row, demarche.as_ref().map(|d| d.revision), &audit)
                .map_err(|e| write_error(e, "a motif with that label exists in this service"))?;
            Ok(motif)
        })
        .await?;
    Ok(motif.created_at(&format!("/api/v1/admin/motifs/{}", motif.id)))
}

/// Change a motif
///
/// Replaces a motif's settings, from the version read (`If-Match`). Fields a
/// démarche provides override it when
/// sent and follow it again when left out; the motif's own settings
/// (persons, instructions, booking mode) left out keep their value. Booked
/// appointments keep their times; new slots use the new duration.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("motif_id" = String, Path, format = Uuid, description = "Motif identifier", example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00"), IfMatchParam),
    request_body(content = MotifRequest, example = json!({"label": "Remise de titre (Saint-Paul)", "duration_minutes": 20, "max_persons": 4, "duration_per_person": true})),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::VersionErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Changed", body = Motif, example = json!(crate::model::motif::example_motif())),
        (status = 404, description = "No such motif", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A motif with that label exists in the service, or it changed since the version sent (`stale`, with `current_version`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or a démarche code (set on creation only)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/motifs/{motif_id}")]
pub async fn update_motif(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    PathId(motif_id): PathId<MotifId>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<MotifRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let motif = state
        .blocking(move |store| {
            crate::app::motifs::update(store, (&agent, now), motif_id, &body, if_match)
        })
        .await?;
    Ok(motif.answer(StatusCode::OK))
}

/// List a service's motifs
///
/// With their settings and which fields follow the national démarche. For
/// agents whose scope covers the site.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("service_id" = String, Path, format = Uuid, description = "Service identifier", example = "0b8f2f0a-3b1c-4a57-8f3e-6e1f8d7c2b10"), Pagination),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "A page of motifs, by label", body = MotifPage, example = json!(crate::model::motif::example_motif_page())),
        (status = 404, description = "No such service", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid page", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/services/{service_id}/motifs")]
pub async fn list_motifs(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    PathId(id): PathId<ServiceId>,
    QueryParams(q): QueryParams<Pagination>,
) -> Result<HttpResponse, ApiError> {
    let (page, per_page, offset, limit) = q.window()?;
    let agent = agent.0;
    let (service, found) = state
        .blocking(move |store| {
            let (service, site) = store
                .get_service(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "service"))?;
            may_read(&agent, &site)?;
            let found = store
                .list_motifs(&service.id, offset, limit)
                .map_err(ApiError::from)?;
            Ok((service, found))
        })
        .await?;
    Ok(HttpResponse::Ok().json(MotifPage {
        items: found
            .items
            .into_iter()
            .map(|m| Motif::from_rows(m, service.clone()))
            .collect(),
        page: page_info(page, per_page, found.total),
    }))
}

/// Read a motif (administration)
///
/// For agents whose scope covers its site.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("motif_id" = String, Path, format = Uuid, description = "Motif identifier", example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00")),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The motif", body = Motif, example = json!(crate::model::motif::example_motif())),
        (status = 404, description = "No such motif", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/motifs/{motif_id}")]
pub async fn get_motif(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    PathId(id): PathId<MotifId>,
) -> Result<HttpResponse, ApiError> {
    let agent = agent.0;
    let motif = state
        .blocking(move |store| {
            let (motif, service, site) = store
                .get_motif(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "motif"))?;
            may_read(&agent, &site)?;
            Ok(Motif::from_rows(motif, service))
        })
        .await?;
    Ok(motif.answer(StatusCode::OK))
}

/// Delete a motif
///
/// Deletes a motif never booked, removing it from the guichets that served
/// it. Refused with 409 once an appointment was booked for it (make it
/// convocation-only or remove it from its guichets instead), or while a
/// plage is restricted to it. Administrators of its site's département only.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("motif_id" = String, Path, format = Uuid, description = "Motif identifier", example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00")),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such motif", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Booked at least once, or a plage is restricted to it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/motifs/{motif_id}")]
pub async fn delete_motif(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    PathId(id): PathId<MotifId>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let agent = agent.0;
    state
        .blocking(move |store| {
            let (motif, service, site) = store
                .get_motif(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "motif"))?;
            may_administer(&agent, &site)?;
            let before = Motif::from_rows(motif.clone(), service);
            let audit = deletion(&agent, &site, "motif", &motif.id, &before, now);
            store
                .delete_motif(&motif.id, &audit)
                .map_err(|e| write_error(e, "motif in use"))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_motifs)
        .service(get_motif)
        .service(delete_motif)
        .service(create_motif)
        .service(update_motif);
}
