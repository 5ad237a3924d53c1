//! SMS providers over HTTP, behind [`SmsSender`]:
//!
//! - [`Brevo`]: Brevo's transactional SMS API (formerly Sendinblue), a
//!   French provider with a public API: `POST /v3/transactionalSMS/send`,
//!   an `api-key` header, `{sender, recipient, content, type, tag,
//!   unicodeEnabled}` with the recipient in international form without
//!   `+`. Chosen because it is documented publicly, sends from France and
//!   is used by public services; another provider is another adapter.
//! - [`JsonWebhook`]: any gateway taking `{id, to, text, encoding,
//!   segments}` as JSON (an operator's own relay, an SMS aggregator's
//!   adapter), with an optional bearer token.
//!
//! Both send the outbox id (Brevo's `tag`, the webhook's `id` and
//! `Idempotency-Key`) so that a message sent again after a crash can be
//! recognised. A 2xx answer is sent; 408, 429 and 5xx, or no answer, are
//! worth another attempt; any other 4xx is a refusal.

use std::time::Duration;

use planipref_domain::messages::sms::{SmsEncoding, measure};
use serde_json::json;

use crate::SendError;
use crate::transport::{Sms, SmsSender};

/// Brevo's endpoint.
pub const BREVO_URL: &str = "https://api.brevo.com/v3/transactionalSMS/send";

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(15)))
        .http_status_as_error(false)
        .build()
        .into()
}

/// What an HTTP answer means for the message.
fn outcome(result: Result<u16, ureq::Error>, provider: &str) -> Result<(), SendError> {
    match result {
        Ok(status) if (200..300).contains(&status) => Ok(()),
        Ok(status @ (408 | 429 | 500..=599)) => Err(SendError::Temporary(format!(
            "{provider}: not accepted now ({status})"
        ))),
        Ok(status) => Err(SendError::Permanent(format!(
            "{provider}: refused ({status})"
        ))),
        Err(e) => Err(SendError::Temporary(format!(
            "{provider}: no answer ({})",
            kind(&e)
        ))),
    }
}

/// An HTTP error's kind, without the URL (it may hold a key).
pub(crate) fn kind(e: &ureq::Error) -> &'static str {
    match e {
        ureq::Error::Timeout(_) => "timeout",
        ureq::Error::Io(_) => "connection",
        ureq::Error::HostNotFound => "host not found",
        _ => "error",
    }
}

/// Brevo's transactional SMS.
#[derive(Debug)]
pub struct Brevo {
    url: String,
    api_key: String,
    sender: String,
    agent: ureq::Agent,
}

impl Brevo {
    /// Sends to `url` (normally [`BREVO_URL`]) with `api_key`, from
    /// `sender` (up to 11 letters and digits).
    pub fn new(url: &str, api_key: &str, sender: &str) -> Self {
        Self {
            url: url.to_owned(),
            api_key: api_key.to_owned(),
            sender: sender.to_owned(),
            agent: agent(),
        }
    }
}

impl SmsSender for Brevo {
    fn send(&self, sms: &Sms) -> Result<(), SendError> {
        let body = json!({
            "sender": self.sender,
            "recipient": sms.to.trim_start_matches('+'),
            "content": sms.text,
            "type": "transactional",
            "tag": sms.id,
            "unicodeEnabled": measure(&sms.text).encoding == SmsEncoding::Ucs2,
        });
        let result = self
            .agent
            .post(&self.url)
            .header("api-key", &self.api_key)
            .header("accept", "application/json")
            .send_json(&body)
            .map(|r| r.status().as_u16());
        outcome(result, "brevo")
    }
}

/// A gateway taking the SMS as JSON.
#[derive(Debug)]
pub struct JsonWebhook {
    url: String,
    token: Option<String>,
    agent: ureq::Agent,
}

impl JsonWebhook {
    /// Posts to `url`, with `Authorization: Bearer <token>` when given.
    pub fn new(url: &str, token: Option<&str>) -> Self {
        Self {
            url: url.to_owned(),
            token: token.map(str::to_owned),
            agent: agent(),
        }
    }
}

impl SmsSender for JsonWebhook {
    fn send(&self, sms: &Sms) -> Result<(), SendError> {
        let length = measure(&sms.text);
        let body = json!({
            "id": sms.id,
            "to": sms.to,
            "text": sms.text,
            "encoding": match length.encoding {
                SmsEncoding::Gsm7 => "gsm7",
                SmsEncoding::Ucs2 => "ucs2",
            },
            "segments": length.segments,
        });
        let mut request = self
            .agent
            .post(&self.url)
            .header("Idempotency-Key", &sms.id);
        if let Some(token) = &self.token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        outcome(
            request.send_json(&body).map(|r| r.status().as_u16()),
            "sms gateway",
        )
    }
}
