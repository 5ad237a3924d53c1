//! National hubs (the ANTS model): each calls with its own shared token in
//! `x-hub-rdv-auth-token`, configured as the token's SHA-256 digest (the
//! token itself is never kept), and has its own rate of requests a minute.
//! The [`HubCaller`] extractor, on the hub's routes only, says which hub
//! is calling or refuses the request (401 `hub-unauthorized`, 429).

use std::future::{Ready, ready};
use std::num::NonZeroU32;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use planipref_domain::hub::{UrlTemplate, token_matches};

use crate::http::error::ApiError;

/// The header carrying a hub's shared token.
pub const HUB_TOKEN_HEADER: &str = "x-hub-rdv-auth-token";

/// The places a booking link's template may name.
pub const BOOKING_URL_PLACES: &[&str] = &["site_id", "motif_id", "demarche", "start", "persons"];

/// The places a management link's template may name.
pub const MANAGEMENT_URL_PLACES: &[&str] = &["reference", "site_id"];

/// Requests a minute a hub may make when its own rate is not configured.
pub const DEFAULT_HUB_REQUESTS_PER_MINUTE: u32 = 600;

/// The development hub's token, in development only. It is public (it is
/// in this file): a request bearing it proves nothing.
pub const DEVELOPMENT_HUB_TOKEN: &str = "planipref-hub-development-token-NOT-FOR-PRODUCTION";

/// One hub allowed to call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hub {
    /// Its name, for logs and metrics (`ants`).
    pub name: String,
    /// The SHA-256 digest of its shared token.
    pub token_digest: [u8; 32],
    /// Requests a minute it may make.
    pub requests_per_minute: u32,
}

/// The hubs of a deployment and the links they send applicants to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubSettings {
    /// The hubs allowed to call (none: every hub request is refused).
    pub hubs: Vec<Hub>,
    /// Where an applicant books a time a hub showed
    /// (`PLANIPREF_HUB_BOOKING_URL`; places [`BOOKING_URL_PLACES`]).
    pub booking_url: UrlTemplate,
    /// Where an applicant manages an appointment a hub found
    /// (`PLANIPREF_HUB_MANAGEMENT_URL`; places [`MANAGEMENT_URL_PLACES`]).
    pub management_url: UrlTemplate,
}

impl Default for HubSettings {
    /// No hub; links to a local booking page (development).
    fn default() -> Self {
        Self {
            hubs: vec![],
            booking_url: development_template(
                "http://127.0.0.1:8080/reserver?site={site_id}&motif={motif_id}&start={start}&persons={persons}",
                BOOKING_URL_PLACES,
            ),
            management_url: development_template(
                "http://127.0.0.1:8080/rendez-vous?reference={reference}",
                MANAGEMENT_URL_PLACES,
            ),
        }
    }
}

fn development_template(text: &'static str, places: &[&str]) -> UrlTemplate {
    // Constants of this file, checked against `places` by its test.
    debug_assert!(UrlTemplate::parse(text, places, true).is_ok());
    UrlTemplate::from_constant(text)
}

/// The hubs of this server, each with its own rate limiter.
#[derive(Debug)]
pub struct Hubs {
    settings: HubSettings,
    /// One limiter per hub, in the order of `settings.hubs`.
    rates: Vec<DefaultDirectRateLimiter>,
}

impl Default for Hubs {
    fn default() -> Self {
        Self::new(HubSettings::default())
    }
}

impl Hubs {
    /// The hubs of `settings`.
    pub fn new(settings: HubSettings) -> Self {
        let rates = settings
            .hubs
            .iter()
            .map(|h| {
                let n = NonZeroU32::new(h.requests_per_minute).unwrap_or(NonZeroU32::MIN);
                RateLimiter::direct(Quota::per_minute(n))
            })
            .collect();
        Self { rates, settings }
    }

