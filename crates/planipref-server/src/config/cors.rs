//! The origins whose pages may call the API from a browser:
//! `PLANIPREF_CORS_ORIGINS` (the public reads and the booking journey) and
//! `PLANIPREF_CORS_ADMIN_ORIGINS` (the agents' operations).

use planipref_api::http::cors::{CorsSettings, parse_origin};

use super::ConfigError;

/// Both lists: comma-separated exact origins, empty when unset (no CORS).
pub(super) fn cors_settings(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<CorsSettings, ConfigError> {
    Ok(CorsSettings {
        public_origins: origins(get, "PLANIPREF_CORS_ORIGINS")?,
        admin_origins: origins(get, "PLANIPREF_CORS_ADMIN_ORIGINS")?,
    })
}

fn origins(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Vec<String>, ConfigError> {
    get(name)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|o| parse_origin(o).map_err(|message| ConfigError { name, message }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(vars: &[(&str, &str)]) -> Result<CorsSettings, ConfigError> {
        let map: HashMap<&str, &str> = vars.iter().copied().collect();
        cors_settings(&|name| map.get(name).map(|v| (*v).to_owned()))
    }

    #[test]
    fn no_origin_is_allowed_unless_listed() {
        assert_eq!(read(&[]).expect("unset"), CorsSettings::default());
        let c = read(&[
            (
                "PLANIPREF_CORS_ORIGINS",
                " https://www.Seine-Saint-Denis.gouv.fr, http://127.0.0.1:8081 ,",
            ),
            (
                "PLANIPREF_CORS_ADMIN_ORIGINS",
                "https://agents.example.gouv.fr",
            ),
        ])
        .expect("two lists");
        assert_eq!(
            c.public_origins,
            [
                "https://www.seine-saint-denis.gouv.fr",
                "http://127.0.0.1:8081"
            ]
        );
        assert_eq!(c.admin_origins, ["https://agents.example.gouv.fr"]);
        let c = read(&[(
            "PLANIPREF_CORS_ORIGINS",
            "http://[::1]:8081,https://[2001:db8::1]",
        )])
        .expect("IPv6");
        assert_eq!(
            c.public_origins,
            ["http://[::1]:8081", "https://[2001:db8::1]"]
        );
    }

    #[test]
    fn an_origin_is_exact_or_refused_naming_the_variable() {
        for bad in [
            "*",
            "www.example.org",
            "https://www.example.org/",
            "https://www.example.org/booking",
            "https://*.example.org",
            "ftp://example.org",
            "https://example.org:443",
            "http://example.org:80",
            "https://example.org:0",
            "https://example.org:99999",
            "https://user@example.org",
            "https://",
            "https://[::1]:443",
            "https://[::1]x",
        ] {
            for name in ["PLANIPREF_CORS_ORIGINS", "PLANIPREF_CORS_ADMIN_ORIGINS"] {
                let e = read(&[(name, bad)]).expect_err(bad);
                assert!(e.to_string().starts_with(name), "{bad}: {e}");
            }
        }
    }
}
