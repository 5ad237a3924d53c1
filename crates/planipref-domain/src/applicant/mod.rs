//! The applicant (usager): who comes, and how to reach them.
//!
//! Input arrives as text and is checked here, field by field, so that every
//! problem is reported at once and names the field the client sent. The
//! identity fields (names, birth date, nationality) are parsed here; the
//! file number (the identifier of the person's file in the State's
//! systems) in `file_number.rs`; the contact fields in `contact.rs`; who a
//! person is, for doublons, in `person_keys.rs`.

use chrono::NaiveDate;

use crate::error::{Collector, DomainError, FieldError};

mod contact;
mod file_number;
mod person_keys;
#[cfg(test)]
mod tests;

pub use contact::EMAIL_MAX_CHARS;
pub(crate) use contact::{parse_email, parse_phone};
pub use file_number::{
    FILE_NUMBER_MAX_CHARS, FILE_NUMBER_MIN_CHARS, FileNumberKind, normalise_file_number,
    parse_file_number,
};
pub use person_keys::{PERSON_KEYS_VERSION, PersonKeys, file_key, fold_name};

/// Longest accepted name, in characters.
pub const NAME_MAX_CHARS: usize = 100;
/// Earliest accepted birth date.
pub const BIRTH_DATE_MIN: &str = "1900-01-01";

/// An applicant whose identity and contact have been checked.
#[derive(Clone, PartialEq, Eq)]
pub struct Applicant {
    /// Family name, trimmed, inner spaces collapsed.
    pub last_name: String,
    /// Given names, trimmed, inner spaces collapsed.
    pub first_names: String,
    /// Date of birth.
    pub birth_date: NaiveDate,
    /// E-mail address, domain lower-cased.
    pub email: String,
    /// Phone number in E.164 form (`+33612345678`).
    pub phone: String,
    /// Nationality, ISO 3166-1 alpha-3 (`SEN`), when given.
    pub nationality: Option<String>,
    /// The file number, when given: the foreigner's number (AGDREF, 10
    /// digits), an ANEF or ANTS request number, or a NEPH, normalised (see
    /// [`parse_file_number`]).
    pub file_number: Option<String>,
}

// Personal data: never printed whole, not even in debug output.
impl std::fmt::Debug for Applicant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Applicant { .. }")
    }
}

/// The applicant's fields as the client sent them.
#[derive(Debug, Clone, Copy)]
pub struct ApplicantInput<'a> {
    /// Family name.
    pub last_name: &'a str,
    /// Given names.
    pub first_names: &'a str,
    /// Date of birth, `YYYY-MM-DD`.
    pub birth_date: &'a str,
    /// E-mail address.
    pub email: &'a str,
    /// Phone number, international (`+…`) or French national (`06…`).
    pub phone: &'a str,
    /// Nationality, ISO 3166-1 alpha-3, optional.
    pub nationality: Option<&'a str>,
    /// File number, optional (see [`parse_file_number`]).
    pub file_number: Option<&'a str>,
}

/// Whether an applicant must give a way to reach them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contact {
    /// Online: an e-mail address and a phone number.
    Required,
    /// Booked by an agent for someone who may have neither: each given
    /// is checked, an empty one is left empty.
    Optional,
}

impl Applicant {
    /// Checks every field; `today` is the current date where the applicant books.
    pub fn parse(input: ApplicantInput<'_>, today: NaiveDate) -> Result<Self, DomainError> {
        Self::parse_with(input, today, Contact::Required)
    }

    /// Checks every field, the contact as `contact` says.
    pub fn parse_with(
        input: ApplicantInput<'_>,
        today: NaiveDate,
        contact: Contact,
    ) -> Result<Self, DomainError> {
        let mut c = Collector::default();
        let last_name = c.take(parse_name("last_name", input.last_name));
        let first_names = c.take(parse_name("first_names", input.first_names));
        let birth_date = c.take(parse_birth_date(input.birth_date, today));
        let optional = |raw: &str| contact == Contact::Optional && raw.trim().is_empty();
        let email = if optional(input.email) {
            Some(String::new())
        } else {
            c.take(parse_email(input.email))
        };
        let phone = if optional(input.phone) {
            Some(String::new())
        } else {
            c.take(parse_phone(input.phone))
        };
        let nationality = input.nationality.and_then(|n| c.take(parse_nationality(n)));
        let file_number = input.file_number.and_then(|n| c.take(parse_file_number(n)));
        c.finish()?;
        match (last_name, first_names, birth_date, email, phone) {
            (Some(last_name), Some(first_names), Some(birth_date), Some(email), Some(phone)) => {
                Ok(Self {
                    last_name,
                    first_names,
                    birth_date,
                    email,
                    phone,
                    nationality,
                    file_number,
                })
            }
            _ => Err(DomainError::invalid("applicant", "is incomplete")),
        }
    }

    /// The keys this person is found by, for doublons and the limit of
    /// coming appointments (see [`PersonKeys`]).
    pub fn person_keys(&self) -> PersonKeys {
        PersonKeys::of(
            &self.last_name,
            &self.first_names,
            self.birth_date,
            self.file_number.as_deref(),
        )
    }
}

fn parse_nationality(raw: &str) -> Result<String, FieldError> {
    let code = raw.trim().to_ascii_uppercase();
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(FieldError::new(
            "nationality",
            "must be a three-letter ISO 3166-1 country code (e.g. SEN)",
        ))
    }
}

pub(crate) fn parse_name(field: &str, raw: &str) -> Result<String, FieldError> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(FieldError::new(
            field,
            format!("must be at most {NAME_MAX_CHARS} characters"),
        ));
    }
    let allowed = |ch: char| {
        ch.is_alphabetic()
            || matches!(ch, ' ' | '-' | '\'' | '’' | '.')
            || ('\u{0300}'..='\u{036F}').contains(&ch) // combining accents
    };
    if !name.chars().all(allowed) {
        return Err(FieldError::new(
            field,
            "may contain only letters, spaces, hyphens, apostrophes and dots",
        ));
    }
    if !name.chars().any(char::is_alphabetic) {
        return Err(FieldError::new(field, "must contain a letter"));
    }
    Ok(name)
}

pub(crate) fn parse_birth_date(raw: &str, today: NaiveDate) -> Result<NaiveDate, FieldError> {
    let field = "birth_date";
    let date = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, "must be a date written YYYY-MM-DD"))?;
    if date > today {
        return Err(FieldError::new(field, "must not be in the future"));
    }
    if date.to_string().as_str() < BIRTH_DATE_MIN {
        return Err(FieldError::new(
            field,
            format!("must not be before {BIRTH_DATE_MIN}"),
        ));
    }
    Ok(date)
}
