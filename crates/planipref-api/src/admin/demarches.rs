//! The national catalogue, for national administrators: `/admin/demarches`, `/admin/demarches/{code}`.

use crate::app::demarches;
use crate::http::error::ApiError;
use crate::http::error::write_error;
use crate::http::extract::JsonBody;
use crate::http::problem::Problem;
use crate::http::version::IfMatch;
use crate::http::version::IfMatchParam;
use crate::http::version::Versioned as _;
use crate::http::version::versioned;
use crate::model::demarche::Demarche;
use crate::model::demarche::DemarcheChange;
use crate::model::demarche::DemarcheRequest;
use crate::model::demarche::demarche;
use crate::model::demarche::example;
use crate::security::agent::AuthenticatedAgent;
use crate::security::scope::may_administer_nation;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, put, web};
use utoipa_actix_web::service_config::ServiceConfig;
/// Add a démarche to the national catalogue
///
/// National administrators only. Préfectures may then create motifs from
/// it. The code is permanent: service-public.fr's router sends it.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    request_body(content = DemarcheRequest, example = json!({"code": "sejour-duplicata", "label": "Duplicata de titre de séjour", "description": "Remplacement d'un titre perdu, volé ou détérioré.", "documents": ["Déclaration de perte ou de vol", "Passeport en cours de validité", "3 photos d'identité conformes"], "default_duration_minutes": 20})),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::Unavailable,
        (status = 201, description = "Created; `Location` points at it (in the public catalogue)", body = Demarche, headers(("Location" = String, description = "Where it is read"), ("ETag" = String, description = "Its version")), example = json!(example())),
        (status = 403, description = "Not a national administrator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A démarche with that code exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/demarches")]
pub async fn create_demarche(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    JsonBody(body): JsonBody<DemarcheRequest>,
) -> Result<HttpResponse, ApiError> {
    may_administer_nation(&agent)?;
    let (row, audit) = demarches::draft(&body, (&agent, state.now()))?;
    let created = demarche(row.clone(), vec![]);
    state
        .blocking(move |store| {
            store
                .create_demarche(&row, &audit)
                .map_err(|e| write_error(e, "a démarche with that code exists"))
        })
        .await?;
    Ok(created.created_at(&format!("/api/v1/demarches/{}", created.code)))
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
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::VersionErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Changed", body = DemarcheChange, example = json!({"demarche": example(), "motif_fields_updated": 3})),
        (status = 403, description = "Not a national administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such démarche", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed since the version sent (`stale`, with `current_version`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/demarches/{code}")]
pub async fn update_demarche(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    path: web::Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody<DemarcheRequest>,
) -> Result<HttpResponse, ApiError> {
    may_administer_nation(&agent)?;
    let code = path.into_inner();
    if body.code.as_ref().is_some_and(|c| *c != code) {
        return Err(ApiError::invalid("code", "cannot be changed"));
    }
    let now = state.now();
    let change = state
        .blocking(move |store| demarches::update(store, (&agent, now), &code, &body, if_match))
        .await?;
    Ok(versioned(StatusCode::OK, &change, change.demarche.version))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_demarche).service(update_demarche);
}
