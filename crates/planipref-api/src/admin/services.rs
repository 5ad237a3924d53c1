//! Services: `/admin/sites/{site_id}/services`, `/admin/services/{service_id}`.

use crate::app::audit::audit;
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
use crate::model::page::Pagination;
use crate::model::page::page_info;
use crate::model::page::paged;
use crate::model::service::Service;
use crate::model::service::ServicePage;
use crate::model::service::ServiceRequest;
use crate::model::service::service_example;
use crate::security::agent::AuthenticatedAgent;
use crate::security::scope::may_administer;
use crate::security::scope::may_read;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, put, web};
use planipref_domain::error::Collector;
use planipref_domain::ids::ServiceId;
use planipref_domain::ids::SiteId;
use planipref_domain::text::check_description;
use planipref_domain::text::check_name;
use planipref_store::AuditEntry;
use planipref_store::models::ServiceRow;
use utoipa_actix_web::service_config::ServiceConfig;
/// Create a service
///
/// Adds a service to a site. Administrators of the site's département only.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")),
    request_body(content = ServiceRequest, example = json!({"name": "Bureau du séjour des étrangers", "description": ""})),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::Unavailable,
        (status = 201, description = "Created; `Location` points at it", body = Service, headers(("Location" = String, description = "Where it is read"), ("ETag" = String, description = "Its version")), example = json!({"id": "0b8f2f0a-3b1c-4a57-8f3e-6e1f8d7c2b10", "site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "name": "Bureau du séjour des étrangers", "description": "", "version": 1})),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A service of that name exists at the site", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sites/{site_id}/services")]
pub async fn create_service(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    PathId(site_id): PathId<SiteId>,
    JsonBody(body): JsonBody<ServiceRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let mut c = Collector::default();
    let name = c.take(check_name("name", &body.name, 150));
    let description = c.take(check_description("description", &body.description, 2000));
    c.finish()?;
    let (name, description) = (name.unwrap_or_default(), description.unwrap_or_default());
    let agent = agent.0;
    let service = state
        .blocking(move |store| {
            let site = store
                .get_site(&site_id.to_string())
                .map_err(|e| ApiError::from_store(e, "site"))?;
            may_administer(&agent, &site)?;
            let row = ServiceRow {
                id: ServiceId::new_random().to_string(),
                site_id: site.id.clone(),
                name,
                description,
                created_at: planipref_store::to_db(now),
                revision: 1,
            };
            let service = Service::from_row(row.clone());
            let audit = audit(&agent, &site, "service", &row.id, &service, now);
            store
                .create_service(&row, &audit)
                .map_err(|e| write_error(e, "a service of that name exists at this site"))?;
            Ok(service)
        })
        .await?;
    Ok(service.created_at(&format!("/api/v1/admin/services/{}", service.id)))
}

/// List a site's services
///
/// For agents whose scope covers the site.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"), Pagination),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "A page of services", body = ServicePage, example = json!(paged(service_example()))),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid page", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sites/{site_id}/services")]
pub async fn list_services(
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
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The service", body = Service, example = json!(service_example())),
        (status = 404, description = "No such service", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/services/{service_id}")]
pub async fn get_service(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    PathId(id): PathId<ServiceId>,
) -> Result<HttpResponse, ApiError> {
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
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::VersionErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Changed", body = Service, example = json!(service_example())),
        (status = 404, description = "No such service", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A service of that name exists at the site, or it changed since the version sent (`stale`, with `current_version`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/services/{service_id}")]
pub async fn update_service(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    PathId(id): PathId<ServiceId>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<ServiceRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
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
            may_administer(&agent, &site)?;
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
                before: crate::app::audit::json(&Service::from_row(before)),
                ..audit(&agent, &site, "service", &after.id, &dto, now)
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
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such service", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The service still has motifs", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/services/{service_id}")]
pub async fn delete_service(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    PathId(id): PathId<ServiceId>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let agent = agent.0;
    state
        .blocking(move |store| {
            let (service, site) = store
                .get_service(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "service"))?;
            may_administer(&agent, &site)?;
            let audit = deletion(
                &agent,
                &site,
                "service",
                &service.id,
                &Service::from_row(service.clone()),
                now,
            );
            store
                .delete_service(&service.id, &audit)
                .map_err(|e| write_error(e, "service in use"))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_services)
        .service(get_service)
        .service(update_service)
        .service(delete_service)
        .service(create_service);
}
