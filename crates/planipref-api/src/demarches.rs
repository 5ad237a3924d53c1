//! The national catalogue of démarches: read by everyone, edited by
//! national administrators; motifs created from a démarche follow its
//! defaults unless they override them.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, put, web};
use chrono::Utc;
use planipref_domain::FieldError;
use planipref_domain::access::Agent;
use planipref_domain::error::Collector;
use planipref_domain::motif::{check_demarche_code, check_documents};
use planipref_domain::referentiel::{BookingRules, check_description, check_duration, check_name};
use planipref_store::AuditEntry;
use planipref_store::models::{DemarcheRow, documents_to_json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin_referentiel::write_error;
use crate::auth::AuthenticatedAgent;
use crate::dto::{PageInfo, Pagination};
use crate::error::{ApiError, Problem};
use crate::extract::{JsonBody, QueryParams};
use crate::state::AppState;
use crate::version::{IfMatch, IfMatchParam, Versioned as _, versioned};

/// A démarche of the national catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct Demarche {
    /// The code service-public.fr's router speaks.
    #[schema(example = "sejour-renouvellement")]
    pub code: String,
    /// Label.
    #[schema(example = "Renouvellement de titre de séjour")]
    pub label: String,
    /// What it is and what to bring, by default.
    #[schema(example = "Renouvellement d'une carte de séjour, lorsqu'il ne se fait pas en ligne.")]
    pub description: String,
    /// Documents to bring, by default.
    #[schema(example = json!(["Titre de séjour en cours", "Passeport en cours de validité"]))]
    pub documents: Vec<String>,
    /// Default length of an appointment, in minutes.
    #[schema(example = 30)]
    pub default_duration_minutes: i32,
    /// Slots open this many days ahead, by default.
    #[schema(example = 90)]
    pub default_booking_window_days: i32,
    /// Booking closes this many hours before a slot, by default.
    #[schema(example = 24)]
    pub default_min_notice_hours: i32,
    /// Online cancellation closes this many hours before, by default.
    #[schema(example = 24)]
    pub default_cancellation_deadline_hours: i32,
    /// The sites that book it.
    #[schema(example = json!(["4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"]))]
    pub site_ids: Vec<String>,
    /// Its version (also its `ETag`), raised by each change: national
    /// administrators send it in `If-Match` to change its defaults.
    #[schema(example = 1, minimum = 1)]
    pub version: i32,
}

crate::version::versioned_by_field!(Demarche);

fn demarche(d: DemarcheRow, site_ids: Vec<String>) -> Demarche {
    Demarche {
        version: d.revision,
        documents: d.document_list(),
        code: d.code,
        label: d.label,
        description: d.description,
        default_duration_minutes: d.default_duration_minutes,
        default_booking_window_days: d.default_booking_window_days,
        default_min_notice_hours: d.default_min_notice_hours,
        default_cancellation_deadline_hours: d.default_cancellation_deadline_hours,
        site_ids,
    }
}

fn example() -> serde_json::Value {
    serde_json::json!({
        "code": "sejour-renouvellement",
        "label": "Renouvellement de titre de séjour",
        "description": "Renouvellement d'une carte de séjour, lorsqu'il ne se fait pas en ligne.",
        "documents": ["Titre de séjour en cours", "Passeport en cours de validité", "Justificatif de domicile de moins de 3 mois", "3 photos d'identité conformes"],
        "default_duration_minutes": 30,
        "default_booking_window_days": 90,
        "default_min_notice_hours": 24,
        "default_cancellation_deadline_hours": 24,
        "site_ids": ["4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"],
        "version": 1
    })
}

/// A page of démarches.
#[derive(Debug, Serialize, ToSchema)]
pub struct DemarchePage {
    /// By code.
    pub items: Vec<Demarche>,
    /// Where this page stands.
    #[serde(flatten)]
    pub page: PageInfo,
}

