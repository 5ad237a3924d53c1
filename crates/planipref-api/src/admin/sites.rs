//! Sites: `/admin/sites`, `/admin/sites/{site_id}`.

use crate::app::audit::deletion;
use crate::app::audit::json;
use crate::app::audit::site_entry;
use crate::app::sites::parse;
use crate::app::sites::site_write_error;
use crate::app::sites::to_row;
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
use crate::model::site::AdminSite;
use crate::model::site::Site;
use crate::model::site::SitePage;
use crate::model::site::SiteRequest;
use crate::model::site::example_admin_site;
use crate::model::site::example_site_request;
use crate::model::site::site_departement;
use crate::security::agent::AuthenticatedAgent;
use crate::security::scope::may_administer;
use crate::security::scope::may_administer_departement;
use crate::security::scope::may_read;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, put, web};
use planipref_domain::access::Scope;
use planipref_domain::ids::DepartementCode;
use planipref_domain::ids::SiteId;
use planipref_store::AuditEntry;
use planipref_store::models::SiteRow;
use utoipa_actix_web::service_config::ServiceConfig;
/// Create a site
///
/// Creates a site of a préfecture. Administrators of that département (or
/// national administrators) only. The write is audited.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body(content = SiteRequest, example = json!(example_site_request())),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::Unavailable,
        (status = 201, description = "Created; `Location` points at it", body = AdminSite,
         headers(("Location" = String, description = "Path of the new site"), ("ETag" = String, description = "Its version")),
         example = json!(example_admin_site())),
        (status = 403, description = "The département is outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A site of that name exists in the préfecture", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or unknown préfecture", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sites")]
pub async fn create_site(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    JsonBody(body): JsonBody<SiteRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let (draft, competence) = parse(&body)?;
    may_administer_departement(&agent.0, &draft.prefecture)?;
    let row = to_row(SiteId::new_random().to_string(), &draft, now);
    let site = AdminSite::new(row.clone(), competence.clone());
    let audit = AuditEntry {
        after: json(&site),
        ..site_entry(&agent.0, &row, "site", &row.id, "created", now)
    };
    state
        .blocking(move |store| {
            store
                .create_site(&row, &competence, &audit)
                .map_err(site_write_error)
        })
        .await?;
    Ok(site.created_at(&format!("/api/v1/admin/sites/{}", site.site.id)))
}

/// Read a site (administration)
///
/// A site, for agents whose scope covers it.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The site", body = AdminSite, example = json!(example_admin_site())),
        (status = 403, description = "The site is outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sites/{site_id}")]
pub async fn admin_get_site(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    PathId(id): PathId<SiteId>,
) -> Result<HttpResponse, ApiError> {
    let agent = agent.0;
    let site = state
        .blocking(move |store| {
            let row = store
                .get_site(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "site"))?;
            may_read(&agent, &row)?;
            let competence = store.site_competence(&row.id).map_err(ApiError::from)?;
            Ok(AdminSite::new(row, competence))
        })
        .await?;
    Ok(site.answer(StatusCode::OK))
}

/// Update a site
///
/// Replaces a site's settings, from the version read (`If-Match`). The
/// caller must administer its département (and the new one, if it moves).
/// Refused with 409 `stale` if someone changed the site since. The write is
/// audited with the values before and after.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"), IfMatchParam),
    request_body(content = SiteRequest, example = json!(example_site_request())),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::VersionErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Updated", body = AdminSite, example = json!(example_admin_site())),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Name taken, the site changed since the version sent (`stale`, with `current_version`), or a new time zone or département while appointments are booked (references in `conflicts`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or unknown préfecture", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/sites/{site_id}")]
pub async fn update_site(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    PathId(id): PathId<SiteId>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<SiteRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let (draft, competence) = parse(&body)?;
    let agent = agent.0;
    let site = state
        .blocking(move |store| {
            let before = store
                .get_site(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "site"))?;
            let current: DepartementCode = site_departement(&before)?;
            may_administer_departement(&agent, &current)?;
            may_administer_departement(&agent, &draft.prefecture)?;
            let after = SiteRow {
                revision: if_match.0,
                ..to_row(before.id.clone(), &draft, before.created_at.and_utc())
            };
            let before_competence = store.site_competence(&before.id).map_err(ApiError::from)?;
            let before_site = AdminSite::new(before.clone(), before_competence);
            let after_site = AdminSite {
                version: if_match.next(),
                ..AdminSite::new(after.clone(), competence.clone())
            };
            let audit = AuditEntry {
                before: json(&before_site),
                after: json(&after_site),
                ..site_entry(&agent, &after, "site", &after.id, "updated", now)
            };
            store
                .update_site(&before, &after, &competence, &audit)
                .map_err(site_write_error)?;
            Ok(after_site)
        })
        .await?;
    Ok(site.answer(StatusCode::OK))
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
        crate::http::responses::AgentOnly,
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "A page of sites, by préfecture then name", body = SitePage, example = json!(paged(serde_json::to_value(crate::model::site::example_site()).unwrap_or_default()))),
        (status = 422, description = "Invalid page", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sites")]
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
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Appointments were booked at the site", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/sites/{site_id}")]
pub async fn delete_site(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    PathId(id): PathId<SiteId>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let agent = agent.0;
    state
        .blocking(move |store| {
            let site = store
                .get_site(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "site"))?;
            may_administer(&agent, &site)?;
            let audit = deletion(
                &agent,
                &site,
                "site",
                &site.id,
                &Site::from(site.clone()),
                now,
            );
            store
                .delete_site(&site.id, &audit)
                .map_err(|e| write_error(e, "site in use"))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_sites)
        .service(create_site)
        .service(admin_get_site)
        .service(update_site)
        .service(delete_site);
}
