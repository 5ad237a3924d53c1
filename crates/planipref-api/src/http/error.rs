//! The API's one error type, rendered as RFC 9457 `application/problem+json`.
//!
//! Every problem has a stable `type` URI (one per kind, so clients can
//! branch on it) and a `title`. Server faults (5xx) say nothing about their
//! cause: it goes to the log.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use planipref_domain::context::ContextRefusal;
use planipref_domain::convocation::Refusal;
use planipref_domain::{DomainError, FieldError};
use planipref_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// Seconds a client should wait before retrying when the database is out of reach.
pub const RETRY_AFTER_SECONDS: u32 = 5;

/// An RFC 9457 problem.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:planipref:problem:validation",
    "title": "The request has invalid fields",
    "status": 422,
    "detail": "2 fields are invalid",
    "errors": [
        {"field": "applicant.birth_date", "message": "must not be in the future"},
        {"field": "applicant.email", "message": "must be a valid e-mail address"}
    ]
}))]
pub struct Problem {
    /// A URI naming the kind of problem; stable, for clients to branch on.
    #[serde(rename = "type")]
    #[schema(example = "urn:planipref:problem:slot-taken")]
    pub problem_type: String,
    /// A short summary of the kind of problem.
    #[schema(example = "The slot is no longer available")]
    pub title: String,
    /// The HTTP status code.
    #[schema(example = 409)]
    pub status: u16,
    /// What happened in this occurrence.
    #[schema(example = "Every counter was booked for this time; choose another slot.")]
    pub detail: String,
    /// For validation problems: each invalid field and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
    /// For a change refused because it would orphan booked appointments:
    /// their references (retry with `on_conflict=flag` to apply it and mark
    /// them to be re-booked).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(example = json!(["K7QX-M3PA"]))]
    pub conflicts: Vec<String>,
    /// For a change made from an outdated version (`stale`): the
    /// resource's version now (also its `ETag`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = 4)]
    pub current_version: Option<i32>,
}

