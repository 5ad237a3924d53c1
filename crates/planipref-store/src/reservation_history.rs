//! A reservation's history (who did what, with the values before and
//! after) and the flag asking its applicant to book again: the writes every
//! change to an appointment shares, wherever the change comes from.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::models::*;
use crate::outbox::{Owed, cancel_pending, kind, owe_applicant};
use crate::schema::*;
use crate::{StoreError, to_db};

/// Appends an entry to a reservation's history.
pub(crate) fn record_event(
    c: &mut AnyConnection,
    reservation_id: &str,
    actor: &str,
    action: &str,
    detail: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    record_change(
        c,
        reservation_id,
        (actor, action, detail),
        (None, None),
        now,
    )
}

/// Appends an entry to a reservation's history, with the values before
/// and after the change (JSON objects).
pub(crate) fn record_change(
    c: &mut AnyConnection,
    reservation_id: &str,
    (actor, action, detail): (&str, &str, Option<&str>),
    (previous, current): (Option<String>, Option<String>),
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::insert_into(reservation_events::table)
        .values(ReservationEventRow {
            id: uuid::Uuid::new_v4().to_string(),
            reservation_id: reservation_id.to_owned(),
            occurred_at: to_db(now),
            actor: actor.to_owned(),
            action: action.to_owned(),
            detail: detail.map(str::to_owned),
            previous,
            current,
        })
        .execute(c)?;
    Ok(())
}

/// A booked appointment's id, reference, motif and times.
pub(crate) type BookedTime = (
    String,
    String,
    String,
    chrono::NaiveDateTime,
    chrono::NaiveDateTime,
);

/// Marks a reservation to be re-booked and says why in its history.
pub(crate) fn flag_for_rebooking(
    c: &mut AnyConnection,
    id: &str,
    actor: &str,
    why: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::update(reservations::table.find(id))
        .set((
            reservations::needs_rebooking.eq(true),
            reservations::updated_at.eq(to_db(at)),
        ))
        .execute(c)?;
    record_event(c, id, actor, "flagged", Some(why), at)?;
    // It will not take place as booked: no reminder of it, and a message
    // asking to book again.
    for owed in [kind::REMINDER, kind::BOOKED, kind::MOVED] {
        cancel_pending(c, id, owed)?;
    }
    let flagged = Owed {
        kind: kind::NEEDS_REBOOKING,
        details: serde_json::json!({ "reason": why }),
        sealed: None,
        due_at: at,
    };
    owe_applicant(c, id, &flagged, at)
}
