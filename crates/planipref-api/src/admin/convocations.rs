//! Convocations, for agents: issue, list, read, revoke.

use crate::app::booking::random_bytes;
use crate::app::convocations;
use crate::app::convocations::readable_site;
use crate::app::convocations::validate_issue;
use crate::http::error::ApiError;
use crate::http::extract::JsonBody;
use crate::http::extract::QueryParams;
use crate::http::headers::NO_STORE;
use crate::http::path::PathId;
use crate::http::problem::Problem;
use crate::model::convocation::Convocation;
use crate::model::convocation::ConvocationIssued;
use crate::model::convocation::ConvocationPage;
use crate::model::convocation::ConvocationQuery;
use crate::model::convocation::IssueConvocationRequest;
use crate::model::convocation::RevokeConvocation;
use crate::security::agent::AuthenticatedAgent;
use crate::state::AppState;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, get, post, web};
use planipref_domain::access::check_reason;
use planipref_domain::ids::ConvocationId;
use planipref_domain::ids::SiteId;
use planipref_domain::reference::ManagementToken;
use planipref_store::AuditEntry;
use utoipa_actix_web::service_config::ServiceConfig;
/// Issue a convocation
///
/// Invites a named person to book the motif: the answer's token goes in
/// the link the agent sends. With it, and only for that person (same
/// names and birth date, or the same foreigner file number), the motif's
/// slots are offered and one appointment can be booked, within the days
/// given, until the convocation expires. For agents whose scope covers the
/// motif's site.
#[utoipa::path(
    tag = "convocations",
    security(("bearer" = [])),
    request_body(content = IssueConvocationRequest),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::Unavailable,
        (status = 201, description = "Issued. `Location` points at it.", body = ConvocationIssued,
         headers(("Location" = String, description = "Path of the convocation"), ("Cache-Control" = String, description = "`no-store`: the body holds a secret")),
         example = json!(crate::model::convocation::example_convocation_issued())),
        (status = 403, description = "The motif's site is outside the agent's scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such motif", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (`motif_id`, `person.*`, `valid_days`, `earliest_day`, `latest_day`, `ds_dossier_number`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/convocations")]
pub async fn issue_convocation(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    JsonBody(body): JsonBody<IssueConvocationRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let (motif_id, person, sending) = validate_issue(&body, now)?;
    let token = ManagementToken::from_random_bytes(&random_bytes()?);
    let (given, key) = (token.clone(), state.outbox_key.clone());
    let issued = state
        .blocking(move |store| {
            convocations::issue(
                store,
                (&agent, now),
                (motif_id, person, &sending),
                (&given, &key),
                &body,
            )
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            LOCATION,
            format!("/api/v1/admin/convocations/{}", issued.id),
        ))
        .insert_header(NO_STORE)
        .json(ConvocationIssued {
            token: token.expose().to_owned(),
            convocation: issued,
        }))
}

/// A site's convocations
///
/// The convocations issued for a site's motifs, latest first, with their
/// state, filtered by motif and state. For agents whose scope covers the
/// site.
#[utoipa::path(
    tag = "convocations",
    security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site"), ConvocationQuery),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The convocations", body = ConvocationPage,
         example = json!({"items": [crate::model::convocation::example_convocation()], "total": 1, "page": 1, "per_page": 50})),
        (status = 403, description = "The site is outside the agent's scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `motif_id`, `state`, `page` or `per_page`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sites/{site_id}/convocations")]
pub async fn site_convocations(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    PathId(site_id): PathId<SiteId>,
    QueryParams(q): QueryParams<ConvocationQuery>,
) -> Result<HttpResponse, ApiError> {
    let asked = q.check()?;
    let now = state.now();
    let page = state
        .blocking(move |store| convocations::of_site(store, &agent, site_id, &asked, now))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// A convocation
///
/// One convocation, with its state and the appointment it booked. For
/// agents whose scope covers its site.
#[utoipa::path(
    tag = "convocations",
    security(("bearer" = [])),
    params(("convocation_id" = String, Path, format = Uuid, description = "Convocation", example = "5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f")),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The convocation", body = Convocation, example = json!(crate::model::convocation::example_convocation())),
        (status = 403, description = "Its site is outside the agent's scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such convocation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/convocations/{convocation_id}")]
pub async fn get_convocation(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    PathId(id): PathId<ConvocationId>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let body = state
        .blocking(move |store| {
            let view = store
                .convocation(id)
                .map_err(|e| ApiError::from_store(e, "convocation"))?;
            let (tz, _) = readable_site(store, &agent, &view.row.site_id)?;
            Ok(Convocation::new(view, tz, now))
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// Revoke a convocation
///
/// Withdraws a convocation: its link books nothing any more. An
/// appointment it already booked stays (cancel it separately). Revoking a
/// revoked convocation changes nothing. The reason is mandatory.
#[utoipa::path(
    tag = "convocations",
    security(("bearer" = [])),
    params(("convocation_id" = String, Path, format = Uuid, description = "Convocation", example = "5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f")),
    request_body(content = RevokeConvocation),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::BodyErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "Revoked", body = Convocation, example = json!(crate::model::convocation::example_convocation())),
        (status = 403, description = "Its site is outside the agent's scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such convocation", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or invalid `reason`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/convocations/{convocation_id}/revoke")]
pub async fn revoke_convocation(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    PathId(id): PathId<ConvocationId>,
    JsonBody(body): JsonBody<RevokeConvocation>,
) -> Result<HttpResponse, ApiError> {
    let reason = check_reason(&body.reason).map_err(|e| ApiError::Validation(vec![e]))?;
    let now = state.now();
    let body = state
        .blocking(move |store| {
            let view = store
                .convocation(id)
                .map_err(|e| ApiError::from_store(e, "convocation"))?;
            let (tz, site) = readable_site(store, &agent, &view.row.site_id)?;
            let audit = AuditEntry {
                before: crate::app::audit::json(
                    &serde_json::json!({"state": view.state(now).code()}),
                ),
                after: crate::app::audit::json(
                    &serde_json::json!({"state": "revoked", "reason": reason}),
                ),
                ..crate::app::audit::site_entry(
                    &agent,
                    &site,
                    "convocation",
                    &view.row.id,
                    "updated",
                    now,
                )
            };
            let view = store
                .revoke_convocation(id, (&agent.actor(), &reason), now, &audit)
                .map_err(|e| ApiError::from_store(e, "convocation"))?;
            Ok(Convocation::new(view, tz, now))
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(issue_convocation)
        .service(site_convocations)
        .service(get_convocation)
        .service(revoke_convocation);
}
