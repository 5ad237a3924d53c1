//! Temporary databases for this workspace's integration tests: a SQLite
//! file in a temporary directory, or a PostgreSQL database created for one
//! test and dropped after it; and préfecture rules changed without the API
//! (so without an audit entry), for tests about something else.
//!
//! A dev-dependency only, so that none of it ships in the production
//! libraries. It depends on `planipref-store`, so only integration tests
//! (`tests/*.rs`) may use it: a crate's own unit tests would see a second
//! copy of the store's types.
//!
//! PostgreSQL tests run when `PLANIPREF_TEST_POSTGRES_URL` names a server
//! (any database on it: new ones are created beside it). When it is set and
//! the server cannot be reached, tests fail rather than skip, so CI can
//! never pass without them.
//!
//! Tests migrate nothing themselves: each database is a copy of a migrated
//! template. On PostgreSQL (`CREATE DATABASE … TEMPLATE`), the template is
//! `planipref_template_<hash of the migrations>`, which the first test
//! process to need it creates and migrates, under an advisory lock so that
//! test processes running at once build it once; a change to the
//! migrations names another, and former ones may be dropped whenever no
//! test runs (a missing template is built again). On SQLite, each test
//! process migrates one file and each database starts as a copy of it.
//! Copies share their template's `opening` secret, which no test compares
//! across databases.

mod file_status_server;
mod http_sink;
mod smtp_sink;
pub use file_status_server::{FileAnswer, FileStatusServer};
pub use http_sink::{HttpRequest, HttpSink};
pub use smtp_sink::SmtpSink;

use diesel::Connection;
use diesel::connection::SimpleConnection;

use planipref_store::{DatabaseUrl, PoolOptions, Store};

/// The variable naming the PostgreSQL server for tests.
pub const POSTGRES_ENV: &str = "PLANIPREF_TEST_POSTGRES_URL";

/// A migrated database that disappears with this value.
pub struct TestDb {
    /// Its URL, for a server process under test.
    pub url: String,
    store: Store,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDb")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl TestDb {
    /// A new SQLite database file, migrated.
    #[allow(clippy::expect_used)]
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let file = dir.path().join("planipref.db");
        std::fs::write(&file, sqlite_template()).expect("copy the SQLite template");
        let url = format!("sqlite://{}", file.display());
        Self::open(url, Some(dir), None)
    }

    /// A new PostgreSQL database, migrated; `None` when no server is
    /// configured for tests. Panics when one is configured but unreachable.
    #[allow(clippy::expect_used)]
    pub fn postgres() -> Option<Self> {
        let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
            // In CI the PostgreSQL suite is mandatory: a missing variable is
            // a broken pipeline, not a reason to pass.
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but {POSTGRES_ENV} is not: the PostgreSQL tests must run in CI"
            );
            eprintln!("PostgreSQL tests SKIPPED: {POSTGRES_ENV} is not set");
            return None;
        };
        let name = format!("planipref_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = diesel::PgConnection::establish(&admin_url)
            .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set but PostgreSQL is unreachable: {e}"));
        copy_template(&mut admin, &admin_url, &name);
        let url = replace_database(&admin_url, &name);
        Some(Self::open(url, None, Some((admin_url, name))))
    }

    /// SQLite, then PostgreSQL when configured.
    pub fn each() -> Vec<Self> {
        let mut dbs = vec![Self::sqlite()];
        dbs.extend(Self::postgres());
        dbs
    }

    /// Opens the store on `url`, a copy of a migrated template.
    #[allow(clippy::expect_used)]
    fn open(
        url: String,
        dir: Option<tempfile::TempDir>,
        postgres: Option<(String, String)>,
    ) -> Self {
        let parsed = DatabaseUrl::parse(&url).expect("test database URL");
        let options = PoolOptions {
            max_size: 16,
            ..PoolOptions::default()
        };
        let store = Store::open(&parsed, &options).expect("pool");
        Self {
            url,
            store,
            _dir: dir,
            postgres,
        }
    }

    /// The store on this database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// `sqlite` or `postgresql`, to label assertions.
    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    /// Everything the database holds, as a thief of it would read it: on
    /// SQLite the file's bytes and its write-ahead log's (lossy UTF-8); on
    /// PostgreSQL every row of every table, as text.
    #[allow(clippy::expect_used)]
    pub fn everything_stored(&self) -> String {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Text {
            #[diesel(sql_type = diesel::sql_types::Text)]
            t: String,
        }
        let mut text = String::new();
        if let Some(path) = self.url.strip_prefix("sqlite://") {
            for file in [path.to_owned(), format!("{path}-wal")] {
                if let Ok(bytes) = std::fs::read(&file) {
                    text.push_str(&String::from_utf8_lossy(&bytes));
                }
            }
            return text;
        }
        let tables: Vec<Text> = self
            .store
            .with_conn(|c| {
                Ok(diesel::sql_query(
                    "SELECT table_name AS t FROM information_schema.tables \
                     WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
                )
                .load(c)?)
            })
            .expect("tables");
        for table in tables {
            let rows: Vec<Text> = self
                .store
                .with_conn(|c| {
                    Ok(
                        diesel::sql_query(format!("SELECT x::text AS t FROM \"{}\" x", table.t))
                            .load(c)?,
                    )
                })
                .expect("rows");
            rows.into_iter().for_each(|r| text.push_str(&r.t));
        }
        text
    }
}

