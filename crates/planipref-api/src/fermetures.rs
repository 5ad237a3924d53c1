//! Closures (fermetures) of a site or of one guichet.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, put, web};
use chrono::{DateTime, FixedOffset, Utc};
use planipref_domain::ids::{GuichetId, SiteId};
use planipref_domain::referentiel::{FermetureInput, check_name, fermeture_interval};
use planipref_store::AuditEntry;
use planipref_store::models::FermetureRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin_referentiel::{OnConflict, write_error};
use crate::audit::{json, site_entry};
use crate::auth::AuthenticatedAgent;
use crate::dto::{at_site, site_departement, site_zone};
use crate::error::{ApiError, Problem};
use crate::extract::{JsonBody, QueryParams};
use crate::state::AppState;
use crate::version::{IfMatch, IfMatchParam, Versioned as _};

/// A new closure: whole local days, or a local date-time range.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FermetureRequest {
    /// Close only this guichet (of the site); the whole site when absent.
    #[serde(default)]
    #[schema(format = Uuid, example = json!(null))]
    pub guichet_id: Option<String>,
    /// First closed day (with `to_date`).
    #[serde(default)]
    #[schema(format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2026-12-24")]
    pub from_date: Option<String>,
    /// Last closed day, inclusive (with `from_date`).
    #[serde(default)]
    #[schema(format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2026-12-24")]
    pub to_date: Option<String>,
    /// Local start `YYYY-MM-DDTHH:MM` (with `end`, instead of days).
    #[serde(default)]
    #[schema(pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]$", example = json!(null))]
    pub start: Option<String>,
    /// Local end `YYYY-MM-DDTHH:MM`.
    #[serde(default)]
    #[schema(pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]$", example = json!(null))]
    pub end: Option<String>,
    /// Why, for agents and the audit trail.
    #[schema(min_length = 1, max_length = 200, example = "Inventaire annuel")]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
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
    /// Its version (also its `ETag`), raised by each change: send it in
    /// `If-Match` to change the closure.
    #[schema(example = 1, minimum = 1)]
    pub version: i32,
}

crate::version::versioned_by_field!(Fermeture);

impl Fermeture {
    /// From its row, with the site's offsets.
    pub fn from_row(row: planipref_store::models::FermetureRow, tz: chrono_tz::Tz) -> Self {
        Self {
            version: row.revision,
            start: at_site(planipref_store::from_db(row.starts_at), tz),
            end: at_site(planipref_store::from_db(row.ends_at), tz),
            id: row.id,
            site_id: row.site_id,
            guichet_id: row.guichet_id,
            reason: row.reason,
            flagged_reservations: vec![],
        }
    }
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
            write(store, &agent, &site, (&body, checked), id, None, flag)
        })
        .await?;
    Ok(created.created_at(&format!("/api/v1/admin/fermetures/{}", created.id)))
}

impl FermetureRequest {
    /// Checks the reason and the guichet id's form (the period is read in
    /// the site's zone later).
    fn check(&self) -> Result<(String, Option<GuichetId>), ApiError> {
        let reason = check_name("reason", &self.reason, 200);
        let guichet = self
            .guichet_id
            .as_deref()
            .map(str::parse::<GuichetId>)
            .transpose()
            .map_err(|_| planipref_domain::FieldError::new("guichet_id", "must be a guichet id"));
        match (reason, guichet) {
            (Ok(r), Ok(g)) => Ok((r, g)),
            (r, g) => Err(ApiError::Validation(
                [r.err(), g.err()].into_iter().flatten().collect(),
            )),
        }
    }
}

/// Writes closure `id` of `site` from a checked request: new, or replacing
/// `before`, the change made from the version `If-Match` names. The caller
/// must administer the site; the guichet must be one of it; booked
/// appointments it covers are refused or flagged.
fn write(
    store: &planipref_store::Store,
    agent: &planipref_domain::access::Agent,
    site: &planipref_store::models::SiteRow,
    (body, (reason, guichet)): (&FermetureRequest, (String, Option<GuichetId>)),
    id: String,
    before: Option<(&FermetureRow, IfMatch)>,
    flag: bool,
) -> Result<Fermeture, ApiError> {
    if !agent.can_administer_site(&site_departement(site)?) {
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
    let tz = site_zone(site)?;
    let input = FermetureInput {
        from_date: body.from_date.as_deref(),
        to_date: body.to_date.as_deref(),
        start: body.start.as_deref(),
        end: body.end.as_deref(),
    };
    let (start, end) = fermeture_interval(tz, input)?;
    let row = FermetureRow {
        id,
        site_id: site.id.clone(),
        guichet_id: guichet.map(|g| g.to_string()),
        starts_at: planipref_store::to_db(start),
        ends_at: planipref_store::to_db(end),
        reason,
        created_at: before
            .map_or_else(|| planipref_store::to_db(Utc::now()), |(b, _)| b.created_at),
        revision: before.map_or(1, |(_, v)| v.0),
    };
    let mut response = Fermeture {
        version: before.map_or(1, |(_, v)| v.next()),
        ..Fermeture::from_row(row.clone(), tz)
    };
    let action = if before.is_some() {
        "updated"
    } else {
        "created"
    };
    let audit = AuditEntry {
        before: before.and_then(|(b, _)| json(&Fermeture::from_row(b.clone(), tz))),
        after: json(&response),
        ..site_entry(agent, site, "fermeture", &row.id, action)
    };
    let flagged = match before {
        None => store.create_fermeture(&row, flag, &agent.actor(), &audit),
        Some(_) => store.replace_fermeture(&row, flag, &agent.actor(), &audit),
    };
    response.flagged_reservations = flagged.map_err(|e| write_error(e, "conflicting closure"))?;
    Ok(response)
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
            write(
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

/// Opening a site on a public holiday.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OuvertureRequest {
    /// A public holiday of the site's département.
    #[schema(format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2027-05-17")]
    pub date: String,
    /// Why, for agents and the audit trail.
    #[schema(min_length = 1, max_length = 200, example = "Journée de solidarité")]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub reason: String,
}

/// A holiday on which a site opens.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ouverture {
    /// Identifier.
    #[schema(example = "8c9d0e1f-2a3b-4c4d-9e5f-6a7b8c9d0e1f")]
    pub id: String,
    /// The site.
    #[schema(example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")]
    pub site_id: String,
    /// The day.
    #[schema(value_type = String, format = Date, example = "2027-05-17")]
    pub date: chrono::NaiveDate,
    /// The holidays of that day it overrides.
    #[schema(example = json!(["lundi_de_pentecote"]))]
    pub holidays: Vec<String>,
    /// Why.
    #[schema(example = "Journée de solidarité")]
    pub reason: String,
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
            if !agent.can_administer_site(&departement) {
                return Err(ApiError::Forbidden);
            }
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
