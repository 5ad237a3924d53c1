//! Webhooks to préfecture systems, as the Standard Webhooks specification
//! (standardwebhooks.com, v1) describes them: what events there are, which
//! URLs a subscription may name, its secret (`whsec_` and base64), and the
//! signature each delivery carries.
//!
//! A delivery is a `POST` of the event as JSON with three headers:
//! `webhook-id` (the outbox message's id, the same on every attempt),
//! `webhook-timestamp` (seconds since the epoch, of this attempt) and
//! `webhook-signature` (`v1,` and the base64 of HMAC-SHA256 over
//! `{id}.{timestamp}.{body}`, keyed with the secret's decoded bytes).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::FieldError;

/// What a subscription may listen to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Event {
    /// An appointment was booked (on the web, by an agent, an intermediary
    /// or from a convocation).
    ReservationBooked,
    /// It was moved.
    ReservationMoved,
    /// It was cancelled (by its applicant or an agent).
    ReservationCancelled,
    /// A closure or a change of hours: it must be booked again.
    ReservationNeedsRebooking,
    /// The person did not come.
    ReservationNoShow,
    /// A convocation was issued.
    ConvocationIssued,
    /// A convocation was withdrawn.
    ConvocationRevoked,
    /// An administrator's test delivery (every subscription receives it
    /// when asked, whatever its events).
    Ping,
}

impl Event {
    /// The events a subscription may choose (every one but the test).
    pub const ALL: [Self; 7] = [
        Self::ReservationBooked,
        Self::ReservationMoved,
        Self::ReservationCancelled,
        Self::ReservationNeedsRebooking,
        Self::ReservationNoShow,
        Self::ConvocationIssued,
        Self::ConvocationRevoked,
    ];

    /// Its name, the `type` of the payload.
    pub fn code(self) -> &'static str {
        match self {
            Self::ReservationBooked => "reservation.booked",
            Self::ReservationMoved => "reservation.moved",
            Self::ReservationCancelled => "reservation.cancelled",
            Self::ReservationNeedsRebooking => "reservation.needs_rebooking",
            Self::ReservationNoShow => "reservation.no_show",
            Self::ConvocationIssued => "convocation.issued",
            Self::ConvocationRevoked => "convocation.revoked",
            Self::Ping => "webhook.ping",
        }
    }

    /// The event an outbox message of `kind` is (`None`: reminders, which
    /// préfecture systems do not hear of).
    pub fn of_kind(kind: &str) -> Option<Self> {
        Some(match kind {
            "booked" => Self::ReservationBooked,
            "moved" => Self::ReservationMoved,
            "cancelled" => Self::ReservationCancelled,
            "needs_rebooking" => Self::ReservationNeedsRebooking,
            "no_show" => Self::ReservationNoShow,
            "convocation_issued" => Self::ConvocationIssued,
            "convocation_revoked" => Self::ConvocationRevoked,
            _ => return None,
        })
    }

    /// The event named `code`, the test included.
    pub fn named(code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .chain([Self::Ping])
            .find(|e| e.code() == code)
    }

    /// The event named `code`, among those a subscription may choose.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.code() == code)
    }
}

/// The events `raw` names, sorted, each once: at least one, every one known.
pub fn parse_events(field: &str, raw: &[String]) -> Result<Vec<Event>, FieldError> {
    if raw.is_empty() {
        return Err(FieldError::new(field, "must name at least one event"));
    }
    let mut events = Vec::with_capacity(raw.len());
    for (i, code) in raw.iter().enumerate() {
        let event = Event::parse(code.trim()).ok_or_else(|| {
            let known: Vec<&str> = Event::ALL.iter().map(|e| e.code()).collect();
            FieldError::new(
                format!("{field}[{i}]"),
                format!("must be one of {}", known.join(", ")),
            )
        })?;
        events.push(event);
    }
    events.sort();
    events.dedup();
    Ok(events)
}

/// Longest URL accepted.
pub const MAX_URL_CHARS: usize = 2000;

