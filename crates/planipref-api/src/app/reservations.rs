//! Agents' reads of appointments: in their scope, as they see them.
use crate::http::error::ApiError;
use crate::model::page::Page;
use crate::model::page::page_bounds;
use crate::model::reservation::AgentReservation;
use crate::model::reservation::AgentReservationPage;
use crate::model::reservation::SiteReservationsAsked;
use crate::model::site::site_zone;
use crate::security::scope::may_read;
use chrono::DateTime;
use chrono::Days;
use chrono::Utc;
use planipref_domain::access::Agent;
use planipref_domain::ids::SiteId;
use planipref_domain::reference::Reference;
use planipref_domain::slots::check_range_within;
use planipref_domain::time::local_midnight;
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

/// An appointment as agents see it, with how it was made (its file
/// check, its convocation's dossier).
pub fn agent_view(store: &Store, detail: ReservationDetail) -> Result<AgentReservation, ApiError> {
    let tz = site_zone(&detail.site)?;
    let id = detail
        .reservation
        .id
        .parse()
        .map_err(|_| ApiError::Internal)?;
    let (_, made) = store.counter_facts(id)?;
    Ok(AgentReservation::new(detail.reservation, &detail.motif, tz).made(made.as_ref()))
}

/// The appointments of `site_id` between the days asked (default: today at
/// the site), for an agent who may read the site.
pub fn of_site(
    store: &Store,
    agent: &Agent,
    site_id: SiteId,
    asked: &SiteReservationsAsked,
    now: DateTime<Utc>,
) -> Result<AgentReservationPage, ApiError> {
    let site = store
        .get_site(&site_id.to_string())
        .map_err(|e| ApiError::from_store(e, "site"))?;
    may_read(agent, &site)?;
    let tz = site_zone(&site)?;
    let from = asked
        .from
        .unwrap_or_else(|| now.with_timezone(&tz).date_naive());
    let to = asked.to.unwrap_or(from);
    check_range_within(from, to, MAX_LIST_DAYS)?;
    let bounds = (
        local_midnight(tz, from),
        local_midnight(tz, to + Days::new(1)),
    );
    let found = store.site_reservations(
        &site.id,
        bounds,
        asked.status.as_deref(),
        page_bounds(asked.pages),
    )?;
    Ok(Page::of(found, asked.pages, |(r, m, made)| {
        AgentReservation::new(r, &m, tz).made(made.as_ref())
    }))
}
