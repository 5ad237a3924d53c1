//! Migrations that move rows: each keeps every row and every child row.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::MigrationHarness;

use crate::db::SQLITE_MIGRATIONS;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Channel {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    channel: String,
}

fn count(c: &mut SqliteConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(c)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

/// Applies the migrations before the one whose name contains `name`.
fn migrate_until(c: &mut SqliteConnection, name: &str) {
    let pending = c.pending_migrations(SQLITE_MIGRATIONS).expect("pending");
    for m in pending
        .iter()
        .take_while(|m| !m.name().to_string().contains(name))
    {
        c.run_migration(m).expect("migration");
    }
}

/// The counter's day rebuilds `reservations` on SQLite to widen its status
/// check. Its children reference it with ON DELETE CASCADE: had foreign
/// keys stayed on, dropping the old table would have deleted every
/// occupied unit. Rows are written with foreign keys off (no site or motif
/// is needed to prove this), the migration runs with them on, as a server's
/// connections have them.
#[test]
fn the_counter_day_rebuild_keeps_every_reservation_and_its_children() {
    let mut c = SqliteConnection::establish(":memory:").expect("sqlite");
    migrate_until(&mut c, "counter_day");
    c.batch_execute(
        "PRAGMA foreign_keys = OFF;
         INSERT INTO reservations (id, reference, token_hash, site_id, motif_id, guichet_id,
             starts_at, ends_at, status, last_name, first_names, birth_date, email, phone,
             created_at, updated_at, convocation_id)
         VALUES
         ('r1', 'AAAA-1111', 'h1', 's', 'm', 'g', '2026-12-07 09:00:00', '2026-12-07 09:15:00',
          'booked', 'Diallo', 'Aissata', '1990-01-02', 'a@example.org', '', '2026-12-01 10:00:00',
          '2026-12-01 10:00:00', NULL),
         ('r2', 'BBBB-2222', 'h2', 's', 'm', 'g', '2026-12-07 09:15:00', '2026-12-07 09:30:00',
          'cancelled', 'Nguyen', 'Van', '1985-05-06', '', '0612345678', '2026-12-01 10:00:00',
          '2026-12-01 11:00:00', 'c1');
         INSERT INTO guichet_occupancy (guichet_id, unit_start, reservation_id) VALUES
         ('g', '2026-12-07 09:00:00', 'r1'), ('g', '2026-12-07 09:05:00', 'r1'),
         ('g', '2026-12-07 09:10:00', 'r1');
         INSERT INTO reservation_events (id, reservation_id, occurred_at, actor, action) VALUES
         ('e1', 'r1', '2026-12-01 10:00:00', 'applicant', 'created'),
         ('e2', 'r2', '2026-12-01 10:00:00', 'applicant', 'created'),
         ('e3', 'r2', '2026-12-01 11:00:00', 'applicant', 'cancelled');
         INSERT INTO audit_events (id, occurred_at, actor, entity, entity_id, action) VALUES
         ('a1', '2026-12-01 09:00:00', 'agent-1', 'site', 's', 'updated');
         PRAGMA foreign_keys = ON;",
    )
    .expect("rows before");

    c.run_pending_migrations(SQLITE_MIGRATIONS)
        .expect("counter day");

    assert_eq!(count(&mut c, "SELECT count(*) AS n FROM reservations"), 2);
    assert_eq!(
        count(&mut c, "SELECT count(*) AS n FROM guichet_occupancy"),
        3
    );
    assert_eq!(
        count(&mut c, "SELECT count(*) AS n FROM reservation_events"),
        3
    );
    assert_eq!(count(&mut c, "SELECT count(*) AS n FROM audit_events"), 1);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) AS n FROM guichet_occupancy o JOIN reservations r \
             ON r.id = o.reservation_id"
        ),
        3,
        "every occupied unit still points at its reservation"
    );
    assert_eq!(
        count(&mut c, "SELECT foreign_keys AS n FROM pragma_foreign_keys"),
        1,
        "foreign keys are on again"
    );
    let channels: Vec<Channel> =
        diesel::sql_query("SELECT id, channel FROM reservations ORDER BY id")
            .load(&mut c)
            .expect("channels");
    let channels: Vec<_> = channels
        .iter()
        .map(|r| (r.id.as_str(), r.channel.as_str()))
        .collect();
    assert_eq!(channels, [("r1", "web"), ("r2", "convocation")]);
    // The widened checks accept the counter's statuses and steps.
    c.batch_execute(
        "UPDATE reservations SET status = 'no_show' WHERE id = 'r1';
         INSERT INTO reservation_events (id, reservation_id, occurred_at, actor, action)
         VALUES ('e4', 'r1', '2026-12-07 09:30:00', 'system:no-show', 'no_show');",
    )
    .expect("new status");
    assert!(
        c.batch_execute("UPDATE reservations SET status = 'lost' WHERE id = 'r1'")
            .is_err(),
        "the check still refuses unknown statuses"
    );
}
