//! `planipref purge`, the real binary: past retention (its clock set two
//! years ahead), a dry run counts what the purge then erases, and nothing
//! of the applicant is left in the database; on SQLite and PostgreSQL.

use planipref_test_support::TestDb;
use planipref_tests::{Server, bobigny_slot, book_each, client, output_with, run};

#[actix_web::test]
async fn purge_counts_then_erases_what_is_past_retention() {
    for db in TestDb::each() {
        run(&db.url, &["seed", "--demo"]);
        let server = Server::start(&db.url, "warn");
        let client = client();
        let (motif, slot) = bobigny_slot(&client, &server, "Renouvellement").await;
        let start = slot["start"].as_str().expect("start");
        book_each(&client, &server, (&motif, start), 4242, 1).await;
        drop(server);
        assert!(
            db.everything_stored().contains("Durand-"),
            "{}",
            db.backend()
        );

        let later = (chrono::Utc::now() + chrono::Duration::days(730)).to_rfc3339();
        let env = [("PLANIPREF_CLOCK_START", later.as_str())];
        let dry = output_with(&db.url, &["purge", "--dry-run"], &env);
        assert!(dry.starts_with("would erase: 1 identities"), "{dry}");
        assert!(
            db.everything_stored().contains("Durand-"),
            "a dry run erases nothing"
        );
        let done = output_with(&db.url, &["purge"], &env);
        assert!(done.starts_with("erased: 1 identities"), "{done}");
        assert!(
            !db.everything_stored().contains("Durand-"),
            "{}",
            db.backend()
        );
        let again = output_with(&db.url, &["purge", "--dry-run"], &env);
        assert!(
            again.starts_with("would erase: 0 identities, 0 convocations"),
            "{again}"
        );
    }
}