/// One invalid field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemField {
    /// The field, as a path in the request (`applicant.email`, `from`,
    /// `X-Management-Token`).
    #[schema(example = "applicant.email")]
    pub field: String,
    /// Why it is invalid.
    #[schema(example = "must be a valid e-mail address")]
    pub message: String,
}

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

    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            Self::Malformed { .. } => ("malformed-request", "The request could not be read"),
            Self::UnsupportedMediaType => ("unsupported-media-type", "The body must be JSON"),
            Self::PayloadTooLarge => ("payload-too-large", "The body is too large"),
            Self::MissingHeader(_) => ("missing-header", "A required header is missing"),
            Self::Unauthorized(_) => ("unauthorized", "Authentication required"),
            Self::InvalidContext(_) => (
                "invalid-context",
                "The router's context (X-Planipref-Context) is not valid",
            ),
            Self::Forbidden => ("forbidden", "Outside your scope"),
            Self::Validation(_) => ("validation", "The request has invalid fields"),
            Self::NotFound(_) => ("not-found", "Not found"),
            Self::MethodNotAllowed(_) => ("method-not-allowed", "Method not allowed"),
            Self::SlotTaken => ("slot-taken", "The slot is no longer available"),
            Self::AppointmentPast => ("appointment-past", "The appointment has already started"),
            Self::CancellationDeadlinePassed(_) => {
                ("cancellation-deadline-passed", "Too late to cancel online")
            }
            Self::Conflict(_) => ("conflict", "The change conflicts with the current state"),
            Self::Stale { .. } => ("stale", "The resource changed since you read it"),
            Self::PreconditionRequired => (
                "precondition-required",
                "The version the change is made from is required",
            ),
            Self::Affected(_) => (
                "booked-reservations-affected",
                "Booked appointments would be orphaned",
            ),
            Self::ConvocationRequired => (
                "convocation-required",
                "This motif is booked only with a convocation",
            ),
            Self::AlreadyBooked => (
                "already-booked",
                "You already have an appointment for this démarche",
            ),
            Self::HoldExpired => ("hold-expired", "The hold has expired"),
            Self::Convocation(r) => match r {
                Refusal::Unknown => ("convocation-invalid", "The convocation link is not valid"),
                Refusal::OtherMotif => (
                    "convocation-other-motif",
                    "The convocation is for another motif",
                ),
                Refusal::Used => (
                    "convocation-used",
                    "The convocation has already booked an appointment",
                ),
                Refusal::Expired => ("convocation-expired", "The convocation has expired"),
                Refusal::Revoked => ("convocation-revoked", "The convocation was withdrawn"),
                Refusal::OtherPerson => (
                    "convocation-other-person",
                    "The convocation names another person",
                ),
                Refusal::OutsideDays => (
                    "convocation-outside-days",
                    "The convocation does not allow this day",
                ),
                Refusal::NotPresented => (
                    "convocation-required",
                    "This slot is booked only with its convocation",
                ),
            },
            Self::TooManyRequests(_) => ("too-many-requests", "Too many requests"),
            Self::ConvocationHolding(_) => (
                "convocation-holding",
                "The convocation already keeps a slot",
            ),
            Self::Context(r) => match r {
                ContextRefusal::Required => (
                    "context-required",
                    "This motif is booked through service-public.fr",
                ),
                ContextRefusal::OtherDemarche => (
                    "context-other-demarche",
                    "The context is for another démarche",
                ),
                ContextRefusal::OtherPerson => {
                    ("context-other-person", "The context names another person")
                }
            },
            Self::QuotaReached => (
                "too-many-appointments",
                "You hold as many appointments as allowed",
            ),
            Self::Unavailable => ("unavailable", "The service is temporarily unavailable"),
            Self::Internal => ("internal", "Internal server error"),
        }
    }

    /// The problem body.
    pub fn problem(&self) -> Problem {
        let (code, title) = self.kind();
        let (detail, errors) = match self {
            Self::Malformed { detail, field } => (
                detail.clone(),
                field
                    .iter()
                    .map(|f| ProblemField {
                        field: f.clone(),
                        message: detail.clone(),
                    })
                    .collect(),
            ),
            Self::UnsupportedMediaType => (
                "send the body with Content-Type: application/json".to_owned(),
                vec![],
            ),
            Self::PayloadTooLarge => ("the body exceeds the size limit".to_owned(), vec![]),
            Self::MissingHeader(name) => (
                format!("the header {name} is required"),
                vec![ProblemField {
                    field: (*name).to_owned(),
                    message: "is required".to_owned(),
                }],
            ),
            Self::Unauthorized(why) | Self::InvalidContext(why) => ((*why).to_owned(), vec![]),
            Self::Forbidden => (
                "your role and scope do not cover this object".to_owned(),
                vec![],
            ),
            Self::Validation(errors) => (
                match errors.as_slice() {
                    [one] => format!("{one}"),
                    many => format!("{} fields are invalid", many.len()),
                },
                errors
                    .iter()
                    .map(|e| ProblemField {
                        field: e.field.clone(),
                        message: e.message.clone(),
                    })
                    .collect(),
            ),
            Self::NotFound(what) => (format!("no such {what}"), vec![]),
            Self::MethodNotAllowed(allowed) => {
                (format!("this path accepts {}", allowed.join(", ")), vec![])
            }
            Self::SlotTaken => (
                "every counter is booked for this time; choose another slot".to_owned(),
                vec![],
            ),
            Self::AppointmentPast => (
                "the appointment has started or passed and can no longer be changed".to_owned(),
                vec![],
            ),
            Self::Conflict(why) => ((*why).to_owned(), vec![]),
            Self::Stale { current } => (
                format!(
                    "someone changed it since the version you sent; it is now at version {current}: read it again, redo your change and send it with If-Match: \"{current}\""
                ),
                vec![],
            ),
            Self::PreconditionRequired => (
                "send the version you read (the ETag of its last answer, such as \"3\") in If-Match"
                    .to_owned(),
                vec![ProblemField {
                    field: "If-Match".to_owned(),
                    message: "is required".to_owned(),
                }],
            ),
            Self::CancellationDeadlinePassed(hours) => (
                format!(
                    "online cancellation closes {hours} hours before the appointment; contact the préfecture"
                ),
                vec![],
            ),
            Self::Affected(refs) => (
                format!(
                    "{} booked appointment(s) fall in it; retry with on_conflict=flag to apply it and mark them to be re-booked",
                    refs.len()
                ),
                vec![],
            ),
            Self::ConvocationRequired => (
                "the préfecture sends a personal link to the applicants it receives for this motif; it cannot be booked freely online".to_owned(),
                vec![],
            ),
            Self::AlreadyBooked => (
                "an appointment for this démarche is already booked in your name; find it with the reference and link received at booking, or cancel it before booking another".to_owned(),
                vec![],
            ),
            Self::HoldExpired => (
                "the slot was kept for a limited time, now over; choose a slot again".to_owned(),
                vec![],
            ),
            Self::Convocation(r) => convocation_detail(*r),
            Self::Context(r) => (
                match r {
                    ContextRefusal::Required => "start from service-public.fr: this motif is booked with the context its router gives",
                    ContextRefusal::OtherDemarche => "the router sent you for another démarche; this motif is not part of it",
                    ContextRefusal::OtherPerson => "the appointment must be for the person signed in on service-public.fr",
                }
                .to_owned(),
                match r {
                    ContextRefusal::OtherPerson => vec![ProblemField {
                        field: "applicant".to_owned(),
                        message: "must be the person signed in".to_owned(),
                    }],
                    _ => vec![],
                },
            ),
            Self::QuotaReached => (
                "one person may hold only a few coming appointments at once, across all démarches; cancel one you no longer need before booking another".to_owned(),
                vec![],
            ),
            Self::TooManyRequests(after) => (
                format!("slow down: retry in {after} seconds"),
                vec![],
            ),
            Self::ConvocationHolding(after) => (
                format!(
                    "a convocation keeps one slot at a time: book the slot it keeps, release it (DELETE /holds/{{hold_id}}), or retry in {after} seconds when it lapses"
                ),
                vec![ProblemField {
                    field: crate::http::extract::CONVOCATION_TOKEN_HEADER.to_owned(),
                    message: "already keeps a slot".to_owned(),
                }],
            ),
            Self::Unavailable => (
                format!("please retry in {RETRY_AFTER_SECONDS} seconds"),
                vec![],
            ),
            Self::Internal => (
                "an unexpected error occurred; it has been logged".to_owned(),
                vec![],
            ),
        };
        Problem {
            problem_type: format!("urn:planipref:problem:{code}"),
            title: title.to_owned(),
            status: self.status_code().as_u16(),
            detail,
            errors,
            conflicts: match self {
                Self::Affected(refs) => refs.clone(),
                _ => vec![],
            },
            current_version: match self {
                Self::Stale { current } => Some(*current),
                _ => None,
            },
        }
    }
}

