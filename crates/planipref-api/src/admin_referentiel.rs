//! Setting up a site: its services, motifs, guichets and plages. Each write
//! is checked (fields, scope, references inside the same site), audited in
//! the same transaction, and refused whole when anything is wrong.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{NaiveDate, Utc};
use planipref_domain::FieldError;
use planipref_domain::access::Agent;
use planipref_domain::channel::Channel;
use planipref_domain::error::Collector;
use planipref_domain::ids::{GuichetId, MotifId, PlageId, ServiceId, SiteId};
use planipref_domain::referentiel::{
    Plage, check_active_period, check_description, check_name, parse_local_time, parse_weekdays,
    weekday_name,
};
use planipref_store::AuditEntry;
use planipref_store::StoreError;
use planipref_store::models::{GuichetRow, PlageRow, ServiceRow, SiteRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AuthenticatedAgent;
use crate::dto::{Motif, site_departement, site_zone};
use crate::error::{ApiError, Problem};
use crate::extract::{JsonBody, QueryParams};
use crate::state::AppState;
use crate::version::{IfMatch, IfMatchParam, Versioned as _, versioned};

/// A new service.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceRequest {
    /// Name, unique at the site.
    #[schema(
        min_length = 1,
        max_length = 150,
        example = "Bureau du séjour des étrangers"
    )]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub name: String,
    /// What it handles.
    #[serde(default)]
    #[schema(
        max_length = 2000,
        example = "Titres de séjour, documents de circulation."
    )]
    #[schema(pattern = "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]*$")]
    pub description: String,
}

/// A service.
#[derive(Debug, Serialize, ToSchema)]
pub struct Service {
    /// Identifier.
    #[schema(example = "0b8f2f0a-3b1c-4a57-8f3e-6e1f8d7c2b10")]
    pub id: String,
    /// Its site.
    #[schema(example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")]
    pub site_id: String,
    /// Name.
    #[schema(example = "Bureau du séjour des étrangers")]
    pub name: String,
    /// Description.
    #[schema(example = "Titres de séjour, documents de circulation.")]
    pub description: String,
    /// Its version (also its `ETag`), raised by each change: send it in
    /// `If-Match` to change the service.
    #[schema(example = 1, minimum = 1)]
    pub version: i32,
}

impl Service {
    /// From its row.
    pub fn from_row(s: ServiceRow) -> Self {
        Self {
            id: s.id,
            site_id: s.site_id,
            name: s.name,
            description: s.description,
            version: s.revision,
        }
    }
}

crate::version::versioned_by_field!(Service);

/// A new guichet.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuichetRequest {
    /// Name, unique at the site.
    #[schema(min_length = 1, max_length = 100, example = "Guichet 5")]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub name: String,
    /// The motifs it serves: motifs of the same site, at least one, each
    /// once.
    #[schema(value_type = Vec<uuid::Uuid>, min_items = 1, example = json!(["9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00"]))]
    pub motif_ids: Vec<String>,
    /// Whether it takes appointments (default true).
    #[serde(default = "active_by_default")]
    #[schema(example = true)]
    pub active: bool,
    /// First day it takes appointments; unlimited when absent.
    #[serde(default)]
    #[schema(format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = json!(null))]
    pub active_from: Option<String>,
    /// Last day it takes appointments (inclusive); open-ended when absent.
    #[serde(default)]
    #[schema(format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2027-06-30")]
    pub active_until: Option<String>,
    /// Whom its time is for: `public` (online, the default),
    /// `convocation` (holders of a convocation; offered to the public too
    /// the préfecture's `convocation_release_hours` before each day) or
    /// `walk_in` (people without an appointment: never offered online).
    #[serde(default)]
    #[schema(value_type = Option<crate::codes::Channel>, example = "public")]
    pub channel: Option<String>,
}

fn active_by_default() -> bool {
    true
}

/// A guichet's checked settings: name, motifs, working period, channel.
type GuichetSettings = (
    String,
    Vec<String>,
    (Option<NaiveDate>, Option<NaiveDate>),
    Channel,
);

