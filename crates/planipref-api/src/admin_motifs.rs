//! Motifs: what a site books. A motif is created from a démarche of the
//! national catalogue (fields left out follow its defaults, now and when
//! they change) or on its own; its persons, instructions and booking mode
//! are always the préfecture's.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, put, web};
use chrono::Utc;
use planipref_domain::ids::{MotifId, ServiceId};
use planipref_domain::motif::{MotifSettings, MotifSettingsInput};
use planipref_domain::referentiel::{MotifInput, NationalDefaults, resolve_motif};
use planipref_store::AuditEntry;
use planipref_store::StoreError;
use planipref_store::models::{DemarcheRow, MotifRow};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::admin_referentiel::{audit, authorise, write_error};
use crate::auth::AuthenticatedAgent;
use crate::dto::Motif;
use crate::error::{ApiError, Problem};
use crate::extract::JsonBody;
use crate::state::AppState;
use crate::version::{IfMatch, IfMatchParam, Versioned as _};

/// A motif's settings. On creation, fields that a démarche provides
/// (label, description, documents, duration, booking rules) follow it when
/// left out. On change (`PUT`), those fields left out follow the démarche
/// again (national defaults for booking rules of a motif without one),
/// while the motif's own settings (persons, instructions, booking mode)
/// left out keep their value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MotifRequest {
    /// The démarche it books (`GET /api/v1/demarches`); on creation only.
    #[serde(default)]
    #[schema(example = "sejour-renouvellement")]
    pub demarche_code: Option<String>,
    /// Label shown to applicants, unique in the service; required without a démarche.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 150, example = json!(null))]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub label: Option<String>,
    /// What to know.
    #[serde(default)]
    #[schema(max_length = 4000, example = json!(null))]
    #[schema(pattern = "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]*$")]
    pub description: Option<String>,
    /// Documents to bring, one per line (at most 30, 300 characters each).
    #[serde(default)]
    #[schema(example = json!(null))]
    #[schema(schema_with = crate::patterns::documents)]
    pub documents: Option<Vec<String>>,
    /// Length of one appointment: a multiple of 5 minutes, 5 to 240; required without a démarche.
    #[serde(default)]
    #[schema(minimum = 5, maximum = 240, multiple_of = 5, example = 20)]
    pub duration_minutes: Option<u32>,
    /// Slots open this many days ahead (1–366; national default 90).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 366, example = 90)]
    pub booking_window_days: Option<u32>,
    /// Booking closes this many hours before a slot (0–720; national default 24).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 720, example = 24)]
    pub min_notice_hours: Option<u32>,
    /// The applicant may cancel online until this many hours before (0–720; national default 24).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 720, example = 24)]
    pub cancellation_deadline_hours: Option<u32>,
    /// Most persons one appointment may be for (1–10; default 1).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 10, example = 1)]
    pub max_persons: Option<u32>,
    /// Whether each person beyond the first adds the duration (default
    /// false); the longest group appointment is then 480 minutes.
    #[serde(default)]
    #[schema(example = false)]
    pub duration_per_person: Option<bool>,
    /// What the applicant is told once booked (at most 4000 characters).
    #[serde(default)]
    #[schema(
        max_length = 4000,
        example = "Présentez-vous 10 minutes avant l'heure, porte B."
    )]
    #[schema(pattern = "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]*$")]
    pub instructions: Option<String>,
    /// `online` (default) or `convocation_only`.
    #[serde(default)]
    #[schema(value_type = Option<crate::codes::BookingMode>, example = "online")]
    pub booking_mode: Option<String>,
    /// Minutes between two start times of a plage: a multiple of 5, 5 to
    /// 240. Shorter than the duration, consecutive starts overlap (several
    /// guichets take turns); longer, the guichet has a pause between
    /// appointments. `null` returns to the duration (the default); left
    /// out, it keeps its value.
    #[serde(default, deserialize_with = "crate::dto::present")]
    #[schema(value_type = Option<u32>, nullable, minimum = 5, maximum = 240, multiple_of = 5, example = 15)]
    pub step_minutes: Option<Option<u32>>,
    /// Whether one person may hold only one coming appointment of this
    /// motif's démarche (nationally; compared by foreigner file number, else
    /// by names and birth date without case, accents or spaces). Default
    /// true; false for démarches a family books several times.
    #[serde(default)]
    #[schema(example = true)]
    pub refuse_doublons: Option<bool>,
    /// Whether it is searched, held and booked only with the router's
    /// signed context (`X-Planipref-Context`, from service-public.fr).
    /// Default false.
    #[serde(default)]
    #[schema(example = false)]
    pub requires_context: Option<bool>,
}