/// List the démarches
///
/// The national catalogue: every démarche préfectures receive the public
/// for, with its default duration and the sites that book it. Public.
#[utoipa::path(
    tag = "demarches",
    params(Pagination),
    responses(
        (status = 200, description = "A page of démarches", body = DemarchePage, example = json!({"items": [example()], "page": 1, "per_page": 50, "total": 1})),
        (status = 400, description = "Unreadable query", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid page", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
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
        (status = 200, description = "The démarche", body = Demarche, example = json!(example())),
        (status = 404, description = "No such démarche", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
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

/// National defaults of a démarche.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DemarcheRequest {
    /// Its code, as service-public.fr's router sends it: lower-case words
    /// joined by hyphens, 3 to 64 characters. Required on creation, never
    /// changed afterwards.
    #[serde(default)]
    #[schema(
        min_length = 3,
        max_length = 64,
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        example = "sejour-renouvellement"
    )]
    pub code: Option<String>,
    /// Label.
    #[schema(
        min_length = 1,
        max_length = 150,
        example = "Renouvellement de titre de séjour"
    )]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub label: String,
    /// What it is and what to bring.
    #[serde(default)]
    #[schema(
        max_length = 4000,
        example = "Renouvellement d'une carte de séjour, lorsqu'il ne se fait pas en ligne."
    )]
    #[schema(pattern = "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]*$")]
    pub description: String,
    /// Documents to bring, one per line (at most 30, 300 characters each).
    #[serde(default)]
    #[schema(example = json!(["Titre de séjour en cours", "Passeport en cours de validité"]))]
    #[schema(schema_with = crate::patterns::documents)]
    pub documents: Vec<String>,
    /// Default length of an appointment: a multiple of 5 minutes, 5 to 240.
    #[schema(minimum = 5, maximum = 240, multiple_of = 5, example = 30)]
    pub default_duration_minutes: u32,
    /// Slots open this many days ahead (1–366; 90 when left out).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 366, example = 90)]
    pub default_booking_window_days: Option<u32>,
    /// Booking closes this many hours before a slot (0–720; 24 when left out).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 720, example = 24)]
    pub default_min_notice_hours: Option<u32>,
    /// Online cancellation closes this many hours before (0–720; 24 when left out).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 720, example = 24)]
    pub default_cancellation_deadline_hours: Option<u32>,
}

/// The checked defaults of a démarche, written into `row`.
fn apply(mut row: DemarcheRow, body: &DemarcheRequest) -> Result<DemarcheRow, ApiError> {
    let mut c = Collector::default();
    let label = c.take(check_name("label", &body.label, 150));
    let description = c.take(check_description("description", &body.description, 4000));
    let documents = c.take(check_documents("documents", &body.documents));
    let duration = c.take(check_duration(
        "default_duration_minutes",
        body.default_duration_minutes,
    ));
    let rules = BookingRules::default()
        .overridden_by(
            body.default_booking_window_days,
            body.default_min_notice_hours,
            body.default_cancellation_deadline_hours,
        )
        .check();
    let rules = match rules {
        Ok(r) => Some(r),
        Err(planipref_domain::DomainError::Invalid(errors)) => {
            for e in errors {
                c.push(FieldError::new(format!("default_{}", e.field), e.message));
            }
            None
        }
        Err(other) => return Err(other.into()),
    };
    c.finish()?;
    let (Some(label), Some(description), Some(documents), Some(duration), Some(rules)) =
        (label, description, documents, duration, rules)
    else {
        return Err(ApiError::Internal);
    };
    row.label = label;
    row.description = description;
    row.documents = documents_to_json(&documents);
    row.default_duration_minutes = i32::try_from(duration).map_err(|_| ApiError::Internal)?;
    row.set_default_rules(rules);
    Ok(row)
}

fn national_audit(agent: &Agent, code: &str, action: &'static str) -> AuditEntry {
    crate::audit::entry(agent, "demarche", code, action)
}

