//! The national hubs allowed to call (`PLANIPREF_HUBS`) and the links
//! they are given (`PLANIPREF_HUB_BOOKING_URL`,
//! `PLANIPREF_HUB_MANAGEMENT_URL`).
//!
//! `PLANIPREF_HUBS` lists `name:digest[:rate]`, comma-separated: each
//! hub's name (for logs and metrics), the SHA-256 digest of its shared
//! token in 64 hexadecimal digits (`planipref hub-token NAME` makes a
//! token and prints its entry; the token itself is never configured), and
//! its requests a minute (default 600). In development, when unset, one
//! hub `dev` calls with the public development token; in production, no
//! hub unless listed, and the development token is refused.

use planipref_api::security::hub::{
    BOOKING_URL_PLACES, DEFAULT_HUB_REQUESTS_PER_MINUTE, DEVELOPMENT_HUB_TOKEN, Hub, HubSettings,
    MANAGEMENT_URL_PLACES,
};
use planipref_domain::hub::{UrlTemplate, is_hub_name, parse_digest, token_digest};

use super::{ConfigError, Environment};

/// The hubs and their links.
pub(super) fn hub_settings(
    get: &impl Fn(&str) -> Option<String>,
    environment: Environment,
) -> Result<HubSettings, ConfigError> {
    let production = environment == Environment::Production;
    let hubs = match get("PLANIPREF_HUBS") {
        Some(raw) => raw
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|e| hub(e, production))
            .collect::<Result<Vec<_>, _>>()?,
        None if production => vec![],
        None => vec![Hub {
            name: "dev".to_owned(),
            token_digest: token_digest(DEVELOPMENT_HUB_TOKEN),
            requests_per_minute: DEFAULT_HUB_REQUESTS_PER_MINUTE,
        }],
    };
    for (i, h) in hubs.iter().enumerate() {
        if hubs[..i].iter().any(|o| o.name == h.name) {
            return Err(refused(format!("the hub {} is listed twice", h.name)));
        }
    }
    let defaults = HubSettings::default();
    let link = |name: &'static str, places: &[&str], default: UrlTemplate| match get(name) {
        Some(raw) => UrlTemplate::parse(&raw, places, !production)
            .map_err(|message| ConfigError { name, message }),
        // Links to this machine mean nothing to an applicant elsewhere.
        None if production && !hubs.is_empty() => Err(ConfigError {
            name,
            message: "required in production when hubs are listed (PLANIPREF_HUBS)".into(),
        }),
        None => Ok(default),
    };
    Ok(HubSettings {
        booking_url: link(
            "PLANIPREF_HUB_BOOKING_URL",
            BOOKING_URL_PLACES,
            defaults.booking_url,
        )?,
        management_url: link(
            "PLANIPREF_HUB_MANAGEMENT_URL",
            MANAGEMENT_URL_PLACES,
            defaults.management_url,
        )?,
        hubs,
    })
}

fn refused(message: String) -> ConfigError {
    ConfigError {
        name: "PLANIPREF_HUBS",
        message,
    }
}

