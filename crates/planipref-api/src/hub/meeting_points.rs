//! The meeting points: `GET /hub/getManagedMeetingPoints`.

use crate::app::hub;
use crate::http::error::ApiError;
use crate::model::hub::MeetingPoint;
use crate::security::hub::HubCaller;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

/// List the meeting points
///
/// Every site whose location its administrators set, with its address,
/// coordinates (WGS 84) and page: where applicants can be received. A site
/// without a location is not listed. For national hubs (shared token).
#[utoipa::path(
    tag = "hub", security(("hub_token" = [])),
    responses(
        crate::http::responses::HubErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The meeting points", body = Vec<MeetingPoint>, example = json!(crate::model::hub::example_meeting_points())),
    )
)]
#[get("/getManagedMeetingPoints")]
pub async fn managed_meeting_points(
    state: web::Data<AppState>,
    _hub: HubCaller,
) -> Result<HttpResponse, ApiError> {
    let points = state.blocking(hub::meeting_points).await?;
    Ok(HttpResponse::Ok().json(points))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(managed_meeting_points);
}
