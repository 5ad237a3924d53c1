//! The delivery worker: claims what the outbox owes, renders each message
//! from the appointment as it stands now, sends it and settles it.

use chrono::{DateTime, Duration, Utc};
use lettre::message::Mailbox;
use planipref_domain::messages::seal::OutboxKey;
use planipref_domain::messages::{Language, backoff, phone};
use planipref_domain::reference::Reference;
use planipref_store::outbox::{OutboxRow, channel, kind};
use planipref_store::{ReservationDetail, Store, StoreError, from_db};

use crate::SendError;
use crate::dates;
use crate::email::{Email, build};
use crate::render::{Facts, SiteFacts, Templates};
use crate::transport::{Mailer, Sms, SmsSender};

/// How long a claimed message is left to its worker before another may
/// send it (a worker that died mid-delivery).
pub const LEASE_SECONDS: i64 = 120;
/// Messages claimed at once.
pub const BATCH: i64 = 64;
/// Messages sent at once, each on its own connection: an SMTP exchange
/// mostly waits (on the network, and on one connection lettre's separate
/// write of the final dot meets Nagle's algorithm and delayed
/// acknowledgements, about 40 ms a message).
pub const PARALLEL: usize = 8;

/// What delivers messages, and how.
#[derive(Debug)]
pub struct Deliverer {
    /// The compiled templates.
    pub templates: Templates,
    /// Where e-mails go.
    pub mailer: Box<dyn Mailer>,
    /// Where SMS go.
    pub sms: Box<dyn SmsSender>,
    /// The e-mails' sender.
    pub from: Mailbox,
    /// The management link's template (`{reference}`, `{token}`), if the
    /// deployment has a public page for it.
    pub manage_url: Option<String>,
    /// Opens what the outbox sealed.
    pub key: OutboxKey,
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Messages handed over.
    pub sent: usize,
    /// Messages that failed and will be tried again.
    pub retried: usize,
    /// Messages given up.
    pub failed: usize,
}

impl Round {
    /// Whether it claimed nothing.
    pub fn is_empty(&self) -> bool {
        self.sent + self.retried + self.failed == 0
    }
}

