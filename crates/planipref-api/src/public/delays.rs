//! The public délai of a démarche: `/demarches/{code}/delays`.

use crate::app::delays;
use crate::http::error::ApiError;
use crate::http::extract::QueryParams;
use crate::http::problem::Problem;
use crate::model::stats::DelaysQuery;
use crate::model::stats::DemarcheDelays;
use crate::model::stats::example_delays;
use crate::state::AppState;
use actix_web::http::header::CACHE_CONTROL;
use actix_web::{HttpResponse, get, web};
use planipref_domain::FieldError;
use planipref_domain::ids::DepartementCode;
use utoipa_actix_web::service_config::ServiceConfig;

/// How long the answer may be kept by caches: the figures change once a
/// day per motif.
const MAX_AGE_SECONDS: u32 = 300;

/// How long before an appointment, per site
///
/// For a démarche in a département: each site offering it online, with
/// today's délai (days from today to its first free slot, sampled every
/// morning) and the median of the last 30 days, for service-public.fr to
/// show before the applicant searches. No personal data; cacheable five
/// minutes.
#[utoipa::path(
    tag = "demarches",
    params(("code" = String, Path, description = "Démarche code", example = "sejour-renouvellement"), DelaysQuery),
    responses(
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The délai per site", body = DemarcheDelays,
         headers(("Cache-Control" = String, description = "`public, max-age=300`")), example = json!(example_delays())),
        (status = 404, description = "No such démarche", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `departement`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/demarches/{code}/delays")]
pub async fn demarche_delays(
    state: web::Data<AppState>,
    path: web::Path<String>,
    QueryParams(q): QueryParams<DelaysQuery>,
) -> Result<HttpResponse, ApiError> {
    let departement = DepartementCode::parse(q.departement.trim()).ok_or_else(|| {
        ApiError::Validation(vec![FieldError::new(
            "departement",
            "must be a département code such as 93, 2A or 974",
        )])
    })?;
    let (code, now) = (path.into_inner(), state.now());
    let answer = state
        .blocking(move |store| delays::of_demarche(store, &code, &departement, now))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, format!("public, max-age={MAX_AGE_SECONDS}")))
        .json(answer))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(demarche_delays);
}
