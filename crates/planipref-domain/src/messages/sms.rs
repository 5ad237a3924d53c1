//! Measuring an SMS: which encoding it needs and how many parts it is sent
//! in.
//!
//! Providers bill per part, and a single character outside the GSM 03.38
//! alphabet (an `ê`, a `ç`, an emoji) switches the whole message to UCS-2,
//! cutting a part from 160 to 70 characters. Templates are measured here so
//! that their authors see the cost before sending thousands of reminders.
//!
//! Long messages are split into parts that each carry a header, leaving 153
//! septets (GSM-7) or 67 UTF-16 units (UCS-2). Handsets cannot rebuild a
//! character cut in two, so an escape pair (`€` is `ESC` + `e`) or a UTF-16
//! surrogate pair (an emoji) is never split across parts; parts are counted
//! by packing characters greedily, which may need one part more than a
//! plain division would.

/// The encoding an SMS is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsEncoding {
    /// The GSM 03.38 7-bit default alphabet and its extension table.
    Gsm7,
    /// UTF-16 (strictly UCS-2 on the air, but handsets accept surrogate
    /// pairs), needed as soon as one character is outside GSM-7.
    Ucs2,
}

/// The size of an SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmsLength {
    /// The encoding the whole text needs.
    pub encoding: SmsEncoding,
    /// Septets for GSM-7 (an extension-table character counts 2, being sent
    /// as an escape and a character), UTF-16 code units for UCS-2 (a
    /// character outside the Basic Multilingual Plane counts 2).
    pub units: usize,
    /// Number of parts the text is sent in; `0` for an empty text, which is
    /// nothing to send.
    pub segments: usize,
}

/// Septets in a single-part GSM-7 message.
const GSM7_SINGLE: usize = 160;
/// Septets per part of a multipart GSM-7 message.
const GSM7_PART: usize = 153;
/// UTF-16 units in a single-part UCS-2 message.
const UCS2_SINGLE: usize = 70;
/// UTF-16 units per part of a multipart UCS-2 message.
const UCS2_PART: usize = 67;

/// The escape code of the default alphabet (position 0x1B). It introduces
/// an extension-table character and is not itself a character of text.
const ESCAPE: char = '\u{1b}';

/// The GSM 03.38 default alphabet, indexed by septet value. Position 0x1B
/// holds [`ESCAPE`], which [`gsm7_septets`] refuses as text.
const DEFAULT_ALPHABET: [char; 128] = [
    // 0x00
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
    // 0x10
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', ESCAPE, 'Æ', 'æ', 'ß', 'É',
    // 0x20
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/',
    // 0x30
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
    // 0x40
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
    // 0x50
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
    // 0x60
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
    // 0x70
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
];

/// Characters of the GSM 03.38 extension table, each sent as [`ESCAPE`]
/// followed by one septet.
const EXTENSION_TABLE: [char; 10] = ['\u{c}', '^', '{', '}', '\\', '[', '~', ']', '|', '€'];

/// Measures `text`: its encoding, its length in units of that encoding and
/// the number of parts it is sent in.
///
/// GSM-7 is used when every character is in the default alphabet or its
/// extension table, UCS-2 otherwise. A text fitting in 160 septets (70
/// units) is one part; a longer one is packed greedily into parts of 153
/// septets (67 units) without splitting an escape pair or a surrogate pair.
/// An empty text has 0 units and 0 parts.
pub fn measure(text: &str) -> SmsLength {
    let gsm7: Option<Vec<usize>> = text.chars().map(gsm7_septets).collect();
    let (encoding, costs, single, part) = match gsm7 {
        Some(costs) => (SmsEncoding::Gsm7, costs, GSM7_SINGLE, GSM7_PART),
        None => (
            SmsEncoding::Ucs2,
            text.chars().map(char::len_utf16).collect(),
            UCS2_SINGLE,
            UCS2_PART,
        ),
    };
    let units = costs.iter().sum();
    let segments = if units == 0 {
        0
    } else if units <= single {
        1
    } else {
        packed_parts(&costs, part)
    };
    SmsLength {
        encoding,
        units,
        segments,
    }
}

/// Whether `text` is sent as a single SMS (an empty text counts as fitting).
pub fn fits_one(text: &str) -> bool {
    measure(text).segments <= 1
}

/// Septets `c` takes in GSM-7: 1 in the default alphabet, 2 in the
/// extension table, `None` when GSM-7 cannot carry it.
fn gsm7_septets(c: char) -> Option<usize> {
    if c == ESCAPE {
        None
    } else if DEFAULT_ALPHABET.contains(&c) {
        Some(1)
    } else if EXTENSION_TABLE.contains(&c) {
        Some(2)
    } else {
        None
    }
}

