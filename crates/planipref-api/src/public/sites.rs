//! Sites and what they book, and their calendars: `GET /sites`, `/sites/{site_id}`, `/sites/{site_id}/motifs`, `/sites/{site_id}/calendar`.

use crate::app::translations::localize;
use crate::http::error::ApiError;
use crate::http::extract::QueryParams;
use crate::http::language::{AcceptLanguage, AcceptLanguageParam, in_languages};
use crate::http::path::PathId;
use crate::http::problem::Problem;
use crate::model::calendar::CalendarQuery;
use crate::model::calendar::SiteCalendar;
use crate::model::fields::date_range;
use crate::model::motif::Motif;
use crate::model::motif::MotifPage;
use crate::model::page::PageInfo;
use crate::model::page::Pagination;
use crate::model::site::Site;
use crate::model::site::SiteListQuery;
use crate::model::site::SitePage;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use planipref_domain::ids::DepartementCode;
use planipref_domain::ids::SiteId;
use utoipa_actix_web::service_config::ServiceConfig;
/// List sites
///
/// Every place that receives the public — préfectures, sous-préfectures,
/// antennas — optionally of one préfecture. Public; no personal data.
#[utoipa::path(
    tag = "sites",
    params(SiteListQuery),
    responses(
        crate::http::responses::Unavailable,
        (status = 200, description = "A page of sites", body = SitePage,
         example = json!(crate::model::site::example_site_page())),
        (status = 400, description = "Unreadable query (e.g. `page=abc`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter or page", body = Problem, content_type = "application/problem+json"),
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
        crate::http::responses::Unavailable,
        (status = 200, description = "The site", body = Site, example = json!(crate::model::site::example_site())),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sites/{site_id}")]
pub async fn get_site(
    state: web::Data<AppState>,
    PathId(id): PathId<SiteId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.to_string();
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
/// to bring, in the applicant's language when the préfecture translated
/// it (`Accept-Language`; each motif's `language` says which). Use a
/// motif's `id` to ask for its slots.
#[utoipa::path(
    tag = "sites",
    params(
        ("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"),
        Pagination,
        AcceptLanguageParam,
    ),
    responses(
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "A page of motifs", body = MotifPage, example = json!(crate::model::motif::example_motif_page())),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid page", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sites/{site_id}/motifs")]
pub async fn list_site_motifs(
    state: web::Data<AppState>,
    PathId(id): PathId<SiteId>,
    QueryParams(q): QueryParams<Pagination>,
    wanted: AcceptLanguage,
) -> Result<HttpResponse, ApiError> {
    let (page, per_page) = Pagination::resolve(q.page, q.per_page)?;
    let id = id.to_string();
    let skip = usize::try_from(u64::from(page - 1) * u64::from(per_page)).unwrap_or(usize::MAX);
    let (items, total, languages) = state
        .blocking(move |store| {
            let rows = store
                .list_site_motifs(&id)
                .map_err(|e| ApiError::from_store(e, "site"))?;
            let total = i64::try_from(rows.len()).unwrap_or(i64::MAX);
            let mut items: Vec<Motif> = rows
                .into_iter()
                .skip(skip)
                .take(per_page as usize)
                .map(|(m, s)| Motif::from_rows(m, s))
                .collect();
            let languages = localize(store, &mut items, &wanted)?;
            Ok((items, total, languages))
        })
        .await?;
    let page = PageInfo {
        page,
        per_page,
        total,
    };
    let answer = HttpResponse::Ok().json(MotifPage { items, page });
    Ok(in_languages(answer, &languages))
}

/// A site's calendar
///
/// The days a site is closed between two dates: the public holidays of its
/// département — the eleven national ones, Good Friday and 26 December in
/// Alsace-Moselle, and the abolition-of-slavery day of each overseas
/// territory — except those on which the préfecture opens it; and the
/// closures of the site or of some of its guichets. No slot is offered then.
#[utoipa::path(
    tag = "sites",
    params(
        ("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"),
        CalendarQuery,
    ),
    responses(
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The closed days", body = SiteCalendar, example = json!(crate::model::calendar::example_site_calendar())),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid dates or range (field `from` or `to`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sites/{site_id}/calendar")]
pub async fn site_calendar(
    state: web::Data<AppState>,
    PathId(site_id): PathId<SiteId>,
    QueryParams(q): QueryParams<CalendarQuery>,
) -> Result<HttpResponse, ApiError> {
    let days = date_range(q.from.as_deref(), q.to.as_deref())?;
    let now = state.now();
    let calendar = state
        .blocking(move |store| crate::app::sites::calendar(store, site_id, days, now))
        .await?;
    Ok(HttpResponse::Ok().json(calendar))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_sites)
        .service(get_site)
        .service(list_site_motifs)
        .service(site_calendar);
}