impl MotifRequest {
    fn input(&self) -> MotifInput<'_> {
        MotifInput {
            label: self.label.as_deref(),
            description: self.description.as_deref(),
            documents: self.documents.as_deref(),
            duration_minutes: self.duration_minutes,
            booking_window_days: self.booking_window_days,
            min_notice_hours: self.min_notice_hours,
            cancellation_deadline_hours: self.cancellation_deadline_hours,
        }
    }

    fn settings(&self) -> MotifSettingsInput<'_> {
        MotifSettingsInput {
            max_persons: self.max_persons,
            duration_per_person: self.duration_per_person,
            instructions: self.instructions.as_deref(),
            booking_mode: self.booking_mode.as_deref(),
            step_minutes: self.step_minutes,
            refuse_doublons: self.refuse_doublons,
            requires_context: self.requires_context,
        }
    }
}

/// A démarche's defaults, as the domain reads them.
pub(crate) fn national<'a>(d: &'a DemarcheRow, documents: &'a [String]) -> NationalDefaults<'a> {
    NationalDefaults {
        label: &d.label,
        description: &d.description,
        documents,
        duration_minutes: u32::try_from(d.default_duration_minutes).unwrap_or(0),
        rules: d.default_rules(),
    }
}

/// `row` with the fields sent resolved against its démarche, and its own
/// settings updated; every invalid field reported at once.
fn resolved(
    mut row: MotifRow,
    body: &MotifRequest,
    demarche: Option<&DemarcheRow>,
) -> Result<MotifRow, ApiError> {
    let documents = demarche.map(DemarcheRow::document_list).unwrap_or_default();
    let motif = resolve_motif(body.input(), demarche.map(|d| national(d, &documents)));
    // Settings are checked against the resolved duration, or the one sent.
    let duration = motif
        .as_ref()
        .map(|m| m.duration_minutes)
        .unwrap_or_else(|_| body.duration_minutes.unwrap_or(0));
    let settings = row.settings().updated(body.settings(), duration);
    let (motif, settings) = planipref_domain::DomainError::both(motif, settings)?;
    row.set_resolved(motif);
    row.set_settings(settings);
    Ok(row)
}

