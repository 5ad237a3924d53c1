//! Planipref's storage: one set of diesel queries for SQLite and
//! PostgreSQL, the backend chosen at run time from the database URL.
//!
//! All calls block; the API runs them off its async workers. Instants are
//! stored as UTC `TIMESTAMP`s (`NaiveDateTime`), converted at this crate's
//! edge.
//!
//! One [`Store`], its methods in one module per entity: `prefectures`,
//! `sites` (with their competence and availability versions), `services`,
//! `motifs`, `guichets`, `plages`, `fermetures` (closures and openings on
//! holidays), `demarches`, `audit` (every administrative write records an
//! entry in its own transaction), `reservations` (taking a guichet's time:
//! `occupancy`; the person's checks: `person_guards`; checks from outside:
//! `integrity`), `holds`, `convocations`, `idempotency`, `orientation`.
//! `schedule` reads what the slot engine needs about a motif, with
//! `schedule_cache`. Rows are in `models`, tables in `schema`; `db` opens
//! the database and runs write transactions (its `write_transaction` says
//! in which order writers take their locks).

mod attendance;
mod audit;
mod calendar;
mod connection;
mod convocations;
pub mod db;
mod demarches;
mod error;
mod fermetures;
mod guichets;
mod holds;
pub mod hub;
pub mod idempotency;
pub mod imports;
mod integrity;
#[cfg(test)]
mod migration_tests;
pub mod models;
mod motifs;
mod occupancy;
pub mod orientation;
mod origin;
pub mod outbox;
mod overbooking;
mod person_guards;
mod person_keys;
mod plages;
mod prefectures;
mod reservation_history;
mod reservations;
pub mod retention;
pub mod revision;
mod schedule;
mod schedule_cache;
pub mod schema;
mod services;
mod sites;
mod statistics;
pub mod stats;
mod stats_counts;
pub mod telemetry;
pub mod translations;
pub mod webhooks;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::connection::SimpleConnection;

pub use attendance::{DayFacts, DayItem, NO_SHOW_LOOKBACK_HOURS, NO_SHOW_TASK, StepTaken, Undo};
pub use audit::{AuditEntry, AuditFilter};
pub use convocations::{ConvocationFilter, ConvocationUse, ConvocationView, NewConvocation};
pub use db::{AnyConnection, DatabaseUrl, DbPool, PoolOptions};
pub use error::StoreError;
pub use fermetures::SiteExceptions;
pub use holds::{CleanUp, EXPIRED_HOLDS_KEPT_MINUTES, NewHold};
pub use integrity::Integrity;
pub use origin::Origin;
pub use overbooking::ExtraPlace;
pub use reservations::{Move, NewReservation, ReservationDetail};
pub use schedule::MotifSchedule;
pub use sites::{AvailabilityVersion, SiteOrganisation};
pub use statistics::Refresh;

/// One page of a list, and how many items there are in all.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Items across all pages.
    pub total: i64,
}

/// The connection pool's state (operators' figures).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    /// Connections open, busy or idle.
    pub connections: u32,
    /// Open connections waiting in the pool.
    pub idle: u32,
    /// The most the pool opens.
    pub max_size: u32,
}

/// The database: a pool of connections to one SQLite file or one
/// PostgreSQL database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: DbPool,
    url: DatabaseUrl,
    /// The `opening` secret, read once (it never changes).
    opening_secret: std::sync::Arc<std::sync::OnceLock<std::sync::Arc<str>>>,
    /// The organisations of motifs this process computed slots for.
    schedules: std::sync::Arc<schedule_cache::ScheduleCache>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("url", &self.url.redacted())
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens a pool on `url` without connecting yet.
    pub fn open(url: &DatabaseUrl, options: &PoolOptions) -> Result<Self, StoreError> {
        Ok(Self {
            pool: db::build_pool(url, options)?,
            url: url.clone(),
            opening_secret: std::sync::Arc::default(),
            schedules: std::sync::Arc::default(),
        })
    }

    /// The database URL, password hidden.
    pub fn describe(&self) -> String {
        self.url.redacted()
    }

    /// `postgresql` or `sqlite`.
    pub fn backend(&self) -> &'static str {
        self.url.backend()
    }

    /// Borrows a connection, waiting at most the pool's timeout (the wait
    /// is measured: see [`telemetry::POOL_WAIT`]).
    pub fn conn(&self) -> Result<db::DbConn, StoreError> {
        let started = std::time::Instant::now();
        let conn = self.pool.get();
        telemetry::checked_out(started.elapsed(), conn.is_ok());
        conn.map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    /// The pool now: connections open, idle among them, and at most.
    pub fn pool_state(&self) -> PoolState {
        let state = self.pool.state();
        PoolState {
            connections: state.connections,
            idle: state.idle_connections,
            max_size: self.pool.max_size(),
        }
    }

    /// Runs `f` on a pooled connection.
    pub fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut pooled = self.conn()?;
        f(&mut pooled)
    }

    /// Applies pending migrations, then computes again the persons' keys
    /// of reservations keyed by an older version (see
    /// [`Store::rekey_persons`]); returns the migration versions applied.
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let applied = self.with_conn(db::run_migrations)?;
        let rekeyed = self.rekey_persons()?;
        if rekeyed > 0 {
            log::info!("computed the persons' keys of {rekeyed} reservations again");
        }
        Ok(applied)
    }

    /// The secret every server draws new days' opening moments from
    /// (written once by the migrations), read once per process.
    pub(crate) fn opening_secret(
        &self,
        c: &mut AnyConnection,
    ) -> Result<std::sync::Arc<str>, StoreError> {
        use diesel::prelude::*;
        if let Some(secret) = self.known_opening_secret() {
            return Ok(secret);
        }
        let value: String = schema::secrets::table
            .find("opening")
            .select(schema::secrets::value)
            .first(c)?;
        Ok(self.opening_secret.get_or_init(|| value.into()).clone())
    }

    /// The shared secret, when this process has read it already.
    pub(crate) fn known_opening_secret(&self) -> Option<std::sync::Arc<str>> {
        self.opening_secret.get().cloned()
    }

    /// Whether the database answers a trivial query.
    pub fn ping(&self) -> Result<(), StoreError> {
        self.with_conn(|c| c.batch_execute("SELECT 1").map_err(StoreError::from))
    }
}

/// An instant as stored: UTC, whole microseconds (both backends then agree).
pub fn to_db(t: DateTime<Utc>) -> NaiveDateTime {
    planipref_domain::time::to_micros(t).naive_utc()
}

/// An instant as read back.
pub fn from_db(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}
