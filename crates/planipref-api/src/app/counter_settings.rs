//! A préfecture's counter settings: the no-show delay, the walk-in
//! horizon, the agents' daily cap of bookings for others.

use chrono::{DateTime, Utc};
use planipref_domain::access::Agent;
use planipref_domain::error::Collector;
use planipref_store::Store;
use planipref_store::models::CounterSettingsRow;

use crate::http::error::ApiError;
use crate::http::version::IfMatch;
use crate::model::counter::*;

/// A préfecture's counter settings, as the API shows them.
pub fn settings_view(row: CounterSettingsRow, version: i32) -> CounterSettings {
    let n = |v: i32| u32::try_from(v).unwrap_or(0);
    CounterSettings {
        no_show_after_minutes: n(row.no_show_after_minutes),
        walk_in_horizon_minutes: n(row.walk_in_horizon_minutes),
        agent_daily_bookings: n(row.agent_daily_bookings),
        version,
    }
}

/// Replaces a préfecture's counter settings from the version read.
pub fn change_settings(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    code: &str,
    update: &CounterSettingsUpdate,
    if_match: IfMatch,
) -> Result<CounterSettings, ApiError> {
    use planipref_domain::attendance::settings::*;
    let mut c = Collector::default();
    c.take(check(
        "no_show_after_minutes",
        update.no_show_after_minutes,
        &NO_SHOW_AFTER,
    ));
    c.take(check(
        "walk_in_horizon_minutes",
        update.walk_in_horizon_minutes,
        &WALK_IN_HORIZON,
    ));
    c.take(check(
        "agent_daily_bookings",
        update.agent_daily_bookings,
        &AGENT_DAILY_BOOKINGS,
    ));
    c.finish()?;
    let (row, version) = store
        .counter_settings(code)
        .map_err(|e| ApiError::from_store(e, "préfecture"))?;
    let before = settings_view(row, version);
    let n = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    let row = CounterSettingsRow {
        no_show_after_minutes: n(update.no_show_after_minutes),
        walk_in_horizon_minutes: n(update.walk_in_horizon_minutes),
        agent_daily_bookings: n(update.agent_daily_bookings),
    };
    let after = settings_view(row, if_match.next());
    let audit = crate::app::audit::prefecture_change(agent, code, (&before, &after), now);
    store
        .update_counter_settings(code, &row, if_match.0, &audit)
        .map_err(|e| ApiError::from_store(e, "préfecture"))?;
    Ok(after)
}
