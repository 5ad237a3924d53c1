//! The free texts an administrator types: names and labels
//! ([`check_name`]) and descriptions or instructions ([`check_description`]).
//! Every préfecture, site, service, guichet, démarche, motif and closure
//! checks its texts here, so they are trimmed, bounded and refused alike.

use crate::error::FieldError;

/// Checks a short mandatory text (a name, a label): runs of white space
/// (spaces, tabs, newlines) become one space and the ends are trimmed; an
/// empty text or a control character is refused.
pub fn check_name(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_collapsed_onto_one_line_and_bounded() {
        assert_eq!(
            check_name("name", "  Bureau   du\tséjour \n", 20),
            Ok("Bureau du séjour".to_owned())
        );
        assert_eq!(check_name("name", "éééé", 4), Ok("éééé".to_owned()));
        for bad in ["", " \n ", "ééééé", "a\u{7}b"] {
            let e = check_name("name", bad, 4).expect_err(bad);
            assert_eq!(e.field, "name");
        }
    }

    #[test]
    fn a_description_keeps_its_lines_and_may_be_empty() {
        assert_eq!(
            check_description("description", " Apportez :\n\t- le SMS \n", 100),
            Ok("Apportez :\n\t- le SMS".to_owned())
        );
        assert_eq!(
            check_description("description", "  ", 100),
            Ok(String::new())
        );
        assert!(check_description("description", "abcde", 4).is_err());
        let e = check_description("instructions", "a\u{7}b", 100).expect_err("bell");
        assert_eq!(e.field, "instructions");
    }
}
