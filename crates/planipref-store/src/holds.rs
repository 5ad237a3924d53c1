//! Holds: a slot kept for an applicant while they fill in the form.
//!
//! A hold takes its guichet's time exactly as a reservation does (the same
//! occupancy rows, under the same primary key), with its expiry written on
//! each row. Nothing has to run for an expired hold to stop counting: slot
//! searches read only live holds, and a booking or hold that needs an
//! expired hold's units replaces them in its own transaction
//! ([`crate::occupancy::occupy`]). The periodic cleanup only reclaims
//! space.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use planipref_domain::convocation::Refusal;
use planipref_domain::ids::{GuichetId, HoldId, MotifId, SiteId};
use planipref_domain::occupancy::units;
use planipref_domain::reference::Reference;

use crate::db::{AnyConnection, touch_guard, write_transaction};
use crate::models::*;
use crate::occupancy::{GuichetSlot, Holder, count_booking, lock_open_guichet, occupy};
use crate::origin::record_booked;
use crate::overbooking::take_extra_place;
use crate::person_guards::guard_person;
use crate::reservation_history::record_event;
use crate::reservations::{
    NewReservation, REFERENCE_ATTEMPTS, reservation_row, use_presented_convocation,
    worth_another_attempt,
};
use crate::schema::*;
use crate::{Store, StoreError, from_db, to_db};

/// How long an expired hold is kept before the cleanup deletes it:
/// meanwhile an applicant confirming it is told that it expired (410),
/// rather than that it never existed (404).
pub const EXPIRED_HOLDS_KEPT_MINUTES: i64 = 60;

/// What one run of [`Store::clean_up`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CleanUp {
    /// Holds (with their occupancy rows).
    pub holds: usize,
    /// Idempotency keys.
    pub idempotency_keys: usize,
}

/// A hold about to be written.
#[derive(Debug, Clone)]
pub struct NewHold {
    /// The site of the appointment.
    pub site_id: SiteId,
    /// The motif.
    pub motif_id: MotifId,
    /// Start of the appointment.
    pub start: DateTime<Utc>,
    /// End of the appointment (longer for a group when the motif says so).
    pub end: DateTime<Utc>,
    /// Persons coming.
    pub persons: u32,
    /// The time of the request.
    pub now: DateTime<Utc>,
    /// When the hold lapses.
    pub expires_at: DateTime<Utc>,
    /// The site's time zone, in which plages are read.
    pub time_zone: chrono_tz::Tz,
    /// The convocation presented, if any.
    pub convocation_id: Option<String>,
    /// Who asks (see [`Store::client_key`]), when known.
    pub client_key: Option<String>,
    /// Most live holds one client may have at once, on all servers
    /// together (0: no limit).
    pub max_client_holds: u32,
    /// An over-booked place of the motif's day (see
    /// [`NewReservation::extra`]).
    pub extra: Option<crate::ExtraPlace>,
    /// What its démarche's file check found, and for which file number
    /// (its file key), when it asks for one.
    pub file_check: Option<(String, planipref_domain::file_check::Checked)>,
}

/// Refuses a hold beyond the client's limit of live ones
/// (`TooManyHolds`, with how long until its first one lapses), after locking its
/// guard row: a client's simultaneous holds on several servers are
/// counted one after the other. Taken before the guichet's lock, always
/// (see `db::write_transaction` for the whole order).
fn guard_client(
    c: &mut AnyConnection,
    client: &str,
    max: u32,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if max == 0 {
        return Ok(());
    }
    touch_guard!(
        c,
        client_guards::table,
        client_guards::client_key,
        (
            client_guards::client_key.eq(client),
            client_guards::touched_at.eq(to_db(now)),
        ),
        client_guards::touched_at
    )?;
    let live: Vec<chrono::NaiveDateTime> = holds::table
        .filter(holds::client_key.eq(client))
        .filter(holds::purpose.eq(hold_purpose::APPLICANT))
        .filter(holds::expires_at.gt(to_db(now)))
        .select(holds::expires_at)
        .order(holds::expires_at)
        .load(c)?;
    if live.len() < usize::try_from(max).unwrap_or(usize::MAX) {
        return Ok(());
    }
    Err(StoreError::TooManyHolds(
        live.first().map_or(now, |t| from_db(*t)) - now,
    ))
}

