//! Agents' authentication: a bearer JWT verified once per request by the
//! [`AuthenticatedAgent`] extractor, with the algorithm, issuer, audience
//! and key from configuration (an HS256 secret, or the RS256/ES256 public
//! key of the ministry's identity provider).
//!
//! Claims: `sub` (agent id), `name`, `role` (`agent`, `admin_prefecture`,
//! `admin_national`, `intermediary`), `scope` (site ids for `agent`,
//! département codes for `admin_prefecture` and `intermediary`),
//! `organisation` (an intermediary's), and the usual `iss`, `aud`, `exp`,
//! `nbf`, `iat`.

use std::future::{Ready, ready};
use std::sync::Arc;

use crate::http::error::ApiError;
use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
pub use jsonwebtoken::Algorithm;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use planipref_domain::access::Agent;
use serde::{Deserialize, Serialize};

/// The HS256 secret used when none is configured, in development only.
/// It is public (it is in this file): tokens signed with it prove nothing.
pub const DEVELOPMENT_SECRET: &str = "planipref-development-secret-NOT-FOR-PRODUCTION";

/// Seconds of clock skew tolerated on `exp` and `nbf`.
pub const LEEWAY_SECONDS: u64 = 30;

/// How tokens are verified.
#[derive(Clone)]
pub struct AuthSettings {
    /// `HS256`, `RS256` or `ES256`.
    pub algorithm: Algorithm,
    /// The HS256 secret, or the PEM public key for RS256/ES256.
    pub key: Vec<u8>,
    /// Expected `iss`.
    pub issuer: String,
    /// Expected `aud`.
    pub audience: String,
}

impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings")
            .field("algorithm", &self.algorithm)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl AuthSettings {
    /// Development settings: HS256 with [`DEVELOPMENT_SECRET`].
    pub fn development() -> Self {
        Self {
            algorithm: Algorithm::HS256,
            key: DEVELOPMENT_SECRET.as_bytes().to_vec(),
            issuer: "planipref-dev".to_owned(),
            audience: "planipref".to_owned(),
        }
    }
}

/// The claims Planipref reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Agent id.
    pub sub: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Role code.
    pub role: String,
    /// Site ids or département codes, by role.
    #[serde(default)]
    pub scope: Vec<String>,
    /// The accredited organisation (role `intermediary` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// Issuer.
    pub iss: String,
    /// Audience: one, or several (RFC 7519 allows both).
    pub aud: Audience,
    /// Expiry (Unix seconds).
    pub exp: u64,
    /// Not before (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    /// Issued at (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
}

/// A token's audience claim: a string or a list of strings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Audience {
    /// `"aud": "planipref"`.
    One(String),
    /// `"aud": ["planipref", "other"]`.
    Many(Vec<String>),
}

impl From<String> for Audience {
    fn from(s: String) -> Self {
        Self::One(s)
    }
}

/// Verifies bearer tokens.
#[derive(Clone)]
pub struct Verifier {
    key: Arc<DecodingKey>,
    validation: Validation,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier").finish_non_exhaustive()
    }
}

impl Verifier {
    /// A verifier for `settings`; fails on an unusable key.
    pub fn new(settings: &AuthSettings) -> Result<Self, String> {
        let (key, validation) = decoding(settings, &["exp", "iss", "aud", "sub"])?;
        Ok(Self {
            key: Arc::new(key),
            validation,
        })
    }

    /// The agent a token names, or why it is refused.
    pub fn verify(&self, token: &str) -> Result<Agent, ApiError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation)
            .map_err(|e| ApiError::Unauthorized(refusal(&e)))?;
        let c = data.claims;
        Agent::from_claims(
            &c.sub,
            &c.name,
            (&c.role, &c.scope),
            c.organisation.as_deref(),
        )
        .map_err(|e| {
            log::info!("token refused: {e}");
            ApiError::Unauthorized("the token's role or scope is invalid")
        })
    }
}

/// The key and checks for tokens verified with `settings`, requiring the
/// `required` claims: the algorithm, issuer and audience must be the
/// configured ones, `exp` and `nbf` hold (with [`LEEWAY_SECONDS`]).
pub(crate) fn decoding(
    settings: &AuthSettings,
    required: &[&str],
) -> Result<(DecodingKey, Validation), String> {
    let key = match settings.algorithm {
        Algorithm::HS256 => DecodingKey::from_secret(&settings.key)
            .map_err(|e| format!("the HS256 secret is unusable: {e}"))?,
        Algorithm::RS256 => DecodingKey::from_rsa_pem(&settings.key)
            .map_err(|e| format!("the RS256 public key is not a PEM RSA key: {e}"))?,
        Algorithm::ES256 => DecodingKey::from_ec_pem(&settings.key)
            .map_err(|e| format!("the ES256 public key is not a PEM EC key: {e}"))?,
        other => {
            return Err(format!(
                "algorithm {other:?} is not supported (HS256, RS256, ES256)"
            ));
        }
    };
    let mut validation = Validation::new(settings.algorithm);
    validation.set_issuer(&[settings.issuer.as_str()]);
    validation.set_audience(&[settings.audience.as_str()]);
    validation.set_required_spec_claims(required);
    validation.validate_nbf = true;
    validation.leeway = LEEWAY_SECONDS;
    Ok((key, validation))
}

/// Why a token was refused, in words for the problem's detail.
pub(crate) fn refusal(e: &jsonwebtoken::errors::Error) -> &'static str {
    match e.kind() {
        ErrorKind::ExpiredSignature => "the token has expired",
        ErrorKind::ImmatureSignature => "the token is not valid yet",
        ErrorKind::InvalidAudience => "the token is meant for another audience",
        ErrorKind::InvalidIssuer => "the token comes from an unknown issuer",
        ErrorKind::InvalidSignature => "the token's signature is invalid",
        ErrorKind::InvalidAlgorithm => "the token is signed with another algorithm",
        _ => "the token is malformed",
    }
}

/// Signs development tokens with an HS256 secret (the `planipref token`
/// command and tests).
#[derive(Clone)]
pub struct Minter {
    key: EncodingKey,
}

impl std::fmt::Debug for Minter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Minter").finish_non_exhaustive()
    }
}

impl Minter {
    /// A minter for HS256 `settings`; other algorithms sign elsewhere (the
    /// identity provider holds their private keys).
    pub fn new(settings: &AuthSettings) -> Result<Self, String> {
        if settings.algorithm != Algorithm::HS256 {
            return Err("tokens can be minted here only with an HS256 secret".to_owned());
        }
        Ok(Self {
            key: EncodingKey::from_secret(&settings.key)
                .map_err(|e| format!("the HS256 secret is unusable: {e}"))?,
        })
    }

    /// A signed token carrying `claims` (an agent's, or a router context's).
    pub fn mint<T: Serialize>(&self, claims: &T) -> Result<String, String> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.key)
            .map_err(|e| e.to_string())
    }
}

/// The agent making the request, from `Authorization: Bearer <JWT>`.
/// Handlers that take it are closed to anyone else (401).
#[derive(Debug, Clone)]
pub struct AuthenticatedAgent(pub Agent);

impl FromRequest for AuthenticatedAgent {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(verifier) = req.app_data::<web::Data<Verifier>>() else {
            log::error!("no agents' verifier: authentication impossible");
            return ready(Err(ApiError::Internal));
        };
        ready(match bearer_token(req) {
            None => Err(ApiError::Unauthorized("a bearer token is required")),
            Some(t) => verifier.verify(t).map(Self),
        })
    }
}

/// The token of `Authorization: Bearer <token>`, when the request sends
/// one.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let header = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}
