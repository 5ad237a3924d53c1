//! Configuration, read once from the environment (`PLANIPREF_*`). Every
//! variable is documented in `.env.example`.

use std::time::Duration;

use planipref_api::http::limits::LimitSettings;
use planipref_api::security::agent::{Algorithm, AuthSettings, DEVELOPMENT_SECRET};
use planipref_store::{DatabaseUrl, PoolOptions};

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

/// Shortest HS256 secret accepted in production (256 bits).
pub const MIN_SECRET_BYTES: usize = 32;

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
        })
    }
}

/// The router's context verification: in development, the public
/// development secret unless configured; in production, only when
/// `PLANIPREF_ROUTER_ISSUER` is set (HS256 with `PLANIPREF_ROUTER_SECRET`,
/// or RS256/ES256 with `PLANIPREF_ROUTER_PUBLIC_KEY_FILE`).
fn router_settings(
    get: &impl Fn(&str) -> Option<String>,
    environment: Environment,
) -> Result<Option<AuthSettings>, ConfigError> {
    let dev = planipref_api::security::router::development_router();
    let issuer = match (get("PLANIPREF_ROUTER_ISSUER"), environment) {
        (Some(i), _) => i,
        (None, Environment::Development) => dev.issuer.clone(),
        (None, Environment::Production) => return Ok(None),
    };
    let algorithm = match get("PLANIPREF_ROUTER_ALGORITHM").as_deref().map(str::trim) {
        None | Some("HS256") => Algorithm::HS256,
        Some("RS256") => Algorithm::RS256,
        Some("ES256") => Algorithm::ES256,
        Some(other) => {
            return Err(ConfigError {
                name: "PLANIPREF_ROUTER_ALGORITHM",
                message: format!("expected HS256, RS256 or ES256, got {other:?}"),
            });
        }
    };
    let key = if algorithm == Algorithm::HS256 {
        match (get("PLANIPREF_ROUTER_SECRET"), environment) {
            (Some(s), Environment::Production) if s.len() < MIN_SECRET_BYTES => {
                return Err(ConfigError {
                    name: "PLANIPREF_ROUTER_SECRET",
                    message: format!("must be at least {MIN_SECRET_BYTES} bytes"),
                });
            }
            (Some(s), _) => s.into_bytes(),
            (None, Environment::Development) => dev.key.clone(),
            (None, Environment::Production) => {
                return Err(ConfigError {
                    name: "PLANIPREF_ROUTER_SECRET",
                    message: "required with HS256".into(),
                });
            }
        }
    } else {
        let name = "PLANIPREF_ROUTER_PUBLIC_KEY_FILE";
        let path = get(name).ok_or_else(|| ConfigError {
            name,
            message: format!("required with {algorithm:?}: the router's public key (PEM)"),
        })?;
        std::fs::read(&path).map_err(|e| ConfigError {
            name,
            message: format!("cannot read {path}: {e}"),
        })?
    };
    Ok(Some(AuthSettings {
        algorithm,
        key,
        issuer,
        audience: get("PLANIPREF_ROUTER_AUDIENCE").unwrap_or(dev.audience),
    }))
}

