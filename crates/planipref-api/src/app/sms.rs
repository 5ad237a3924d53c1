//! An applicant's SMS opt-out.

use chrono::{DateTime, Utc};
use planipref_domain::messages::phone::mobile_e164;
use planipref_store::{ReservationDetail, Store};

use crate::http::error::ApiError;
use crate::model::message::SmsOptOut;

/// Stops SMS to the mobile of `detail`'s applicant (nothing to do when it
/// is not a mobile).
pub fn stop_sms(
    store: &Store,
    detail: &ReservationDetail,
    now: DateTime<Utc>,
) -> Result<SmsOptOut, ApiError> {
    let cancelled = match mobile_e164(&detail.reservation.phone) {
        Some(mobile) => store.opt_out_sms(&mobile, now)?,
        None => 0,
    };
    Ok(SmsOptOut {
        reference: detail.reservation.reference.clone(),
        sms_stopped: true,
        cancelled_messages: u32::try_from(cancelled).unwrap_or(u32::MAX),
    })
}
