//! Reading a site's organisation piece by piece — paginated lists and
//! single objects, for every agent whose scope covers the site — and
//! deleting its pieces, for its administrators. Deletions are audited and
//! never take an appointment's history with them: what a reservation ever
//! used is refused with 409 (deactivate it instead).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, put, web};
use planipref_domain::access::{Agent, Scope};
use planipref_domain::error::Collector;
use planipref_domain::ids::{GuichetId, MotifId, PlageId, ServiceId, SiteId};
use planipref_domain::referentiel::{check_description, check_name};
use planipref_store::AuditEntry;
use planipref_store::models::SiteRow;
use serde::Serialize;
use utoipa::ToSchema;

use crate::admin_referentiel::{
    Guichet, PlageResponse, Service, ServiceRequest, audit, authorise, plage_response, write_error,
};
use crate::auth::AuthenticatedAgent;
use crate::dto::{Motif, PageInfo, Pagination, Site, may_read, site_zone};
use crate::error::{ApiError, Problem};
use crate::extract::{JsonBody, QueryParams};
use crate::fermetures::Fermeture;
use crate::sites::{MotifPage, SitePage};
use crate::state::AppState;
use crate::version::{IfMatch, IfMatchParam, Versioned as _};

/// An audit entry for deleting `entity` `id` of `site`, with its last state.
fn deletion(
    agent: &Agent,
    site: &SiteRow,
    entity: &'static str,
    id: &str,
    before: &impl Serialize,
) -> AuditEntry {
    AuditEntry {
        before: crate::audit::json(before),
        ..crate::audit::site_entry(agent, site, entity, id, "deleted")
    }
}

fn page_info(page: u32, per_page: u32, total: i64) -> PageInfo {
    PageInfo {
        page,
        per_page,
        total,
    }
}

/// A page of services.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServicePage {
    /// By name.
    pub items: Vec<Service>,
    /// Where this page stands.
    #[serde(flatten)]
    pub page: PageInfo,
}

/// A page of guichets.
#[derive(Debug, Serialize, ToSchema)]
pub struct GuichetPage {
    /// By name.
    pub items: Vec<Guichet>,
    /// Where this page stands.
    #[serde(flatten)]
    pub page: PageInfo,
}

/// A page of plages.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlagePage {
    /// By opening time.
    pub items: Vec<PlageResponse>,
    /// Where this page stands.
    #[serde(flatten)]
    pub page: PageInfo,
}

/// A page of closures.
#[derive(Debug, Serialize, ToSchema)]
pub struct FermeturePage {
    /// Latest first.
    pub items: Vec<Fermeture>,
    /// Where this page stands.
    #[serde(flatten)]
    pub page: PageInfo,
}

const SITE_ID: &str = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11";

fn service_example() -> serde_json::Value {
    serde_json::json!({"id": "0b8f2f0a-3b1c-4a57-8f3e-6e1f8d7c2b10", "site_id": SITE_ID, "name": "Bureau du séjour des étrangers", "description": "Titres de séjour, documents de circulation.", "version": 1})
}

fn guichet_example() -> serde_json::Value {
    serde_json::json!({"id": "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f", "site_id": SITE_ID, "name": "Guichet 5", "active": true, "active_from": null, "active_until": null, "motif_ids": ["9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00"], "channel": "public", "version": 1})
}

fn plage_example() -> serde_json::Value {
    serde_json::json!({"id": "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d", "guichet_id": "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f", "weekdays": ["monday", "tuesday", "thursday"], "start": "09:00", "end": "12:00", "valid_from": "2027-01-04", "valid_until": null, "motif_ids": [], "version": 1})
}

fn fermeture_example() -> serde_json::Value {
    serde_json::json!({"id": "7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e", "site_id": SITE_ID, "guichet_id": null, "start": "2026-12-24T00:00:00+01:00", "end": "2026-12-25T00:00:00+01:00", "reason": "Inventaire annuel", "flagged_reservations": [], "version": 1})
}

fn paged(item: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"items": [item], "page": 1, "per_page": 50, "total": 1})
}

