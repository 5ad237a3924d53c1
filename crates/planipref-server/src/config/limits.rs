//! The per-client limits: `PLANIPREF_CLIENT_LIMITS`,
//! `PLANIPREF_TRUSTED_PROXIES`, `PLANIPREF_*_PER_MINUTE` and
//! `PLANIPREF_LIVE_HOLDS_PER_CLIENT`.

use planipref_api::http::limits::LimitSettings;

use super::{ConfigError, boolean, number};

/// Per-client limits: on by default, each rate 1 to 100000 a minute.
pub(super) fn limit_settings(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<LimitSettings, ConfigError> {
    let d = LimitSettings::default();
    let rate = |name: &'static str, default: u32| {
        number(get, name, 1, 100_000).map(|n| n.unwrap_or(default))
    };
    let trusted_proxies = match get("PLANIPREF_TRUSTED_PROXIES") {
        None => vec![],
        Some(raw) => raw
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(|a| {
                a.parse().map_err(|_| ConfigError {
                    name: "PLANIPREF_TRUSTED_PROXIES",
                    message: format!("{a:?} is not an IP address"),
                })
            })
            .collect::<Result<_, _>>()?,
    };
    Ok(LimitSettings {
        enabled: boolean(get, "PLANIPREF_CLIENT_LIMITS")?.unwrap_or(d.enabled),
        trusted_proxies,
        searches_per_minute: rate("PLANIPREF_SEARCHES_PER_MINUTE", d.searches_per_minute)?,
        holds_per_minute: rate("PLANIPREF_HOLDS_PER_MINUTE", d.holds_per_minute)?,
        bookings_per_minute: rate("PLANIPREF_BOOKINGS_PER_MINUTE", d.bookings_per_minute)?,
        live_holds_per_client: number(get, "PLANIPREF_LIVE_HOLDS_PER_CLIENT", 1, 100)?
            .unwrap_or(d.live_holds_per_client),
    })
}
