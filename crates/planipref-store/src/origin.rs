//! How a reservation was made, when not online by its applicant: the
//! channel, who booked for whom, a walk-in's ticket, an agent's daily
//! count. Written in the booking's own transaction (see
//! [`crate::reservations`]).

use diesel::prelude::*;

use crate::db::{AnyConnection, on_backend};
use crate::models::*;
use crate::outbox::{Owed, kind, owe_reminders, owe_with_reminders};
use crate::reservations::NewReservation;
use crate::schema::*;
use crate::{StoreError, to_db};

/// How a reservation is made, when not online by the applicant.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The channel (`web` by default; `convocation` is recorded by itself
    /// when a convocation is used online).
    pub channel: planipref_domain::channel::BookingChannel,
    /// The intermediary's organisation.
    pub organisation: Option<String>,
    /// How the person was reached, when booked without contact details.
    pub contact_note: Option<String>,
    /// A walk-in: present now, given the next ticket of this local day.
    pub walk_in_day: Option<chrono::NaiveDate>,
    /// An agent booking for someone: the most they may book in a UTC day.
    pub agent_cap: Option<u32>,
    /// Brought from the module Planipref replaces (its line, recorded with
    /// the booking): its applicant was confirmed there, so no confirmation
    /// is owed (reminders are).
    pub imported: Option<crate::imports::ImportedFrom>,
}

impl NewReservation {
    /// The channel the reservation is recorded under: the origin's, or
    /// `convocation` when a convocation is used online.
    pub fn channel(&self) -> planipref_domain::channel::BookingChannel {
        use planipref_domain::channel::BookingChannel;
        match self.origin.channel {
            BookingChannel::Web if self.convocation.is_some() => BookingChannel::Convocation,
            other => other,
        }
    }
}

/// Writes how the reservation was made; a walk-in's ticket and an agent's
/// daily count are raised here, in the booking's transaction (the last
/// rows it locks), so that they stay exact under any concurrency.
pub(crate) fn record_origin(
    c: &mut AnyConnection,
    row: &ReservationRow,
    new: &NewReservation,
) -> Result<(), StoreError> {
    use planipref_domain::attendance::Status;
    let origin = &new.origin;
    let channel = new.channel();
    if let Some(cap) = origin.agent_cap {
        count_agent_booking(c, &new.actor, new.now.date_naive(), cap)?;
    }
    let ticket = match origin.walk_in_day {
        Some(day) => Some(next_ticket(c, &row.site_id, day)?),
        None => None,
    };
    let now = to_db(new.now);
    let (status, arrived) = match ticket {
        Some(_) => (Status::CheckedIn, Some(now)),
        None => (Status::Booked, None),
    };
    diesel::update(reservations::table.find(&row.id))
        .set((
            reservations::channel.eq(channel.code()),
            reservations::status.eq(status.code()),
            reservations::language.eq(&new.language),
        ))
        .execute(c)?;
    diesel::insert_into(reservation_counter::table)
        .values((
            reservation_counter::reservation_id.eq(&row.id),
            reservation_counter::booked_by.eq(&new.actor),
            reservation_counter::organisation.eq(&origin.organisation),
            reservation_counter::contact_note.eq(&origin.contact_note),
            reservation_counter::ticket.eq(ticket),
            reservation_counter::arrived_at.eq(arrived),
            reservation_counter::file_check_system.eq(new.file_check.map(|f| f.system.code())),
            reservation_counter::file_check_status.eq(new.file_check.map(|f| f.checked.code())),
            reservation_counter::ds_dossier_number
                .eq(new.convocation.as_ref().and_then(|c| c.ds_dossier_number)),
        ))
        .execute(c)?;
    Ok(())
}

/// The next walk-in ticket of a site's local day.
fn next_ticket(
    c: &mut AnyConnection,
    site_id: &str,
    day: chrono::NaiveDate,
) -> Result<i32, StoreError> {
    on_backend!(c, |c| diesel::insert_into(walk_in_tickets::table)
        .values((
            walk_in_tickets::site_id.eq(site_id),
            walk_in_tickets::day.eq(day),
            walk_in_tickets::last_ticket.eq(1),
        ))
        .on_conflict((walk_in_tickets::site_id, walk_in_tickets::day))
        .do_update()
        .set(walk_in_tickets::last_ticket.eq(walk_in_tickets::last_ticket + 1))
        .execute(c))?;
    Ok(walk_in_tickets::table
        .find((site_id, day))
        .select(walk_in_tickets::last_ticket)
        .first(c)?)
}

/// Counts one more booking by `actor` on `day`, refused (`AgentCap`) past
/// `cap`: the count is rolled back with the booking.
fn count_agent_booking(
    c: &mut AnyConnection,
    actor: &str,
    day: chrono::NaiveDate,
    cap: u32,
) -> Result<(), StoreError> {
    on_backend!(c, |c| diesel::insert_into(agent_bookings::table)
        .values((
            agent_bookings::actor.eq(actor),
            agent_bookings::day.eq(day),
            agent_bookings::count.eq(1),
        ))
        .on_conflict((agent_bookings::actor, agent_bookings::day))
        .do_update()
        .set(agent_bookings::count.eq(agent_bookings::count + 1))
        .execute(c))?;
    let count: i32 = agent_bookings::table
        .find((actor, day))
        .select(agent_bookings::count)
        .first(c)?;
    if u32::try_from(count).unwrap_or(u32::MAX) > cap {
        return Err(StoreError::AgentCap(cap));
    }
    Ok(())
}

/// What every new reservation writes beside its row, in its transaction
/// (booked directly or from a hold): how it was made, and the messages it
/// owes (a confirmation and reminders; nothing for a walk-in, who is
/// there).
pub(crate) fn record_booked(
    c: &mut AnyConnection,
    row: &ReservationRow,
    new: &NewReservation,
) -> Result<(), StoreError> {
    record_origin(c, row, new)?;
    if new.origin.walk_in_day.is_some() {
        return Ok(());
    }
    let booked = Owed {
        kind: kind::BOOKED,
        details: serde_json::json!({}),
        sealed: new.sealed_token.clone(),
        due_at: new.now,
    };
    if let Some(from) = &new.origin.imported {
        crate::imports::record_mapping(c, from, &row.id, new.now)?;
        return owe_reminders(c, &row.id, new.now);
    }
    owe_with_reminders(c, &row.id, &booked, new.now)
}
