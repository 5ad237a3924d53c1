//! Closures: `/admin/sites/{site_id}/fermetures`, `/admin/fermetures/{fermeture_id}`.

use crate::app::audit::deletion;
use crate::http::error::ApiError;
use crate::http::error::write_error;
use crate::http::extract::JsonBody;
use crate::http::extract::QueryParams;
use crate::http::path::PathId;
use crate::http::problem::Problem;
use crate::http::version::IfMatch;
use crate::http::version::IfMatchParam;
use crate::http::version::Versioned as _;
use crate::model::fermeture::Fermeture;
use crate::model::fermeture::FermeturePage;
use crate::model::fermeture::FermetureRequest;
use crate::model::fermeture::fermeture_example;
use crate::model::guichet::OnConflict;
use crate::model::page::Pagination;
use crate::model::page::page_info;
use crate::model::page::paged;
use crate::model::site::site_zone;
use crate::security::agent::AuthenticatedAgent;
use crate::security::scope::may_administer;
use crate::security::scope::may_read;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, put, web};
use planipref_domain::ids::FermetureId;
use planipref_domain::ids::SiteId;
use utoipa_actix_web::service_config::ServiceConfig;
/// Close a site or a guichet
///
/// Closes a whole site, or one of its guichets, over whole local days or a
/// local date-time range: no slot is offered during it. Booked appointments
/// are never silently orphaned: by default the closure is refused (409,
/// their references in `conflicts`); with `on_conflict=flag` it applies and
/// they are marked to be re-booked, each with a history entry.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(
        ("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"),
        OnConflict,
    ),
    request_body(content = FermetureRequest, example = json!({"from_date": "2026-12-24", "to_date": "2026-12-24", "reason": "Inventaire annuel"})),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 201, description = "Closed; `Location` points at it", body = Fermeture, headers(("Location" = String, description = "Where it is read"), ("ETag" = String, description = "Its version")), example = json!({"id": "7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e", "site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "guichet_id": null, "start": "2026-12-24T00:00:00+01:00", "end": "2026-12-25T00:00:00+01:00", "reason": "Inventaire annuel", "flagged_reservations": [], "version": 1})),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Booked appointments fall in it (references in `conflicts`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid period, reason or guichet (not of this site)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sites/{site_id}/fermetures")]
pub async fn create_fermeture(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    PathId(site_id): PathId<SiteId>,
    QueryParams(q): QueryParams<OnConflict>,
    JsonBody(body): JsonBody<FermetureRequest>,
) -> Result<HttpResponse, ApiError> {
    let flag = q.flag()?;
    let checked = body.check()?;
    let agent = agent.0;
    let now = state.now();
    let created = state
        .blocking(move |store| {
            let site = store
                .get_site(&site_id.to_string())
                .map_err(|e| ApiError::from_store(e, "site"))?;
            let id = uuid::Uuid::new_v4().to_string();
            crate::app::fermetures::write(
                store,
                (&agent, now),
                &site,
                (&body, checked),
                id,
                None,
                flag,
            )
        })
        .await?;
    Ok(created.created_at(&format!("/api/v1/admin/fermetures/{}", created.id)))
}

