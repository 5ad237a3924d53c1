//! The domain's one error type.

use std::fmt;

/// One problem with one input field, named as the API client spelled it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name in the request (`birth_date`, `start`, `from`, …).
    pub field: String,
    /// A sentence for the applicant or the integrator.
    pub message: String,
}

impl FieldError {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Why the domain refused a decision.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The input breaks one or more rules; every broken field is listed.
    #[error("invalid input: {}", list(.0))]
    Invalid(Vec<FieldError>),
    /// The requested slot exists but no guichet is free for it any more.
    #[error("the slot is fully booked")]
    SlotFull,
    /// The appointment has already started or passed; it can no longer change.
    #[error("the appointment has already started")]
    AppointmentPast,
    /// The applicant's cancellation deadline (hours before) has passed.
    #[error("cancellation closes {0} hours before the appointment")]
    CancellationDeadlinePassed(u32),
}

impl DomainError {
    /// Both values, or every field error of both (a refusal that is not
    /// about fields wins, the first one first).
    pub fn both<A, B>(a: Result<A, Self>, b: Result<B, Self>) -> Result<(A, B), Self> {
        match (a, b) {
            (Ok(a), Ok(b)) => Ok((a, b)),
            (Err(Self::Invalid(mut x)), Err(Self::Invalid(y))) => {
                x.extend(y);
                Err(Self::Invalid(x))
            }
            (Err(Self::Invalid(_)), Err(other)) | (Err(other), _) | (_, Err(other)) => Err(other),
        }
    }

    /// A refusal naming a single field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }
}

fn list(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Collects field errors while a whole input is checked, so that the
/// applicant learns about every problem at once rather than one per try.
#[derive(Debug, Default)]
pub struct Collector {
    errors: Vec<FieldError>,
}

impl Collector {
    /// Records the error of `result` (if any) and returns its value.
    pub fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    /// Records every error of `result` (if any) and returns its value.
    pub fn take_all<T>(&mut self, result: Result<T, Vec<FieldError>>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(errors) => {
                self.errors.extend(errors);
                None
            }
        }
    }

    /// Records a free-standing error.
    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// `Ok(())` when nothing was recorded.
    pub fn finish(self) -> Result<(), DomainError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(field: &str) -> Result<(), DomainError> {
        Err(DomainError::invalid(field, "is wrong"))
    }

    #[test]
    fn both_reports_every_field_of_both_and_other_refusals_first() {
        assert_eq!(DomainError::both(Ok(1), Ok(2)), Ok((1, 2)));
        let Err(DomainError::Invalid(errors)) = DomainError::both(invalid("a"), invalid("b"))
        else {
            panic!("both refused");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["a", "b"]);
        assert_eq!(
            DomainError::both(invalid("a"), Err::<(), _>(DomainError::SlotFull)),
            Err(DomainError::SlotFull)
        );
        assert_eq!(
            DomainError::both(Ok(()), invalid("b")),
            invalid("b").map(|()| ((), ()))
        );
    }
}
