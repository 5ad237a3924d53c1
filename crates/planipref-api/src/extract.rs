//! Extractors that turn a request into typed input or a precise problem:
//! a JSON body and a query string whose errors name the offending field,
//! and the management-token header.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Largest JSON body accepted, in bytes. A reservation is well under 2 KiB.
pub const BODY_LIMIT_BYTES: usize = 16 * 1024;

/// The header carrying a reservation's management token.
pub const MANAGEMENT_TOKEN_HEADER: &str = "X-Management-Token";
/// The header carrying a convocation's token (from the link an agent
/// sent). A header rather than a query parameter: secrets in URLs end up
/// in access logs and browser histories.
pub const CONVOCATION_TOKEN_HEADER: &str = "X-Convocation-Token";

/// A JSON body. Unlike `web::Json`, its errors are problem+json naming the
/// field at fault (`applicant.birth_date: invalid type: integer, expected a
/// string`), and a body that is not JSON is a 415.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type_ok = req.headers().get(CONTENT_TYPE).is_none_or(|v| {
            v.to_str().is_ok_and(|v| {
                let essence = v
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                essence == "application/json" || essence.ends_with("+json")
            })
        });
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !content_type_ok {
                return Err(ApiError::UnsupportedMediaType);
            }
            let bytes = body.await.map_err(|e| {
                if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge
                } else {
                    ApiError::Malformed {
                        detail: "the body could not be read".to_owned(),
                        field: None,
                    }
                }
            })?;
            // PostgreSQL text cannot hold NUL: refuse it here, for every body.
            if bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
                return Err(ApiError::Malformed {
                    detail: "NUL characters (\\u0000) are not accepted".to_owned(),
                    field: None,
                });
            }
            let mut de = serde_json::Deserializer::from_slice(&bytes);
            let value = serde_path_to_error::deserialize(&mut de).map_err(|e| malformed(&e))?;
            de.end().map_err(|e| ApiError::Malformed {
                detail: format!("invalid JSON: {e}"),
                field: None,
            })?;
            Ok(Self(value))
        })
    }
}

/// Query parameters, read with the same field-naming errors as bodies.
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for QueryParams<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let query = req.query_string().as_bytes();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query));
        std::future::ready(
            serde_path_to_error::deserialize(de)
                .map(Self)
                .map_err(|e| malformed(&e)),
        )
    }
}

fn malformed<E: std::fmt::Display>(e: &serde_path_to_error::Error<E>) -> ApiError {
    let path = e.path().to_string();
    ApiError::Malformed {
        detail: without_values(&e.inner().to_string()),
        // "." is the whole document; "?" marks a place serde could not name.
        field: (path != "." && !path.contains('?')).then_some(path),
    }
}

/// serde quotes the offending value ("invalid type: string \"Dupont Jean
/// 0612…\", expected a date"); problem bodies end up in front ends' logs,
/// so only the kind of value is kept: "invalid type: string, expected …".
fn without_values(message: &str) -> String {
    for prefix in ["invalid type: ", "invalid value: ", "invalid length "] {
        if let Some((found, expected)) = message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split_once(", expected"))
        {
            let kind = found.split_whitespace().next().unwrap_or("value");
            return format!("{prefix}{kind}, expected{expected}");
        }
    }
    message.to_owned()
}

/// The management token a reservation is reached with.
#[derive(Debug)]
pub struct ManagementTokenHeader(pub String);

impl FromRequest for ManagementTokenHeader {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Present but unreadable (not visible ASCII): a wrong token,
        // answered like any other (404). Absent or blank: a 400.
        let result = match req
            .headers()
            .get(MANAGEMENT_TOKEN_HEADER)
            .map(|v| v.to_str())
        {
            None => Err(ApiError::MissingHeader(MANAGEMENT_TOKEN_HEADER)),
            Some(Ok(t)) if t.trim().is_empty() => {
                Err(ApiError::MissingHeader(MANAGEMENT_TOKEN_HEADER))
            }
            Some(Ok(t)) => Ok(Self(t.trim().to_owned())),
            Some(Err(_)) => Ok(Self(String::new())),
        };
        std::future::ready(result)
    }
}

/// A convocation's token, when the request presents one (blank counts as
/// none; unreadable bytes as a token that matches nothing).
#[derive(Debug, Default)]
pub struct ConvocationTokenHeader(pub Option<String>);

impl FromRequest for ConvocationTokenHeader {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = req
            .headers()
            .get(CONVOCATION_TOKEN_HEADER)
            .map(|v| v.to_str().map(str::trim).unwrap_or("?").to_owned())
            .filter(|t| !t.is_empty());
        std::future::ready(Ok(Self(token)))
    }
}

#[cfg(test)]
mod tests {
    use super::without_values;

    #[test]
    fn problem_messages_do_not_echo_submitted_values() {
        assert_eq!(
            without_values(
                "invalid type: string \"Dupont Jean 0612345678\", expected struct ApplicantRequest at line 1 column 40"
            ),
            "invalid type: string, expected struct ApplicantRequest at line 1 column 40"
        );
        assert_eq!(
            without_values(
                "invalid type: integer `19900412`, expected a string at line 1 column 9"
            ),
            "invalid type: integer, expected a string at line 1 column 9"
        );
        assert_eq!(
            without_values("missing field `email`"),
            "missing field `email`"
        );
    }
}