/// Makes a préfecture's cancelled slots free at once (no release delay),
/// for tests about something else than the delay.
#[allow(clippy::expect_used)]
pub fn release_at_once(store: &Store, prefecture: &str) {
    use diesel::prelude::*;
    use planipref_store::schema::prefectures;
    set_rules(store, prefecture, |c| {
        diesel::update(prefectures::table.find(prefecture))
            .set((
                prefectures::release_delay_min_minutes.eq(0),
                prefectures::release_delay_max_minutes.eq(0),
            ))
            .execute(c)
    });
}

/// Sets a préfecture's limit of coming appointments per person.
#[allow(clippy::expect_used)]
pub fn limit_appointments_per_person(store: &Store, prefecture: &str, max: i32) {
    use diesel::prelude::*;
    use planipref_store::schema::prefectures;
    set_rules(store, prefecture, |c| {
        diesel::update(prefectures::table.find(prefecture))
            .set(prefectures::max_active_per_person.eq(max))
            .execute(c)
    });
}

/// Lets the motifs of a préfecture's sites be booked up to their start (no
/// minimum notice), so that online bookings and walk-ins compete for the
/// same hour.
#[allow(clippy::expect_used)]
pub fn book_without_notice(store: &Store, prefecture: &str) {
    use diesel::prelude::*;
    use planipref_store::schema::{motifs, services, sites};
    set_rules(store, prefecture, |c| {
        let of_prefecture = services::table
            .inner_join(sites::table)
            .filter(sites::prefecture_code.eq(prefecture))
            .select(services::id);
        diesel::update(motifs::table.filter(motifs::service_id.eq_any(of_prefecture)))
            .set((
                motifs::min_notice_hours.eq(0),
                motifs::min_notice_overridden.eq(true),
            ))
            .execute(c)
    });
}

/// Changes a préfecture's rules with `change`, and raises its sites'
/// counters of audited changes as the API does, so that no process keeps
/// the former rules.
#[allow(clippy::expect_used)]
fn set_rules(
    store: &Store,
    prefecture: &str,
    change: impl Fn(&mut planipref_store::AnyConnection) -> diesel::QueryResult<usize>,
) {
    use diesel::prelude::*;
    use planipref_store::schema::sites;
    store
        .with_conn(|c| {
            change(c)?;
            diesel::update(sites::table.filter(sites::prefecture_code.eq(prefecture)))
                .set(sites::availability_version.eq(sites::availability_version + 1))
                .execute(c)
                .map_err(planipref_store::StoreError::from)
        })
        .expect("rules");
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.postgres {
            // FORCE closes the connections still open in other processes.
            let dropped = diesel::PgConnection::establish(admin_url).and_then(|mut c| {
                c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))
            });
            if let Err(e) = dropped {
                eprintln!("could not drop test database {name}: {e}");
            }
        }
    }
}

