//! The counter's day in the database: steps taken on an appointment
//! (arrived, called, done, no-show) and undone, the automatic no-show task,
//! a site's day, and the préfecture's counter settings.
//!
//! Every step is one conditional write: the status changes only if it is
//! still the one the step was decided from, so two agents pressing "call"
//! at once (or an agent and the no-show task) give one change and one
//! `WrongStatus`, on any number of servers.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use planipref_domain::attendance::{Status, Step};
use planipref_domain::ids::ReservationId;
use planipref_domain::occupancy::unit_ceil;

use crate::audit::record;
use crate::db::{AnyConnection, on_backend, write_transaction};
use crate::models::*;
use crate::occupancy::count_booking;
use crate::reservation_history::record_change;
use crate::revision::{Edited, advance};
use crate::schema::*;
use crate::{AuditEntry, Store, StoreError, from_db, to_db};

/// How far back the no-show task looks: appointments older than this
/// (from before the task ran, or from before the counter's day was
/// recorded) keep their status rather than being rewritten in bulk.
pub const NO_SHOW_LOOKBACK_HOURS: i64 = 24;

/// The actor the no-show task records in histories.
pub const NO_SHOW_TASK: &str = "system:no-show";

/// A step an agent takes on an appointment.
#[derive(Debug, Clone, Copy)]
pub struct StepTaken<'a> {
    /// The step.
    pub step: Step,
    /// The status it was decided from (read before).
    pub from: Status,
    /// `agent:<sub>`.
    pub actor: &'a str,
    /// When.
    pub now: DateTime<Utc>,
    /// The guichet a person is called to (the step `call`).
    pub called_to: Option<&'a str>,
}

/// An agent's undoing of the last step.
#[derive(Debug, Clone, Copy)]
pub struct Undo<'a> {
    /// The step undone.
    pub step: Step,
    /// The status it led to (the current one)…
    pub from: Status,
    /// …and the status before it, which comes back.
    pub back_to: Status,
    /// `agent:<sub>`.
    pub actor: &'a str,
    /// Why (kept in the history).
    pub reason: &'a str,
    /// When.
    pub now: DateTime<Utc>,
}

/// One appointment of a site's day: the reservation, how it was made,
/// what the counter recorded (none for old rows), and its motif.
pub type DayItem = (ReservationRow, DayFacts, Option<CounterRow>, MotifRow);

/// A reservation's channel and the time it gave back, as stored.
pub type DayFacts = (String, Option<chrono::NaiveDateTime>);

