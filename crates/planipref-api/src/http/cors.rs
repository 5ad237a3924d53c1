//! Browsers' cross-origin requests (CORS): which pages, served from which
//! origins, may call which operations.
//!
//! Two audiences, each with its own list of exact origins:
//! - the public reads and the booking journey (the operations tagged
//!   [`PUBLIC_TAGS`] outside `/admin`: sites, orientation, slots and first
//!   slot, démarches and their délais, holds, reservations and their
//!   changes, the applicant's convocation), for the origins of
//!   `PLANIPREF_CORS_ORIGINS` (a préfecture's site, service-public.fr);
//! - the agents' operations under `/admin` (counter, webhooks,
//!   convocations issued…), for the origins of
//!   `PLANIPREF_CORS_ADMIN_ORIGINS` only (a back-office front end).
//!
//! Any other operation (health, readiness, whatever is not tagged for the
//! journey) never answers another origin. An empty list adds no CORS header
//! at all; a request from an origin not listed is served as if CORS did not
//! exist (no `Access-Control-*` header: the browser keeps the answer from
//! the page).
//!
//! The decision keys on the operation a request is routed to, never on its
//! raw path. A preflight (`OPTIONS`) matches no route (each route answers
//! one method), so the operation is looked up in the table of documented
//! operations (built from the same registered services as the 405 table),
//! by the method the preflight announces (`Access-Control-Request-Method`)
//! and the path as actix routes it (percent-decoded, `match_info`):
//! `/api/v1/%61dmin/sites` is the admin operation, and gets no public CORS.
//! The answers themselves (preflight, `Access-Control-Allow-Origin`,
//! exposed headers, `Vary`) are `actix-cors`'s.

use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::rc::Rc;

use actix_cors::{Cors, CorsMiddleware};
use actix_web::ResponseError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ResourceDef, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use utoipa::openapi::OpenApi;

use crate::http::error::ApiError;
use crate::http::routes::operations;

/// The tags of the operations pages of the public's origins may call.
pub const PUBLIC_TAGS: &[&str] = &[
    "sites",
    "orientation",
    "slots",
    "demarches",
    "reservations",
    "convocations",
];

/// Request headers the booking journey sends: JSON bodies, retries,
/// the convocation's and the management tokens, the router's context,
/// the applicant's language.
pub const PUBLIC_REQUEST_HEADERS: &[&str] = &[
    "Accept",
    "Accept-Language",
    "Content-Type",
    "Idempotency-Key",
    "X-Convocation-Token",
    "X-Management-Token",
    "X-Planipref-Context",
];

/// Request headers agents' front ends send besides the journey's: the
/// bearer token and the version a change is made from.
pub const ADMIN_REQUEST_HEADERS: &[&str] = &["Authorization", "If-Match"];

/// Response headers a page may read: versions, where a creation is, how
/// long to wait, the answer's language, the calendar file's name, replays,
/// and the server's time (a hold's countdown corrects the device's clock).
pub const EXPOSED_HEADERS: &[&str] = &[
    "Content-Disposition",
    "Content-Language",
    "Date",
    "ETag",
    "Idempotent-Replayed",
    "Location",
    "Retry-After",
];

/// How long a browser may keep a preflight's answer, in seconds.
pub const MAX_AGE_SECONDS: usize = 600;

/// The origins allowed to call the API from a browser (settings of the
/// deployment). Each is exact: `https://www.seine-saint-denis.gouv.fr`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsSettings {
    /// Pages that may call the public reads and the booking journey
    /// (`PLANIPREF_CORS_ORIGINS`).
    pub public_origins: Vec<String>,
    /// Pages that may call the agents' operations
    /// (`PLANIPREF_CORS_ADMIN_ORIGINS`).
    pub admin_origins: Vec<String>,
}

/// Who may call an operation from another origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The public reads and the booking journey.
    Public,
    /// The agents' operations (`/admin`).
    Admin,
}

/// The audience of every documented operation that has one.
#[derive(Debug, Default)]
pub struct Audiences {
    operations: Vec<(ResourceDef, Method, Audience)>,
}

