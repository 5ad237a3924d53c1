//! Opening the database: URL parsing, the pool, per-connection settings,
//! embedded migrations, and write transactions that behave alike on both
//! backends; and the few statement helpers every entity's queries share
//! (a statement per backend, batch inserts, guard rows, existence and
//! deletion checks).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{CustomizeConnection, ManageConnection, Pool, PooledConnection, R2D2Connection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::StoreError;
pub use crate::connection::AnyConnection;

pub(crate) const SQLITE_MIGRATIONS: EmbeddedMigrations =
    embed_migrations!("../../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// How long a SQLite connection waits for another writer before giving up.
pub const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;

/// Which database, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A `postgres://` or `postgresql://` URL, passed to libpq as is.
    Postgres(String),
    /// A SQLite database file.
    Sqlite(PathBuf),
}

impl DatabaseUrl {
    /// Reads `postgres://…`, `postgresql://…`, `sqlite://path`, `sqlite:path`
    /// or a plain file path. Only the URL schemes choose PostgreSQL, so a
    /// mistyped URL can never silently become a SQLite file named after it.
    pub fn parse(raw: &str) -> Result<Self, StoreError> {
        let raw = raw.trim();
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(Self::Postgres(raw.to_owned()));
        }
        let path = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
            .unwrap_or(raw);
        let looks_like_url = path.contains("://") || path.contains('=');
        if path.is_empty() || path == ":memory:" || looks_like_url {
            return Err(StoreError::Config(format!(
                "database URL {raw:?} is neither postgres://… nor a SQLite file path \
                 (in-memory SQLite is not supported: each pooled connection would see its own database)"
            )));
        }
        Ok(Self::Sqlite(PathBuf::from(path)))
    }

    /// The backend's name, for logs and `/ready`.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Postgres(_) => "postgresql",
            Self::Sqlite(_) => "sqlite",
        }
    }

    /// A form safe to log: no password.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(p) => format!("sqlite://{}", p.display()),
            Self::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(scheme_end), Some(at)) if at > scheme_end => {
                    let creds = &url[scheme_end + 3..at];
                    let user = creds.split(':').next().unwrap_or("");
                    format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..])
                }
                _ => url.clone(),
            },
        }
    }
}

/// Opens connections of the backend named by the URL, and reports the real
/// error when it cannot (diesel's derived `establish` would try each backend
/// in turn and hide why PostgreSQL refused).
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    /// See [`PoolOptions::trusted_after_use`].
    trusted_after_use: Duration,
}

/// A pooled connection, with when it last went back to the pool.
pub struct PooledConn {
    conn: AnyConnection,
    returned_at: Instant,
}

impl std::fmt::Debug for PooledConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let backend = match self.conn {
            AnyConnection::Sqlite(_) => "sqlite",
            AnyConnection::Postgresql(_) => "postgresql",
        };
        f.debug_struct("PooledConn")
            .field("backend", &backend)
            .field("returned_at", &self.returned_at)
            .finish()
    }
}

impl std::ops::Deref for PooledConn {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for PooledConn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = PooledConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<PooledConn, Self::Error> {
        let conn = match &self.url {
            DatabaseUrl::Postgres(url) => diesel::PgConnection::establish(url)
                .map(AnyConnection::Postgresql)
                .map_err(diesel::r2d2::Error::ConnectionError),
            DatabaseUrl::Sqlite(path) => {
                diesel::SqliteConnection::establish(&path.to_string_lossy())
                    .map(AnyConnection::Sqlite)
                    .map_err(diesel::r2d2::Error::ConnectionError)
            }
        }?;
        Ok(PooledConn {
            conn,
            returned_at: Instant::now(),
        })
    }

    fn is_valid(&self, conn: &mut PooledConn) -> Result<(), Self::Error> {
        if conn.returned_at.elapsed() < self.trusted_after_use {
            return Ok(());
        }
        conn.conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut PooledConn) -> bool {
        conn.returned_at = Instant::now();
        conn.conn.is_broken()
    }
}

/// Settings every SQLite connection needs: without a busy timeout, writers
/// fail at once instead of queueing; WAL lets readers run beside a writer;
/// foreign keys are off by default in SQLite; erased personal data must be
/// overwritten, not left in the file's free space (`secure_delete`).
#[derive(Debug)]
struct SqliteSettings;

