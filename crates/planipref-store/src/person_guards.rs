//! The checks on the person a booking is for: no second coming
//! appointment for a démarche whose motif refuses doublons, none beyond
//! the préfecture's limit across démarches. Simultaneous bookings by one
//! person, on any server, are checked one after the other, under the
//! locks of the person's guard rows.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::{AnyConnection, touch_guard};
use crate::models::*;
use crate::reservations::NewReservation;
use crate::schema::*;
use crate::{StoreError, to_db};

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
    let coming = || {
        reservations::table
            .filter(
                reservations::person_key
                    .eq(identity)
                    .or(reservations::file_key.eq(file)),
            )
            .filter(reservations::status.eq_any(status::PENDING))
            .filter(reservations::ends_at.gt(to_db(new.now)))
            .filter(reservations::id.ne(&row.id))
    };
    let (for_demarche, overall): (Option<i64>, Option<i64>) = diesel::select((
        coming()
            .filter(reservations::demarche_code.eq(demarche.unwrap_or_default()))
            .count()
            .single_value(),
        coming().count().single_value(),
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
