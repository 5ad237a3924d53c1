//! Changing a préfecture: its names (national administrators) and its
//! anti-capture settings (its own administrators), each from the version
//! `If-Match` names, with the change in the audit trail.

use chrono::{DateTime, Utc};
use planipref_domain::access::Agent;
use planipref_domain::ids::DepartementCode;
use planipref_store::Store;
use planipref_store::models::PrefectureRow;

use crate::http::error::{ApiError, write_error};
use crate::http::version::IfMatch;
use crate::model::prefecture::{AntiCapture, AntiCaptureUpdate, Prefecture};

/// Préfecture `code` named `(name, departement_name)`, by `agent` at `now`.
pub fn rename(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    code: &DepartementCode,
    (name, departement_name): (String, String),
    if_match: IfMatch,
) -> Result<Prefecture, ApiError> {
    let before = store
        .get_prefecture(code.as_str())
        .map_err(|e| ApiError::from_store(e, "préfecture"))?;
    let row = PrefectureRow {
        name,
        departement_name,
        revision: if_match.0,
        ..before.clone()
    };
    let after = Prefecture {
        version: if_match.next(),
        ..Prefecture::from(row.clone())
    };
    let audit = crate::app::audit::prefecture_change(
        agent,
        code.as_str(),
        (&Prefecture::from(before), &after),
        now,
    );
    store
        .update_prefecture(&row, &audit)
        .map_err(|e| write_error(e, "conflicting préfecture"))?;
    Ok(after)
}

/// Préfecture `code`'s anti-capture settings changed by `update` (those it
/// leaves out keep their value), by `agent` at `now`.
pub fn change_anti_capture(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    code: &DepartementCode,
    update: &AntiCaptureUpdate,
    if_match: IfMatch,
) -> Result<AntiCapture, ApiError> {
    let (rules, version) = store
        .anti_capture(code.as_str())
        .map_err(|e| ApiError::from_store(e, "préfecture"))?;
    let before = AntiCapture::new(rules, version);
    let after = update.over(before, if_match.next());
    let row = after.to_row()?;
    let audit = crate::app::audit::prefecture_change(agent, code.as_str(), (&before, &after), now);
    store
        .update_prefecture_rules(code.as_str(), &row, if_match.0, &audit)
        .map_err(|e| ApiError::from_store(e, "préfecture"))?;
    Ok(after)
}
