//! Where messages go: an SMTP server, an SMS provider, or, with nothing
//! configured (development, the demo), files in a local folder that a
//! person can open (`data/outbox/<id>.eml`, `<id>.sms.json`).

use std::path::PathBuf;

use lettre::Transport;
use lettre::transport::smtp::SmtpTransport;

use crate::SendError;

/// Sends e-mails.
pub trait Mailer: std::fmt::Debug + Send + Sync {
    /// Hands `message` (the outbox message `id`) over.
    fn send(&self, id: &str, message: &lettre::Message) -> Result<(), SendError>;
}

/// An SMS about to be sent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Sms {
    /// The outbox message's id (providers that take one de-duplicate on it).
    pub id: String,
    /// The recipient, E.164.
    pub to: String,
    /// The text.
    pub text: String,
}

/// Sends SMS.
pub trait SmsSender: std::fmt::Debug + Send + Sync {
    /// Hands `sms` over.
    fn send(&self, sms: &Sms) -> Result<(), SendError>;
}

/// E-mail over SMTP. The URL says how: `smtp://host:587?tls=required`
/// (STARTTLS), `smtps://host:465` (TLS from the start), `smtp://host:25`
/// (plain, for a relay on the same network), with `user:password@` for
/// authentication (lettre's URL format).
#[derive(Debug)]
pub struct SmtpMailer {
    transport: SmtpTransport,
}

impl SmtpMailer {
    /// A mailer for `url`.
    pub fn from_url(url: &str) -> Result<Self, String> {
        let transport = SmtpTransport::from_url(url)
            .map_err(|e| format!("not an SMTP URL: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        Ok(Self { transport })
    }
}

impl Mailer for SmtpMailer {
    fn send(&self, _id: &str, message: &lettre::Message) -> Result<(), SendError> {
        self.transport.send(message).map(|_| ()).map_err(|e| {
            // The server's text may quote the address: only its code is
            // kept.
            let code = e
                .status()
                .map_or_else(|| "no reply".to_owned(), |c| c.to_string());
            if e.is_permanent() {
                SendError::Permanent(format!("smtp: refused ({code})"))
            } else {
                SendError::Temporary(format!("smtp: not accepted now ({code})"))
            }
        })
    }
}

/// Messages written to a folder instead of being sent.
#[derive(Debug, Clone)]
pub struct Folder {
    dir: PathBuf,
}

impl Folder {
    /// Writes into `dir` (created when needed).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn write(&self, name: &str, bytes: &[u8]) -> Result<(), SendError> {
        std::fs::create_dir_all(&self.dir)
            .and_then(|()| std::fs::write(self.dir.join(name), bytes))
            .map_err(|e| SendError::Temporary(format!("outbox folder: {}", e.kind())))
    }
}

impl Mailer for Folder {
    fn send(&self, id: &str, message: &lettre::Message) -> Result<(), SendError> {
        self.write(&format!("{id}.eml"), &message.formatted())
    }
}

impl SmsSender for Folder {
    fn send(&self, sms: &Sms) -> Result<(), SendError> {
        let json = serde_json::to_vec_pretty(sms)
            .map_err(|e| SendError::Permanent(format!("sms: {e}")))?;
        self.write(&format!("{}.sms.json", sms.id), &json)
    }
}

/// SMS with no provider configured: each is failed with that reason, for
/// agents to see (a deployment sending e-mail but no SMS yet).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSmsProvider;

impl SmsSender for NoSmsProvider {
    fn send(&self, _sms: &Sms) -> Result<(), SendError> {
        Err(SendError::Permanent("no SMS provider is configured".into()))
    }
}
