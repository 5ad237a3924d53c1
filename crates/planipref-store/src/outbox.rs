//! The outbox: messages owed, written in the transaction of the change
//! that owes them, then claimed, sent and settled by the delivery worker
//! of any server process.
//!
//! Claiming leases a row for a while (`lease_until`): a worker that dies
//! mid-delivery leaves a lease that runs out, and another worker sends the
//! message again, with the same id. On PostgreSQL the claim skips rows
//! another worker is claiming (`FOR UPDATE SKIP LOCKED`) instead of
//! waiting for them; on SQLite the write lock taken at `BEGIN IMMEDIATE`
//! makes claims one after the other, and the lease does the rest.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::connection::MultiBackend;
use crate::db::{AnyConnection, write_transaction};
use crate::schema::outbox;
use crate::{Store, StoreError, to_db};

/// Where a message stands.
pub mod status {
    /// Waiting for its due time, or for its next attempt.
    pub const PENDING: &str = "pending";
    /// Handed to the SMTP server, the SMS provider or the webhook's
    /// receiver.
    pub const SENT: &str = "sent";
    /// Given up after its last attempt (or refused for good): agents see it.
    pub const FAILED: &str = "failed";
    /// No longer owed (a reminder of an appointment cancelled or moved).
    pub const CANCELLED: &str = "cancelled";
}

/// A message to write with a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// What it says (`booked`, `cancelled`, `reminder`…).
    pub kind: String,
    /// `email`, `sms` or `webhook`.
    pub channel: String,
    /// The préfecture it is sent for (its settings, its webhooks).
    pub prefecture_code: String,
    /// The recipient's language (`fr`, `en`).
    pub language: String,
    /// What the message says, without personal data (JSON).
    pub payload: String,
    /// What sending needs and the database must not show (the address, a
    /// management token), sealed with the outbox key.
    pub sealed: Option<String>,
    /// When to send it.
    pub due_at: DateTime<Utc>,
}

/// A message as the outbox holds it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox, check_for_backend(MultiBackend))]
pub struct OutboxRow {
    /// The message's stable id (receivers de-duplicate on it).
    pub id: String,
    /// What it says.
    pub kind: String,
    /// `email`, `sms` or `webhook`.
    pub channel: String,
    /// The appointment it is about, if any.
    pub reservation_id: Option<String>,
    /// The convocation it is about, if any.
    pub convocation_id: Option<String>,
    /// The préfecture it is sent for.
    pub prefecture_code: String,
    /// The recipient's language.
    pub language: String,
    /// What it says, without personal data (JSON).
    pub payload: String,
    /// What sending needs, sealed; `None` once settled.
    pub sealed: Option<String>,
    /// See [`status`].
    pub status: String,
    /// When it is (next) due.
    pub due_at: chrono::NaiveDateTime,
    /// Attempts that failed so far.
    pub attempts: i32,
    /// Claimed by a worker until then.
    pub lease_until: Option<chrono::NaiveDateTime>,
    /// Why the last attempt failed (no personal data).
    pub last_error: Option<String>,
    /// When it was written.
    pub created_at: chrono::NaiveDateTime,
    /// When it was sent.
    pub sent_at: Option<chrono::NaiveDateTime>,
}

/// What a message is about.
#[derive(Debug, Clone, Copy, Default)]
pub struct About<'a> {
    /// An appointment.
    pub reservation_id: Option<&'a str>,
    /// A convocation.
    pub convocation_id: Option<&'a str>,
}

/// How many messages stand in each state (operators' figures).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxDepth {
    /// Pending, due now or later.
    pub pending: i64,
    /// Failed for good.
    pub failed: i64,
}

/// Writes `messages` about `about` in the caller's transaction.
pub(crate) fn enqueue(
    c: &mut AnyConnection,
    messages: &[NewMessage],
    about: About<'_>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if messages.is_empty() {
        return Ok(());
    }
    let rows: Vec<OutboxRow> = messages
        .iter()
        .map(|m| OutboxRow {
            id: uuid::Uuid::new_v4().to_string(),
            kind: m.kind.clone(),
            channel: m.channel.clone(),
            reservation_id: about.reservation_id.map(str::to_owned),
            convocation_id: about.convocation_id.map(str::to_owned),
            prefecture_code: m.prefecture_code.clone(),
            language: m.language.clone(),
            payload: m.payload.clone(),
            sealed: m.sealed.clone(),
            status: status::PENDING.to_owned(),
            due_at: to_db(m.due_at),
            attempts: 0,
            lease_until: None,
            last_error: None,
            created_at: to_db(now),
            sent_at: None,
        })
        .collect();
    crate::db::insert_batch!(c, outbox::table, &rows)?;
    Ok(())
}

