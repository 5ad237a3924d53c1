//! `planipref import`, the real binary, on SQLite and PostgreSQL: plannings
//! and appointments from the former module's CSV exports are checked
//! whole (every bad line reported, nothing written), written once (a
//! second run creates nothing), and imported appointments take their slot
//! like bookings, keep their reference, and are managed with the token
//! written to the tokens file.

use std::path::Path;
use std::process::Command;

use chrono::{Datelike, Days, Utc};
use planipref_test_support::TestDb;
use planipref_tests::{Server, bearer, binary, bobigny, bobigny_slot, client, get_json, run};
use serde_json::Value;

/// Runs `planipref <args>`: whether it succeeded, and its standard output.
fn import(db: &TestDb, args: &[&str]) -> (bool, String) {
    let out = Command::new(binary())
        .args(args)
        .env("PLANIPREF_DATABASE_URL", &db.url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("planipref runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("written");
    path.to_string_lossy().into_owned()
}

/// The plages of each guichet named `name` at `site`, read by a national
/// administrator.
async fn imported_plages(db: &TestDb, site: &str, name: &str) -> Vec<usize> {
    let server = Server::start(&db.url, "warn");
    let admin = bearer(&db.url, "admin_national", "", "import-test");
    let client = client();
    let read = |url: String| {
        let request = client
            .get(url)
            .insert_header(("Authorization", admin.clone()));
        async move {
            let mut res = request.send().await.expect("read");
            res.json::<Value>().limit(1 << 22).await.expect("json")
        }
    };
    let guichets =
        read(server.url(&format!("/api/v1/admin/sites/{site}/guichets?per_page=100"))).await;
    let mut plages = vec![];
    for g in guichets["items"].as_array().expect("items") {
        if g["name"] == name {
            let id = g["id"].as_str().expect("id");
            let listed =
                read(server.url(&format!("/api/v1/admin/guichets/{id}/plages?per_page=100"))).await;
            plages.push(listed["items"].as_array().map_or(0, Vec::len));
        }
    }
    plages
}

#[actix_web::test]
async fn plannings_are_checked_whole_then_written_once() {
    for db in TestDb::each() {
        run(&db.url, &["seed", "--demo"]);
        let server = Server::start(&db.url, "warn");
        let client = client();
        let site = bobigny(&client, &server).await;
        let (motif, _) = bobigny_slot(&client, &server, "Renouvellement").await;
        let (_, other_site_motif) = {
            let (_, sites) = get_json(&client, &server.url("/api/v1/sites?prefecture=974")).await;
            let other = sites["items"][0]["id"].as_str().expect("site").to_owned();
            get_json(
                &client,
                &server.url(&format!("/api/v1/sites/{other}/motifs")),
            )
            .await
        };
        let foreign = other_site_motif["items"][0]["id"].as_str().expect("motif");
        let monday = (28..35)
            .map(|d| Utc::now().date_naive() + Days::new(d))
            .find(|d| d.weekday() == chrono::Weekday::Mon)
            .expect("a monday");
        let before = nine_oclock(&client, &server, &motif, monday).await;
        drop(server);
        let dir = tempfile::tempdir().expect("dir");
        let from = Utc::now().date_naive() + Days::new(28);
        let header = "site_id,guichet_external_id,guichet_name,motif_ids,plage_external_id,weekdays,start,end,valid_from,valid_until\n";

        let bad = format!(
            "{header}\
             {site},G1,Guichet importé 1,{motif},P1,monday,09:00,12:00,{from},\n\
             00000000-0000-4000-8000-000000000000,G2,Guichet 2,{motif},P2,lundi,09:00,12:00,{from},\n\
             {site},G3,Guichet 3,{foreign},P3,tuesday,14:00,11:00,{from},\n\
             {site},G1,Guichet importé 1,{motif},P1,friday,09:00,12:00,{from},\n"
        );
        let (ok, report) = import(
            &db,
            &["import", "plannings", &write(dir.path(), "bad.csv", &bad)],
        );
        assert!(!ok, "{report}");
        for expected in [
            "line 3, column site_id: is not a Planipref site",
            "line 3, column weekdays:",
            "line 4, column motif_ids:",
            "line 4, column end:",
            "line 5, column plage_external_id: already on line 2",
        ] {
            assert!(report.contains(expected), "{expected} in {report}");
        }
        assert!(report.contains("nothing was written"), "{report}");
        assert!(
            imported_plages(&db, &site, "Guichet importé 1")
                .await
                .is_empty(),
            "{}: a refused file writes nothing",
            db.backend()
        );

        let good = format!(
            "{header}\
             {site},G1,Guichet importé 1,{motif},P1,monday|wednesday,09:00,12:00,{from},\n\
             {site},G1,Guichet importé 1,{motif},P2,friday,13:30,16:30,{from},{}\n",
            from + Days::new(90)
        );
        let good = write(dir.path(), "good.csv", &good);
        let (ok, report) = import(&db, &["import", "plannings", &good, "--dry-run"]);
        assert!(ok, "{report}");
        assert!(
            report.contains("would create 1 guichet(s)")
                && report.contains("would create 2 plage(s)"),
            "{report}"
        );
        assert!(
            imported_plages(&db, &site, "Guichet importé 1")
                .await
                .is_empty(),
            "a dry run writes nothing"
        );

        let (ok, report) = import(&db, &["import", "plannings", &good]);
        assert!(ok, "{report}");
        assert!(report.contains("created 2 plage(s)"), "{report}");
        assert_eq!(
            imported_plages(&db, &site, "Guichet importé 1").await,
            [2],
            "{}",
            db.backend()
        );

        let (ok, again) = import(&db, &["import", "plannings", &good]);
        assert!(ok, "{again}");
        assert!(
            again.contains("unchanged: 3") && !again.contains("created"),
            "{again}"
        );
        assert_eq!(
            imported_plages(&db, &site, "Guichet importé 1").await,
            [2],
            "a second run creates nothing"
        );

        // The imported guichet offers its time on an imported day.
        let server = Server::start(&db.url, "warn");
        let after = nine_oclock(&client, &server, &motif, monday).await;
        assert_eq!(after, before + 1, "{}", db.backend());
    }
}

/// The remaining places of `motif`'s 09:00 slot on `day`.
async fn nine_oclock(
    client: &awc::Client,
    server: &Server,
    motif: &str,
    day: chrono::NaiveDate,
) -> u64 {
    let (_, slots) = get_json(
        client,
        &server.url(&format!("/api/v1/motifs/{motif}/slots?from={day}&to={day}")),
    )
    .await;
    slots["slots"]
        .as_array()
        .and_then(|s| {
            s.iter()
                .find(|s| s["start"].as_str().is_some_and(|t| t.contains("T09:00:00")))
        })
        .map_or(0, |s| s["remaining"].as_u64().unwrap_or(0))
}

/// The remaining places of `motif`'s slot at `start`.
async fn remaining(client: &awc::Client, server: &Server, motif: &str, start: &str) -> u64 {
    let day = &start[..10];
    let (_, slots) = get_json(
        client,
        &server.url(&format!("/api/v1/motifs/{motif}/slots?from={day}&to={day}")),
    )
    .await;
    slots["slots"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["start"] == start))
        .map_or(0, |s| s["remaining"].as_u64().unwrap_or(0))
}

#[actix_web::test]
async fn appointments_take_their_slot_keep_their_reference_and_are_managed_with_the_new_token() {
    for db in TestDb::each() {
        run(&db.url, &["seed", "--demo"]);
        let server = Server::start(&db.url, "warn");
        let client = client();
        let (motif, slot) = bobigny_slot(&client, &server, "Renouvellement").await;
        let start = slot["start"].as_str().expect("start").to_owned();
        let before = remaining(&client, &server, &motif, &start).await;
        assert!(before >= 1);
        let dir = tempfile::tempdir().expect("dir");
        let header = "external_id,reference,motif_id,start,persons,last_name,first_names,birth_date,email,phone,nationality,file_number,language\n";
        let past = (Utc::now() - chrono::Duration::days(3)).to_rfc3339();
        let night = format!("{}T03:00:00+01:00", &start[..10]);
        let bad = format!(
            "{header}\
             A1,K7QX-M3PA,{motif},{start},1,Zyxwimport,Léa,1990-01-02,lea@example.org,0612345678,,,fr\n\
             A1,,{motif},{start},1,Zyxwimport,Paul,1990-01-02,not-an-email,0612345678,,,fr\n\
             A3,,{motif},{past},1,Martin,Eva,1991-01-02,eva@example.org,0612345678,,,fr\n\
             A4,II11-OOOO,{motif},{night},1,Petit,Jean,1992-01-02,jean@example.org,0612345678,,,xx\n"
        );
        let tokens = dir.path().join("tokens.csv");
        let tokens_arg = tokens.to_string_lossy().into_owned();
        let bad = write(dir.path(), "bad.csv", &bad);
        let (ok, report) = import(
            &db,
            &["import", "reservations", &bad, "--tokens-out", &tokens_arg],
        );
        assert!(!ok, "{report}");
        for expected in [
            "line 3, column external_id: already on line 2",
            "line 3, column email:",
            "line 4, column start: is past",
            "line 5, column reference:",
            "line 5, column language:",
        ] {
            assert!(report.contains(expected), "{expected} in {report}");
        }
        assert!(!tokens.exists(), "nothing written, no tokens file");
        assert!(
            !db.everything_stored().contains("Zyxwimport"),
            "{}",
            db.backend()
        );

        let good = format!(
            "{header}A1,K7QX-M3PA,{motif},{start},1,Zyxwimport,Léa,1990-01-02,lea@example.org,+33612345678,,,en\n"
        );
        let good = write(dir.path(), "good.csv", &good);
        let (ok, report) = import(
            &db,
            &["import", "reservations", &good, "--tokens-out", &tokens_arg],
        );
        assert!(ok, "{report}");
        assert!(report.contains("created 1 appointment(s)"), "{report}");
        assert_eq!(
            remaining(&client, &server, &motif, &start).await,
            before - 1,
            "{}: the imported appointment holds its place",
            db.backend()
        );
        let written = std::fs::read_to_string(&tokens).expect("tokens file");
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&tokens)
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "readable by its owner only");
        }
        let mut rows = csv::Reader::from_reader(written.as_bytes());
        let row = rows.records().next().expect("one line").expect("csv");
        assert_eq!(&row[1], "K7QX-M3PA", "the former reference is kept");
        let mut res = client
            .get(server.url("/api/v1/reservations/K7QX-M3PA"))
            .insert_header(("X-Management-Token", &row[2]))
            .send()
            .await
            .expect("read");
        assert_eq!(res.status().as_u16(), 200);
        let read: Value = res.json().await.expect("json");
        assert_eq!(read["start"], start.as_str());
        assert!(!report.contains(&row[2]), "the token is never printed");

        // Again: nothing new, and the tokens file is not overwritten.
        let (ok, again) = import(
            &db,
            &["import", "reservations", &good, "--tokens-out", &tokens_arg],
        );
        assert!(ok, "{again}");
        assert!(
            again.contains("unchanged: 1") && !again.contains("created"),
            "{again}"
        );
        assert_eq!(std::fs::read_to_string(&tokens).expect("kept"), written);
        assert_eq!(
            remaining(&client, &server, &motif, &start).await,
            before - 1
        );
    }
}
