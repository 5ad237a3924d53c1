//! A préfecture's over-booking policy: read, and changed from the
//! version read (audited).

use chrono::{DateTime, Utc};
use planipref_domain::access::Agent;
use planipref_domain::ids::DepartementCode;
use planipref_domain::overbooking::Overbooking;
use planipref_store::Store;

use crate::http::error::ApiError;
use crate::http::version::IfMatch;
use crate::model::overbooking::{OverbookingSettings, OverbookingUpdate};

/// Préfecture `code`'s over-booking policy.
pub fn policy(store: &Store, code: &DepartementCode) -> Result<OverbookingSettings, ApiError> {
    let (policy, version) = store
        .overbooking(code.as_str())
        .map_err(|e| ApiError::from_store(e, "préfecture"))?;
    Ok(settings(policy, version))
}

fn settings(p: Overbooking, version: i32) -> OverbookingSettings {
    OverbookingSettings {
        ceiling_percent: p.ceiling_percent,
        weeks: p.weeks,
        min_sample: p.min_sample,
        version,
    }
}

/// Préfecture `code`'s over-booking policy set to `update`, from the
/// version read (audited; its sites' kept slots go stale).
pub fn change_policy(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    code: &DepartementCode,
    update: &OverbookingUpdate,
    if_match: IfMatch,
) -> Result<OverbookingSettings, ApiError> {
    let wanted = Overbooking {
        ceiling_percent: update.ceiling_percent,
        weeks: update.weeks,
        min_sample: update.min_sample,
    };
    let refused = wanted.check();
    if !refused.is_empty() {
        return Err(ApiError::Validation(refused));
    }
    let before = policy(store, code)?;
    let after = settings(wanted, if_match.next());
    let audit = crate::app::audit::prefecture_change(agent, code.as_str(), (&before, &after), now);
    store
        .set_overbooking(code.as_str(), &wanted, if_match.0, &audit)
        .map_err(|e| ApiError::from_store(e, "préfecture"))?;
    Ok(after)
}