/// The PostgreSQL migrations, as this checkout has them (the store embeds
/// the same files).
const POSTGRES_MIGRATIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations/postgres");

/// Bumped when the template is made differently, to name a new one.
const TEMPLATE_VERSION: &str = "1";

/// `planipref_template_<hash>`: the hash of every PostgreSQL migration
/// (folder name and `up.sql`), so that a template is never used for
/// migrations other than those it was made with.
#[allow(clippy::expect_used)]
fn template_name() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        use sha2::{Digest, Sha256};
        let mut folders: Vec<std::path::PathBuf> = std::fs::read_dir(POSTGRES_MIGRATIONS)
            .expect("the PostgreSQL migrations folder")
            .map(|entry| entry.expect("a migration folder").path())
            .filter(|path| path.is_dir())
            .collect();
        folders.sort();
        let mut hash = Sha256::new();
        hash.update(TEMPLATE_VERSION);
        for folder in &folders {
            let name = folder.file_name().expect("a folder name");
            let up = std::fs::read(folder.join("up.sql")).expect("a migration's up.sql");
            for part in [name.as_encoded_bytes(), &up] {
                hash.update((part.len() as u64).to_le_bytes());
                hash.update(part);
            }
        }
        let digest = format!("{:x}", hash.finalize());
        format!("planipref_template_{}", &digest[..16])
    })
}

/// Creates the PostgreSQL database `name` as a copy of the template, which
/// this process makes sure of once (and again, should it have been dropped
/// since).
#[allow(clippy::expect_used)]
fn copy_template(admin: &mut diesel::PgConnection, admin_url: &str, name: &str) {
    static ENSURED: std::sync::Once = std::sync::Once::new();
    let template = template_name();
    ENSURED.call_once(|| ensure_template(admin, admin_url, template));
    let copy = format!("CREATE DATABASE {name} TEMPLATE {template}");
    if let Err(e) = admin.batch_execute(&copy) {
        let missing = matches!(&e, diesel::result::Error::DatabaseError(_, info)
            if info.message().contains("does not exist"));
        assert!(missing, "create test database: {e}");
        ensure_template(admin, admin_url, template);
        admin.batch_execute(&copy).expect("create test database");
    }
}

/// Makes sure the migrated template exists, building it if missing or
/// left half-built: under a session advisory lock on the administration
/// database, so that test processes starting at once wait for the first
/// one's instead of building their own. A template is only marked as such
/// (`IS_TEMPLATE`, and closed to connections) once migrated.
#[allow(clippy::expect_used)]
fn ensure_template(admin: &mut diesel::PgConnection, admin_url: &str, template: &str) {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Database {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        datistemplate: bool,
    }
    const LOCK: &str = "hashtext('planipref test template')";
    admin
        .batch_execute(&format!("SELECT pg_advisory_lock({LOCK})"))
        .expect("lock the template");
    let existing = diesel::sql_query("SELECT datistemplate FROM pg_database WHERE datname = $1")
        .bind::<diesel::sql_types::Text, _>(template)
        .get_results::<Database>(admin)
        .expect("look for the template");
    let ready = existing.first().is_some_and(|d| d.datistemplate);
    if !ready {
        if !existing.is_empty() {
            admin
                .batch_execute(&format!("DROP DATABASE {template} WITH (FORCE)"))
                .expect("drop a half-built template");
        }
        admin
            .batch_execute(&format!("CREATE DATABASE {template}"))
            .expect("create the template");
        let url = DatabaseUrl::parse(&replace_database(admin_url, template)).expect("URL");
        let options = PoolOptions {
            max_size: 1,
            ..PoolOptions::default()
        };
        // Dropped before the template is closed: no connection left to it.
        Store::open(&url, &options)
            .expect("pool")
            .migrate()
            .expect("migrate the template");
        admin
            .batch_execute(&format!(
                "ALTER DATABASE {template} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"
            ))
            .expect("mark the template");
    }
    admin
        .batch_execute(&format!("SELECT pg_advisory_unlock({LOCK})"))
        .expect("unlock the template");
}

