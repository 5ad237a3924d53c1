//! `planipref-rush`: the opening of new slots, as resellers' bots and
//! applicants meet it. Applicants race for the slots of one motif over
//! the days that open through the one-page journey: hold a slot they saw
//! free, then confirm it; on 409 they try another slot they saw, until
//! none is left.
//!
//! Usage: `planipref-rush <database-url> [applicants] [clients] [seconds]
//! [days]` on an empty database: it migrates, seeds the demo, starts the
//! server (the binary beside this one, or `PLANIPREF_BIN`) on 127.0.0.1,
//! and lets `clients` concurrent connections play `applicants` distinct
//! applicants (defaults 5,000 and 64) for the demo's renewal motif over
//! `days` days from next week (default 14: 300 places), stopping after
//! `seconds` (default 60) at most.
//!
//! It prints the reservations made (must equal the capacity M),
//! over-bookings (must be 0), errors other than 409/410 (must be 0),
//! p50/p99 latency, reservations per second and the server's peak memory.
//! On PostgreSQL it then measures the database's raw rate for the same
//! number of clients doing single-row inserts (pgbench) and prints the
//! ratio. Goals: ≥ 0.5 of the raw rate, ≤ 64 MiB of server memory.

#![allow(clippy::print_stdout, clippy::expect_used)]

use std::cell::{Cell, RefCell};
use std::process::Command;
use std::rc::Rc;
use std::time::{Duration, Instant};

use chrono::{Days, Utc};
use planipref_store::{DatabaseUrl, Integrity, PoolOptions, Store};
use planipref_tests::{Server, bobigny, booking, client, get_json, run};
use serde_json::{Value, json};

/// Slots an applicant tries before giving up.
const ATTEMPTS: usize = 6;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let Some(url) = args.get(1).cloned() else {
        eprintln!("usage: planipref-rush <database-url> [applicants] [clients] [seconds] [days]");
        std::process::exit(2);
    };
    let number =
        |i: usize, default: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default);
    let applicants = number(2, 5_000).clamp(1, 100_000);
    let clients = number(3, 64).clamp(1, 256);
    let seconds = number(4, 60).clamp(1, 300) as u64;
    let days = number(5, 14).clamp(1, 60) as u64;
    actix_web::rt::System::new().block_on(rush(url, (applicants, clients), seconds, days))
}

/// What the applicants saw and met.
#[derive(Default)]
struct Race {
    /// The slots as the page showed them when it opened (start, and
    /// whether it had room); each applicant starts from this view.
    seen: Vec<(String, bool)>,
    next_applicant: Cell<usize>,
    made: Cell<usize>,
    refused: Cell<usize>,
    other: RefCell<Vec<String>>,
    latencies_us: RefCell<Vec<u64>>,
    last_success: Cell<Option<Instant>>,
    /// Requests answered when the last place was taken.
    requests_by_last_success: Cell<usize>,
}

/// A small deterministic generator, so every run plays the same choices.
fn pick(seed: u64, n: usize) -> usize {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5eed;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    (x % n as u64) as usize
}

