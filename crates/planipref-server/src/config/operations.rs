//! The operators' settings: `PLANIPREF_METRICS_BIND` (where `/metrics` is
//! served, apart from the API) and `PLANIPREF_SHUTDOWN_TIMEOUT_SECONDS`
//! (how long a stopping server gives requests in flight).

use std::time::Duration;

use super::{ConfigError, number};

/// How long a stopping server waits for requests in flight, by default.
pub const DEFAULT_SHUTDOWN_TIMEOUT_SECONDS: u32 = 30;

/// `PLANIPREF_METRICS_BIND`: `host:port` (`:0` picks a free port), never
/// the API's own address; `None`: metrics are not served.
pub(super) fn metrics_bind(
    get: &impl Fn(&str) -> Option<String>,
    bind: &str,
) -> Result<Option<String>, ConfigError> {
    let name = "PLANIPREF_METRICS_BIND";
    let Some(raw) = get(name) else {
        return Ok(None);
    };
    let metrics = raw.trim().to_owned();
    let port = metrics
        .rsplit_once(':')
        .filter(|(host, _)| !host.is_empty())
        .and_then(|(_, port)| port.parse::<u16>().ok());
    match port {
        None => Err(ConfigError {
            name,
            message: format!("expected an address and a port such as 127.0.0.1:9464, got {raw:?}"),
        }),
        Some(p) if p != 0 && metrics == bind.trim() => Err(ConfigError {
            name,
            message: format!(
                "{metrics} is PLANIPREF_BIND's address: metrics are served apart from the API"
            ),
        }),
        Some(_) => Ok(Some(metrics)),
    }
}

/// `PLANIPREF_SHUTDOWN_TIMEOUT_SECONDS`: 1 to 3600 seconds, 30 by default.
pub(super) fn shutdown_timeout(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Duration, ConfigError> {
    let seconds = number(get, "PLANIPREF_SHUTDOWN_TIMEOUT_SECONDS", 1, 3600)?
        .unwrap_or(DEFAULT_SHUTDOWN_TIMEOUT_SECONDS);
    Ok(Duration::from_secs(u64::from(seconds)))
}