/// Add a démarche to the national catalogue
///
/// National administrators only. Préfectures may then create motifs from
/// it. The code is permanent: service-public.fr's router sends it.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    request_body(content = DemarcheRequest, example = json!({"code": "sejour-duplicata", "label": "Duplicata de titre de séjour", "description": "Remplacement d'un titre perdu, volé ou détérioré.", "documents": ["Déclaration de perte ou de vol", "Passeport en cours de validité", "3 photos d'identité conformes"], "default_duration_minutes": 20})),
    responses(
        (status = 201, description = "Created; `Location` points at it (in the public catalogue)", body = Demarche, headers(("Location" = String, description = "Where it is read"), ("ETag" = String, description = "Its version")), example = json!(example())),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a national administrator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A démarche with that code exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[post("/admin/demarches")]
pub async fn create_demarche(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    JsonBody(body): JsonBody<DemarcheRequest>,
) -> Result<HttpResponse, ApiError> {
    if !agent.0.can_administer_nation() {
        return Err(ApiError::Forbidden);
    }
    let code = match body.code.as_deref() {
        Some(code) => check_demarche_code(code),
        None => Err(FieldError::new("code", "is required")),
    };
    let now = planipref_store::to_db(Utc::now());
    let blank = DemarcheRow {
        code: body.code.clone().unwrap_or_default(),
        label: String::new(),
        description: String::new(),
        default_duration_minutes: 0,
        created_at: now,
        updated_at: now,
        documents: String::new(),
        default_booking_window_days: 0,
        default_min_notice_hours: 0,
        default_cancellation_deadline_hours: 0,
        revision: 1,
    };
    let row = match (code, apply(blank, &body)) {
        (Ok(_), Ok(row)) => row,
        (code, row) => {
            let mut errors: Vec<FieldError> = code.err().into_iter().collect();
            if let Err(ApiError::Validation(more)) = row {
                errors.extend(more);
            }
            return Err(ApiError::Validation(errors));
        }
    };
    let created = demarche(row.clone(), vec![]);
    let audit = AuditEntry {
        after: crate::audit::json(&created),
        ..national_audit(&agent.0, &row.code, "created")
    };
    state
        .blocking(move |store| {
            store
                .create_demarche(&row, &audit)
                .map_err(|e| write_error(e, "a démarche with that code exists"))
        })
        .await?;
    Ok(created.created_at(&format!("/api/v1/demarches/{}", created.code)))
}

/// A démarche after a change of its defaults.
#[derive(Debug, Serialize, ToSchema)]
pub struct DemarcheChange {
    /// The démarche.
    pub demarche: Demarche,
    /// How many motif fields followed the change (fields motifs did not override).
    #[schema(example = 3)]
    pub motif_fields_updated: usize,
}

/// Change a démarche's national defaults
///
/// National administrators only, from the version read (`If-Match`). Every
/// motif created from the démarche that
/// did not override a field (label, description, documents, duration,
/// booking rules) takes its new default in the same transaction; overridden
/// fields keep the préfecture's value. Booking rules left out return to the
/// national defaults (90 days, 24 hours, 24 hours).
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("code" = String, Path, description = "Démarche code", example = "sejour-renouvellement"), IfMatchParam),
    request_body(content = DemarcheRequest, example = json!({"label": "Renouvellement de titre de séjour", "description": "Renouvellement d'une carte de séjour, lorsqu'il ne se fait pas en ligne.", "documents": ["Titre de séjour en cours", "Passeport en cours de validité"], "default_duration_minutes": 30, "default_booking_window_days": 60})),
    responses(
        (status = 200, description = "Changed", body = DemarcheChange, example = json!({"demarche": example(), "motif_fields_updated": 3})),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a national administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such démarche", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed since the version sent (`stale`, with `current_version`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No `If-Match`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[put("/admin/demarches/{code}")]
pub async fn update_demarche(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<DemarcheRequest>,
) -> Result<HttpResponse, ApiError> {
    if !agent.0.can_administer_nation() {
        return Err(ApiError::Forbidden);
    }
    let code = path.into_inner();
    if body.code.as_ref().is_some_and(|c| *c != code) {
        return Err(ApiError::invalid("code", "cannot be changed"));
    }
    let agent = agent.0;
    let change = state
        .blocking(move |store| {
            let before = store
                .get_demarche(&code)
                .map_err(|e| ApiError::from_store(e, "démarche"))?;
            let after = DemarcheRow {
                updated_at: planipref_store::to_db(Utc::now()),
                revision: if_match.0,
                ..apply(before.clone(), &body)?
            };
            let audit = AuditEntry {
                before: crate::audit::json(&demarche(before.clone(), vec![])),
                after: crate::audit::json(&Demarche {
                    version: if_match.next(),
                    ..demarche(after.clone(), vec![])
                }),
                ..national_audit(&agent, &before.code, "updated")
            };
            let updated = store
                .update_demarche(&before, &after, &audit)
                .map_err(|e| write_error(e, "conflicting démarche"))?;
            let sites = store
                .list_demarches()
                .map_err(ApiError::from)?
                .into_iter()
                .find(|(d, _)| d.code == after.code)
                .map(|(_, s)| s)
                .unwrap_or_default();
            Ok(DemarcheChange {
                demarche: Demarche {
                    version: if_match.next(),
                    ..demarche(after, sites)
                },
                motif_fields_updated: updated,
            })
        })
        .await?;
    Ok(versioned(StatusCode::OK, &change, change.demarche.version))
}
