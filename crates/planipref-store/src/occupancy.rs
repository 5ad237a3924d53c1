//! A guichet's time, as bookings and holds take it: one occupancy row per
//! 5-minute unit, under a primary key that admits one holder; the
//! guichet's row lock, shared by its bookings and taken alone by
//! administrative changes; and its booking counter, which marks its site's
//! cached availability stale. Together they keep "a guichet is never
//! booked twice" true under any concurrency, across servers.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use planipref_domain::channel::Channel;
use planipref_domain::ids::MotifId;
use planipref_domain::occupancy::units;
use planipref_domain::plage::plages_cover;

use crate::db::{AnyConnection, insert_batch, on_backend};
use crate::models::*;
use crate::schema::*;
use crate::{StoreError, from_db, to_db};

/// Who takes a guichet's time.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Holder<'a> {
    /// A reservation, until cancelled.
    Reservation(&'a str),
    /// A hold, until it expires.
    Hold(&'a str, chrono::NaiveDateTime),
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
    /// 0: the guichet's own time; 1: an over-booked place's extra units
    /// (see [`crate::overbooking`]).
    pub lane: i16,
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
            lane: slot.lane,
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
                .on_conflict((
                    guichet_occupancy::guichet_id,
                    guichet_occupancy::unit_start,
                    guichet_occupancy::lane,
                ))
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
                    .filter(guichet_occupancy::lane.eq(slot.lane))
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

/// Keeps a reservation's former time (its occupancy rows already deleted)
/// taken until `release_at` by a hold nobody can confirm (its id is never
/// given out), so that a cancelled or moved slot returns to the public at
/// a moment nobody knows in advance: the reseller's "cancel while the
/// buyer books" hand-off fails. Units the reservation now occupies again
/// (`now_at`: its new time, when moved) are left to it. Nothing when
/// `release_at` is not after `now`: the time is free at once.
pub(crate) fn keep_until_release(
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
        // An extra place waits for its release as an extra place.
        overbooked: former.overbooked,
        file_key: None,
        file_check_status: None,
    };
    let lane = i16::from(former.overbooked);
    diesel::insert_into(holds::table).values(&hold).execute(c)?;
    let taken_again: Vec<chrono::NaiveDateTime> = match now_at {
        Some(slot) if slot.guichet_id == former.guichet_id && slot.lane == lane => {
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
            lane,
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
