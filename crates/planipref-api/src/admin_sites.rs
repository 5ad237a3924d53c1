//! Administration of sites: create, read and update, within the caller's
//! scope, each write audited.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, put, web};
use chrono::Utc;
use planipref_domain::DomainError;
use planipref_domain::competence::Competence;
use planipref_domain::ids::{DepartementCode, SiteId};
use planipref_domain::referentiel::{SiteDraft, SiteInput};
use planipref_store::AuditEntry;
use planipref_store::StoreError;
use planipref_store::models::SiteRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{json, site_entry};
use crate::auth::AuthenticatedAgent;
use crate::dto::{Site, site_departement};
use crate::error::{ApiError, Problem};
use crate::extract::JsonBody;
use crate::state::AppState;
use crate::version::{IfMatch, IfMatchParam, Versioned as _};

/// A site's postal address, as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressRequest {
    /// Street and number.
    #[schema(min_length = 1, max_length = 200, example = "Rue de la République")]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub line: String,
    /// Five digits.
    #[schema(pattern = "^[0-9]{5}$", example = "97460")]
    pub postal_code: String,
    /// Town.
    #[schema(min_length = 1, max_length = 100, example = "Saint-Paul")]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub city: String,
    /// INSEE code of a commune of the site's département.
    #[schema(pattern = "^([0-9]{2}|2[AaBb])[0-9]{3}$", example = "97415")]
    pub commune_insee: String,
}

/// A site's settings.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteRequest {
    /// Département code of its préfecture (which must exist).
    #[schema(
        pattern = "^(0[1-9]|[1-8][0-9]|9[0-5]|2[AaBb]|97[1-8])$",
        example = "974"
    )]
    pub prefecture_code: String,
    /// `prefecture`, `sous_prefecture` or `antenne`.
    #[schema(value_type = crate::codes::SiteKind, example = "sous_prefecture")]
    pub kind: String,
    /// Name shown to applicants; unique within the préfecture.
    #[schema(
        min_length = 1,
        max_length = 150,
        example = "Sous-préfecture de Saint-Paul"
    )]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub name: String,
    /// Postal address.
    pub address: AddressRequest,
    /// IANA time zone in which its opening hours are written: one of its
    /// département's, as the reference data give them (`Europe/Paris` in
    /// metropolitan France, `Indian/Reunion` in 974…); any other is
    /// refused (422 naming `time_zone`).
    #[schema(example = "Indian/Reunion")]
    pub time_zone: String,
    /// The territory it is competent for (none when absent).
    #[serde(default)]
    pub competence: CompetenceBody,
}

/// The territory a site is competent for, in INSEE's Code officiel
/// géographique: whole arrondissements, or single communes, of its
/// département. Orientation sends applicants living there to this site.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompetenceBody {
    /// Arrondissement codes (département code and one digit), e.g. `932`, `9742`.
    #[serde(default)]
    #[schema(example = json!(["9742"]))]
    pub arrondissements: Vec<String>,
    /// Commune INSEE codes, e.g. `97415`.
    #[serde(default)]
    #[schema(example = json!([]))]
    pub communes: Vec<String>,
}

impl From<Competence> for CompetenceBody {
    fn from(c: Competence) -> Self {
        Self {
            arrondissements: c.arrondissements,
            communes: c.communes,
        }
    }
}

/// A site as its administrators see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminSite {
    /// The site.
    #[serde(flatten)]
    pub site: Site,
    /// The territory it is competent for.
    pub competence: CompetenceBody,
    /// Its version (also its `ETag`), raised by each change: send it in
    /// `If-Match` to change the site.
    #[schema(example = 1, minimum = 1)]
    pub version: i32,
}

impl AdminSite {
    fn new(row: SiteRow, competence: Competence) -> Self {
        Self {
            version: row.revision,
            site: Site::from(row),
            competence: competence.into(),
        }
    }
}

crate::version::versioned_by_field!(AdminSite);

fn example_site() -> serde_json::Value {
    let mut site = serde_json::to_value(crate::examples::site()).unwrap_or_default();
    site["competence"] = serde_json::json!({"arrondissements": ["931"], "communes": []});
    site["version"] = serde_json::json!(1);
    site
}

/// Reads a site's settings and competence, reporting every invalid field.
fn parse(body: &SiteRequest) -> Result<(SiteDraft, Competence), ApiError> {
    let draft = SiteDraft::parse(input(body));
    // Without a valid département the draft reports it; codes wait.
    let competence = match DepartementCode::parse(&body.prefecture_code) {
        Some(dep) => Competence::parse(
            &dep,
            &body.competence.arrondissements,
            &body.competence.communes,
        ),
        None => Ok(Competence::default()),
    };
    Ok(DomainError::both(draft, competence)?)
}

