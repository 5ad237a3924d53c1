//! Plages: `/admin/guichets/{guichet_id}/plages`, `/admin/plages/{plage_id}`.

use crate::app::plages;
use crate::http::error::ApiError;
use crate::http::extract::JsonBody;
use crate::http::extract::QueryParams;
use crate::http::path::PathId;
use crate::http::problem::Problem;
use crate::http::version::IfMatch;
use crate::http::version::IfMatchParam;
use crate::http::version::Versioned as _;
use crate::http::version::versioned;
use crate::model::guichet::OnConflict;
use crate::model::page::Pagination;
use crate::model::page::page_info;
use crate::model::page::paged;
use crate::model::plage::PlageChange;
use crate::model::plage::PlagePage;
use crate::model::plage::PlageRequest;
use crate::model::plage::PlageResponse;
use crate::model::plage::plage_example;
use crate::model::plage::plage_response;
use crate::security::agent::AuthenticatedAgent;
use crate::security::scope::may_read;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, put, web};
use planipref_domain::access::Agent;
use planipref_domain::ids::GuichetId;
use planipref_domain::ids::PlageId;
use utoipa_actix_web::service_config::ServiceConfig;
/// Create a plage
///
/// Adds a weekly opening range to a guichet, in the site's local time. It
/// must not overlap the guichet's other plages, and may be restricted to
/// some of the guichet's motifs. Slots follow at once.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("guichet_id" = String, Path, format = Uuid, description = "Guichet identifier", example = "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f")),
    request_body(content = PlageRequest, example = json!({"weekdays": ["monday", "tuesday", "thursday"], "start": "09:00", "end": "12:00", "valid_from": "2027-01-04", "valid_until": null, "motif_ids": []})),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::Unavailable,
        (status = 201, description = "Created; `Location` points at it", body = PlageResponse, headers(("Location" = String, description = "Where it is read"), ("ETag" = String, description = "Its version")), example = json!({"id": "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d", "guichet_id": "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f", "weekdays": ["monday", "tuesday", "thursday"], "start": "09:00", "end": "12:00", "valid_from": "2027-01-04", "valid_until": null, "motif_ids": [], "version": 1})),
        (status = 404, description = "No such guichet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields: end before start, unordered validity, misaligned times, overlap with another plage, motifs the guichet does not serve", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/guichets/{guichet_id}/plages")]
pub async fn create_plage(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    PathId(guichet_id): PathId<GuichetId>,
    JsonBody(body): JsonBody<PlageRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let agent = agent.0;
    let response = state
        .blocking(move |store| plages::create(store, (&agent, now), (guichet_id, None), &body))
        .await?;
    Ok(response.created_at(&format!("/api/v1/admin/plages/{}", response.id)))
}

/// Change a plage
///
/// Replaces a plage's days, hours, validity and motifs. Shrinking it must
/// not silently orphan booked appointments: those no remaining plage of the
/// guichet covers make the change fail with 409 (`conflicts`), unless sent
/// with `on_conflict=flag`, which applies it and marks them to be re-booked.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("plage_id" = String, Path, format = Uuid, description = "Plage identifier", example = "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d"), OnConflict, IfMatchParam),
    request_body(content = PlageRequest, example = json!({"weekdays": ["monday"], "start": "09:00", "end": "11:00", "valid_from": "2027-01-04"})),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::QueryErrors,
        crate::http::responses::VersionErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Changed", body = PlageChange, example = json!({"plage": {"id": "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d", "guichet_id": "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f", "weekdays": ["monday"], "start": "09:00", "end": "11:00", "valid_from": "2027-01-04", "valid_until": null, "motif_ids": [], "version": 2}, "flagged_reservations": []})),
        (status = 404, description = "No such plage", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Booked appointments would be orphaned (references in `conflicts`), or it changed since the version sent (`stale`, with `current_version`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or overlap", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/plages/{plage_id}")]
pub async fn update_plage(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    PathId(plage_id): PathId<PlageId>,
    if_match: IfMatch,
    QueryParams(q): QueryParams<OnConflict>,
    JsonBody(body): JsonBody<PlageRequest>,
) -> Result<HttpResponse, ApiError> {
    let flag = q.flag()?;
    change_plage(state, agent.0, plage_id, Some((body, if_match)), flag).await
}

/// Delete a plage
///
/// Removes a plage. Booked appointments it alone covered make the deletion
/// fail with 409 (`conflicts`) unless sent with `on_conflict=flag`, which
/// applies it and marks them to be re-booked.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("plage_id" = String, Path, format = Uuid, description = "Plage identifier", example = "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d"), OnConflict),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Deleted", body = PlageChange, example = json!({"plage": null, "flagged_reservations": ["K7QX-M3PA"]})),
        (status = 404, description = "No such plage", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Booked appointments would be orphaned (references in `conflicts`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid on_conflict", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/plages/{plage_id}")]
pub async fn delete_plage(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    PathId(plage_id): PathId<PlageId>,
    QueryParams(q): QueryParams<OnConflict>,
) -> Result<HttpResponse, ApiError> {
    let flag = q.flag()?;
    change_plage(state, agent.0, plage_id, None, flag).await
}

async fn change_plage(
    state: web::Data<AppState>,
    agent: Agent,
    plage_id: PlageId,
    body: Option<(PlageRequest, IfMatch)>,
    flag: bool,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let change = state
        .blocking(move |store| {
            crate::app::plages::change(store, (&agent, now), plage_id, body.as_ref(), flag)
        })
        .await?;
    Ok(match &change.plage {
        Some(plage) => versioned(StatusCode::OK, &change, plage.version),
        None => HttpResponse::Ok().json(change),
    })
}

/// List a guichet's plages
///
/// As written, by opening time. For agents whose scope covers the site.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("guichet_id" = String, Path, format = Uuid, description = "Guichet identifier", example = "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f"), Pagination),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "A page of plages", body = PlagePage, example = json!(paged(plage_example()))),
        (status = 404, description = "No such guichet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid page", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/guichets/{guichet_id}/plages")]
pub async fn list_plages(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    PathId(id): PathId<GuichetId>,
    QueryParams(q): QueryParams<Pagination>,
) -> Result<HttpResponse, ApiError> {
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
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The plage", body = PlageResponse, example = json!(plage_example())),
        (status = 404, description = "No such plage", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/plages/{plage_id}")]
pub async fn get_plage(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    PathId(id): PathId<PlageId>,
) -> Result<HttpResponse, ApiError> {
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

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_plages)
        .service(get_plage)
        .service(create_plage)
        .service(update_plage)
        .service(delete_plage);
}
