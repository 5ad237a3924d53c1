//! The applicant's contact: e-mail address and phone number, checked and
//! normalised (domain lower-cased, phone in E.164 form).

use crate::error::FieldError;

/// Longest accepted e-mail address (RFC 5321 path limit).
pub const EMAIL_MAX_CHARS: usize = 254;

/// A pragmatic check: one `@`, a plausible local part and a domain of
/// dot-separated labels. Deliverability is proven by the confirmation
/// message, not by a regular expression.
pub(crate) fn parse_email(raw: &str) -> Result<String, FieldError> {
    let field = "email";
    let email = raw.trim();
    let invalid = || FieldError::new(field, "must be a valid e-mail address");
    if email.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if email.chars().count() > EMAIL_MAX_CHARS {
        return Err(FieldError::new(
            field,
            format!("must be at most {EMAIL_MAX_CHARS} characters"),
        ));
    }
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().all(char::is_alphabetic) && tld.len() >= 2);
    if !local_ok || !domain_ok {
        return Err(invalid());
    }
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

/// French national prefixes of the overseas territories, and their
/// international country codes (ARCEP numbering plan).
const OVERSEAS_PREFIXES: &[(&str, &str)] = &[
    ("0262", "262"), // La Réunion, fixed
    ("0263", "262"), // La Réunion, fixed
    ("0692", "262"), // La Réunion, mobile
    ("0693", "262"), // La Réunion, mobile
    ("0269", "262"), // Mayotte, fixed
    ("0639", "262"), // Mayotte, mobile
    ("0590", "590"), // Guadeloupe, Saint-Martin, Saint-Barthélemy, fixed
    ("0690", "590"), // same, mobile
    ("0691", "590"), // same, mobile
    ("0594", "594"), // Guyane, fixed
    ("0694", "594"), // Guyane, mobile
    ("0596", "596"), // Martinique, fixed
    ("0696", "596"), // Martinique, mobile
    ("0697", "596"), // Martinique, mobile
    ("0508", "508"), // Saint-Pierre-et-Miquelon
];

/// Accepts an international number (`+` then 8 to 15 digits) or a French
/// national one (10 digits starting with 0), with spaces, dots, dashes or
/// parentheses, and returns it in E.164 form.
pub(crate) fn parse_phone(raw: &str) -> Result<String, FieldError> {
    let field = "phone";
    let compact: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')' | '\u{a0}'))
        .collect();
    if compact.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    let invalid = || {
        FieldError::new(
            field,
            "must be an international number such as +33 6 12 34 56 78, or a French number of 10 digits",
        )
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if let Some(rest) = compact
        .strip_prefix('+')
        .or_else(|| compact.strip_prefix("00"))
    {
        if all_digits(rest) && (8..=15).contains(&rest.len()) && !rest.starts_with('0') {
            return Ok(format!("+{rest}"));
        }
        return Err(invalid());
    }
    if all_digits(&compact) && compact.len() == 10 && compact.starts_with('0') {
        let country = OVERSEAS_PREFIXES
            .iter()
            .find(|(prefix, _)| compact.starts_with(prefix))
            .map_or("33", |(_, cc)| cc);
        return Ok(format!("+{country}{}", &compact[1..]));
    }
    Err(invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in ["a@b.fr", "prénom.nom@exemple.fr", "x+tag@sub.domain.org"] {
            assert!(parse_email(ok).is_ok(), "{ok}");
        }
        for bad in [
            "a@b", "@b.fr", "a@.fr", "a b@c.fr", "a@b..fr", "a@@b.fr", "a.@b.fr", "a@b.f1",
        ] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_are_normalised_to_e164_including_overseas() {
        assert_eq!(
            parse_phone("+33 6 12 34 56 78").ok(),
            Some("+33612345678".into())
        );
        assert_eq!(
            parse_phone("0033612345678").ok(),
            Some("+33612345678".into())
        );
        assert_eq!(
            parse_phone("01.48.95.60.00").ok(),
            Some("+33148956000".into())
        );
        assert_eq!(
            parse_phone("0692 12 34 56").ok(),
            Some("+262692123456".into())
        );
        assert_eq!(
            parse_phone("0594 29 75 00").ok(),
            Some("+594594297500".into())
        );
        assert_eq!(
            parse_phone("+212 6 61 23 45 67").ok(),
            Some("+212661234567".into())
        );
        for bad in [
            "",
            "+0612",
            "612345678",
            "06123456789",
            "+33 6 12 AB 56 78",
            "+1234567",
        ] {
            assert!(parse_phone(bad).is_err(), "{bad}");
        }
    }
}
