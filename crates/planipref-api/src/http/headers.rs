//! Headers answers share, written once.

use actix_web::http::header::{CACHE_CONTROL, HeaderName};

/// Responses carrying personal data or a token must not be kept by any
/// cache: the token travels in a custom header, which shared caches do not
/// treat as a credential.
pub const NO_STORE: (HeaderName, &str) = (CACHE_CONTROL, "no-store");

/// The strong entity tag of `version`.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}
