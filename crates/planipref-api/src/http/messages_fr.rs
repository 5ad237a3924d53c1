//! The French of the sentences problems carry: each invalid field's
//! message, and the reasons of refusals (`Conflict`, `Unauthorized`…).
//!
//! Those sentences are written in English where the rule is (the domain,
//! the store, extractors), so that each rule keeps one text. This table
//! gives each its French. An English entry may hold `{}` placeholders,
//! standing for any text (a number, a list, a name): the French takes the
//! same pieces in the same order. A sentence the table does not know is
//! left in English rather than guessed.
//!
//! The table is in two files, fields' messages (`fields.rs`) and refusals'
//! reasons (`refusals.rs`), read in that order: the first entry that
//! matches wins, so a specific sentence comes before a template that
//! would also match it. A test (`coverage.rs`) fails when the code writes
//! a sentence the table does not translate, or when an entry is no
//! longer reached.

#[cfg(test)]
mod coverage;
mod fields;
mod refusals;

/// Every entry, in the order they are tried.
fn catalogue() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    fields::FIELDS.iter().chain(refusals::REFUSALS)
}

/// `english` in French, when the catalogue knows it; else `english`.
pub fn translate(english: &str) -> String {
    catalogue()
        .find_map(|(en, fr)| fill(fr, &matches(en, english)?))
        .unwrap_or_else(|| english.to_owned())
}

/// The pieces of `text` standing for the `{}` of `template`, if it
/// follows it.
fn matches<'t>(template: &str, text: &'t str) -> Option<Vec<&'t str>> {
    let mut parts = template.split("{}");
    let first = parts.next().unwrap_or_default();
    let mut rest = text.strip_prefix(first)?;
    let mut pieces = vec![];
    let literals: Vec<&str> = parts.collect();
    for (i, literal) in literals.iter().enumerate() {
        let last = i + 1 == literals.len();
        let cut = if last {
            rest.strip_suffix(literal).map(|head| head.len())?
        } else if literal.is_empty() {
            return None;
        } else {
            rest.find(literal)?
        };
        if cut == 0 {
            return None;
        }
        pieces.push(&rest[..cut]);
        rest = &rest[cut + literal.len()..];
    }
    rest.is_empty().then_some(pieces)
}

/// `template` with its `{}` replaced by `pieces`, in order.
fn fill(template: &str, pieces: &[&str]) -> Option<String> {
    let mut out = String::with_capacity(template.len() + 16);
    let mut parts = template.split("{}");
    out.push_str(parts.next().unwrap_or_default());
    for (part, piece) in parts.zip(pieces.iter().chain(std::iter::repeat(&""))) {
        out.push_str(piece);
        out.push_str(part);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_sentences_and_templates_are_translated() {
        assert_eq!(translate("must not be empty"), "ne doit pas être vide");
        assert_eq!(
            translate("must be at most 150 characters"),
            "doit compter au plus 150 caractères"
        );
        assert_eq!(
            translate("must list as many documents as the motif does in French (2)"),
            "doit lister autant de pièces que le motif en français (2)"
        );
    }

    #[test]
    fn unknown_sentences_stay_in_english() {
        assert_eq!(translate("something new"), "something new");
        // A template needs its placeholder filled.
        assert_eq!(
            translate("must be at most  characters"),
            "must be at most  characters"
        );
    }

    #[test]
    fn every_template_has_as_many_placeholders_in_both_languages() {
        for (en, fr) in catalogue() {
            assert_eq!(en.matches("{}").count(), fr.matches("{}").count(), "{en}");
            assert!(!en.contains("{}{}"), "{en}: adjacent placeholders");
        }
    }
}
