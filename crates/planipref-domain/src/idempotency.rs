//! Idempotency keys: a client retrying a booking (a timeout, a double click)
//! sends the same `Idempotency-Key`, and gets the first answer back instead
//! of a second appointment.
//!
//! The database keeps, per key, a hash of the key, a hash of the request,
//! and the first answer. That answer holds the applicant's management
//! token, which Planipref otherwise stores only hashed: it is kept sealed
//! with a key derived from the client's idempotency key, which only the
//! client knows. Reading the table alone reveals no token.
//!
//! The seal is SHA-256 in counter mode (a keystream from a pseudo-random
//! function, XORed with the text): each derived key seals exactly one
//! answer, so no keystream is ever reused.

use sha2::{Digest, Sha256};

use crate::error::FieldError;
use crate::reference::{hex, unhex};

/// The header's name, as reported in problems.
pub const HEADER: &str = "Idempotency-Key";
/// Shortest accepted key: enough randomness that another client cannot
/// guess it (a UUID has 36 characters).
pub const MIN_CHARS: usize = 16;
/// Longest accepted key.
pub const MAX_CHARS: usize = 128;
/// How long a key is remembered, in hours.
pub const LIFETIME_HOURS: i64 = 24;

/// A checked idempotency key.
#[derive(Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

// A bearer secret of sorts: never printed.
impl std::fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdempotencyKey(..)")
    }
}

impl IdempotencyKey {
    /// Checks a key: 16 to 128 printable ASCII characters without spaces
    /// (a UUID, a random token).
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let ok = (MIN_CHARS..=MAX_CHARS).contains(&raw.len())
            && raw.bytes().all(|b| b.is_ascii_graphic());
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(FieldError::new(
                HEADER,
                format!(
                    "must be {MIN_CHARS} to {MAX_CHARS} printable characters without spaces (a UUID, for example)"
                ),
            ))
        }
    }

    /// What the database keeps to find the key of `caller` (an agent's
    /// identity, or the public): a hash, not the key. Keys are the
    /// caller's own: the same key sent by someone else is another key.
    pub fn lookup_hash(&self, caller: &str) -> String {
        hex(&Sha256::new()
            .chain_update(b"planipref-idempotency-lookup\0")
            .chain_update((caller.len() as u64).to_be_bytes())
            .chain_update(caller.as_bytes())
            .chain_update(self.0.as_bytes())
            .finalize())
    }

    /// Seals an answer with a key derived from this one (hexadecimal).
    pub fn seal(&self, text: &str) -> String {
        hex(&self.xor_keystream(text.as_bytes()))
    }

    /// Opens what [`Self::seal`] sealed with the same key; `None` when it is
    /// not hexadecimal or not text.
    pub fn open(&self, sealed: &str) -> Option<String> {
        let bytes = unhex(sealed)?;
        String::from_utf8(self.xor_keystream(&bytes)).ok()
    }

    fn xor_keystream(&self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len());
        for (block, chunk) in data.chunks(32).enumerate() {
            let pad = Sha256::digest(
                [
                    b"planipref-idempotency-seal\0".as_slice(),
                    self.0.as_bytes(),
                    b"\0",
                    &(block as u64).to_be_bytes(),
                ]
                .concat(),
            );
            out.extend(chunk.iter().zip(pad.iter()).map(|(d, p)| d ^ p));
        }
        out
    }
}

/// The hash of a request's parts (method and path, credentials, body…),
/// to tell a retry from another request under the same key. Each part is
/// hashed with its length, so that no two lists of parts hash alike by
/// moving bytes from one part to the next.
pub fn request_hash(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hex(&hasher.finalize())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_request_hash_tells_its_parts_apart() {
        use super::request_hash;
        assert_eq!(request_hash(&[b"ab", b"c"]), request_hash(&[b"ab", b"c"]));
        assert_ne!(request_hash(&[b"ab", b"c"]), request_hash(&[b"a", b"bc"]));
        assert_ne!(request_hash(&[b"ab", b""]), request_hash(&[b"ab"]));
    }

    use super::*;

    #[test]
    fn keys_are_checked() {
        assert!(IdempotencyKey::parse("3f2b8c1e-9d4a-4b7e-8f00-1a2b3c4d5e6f").is_ok());
        for bad in [
            "short",
            "has a space in it ok",
            &"x".repeat(129),
            "clé-accentuée-0123456",
        ] {
            let e = IdempotencyKey::parse(bad).expect_err(bad);
            assert_eq!(e.field, HEADER);
        }
    }

    #[test]
    fn a_sealed_answer_opens_with_its_key_only() {
        let key = IdempotencyKey::parse("3f2b8c1e-9d4a-4b7e-8f00-1a2b3c4d5e6f").unwrap();
        let other = IdempotencyKey::parse("3f2b8c1e-9d4a-4b7e-8f00-1a2b3c4d5e70").unwrap();
        let text = r#"{"reference":"K7QX-M3PA","management_token":"abc…é"}"#.repeat(5);
        let sealed = key.seal(&text);
        assert!(!sealed.contains("K7QX"));
        assert_eq!(sealed.len(), text.len() * 2);
        assert_eq!(key.open(&sealed).as_deref(), Some(text.as_str()));
        assert_ne!(other.open(&sealed).as_deref(), Some(text.as_str()));
        assert_eq!(key.open("zz"), None);
        assert_ne!(key.lookup_hash("public"), other.lookup_hash("public"));
        assert_eq!(key.lookup_hash("public").len(), 64);
        assert_ne!(
            key.lookup_hash("agent:a"),
            key.lookup_hash("agent:b"),
            "a key is its caller's own"
        );
    }
}
