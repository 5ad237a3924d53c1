//! Identifiers in paths, typed. A path segment that is not an identifier
//! of the kind the route names cannot name anything: it is a 404 naming
//! what was looked for, exactly as an identifier of nothing is, and the
//! handler never sees it.

use std::future::{Ready, ready};
use std::str::FromStr;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use planipref_domain::ids::{
    ConvocationId, FermetureId, GuichetId, HoldId, MessageId, MotifId, PlageId, ServiceId, SiteId,
    WebhookId,
};

use crate::http::error::ApiError;

/// An identifier type that routes carry in a path segment.
pub trait InPath: FromStr {
    /// The segment's name in the route (`{site_id}`).
    const SEGMENT: &'static str;
    /// What a 404 says was not found.
    const WHAT: &'static str;
}

macro_rules! in_path {
    ($($type:ty => $segment:literal, $what:literal;)*) => {
        $(impl InPath for $type {
            const SEGMENT: &'static str = $segment;
            const WHAT: &'static str = $what;
        })*
    };
}

in_path! {
    SiteId => "site_id", "site";
    ServiceId => "service_id", "service";
    MotifId => "motif_id", "motif";
    GuichetId => "guichet_id", "guichet";
    PlageId => "plage_id", "plage";
    FermetureId => "fermeture_id", "closure";
    HoldId => "hold_id", "hold";
    ConvocationId => "convocation_id", "convocation";
    WebhookId => "webhook_id", "webhook subscription";
    MessageId => "delivery_id", "delivery";
}

/// The identifier of the route's `{T::SEGMENT}` segment.
#[derive(Debug, Clone, Copy)]
pub struct PathId<T>(pub T);

impl<T: InPath> FromRequest for PathId<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match req.match_info().get(T::SEGMENT) {
            Some(raw) => raw
                .parse()
                .map(PathId)
                .map_err(|_| ApiError::NotFound(T::WHAT)),
            None => {
                // A handler asking for a segment its route does not have:
                // a programming error, caught by any test of the route.
                log::error!("route {:?} has no {{{}}}", req.match_pattern(), T::SEGMENT);
                Err(ApiError::Internal)
            }
        })
    }
}

/// The route's `{code}` segment: a département's code as sent (checked
/// with the caller's scope, see `security::scope::may_administer_prefecture`).
#[derive(Debug, Clone)]
pub struct CodeInPath(pub String);

impl FromRequest for CodeInPath {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match req.match_info().get("code") {
            Some(raw) => Ok(Self(raw.to_owned())),
            None => {
                log::error!("route {:?} has no {{code}}", req.match_pattern());
                Err(ApiError::Internal)
            }
        })
    }
}