impl Store {
    /// Takes `taken.step` on reservation `id`, if its status is still
    /// `taken.from` (else `WrongStatus` with the status it has now).
    /// Leaving (done) or never coming (no-show) gives back the guichet's
    /// time from the next unit on; what had passed stays taken.
    pub fn take_step(
        &self,
        id: ReservationId,
        taken: &StepTaken<'_>,
    ) -> Result<ReservationRow, StoreError> {
        let id = id.to_string();
        let now = to_db(taken.now);
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                let changed = change_status(c, &id, (taken.from, taken.step.target()), now)?;
                let row = read(c, &id)?;
                if changed == 0 {
                    return Err(StoreError::WrongStatus(row.status));
                }
                ensure_counter_row(c, &id)?;
                let counter = reservation_counter::table.find(&id);
                match taken.step {
                    Step::CheckIn => diesel::update(counter)
                        .set(reservation_counter::arrived_at.eq(Some(now)))
                        .execute(c)?,
                    Step::Call => diesel::update(counter)
                        .set((
                            reservation_counter::called_at.eq(Some(now)),
                            reservation_counter::called_to.eq(taken.called_to),
                        ))
                        .execute(c)?,
                    Step::Done => diesel::update(counter)
                        .set(reservation_counter::finished_at.eq(Some(now)))
                        .execute(c)?,
                    Step::NoShow => 0,
                };
                if taken.step.frees_rest() {
                    free_rest(c, &row, taken.now)?;
                }
                if taken.step == Step::NoShow {
                    owe_no_show(c, &id, taken.now)?;
                }
                record_change(
                    c,
                    &id,
                    (taken.actor, taken.step.action(), taken.called_to),
                    (
                        Some(status_json(taken.from)),
                        Some(status_json(taken.step.target())),
                    ),
                    taken.now,
                )?;
                Ok(row)
            })
        })
    }

    /// Undoes the last step, if the status is still the one it led to (else
    /// `WrongStatus`). The step's time is forgotten; time given back when
    /// the person left or never came stays given back (it may have been
    /// taken since).
    pub fn undo_step(
        &self,
        id: ReservationId,
        undo: &Undo<'_>,
    ) -> Result<ReservationRow, StoreError> {
        let id = id.to_string();
        let now = to_db(undo.now);
        let none: Option<chrono::NaiveDateTime> = None;
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                let changed = change_status(c, &id, (undo.from, undo.back_to), now)?;
                let row = read(c, &id)?;
                if changed == 0 {
                    return Err(StoreError::WrongStatus(row.status));
                }
                ensure_counter_row(c, &id)?;
                let counter = reservation_counter::table.find(&id);
                match undo.step {
                    Step::CheckIn => diesel::update(counter)
                        .set(reservation_counter::arrived_at.eq(none))
                        .execute(c)?,
                    Step::Call => diesel::update(counter)
                        .set((
                            reservation_counter::called_at.eq(none),
                            reservation_counter::called_to.eq(None::<String>),
                        ))
                        .execute(c)?,
                    Step::Done => diesel::update(counter)
                        .set(reservation_counter::finished_at.eq(none))
                        .execute(c)?,
                    Step::NoShow => {
                        crate::outbox::cancel_pending(c, &id, crate::outbox::kind::NO_SHOW)?
                    }
                };
                record_change(
                    c,
                    &id,
                    (
                        undo.actor,
                        planipref_domain::attendance::UNDONE,
                        Some(undo.reason),
                    ),
                    (
                        Some(status_json(undo.from)),
                        Some(status_json(undo.back_to)),
                    ),
                    undo.now,
                )?;
                Ok(row)
            })
        })
    }

    /// Records as no-shows the appointments still `booked` their
    /// préfecture's `no_show_after_minutes` after their start (looking back
    /// [`NO_SHOW_LOOKBACK_HOURS`]), at most `batch` per préfecture setting;
    /// their references. Each is marked swept in the same conditional
    /// write, so it is handled once whatever the number of servers, and
    /// never again after an agent undoes it.
    pub fn sweep_no_shows(
        &self,
        now: DateTime<Utc>,
        batch: i64,
    ) -> Result<Vec<String>, StoreError> {
        self.with_conn(|conn| {
            let settings: Vec<(String, i32)> = prefectures::table
                .select((prefectures::code, prefectures::no_show_after_minutes))
                .load(conn)?;
            let mut by_delay: BTreeMap<i32, Vec<String>> = BTreeMap::new();
            for (code, minutes) in settings {
                by_delay.entry(minutes).or_default().push(code);
            }
            let mut swept = Vec::new();
            for (minutes, codes) in by_delay {
                let cutoff = planipref_domain::attendance::no_show_cutoff(
                    now,
                    u32::try_from(minutes).unwrap_or(0),
                );
                let due: Vec<String> = reservations::table
                    .inner_join(sites::table.on(sites::id.eq(reservations::site_id)))
                    .filter(sites::prefecture_code.eq_any(&codes))
                    .filter(reservations::status.eq(Status::Booked.code()))
                    .filter(reservations::no_show_swept_at.is_null())
                    .filter(reservations::starts_at.le(to_db(cutoff)))
                    .filter(
                        reservations::starts_at
                            .gt(to_db(now - Duration::hours(NO_SHOW_LOOKBACK_HOURS))),
                    )
                    .order(reservations::starts_at)
                    .limit(batch)
                    .select(reservations::id)
                    .load(conn)?;
                for id in due {
                    let why = format!("still booked {minutes} minutes after its start");
                    if let Some(reference) =
                        write_transaction(conn, |c| sweep_one(c, &id, &why, now))?
                    {
                        swept.push(reference);
                    }
                }
            }
            Ok(swept)
        })
    }

    /// A site's appointments starting within `[from, to)` (cancelled ones
    /// included), in time order, with what the counter recorded and their
    /// motif.
    pub fn site_day(
        &self,
        site_id: &str,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Vec<DayItem>, StoreError> {
        self.with_conn(|c| {
            reservations::table
                .inner_join(motifs::table)
                .left_join(reservation_counter::table)
                .filter(reservations::site_id.eq(site_id))
                .filter(reservations::starts_at.ge(to_db(from)))
                .filter(reservations::starts_at.lt(to_db(to)))
                .order((
                    reservations::starts_at,
                    reservation_counter::ticket,
                    reservations::reference,
                ))
                .select((
                    ReservationRow::as_select(),
                    (reservations::channel, reservations::freed_from),
                    Option::<CounterRow>::as_select(),
                    MotifRow::as_select(),
                ))
                .load(c)
                .map_err(StoreError::from)
        })
    }

    /// How reservation `id` was made, and what the counter recorded on it.
    pub fn counter_facts(
        &self,
        id: ReservationId,
    ) -> Result<(DayFacts, Option<CounterRow>), StoreError> {
        self.with_conn(|c| {
            reservations::table
                .left_join(reservation_counter::table)
                .filter(reservations::id.eq(id.to_string()))
                .select((
                    (reservations::channel, reservations::freed_from),
                    Option::<CounterRow>::as_select(),
                ))
                .first(c)
                .map_err(StoreError::from)
        })
    }

    /// A préfecture's counter settings with its revision.
    pub fn counter_settings(&self, code: &str) -> Result<(CounterSettingsRow, i32), StoreError> {
        self.with_conn(|c| {
            prefectures::table
                .find(code)
                .select((CounterSettingsRow::as_select(), prefectures::revision))
                .first(c)
                .map_err(StoreError::from)
        })
    }

    /// Replaces a préfecture's counter settings, the change made from its
    /// revision `expected` (`Outdated` if it changed meanwhile), and
    /// records it.
    pub fn update_counter_settings(
        &self,
        code: &str,
        settings: &CounterSettingsRow,
        expected: i32,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                advance(c, Edited::Prefecture, code, expected)?;
                diesel::update(prefectures::table.find(code))
                    .set((
                        prefectures::no_show_after_minutes.eq(settings.no_show_after_minutes),
                        prefectures::walk_in_horizon_minutes.eq(settings.walk_in_horizon_minutes),
                        prefectures::agent_daily_bookings.eq(settings.agent_daily_bookings),
                    ))
                    .execute(c)?;
                record(c, audit)
            })
        })
    }
}

