//! Languages: which one an applicant reads (negotiated from their
//! `Accept-Language`), and the translations of a motif's texts.
//!
//! A motif is written in French, its source language, always present. A
//! préfecture may add translations of its texts (label, description,
//! instructions, documents). Each translation remembers a digest of the
//! French it was made from: once the French changes, the translation is
//! out of date and applicants read the French again until it is redone, so
//! nobody is told, in English, to bring a document the French no longer
//! asks for.

use sha2::{Digest, Sha256};

use crate::error::FieldError;
use crate::motif::{MAX_INSTRUCTIONS_CHARS, check_documents};
use crate::text::{check_description, check_name};

/// The language every text is written in first, and the one read when no
/// other fits.
pub const SOURCE_LANGUAGE: &str = "fr";

/// Most translations one motif may have.
pub const MAX_TRANSLATIONS: usize = 20;

/// Most language ranges of an `Accept-Language` taken into account (the
/// rest is ignored: a client does not prefer 50 languages).
const MAX_RANGES: usize = 20;

/// Longest label, in characters (as the motif's own).
pub const MAX_LABEL_CHARS: usize = 150;

/// Longest description, in characters (as the motif's own).
pub const MAX_DESCRIPTION_CHARS: usize = 4000;

/// Checks a language tag (BCP 47, the forms this service uses: a 2- or
/// 3-letter language, optionally a region: `en`, `ar`, `pt-BR`, `es-419`),
/// and gives it in its usual case (`pt-BR`).
pub fn check_language(field: &str, raw: &str) -> Result<String, FieldError> {
    let refused = || {
        FieldError::new(
            field,
            "must be a language tag such as en, ar or pt-BR (ISO 639 language, optional region)",
        )
    };
    let mut parts = raw.trim().split('-');
    let language = parts.next().unwrap_or_default();
    if !(2..=3).contains(&language.len()) || !language.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(refused());
    }
    let mut tag = language.to_ascii_lowercase();
    match (parts.next(), parts.next()) {
        (None, _) => {}
        (Some(region), None)
            if region.len() == 2 && region.chars().all(|c| c.is_ascii_alphabetic()) =>
        {
            tag.push('-');
            tag.push_str(&region.to_ascii_uppercase());
        }
        (Some(region), None) if region.len() == 3 && region.chars().all(|c| c.is_ascii_digit()) => {
            tag.push('-');
            tag.push_str(region);
        }
        _ => return Err(refused()),
    }
    Ok(tag)
}

/// The language ranges of an `Accept-Language` header (RFC 9110 § 12.5.4),
/// most wanted first (equal weights keep their order), lower-cased; those
/// refused (`q=0`) and malformed ones are left out. A malformed header
/// gives no preference rather than an error: the answer then comes in the
/// default language.
pub fn preferences(header: &str) -> Vec<String> {
    let mut ranges: Vec<(u16, String)> = header
        .split(',')
        .take(MAX_RANGES)
        .filter_map(|item| {
            let mut parts = item.split(';');
            let range = parts.next()?.trim().to_ascii_lowercase();
            let valid = range == "*"
                || (!range.is_empty()
                    && range.len() <= 35
                    && range.split('-').all(|p| {
                        (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric())
                    }));
            if !valid {
                return None;
            }
            let mut weight = 1000;
            for param in parts {
                let (name, value) = param.split_once('=')?;
                if name.trim().eq_ignore_ascii_case("q") {
                    weight = quality(value.trim())?;
                }
            }
            (weight > 0).then_some((weight, range))
        })
        .collect();
    ranges.sort_by_key(|r| std::cmp::Reverse(r.0));
    ranges.into_iter().map(|(_, range)| range).collect()
}

/// A quality value (`0` to `1` with at most three decimals) in thousandths.
fn quality(raw: &str) -> Option<u16> {
    let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    if fraction.len() > 3 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The language to answer in among `available`, for a client preferring
/// `preferences` (from [`preferences`]): the first range that one of them
/// matches, by RFC 4647 lookup (`en-GB` falls back to `en`; a range also
/// matches a tag it is a prefix of, so `pt` finds `pt-BR`). `None` when no
/// range matches, or for `*` alone: the caller's default then applies.
pub fn negotiate<'a>(preferences: &[String], available: &[&'a str]) -> Option<&'a str> {
    preferences.iter().find_map(|range| {
        if range == "*" {
            return None;
        }
        let mut candidate = range.as_str();
        loop {
            if let Some(found) = available
                .iter()
                .find(|tag| tag.eq_ignore_ascii_case(candidate))
            {
                return Some(*found);
            }
            match candidate.rfind('-') {
                Some(cut) => candidate = &candidate[..cut],
                None => break,
            }
        }
        available.iter().copied().find(|tag| {
            tag.len() > range.len()
                && tag[..range.len()].eq_ignore_ascii_case(range)
                && tag.as_bytes()[range.len()] == b'-'
        })
    })
}

