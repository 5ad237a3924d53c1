//! Over-booking (see `planipref_domain::overbooking`): a préfecture's
//! policy, the attendance it is measured from, and the bound on a motif's
//! extra places of a day, kept exact under any concurrency.
//!
//! An over-booked hold or appointment takes its guichet's time in lane 1
//! (explicit extra units: the occupancy key admits one more holder there,
//! lane 0 stays the guichet's own). How many a motif's day may take is
//! counted under the lock of its (motif, day) guard row, in the
//! transaction that takes one: two servers over-booking the same day
//! count one after the other.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use planipref_domain::overbooking::{Attendance, Overbooking};

use crate::audit::{AuditEntry, record};
use crate::db::{AnyConnection, touch_guard, write_transaction};
use crate::models::status;
use crate::revision::{Edited, advance};
use crate::schema::{holds, overbooking_guards, prefectures, reservations, sites};
use crate::{Store, StoreError, to_db};

/// An extra place about to be taken: the motif's local day, as UTC
/// bounds, and how many extra places the day may hold for the channel
/// booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtraPlace {
    /// The local day at the site.
    pub day: NaiveDate,
    /// Its first instant.
    pub from: DateTime<Utc>,
    /// The first instant of the next day.
    pub to: DateTime<Utc>,
    /// Extra places the day may hold (the engine's bound for the channel).
    pub places: u64,
}

/// The columns a policy is stored in.
pub(crate) type PolicyColumns = (i32, i32, i32);

/// The policy stored in `columns`.
pub(crate) fn policy(columns: PolicyColumns) -> Overbooking {
    let whole = |v: i32| u32::try_from(v).unwrap_or(0);
    Overbooking {
        ceiling_percent: whole(columns.0),
        weeks: whole(columns.1),
        min_sample: whole(columns.2),
    }
}

/// Selects a préfecture's policy.
pub(crate) fn policy_columns() -> (
    prefectures::overbooking_ceiling_percent,
    prefectures::overbooking_weeks,
    prefectures::overbooking_min_sample,
) {
    (
        prefectures::overbooking_ceiling_percent,
        prefectures::overbooking_weeks,
        prefectures::overbooking_min_sample,
    )
}

/// Takes one of the motif's extra places of `extra.day` (nothing without
/// `extra`: the guichet's own time), in the caller's transaction, after
/// the guichet's lock: locks the day's guard row, then
/// counts the day's over-booked appointments (cancelled ones excepted)
/// and live holds of the motif (a cancelled extra place waiting for its
/// release among them). `SlotTaken` when `extra.places` are all taken.
pub(crate) fn take_extra_place(
    c: &mut AnyConnection,
    motif_id: &str,
    extra: Option<&ExtraPlace>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let Some(extra) = extra else {
        return Ok(());
    };
    touch_guard!(
        c,
        overbooking_guards::table,
        (overbooking_guards::motif_id, overbooking_guards::day),
        (
            overbooking_guards::motif_id.eq(motif_id),
            overbooking_guards::day.eq(extra.day),
            overbooking_guards::touched_at.eq(to_db(now)),
        ),
        overbooking_guards::touched_at
    )?;
    let booked: i64 = reservations::table
        .filter(reservations::motif_id.eq(motif_id))
        .filter(reservations::overbooked.eq(true))
        .filter(reservations::status.eq_any(status::KEEPING_TIME))
        .filter(reservations::starts_at.ge(to_db(extra.from)))
        .filter(reservations::starts_at.lt(to_db(extra.to)))
        .count()
        .get_result(c)?;
    let held: i64 = holds::table
        .filter(holds::motif_id.eq(motif_id))
        .filter(holds::overbooked.eq(true))
        .filter(holds::expires_at.gt(to_db(now)))
        .filter(holds::starts_at.ge(to_db(extra.from)))
        .filter(holds::starts_at.lt(to_db(extra.to)))
        .count()
        .get_result(c)?;
    let taken = u64::try_from(booked + held).unwrap_or(u64::MAX);
    if taken < extra.places {
        Ok(())
    } else {
        Err(StoreError::SlotTaken)
    }
}

impl Store {
    /// Préfecture `code`'s over-booking policy and its revision.
    pub fn overbooking(&self, code: &str) -> Result<(Overbooking, i32), StoreError> {
        self.with_conn(|c| {
            let (columns, revision): (PolicyColumns, i32) = prefectures::table
                .find(code)
                .select((policy_columns(), prefectures::revision))
                .first(c)?;
            Ok((policy(columns), revision))
        })
    }

    /// Sets préfecture `code`'s over-booking policy from its revision
    /// `expected` (`Outdated` if it changed meanwhile), and records it (its
    /// sites' kept slots are then stale).
    pub fn set_overbooking(
        &self,
        code: &str,
        policy: &Overbooking,
        expected: i32,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let whole = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                advance(c, Edited::Prefecture, code, expected)?;
                diesel::update(prefectures::table.find(code))
                    .set((
                        prefectures::overbooking_ceiling_percent.eq(whole(policy.ceiling_percent)),
                        prefectures::overbooking_weeks.eq(whole(policy.weeks)),
                        prefectures::overbooking_min_sample.eq(whole(policy.min_sample)),
                    ))
                    .execute(c)?;
                // Slots kept by any process were computed under the former
                // policy.
                diesel::update(sites::table.filter(sites::prefecture_code.eq(code)))
                    .set(sites::availability_version.eq(sites::availability_version + 1))
                    .execute(c)?;
                record(c, audit)
            })
        })
    }

    /// Who came to the motif's appointments booked through `channel` (its
    /// code) that started in `[from, to)`, and who did not.
    pub fn attendance(
        &self,
        motif_id: &str,
        channel: &str,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Attendance, StoreError> {
        self.with_conn(|c| {
            let counted: Vec<(String, i64)> = reservations::table
                .filter(reservations::motif_id.eq(motif_id))
                .filter(reservations::channel.eq(channel))
                .filter(reservations::starts_at.ge(to_db(from)))
                .filter(reservations::starts_at.lt(to_db(to)))
                .filter(reservations::status.eq_any([
                    status::CHECKED_IN,
                    status::CALLED,
                    status::DONE,
                    status::NO_SHOW,
                ]))
                .group_by(reservations::status)
                .select((reservations::status, diesel::dsl::count_star()))
                .load(c)?;
            let mut seen = Attendance::default();
            for (state, n) in counted {
                let n = u64::try_from(n).unwrap_or(0);
                if state == status::NO_SHOW {
                    seen.no_shows += n;
                } else {
                    seen.came += n;
                }
            }
            Ok(seen)
        })
    }
}
