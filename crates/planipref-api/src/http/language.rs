//! Languages of answers: what the client prefers (`Accept-Language`),
//! what an answer is in (`Content-Language`, with `Vary: Accept-Language`
//! for caches), and problems in French or English.

use std::future::{Ready, ready};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use planipref_domain::language::{SOURCE_LANGUAGE, negotiate, preferences};

use crate::http::error::ApiError;

/// The languages problems are written in; English unless the client
/// prefers French.
const PROBLEM_LANGUAGES: [&str; 2] = ["en", "fr"];

/// The language ranges the client prefers, most wanted first (empty when
/// it sent no `Accept-Language`, or one that cannot be read: the answer is
/// then in the default language, never refused).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AcceptLanguage(pub Vec<String>);

impl AcceptLanguage {
    /// Of `req`.
    pub fn of(req: &HttpRequest) -> Self {
        Self(
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(preferences)
                .unwrap_or_default(),
        )
    }

    /// The language to answer in among `available` (French, the source,
    /// when nothing else fits).
    pub fn pick<'a>(&self, available: &[&'a str]) -> &'a str {
        negotiate(&self.0, available).unwrap_or(SOURCE_LANGUAGE)
    }

    /// Whether the client reads French first (or says nothing): French,
    /// always available, is then the answer, and nothing needs looking up.
    pub fn wants_source_only(&self) -> bool {
        self.0
            .iter()
            .find(|range| range.as_str() != "*")
            .is_none_or(|range| range == SOURCE_LANGUAGE || range.starts_with("fr-"))
    }
}

impl FromRequest for AcceptLanguage {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self::of(req)))
    }
}

/// The `Accept-Language` header, for the document.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct AcceptLanguageParam {
    /// The languages the applicant reads, most wanted first (RFC 9110).
    /// Motifs' texts come in the best language the préfecture translated
    /// them into, else in French (their `language` says which); the
    /// answer's `Content-Language` lists the languages it holds.
    #[param(rename = "Accept-Language", example = "en-GB,en;q=0.9,fr;q=0.5")]
    pub accept_language: Option<String>,
}

/// `response` saying it holds texts in `languages` (in their order, once
/// each), and that it varies with `Accept-Language`.
pub fn in_languages(mut response: HttpResponse, languages: &[String]) -> HttpResponse {
    let mut listed: Vec<&str> = vec![];
    for language in languages {
        if !listed.contains(&language.as_str()) {
            listed.push(language);
        }
    }
    if listed.is_empty() {
        listed.push(SOURCE_LANGUAGE);
    }
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&listed.join(", ")) {
        headers.insert(header::CONTENT_LANGUAGE, value);
    }
    headers.append(header::VARY, HeaderValue::from_static("Accept-Language"));
    response
}

/// Writes each problem in the language the client prefers (French or
/// English): its `title`, its `detail` and its fields' messages; its
/// `type`, status and headers are unchanged.
pub async fn problems(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let language = AcceptLanguage::of(req.request());
    let french = negotiate(&language.0, &PROBLEM_LANGUAGES) == Some("fr");
    let response = match next.call(req).await {
        Ok(response) => response.map_into_boxed_body(),
        // Refused before a handler (a middleware's refusal): still a problem.
        Err(error) => {
            return Err(match error.as_error::<ApiError>() {
                Some(problem) => Localized {
                    error: problem.clone(),
                    french,
                }
                .into(),
                None => error,
            });
        }
    };
    let Some(problem) = response
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .cloned()
    else {
        return Ok(response);
    };
    let (request, rendered) = response.into_parts();
    Ok(ServiceResponse::new(
        request,
        written_in(rendered, &problem, french),
    ))
}

/// `response`, the answer to `error`, with its body written in French or
/// English and saying so.
fn written_in(mut response: HttpResponse, error: &ApiError, french: bool) -> HttpResponse {
    let headers = response.headers_mut();
    let code = if french { "fr" } else { "en" };
    headers.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(code));
    headers.append(header::VARY, HeaderValue::from_static("Accept-Language"));
    match serde_json::to_string(&error.problem_in(french)) {
        Ok(json) => response.set_body(BoxBody::new(json)),
        Err(_) => response,
    }
}

/// A problem refused before any handler, to be written in the client's
/// language.
#[derive(Debug)]
struct Localized {
    error: ApiError,
    french: bool,
}

impl std::fmt::Display for Localized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl actix_web::ResponseError for Localized {
    fn status_code(&self) -> actix_web::http::StatusCode {
        self.error.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        written_in(self.error.error_response(), &self.error, self.french)
    }
}