/// The texts of a motif an applicant reads, in one language.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MotifTexts {
    /// Label.
    pub label: String,
    /// What to know and bring.
    pub description: String,
    /// What the applicant is told once booked.
    pub instructions: String,
    /// Documents to bring.
    pub documents: Vec<String>,
}

impl MotifTexts {
    /// A digest of these texts (hexadecimal SHA-256), remembered by a
    /// translation made from them, to tell when they changed since.
    pub fn digest(&self) -> String {
        let mut hasher = Sha256::new();
        for part in [&self.label, &self.description, &self.instructions] {
            hasher.update(part.as_bytes());
            hasher.update([0x1f]);
        }
        for document in &self.documents {
            hasher.update(document.as_bytes());
            hasher.update([0x1e]);
        }
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// A translation of a motif's texts as submitted.
#[derive(Debug, Clone, Default)]
pub struct TranslationInput<'a> {
    /// Its language tag.
    pub language: &'a str,
    /// Label (required).
    pub label: &'a str,
    /// Description.
    pub description: &'a str,
    /// Instructions.
    pub instructions: &'a str,
    /// Documents to bring.
    pub documents: &'a [String],
}

/// A checked translation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translation {
    /// Its language tag, in its usual case.
    pub language: String,
    /// Its texts.
    pub texts: MotifTexts,
}

