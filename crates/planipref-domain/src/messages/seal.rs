//! What the outbox must keep but the database must not show: a management
//! token known only at booking time, for the confirmation's link. It is
//! sealed with the server's outbox key (ChaCha20-Poly1305, an AEAD: a
//! changed or foreign seal does not open) and erased once the message is
//! settled. Reading the database alone reveals no token.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

use crate::reference::{hex, unhex};

/// Bytes of a key.
pub const KEY_BYTES: usize = 32;
/// Bytes of a nonce: random for each seal (the caller draws them).
pub const NONCE_BYTES: usize = 12;

/// The development key, public: accepted outside production only (the
/// server refuses it in production, as it refuses the development JWT
/// secret). **Not a secret.**
pub const DEVELOPMENT_KEY_HEX: &str =
    "706c616e69707265662d6f7574626f782d6465762d6b65792d6e6f742d736563";

/// The outbox key.
#[derive(Clone)]
pub struct OutboxKey([u8; KEY_BYTES]);

// A secret: never printed.
impl std::fmt::Debug for OutboxKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OutboxKey(..)")
    }
}

impl OutboxKey {
    /// A key written as 64 hexadecimal digits.
    pub fn from_hex(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let bytes = unhex(raw)
            .filter(|b| b.len() == KEY_BYTES)
            .ok_or_else(|| format!("expected {} hexadecimal digits", KEY_BYTES * 2))?;
        let mut key = [0u8; KEY_BYTES];
        key.copy_from_slice(&bytes);
        Ok(Self(key))
    }

    /// The development key.
    pub fn development() -> Self {
        let mut key = [0u8; KEY_BYTES];
        if let Some(bytes) = unhex(DEVELOPMENT_KEY_HEX) {
            key.copy_from_slice(&bytes);
        }
        Self(key)
    }

    /// Whether this is the public development key.
    pub fn is_development(&self) -> bool {
        unhex(DEVELOPMENT_KEY_HEX).is_some_and(|d| d == self.0)
    }

    /// Seals `text` with a fresh random `nonce` (hexadecimal: the nonce,
    /// then the ciphertext and its tag).
    pub fn seal(&self, text: &str, nonce: [u8; NONCE_BYTES]) -> String {
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.0));
        // Encrypting into memory cannot fail for texts this small.
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), text.as_bytes())
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend(sealed);
        hex(&out)
    }

    /// Opens what [`Self::seal`] sealed with this key; `None` when it was
    /// sealed with another key, changed, or is not a seal.
    pub fn open(&self, sealed: &str) -> Option<String> {
        let bytes = unhex(sealed)?;
        if bytes.len() < NONCE_BYTES {
            return None;
        }
        let (nonce, data) = bytes.split_at(NONCE_BYTES);
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.0));
        let text = cipher.decrypt(Nonce::from_slice(nonce), data).ok()?;
        String::from_utf8(text).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seal_opens_with_its_key_only_and_hides_the_text() {
        let key = OutboxKey::development();
        let token = "45e14c83a0b55923a443bedb3fab9833cf40b4b7046e52ca3029b0215ed4cda1";
        let sealed = key.seal(token, [7; NONCE_BYTES]);
        assert!(!sealed.contains(token));
        assert_eq!(key.open(&sealed).as_deref(), Some(token));
        // Another nonce, another seal of the same text.
        assert_ne!(key.seal(token, [8; NONCE_BYTES]), sealed);
        let other = OutboxKey::from_hex(&"ab".repeat(KEY_BYTES)).map_err(|e| e.to_string());
        assert_eq!(other.as_ref().map(|k| k.open(&sealed)), Ok(None));
        // A changed seal does not open.
        let mut changed = sealed.clone().into_bytes();
        let last = changed.len() - 1;
        changed[last] = if changed[last] == b'0' { b'1' } else { b'0' };
        let changed = String::from_utf8(changed).unwrap_or_default();
        assert_eq!(key.open(&changed), None);
        assert_eq!(key.open("zz"), None);
        assert_eq!(key.open(""), None);
    }

    #[test]
    fn keys_are_64_hexadecimal_digits() {
        assert!(OutboxKey::from_hex(&"0f".repeat(32)).is_ok());
        for bad in ["", "0f", &"0f".repeat(33), &"zz".repeat(32)] {
            assert!(OutboxKey::from_hex(bad).is_err(), "{bad}");
        }
        assert!(OutboxKey::development().is_development());
        assert!(!OutboxKey::from_hex(&"0f".repeat(32)).is_ok_and(|k| k.is_development()));
        assert_eq!(format!("{:?}", OutboxKey::development()), "OutboxKey(..)");
    }
}
