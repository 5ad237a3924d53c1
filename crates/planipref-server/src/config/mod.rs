//! Configuration, read once from the environment (`PLANIPREF_*`). Every
//! variable is documented in `.env.example`.
//!
//! Here: the settings ([`Config`]), the list of the variables read
//! ([`VARIABLES`]), the database, server and booking settings, and the
//! readers of numbers and booleans; the agents' and the router's token
//! verification in `auth.rs`; the per-client limits in `limits.rs`; the national hubs in `hub.rs`; the
//! metrics' address and the shutdown's timeout in `operations.rs`; the
//! tests, with those comparing [`VARIABLES`] with `.env.example` and the
//! README, in `tests.rs`.

use std::time::Duration;

use planipref_api::http::limits::LimitSettings;
use planipref_api::security::agent::{AuthSettings, DEVELOPMENT_SECRET};
use planipref_store::{DatabaseUrl, PoolOptions};

mod auth;
mod cors;
mod delivery;
mod file_check;
mod hub;
mod limits;
mod operations;
#[cfg(test)]
mod tests;

use auth::{auth_settings, router_settings};
use cors::cors_settings;
use delivery::delivery_settings;
pub use delivery::{DeliverySettings, SmsProvider};
use file_check::file_status_settings;
use limits::limit_settings;
use operations::{metrics_bind, shutdown_timeout};

/// Where the database is when nothing says otherwise.
pub const DEFAULT_DATABASE_URL: &str = "./data/planipref.db";
/// Where the server listens when nothing says otherwise.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// Development (the default) or production.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// Development: a public default JWT secret, `planipref token` allowed.
    Development,
    /// Production: every secret configured, no development shortcut.
    Production,
}

/// Every variable [`Config::from_lookup`] may read. `.env.example` and the
/// README's table document each `PLANIPREF_*` one, and only those: a test
/// compares them, and another checks that the configuration reads exactly
/// these names.
pub const VARIABLES: &[&str] = &[
    "PLANIPREF_DATABASE_URL",
    "DATABASE_URL",
    "PLANIPREF_BIND",
    "PLANIPREF_DB_POOL_SIZE",
    "PLANIPREF_DB_TIMEOUT_SECONDS",
    "PLANIPREF_AUTO_MIGRATE",
    "PLANIPREF_WORKERS",
    "PLANIPREF_HOLD_MINUTES",
    "PLANIPREF_ENV",
    "PLANIPREF_JWT_ALGORITHM",
    "PLANIPREF_JWT_SECRET",
    "PLANIPREF_JWT_PUBLIC_KEY_FILE",
    "PLANIPREF_JWT_ISSUER",
    "PLANIPREF_JWT_AUDIENCE",
    "PLANIPREF_ROUTER_ISSUER",
    "PLANIPREF_ROUTER_ALGORITHM",
    "PLANIPREF_ROUTER_SECRET",
    "PLANIPREF_ROUTER_PUBLIC_KEY_FILE",
    "PLANIPREF_ROUTER_AUDIENCE",
    "PLANIPREF_CLIENT_LIMITS",
    "PLANIPREF_TRUSTED_PROXIES",
    "PLANIPREF_SEARCHES_PER_MINUTE",
    "PLANIPREF_HOLDS_PER_MINUTE",
    "PLANIPREF_BOOKINGS_PER_MINUTE",
    "PLANIPREF_LIVE_HOLDS_PER_CLIENT",
    "PLANIPREF_CLOCK_START",
    "PLANIPREF_OUTBOX_KEY",
    "PLANIPREF_SMTP_URL",
    "PLANIPREF_MAIL_FROM",
    "PLANIPREF_PUBLIC_MANAGE_URL",
    "PLANIPREF_PUBLIC_CONVOCATION_URL",
    "PLANIPREF_OUTBOX_DIR",
    "PLANIPREF_DELIVERY_LEASE_SECONDS",
    "PLANIPREF_SMS_PROVIDER",
    "PLANIPREF_SMS_URL",
    "PLANIPREF_SMS_API_KEY",
    "PLANIPREF_SMS_SENDER",
    "PLANIPREF_WEBHOOK_ALLOWED_NETWORKS",
    "PLANIPREF_METRICS_BIND",
    "PLANIPREF_SHUTDOWN_TIMEOUT_SECONDS",
    "PLANIPREF_CORS_ORIGINS",
    "PLANIPREF_CORS_ADMIN_ORIGINS",
    "PLANIPREF_HUBS",
    "PLANIPREF_HUB_BOOKING_URL",
    "PLANIPREF_HUB_MANAGEMENT_URL",
    "PLANIPREF_FILE_CHECK_ANEF_URL",
    "PLANIPREF_FILE_CHECK_ANEF_TOKEN",
    "PLANIPREF_FILE_CHECK_SNPC_URL",
    "PLANIPREF_FILE_CHECK_SNPC_TOKEN",
    "PLANIPREF_FILE_CHECK_TIMEOUT_MS",
];