/// Records one due appointment as a no-show, if it is still booked and
/// unswept; its reference when it was.
fn sweep_one(
    c: &mut AnyConnection,
    id: &str,
    why: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let changed = diesel::update(
        reservations::table
            .filter(reservations::id.eq(id))
            .filter(reservations::status.eq(Status::Booked.code()))
            .filter(reservations::no_show_swept_at.is_null()),
    )
    .set((
        reservations::status.eq(Status::NoShow.code()),
        reservations::no_show_swept_at.eq(Some(to_db(now))),
        reservations::updated_at.eq(to_db(now)),
    ))
    .execute(c)?;
    if changed == 0 {
        return Ok(None);
    }
    let row = read(c, id)?;
    free_rest(c, &row, now)?;
    record_change(
        c,
        id,
        (NO_SHOW_TASK, Step::NoShow.action(), Some(why)),
        (
            Some(status_json(Status::Booked)),
            Some(status_json(Status::NoShow)),
        ),
        now,
    )?;
    owe_no_show(c, id, now)?;
    Ok(Some(row.reference))
}

/// Tells the applicant they were recorded absent (and how to book again),
/// once the step can no longer be undone: an undo cancels the message.
fn owe_no_show(c: &mut AnyConnection, id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    let absent = crate::outbox::Owed {
        kind: crate::outbox::kind::NO_SHOW,
        details: serde_json::json!({}),
        sealed: None,
        due_at: now + chrono::Duration::minutes(planipref_domain::attendance::UNDO_MINUTES),
    };
    crate::outbox::owe_applicant(c, id, &absent, now)
}

/// Gives back the guichet's time of `row` from the next unit after `now`
/// (never before its start), and says from when.
fn free_rest(
    c: &mut AnyConnection,
    row: &ReservationRow,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (start, end) = (from_db(row.starts_at), from_db(row.ends_at));
    let from = unit_ceil(now).max(start).min(end);
    diesel::update(reservations::table.find(&row.id))
        .set(reservations::freed_from.eq(Some(to_db(from))))
        .execute(c)?;
    if from < end {
        diesel::delete(
            guichet_occupancy::table
                .filter(guichet_occupancy::reservation_id.eq(&row.id))
                .filter(guichet_occupancy::unit_start.ge(to_db(from))),
        )
        .execute(c)?;
        // Cached availability of its site is stale.
        count_booking(c, &row.guichet_id)?;
    }
    Ok(())
}

/// Moves reservation `id` from status `from` to `to`, only if it still
/// has `from`: how many rows changed (0 or 1).
fn change_status(
    c: &mut AnyConnection,
    id: &str,
    (from, to): (Status, Status),
    now: chrono::NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        reservations::table
            .filter(reservations::id.eq(id))
            .filter(reservations::status.eq(from.code())),
    )
    .set((
        reservations::status.eq(to.code()),
        reservations::updated_at.eq(now),
    ))
    .execute(c)?)
}

/// The counter's row of reservation `id` (none for reservations written
/// before the counter's day was recorded, or by the national seed).
fn ensure_counter_row(c: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
    on_backend!(c, |c| diesel::insert_into(reservation_counter::table)
        .values(reservation_counter::reservation_id.eq(id))
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

fn read(c: &mut AnyConnection, id: &str) -> Result<ReservationRow, StoreError> {
    reservations::table
        .find(id)
        .select(ReservationRow::as_select())
        .first(c)
        .map_err(StoreError::from)
}

fn status_json(status: Status) -> String {
    serde_json::json!({ "status": status.code() }).to_string()
}
