//! The file-status connectors: `PLANIPREF_FILE_CHECK_ANEF_URL` and
//! `…_ANEF_TOKEN`, `PLANIPREF_FILE_CHECK_SNPC_URL` and `…_SNPC_TOKEN`,
//! `PLANIPREF_FILE_CHECK_TIMEOUT_MS` (see `docs/file-status.md`).

use std::time::Duration;

use planipref_api::file_status::{DEFAULT_TIMEOUT, Endpoint, FileStatusSettings};

use super::{ConfigError, Environment, number};

/// The shortest and longest time a check may be given, in milliseconds.
const TIMEOUT_MS: (u32, u32) = (50, 30_000);

pub(super) fn file_status_settings(
    get: &impl Fn(&str) -> Option<String>,
    environment: Environment,
) -> Result<FileStatusSettings, ConfigError> {
    let production = environment == Environment::Production;
    let endpoint = |url: &'static str, token: &'static str| -> Result<_, ConfigError> {
        match (get(url), get(token)) {
            (None, None) => Ok(None),
            (None, Some(_)) => Err(ConfigError {
                name: token,
                message: format!("is given without {url}"),
            }),
            (Some(raw), token) => {
                let u = raw.trim().to_owned();
                let secure = u.starts_with("https://") || (!production && u.starts_with("http://"));
                if !secure {
                    return Err(ConfigError {
                        name: url,
                        message: "expected an https:// URL (http:// outside production)".into(),
                    });
                }
                Ok(Some(Endpoint {
                    url: u,
                    token: token.map(|t| t.trim().to_owned()),
                }))
            }
        }
    };
    let timeout = number(
        get,
        "PLANIPREF_FILE_CHECK_TIMEOUT_MS",
        TIMEOUT_MS.0,
        TIMEOUT_MS.1,
    )?
    .map_or(DEFAULT_TIMEOUT, |ms| Duration::from_millis(u64::from(ms)));
    Ok(FileStatusSettings {
        anef: endpoint(
            "PLANIPREF_FILE_CHECK_ANEF_URL",
            "PLANIPREF_FILE_CHECK_ANEF_TOKEN",
        )?,
        snpc: endpoint(
            "PLANIPREF_FILE_CHECK_SNPC_URL",
            "PLANIPREF_FILE_CHECK_SNPC_TOKEN",
        )?,
        timeout,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use planipref_domain::file_check::FileSystem;

    fn settings(
        vars: &[(&str, &str)],
        environment: Environment,
    ) -> Result<FileStatusSettings, ConfigError> {
        let get = |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        };
        file_status_settings(&get, environment)
    }

    #[test]
    fn no_connector_and_four_seconds_by_default() {
        let s = settings(&[], Environment::Development).unwrap();
        assert!(s.anef.is_none() && s.snpc.is_none());
        assert_eq!(s.timeout, Duration::from_secs(4));
    }

    #[test]
    fn each_system_has_its_endpoint_and_token_and_the_timeout_is_set_in_milliseconds() {
        let s = settings(
            &[
                (
                    "PLANIPREF_FILE_CHECK_ANEF_URL",
                    "https://anef.example.gouv.fr/status",
                ),
                ("PLANIPREF_FILE_CHECK_ANEF_TOKEN", "s3cret"),
                (
                    "PLANIPREF_FILE_CHECK_SNPC_URL",
                    "https://snpc.example.gouv.fr/status",
                ),
                ("PLANIPREF_FILE_CHECK_TIMEOUT_MS", "2500"),
            ],
            Environment::Production,
        )
        .unwrap();
        let anef = s.endpoint(FileSystem::Anef).unwrap();
        assert_eq!(anef.url, "https://anef.example.gouv.fr/status");
        assert_eq!(anef.token.as_deref(), Some("s3cret"));
        assert_eq!(s.endpoint(FileSystem::Snpc).unwrap().token, None);
        assert_eq!(s.timeout, Duration::from_millis(2500));
        // Its secret stays out of debug output.
        assert!(!format!("{s:?}").contains("s3cret"));
    }

    #[test]
    fn bad_settings_name_their_variable() {
        let refused = |vars: &[(&str, &str)], environment| {
            settings(vars, environment).unwrap_err().to_string()
        };
        let production = Environment::Production;
        assert!(
            refused(
                &[("PLANIPREF_FILE_CHECK_SNPC_URL", "http://snpc.local/status")],
                production
            )
            .starts_with("PLANIPREF_FILE_CHECK_SNPC_URL:")
        );
        assert!(
            settings(
                &[(
                    "PLANIPREF_FILE_CHECK_SNPC_URL",
                    "http://127.0.0.1:9000/status"
                )],
                Environment::Development
            )
            .is_ok()
        );
        assert!(
            refused(&[("PLANIPREF_FILE_CHECK_ANEF_TOKEN", "s3cret")], production)
                .starts_with("PLANIPREF_FILE_CHECK_ANEF_TOKEN:")
        );
        for bad in ["0", "10", "40000", "4s"] {
            assert!(
                refused(&[("PLANIPREF_FILE_CHECK_TIMEOUT_MS", bad)], production)
                    .starts_with("PLANIPREF_FILE_CHECK_TIMEOUT_MS:"),
                "{bad}"
            );
        }
    }
}
