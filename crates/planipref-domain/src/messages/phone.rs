//! French mobile numbers, written the way SMS providers want them (E.164).
//!
//! Applicants type their number however they are used to: `06 12 34 56 78`,
//! `06.12.34.56.78`, `+33 6 12 34 56 78`, `0033 6…`, `+33 (0)6…`. SMS are only
//! sent to mobiles, so landlines and special numbers are refused rather than
//! handed to a provider that would bill a failed send.
//!
//! The overseas départements share the national `0` prefix with the
//! metropole but have their own country codes: `0692 12 34 56` at La Réunion
//! is dialled from abroad as `+262 692 12 34 56`, not `+33 692…`. A number
//! written nationally is therefore mapped to the right country code from
//! its first digits, and a DOM mobile written with `+33` is refused: it is
//! not a real international form and sending to it could reach the wrong
//! network or nobody.

/// Mobile prefixes of the overseas départements and collectivités, as the
/// three digits after the national `0`, with the country code they are
/// dialled with.
const OVERSEAS_MOBILES: [(&str, &str); 8] = [
    // Mayotte.
    ("639", "262"),
    // Guadeloupe, Saint-Martin, Saint-Barthélemy.
    ("690", "590"),
    ("691", "590"),
    // La Réunion.
    ("692", "262"),
    ("693", "262"),
    // Guyane.
    ("694", "594"),
    // Martinique.
    ("696", "596"),
    ("697", "596"),
];

/// Country code of metropolitan France.
const METROPOLE: &str = "33";

/// Country codes under which a French mobile may be written.
const COUNTRY_CODES: [&str; 5] = [METROPOLE, "262", "590", "594", "596"];

/// Digits of a subscriber number: the national number without its `0`.
const SUBSCRIBER_DIGITS: usize = 9;

/// The E.164 form (`+33612345678`, `+262692123456`) of a French mobile
/// number, or `None` when `raw` is not one.
///
/// Spaces (including non-breaking ones), dots and hyphens are ignored, and
/// `(0)` is accepted right after a country code (`+33 (0)6 12 34 56 78`), as
/// business cards often write it. Mobiles are the metropolitan `06` and
/// `07` numbers and the overseas ranges (`0639`, `0690`–`0694`, `0696`,
/// `0697`), each under its own country code. Landlines (`01`–`05`, `09`),
/// short numbers, wrong lengths, letters and other punctuation give `None`.
pub fn mobile_e164(raw: &str) -> Option<String> {
    let compact: String = raw
        .chars()
        .filter(|c| !(c.is_whitespace() || *c == '.' || *c == '-'))
        .collect();
    if let Some(rest) = compact
        .strip_prefix('+')
        .or_else(|| compact.strip_prefix("00"))
    {
        international(rest)
    } else {
        national(&compact)
    }
}

/// Whether `raw` is a French mobile number SMS can be sent to (see
/// [`mobile_e164`]).
pub fn is_mobile(raw: &str) -> bool {
    mobile_e164(raw).is_some()
}

/// A national number: ten digits starting with `0`.
fn national(digits: &str) -> Option<String> {
    if digits.len() != SUBSCRIBER_DIGITS + 1 || !all_digits(digits) {
        return None;
    }
    let subscriber = digits.strip_prefix('0')?;
    if !subscriber.starts_with(['6', '7']) {
        return None;
    }
    let country = overseas_country(subscriber).unwrap_or(METROPOLE);
    Some(format!("+{country}{subscriber}"))
}

/// An international number, after its `+` or `00`.
fn international(rest: &str) -> Option<String> {
    let (country, after) = COUNTRY_CODES
        .iter()
        .find_map(|cc| rest.strip_prefix(cc).map(|after| (*cc, after)))?;
    let subscriber = after.strip_prefix("(0)").unwrap_or(after);
    if subscriber.len() != SUBSCRIBER_DIGITS || !all_digits(subscriber) {
        return None;
    }
    let mobile = if country == METROPOLE {
        subscriber.starts_with(['6', '7']) && overseas_country(subscriber).is_none()
    } else {
        overseas_country(subscriber) == Some(country)
    };
    mobile.then(|| format!("+{country}{subscriber}"))
}

/// The country code of an overseas mobile subscriber number, or `None` for
/// any other number.
fn overseas_country(subscriber: &str) -> Option<&'static str> {
    OVERSEAS_MOBILES
        .iter()
        .find(|(prefix, _)| subscriber.starts_with(prefix))
        .map(|(_, country)| *country)
}