/// Change a closure
///
/// Replaces a closure's guichet, period and reason in one transaction, from
/// the version read (`If-Match`).
/// Booked appointments the new period covers are never silently orphaned:
/// by default the change is refused (409, their references in `conflicts`);
/// with `on_conflict=flag` it applies and they are marked to be re-booked.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(
        ("fermeture_id" = String, Path, format = Uuid, description = "Closure identifier", example = "7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e"),
        OnConflict,
        IfMatchParam,
    ),
    request_body(content = FermetureRequest, example = json!({"from_date": "2026-12-24", "to_date": "2026-12-26", "reason": "Inventaire annuel"})),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::QueryErrors,
        crate::http::responses::VersionErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Changed", body = Fermeture, example = json!({"id": "7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e", "site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "guichet_id": null, "start": "2026-12-24T00:00:00+01:00", "end": "2026-12-27T00:00:00+01:00", "reason": "Inventaire annuel", "flagged_reservations": [], "version": 2})),
        (status = 404, description = "No such closure", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Booked appointments fall in it (references in `conflicts`), or it changed since the version sent (`stale`, with `current_version`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid period, reason or guichet (not of this site)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/fermetures/{fermeture_id}")]
pub async fn update_fermeture(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    PathId(id): PathId<FermetureId>,
    if_match: IfMatch,
    QueryParams(q): QueryParams<OnConflict>,
    JsonBody(body): JsonBody<FermetureRequest>,
) -> Result<HttpResponse, ApiError> {
    let flag = q.flag()?;
    let checked = body.check()?;
    let agent = agent.0;
    let now = state.now();
    let changed = state
        .blocking(move |store| {
            let (before, site) = store
                .get_fermeture(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "closure"))?;
            let id = before.id.clone();
            crate::app::fermetures::write(
                store,
                (&agent, now),
                &site,
                (&body, checked),
                id,
                Some((&before, if_match)),
                flag,
            )
        })
        .await?;
    Ok(changed.answer(StatusCode::OK))
}

/// List a site's closures
///
/// Latest first, with the site's offsets. For agents whose scope covers
/// the site.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"), Pagination),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "A page of closures", body = FermeturePage, example = json!(paged(fermeture_example()))),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid page", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sites/{site_id}/fermetures")]
pub async fn list_fermetures(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    PathId(id): PathId<SiteId>,
    QueryParams(q): QueryParams<Pagination>,
) -> Result<HttpResponse, ApiError> {
    let (page, per_page, offset, limit) = q.window()?;
    let agent = agent.0;
    let (site, found) = state
        .blocking(move |store| {
            let site = store
                .get_site(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "site"))?;
            may_read(&agent, &site)?;
            let found = store
                .list_fermetures(&site.id, offset, limit)
                .map_err(ApiError::from)?;
            Ok((site, found))
        })
        .await?;
    let tz = site_zone(&site)?;
    Ok(HttpResponse::Ok().json(FermeturePage {
        items: found
            .items
            .into_iter()
            .map(|f| Fermeture::from_row(f, tz))
            .collect(),
        page: page_info(page, per_page, found.total),
    }))
}

/// Read a closure
///
/// One closure with the site's offsets, for agents whose scope covers the
/// site.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("fermeture_id" = String, Path, format = Uuid, description = "Closure identifier", example = "7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e")),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The closure", body = Fermeture, example = json!(fermeture_example())),
        (status = 404, description = "No such closure", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/fermetures/{fermeture_id}")]
pub async fn get_fermeture(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    PathId(id): PathId<FermetureId>,
) -> Result<HttpResponse, ApiError> {
    let agent = agent.0;
    let fermeture = state
        .blocking(move |store| {
            let (fermeture, site) = store
                .get_fermeture(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "closure"))?;
            may_read(&agent, &site)?;
            Ok(Fermeture::from_row(fermeture, site_zone(&site)?))
        })
        .await?;
    Ok(fermeture.answer(StatusCode::OK))
}

/// Delete a closure
///
/// Reopens what a closure closed; slots reappear at once. Appointments
/// flagged when it was created stay flagged for agents to handle.
/// Administrators of the site's département only.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("fermeture_id" = String, Path, format = Uuid, description = "Closure identifier", example = "7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e")),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such closure", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/fermetures/{fermeture_id}")]
pub async fn delete_fermeture(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    PathId(id): PathId<FermetureId>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let agent = agent.0;
    state
        .blocking(move |store| {
            let (fermeture, site) = store
                .get_fermeture(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "closure"))?;
            may_administer(&agent, &site)?;
            let before = Fermeture::from_row(fermeture.clone(), site_zone(&site)?);
            let audit = deletion(&agent, &site, "fermeture", &fermeture.id, &before, now);
            store
                .delete_fermeture(&fermeture.id, &audit)
                .map_err(|e| write_error(e, "closure in use"))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_fermetures)
        .service(get_fermeture)
        .service(update_fermeture)
        .service(delete_fermeture)
        .service(create_fermeture);
}
