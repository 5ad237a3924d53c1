//! The demo seed on every configured backend (SQLite always, PostgreSQL
//! when `PLANIPREF_TEST_POSTGRES_URL` is set).

use planipref_seed::seed_demo;
use planipref_test_support::TestDb;

#[test]
fn the_demo_seed_is_idempotent() {
    for db in TestDb::each() {
        let first = seed_demo(db.store()).expect("seed");
        assert_eq!(first.created, vec!["93", "974"], "{}", db.backend());
        let second = seed_demo(db.store()).expect("seed again");
        assert!(second.created.is_empty());
        assert_eq!(second.skipped, vec!["93", "974"]);
        let sites = db.store().list_sites(None, 0, 100).expect("sites");
        assert_eq!(sites.total, 5, "{}", db.backend());
        let reunion = db.store().list_sites(Some("974"), 0, 100).expect("sites");
        assert!(
            reunion
                .items
                .iter()
                .all(|s| s.time_zone == "Indian/Reunion")
        );
    }
}
