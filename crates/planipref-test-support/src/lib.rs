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
        let url = format!("sqlite://{}", dir.path().join("planipref.db").display());
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
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create test database");
        let url = replace_database(&admin_url, &name);
        Some(Self::open(url, None, Some((admin_url, name))))
    }

    /// SQLite, then PostgreSQL when configured.
    pub fn each() -> Vec<Self> {
        let mut dbs = vec![Self::sqlite()];
        dbs.extend(Self::postgres());
        dbs
    }

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
        store.migrate().expect("migrations");
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