/// Per-client limits: on by default, each rate 1 to 100000 a minute.
fn limit_settings(get: &impl Fn(&str) -> Option<String>) -> Result<LimitSettings, ConfigError> {
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

/// Whether a bind address only accepts connections from this machine.
fn is_loopback(bind: &str) -> bool {
    let host = bind.rsplit_once(':').map_or(bind, |(h, _)| h);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn auth_settings(
    get: &impl Fn(&str) -> Option<String>,
    environment: Environment,
) -> Result<AuthSettings, ConfigError> {
    let production = environment == Environment::Production;
    let algorithm = match get("PLANIPREF_JWT_ALGORITHM").as_deref().map(str::trim) {
        None | Some("HS256") => Algorithm::HS256,
        Some("RS256") => Algorithm::RS256,
        Some("ES256") => Algorithm::ES256,
        Some(other) => {
            return Err(ConfigError {
                name: "PLANIPREF_JWT_ALGORITHM",
                message: format!("expected HS256, RS256 or ES256, got {other:?}"),
            });
        }
    };
    let key = if algorithm == Algorithm::HS256 {
        let secret = get("PLANIPREF_JWT_SECRET");
        match (secret, production) {
            (None, false) => DEVELOPMENT_SECRET.as_bytes().to_vec(),
            (None, true) => {
                return Err(ConfigError {
                    name: "PLANIPREF_JWT_SECRET",
                    message: "required in production with HS256".into(),
                });
            }
            (Some(s), true) if s == DEVELOPMENT_SECRET || s.len() < MIN_SECRET_BYTES => {
                return Err(ConfigError {
                    name: "PLANIPREF_JWT_SECRET",
                    message: format!(
                        "in production it must be a secret of your own, at least {MIN_SECRET_BYTES} bytes"
                    ),
                });
            }
            (Some(s), _) => s.into_bytes(),
        }
    } else {
        let name = "PLANIPREF_JWT_PUBLIC_KEY_FILE";
        let path = get(name).ok_or_else(|| ConfigError {
            name,
            message: format!(
                "required with {algorithm:?}: the identity provider's public key (PEM)"
            ),
        })?;
        std::fs::read(&path).map_err(|e| ConfigError {
            name,
            message: format!("cannot read {path}: {e}"),
        })?
    };
    let issuer = match (get("PLANIPREF_JWT_ISSUER"), production) {
        (Some(i), _) => i,
        (None, false) => "planipref-dev".to_owned(),
        (None, true) => {
            return Err(ConfigError {
                name: "PLANIPREF_JWT_ISSUER",
                message: "required in production".into(),
            });
        }
    };
    let audience = get("PLANIPREF_JWT_AUDIENCE").unwrap_or_else(|| "planipref".to_owned());
    Ok(AuthSettings {
        algorithm,
        key,
        issuer,
        audience,
    })
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
    use std::cell::RefCell;
    use std::collections::{BTreeSet, HashMap};

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
    fn production_refuses_the_development_secret_and_missing_settings() {
        let e = config(&[("PLANIPREF_ENV", "production")]).expect_err("no secret");
        assert!(e.to_string().starts_with("PLANIPREF_JWT_SECRET"), "{e}");
        let e = config(&[
            ("PLANIPREF_ENV", "production"),
            ("PLANIPREF_JWT_SECRET", DEVELOPMENT_SECRET),
        ])
        .expect_err("dev secret");
        assert!(e.to_string().starts_with("PLANIPREF_JWT_SECRET"), "{e}");
        let e = config(&[
            ("PLANIPREF_ENV", "production"),
            ("PLANIPREF_JWT_SECRET", "short"),
        ])
        .expect_err("short");
        assert!(e.to_string().starts_with("PLANIPREF_JWT_SECRET"), "{e}");
        let secret = "0123456789abcdef0123456789abcdef";
        let e = config(&[
            ("PLANIPREF_ENV", "production"),
            ("PLANIPREF_JWT_SECRET", secret),
        ])
        .expect_err("no issuer");
        assert!(e.to_string().starts_with("PLANIPREF_JWT_ISSUER"), "{e}");
        let c = config(&[
            ("PLANIPREF_ENV", "production"),
            ("PLANIPREF_JWT_SECRET", secret),
            ("PLANIPREF_JWT_ISSUER", "https://idp.example"),
        ])
        .expect("complete");
        assert_eq!(c.environment, Environment::Production);
        assert_eq!(c.auth.key, secret.as_bytes());
    }

    #[test]
    fn asymmetric_algorithms_need_a_readable_public_key() {
        let e = config(&[("PLANIPREF_JWT_ALGORITHM", "RS256")]).expect_err("no key");
        assert!(
            e.to_string().starts_with("PLANIPREF_JWT_PUBLIC_KEY_FILE"),
            "{e}"
        );
        let e = config(&[
            ("PLANIPREF_JWT_ALGORITHM", "RS256"),
            ("PLANIPREF_JWT_PUBLIC_KEY_FILE", "/nonexistent.pem"),
        ])
        .expect_err("missing file");
        assert!(e.to_string().contains("/nonexistent.pem"), "{e}");
        let e = config(&[("PLANIPREF_JWT_ALGORITHM", "none")]).expect_err("none");
        assert!(e.to_string().starts_with("PLANIPREF_JWT_ALGORITHM"), "{e}");
    }

    #[test]
    fn the_public_development_secret_is_refused_beyond_loopback() {
        for bind in [
            "127.0.0.1:8080",
            "localhost:8080",
            "[::1]:8080",
            "127.0.0.1:0",
        ] {
            assert!(config(&[("PLANIPREF_BIND", bind)]).is_ok(), "{bind}");
        }
        for bind in [
            "0.0.0.0:8080",
            "10.1.2.3:80",
            "[::]:8080",
            "planipref.example:8080",
        ] {
            let e = config(&[("PLANIPREF_BIND", bind)]).expect_err(bind);
            assert!(e.to_string().starts_with("PLANIPREF_JWT_SECRET"), "{e}");
        }
        let own = "a-secret-of-my-own-that-is-long-enough";
        // The router's development secret is public too.
        let e = config(&[
            ("PLANIPREF_BIND", "0.0.0.0:8080"),
            ("PLANIPREF_JWT_SECRET", own),
        ])
        .expect_err("router secret");
        assert!(e.to_string().starts_with("PLANIPREF_ROUTER_SECRET"), "{e}");
        assert!(
            config(&[
                ("PLANIPREF_BIND", "0.0.0.0:8080"),
                ("PLANIPREF_JWT_SECRET", own),
                (
                    "PLANIPREF_ROUTER_SECRET",
                    "the-router-secret-shared-with-dila-long"
                )
            ])
            .is_ok()
        );
    }

    #[test]
    fn the_router_is_verified_apart_from_agents_and_only_when_configured() {
        let dev = config(&[]).expect("development");
        let router = dev.router.expect("a development router");
        assert_eq!(router.issuer, "dila-router-dev");
        assert_ne!(router.key, dev.auth.key, "never the agents' key");
        let production = [
            ("PLANIPREF_ENV", "production"),
            (
                "PLANIPREF_JWT_SECRET",
                "a-secret-of-my-own-that-is-long-enough",
            ),
            ("PLANIPREF_JWT_ISSUER", "https://agents.example"),
        ];
        assert!(config(&production).expect("production").router.is_none());
        let mut with_router = production.to_vec();
        with_router.push(("PLANIPREF_ROUTER_ISSUER", "https://dila.example"));
        let e = config(&with_router).expect_err("a secret is required");
        assert!(e.to_string().starts_with("PLANIPREF_ROUTER_SECRET"), "{e}");
        with_router.push((
            "PLANIPREF_ROUTER_SECRET",
            "the-router-secret-shared-with-dila-long",
        ));
        with_router.push(("PLANIPREF_ROUTER_AUDIENCE", "planipref-93"));
        let r = config(&with_router)
            .expect("production")
            .router
            .expect("router");
        assert_eq!(
            (r.issuer.as_str(), r.audience.as_str()),
            ("https://dila.example", "planipref-93")
        );
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

    #[test]
    fn a_holds_length_is_ten_minutes_unless_set_within_an_hour() {
        assert_eq!(config(&[]).expect("defaults").booking.hold_minutes, 10);
        let c = config(&[("PLANIPREF_HOLD_MINUTES", "3")]).expect("three");
        assert_eq!(c.booking.hold_minutes, 3);
        let c = config(&[("PLANIPREF_HOLD_MINUTES", "60")]).expect("an hour");
        assert_eq!(c.booking.hold_minutes, 60);
        // Empty, as an unset variable: the default.
        let c = config(&[("PLANIPREF_HOLD_MINUTES", " ")]).expect("empty");
        assert_eq!(c.booking.hold_minutes, 10);
        for bad in ["0", "61", "ten", "-5", "2.5"] {
            let e = config(&[("PLANIPREF_HOLD_MINUTES", bad)]).expect_err(bad);
            assert!(e.to_string().starts_with("PLANIPREF_HOLD_MINUTES"), "{e}");
        }
    }

    #[test]
    fn variables_lists_exactly_the_variables_read() {
        // Any readable file stands for a PEM key here: the configuration
        // only reads it (the verifiers parse it).
        let key = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
        let read = RefCell::new(BTreeSet::new());
        // The defaults take every branch but the asymmetric keys' ones.
        for vars in [
            vec![],
            vec![
                ("PLANIPREF_JWT_ALGORITHM", "RS256"),
                ("PLANIPREF_JWT_PUBLIC_KEY_FILE", key),
                ("PLANIPREF_ROUTER_ALGORITHM", "ES256"),
                ("PLANIPREF_ROUTER_PUBLIC_KEY_FILE", key),
            ],
        ] {
            let map: HashMap<&str, &str> = vars.into_iter().collect();
            let config = Config::from_lookup(|name| {
                read.borrow_mut().insert(name.to_owned());
                map.get(name).map(|v| (*v).to_owned())
            });
            assert!(config.is_ok(), "{config:?}");
        }
        let listed: BTreeSet<String> = VARIABLES.iter().map(|v| (*v).to_owned()).collect();
        assert_eq!(read.into_inner(), listed);
    }

    /// Documented variables that the configuration does not read, and are
    /// read elsewhere.
    const READ_ELSEWHERE: &[&str] = &[
        // By the tests' temporary databases and scripts/test.sh.
        "PLANIPREF_TEST_POSTGRES_URL",
    ];

    fn repository_file(name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The `PLANIPREF_*` variables `.env.example` sets, or shows commented
    /// out (`# NAME=value`).
    fn set_in_env_example(text: &str) -> BTreeSet<String> {
        text.lines()
            .filter_map(|line| line.trim_start_matches('#').trim().split_once('='))
            .map(|(name, _)| name)
            .filter(|name| {
                name.starts_with("PLANIPREF_")
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            })
            .map(str::to_owned)
            .collect()
    }

    /// The `PLANIPREF_*` variables named in the first column of the
    /// README's configuration table.
    fn in_readme_table(text: &str) -> BTreeSet<String> {
        let section = text
            .split_once("\n## Configuration\n")
            .map(|(_, after)| after.split("\n## ").next().unwrap_or(after))
            .expect("the README has a Configuration section");
        section
            .lines()
            .filter_map(|line| line.strip_prefix('|')?.split('|').next())
            .flat_map(|cell| cell.split('`').skip(1).step_by(2))
            .filter(|name| name.starts_with("PLANIPREF_"))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn env_example_and_the_readme_document_exactly_the_variables_read() {
        let read: BTreeSet<&str> = VARIABLES
            .iter()
            .copied()
            .filter(|v| v.starts_with("PLANIPREF_"))
            .collect();
        for (file, documented) in [
            (
                ".env.example",
                set_in_env_example(&repository_file(".env.example")),
            ),
            ("README.md", in_readme_table(&repository_file("README.md"))),
        ] {
            let missing: Vec<&str> = read
                .iter()
                .copied()
                .filter(|v| !documented.contains(*v))
                .collect();
            assert!(missing.is_empty(), "{file} does not document {missing:?}");
            let unknown: Vec<&String> = documented
                .iter()
                .filter(|v| !read.contains(v.as_str()) && !READ_ELSEWHERE.contains(&v.as_str()))
                .collect();
            assert!(
                unknown.is_empty(),
                "{file} documents {unknown:?}, which the configuration does not read"
            );
        }
    }

    #[test]
    fn the_documentation_readers_find_what_they_look_for() {
        let env = set_in_env_example(
            "# Comment naming PLANIPREF_X in passing.\nPLANIPREF_A=1\n# PLANIPREF_B=/x=y\nRUST_LOG=info\n",
        );
        assert_eq!(
            env,
            BTreeSet::from(["PLANIPREF_A".into(), "PLANIPREF_B".into()])
        );
        let readme = in_readme_table(
            "# T\n## Configuration\n| variable | d |\n| --- | --- |\n| `PLANIPREF_A` (or `DATABASE_URL`) | `PLANIPREF_NOT` |\n| `RUST_LOG` | x |\n\n## Next\n| `PLANIPREF_C` | |\n",
        );
        assert_eq!(readme, BTreeSet::from(["PLANIPREF_A".into()]));
    }
}
