#![allow(missing_debug_implementations)]

//! One connection type for both databases, chosen at run time.

/// A connection to SQLite or PostgreSQL; every query in this crate is
/// written once against it.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    /// PostgreSQL, for production and scale.
    Postgresql(diesel::PgConnection),
    /// SQLite, the embedded default.
    Sqlite(diesel::SqliteConnection),
}
