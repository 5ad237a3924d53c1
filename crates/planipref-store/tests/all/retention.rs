//! The purge's pseudonymisation of the audit trail on both databases:
//! entries that only look personal (the word "applicant" as a value) are
//! looked at once, so that they never hold back the entries behind them.

use chrono::{Duration, Utc};
use planipref_seed::seed_demo;
use planipref_store::{AuditEntry, AuditFilter};
use planipref_test_support::TestDb;

fn entry(after: &str, at: chrono::DateTime<Utc>) -> AuditEntry {
    AuditEntry {
        actor: "agent:a.martin".into(),
        departement: Some("93".into()),
        site_id: None,
        entity: "reservation",
        entity_id: "K7QX-M3PA".into(),
        action: "updated",
        before: None,
        after: Some(after.into()),
        at,
    }
}

#[test]
fn look_alike_audit_entries_never_hold_back_a_personal_one() {
    for db in TestDb::each() {
        let store = db.store();
        seed_demo(store).expect("seed");
        let long_ago = Utc::now() - Duration::days(400);
        // Written first: with batches of 2, they come up first.
        for _ in 0..4 {
            store
                .write_audit(&entry(r#"{"booked_by":"applicant"}"#, long_ago))
                .expect("look-alike");
        }
        store
            .write_audit(&entry(
                r#"{"applicant":{"last_name":"N'Diaye"},"status":"booked"}"#,
                long_ago,
            ))
            .expect("personal");
        let mut rounds = 0;
        let kept = |store: &planipref_store::Store| {
            store
                .list_audit(&AuditFilter::default(), 0, 100)
                .expect("audit")
                .items
                .iter()
                .filter(|e| e.after.as_deref().unwrap_or("").contains("N'Diaye"))
                .count()
        };
        while kept(store) > 0 {
            rounds += 1;
            assert!(
                rounds <= 3,
                "{}: still named after {rounds} purges",
                db.backend()
            );
            store.purge(Utc::now(), 2, false).expect("purge");
        }
        let entries = store
            .list_audit(&AuditFilter::default(), 0, 100)
            .expect("audit")
            .items;
        assert!(
            entries
                .iter()
                .any(|e| e.after.as_deref() == Some(r#"{"status":"booked"}"#)),
            "{}: the entry stays, without the person",
            db.backend()
        );
        assert_eq!(
            entries
                .iter()
                .filter(|e| e.after.as_deref() == Some(r#"{"booked_by":"applicant"}"#))
                .count(),
            4,
            "look-alikes are left as they were"
        );
    }
}