/// Cancels the pending messages of `kind` about a reservation (its
/// reminders, once it is cancelled or moved), in the caller's transaction;
/// their sealed parts are erased.
pub(crate) fn cancel_pending(
    c: &mut AnyConnection,
    reservation_id: &str,
    kind: &str,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        outbox::table
            .filter(outbox::reservation_id.eq(reservation_id))
            .filter(outbox::kind.eq(kind))
            .filter(outbox::status.eq(status::PENDING)),
    )
    .set((
        outbox::status.eq(status::CANCELLED),
        outbox::sealed.eq(None::<String>),
        outbox::lease_until.eq(None::<chrono::NaiveDateTime>),
    ))
    .execute(c)?)
}

impl Store {
    /// Writes messages about nothing else in the database (an operator's
    /// test message, a webhook delivered again), in their own transaction.
    pub fn enqueue_messages(
        &self,
        messages: &[NewMessage],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| enqueue(c, messages, About::default(), now))
        })
    }

    /// Claims up to `limit` messages due at `now` that no live lease
    /// holds, leasing them until `now + lease`: the caller sends them and
    /// settles each with [`Store::message_sent`], [`Store::message_retry`]
    /// or [`Store::message_failed`]. A lease that runs out (the worker
    /// died) lets another worker claim the message again.
    pub fn claim_messages(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let at = to_db(now);
        let until = to_db(now + lease);
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                let due = outbox::table
                    .filter(outbox::status.eq(status::PENDING))
                    .filter(outbox::due_at.le(at))
                    .filter(outbox::lease_until.is_null().or(outbox::lease_until.lt(at)))
                    .order(outbox::due_at)
                    .limit(limit)
                    .select(outbox::id);
                let ids: Vec<String> = match c {
                    AnyConnection::Postgresql(pg) => due.for_update().skip_locked().load(pg)?,
                    AnyConnection::Sqlite(lite) => due.load(lite)?,
                };
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
                    .set(outbox::lease_until.eq(Some(until)))
                    .execute(c)?;
                Ok(outbox::table
                    .filter(outbox::id.eq_any(&ids))
                    .order(outbox::due_at)
                    .select(OutboxRow::as_select())
                    .load(c)?)
            })
        })
    }

    /// The message was handed over: sent, its sealed part erased.
    pub fn message_sent(&self, id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            diesel::update(outbox::table.filter(outbox::id.eq(id)))
                .set((
                    outbox::status.eq(status::SENT),
                    outbox::sent_at.eq(Some(to_db(now))),
                    outbox::sealed.eq(None::<String>),
                    outbox::lease_until.eq(None::<chrono::NaiveDateTime>),
                ))
                .execute(conn)?;
            Ok(())
        })
    }

    /// The attempt failed; the message is due again at `next` (one more
    /// failed attempt counted).
    pub fn message_retry(
        &self,
        id: &str,
        error: &str,
        next: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            diesel::update(
                outbox::table
                    .filter(outbox::id.eq(id))
                    .filter(outbox::status.eq(status::PENDING)),
            )
            .set((
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::due_at.eq(to_db(next)),
                outbox::lease_until.eq(None::<chrono::NaiveDateTime>),
                outbox::last_error.eq(Some(error)),
            ))
            .execute(conn)?;
            Ok(())
        })
    }

    /// The message is given up (its last attempt failed, or it was refused
    /// for good): failed, visible to agents, its sealed part erased.
    pub fn message_failed(&self, id: &str, error: &str) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            diesel::update(
                outbox::table
                    .filter(outbox::id.eq(id))
                    .filter(outbox::status.eq(status::PENDING)),
            )
            .set((
                outbox::status.eq(status::FAILED),
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::last_error.eq(Some(error)),
                outbox::sealed.eq(None::<String>),
                outbox::lease_until.eq(None::<chrono::NaiveDateTime>),
            ))
            .execute(conn)?;
            Ok(())
        })
    }

    /// One message.
    pub fn find_message(&self, id: &str) -> Result<OutboxRow, StoreError> {
        self.with_conn(|conn| {
            Ok(outbox::table
                .find(id)
                .select(OutboxRow::as_select())
                .first(conn)?)
        })
    }

    /// The messages about a convocation, oldest first.
    pub fn convocation_messages(&self, convocation_id: &str) -> Result<Vec<OutboxRow>, StoreError> {
        self.with_conn(|conn| {
            Ok(outbox::table
                .filter(outbox::convocation_id.eq(convocation_id))
                .order((outbox::created_at, outbox::due_at))
                .select(OutboxRow::as_select())
                .load(conn)?)
        })
    }

    /// The messages about a reservation, oldest first (agents see their
    /// states in its history, never their content).
    pub fn reservation_messages(&self, reservation_id: &str) -> Result<Vec<OutboxRow>, StoreError> {
        self.with_conn(|conn| {
            Ok(outbox::table
                .filter(outbox::reservation_id.eq(reservation_id))
                .order((outbox::created_at, outbox::due_at))
                .select(OutboxRow::as_select())
                .load(conn)?)
        })
    }

    /// How many messages are pending and failed.
    pub fn outbox_depth(&self) -> Result<OutboxDepth, StoreError> {
        self.with_conn(|conn| {
            let count = |conn: &mut AnyConnection, s: &str| -> Result<i64, StoreError> {
                Ok(outbox::table
                    .filter(outbox::status.eq(s))
                    .count()
                    .get_result(conn)?)
            };
            Ok(OutboxDepth {
                pending: count(conn, status::PENDING)?,
                failed: count(conn, status::FAILED)?,
            })
        })
    }
}

