//! Agents' reads of appointments: in their scope, as they see them.
use crate::http::error::ApiError;
use crate::model::reservation::AgentReservation;
use crate::model::site::site_zone;
use crate::security::scope::may_read;
use planipref_domain::reference::Reference;
use planipref_store::ReservationDetail;
use planipref_store::Store;

/// Longest range of days one listing covers.
pub const MAX_LIST_DAYS: i64 = 31;

/// The reservation `raw` names, if its site is in the agent's scope.
pub fn readable_reservation(
    store: &Store,
    agent: &planipref_domain::access::Agent,
    raw: &str,
) -> Result<ReservationDetail, ApiError> {
    let reference = Reference::parse(raw).ok_or(ApiError::NotFound("reservation"))?;
    let detail = store
        .find_reservation(&reference)
        .map_err(|e| ApiError::from_store(e, "reservation"))?;
    may_read(agent, &detail.site)?;
    Ok(detail)
}

pub fn agent_view(detail: ReservationDetail) -> Result<AgentReservation, ApiError> {
    let tz = site_zone(&detail.site)?;
    Ok(AgentReservation::new(detail.reservation, &detail.motif, tz))
}
