//! The delivery worker: claims what the outbox owes, renders each message
//! from the appointment as it stands now, sends it and settles it.

use std::sync::atomic::{AtomicBool, Ordering};

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
/// send it (a worker that died mid-delivery), by default: longer than a
/// batch takes to send (SMTP's timeout is 20 s).
pub const DEFAULT_LEASE_SECONDS: u32 = 120;
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
    /// The public page a convocation's link opens, with `{token}`; `None`:
    /// convocations cannot be sent (their messages fail, saying so).
    pub convocation_url: Option<String>,
    /// Opens what the outbox sealed.
    pub key: OutboxKey,
    /// How long a claim lasts (see [`DEFAULT_LEASE_SECONDS`]).
    pub lease: Duration,
    /// What posts webhooks (and where it may connect).
    pub webhooks: crate::webhook::WebhookClient,
}

/// What became of one claimed message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settled {
    Sent,
    Retried,
    Failed,
    /// Cancelled since it was claimed (or not readable): not sent.
    Skipped,
    /// Not attempted: the worker is stopping; its lease was lifted.
    Released,
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
    /// Messages claimed but given back unsent, their lease lifted: the
    /// worker was stopping.
    pub released: usize,
}

impl Round {
    /// Messages it settled.
    pub fn settled(&self) -> usize {
        self.sent + self.retried + self.failed
    }

    /// Whether it settled nothing (and released nothing).
    pub fn is_empty(&self) -> bool {
        self.settled() == 0 && self.released == 0
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
        jitter: impl FnMut() -> f64,
    ) -> Result<Round, StoreError> {
        self.deliver_due_until(store, now, jitter, &AtomicBool::new(false))
    }

