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

mod owed;
use crate::schema::outbox;
use crate::{Store, StoreError, to_db};
pub(crate) use owed::{
    Owed, owe_applicant, owe_reminders, owe_revocation, owe_with_reminders, without_opted_out_sms,
};

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
    /// The webhook subscription it is for (channel `webhook`).
    pub subscription_id: Option<String>,
    /// The HTTP status its receiver answered the last attempt with
    /// (webhooks; `None`: no answer, or not a webhook).
    pub response_status: Option<i32>,
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

/// How many messages of one channel stand pending and failed (operators'
/// figures, see [`Store::outbox_depth_by_channel`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChannelDepth {
    /// Pending, due now or later (reminders wait here for days).
    pub pending: i64,
    /// Pending and due now: the backlog the workers have yet to send.
    pub due: i64,
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
            subscription_id: None,
            response_status: None,
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
            // Only a message still owed: one cancelled meanwhile stays so.
            diesel::update(
                outbox::table
                    .filter(outbox::id.eq(id))
                    .filter(outbox::status.eq(status::PENDING)),
            )
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

    /// Records that the owner of the mobile `e164` wants no more SMS, and
    /// cancels the SMS still to come to it (about appointments and
    /// convocations); returns how many were cancelled. Asking again
    /// changes nothing.
    pub fn opt_out_sms(&self, e164: &str, now: DateTime<Utc>) -> Result<usize, StoreError> {
        use crate::schema::{convocations, reservations, sms_opt_outs};
        use planipref_domain::messages::phone::mobile_e164;
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                let secret = owed::opt_out_secret(c)?;
                let key = planipref_domain::messages::opt_out_key(secret.as_bytes(), e164);
                crate::db::on_backend!(c, |c| diesel::insert_into(sms_opt_outs::table)
                    .values((
                        sms_opt_outs::phone_key.eq(&key),
                        sms_opt_outs::opted_out_at.eq(to_db(now)),
                    ))
                    .on_conflict_do_nothing()
                    .execute(c))?;
                let pending = || {
                    outbox::table
                        .filter(outbox::channel.eq(channel::SMS))
                        .filter(outbox::status.eq(status::PENDING))
                };
                // Numbers are kept as given: compared in E.164.
                let of_reservations: Vec<(String, String)> = pending()
                    .inner_join(
                        reservations::table
                            .on(outbox::reservation_id.eq(reservations::id.nullable())),
                    )
                    .select((outbox::id, reservations::phone))
                    .load(c)?;
                let of_convocations: Vec<(String, Option<String>)> = pending()
                    .inner_join(
                        convocations::table
                            .on(outbox::convocation_id.eq(convocations::id.nullable())),
                    )
                    .select((outbox::id, convocations::phone))
                    .load(c)?;
                let ids: Vec<String> = of_reservations
                    .into_iter()
                    .map(|(id, phone)| (id, Some(phone)))
                    .chain(of_convocations)
                    .filter(|(_, phone)| {
                        phone.as_deref().and_then(mobile_e164).as_deref() == Some(e164)
                    })
                    .map(|(id, _)| id)
                    .collect();
                Ok(
                    diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
                        .set((
                            outbox::status.eq(status::CANCELLED),
                            outbox::sealed.eq(None::<String>),
                            outbox::last_error.eq(Some("the person asked for no more SMS")),
                        ))
                        .execute(c)?,
                )
            })
        })
    }

    /// The messages to the person of a convocation, oldest first
    /// (webhooks are listed with their subscription).
    pub fn convocation_messages(&self, convocation_id: &str) -> Result<Vec<OutboxRow>, StoreError> {
        self.with_conn(|conn| {
            Ok(outbox::table
                .filter(outbox::convocation_id.eq(convocation_id))
                .filter(outbox::channel.ne(channel::WEBHOOK))
                .order((outbox::created_at, outbox::due_at))
                .select(OutboxRow::as_select())
                .load(conn)?)
        })
    }

    /// The messages to a reservation's applicant, oldest first (agents see
    /// their states in its history, never their content; webhooks are
    /// listed with their subscription).
    pub fn reservation_messages(&self, reservation_id: &str) -> Result<Vec<OutboxRow>, StoreError> {
        self.with_conn(|conn| {
            Ok(outbox::table
                .filter(outbox::reservation_id.eq(reservation_id))
                .filter(outbox::channel.ne(channel::WEBHOOK))
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

impl Store {
    /// By channel ([`channel::ALL`], each present even when empty): the
    /// messages pending, due at `now`, and failed. Two grouped counts on
    /// the `(status, due_at)` index.
    pub fn outbox_depth_by_channel(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<(&'static str, ChannelDepth)>, StoreError> {
        use diesel::dsl::count_star;
        self.with_conn(|conn| {
            let by_status: Vec<(String, String, i64)> = outbox::table
                .filter(outbox::status.eq_any([status::PENDING, status::FAILED]))
                .group_by((outbox::channel, outbox::status))
                .select((outbox::channel, outbox::status, count_star()))
                .load(conn)?;
            let due: Vec<(String, i64)> = outbox::table
                .filter(outbox::status.eq(status::PENDING))
                .filter(outbox::due_at.le(to_db(now)))
                .group_by(outbox::channel)
                .select((outbox::channel, count_star()))
                .load(conn)?;
            Ok(channel::ALL
                .iter()
                .map(|&name| {
                    let count = |s: &str| {
                        by_status
                            .iter()
                            .find(|(c, st, _)| c == name && st == s)
                            .map_or(0, |(_, _, n)| *n)
                    };
                    let depth = ChannelDepth {
                        pending: count(status::PENDING),
                        due: due.iter().find(|(c, _)| c == name).map_or(0, |(_, n)| *n),
                        failed: count(status::FAILED),
                    };
                    (name, depth)
                })
                .collect())
        })
    }

    /// Gives claimed messages back unsent (their worker is stopping): the
    /// lease is lifted, so that any worker may claim them at once; their
    /// attempts, due time and content are untouched. Returns how many
    /// were released.
    pub fn release_messages(&self, ids: &[String]) -> Result<usize, StoreError> {
        if ids.is_empty() {
            return Ok(0);
        }
        self.with_conn(|conn| {
            Ok(diesel::update(
                outbox::table
                    .filter(outbox::id.eq_any(ids))
                    .filter(outbox::status.eq(status::PENDING)),
            )
            .set(outbox::lease_until.eq(None::<chrono::NaiveDateTime>))
            .execute(conn)?)
        })
    }
}

/// The channels of the outbox.
pub mod channel {
    /// Every channel.
    pub const ALL: [&str; 3] = [EMAIL, SMS, WEBHOOK];

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
