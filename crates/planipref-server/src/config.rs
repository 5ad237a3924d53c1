//! Configuration, read once from the environment (`PLANIPREF_*`). Every
//! variable is documented in `.env.example`.

use std::time::Duration;

use planipref_store::{DatabaseUrl, PoolOptions};

/// Where the database is when nothing says otherwise.
pub const DEFAULT_DATABASE_URL: &str = "./data/planipref.db";
/// Where the server listens when nothing says otherwise.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// The server's settings.
#[derive(Debug, Clone)]
pub struct Config {
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
        let get = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let raw_url = get("PLANIPREF_DATABASE_URL")
            .or_else(|| get("DATABASE_URL"))
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let database_url = DatabaseUrl::parse(&raw_url).map_err(|e| ConfigError {
            name: "PLANIPREF_DATABASE_URL",
            message: e.to_string(),
        })?;
        let defaults = PoolOptions::default();
        Ok(Self {
            database_url,
            bind: get("PLANIPREF_BIND").unwrap_or_else(|| DEFAULT_BIND.to_owned()),
            pool: PoolOptions {
                max_size: number(&get, "PLANIPREF_DB_POOL_SIZE", 1, 256)?
                    .unwrap_or(defaults.max_size),
                connection_timeout: number(&get, "PLANIPREF_DB_TIMEOUT_SECONDS", 1, 300)?
                    .map_or(defaults.connection_timeout, |s| {
                        Duration::from_secs(u64::from(s))
                    }),
            },
            auto_migrate: boolean(&get, "PLANIPREF_AUTO_MIGRATE")?.unwrap_or(true),
            workers: number(&get, "PLANIPREF_WORKERS", 1, 1024)?.map(|n| n as usize),
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_sqlite_on_localhost() {
        let c = config(&[]).expect("defaults");
        assert_eq!(
            c.database_url,
            DatabaseUrl::Sqlite("./data/planipref.db".into())
        );
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert!(c.auto_migrate);
        assert_eq!(c.pool.max_size, 8);
    }

    #[test]
    fn planipref_database_url_wins_over_database_url() {
        let c = config(&[
            ("DATABASE_URL", "postgres://a@h/x"),
            ("PLANIPREF_DATABASE_URL", "sqlite://y.db"),
        ])
        .expect("ok");
        assert_eq!(c.database_url, DatabaseUrl::Sqlite("y.db".into()));
        let c = config(&[("DATABASE_URL", "postgres://a@h/x")]).expect("ok");
        assert_eq!(c.database_url.backend(), "postgresql");
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (k, v) in [
            ("PLANIPREF_DB_POOL_SIZE", "many"),
            ("PLANIPREF_DB_POOL_SIZE", "0"),
            ("PLANIPREF_AUTO_MIGRATE", "perhaps"),
            ("PLANIPREF_DATABASE_URL", "mysql://x/y"),
        ] {
            let e = config(&[(k, v)]).expect_err("refused");
            assert!(e.to_string().starts_with(k), "{e}");
        }
        let c = config(&[
            ("PLANIPREF_AUTO_MIGRATE", "false"),
            ("PLANIPREF_DB_TIMEOUT_SECONDS", "2"),
        ])
        .expect("ok");
        assert!(!c.auto_migrate);
        assert_eq!(c.pool.connection_timeout, Duration::from_secs(2));
    }
}
