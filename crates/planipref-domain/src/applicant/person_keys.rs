//! Who a person is, for finding doublons: names folded so that spellings
//! of one name compare equal ([`fold_name`]), and the hashed keys a
//! person is found by ([`PersonKeys`]).

use chrono::NaiveDate;

/// How [`PersonKeys`] are computed, as stored beside them: raised whenever
/// [`fold_name`] or the keys change, so that the store computes the keys
/// of reservations stored before again (version 1: one key, the file
/// number's when given, names folded by a fixed table of accented
/// letters; version 2: both keys, names folded by Unicode decomposition).
pub const PERSON_KEYS_VERSION: i32 = 2;

/// Who a person is, for finding doublons: two keys, and a person is one
/// already known when *either* matches (the same file number, or the same
/// names and birth date), so that giving a file number, leaving it out or
/// giving another one never makes a second person. Hashed (SHA-256, hex):
/// the keys are kept to compare, never to read back; their prefixes keep
/// one kind from ever equalling the other.
#[derive(Clone, PartialEq, Eq)]
pub struct PersonKeys {
    /// The names (see [`fold_name`]) and the birth date: always known.
    pub identity: String,
    /// The file number, when given (see [`file_key`]).
    pub file: Option<String>,
}

// Hashes of personal data: not printed either.
impl std::fmt::Debug for PersonKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PersonKeys { .. }")
    }
}

impl PersonKeys {
    /// The keys of a person with these names, birth date and (checked)
    /// file number: an applicant's, or those of a stored reservation, to
    /// compute them again when [`PERSON_KEYS_VERSION`] changes.
    pub fn of(
        last_name: &str,
        first_names: &str,
        birth_date: NaiveDate,
        file_number: Option<&str>,
    ) -> Self {
        let identity = format!(
            "identity:{}|{}|{birth_date}",
            fold_name(last_name),
            fold_name(first_names),
        );
        Self {
            identity: crate::reference::hash_token(&identity),
            file: file_number.map(file_key),
        }
    }
}

/// The key of a (checked, normalised) file number: [`PersonKeys::file`],
/// and what a hold keeps of the number its file check was for.
pub fn file_key(file_number: &str) -> String {
    crate::reference::hash_token(&format!("file:{file_number}"))
}

/// A name as compared for doublons, so that the spellings of one name by
/// a passport, a keyboard without its accents and an agent compare equal:
/// Unicode compatibility decomposition (NFKD: `ễ` is `e` and two marks,
/// `ﬁ` is `fi`, full-width letters are letters), lower case, combining
/// marks dropped in every script (accents, the Vietnamese horn, Arabic
/// vowel signs), then the letters NFKD keeps whole mapped to their base
/// (see [`base_of`]), and only letters and digits kept: spaces, hyphens,
/// apostrophes and dots vanish (`N'Diaye`, `N’Diaye` and `NDIAYE`,
/// `Jean-Pierre` and `JEAN PIERRE` compare equal). Letters of other
/// scripts (Arabic, Cyrillic…) stay as they are: never transliterated,
/// never dropped.
pub fn fold_name(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    let mut folded = String::with_capacity(name.len());
    // Lower case after the decomposition: `İ` is then `I` and its dot,
    // and compatibility letters (`ℌ`) are plain capitals first.
    for c in name.nfkd().flat_map(char::to_lowercase) {
        if is_combining_mark(c) {
            continue;
        }
        match base_of(c) {
            Some(base) => folded.push_str(base),
            None if c.is_alphanumeric() => folded.push(c),
            None => {}
        }
    }
    folded
}