impl GuichetRequest {
    /// Checks every field, reporting all problems at once.
    fn parse(&self) -> Result<GuichetSettings, ApiError> {
        let mut c = Collector::default();
        let name = c.take(check_name("name", &self.name, 100));
        let motif_ids = c.take(parse_motif_ids(&self.motif_ids, false));
        let (from, until) = parse_period(
            &mut c,
            self.active_from.as_deref(),
            self.active_until.as_deref(),
        );
        let channel = match self.channel.as_deref() {
            None => Some(Channel::Public),
            Some(raw) => c.take(Channel::parse("channel", raw)),
        };
        c.finish()?;
        match (name, motif_ids, channel) {
            (Some(name), Some(motif_ids), Some(channel)) => {
                Ok((name, motif_ids, (from, until), channel))
            }
            _ => Err(ApiError::Internal),
        }
    }
}

/// A guichet.
#[derive(Debug, Serialize, ToSchema)]
pub struct Guichet {
    /// Identifier.
    #[schema(example = "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f")]
    pub id: String,
    /// Its site.
    #[schema(example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")]
    pub site_id: String,
    /// Name.
    #[schema(example = "Guichet 5")]
    pub name: String,
    /// Whether it takes appointments.
    #[schema(example = true)]
    pub active: bool,
    /// First day it takes appointments, if limited.
    #[schema(value_type = Option<String>, format = Date, example = json!(null))]
    pub active_from: Option<NaiveDate>,
    /// Last day it takes appointments (inclusive), if limited.
    #[schema(value_type = Option<String>, format = Date, example = "2027-06-30")]
    pub active_until: Option<NaiveDate>,
    /// The motifs it serves.
    #[schema(example = json!(["9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00"]))]
    pub motif_ids: Vec<String>,
    /// Whom its time is for: `public`, `convocation` or `walk_in`.
    #[schema(value_type = crate::codes::Channel, example = "public")]
    pub channel: String,
    /// Its version (also its `ETag`), raised by each change: send it in
    /// `If-Match` to change the guichet.
    #[schema(example = 1, minimum = 1)]
    pub version: i32,
}

crate::version::versioned_by_field!(Guichet);

impl Guichet {
    /// From its row and the motifs it serves.
    pub fn from_row(g: &GuichetRow, motif_ids: Vec<String>) -> Self {
        Self {
            version: g.revision,
            id: g.id.clone(),
            site_id: g.site_id.clone(),
            name: g.name.clone(),
            active: g.active,
            active_from: g.active_from,
            active_until: g.active_until,
            motif_ids,
            channel: g.channel.clone(),
        }
    }
}

/// Reads a guichet's working period, naming each faulty field.
fn parse_period(
    c: &mut Collector,
    from: Option<&str>,
    until: Option<&str>,
) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let from = c
        .take(from.map(|d| parse_day("active_from", d)).transpose())
        .flatten();
    let until = c
        .take(until.map(|d| parse_day("active_until", d)).transpose())
        .flatten();
    c.take(check_active_period(from, until));
    (from, until)
}

/// A new plage: a weekly opening range of a guichet, in the site's local time.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlageRequest {
    /// Days of the week (`monday` … `sunday`), at least one, each once.
    #[schema(schema_with = crate::codes::weekday_set, example = json!(["monday", "tuesday", "thursday"]))]
    pub weekdays: Vec<String>,
    /// Opening, local `HH:MM`, on a 5-minute boundary.
    #[schema(pattern = "^[0-2][0-9]:[0-5][0-9]$", example = "09:00")]
    pub start: String,
    /// Closing, local `HH:MM`, after `start`; the last appointment ends by then.
    #[schema(pattern = "^[0-2][0-9]:[0-5][0-9]$", example = "12:00")]
    pub end: String,
    /// First day it applies.
    #[schema(format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2027-01-04")]
    pub valid_from: String,
    /// Last day it applies (inclusive); open-ended when absent.
    #[serde(default)]
    #[schema(format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2027-12-31")]
    pub valid_until: Option<String>,
    /// Restrict it to some of the guichet's motifs; all of them when empty.
    #[serde(default)]
    #[schema(value_type = Vec<uuid::Uuid>, example = json!([]))]
    pub motif_ids: Vec<String>,
}

