//! Préfectures: created by national administrators, listed per scope.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::Utc;
use planipref_domain::access::{Agent, Scope};
use planipref_domain::channel::check_release_hours;
use planipref_domain::error::Collector;
use planipref_domain::ids::DepartementCode;
use planipref_domain::quota::check_max_active_per_person as check_quota;
use planipref_domain::referentiel::check_name;
use planipref_domain::release::ReleaseRules;
use planipref_domain::{DomainError, FieldError};
use planipref_store::AuditEntry;
use planipref_store::models::{PrefectureRow, PrefectureRulesRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin_referentiel::write_error;
use crate::auth::AuthenticatedAgent;
use crate::dto::{PageInfo, Pagination};
use crate::error::{ApiError, Problem};
use crate::extract::{JsonBody, QueryParams};
use crate::state::AppState;
use crate::version::{IfMatch, IfMatchParam, Versioned as _};

/// A new préfecture.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrefectureRequest {
    /// The département's INSEE code (`01`…`95`, `2A`, `2B`, `971`…`978`).
    #[schema(
        pattern = "^(0[1-9]|[1-8][0-9]|9[0-5]|2[AaBb]|97[1-8])$",
        example = "2A"
    )]
    pub code: String,
    /// Official name.
    #[schema(
        min_length = 1,
        max_length = 150,
        example = "Préfecture de la Corse-du-Sud"
    )]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub name: String,
    /// The département's name.
    #[schema(min_length = 1, max_length = 100, example = "Corse-du-Sud")]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub departement_name: String,
}

/// A préfecture.
#[derive(Debug, Serialize, ToSchema)]
pub struct Prefecture {
    /// The département's INSEE code.
    #[schema(example = "2A")]
    pub code: String,
    /// Official name.
    #[schema(example = "Préfecture de la Corse-du-Sud")]
    pub name: String,
    /// The département's name.
    #[schema(example = "Corse-du-Sud")]
    pub departement_name: String,
    /// Its version (also its `ETag`), raised by each change of its names
    /// or anti-capture settings: send it in `If-Match` to change them.
    #[schema(example = 1, minimum = 1)]
    pub version: i32,
}

crate::version::versioned_by_field!(Prefecture, AntiCapture);

impl From<PrefectureRow> for Prefecture {
    fn from(r: PrefectureRow) -> Self {
        Self {
            code: r.code,
            name: r.name,
            departement_name: r.departement_name,
            version: r.revision,
        }
    }
}

/// A page of préfectures.
#[derive(Debug, Serialize, ToSchema)]
pub struct PrefecturePage {
    /// By code.
    pub items: Vec<Prefecture>,
    /// Where this page stands.
    #[serde(flatten)]
    pub page: PageInfo,
}

/// Create a préfecture
///
/// Registers the préfecture of a département. National administrators only.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    request_body(content = PrefectureRequest, example = json!({"code": "2A", "name": "Préfecture de la Corse-du-Sud", "departement_name": "Corse-du-Sud"})),
    responses(
        (status = 201, description = "Created; `Location` points at it", body = Prefecture, headers(("Location" = String, description = "Where it is read"), ("ETag" = String, description = "Its version")), example = json!(prefecture_example())),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a national administrator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The préfecture exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[post("/admin/prefectures")]
pub async fn create_prefecture(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    JsonBody(body): JsonBody<PrefectureRequest>,
) -> Result<HttpResponse, ApiError> {
    if !agent.0.can_administer_nation() {
        return Err(ApiError::Forbidden);
    }
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
        created_at: planipref_store::to_db(Utc::now()),
        revision: 1,
    };
    let prefecture = Prefecture::from(row.clone());
    let audit = AuditEntry {
        after: crate::audit::json(&prefecture),
        ..prefecture_audit(&agent.0, &row.code, "created")
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
        (status = 200, description = "A page of préfectures", body = PrefecturePage, example = json!({"items": [{"code": "93", "name": "Préfecture de la Seine-Saint-Denis", "departement_name": "Seine-Saint-Denis", "version": 1}], "page": 1, "per_page": 50, "total": 1})),
        (status = 400, description = "Unreadable query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Agents administer no préfecture", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid page", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/admin/prefectures")]
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

/// A préfecture's new names.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrefectureUpdate {
    /// Official name.
    #[schema(
        min_length = 1,
        max_length = 150,
        example = "Préfecture de la Corse-du-Sud"
    )]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub name: String,
    /// The département's name.
    #[schema(min_length = 1, max_length = 100, example = "Corse-du-Sud")]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub departement_name: String,
}

