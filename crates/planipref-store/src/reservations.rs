//! Booking, cancelling and moving appointments, and their history: the
//! transactions that keep "a guichet is never booked twice" true under any
//! concurrency. How they take a guichet's time is in [`crate::occupancy`];
//! the checks on the person booking, in [`crate::person_guards`].

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use planipref_domain::applicant::{Applicant, PERSON_KEYS_VERSION};
use planipref_domain::ids::{GuichetId, MotifId, ReservationId, SiteId};
use planipref_domain::reference::Reference;

use crate::db::{AnyConnection, write_transaction};
use crate::models::*;
use crate::occupancy::{
    GuichetSlot, Holder, count_booking, keep_until_release, lock_open_guichet, occupy,
    share_guichet,
};
use crate::origin::{Origin, record_booked};
use crate::outbox::{Owed, cancel_pending, kind, owe_applicant, owe_with_reminders};
use crate::overbooking::take_extra_place;
use crate::person_guards::guard_person;
use crate::reservation_history::{record_change, record_event};
use crate::schema::*;
use crate::{Store, StoreError, from_db, to_db};

/// How many fresh references to try when one is already taken (31⁸ values:
/// a second collision in a row means something else is wrong).
pub(crate) const REFERENCE_ATTEMPTS: usize = 5;

/// A reservation about to be written.
#[derive(Debug, Clone)]
pub struct NewReservation {
    /// The site of the appointment.
    pub site_id: SiteId,
    /// The motif booked.
    pub motif_id: MotifId,
    /// Start of the appointment.
    pub start: DateTime<Utc>,
    /// End of the appointment.
    pub end: DateTime<Utc>,
    /// Who comes.
    pub applicant: Applicant,
    /// SHA-256 of the management token given to the applicant.
    pub token_hash: String,
    /// Who books (`applicant`, later `agent:<sub>`), for the history.
    pub actor: String,
    /// The time of booking.
    pub now: DateTime<Utc>,
    /// The site's time zone, in which plages are read.
    pub time_zone: chrono_tz::Tz,
    /// Persons coming.
    pub persons: u32,
    /// The démarche booked, for doublons (the motif's code, or
    /// `motif:<id>` when it has none).
    pub demarche_code: String,
    /// Whether a second active reservation of the same person for the same
    /// démarche is refused (the motif's setting).
    pub refuse_doublons: bool,
    /// The convocation presented, used by the booking (checked again
    /// under its lock).
    pub convocation: Option<crate::ConvocationUse>,
    /// Most coming appointments the person may hold across démarches
    /// (the site's préfecture's limit).
    pub max_active_per_person: u32,
    /// How it is made: online (the default), by an agent, a walk-in.
    pub origin: Origin,
    /// The applicant's language for their messages (`fr`, `en`).
    pub language: String,
    /// The management token, sealed with the outbox key, for the
    /// confirmation's link (the only place it is kept, erased once sent);
    /// `None`: no confirmation carries it.
    pub sealed_token: Option<String>,
    /// An over-booked place of the motif's day: units in lane 1, bounded.
    pub extra: Option<crate::ExtraPlace>,
    /// What its démarche's file check found, when it asks for one.
    pub file_check: Option<planipref_domain::file_check::CheckedFile>,
}

/// Where a reservation moves, and who moves it.
#[derive(Debug, Clone, Copy)]
pub struct Move<'a> {
    /// Its motif (unchanged).
    pub motif_id: MotifId,
    /// New start.
    pub start: DateTime<Utc>,
    /// New end.
    pub end: DateTime<Utc>,
    /// The site's zone, in which plages are read.
    pub time_zone: chrono_tz::Tz,
    /// `applicant` or `agent:<sub>`.
    pub actor: &'a str,
    /// Why, when an agent moves it.
    pub reason: Option<&'a str>,
    /// The time of the move.
    pub now: DateTime<Utc>,
    /// When the old time is offered again (at once when not after `now`).
    pub release_at: DateTime<Utc>,
}