/// One entry, `name:digest[:rate]`.
fn hub(entry: &str, production: bool) -> Result<Hub, ConfigError> {
    let mut parts = entry.split(':').map(str::trim);
    let (name, digest, rate) = (parts.next(), parts.next(), parts.next());
    let name = name.filter(|n| is_hub_name(n)).ok_or_else(|| {
        refused(format!(
            "{entry:?}: a hub's name is 1 to 32 lower-case letters, digits or hyphens"
        ))
    })?;
    let token_digest = digest.and_then(parse_digest).ok_or_else(|| {
        refused(format!(
            "the hub {name}: expected name:digest[:rate], the digest being the token's SHA-256 in 64 hexadecimal digits (planipref hub-token {name})"
        ))
    })?;
    if production && token_digest == planipref_domain::hub::token_digest(DEVELOPMENT_HUB_TOKEN) {
        return Err(refused(format!(
            "the hub {name} uses the public development token"
        )));
    }
    let requests_per_minute = match rate {
        None => DEFAULT_HUB_REQUESTS_PER_MINUTE,
        Some(r) => r
            .parse()
            .ok()
            .filter(|n| (1..=100_000).contains(n))
            .ok_or_else(|| {
                refused(format!(
                    "the hub {name}: its rate must be 1 to 100000 requests a minute"
                ))
            })?,
    };
    if parts.next().is_some() {
        return Err(refused(format!(
            "the hub {name}: expected name:digest[:rate]"
        )));
    }
    Ok(Hub {
        name: name.to_owned(),
        token_digest,
        requests_per_minute,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use planipref_domain::hub::digest_hex;
    use std::collections::HashMap;

    fn read(vars: &[(&str, &str)], environment: Environment) -> Result<HubSettings, ConfigError> {
        let map: HashMap<&str, &str> = vars.iter().copied().collect();
        hub_settings(&|name| map.get(name).map(|v| (*v).to_owned()), environment)
    }

    #[test]
    fn development_has_the_development_hub_and_production_none_unless_listed() {
        let dev = read(&[], Environment::Development).unwrap();
        assert_eq!(dev.hubs.len(), 1);
        assert_eq!(
            dev.hubs[0].token_digest,
            token_digest(DEVELOPMENT_HUB_TOKEN)
        );
        assert!(read(&[], Environment::Production).unwrap().hubs.is_empty());
    }

    #[test]
    fn hubs_are_listed_with_their_digest_and_rate() {
        let ants = digest_hex(&token_digest("token-of-ants"));
        let dila = digest_hex(&token_digest("token-of-dila"));
        let list = format!("ants:{ants}:1200, dila:{dila}");
        let s = read(
            &[
                ("PLANIPREF_HUBS", &list),
                (
                    "PLANIPREF_HUB_BOOKING_URL",
                    "https://rdv.example.gouv.fr/reserver?site={site_id}&start={start}",
                ),
                (
                    "PLANIPREF_HUB_MANAGEMENT_URL",
                    "https://rdv.example.gouv.fr/rendez-vous/{reference}",
                ),
            ],
            Environment::Production,
        )
        .unwrap();
        assert_eq!(s.hubs.len(), 2);
        assert_eq!(
            (s.hubs[0].name.as_str(), s.hubs[0].requests_per_minute),
            ("ants", 1200)
        );
        assert_eq!(
            s.hubs[1].requests_per_minute,
            DEFAULT_HUB_REQUESTS_PER_MINUTE
        );
        assert_eq!(s.hubs[1].token_digest, token_digest("token-of-dila"));
        assert!(
            s.booking_url
                .as_str()
                .starts_with("https://rdv.example.gouv.fr")
        );
    }

    #[test]
    fn bad_entries_and_links_are_refused_naming_the_variable() {
        let ants = digest_hex(&token_digest("token-of-ants"));
        let dev = digest_hex(&token_digest(DEVELOPMENT_HUB_TOKEN));
        let cases = [
            ("PLANIPREF_HUBS", format!("ants:{}", &ants[..60])),
            ("PLANIPREF_HUBS", format!("ANTS:{ants}")),
            ("PLANIPREF_HUBS", format!("ants:{ants}:0")),
            ("PLANIPREF_HUBS", format!("ants:{ants}:10:x")),
            ("PLANIPREF_HUBS", format!("ants:{ants},ants:{ants}")),
            ("PLANIPREF_HUBS", format!("ants:{dev}")),
            ("PLANIPREF_HUBS", "ants".to_owned()),
        ];
        let booking = ("PLANIPREF_HUB_BOOKING_URL", "https://x.fr/{site_id}");
        let managing = ("PLANIPREF_HUB_MANAGEMENT_URL", "https://x.fr/{reference}");
        for (name, value) in &cases {
            let e = read(&[(name, value), booking, managing], Environment::Production)
                .expect_err(value);
            assert!(e.to_string().starts_with("PLANIPREF_HUBS"), "{e}");
        }
        let listed = format!("ants:{ants}");
        let e = read(
            &[("PLANIPREF_HUBS", &listed), managing],
            Environment::Production,
        )
        .expect_err("no booking link");
        assert!(
            e.to_string().starts_with("PLANIPREF_HUB_BOOKING_URL"),
            "{e}"
        );
        let e = read(
            &[
                ("PLANIPREF_HUBS", &listed),
                ("PLANIPREF_HUB_BOOKING_URL", "http://x.fr/{site_id}"),
                managing,
            ],
            Environment::Production,
        )
        .expect_err("plain http");
        assert!(
            e.to_string().starts_with("PLANIPREF_HUB_BOOKING_URL"),
            "{e}"
        );
        let e = read(
            &[("PLANIPREF_HUB_MANAGEMENT_URL", "https://x.fr/{token}")],
            Environment::Development,
        )
        .expect_err("unknown place");
        assert!(e.to_string().contains("{token}"), "{e}");
    }
}
