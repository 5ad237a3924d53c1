//! Closures (fermetures) of a site or of one guichet.

use crate::admin_referentiel::write_error;
use crate::app::audit::json;
use crate::app::audit::site_entry;
use crate::http::error::ApiError;
use crate::http::error::Problem;
use crate::http::extract::JsonBody;
use crate::http::extract::QueryParams;
use crate::http::version::IfMatch;
use crate::http::version::IfMatchParam;
use crate::http::version::Versioned as _;
use crate::model::fermeture::Fermeture;
use crate::model::fermeture::FermetureRequest;
use crate::model::fermeture::Ouverture;
use crate::model::fermeture::OuvertureRequest;
use crate::model::guichet::OnConflict;
use crate::model::site::site_departement;
use crate::security::agent::AuthenticatedAgent;
use crate::security::scope::may_administer_departement;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, put, web};
use chrono::Utc;
use planipref_domain::ids::SiteId;
use planipref_domain::text::check_name;
use planipref_store::admin::AuditEntry;

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
        (status = 201, description = "Closed; `Location` points at it", body = Fermeture, headers(("Location" = String, description = "Where it is read"), ("ETag" = String, description = "Its version")), example = json!({"id": "7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e", "site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "guichet_id": null, "start": "2026-12-24T00:00:00+01:00", "end": "2026-12-25T00:00:00+01:00", "reason": "Inventaire annuel", "flagged_reservations": [], "version": 1})),
        (status = 400, description = "Unreadable body or query", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Booked appointments fall in it (references in `conflicts`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid period, reason or guichet (not of this site)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[post("/admin/sites/{site_id}/fermetures")]
pub async fn create_fermeture(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
    QueryParams(q): QueryParams<OnConflict>,
    JsonBody(body): JsonBody<FermetureRequest>,
) -> Result<HttpResponse, ApiError> {
    let site_id: SiteId = path.parse().map_err(|_| ApiError::NotFound("site"))?;
    let flag = q.flag()?;
    let checked = body.check()?;
    let agent = agent.0;
    let created = state
        .blocking(move |store| {
            let site = store
                .get_site(&site_id.to_string())
                .map_err(|e| ApiError::from_store(e, "site"))?;
            let id = uuid::Uuid::new_v4().to_string();
            crate::app::fermetures::write(store, &agent, &site, (&body, checked), id, None, flag)
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
        (status = 200, description = "Changed", body = Fermeture, example = json!({"id": "7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e", "site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "guichet_id": null, "start": "2026-12-24T00:00:00+01:00", "end": "2026-12-27T00:00:00+01:00", "reason": "Inventaire annuel", "flagged_reservations": [], "version": 2})),
        (status = 400, description = "Unreadable body or query", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such closure", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Booked appointments fall in it (references in `conflicts`), or it changed since the version sent (`stale`, with `current_version`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid period, reason or guichet (not of this site)", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No `If-Match`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[put("/admin/fermetures/{fermeture_id}")]
pub async fn update_fermeture(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
    if_match: IfMatch,
    QueryParams(q): QueryParams<OnConflict>,
    JsonBody(body): JsonBody<FermetureRequest>,
) -> Result<HttpResponse, ApiError> {
    let id: uuid::Uuid = path.parse().map_err(|_| ApiError::NotFound("closure"))?;
    let flag = q.flag()?;
    let checked = body.check()?;
    let agent = agent.0;
    let changed = state
        .blocking(move |store| {
            let (before, site) = store
                .get_fermeture(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "closure"))?;
            let id = before.id.clone();
            crate::app::fermetures::write(
                store,
                &agent,
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

/// Open a site on a holiday
///
/// Sites are closed on the public holidays of their département; a
/// préfecture may open one on such a day all the same (Whit Monday as the
/// "journée de solidarité", for instance): its plages then apply that day.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")),
    request_body(content = OuvertureRequest, example = json!({"date": "2027-05-17", "reason": "Journée de solidarité"})),
    responses(
        (status = 201, description = "Opened", body = Ouverture, example = json!({"id": "8c9d0e1f-2a3b-4c4d-9e5f-6a7b8c9d0e1f", "site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "date": "2027-05-17", "holidays": ["lundi_de_pentecote"], "reason": "Journée de solidarité"})),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The site is already opened that day", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid date, or not a holiday of the site's département", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[post("/admin/sites/{site_id}/ouvertures")]
pub async fn create_ouverture(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
    JsonBody(body): JsonBody<OuvertureRequest>,
) -> Result<HttpResponse, ApiError> {
    let site_id: SiteId = path.parse().map_err(|_| ApiError::NotFound("site"))?;
    let mut c = planipref_domain::error::Collector::default();
    let date = c.take(planipref_domain::slots::parse_search_date(
        "date", &body.date,
    ));
    let reason = c.take(check_name("reason", &body.reason, 200));
    c.finish()?;
    let (Some(date), Some(reason)) = (date, reason) else {
        return Err(ApiError::Internal);
    };
    let agent = agent.0;
    let created = state
        .blocking(move |store| {
            let site = store
                .get_site(&site_id.to_string())
                .map_err(|e| ApiError::from_store(e, "site"))?;
            let departement = site_departement(&site)?;
            may_administer_departement(&agent, &departement)?;
            let holidays: Vec<String> = planipref_domain::calendar::holidays_on(date, &departement)
                .into_iter()
                .map(|h| h.code().to_owned())
                .collect();
            if holidays.is_empty() {
                return Err(ApiError::invalid(
                    "date",
                    "is not a public holiday of the site's département",
                ));
            }
            let row = planipref_store::models::OuvertureRow {
                id: uuid::Uuid::new_v4().to_string(),
                site_id: site.id.clone(),
                day: date,
                reason: reason.clone(),
                created_at: planipref_store::to_db(Utc::now()),
            };
            let ouverture = Ouverture {
                id: row.id.clone(),
                site_id: site.id.clone(),
                date,
                holidays,
                reason,
            };
            let audit = AuditEntry {
                after: json(&ouverture),
                ..site_entry(&agent, &site, "ouverture", &row.id, "created")
            };
            store
                .create_ouverture(&row, &audit)
                .map_err(|e| write_error(e, "the site is already opened that day"))?;
            Ok(ouverture)
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}
