//! What changes owe: the messages a booking, a move, a cancellation, a
//! flag, an absence or a convocation's withdrawal writes in its own
//! transaction, by the channels the person can be reached on.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::{About, NewMessage, OutboxRow, channel, enqueue, kind, status};
use crate::db::AnyConnection;
use crate::schema::outbox;
use crate::webhooks::owe_webhooks;
use crate::{StoreError, to_db};
use planipref_domain::messages::webhook::Event;

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
    end: DateTime<Utc>,
    site_id: String,
    motif_id: String,
    /// The motif's reminders, hours before the start.
    reminder_hours: Vec<u32>,
}

fn reach(c: &mut AnyConnection, reservation_id: &str) -> Result<Reach, StoreError> {
    use crate::schema::{motifs, reservations, sites};
    use planipref_domain::messages::reminders::DEFAULT_HOURS_BEFORE;
    type Row = (
        (String, String, String, String),
        (chrono::NaiveDateTime, chrono::NaiveDateTime),
        (String, String, String, String, String),
    );
    let (
        (email, phone, language, reference),
        (starts_at, ends_at),
        (site_id, motif_id, prefecture_code, zone, hours),
    ): Row = reservations::table
        .inner_join(sites::table.on(sites::id.eq(reservations::site_id)))
        .inner_join(motifs::table.on(motifs::id.eq(reservations::motif_id)))
        .filter(reservations::id.eq(reservation_id))
        .select((
            (
                reservations::email,
                reservations::phone,
                reservations::language,
                reservations::reference,
            ),
            (reservations::starts_at, reservations::ends_at),
            (
                reservations::site_id,
                reservations::motif_id,
                sites::prefecture_code,
                sites::time_zone,
                motifs::reminder_hours,
            ),
        ))
        .first(c)?;
    let mut channels = Vec::new();
    if !email.trim().is_empty() {
        channels.push(channel::EMAIL);
    }
    if let Some(mobile) = planipref_domain::messages::phone::mobile_e164(&phone)
        && !opted_out(c, &mobile)?
    {
        channels.push(channel::SMS);
    }
    Ok(Reach {
        channels,
        language,
        prefecture_code,
        time_zone: zone.parse().unwrap_or(chrono_tz::Europe::Paris),
        reference,
        start: crate::from_db(starts_at),
        end: crate::from_db(ends_at),
        site_id,
        motif_id,
        // See `MotifRow::reminder_list`.
        reminder_hours: serde_json::from_str(&hours)
            .unwrap_or_else(|_| DEFAULT_HOURS_BEFORE.to_vec()),
    })
}

/// Whether the owner of the mobile `e164` asked for no more SMS (under
/// the keyed hash, or the plain one of opt-outs written before).
fn opted_out(c: &mut AnyConnection, e164: &str) -> Result<bool, StoreError> {
    use crate::schema::sms_opt_outs;
    use planipref_domain::messages::{legacy_opt_out_key, opt_out_key};
    let keys = [
        opt_out_key(opt_out_secret(c)?.as_bytes(), e164),
        legacy_opt_out_key(e164),
    ];
    Ok(sms_opt_outs::table
        .filter(sms_opt_outs::phone_key.eq_any(&keys))
        .count()
        .get_result::<i64>(c)?
        > 0)
}

/// The deployment's secret for opt-out keys (written by a migration).
pub(crate) fn opt_out_secret(c: &mut AnyConnection) -> Result<String, StoreError> {
    Ok(crate::schema::secrets::table
        .find("sms_opt_out")
        .select(crate::schema::secrets::value)
        .first(c)?)
}

/// `messages` without their SMS when `phone`'s owner asked for none.
pub(crate) fn without_opted_out_sms(
    c: &mut AnyConnection,
    messages: &[NewMessage],
    phone: Option<&str>,
) -> Result<Vec<NewMessage>, StoreError> {
    let stopped = match phone.and_then(planipref_domain::messages::phone::mobile_e164) {
        Some(mobile) => opted_out(c, &mobile)?,
        None => false,
    };
    Ok(messages
        .iter()
        .filter(|m| !(stopped && m.channel == channel::SMS))
        .cloned()
        .collect())
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
    enqueue(c, &revoked, about, now)?;
    let reason = serde_json::json!({ "reason": reason });
    crate::webhooks::owe_convocation_webhooks(
        c,
        convocation_id,
        Event::ConvocationRevoked,
        reason,
        now,
    )
}

/// Writes what `owed` owes the applicant of `reservation_id`, in the
/// caller's transaction.
pub(crate) fn owe_applicant(
    c: &mut AnyConnection,
    reservation_id: &str,
    owed: &Owed<'_>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    owe(c, reservation_id, owed, false, now)
}

/// [`owe_applicant`], and the appointment's reminders (before its start,
/// in its site's time zone, never at night; see the domain's
/// `messages::reminders`): a booking, a move.
pub(crate) fn owe_with_reminders(
    c: &mut AnyConnection,
    reservation_id: &str,
    owed: &Owed<'_>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    owe(c, reservation_id, owed, true, now)
}

/// Only the reminders of reservation `reservation_id`: one brought from
/// the module Planipref replaces, whose applicant was confirmed there.
pub(crate) fn owe_reminders(
    c: &mut AnyConnection,
    reservation_id: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let reach = reach(c, reservation_id)?;
    let about = About {
        reservation_id: Some(reservation_id),
        convocation_id: None,
    };
    enqueue(c, &reminders(&reach, now), about, now)
}

/// The reminders owed to `reach`'s applicant from `now`.
fn reminders(reach: &Reach, now: DateTime<Utc>) -> Vec<NewMessage> {
    use planipref_domain::messages::reminders::reminder_times;
    reminder_times(reach.start, reach.time_zone, &reach.reminder_hours, now)
        .into_iter()
        .flat_map(|due_at| {
            let reminder = Owed {
                kind: kind::REMINDER,
                details: serde_json::json!({}),
                sealed: None,
                due_at,
            };
            messages_for(reach, &reminder)
        })
        .collect()
}

fn owe(
    c: &mut AnyConnection,
    reservation_id: &str,
    owed: &Owed<'_>,
    with_reminders: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let reach = reach(c, reservation_id)?;
    let mut messages = messages_for(&reach, owed);
    if with_reminders {
        messages.extend(reminders(&reach, now));
    }
    let about = About {
        reservation_id: Some(reservation_id),
        convocation_id: None,
    };
    enqueue(c, &messages, about, now)?;
    match Event::of_kind(owed.kind) {
        Some(event) => owe_webhooks(
            c,
            &reach.prefecture_code,
            event,
            event_data(&reach, owed),
            about,
            now,
        ),
        None => Ok(()),
    }
}

/// What a préfecture's systems hear of a change to an appointment: its
/// reference, times, site and motif, and what the change adds (a reason,
/// the previous start); never the applicant's name or contact details.
fn event_data(reach: &Reach, owed: &Owed<'_>) -> serde_json::Value {
    let mut data = serde_json::json!({
        "reference": reach.reference,
        "start": reach.start.to_rfc3339(),
        "end": reach.end.to_rfc3339(),
        "site_id": reach.site_id,
        "motif_id": reach.motif_id,
    });
    if let (Some(map), Some(details)) = (data.as_object_mut(), owed.details.as_object()) {
        map.extend(details.clone());
    }
    data
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