/// The base of a lower-case letter that NFKD keeps whole, its stroke,
/// bar, hook or ligature being part of the letter rather than a mark:
/// - `ł` → `l` (Polish), `đ` → `d` (Vietnamese, Croatian), `ð` → `d`,
///   `ø` → `o` (Danish, Norwegian), `ı` → `i` (Turkish dotless i),
///   `ħ` → `h` (Maltese), `ŧ` → `t` (Sámi);
/// - `ß` → `ss` (German; `ẞ` lower-cases to it), `æ` → `ae`, `œ` → `oe`,
///   `þ` → `th` (Icelandic);
/// - `ɓ` → `b`, `ɗ` → `d`, `ƙ` → `k`, `ƴ` → `y` (hooked letters of Hausa
///   and Fula);
/// - `ς` → `σ` (Greek final sigma, which upper-case spellings lose);
/// - modifier letters written as apostrophes or primes (`ʼ`, `ʻ`, `ʾ`,
///   `ʿ`… U+02B9 to U+02BF) → nothing, as apostrophes.
///
/// `None` for any other character.
fn base_of(c: char) -> Option<&'static str> {
    Some(match c {
        'ł' => "l",
        'đ' | 'ð' => "d",
        'ø' => "o",
        'ı' => "i",
        'ħ' => "h",
        'ŧ' => "t",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'þ' => "th",
        'ɓ' => "b",
        'ɗ' => "d",
        'ƙ' => "k",
        'ƴ' => "y",
        'ς' => "σ",
        '\u{02B9}'..='\u{02BF}' => "",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether two spellings of a name fold equal.
    fn same(a: &str, b: &str) -> bool {
        fold_name(a) == fold_name(b)
    }

    #[test]
    fn vietnamese_names_fold_to_their_letters_whatever_their_marks() {
        assert!(same("Nguyễn", "NGUYEN"));
        assert!(same("Thị Lan", "Thi Lan"));
        assert!(same("Trương", "TRUONG"));
        assert!(same("Đặng", "Dang"));
        assert!(same("Phạm Thị Thu Hằng", "PHAM THI THU HANG"));
        // Typed decomposed (a letter, then its marks) or precomposed.
        assert!(same("Nguye\u{0302}\u{0303}n", "Nguyễn"));
        assert_eq!(fold_name("Nguyễn"), "nguyen");
    }

    #[test]
    fn polish_letters_with_a_stroke_fold_to_their_base() {
        assert!(same("Łukasz Wałęsa", "Lukasz Walesa"));
        assert!(same("ŁÓDŹ", "lodz"));
        assert!(same("Żółkiewski", "Zolkiewski"));
    }

    #[test]
    fn turkish_dotted_and_dotless_i_fold_to_i() {
        assert!(same("Yıldız", "Yildiz"));
        assert!(same("İpek", "Ipek"));
        assert!(same("IŞIK", "Işık"));
        assert!(same("Çağlar Gündoğdu", "CAGLAR GUNDOGDU"));
    }

    #[test]
    fn german_sharp_s_folds_to_ss() {
        assert!(same("Straße", "Strasse"));
        assert!(same("STRAẞE", "strasse"));
        assert!(same("Müller", "MULLER"));
    }

    #[test]
    fn other_latin_letters_kept_whole_by_decomposition_fold_to_their_base() {
        assert!(same("Søren Kierkegaard", "Soren Kierkegaard"));
        assert!(same("Þórður", "Thordur"));
        assert!(same("Læticia Cœur", "Laeticia Coeur"));
        assert!(same("Ɗanjuma Ɓello", "Danjuma Bello"));
        assert!(same("Borg-Ħabel", "Borg Habel"));
    }

    #[test]
    fn arabic_and_cyrillic_names_keep_their_letters() {
        assert_eq!(fold_name("محمد"), "محمد");
        assert_eq!(fold_name("عبد الله"), "عبدالله");
        // Vowel signs are marks, as accents are.
        assert!(same("مُحَمَّد", "محمد"));
        assert!(!same("محمد", "احمد"));
        assert_eq!(fold_name("Лебедев"), "лебедев");
        assert!(same("ЛЕБЕДЕВ", "Лебедев"));
        assert!(same("ΟΔΥΣΣΕΑΣ", "Οδυσσέας"));
    }

    #[test]
    fn apostrophes_hyphens_spaces_and_dots_vanish() {
        assert!(same("N'Diaye", "NDIAYE"));
        assert!(same("N’Diaye", "ndiaye"));
        assert!(same("Nʼdiaye", "N'Diaye"));
        assert!(same("O'Connor", "O’CONNOR"));
        assert!(same("Jean-Pierre", "Jean Pierre"));
        assert!(same("Aïssata-Marie", "AISSATA MARIE"));
        assert!(!same("St. John", "Saint John"));
        assert!(same("St. John", "ST JOHN"));
        assert_eq!(fold_name("  N'Diaye -. "), "ndiaye");
    }
}
