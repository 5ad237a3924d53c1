//! The API's one error type: each kind's status, stable type and title in
//! one table ([`ApiError::describe`]), rendered as RFC 9457
//! `application/problem+json` (see [`crate::http::problem`]).
//!
//! Every problem has a stable `type` URI (one per kind, so clients can
//! branch on it) and a `title`. Server faults (5xx) say nothing about their
//! cause: it goes to the log.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use planipref_domain::context::ContextRefusal;
use planipref_domain::convocation::Refusal;
use planipref_domain::file_check::FileRefusal;
use planipref_domain::{DomainError, FieldError};
use planipref_store::StoreError;

/// Seconds a client should wait before retrying when the database is out of reach.
pub const RETRY_AFTER_SECONDS: u32 = 5;
/// Seconds a client should wait before retrying when a file's system did
/// not answer (an outage of another service lasts longer than a busy pool).
pub const FILE_CHECK_RETRY_AFTER_SECONDS: u32 = 60;

/// Why a request failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The body or query could not be read: not JSON, wrong types, unknown fields.
    #[error("malformed request: {detail}")]
    Malformed {
        /// What was wrong.
        detail: String,
        /// The field concerned, when known.
        field: Option<String>,
    },
    /// The body is not JSON.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// The body is too large.
    #[error("payload too large")]
    PayloadTooLarge,
    /// A required header is missing.
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// No valid agent token: missing, malformed, expired, wrongly signed…
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// The router's context (`X-Planipref-Context`) does not verify:
    /// malformed, expired, wrongly signed, or not accepted by this server.
    #[error("invalid router context: {0}")]
    InvalidContext(&'static str),
    /// A national hub's token (`x-hub-rdv-auth-token`) is missing or not
    /// one of the configured hubs'.
    #[error("hub unauthorized: {0}")]
    HubUnauthorized(&'static str),
    /// The agent is authenticated but the object is outside their scope.
    #[error("forbidden")]
    Forbidden,
    /// Fields break the rules.
    #[error("invalid fields")]
    Validation(Vec<FieldError>),
    /// No such resource (or not visible to the caller).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The path exists, but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed(Vec<String>),
    /// The slot was taken, by someone else, first.
    #[error("slot taken")]
    SlotTaken,
    /// No guichet serving the motif is free for a walk-in, now or within
    /// the préfecture's horizon.
    #[error("no walk-in time")]
    NoWalkInTime,
    /// The write conflicts with the current state (a duplicate name, a
    /// concurrent change).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The change was made from a version of the resource that is no
    /// longer current: someone changed it since.
    #[error("stale: the resource is at version {current}")]
    Stale {
        /// Its version now.
        current: i32,
    },
    /// A change that must name the version it was made from did not.
    #[error("If-Match required")]
    PreconditionRequired,
    /// The change would leave these booked reservations without a counter.
    #[error("booked reservations affected")]
    Affected(Vec<String>),
    /// The appointment has started or passed and can no longer change.
    #[error("appointment past")]
    AppointmentPast,
    /// A step of the counter's day that the appointment's status does not
    /// allow (another agent, or the no-show task, went first); its status.
    #[error("wrong status: {0}")]
    WrongStatus(String),
    /// Nothing to undo, or the last step is too old to be undone.
    #[error("cannot undo: {0}")]
    CannotUndo(&'static str),
    /// The agent booked as many appointments for others today as their
    /// préfecture allows.
    #[error("daily bookings used up")]
    AgentCap(u32),
    /// The applicant may no longer cancel (the motif's deadline has passed).
    #[error("cancellation deadline passed")]
    CancellationDeadlinePassed(u32),
    /// The motif is booked only with an agent's convocation.
    #[error("convocation required")]
    ConvocationRequired,
    /// The person already has an appointment for this démarche (a
    /// doublon); its details are not revealed.
    #[error("already booked")]
    AlreadyBooked,
    /// The hold expired before it was confirmed.
    #[error("hold expired")]
    HoldExpired,
    /// The router's context does not allow this.
    #[error("context refused: {0:?}")]
    Context(ContextRefusal),
    /// The person holds as many coming appointments as allowed.
    #[error("too many appointments")]
    QuotaReached,
    /// The convocation presented cannot be used for this.
    #[error("convocation refused: {0:?}")]
    Convocation(Refusal),
    /// The convocation presented already keeps a slot; retry after this
    /// many seconds (or release that hold).
    #[error("the convocation already holds a slot")]
    ConvocationHolding(u64),
    /// The client sent too many requests, or holds too many slots; retry
    /// after this many seconds.
    #[error("too many requests")]
    TooManyRequests(u64),
    /// The démarche's file check refused the file given in this field
    /// (consumed, unknown, expired), or could not be made and the démarche
    /// refuses then (`Unavailable`: not the applicant's fault, retry later).
    #[error("file check refused: {0:?}")]
    File(FileRefusal, &'static str),
    /// The database cannot be reached; retry later.
    #[error("service unavailable")]
    Unavailable,
    /// A fault of the server.
    #[error("internal error")]
    Internal,
}

impl ApiError {
    /// A validation problem on one field.
    pub fn invalid(field: &str, message: &str) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    /// Each answer's status, stable type (the end of its URI) and title:
    /// the one place they are given.
    pub fn describe(&self) -> (StatusCode, &'static str, &'static str) {
        use StatusCode as S;
        match self {
            Self::Malformed { .. } => (
                S::BAD_REQUEST,
                "malformed-request",
                "The request could not be read",
            ),
            Self::UnsupportedMediaType => (
                S::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "The body must be JSON",
            ),
            Self::PayloadTooLarge => (
                S::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "The body is too large",
            ),
            Self::MissingHeader(_) => (
                S::BAD_REQUEST,
                "missing-header",
                "A required header is missing",
            ),
            Self::Unauthorized(_) => (S::UNAUTHORIZED, "unauthorized", "Authentication required"),
            Self::InvalidContext(_) => (
                S::UNAUTHORIZED,
                "invalid-context",
                "The router's context (X-Planipref-Context) is not valid",
            ),
            Self::HubUnauthorized(_) => (
                S::UNAUTHORIZED,
                "hub-unauthorized",
                "The hub's token (x-hub-rdv-auth-token) is not valid",
            ),
            Self::Forbidden => (S::FORBIDDEN, "forbidden", "Outside your scope"),
            Self::Validation(_) => (
                S::UNPROCESSABLE_ENTITY,
                "validation",
                "The request has invalid fields",
            ),
            Self::NotFound(_) => (S::NOT_FOUND, "not-found", "Not found"),
            Self::MethodNotAllowed(_) => (
                S::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
            ),
            Self::SlotTaken => (S::CONFLICT, "slot-taken", "The slot is no longer available"),
            Self::NoWalkInTime => (
                S::CONFLICT,
                "no-walk-in-time",
                "No guichet serving this motif is free now or soon",
            ),
            Self::AppointmentPast => (
                S::CONFLICT,
                "appointment-past",
                "The appointment has already started",
            ),
            Self::WrongStatus(_) => (
                S::CONFLICT,
                "wrong-status",
                "The appointment's status does not allow this step",
            ),
            Self::CannotUndo(_) => (S::CONFLICT, "cannot-undo", "The last step cannot be undone"),
            Self::AgentCap(_) => (
                S::TOO_MANY_REQUESTS,
                "agent-daily-bookings",
                "You booked as many appointments for others today as allowed",
            ),
            Self::CancellationDeadlinePassed(_) => (
                S::CONFLICT,
                "cancellation-deadline-passed",
                "Too late to cancel online",
            ),
            Self::Conflict(_) => (
                S::CONFLICT,
                "conflict",
                "The change conflicts with the current state",
            ),
            Self::Stale { .. } => (
                S::CONFLICT,
                "stale",
                "The resource changed since you read it",
            ),
            Self::PreconditionRequired => (
                S::PRECONDITION_REQUIRED,
                "precondition-required",
                "The version the change is made from is required",
            ),
            Self::Affected(_) => (
                S::CONFLICT,
                "booked-reservations-affected",
                "Booked appointments would be orphaned",
            ),
            Self::ConvocationRequired => (
                S::FORBIDDEN,
                "convocation-required",
                "This motif is booked only with a convocation",
            ),
            Self::AlreadyBooked => (
                S::CONFLICT,
                "already-booked",
                "You already have an appointment for this démarche",
            ),
            Self::HoldExpired => (S::GONE, "hold-expired", "The hold has expired"),
            Self::Convocation(r) => match r {
                Refusal::Unknown => (
                    S::FORBIDDEN,
                    "convocation-invalid",
                    "The convocation link is not valid",
                ),
                Refusal::OtherMotif => (
                    S::FORBIDDEN,
                    "convocation-other-motif",
                    "The convocation is for another motif",
                ),
                Refusal::Used => (
                    S::CONFLICT,
                    "convocation-used",
                    "The convocation has already booked an appointment",
                ),
                Refusal::Expired => (
                    S::GONE,
                    "convocation-expired",
                    "The convocation has expired",
                ),
                Refusal::Revoked => (
                    S::GONE,
                    "convocation-revoked",
                    "The convocation was withdrawn",
                ),
                Refusal::OtherPerson => (
                    S::FORBIDDEN,
                    "convocation-other-person",
                    "The convocation names another person",
                ),
                Refusal::OutsideDays => (
                    S::UNPROCESSABLE_ENTITY,
                    "convocation-outside-days",
                    "The convocation does not allow this day",
                ),
                Refusal::NotPresented => (
                    S::FORBIDDEN,
                    "convocation-required",
                    "This slot is booked only with its convocation",
                ),
            },
            Self::TooManyRequests(_) => (
                S::TOO_MANY_REQUESTS,
                "too-many-requests",
                "Too many requests",
            ),
            Self::ConvocationHolding(_) => (
                S::TOO_MANY_REQUESTS,
                "convocation-holding",
                "The convocation already keeps a slot",
            ),
            Self::Context(r) => match r {
                ContextRefusal::Required => (
                    S::FORBIDDEN,
                    "context-required",
                    "This motif is booked through service-public.fr",
                ),
                ContextRefusal::OtherDemarche => (
                    S::FORBIDDEN,
                    "context-other-demarche",
                    "The context is for another démarche",
                ),
                ContextRefusal::OtherPerson => (
                    S::FORBIDDEN,
                    "context-other-person",
                    "The context names another person",
                ),
            },
            Self::QuotaReached => (
                S::CONFLICT,
                "too-many-appointments",
                "You hold as many appointments as allowed",
            ),
            Self::File(r, _) => match r {
                FileRefusal::Consumed => (
                    S::UNPROCESSABLE_ENTITY,
                    "file-consumed",
                    "The file was already used for an appointment",
                ),
                FileRefusal::Unknown => (
                    S::UNPROCESSABLE_ENTITY,
                    "file-unknown",
                    "No file has this number",
                ),
                FileRefusal::Expired => (
                    S::UNPROCESSABLE_ENTITY,
                    "file-expired",
                    "The file is no longer valid",
                ),
                FileRefusal::Unavailable => (
                    S::SERVICE_UNAVAILABLE,
                    "file-check-unavailable",
                    "The file could not be checked now",
                ),
            },
            Self::Unavailable => (
                S::SERVICE_UNAVAILABLE,
                "unavailable",
                "The service is temporarily unavailable",
            ),
            Self::Internal => (
                S::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal server error",
            ),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.describe().0
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        match self {
            Self::Unavailable => {
                response.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECONDS.to_string()));
            }
            Self::File(FileRefusal::Unavailable, _) => {
                response.insert_header((
                    header::RETRY_AFTER,
                    FILE_CHECK_RETRY_AFTER_SECONDS.to_string(),
                ));
            }
            Self::TooManyRequests(after) | Self::ConvocationHolding(after) => {
                response.insert_header((header::RETRY_AFTER, after.to_string()));
            }
            // Agents only: a bearer challenge would send an applicant
            // whose router context failed after an agent's token.
            Self::Unauthorized(_) => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    r#"Bearer realm="planipref", error="invalid_token""#,
                ));
            }
            Self::MethodNotAllowed(allowed) => {
                if let Ok(v) = HeaderValue::from_str(&allowed.join(", ")) {
                    response.insert_header((header::ALLOW, v));
                }
            }
            Self::Stale { current } => {
                response.insert_header((header::ETAG, crate::http::headers::etag(*current)));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid(errors) => Self::Validation(errors),
            DomainError::SlotFull => Self::SlotTaken,
            DomainError::AppointmentPast => Self::AppointmentPast,
            DomainError::CancellationDeadlinePassed(h) => Self::CancellationDeadlinePassed(h),
        }
    }
}

