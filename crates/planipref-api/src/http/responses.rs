//! The error answers many operations share, declared once for the
//! document (`#[derive(IntoResponses)]`). An operation lists the families
//! it can meet first, then its own lines: a later line for the same
//! status replaces the family's, with what that operation means by it.

use utoipa::IntoResponses;

use crate::http::problem::Problem;

/// An agent's operation: a valid bearer token is needed, whose scope
/// covers what is asked.
#[derive(Debug, IntoResponses)]
pub enum AgentErrors {
    /// No valid bearer token: missing, malformed, expired or wrongly signed
    /// (`unauthorized`).
    #[response(
        status = 401,
        content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "The bearer scheme and why the token was refused"))
    )]
    Unauthorized(Problem),
    /// The agent's role or scope does not cover this (`forbidden`).
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
}

/// An agent's operation open to every agent: a valid bearer token is
/// needed.
#[derive(Debug, IntoResponses)]
pub enum AgentOnly {
    /// No valid bearer token: missing, malformed, expired or wrongly signed
    /// (`unauthorized`).
    #[response(
        status = 401,
        content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "The bearer scheme and why the token was refused"))
    )]
    Unauthorized(Problem),
}

/// An operation that reads a JSON body.
#[derive(Debug, IntoResponses)]
pub enum BodyErrors {
    /// The body could not be read: not JSON, wrong types or unknown fields
    /// (`malformed-request`, the field named when known).
    #[response(status = 400, content_type = "application/problem+json")]
    Malformed(Problem),
    /// The body is over 128 KiB (`payload-too-large`).
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
    /// The body is not declared JSON: send `Content-Type: application/json`
    /// (`unsupported-media-type`).
    #[response(status = 415, content_type = "application/problem+json")]
    NotJson(Problem),
}

/// An operation that reads a query string.
#[derive(Debug, IntoResponses)]
pub enum QueryErrors {
    /// The query could not be read: wrong types or unknown parameters
    /// (`malformed-request`, the parameter named).
    #[response(status = 400, content_type = "application/problem+json")]
    Malformed(Problem),
}

/// An operation that may take service-public.fr's router context.
#[derive(Debug, IntoResponses)]
pub enum ContextErrors {
    /// The router's context (`X-Planipref-Context`) is tampered with,
    /// expired or wrongly signed, or this server accepts none
    /// (`invalid-context`, without a `WWW-Authenticate` challenge).
    #[response(status = 401, content_type = "application/problem+json")]
    InvalidContext(Problem),
}

/// A change made from the version read (`If-Match`).
#[derive(Debug, IntoResponses)]
pub enum VersionErrors {
    /// Changed since the version sent (`stale`, with `current_version` and
    /// the current `ETag`); nothing was written.
    #[response(status = 409, content_type = "application/problem+json")]
    Stale(Problem),
    /// No `If-Match`: send the version read (`precondition-required`).
    #[response(status = 428, content_type = "application/problem+json")]
    PreconditionRequired(Problem),
}

/// A step of the counter's day on an appointment, named by its reference.
#[derive(Debug, IntoResponses)]
pub enum CounterStepErrors {
    /// The appointment's site is outside the agent's scope (`forbidden`).
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// No appointment has this reference (`not-found`).
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// Its status does not allow the step (`wrong-status`, with
    /// `current_status`); nothing was written.
    #[response(status = 409, content_type = "application/problem+json")]
    WrongStatus(Problem),
}

/// Every operation that reads or writes the database.
#[derive(Debug, IntoResponses)]
pub enum Unavailable {
    /// The database does not answer; retry after `Retry-After` seconds
    /// (`unavailable`).
    #[response(
        status = 503,
        content_type = "application/problem+json",
        headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))
    )]
    Unavailable(Problem),
}

/// A national hub's operation: its shared token is needed, and its rate
/// is counted.
#[derive(Debug, IntoResponses)]
pub enum HubErrors {
    /// No token, or not a configured hub's (`hub-unauthorized`).
    #[response(status = 401, content_type = "application/problem+json")]
    HubUnauthorized(Problem),
    /// The hub asked more often than its rate allows (`too-many-requests`).
    #[response(
        status = 429,
        content_type = "application/problem+json",
        headers(("Retry-After" = u32, description = "Seconds until the hub may ask again"))
    )]
    TooManyRequests(Problem),
}
