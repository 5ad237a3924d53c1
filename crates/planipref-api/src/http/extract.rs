//! Extractors that turn a request into typed input or a precise problem:
//! a JSON body and a query string whose errors name the offending field,
//! and the management-token header.

use std::future::Future;
use std::pin::Pin;

use crate::http::error::ApiError;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

/// Largest JSON body accepted, in bytes. A reservation is well under 2 KiB,
/// but the largest body the document allows (a motif with its longest
/// description, instructions and 30 documents, written with `\uXXXX`
/// escapes) is about 100 KiB: every body the document allows is read.
pub const BODY_LIMIT_BYTES: usize = 128 * 1024;

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
        let content_type_ok = req.headers().get(CONTENT_TYPE).is_some_and(|v| {
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
            let mut json: serde_json::Value =
                serde_json::from_slice(&bytes).map_err(|e| ApiError::Malformed {
                    detail: format!("invalid JSON: {}", without_values(&e.to_string())),
                    field: None,
                })?;
            whole_numbers_as_integers(&mut json);
            let value = serde_path_to_error::deserialize(json).map_err(|e| malformed(&e))?;
            Ok(Self(value))
        })
    }
}

/// Writes every number with no fractional part (`2.0`, `1e2`) as an
/// integer: JSON Schema counts them as integers, so a client generated
/// from the document may send them where an integer is expected.
fn whole_numbers_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                // Exact below 2^53: the cast keeps the value.
                #[allow(clippy::cast_possible_truncation)]
                let whole = f as i64;
                *value = Value::from(whole);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
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

/// Every key and value of the query, in order, decoded (keys may repeat:
/// `meeting_point_ids=a&meeting_point_ids=b`); checked by the operation.
#[derive(Debug)]
pub struct QueryPairs(pub Vec<(String, String)>);

impl FromRequest for QueryPairs {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let pairs = form_urlencoded::parse(req.query_string().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        std::future::ready(Ok(Self(pairs)))
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

/// A convocation's token, when the request presents one (blank or
/// unreadable bytes: a token that matches nothing, refused like an
/// unknown one rather than read as no convocation).
#[derive(Debug, Default)]
pub struct ConvocationTokenHeader(pub Option<String>);

impl FromRequest for ConvocationTokenHeader {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = req
            .headers()
            .get(CONVOCATION_TOKEN_HEADER)
            .map(|v| v.to_str().map(str::trim).unwrap_or("?").to_owned());
        std::future::ready(Ok(Self(token)))
    }
}

#[cfg(test)]
mod tests {
    use super::{whole_numbers_as_integers, without_values};

    #[test]
    fn whole_numbers_are_read_as_integers_and_others_left_alone() {
        let mut v = serde_json::json!({"persons": 2.0, "deep": [1e2, 1.5, -3.0], "n": 7});
        whole_numbers_as_integers(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"persons": 2, "deep": [100, 1.5, -3], "n": 7})
        );
        assert!(v["persons"].is_u64());
    }

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
