//! Per-client limits: how often one client may search, hold and book on
//! this server (rate limits, answered 429 with `Retry-After`), and how many
//! slots it may hold at once on all servers together (counted in the
//! database, see `Store::create_hold`).
//!
//! The client is the request's peer, or the address a trusted proxy
//! forwarded (`planipref_domain::client::client_address`). Requests with
//! no peer address (tests calling the app directly) are not limited.
//!
//! What a request costs is declared on its route, never read from its raw
//! path: the routes that search, hold or book are wrapped with [`search`],
//! [`hold`] or [`booking`] (`#[get("…", wrap = "from_fn(limits::search)")]`), so a
//! percent-encoded path that actix routes to them is counted like the
//! plain one.

use std::net::IpAddr;
use std::num::NonZeroU32;

use crate::http::error::ApiError;
use actix_web::HttpRequest;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// How clients are limited (settings of the deployment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitSettings {
    /// Whether limits apply at all (`PLANIPREF_CLIENT_LIMITS=off` turns
    /// them off, e.g. for a load test from one address).
    pub enabled: bool,
    /// Proxies whose `X-Forwarded-For` is believed
    /// (`PLANIPREF_TRUSTED_PROXIES`, comma-separated addresses).
    pub trusted_proxies: Vec<IpAddr>,
    /// Slot searches (slots, first slot, orientation) per client and
    /// minute (`PLANIPREF_SEARCHES_PER_MINUTE`).
    pub searches_per_minute: u32,
    /// Holds per client and minute (`PLANIPREF_HOLDS_PER_MINUTE`).
    pub holds_per_minute: u32,
    /// Bookings per client and minute (`PLANIPREF_BOOKINGS_PER_MINUTE`).
    pub bookings_per_minute: u32,
    /// Live holds per client, on all servers (`PLANIPREF_LIVE_HOLDS_PER_CLIENT`).
    pub live_holds_per_client: u32,
}

impl Default for LimitSettings {
    /// Generous for a person (a few searches a minute, one slot held at a
    /// time), ruinous for a bot farming slots from one address.
    fn default() -> Self {
        Self {
            enabled: true,
            trusted_proxies: vec![],
            searches_per_minute: 120,
            holds_per_minute: 20,
            bookings_per_minute: 10,
            live_holds_per_client: 3,
        }
    }
}

/// What a request costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Search,
    Hold,
    Booking,
}

/// This server's rate limiters, one per kind of request, keyed by client.
#[derive(Debug)]
pub struct ClientLimits {
    settings: LimitSettings,
    searches: DefaultKeyedRateLimiter<IpAddr>,
    holds: DefaultKeyedRateLimiter<IpAddr>,
    bookings: DefaultKeyedRateLimiter<IpAddr>,
}

impl Default for ClientLimits {
    fn default() -> Self {
        Self::new(LimitSettings::default())
    }
}

impl ClientLimits {
    /// Limiters for `settings`.
    pub fn new(settings: LimitSettings) -> Self {
        let per_minute = |n: u32| {
            RateLimiter::keyed(Quota::per_minute(
                NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN),
            ))
        };
        Self {
            searches: per_minute(settings.searches_per_minute),
            holds: per_minute(settings.holds_per_minute),
            bookings: per_minute(settings.bookings_per_minute),
            settings,
        }
    }

    /// The settings.
    pub fn settings(&self) -> &LimitSettings {
        &self.settings
    }

    /// The client of `req`, when limits apply and it has one.
    pub fn client(&self, req: &HttpRequest) -> Option<IpAddr> {
        if !self.settings.enabled {
            return None;
        }
        let forwarded = forwarded_for(req);
        planipref_domain::client::client_address(
            req.peer_addr().map(|a| a.ip()),
            forwarded.as_deref(),
            &self.settings.trusted_proxies,
        )
    }

    /// The live holds one client may have, 0 when not limited.
    pub fn live_holds_per_client(&self) -> u32 {
        if self.settings.enabled {
            self.settings.live_holds_per_client
        } else {
            0
        }
    }

    /// Counts a request of `kind` against its client's rate; 429 with the
    /// seconds to wait when over it.
    pub fn check(&self, kind: Kind, req: &HttpRequest) -> Result<(), ApiError> {
        let Some(client) = self.client(req) else {
            return Ok(());
        };
        let limiter = match kind {
            Kind::Search => &self.searches,
            Kind::Hold => &self.holds,
            Kind::Booking => &self.bookings,
        };
        limiter.check_key(&client).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::TooManyRequests(wait.as_secs() + 1)
        })
    }

    /// Forgets clients idle long enough to be back at their full rate
    /// (the limiters' memory stays bounded by recent clients).
    pub fn forget_idle(&self) {
        self.searches.retain_recent();
        self.holds.retain_recent();
        self.bookings.retain_recent();
    }
}