/// A reservation with what an applicant needs to find their way.
#[derive(Debug, Clone)]
pub struct ReservationDetail {
    /// The reservation.
    pub reservation: ReservationRow,
    /// Its motif.
    pub motif: MotifRow,
    /// Its site.
    pub site: SiteRow,
}

impl Store {
    /// Books the first of `candidates` (guichets the engine found free)
    /// that is still free when the row is written.
    ///
    /// Each attempt is one transaction writing the reservation, one
    /// occupancy row per 5-minute unit, and the history entry. If another
    /// booking took any of those units first, the occupancy primary key
    /// keeps them out (see `occupy`), the transaction rolls back whole,
    /// and the next guichet is tried. `SlotTaken` when none is left.
    pub fn create_reservation(
        &self,
        new: &NewReservation,
        candidates: &[GuichetId],
        next_reference: impl FnMut() -> Reference,
    ) -> Result<ReservationRow, StoreError> {
        let at = |g: &GuichetId| (*g, new.start, new.end);
        let candidates: Vec<_> = candidates.iter().map(at).collect();
        self.create_at_first(new, &candidates, next_reference)
    }

    /// Books the first of `candidates` (a guichet and times each: a
    /// walk-in's choices) still free when the row is written, as
    /// [`Store::create_reservation`] does.
    pub fn create_at_first(
        &self,
        new: &NewReservation,
        candidates: &[(GuichetId, DateTime<Utc>, DateTime<Utc>)],
        mut next_reference: impl FnMut() -> Reference,
    ) -> Result<ReservationRow, StoreError> {
        let mut pooled = self.conn()?;
        let conn: &mut AnyConnection = &mut pooled;
        for &(guichet, start, end) in candidates {
            let new = &NewReservation {
                start,
                end,
                ..new.clone()
            };
            let mut reference_attempts = 0;
            loop {
                let row = reservation_row(new, guichet, &next_reference());
                match write_transaction(conn, |c| insert_booking(c, &row, new)) {
                    Ok(()) => return Ok(row),
                    // A unit taken first (see `occupy`), or the guichet
                    // changed since the slot was computed.
                    Err(e) if e.is_duplicate_on("guichet_occupancy") => break,
                    Err(StoreError::Stale) => break,
                    Err(e)
                        if worth_another_attempt(&e)
                            && reference_attempts + 1 < REFERENCE_ATTEMPTS =>
                    {
                        reference_attempts += 1;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Err(StoreError::SlotTaken)
    }

    /// A reservation by its reference, with its motif and site.
    pub fn find_reservation(&self, reference: &Reference) -> Result<ReservationDetail, StoreError> {
        let (reservation, motif, site) = reservations::table
            .inner_join(motifs::table)
            .inner_join(sites::table.on(sites::id.eq(reservations::site_id)))
            .filter(reservations::reference.eq(reference.as_str()))
            .select((
                ReservationRow::as_select(),
                MotifRow::as_select(),
                SiteRow::as_select(),
            ))
            .first(&mut **self.conn()?)?;
        Ok(ReservationDetail {
            reservation,
            motif,
            site,
        })
    }

    /// Cancels a booked reservation and frees its guichet time at
    /// `release_at` (at once when not after `now`; until then nobody can
    /// book it), recording who did it. Cancelling an already cancelled one
    /// changes nothing.
    pub fn cancel_reservation(
        &self,
        id: ReservationId,
        (actor, reason): (&str, Option<&str>),
        now: DateTime<Utc>,
        release_at: DateTime<Utc>,
    ) -> Result<ReservationRow, StoreError> {
        let id = id.to_string();
        let mut pooled = self.conn()?;
        let conn: &mut AnyConnection = &mut pooled;
        write_transaction(conn, |c| {
            let changed = diesel::update(
                reservations::table
                    .filter(reservations::id.eq(&id))
                    .filter(reservations::status.eq(status::BOOKED)),
            )
            .set((
                reservations::status.eq(status::CANCELLED),
                reservations::cancelled_at.eq(Some(to_db(now))),
                reservations::updated_at.eq(to_db(now)),
            ))
            .execute(c)?;
            let row: ReservationRow = reservations::table
                .find(&id)
                .select(ReservationRow::as_select())
                .first(c)?;
            if changed == 1 {
                // An administrative change of the guichet (a closure
                // flagging its appointments) waits for the cancellation.
                share_guichet(c, &row.guichet_id)?;
                diesel::delete(
                    guichet_occupancy::table.filter(guichet_occupancy::reservation_id.eq(&id)),
                )
                .execute(c)?;
                keep_until_release(c, &row, None, (now, release_at))?;
                record_event(c, &id, actor, "cancelled", reason, now)?;
                // Nothing owed about it goes out any more (a confirmation
                // still waiting for a retry included), but the cancellation.
                for owed in [kind::REMINDER, kind::BOOKED, kind::MOVED] {
                    cancel_pending(c, &id, owed)?;
                }
                let cancelled = Owed {
                    kind: kind::CANCELLED,
                    details: serde_json::json!({
                        "by_agent": actor.starts_with("agent:"),
                        "reason": reason,
                    }),
                    sealed: None,
                    due_at: now,
                };
                owe_applicant(c, &id, &cancelled, now)?;
                // Cached availability of its site is stale.
                count_booking(c, &row.guichet_id)?;
            }
            Ok(row)
        })
    }

    /// Moves a booked reservation to `[start, end)` on the first of
    /// `candidates` still free, in one transaction per attempt: the old
    /// time is freed only in the transaction that takes the new one, so a
    /// failed move leaves the appointment where it was. `SlotTaken` when no
    /// candidate is left; `NotFound` when the reservation is not booked
    /// (any more). The move is recorded with the times before and after.
    pub fn reschedule_reservation(
        &self,
        id: ReservationId,
        to: &Move<'_>,
        candidates: &[GuichetId],
    ) -> Result<ReservationRow, StoreError> {
        let id = id.to_string();
        let mut pooled = self.conn()?;
        let conn: &mut AnyConnection = &mut pooled;
        for guichet in candidates {
            let guichet = guichet.to_string();
            let moved = write_transaction(conn, |c| {
                // Locks in one order for every writer, so that two of them
                // never wait on each other: the reservation first (as a
                // cancellation does), then its old and new guichets by id
                // (bookings lock one guichet).
                let locked = diesel::update(
                    reservations::table
                        .filter(reservations::id.eq(&id))
                        .filter(reservations::status.eq(status::BOOKED)),
                )
                .set(reservations::updated_at.eq(to_db(to.now)))
                .execute(c)?;
                if locked == 0 {
                    return Err(StoreError::NotFound);
                }
                let before: ReservationRow = reservations::table
                    .find(&id)
                    .select(ReservationRow::as_select())
                    .first(c)?;
                let slot = GuichetSlot {
                    site_id: &before.site_id,
                    motif_id: to.motif_id,
                    guichet_id: &guichet,
                    start: to.start,
                    end: to.end,
                    time_zone: to.time_zone,
                    online: !to.actor.starts_with("agent:"),
                    lane: 0, // a move takes the guichet's own time
                };
                // Both guichets by id: an administrative change of either
                // (a closure flagging its appointments) waits for the move.
                let old = before.guichet_id.as_str();
                if old < guichet.as_str() {
                    share_guichet(c, old)?;
                }
                lock_open_guichet(c, &slot)?;
                if old > guichet.as_str() {
                    share_guichet(c, old)?;
                }
                // The old units go first (the new time may overlap them on
                // the same guichet); should the new ones be taken, the
                // transaction rolls back and the old ones come back.
                diesel::delete(
                    guichet_occupancy::table.filter(guichet_occupancy::reservation_id.eq(&id)),
                )
                .execute(c)?;
                occupy(c, &slot, Holder::Reservation(&id), to.now)?;
                keep_until_release(c, &before, Some(&slot), (to.now, to.release_at))?;
                diesel::update(reservations::table.find(&id))
                    .set((
                        reservations::guichet_id.eq(&guichet),
                        reservations::starts_at.eq(to_db(to.start)),
                        reservations::ends_at.eq(to_db(to.end)),
                        reservations::updated_at.eq(to_db(to.now)),
                        reservations::needs_rebooking.eq(false),
                        reservations::overbooked.eq(false),
                    ))
                    .execute(c)?;
                let times = |start: chrono::NaiveDateTime, end: chrono::NaiveDateTime| {
                    serde_json::json!({
                        "start": from_db(start).to_rfc3339(),
                        "end": from_db(end).to_rfc3339(),
                    })
                    .to_string()
                };
                record_change(
                    c,
                    &id,
                    (to.actor, "rescheduled", to.reason),
                    (
                        Some(times(before.starts_at, before.ends_at)),
                        Some(times(to_db(to.start), to_db(to.end))),
                    ),
                    to.now,
                )?;
                cancel_pending(c, &id, kind::REMINDER)?;
                let moved = Owed {
                    kind: kind::MOVED,
                    details: serde_json::json!({
                        "previous_start": from_db(before.starts_at).to_rfc3339(),
                        "by_agent": to.actor.starts_with("agent:"),
                        "reason": to.reason,
                    }),
                    sealed: None,
                    due_at: to.now,
                };
                owe_with_reminders(c, &id, &moved, to.now)?;
                let moved: ReservationRow = reservations::table
                    .find(&id)
                    .select(ReservationRow::as_select())
                    .first(c)?;
                // Cached availability of the old and new guichets' sites
                // is stale.
                let mut counted = [before.guichet_id.as_str(), guichet.as_str()];
                counted.sort_unstable();
                count_booking(c, counted[0])?;
                if counted[1] != counted[0] {
                    count_booking(c, counted[1])?;
                }
                Ok(moved)
            });
            match moved {
                Ok(row) => return Ok(row),
                Err(e) if e.is_duplicate_on("guichet_occupancy") => {}
                Err(StoreError::Stale) => {}
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::SlotTaken)
    }

    /// A site's reservations starting within `[from, to)`, earliest first,
    /// with their motif and how they were made; only those of `status`
    /// when given.
    pub fn site_reservations(
        &self,
        site_id: &str,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
        only: Option<&str>,
        (offset, limit): (i64, i64),
    ) -> Result<crate::Page<(ReservationRow, MotifRow, Option<CounterRow>)>, StoreError> {
        let mut pooled = self.conn()?;
        let conn: &mut AnyConnection = &mut pooled;
        let filtered = || {
            let mut q = reservations::table
                .inner_join(motifs::table)
                .left_join(reservation_counter::table)
                .filter(reservations::site_id.eq(site_id.to_owned()))
                .filter(reservations::starts_at.ge(to_db(from)))
                .filter(reservations::starts_at.lt(to_db(to)))
                .into_boxed();
            if let Some(status) = only {
                q = q.filter(reservations::status.eq(status.to_owned()));
            }
            q
        };
        let total = filtered().count().get_result(conn)?;
        let items = filtered()
            .order((reservations::starts_at, reservations::reference))
            .offset(offset)
            .limit(limit)
            .select((
                ReservationRow::as_select(),
                MotifRow::as_select(),
                Option::<CounterRow>::as_select(),
            ))
            .load(conn)?;
        Ok(crate::Page { items, total })
    }

    /// A reservation's history, oldest first.
    pub fn reservation_events(
        &self,
        id: ReservationId,
    ) -> Result<Vec<ReservationEventRow>, StoreError> {
        reservation_events::table
            .filter(reservation_events::reservation_id.eq(id.to_string()))
            .order((reservation_events::occurred_at, reservation_events::id))
            .select(ReservationEventRow::as_select())
            .load(&mut **self.conn()?)
            .map_err(StoreError::from)
    }
}

pub(crate) fn reservation_row(
    new: &NewReservation,
    guichet: GuichetId,
    reference: &Reference,
) -> ReservationRow {
    let a = &new.applicant;
    let keys = a.person_keys();
    let now = to_db(new.now);
    ReservationRow {
        id: ReservationId::new_random().to_string(),
        reference: reference.as_str().to_owned(),
        token_hash: new.token_hash.clone(),
        site_id: new.site_id.to_string(),
        motif_id: new.motif_id.to_string(),
        guichet_id: guichet.to_string(),
        starts_at: to_db(new.start),
        ends_at: to_db(new.end),
        status: status::BOOKED.to_owned(),
        last_name: a.last_name.clone(),
        first_names: a.first_names.clone(),
        birth_date: a.birth_date,
        email: a.email.clone(),
        phone: a.phone.clone(),
        created_at: now,
        updated_at: now,
        cancelled_at: None,
        needs_rebooking: false,
        persons: i32::try_from(new.persons).unwrap_or(i32::MAX),
        nationality: a.nationality.clone(),
        file_number: a.file_number.clone(),
        person_key: Some(keys.identity),
        demarche_code: Some(new.demarche_code.clone()),
        convocation_id: new.convocation.as_ref().map(|c| c.id.clone()),
        file_key: keys.file,
        key_version: PERSON_KEYS_VERSION,
        overbooked: new.extra.is_some(),
    }
}

fn insert_booking(
    c: &mut AnyConnection,
    row: &ReservationRow,
    new: &NewReservation,
) -> Result<(), StoreError> {
    // The person's guards and the convocation's first (see
    // `guard_person`), then the guichet (see `lock_open_guichet`); the new
    // rows after it, as their foreign keys share the rows an
    // administrative deletion takes alone.
    guard_person(c, row, new)?;
    use_presented_convocation(c, new)?;
    let slot = GuichetSlot {
        site_id: &row.site_id,
        motif_id: new.motif_id,
        guichet_id: &row.guichet_id,
        start: new.start,
        end: new.end,
        time_zone: new.time_zone,
        // Walk-in counters take walk-ins only.
        online: new.origin.walk_in_day.is_none(),
        lane: i16::from(new.extra.is_some()),
    };
    lock_open_guichet(c, &slot)?;
    take_extra_place(c, &row.motif_id, new.extra.as_ref(), new.now)?;
    diesel::insert_into(reservations::table)
        .values(row)
        .execute(c)?;
    record_event(c, &row.id, &new.actor, "created", None, new.now)?;
    record_booked(c, row, new)?;
    occupy(c, &slot, Holder::Reservation(&row.id), new.now)?;
    count_booking(c, &row.guichet_id)
}

/// Uses the convocation `new` presents, if any (see
/// [`crate::convocations::use_convocation`]), for its appointment's local
/// day.
pub(crate) fn use_presented_convocation(
    c: &mut AnyConnection,
    new: &NewReservation,
) -> Result<(), StoreError> {
    let Some(convocation) = &new.convocation else {
        return Ok(());
    };
    let day = new.start.with_timezone(&new.time_zone).date_naive();
    crate::convocations::use_convocation(
        c,
        &convocation.id,
        &new.applicant,
        (new.motif_id, day),
        new.now,
    )
}

/// Whether a booking transaction that failed may simply run again: a
/// reference drawn twice.
pub(crate) fn worth_another_attempt(e: &StoreError) -> bool {
    // PostgreSQL names the constraint; SQLite names table.column.
    e.is_duplicate_on("reservations_reference_key") || e.is_duplicate_on("reservations.reference")
}