/// Whether `s` is non-empty and made of ASCII digits only.
fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e164(raw: &str) -> Option<String> {
        mobile_e164(raw)
    }

    #[test]
    fn national_forms_with_any_separator() {
        for raw in [
            "0612345678",
            "06 12 34 56 78",
            "06.12.34.56.78",
            "06-12-34-56-78",
            " 06 12 34-56.78 ",
            "06\u{a0}12\u{a0}34\u{a0}56\u{a0}78",
            "06\u{202f}12\u{202f}34\u{202f}56\u{202f}78",
        ] {
            assert_eq!(e164(raw).as_deref(), Some("+33612345678"), "{raw:?}");
        }
        assert_eq!(e164("07 98 76 54 32").as_deref(), Some("+33798765432"));
    }

    #[test]
    fn international_forms() {
        for raw in [
            "+33612345678",
            "+33 6 12 34 56 78",
            "0033 6 12 34 56 78",
            "0033612345678",
            "+33 (0)6 12 34 56 78",
            "+33(0)612345678",
            "0033 (0)6 12 34 56 78",
            "+33-6-12-34-56-78",
        ] {
            assert_eq!(e164(raw).as_deref(), Some("+33612345678"), "{raw:?}");
        }
        assert_eq!(e164("+33 7 12 34 56 78").as_deref(), Some("+33712345678"));
    }

    #[test]
    fn overseas_mobiles_written_nationally_get_their_own_country_code() {
        let cases = [
            ("06 39 12 34 56", "+262639123456"),
            ("06 90 12 34 56", "+590690123456"),
            ("06 91 12 34 56", "+590691123456"),
            ("06 92 12 34 56", "+262692123456"),
            ("06 93 12 34 56", "+262693123456"),
            ("06 94 12 34 56", "+594694123456"),
            ("06 96 12 34 56", "+596696123456"),
            ("06 97 12 34 56", "+596697123456"),
        ];
        for (raw, expected) in cases {
            assert_eq!(e164(raw).as_deref(), Some(expected), "{raw}");
        }
        // Neighbouring prefixes are ordinary metropolitan mobiles.
        assert_eq!(e164("06 95 12 34 56").as_deref(), Some("+33695123456"));
        assert_eq!(e164("06 38 12 34 56").as_deref(), Some("+33638123456"));
    }

    #[test]
    fn overseas_mobiles_in_international_form() {
        let cases = [
            ("+262 692 12 34 56", "+262692123456"),
            ("+262 693 12 34 56", "+262693123456"),
            ("+262 639 12 34 56", "+262639123456"),
            ("+590 690 12 34 56", "+590690123456"),
            ("+590 691 12 34 56", "+590691123456"),
            ("+594 694 12 34 56", "+594694123456"),
            ("+596 696 12 34 56", "+596696123456"),
            ("+596 697 12 34 56", "+596697123456"),
            ("00262 692 12 34 56", "+262692123456"),
            ("+262 (0)692 12 34 56", "+262692123456"),
        ];
        for (raw, expected) in cases {
            assert_eq!(e164(raw).as_deref(), Some(expected), "{raw}");
        }
    }

    #[test]
    fn overseas_mobiles_under_the_wrong_country_code_are_refused() {
        assert_eq!(e164("+33 6 92 12 34 56"), None);
        assert_eq!(e164("+33 6 39 12 34 56"), None);
        assert_eq!(e164("+33 (0)6 96 12 34 56"), None);
        assert_eq!(e164("+262 690 12 34 56"), None);
        assert_eq!(e164("+590 692 12 34 56"), None);
        assert_eq!(e164("+596 694 12 34 56"), None);
        // A metropolitan mobile is not written under an overseas code.
        assert_eq!(e164("+262 612 34 56 78"), None);
    }

    #[test]
    fn landlines_and_special_numbers_are_refused() {
        for raw in [
            "01 23 45 67 89",
            "02 23 45 67 89",
            "03 23 45 67 89",
            "04 23 45 67 89",
            "05 23 45 67 89",
            "08 00 12 34 56",
            "09 87 65 43 21",
            "+33 1 23 45 67 89",
            "+33 9 87 65 43 21",
            "+262 262 12 34 56",
            "+596 596 12 34 56",
        ] {
            assert_eq!(e164(raw), None, "{raw}");
            assert!(!is_mobile(raw), "{raw}");
        }
    }

    #[test]
    fn garbage_is_refused() {
        for raw in [
            "",
            "   ",
            "+",
            "00",
            "112",
            "3040",
            "06 12 34 56 7",
            "06 12 34 56 789",
            "6 12 34 56 78",
            "612345678",
            "06 12 34 56 7a",
            "O6 12 34 56 78",
            "06/12/34/56/78",
            "(06) 12 34 56 78",
            "+33 6 12 34 56 7",
            "+33 6 12 34 56 789",
            "+33 06 12 34 56 78",
            "+33 (0)(0)6 12 34 56 78",
            "+33 6 (0)12 34 56 78",
            "+44 7 12 34 56 78",
            "+1 612 345 6789",
            "++33 6 12 34 56 78",
            "+0033 6 12 34 56 78",
            "06 12 34 56 78 +",
            "０６１２３４５６７８",
        ] {
            assert_eq!(e164(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn is_mobile_agrees() {
        assert!(is_mobile("06 12 34 56 78"));
        assert!(is_mobile("+262 692 12 34 56"));
        assert!(!is_mobile("01 23 45 67 89"));
    }
}
