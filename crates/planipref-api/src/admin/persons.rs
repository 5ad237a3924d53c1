//! A person's legal requests: `/admin/persons` (everything held on them)
//! and `/admin/persons/erase`.

use crate::app::persons;
use crate::http::error::ApiError;
use crate::http::extract::JsonBody;
use crate::http::extract::QueryParams;
use crate::http::headers::NO_STORE;
use crate::http::problem::Problem;
use crate::model::person::EraseRequest;
use crate::model::person::Erased;
use crate::model::person::PersonExport;
use crate::model::person::PersonQuery;
use crate::model::person::example_export;
use crate::security::agent::AuthenticatedAgent;
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

/// Everything held on a person
///
/// For a legal request (RGPD, right of access): the appointments of the
/// person of one reference, or of everyone filed under a file number, with
/// their identity, history and messages (not their content), and their
/// convocations. For agents whose scope covers every site involved;
/// audited (`read`).
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(PersonQuery),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "What is held", body = PersonExport,
         headers(("Cache-Control" = String, description = "`no-store`: personal data")), example = json!(example_export())),
        (status = 404, description = "Nothing held on that person", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither or both of `reference` and `file_number`, or a file number in no system's format (10 to 20 letters and digits)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/persons")]
pub async fn export_person(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    QueryParams(q): QueryParams<PersonQuery>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let person = persons::person(q.reference.as_deref(), q.file_number.as_deref())
        .map_err(|e| ApiError::Validation(vec![e]))?;
    let export = state
        .blocking(move |store| persons::export(store, (&agent, now), &person))
        .await?;
    Ok(HttpResponse::Ok().insert_header(NO_STORE).json(export))
}

/// Erase a person
///
/// On a legal request (RGPD, right to erasure), with its grounds: the
/// identity and contact of the person of one reference, or of everyone
/// filed under a file number, are erased from their appointments and
/// convocations at once, and their pending messages cancelled. The
/// appointments stay, without anyone, for the statistics. For agents whose
/// scope covers every site involved; audited with the grounds.
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    request_body(content = EraseRequest),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Erased (again: 0 each)", body = Erased, example = json!({"reservations": 1, "convocations": 0})),
        (status = 404, description = "Nothing held on that person", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `reason`, or neither or both of `reference` and `file_number`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/persons/erase")]
pub async fn erase_person(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    JsonBody(body): JsonBody<EraseRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let erased = state
        .blocking(move |store| persons::erase(store, (&agent, now), &body))
        .await?;
    Ok(HttpResponse::Ok().json(erased))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(export_person).service(erase_person);
}