/// Every `X-Forwarded-For` line, in order, as one list: a proxy may add
/// its own line rather than extend the last one, and the address that
/// counts is the right-most one not added by a trusted proxy. A line that
/// is not text ends the list as garbage would.
fn forwarded_for(req: &HttpRequest) -> Option<String> {
    let lines: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .map(|line| line.to_str().unwrap_or("?"))
        .collect();
    (!lines.is_empty()).then(|| lines.join(","))
}

/// Counts the wrapped route as a slot search (slots, first slot,
/// orientation): `wrap = "from_fn(limits::search)"`.
pub async fn search<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    limited(Kind::Search, req, next).await
}

/// Counts the wrapped route as a hold.
pub async fn hold<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    limited(Kind::Hold, req, next).await
}

/// Counts the wrapped route as a booking (a new appointment, or a move
/// to another slot).
pub async fn booking<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    limited(Kind::Booking, req, next).await
}

/// Answers 429 before any work when the client is over its rate for
/// `kind`; otherwise serves the request.
async fn limited<B: MessageBody + 'static>(
    kind: Kind,
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let over = req
        .app_data::<web::Data<ClientLimits>>()
        .and_then(|limits| limits.check(kind, req.request()).err());
    match over {
        Some(e) => Ok(req.error_response(e).map_into_right_body()),
        None => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn every_forwarded_line_is_read_in_order() {
        let req = TestRequest::get()
            .append_header(("X-Forwarded-For", "192.0.2.1, 198.51.100.7"))
            .append_header(("X-Forwarded-For", "10.0.0.2"))
            .to_http_request();
        assert_eq!(
            forwarded_for(&req).as_deref(),
            Some("192.0.2.1, 198.51.100.7,10.0.0.2")
        );
        assert_eq!(forwarded_for(&TestRequest::get().to_http_request()), None);
    }

    #[test]
    fn a_client_over_its_rate_waits_and_others_do_not() {
        let limits = ClientLimits::new(LimitSettings {
            bookings_per_minute: 2,
            ..LimitSettings::default()
        });
        let from = |ip: &str| {
            TestRequest::post()
                .uri("/api/v1/reservations")
                .peer_addr(format!("{ip}:4000").parse().unwrap())
                .to_http_request()
        };
        assert!(limits.check(Kind::Booking, &from("203.0.113.1")).is_ok());
        assert!(limits.check(Kind::Booking, &from("203.0.113.1")).is_ok());
        match limits.check(Kind::Booking, &from("203.0.113.1")) {
            Err(ApiError::TooManyRequests(wait)) => assert!((1..=31).contains(&wait), "{wait}"),
            other => panic!("{other:?}"),
        }
        assert!(
            limits.check(Kind::Booking, &from("203.0.113.2")).is_ok(),
            "another client"
        );
        let unknown = TestRequest::post()
            .uri("/api/v1/reservations")
            .to_http_request();
        for _ in 0..5 {
            assert!(
                limits.check(Kind::Booking, &unknown).is_ok(),
                "no peer, no limit"
            );
        }
        let off = ClientLimits::new(LimitSettings {
            enabled: false,
            bookings_per_minute: 1,
            ..LimitSettings::default()
        });
        for _ in 0..5 {
            assert!(off.check(Kind::Booking, &from("203.0.113.1")).is_ok());
        }
        assert_eq!(off.live_holds_per_client(), 0);
    }
}
