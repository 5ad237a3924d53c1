//! RFC 9457 problem bodies: what a client reads of an [`ApiError`].
//! Server faults (5xx) say nothing about their cause: it goes to the log.

use planipref_domain::context::ContextRefusal;
use planipref_domain::convocation::Refusal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::error::ApiError;
use crate::http::error::FILE_CHECK_RETRY_AFTER_SECONDS;
use crate::http::error::RETRY_AFTER_SECONDS;
use crate::http::{messages_fr, problem_fr};
use planipref_domain::file_check::FileRefusal;

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
    /// For a step of the counter's day the appointment's status does not
    /// allow (`wrong-status`): its status now.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::model::codes::ReservationStatus>, example = "called")]
    pub current_status: Option<String>,
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

impl ApiError {
    /// The problem body, in French when `french` (else in English): its
    /// title, detail and fields' messages (see [`crate::http::problem_fr`]).
    pub fn problem_in(&self, french: bool) -> Problem {
        let mut problem = self.problem();
        if french {
            let code = self.describe().1;
            problem.title = problem_fr::title(code).to_owned();
            problem.detail = problem_fr::detail(self, &problem.detail);
            for field in &mut problem.errors {
                field.message = match self {
                    Self::Convocation(r) => problem_fr::convocation(*r).to_owned(),
                    _ => messages_fr::translate(&field.message),
                };
            }
        }
        problem
    }

    /// The problem body, in English.
    pub fn problem(&self) -> Problem {
        let (_, code, title) = self.describe();
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
            Self::Unauthorized(why) | Self::InvalidContext(why) | Self::HubUnauthorized(why) => ((*why).to_owned(), vec![]),
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
            Self::NoWalkInTime => (
                "no guichet serving this motif is free now or within the préfecture's walk-in horizon; offer an appointment instead".to_owned(),
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
            Self::WrongStatus(status) => (
                format!("the appointment is {status}: read it again before the next step"),
                vec![],
            ),
            Self::CannotUndo(why) => ((*why).to_owned(), vec![]),
            Self::AgentCap(cap) => (
                format!(
                    "one agent may book {cap} appointments a day for others at this préfecture; retry tomorrow or ask a colleague"
                ),
                vec![],
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
            Self::File(r, field) => file_detail(*r, field),
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
            status: self.describe().0.as_u16(),
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
            current_status: match self {
                Self::WrongStatus(status) => Some(status.clone()),
                _ => None,
            },
        }
    }
}

/// What an applicant is told when the démarche's file check refuses the
/// number in `field`: what to do, naming the field (never the number);
/// nothing about a field when the system did not answer (not their fault).
fn file_detail(r: FileRefusal, field: &str) -> (String, Vec<ProblemField>) {
    let (detail, message) = match r {
        FileRefusal::Consumed => (
            "this file number was already used for an appointment; if that appointment was not yours, contact the préfecture",
            "was already used for an appointment",
        ),
        FileRefusal::Unknown => (
            "no file has this number in the system this démarche is checked with; check the number on your documents",
            "is not known",
        ),
        FileRefusal::Expired => (
            "this file is no longer valid; start a new request before booking",
            "is no longer valid",
        ),
        FileRefusal::Unavailable => {
            return (
                format!(
                    "the system holding the file did not answer; nothing was kept or booked: retry in {FILE_CHECK_RETRY_AFTER_SECONDS} seconds"
                ),
                vec![],
            );
        }
    };
    (
        detail.to_owned(),
        vec![ProblemField {
            field: field.to_owned(),
            message: message.to_owned(),
        }],
    )
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
