//! How tokens are verified: the agents' (`PLANIPREF_JWT_*`) and the
//! router's contexts (`PLANIPREF_ROUTER_*`), with the secrets production
//! refuses.

use planipref_api::security::agent::{Algorithm, AuthSettings, DEVELOPMENT_SECRET};

use super::{ConfigError, Environment};

/// Shortest HS256 secret accepted in production (256 bits).
pub const MIN_SECRET_BYTES: usize = 32;

pub(super) fn auth_settings(
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

/// The router's context verification: in development, the public
/// development secret unless configured; in production, only when
/// `PLANIPREF_ROUTER_ISSUER` is set (HS256 with `PLANIPREF_ROUTER_SECRET`,
/// or RS256/ES256 with `PLANIPREF_ROUTER_PUBLIC_KEY_FILE`).
pub(super) fn router_settings(
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