/// Number of parts of capacity `part` needed to carry characters costing
/// `costs` units each, in order, without splitting any character.
fn packed_parts(costs: &[usize], part: usize) -> usize {
    let mut parts = 1;
    let mut used = 0;
    for &cost in costs {
        if used + cost > part {
            parts += 1;
            used = 0;
        }
        used += cost;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gsm(units: usize, segments: usize) -> SmsLength {
        SmsLength {
            encoding: SmsEncoding::Gsm7,
            units,
            segments,
        }
    }

    fn ucs2(units: usize, segments: usize) -> SmsLength {
        SmsLength {
            encoding: SmsEncoding::Ucs2,
            units,
            segments,
        }
    }

    #[test]
    fn gsm7_part_boundaries() {
        assert_eq!(measure(&"a".repeat(160)), gsm(160, 1));
        assert_eq!(measure(&"a".repeat(161)), gsm(161, 2));
        assert_eq!(measure(&"a".repeat(153 * 2)), gsm(306, 2));
        assert_eq!(measure(&"a".repeat(307)), gsm(307, 3));
        assert_eq!(measure(&"a".repeat(153 * 3)), gsm(459, 3));
        assert_eq!(measure(&"a".repeat(460)), gsm(460, 4));
        assert!(fits_one(&"a".repeat(160)));
        assert!(!fits_one(&"a".repeat(161)));
    }

    #[test]
    fn extension_characters_count_two_septets() {
        assert_eq!(measure("€"), gsm(2, 1));
        assert_eq!(measure("{[~]}|^\\\u{c}"), gsm(18, 1));
        assert_eq!(measure("Prix : 25 €"), gsm(12, 1));
        // 159 septets plus a euro sign no longer fit in one part.
        let text = format!("{}€", "a".repeat(158));
        assert_eq!(measure(&text), gsm(160, 1));
        let text = format!("{}€", "a".repeat(159));
        assert_eq!(measure(&text), gsm(161, 2));
    }

    #[test]
    fn an_escape_pair_is_not_split_across_parts() {
        // 152 + 2 + 152 = 306 septets would fill two parts exactly, but the
        // euro sign cannot straddle the boundary after septet 153.
        let text = format!("{}€{}", "a".repeat(152), "a".repeat(152));
        assert_eq!(measure(&text), gsm(306, 3));
        // Shifted by one, the pair fits at the end of the first part.
        let text = format!("{}€{}", "a".repeat(151), "a".repeat(153));
        assert_eq!(measure(&text), gsm(306, 2));
    }

    #[test]
    fn french_accents_outside_gsm7_force_ucs2() {
        for text in [
            "ê", "â", "î", "ô", "û", "ç", "œ", "ë", "ï", "«", "’", "`", "\t",
        ] {
            assert_eq!(measure(text).encoding, SmsEncoding::Ucs2, "{text:?}");
        }
        assert_eq!(
            measure("Rendez-vous à la préfecture, fenêtre 3"),
            ucs2(38, 1)
        );
    }

    #[test]
    fn gsm7_covers_common_french_letters() {
        let text = "Votre rendez-vous à la préfecture : mardi 1er décembre à 09h00. Ça marche ? Où ? Élève.\r\n@£$¥ùìòØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!\"#¤%&'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñü";
        assert_eq!(measure(text).encoding, SmsEncoding::Gsm7);
        assert_eq!(measure(text).units, text.chars().count());
    }

    #[test]
    fn the_escape_code_itself_is_not_text() {
        assert_eq!(measure("\u{1b}").encoding, SmsEncoding::Ucs2);
    }

    #[test]
    fn ucs2_part_boundaries() {
        assert_eq!(measure(&"ê".repeat(70)), ucs2(70, 1));
        assert_eq!(measure(&"ê".repeat(71)), ucs2(71, 2));
        assert_eq!(measure(&"ê".repeat(134)), ucs2(134, 2));
        assert_eq!(measure(&"ê".repeat(135)), ucs2(135, 3));
        assert!(fits_one(&"ê".repeat(70)));
        assert!(!fits_one(&"ê".repeat(71)));
        // One non-GSM character turns a 100-character text into two parts.
        let text = format!("{}ç", "a".repeat(99));
        assert_eq!(measure(&text), ucs2(100, 2));
    }

    #[test]
    fn an_emoji_counts_two_units_and_is_not_split() {
        assert_eq!(measure("😀"), ucs2(2, 1));
        assert_eq!(measure(&format!("{}😀", "a".repeat(68))), ucs2(70, 1));
        assert_eq!(measure(&format!("{}😀", "a".repeat(69))), ucs2(71, 2));
        // 66 + 2 + 66 = 134 units would fill two parts exactly, but the
        // surrogate pair cannot straddle the boundary after unit 67.
        let text = format!("{}😀{}", "a".repeat(66), "a".repeat(66));
        assert_eq!(measure(&text), ucs2(134, 3));
        let text = format!("{}😀{}", "a".repeat(65), "a".repeat(67));
        assert_eq!(measure(&text), ucs2(134, 2));
    }

    #[test]
    fn empty_text_has_no_part() {
        assert_eq!(measure(""), gsm(0, 0));
        assert!(fits_one(""));
    }

    #[test]
    fn the_default_alphabet_has_128_distinct_positions() {
        let mut sorted = DEFAULT_ALPHABET.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 128);
        assert_eq!(DEFAULT_ALPHABET[0x1b], ESCAPE);
        assert_eq!(DEFAULT_ALPHABET[0x00], '@');
        assert_eq!(DEFAULT_ALPHABET[0x09], 'Ç');
        assert_eq!(DEFAULT_ALPHABET[0x24], '¤');
        assert_eq!(DEFAULT_ALPHABET[0x7f], 'à');
        assert!(
            EXTENSION_TABLE
                .iter()
                .all(|c| !DEFAULT_ALPHABET.contains(c))
        );
    }
}