/// What a change to an appointment owes its applicant: one message per
/// channel they can be reached on (e-mail when given, SMS when the phone
/// is a mobile), written in the change's transaction.
#[derive(Debug, Clone)]
pub(crate) struct Owed<'a> {
    /// What happened (`booked`, `moved`, `cancelled`…).
    pub kind: &'a str,
    /// What the message needs besides the reference (no personal data).
    pub details: serde_json::Value,
    /// A sealed secret only this message carries (the management token of
    /// a confirmation).
    pub sealed: Option<String>,
    /// When it is due (now, or a reminder's time).
    pub due_at: DateTime<Utc>,
}

/// The channels `reservation_id`'s applicant is reached on, their language,
/// the préfecture and the site's time zone.
struct Reach {
    channels: Vec<&'static str>,
    language: String,
    prefecture_code: String,
    time_zone: chrono_tz::Tz,
    reference: String,
    start: DateTime<Utc>,
}

fn reach(c: &mut AnyConnection, reservation_id: &str) -> Result<Reach, StoreError> {
    use crate::schema::{reservations, sites};
    let (email, phone, language, reference, starts_at, prefecture_code, zone): (
        String,
        String,
        String,
        String,
        chrono::NaiveDateTime,
        String,
        String,
    ) = reservations::table
        .inner_join(sites::table.on(sites::id.eq(reservations::site_id)))
        .filter(reservations::id.eq(reservation_id))
        .select((
            reservations::email,
            reservations::phone,
            reservations::language,
            reservations::reference,
            reservations::starts_at,
            sites::prefecture_code,
            sites::time_zone,
        ))
        .first(c)?;
    let mut channels = Vec::new();
    if !email.trim().is_empty() {
        channels.push(channel::EMAIL);
    }
    if planipref_domain::messages::phone::is_mobile(&phone) {
        channels.push(channel::SMS);
    }
    Ok(Reach {
        channels,
        language,
        prefecture_code,
        time_zone: zone.parse().unwrap_or(chrono_tz::Europe::Paris),
        reference,
        start: crate::from_db(starts_at),
    })
}

/// The channels of the outbox.
pub mod channel {
    /// An e-mail to the applicant.
    pub const EMAIL: &str = "email";
    /// An SMS to the applicant.
    pub const SMS: &str = "sms";
    /// A webhook to a préfecture system.
    pub const WEBHOOK: &str = "webhook";
}

/// What messages say: their `kind`.
pub mod kind {
    /// The appointment is booked (a confirmation, with the management link).
    pub const BOOKED: &str = "booked";
    /// It was moved (by its applicant or an agent).
    pub const MOVED: &str = "moved";
    /// It was cancelled (by its applicant or an agent, with the reason).
    pub const CANCELLED: &str = "cancelled";
    /// A closure or a change of the site's hours: it must be booked again.
    pub const NEEDS_REBOOKING: &str = "needs_rebooking";
    /// It is coming.
    pub const REMINDER: &str = "reminder";
    /// The person did not come.
    pub const NO_SHOW: &str = "no_show";
    /// A convocation's link, sent to its person.
    pub const CONVOCATION_ISSUED: &str = "convocation_issued";
    /// The convocation sent was withdrawn.
    pub const CONVOCATION_REVOKED: &str = "convocation_revoked";
}

