//! Préfectures: `/admin/prefectures`, `/admin/prefectures/{code}`.

use crate::app::audit::prefecture_audit;
use crate::app::prefectures;
use crate::http::error::ApiError;
use crate::http::error::write_error;
use crate::http::extract::JsonBody;
use crate::http::extract::QueryParams;
use crate::http::problem::Problem;
use crate::http::version::IfMatch;
use crate::http::version::IfMatchParam;
use crate::http::version::Versioned as _;
use crate::model::page::PageInfo;
use crate::model::page::Pagination;
use crate::model::prefecture::Prefecture;
use crate::model::prefecture::PrefecturePage;
use crate::model::prefecture::PrefectureRequest;
use crate::model::prefecture::PrefectureUpdate;
use crate::model::prefecture::prefecture_example;
use crate::security::agent::AuthenticatedAgent;
use crate::security::scope::may_administer_nation;
use crate::security::scope::may_administer_prefecture;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, put, web};
use planipref_domain::FieldError;
use planipref_domain::access::Scope;
use planipref_domain::error::Collector;
use planipref_domain::ids::DepartementCode;
use planipref_domain::text::check_name;
use planipref_store::AuditEntry;
use planipref_store::models::PrefectureRow;
use utoipa_actix_web::service_config::ServiceConfig;
/// Create a préfecture
///
/// Registers the préfecture of a département. National administrators only.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    request_body(content = PrefectureRequest, example = json!({"code": "2A", "name": "Préfecture de la Corse-du-Sud", "departement_name": "Corse-du-Sud"})),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::Unavailable,
        (status = 201, description = "Created; `Location` points at it", body = Prefecture, headers(("Location" = String, description = "Where it is read"), ("ETag" = String, description = "Its version")), example = json!(prefecture_example())),
        (status = 403, description = "Not a national administrator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The préfecture exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/prefectures")]
pub async fn create_prefecture(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    JsonBody(body): JsonBody<PrefectureRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    may_administer_nation(&agent.0)?;
    let mut c = Collector::default();
    let code = c.take(DepartementCode::parse(&body.code).ok_or_else(|| {
        FieldError::new("code", "must be a département code such as 93, 2A or 974")
    }));
    let name = c.take(check_name("name", &body.name, 150));
    let departement_name = c.take(check_name("departement_name", &body.departement_name, 100));
    c.finish()?;
    let (Some(code), Some(name), Some(departement_name)) = (code, name, departement_name) else {
        return Err(ApiError::Internal);
    };
    let row = PrefectureRow {
        code: code.to_string(),
        name,
        departement_name,
        created_at: planipref_store::to_db(now),
        revision: 1,
    };
    let prefecture = Prefecture::from(row.clone());
    let audit = AuditEntry {
        after: crate::app::audit::json(&prefecture),
        ..prefecture_audit(&agent.0, &row.code, "created", now)
    };
    state
        .blocking(move |store| {
            store
                .create_prefecture(&row, &audit)
                .map_err(|e| write_error(e, "this préfecture exists already"))
        })
        .await?;
    Ok(prefecture.created_at(&format!("/api/v1/admin/prefectures/{}", prefecture.code)))
}

/// List préfectures
///
/// The préfectures the caller administers: all of them for national
/// administrators, their départements' for préfecture administrators.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(Pagination),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "A page of préfectures", body = PrefecturePage, example = json!({"items": [{"code": "93", "name": "Préfecture de la Seine-Saint-Denis", "departement_name": "Seine-Saint-Denis", "version": 1}], "page": 1, "per_page": 50, "total": 1})),
        (status = 403, description = "Agents administer no préfecture", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid page", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/prefectures")]
pub async fn list_prefectures(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    QueryParams(q): QueryParams<Pagination>,
) -> Result<HttpResponse, ApiError> {
    let (page, per_page) = Pagination::resolve(q.page, q.per_page)?;
    let only: Option<Vec<String>> = match agent.0.scope {
        Scope::National => None,
        Scope::Departements(ds) => Some(ds.iter().map(ToString::to_string).collect()),
        Scope::Sites(_) => return Err(ApiError::Forbidden),
    };
    let offset = i64::from(page - 1) * i64::from(per_page);
    let result = state
        .blocking(move |store| {
            store
                .list_prefectures(only.as_deref(), offset, i64::from(per_page))
                .map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(PrefecturePage {
        items: result.items.into_iter().map(Prefecture::from).collect(),
        page: PageInfo {
            page,
            per_page,
            total: result.total,
        },
    }))
}

/// Read a préfecture
///
/// One préfecture, for the administrators of its département and national
/// administrators.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("code" = String, Path, description = "Département code", example = "2A")),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The préfecture", body = Prefecture, example = json!(prefecture_example())),
        (status = 404, description = "No such préfecture", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/prefectures/{code}")]
pub async fn get_prefecture(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = may_administer_prefecture(&agent.0, &path)?;
    let row = state
        .blocking(move |store| {
            store
                .get_prefecture(code.as_str())
                .map_err(|e| ApiError::from_store(e, "préfecture"))
        })
        .await?;
    let prefecture = Prefecture::from(row);
    Ok(prefecture.answer(StatusCode::OK))
}

/// Rename a préfecture
///
/// Changes its official name and its département's name; the code never
/// changes. National administrators only. The change is audited, and made
/// from the version read (`If-Match`).
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("code" = String, Path, description = "Département code", example = "2A"), IfMatchParam),
    request_body(content = PrefectureUpdate, example = json!({"name": "Préfecture de la Corse-du-Sud", "departement_name": "Corse-du-Sud"})),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::VersionErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Renamed", body = Prefecture, example = json!(prefecture_example())),
        (status = 403, description = "Not a national administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such préfecture", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed since the version sent (`stale`, with `current_version`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/prefectures/{code}")]
pub async fn update_prefecture(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    path: web::Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<PrefectureUpdate>,
) -> Result<HttpResponse, ApiError> {
    may_administer_nation(&agent)?;
    let code = DepartementCode::parse(&path).ok_or(ApiError::NotFound("préfecture"))?;
    let names = body.check()?;
    let now = state.now();
    let prefecture = state
        .blocking(move |store| prefectures::rename(store, (&agent, now), &code, names, if_match))
        .await?;
    Ok(prefecture.answer(StatusCode::OK))
}

/// Delete a préfecture
///
/// National administrators only; refused with 409 while it has sites.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("code" = String, Path, description = "Département code", example = "2A")),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not a national administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such préfecture", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The préfecture still has sites", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/prefectures/{code}")]
pub async fn delete_prefecture(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    may_administer_nation(&agent.0)?;
    let code = DepartementCode::parse(&path).ok_or(ApiError::NotFound("préfecture"))?;
    let agent = agent.0;
    state
        .blocking(move |store| {
            let before = store
                .get_prefecture(code.as_str())
                .map_err(|e| ApiError::from_store(e, "préfecture"))?;
            let audit = AuditEntry {
                before: crate::app::audit::json(&Prefecture::from(before)),
                ..prefecture_audit(&agent, code.as_str(), "deleted", now)
            };
            store
                .delete_prefecture(code.as_str(), &audit)
                .map_err(|e| write_error(e, "préfecture in use"))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_prefecture)
        .service(list_prefectures)
        .service(get_prefecture)
        .service(update_prefecture)
        .service(delete_prefecture);
}
