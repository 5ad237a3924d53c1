//! Free times by meeting point: `GET /hub/availableTimeSlots`.

use crate::app::hub;
use crate::http::error::ApiError;
use crate::http::extract::QueryPairs;
use crate::model::hub::{TimeSlot, TimeSlotsParams};
use crate::security::hub::HubCaller;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use planipref_domain::hub::check_time_slots_query;
use utoipa_actix_web::service_config::ServiceConfig;

/// List free times by meeting point
///
/// For each meeting point named, the times at which the démarche `reason`
/// can be booked for `documents_number` persons between two local days:
/// exactly the starts the public slot list offers (same rules: booking
/// window, minimum notice, motifs booked by the public on their own — not
/// with a convocation, nor only through service-public.fr's router), the
/// earliest first, each with the link where the applicant books it. Keys
/// are the meeting points' ids; a site without the démarche has an empty
/// list; an unknown id is left out. Keys repeat without brackets. For
/// national hubs (shared token), answered within their 15 s timeout.
#[utoipa::path(
    tag = "hub", security(("hub_token" = [])),
    params(TimeSlotsParams),
    responses(
        crate::http::responses::HubErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The free times, by meeting point", body = BTreeMap<String, Vec<TimeSlot>>, example = json!(crate::model::hub::example_time_slots())),
        (status = 422, description = "A parameter is missing or invalid, each named (`meeting_point_ids[0]`, `start_date`, `end_date`, `reason`, `documents_number`)", body = crate::http::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/availableTimeSlots")]
pub async fn available_time_slots(
    state: web::Data<AppState>,
    _hub: HubCaller,
    QueryPairs(pairs): QueryPairs,
) -> Result<HttpResponse, ApiError> {
    let asked = check_time_slots_query(&pairs)?;
    let booking_url = &state.hubs.settings().booking_url;
    let times =
        hub::time_slots(&state.store, &state.cache, booking_url, asked, state.now()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(crate::http::headers::NO_STORE)
        .json(times))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(available_time_slots);
}