/// A revoked convocation whose link was sent (or is about to be) owes its
/// person a word by the same channels; a link not yet sent is not sent.
pub(crate) fn owe_revocation(
    c: &mut AnyConnection,
    convocation_id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sent: Vec<OutboxRow> = outbox::table
        .filter(outbox::convocation_id.eq(convocation_id))
        .filter(outbox::kind.eq(kind::CONVOCATION_ISSUED))
        .select(OutboxRow::as_select())
        .load(c)?;
    // Links not handed to a worker are not sent; one being sent now is
    // let go, and followed by the revocation.
    let at = to_db(now);
    let in_flight =
        |m: &OutboxRow| m.status == status::PENDING && m.lease_until.is_some_and(|l| l >= at);
    diesel::update(
        outbox::table
            .filter(outbox::convocation_id.eq(convocation_id))
            .filter(outbox::kind.eq(kind::CONVOCATION_ISSUED))
            .filter(outbox::status.eq(status::PENDING))
            .filter(outbox::lease_until.is_null().or(outbox::lease_until.lt(at))),
    )
    .set((
        outbox::status.eq(status::CANCELLED),
        outbox::sealed.eq(None::<String>),
        outbox::lease_until.eq(None::<chrono::NaiveDateTime>),
    ))
    .execute(c)?;
    let payload = serde_json::json!({ "convocation_id": convocation_id, "reason": reason });
    let revoked: Vec<NewMessage> = sent
        .iter()
        .filter(|m| m.status == status::SENT || in_flight(m))
        .map(|m| NewMessage {
            kind: kind::CONVOCATION_REVOKED.to_owned(),
            channel: m.channel.clone(),
            prefecture_code: m.prefecture_code.clone(),
            language: m.language.clone(),
            payload: payload.to_string(),
            sealed: None,
            due_at: now,
        })
        .collect();
    let about = About {
        reservation_id: None,
        convocation_id: Some(convocation_id),
    };
    enqueue(c, &revoked, about, now)
}

/// Writes what `owed` owes the applicant of `reservation_id`, in the
/// caller's transaction.
pub(crate) fn owe_applicant(
    c: &mut AnyConnection,
    reservation_id: &str,
    owed: &Owed<'_>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let reach = reach(c, reservation_id)?;
    let messages = messages_for(&reach, owed);
    enqueue(
        c,
        &messages,
        About {
            reservation_id: Some(reservation_id),
            convocation_id: None,
        },
        now,
    )
}

/// Writes the reminders of `reservation_id` (before its start, in its
/// site's time zone, never at night; see the domain's
/// `messages::reminders`), in the caller's transaction.
pub(crate) fn owe_reminders(
    c: &mut AnyConnection,
    reservation_id: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use planipref_domain::messages::reminders::{DEFAULT_HOURS_BEFORE, reminder_times};
    let reach = reach(c, reservation_id)?;
    let times = reminder_times(reach.start, reach.time_zone, &DEFAULT_HOURS_BEFORE, now);
    let messages: Vec<NewMessage> = times
        .into_iter()
        .flat_map(|due_at| {
            let owed = Owed {
                kind: kind::REMINDER,
                details: serde_json::json!({}),
                sealed: None,
                due_at,
            };
            messages_for(&reach, &owed)
        })
        .collect();
    enqueue(
        c,
        &messages,
        About {
            reservation_id: Some(reservation_id),
            convocation_id: None,
        },
        now,
    )
}

fn messages_for(reach: &Reach, owed: &Owed<'_>) -> Vec<NewMessage> {
    let mut payload = serde_json::json!({
        "reference": reach.reference,
        "start": reach.start.to_rfc3339(),
    });
    if let (Some(map), Some(details)) = (payload.as_object_mut(), owed.details.as_object()) {
        map.extend(details.clone());
    }
    reach
        .channels
        .iter()
        .map(|channel| NewMessage {
            kind: owed.kind.to_owned(),
            channel: (*channel).to_owned(),
            prefecture_code: reach.prefecture_code.clone(),
            language: reach.language.clone(),
            payload: payload.to_string(),
            sealed: owed.sealed.clone(),
            due_at: owed.due_at,
        })
        .collect()
}