/// What an applicant is told when their convocation is refused: what
/// to do, never anything about the person it names.
fn convocation_detail(r: Refusal) -> (String, Vec<ProblemField>) {
    let header = crate::http::extract::CONVOCATION_TOKEN_HEADER;
    let (detail, field) = match r {
        Refusal::Unknown => (
            "no convocation has this link; check the link received from the préfecture",
            Some(header),
        ),
        Refusal::OtherMotif => (
            "this convocation books another motif; follow the link received from the préfecture",
            Some(header),
        ),
        Refusal::Used => (
            "an appointment is already booked with this convocation; cancel it to choose another time",
            Some(header),
        ),
        Refusal::Expired => (
            "this convocation is no longer valid; contact the préfecture",
            Some(header),
        ),
        Refusal::Revoked => (
            "the préfecture withdrew this convocation; contact it",
            Some(header),
        ),
        Refusal::OtherPerson => (
            "the convocation is personal: the applicant must be the person it names (same names and birth date, or the same foreigner file number)",
            Some("applicant"),
        ),
        Refusal::OutsideDays => (
            "the convocation allows other days; choose a slot among those offered with it",
            Some("start"),
        ),
        Refusal::NotPresented => (
            "this slot was kept with a convocation: confirm it with the same convocation link",
            Some(header),
        ),
    };
    (
        detail.to_owned(),
        field
            .map(|f| ProblemField {
                field: f.to_owned(),
                message: detail.to_owned(),
            })
            .into_iter()
            .collect(),
    )
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Malformed { .. } | Self::MissingHeader(_) => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unauthorized(_) | Self::InvalidContext(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::ConvocationRequired => StatusCode::FORBIDDEN,
            Self::Convocation(r) => match r {
                Refusal::Unknown
                | Refusal::OtherMotif
                | Refusal::OtherPerson
                | Refusal::NotPresented => StatusCode::FORBIDDEN,
                Refusal::Used => StatusCode::CONFLICT,
                Refusal::Expired | Refusal::Revoked => StatusCode::GONE,
                Refusal::OutsideDays => StatusCode::UNPROCESSABLE_ENTITY,
            },
            Self::TooManyRequests(_) | Self::ConvocationHolding(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Context(_) => StatusCode::FORBIDDEN,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::SlotTaken
            | Self::AppointmentPast
            | Self::CancellationDeadlinePassed(_)
            | Self::Conflict(_)
            | Self::Stale { .. }
            | Self::AlreadyBooked
            | Self::QuotaReached
            | Self::Affected(_) => StatusCode::CONFLICT,
            Self::HoldExpired => StatusCode::GONE,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        match self {
            Self::Unavailable => {
                response.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECONDS.to_string()));
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
                response.insert_header((header::ETAG, crate::http::version::etag(*current)));
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
    /// Maps a store error, naming what was looked for should it be missing.
    /// Causes of server faults are logged here, never sent.
    pub fn from_store(e: StoreError, what: &'static str) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound(what),
            StoreError::SlotTaken => Self::SlotTaken,
            StoreError::Doublon => Self::AlreadyBooked,
            StoreError::HoldExpired => Self::HoldExpired,
            StoreError::Convocation(r) => Self::Convocation(r),
            StoreError::Quota => Self::QuotaReached,
            StoreError::Outdated { current } => Self::Stale { current },
            StoreError::TooManyHolds(first_lapses) => {
                Self::TooManyRequests(seconds_until(first_lapses))
            }
            StoreError::ConvocationHolding(lapses) => {
                Self::ConvocationHolding(seconds_until(lapses))
            }
            StoreError::Unavailable(cause) => {
                log::warn!("database unavailable: {cause}");
                Self::Unavailable
            }
            // Still a deadlock's victim after being run again: busy, retry.
            StoreError::Deadlock => {
                log::warn!("a transaction kept meeting deadlocks");
                Self::Unavailable
            }
            other => {
                log::error!("store failure: {other}");
                Self::Internal
            }
        }
    }
}

/// Whole seconds from now until `instant`, at least 1 (a `Retry-After`).
fn seconds_until(instant: chrono::DateTime<chrono::Utc>) -> u64 {
    let wait = (instant - chrono::Utc::now()).num_seconds();
    u64::try_from(wait).unwrap_or(0) + 1
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Self::from_store(e, "resource")
    }
}

/// Maps a refused administrative write to its answer.
pub fn write_error(e: StoreError, duplicate: &'static str) -> ApiError {
    match e {
        StoreError::Duplicate { .. } => ApiError::Conflict(duplicate),
        StoreError::Rejected(d) => d.into(),
        StoreError::Affected(refs) => ApiError::Affected(refs),
        StoreError::Stale => ApiError::Conflict("the object changed meanwhile; read it again"),
        StoreError::InUse(why) => ApiError::Conflict(why),
        StoreError::MissingReference { .. } => ApiError::NotFound("referenced object"),
        other => ApiError::from_store(other, "object"),
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        DomainError::Invalid(vec![e]).into()
    }
}
