//! File checks as agents read them on an appointment: the flag of what
//! the démarche's check found.

use planipref_store::models::CounterRow;
use serde::Serialize;
use utoipa::ToSchema;

/// What the démarche's file check found when the appointment was booked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"status": "unverified", "system": "anef"}))]
pub struct FileCheckFlag {
    /// `validated`, or `unverified`: the system could not say and the
    /// démarche accepts and flags; check the file at the counter.
    #[schema(value_type = crate::model::codes::FileCheckStatus, example = "unverified")]
    pub status: String,
    /// The system asked: `anef` or `snpc`.
    #[schema(value_type = crate::model::codes::FileSystem, example = "anef")]
    pub system: String,
}

/// The flag of an appointment made so, when its démarche checked its file.
pub fn flag(made: Option<&CounterRow>) -> Option<FileCheckFlag> {
    let made = made?;
    Some(FileCheckFlag {
        status: made.file_check_status.clone()?,
        system: made.file_check_system.clone()?,
    })
}

#[cfg(test)]
mod tests {
    use crate::model::codes::{FileCheckOnFailure, FileCheckStatus, FileSystem};
    use planipref_domain::file_check as domain;

    #[test]
    fn the_contract_writes_file_checks_as_the_domain_does() {
        assert_eq!(
            FileSystem::ALL.iter().map(|s| s.code()).collect::<Vec<_>>(),
            domain::FileSystem::ALL
                .map(domain::FileSystem::code)
                .to_vec()
        );
        assert_eq!(
            FileCheckOnFailure::ALL
                .iter()
                .map(|s| s.code())
                .collect::<Vec<_>>(),
            domain::OnFailure::ALL.map(domain::OnFailure::code).to_vec()
        );
        assert_eq!(
            FileCheckStatus::ALL
                .iter()
                .map(|s| s.code())
                .collect::<Vec<_>>(),
            domain::Checked::ALL.map(domain::Checked::code).to_vec()
        );
        for value in FileCheckOnFailure::ALL {
            assert_eq!(serde_json::to_value(value).ok(), Some(value.code().into()));
        }
    }
}
