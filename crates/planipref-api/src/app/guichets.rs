//! Creating and changing a site's guichets: their motifs must be the
//! site's, and a change that leaves booked appointments outside the
//! guichet's new time is refused or flags them (`flag`).

use chrono::{DateTime, Utc};
use planipref_domain::access::Agent;
use planipref_domain::ids::{GuichetId, SiteId};
use planipref_store::models::{GuichetRow, SiteRow};
use planipref_store::{AuditEntry, Store};

use crate::app::audit::{audit, json};
use crate::http::error::{ApiError, write_error};
use crate::http::version::IfMatch;
use crate::model::guichet::{Guichet, GuichetChange, GuichetSettings};
use crate::model::site::site_zone;
use crate::security::scope::may_administer;
use planipref_store::imports::ImportedFrom;

/// What a guichet whose name is taken at its site is told.
const NAME_TAKEN: &str = "a guichet of that name exists at this site";

/// A new guichet of `site_id`, by `agent` at `now` (`imported`: the
/// former module's line it comes from, recorded with it).
pub fn create(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    (site_id, imported): (SiteId, Option<&ImportedFrom>),
    settings: GuichetSettings,
) -> Result<Guichet, ApiError> {
    let site = store
        .get_site(&site_id.to_string())
        .map_err(|e| ApiError::from_store(e, "site"))?;
    may_administer(agent, &site)?;
    check_motifs(store, &site, &settings.motif_ids)?;
    let row = GuichetRow {
        id: GuichetId::new_random().to_string(),
        site_id: site.id.clone(),
        name: settings.name,
        active: settings.active,
        created_at: planipref_store::to_db(now),
        active_from: settings.active_from,
        active_until: settings.active_until,
        channel: settings.channel.code().to_owned(),
        revision: 1,
    };
    let guichet = Guichet::from_row(&row, settings.motif_ids.clone());
    let audit = audit(agent, &site, "guichet", &row.id, &guichet, now);
    store
        .create_guichet(&row, &settings.motif_ids, (&audit, imported))
        .map_err(|e| write_error(e, NAME_TAKEN))?;
    Ok(guichet)
}

/// Guichet `guichet_id` given `settings`, from the version `If-Match`
/// names, by `agent` at `now`; booked appointments it no longer covers are
/// refused, or flagged with `flag`.
pub fn update(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    guichet_id: GuichetId,
    (settings, if_match): (GuichetSettings, IfMatch),
    flag: bool,
) -> Result<GuichetChange, ApiError> {
    let (before, site) = store
        .get_guichet(&guichet_id.to_string())
        .map_err(|e| ApiError::from_store(e, "guichet"))?;
    may_administer(agent, &site)?;
    check_motifs(store, &site, &settings.motif_ids)?;
    let before_motifs = store.guichet_motif_ids(&before.id)?;
    let row = GuichetRow {
        name: settings.name,
        active: settings.active,
        active_from: settings.active_from,
        active_until: settings.active_until,
        channel: settings.channel.code().to_owned(),
        revision: if_match.0,
        ..before.clone()
    };
    let after = Guichet {
        version: if_match.next(),
        ..Guichet::from_row(&row, settings.motif_ids.clone())
    };
    let audit = AuditEntry {
        action: "updated",
        before: json(&Guichet::from_row(&before, before_motifs)),
        ..audit(agent, &site, "guichet", &row.id, &after, now)
    };
    let tz = site_zone(&site)?;
    let flagged = store
        .update_guichet(&row, &settings.motif_ids, tz, flag, &audit)
        .map_err(|e| write_error(e, NAME_TAKEN))?;
    Ok(GuichetChange {
        guichet: after,
        flagged_reservations: flagged,
    })
}

/// Refuses motifs that are not the site's.
fn check_motifs(store: &Store, site: &SiteRow, motif_ids: &[String]) -> Result<(), ApiError> {
    let of_site = store.motif_ids_of_site(&site.id)?;
    if motif_ids.iter().any(|m| !of_site.contains(m)) {
        return Err(ApiError::invalid(
            "motif_ids",
            "must be motifs of this site",
        ));
    }
    Ok(())
}
