//! The router's signed context (`X-Planipref-Context`): a JWT signed by
//! service-public.fr's router (DILA), verified with its own issuer,
//! audience and key (never the agents' ones).
//!
//! Claims:
//! - `iss`, `aud`, `exp` (required), `nbf`, `iat`: as configured
//!   (`PLANIPREF_ROUTER_*`);
//! - `demarche` (required): the catalogue code the applicant was oriented
//!   for; slots, holds and bookings are restricted to its motifs;
//! - `commune`: the INSEE code of the applicant's commune;
//! - `family_name`, `given_name`, `birthdate` (`YYYY-MM-DD`): the identity
//!   FranceConnect gave, when the applicant signed in; the booking must
//!   then be for that person;
//! - `file_number`: the foreigner file number, when known.

use std::sync::Arc;

use crate::http::error::ApiError;
use crate::security::agent::Algorithm;
use crate::security::agent::Audience;
use crate::security::agent::AuthSettings;
use crate::security::agent::decoding;
use crate::security::agent::refusal;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use jsonwebtoken::{DecodingKey, Validation};
use planipref_domain::context::RouterContext;
use serde::{Deserialize, Serialize};

/// The header carrying the router's context.
pub const CONTEXT_HEADER: &str = "X-Planipref-Context";

/// The router's HS256 secret in development only. It is public (it is in
/// this file): contexts signed with it prove nothing.
pub const DEVELOPMENT_ROUTER_SECRET: &str =
    "planipref-router-development-secret-NOT-FOR-PRODUCTION";

/// Development settings for the router's context: HS256 with
/// [`DEVELOPMENT_ROUTER_SECRET`], issuer `dila-router-dev`.
pub fn development_router() -> AuthSettings {
    AuthSettings {
        algorithm: Algorithm::HS256,
        key: DEVELOPMENT_ROUTER_SECRET.as_bytes().to_vec(),
        issuer: "dila-router-dev".to_owned(),
        audience: "planipref".to_owned(),
    }
}

/// The claims of a router context.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContextClaims {
    /// Issuer (the router).
    pub iss: String,
    /// Audience.
    pub aud: Audience,
    /// Expiry (Unix seconds).
    pub exp: u64,
    /// Not before (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    /// Issued at (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    /// The démarche's catalogue code.
    pub demarche: String,
    /// The commune's INSEE code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commune: Option<String>,
    /// Family name, from FranceConnect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Given names, from FranceConnect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Birth date, `YYYY-MM-DD`, from FranceConnect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthdate: Option<String>,
    /// Foreigner file number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_number: Option<String>,
}

/// Verifies router contexts.
#[derive(Clone)]
pub struct ContextVerifier {
    key: Arc<DecodingKey>,
    validation: Validation,
}

impl std::fmt::Debug for ContextVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContextVerifier").finish_non_exhaustive()
    }
}

impl ContextVerifier {
    /// A verifier for `settings`; fails on an unusable key.
    pub fn new(settings: &AuthSettings) -> Result<Self, String> {
        let (key, validation) = decoding(settings, &["exp", "iss", "aud"])?;
        Ok(Self {
            key: Arc::new(key),
            validation,
        })
    }

    /// The context a token carries, or why it is refused (401
    /// `invalid-context`).
    pub fn verify(&self, token: &str) -> Result<RouterContext, ApiError> {
        let c = jsonwebtoken::decode::<ContextClaims>(token, &self.key, &self.validation)
            .map_err(|e| ApiError::InvalidContext(refusal(&e)))?
            .claims;
        if c.demarche.trim().is_empty() {
            return Err(ApiError::InvalidContext("the context names no démarche"));
        }
        Ok(RouterContext::from_claims(
            &c.demarche,
            c.commune.as_deref(),
            (
                c.family_name.as_deref(),
                c.given_name.as_deref(),
                c.birthdate.as_deref(),
            ),
            c.file_number.as_deref(),
        ))
    }
}

/// The router's contexts this server accepts: verified so, or none
/// (`None`: a context is refused).
#[derive(Debug, Clone, Default)]
pub struct RouterContexts(pub Option<ContextVerifier>);

/// The router's context of a request, when it carries one (401
/// `invalid-context` when it carries one that does not verify).
#[derive(Debug, Clone, Default)]
pub struct ContextHeader(pub Option<RouterContext>);

impl FromRequest for ContextHeader {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(raw) = req.headers().get(CONTEXT_HEADER) else {
            return std::future::ready(Ok(Self(None)));
        };
        let result = match (req.app_data::<web::Data<RouterContexts>>(), raw.to_str()) {
            (None, _) => Err(ApiError::Internal),
            (Some(contexts), Ok(token)) => match &contexts.0 {
                None => Err(ApiError::InvalidContext(
                    "this server accepts no router context",
                )),
                Some(verifier) => verifier.verify(token.trim()).map(|c| Self(Some(c))),
            },
            (Some(_), Err(_)) => Err(ApiError::InvalidContext("the token is malformed")),
        };
        std::future::ready(result)
    }
}

/// The context header, for the document.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct ContextParam {
    /// The router's signed context (a JWT from service-public.fr; see the
    /// API description for its claims). When given, only the motifs of its
    /// démarche are offered, held and booked, and the booking must be for
    /// the person it names (if it names one). Required by motifs set to
    /// `requires_context`. Tampered, expired or wrongly signed: 401
    /// `invalid-context`.
    #[param(
        rename = "X-Planipref-Context",
        nullable = false,
        example = "eyJhbGciOiJIUzI1NiJ9.eyJkZW1hcmNoZSI6InNlam91ci1yZW5vdXZlbGxlbWVudCJ9.c2lnbmF0dXJl"
    )]
    pub context: Option<String>,
}