impl CustomizeConnection<PooledConn, diesel::r2d2::Error> for SqliteSettings {
    fn on_acquire(&self, conn: &mut PooledConn) -> Result<(), diesel::r2d2::Error> {
        if let AnyConnection::Sqlite(c) = &mut conn.conn {
            // busy_timeout first, so that switching a new file to WAL waits
            // for the other connections instead of failing.
            c.batch_execute(&format!(
                "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; \
                 PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = NORMAL; \
                 PRAGMA foreign_keys = ON; \
                 PRAGMA secure_delete = ON;"
            ))
            .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// Pool settings.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Most connections open at once.
    pub max_size: u32,
    /// How long a request waits for a connection before the API answers 503.
    pub connection_timeout: Duration,
    /// A connection that went back to the pool less than this long ago is
    /// handed out again without a query to check it (as HikariCP does):
    /// under load, that check was one database round trip in four or five.
    /// After a database restart, a request on a connection handed out that
    /// way fails (503) and the connection, marked broken by the failure, is
    /// dropped on its way back; idle ones are checked: the pool never keeps
    /// dead connections.
    pub trusted_after_use: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_size: 8,
            connection_timeout: Duration::from_secs(5),
            trusted_after_use: Duration::from_millis(500),
        }
    }
}

/// The connection pool.
pub type DbPool = Pool<ConnectionManager>;
/// A connection borrowed from the pool.
pub type DbConn = PooledConnection<ConnectionManager>;

/// Builds the pool without waiting for the database: the server can start
/// (and answer 503 on `/ready`) while the database is still coming up.
/// A SQLite file's directory is created if missing.
pub fn build_pool(url: &DatabaseUrl, options: &PoolOptions) -> Result<DbPool, StoreError> {
    if let DatabaseUrl::Sqlite(path) = url {
        create_parent_dir(path)?;
    }
    Ok(Pool::builder()
        .max_size(options.max_size.max(1))
        .min_idle(Some(0))
        .connection_timeout(options.connection_timeout)
        .connection_customizer(Box::new(SqliteSettings))
        .build_unchecked(ConnectionManager {
            url: url.clone(),
            trusted_after_use: options.trusted_after_use,
        }))
}

fn create_parent_dir(path: &Path) -> Result<(), StoreError> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.exists() => std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Config(format!("cannot create {}: {e}", dir.display()))),
        _ => Ok(()),
    }
}

/// Applies the migrations not yet applied; returns their versions.
pub fn run_migrations(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    let applied = match conn {
        AnyConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
    }
    .map_err(|e| StoreError::Migration(e.to_string()))?;
    Ok(applied.iter().map(ToString::to_string).collect())
}

/// The migration versions embedded for each backend, for the test that
/// keeps them in step.
pub fn embedded_migration_versions() -> (Vec<String>, Vec<String>) {
    fn versions(m: &EmbeddedMigrations) -> Vec<String> {
        use diesel::migration::MigrationSource;
        MigrationSource::<diesel::sqlite::Sqlite>::migrations(m)
            .unwrap_or_default()
            .iter()
            .map(|m| m.name().to_string())
            .collect()
    }
    (versions(&SQLITE_MIGRATIONS), versions(&POSTGRES_MIGRATIONS))
}

/// How many times a transaction that PostgreSQL chose as a deadlock's
/// victim is run again.
const DEADLOCK_ATTEMPTS: usize = 4;

