//! Booking and cancelling: the transactions that keep "a guichet is never
//! booked twice" true under any concurrency.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use planipref_domain::applicant::{Applicant, PERSON_KEYS_VERSION};
use planipref_domain::channel::Channel;
use planipref_domain::ids::{GuichetId, MotifId, ReservationId, SiteId};
use planipref_domain::occupancy::units;
use planipref_domain::reference::Reference;
use planipref_domain::referentiel::plages_cover;

use crate::db::{AnyConnection, insert_batch, on_backend, touch_guard, write_transaction};
use crate::models::*;
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
}

/// What [`Store::booking_integrity`] found wrong (all zero when sound).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Integrity {
    /// Booked reservations overlapping the one before on their guichet.
    pub overlapping: i64,
    /// Booked reservations without exactly their occupancy units.
    pub incomplete: i64,
    /// Occupancy units of reservations not booked (or gone).
    pub orphaned: i64,
    /// Occupancy units of holds that would not lapse with their hold
    /// (another expiry written on them): a hold outliving its expiry.
    pub lingering: i64,
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

/// Who takes a guichet's time.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Holder<'a> {
    /// A reservation, until cancelled.
    Reservation(&'a str),
    /// A hold, until it expires.
    Hold(&'a str, chrono::NaiveDateTime),
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
        mut next_reference: impl FnMut() -> Reference,
    ) -> Result<ReservationRow, StoreError> {
        let mut pooled = self.conn()?;
        let conn: &mut AnyConnection = &mut pooled;
        for guichet in candidates {
            let mut reference_attempts = 0;
            loop {
                let row = reservation_row(new, *guichet, &next_reference());
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
    /// with their motif; only those of `status` when given.
    pub fn site_reservations(
        &self,
        site_id: &str,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
        only: Option<&str>,
        (offset, limit): (i64, i64),
    ) -> Result<crate::Page<(ReservationRow, MotifRow)>, StoreError> {
        let mut pooled = self.conn()?;
        let conn: &mut AnyConnection = &mut pooled;
        let filtered = || {
            let mut q = reservations::table
                .inner_join(motifs::table)
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
            .select((ReservationRow::as_select(), MotifRow::as_select()))
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

    /// Checks what the database guarantees about bookings (for tests and
    /// checks after a crash): no two booked reservations of one guichet
    /// overlap, every booked reservation holds exactly its occupancy units,
    /// and no unit belongs to a reservation that is not booked.
    pub fn booking_integrity(&self) -> Result<Integrity, StoreError> {
        use std::collections::HashMap;
        let mut pooled = self.conn()?;
        let conn: &mut AnyConnection = &mut pooled;
        let booked: Vec<(String, String, chrono::NaiveDateTime, chrono::NaiveDateTime)> =
            reservations::table
                .filter(reservations::status.eq(status::BOOKED))
                .order((reservations::guichet_id, reservations::starts_at))
                .select((
                    reservations::id,
                    reservations::guichet_id,
                    reservations::starts_at,
                    reservations::ends_at,
                ))
                .load(conn)?;
        let units_of: HashMap<Option<String>, i64> = guichet_occupancy::table
            .filter(guichet_occupancy::reservation_id.is_not_null())
            .group_by(guichet_occupancy::reservation_id)
            .select((guichet_occupancy::reservation_id, diesel::dsl::count_star()))
            .load::<(Option<String>, i64)>(conn)?
            .into_iter()
            .collect();
        let mut integrity = Integrity::default();
        for pair in booked.windows(2) {
            if pair[0].1 == pair[1].1 && pair[1].2 < pair[0].3 {
                integrity.overlapping += 1;
            }
        }
        for (id, _, start, end) in &booked {
            let expected = units(from_db(*start), from_db(*end)).len() as i64;
            if units_of.get(&Some(id.clone())).copied().unwrap_or(0) != expected {
                integrity.incomplete += 1;
            }
        }
        let booked_ids: std::collections::HashSet<&String> =
            booked.iter().map(|(id, ..)| id).collect();
        integrity.orphaned = units_of
            .iter()
            .filter(|(id, _)| id.as_ref().is_some_and(|id| !booked_ids.contains(id)))
            .map(|(_, n)| n)
            .sum();
        let hold_expiry: HashMap<String, chrono::NaiveDateTime> = holds::table
            .select((holds::id, holds::expires_at))
            .load(conn)?
            .into_iter()
            .collect();
        let hold_units: Vec<(Option<String>, Option<chrono::NaiveDateTime>)> =
            guichet_occupancy::table
                .filter(guichet_occupancy::hold_id.is_not_null())
                .select((guichet_occupancy::hold_id, guichet_occupancy::expires_at))
                .load(conn)?;
        integrity.lingering = hold_units
            .iter()
            .filter(|(hold, expires)| {
                hold.as_ref().and_then(|h| hold_expiry.get(h)) != expires.as_ref()
            })
            .count() as i64;
        Ok(integrity)
    }

    /// How many reservations exist, whatever their status (for tests and checks).
    pub fn count_reservations(&self) -> Result<i64, StoreError> {
        reservations::table
            .count()
            .get_result(&mut **self.conn()?)
            .map_err(StoreError::from)
    }

    /// How many reservations of a motif are booked (for tests and checks).
    pub fn count_booked(&self, motif_id: MotifId) -> Result<i64, StoreError> {
        reservations::table
            .filter(reservations::motif_id.eq(motif_id.to_string()))
            .filter(reservations::status.eq(status::BOOKED))
            .count()
            .get_result(&mut **self.conn()?)
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
        online: true,
    };
    lock_open_guichet(c, &slot)?;
    diesel::insert_into(reservations::table)
        .values(row)
        .execute(c)?;
    record_event(c, &row.id, &new.actor, "created", None, new.now)?;
    occupy(c, &slot, Holder::Reservation(&row.id), new.now)?;
    count_booking(c, &row.guichet_id)
}

/// Keeps a reservation's former time (its occupancy rows already deleted)
/// taken until `release_at` by a hold nobody can confirm (its id is never
/// given out), so that a cancelled or moved slot returns to the public at
/// a moment nobody knows in advance: the reseller's "cancel while the
/// buyer books" hand-off fails. Units the reservation now occupies again
/// (`now_at`: its new time, when moved) are left to it. Nothing when
/// `release_at` is not after `now`: the time is free at once.
fn keep_until_release(
    c: &mut AnyConnection,
    former: &ReservationRow,
    now_at: Option<&GuichetSlot<'_>>,
    (now, release_at): (DateTime<Utc>, DateTime<Utc>),
) -> Result<(), StoreError> {
    // Compared as stored (whole microseconds): a release within the same
    // microsecond is a release now.
    if to_db(release_at) <= to_db(now) || former.ends_at <= to_db(now) {
        return Ok(());
    }
    let hold = HoldRow {
        id: planipref_domain::ids::HoldId::new_random().to_string(),
        site_id: former.site_id.clone(),
        motif_id: former.motif_id.clone(),
        guichet_id: former.guichet_id.clone(),
        starts_at: former.starts_at,
        ends_at: former.ends_at,
        persons: former.persons,
        created_at: to_db(now),
        expires_at: to_db(release_at),
        convocation_id: None,
        client_key: None,
        purpose: hold_purpose::RELEASE.to_owned(),
    };
    diesel::insert_into(holds::table).values(&hold).execute(c)?;
    let taken_again: Vec<chrono::NaiveDateTime> = match now_at {
        Some(slot) if slot.guichet_id == former.guichet_id => {
            units(slot.start, slot.end).into_iter().map(to_db).collect()
        }
        _ => vec![],
    };
    let kept: Vec<OccupancyRow> = units(from_db(former.starts_at), from_db(former.ends_at))
        .into_iter()
        .map(to_db)
        .filter(|u| !taken_again.contains(u))
        .map(|unit_start| OccupancyRow {
            guichet_id: former.guichet_id.clone(),
            unit_start,
            reservation_id: None,
            hold_id: Some(hold.id.clone()),
            expires_at: Some(hold.expires_at),
        })
        .collect();
    insert_units(c, &kept)
}

/// Writes occupancy rows in one statement (a slot has at most a few dozen
/// units: far below SQLite's bound on parameters). A unit already taken
/// fails the whole statement (`Duplicate` on `guichet_occupancy`).
fn insert_units(c: &mut AnyConnection, rows: &[OccupancyRow]) -> Result<(), StoreError> {
    if !rows.is_empty() {
        insert_batch!(c, guichet_occupancy::table, rows)?;
    }
    Ok(())
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

/// A guichet's time about to be taken.
pub(crate) struct GuichetSlot<'a> {
    pub site_id: &'a str,
    pub motif_id: MotifId,
    pub guichet_id: &'a str,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub time_zone: chrono_tz::Tz,
    /// Taken online (by an applicant), where walk-in counters never are;
    /// `false` for an agent's move.
    pub online: bool,
}

/// Shares the lock of the guichet's row, which every administrative change
/// of its plages, motifs or closures takes alone (PostgreSQL's `FOR
/// SHARE`; SQLite's writers run one at a time anyway), so that the
/// organisation the slot was computed from cannot change before the
/// transaction ends, while bookings of the guichet run side by side (its
/// units' primary key keeps them apart). `Stale` when the guichet no
/// longer serves the motif there: inactive, turned walk-in (for an online
/// booking), no plage covering the appointment, or closed.
///
/// A booking that takes or frees time then calls [`count_booking`], last.
pub(crate) fn lock_open_guichet(
    c: &mut AnyConnection,
    slot: &GuichetSlot<'_>,
) -> Result<(), StoreError> {
    // A counter turned walk-in since the slot was placed takes no online
    // booking (no channel is named "": an agent's move excludes none).
    let excluded = if slot.online {
        Channel::WalkIn.code()
    } else {
        ""
    };
    let open = guichets::table
        .filter(guichets::id.eq(slot.guichet_id))
        .filter(guichets::active.eq(true))
        .filter(guichets::channel.ne(excluded))
        .select(guichets::id);
    let active = match &mut *c {
        AnyConnection::Postgresql(c) => open.for_share().load::<String>(c)?.len(),
        AnyConnection::Sqlite(c) => open.load::<String>(c)?.len(),
    };
    if active == 0 || !still_open(c, slot)? {
        return Err(StoreError::Stale);
    }
    Ok(())
}

/// Shares the lock of a guichet's row (see [`lock_open_guichet`]) without
/// checking it: for writers that free its time.
pub(crate) fn share_guichet(c: &mut AnyConnection, guichet: &str) -> Result<(), StoreError> {
    if let AnyConnection::Postgresql(c) = c {
        guichets::table
            .find(guichet)
            .select(guichets::id)
            .for_share()
            .load::<String>(c)?;
    }
    Ok(())
}

/// Counts a booking or cancellation of `guichet` (its site's cached
/// availability is stale), as the transaction's last statement: the
/// counter's row, which bookings of the guichet take one at a time, is
/// then held only while the transaction commits. Transactions counting
/// several guichets count them in the order of their ids.
pub(crate) fn count_booking(c: &mut AnyConnection, guichet: &str) -> Result<(), StoreError> {
    on_backend!(c, |c| diesel::insert_into(guichet_bookings::table)
        .values((
            guichet_bookings::guichet_id.eq(guichet),
            guichet_bookings::version.eq(1),
        ))
        .on_conflict(guichet_bookings::guichet_id)
        .do_update()
        .set(guichet_bookings::version.eq(guichet_bookings::version + 1))
        .execute(c))?;
    Ok(())
}

/// Writes one occupancy row per unit of the slot for `holder`. Units a
/// hold kept until an instant now past are taken over: an expired hold
/// stops counting at once, without waiting for the cleanup. A unit still
/// taken makes the primary key refuse it, and the caller's transaction
/// rolls back whole: on PostgreSQL fewer rows are written than units
/// (`Stale`, as for a booking whose guichet changed), on SQLite the insert
/// fails (`Duplicate` on `guichet_occupancy`); either way the next guichet
/// is tried.
pub(crate) fn occupy(
    c: &mut AnyConnection,
    slot: &GuichetSlot<'_>,
    holder: Holder<'_>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use diesel::upsert::excluded;
    let (reservation_id, hold_id, expires_at) = match holder {
        Holder::Reservation(id) => (Some(id.to_owned()), None, None),
        Holder::Hold(id, expires) => (None, Some(id.to_owned()), Some(expires)),
    };
    let rows: Vec<OccupancyRow> = units(slot.start, slot.end)
        .into_iter()
        .map(|unit_start| OccupancyRow {
            guichet_id: slot.guichet_id.to_owned(),
            unit_start: to_db(unit_start),
            reservation_id: reservation_id.clone(),
            hold_id: hold_id.clone(),
            expires_at,
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let written = match c {
        // One statement, `ON CONFLICT … DO UPDATE … WHERE`: one round trip
        // less than a delete and an insert. The filter is the upsert's own
        // (its `FilterDsl`), on the row already there; a reservation's
        // units never lapse (NULL is not before now).
        AnyConnection::Postgresql(c) => diesel::query_dsl::methods::FilterDsl::filter(
            diesel::insert_into(guichet_occupancy::table)
                .values(&rows)
                .on_conflict((guichet_occupancy::guichet_id, guichet_occupancy::unit_start))
                .do_update()
                .set((
                    guichet_occupancy::reservation_id
                        .eq(excluded(guichet_occupancy::reservation_id)),
                    guichet_occupancy::hold_id.eq(excluded(guichet_occupancy::hold_id)),
                    guichet_occupancy::expires_at.eq(excluded(guichet_occupancy::expires_at)),
                )),
            guichet_occupancy::expires_at.le(to_db(now)),
        )
        .execute(c)?,
        // Diesel builds no multi-row upsert for SQLite, where writers run
        // one at a time in-process anyway: lapsed units go, then all are
        // inserted (a unit still taken fails the insert).
        AnyConnection::Sqlite(_) => {
            let unit_starts: Vec<_> = rows.iter().map(|r| r.unit_start).collect();
            diesel::delete(
                guichet_occupancy::table
                    .filter(guichet_occupancy::guichet_id.eq(slot.guichet_id))
                    .filter(guichet_occupancy::unit_start.eq_any(&unit_starts))
                    .filter(guichet_occupancy::expires_at.le(to_db(now))),
            )
            .execute(c)?;
            insert_units(c, &rows)?;
            rows.len()
        }
    };
    if written == rows.len() {
        Ok(())
    } else {
        Err(StoreError::Stale)
    }
}

/// The checks on the person a booking is for: no second coming
/// appointment for the démarche when the motif refuses doublons
/// (`Doublon`), none beyond the préfecture's limit across démarches
/// (`Quota`). The person's coming appointments are those matching
/// *either* of their keys (see `planipref_domain::applicant::PersonKeys`):
/// the same names and birth date, or the same file number.
///
/// The guard rows of both keys (for the démarche, and for every démarche)
/// are written or touched first: their locks make simultaneous bookings
/// by one person, under either key, on any server, check one after the
/// other. They are taken before the guichet's, by every writer that takes
/// both (see `db::write_transaction` for the whole order).
pub(crate) fn guard_person(
    c: &mut AnyConnection,
    row: &ReservationRow,
    new: &NewReservation,
) -> Result<(), StoreError> {
    let Some(identity) = row.person_key.as_deref() else {
        return Ok(());
    };
    let file = row.file_key.as_deref();
    let demarche = row.demarche_code.as_deref().filter(|_| new.refuse_doublons);
    let mut guards: Vec<(&str, &str)> = [Some(identity), file]
        .into_iter()
        .flatten()
        .flat_map(|key| {
            [demarche, Some(EVERY_DEMARCHE)]
                .into_iter()
                .flatten()
                .map(move |scope| (key, scope))
        })
        .collect();
    // One order for every booking: two bookings sharing a key take their
    // common guard rows in the same order, and never wait on each other
    // in a cycle. No row comes twice (an identity key never equals a file
    // key: see `PersonKeys`), which PostgreSQL's one statement requires.
    guards.sort_unstable();
    lock_persons(c, &guards, new.now)?;
    // The person's coming appointments under either key, for the démarche
    // and overall, in one query (without a file number, `file_key = NULL`
    // matches nothing).
    let coming = reservations::table
        .filter(
            reservations::person_key
                .eq(identity)
                .or(reservations::file_key.eq(file)),
        )
        .filter(reservations::status.eq(status::BOOKED))
        .filter(reservations::ends_at.gt(to_db(new.now)))
        .filter(reservations::id.ne(&row.id));
    let (for_demarche, overall): (Option<i64>, Option<i64>) = diesel::select((
        coming
            .filter(reservations::demarche_code.eq(demarche.unwrap_or_default()))
            .count()
            .single_value(),
        coming.count().single_value(),
    ))
    .get_result(c)?;
    if demarche.is_some() && for_demarche.unwrap_or(0) > 0 {
        return Err(StoreError::Doublon);
    }
    let overall = u64::try_from(overall.unwrap_or(0)).unwrap_or(0);
    if planipref_domain::quota::may_book_another(overall, new.max_active_per_person) {
        Ok(())
    } else {
        Err(StoreError::Quota)
    }
}

/// The démarche code under which a person's guard row for all démarches
/// is kept (no catalogue code contains `*`).
const EVERY_DEMARCHE: &str = "*";

/// Locks the person's guard rows `(key, scope)` (a scope is a démarche, or
/// every one), in the order given, writing each the first time (see
/// [`crate::db::touch_guard`]).
fn lock_persons(
    c: &mut AnyConnection,
    guards: &[(&str, &str)],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use diesel::upsert::excluded;
    let row = |(key, scope): &(&str, &str)| {
        (
            person_guards::person_key.eq(key.to_string()),
            person_guards::demarche_code.eq(scope.to_string()),
            person_guards::touched_at.eq(to_db(now)),
        )
    };
    match c {
        // One statement: PostgreSQL writes (or touches) the rows of a
        // VALUES list one after the other, in its order.
        AnyConnection::Postgresql(c) => {
            diesel::insert_into(person_guards::table)
                .values(guards.iter().map(row).collect::<Vec<_>>())
                .on_conflict((person_guards::person_key, person_guards::demarche_code))
                .do_update()
                .set(person_guards::touched_at.eq(excluded(person_guards::touched_at)))
                .execute(c)?;
        }
        // Diesel builds no multi-row upsert for SQLite, where writers run
        // one at a time anyway.
        AnyConnection::Sqlite(_) => {
            for guard in guards {
                touch_guard!(
                    c,
                    person_guards::table,
                    (person_guards::person_key, person_guards::demarche_code),
                    row(guard),
                    person_guards::touched_at
                )?;
            }
        }
    }
    Ok(())
}

/// Whether the guichet still serves the motif, a plage still covers the
/// appointment, and no closure overlaps it.
fn still_open(c: &mut AnyConnection, slot: &GuichetSlot<'_>) -> Result<bool, StoreError> {
    use diesel::dsl::exists;
    // Whether it serves the motif, and whether a closure overlaps: one
    // query.
    let (serves, closed): (bool, bool) = diesel::select((
        exists(
            guichet_motifs::table
                .filter(guichet_motifs::guichet_id.eq(slot.guichet_id))
                .filter(guichet_motifs::motif_id.eq(slot.motif_id.to_string())),
        ),
        exists(
            fermetures::table
                .filter(fermetures::site_id.eq(slot.site_id))
                .filter(
                    fermetures::guichet_id
                        .is_null()
                        .or(fermetures::guichet_id.eq(slot.guichet_id)),
                )
                .filter(fermetures::starts_at.lt(to_db(slot.end)))
                .filter(fermetures::ends_at.gt(to_db(slot.start))),
        ),
    ))
    .get_result(c)?;
    if !serves || closed {
        return Ok(false);
    }
    let plages =
        crate::plages::working_plages_of(c, std::slice::from_ref(&slot.guichet_id.to_owned()))?;
    Ok(plages_cover(
        &plages,
        slot.motif_id,
        slot.time_zone,
        slot.start,
        slot.end,
    ))
}

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
    record_event(c, id, actor, "flagged", Some(why), at)
}

/// Whether a booking transaction that failed may simply run again: a
/// reference drawn twice.
pub(crate) fn worth_another_attempt(e: &StoreError) -> bool {
    // PostgreSQL names the constraint; SQLite names table.column.
    e.is_duplicate_on("reservations_reference_key") || e.is_duplicate_on("reservations.reference")
}
