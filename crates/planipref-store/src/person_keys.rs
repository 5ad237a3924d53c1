//! Persons' keys of stored reservations, computed again when the way they
//! are computed changes (`PERSON_KEYS_VERSION`), so that a person booked
//! before is found as one booking now would be.

use diesel::prelude::*;
use planipref_domain::applicant::{PERSON_KEYS_VERSION, PersonKeys};

use crate::db::{AnyConnection, write_transaction};
use crate::schema::reservations;
use crate::{Store, StoreError};

/// Reservations keyed again per transaction: short transactions, so that
/// bookings on other servers wait little.
const BATCH: i64 = 500;

impl Store {
    /// Computes again, from their names, birth date and file number, the
    /// keys of the reservations keyed by an older version; how many.
    /// [`Store::migrate`] runs it. Running it again finds nothing left; a
    /// reservation without keys (the national seed's) is left so.
    pub fn rekey_persons(&self) -> Result<usize, StoreError> {
        let mut pooled = self.conn()?;
        let conn: &mut AnyConnection = &mut pooled;
        let mut done = 0;
        loop {
            let keyed = write_transaction(conn, rekey_batch)?;
            done += keyed;
            if keyed < BATCH as usize {
                return Ok(done);
            }
        }
    }
}

/// Keys again up to [`BATCH`] reservations of an older version; how many.
fn rekey_batch(c: &mut AnyConnection) -> Result<usize, StoreError> {
    // Written out rather than bound, as the partial index of the rows
    // left to key again (`reservations_stale_keys_idx`) says it: SQLite
    // reads that index only for a condition it can see implies the
    // index's, which a bound parameter never does.
    let stale = diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
        "key_version < {PERSON_KEYS_VERSION}"
    ));
    let rows: Vec<(String, String, String, chrono::NaiveDate, Option<String>)> =
        reservations::table
            .filter(stale)
            .filter(reservations::person_key.is_not_null())
            .order(reservations::id)
            .limit(BATCH)
            .select((
                reservations::id,
                reservations::last_name,
                reservations::first_names,
                reservations::birth_date,
                reservations::file_number,
            ))
            .load(c)?;
    for (id, last_name, first_names, birth_date, file_number) in &rows {
        let keys = PersonKeys::of(last_name, first_names, *birth_date, file_number.as_deref());
        diesel::update(reservations::table.find(id))
            .set((
                reservations::person_key.eq(Some(keys.identity)),
                reservations::file_key.eq(keys.file),
                reservations::key_version.eq(PERSON_KEYS_VERSION),
            ))
            .execute(c)?;
    }
    Ok(rows.len())
}