/// Refuses a second live hold taken with one convocation (one slot at a
/// time: a convocation cannot keep its counters from others), after
/// locking its row (before the guichet's, as bookings do).
fn guard_convocation(
    c: &mut AnyConnection,
    convocation: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::update(convocations::table.find(convocation))
        .set(convocations::id.eq(convocations::id))
        .execute(c)?;
    let live: Option<chrono::NaiveDateTime> = holds::table
        .filter(holds::convocation_id.eq(convocation))
        .filter(holds::purpose.eq(hold_purpose::APPLICANT))
        .filter(holds::expires_at.gt(to_db(now)))
        .select(holds::expires_at)
        .order(holds::expires_at)
        .first(c)
        .optional()?;
    match live {
        None => Ok(()),
        Some(lapses) => Err(StoreError::ConvocationHolding(from_db(lapses) - now)),
    }
}

/// A hold, its row locked until the transaction ends (`NotFound` when
/// gone): releasing and confirming one hold take it first, then one waits
/// for the other and finds it gone, instead of each taking the units and
/// the row in another order.
fn locked_hold(c: &mut AnyConnection, id: &str) -> Result<HoldRow, StoreError> {
    let hold = holds::table.find(id);
    let row = match c {
        AnyConnection::Postgresql(c) => hold.select(HoldRow::as_select()).for_update().first(c)?,
        // SQLite's writers run one at a time.
        AnyConnection::Sqlite(c) => hold.select(HoldRow::as_select()).first(c)?,
    };
    Ok(row)
}

