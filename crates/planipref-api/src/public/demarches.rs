//! The national catalogue: `GET /demarches`, `/demarches/{code}`.

use crate::http::error::ApiError;
use crate::http::extract::QueryParams;
use crate::http::problem::Problem;
use crate::http::version::Versioned as _;
use crate::model::demarche::Demarche;
use crate::model::demarche::DemarchePage;
use crate::model::demarche::demarche;
use crate::model::demarche::example;
use crate::model::page::PageInfo;
use crate::model::page::Pagination;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;
/// List the démarches
///
/// The national catalogue: every démarche préfectures receive the public
/// for, with its default duration and the sites that book it. Public.
#[utoipa::path(
    tag = "demarches",
    params(Pagination),
    responses(
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "A page of démarches", body = DemarchePage, example = json!({"items": [example()], "page": 1, "per_page": 50, "total": 1})),
        (status = 422, description = "Invalid page", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/demarches")]
pub async fn list_demarches(
    state: web::Data<AppState>,
    QueryParams(q): QueryParams<Pagination>,
) -> Result<HttpResponse, ApiError> {
    let (page, per_page) = Pagination::resolve(q.page, q.per_page)?;
    let all = state
        .blocking(|store| store.list_demarches().map_err(ApiError::from))
        .await?;
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let skip = usize::try_from(u64::from(page - 1) * u64::from(per_page)).unwrap_or(usize::MAX);
    let items = all
        .into_iter()
        .skip(skip)
        .take(per_page as usize)
        .map(|(d, sites)| demarche(d, sites))
        .collect();
    Ok(HttpResponse::Ok().json(DemarchePage {
        items,
        page: PageInfo {
            page,
            per_page,
            total,
        },
    }))
}

/// Read a démarche
///
/// One démarche of the national catalogue, with the sites that book it.
#[utoipa::path(
    tag = "demarches",
    params(("code" = String, Path, description = "Démarche code", example = "sejour-renouvellement")),
    responses(
        crate::http::responses::Unavailable,
        (status = 200, description = "The démarche", body = Demarche, example = json!(example())),
        (status = 404, description = "No such démarche", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/demarches/{code}")]
pub async fn get_demarche(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = path.into_inner();
    let found = state
        .blocking(move |store| {
            let all = store.list_demarches().map_err(ApiError::from)?;
            all.into_iter()
                .find(|(d, _)| d.code == code)
                .ok_or(ApiError::NotFound("démarche"))
        })
        .await?;
    Ok(demarche(found.0, found.1).answer(StatusCode::OK))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_demarches).service(get_demarche);
}
