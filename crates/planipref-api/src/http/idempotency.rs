//! The `Idempotency-Key` header, honoured by every `POST` of the API (it
//! wraps the API's scope): a retry with the same key gets the first answer
//! again and does nothing; the same key with another request is 422. Keys
//! live in the database (any server process answers the retry) for 24
//! hours. See `planipref_domain::idempotency` for how answers are kept.
//!
//! A key is its caller's: the agent its bearer token names (whatever the
//! token, which a retry may bring renewed), or the public. A retry is the
//! same request: same method, path and query as sent, same public
//! credentials (management token, convocation token, router context) and
//! the same body, byte for byte. Answers that say the request
//! was not attempted (401, 429) or that the server failed (5xx) are not
//! kept: the key is free again for the retry.

use crate::http::error::ApiError;
use crate::security::agent::Verifier;
use crate::security::agent::bearer_token;
use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{
    self, CACHE_CONTROL, CONTENT_TYPE, ETAG, HeaderName, HeaderValue, LOCATION,
};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chrono::Duration;
use planipref_domain::idempotency::{HEADER, IdempotencyKey, LIFETIME_HOURS, request_hash};
use planipref_store::idempotency::Claim;
use serde::{Deserialize, Serialize};

/// The header, for the document (added to every `POST` by [`document`]).
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyKeyParam {
    /// Optional, once. A key of the client's choosing (16 to 128 printable
    /// characters, e.g. a UUID), new for each request that changes
    /// something: a retry with the same key, path, credentials and body
    /// gets the first answer again (with `Idempotent-Replayed: true`) and
    /// does nothing; the same key with another request is 422; a retry
    /// while the first is still processed is 409. A key is its caller's
    /// (the agent its bearer token names, whichever token; or the public).
    /// Keys are remembered 24 hours, on every server. Answers 401, 429 and
    /// 5xx are not kept.
    #[param(
        rename = "Idempotency-Key",
        nullable = false,
        min_length = 16,
        max_length = 128,
        pattern = "^[!-~]{16,128}$",
        example = "3f2b8c1e-9d4a-4b7e-8f00-1a2b3c4d5e6f"
    )]
    pub idempotency_key: Option<String>,
}

/// The headers whose values make a public request someone's: a retry must
/// carry the same ones (hashed with the request, never stored). An agent
/// is known by its verified identity instead of its token, which a retry
/// may bring renewed.
const CREDENTIALS: [&str; 3] = [
    crate::http::extract::MANAGEMENT_TOKEN_HEADER,
    crate::http::extract::CONVOCATION_TOKEN_HEADER,
    crate::security::router::CONTEXT_HEADER,
];

/// Whose request it is, for the key: the agent its bearer token names, a
/// token that does not verify (its hash: the request will be refused,
/// and a key sent by someone else is not theirs to spend), or the public.
fn caller(keys: &Keys, req: &HttpRequest) -> String {
    let Some(header) = req.headers().get(actix_web::http::header::AUTHORIZATION) else {
        return "public".to_owned();
    };
    match bearer_token(req).map(|t| keys.verifier.verify(t)) {
        Some(Ok(agent)) => agent.actor(),
        _ => format!("unverified:{}", request_hash(&[header.as_bytes()])),
    }
}

/// What the middleware needs: the database keeping the keys, and the
/// agents' verifier (a key is its caller's).
#[derive(Debug, Clone)]
pub struct Keys {
    /// Where keys and answers are kept.
    pub store: planipref_store::Store,
    /// Who an agent is, whichever token they send.
    pub verifier: Verifier,
    /// What time it is (a key lives [`LIFETIME_HOURS`] from its first use).
    pub clock: std::sync::Arc<dyn crate::app::clock::Clock>,
}

impl Keys {
    /// Runs blocking store work off the async workers.
    async fn blocking<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&planipref_store::Store) -> Result<T, ApiError> + Send + 'static,
    {
        crate::blocking::run(&self.store, f).await
    }
}

