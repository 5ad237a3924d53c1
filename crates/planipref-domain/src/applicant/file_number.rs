//! The identifiers of an applicant's file in the State's systems, as one
//! `file_number` field: read the same way wherever it is typed (spaces
//! and hyphens dropped, letters in capitals), accepted in any of the
//! systems' formats, and checked against one system's formats when a
//! démarche asks for a check with it (see [`crate::file_check`]).
//!
//! The formats:
//! - the foreigner's number (numéro étranger, the AGDREF number printed
//!   on residence permits and their receipts, the ANEF account's login):
//!   10 digits, `7501234567`;
//! - an ANEF request number (numéro de demande ANEF): no public
//!   specification was found, so Planipref accepts a documented,
//!   reasonable shape, 11 to 20 letters and digits (to be narrowed when the
//!   connector's owner confirms it);
//! - an ANTS request number (numéro de pré-demande, for passports,
//!   identity cards and the driving licence's online requests): 10
//!   letters and digits, `AB12CD34EF`;
//! - a NEPH (numéro d'enregistrement préfectoral harmonisé, the driving
//!   licence file's number in the SNPC): 12 digits, `130712345678`.
//!
//! Any of them is one string compared as written once normalised: the
//! person's file key for doublons is computed from it (see
//! [`super::PersonKeys`]).

use crate::error::FieldError;

/// Fewest characters of a file number, normalised.
pub const FILE_NUMBER_MIN_CHARS: usize = 10;
/// Most characters of a file number, normalised.
pub const FILE_NUMBER_MAX_CHARS: usize = 20;

/// A file number as compared: spaces and hyphens dropped, letters in
/// capitals (nothing else is changed; [`parse_file_number`] checks it).
pub fn normalise_file_number(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// A file number as recorded: normalised (see [`normalise_file_number`]),
/// and in one of the systems' formats: 10 to 20 letters and digits.
pub fn parse_file_number(raw: &str) -> Result<String, FieldError> {
    let number = normalise_file_number(raw);
    let length = (FILE_NUMBER_MIN_CHARS..=FILE_NUMBER_MAX_CHARS).contains(&number.len());
    if length && number.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(number)
    } else {
        Err(FieldError::new(
            "file_number",
            "must be a file number: the foreigner's number (10 digits), an ANEF or ANTS request number, or a NEPH (12 digits); 10 to 20 letters and digits",
        ))
    }
}

/// The kinds of identifiers, each with its format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileNumberKind {
    /// The foreigner's number (AGDREF): 10 digits.
    Agdref,
    /// An ANEF request number: 11 to 20 letters and digits (a documented
    /// assumption, see the module's documentation).
    AnefRequest,
    /// An ANTS request number (pré-demande): 10 letters and digits.
    AntsRequest,
    /// A driving licence file's number (NEPH): 12 digits.
    Neph,
}

impl FileNumberKind {
    /// Whether the normalised `number` has this kind's format.
    pub fn matches(self, number: &str) -> bool {
        let digits = number.bytes().all(|b| b.is_ascii_digit());
        let alphanumeric = number.bytes().all(|b| b.is_ascii_alphanumeric());
        let n = number.len();
        match self {
            Self::Agdref => n == 10 && digits,
            Self::AnefRequest => (11..=20).contains(&n) && alphanumeric,
            Self::AntsRequest => n == 10 && alphanumeric,
            Self::Neph => n == 12 && digits,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_numbers_are_read_without_spaces_hyphens_or_case() {
        assert_eq!(parse_file_number(" 75 0123 4567 "), Ok("7501234567".into()));
        assert_eq!(parse_file_number("ab12-cd34-ef"), Ok("AB12CD34EF".into()));
        assert_eq!(
            parse_file_number("1307 1234 5678"),
            Ok("130712345678".into())
        );
        assert_eq!(
            parse_file_number("anef 2026 000 1234"),
            Ok("ANEF20260001234".into())
        );
    }

    #[test]
    fn what_is_no_systems_format_is_refused_on_the_field() {
        for bad in [
            "",
            "123456789",
            "75-00",
            "7501234567890123456789",
            "75012345é7",
            "7501_234567",
            "75.01.23.45.67",
        ] {
            let e = parse_file_number(bad).expect_err(bad);
            assert_eq!(e.field, "file_number", "{bad}");
        }
    }

    #[test]
    fn each_kind_has_its_format() {
        use FileNumberKind::*;
        let cases = [
            ("7501234567", [true, false, true, false]),
            ("AB12CD34EF", [false, false, true, false]),
            ("130712345678", [false, true, false, true]),
            ("ANEF20260001234", [false, true, false, false]),
        ];
        for (number, expected) in cases {
            let got = [Agdref, AnefRequest, AntsRequest, Neph].map(|k| k.matches(number));
            assert_eq!(got, expected, "{number}");
        }
    }
}
