//! Messages to applicants and to préfecture systems: what the outbox
//! carries, when reminders fall, how SMS are measured, how French mobile
//! numbers are written for sending, and how long a failed delivery waits
//! before its next attempt. Pure rules; the store keeps the outbox and the
//! server's worker sends.

pub mod backoff;
pub mod network;
pub mod phone;
pub mod reminders;
pub mod seal;
pub mod sms;
pub mod webhook;

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

/// The key under which an SMS opt-out is kept: an HMAC-SHA256 of the
/// number's E.164 form (`+33612345678`) with the deployment's secret, so
/// that the table lists no numbers and cannot be searched by hashing every
/// French mobile (some 10⁸ of them) without the secret.
pub fn opt_out_key(secret: &[u8], e164: &str) -> String {
    use hmac::{Hmac, Mac};
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(secret) else {
        // HMAC takes keys of any length: unreachable.
        return legacy_opt_out_key(e164);
    };
    mac.update(b"planipref-sms-opt-out\0");
    mac.update(e164.as_bytes());
    crate::reference::hex(&mac.finalize().into_bytes())
}

/// The key opt-outs were kept under before they were keyed: a plain
/// SHA-256, still honoured for the opt-outs written then.
pub fn legacy_opt_out_key(e164: &str) -> String {
    use sha2::{Digest, Sha256};
    crate::reference::hex(
        &Sha256::new()
            .chain_update(b"planipref-sms-opt-out\0")
            .chain_update(e164.as_bytes())
            .finalize(),
    )
}

/// A way of reaching a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Channel {
    /// E-mail.
    Email,
    /// SMS to a mobile.
    Sms,
}

impl Channel {
    /// Its code (the outbox's `channel`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
        }
    }
}

/// The channels an agent asks a message to go by (`["email", "sms"]`),
/// checked against what the person gave: an e-mail address for `email`, a
/// French mobile for `sms`. Errors name `field`, or the missing contact.
pub fn asked_channels(
    field: &str,
    asked: &[String],
    (email, phone): (Option<&str>, Option<&str>),
) -> Result<Vec<Channel>, Vec<FieldError>> {
    let mut channels = Vec::new();
    let mut errors = Vec::new();
    for raw in asked {
        match raw.trim() {
            "email" if email.is_some_and(|e| !e.trim().is_empty()) => channels.push(Channel::Email),
            "email" => errors.push(FieldError::new(
                "person.email",
                "is needed to send the convocation by e-mail",
            )),
            "sms" if phone.is_some_and(phone::is_mobile) => channels.push(Channel::Sms),
            "sms" => errors.push(FieldError::new(
                "person.phone",
                "must be a French mobile number to send the convocation by SMS",
            )),
            _ => errors.push(FieldError::new(field, "lists email and sms only")),
        }
    }
    channels.sort();
    channels.dedup();
    if errors.is_empty() {
        Ok(channels)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::{Channel, Language, asked_channels};

    #[test]
    fn an_opt_out_key_is_the_numbers_with_the_secret_and_hides_it() {
        let key = super::opt_out_key(b"secret", "+33612345678");
        assert_eq!(key, super::opt_out_key(b"secret", "+33612345678"));
        assert_ne!(key, super::opt_out_key(b"secret", "+33612345679"));
        assert_ne!(key, super::opt_out_key(b"another", "+33612345678"));
        assert_ne!(key, super::legacy_opt_out_key("+33612345678"));
        assert_eq!(key.len(), 64);
        assert!(!key.contains("612345678"));
    }

    #[test]
    fn a_convocation_goes_by_the_channels_the_person_can_be_reached_on() {
        let asked = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let both = (Some("a@example.org"), Some("06 12 34 56 78"));
        assert_eq!(
            asked_channels("send", &asked(&["sms", "email", "email"]), both),
            Ok(vec![Channel::Email, Channel::Sms])
        );
        assert_eq!(asked_channels("send", &[], both), Ok(vec![]));
        let landline = (None, Some("01 41 60 60 60"));
        let fields = |r: Result<Vec<Channel>, Vec<crate::FieldError>>| {
            r.err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fields(asked_channels(
                "send",
                &asked(&["email", "sms", "fax"]),
                landline
            )),
            ["person.email", "person.phone", "send"]
        );
    }

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
