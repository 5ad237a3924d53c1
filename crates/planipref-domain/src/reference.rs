//! What an applicant holds: a short reference to read out at the counter,
//! and a secret management token that alone lets them see or change it.

use std::fmt;

use sha2::{Digest, Sha256};

/// Characters of a reference: digits and capitals without the ones people
/// confuse when reading or dictating (0/O, 1/I/L).
pub const REFERENCE_ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters in a reference, not counting the hyphen.
pub const REFERENCE_LEN: usize = 8;

/// A reservation's public reference, e.g. `K7QX-M3PA`: short enough to read
/// over the phone, 31⁸ ≈ 8.5 × 10¹¹ values so that guessing one is useless
/// (and useless anyway without its token).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference(String);

impl Reference {
    /// Builds a reference from random bytes, without modulo bias: bytes at
    /// or above the largest multiple of 31 are skipped. `None` when the bytes
    /// run out first (ask again with fresh ones; 32 bytes nearly always do).
    pub fn from_random_bytes(bytes: &[u8]) -> Option<Self> {
        let n = REFERENCE_ALPHABET.len();
        let limit = (256 / n * n) as u8 as usize; // 248
        let chars: Vec<char> = bytes
            .iter()
            .map(|b| usize::from(*b))
            .filter(|b| *b < limit)
            .take(REFERENCE_LEN)
            .map(|b| char::from(REFERENCE_ALPHABET[b % n]))
            .collect();
        (chars.len() == REFERENCE_LEN).then(|| Self::from_chars(&chars))
    }

    /// Reads a reference as a person may type it: any case, with or without
    /// the hyphen or spaces. `None` when it cannot be one.
    pub fn parse(raw: &str) -> Option<Self> {
        let chars: Vec<char> = raw
            .chars()
            .filter(|c| !matches!(c, '-' | ' '))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let valid = chars.len() == REFERENCE_LEN
            && chars
                .iter()
                .all(|c| c.is_ascii() && REFERENCE_ALPHABET.contains(&(*c as u8)));
        valid.then(|| Self::from_chars(&chars))
    }

    fn from_chars(chars: &[char]) -> Self {
        let (a, b) = chars.split_at(REFERENCE_LEN / 2);
        Self(format!(
            "{}-{}",
            a.iter().collect::<String>(),
            b.iter().collect::<String>()
        ))
    }

    /// The canonical form, `XXXX-XXXX`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Bytes of randomness in a management token (256 bits).
pub const TOKEN_BYTES: usize = 32;

/// A secret management token, given to the applicant once. Only its hash is
/// stored. Its `Debug` output hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct ManagementToken(String);

impl fmt::Debug for ManagementToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ManagementToken(..)")
    }
}

impl ManagementToken {
    /// A token made of random bytes, written in lower-case hex.
    pub fn from_random_bytes(bytes: &[u8; TOKEN_BYTES]) -> Self {
        Self(hex(bytes))
    }

    /// The token as given to the applicant.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The hash kept in the database.
    pub fn hash(&self) -> String {
        hash_token(&self.0)
    }
}

/// SHA-256 of a token, in hex. A plain hash suffices (no salt or slow
/// function): tokens carry 256 bits of randomness, so there is no
/// dictionary to try.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Whether `presented` is the token whose hash is `stored_hash`, in time
/// that does not depend on where they differ.
pub fn token_matches(stored_hash: &str, presented: &str) -> bool {
    let computed = hash_token(presented);
    let (a, b) = (computed.as_bytes(), stored_hash.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

/// The bytes hexadecimal `s` writes; `None` when it is not hexadecimal.
pub(crate) fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_use_only_unambiguous_characters() {
        let bytes: Vec<u8> = (0..=255).collect();
        for chunk in bytes.chunks(16) {
            if let Some(r) = Reference::from_random_bytes(chunk) {
                assert_eq!(r.as_str().len(), 9);
                assert!(!r.as_str().contains(['0', 'O', '1', 'I', 'L']), "{r}");
            }
        }
    }

    #[test]
    fn biased_bytes_are_skipped_and_too_few_give_none() {
        assert_eq!(Reference::from_random_bytes(&[250; 32]), None);
        let r = Reference::from_random_bytes(&[0, 248, 1, 2, 3, 4, 5, 6, 30]).expect("enough");
        assert_eq!(r.as_str(), "2345-678Z");
    }

    #[test]
    fn references_are_read_leniently() {
        let r = Reference::parse("k7qx m3pa").expect("parses");
        assert_eq!(r.as_str(), "K7QX-M3PA");
        assert_eq!(Reference::parse("K7QXM3PA"), Some(r));
        for bad in [
            "",
            "K7QX-M3P",
            "K7QX-M3PAA",
            "K7QX-M3P0",
            "K7QX-M3PÉ",
            "../../etc",
        ] {
            assert_eq!(Reference::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn tokens_are_stored_hashed_and_compared_whole() {
        let token = ManagementToken::from_random_bytes(&[7; TOKEN_BYTES]);
        assert_eq!(token.expose().len(), 64);
        let stored = token.hash();
        assert_ne!(stored, token.expose());
        assert!(token_matches(&stored, token.expose()));
        assert!(!token_matches(&stored, &token.expose()[1..]));
        assert!(!token_matches(&stored, ""));
        assert!(!format!("{token:?}").contains(token.expose()));
    }
}