async fn rush(
    url: String,
    (applicants, clients): (usize, usize),
    seconds: u64,
    days: u64,
) -> std::io::Result<()> {
    run(&url, &["migrate"]);
    run(&url, &["seed", "--demo"]);
    let server = Server::start(&url, "warn");
    let http = client();
    let site = bobigny(&http, &server).await;
    let (_, motifs) = get_json(&http, &server.url(&format!("/api/v1/sites/{site}/motifs"))).await;
    let motif = motifs["items"]
        .as_array()
        .and_then(|m| {
            m.iter().find(|m| {
                m["label"]
                    .as_str()
                    .is_some_and(|l| l.starts_with("Renouvellement"))
            })
        })
        .and_then(|m| m["id"].as_str())
        .expect("the demo's renewal motif")
        .to_owned();
    // The days that open: from next week on.
    let from = Utc::now().date_naive() + Days::new(7);
    let (_, slots) = get_json(
        &http,
        &server.url(&format!(
            "/api/v1/motifs/{motif}/slots?from={from}&to={}",
            from + Days::new(days - 1)
        )),
    )
    .await;
    let shown: Vec<(String, i64)> = slots["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .map(|s| {
            (
                s["start"].as_str().unwrap_or_default().to_owned(),
                s["remaining"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    let capacity: i64 = shown.iter().map(|(_, r)| r).sum();
    let backend = url.split(':').next().unwrap_or("?").to_owned();
    println!(
        "planipref-rush: {backend}, {applicants} applicants for {capacity} places ({} slots of one motif over {days} days), {clients} clients, {} cores",
        shown.len(),
        std::thread::available_parallelism().map_or(0, usize::from)
    );

    // The server's own ceiling for a request of the journey's shape: a
    // hold the server refuses before touching the database.
    let ceiling = answers_per_second(&http, &server.base, clients, &motif).await;

    let seen = shown
        .into_iter()
        .map(|(start, room)| (start, room > 0))
        .collect();
    let race = Rc::new(Race {
        seen,
        ..Race::default()
    });
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let workers = (0..clients).map(|_| {
        let (race, http, base, motif) = (
            race.clone(),
            http.clone(),
            server.base.clone(),
            motif.clone(),
        );
        actix_web::rt::spawn(async move {
            loop {
                let n = race.next_applicant.get();
                if n >= applicants || Instant::now() >= deadline {
                    break;
                }
                race.next_applicant.set(n + 1);
                applicant(&race, &http, &base, &motif, n).await;
            }
        })
    });
    for worker in futures_util::future::join_all(workers).await {
        worker.expect("a client");
    }
    let elapsed = race
        .last_success
        .get()
        .map_or(started.elapsed(), |t| t - started);
    let peak_kib = peak_memory_kib(server.pid());

    // Over-bookings, from the database itself.
    let store = Store::open(
        &DatabaseUrl::parse(&url).expect("url"),
        &PoolOptions::default(),
    )
    .expect("store");
    let integrity = store.booking_integrity().expect("integrity");
    let booked = store
        .count_booked(motif.parse().expect("motif id"))
        .expect("booked");
    let over = integrity.overlapping + (booked - capacity).max(0);

    let made = race.made.get();
    let per_second = made as f64 / elapsed.as_secs_f64();
    let mut latencies = race.latencies_us.take();
    latencies.sort_unstable();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    };
    let other = race.other.take();
    println!("reservations made   {made} (places: {capacity}; in the database: {booked})");
    println!("over-bookings       {over}");
    println!("refusals 409/410    {}", race.refused.get());
    println!(
        "other errors        {}{}",
        other.len(),
        other
            .first()
            .map_or(String::new(), |e| format!(" (first: {e})"))
    );
    println!(
        "latency             p50 {:.2} ms, p99 {:.2} ms ({} requests)",
        at(0.5),
        at(0.99),
        latencies.len()
    );
    println!(
        "reservations/s      {per_second:.0} (all places taken in {:.2} s, after {} requests)",
        elapsed.as_secs_f64(),
        race.requests_by_last_success.get()
    );
    println!("server peak memory  {:.1} MiB", peak_kib as f64 / 1024.0);
    // However cheap the database, a place costs this many answered
    // requests: the hold and confirmation, and the refusals that the race
    // itself causes (applicants choosing a slot others took first).
    let requests_per_place = race.requests_by_last_success.get() as f64 / made.max(1) as f64;
    let bound = ceiling / requests_per_place.max(1.0);
    println!(
        "http ceiling        {ceiling:.0} answers/s to holds refused before the database ({clients} clients); at {requests_per_place:.1} requests per place, at most {bound:.0} reservations/s with a free database"
    );
    let mut met = made as i64 == capacity
        && over == 0
        && other.is_empty()
        && integrity == Integrity::default();
    met &= peak_kib <= 64 * 1024;
    if backend.starts_with("postgres") {
        let raw = pgbench(&url, clients, None);
        match raw {
            Some(tps) => {
                let ratio = per_second / tps;
                println!(
                    "postgresql raw      {tps:.0} single-row inserts/s with {clients} clients (pgbench); ratio {ratio:.2} (goal ≥ 0.5; the http ceiling alone allows {:.2})",
                    bound / tps
                );
                met &= ratio >= 0.5;
                // For scale: the same inserts when each first locks one of
                // the motif's counters, as any booking that cannot
                // over-book must (the journey does it twice: hold, then
                // confirm).
                let guichets = guichets_of(&url, &motif).unwrap_or(1);
                if let Some(locked) = pgbench(&url, clients, Some(guichets)) {
                    println!(
                        "postgresql locked   {locked:.0} inserts/s, each locking one of {guichets} counters first ({:.2} of the raw rate; the journey's ratio to it {:.2})",
                        locked / tps,
                        per_second / locked
                    );
                }
            }
            None => println!("postgresql raw      pgbench did not run"),
        }
    }
    println!("goals ({backend}): {}", if met { "met" } else { "NOT met" });
    Ok(())
}

/// One applicant: hold a slot they saw free, confirm it; on 409 another
/// of those they saw, up to `ATTEMPTS` (they do not reload the page).
async fn applicant(race: &Race, http: &awc::Client, base: &str, motif: &str, n: usize) {
    let mut open: Vec<usize> = (0..race.seen.len()).filter(|i| race.seen[*i].1).collect();
    for attempt in 0..ATTEMPTS {
        if open.is_empty() {
            return;
        }
        let choice = pick((n * ATTEMPTS + attempt) as u64, open.len());
        let start = race.seen[open[choice]].0.clone();
        let Some((status, held)) = timed(
            race,
            http.post(format!("{base}/api/v1/holds")),
            json!({"motif_id": motif, "start": start}),
        )
        .await
        else {
            return;
        };
        if status == 409 {
            // Full: this applicant tries another they saw.
            open.swap_remove(choice);
            race.refused.set(race.refused.get() + 1);
            continue;
        }
        if status != 201 {
            race.other
                .borrow_mut()
                .push(format!("hold {status} {held}"));
            return;
        }
        let applicant = booking(motif, &start, n)["applicant"].clone();
        let body = json!({"hold_id": held["hold_id"], "applicant": applicant});
        let Some((status, created)) =
            timed(race, http.post(format!("{base}/api/v1/reservations")), body).await
        else {
            return;
        };
        match status {
            201 => {
                race.made.set(race.made.get() + 1);
                race.last_success.set(Some(Instant::now()));
                race.requests_by_last_success
                    .set(race.latencies_us.borrow().len());
            }
            409 | 410 => race.refused.set(race.refused.get() + 1),
            _ => race
                .other
                .borrow_mut()
                .push(format!("reservation {status} {created}")),
        }
        return;
    }
}

/// Sends `body` and notes the latency; `None` (an error noted) when no
/// answer came.
async fn timed(race: &Race, req: awc::ClientRequest, body: Value) -> Option<(u16, Value)> {
    let sent = Instant::now();
    let res = req.send_json(&body).await;
    let mut res = match res {
        Ok(r) => r,
        Err(e) => {
            race.other.borrow_mut().push(format!("no answer: {e}"));
            return None;
        }
    };
    let body = res.json::<Value>().await.unwrap_or(Value::Null);
    race.latencies_us
        .borrow_mut()
        .push(sent.elapsed().as_micros() as u64);
    Some((res.status().as_u16(), body))
}

/// How many answers per second `clients` connections get, over three
/// seconds, to holds the server refuses at validation (a start that is
/// no date): the HTTP, JSON and problem-answer work of a journey's
/// request, without its database work.
async fn answers_per_second(http: &awc::Client, base: &str, clients: usize, motif: &str) -> f64 {
    let answered = Rc::new(Cell::new(0_usize));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(3);
    let workers = (0..clients).map(|_| {
        let (answered, http, url, motif) = (
            answered.clone(),
            http.clone(),
            format!("{base}/api/v1/holds"),
            motif.to_owned(),
        );
        actix_web::rt::spawn(async move {
            while Instant::now() < deadline {
                let body = json!({"motif_id": motif, "start": "pas une date"});
                let Ok(mut res) = http.post(&url).send_json(&body).await else {
                    return;
                };
                let _ = res.body().await;
                assert_eq!(res.status().as_u16(), 422, "a hold refused at validation");
                answered.set(answered.get() + 1);
            }
        })
    });
    for worker in futures_util::future::join_all(workers).await {
        worker.expect("a client");
    }
    answered.get() as f64 / started.elapsed().as_secs_f64()
}

/// The process's peak resident memory (VmHWM), in KiB.
fn peak_memory_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// PostgreSQL's rate of single-row inserts (one transaction each) with
/// `clients` connections, over 10 seconds, by pgbench; with `Some(n)`,
/// each transaction first locks one of `n` counter rows at random.
fn pgbench(url: &str, clients: usize, counters: Option<usize>) -> Option<f64> {
    let setup = Command::new("psql")
        .env("PGOPTIONS", "-c client_min_messages=warning")
        .arg(url)
        .args([
            "-qc",
            "DROP TABLE IF EXISTS rush_raw, rush_counters; \
             CREATE TABLE rush_raw (id BIGSERIAL PRIMARY KEY, at TIMESTAMP NOT NULL, payload TEXT NOT NULL); \
             CREATE TABLE rush_counters (id INT PRIMARY KEY, version BIGINT NOT NULL); \
             INSERT INTO rush_counters SELECT n, 0 FROM generate_series(1, 64) n",
        ])
        .status()
        .ok()?;
    if !setup.success() {
        return None;
    }
    let insert = "INSERT INTO rush_raw (at, payload) VALUES (now(), 'une réservation');\n";
    let script_text = match counters {
        None => insert.to_owned(),
        Some(n) => format!(
            "\\set c random(1, {})\nBEGIN;\nUPDATE rush_counters SET version = version + 1 WHERE id = :c;\n{insert}COMMIT;\n",
            n.clamp(1, 64)
        ),
    };
    let script = tempfile::NamedTempFile::new().ok()?;
    std::fs::write(script.path(), script_text).ok()?;
    let out = Command::new("pgbench")
        .args([
            "-n",
            "-c",
            &clients.to_string(),
            "-j",
            "2",
            "-T",
            "10",
            "-f",
        ])
        .arg(script.path())
        .arg(url)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|v| v.parse().ok())
}

/// How many guichets serve the motif.
fn guichets_of(url: &str, motif: &str) -> Option<usize> {
    let out = Command::new("psql")
        .arg(url)
        .args([
            "-tAc",
            &format!("SELECT count(*) FROM guichet_motifs WHERE motif_id = '{motif}'"),
        ])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}