/// A migrated SQLite database, made once per test process: the bytes of
/// its one file (its write-ahead log folded in), which each test database
/// starts as.
#[allow(clippy::expect_used)]
fn sqlite_template() -> &'static [u8] {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BYTES.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary directory");
        let file = dir.path().join("template.db");
        let url = DatabaseUrl::Sqlite(file.clone());
        let options = PoolOptions {
            max_size: 1,
            ..PoolOptions::default()
        };
        let store = Store::open(&url, &options).expect("pool");
        store.migrate().expect("migrate the SQLite template");
        store
            .with_conn(|c| {
                c.batch_execute("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
                    .map_err(planipref_store::StoreError::from)
            })
            .expect("fold the write-ahead log in");
        drop(store);
        std::fs::read(&file).expect("read the SQLite template")
    })
}

/// `postgres://u@h:5432/db?x=y` with `db` replaced by `name`.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Sets the status of the reservations named by `references`, as a
/// counter's day would have left them: for histories of attendance.
#[allow(clippy::expect_used)]
pub fn set_statuses(store: &Store, references: &[String], status: &str) {
    use diesel::prelude::*;
    use planipref_store::schema::reservations;
    let changed = store
        .with_conn(|c| {
            Ok(diesel::update(
                reservations::table.filter(reservations::reference.eq_any(references)),
            )
            .set(reservations::status.eq(status))
            .execute(c)?)
        })
        .expect("statuses set");
    assert_eq!(changed, references.len(), "every reference is known");
}

/// How many of motif `motif`'s appointments that still stand are
/// over-booked.
#[allow(clippy::expect_used)]
pub fn overbooked_count(store: &Store, motif: &str) -> i64 {
    use diesel::prelude::*;
    use planipref_store::schema::reservations;
    store
        .with_conn(|c| {
            Ok(reservations::table
                .filter(reservations::motif_id.eq(motif))
                .filter(reservations::overbooked.eq(true))
                .filter(reservations::status.ne("cancelled"))
                .count()
                .get_result(c)?)
        })
        .expect("over-booked appointments counted")
}

/// The keys SMS opt-outs are kept under.
#[allow(clippy::expect_used)]
pub fn opt_out_keys(store: &Store) -> Vec<String> {
    use diesel::prelude::*;
    use planipref_store::schema::sms_opt_outs;
    store
        .with_conn(|c| {
            Ok(sms_opt_outs::table
                .select(sms_opt_outs::phone_key)
                .load(c)?)
        })
        .expect("opt-outs read")
}

/// Writes an opt-out under `key`, as an earlier version kept it.
#[allow(clippy::expect_used)]
pub fn write_opt_out_key(store: &Store, key: &str) {
    use diesel::prelude::*;
    use planipref_store::schema::sms_opt_outs;
    store
        .with_conn(|c| {
            Ok(diesel::insert_into(sms_opt_outs::table)
                .values((
                    sms_opt_outs::phone_key.eq(key),
                    sms_opt_outs::opted_out_at
                        .eq(planipref_store::to_db(std::time::SystemTime::now().into())),
                ))
                .execute(c)?)
        })
        .expect("opt-out written");
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn test_database_urls_keep_server_and_options() {
        assert_eq!(
            replace_database("postgres://postgres@127.0.0.1:5432/test", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            replace_database("postgresql://u:p@h/db?sslmode=disable", "t2"),
            "postgresql://u:p@h/t2?sslmode=disable"
        );
        assert_eq!(
            replace_database("postgres://h:5432", "t3"),
            "postgres://h:5432/t3"
        );
    }
}
