//! The query planner's statistics.
//!
//! PostgreSQL keeps its own (autovacuum analyses tables as they change).
//! SQLite has none until `ANALYZE` runs, and then guesses: on the national
//! data it read a month of one préfecture's bookings through the
//! (status, start) index of the whole country (1 s) rather than the
//! (guichet, start) one (3 ms), which made a month of free times take
//! seconds. So the server analyses an SQLite database when it starts
//! without statistics and once a day, and bulk loads (the national seed)
//! analyse when they end. A full `ANALYZE` of the national data takes
//! about 2 s on SQLite; sampled statistics (`analysis_limit`) were tried
//! and still chose the wrong index, so it is never sampled.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::AnyConnection;
use crate::{Store, StoreError};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// When the statistics are analysed again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// Only when there are none yet (a server starting).
    IfMissing,
    /// Always (a day has passed, or a bulk load just ended).
    Always,
}

impl Store {
    /// Analyses the database for the planner as `refresh` says; whether it
    /// did. SQLite only, but after a bulk load (`Refresh::Always`) on
    /// PostgreSQL too, rather than wait for autovacuum.
    pub fn refresh_statistics(&self, refresh: Refresh) -> Result<bool, StoreError> {
        self.with_conn(|c| match c {
            AnyConnection::Sqlite(_) => {
                if refresh == Refresh::IfMissing && has_statistics(c)? {
                    return Ok(false);
                }
                c.batch_execute("PRAGMA analysis_limit = 0; ANALYZE;")?;
                Ok(true)
            }
            AnyConnection::Postgresql(_) => {
                if refresh == Refresh::Always {
                    c.batch_execute("ANALYZE")?;
                }
                Ok(refresh == Refresh::Always)
            }
        })
    }
}

/// Whether SQLite holds statistics of the reservations (the table whose
/// plans matter most).
fn has_statistics(c: &mut AnyConnection) -> Result<bool, StoreError> {
    let table: Vec<Count> = diesel::sql_query(
        "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'",
    )
    .load(c)?;
    if table.first().is_none_or(|t| t.n == 0) {
        return Ok(false);
    }
    let rows: Vec<Count> =
        diesel::sql_query("SELECT count(*) AS n FROM sqlite_stat1 WHERE tbl = 'reservations'")
            .load(c)?;
    Ok(rows.first().is_some_and(|r| r.n > 0))
}
