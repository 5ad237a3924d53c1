//! Holds: a slot kept while the applicant fills in the form, checked as a
//! booking is (same slot rules, convocation and router context), limited
//! per client.

use chrono::{DateTime, Duration, Utc};
use planipref_domain::context::RouterContext;
use planipref_domain::file_check::FileStatusConnector;
use planipref_domain::ids::HoldId;
use planipref_store::{NewHold, Store, from_db};

use crate::app::convocations::access_for;
use crate::app::file_checks::pending_check;
use crate::app::overbooking::{place_or_overbook, searching_channel};
use crate::app::slots::ContextCheck;
use crate::http::error::ApiError;
use crate::model::hold::{Hold, HoldAsked, to_hold};
use crate::model::site::site_zone;

/// How the deployment keeps holds, and who asks.
#[derive(Debug, Clone, Copy)]
pub struct HoldTerms {
    /// How long a hold keeps its slot.
    pub minutes: u32,
    /// How many live holds one client may keep (0: no limit).
    pub max_client_holds: u32,
    /// The client's address, if known.
    pub client: Option<std::net::IpAddr>,
}

/// Keeps the slot asked for the holder of the convocation and router
/// context presented, if any, once the file number presented passes the
/// démarche's file check (asked through `files`), when it has one.
pub fn hold(
    store: &Store,
    asked: &HoldAsked,
    (convocation, context): (Option<&str>, Option<&RouterContext>),
    (terms, files): (HoldTerms, &dyn FileStatusConnector),
    now: DateTime<Utc>,
) -> Result<Hold, ApiError> {
    let (motif_id, start, persons) = asked.slot;
    let (access, convocation) = access_for(store, convocation, motif_id, now)?;
    let pending = pending_check(
        store,
        &motif_id.to_string(),
        (asked.file_number.as_deref(), "file_number"),
    )?;
    let placed = place_or_overbook(
        store,
        (motif_id, start, persons),
        (access, ContextCheck::Checked(context)),
        searching_channel(access),
        now,
    )?;
    // The system is asked once the slot is known to be free.
    let checked = pending.map(|p| p.run(files, None)).transpose()?;
    let new = NewHold {
        site_id: placed
            .schedule
            .site
            .id
            .parse()
            .map_err(|_| ApiError::Internal)?,
        motif_id,
        start,
        end: placed.end,
        persons,
        now,
        expires_at: now + Duration::minutes(i64::from(terms.minutes)),
        time_zone: placed.time_zone,
        convocation_id: convocation.map(|c| c.id),
        client_key: terms.client.map(|a| store.client_key(a)).transpose()?,
        max_client_holds: terms.max_client_holds,
        extra: placed.extra,
        file_check: checked.map(|c| (c.key, c.file.checked)),
    };
    let row = store
        .create_hold(&new, &placed.candidates)
        .map_err(|e| ApiError::from_store(e, "motif"))?;
    crate::telemetry::held();
    Ok(to_hold(row, placed.time_zone))
}

/// Hold `id`, while it keeps its slot (410 once expired).
pub fn live(store: &Store, id: HoldId, now: DateTime<Utc>) -> Result<Hold, ApiError> {
    let row = store
        .find_hold(id)
        .map_err(|e| ApiError::from_store(e, "hold"))?;
    if from_db(row.expires_at) <= now {
        return Err(ApiError::HoldExpired);
    }
    let (_, _, site) = store
        .get_motif(&row.motif_id)
        .map_err(|e| ApiError::from_store(e, "hold"))?;
    Ok(to_hold(row, site_zone(&site)?))
}
