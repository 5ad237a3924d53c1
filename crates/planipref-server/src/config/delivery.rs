//! Where messages go: `PLANIPREF_SMTP_URL`, `PLANIPREF_MAIL_FROM`,
//! `PLANIPREF_PUBLIC_MANAGE_URL`, `PLANIPREF_OUTBOX_DIR`,
//! `PLANIPREF_DELIVERY_LEASE_SECONDS`, `PLANIPREF_SMS_*` and
//! `PLANIPREF_WEBHOOK_ALLOWED_NETWORKS`.

use std::path::PathBuf;

use planipref_domain::messages::network::Networks;

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
    /// The public page a convocation's link opens, with `{token}`; `None`:
    /// convocations cannot be sent by e-mail or SMS.
    pub convocation_url: Option<String>,
    /// Where messages are written when nothing sends them.
    pub outbox_dir: PathBuf,
    /// How long a worker's claim on a message lasts, seconds.
    pub lease_seconds: u32,
    /// The SMS provider; `None`: SMS are written to `outbox_dir` without
    /// an SMTP server, failed ("no SMS provider") with one.
    pub sms: Option<SmsProvider>,
    /// Networks webhooks may reach beyond public addresses (none by
    /// default: a préfecture's subscription cannot reach the server's own
    /// network).
    pub webhook_networks: Networks,
}

/// An SMS provider (`PLANIPREF_SMS_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsProvider {
    /// Brevo's transactional SMS API.
    Brevo {
        /// Its endpoint.
        url: String,
        /// The account's API key.
        api_key: String,
        /// The sender shown (up to 11 letters and digits).
        sender: String,
    },
    /// A gateway taking JSON.
    Webhook {
        /// Its endpoint.
        url: String,
        /// Its bearer token, if it wants one.
        token: Option<String>,
    },
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
    let convocation_url = get("PLANIPREF_PUBLIC_CONVOCATION_URL");
    if let Some(url) = &convocation_url {
        let https = url.starts_with("https://") || (!production && url.starts_with("http://"));
        if !https || !url.contains("{token}") {
            return Err(ConfigError {
                name: "PLANIPREF_PUBLIC_CONVOCATION_URL",
                message: "expected an https:// URL with {token}, e.g. https://rdv.example.gouv.fr/convocation?token={token}".into(),
            });
        }
    }
    Ok(DeliverySettings {
        convocation_url,
        smtp_url,
        from,
        manage_url,
        outbox_dir: get("PLANIPREF_OUTBOX_DIR")
            .map_or_else(|| PathBuf::from("./data/outbox"), PathBuf::from),
        lease_seconds: super::number(get, "PLANIPREF_DELIVERY_LEASE_SECONDS", 5, 3600)?
            .unwrap_or(planipref_delivery::worker::DEFAULT_LEASE_SECONDS),
        sms: sms_provider(get, production)?,
        webhook_networks: Networks::parse(
            &get("PLANIPREF_WEBHOOK_ALLOWED_NETWORKS").unwrap_or_default(),
        )
        .map_err(|message| ConfigError {
            name: "PLANIPREF_WEBHOOK_ALLOWED_NETWORKS",
            message,
        })?,
    })
}

fn sms_provider(
    get: &impl Fn(&str) -> Option<String>,
    production: bool,
) -> Result<Option<SmsProvider>, ConfigError> {
    let url = get("PLANIPREF_SMS_URL");
    if let Some(u) = &url {
        let secure = u.starts_with("https://") || (!production && u.starts_with("http://"));
        if !secure {
            return Err(ConfigError {
                name: "PLANIPREF_SMS_URL",
                message: "expected an https:// URL".into(),
            });
        }
    }
    let key = get("PLANIPREF_SMS_API_KEY");
    let sender = get("PLANIPREF_SMS_SENDER");
    match get("PLANIPREF_SMS_PROVIDER").as_deref().map(str::trim) {
        None => Ok(None),
        Some("brevo") => {
            let sender = sender.unwrap_or_else(|| "PREFECTURE".into());
            if sender.is_empty()
                || sender.len() > 11
                || !sender.chars().all(|c| c.is_ascii_alphanumeric())
            {
                return Err(ConfigError {
                    name: "PLANIPREF_SMS_SENDER",
                    message: "1 to 11 letters and digits".into(),
                });
            }
            Ok(Some(SmsProvider::Brevo {
                url: url.unwrap_or_else(|| planipref_delivery::sms_http::BREVO_URL.to_owned()),
                api_key: key.ok_or(ConfigError {
                    name: "PLANIPREF_SMS_API_KEY",
                    message: "required with the brevo provider".into(),
                })?,
                sender,
            }))
        }
        Some("webhook") => Ok(Some(SmsProvider::Webhook {
            url: url.ok_or(ConfigError {
                name: "PLANIPREF_SMS_URL",
                message: "required with the webhook provider".into(),
            })?,
            token: key,
        })),
        Some(other) => Err(ConfigError {
            name: "PLANIPREF_SMS_PROVIDER",
            message: format!("expected brevo or webhook, got {other:?}"),
        }),
    }
}
