//! Messages to applicants and to préfecture systems: what the outbox
//! carries, when reminders fall, how SMS are measured, how French mobile
//! numbers are written for sending, and how long a failed delivery waits
//! before its next attempt. Pure rules; the store keeps the outbox and the
//! server's worker sends.

pub mod backoff;
pub mod phone;
pub mod reminders;
pub mod seal;
pub mod sms;

use crate::error::FieldError;

/// The languages messages are written in. French is the default and the
/// reference; every message exists in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    /// French.
    #[default]
    Fr,
    /// English.
    En,
}

impl Language {
    /// Every language, French first.
    pub const ALL: [Self; 2] = [Self::Fr, Self::En];

    /// Its code (ISO 639-1).
    pub fn code(self) -> &'static str {
        match self {
            Self::Fr => "fr",
            Self::En => "en",
        }
    }

    /// The language `raw` names (`None`: French), or an error naming
    /// `field`.
    pub fn parse(field: &str, raw: Option<&str>) -> Result<Self, FieldError> {
        match raw.map(str::trim) {
            None => Ok(Self::Fr),
            Some(code) => Self::ALL
                .into_iter()
                .find(|l| l.code().eq_ignore_ascii_case(code))
                .ok_or_else(|| FieldError::new(field, "must be fr or en")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Language;

    #[test]
    fn languages_are_french_by_default() {
        assert_eq!(Language::parse("language", None).ok(), Some(Language::Fr));
        assert_eq!(
            Language::parse("language", Some("EN")).ok(),
            Some(Language::En)
        );
        let e = Language::parse("language", Some("de")).err();
        assert_eq!(e.map(|e| e.field), Some("language".to_owned()));
    }
}
