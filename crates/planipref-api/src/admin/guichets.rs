//! Guichets: `/admin/sites/{site_id}/guichets`, `/admin/guichets/{guichet_id}`.

use crate::app::audit::deletion;
use crate::app::guichets;
use crate::http::error::ApiError;
use crate::http::error::write_error;
use crate::http::extract::JsonBody;
use crate::http::extract::QueryParams;
use crate::http::path::PathId;
use crate::http::problem::Problem;
use crate::http::version::IfMatch;
use crate::http::version::IfMatchParam;
use crate::http::version::Versioned as _;
use crate::http::version::versioned;
use crate::model::guichet::Guichet;
use crate::model::guichet::GuichetChange;
use crate::model::guichet::GuichetPage;
use crate::model::guichet::GuichetRequest;
use crate::model::guichet::OnConflict;
use crate::model::guichet::guichet_example;
use crate::model::page::Pagination;
use crate::model::page::page_info;
use crate::model::page::paged;
use crate::security::agent::AuthenticatedAgent;
use crate::security::scope::may_administer;
use crate::security::scope::may_read;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, put, web};
use planipref_domain::ids::GuichetId;
use planipref_domain::ids::SiteId;
use utoipa_actix_web::service_config::ServiceConfig;
/// Create a guichet
///
/// Adds a counter to a site, serving some of the site's motifs.
/// Administrators of the site's département only.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")),
    request_body(content = GuichetRequest, example = json!({"name": "Guichet 5", "motif_ids": ["9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00"]})),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::Unavailable,
        (status = 201, description = "Created; `Location` points at it", body = Guichet, headers(("Location" = String, description = "Where it is read"), ("ETag" = String, description = "Its version")), example = json!({"id": "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f", "site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "name": "Guichet 5", "active": true, "active_from": null, "active_until": null, "motif_ids": ["9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00"], "channel": "public", "version": 1})),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A guichet of that name exists at the site", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or motifs of another site", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sites/{site_id}/guichets")]
pub async fn create_guichet(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    PathId(site_id): PathId<SiteId>,
    JsonBody(body): JsonBody<GuichetRequest>,
) -> Result<HttpResponse, ApiError> {
    let settings = body.parse()?;
    let now = state.now();
    let guichet = state
        .blocking(move |store| guichets::create(store, (&agent, now), (site_id, None), settings))
        .await?;
    Ok(guichet.created_at(&format!("/api/v1/admin/guichets/{}", guichet.id)))
}

/// Change a guichet
///
/// Renames a guichet, changes the motifs it serves or its working period,
/// or deactivates it. Booked appointments it could no longer take (a motif
/// removed, the guichet deactivated, or their day outside the period) make
/// the change fail with 409 (`conflicts`) unless
/// sent with `on_conflict=flag`, which marks them to be re-booked.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("guichet_id" = String, Path, format = Uuid, description = "Guichet identifier", example = "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f"), OnConflict, IfMatchParam),
    request_body(content = GuichetRequest, example = json!({"name": "Guichet 5", "motif_ids": ["9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00"], "active": true, "active_until": "2027-06-30"})),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::QueryErrors,
        crate::http::responses::VersionErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Changed", body = GuichetChange, example = json!({"guichet": {"id": "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f", "site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "name": "Guichet 5", "active": true, "active_from": null, "active_until": null, "motif_ids": ["9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00"], "channel": "public", "version": 2}, "flagged_reservations": []})),
        (status = 404, description = "No such guichet", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Name taken, or booked appointments would be orphaned (references in `conflicts`), or it changed since the version sent (`stale`, with `current_version`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, motifs of another site, or a plage restricted to a removed motif", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/guichets/{guichet_id}")]
pub async fn update_guichet(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    PathId(guichet_id): PathId<GuichetId>,
    if_match: IfMatch,
    QueryParams(q): QueryParams<OnConflict>,
    JsonBody(body): JsonBody<GuichetRequest>,
) -> Result<HttpResponse, ApiError> {
    let flag = q.flag()?;
    let settings = body.parse()?;
    let now = state.now();
    let change = state
        .blocking(move |store| {
            guichets::update(store, (&agent, now), guichet_id, (settings, if_match), flag)
        })
        .await?;
    Ok(versioned(StatusCode::OK, &change, change.guichet.version))
}

/// List a site's guichets
///
/// With the motifs each serves and its working period. For agents whose
/// scope covers the site.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"), Pagination),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "A page of guichets, by name", body = GuichetPage, example = json!(paged(guichet_example()))),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid page", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sites/{site_id}/guichets")]
pub async fn list_guichets(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    PathId(id): PathId<SiteId>,
    QueryParams(q): QueryParams<Pagination>,
) -> Result<HttpResponse, ApiError> {
    let (page, per_page, offset, limit) = q.window()?;
    let agent = agent.0;
    let found = state
        .blocking(move |store| {
            let site = store
                .get_site(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "site"))?;
            may_read(&agent, &site)?;
            store
                .list_guichets(&site.id, offset, limit)
                .map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(GuichetPage {
        items: found
            .items
            .iter()
            .map(|(g, motifs)| Guichet::from_row(g, motifs.clone()))
            .collect(),
        page: page_info(page, per_page, found.total),
    }))
}

/// Read a guichet
///
/// For agents whose scope covers its site.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("guichet_id" = String, Path, format = Uuid, description = "Guichet identifier", example = "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f")),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The guichet", body = Guichet, example = json!(guichet_example())),
        (status = 404, description = "No such guichet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/guichets/{guichet_id}")]
pub async fn get_guichet(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    PathId(id): PathId<GuichetId>,
) -> Result<HttpResponse, ApiError> {
    let agent = agent.0;
    let guichet = state
        .blocking(move |store| {
            let (guichet, site) = store
                .get_guichet(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "guichet"))?;
            may_read(&agent, &site)?;
            let motifs = store
                .guichet_motif_ids(&guichet.id)
                .map_err(ApiError::from)?;
            Ok(Guichet::from_row(&guichet, motifs))
        })
        .await?;
    Ok(guichet.answer(StatusCode::OK))
}

/// Delete a guichet
///
/// Deletes a guichet never booked, with its plages and closures. Refused
/// with 409 once an appointment was booked there: set its `active_until`
/// instead. Administrators of its site's département only.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("guichet_id" = String, Path, format = Uuid, description = "Guichet identifier", example = "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f")),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such guichet", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Appointments were booked at the guichet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/guichets/{guichet_id}")]
pub async fn delete_guichet(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    PathId(id): PathId<GuichetId>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let agent = agent.0;
    state
        .blocking(move |store| {
            let (guichet, site) = store
                .get_guichet(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "guichet"))?;
            may_administer(&agent, &site)?;
            let motifs = store
                .guichet_motif_ids(&guichet.id)
                .map_err(ApiError::from)?;
            let before = Guichet::from_row(&guichet, motifs);
            let audit = deletion(&agent, &site, "guichet", &guichet.id, &before, now);
            store
                .delete_guichet(&guichet.id, &audit)
                .map_err(|e| write_error(e, "guichet in use"))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_guichets)
        .service(get_guichet)
        .service(delete_guichet)
        .service(create_guichet)
        .service(update_guichet);
}
