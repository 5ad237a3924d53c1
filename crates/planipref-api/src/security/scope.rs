//! What an agent may read or change: the one place scope decisions are
//! made (403 when not), from the domain's rules on roles and scopes
//! (`planipref_domain::access`).

use crate::http::error::ApiError;
use crate::model::site::site_departement;
use planipref_domain::access::Agent;
use planipref_domain::ids::{DepartementCode, SiteId};
use planipref_store::models::SiteRow;

/// Agents whose scope covers `site` read it and what it holds.
pub fn may_read(agent: &Agent, site: &SiteRow) -> Result<(), ApiError> {
    let id: SiteId = site.id.parse().map_err(|_| ApiError::Internal)?;
    allowed(agent.can_read_site(id, &site_departement(site)?))
}

/// Administrators of `site`'s département (or national ones) change it.
pub fn may_administer(agent: &Agent, site: &SiteRow) -> Result<(), ApiError> {
    may_administer_departement(agent, &site_departement(site)?)
}

/// Administrators of `departement` (or national ones) change what is in it.
pub fn may_administer_departement(
    agent: &Agent,
    departement: &DepartementCode,
) -> Result<(), ApiError> {
    allowed(agent.can_administer_site(departement))
}

/// The préfecture of département `code`, when the caller administers it
/// (404 for a code that names no département).
pub fn may_administer_prefecture(agent: &Agent, code: &str) -> Result<DepartementCode, ApiError> {
    let code = DepartementCode::parse(code).ok_or(ApiError::NotFound("préfecture"))?;
    allowed(agent.can_administer_prefecture(&code))?;
    Ok(code)
}

/// National administrators only.
pub fn may_administer_nation(agent: &Agent) -> Result<(), ApiError> {
    allowed(agent.can_administer_nation())
}

fn allowed(yes: bool) -> Result<(), ApiError> {
    if yes {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}
