//! File-status checks: a démarche of the national catalogue may ask that,
//! before a slot is held or booked for it, the State's system holding
//! the applicant's file say where the file stands (ANEF/AGDREF for
//! foreigners' residence permits, SNPC for driving licences). Only a
//! `validated` file lets the hold or booking proceed; a `consumed`,
//! `unknown` or `expired` one is refused, each with its own reason. When
//! the system does not answer in time, answers nonsense, or is not
//! configured, the démarche's policy decides: refuse (the applicant
//! retries later) or accept the booking flagged `unverified` for agents.
//!
//! Here: the systems and the identifiers each accepts, the policy, the
//! statuses, the decision, and the connector as an interface
//! ([`FileStatusConnector`]); the HTTP adapter lives with the API, which
//! calls it off its async workers.

use crate::applicant::FileNumberKind;
use crate::error::FieldError;

/// A State system holding applicants' files, which a démarche may ask to
/// check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileSystem {
    /// Foreigners' residence files: the ANEF online service and the
    /// AGDREF register behind it. Accepts the foreigner's number (10
    /// digits) and ANEF request numbers.
    Anef,
    /// Driving licences: the SNPC (système national des permis de
    /// conduire), with ANTS's online requests. Accepts ANTS request
    /// numbers (10 letters and digits) and NEPH (12 digits).
    Snpc,
}

impl FileSystem {
    /// Every system.
    pub const ALL: [Self; 2] = [Self::Anef, Self::Snpc];

    /// Its code in the API, the configuration and the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::Anef => "anef",
            Self::Snpc => "snpc",
        }
    }

    /// The system of `code`, if any.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// `raw` read as a system's code, refused on `field` otherwise.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        Self::from_code(raw.trim()).ok_or_else(|| FieldError::new(field, "must be anef or snpc"))
    }

    /// The identifiers it holds files by.
    pub fn kinds(self) -> &'static [FileNumberKind] {
        match self {
            Self::Anef => &[FileNumberKind::Agdref, FileNumberKind::AnefRequest],
            Self::Snpc => &[FileNumberKind::AntsRequest, FileNumberKind::Neph],
        }
    }

    /// Whether a (normalised) file number has one of its formats; refused
    /// on `field` with the formats expected otherwise.
    pub fn check_number(self, field: &str, number: &str) -> Result<(), FieldError> {
        if self.kinds().iter().any(|k| k.matches(number)) {
            return Ok(());
        }
        Err(FieldError::new(
            field,
            match self {
                Self::Anef => {
                    "must be, for this démarche, the foreigner's number (numéro étranger, 10 digits) or an ANEF request number (11 to 20 letters and digits)"
                }
                Self::Snpc => {
                    "must be, for this démarche, an ANTS request number (10 letters and digits) or a NEPH (12 digits)"
                }
            },
        ))
    }
}

/// What happens when the system cannot say (no answer in time, an
/// unusable answer, no connector configured).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnFailure {
    /// Refuse the hold or booking: the applicant retries later (the
    /// default: a check that lets everything through when its system is
    /// down would invite capture during outages).
    #[default]
    Refuse,
    /// Let it through, flagged `unverified` for agents, who check the
    /// file at the counter.
    AcceptAndFlag,
}

impl OnFailure {
    /// Every policy.
    pub const ALL: [Self; 2] = [Self::Refuse, Self::AcceptAndFlag];

    /// Its code in the API and the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::Refuse => "refuse",
            Self::AcceptAndFlag => "accept_and_flag",
        }
    }

    /// The policy of `code`, if any.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }

    /// `raw` read as a policy's code, refused on `field` otherwise.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        Self::from_code(raw.trim())
            .ok_or_else(|| FieldError::new(field, "must be refuse or accept_and_flag"))
    }
}

/// A démarche's check: which system, and what to do when it cannot say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileCheck {
    /// The system asked.
    pub system: FileSystem,
    /// When it cannot say.
    pub on_failure: OnFailure,
}