impl Store {
    /// Holds the first of `candidates` (guichets the engine found free)
    /// still free when the row is written: one transaction per attempt, as
    /// for a reservation. `SlotTaken` when none is left.
    pub fn create_hold(
        &self,
        new: &NewHold,
        candidates: &[GuichetId],
    ) -> Result<HoldRow, StoreError> {
        let mut pooled = self.conn()?;
        let conn: &mut AnyConnection = &mut pooled;
        for guichet in candidates {
            let row = HoldRow {
                id: HoldId::new_random().to_string(),
                site_id: new.site_id.to_string(),
                motif_id: new.motif_id.to_string(),
                guichet_id: guichet.to_string(),
                starts_at: to_db(new.start),
                ends_at: to_db(new.end),
                persons: i32::try_from(new.persons).unwrap_or(i32::MAX),
                created_at: to_db(new.now),
                expires_at: to_db(new.expires_at),
                convocation_id: new.convocation_id.clone(),
                client_key: new.client_key.clone(),
                purpose: hold_purpose::APPLICANT.to_owned(),
                overbooked: new.extra.is_some(),
                file_key: new.file_check.as_ref().map(|(key, _)| key.clone()),
                file_check_status: new.file_check.as_ref().map(|(_, c)| c.code().to_owned()),
            };
            let slot = GuichetSlot {
                site_id: &row.site_id,
                motif_id: new.motif_id,
                guichet_id: &row.guichet_id,
                start: new.start,
                end: new.end,
                time_zone: new.time_zone,
                online: true,
                lane: i16::from(row.overbooked),
            };
            let written = write_transaction(conn, |c| {
                // The guards first, then the guichet (see
                // `lock_open_guichet`); the hold's row after it, as its
                // foreign keys share the rows an administrative deletion
                // takes alone.
                if let Some(client) = &new.client_key {
                    guard_client(c, client, new.max_client_holds, new.now)?;
                }
                if let Some(convocation) = &new.convocation_id {
                    guard_convocation(c, convocation, new.now)?;
                }
                lock_open_guichet(c, &slot)?;
                take_extra_place(c, &row.motif_id, new.extra.as_ref(), new.now)?;
                diesel::insert_into(holds::table).values(&row).execute(c)?;
                occupy(c, &slot, Holder::Hold(&row.id, row.expires_at), new.now)?;
                count_booking(c, &row.guichet_id)
            });
            match written {
                Ok(()) => return Ok(row),
                Err(e) if e.is_duplicate_on("guichet_occupancy") => {}
                Err(StoreError::Stale) => {}
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::SlotTaken)
    }

    /// The key a client's holds are counted by on every server: a keyed
    /// hash of its address (see `planipref_domain::client::client_key`).
    pub fn client_key(&self, address: std::net::IpAddr) -> Result<String, StoreError> {
        // Read once per process: no connection is taken once it is known.
        let secret = match self.known_opening_secret() {
            Some(secret) => secret,
            None => self.with_conn(|c| self.opening_secret(c))?,
        };
        Ok(planipref_domain::client::client_key(
            secret.as_bytes(),
            address,
        ))
    }

    /// A hold, live or expired (`NotFound` once released, confirmed or
    /// cleaned up).
    pub fn find_hold(&self, id: HoldId) -> Result<HoldRow, StoreError> {
        holds::table
            .find(id.to_string())
            .select(HoldRow::as_select())
            .first(&mut **self.conn()?)
            .map_err(StoreError::from)
    }

    /// A hold, live or expired, with its motif, site and préfecture's
    /// rules: what confirming it needs, in one query (`NotFound` once
    /// released, confirmed or cleaned up).
    pub fn find_hold_to_confirm(
        &self,
        id: HoldId,
    ) -> Result<(HoldRow, MotifRow, SiteRow, PrefectureRulesRow), StoreError> {
        holds::table
            .inner_join(motifs::table.inner_join(
                services::table.inner_join(sites::table.inner_join(prefectures::table)),
            ))
            .filter(holds::id.eq(id.to_string()))
            .select((
                HoldRow::as_select(),
                MotifRow::as_select(),
                SiteRow::as_select(),
                PrefectureRulesRow::as_select(),
            ))
            .first(&mut **self.conn()?)
            .map_err(StoreError::from)
    }

    /// Releases an applicant's hold: nobody can confirm it any more, and
    /// its time is free at a moment drawn from `draw` before its expiry
    /// (`planipref_domain::release::given_up_hold_frees_at`): the holder
    /// cannot time a hand-off with it. `NotFound` when there is no such
    /// hold (any more).
    pub fn release_hold(
        &self,
        id: HoldId,
        now: DateTime<Utc>,
        draw: u64,
    ) -> Result<(), StoreError> {
        let id = id.to_string();
        let mut pooled = self.conn()?;
        write_transaction(&mut pooled, |c| {
            let hold = locked_hold(c, &id)?;
            if hold.purpose != hold_purpose::APPLICANT {
                return Err(StoreError::NotFound);
            }
            let frees_at = to_db(planipref_domain::release::given_up_hold_frees_at(
                now,
                from_db(hold.expires_at),
                draw,
            ));
            if frees_at <= to_db(now) {
                // Occupancy rows go with the hold (ON DELETE CASCADE).
                diesel::delete(holds::table.find(&id)).execute(c)?;
                // Cached availability of its site is stale.
                return count_booking(c, &hold.guichet_id);
            }
            // Kept under a new id nobody knows, until the drawn moment.
            let kept = HoldRow {
                id: HoldId::new_random().to_string(),
                created_at: to_db(now),
                expires_at: frees_at,
                convocation_id: None,
                client_key: None,
                purpose: hold_purpose::RELEASE.to_owned(),
                file_key: None,
                file_check_status: None,
                ..hold
            };
            diesel::insert_into(holds::table).values(&kept).execute(c)?;
            diesel::update(guichet_occupancy::table.filter(guichet_occupancy::hold_id.eq(&id)))
                .set((
                    guichet_occupancy::hold_id.eq(Some(&kept.id)),
                    guichet_occupancy::expires_at.eq(Some(frees_at)),
                ))
                .execute(c)?;
            diesel::delete(holds::table.find(&id)).execute(c)?;
            // Counted, though nothing is offered yet: the kept answers that
            // lapse with the first hold must now lapse with this one.
            count_booking(c, &kept.guichet_id)
        })
    }

    /// Turns a live hold into a reservation, its guichet and time kept:
    /// the reservation row is written, the hold's occupancy rows pass to
    /// it, and the hold goes. `new` gives the applicant (its start, end
    /// are ignored: the hold's count). `HoldExpired` when the hold lapsed,
    /// or lost any of its units to another booking after lapsing;
    /// `NotFound` when it is gone; `Doublon` when the person already has an
    /// appointment for the démarche; `SlotTaken` when the guichet no longer
    /// offers the time (closed or reorganised since the hold).
    pub fn confirm_hold(
        &self,
        id: HoldId,
        new: &NewReservation,
        mut next_reference: impl FnMut() -> Reference,
    ) -> Result<ReservationRow, StoreError> {
        let hold_id = id.to_string();
        let mut pooled = self.conn()?;
        let conn: &mut AnyConnection = &mut pooled;
        let mut attempts = 0;
        loop {
            let reference = next_reference();
            let result = write_transaction(conn, |c| {
                let hold = locked_hold(c, &hold_id)?;
                if from_db(hold.expires_at) <= new.now {
                    return Err(StoreError::HoldExpired);
                }
                // A slot kept with a convocation (on its counters, on its
                // days) is booked with that convocation only, which the
                // booking then uses up.
                if let Some(kept_with) = &hold.convocation_id
                    && new.convocation.as_ref().map(|c| c.id.as_str()) != Some(kept_with.as_str())
                {
                    return Err(StoreError::Convocation(Refusal::NotPresented));
                }
                let guichet = hold
                    .guichet_id
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("guichet id of hold {}", hold.id)))?;
                let mut held = new.clone();
                held.start = from_db(hold.starts_at);
                held.end = from_db(hold.ends_at);
                held.persons = u32::try_from(hold.persons).unwrap_or(1);
                // The organisation may have changed since the hold (a
                // closure, a plage removed): checked again under the
                // guichet's lock, as a booking is.
                let slot = GuichetSlot {
                    site_id: &hold.site_id,
                    motif_id: new.motif_id,
                    guichet_id: &hold.guichet_id,
                    start: held.start,
                    end: held.end,
                    time_zone: new.time_zone,
                    online: true,
                    lane: i16::from(hold.overbooked),
                };
                let mut row = reservation_row(&held, guichet, &reference);
                row.overbooked = hold.overbooked;
                guard_person(c, &row, &held)?;
                use_presented_convocation(c, &held)?;
                // Its units are the hold's already: availability does not
                // change, nothing is counted.
                lock_open_guichet(c, &slot)?;
                diesel::insert_into(reservations::table)
                    .values(&row)
                    .execute(c)?;
                let detail = format!("held since {}", hold.created_at.and_utc().to_rfc3339());
                record_event(c, &row.id, &new.actor, "confirmed", Some(&detail), new.now)?;
                record_booked(c, &row, &held)?;
                // The hold's units become the reservation's. Concurrent
                // confirmations of one hold: the second finds no row left
                // (PostgreSQL makes it wait for the first, then re-reads).
                let moved = diesel::update(
                    guichet_occupancy::table.filter(guichet_occupancy::hold_id.eq(&hold.id)),
                )
                .set((
                    guichet_occupancy::reservation_id.eq(Some(&row.id)),
                    guichet_occupancy::hold_id.eq(None::<String>),
                    guichet_occupancy::expires_at.eq(None::<chrono::NaiveDateTime>),
                ))
                .execute(c)?;
                if moved != units(held.start, held.end).len() {
                    return Err(StoreError::HoldExpired);
                }
                diesel::delete(holds::table.find(&hold.id)).execute(c)?;
                Ok(row)
            });
            match result {
                Err(e) if worth_another_attempt(&e) && attempts + 1 < REFERENCE_ATTEMPTS => {
                    attempts += 1;
                }
                // The guichet no longer offers the time (closed, its
                // motif or plage gone since the hold).
                Err(StoreError::Stale) => return Err(StoreError::SlotTaken),
                other => return other,
            }
        }
    }

    /// The periodic cleanup at `now`: deletes the idempotency keys past
    /// their lifetime, and the holds expired for longer than
    /// [`EXPIRED_HOLDS_KEPT_MINUTES`]. Neither counts for anything once
    /// expired; this reclaims space.
    pub fn clean_up(&self, now: DateTime<Utc>) -> Result<CleanUp, StoreError> {
        let idempotency_keys = self.purge_idempotency_keys(now)?;
        let holds =
            self.purge_expired_holds(now - chrono::Duration::minutes(EXPIRED_HOLDS_KEPT_MINUTES))?;
        Ok(CleanUp {
            holds,
            idempotency_keys,
        })
    }

    /// Deletes holds expired before `before`, with their occupancy rows;
    /// how many. Expired holds already count for nothing: this reclaims
    /// space, and keeps expired holds answerable (410) for a while.
    pub fn purge_expired_holds(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut pooled = self.conn()?;
        write_transaction(&mut pooled, |c| {
            diesel::delete(holds::table.filter(holds::expires_at.le(to_db(before))))
                .execute(c)
                .map_err(StoreError::from)
        })
    }

    /// Live holds of applicants (for tests and checks).
    pub fn count_live_holds(&self, now: DateTime<Utc>) -> Result<i64, StoreError> {
        self.count_live(hold_purpose::APPLICANT, now)
    }

    /// Freed times still waiting for their release at `now` (for tests
    /// and checks).
    pub fn count_pending_releases(&self, now: DateTime<Utc>) -> Result<i64, StoreError> {
        self.count_live(hold_purpose::RELEASE, now)
    }

    fn count_live(&self, purpose: &str, now: DateTime<Utc>) -> Result<i64, StoreError> {
        holds::table
            .filter(holds::expires_at.gt(to_db(now)))
            .filter(holds::purpose.eq(purpose))
            .count()
            .get_result(&mut **self.conn()?)
            .map_err(StoreError::from)
    }
}