/// Runs `f` in a transaction that writes.
///
/// On SQLite the transaction starts with `BEGIN IMMEDIATE`, taking the write
/// lock up front: a deferred transaction that reads then writes fails with
/// "database is locked" under concurrency (busy_timeout does not help
/// there). On PostgreSQL it is an ordinary transaction; the invariants rely
/// on constraints, not on isolation levels. Writers take their locks in one
/// order (a reservation; a booking's guard rows: person, client,
/// convocation; then guichets, which bookings share and administrative
/// changes take alone; then units; a booking's counters last), but a
/// uniqueness check waiting on another transaction's units can still close
/// a cycle: PostgreSQL then rolls one transaction back whole, and it is
/// run again here, a few times.
pub fn write_transaction<T, E>(
    conn: &mut AnyConnection,
    mut f: impl FnMut(&mut AnyConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error> + IsDeadlock,
{
    let mut attempt = 1;
    loop {
        match transaction_once(conn, &mut f) {
            Err(e) if e.is_deadlock() && attempt < DEADLOCK_ATTEMPTS => {
                log::info!("a transaction met a deadlock and runs again");
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Whether an error is a deadlock's roll-back (worth running again).
pub trait IsDeadlock {
    /// See the trait.
    fn is_deadlock(&self) -> bool;
}

impl IsDeadlock for diesel::result::Error {
    fn is_deadlock(&self) -> bool {
        matches!(self, diesel::result::Error::DatabaseError(_, info)
            if info.message().contains("deadlock detected"))
    }
}

fn transaction_once<T, E>(
    conn: &mut AnyConnection,
    f: &mut impl FnMut(&mut AnyConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match conn {
        AnyConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        AnyConnection::Postgresql(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    match f(conn) {
        Ok(value) => {
            <AnyConnection as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            // The caller's error matters more than a failed rollback; a
            // connection left broken is discarded by the pool.
            if let Err(rollback) =
                <AnyConnection as Connection>::TransactionManager::rollback_transaction(conn)
            {
                log::warn!("rollback failed: {rollback}");
            }
            Err(e)
        }
    }
}

diesel::define_sql_function! {
    /// SQL's `COALESCE` of a nullable instant and an instant (same on both
    /// backends).
    fn coalesce(x: diesel::sql_types::Nullable<diesel::sql_types::Timestamp>, y: diesel::sql_types::Timestamp) -> diesel::sql_types::Timestamp;
}

/// Runs `$body` with `$c` bound to the backend's own connection, for the
/// statements diesel's multi-backend connection cannot build itself
/// (multi-row inserts, upserts): each backend runs its own.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::AnyConnection::Sqlite($c) => $body,
            $crate::db::AnyConnection::Postgresql($c) => $body,
        }
    };
}
pub(crate) use on_backend;

/// Inserts many rows in one statement. Keep `rows` × columns under
/// SQLite's 32,766 bound parameters.
macro_rules! insert_batch {
    ($conn:expr, $table:expr, $rows:expr) => {
        $crate::db::on_backend!($conn, |c| diesel::insert_into($table)
            .values($rows)
            .execute(c))
    };
}
pub(crate) use insert_batch;

/// Writes a guard row, or touches it (`$touched`, the column of its
/// last use) when it exists: one statement that leaves the row locked
/// until the transaction ends, so that whatever the guard protects is
/// checked by one transaction after the other, on every server. Two first
/// writes at once do not fail: PostgreSQL makes the second wait for the
/// first, then touch the row; SQLite has one writer at a time.
macro_rules! touch_guard {
    ($conn:expr, $table:expr, $key:expr, $values:expr, $touched:expr) => {
        $crate::db::on_backend!($conn, |c| diesel::insert_into($table)
            .values($values)
            .on_conflict($key)
            .do_update()
            .set($touched.eq(diesel::upsert::excluded($touched)))
            .execute(c))
    };
}
pub(crate) use touch_guard;

/// Whether a query finds any row.
macro_rules! any_row {
    ($c:expr, $query:expr) => {
        $query.count().get_result::<i64>($c)? > 0
    };
}
pub(crate) use any_row;

/// `NotFound` when nothing was written.
pub(crate) fn gone(affected: usize) -> Result<(), StoreError> {
    if affected == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend_by_scheme_only() {
        assert_eq!(
            DatabaseUrl::parse("postgres://u@127.0.0.1/db")
                .map(|u| u.backend())
                .ok(),
            Some("postgresql")
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db").ok(),
            Some(DatabaseUrl::Sqlite("data/x.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/x.db").ok(),
            Some(DatabaseUrl::Sqlite("/tmp/x.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:x.db").ok(),
            Some(DatabaseUrl::Sqlite("x.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("./data/planipref.db").ok(),
            Some(DatabaseUrl::Sqlite("./data/planipref.db".into()))
        );
        for bad in ["", ":memory:", "mysql://x/y", "host=127.0.0.1 dbname=x"] {
            assert!(DatabaseUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn logged_urls_hide_the_password() {
        let url = DatabaseUrl::parse("postgres://app:s3cret@db:5432/planipref").expect("url");
        assert_eq!(url.redacted(), "postgres://app:***@db:5432/planipref");
        assert!(!url.redacted().contains("s3cret"));
    }

    #[test]
    fn both_backends_embed_the_same_migrations() {
        let (sqlite, postgres) = embedded_migration_versions();
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, postgres);
    }
}
