//! The rush tool (`planipref-rush`, which `make load` runs at full size)
//! on a small rush: its report must agree with the database, so that the
//! figures quoted from it can be trusted. SQLite only: on PostgreSQL the
//! tool also runs pgbench for twenty seconds, which `make load` does.

use std::process::Command;

/// The numbers in a report line, in order.
fn numbers(line: &str) -> Vec<u64> {
    line.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect()
}

#[test]
fn a_small_rush_reports_every_place_taken_once_and_no_error() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("rush.db").display());
    // 400 applicants on 8 connections for the places of four days (at
    // least two working days, whatever today is: 60 to 120 places), 60 s
    // at most.
    let out = Command::new(env!("CARGO_BIN_EXE_planipref-rush"))
        .args([url.as_str(), "400", "8", "60", "4"])
        .env("PLANIPREF_BIN", planipref_tests::binary())
        .output()
        .expect("planipref-rush runs");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = |start: &str| {
        report
            .lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no {start:?} line in:\n{report}"))
    };
    // "reservations made   N (places: M; in the database: N)": what the
    // applicants were told is what the database holds. (Applicants try six
    // of the slots they saw, without reloading: a last place may stay
    // free, rarely, so M is a bound here, not a target.)
    let made = numbers(line("reservations made"));
    assert_eq!(made.len(), 3, "{report}");
    let (answered, places, stored) = (made[0], made[1], made[2]);
    assert!(answered > 0 && answered <= places, "{report}");
    assert_eq!(answered, stored, "{report}");
    assert_eq!(numbers(line("over-bookings")), vec![0], "{report}");
    assert_eq!(numbers(line("other errors")), vec![0], "{report}");
    // More applicants than places: some were refused, and said so.
    assert!(numbers(line("refusals 409/410"))[0] > 0, "{report}");
    assert!(line("http ceiling").contains("answers/s"), "{report}");
}