fn prefecture_example() -> serde_json::Value {
    serde_json::json!({"code": "2A", "name": "Préfecture de la Corse-du-Sud", "departement_name": "Corse-du-Sud", "version": 1})
}

/// The préfecture of `code` if the caller administers it.
fn administered(agent: &Agent, code: &str) -> Result<DepartementCode, ApiError> {
    let code = DepartementCode::parse(code).ok_or(ApiError::NotFound("préfecture"))?;
    if agent.can_administer_prefecture(&code) {
        Ok(code)
    } else {
        Err(ApiError::Forbidden)
    }
}

fn prefecture_audit(agent: &Agent, code: &str, action: &'static str) -> AuditEntry {
    AuditEntry {
        departement: Some(code.to_owned()),
        ..crate::audit::entry(agent, "prefecture", code, action)
    }
}

/// Read a préfecture
///
/// One préfecture, for the administrators of its département and national
/// administrators.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("code" = String, Path, description = "Département code", example = "2A")),
    responses(
        (status = 200, description = "The préfecture", body = Prefecture, example = json!(prefecture_example())),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such préfecture", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/admin/prefectures/{code}")]
pub async fn get_prefecture(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = administered(&agent.0, &path)?;
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
        (status = 200, description = "Renamed", body = Prefecture, example = json!(prefecture_example())),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a national administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such préfecture", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed since the version sent (`stale`, with `current_version`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No `If-Match`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[put("/admin/prefectures/{code}")]
pub async fn update_prefecture(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<PrefectureUpdate>,
) -> Result<HttpResponse, ApiError> {
    if !agent.0.can_administer_nation() {
        return Err(ApiError::Forbidden);
    }
    let code = DepartementCode::parse(&path).ok_or(ApiError::NotFound("préfecture"))?;
    let mut c = Collector::default();
    let name = c.take(check_name("name", &body.name, 150));
    let departement_name = c.take(check_name("departement_name", &body.departement_name, 100));
    c.finish()?;
    let (Some(name), Some(departement_name)) = (name, departement_name) else {
        return Err(ApiError::Internal);
    };
    let agent = agent.0;
    let after = state
        .blocking(move |store| {
            let before = store
                .get_prefecture(code.as_str())
                .map_err(|e| ApiError::from_store(e, "préfecture"))?;
            let after = PrefectureRow {
                name,
                departement_name,
                revision: if_match.0,
                ..before.clone()
            };
            let audit = AuditEntry {
                before: crate::audit::json(&Prefecture::from(before)),
                after: crate::audit::json(&Prefecture {
                    version: if_match.next(),
                    ..Prefecture::from(after.clone())
                }),
                ..prefecture_audit(&agent, code.as_str(), "updated")
            };
            store
                .update_prefecture(&after, &audit)
                .map_err(|e| write_error(e, "conflicting préfecture"))?;
            Ok(after)
        })
        .await?;
    let prefecture = Prefecture {
        version: if_match.next(),
        ..Prefecture::from(after)
    };
    Ok(prefecture.answer(StatusCode::OK))
}

/// Delete a préfecture
///
/// National administrators only; refused with 409 while it has sites.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("code" = String, Path, description = "Département code", example = "2A")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a national administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such préfecture", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The préfecture still has sites", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[delete("/admin/prefectures/{code}")]
pub async fn delete_prefecture(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if !agent.0.can_administer_nation() {
        return Err(ApiError::Forbidden);
    }
    let code = DepartementCode::parse(&path).ok_or(ApiError::NotFound("préfecture"))?;
    let agent = agent.0;
    state
        .blocking(move |store| {
            let before = store
                .get_prefecture(code.as_str())
                .map_err(|e| ApiError::from_store(e, "préfecture"))?;
            let audit = AuditEntry {
                before: crate::audit::json(&Prefecture::from(before)),
                ..prefecture_audit(&agent, code.as_str(), "deleted")
            };
            store
                .delete_prefecture(code.as_str(), &audit)
                .map_err(|e| write_error(e, "préfecture in use"))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A préfecture's anti-capture settings.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[schema(example = json!(anti_capture_example()))]
pub struct AntiCapture {
    /// A cancelled or moved appointment's time is offered again after a
    /// random delay of at least this many minutes (0–1440; default 5)…
    #[schema(example = 5)]
    pub release_delay_min_minutes: u32,
    /// …and at most this many (≥ the least; default 60). 0 and 0: at once.
    #[schema(example = 60)]
    pub release_delay_max_minutes: u32,
    /// Each motif's newest day (today plus its booking window) opens at a
    /// random moment of a window starting this many minutes after local
    /// midnight (0–1439; default 420, 07:00)…
    #[schema(example = 420)]
    pub opening_start_minute: u32,
    /// …and lasting this many minutes (0–1440; default 180: between 07:00
    /// and 10:00). The moment differs per motif and day, is the same on
    /// every server, and cannot be computed outside.
    #[schema(example = 180)]
    pub opening_window_minutes: u32,
    /// Most coming appointments one person (foreigner file number, or
    /// names and birth date) may hold at once across all démarches, when
    /// booking at this préfecture (1–20; default 3).
    #[schema(example = 3)]
    pub max_active_per_person: u32,
    /// What convocations did not take of the convocation counters is
    /// offered to the public this many hours before its day (0–720; 0:
    /// never; default 48).
    #[schema(example = 48)]
    pub convocation_release_hours: u32,
    /// The préfecture's version (also the `ETag`): send it in `If-Match`
    /// to change these settings.
    #[schema(example = 1, minimum = 1)]
    pub version: i32,
}

fn anti_capture_example() -> serde_json::Value {
    serde_json::json!({
        "release_delay_min_minutes": 5, "release_delay_max_minutes": 60,
        "opening_start_minute": 420, "opening_window_minutes": 180,
        "max_active_per_person": 3, "convocation_release_hours": 48, "version": 1
    })
}

impl AntiCapture {
    /// The settings of `r`, at the préfecture's `version`.
    fn new(r: PrefectureRulesRow, version: i32) -> Self {
        let n = |v: i32| u32::try_from(v).unwrap_or(0);
        Self {
            version,
            release_delay_min_minutes: n(r.release_delay_min_minutes),
            release_delay_max_minutes: n(r.release_delay_max_minutes),
            opening_start_minute: n(r.opening_start_minute),
            opening_window_minutes: n(r.opening_window_minutes),
            max_active_per_person: n(r.max_active_per_person),
            convocation_release_hours: n(r.convocation_release_hours),
        }
    }
}

/// New anti-capture settings; those left out keep their value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"release_delay_min_minutes": 10, "release_delay_max_minutes": 90}))]
pub struct AntiCaptureUpdate {
    /// Least release delay, minutes (0–1440).
    #[schema(minimum = 0, maximum = 1440)]
    pub release_delay_min_minutes: Option<u32>,
    /// Greatest release delay, minutes (0–1440, ≥ the least).
    #[schema(minimum = 0, maximum = 1440)]
    pub release_delay_max_minutes: Option<u32>,
    /// Start of the opening window, minutes after local midnight (0–1439).
    #[schema(minimum = 0, maximum = 1439)]
    pub opening_start_minute: Option<u32>,
    /// Length of the opening window, minutes (0–1440).
    #[schema(minimum = 0, maximum = 1440)]
    pub opening_window_minutes: Option<u32>,
    /// Most coming appointments per person across démarches (1–20).
    #[schema(minimum = 1, maximum = 20)]
    pub max_active_per_person: Option<u32>,
    /// Hours before a day when convocation counters' free time is offered
    /// to the public (0–720; 0: never).
    #[schema(minimum = 0, maximum = 720)]
    pub convocation_release_hours: Option<u32>,
}

/// A préfecture's anti-capture settings
///
/// How long cancelled slots wait before returning to the public, when new
/// days open, and how many appointments one person may hold. For the
/// administrators of its département and national administrators.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("code" = String, Path, description = "Département code", example = "93")),
    responses(
        (status = 200, description = "The settings", body = AntiCapture, example = json!(anti_capture_example())),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such préfecture", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/admin/prefectures/{code}/anti-capture")]
pub async fn get_anti_capture(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = administered(&agent.0, &path)?;
    let (rules, version) = state
        .blocking(move |store| {
            store
                .anti_capture(code.as_str())
                .map_err(|e| ApiError::from_store(e, "préfecture"))
        })
        .await?;
    Ok(AntiCapture::new(rules, version).answer(StatusCode::OK))
}

/// Change a préfecture's anti-capture settings
///
/// Replaces the settings sent, checked together (every invalid field at
/// once), from the version read (`If-Match`: the préfecture's). Takes
/// effect at once on every server; audited. For the administrators of its
/// département and national administrators.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("code" = String, Path, description = "Département code", example = "93"), IfMatchParam),
    request_body(content = AntiCaptureUpdate),
    responses(
        (status = 200, description = "The new settings", body = AntiCapture, example = json!(anti_capture_example())),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such préfecture", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed since the version sent (`stale`, with `current_version`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No `If-Match`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[put("/admin/prefectures/{code}/anti-capture")]
pub async fn update_anti_capture(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<AntiCaptureUpdate>,
) -> Result<HttpResponse, ApiError> {
    let code = administered(&agent.0, &path)?;
    let agent = agent.0;
    let after = state
        .blocking(move |store| {
            let (rules, version) = store
                .anti_capture(code.as_str())
                .map_err(|e| ApiError::from_store(e, "préfecture"))?;
            let before = AntiCapture::new(rules, version);
            let after = AntiCapture {
                version: if_match.next(),
                release_delay_min_minutes: body
                    .release_delay_min_minutes
                    .unwrap_or(before.release_delay_min_minutes),
                release_delay_max_minutes: body
                    .release_delay_max_minutes
                    .unwrap_or(before.release_delay_max_minutes),
                opening_start_minute: body
                    .opening_start_minute
                    .unwrap_or(before.opening_start_minute),
                opening_window_minutes: body
                    .opening_window_minutes
                    .unwrap_or(before.opening_window_minutes),
                max_active_per_person: body
                    .max_active_per_person
                    .unwrap_or(before.max_active_per_person),
                convocation_release_hours: body
                    .convocation_release_hours
                    .unwrap_or(before.convocation_release_hours),
            };
            let release = ReleaseRules {
                delay_min_minutes: after.release_delay_min_minutes,
                delay_max_minutes: after.release_delay_max_minutes,
                opening_start_minute: after.opening_start_minute,
                opening_window_minutes: after.opening_window_minutes,
            }
            .check();
            let quota = check_quota(after.max_active_per_person);
            let channels = check_release_hours(after.convocation_release_hours);
            DomainError::both(DomainError::both(release, quota), channels)?;
            let n = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
            let row = PrefectureRulesRow {
                release_delay_min_minutes: n(after.release_delay_min_minutes),
                release_delay_max_minutes: n(after.release_delay_max_minutes),
                opening_start_minute: n(after.opening_start_minute),
                opening_window_minutes: n(after.opening_window_minutes),
                max_active_per_person: n(after.max_active_per_person),
                convocation_release_hours: n(after.convocation_release_hours),
            };
            let audit = AuditEntry {
                before: crate::audit::json(&before),
                after: crate::audit::json(&after),
                ..prefecture_audit(&agent, code.as_str(), "updated")
            };
            store
                .update_prefecture_rules(code.as_str(), &row, if_match.0, &audit)
                .map_err(|e| ApiError::from_store(e, "préfecture"))?;
            Ok(after)
        })
        .await?;
    Ok(after.answer(StatusCode::OK))
}
