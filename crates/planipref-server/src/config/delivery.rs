//! Where messages go: `PLANIPREF_SMTP_URL`, `PLANIPREF_MAIL_FROM`,
//! `PLANIPREF_PUBLIC_MANAGE_URL` and `PLANIPREF_OUTBOX_DIR`.

use std::path::PathBuf;

use super::{ConfigError, Environment};

/// How the delivery worker sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverySettings {
    /// The SMTP server (lettre's URL: `smtp://host:587?tls=required`,
    /// `smtps://user:password@host:465`); `None`: e-mails and SMS are
    /// written to `outbox_dir` instead (development and the demo).
    pub smtp_url: Option<String>,
    /// The e-mails' sender.
    pub from: String,
    /// The public page managing an appointment, with `{reference}` and
    /// `{token}`; `None`: confirmations carry no link.
    pub manage_url: Option<String>,
    /// Where messages are written when nothing sends them.
    pub outbox_dir: PathBuf,
}

/// The sender of development e-mails (written to a folder, never sent).
pub const DEVELOPMENT_FROM: &str = "Rendez-vous en préfecture <ne-pas-repondre@planipref.invalid>";

pub(super) fn delivery_settings(
    get: &impl Fn(&str) -> Option<String>,
    environment: Environment,
) -> Result<DeliverySettings, ConfigError> {
    let production = environment == Environment::Production;
    let smtp_url = get("PLANIPREF_SMTP_URL");
    if let Some(url) = &smtp_url {
        planipref_delivery::transport::SmtpMailer::from_url(url).map_err(|message| {
            ConfigError {
                name: "PLANIPREF_SMTP_URL",
                message,
            }
        })?;
    } else if production {
        return Err(ConfigError {
            name: "PLANIPREF_SMTP_URL",
            message: "required in production: messages are sent, not written to a folder".into(),
        });
    }
    let from = match get("PLANIPREF_MAIL_FROM") {
        Some(from) => from,
        None if production => {
            return Err(ConfigError {
                name: "PLANIPREF_MAIL_FROM",
                message: "required in production (e.g. \"Préfecture de … <rdv@….gouv.fr>\")".into(),
            });
        }
        None => DEVELOPMENT_FROM.to_owned(),
    };
    from.parse::<lettre::message::Mailbox>()
        .map_err(|e| ConfigError {
            name: "PLANIPREF_MAIL_FROM",
            message: format!("not an address: {e}"),
        })?;
    let manage_url = get("PLANIPREF_PUBLIC_MANAGE_URL");
    if let Some(url) = &manage_url {
        let https = url.starts_with("https://") || (!production && url.starts_with("http://"));
        if !https || !url.contains("{reference}") || !url.contains("{token}") {
            return Err(ConfigError {
                name: "PLANIPREF_PUBLIC_MANAGE_URL",
                message: "expected an https:// URL with {reference} and {token}, e.g. https://rdv.example.gouv.fr/rdv/{reference}?token={token}".into(),
            });
        }
    }
    Ok(DeliverySettings {
        smtp_url,
        from,
        manage_url,
        outbox_dir: get("PLANIPREF_OUTBOX_DIR")
            .map_or_else(|| PathBuf::from("./data/outbox"), PathBuf::from),
    })
}