/// A plage.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlageResponse {
    /// Identifier.
    #[schema(example = "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d")]
    pub id: String,
    /// Its guichet.
    #[schema(example = "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f")]
    pub guichet_id: String,
    /// Days of the week.
    #[schema(value_type = Vec<crate::codes::Weekday>, example = json!(["monday", "tuesday", "thursday"]))]
    pub weekdays: Vec<String>,
    /// Opening, local `HH:MM`.
    #[schema(example = "09:00")]
    pub start: String,
    /// Closing, local `HH:MM`.
    #[schema(example = "12:00")]
    pub end: String,
    /// First day.
    #[schema(value_type = String, format = Date, example = "2027-01-04")]
    pub valid_from: NaiveDate,
    /// Last day, if any.
    #[schema(value_type = Option<String>, format = Date, example = "2027-12-31")]
    pub valid_until: Option<NaiveDate>,
    /// Motifs it is restricted to (empty: all of the guichet's).
    #[schema(example = json!([]))]
    pub motif_ids: Vec<String>,
    /// Its version (also its `ETag`), raised by each change: send it in
    /// `If-Match` to change the plage.
    #[schema(example = 1, minimum = 1)]
    pub version: i32,
}

crate::version::versioned_by_field!(PlageResponse);

/// Create a service
///
/// Adds a service to a site. Administrators of the site's département only.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")),
    request_body(content = ServiceRequest, example = json!({"name": "Bureau du séjour des étrangers", "description": ""})),
    responses(
        (status = 201, description = "Created; `Location` points at it", body = Service, headers(("Location" = String, description = "Where it is read"), ("ETag" = String, description = "Its version")), example = json!({"id": "0b8f2f0a-3b1c-4a57-8f3e-6e1f8d7c2b10", "site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "name": "Bureau du séjour des étrangers", "description": "", "version": 1})),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A service of that name exists at the site", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[post("/admin/sites/{site_id}/services")]
pub async fn create_service(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
    JsonBody(body): JsonBody<ServiceRequest>,
) -> Result<HttpResponse, ApiError> {
    let site_id: SiteId = path.parse().map_err(|_| ApiError::NotFound("site"))?;
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
            authorise(&agent, &site)?;
            let row = ServiceRow {
                id: ServiceId::new_random().to_string(),
                site_id: site.id.clone(),
                name,
                description,
                created_at: planipref_store::to_db(Utc::now()),
                revision: 1,
            };
            let service = Service::from_row(row.clone());
            let audit = audit(&agent, &site, "service", &row.id, &service);
            store
                .create_service(&row, &audit)
                .map_err(|e| write_error(e, "a service of that name exists at this site"))?;
            Ok(service)
        })
        .await?;
    Ok(service.created_at(&format!("/api/v1/admin/services/{}", service.id)))
}

/// Create a guichet
///
/// Adds a counter to a site, serving some of the site's motifs.
/// Administrators of the site's département only.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")),
    request_body(content = GuichetRequest, example = json!({"name": "Guichet 5", "motif_ids": ["9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00"]})),
    responses(
        (status = 201, description = "Created; `Location` points at it", body = Guichet, headers(("Location" = String, description = "Where it is read"), ("ETag" = String, description = "Its version")), example = json!({"id": "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f", "site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "name": "Guichet 5", "active": true, "active_from": null, "active_until": null, "motif_ids": ["9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00"], "channel": "public", "version": 1})),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A guichet of that name exists at the site", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or motifs of another site", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[post("/admin/sites/{site_id}/guichets")]
pub async fn create_guichet(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
    JsonBody(body): JsonBody<GuichetRequest>,
) -> Result<HttpResponse, ApiError> {
    let site_id: SiteId = path.parse().map_err(|_| ApiError::NotFound("site"))?;
    let (name, motif_ids, (active_from, active_until), channel) = body.parse()?;
    let active = body.active;
    let agent = agent.0;
    let guichet = state
        .blocking(move |store| {
            let site = store
                .get_site(&site_id.to_string())
                .map_err(|e| ApiError::from_store(e, "site"))?;
            authorise(&agent, &site)?;
            let of_site = store.motif_ids_of_site(&site.id).map_err(ApiError::from)?;
            if motif_ids.iter().any(|m| !of_site.contains(m)) {
                return Err(ApiError::invalid(
                    "motif_ids",
                    "must be motifs of this site",
                ));
            }
            let row = GuichetRow {
                id: GuichetId::new_random().to_string(),
                site_id: site.id.clone(),
                name,
                active,
                created_at: planipref_store::to_db(Utc::now()),
                active_from,
                active_until,
                channel: channel.code().to_owned(),
                revision: 1,
            };
            let guichet = Guichet::from_row(&row, motif_ids.clone());
            let audit = audit(&agent, &site, "guichet", &row.id, &guichet);
            store
                .create_guichet(&row, &motif_ids, &audit)
                .map_err(|e| write_error(e, "a guichet of that name exists at this site"))?;
            Ok(guichet)
        })
        .await?;
    Ok(guichet.created_at(&format!("/api/v1/admin/guichets/{}", guichet.id)))
}

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
        (status = 201, description = "Created; `Location` points at it", body = PlageResponse, headers(("Location" = String, description = "Where it is read"), ("ETag" = String, description = "Its version")), example = json!({"id": "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d", "guichet_id": "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f", "weekdays": ["monday", "tuesday", "thursday"], "start": "09:00", "end": "12:00", "valid_from": "2027-01-04", "valid_until": null, "motif_ids": [], "version": 1})),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such guichet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields: end before start, unordered validity, misaligned times, overlap with another plage, motifs the guichet does not serve", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[post("/admin/guichets/{guichet_id}/plages")]
pub async fn create_plage(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
    JsonBody(body): JsonBody<PlageRequest>,
) -> Result<HttpResponse, ApiError> {
    let guichet_id: GuichetId = path.parse().map_err(|_| ApiError::NotFound("guichet"))?;
    let (plage, motif_ids) = parse_plage(&body, guichet_id)?;
    let agent = agent.0;
    let response = state
        .blocking(move |store| {
            let (guichet, site) = store
                .get_guichet(&guichet_id.to_string())
                .map_err(|e| ApiError::from_store(e, "guichet"))?;
            authorise(&agent, &site)?;
            let row = PlageRow {
                id: PlageId::new_random().to_string(),
                guichet_id: guichet.id.clone(),
                weekdays: plage.weekdays.bits(),
                start_time: plage.start,
                end_time: plage.end,
                valid_from: plage.valid_from,
                valid_until: plage.valid_until,
                created_at: planipref_store::to_db(Utc::now()),
                revision: 1,
            };
            let response = plage_response(&row.id, row.revision, &plage, motif_ids);
            let audit = audit(&agent, &site, "plage", &row.id, &response);
            store
                .create_plage(&row, &plage, &audit)
                .map_err(|e| write_error(e, "conflicting plage"))?;
            Ok(response)
        })
        .await?;
    Ok(response.created_at(&format!("/api/v1/admin/plages/{}", response.id)))
}

/// Refuses agents whose scope does not administer the site.
pub(crate) fn authorise(agent: &Agent, site: &SiteRow) -> Result<(), ApiError> {
    if agent.can_administer_site(&site_departement(site)?) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

pub(crate) fn audit(
    agent: &Agent,
    site: &SiteRow,
    entity: &'static str,
    id: &str,
    after: &impl Serialize,
) -> AuditEntry {
    AuditEntry {
        after: crate::audit::json(after),
        ..crate::audit::site_entry(agent, site, entity, id, "created")
    }
}

/// Maps a refused administrative write to its answer.
pub fn write_error(e: StoreError, duplicate: &'static str) -> ApiError {
    match e {
        StoreError::Duplicate { .. } => ApiError::Conflict(duplicate),
        StoreError::Rejected(d) => d.into(),
        StoreError::Affected(refs) => ApiError::Affected(refs),
        StoreError::Stale => ApiError::Conflict("the object changed meanwhile; read it again"),
        StoreError::InUse(why) => ApiError::Conflict(why),
        StoreError::MissingReference { .. } => ApiError::NotFound("referenced object"),
        other => ApiError::from_store(other, "object"),
    }
}

/// Reads a plage request, reporting every invalid field at once.
fn parse_plage(
    body: &PlageRequest,
    guichet_id: GuichetId,
) -> Result<(Plage, Vec<String>), ApiError> {
    let mut c = Collector::default();
    let weekdays = c.take(parse_weekdays("weekdays", &body.weekdays));
    let start = c.take(parse_local_time("start", &body.start));
    let end = c.take(parse_local_time("end", &body.end));
    let valid_from = c.take(parse_day("valid_from", &body.valid_from));
    let valid_until = c.take(
        body.valid_until
            .as_deref()
            .map(|d| parse_day("valid_until", d))
            .transpose(),
    );
    let motif_ids = c.take(parse_motif_ids(&body.motif_ids, true));
    c.finish()?;
    let (
        Some(weekdays),
        Some(start),
        Some(end),
        Some(valid_from),
        Some(valid_until),
        Some(motif_ids),
    ) = (weekdays, start, end, valid_from, valid_until, motif_ids)
    else {
        return Err(ApiError::Internal);
    };
    let motifs: Vec<MotifId> = motif_ids.iter().filter_map(|m| m.parse().ok()).collect();
    Ok((
        Plage {
            guichet_id,
            weekdays,
            start,
            end,
            valid_from,
            valid_until,
            motifs,
        },
        motif_ids,
    ))
}

/// Plage `id` at `version`, as answered.
pub(crate) fn plage_response(
    id: &str,
    version: i32,
    plage: &Plage,
    motif_ids: Vec<String>,
) -> PlageResponse {
    PlageResponse {
        version,
        id: id.to_owned(),
        guichet_id: plage.guichet_id.to_string(),
        weekdays: plage
            .weekdays
            .days()
            .into_iter()
            .map(|d| weekday_name(d).to_owned())
            .collect(),
        start: plage.start.format("%H:%M").to_string(),
        end: plage.end.format("%H:%M").to_string(),
        valid_from: plage.valid_from,
        valid_until: plage.valid_until,
        motif_ids,
    }
}

/// What a change that touches booked appointments does.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OnConflict {
    /// `refuse` (default): answer 409 with the affected references and change
    /// nothing. `flag`: apply the change and mark them to be re-booked
    /// (never deleted).
    #[param(example = "refuse", pattern = "^(refuse|flag)$")]
    pub on_conflict: Option<String>,
}

impl OnConflict {
    /// Whether to flag rather than refuse.
    pub fn flag(&self) -> Result<bool, ApiError> {
        match self.on_conflict.as_deref() {
            None | Some("refuse") => Ok(false),
            Some("flag") => Ok(true),
            Some(_) => Err(ApiError::invalid("on_conflict", "must be refuse or flag")),
        }
    }
}

/// A plage changed or removed, and the appointments it left to re-book.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlageChange {
    /// The plage after the change (absent when it was deleted).
    pub plage: Option<PlageResponse>,
    /// References of booked appointments marked to be re-booked.
    #[schema(example = json!(["K7QX-M3PA"]))]
    pub flagged_reservations: Vec<String>,
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
        (status = 200, description = "Changed", body = PlageChange, example = json!({"plage": {"id": "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d", "guichet_id": "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f", "weekdays": ["monday"], "start": "09:00", "end": "11:00", "valid_from": "2027-01-04", "valid_until": null, "motif_ids": [], "version": 2}, "flagged_reservations": []})),
        (status = 400, description = "Unreadable body or query", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plage", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Booked appointments would be orphaned (references in `conflicts`), or it changed since the version sent (`stale`, with `current_version`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or overlap", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No `If-Match`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[put("/admin/plages/{plage_id}")]
pub async fn update_plage(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
    if_match: IfMatch,
    QueryParams(q): QueryParams<OnConflict>,
    JsonBody(body): JsonBody<PlageRequest>,
) -> Result<HttpResponse, ApiError> {
    let flag = q.flag()?;
    let plage_id: PlageId = path.parse().map_err(|_| ApiError::NotFound("plage"))?;
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
        (status = 200, description = "Deleted", body = PlageChange, example = json!({"plage": null, "flagged_reservations": ["K7QX-M3PA"]})),
        (status = 400, description = "Unreadable query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plage", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Booked appointments would be orphaned (references in `conflicts`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid on_conflict", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[delete("/admin/plages/{plage_id}")]
pub async fn delete_plage(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
    QueryParams(q): QueryParams<OnConflict>,
) -> Result<HttpResponse, ApiError> {
    let flag = q.flag()?;
    let plage_id: PlageId = path.parse().map_err(|_| ApiError::NotFound("plage"))?;
    change_plage(state, agent.0, plage_id, None, flag).await
}

async fn change_plage(
    state: web::Data<AppState>,
    agent: Agent,
    plage_id: PlageId,
    body: Option<(PlageRequest, IfMatch)>,
    flag: bool,
) -> Result<HttpResponse, ApiError> {
    let change = state
        .blocking(move |store| {
            let (row, before, site) = store
                .get_plage(&plage_id.to_string())
                .map_err(|e| ApiError::from_store(e, "plage"))?;
            authorise(&agent, &site)?;
            let tz = site_zone(&site)?;
            let before_ids = before.motifs.iter().map(ToString::to_string).collect();
            let before_json =
                crate::audit::json(&plage_response(&row.id, row.revision, &before, before_ids));
            let if_match = body.as_ref().map(|(_, v)| *v);
            let new = body
                .as_ref()
                .map(|(b, _)| parse_plage(b, before.guichet_id))
                .transpose()?;
            let new_row = new.as_ref().map(|(p, _)| PlageRow {
                weekdays: p.weekdays.bits(),
                start_time: p.start,
                end_time: p.end,
                valid_from: p.valid_from,
                valid_until: p.valid_until,
                revision: if_match.map_or(row.revision, |v| v.0),
                ..row.clone()
            });
            let after = new
                .as_ref()
                .zip(if_match)
                .map(|((p, ids), v)| plage_response(&row.id, v.next(), p, ids.clone()));
            let audit = AuditEntry {
                action: if new.is_some() { "updated" } else { "deleted" },
                before: before_json,
                after: after.as_ref().and_then(crate::audit::json),
                ..audit(&agent, &site, "plage", &row.id, &())
            };
            let replacement = new_row.as_ref().zip(new.as_ref().map(|(p, _)| p));
            let flagged = store
                .replace_plage(&row.id, &row.guichet_id, replacement, tz, flag, &audit)
                .map_err(|e| write_error(e, "conflicting plage"))?;
            Ok(PlageChange {
                plage: after,
                flagged_reservations: flagged,
            })
        })
        .await?;
    Ok(match &change.plage {
        Some(plage) => versioned(StatusCode::OK, &change, plage.version),
        None => HttpResponse::Ok().json(change),
    })
}

fn parse_day(field: &str, raw: &str) -> Result<NaiveDate, FieldError> {
    planipref_domain::slots::parse_search_date(field, raw)
}

fn parse_motif_ids(raw: &[String], may_be_empty: bool) -> Result<Vec<String>, FieldError> {
    if raw.is_empty() && !may_be_empty {
        return Err(FieldError::new("motif_ids", "must name at least one motif"));
    }
    let mut ids: Vec<String> = Vec::new();
    for r in raw {
        let id: MotifId = r
            .trim()
            .parse()
            .map_err(|_| FieldError::new("motif_ids", format!("{r:?} is not a motif id")))?;
        // A motif named twice (perhaps written in another case) is served
        // once: the document cannot state uniqueness across spellings.
        if !ids.contains(&id.to_string()) {
            ids.push(id.to_string());
        }
    }
    Ok(ids)
}

/// A service with its motifs.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceWithMotifs {
    /// The service.
    #[serde(flatten)]
    pub service: Service,
    /// Its motifs, by label.
    pub motifs: Vec<Motif>,
}

/// A guichet with its plages.
#[derive(Debug, Serialize, ToSchema)]
pub struct GuichetWithPlages {
    /// The guichet.
    #[serde(flatten)]
    pub guichet: Guichet,
    /// Its plages, by start time.
    pub plages: Vec<PlageResponse>,
}

/// How a site is organised.
#[derive(Debug, Serialize, ToSchema)]
pub struct Organisation {
    /// The site.
    #[schema(example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")]
    pub site_id: String,
    /// Its services and their motifs.
    pub services: Vec<ServiceWithMotifs>,
    /// Its guichets and their plages.
    pub guichets: Vec<GuichetWithPlages>,
}

/// A site's organisation
///
/// Everything a site is set up with, in one answer: services and their
/// motifs, guichets with the motifs they serve and their plages. For agents
/// whose scope covers the site.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")),
    responses(
        (status = 200, description = "The organisation", body = Organisation, example = json!({
            "site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11",
            "services": [{"id": "0b8f2f0a-3b1c-4a57-8f3e-6e1f8d7c2b10", "site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "name": "Bureau du séjour des étrangers", "description": "", "motifs": [crate::examples::motif()]}],
            "guichets": [{"id": "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f", "site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "name": "Guichet 1", "active": true, "active_from": null, "active_until": null, "motif_ids": ["9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00"], "channel": "public",
                          "plages": [{"id": "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d", "guichet_id": "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f", "weekdays": ["monday"], "start": "09:00", "end": "12:00", "valid_from": "2026-01-01", "valid_until": null, "motif_ids": []}]}]
        })),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/admin/sites/{site_id}/organisation")]
pub async fn site_organisation(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let site_id: SiteId = path.parse().map_err(|_| ApiError::NotFound("site"))?;
    let agent = agent.0;
    let organisation = state
        .blocking(move |store| {
            let site = store
                .get_site(&site_id.to_string())
                .map_err(|e| ApiError::from_store(e, "site"))?;
            if !agent.can_read_site(site_id, &site_departement(&site)?) {
                return Err(ApiError::Forbidden);
            }
            let o = store.site_organisation(&site.id).map_err(ApiError::from)?;
            let services = o
                .services
                .into_iter()
                .map(|s| {
                    let motifs = o
                        .motifs
                        .iter()
                        .filter(|m| m.service_id == s.id)
                        .map(|m| Motif::from_rows(m.clone(), s.clone()))
                        .collect();
                    ServiceWithMotifs {
                        service: Service::from_row(s),
                        motifs,
                    }
                })
                .collect();
            let mut guichets = Vec::new();
            for g in o.guichets {
                let motif_ids = o
                    .served
                    .iter()
                    .filter(|(gid, _)| *gid == g.id)
                    .map(|(_, m)| m.clone())
                    .collect();
                let mut plages = Vec::new();
                for p in o.plages.iter().filter(|p| p.guichet_id == g.id) {
                    let weekdays = planipref_domain::referentiel::Weekdays::from_bits(p.weekdays)
                        .ok_or(ApiError::Internal)?;
                    plages.push(PlageResponse {
                        version: p.revision,
                        id: p.id.clone(),
                        guichet_id: p.guichet_id.clone(),
                        weekdays: weekdays
                            .days()
                            .into_iter()
                            .map(|d| weekday_name(d).to_owned())
                            .collect(),
                        start: p.start_time.format("%H:%M").to_string(),
                        end: p.end_time.format("%H:%M").to_string(),
                        valid_from: p.valid_from,
                        valid_until: p.valid_until,
                        motif_ids: o
                            .restrictions
                            .iter()
                            .filter(|(pid, _)| *pid == p.id)
                            .map(|(_, m)| m.clone())
                            .collect(),
                    });
                }
                guichets.push(GuichetWithPlages {
                    guichet: Guichet::from_row(&g, motif_ids),
                    plages,
                });
            }
            Ok(Organisation {
                site_id: site.id,
                services,
                guichets,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(organisation))
}

/// A guichet after a change, and the appointments it left to re-book.
#[derive(Debug, Serialize, ToSchema)]
pub struct GuichetChange {
    /// The guichet.
    pub guichet: Guichet,
    /// References of booked appointments marked to be re-booked.
    #[schema(example = json!([]))]
    pub flagged_reservations: Vec<String>,
}

/// Change a guichet
///
/// Renames a guichet, changes the motifs it serves or its working period,
/// or deactivates it. Booked appointments it could no longer take (a motif
/// removed, the guichet deactivated, or their day outside the period) make
/// the change fail with 409 (`conflicts`) unless
/// sent with `on_conflict=flag`, which marks them to be re-booked.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("guichet_id" = String, Path, format = Uuid, description = "Guichet identifier", example = "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f"), OnConflict, IfMatchParam),
    request_body(content = GuichetRequest, example = json!({"name": "Guichet 5", "motif_ids": ["9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00"], "active": true, "active_until": "2027-06-30"})),
    responses(
        (status = 200, description = "Changed", body = GuichetChange, example = json!({"guichet": {"id": "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f", "site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "name": "Guichet 5", "active": true, "active_from": null, "active_until": null, "motif_ids": ["9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00"], "channel": "public", "version": 2}, "flagged_reservations": []})),
        (status = 400, description = "Unreadable body or query", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such guichet", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Name taken, or booked appointments would be orphaned (references in `conflicts`), or it changed since the version sent (`stale`, with `current_version`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, motifs of another site, or a plage restricted to a removed motif", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No `If-Match`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[put("/admin/guichets/{guichet_id}")]
pub async fn update_guichet(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
    if_match: IfMatch,
    QueryParams(q): QueryParams<OnConflict>,
    JsonBody(body): JsonBody<GuichetRequest>,
) -> Result<HttpResponse, ApiError> {
    let flag = q.flag()?;
    let guichet_id: GuichetId = path.parse().map_err(|_| ApiError::NotFound("guichet"))?;
    let (name, motif_ids, (active_from, active_until), channel) = body.parse()?;
    let active = body.active;
    let agent = agent.0;
    let change = state
        .blocking(move |store| {
            let (before, site) = store
                .get_guichet(&guichet_id.to_string())
                .map_err(|e| ApiError::from_store(e, "guichet"))?;
            authorise(&agent, &site)?;
            let of_site = store.motif_ids_of_site(&site.id).map_err(ApiError::from)?;
            if motif_ids.iter().any(|m| !of_site.contains(m)) {
                return Err(ApiError::invalid(
                    "motif_ids",
                    "must be motifs of this site",
                ));
            }
            let before_motifs = store
                .guichet_motif_ids(&before.id)
                .map_err(ApiError::from)?;
            let row = GuichetRow {
                name,
                active,
                active_from,
                active_until,
                channel: channel.code().to_owned(),
                revision: if_match.0,
                ..before.clone()
            };
            let after = Guichet {
                version: if_match.next(),
                ..Guichet::from_row(&row, motif_ids.clone())
            };
            let audit = AuditEntry {
                action: "updated",
                before: crate::audit::json(&Guichet::from_row(&before, before_motifs)),
                ..audit(&agent, &site, "guichet", &row.id, &after)
            };
            let tz = site_zone(&site)?;
            let flagged = store
                .update_guichet(&row, &motif_ids, tz, flag, &audit)
                .map_err(|e| write_error(e, "a guichet of that name exists at this site"))?;
            Ok(GuichetChange {
                guichet: after,
                flagged_reservations: flagged,
            })
        })
        .await?;
    Ok(versioned(StatusCode::OK, &change, change.guichet.version))
}