/// List sites (administration)
///
/// The sites the caller's scope covers: all for national administrators,
/// their départements' for préfecture administrators, their own for agents.
#[utoipa::path(
    operation_id = "admin_list_sites",
    tag = "admin", security(("bearer" = [])),
    params(Pagination),
    responses(
        (status = 200, description = "A page of sites, by préfecture then name", body = SitePage, example = json!(paged(serde_json::to_value(crate::examples::site()).unwrap_or_default()))),
        (status = 400, description = "Unreadable query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid page", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/admin/sites")]
pub async fn list_sites(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    QueryParams(q): QueryParams<Pagination>,
) -> Result<HttpResponse, ApiError> {
    let (page, per_page, offset, limit) = q.window()?;
    let (departements, sites): (Option<Vec<String>>, Option<Vec<String>>) = match agent.0.scope {
        Scope::National => (None, None),
        Scope::Departements(ds) => (Some(ds.iter().map(ToString::to_string).collect()), None),
        Scope::Sites(ids) => (None, Some(ids.iter().map(ToString::to_string).collect())),
    };
    let found = state
        .blocking(move |store| {
            store
                .list_sites_in_scope(departements.as_deref(), sites.as_deref(), offset, limit)
                .map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(SitePage {
        items: found.items.into_iter().map(Site::from).collect(),
        page: page_info(page, per_page, found.total),
    }))
}

/// Delete a site
///
/// Deletes a site created by mistake, with its whole organisation
/// (services, motifs, guichets, plages, closures, openings, competence).
/// Refused with 409 once any appointment was booked there. Administrators
/// of its département only.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Appointments were booked at the site", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[delete("/admin/sites/{site_id}")]
pub async fn delete_site(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: SiteId = path.parse().map_err(|_| ApiError::NotFound("site"))?;
    let agent = agent.0;
    state
        .blocking(move |store| {
            let site = store
                .get_site(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "site"))?;
            authorise(&agent, &site)?;
            let audit = deletion(&agent, &site, "site", &site.id, &Site::from(site.clone()));
            store
                .delete_site(&site.id, &audit)
                .map_err(|e| write_error(e, "site in use"))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List a site's services
///
/// For agents whose scope covers the site.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"), Pagination),
    responses(
        (status = 200, description = "A page of services", body = ServicePage, example = json!(paged(service_example()))),
        (status = 400, description = "Unreadable query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid page", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/admin/sites/{site_id}/services")]
pub async fn list_services(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
    QueryParams(q): QueryParams<Pagination>,
) -> Result<HttpResponse, ApiError> {
    let id: SiteId = path.parse().map_err(|_| ApiError::NotFound("site"))?;
    let (page, per_page, offset, limit) = q.window()?;
    let agent = agent.0;
    let found = state
        .blocking(move |store| {
            let site = store
                .get_site(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "site"))?;
            may_read(&agent, &site)?;
            store
                .list_services(&site.id, offset, limit)
                .map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ServicePage {
        items: found.items.into_iter().map(Service::from_row).collect(),
        page: page_info(page, per_page, found.total),
    }))
}

/// Read a service
///
/// For agents whose scope covers its site.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("service_id" = String, Path, format = Uuid, description = "Service identifier", example = "0b8f2f0a-3b1c-4a57-8f3e-6e1f8d7c2b10")),
    responses(
        (status = 200, description = "The service", body = Service, example = json!(service_example())),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such service", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/admin/services/{service_id}")]
pub async fn get_service(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: ServiceId = path.parse().map_err(|_| ApiError::NotFound("service"))?;
    let agent = agent.0;
    let service = state
        .blocking(move |store| {
            let (service, site) = store
                .get_service(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "service"))?;
            may_read(&agent, &site)?;
            Ok(Service::from_row(service))
        })
        .await?;
    Ok(service.answer(StatusCode::OK))
}

/// Change a service
///
/// Renames or redescribes a service, from the version read (`If-Match`).
/// Administrators of its site's département only.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("service_id" = String, Path, format = Uuid, description = "Service identifier", example = "0b8f2f0a-3b1c-4a57-8f3e-6e1f8d7c2b10"), IfMatchParam),
    request_body(content = ServiceRequest, example = json!({"name": "Bureau du séjour des étrangers", "description": "Titres de séjour, documents de circulation."})),
    responses(
        (status = 200, description = "Changed", body = Service, example = json!(service_example())),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such service", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A service of that name exists at the site, or it changed since the version sent (`stale`, with `current_version`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No `If-Match`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[put("/admin/services/{service_id}")]
pub async fn update_service(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<ServiceRequest>,
) -> Result<HttpResponse, ApiError> {
    let id: ServiceId = path.parse().map_err(|_| ApiError::NotFound("service"))?;
    let mut c = Collector::default();
    let name = c.take(check_name("name", &body.name, 150));
    let description = c.take(check_description("description", &body.description, 2000));
    c.finish()?;
    let (Some(name), Some(description)) = (name, description) else {
        return Err(ApiError::Internal);
    };
    let agent = agent.0;
    let service = state
        .blocking(move |store| {
            let (before, site) = store
                .get_service(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "service"))?;
            authorise(&agent, &site)?;
            let after = planipref_store::models::ServiceRow {
                name,
                description,
                revision: if_match.0,
                ..before.clone()
            };
            let dto = Service {
                version: if_match.next(),
                ..Service::from_row(after.clone())
            };
            let audit = AuditEntry {
                action: "updated",
                before: crate::audit::json(&Service::from_row(before)),
                ..audit(&agent, &site, "service", &after.id, &dto)
            };
            store
                .update_service(&after, &audit)
                .map_err(|e| write_error(e, "a service of that name exists at this site"))?;
            Ok(dto)
        })
        .await?;
    Ok(service.answer(StatusCode::OK))
}

/// Delete a service
///
/// Deletes a service without motifs (delete them first). Administrators of
/// its site's département only.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("service_id" = String, Path, format = Uuid, description = "Service identifier", example = "0b8f2f0a-3b1c-4a57-8f3e-6e1f8d7c2b10")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such service", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The service still has motifs", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[delete("/admin/services/{service_id}")]
pub async fn delete_service(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: ServiceId = path.parse().map_err(|_| ApiError::NotFound("service"))?;
    let agent = agent.0;
    state
        .blocking(move |store| {
            let (service, site) = store
                .get_service(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "service"))?;
            authorise(&agent, &site)?;
            let audit = deletion(
                &agent,
                &site,
                "service",
                &service.id,
                &Service::from_row(service.clone()),
            );
            store
                .delete_service(&service.id, &audit)
                .map_err(|e| write_error(e, "service in use"))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List a service's motifs
///
/// With their settings and which fields follow the national démarche. For
/// agents whose scope covers the site.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("service_id" = String, Path, format = Uuid, description = "Service identifier", example = "0b8f2f0a-3b1c-4a57-8f3e-6e1f8d7c2b10"), Pagination),
    responses(
        (status = 200, description = "A page of motifs, by label", body = MotifPage, example = json!(crate::examples::motif_page())),
        (status = 400, description = "Unreadable query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such service", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid page", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/admin/services/{service_id}/motifs")]
pub async fn list_motifs(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
    QueryParams(q): QueryParams<Pagination>,
) -> Result<HttpResponse, ApiError> {
    let id: ServiceId = path.parse().map_err(|_| ApiError::NotFound("service"))?;
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
        (status = 200, description = "The motif", body = Motif, example = json!(crate::examples::motif())),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such motif", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/admin/motifs/{motif_id}")]
pub async fn get_motif(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: MotifId = path.parse().map_err(|_| ApiError::NotFound("motif"))?;
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
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such motif", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Booked at least once, or a plage is restricted to it", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[delete("/admin/motifs/{motif_id}")]
pub async fn delete_motif(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: MotifId = path.parse().map_err(|_| ApiError::NotFound("motif"))?;
    let agent = agent.0;
    state
        .blocking(move |store| {
            let (motif, service, site) = store
                .get_motif(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "motif"))?;
            authorise(&agent, &site)?;
            let before = Motif::from_rows(motif.clone(), service);
            let audit = deletion(&agent, &site, "motif", &motif.id, &before);
            store
                .delete_motif(&motif.id, &audit)
                .map_err(|e| write_error(e, "motif in use"))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List a site's guichets
///
/// With the motifs each serves and its working period. For agents whose
/// scope covers the site.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"), Pagination),
    responses(
        (status = 200, description = "A page of guichets, by name", body = GuichetPage, example = json!(paged(guichet_example()))),
        (status = 400, description = "Unreadable query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid page", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/admin/sites/{site_id}/guichets")]
pub async fn list_guichets(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
    QueryParams(q): QueryParams<Pagination>,
) -> Result<HttpResponse, ApiError> {
    let id: SiteId = path.parse().map_err(|_| ApiError::NotFound("site"))?;
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
        (status = 200, description = "The guichet", body = Guichet, example = json!(guichet_example())),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such guichet", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/admin/guichets/{guichet_id}")]
pub async fn get_guichet(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: GuichetId = path.parse().map_err(|_| ApiError::NotFound("guichet"))?;
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
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such guichet", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Appointments were booked at the guichet", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[delete("/admin/guichets/{guichet_id}")]
pub async fn delete_guichet(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: GuichetId = path.parse().map_err(|_| ApiError::NotFound("guichet"))?;
    let agent = agent.0;
    state
        .blocking(move |store| {
            let (guichet, site) = store
                .get_guichet(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "guichet"))?;
            authorise(&agent, &site)?;
            let motifs = store
                .guichet_motif_ids(&guichet.id)
                .map_err(ApiError::from)?;
            let before = Guichet::from_row(&guichet, motifs);
            let audit = deletion(&agent, &site, "guichet", &guichet.id, &before);
            store
                .delete_guichet(&guichet.id, &audit)
                .map_err(|e| write_error(e, "guichet in use"))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List a guichet's plages
///
/// As written, by opening time. For agents whose scope covers the site.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("guichet_id" = String, Path, format = Uuid, description = "Guichet identifier", example = "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f"), Pagination),
    responses(
        (status = 200, description = "A page of plages", body = PlagePage, example = json!(paged(plage_example()))),
        (status = 400, description = "Unreadable query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such guichet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid page", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/admin/guichets/{guichet_id}/plages")]
pub async fn list_plages(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
    QueryParams(q): QueryParams<Pagination>,
) -> Result<HttpResponse, ApiError> {
    let id: GuichetId = path.parse().map_err(|_| ApiError::NotFound("guichet"))?;
    let (page, per_page, offset, limit) = q.window()?;
    let agent = agent.0;
    let found = state
        .blocking(move |store| {
            let (guichet, site) = store
                .get_guichet(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "guichet"))?;
            may_read(&agent, &site)?;
            store
                .list_plages(&guichet.id, offset, limit)
                .map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(PlagePage {
        items: found
            .items
            .iter()
            .map(|(row, p)| {
                plage_response(
                    &row.id,
                    row.revision,
                    p,
                    p.motifs.iter().map(ToString::to_string).collect(),
                )
            })
            .collect(),
        page: page_info(page, per_page, found.total),
    }))
}

/// Read a plage
///
/// For agents whose scope covers its site.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("plage_id" = String, Path, format = Uuid, description = "Plage identifier", example = "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d")),
    responses(
        (status = 200, description = "The plage", body = PlageResponse, example = json!(plage_example())),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plage", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/admin/plages/{plage_id}")]
pub async fn get_plage(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: PlageId = path.parse().map_err(|_| ApiError::NotFound("plage"))?;
    let agent = agent.0;
    let plage = state
        .blocking(move |store| {
            let (row, plage, site) = store
                .get_plage(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "plage"))?;
            may_read(&agent, &site)?;
            let motifs = plage.motifs.iter().map(ToString::to_string).collect();
            Ok(plage_response(&row.id, row.revision, &plage, motifs))
        })
        .await?;
    Ok(plage.answer(StatusCode::OK))
}

/// List a site's closures
///
/// Latest first, with the site's offsets. For agents whose scope covers
/// the site.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"), Pagination),
    responses(
        (status = 200, description = "A page of closures", body = FermeturePage, example = json!(paged(fermeture_example()))),
        (status = 400, description = "Unreadable query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid page", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/admin/sites/{site_id}/fermetures")]
pub async fn list_fermetures(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
    QueryParams(q): QueryParams<Pagination>,
) -> Result<HttpResponse, ApiError> {
    let id: SiteId = path.parse().map_err(|_| ApiError::NotFound("site"))?;
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
        (status = 200, description = "The closure", body = Fermeture, example = json!(fermeture_example())),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such closure", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/admin/fermetures/{fermeture_id}")]
pub async fn get_fermeture(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: uuid::Uuid = path.parse().map_err(|_| ApiError::NotFound("closure"))?;
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
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such closure", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[delete("/admin/fermetures/{fermeture_id}")]
pub async fn delete_fermeture(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: uuid::Uuid = path.parse().map_err(|_| ApiError::NotFound("closure"))?;
    let agent = agent.0;
    state
        .blocking(move |store| {
            let (fermeture, site) = store
                .get_fermeture(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "closure"))?;
            authorise(&agent, &site)?;
            let before = Fermeture::from_row(fermeture.clone(), site_zone(&site)?);
            let audit = deletion(&agent, &site, "fermeture", &fermeture.id, &before);
            store
                .delete_fermeture(&fermeture.id, &audit)
                .map_err(|e| write_error(e, "closure in use"))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