/// The server's settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// `PLANIPREF_ENV`: `development` or `production`.
    pub environment: Environment,
    /// `PLANIPREF_JWT_*`: how agents' tokens are verified.
    pub auth: AuthSettings,
    /// `PLANIPREF_DATABASE_URL` (or `DATABASE_URL`).
    pub database_url: DatabaseUrl,
    /// `PLANIPREF_BIND`.
    pub bind: String,
    /// `PLANIPREF_DB_POOL_SIZE` and `PLANIPREF_DB_TIMEOUT_SECONDS`.
    pub pool: PoolOptions,
    /// `PLANIPREF_AUTO_MIGRATE`.
    pub auto_migrate: bool,
    /// `PLANIPREF_WORKERS`; `None`: one per core.
    pub workers: Option<usize>,
    /// `PLANIPREF_HOLD_MINUTES`: how long a hold keeps its slot.
    pub booking: planipref_api::state::BookingSettings,
    /// `PLANIPREF_ROUTER_*`: how the router's contexts are verified;
    /// `None`: none accepted.
    pub router: Option<AuthSettings>,
    /// `PLANIPREF_CLIENT_LIMITS`, `PLANIPREF_TRUSTED_PROXIES`,
    /// `PLANIPREF_*_PER_MINUTE`, `PLANIPREF_LIVE_HOLDS_PER_CLIENT`.
    pub limits: LimitSettings,
    /// `PLANIPREF_CLOCK_START`: the instant the server's clock reads when it
    /// starts (a training or demonstration instance); `None`: the system's
    /// time. Refused in production.
    pub clock_start: Option<chrono::DateTime<chrono::Utc>>,
    /// `PLANIPREF_OUTBOX_KEY`: seals what the outbox keeps for sending
    /// (the development key outside production when unset).
    pub outbox_key: planipref_domain::messages::seal::OutboxKey,
    /// `PLANIPREF_SMTP_URL`, `PLANIPREF_MAIL_FROM`,
    /// `PLANIPREF_PUBLIC_MANAGE_URL`, `PLANIPREF_OUTBOX_DIR`.
    pub delivery: DeliverySettings,
    /// `PLANIPREF_METRICS_BIND`: where `GET /metrics` is served, apart
    /// from the API; `None`: metrics are not served.
    pub metrics_bind: Option<String>,
    /// `PLANIPREF_SHUTDOWN_TIMEOUT_SECONDS`: how long a stopping server
    /// lets requests in flight and background tasks finish.
    pub shutdown_timeout: Duration,
    /// `PLANIPREF_CORS_ORIGINS` and `PLANIPREF_CORS_ADMIN_ORIGINS`: the
    /// origins whose pages may call the API from a browser.
    pub cors: planipref_api::http::cors::CorsSettings,
    /// `PLANIPREF_FILE_CHECK_*`: the file-status connectors.
    pub file_status: planipref_api::file_status::FileStatusSettings,
    /// `PLANIPREF_HUBS`, `PLANIPREF_HUB_BOOKING_URL`,
    /// `PLANIPREF_HUB_MANAGEMENT_URL`: the national hubs allowed to call.
    pub hubs: planipref_api::security::hub::HubSettings,
}

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{name}: {message}")]
pub struct ConfigError {
    name: &'static str,
    message: String,
}

