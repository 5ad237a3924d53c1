//! The free texts an administrator types: names and labels
//! ([`check_name`]) and descriptions or instructions ([`check_description`]).
//! Every préfecture, site, service, guichet, démarche, motif and closure
//! checks its texts here, so they are trimmed, bounded and refused alike.

use crate::error::FieldError;

fn text(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let value = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if value.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(value)
}

/// Checks a short mandatory text (a name, a label).
pub fn check_name(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    text(field, raw, max)
}

/// Checks an optional long text (a description, instructions); newlines
/// are kept, other control characters refused.
pub fn check_description(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let value = raw.trim();
    if value.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(value.to_owned())
}
