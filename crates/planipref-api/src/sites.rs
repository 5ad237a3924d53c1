//! Sites and their motifs: where an applicant can go, and for what.

use crate::http::error::ApiError;
use crate::http::error::Problem;
use crate::http::extract::QueryParams;
use crate::model::motif::Motif;
use crate::model::motif::MotifPage;
use crate::model::page::PageInfo;
use crate::model::page::Pagination;
use crate::model::site::Site;
use crate::model::site::SiteListQuery;
use crate::model::site::SitePage;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use planipref_domain::ids::{DepartementCode, SiteId};

/// List sites
///
/// Every place that receives the public — préfectures, sous-préfectures,
/// antennas — optionally of one préfecture. Public; no personal data.
#[utoipa::path(
    tag = "sites",
    params(SiteListQuery),
    responses(
        (status = 200, description = "A page of sites", body = SitePage,
         example = json!(crate::model::examples::site_page())),
        (status = 400, description = "Unreadable query (e.g. `page=abc`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter or page", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/sites")]
pub async fn list_sites(
    state: web::Data<AppState>,
    QueryParams(q): QueryParams<SiteListQuery>,
) -> Result<HttpResponse, ApiError> {
    let (page, per_page) = Pagination::resolve(q.page, q.per_page)?;
    let prefecture = match q.prefecture.as_deref() {
        None => None,
        Some(raw) => Some(
            DepartementCode::parse(raw)
                .ok_or_else(|| {
                    ApiError::invalid(
                        "prefecture",
                        "must be a département code such as 93, 2A or 974",
                    )
                })?
                .to_string(),
        ),
    };
    let offset = i64::from(page - 1) * i64::from(per_page);
    let result = state
        .blocking(move |store| {
            store
                .list_sites(prefecture.as_deref(), offset, i64::from(per_page))
                .map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(SitePage {
        items: result.items.into_iter().map(Site::from).collect(),
        page: PageInfo {
            page,
            per_page,
            total: result.total,
        },
    }))
}

/// Read a site
///
/// One site: its address and the time zone in which its hours are given.
#[utoipa::path(
    tag = "sites",
    params(("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")),
    responses(
        (status = 200, description = "The site", body = Site, example = json!(crate::model::examples::site())),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/sites/{site_id}")]
pub async fn get_site(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_site_id(&path)?;
    let site = state
        .blocking(move |store| {
            store
                .get_site(&id)
                .map_err(|e| ApiError::from_store(e, "site"))
        })
        .await?;
    Ok(HttpResponse::Ok().json(Site::from(site)))
}

/// List a site's motifs
///
/// What can be booked at a site, with each appointment's length and what
/// to bring. Use a motif's `id` to ask for its slots.
#[utoipa::path(
    tag = "sites",
    params(
        ("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"),
        Pagination,
    ),
    responses(
        (status = 200, description = "A page of motifs", body = MotifPage, example = json!(crate::model::examples::motif_page())),
        (status = 400, description = "Unreadable query", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid page", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/sites/{site_id}/motifs")]
pub async fn list_site_motifs(
    state: web::Data<AppState>,
    path: web::Path<String>,
    QueryParams(q): QueryParams<Pagination>,
) -> Result<HttpResponse, ApiError> {
    let (page, per_page) = Pagination::resolve(q.page, q.per_page)?;
    let id = parse_site_id(&path)?;
    let rows = state
        .blocking(move |store| {
            store
                .list_site_motifs(&id)
                .map_err(|e| ApiError::from_store(e, "site"))
        })
        .await?;
    let total = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    let skip = usize::try_from(u64::from(page - 1) * u64::from(per_page)).unwrap_or(usize::MAX);
    let items = rows
        .into_iter()
        .skip(skip)
        .take(per_page as usize)
        .map(|(m, s)| Motif::from_rows(m, s))
        .collect();
    Ok(HttpResponse::Ok().json(MotifPage {
        items,
        page: PageInfo {
            page,
            per_page,
            total,
        },
    }))
}

/// A site id from the path; anything that is not one is simply not found.
fn parse_site_id(raw: &str) -> Result<String, ApiError> {
    raw.parse::<SiteId>()
        .map(|id| id.to_string())
        .map_err(|_| ApiError::NotFound("site"))
}