/// The document with [`IdempotencyKeyParam`] on every `POST`, and the
/// answers it brings: 409 while the first request runs, 422 for a key used
/// for another request (added to the operation's own lines, or
/// described), 400 for a key sent twice.
pub fn document(mut spec: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::IntoParams as _;
    use utoipa::openapi::ResponseBuilder;
    let parameter = IdempotencyKeyParam::into_params(|| None);
    let conflict =
        "a request with the same `Idempotency-Key` is still being processed (`conflict`)";
    let reused = "an `Idempotency-Key` malformed or already used for another request";
    for item in spec.paths.paths.values_mut() {
        let Some(post) = item.post.as_mut() else {
            continue;
        };
        post.parameters
            .get_or_insert_with(Vec::new)
            .extend(parameter.iter().cloned().map(utoipa::openapi::RefOr::T));
        for (code, addition) in [
            ("409", conflict),
            ("422", reused),
            ("400", "`Idempotency-Key` sent twice"),
        ] {
            match post.responses.responses.get_mut(code) {
                Some(utoipa::openapi::RefOr::T(response)) => {
                    if !response.description.contains("Idempotency-Key") {
                        response.description = format!("{}; or {addition}", response.description);
                    }
                }
                Some(utoipa::openapi::RefOr::Ref(_)) => {}
                None => {
                    let response = ResponseBuilder::new()
                        .description(capitalised(addition))
                        .content(
                            "application/problem+json",
                            utoipa::openapi::ContentBuilder::new()
                                .schema(Some(utoipa::openapi::Ref::from_schema_name("Problem")))
                                .build(),
                        )
                        .build();
                    post.responses
                        .responses
                        .insert(code.to_owned(), response.into());
                }
            }
        }
    }
    spec
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The request's idempotency key, if it sent one: 400 when sent twice,
/// 422 naming the header when malformed.
pub fn key_of(req: &HttpRequest) -> Result<Option<IdempotencyKey>, ApiError> {
    let mut values = req.headers().get_all(HEADER);
    let (Some(raw), None) = (values.next(), values.next()) else {
        return match req.headers().contains_key(HEADER) {
            false => Ok(None),
            true => Err(ApiError::Malformed {
                detail: format!("{HEADER} must be sent once"),
                field: Some(HEADER.to_owned()),
            }),
        };
    };
    let raw = raw
        .to_str()
        .map_err(|_| ApiError::invalid(HEADER, "must be printable characters without spaces"))?;
    IdempotencyKey::parse(raw)
        .map(Some)
        .map_err(|e| ApiError::Validation(vec![e]))
}

/// Middleware: runs each `POST` that carries a key once per key: the first
/// request with a key runs and its answer is kept (see the module); a
/// retry of the same request gets that answer again, marked
/// `Idempotent-Replayed: true`; another request is 422; a retry arriving
/// while the first still runs is 409.
pub async fn once_per_key(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let keys = req.app_data::<web::Data<Keys>>().cloned();
    let (Some(keys), true) = (keys, req.method() == Method::POST) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let key = match key_of(req.request()) {
        Ok(Some(key)) => key,
        Ok(None) => {
            return next
                .call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body);
        }
        Err(e) => return Ok(req.error_response(e)),
    };
    let (http, mut payload) = req.into_parts();
    let body = match web::Bytes::from_request(&http, &mut payload).await {
        Ok(body) => body,
        Err(e) => {
            let problem = if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::Malformed {
                    detail: "the body could not be read".to_owned(),
                    field: None,
                }
            };
            return Ok(ServiceResponse::new(
                http,
                HttpResponse::from_error(problem),
            ));
        }
    };
    let key_hash = key.lookup_hash(&caller(&keys, &http));
    let fingerprint = fingerprint(&http, &body);
    let refused = match claim(&keys, &key_hash, fingerprint).await {
        Ok(Claim::Claimed) => None,
        Ok(Claim::Answered {
            status,
            sealed_body,
            location,
        }) => Some(replay(&key, status, &sealed_body, location.as_deref())),
        Ok(Claim::InProgress) => Some(Err(ApiError::Conflict(
            "a request with this Idempotency-Key is still being processed; retry in a moment",
        ))),
        Ok(Claim::OtherRequest) => Some(Err(ApiError::invalid(
            HEADER,
            "was already used for another request; use a new key for a new request",
        ))),
        Err(e) => Some(Err(e)),
    };
    if let Some(answer) = refused {
        // The error stays attached: the problem is then written in the
        // client's language (`http::language::problems`).
        let response = answer.unwrap_or_else(HttpResponse::from_error);
        return Ok(ServiceResponse::new(http, response));
    }
    let response = next
        .call(ServiceRequest::from_parts(http, Payload::from(body)))
        .await?
        .map_into_boxed_body();
    keep(&keys, &key, key_hash, response).await
}

