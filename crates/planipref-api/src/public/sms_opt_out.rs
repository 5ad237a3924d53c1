//! An applicant stops SMS: `/reservations/{reference}/sms-opt-out`.
use crate::app::booking::authorised;
use crate::http::error::ApiError;
use crate::http::extract::ManagementTokenHeader;
use crate::http::headers::NO_STORE;
use crate::http::problem::Problem;
use crate::model::message::SmsOptOut;
use crate::model::reservation::ManagementTokenParam;
use crate::state::AppState;
use actix_web::{HttpResponse, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

/// Stop SMS
///
/// The applicant asks not to receive SMS any more: their mobile number is
/// recorded as opted out (as a hash, not the number), the SMS still to
/// come to it (reminders, changes) are cancelled, and no other
/// appointment or convocation will send one to it. E-mails are not
/// affected. Needs the management token; asking again changes nothing.
#[utoipa::path(
    tag = "reservations",
    params(
        ("reference" = String, Path, description = "Reservation reference", example = "K7QX-M3PA"),
        ManagementTokenParam,
    ),
    responses(
        crate::http::responses::Unavailable,
        (status = 200, description = "SMS stopped", body = SmsOptOut, example = json!(crate::model::message::example_sms_opt_out())),
        (status = 400, description = "Missing `X-Management-Token`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown reference or wrong token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reservations/{reference}/sms-opt-out")]
pub async fn stop_sms(
    state: web::Data<AppState>,
    path: web::Path<String>,
    token: ManagementTokenHeader,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let answer = state
        .blocking(move |store| {
            let detail = authorised(store, &path, &token.0)?;
            crate::app::sms::stop_sms(store, &detail, now)
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header(NO_STORE).json(answer))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(stop_sms);
}
