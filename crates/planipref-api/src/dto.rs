//! Response shapes shared by several resources, and their conversion from
//! stored rows.

use crate::http::error::ApiError;
use crate::model::site::site_departement;
use planipref_store::models::SiteRow;

/// Refuses agents whose scope does not cover the site (403).
pub(crate) fn may_read(
    agent: &planipref_domain::access::Agent,
    site: &SiteRow,
) -> Result<(), ApiError> {
    let id: planipref_domain::ids::SiteId = site.id.parse().map_err(|_| ApiError::Internal)?;
    if agent.can_read_site(id, &site_departement(site)?) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}