/// Where a file stands, as its system says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileStatus {
    /// The file allows an appointment.
    Validated,
    /// The file was already used for an appointment (or a decision).
    Consumed,
    /// No such file.
    Unknown,
    /// The file is no longer valid.
    Expired,
}

impl FileStatus {
    /// Every status.
    pub const ALL: [Self; 4] = [
        Self::Validated,
        Self::Consumed,
        Self::Unknown,
        Self::Expired,
    ];

    /// Its code in the connector's answers.
    pub fn code(self) -> &'static str {
        match self {
            Self::Validated => "validated",
            Self::Consumed => "consumed",
            Self::Unknown => "unknown",
            Self::Expired => "expired",
        }
    }

    /// The status of `code`, if any.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// Why a system could not say: never the identifier, never the cause's
/// text (it goes to the adapter's log, without the identifier).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectorFailure {
    /// No connector is configured for the system.
    NotConfigured,
    /// No answer within the configured time.
    Timeout,
    /// An answer that cannot be used (an HTTP error, not the documented
    /// JSON, an unknown status), or no connection.
    Failed,
}

impl ConnectorFailure {
    /// A short name for logs and metrics.
    pub fn code(self) -> &'static str {
        match self {
            Self::NotConfigured => "not_configured",
            Self::Timeout => "timeout",
            Self::Failed => "failed",
        }
    }
}

/// What a connector is asked.
#[derive(Clone, Copy)]
pub struct FileQuery<'a> {
    /// The system.
    pub system: FileSystem,
    /// The file number, normalised and in one of the system's formats.
    pub file_number: &'a str,
    /// The démarche booked (its catalogue code).
    pub demarche: &'a str,
}

// The identifier is personal data: not printed.
impl std::fmt::Debug for FileQuery<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileQuery")
            .field("system", &self.system)
            .field("demarche", &self.demarche)
            .finish_non_exhaustive()
    }
}

/// Asks a system where a file stands. Implementations may block (the
/// API calls them off its async workers) and must give up after their
/// configured time ([`ConnectorFailure::Timeout`]).
pub trait FileStatusConnector: Send + Sync + std::fmt::Debug {
    /// The status of the file `query` names.
    fn status(&self, query: &FileQuery<'_>) -> Result<FileStatus, ConnectorFailure>;

    /// Whether a connector is configured for `system` (a démarche asking
    /// for an unconfigured one is checked as a failure, under its policy).
    fn configured(&self, system: FileSystem) -> bool;
}

/// No connector at all: every check fails as [`ConnectorFailure::NotConfigured`].
#[derive(Debug, Clone, Copy, Default)]
pub struct NoConnector;

impl FileStatusConnector for NoConnector {
    fn status(&self, _query: &FileQuery<'_>) -> Result<FileStatus, ConnectorFailure> {
        Err(ConnectorFailure::NotConfigured)
    }

    fn configured(&self, _system: FileSystem) -> bool {
        false
    }
}

/// What a hold or booking keeps of its check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    /// The system said `validated`.
    Validated,
    /// The system could not say, and the démarche accepts and flags:
    /// agents check the file at the counter.
    Unverified,
}

impl Checked {
    /// Every outcome.
    pub const ALL: [Self; 2] = [Self::Validated, Self::Unverified];

    /// Its code in the API and the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::Validated => "validated",
            Self::Unverified => "unverified",
        }
    }

    /// The outcome of `code`, if any.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// What a booking records of its démarche's file check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckedFile {
    /// The system asked.
    pub system: FileSystem,
    /// What it found.
    pub checked: Checked,
}

/// Why a hold or booking is refused after its check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRefusal {
    /// The file was already used.
    Consumed,
    /// No such file.
    Unknown,
    /// The file is no longer valid.
    Expired,
    /// The system could not say and the démarche refuses then.
    Unavailable,
}