impl Audiences {
    /// The audiences of `spec`'s operations.
    pub fn from_spec(spec: &OpenApi) -> Self {
        let admin = format!("{}/admin/", crate::BASE_PATH);
        let mut list = vec![];
        for (path, item) in &spec.paths.paths {
            for (method, operation) in operations(item) {
                let public = operation
                    .tags
                    .iter()
                    .flatten()
                    .any(|t| PUBLIC_TAGS.contains(&t.as_str()));
                let audience = if path.starts_with(&admin) {
                    Audience::Admin
                } else if public {
                    Audience::Public
                } else {
                    continue;
                };
                let Ok(method) = Method::from_bytes(method.as_bytes()) else {
                    continue;
                };
                list.push((ResourceDef::new(path.as_str()), method, audience));
            }
        }
        Self { operations: list }
    }

    /// The audience of the operation `method` `path` is routed to, if any.
    /// `path` is the path as routed (percent-decoded), not the raw one.
    pub fn of(&self, method: &Method, path: &str) -> Option<Audience> {
        self.operations
            .iter()
            .find(|(def, m, _)| m == method && def.is_match(path))
            .map(|(_, _, audience)| *audience)
    }
}

/// `raw` as an origin a browser sends (`scheme://host[:port]`, lower
/// case, no default port, no path), or why it is not one.
pub fn parse_origin(raw: &str) -> Result<String, String> {
    let origin = raw.trim().to_ascii_lowercase();
    let (scheme, authority) = origin
        .split_once("://")
        .ok_or_else(|| format!("{raw:?} is not an origin (expected scheme://host[:port])"))?;
    let default_port = match scheme {
        "https" => "443",
        "http" => "80",
        _ => return Err(format!("{raw:?}: the scheme must be https or http")),
    };
    // An IPv6 host is bracketed: its colons are not the port's.
    let after_host = authority.find(']').map_or(0, |end| end + 1);
    let (host, port) = match authority[after_host..].rfind(':') {
        Some(at) => (
            &authority[..after_host + at],
            Some(&authority[after_host + at + 1..]),
        ),
        None => (authority, None),
    };
    let host_ok = match host.strip_prefix('[') {
        Some(v6) => v6
            .strip_suffix(']')
            .is_some_and(|a| a.chars().all(|c| c.is_ascii_hexdigit() || ":.".contains(c))),
        None => {
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-.".contains(c))
        }
    };
    if !host_ok {
        return Err(format!(
            "{raw:?}: an origin has a host and nothing after it (no path, not even `/`; no `*`)"
        ));
    }
    match port {
        Some(p) if p == default_port => Err(format!(
            "{raw:?}: browsers send the origin without the default port {p}"
        )),
        Some(p) if p.parse::<u16>().map_or(true, |n| n == 0) => {
            Err(format!("{raw:?}: {p:?} is not a port"))
        }
        _ => Ok(origin),
    }
}

/// The middleware answering browsers' cross-origin requests (see the
/// module's documentation), wrapped around the whole application.
#[derive(Debug, Clone)]
pub struct CrossOrigin {
    settings: CorsSettings,
    audiences: Rc<Audiences>,
}

impl CrossOrigin {
    /// CORS for `settings` on the operations of `spec`.
    pub fn new(settings: CorsSettings, spec: &OpenApi) -> Self {
        Self {
            settings,
            audiences: Rc::new(Audiences::from_spec(spec)),
        }
    }
}

/// `actix-cors`'s configuration for an audience.
fn cors_for(audience: Audience, origins: &[String]) -> Cors {
    let (methods, headers): (&[Method], Vec<&str>) = match audience {
        Audience::Public => (
            &[Method::GET, Method::POST, Method::DELETE],
            PUBLIC_REQUEST_HEADERS.to_vec(),
        ),
        Audience::Admin => (
            &[Method::GET, Method::POST, Method::PUT, Method::DELETE],
            [PUBLIC_REQUEST_HEADERS, ADMIN_REQUEST_HEADERS].concat(),
        ),
    };
    origins
        .iter()
        .fold(Cors::default(), |cors, o| cors.allowed_origin(o))
        .allowed_methods(methods.iter().cloned())
        .allowed_headers(headers)
        .expose_headers(EXPOSED_HEADERS.iter().copied())
        .max_age(MAX_AGE_SECONDS)
}