impl ApiError {
    /// A store error, naming what was looked for should it be missing.
    pub fn from_store(e: StoreError, what: &'static str) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound(what),
            other => other.into(),
        }
    }
}

/// A wait in whole seconds, at least 1 (a `Retry-After`).
fn retry_after(wait: chrono::TimeDelta) -> u64 {
    u64::try_from(wait.num_seconds()).unwrap_or(0) + 1
}

/// Every store error, mapped once: what the client is told, and, for
/// server faults, what goes to the log (never to the client).
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound("resource"),
            StoreError::SlotTaken => Self::SlotTaken,
            StoreError::Doublon => Self::AlreadyBooked,
            StoreError::HoldExpired => Self::HoldExpired,
            StoreError::Quota => Self::QuotaReached,
            StoreError::TooManyHolds(first_lapses) => {
                Self::TooManyRequests(retry_after(first_lapses))
            }
            StoreError::ConvocationHolding(lapses) => Self::ConvocationHolding(retry_after(lapses)),
            StoreError::Convocation(r) => Self::Convocation(r),
            StoreError::Duplicate { .. } => Self::Conflict("it exists already"),
            StoreError::MissingReference { .. } => Self::NotFound("referenced object"),
            StoreError::Rejected(d) => d.into(),
            StoreError::Affected(refs) => Self::Affected(refs),
            StoreError::Stale => Self::Conflict("it changed meanwhile; read it again"),
            StoreError::WrongStatus(status) => Self::WrongStatus(status),
            StoreError::AgentCap(cap) => Self::AgentCap(cap),
            StoreError::Outdated { current } => Self::Stale { current },
            StoreError::InUse(why) => Self::Conflict(why),
            StoreError::Unavailable(cause) => {
                log::warn!("database unavailable: {cause}");
                Self::Unavailable
            }
            // Still a deadlock's victim after being run again: busy, retry.
            StoreError::Deadlock => {
                log::warn!("a transaction kept meeting deadlocks");
                Self::Unavailable
            }
            e @ (StoreError::Config(_)
            | StoreError::Migration(_)
            | StoreError::Corrupt(_)
            | StoreError::Database(_)) => {
                log::error!("store failure: {e}");
                Self::Internal
            }
        }
    }
}

/// A refused administrative write: a duplicate is said with `duplicate`.
pub fn write_error(e: StoreError, duplicate: &'static str) -> ApiError {
    match e {
        StoreError::Duplicate { .. } => ApiError::Conflict(duplicate),
        other => ApiError::from_store(other, "object"),
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        DomainError::Invalid(vec![e]).into()
    }
}