    /// The settings.
    pub fn settings(&self) -> &HubSettings {
        &self.settings
    }

    /// The hub whose token is `presented`, counted against its rate; 401
    /// when none is, 429 with the seconds to wait when over its rate.
    pub fn admit(&self, presented: Option<&str>) -> Result<&Hub, ApiError> {
        let Some(token) = presented.map(str::trim).filter(|t| !t.is_empty()) else {
            return Err(ApiError::HubUnauthorized("the hub's token is required"));
        };
        // Every hub is compared, so that the time taken says nothing of
        // which one (if any) matched.
        let matched = self
            .settings
            .hubs
            .iter()
            .enumerate()
            .fold(None, |found, (i, hub)| {
                if token_matches(token, &hub.token_digest) {
                    Some(i)
                } else {
                    found
                }
            });
        let Some(i) = matched else {
            return Err(ApiError::HubUnauthorized("the hub's token is not valid"));
        };
        self.rates[i].check().map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::TooManyRequests(wait.as_secs() + 1)
        })?;
        Ok(&self.settings.hubs[i])
    }
}

/// The hub calling, once its token was checked and its rate counted.
#[derive(Debug, Clone)]
pub struct HubCaller(pub String);

impl FromRequest for HubCaller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(hubs) = req.app_data::<web::Data<Hubs>>() else {
            log::error!("no hubs' settings: hub requests impossible");
            return ready(Err(ApiError::Internal));
        };
        // Unreadable bytes are a token that matches nothing.
        let presented = req
            .headers()
            .get(HUB_TOKEN_HEADER)
            .map(|v| v.to_str().unwrap_or("?"));
        ready(hubs.admit(presented).map(|hub| {
            crate::telemetry::hub_admitted(&hub.name);
            Self(hub.name.clone())
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use planipref_domain::hub::token_digest;

    fn hubs(rate: u32) -> Hubs {
        Hubs::new(HubSettings {
            hubs: vec![
                Hub {
                    name: "ants".into(),
                    token_digest: token_digest("token-of-ants"),
                    requests_per_minute: rate,
                },
                Hub {
                    name: "dila".into(),
                    token_digest: token_digest("token-of-dila"),
                    requests_per_minute: rate,
                },
            ],
            ..HubSettings::default()
        })
    }

    #[test]
    fn each_hub_is_known_by_its_token_and_limited_on_its_own() {
        let hubs = hubs(2);
        assert_eq!(hubs.admit(Some("token-of-ants")).unwrap().name, "ants");
        assert_eq!(hubs.admit(Some(" token-of-ants ")).unwrap().name, "ants");
        match hubs.admit(Some("token-of-ants")) {
            Err(ApiError::TooManyRequests(wait)) => assert!((1..=31).contains(&wait), "{wait}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            hubs.admit(Some("token-of-dila")).unwrap().name,
            "dila",
            "another hub has its own rate"
        );
        for refused in [None, Some(""), Some("token-of-ant"), Some("?")] {
            assert!(
                matches!(hubs.admit(refused), Err(ApiError::HubUnauthorized(_))),
                "{refused:?}"
            );
        }
        assert!(matches!(
            Hubs::default().admit(Some(DEVELOPMENT_HUB_TOKEN)),
            Err(ApiError::HubUnauthorized(_))
        ));
    }

    #[test]
    fn the_development_links_are_valid_templates() {
        let d = HubSettings::default();
        assert!(UrlTemplate::parse(d.booking_url.as_str(), BOOKING_URL_PLACES, true).is_ok());
        assert!(UrlTemplate::parse(d.management_url.as_str(), MANAGEMENT_URL_PLACES, true).is_ok());
        assert!(d.booking_url.as_str().contains("{start}"));
        assert_eq!(
            d.management_url.render(&[("reference", "K7QX-M3PA")]),
            "http://127.0.0.1:8080/rendez-vous?reference=K7QX-M3PA"
        );
    }
}