impl Deliverer {
    /// Claims the messages due at `now` and delivers them; `jitter` gives a
    /// number in [0, 1) for each retry's delay (random in servers, fixed in
    /// tests).
    pub fn deliver_due(
        &self,
        store: &Store,
        now: DateTime<Utc>,
        mut jitter: impl FnMut() -> f64,
    ) -> Result<Round, StoreError> {
        let mut round = Round::default();
        let claimed = store.claim_messages(now, Duration::seconds(LEASE_SECONDS), BATCH)?;
        let per_thread = claimed.len().div_ceil(PARALLEL).max(1);
        let outcomes: Vec<(&OutboxRow, Result<(), SendError>)> = std::thread::scope(|s| {
            let sending: Vec<_> = claimed
                .chunks(per_thread)
                .map(|chunk| {
                    s.spawn(move || {
                        chunk
                            .iter()
                            .map(|m| (m, self.deliver(store, m, now)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            sending
                .into_iter()
                .flat_map(|t| {
                    t.join().unwrap_or_else(|_| {
                        log::error!(
                            "a delivery thread panicked: its messages wait for their lease"
                        );
                        Vec::new()
                    })
                })
                .collect()
        });
        for (message, outcome) in outcomes {
            match outcome {
                Ok(()) => {
                    store.message_sent(&message.id, now)?;
                    round.sent += 1;
                }
                Err(SendError::Temporary(why)) => {
                    let failed = u32::try_from(message.attempts).unwrap_or(0) + 1;
                    match backoff::retry_delay(failed, jitter()) {
                        Some(delay) => {
                            store.message_retry(&message.id, &why, now + delay)?;
                            round.retried += 1;
                        }
                        None => {
                            log::warn!("message {} failed for good: {why}", message.id);
                            store.message_failed(&message.id, &why)?;
                            round.failed += 1;
                        }
                    }
                }
                Err(SendError::Permanent(why)) => {
                    log::warn!("message {} failed for good: {why}", message.id);
                    store.message_failed(&message.id, &why)?;
                    round.failed += 1;
                }
            }
        }
        Ok(round)
    }

    fn deliver(
        &self,
        store: &Store,
        message: &OutboxRow,
        now: DateTime<Utc>,
    ) -> Result<(), SendError> {
        let payload: serde_json::Value = serde_json::from_str(&message.payload)
            .map_err(|_| SendError::Permanent("unreadable payload".into()))?;
        let reference = payload["reference"]
            .as_str()
            .and_then(Reference::parse)
            .ok_or_else(|| SendError::Permanent("no reference".into()))?;
        let detail = match store.find_reservation(&reference) {
            Ok(d) => d,
            Err(StoreError::NotFound) => {
                return Err(SendError::Permanent("the appointment is gone".into()));
            }
            Err(e) => return Err(SendError::Temporary(format!("database: {e}"))),
        };
        let language = Language::parse("language", Some(&message.language)).unwrap_or_default();
        let manage_url = self.manage_url(message, &reference);
        let facts = facts(&detail, &message.kind, &payload, language, manage_url)?;
        let rendered = self
            .templates
            .render(&facts, language)
            .map_err(|e| SendError::Permanent(e.to_string()))?;
        match message.channel.as_str() {
            channel::EMAIL => {
                let to = detail.reservation.email.trim();
                if to.is_empty() {
                    return Err(SendError::Permanent("no e-mail address".into()));
                }
                let calendar = matches!(message.kind.as_str(), kind::BOOKED | kind::MOVED)
                    .then(|| detail.calendar(now))
                    .flatten();
                let email = Email {
                    message_id: &message.id,
                    to,
                    rendered: &rendered,
                    calendar: calendar.as_deref(),
                };
                self.mailer.send(&message.id, &build(&self.from, &email)?)
            }
            channel::SMS => {
                let to = phone::mobile_e164(&detail.reservation.phone)
                    .ok_or_else(|| SendError::Permanent("not a mobile number".into()))?;
                self.sms.send(&Sms {
                    id: message.id.clone(),
                    to,
                    text: rendered.sms,
                })
            }
            other => Err(SendError::Permanent(format!(
                "no sender for channel {other}"
            ))),
        }
    }

    /// The management link, when the message carries the token (a
    /// confirmation) and the deployment has a page for it.
    fn manage_url(&self, message: &OutboxRow, reference: &Reference) -> Option<String> {
        let template = self.manage_url.as_deref()?;
        let token = self.key.open(message.sealed.as_deref()?)?;
        Some(
            template
                .replace("{reference}", reference.as_str())
                .replace("{token}", &token),
        )
    }
}

/// What the templates say about `detail`, for a message of `kind`.
fn facts(
    detail: &ReservationDetail,
    kind: &str,
    payload: &serde_json::Value,
    language: Language,
    manage_url: Option<String>,
) -> Result<Facts, SendError> {
    let (r, motif, site) = (&detail.reservation, &detail.motif, &detail.site);
    let tz: chrono_tz::Tz = site
        .time_zone
        .parse()
        .map_err(|_| SendError::Permanent("the site's time zone is unknown".into()))?;
    let start = from_db(r.starts_at);
    let text = |key: &str| payload[key].as_str().map(str::to_owned);
    let previous_when = text("previous_start")
        .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map(|t| dates::long(t.with_timezone(&Utc), tz, language));
    Ok(Facts {
        kind: kind.to_owned(),
        reference: r.reference.clone(),
        motif: motif.label.clone(),
        site: SiteFacts {
            name: site.name.clone(),
            address_line: site.address_line.clone(),
            postal_code: site.postal_code.clone(),
            city: site.city.clone(),
        },
        when: dates::long(start, tz, language),
        when_short: dates::short(start, tz, language),
        time_zone: site.time_zone.clone(),
        persons: u32::try_from(r.persons).unwrap_or(1),
        documents: motif.document_list(),
        instructions: motif.instructions.trim().to_owned(),
        manage_url,
        reason: text("reason").filter(|s| !s.trim().is_empty()),
        by_agent: payload["by_agent"].as_bool().unwrap_or(false),
        previous_when,
    })
}