/// Checks a motif's whole set of translations: each language once, never
/// the source language (the motif's own texts are the French), at most
/// [`MAX_TRANSLATIONS`]; each text bounded as the motif's own; a
/// translation must give every text the French has (a label always; a
/// description, instructions and as many documents when the French has
/// them), so an applicant never reads half of it in another language.
/// Fields are named `translations[i].…`.
pub fn check_translations(
    source: &MotifTexts,
    inputs: &[TranslationInput<'_>],
) -> Result<Vec<Translation>, Vec<FieldError>> {
    let mut errors = vec![];
    if inputs.len() > MAX_TRANSLATIONS {
        errors.push(FieldError::new(
            "translations",
            format!("must list at most {MAX_TRANSLATIONS} languages"),
        ));
    }
    let mut checked: Vec<Translation> = vec![];
    for (i, input) in inputs.iter().enumerate() {
        let field = |name: &str| format!("translations[{i}].{name}");
        let before = errors.len();
        let language = match check_language(&field("language"), input.language) {
            Ok(tag) if tag == SOURCE_LANGUAGE => {
                errors.push(FieldError::new(
                    field("language"),
                    "is the motif's own language: change the motif itself",
                ));
                None
            }
            Ok(tag) if checked.iter().any(|t| t.language == tag) => {
                errors.push(FieldError::new(field("language"), "is listed twice"));
                None
            }
            Ok(tag) => Some(tag),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let mut take = |r: Result<String, FieldError>| r.map_err(|e| errors.push(e)).ok();
        let label = take(check_name(&field("label"), input.label, MAX_LABEL_CHARS));
        let description = take(check_description(
            &field("description"),
            input.description,
            MAX_DESCRIPTION_CHARS,
        ));
        let instructions = take(check_description(
            &field("instructions"),
            input.instructions,
            MAX_INSTRUCTIONS_CHARS,
        ));
        let documents = check_documents(&field("documents"), input.documents)
            .map_err(|e| errors.push(e))
            .ok();
        let documents_given = documents.is_some();
        let texts = MotifTexts {
            label: label.unwrap_or_default(),
            description: description.unwrap_or_default(),
            instructions: instructions.unwrap_or_default(),
            documents: documents.unwrap_or_default(),
        };
        errors.extend(missing_texts(source, &texts, documents_given, &field));
        if let (Some(language), true) = (language, errors.len() == before) {
            checked.push(Translation { language, texts });
        }
    }
    if errors.is_empty() {
        Ok(checked)
    } else {
        Err(errors)
    }
}

/// The texts the French has and a translation lacks.
fn missing_texts(
    source: &MotifTexts,
    texts: &MotifTexts,
    documents_given: bool,
    field: &dyn Fn(&str) -> String,
) -> Vec<FieldError> {
    let mut errors = vec![];
    for (name, french, translated) in [
        ("description", &source.description, &texts.description),
        ("instructions", &source.instructions, &texts.instructions),
    ] {
        if !french.is_empty() && translated.is_empty() {
            errors.push(FieldError::new(
                field(name),
                "must be translated: the motif has one in French",
            ));
        }
    }
    if documents_given && texts.documents.len() != source.documents.len() {
        errors.push(FieldError::new(
            field("documents"),
            format!(
                "must list as many documents as the motif does in French ({})",
                source.documents.len()
            ),
        ));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefs(header: &str) -> Vec<String> {
        preferences(header)
    }

    #[test]
    fn ranges_are_ordered_by_weight_and_refused_ones_left_out() {
        assert_eq!(
            prefs("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5"),
            ["fr-ch", "fr", "en", "de", "*"]
        );
        assert_eq!(prefs("en;q=0.5, ar"), ["ar", "en"]);
        assert_eq!(prefs("en;q=0, ar;q=0.001"), ["ar"]);
        assert_eq!(prefs("en;q=1.000, es;q=1.5, de;q=0.1234, it;q=x"), ["en"]);
        assert!(prefs("").is_empty());
        assert!(prefs("@@, ;;;").is_empty());
    }

    #[test]
    fn lookup_falls_back_from_region_to_language_and_finds_regions() {
        let available = ["fr", "en", "pt-BR", "ar"];
        let pick = |h: &str| negotiate(&prefs(h), &available);
        assert_eq!(pick("en-GB,en;q=0.9"), Some("en"));
        assert_eq!(pick("de, ar;q=0.5"), Some("ar"));
        assert_eq!(pick("pt"), Some("pt-BR"));
        assert_eq!(pick("PT-br"), Some("pt-BR"));
        assert_eq!(pick("de"), None);
        assert_eq!(pick("*"), None);
        assert_eq!(pick(""), None);
        // `e` is not a prefix of `en` as a language.
        assert_eq!(pick("e"), None);
    }

    #[test]
    fn language_tags_are_checked_and_put_in_their_usual_case() {
        assert_eq!(check_language("l", "EN").unwrap(), "en");
        assert_eq!(check_language("l", "pt-br").unwrap(), "pt-BR");
        assert_eq!(check_language("l", "es-419").unwrap(), "es-419");
        for bad in ["", "e", "engl", "en-", "en-GBR", "en-G1", "en-US-x", "é"] {
            assert_eq!(check_language("l", bad).unwrap_err().field, "l", "{bad}");
        }
    }

    fn french() -> MotifTexts {
        MotifTexts {
            label: "Renouvellement de titre de séjour".into(),
            description: "Apportez le titre actuel.".into(),
            instructions: String::new(),
            documents: vec!["Passeport".into(), "Photos".into()],
        }
    }

    #[test]
    fn a_translation_gives_every_text_the_french_has() {
        let documents = vec!["Passport".to_owned(), "Photos".to_owned()];
        let good = TranslationInput {
            language: "EN",
            label: " Residence permit  renewal ",
            description: "Bring your current permit.",
            instructions: "",
            documents: &documents,
        };
        let checked = check_translations(&french(), std::slice::from_ref(&good)).unwrap();
        assert_eq!(checked[0].language, "en");
        assert_eq!(checked[0].texts.label, "Residence permit renewal");

        let one = vec!["Passport".to_owned()];
        let errors = check_translations(
            &french(),
            &[
                good.clone(),
                TranslationInput {
                    language: "en",
                    ..good.clone()
                },
                TranslationInput {
                    language: "fr",
                    ..good.clone()
                },
                TranslationInput {
                    language: "ar",
                    label: " ",
                    description: "",
                    documents: &one,
                    ..good
                },
            ],
        )
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "translations[1].language",
                "translations[2].language",
                "translations[3].label",
                "translations[3].description",
                "translations[3].documents"
            ]
        );
    }

    #[test]
    fn too_many_translations_are_refused() {
        let inputs: Vec<TranslationInput<'_>> = (0..=MAX_TRANSLATIONS)
            .map(|_| TranslationInput {
                language: "en",
                label: "x",
                ..Default::default()
            })
            .collect();
        let errors = check_translations(&MotifTexts::default(), &inputs).unwrap_err();
        assert_eq!(errors[0].field, "translations");
    }

    #[test]
    fn the_digest_changes_with_any_text() {
        let base = french();
        let mut moved = base.clone();
        moved.documents = vec!["PasseportPhotos".into()];
        let mut described = base.clone();
        described.description.push('!');
        assert_eq!(base.digest(), french().digest());
        assert_ne!(base.digest(), moved.digest());
        assert_ne!(base.digest(), described.digest());
        assert_eq!(base.digest().len(), 64);
    }
}
