//! Changing or removing a plage: the booked appointments it no longer
//! covers are refused, or flagged to be re-booked (`flag`).

use chrono::{DateTime, Utc};
use planipref_domain::access::Agent;
use planipref_domain::ids::{GuichetId, PlageId};
use planipref_store::models::PlageRow;
use planipref_store::{AuditEntry, Store};

use crate::app::audit::{audit, json};
use crate::http::error::{ApiError, write_error};
use crate::http::version::IfMatch;
use crate::model::plage::{PlageChange, PlageRequest, PlageResponse, parse_plage, plage_response};
use crate::model::site::site_zone;
use crate::security::scope::may_administer;
use planipref_store::imports::ImportedFrom;

/// A new plage of guichet `guichet_id`, as `body` describes it, created by
/// `agent` at `now` (audited; refused when it overlaps another plage of
/// the guichet, or names motifs the guichet does not serve); `imported`:
/// the former module's line it comes from, recorded with it.
pub fn create(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    (guichet_id, imported): (GuichetId, Option<&ImportedFrom>),
    body: &PlageRequest,
) -> Result<PlageResponse, ApiError> {
    let (plage, motif_ids) = parse_plage(body, guichet_id)?;
    let (guichet, site) = store
        .get_guichet(&guichet_id.to_string())
        .map_err(|e| ApiError::from_store(e, "guichet"))?;
    may_administer(agent, &site)?;
    let row = PlageRow {
        id: PlageId::new_random().to_string(),
        guichet_id: guichet.id.clone(),
        weekdays: plage.weekdays.bits(),
        start_time: plage.start,
        end_time: plage.end,
        valid_from: plage.valid_from,
        valid_until: plage.valid_until,
        created_at: planipref_store::to_db(now),
        revision: 1,
    };
    let response = plage_response(&row.id, row.revision, &plage, motif_ids);
    let audit = audit(agent, &site, "plage", &row.id, &response, now);
    store
        .create_plage(&row, &plage, (&audit, imported))
        .map_err(|e| write_error(e, "conflicting plage"))?;
    Ok(response)
}

/// Plage `plage_id` replaced by `body` from the version `If-Match` names,
/// or removed (`None`), by `agent` at `now`.
pub fn change(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    plage_id: PlageId,
    body: Option<&(PlageRequest, IfMatch)>,
    flag: bool,
) -> Result<PlageChange, ApiError> {
    let (row, before, site) = store
        .get_plage(&plage_id.to_string())
        .map_err(|e| ApiError::from_store(e, "plage"))?;
    may_administer(agent, &site)?;
    let tz = site_zone(&site)?;
    let before_ids = before.motifs.iter().map(ToString::to_string).collect();
    let before_json = json(&plage_response(&row.id, row.revision, &before, before_ids));
    let if_match = body.map(|(_, v)| *v);
    let new = body
        .map(|(b, _)| parse_plage(b, before.guichet_id))
        .transpose()?;
    let new_row = new.as_ref().map(|(p, _)| PlageRow {
        weekdays: p.weekdays.bits(),
        start_time: p.start,
        end_time: p.end,
        valid_from: p.valid_from,
        valid_until: p.valid_until,
        revision: if_match.map_or(row.revision, |v| v.0),
        ..row.clone()
    });
    let after = new
        .as_ref()
        .zip(if_match)
        .map(|((p, ids), v)| plage_response(&row.id, v.next(), p, ids.clone()));
    let audit = AuditEntry {
        action: if new.is_some() { "updated" } else { "deleted" },
        before: before_json,
        after: after.as_ref().and_then(json),
        ..audit(agent, &site, "plage", &row.id, &(), now)
    };
    let replacement = new_row.as_ref().zip(new.as_ref().map(|(p, _)| p));
    let flagged = store
        .replace_plage(&row.id, &row.guichet_id, replacement, tz, flag, &audit)
        .map_err(|e| write_error(e, "conflicting plage"))?;
    Ok(PlageChange {
        plage: after,
        flagged_reservations: flagged,
    })
}