/// Checks a subscription's URL: `https://`, or `http://` to this machine
/// only (`localhost`, `127.0.0.1`, `[::1]`: a receiver under development);
/// no credentials in it (they would be stored and shown in clear: the
/// signature authenticates deliveries), no fragment, no spaces.
pub fn check_url(field: &str, raw: &str) -> Result<String, FieldError> {
    let url = raw.trim();
    let refuse = |why: &str| Err(FieldError::new(field, why));
    if url.is_empty() || url.chars().count() > MAX_URL_CHARS {
        return refuse("must be an https:// URL of at most 2000 characters");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return refuse("must not contain spaces or control characters");
    }
    let lower = url.to_ascii_lowercase();
    let (local_only, rest) = if let Some(rest) = lower.strip_prefix("https://") {
        (false, rest)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        (true, rest)
    } else {
        return refuse("must start with https:// (http:// only to localhost)");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return refuse("must not contain credentials (user:password@): deliveries are signed");
    }
    if url.contains('#') {
        return refuse("must not contain a fragment (#…)");
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().map(|h| format!("[{h}]")),
        None => authority.split(':').next().map(str::to_owned),
    }
    .unwrap_or_default();
    let port = authority.strip_prefix(&host).unwrap_or_default();
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|p| {
            !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit())
        });
    let host_ok = !host.is_empty()
        && (host.starts_with('[')
            || host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'));
    if !host_ok || !port_ok {
        return refuse("must name a host (and an optional port)");
    }
    if local_only && !matches!(host.as_str(), "localhost" | "127.0.0.1" | "[::1]") {
        return refuse("must start with https:// (http:// only to localhost)");
    }
    Ok(url.to_owned())
}

/// Bytes of a new secret's key (the specification asks for 24 to 64).
pub const SECRET_BYTES: usize = 32;
/// The prefix of a secret as shown.
pub const SECRET_PREFIX: &str = "whsec_";

/// A subscription's secret: the key of its signatures.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

// A credential: never printed.
impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// A secret made of `random` bytes.
    pub fn from_random(random: [u8; SECRET_BYTES]) -> Self {
        Self(random.to_vec())
    }

    /// The secret written `whsec_…` (`None` when it is not one).
    pub fn parse(written: &str) -> Option<Self> {
        let key = STANDARD.decode(written.strip_prefix(SECRET_PREFIX)?).ok()?;
        (24..=64).contains(&key.len()).then_some(Self(key))
    }

    /// The secret as shown once to its subscriber, and sealed for the
    /// outbox: `whsec_` and the key in base64.
    pub fn expose(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.0))
    }

    /// The `webhook-signature` of the delivery `id` at `timestamp` (seconds
    /// since the epoch) of `body`: `v1,` and the base64 HMAC-SHA256 of
    /// `{id}.{timestamp}.{body}`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &str) -> String {
        // A key of any length is accepted by HMAC.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            unreachable!("HMAC takes keys of any length")
        };
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body.as_bytes());
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_matches_the_specifications_example() {
        // The example of the Standard Webhooks specification (its
        // reference libraries' tests use the same values).
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn a_secret_round_trips_and_refuses_what_is_not_one() {
        let secret = Secret::from_random([7; SECRET_BYTES]);
        let shown = secret.expose();
        assert!(shown.starts_with("whsec_"));
        assert_eq!(Secret::parse(&shown), Some(secret));
        assert_eq!(Secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), None);
        assert_eq!(Secret::parse("whsec_not base64!"), None);
        assert_eq!(Secret::parse("whsec_AAAA"), None, "too short a key");
        assert_eq!(format!("{:?}", Secret::from_random([1; 32])), "Secret(..)");
    }

    #[test]
    fn urls_are_https_or_local_http_without_credentials() {
        for ok in [
            "https://sias.prefecture.gouv.fr/hooks/planipref",
            "https://10.1.2.3:8443/in?source=planipref",
            "http://localhost:9000/hook",
            "http://127.0.0.1:8080",
            "http://[::1]:8080/x",
            "https://[2001:db8::1]/x",
        ] {
            assert_eq!(check_url("url", ok).as_deref(), Ok(ok), "{ok}");
        }
        for bad in [
            "",
            "ftp://example.org",
            "http://example.org/hook",
            "http://127.0.0.2/hook",
            "https://user:pass@example.org/",
            "https://example.org/a b",
            "https://example.org/#frag",
            "https:///nohost",
            "https://exa_mple.org/",
            "https://example.org:99999999/",
            "https://example.org:/",
        ] {
            let refused = check_url("url", bad).unwrap_err();
            assert_eq!(refused.field, "url", "{bad}");
        }
        let long = format!("https://example.org/{}", "a".repeat(2000));
        assert!(check_url("url", &long).is_err());
    }

    #[test]
    fn events_are_known_sorted_and_once() {
        let raw = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            parse_events(
                "events",
                &raw(&[
                    "reservation.cancelled",
                    "reservation.booked",
                    "reservation.booked"
                ])
            ),
            Ok(vec![Event::ReservationBooked, Event::ReservationCancelled])
        );
        assert_eq!(
            parse_events("events", &[]).unwrap_err().field,
            "events".to_owned()
        );
        let unknown = parse_events("events", &raw(&["reservation.booked", "webhook.ping"]));
        assert_eq!(unknown.unwrap_err().field, "events[1]");
        for e in Event::ALL {
            assert_eq!(Event::parse(e.code()), Some(e));
        }
        assert_eq!(Event::of_kind("reminder"), None);
        assert_eq!(Event::of_kind("no_show"), Some(Event::ReservationNoShow));
    }
}