/// Create a motif
///
/// Adds a motif to a service, usually from a démarche of the national
/// catalogue: what is left out follows the démarche. Administrators of the
/// site's département only.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("service_id" = String, Path, format = Uuid, description = "Service identifier", example = "0b8f2f0a-3b1c-4a57-8f3e-6e1f8d7c2b10")),
    request_body(content = MotifRequest, example = json!({"demarche_code": "sejour-renouvellement", "instructions": "Présentez-vous 10 minutes avant l'heure, porte B."})),
    responses(
        (status = 201, description = "Created; `Location` points at it", body = Motif, headers(("Location" = String, description = "Where it is read"), ("ETag" = String, description = "Its version")), example = json!(crate::examples::motif())),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such service", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A motif with that label exists in the service", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (label, duration, documents, persons, booking mode…)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[post("/admin/services/{service_id}/motifs")]
pub async fn create_motif(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
    JsonBody(body): JsonBody<MotifRequest>,
) -> Result<HttpResponse, ApiError> {
    let service_id: ServiceId = path.parse().map_err(|_| ApiError::NotFound("service"))?;
    let agent = agent.0;
    let motif = state
        .blocking(move |store| {
            let (service, site) = store
                .get_service(&service_id.to_string())
                .map_err(|e| ApiError::from_store(e, "service"))?;
            authorise(&agent, &site)?;
            let demarche = match body.demarche_code.as_deref() {
                None => None,
                Some(code) => Some(store.get_demarche(code).map_err(|e| match e {
                    StoreError::NotFound => ApiError::invalid(
                        "demarche_code",
                        "no such démarche in the national catalogue",
                    ),
                    other => ApiError::from(other),
                })?),
            };
            let new = blank(
                service.id.clone(),
                demarche.as_ref().map(|d| d.code.clone()),
            );
            let row = resolved(new, &body, demarche.as_ref())?;
            let motif = Motif::from_rows(row.clone(), service);
            let audit = audit(&agent, &site, "motif", &row.id, &motif);
            store
                .create_motif(&row, demarche.as_ref().map(|d| d.revision), &audit)
                .map_err(|e| write_error(e, "a motif with that label exists in this service"))?;
            Ok(motif)
        })
        .await?;
    Ok(motif.created_at(&format!("/api/v1/admin/motifs/{}", motif.id)))
}

/// A motif of `service_id` with every field still to set.
fn blank(service_id: String, demarche_code: Option<String>) -> MotifRow {
    let mut row = MotifRow {
        revision: 1,
        id: MotifId::new_random().to_string(),
        service_id,
        label: String::new(),
        description: String::new(),
        duration_minutes: 0,
        created_at: planipref_store::to_db(Utc::now()),
        demarche_code,
        label_overridden: true,
        description_overridden: true,
        duration_overridden: true,
        booking_window_days: 0,
        min_notice_hours: 0,
        cancellation_deadline_hours: 0,
        documents: String::new(),
        documents_overridden: true,
        booking_window_overridden: true,
        min_notice_overridden: true,
        cancellation_deadline_overridden: true,
        max_persons: 0,
        duration_per_person: false,
        instructions: String::new(),
        booking_mode: String::new(),
        step_minutes: None,
        refuse_doublons: true,
        requires_context: false,
    };
    row.set_settings(MotifSettings::default());
    row
}

/// Change a motif
///
/// Replaces a motif's settings, from the version read (`If-Match`). Fields a
/// démarche provides override it when
/// sent and follow it again when left out; the motif's own settings
/// (persons, instructions, booking mode) left out keep their value. Booked
/// appointments keep their times; new slots use the new duration.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(("motif_id" = String, Path, format = Uuid, description = "Motif identifier", example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00"), IfMatchParam),
    request_body(content = MotifRequest, example = json!({"label": "Remise de titre (Saint-Paul)", "duration_minutes": 20, "max_persons": 4, "duration_per_person": true})),
    responses(
        (status = 200, description = "Changed", body = Motif, example = json!(crate::examples::motif())),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such motif", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A motif with that label exists in the service, or it changed since the version sent (`stale`, with `current_version`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or a démarche code (set on creation only)", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No `If-Match`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[put("/admin/motifs/{motif_id}")]
pub async fn update_motif(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    path: web::Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<MotifRequest>,
) -> Result<HttpResponse, ApiError> {
    let motif_id: MotifId = path.parse().map_err(|_| ApiError::NotFound("motif"))?;
    let agent = agent.0;
    let motif = state
        .blocking(move |store| {
            let (before, service, site) = store
                .get_motif(&motif_id.to_string())
                .map_err(|e| ApiError::from_store(e, "motif"))?;
            authorise(&agent, &site)?;
            if body
                .demarche_code
                .as_ref()
                .is_some_and(|c| before.demarche_code.as_ref() != Some(c))
            {
                return Err(ApiError::invalid(
                    "demarche_code",
                    "is set when the motif is created; create another motif for another démarche",
                ));
            }
            let demarche = before
                .demarche_code
                .as_deref()
                .map(|code| store.get_demarche(code))
                .transpose()
                .map_err(ApiError::from)?;
            let after = MotifRow {
                revision: if_match.0,
                ..resolved(before.clone(), &body, demarche.as_ref())?
            };
            let after_dto = Motif {
                version: if_match.next(),
                ..Motif::from_rows(after.clone(), service.clone())
            };
            let audit = AuditEntry {
                action: "updated",
                before: crate::audit::json(&Motif::from_rows(before, service)),
                ..audit(&agent, &site, "motif", &after.id, &after_dto)
            };
            store
                .update_motif(&after, demarche.as_ref().map(|d| d.revision), &audit)
                .map_err(|e| write_error(e, "a motif with that label exists in this service"))?;
            Ok(after_dto)
        })
        .await?;
    Ok(motif.answer(StatusCode::OK))
}