impl Config {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `get` (the environment, or a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            // A variable read but not listed would go undocumented.
            debug_assert!(
                VARIABLES.contains(&name),
                "{name} is missing from VARIABLES"
            );
            get(name).filter(|v| !v.trim().is_empty())
        };
        let raw_url = get("PLANIPREF_DATABASE_URL")
            .or_else(|| get("DATABASE_URL"))
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let database_url = DatabaseUrl::parse(&raw_url).map_err(|e| ConfigError {
            name: "PLANIPREF_DATABASE_URL",
            message: e.to_string(),
        })?;
        let defaults = PoolOptions::default();
        let environment = match get("PLANIPREF_ENV").as_deref().map(str::trim) {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(other) => {
                return Err(ConfigError {
                    name: "PLANIPREF_ENV",
                    message: format!("expected development or production, got {other:?}"),
                });
            }
        };
        let bind = get("PLANIPREF_BIND").unwrap_or_else(|| DEFAULT_BIND.to_owned());
        let auth = auth_settings(&get, environment)?;
        // The development secret is public: a server reachable from other
        // machines must not accept tokens signed with it, whatever the mode.
        if auth.key == DEVELOPMENT_SECRET.as_bytes() && !is_loopback(&bind) {
            return Err(ConfigError {
                name: "PLANIPREF_JWT_SECRET",
                message: format!(
                    "required when listening on {bind}: the development secret is public and is accepted on loopback only"
                ),
            });
        }
        let router = router_settings(&get, environment)?;
        if router.as_ref().is_some_and(|r| {
            r.key == planipref_api::security::router::DEVELOPMENT_ROUTER_SECRET.as_bytes()
        }) && !is_loopback(&bind)
        {
            return Err(ConfigError {
                name: "PLANIPREF_ROUTER_SECRET",
                message: format!(
                    "required when listening on {bind}: the development router secret is public and is accepted on loopback only"
                ),
            });
        }
        let hubs = hub::hub_settings(&get, environment)?;
        let development_hub = planipref_domain::hub::token_digest(
            planipref_api::security::hub::DEVELOPMENT_HUB_TOKEN,
        );
        if hubs.hubs.iter().any(|h| h.token_digest == development_hub) && !is_loopback(&bind) {
            return Err(ConfigError {
                name: "PLANIPREF_HUBS",
                message: format!(
                    "required when listening on {bind}: the development hub's token is public and is accepted on loopback only"
                ),
            });
        }
        let metrics_bind = metrics_bind(&get, &bind)?;
        Ok(Self {
            environment,
            auth,
            database_url,
            bind,
            pool: PoolOptions {
                max_size: number(&get, "PLANIPREF_DB_POOL_SIZE", 1, 256)?
                    .unwrap_or(defaults.max_size),
                connection_timeout: number(&get, "PLANIPREF_DB_TIMEOUT_SECONDS", 1, 300)?
                    .map_or(defaults.connection_timeout, |s| {
                        Duration::from_secs(u64::from(s))
                    }),
                ..defaults
            },
            auto_migrate: boolean(&get, "PLANIPREF_AUTO_MIGRATE")?.unwrap_or(true),
            workers: number(&get, "PLANIPREF_WORKERS", 1, 1024)?.map(|n| n as usize),
            booking: planipref_api::state::BookingSettings {
                hold_minutes: number(
                    &get,
                    "PLANIPREF_HOLD_MINUTES",
                    1,
                    planipref_api::state::BookingSettings::MAX_HOLD_MINUTES,
                )?
                .unwrap_or(planipref_api::state::BookingSettings::default().hold_minutes),
            },
            limits: limit_settings(&get)?,
            router,
            clock_start: clock_start(&get, environment)?,
            outbox_key: outbox_key(&get, environment)?,
            delivery: delivery_settings(&get, environment)?,
            metrics_bind,
            shutdown_timeout: shutdown_timeout(&get)?,
            cors: cors_settings(&get)?,
            file_status: file_status_settings(&get, environment)?,
            hubs,
        })
    }
}

/// `PLANIPREF_OUTBOX_KEY`: 64 hexadecimal digits; required in production,
/// where the public development key is refused.
fn outbox_key(
    get: &impl Fn(&str) -> Option<String>,
    environment: Environment,
) -> Result<planipref_domain::messages::seal::OutboxKey, ConfigError> {
    use planipref_domain::messages::seal::OutboxKey;
    let name = "PLANIPREF_OUTBOX_KEY";
    let key = match get(name) {
        None if environment == Environment::Production => {
            return Err(ConfigError {
                name,
                message: "required in production (64 hexadecimal digits, e.g. from `openssl rand -hex 32`)".into(),
            });
        }
        None => return Ok(OutboxKey::development()),
        Some(raw) => OutboxKey::from_hex(&raw).map_err(|message| ConfigError { name, message })?,
    };
    if key.is_development() && environment == Environment::Production {
        return Err(ConfigError {
            name,
            message: "the development key is public: use a key of your own".into(),
        });
    }
    Ok(key)
}

/// `PLANIPREF_CLOCK_START`, an RFC 3339 instant with its offset.
fn clock_start(
    get: &impl Fn(&str) -> Option<String>,
    environment: Environment,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, ConfigError> {
    let name = "PLANIPREF_CLOCK_START";
    let Some(value) = get(name) else {
        return Ok(None);
    };
    if environment == Environment::Production {
        return Err(ConfigError {
            name,
            message: "a production server keeps the system's time".into(),
        });
    }
    chrono::DateTime::parse_from_rfc3339(value.trim())
        .map(|t| Some(t.with_timezone(&chrono::Utc)))
        .map_err(|_| ConfigError {
            name,
            message: format!(
                "expected an instant such as 2026-12-07T08:55:00+01:00, got {value:?}"
            ),
        })
}

/// Whether a bind address only accepts connections from this machine.
fn is_loopback(bind: &str) -> bool {
    let host = bind.rsplit_once(':').map_or(bind, |(h, _)| h);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn number(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    min: u32,
    max: u32,
) -> Result<Option<u32>, ConfigError> {
    let Some(raw) = get(name) else {
        return Ok(None);
    };
    match raw.trim().parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
        _ => Err(ConfigError {
            name,
            message: format!("expected a whole number from {min} to {max}, got {raw:?}"),
        }),
    }
}

fn boolean(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<bool>, ConfigError> {
    let Some(raw) = get(name) else {
        return Ok(None);
    };
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(Some(true)),
        "false" | "0" | "no" | "off" => Ok(Some(false)),
        _ => Err(ConfigError {
            name,
            message: format!("expected true or false, got {raw:?}"),
        }),
    }
}