    /// [`Deliverer::deliver_due`], stopping early once `stopping` is set
    /// (the server is shutting down): a message already being sent is
    /// settled; those not yet attempted are released (their lease lifted,
    /// see [`Store::release_messages`]), so that no claim outlives the
    /// process and another worker sends them at once. Nothing is claimed
    /// when `stopping` is already set.
    pub fn deliver_due_until(
        &self,
        store: &Store,
        now: DateTime<Utc>,
        mut jitter: impl FnMut() -> f64,
        stopping: &AtomicBool,
    ) -> Result<Round, StoreError> {
        if stopping.load(Ordering::SeqCst) {
            return Ok(Round::default());
        }
        let claimed = store.claim_messages(now, self.lease, BATCH)?;
        let jitters: Vec<f64> = claimed.iter().map(|_| jitter()).collect();
        let work: Vec<(&OutboxRow, f64)> = claimed.iter().zip(jitters).collect();
        let per_thread = work.len().div_ceil(PARALLEL).max(1);
        let started = std::time::Instant::now();
        // What is not sent by half the lease goes back to the outbox for
        // the next round: slow receivers cannot keep a batch past its
        // lease, when another worker would claim it and send it twice.
        let within = self.lease.to_std().unwrap_or_default() / 2;
        // Each message is settled as soon as it is sent, so that a slow
        // batch never leaves sent messages looking unsent when its lease
        // runs out.
        let settled: Vec<Settled> = std::thread::scope(|s| {
            let sending: Vec<_> = work
                .chunks(per_thread)
                .map(|chunk| {
                    s.spawn(move || {
                        chunk
                            .iter()
                            .map(|(m, jitter)| {
                                if stopping.load(Ordering::SeqCst) || started.elapsed() > within {
                                    release(store, m)
                                } else {
                                    self.deliver_and_settle(store, m, (now, started), *jitter)
                                }
                            })
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
        let mut round = Round::default();
        for outcome in settled {
            match outcome {
                Settled::Sent => round.sent += 1,
                Settled::Retried => round.retried += 1,
                Settled::Failed => round.failed += 1,
                Settled::Released => round.released += 1,
                Settled::Skipped => {}
            }
        }
        Ok(round)
    }

    /// Sends `message` unless it was cancelled since it was claimed, then
    /// records the outcome. A failure to record is logged: the message
    /// then waits for its lease and is sent again, with the same id.
    fn deliver_and_settle(
        &self,
        store: &Store,
        message: &OutboxRow,
        (now, started): (DateTime<Utc>, std::time::Instant),
        jitter: f64,
    ) -> Settled {
        match store.find_message(&message.id) {
            Ok(current) if current.status != planipref_store::outbox::status::PENDING => {
                return Settled::Skipped;
            }
            Ok(_) => {}
            Err(e) => {
                log::warn!("message {} not read again: {e}", message.id);
                return Settled::Skipped;
            }
        }
        // A webhook is signed at the moment it goes, however long the
        // round's earlier messages took (receivers check the timestamp).
        let sent_at = now + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
        let (settled, recorded) = match self.deliver(store, message, (now, sent_at)) {
            Ok(()) => (Settled::Sent, store.message_sent(&message.id, now)),
            Err(SendError::Temporary(why)) => {
                let failed = u32::try_from(message.attempts).unwrap_or(0) + 1;
                match backoff::retry_delay(failed, jitter) {
                    Some(delay) => (
                        Settled::Retried,
                        store.message_retry(&message.id, &why, now + delay),
                    ),
                    None => {
                        log::warn!("message {} failed for good: {why}", message.id);
                        (Settled::Failed, store.message_failed(&message.id, &why))
                    }
                }
            }
            Err(SendError::Permanent(why)) => {
                log::warn!("message {} failed for good: {why}", message.id);
                (Settled::Failed, store.message_failed(&message.id, &why))
            }
        };
        if let Err(e) = recorded {
            log::warn!("message {}: its outcome was not recorded: {e}", message.id);
        }
        crate::telemetry::settled(&message.channel, settled_outcome(settled));
        settled
    }

    fn deliver(
        &self,
        store: &Store,
        message: &OutboxRow,
        (now, sent_at): (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<(), SendError> {
        if message.channel == channel::WEBHOOK {
            return crate::webhook::deliver(store, (&self.key, &self.webhooks), message, sent_at);
        }
        let payload: serde_json::Value = serde_json::from_str(&message.payload)
            .map_err(|_| SendError::Permanent("unreadable payload".into()))?;
        if let Some(id) = &message.convocation_id {
            return self.deliver_convocation(store, message, id, &payload);
        }
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
        let calendar = matches!(message.kind.as_str(), kind::BOOKED | kind::MOVED)
            .then(|| detail.calendar(now))
            .flatten();
        let r = &detail.reservation;
        let email = Some(r.email.trim().to_owned()).filter(|e| !e.is_empty());
        self.send(message, &rendered, (email, Some(r.phone.clone())), calendar)
    }

    /// A convocation's link, or its withdrawal, to its person.
    fn deliver_convocation(
        &self,
        store: &Store,
        message: &OutboxRow,
        id: &str,
        payload: &serde_json::Value,
    ) -> Result<(), SendError> {
        let gone = |e: StoreError| match e {
            StoreError::NotFound => SendError::Permanent("the convocation is gone".into()),
            e => SendError::Temporary(format!("database: {e}")),
        };
        let id = id
            .parse()
            .map_err(|_| SendError::Permanent("not a convocation id".into()))?;
        let convocation = store.convocation(id).map_err(gone)?.row;
        if message.kind == kind::CONVOCATION_ISSUED && convocation.revoked_at.is_some() {
            return Err(SendError::Permanent("the convocation was withdrawn".into()));
        }
        let (motif, _, site) = store.get_motif(&convocation.motif_id).map_err(gone)?;
        let language = Language::parse("language", Some(&message.language)).unwrap_or_default();
        let link = match message.kind.as_str() {
            kind::CONVOCATION_ISSUED => {
                let template = self.convocation_url.as_deref().ok_or_else(|| {
                    SendError::Permanent("no public convocation page is configured".into())
                })?;
                let token = message
                    .sealed
                    .as_deref()
                    .and_then(|s| self.key.open(s))
                    .ok_or_else(|| {
                        SendError::Permanent("the link's token cannot be read".into())
                    })?;
                Some(template.replace("{token}", &token))
            }
            _ => None,
        };
        let mut facts = convocation_facts(&convocation, (&motif, &site), payload, language, link)?;
        facts.kind = message.kind.clone();
        let rendered = self
            .templates
            .render(&facts, language)
            .map_err(|e| SendError::Permanent(e.to_string()))?;
        let contact = |c: &Option<String>| {
            c.as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
        };
        let to = (contact(&convocation.email), contact(&convocation.phone));
        self.send(message, &rendered, to, None)
    }

    /// Sends `rendered` by the message's channel to `(email, phone)`.
    fn send(
        &self,
        message: &OutboxRow,
        rendered: &crate::render::Rendered,
        (email, phone): (Option<String>, Option<String>),
        calendar: Option<String>,
    ) -> Result<(), SendError> {
        match message.channel.as_str() {
            channel::EMAIL => {
                let to = email.ok_or_else(|| SendError::Permanent("no e-mail address".into()))?;
                let email = Email {
                    message_id: &message.id,
                    to: &to,
                    rendered,
                    calendar: calendar.as_deref(),
                };
                self.mailer.send(&message.id, &build(&self.from, &email)?)
            }
            channel::SMS => {
                let to = phone
                    .as_deref()
                    .and_then(phone::mobile_e164)
                    .ok_or_else(|| SendError::Permanent("not a mobile number".into()))?;
                self.sms.send(&Sms {
                    id: message.id.clone(),
                    to,
                    text: rendered.sms.clone(),
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

/// Gives `message` back unsent (see [`Deliverer::deliver_due_until`]); a
/// failure to do so leaves it to its lease.
fn release(store: &Store, message: &OutboxRow) -> Settled {
    if let Err(e) = store.release_messages(std::slice::from_ref(&message.id)) {
        log::warn!(
            "message {} not released: it waits for its lease: {e}",
            message.id
        );
    }
    Settled::Released
}

/// The outcome's name in metrics (see [`crate::telemetry`]).
fn settled_outcome(settled: Settled) -> &'static str {
    match settled {
        Settled::Sent => "sent",
        Settled::Retried => "retry",
        Settled::Failed => "failed",
        Settled::Skipped => "skipped",
        Settled::Released => "released",
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
    let tz = zone(site)?;
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
        days: None,
    })
}

/// What the templates say about a convocation.
fn convocation_facts(
    convocation: &planipref_store::models::ConvocationRow,
    (motif, site): (
        &planipref_store::models::MotifRow,
        &planipref_store::models::SiteRow,
    ),
    payload: &serde_json::Value,
    language: Language,
    link: Option<String>,
) -> Result<Facts, SendError> {
    let tz = zone(site)?;
    let until = from_db(convocation.valid_until);
    let days = match (convocation.earliest_day, convocation.latest_day) {
        (None, None) => None,
        (from, to) => Some(dates::day_range(from, to, language)),
    };
    Ok(Facts {
        kind: String::new(),
        reference: String::new(),
        motif: motif.label.clone(),
        site: SiteFacts {
            name: site.name.clone(),
            address_line: site.address_line.clone(),
            postal_code: site.postal_code.clone(),
            city: site.city.clone(),
        },
        when: dates::long(until, tz, language),
        when_short: dates::short(until, tz, language),
        time_zone: site.time_zone.clone(),
        persons: 1,
        documents: motif.document_list(),
        instructions: motif.instructions.trim().to_owned(),
        manage_url: link,
        reason: payload["reason"]
            .as_str()
            .map(str::to_owned)
            .filter(|r| !r.trim().is_empty()),
        by_agent: true,
        previous_when: None,
        days,
    })
}

/// The site's time zone.
fn zone(site: &planipref_store::models::SiteRow) -> Result<chrono_tz::Tz, SendError> {
    site.time_zone
        .parse()
        .map_err(|_| SendError::Permanent("the site's time zone is unknown".into()))
}
