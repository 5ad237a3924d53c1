//! Appointments by file number: `GET /hub/searchApplicationIds`.

use crate::app::hub;
use crate::http::error::ApiError;
use crate::http::extract::QueryPairs;
use crate::model::hub::{ApplicationIdsParams, FileAppointment};
use crate::security::hub::HubCaller;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use planipref_domain::hub::check_application_ids;
use utoipa_actix_web::service_config::ServiceConfig;

/// Find the appointments of files
///
/// For each file number named (the foreigner's number, an ANEF or ANTS
/// request number, a NEPH; spaces and hyphens ignored), its coming booked
/// appointments at any site, the earliest first, each with the link where
/// its holder manages it: hubs use it to spot one file booked twice.
/// Keys are the numbers as sent; a file without an appointment has an
/// empty list. Keys repeat without brackets. For national hubs (shared
/// token); nothing of the person is told.
#[utoipa::path(
    tag = "hub", security(("hub_token" = [])),
    params(ApplicationIdsParams),
    responses(
        crate::http::responses::HubErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The appointments, by file number", body = BTreeMap<String, Vec<FileAppointment>>, example = json!(crate::model::hub::example_applications())),
        (status = 422, description = "No file number, too many, or one that is not a file number (`application_ids[1]`)", body = crate::http::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/searchApplicationIds")]
pub async fn search_application_ids(
    state: web::Data<AppState>,
    _hub: HubCaller,
    QueryPairs(pairs): QueryPairs,
) -> Result<HttpResponse, ApiError> {
    let asked = check_application_ids(&pairs)?;
    let now = state.now();
    let hubs = state.hubs.clone();
    let found = state
        .blocking(move |store| {
            hub::applications(store, &hubs.settings().management_url, &asked, now)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(crate::http::headers::NO_STORE)
        .json(found))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(search_application_ids);
}