/// An audience's origins and the `actix-cors` service answering them.
struct Policy<S> {
    origins: Vec<HeaderValue>,
    cors: CorsMiddleware<Rc<S>>,
}

impl<S, B> Transform<S, ServiceRequest> for CrossOrigin
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = CrossOriginService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        let service = Rc::new(service);
        let policy = |audience, origins: &[String]| -> Result<Option<Policy<S>>, ()> {
            if origins.is_empty() {
                return Ok(None);
            }
            let cors = cors_for(audience, origins)
                .new_transform(Rc::clone(&service))
                .into_inner()?;
            let origins = origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o).ok())
                .collect();
            Ok(Some(Policy { origins, cors }))
        };
        let made = (|| -> Result<CrossOriginService<S>, ()> {
            Ok(CrossOriginService {
                public: policy(Audience::Public, &self.settings.public_origins)?,
                admin: policy(Audience::Admin, &self.settings.admin_origins)?,
                audiences: Rc::clone(&self.audiences),
                direct: Rc::clone(&service),
            })
        })();
        ready(made)
    }
}

/// [`CrossOrigin`] around a service.
pub struct CrossOriginService<S> {
    direct: Rc<S>,
    public: Option<Policy<S>>,
    admin: Option<Policy<S>>,
    audiences: Rc<Audiences>,
}

impl<S> std::fmt::Debug for CrossOriginService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CrossOriginService").finish_non_exhaustive()
    }
}

/// Whether `req` is a preflight, and the method it announces.
fn preflight_method(req: &ServiceRequest) -> Option<Method> {
    if req.method() != Method::OPTIONS {
        return None;
    }
    let announced = req.headers().get(header::ACCESS_CONTROL_REQUEST_METHOD)?;
    Method::from_bytes(announced.as_bytes()).ok()
}

type Answer<B> =
    Pin<Box<dyn Future<Output = Result<ServiceResponse<EitherBody<B>>, actix_web::Error>>>>;

impl<S, B> Service<ServiceRequest> for CrossOriginService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = Answer<B>;

    actix_web::dev::forward_ready!(direct);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let preflight = preflight_method(&req);
        let method = preflight.clone().unwrap_or_else(|| req.method().clone());
        let policy = match self.audiences.of(&method, req.match_info().as_str()) {
            Some(Audience::Public) => self.public.as_ref(),
            Some(Audience::Admin) => self.admin.as_ref(),
            None => None,
        };
        let origin = req.headers().get(header::ORIGIN);
        match (policy, origin) {
            (Some(p), Some(origin)) if p.origins.contains(origin) => {
                let answer = p.cors.call(req);
                Box::pin(async move {
                    let res = answer.await?;
                    let refusal = preflight
                        .and(res.response().error())
                        .map(ToString::to_string);
                    Ok(match refusal {
                        Some(why) => refused(res, why),
                        None => res,
                    })
                })
            }
            (policy, _) => {
                // The answer depends on the origin for caches: a shared
                // cache must not give a page the answer of another one.
                let varies = policy.is_some();
                let answer = self.direct.call(req);
                Box::pin(async move {
                    let mut res = answer.await?;
                    if varies {
                        res.headers_mut()
                            .append(header::VARY, HeaderValue::from_static("Origin"));
                    }
                    Ok(res.map_into_left_body())
                })
            }
        }
    }
}

/// A preflight `actix-cors` refused (a header or method not allowed), as
/// problem+json.
fn refused<B>(res: ServiceResponse<EitherBody<B>>, why: String) -> ServiceResponse<EitherBody<B>> {
    let problem = ApiError::Malformed {
        detail: format!("This cross-origin request is refused: {why}."),
        field: Some("Access-Control-Request-Headers".to_owned()),
    };
    let (req, _) = res.into_parts();
    ServiceResponse::new(req, problem.error_response()).map_into_right_body()
}
