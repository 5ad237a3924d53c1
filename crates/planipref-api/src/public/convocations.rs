//! What a convocation link allows its holder: `GET /convocations/current`.

use crate::app::convocations::presented;
use crate::http::error::ApiError;
use crate::http::extract::ConvocationTokenHeader;
use crate::http::headers::NO_STORE;
use crate::http::problem::Problem;
use crate::model::convocation::ConvocationSummary;
use crate::model::convocation::RequiredConvocationTokenParam;
use crate::model::fields::at_site;
use crate::model::site::Site;
use crate::model::site::site_zone;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use planipref_domain::convocation::DayWindow;
use planipref_store::from_db;
use utoipa_actix_web::service_config::ServiceConfig;
/// Read one's convocation
///
/// What the convocation link (header `X-Convocation-Token`) lets its
/// holder book: the motif and site, the days allowed, until when, and
/// whether it is still usable. Then list the motif's slots, hold and book
/// with the same header.
#[utoipa::path(
    tag = "convocations",
    params(RequiredConvocationTokenParam),
    responses(
        crate::http::responses::Unavailable,
        (status = 200, description = "The convocation", body = ConvocationSummary, example = json!(crate::model::convocation::example_convocation_summary())),
        (status = 400, description = "Missing `X-Convocation-Token`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "No convocation has this token (`convocation-invalid`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/convocations/current")]
pub async fn current_convocation(
    state: web::Data<AppState>,
    token: ConvocationTokenHeader,
) -> Result<HttpResponse, ApiError> {
    let token = token.0.ok_or(ApiError::MissingHeader(
        crate::http::extract::CONVOCATION_TOKEN_HEADER,
    ))?;
    let now = state.now();
    let body = state
        .blocking(move |store| {
            let view = presented(store, &token)?;
            let (motif, _, site) = store
                .get_motif(&view.row.motif_id)
                .map_err(ApiError::from)?;
            let tz = site_zone(&site)?;
            let DayWindow { earliest, latest } = view.days();
            Ok(ConvocationSummary {
                state: view.state(now).code().to_owned(),
                motif_id: motif.id,
                motif: motif.label,
                valid_until: at_site(from_db(view.row.valid_until), tz),
                earliest_day: earliest,
                latest_day: latest,
                site: Site::from(site),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header(NO_STORE).json(body))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(current_convocation);
}
