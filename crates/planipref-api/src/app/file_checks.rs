//! File-status checks before a hold or a booking: when the motif's
//! démarche asks for one, the file number is required and must be in one
//! of its system's formats (422 on the field otherwise), then the system
//! is asked (through the deployment's connector, on the blocking pool
//! where this runs) and the démarche's rule decides: through, refused
//! with the reason (422 naming the field), or, when the system cannot
//! say, refused (503, retry later) or through and flagged `unverified`.
//! A booking that confirms a hold checked for the same number asks
//! nothing more. Identifiers are never logged.

use planipref_domain::FieldError;
use planipref_domain::applicant::file_key;
use planipref_domain::file_check::{
    Checked, CheckedFile, FileCheck, FileQuery, FileStatusConnector,
};
use planipref_store::Store;
use planipref_store::models::HoldRow;

use crate::http::error::ApiError;

/// A check a hold or booking must pass: the démarche's rule and the
/// number presented, checked in its system's formats.
#[derive(Clone)]
pub struct PendingCheck {
    demarche: String,
    check: FileCheck,
    number: String,
    field: &'static str,
}

// The number is personal data: not printed.
impl std::fmt::Debug for PendingCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingCheck")
            .field("demarche", &self.demarche)
            .field("check", &self.check)
            .finish_non_exhaustive()
    }
}

/// What a check found, and the key of the number it was made for (what a
/// hold keeps of it).
#[derive(Debug, Clone)]
pub struct FileChecked {
    /// The file key of the number (see `planipref_domain::applicant::file_key`).
    pub key: String,
    /// The system and what it found.
    pub file: CheckedFile,
}

/// The check motif `motif_id` asks for, with the (normalised) `number`
/// presented in `field`: `None` when its démarche asks for none; 422 on
/// `field` when the number is missing or in none of the system's formats.
pub fn pending_check(
    store: &Store,
    motif_id: &str,
    (number, field): (Option<&str>, &'static str),
) -> Result<Option<PendingCheck>, ApiError> {
    let Some((demarche, check)) = store.motif_file_check(motif_id)? else {
        return Ok(None);
    };
    let Some(number) = number else {
        return Err(FieldError::new(field, required(check)).into());
    };
    check.system.check_number(field, number)?;
    Ok(Some(PendingCheck {
        demarche,
        check,
        number: number.to_owned(),
        field,
    }))
}

fn required(check: FileCheck) -> &'static str {
    match check.system {
        planipref_domain::file_check::FileSystem::Anef => {
            "is required for this démarche: the foreigner's number (10 digits) or the ANEF request number"
        }
        planipref_domain::file_check::FileSystem::Snpc => {
            "is required for this démarche: the ANTS request number or the NEPH"
        }
    }
}

impl PendingCheck {
    /// Makes the check: what `held` (the hold confirmed) found for the
    /// same number, else the system's answer through `connector`,
    /// decided by the démarche's rule.
    pub fn run(
        &self,
        connector: &dyn FileStatusConnector,
        held: Option<&HoldRow>,
    ) -> Result<FileChecked, ApiError> {
        let key = file_key(&self.number);
        let system = self.check.system;
        let kept = held
            .filter(|h| h.file_key.as_deref() == Some(key.as_str()))
            .and_then(|h| h.file_check_status.as_deref())
            .and_then(Checked::from_code);
        if let Some(checked) = kept {
            return Ok(FileChecked {
                key,
                file: CheckedFile { system, checked },
            });
        }
        let answer = connector.status(&FileQuery {
            system,
            file_number: &self.number,
            demarche: &self.demarche,
        });
        crate::telemetry::file_checked(system, answer);
        if let Err(failure) = answer {
            log::warn!(
                "file check of démarche {} with {}: {} (policy: {})",
                self.demarche,
                system.code(),
                failure.code(),
                self.check.on_failure.code()
            );
        }
        match self.check.decide(answer) {
            Ok(checked) => Ok(FileChecked {
                key,
                file: CheckedFile { system, checked },
            }),
            Err(refusal) => Err(ApiError::File(refusal, self.field)),
        }
    }
}