/// What a retry must repeat: method, path and query as sent, credentials,
/// body.
fn fingerprint(req: &HttpRequest, body: &[u8]) -> String {
    let target = req.uri().to_string();
    let mut parts: Vec<&[u8]> = vec![req.method().as_str().as_bytes(), target.as_bytes()];
    for name in CREDENTIALS {
        parts.push(
            req.headers()
                .get(name)
                .map_or(b"-".as_slice(), HeaderValue::as_bytes),
        );
    }
    parts.push(body);
    request_hash(&parts)
}

/// Claims the key for this request, or says what became of it.
async fn claim(keys: &Keys, key_hash: &str, fingerprint: String) -> Result<Claim, ApiError> {
    let key_hash = key_hash.to_owned();
    let now = keys.clock.now();
    keys.blocking(move |store| {
        store
            .claim_idempotency_key(
                &key_hash,
                &fingerprint,
                now,
                Duration::hours(LIFETIME_HOURS),
            )
            .map_err(ApiError::from)
    })
    .await
}

/// Keeps the answer to a claimed key (sealed with it), or frees the key
/// when the request was not attempted (401, 429) or the server failed;
/// then sends the answer.
async fn keep(
    keys: &Keys,
    key: &IdempotencyKey,
    key_hash: String,
    response: ServiceResponse<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let status = response.status();
    let kept = !(status.is_server_error()
        || status == StatusCode::UNAUTHORIZED
        || status == StatusCode::TOO_MANY_REQUESTS);
    if !kept {
        let released = keys
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
    let (http, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let bytes = to_bytes(body).await.map_err(|_| ApiError::Internal)?;
    let text = String::from_utf8(bytes.to_vec()).map_err(|_| ApiError::Internal)?;
    let header = |name: HeaderName| {
        head.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let envelope = Kept {
        content_type: header(CONTENT_TYPE),
        etag: header(ETAG),
        body: text.clone(),
    };
    let sealed = key.seal(&serde_json::to_string(&envelope).map_err(|_| ApiError::Internal)?);
    let location = header(LOCATION);
    let code = status.as_u16();
    keys.blocking(move |store| {
        store
            .answer_idempotency_key(&key_hash, code, &sealed, location.as_deref())
            .map_err(ApiError::from)
    })
    .await?;
    Ok(ServiceResponse::new(
        http,
        head.set_body(text).map_into_boxed_body(),
    ))
}

/// An answer as kept (sealed): what a replay sends again.
#[derive(Debug, Serialize, Deserialize)]
struct Kept {
    content_type: Option<String>,
    etag: Option<String>,
    body: String,
}

/// The kept answer, as first sent.
fn replay(
    key: &IdempotencyKey,
    status: u16,
    sealed_body: &str,
    location: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    let opened = key.open(sealed_body).ok_or_else(|| {
        log::error!("a kept idempotent answer could not be opened");
        ApiError::Internal
    })?;
    let status = StatusCode::from_u16(status).map_err(|_| ApiError::Internal)?;
    // Answers kept before the envelope are the bare body.
    let kept = match serde_json::from_str::<Kept>(&opened) {
        Ok(kept) => kept,
        Err(_) => Kept {
            content_type: None,
            etag: None,
            body: opened,
        },
    };
    let content_type = kept.content_type.unwrap_or_else(|| {
        if status.is_success() {
            "application/json".to_owned()
        } else {
            "application/problem+json".to_owned()
        }
    });
    let mut response = HttpResponse::build(status);
    response
        .insert_header((CONTENT_TYPE, content_type))
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((
            HeaderName::from_static("idempotent-replayed"),
            HeaderValue::from_static("true"),
        ));
    if let Some(location) = location {
        response.insert_header((LOCATION, location));
    }
    if let Some(etag) = kept.etag {
        response.insert_header((header::ETAG, etag));
    }
    Ok(response.body(kept.body))
}