impl FileCheck {
    /// The decision on the system's answer: through when `validated`;
    /// refused for any other status; when it could not say, as the
    /// policy says.
    pub fn decide(
        self,
        answer: Result<FileStatus, ConnectorFailure>,
    ) -> Result<Checked, FileRefusal> {
        match answer {
            Ok(FileStatus::Validated) => Ok(Checked::Validated),
            Ok(FileStatus::Consumed) => Err(FileRefusal::Consumed),
            Ok(FileStatus::Unknown) => Err(FileRefusal::Unknown),
            Ok(FileStatus::Expired) => Err(FileRefusal::Expired),
            Err(_) => match self.on_failure {
                OnFailure::Refuse => Err(FileRefusal::Unavailable),
                OnFailure::AcceptAndFlag => Ok(Checked::Unverified),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANEF_REFUSING: FileCheck = FileCheck {
        system: FileSystem::Anef,
        on_failure: OnFailure::Refuse,
    };

    #[test]
    fn only_a_validated_file_goes_through_whatever_the_policy() {
        for on_failure in OnFailure::ALL {
            let check = FileCheck {
                on_failure,
                ..ANEF_REFUSING
            };
            assert_eq!(
                check.decide(Ok(FileStatus::Validated)),
                Ok(Checked::Validated)
            );
            assert_eq!(
                check.decide(Ok(FileStatus::Consumed)),
                Err(FileRefusal::Consumed)
            );
            assert_eq!(
                check.decide(Ok(FileStatus::Unknown)),
                Err(FileRefusal::Unknown)
            );
            assert_eq!(
                check.decide(Ok(FileStatus::Expired)),
                Err(FileRefusal::Expired)
            );
        }
    }

    #[test]
    fn a_system_that_cannot_say_refuses_or_flags_as_the_policy_says() {
        let flagging = FileCheck {
            on_failure: OnFailure::AcceptAndFlag,
            ..ANEF_REFUSING
        };
        for failure in [
            ConnectorFailure::NotConfigured,
            ConnectorFailure::Timeout,
            ConnectorFailure::Failed,
        ] {
            assert_eq!(
                ANEF_REFUSING.decide(Err(failure)),
                Err(FileRefusal::Unavailable)
            );
            assert_eq!(flagging.decide(Err(failure)), Ok(Checked::Unverified));
        }
    }

    #[test]
    fn each_system_accepts_its_own_identifiers() {
        let anef = FileSystem::Anef;
        let snpc = FileSystem::Snpc;
        assert!(anef.check_number("f", "7501234567").is_ok());
        assert!(anef.check_number("f", "ANEF20260001234").is_ok());
        assert!(anef.check_number("f", "AB12CD34EF").is_err());
        assert!(snpc.check_number("f", "AB12CD34EF").is_ok());
        assert!(
            snpc.check_number("f", "7501234567").is_ok(),
            "ANTS numbers may be all digits"
        );
        assert!(snpc.check_number("f", "130712345678").is_ok());
        let refused = snpc
            .check_number("applicant.file_number", "ANEF20260001234")
            .expect_err("an ANEF number is no SNPC identifier");
        assert_eq!(refused.field, "applicant.file_number");
    }

    #[test]
    fn codes_read_back() {
        for s in FileSystem::ALL {
            assert_eq!(FileSystem::from_code(s.code()), Some(s));
        }
        for p in OnFailure::ALL {
            assert_eq!(OnFailure::parse("f", p.code()), Ok(p));
        }
        for s in FileStatus::ALL {
            assert_eq!(FileStatus::from_code(s.code()), Some(s));
        }
        for c in Checked::ALL {
            assert_eq!(Checked::from_code(c.code()), Some(c));
        }
        assert!(FileSystem::parse("file_check", "agdref").is_err());
        assert!(
            NoConnector.status(&FileQuery {
                system: FileSystem::Snpc,
                file_number: "AB12CD34EF",
                demarche: "permis-echange-etranger",
            }) == Err(ConnectorFailure::NotConfigured)
        );
    }
}