fn example_request() -> serde_json::Value {
    serde_json::json!({
        "prefecture_code": "974",
        "kind": "sous_prefecture",
        "name": "Sous-préfecture de Saint-Paul",
        "address": {"line": "Rue de la République", "postal_code": "97460", "city": "Saint-Paul", "commune_insee": "97415"},
        "time_zone": "Indian/Reunion",
        "competence": {"arrondissements": ["9742"], "communes": []}
    })
}

/// Create a site
///
/// Creates a site of a préfecture. Administrators of that département (or
/// national administrators) only. The write is audited.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body(content = SiteRequest, example = json!(example_request())),
    responses(
        (status = 201, description = "Created; `Location` points at it", body = AdminSite,
         headers(("Location" = String, description = "Path of the new site"), ("ETag" = String, description = "Its version")),
         example = json!(example_site())),
        (status = 400, description = "Not JSON, wrong types or unknown fields", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The département is outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A site of that name exists in the préfecture", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or unknown préfecture", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[post("/admin/sites")]
pub async fn create_site(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    JsonBody(body): JsonBody<SiteRequest>,
) -> Result<HttpResponse, ApiError> {
    let (draft, competence) = parse(&body)?;
    if !agent.0.can_administer_prefecture(&draft.prefecture) {
        return Err(ApiError::Forbidden);
    }
    let row = to_row(SiteId::new_random().to_string(), &draft, Utc::now());
    let site = AdminSite::new(row.clone(), competence.clone());
    let audit = AuditEntry {
        after: json(&site),
        ..site_entry(&agent.0, &row, "site", &row.id, "created")
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
        (status = 200, description = "The site", body = AdminSite, example = json!(example_site())),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The site is outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/admin/sites/{site_id}")]
pub async fn admin_get_site(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: SiteId = path.parse().map_err(|_| ApiError::NotFound("site"))?;
    let agent = agent.0;
    let site = state
        .blocking(move |store| {
            let row = store
                .get_site(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "site"))?;
            if !agent.can_read_site(id, &site_departement(&row)?) {
                return Err(ApiError::Forbidden);
            }
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
    request_body(content = SiteRequest, example = json!(example_request())),
    responses(
        (status = 200, description = "Updated", body = AdminSite, example = json!(example_site())),
        (status = 400, description = "Not JSON, wrong types or unknown fields", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Name taken, the site changed since the version sent (`stale`, with `current_version`), or a new time zone or département while appointments are booked (references in `conflicts`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or unknown préfecture", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No `If-Match`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[put("/admin/sites/{site_id}")]
pub async fn update_site(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<SiteRequest>,
) -> Result<HttpResponse, ApiError> {
    let id: SiteId = path.parse().map_err(|_| ApiError::NotFound("site"))?;
    let (draft, competence) = parse(&body)?;
    let agent = agent.0;
    let site = state
        .blocking(move |store| {
            let before = store
                .get_site(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "site"))?;
            let current: DepartementCode = site_departement(&before)?;
            if !agent.can_administer_site(&current) || !agent.can_administer_site(&draft.prefecture)
            {
                return Err(ApiError::Forbidden);
            }
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
                ..site_entry(&agent, &after, "site", &after.id, "updated")
            };
            store
                .update_site(&before, &after, &competence, &audit)
                .map_err(site_write_error)?;
            Ok(after_site)
        })
        .await?;
    Ok(site.answer(StatusCode::OK))
}

fn input(body: &SiteRequest) -> SiteInput<'_> {
    SiteInput {
        prefecture_code: &body.prefecture_code,
        kind: &body.kind,
        name: &body.name,
        address_line: &body.address.line,
        postal_code: &body.address.postal_code,
        city: &body.address.city,
        commune_insee: &body.address.commune_insee,
        time_zone: &body.time_zone,
    }
}

fn to_row(id: String, d: &SiteDraft, created_at: chrono::DateTime<Utc>) -> SiteRow {
    SiteRow {
        id,
        prefecture_code: d.prefecture.to_string(),
        kind: d.kind.code().to_owned(),
        name: d.name.clone(),
        address_line: d.address_line.clone(),
        postal_code: d.postal_code.clone(),
        city: d.city.clone(),
        commune_insee: d.commune_insee.clone(),
        time_zone: d.time_zone.name().to_owned(),
        created_at: planipref_store::to_db(created_at),
        revision: 1,
    }
}

fn site_write_error(e: StoreError) -> ApiError {
    match e {
        StoreError::Duplicate { .. } => {
            ApiError::Conflict("a site of that name already exists in this préfecture")
        }
        StoreError::MissingReference { .. } => {
            ApiError::invalid("prefecture_code", "no such préfecture")
        }
        StoreError::Affected(refs) => ApiError::Affected(refs),
        other => ApiError::from_store(other, "site"),
    }
}
