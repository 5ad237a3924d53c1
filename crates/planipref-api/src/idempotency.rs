//! The `Idempotency-Key` header on booking requests: a retry with the same
//! key and body gets the first answer again and creates nothing; the same
//! key with another body is 422. Keys live in the database (any server
//! process answers the retry) for 24 hours. See
//! `planipref_domain::idempotency` for how answers are kept.

use std::future::Future;

use actix_web::body::to_bytes;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use chrono::{Duration, Utc};
use planipref_domain::idempotency::{HEADER, IdempotencyKey, LIFETIME_HOURS, request_hash};
use planipref_store::idempotency::Claim;

use crate::error::ApiError;
use crate::state::AppState;

/// The header, for the document.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyKeyParam {
    /// Optional. A key of the client's choosing (16 to 128 printable
    /// characters, e.g. a UUID), new for each booking: a retry with the
    /// same key and body gets the first answer again (with
    /// `Idempotent-Replayed: true`) and books nothing; the same key with
    /// another body is 422; a retry while the first is still processed is
    /// 409. Keys are remembered 24 hours, on every server.
    #[param(
        rename = "Idempotency-Key",
        min_length = 16,
        max_length = 128,
        example = "3f2b8c1e-9d4a-4b7e-8f00-1a2b3c4d5e6f"
    )]
    pub idempotency_key: Option<String>,
}

/// The operation a key is bound to: the method and path, and the
/// convocation presented (by its token's hash), so that a retry with
/// another convocation is another request.
pub fn operation(base: &str, convocation: &crate::extract::ConvocationTokenHeader) -> String {
    match &convocation.0 {
        None => base.to_owned(),
        Some(token) => format!(
            "{base} convocation {}",
            planipref_domain::reference::hash_token(token)
        ),
    }
}

/// The request's idempotency key, if it sent one (422 naming the header
/// when malformed).
pub fn key_of(req: &HttpRequest) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(raw) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    let raw = raw
        .to_str()
        .map_err(|_| ApiError::invalid(HEADER, "must be printable characters without spaces"))?;
    IdempotencyKey::parse(raw)
        .map(Some)
        .map_err(|e| ApiError::Validation(vec![e]))
}

/// Runs `handle(body)`, once per key when the request sent one (see
/// [`once`]): `operation` names the endpoint, the body's JSON is what a
/// retry must repeat.
pub async fn honour<B, F, Fut>(
    state: &AppState,
    req: &HttpRequest,
    operation: &str,
    body: B,
    handle: F,
) -> Result<HttpResponse, ApiError>
where
    B: serde::Serialize,
    F: FnOnce(B) -> Fut,
    Fut: Future<Output = Result<HttpResponse, ApiError>>,
{
    match key_of(req)? {
        None => handle(body).await,
        Some(key) => {
            let content = serde_json::to_string(&body).map_err(|_| ApiError::Internal)?;
            once(state, key, operation, &content, || handle(body)).await
        }
    }
}

/// Runs `handle` once per key: the first request with `key` runs it and its
/// answer is kept (unless a server fault, which a retry may not meet); a
/// retry with the same `operation` and `content` gets that answer again,
/// marked `Idempotent-Replayed: true`; one with other content is 422; one
/// arriving while the first still runs is 409.
pub async fn once<F, Fut>(
    state: &AppState,
    key: IdempotencyKey,
    operation: &str,
    content: &str,
    handle: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<HttpResponse, ApiError>>,
{
    let key_hash = key.lookup_hash();
    let request = request_hash(&format!("{operation}\n{content}"));
    let now = Utc::now();
    let claim = {
        let key_hash = key_hash.clone();
        state
            .blocking(move |store| {
                store
                    .claim_idempotency_key(
                        &key_hash,
                        &request,
                        now,
                        Duration::hours(LIFETIME_HOURS),
                    )
                    .map_err(ApiError::from)
            })
            .await?
    };
    match claim {
        Claim::Claimed => {}
        Claim::Answered {
            status,
            sealed_body,
            location,
        } => return replay(&key, status, &sealed_body, location.as_deref()),
        Claim::InProgress => {
            return Err(ApiError::Conflict(
                "a request with this Idempotency-Key is still being processed; retry in a moment",
            ));
        }
        Claim::OtherRequest => {
            return Err(ApiError::invalid(
                HEADER,
                "was already used for another request; use a new key for a new request",
            ));
        }
    }
    let response = match handle().await {
        Ok(response) => response,
        Err(e) => e.error_response(),
    };
    if response.status().is_server_error() {
        let released = state
            .blocking(move |store| {
                store
                    .release_idempotency_key(&key_hash)
                    .map_err(ApiError::from)
            })
            .await;
        if let Err(e) = released {
            log::warn!("releasing an idempotency key failed: {e}");
        }
        return Ok(response);
    }
    let (head, body) = response.into_parts();
    let bytes = to_bytes(body).await.map_err(|_| ApiError::Internal)?;
    let text = String::from_utf8(bytes.to_vec()).map_err(|_| ApiError::Internal)?;
    let location = head
        .headers()
        .get(actix_web::http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let sealed = key.seal(&text);
    let status = head.status().as_u16();
    state
        .blocking(move |store| {
            store
                .answer_idempotency_key(&key_hash, status, &sealed, location.as_deref())
                .map_err(ApiError::from)
        })
        .await?;
    Ok(head.set_body(text).map_into_boxed_body())
}

/// The kept answer, as first sent.
fn replay(
    key: &IdempotencyKey,
    status: u16,
    sealed_body: &str,
    location: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    let body = key.open(sealed_body).ok_or_else(|| {
        log::error!("a kept idempotent answer could not be opened");
        ApiError::Internal
    })?;
    let status = StatusCode::from_u16(status).map_err(|_| ApiError::Internal)?;
    let content_type = if status.is_success() {
        "application/json"
    } else {
        "application/problem+json"
    };
    let mut response = HttpResponse::build(status);
    response
        .insert_header((actix_web::http::header::CONTENT_TYPE, content_type))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .insert_header((
            HeaderName::from_static("idempotent-replayed"),
            HeaderValue::from_static("true"),
        ));
    if let Some(location) = location {
        response.insert_header((actix_web::http::header::LOCATION, location));
    }
    Ok(response.body(body))
}
