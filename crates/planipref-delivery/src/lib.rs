//! Planipref's messages to applicants: what the outbox owes (see
//! `planipref_store::outbox`), rendered from the templates in
//! `templates/messages/` (French and English), and delivered by e-mail
//! over SMTP, by SMS or, with nothing configured, into a local folder;
//! and webhooks to préfecture systems, signed (Standard Webhooks).
//!
//! The worker ([`worker::Deliverer`]) runs in every server process: it
//! claims due messages under a lease, renders each from the appointment as
//! it stands, sends it, and settles it (sent, retried later with backoff
//! and jitter, or failed for agents to see). Delivery is at least once:
//! a message sent again after a crash carries the same id (`Message-ID`),
//! which receivers de-duplicate on.

pub mod dates;
pub mod email;
pub mod render;
pub mod sms_http;
pub mod telemetry;
pub mod transport;
pub mod webhook;
pub mod worker;

/// Why a message could not be sent. Reasons never carry personal data
/// (no address, no name): they are stored and shown to agents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later (a server unreachable, a 4xx SMTP reply,
    /// a 5xx HTTP answer).
    #[error("temporary: {0}")]
    Temporary(String),
    /// Trying again would fail the same way (an address refused, a 4xx
    /// HTTP answer, a message that cannot be built).
    #[error("permanent: {0}")]
    Permanent(String),
}
