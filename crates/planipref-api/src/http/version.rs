//! Versions of what administrators edit (optimistic concurrency).
//!
//! Every editable resource is returned with its `version` (in the body and
//! as a strong `ETag`, `"3"`). A change (`PUT`) must send the version it
//! was made from in `If-Match`: without it the answer is 428; when someone
//! changed the resource since, 409 `stale` naming the current version, and
//! nothing is written. Two agents editing the same guichet can therefore
//! never silently undo each other's work.

use std::future::{Ready, ready};

use crate::http::error::ApiError;
use crate::http::headers::etag;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{ETAG, IF_MATCH};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use serde::Serialize;

/// The version a change was made from, read from `If-Match`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfMatch(pub i32);

impl IfMatch {
    /// The version the resource has once the change is written (a change
    /// raises it by one).
    pub fn next(self) -> i32 {
        self.0.saturating_add(1)
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let mut values = req.headers().get_all(IF_MATCH);
        let result = match (values.next(), values.next()) {
            (None, _) => Err(ApiError::PreconditionRequired),
            (Some(_), Some(_)) => Err(malformed("If-Match must be sent once")),
            (Some(value), None) => value
                .to_str()
                .ok()
                .and_then(parse)
                .map(Self)
                .ok_or_else(|| {
                    malformed(
                        "If-Match must be the resource's ETag as read, a version number in quotes such as \"3\"",
                    )
                }),
        };
        ready(result)
    }
}

/// A version from an `If-Match` value: one strong entity tag (`"3"`), or
/// the bare number. `*` and weak tags (`W/"3"`) are refused: a change must
/// name the version it was made from.
fn parse(value: &str) -> Option<i32> {
    let value = value.trim();
    let number = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    number.parse().ok().filter(|v: &i32| *v >= 1)
}

/// A refused `If-Match`: `detail` is the whole sentence (so that the
/// French catalogue knows it).
fn malformed(detail: &str) -> ApiError {
    ApiError::Malformed {
        detail: detail.to_owned(),
        field: Some("If-Match".to_owned()),
    }
}

/// An answer carrying a resource at `version`: its JSON and its `ETag`.
pub fn versioned<T: Serialize + ?Sized>(
    status: StatusCode,
    body: &T,
    version: i32,
) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((ETAG, etag(version)))
        .json(body)
}

/// A representation of an editable resource: it carries its version.
pub trait Versioned: Serialize {
    /// Its version.
    fn version(&self) -> i32;

    /// An answer carrying it, with its `ETag`.
    fn answer(&self, status: StatusCode) -> HttpResponse {
        versioned(status, self, self.version())
    }

    /// The answer to its creation: 201, its `ETag`, and `Location`, where
    /// it is read.
    fn created_at(&self, location: &str) -> HttpResponse {
        let mut response = self.answer(StatusCode::CREATED);
        if let Ok(value) = actix_web::http::header::HeaderValue::from_str(location) {
            response
                .headers_mut()
                .insert(actix_web::http::header::LOCATION, value);
        }
        response
    }
}

/// Implements [`Versioned`] for types whose `version` field holds it.
macro_rules! versioned_by_field {
    ($($t:ty),+ $(,)?) => {
        $(impl $crate::http::version::Versioned for $t {
            fn version(&self) -> i32 {
                self.version
            }
        })+
    };
}
pub(crate) use versioned_by_field;

/// The `If-Match` header, for the document.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfMatchParam {
    /// Required. The resource's `ETag` (its `version` in quotes, `"3"`) as
    /// read before the change: the change is refused with 409 `stale` if
    /// someone changed it since (read it again and redo the change), and
    /// with 428 without this header.
    #[param(
        rename = "If-Match",
        pattern = "^\"[1-9][0-9]{0,8}\"$",
        example = "\"3\""
    )]
    pub if_match: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_names_one_version() {
        assert_eq!(parse("\"3\""), Some(3));
        assert_eq!(parse(" 12 "), Some(12));
        for refused in [
            "*",
            "W/\"3\"",
            "\"\"",
            "\"0\"",
            "\"-1\"",
            "\"3\", \"4\"",
            "abc",
            "\"99999999999\"",
        ] {
            assert_eq!(parse(refused), None, "{refused}");
        }
        assert_eq!(etag(7), "\"7\"");
        assert_eq!(IfMatch(7).next(), 8);
    }
}
