//! Tokens the outbox keeps until a message carrying them is sent (a
//! confirmation's management link, a convocation's link): sealed with the
//! deployment's outbox key, never written as given.

use planipref_domain::messages::seal::{NONCE_BYTES, OutboxKey};
use planipref_domain::reference::ManagementToken;

use crate::http::error::ApiError;

/// `token` sealed with `key`, under a fresh random nonce.
pub fn seal_token(token: &ManagementToken, key: &OutboxKey) -> Result<String, ApiError> {
    seal_text(token.expose(), key)
}

/// `secret` (a token, a webhook's secret) sealed with `key`, under a fresh
/// random nonce.
pub fn seal_text(secret: &str, key: &OutboxKey) -> Result<String, ApiError> {
    let mut nonce = [0u8; NONCE_BYTES];
    getrandom::fill(&mut nonce).map_err(|e| {
        log::error!("no randomness available: {e}");
        ApiError::Internal
    })?;
    Ok(key.seal(secret, nonce))
}

/// A new booking's management token as the booking keeps it: its hash
/// (with the reservation) and, for the confirmation's link, the token
/// sealed with the outbox key (erased once the confirmation is sent); and
/// the language the applicant's messages are written in.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// SHA-256 of the token.
    pub hash: String,
    /// The token, sealed.
    pub sealed: Option<String>,
    /// The applicant's language.
    pub language: planipref_domain::messages::Language,
}

impl NewToken {
    /// `token`, sealed with `key`, for an applicant writing `language`.
    pub fn sealed(
        token: &planipref_domain::reference::ManagementToken,
        key: &planipref_domain::messages::seal::OutboxKey,
        language: planipref_domain::messages::Language,
    ) -> Result<Self, ApiError> {
        Ok(Self {
            hash: token.hash(),
            sealed: Some(seal_token(token, key)?),
            language,
        })
    }
}
