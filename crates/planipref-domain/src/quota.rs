//! Quotas: how much one person may hold at once, whatever the démarche.
//!
//! Doublons stop a person booking one démarche twice; this stops one
//! identity collecting appointments across démarches (a reseller's stock).

use crate::error::{DomainError, FieldError};

/// Most coming appointments per person a préfecture may allow.
pub const MAX_ACTIVE_PER_PERSON: u32 = 20;
/// The default: enough for a family's members' own files, not for a stock.
pub const DEFAULT_ACTIVE_PER_PERSON: u32 = 3;

/// Checks a préfecture's limit (1 to [`MAX_ACTIVE_PER_PERSON`]).
pub fn check_max_active_per_person(value: u32) -> Result<u32, DomainError> {
    if (1..=MAX_ACTIVE_PER_PERSON).contains(&value) {
        Ok(value)
    } else {
        Err(DomainError::Invalid(vec![FieldError::new(
            "max_active_per_person",
            format!("must be between 1 and {MAX_ACTIVE_PER_PERSON}"),
        )]))
    }
}

/// Whether one more appointment fits for a person who already holds
/// `active` coming ones, under a limit of `max`.
pub fn may_book_another(active: u64, max: u32) -> bool {
    active < u64::from(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_checked_and_applied() {
        assert!(check_max_active_per_person(0).is_err());
        assert!(check_max_active_per_person(21).is_err());
        assert_eq!(check_max_active_per_person(3), Ok(3));
        assert!(may_book_another(2, 3));
        assert!(!may_book_another(3, 3));
        assert!(!may_book_another(0, 0));
    }
}
