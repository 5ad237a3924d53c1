//! Closures (fermetures) of a site or of one guichet.

use actix_web::{HttpResponse, post, web};
use chrono::{DateTime, FixedOffset, Utc};
use planipref_domain::ids::{GuichetId, SiteId};
use planipref_domain::referentiel::{FermetureInput, check_name, fermeture_interval};
use planipref_store::admin::AuditEntry;
use planipref_store::models::FermetureRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin_referentiel::{OnConflict, write_error};
use crate::auth::AuthenticatedAgent;
use crate::dto::{at_site, site_departement, site_zone};
use crate::error::{ApiError, Problem};
use crate::extract::{JsonBody, QueryParams};
use crate::state::AppState;

/// A new closure: whole local days, or a local date-time range.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FermetureRequest {
    /// Close only this guichet (of the site); the whole site when absent.
    #[serde(default)]
    #[schema(example = json!(null))]
    pub guichet_id: Option<String>,
    /// First closed day (with `to_date`).
    #[serde(default)]
    #[schema(format = Date, example = "2026-12-24")]
    pub from_date: Option<String>,
    /// Last closed day, inclusive (with `from_date`).
    #[serde(default)]
    #[schema(format = Date, example = "2026-12-24")]
    pub to_date: Option<String>,
    /// Local start `YYYY-MM-DDTHH:MM` (with `end`, instead of days).
    #[serde(default)]
    #[schema(example = json!(null))]
    pub start: Option<String>,
    /// Local end `YYYY-MM-DDTHH:MM`.
    #[serde(default)]
    #[schema(example = json!(null))]
    pub end: Option<String>,
    /// Why, for agents and the audit trail.
    #[schema(min_length = 1, max_length = 200, example = "Inventaire annuel")]
    pub reason: String,
}

/// A closure.
#[derive(Debug, Serialize, ToSchema)]
pub struct Fermeture {
    /// Identifier.
    #[schema(example = "7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e")]
    pub id: String,
    /// The site.
    #[schema(example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")]
    pub site_id: String,
    /// The guichet, when only one is closed.
    #[schema(example = json!(null))]
    pub guichet_id: Option<String>,
    /// Start, with the site's offset.
    #[schema(value_type = String, format = DateTime, example = "2026-12-24T00:00:00+01:00")]
    pub start: DateTime<FixedOffset>,
    /// End, with the site's offset.
    #[schema(value_type = String, format = DateTime, example = "2026-12-25T00:00:00+01:00")]
    pub end: DateTime<FixedOffset>,
    /// Why.
    #[schema(example = "Inventaire annuel")]
    pub reason: String,
    /// References of booked appointments marked to be re-booked (with `on_conflict=flag`).
    #[schema(example = json!([]))]
    pub flagged_reservations: Vec<String>,
}

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
        ("site_id" = String, Path, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"),
        OnConflict,
    ),
    request_body(content = FermetureRequest, example = json!({"from_date": "2026-12-24", "to_date": "2026-12-24", "reason": "Inventaire annuel"})),
    responses(
        (status = 201, description = "Closed", body = Fermeture, example = json!({"id": "7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e", "site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "guichet_id": null, "start": "2026-12-24T00:00:00+01:00", "end": "2026-12-25T00:00:00+01:00", "reason": "Inventaire annuel", "flagged_reservations": []})),
        (status = 400, description = "Unreadable body or query", body = Problem, content_type = "application/problem+json"),
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
    let reason = check_name("reason", &body.reason, 200)?;
    let guichet: Option<GuichetId> = body
        .guichet_id
        .as_deref()
        .map(|g| {
            g.parse()
                .map_err(|_| ApiError::invalid("guichet_id", "must be a guichet id"))
        })
        .transpose()?;
    let agent = agent.0;
    let created = state
        .blocking(move |store| {
            let site = store
                .get_site(&site_id.to_string())
                .map_err(|e| ApiError::from_store(e, "site"))?;
            if !agent.can_administer_site(&site_departement(&site)?) {
                return Err(ApiError::Forbidden);
            }
            if let Some(g) = guichet {
                match store.get_guichet(&g.to_string()) {
                    Ok((_, of)) if of.id == site.id => {}
                    Ok(_) | Err(planipref_store::StoreError::NotFound) => {
                        return Err(ApiError::invalid(
                            "guichet_id",
                            "must be a guichet of this site",
                        ));
                    }
                    Err(e) => return Err(ApiError::from(e)),
                }
            }
            let tz = site_zone(&site)?;
            let input = FermetureInput {
                from_date: body.from_date.as_deref(),
                to_date: body.to_date.as_deref(),
                start: body.start.as_deref(),
                end: body.end.as_deref(),
            };
            let (start, end) = fermeture_interval(tz, input)?;
            let row = FermetureRow {
                id: uuid::Uuid::new_v4().to_string(),
                site_id: site.id.clone(),
                guichet_id: guichet.map(|g| g.to_string()),
                starts_at: planipref_store::to_db(start),
                ends_at: planipref_store::to_db(end),
                reason,
                created_at: planipref_store::to_db(Utc::now()),
            };
            let mut response = Fermeture {
                id: row.id.clone(),
                site_id: row.site_id.clone(),
                guichet_id: row.guichet_id.clone(),
                start: at_site(start, tz),
                end: at_site(end, tz),
                reason: row.reason.clone(),
                flagged_reservations: vec![],
            };
            let audit = AuditEntry {
                actor: agent.actor(),
                departement: Some(site.prefecture_code.clone()),
                site_id: Some(site.id.clone()),
                entity: "fermeture",
                entity_id: row.id.clone(),
                action: "created",
                before: None,
                after: serde_json::to_string(&response).ok(),
                at: Utc::now(),
            };
            response.flagged_reservations = store
                .create_fermeture(&row, flag, &agent.actor(), &audit)
                .map_err(|e| write_error(e, "conflicting closure"))?;
            Ok(response)
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}
