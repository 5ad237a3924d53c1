//! `planipref-load`: measures the router's questions against a real
//! `planipref serve` on 127.0.0.1, bounded in time.
//!
//! Usage: `planipref-load <database-url> [seconds per scenario] [connections]`
//! on a database seeded with `planipref seed --national`. It starts the
//! server (the binary beside this one, or `PLANIPREF_BIN`), finds the
//! largest département's sites and communes, then runs each scenario for
//! the given time with that many concurrent connections, each sending its
//! next request as soon as the previous answer arrives:
//!
//! - `health`: `GET /api/v1/health`, the server's own ceiling;
//! - `orientation`: the communes of the largest département in turn;
//! - `first-slot`: every site of that département in turn;
//! - `slots`: one week of the préfecture's motif;
//! - `stats`: an administrator's statistics of the whole département over
//!   a year, by motif (at most 4 connections: an office's few agents);
//! - `hub`: a national hub's free times (`/hub/availableTimeSlots`) for a
//!   month at every site of that département, as the hub polls it (the
//!   answer kept while nothing changes), with the development hub's token;
//! - `hub-cold`: the same question for 20 different months in turn, one
//!   connection, each asked once (computed, nothing kept yet).
//!
//! It prints requests, throughput, p50/p99/max latency and errors for each,
//! the slots/health throughput ratio, and whether the goals are met
//! (orientation p99 ≤ 50 ms; slots ≥ 30 % of health; stats p99 ≤ 200 ms;
//! a hub's month of a département, kept or computed, max ≤ 1 s).
//!
//! `LOAD_SCENARIOS` (comma-separated names, e.g. `stats` or
//! `health,stats`) runs only those scenarios; unset or empty runs all. A
//! goal whose scenario did not run is reported as not run.

#![allow(clippy::print_stdout, clippy::expect_used)]

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use chrono::{Days, Utc};
use planipref_tests::{Server, bearer, client, get_json};

/// The département with the most sites (1 préfecture, 6 sous-préfectures).
const DEPARTEMENT: &str = "62";
const DEMARCHE: &str = "sejour-renouvellement";
/// The development hub's public token (docs/hub.md), and the server's
/// `PLANIPREF_HUBS` entry for it: its SHA-256 digest, at a rate no load
/// reaches (a hub's own rate is not what is measured).
const DEVELOPMENT_HUB_TOKEN: &str = "planipref-hub-development-token-NOT-FOR-PRODUCTION";
const LOAD_HUB: &str =
    "load:6a26057d1917830b04414a25d33da2384e125e66e77e70a12fcfa5df98341316:100000";

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    errors: u64,
    first_error: Option<String>,
}

struct Figures {
    name: &'static str,
    requests: usize,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    errors: u64,
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let Some(url) = args.get(1) else {
        eprintln!("usage: planipref-load <database-url> [seconds per scenario] [connections]");
        std::process::exit(2);
    };
    let seconds: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let connections: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(32);
    actix_web::rt::System::new().block_on(run(
        url.clone(),
        seconds.clamp(1, 120),
        connections.clamp(1, 256),
    ))
}

async fn run(url: String, seconds: u64, connections: usize) -> std::io::Result<()> {
    let server = Server::start_with(
        &url,
        "warn",
        &[
            ("PLANIPREF_CLIENT_LIMITS", "off"),
            ("PLANIPREF_HUBS", LOAD_HUB),
        ],
    );
    let http = client();
    let backend = url.split(':').next().unwrap_or("?").to_owned();
    println!(
        "planipref-load: {backend}, {connections} connections, {seconds} s per scenario, {} cores",
        std::thread::available_parallelism().map_or(0, usize::from)
    );

    let (_, sites) = get_json(
        &http,
        &server.url(&format!(
            "/api/v1/sites?prefecture={DEPARTEMENT}&per_page=200"
        )),
    )
    .await;
    let sites: Vec<(String, String)> = sites["items"]
        .as_array()
        .expect("sites of the département: seed --national first")
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap_or_default().to_owned(),
                s["kind"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert!(
        !sites.is_empty(),
        "no site in {DEPARTEMENT}: run planipref seed --national"
    );
    let prefecture = sites
        .iter()
        .find(|(_, kind)| kind == "prefecture")
        .map(|(id, _)| id.clone())
        .expect("a préfecture");
    let (_, motifs) = get_json(
        &http,
        &server.url(&format!("/api/v1/sites/{prefecture}/motifs")),
    )
    .await;
    let motif = motifs["items"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["demarche_code"] == DEMARCHE))
        .and_then(|m| m["id"].as_str())
        .expect("the préfecture's motif")
        .to_owned();
    let communes: Vec<String> = include_str!("../../../reference/communes.csv")
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f.get(3) == Some(&DEPARTEMENT)).then(|| f[0].to_owned())
        })
        .collect();
    let from = Utc::now().date_naive() + Days::new(1);
    let to = from + Days::new(6);

    let year = (
        Utc::now().date_naive(),
        Utc::now().date_naive() + Days::new(365),
    );
    let admin = bearer(&url, "admin_prefecture", DEPARTEMENT, "load");
    let hub_month = |first: Days| {
        let start = Utc::now().date_naive() + first;
        let ids: String = sites
            .iter()
            .map(|(id, _)| format!("meeting_point_ids={id}&"))
            .collect();
        server.url(&format!(
            "/api/v1/hub/availableTimeSlots?{ids}start_date={start}&end_date={}&reason={DEMARCHE}&documents_number=1",
            start + Days::new(30)
        ))
    };
    let scenarios: Vec<(&'static str, Vec<String>)> = vec![
        ("health", vec![server.url("/api/v1/health")]),
        (
            "orientation",
            communes
                .iter()
                .map(|c| {
                    server.url(&format!(
                        "/api/v1/orientation?demarche={DEMARCHE}&commune={c}"
                    ))
                })
                .collect(),
        ),
        (
            "first-slot",
            sites
                .iter()
                .map(|(id, _)| {
                    server.url(&format!(
                        "/api/v1/sites/{id}/first-slot?demarche={DEMARCHE}"
                    ))
                })
                .collect(),
        ),
        (
            "slots",
            vec![server.url(&format!("/api/v1/motifs/{motif}/slots?from={from}&to={to}"))],
        ),
        (
            "stats",
            vec![server.url(&format!(
                "/api/v1/admin/stats?prefecture={DEPARTEMENT}&from={}&to={}&by=motif",
                year.0, year.1
            ))],
        ),
        ("hub", vec![hub_month(Days::new(1))]),
        (
            "hub-cold",
            (2..22).map(|d| hub_month(Days::new(d))).collect(),
        ),
    ];
    let only: Vec<String> = std::env::var("LOAD_SCENARIOS")
        .unwrap_or_default()
        .split(',')
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .collect();
    let scenarios: Vec<(&'static str, Vec<String>)> = scenarios
        .into_iter()
        .filter(|(name, _)| only.is_empty() || only.iter().any(|o| o == name))
        .collect();
    assert!(
        !scenarios.is_empty(),
        "LOAD_SCENARIOS names none of health, orientation, first-slot, slots, stats, hub, hub-cold"
    );
    println!(
        "{:<12} {:>9} {:>10} {:>9} {:>9} {:>9} {:>7}",
        "scenario", "requests", "req/s", "p50 ms", "p99 ms", "max ms", "errors"
    );
    let mut all = Vec::new();
    for (name, urls) in scenarios {
        let hub = ("x-hub-rdv-auth-token", DEVELOPMENT_HUB_TOKEN);
        let (auth, connections) = match name {
            "stats" => (Some(("Authorization", admin.as_str())), connections.min(4)),
            "hub" => (Some(hub), connections),
            "hub-cold" => (Some(hub), 1),
            _ => (None, connections),
        };
        let figures = if name == "hub-cold" {
            once_each(&http, (name, auth), &urls).await
        } else {
            measure(&http, (name, auth), Rc::new(urls), seconds, connections).await
        };
        println!(
            "{:<12} {:>9} {:>10.0} {:>9.2} {:>9.2} {:>9.2} {:>7}",
            figures.name,
            figures.requests,
            figures.per_second,
            figures.p50_ms,
            figures.p99_ms,
            figures.max_ms,
            figures.errors
        );
        all.push(figures);
    }
    let find = |n: &str| all.iter().find(|f| f.name == n);
    let verdict = |value: Option<f64>, met: fn(f64) -> bool| match value {
        None => "not run".to_owned(),
        Some(v) if met(v) => format!("{v:.2}, met"),
        Some(v) => format!("{v:.2}, NOT met"),
    };
    let ratio = find("slots")
        .zip(find("health"))
        .map(|(s, h)| s.per_second / h.per_second.max(1.0));
    let errors: u64 = all.iter().map(|f| f.errors).sum();
    println!(
        "goals ({backend}): orientation p99 ms ≤ 50: {}; slots/health throughput ≥ 0.30: {}; stats p99 ms ≤ 200: {}; hub month max ms ≤ 1000: kept {}, computed {}; errors {errors}",
        verdict(find("orientation").map(|f| f.p99_ms), |v| v <= 50.0),
        verdict(ratio, |v| v >= 0.30),
        verdict(find("stats").map(|f| f.p99_ms), |v| v <= 200.0),
        verdict(find("hub").map(|f| f.max_ms), |v| v <= 1000.0),
        verdict(find("hub-cold").map(|f| f.max_ms), |v| v <= 1000.0),
    );
    drop(server);
    Ok(())
}

/// Sends each of `urls` once, in turn, timing each answer.
async fn once_each(
    http: &awc::Client,
    (name, auth): (&'static str, Option<(&str, &str)>),
    urls: &[String],
) -> Figures {
    let started = Instant::now();
    let mut tally = Tally::default();
    for url in urls {
        let sent = Instant::now();
        let outcome = send(http, url, auth).await;
        tally
            .latencies_us
            .push(u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX));
        if let Err(e) = outcome {
            tally.errors += 1;
            tally.first_error.get_or_insert(e);
        }
    }
    figures(name, &mut tally, started.elapsed().as_secs_f64())
}

/// Sends one request and reads its whole answer; why it failed.
async fn send(http: &awc::Client, url: &str, auth: Option<(&str, &str)>) -> Result<(), String> {
    let mut request = http.get(url);
    if let Some(header) = auth {
        request = request.insert_header(header);
    }
    match request.send().await {
        Ok(mut res) => {
            let body = res.body().limit(8 << 20).await;
            match (res.status().is_success(), body) {
                (true, Ok(_)) => Ok(()),
                (_, body) => Err(format!(
                    "{} {}: {}",
                    res.status(),
                    url,
                    body.map(|b| String::from_utf8_lossy(&b)
                        .chars()
                        .take(200)
                        .collect::<String>())
                        .unwrap_or_default()
                )),
            }
        }
        Err(e) => Err(format!("{url}: {e}")),
    }
}

/// Runs `connections` loops over `urls` for `seconds`.
async fn measure(
    http: &awc::Client,
    (name, auth): (&'static str, Option<(&str, &str)>),
    urls: Rc<Vec<String>>,
    seconds: u64,
    connections: usize,
) -> Figures {
    let tally = Rc::new(RefCell::new(Tally::default()));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let auth: Option<(Rc<str>, Rc<str>)> = auth.map(|(h, v)| (Rc::from(h), Rc::from(v)));
    let loops = (0..connections).map(|c| {
        let (http, urls, tally) = (http.clone(), urls.clone(), tally.clone());
        let auth = auth.clone();
        async move {
            let mut i = c * 7919;
            while Instant::now() < deadline {
                let url = &urls[i % urls.len()];
                i += 1;
                let sent = Instant::now();
                let header = auth.as_ref().map(|(h, v)| (h.as_ref(), v.as_ref()));
                let outcome = send(&http, url, header).await;
                let elapsed = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX);
                let mut t = tally.borrow_mut();
                t.latencies_us.push(elapsed);
                if let Err(e) = outcome {
                    t.errors += 1;
                    t.first_error.get_or_insert(e);
                }
            }
        }
    });
    futures_util::future::join_all(loops).await;
    let wall = started.elapsed().as_secs_f64();
    let mut t = tally.borrow_mut();
    figures(name, &mut t, wall)
}

/// The figures of `t`, measured over `wall` seconds.
fn figures(name: &'static str, t: &mut Tally, wall: f64) -> Figures {
    if let Some(e) = &t.first_error {
        eprintln!("{name}: first error: {e}");
    }
    t.latencies_us.sort_unstable();
    let pick = |q: f64| {
        let n = t.latencies_us.len();
        if n == 0 {
            return 0.0;
        }
        let i = ((n as f64 * q).ceil() as usize).clamp(1, n) - 1;
        t.latencies_us[i] as f64 / 1000.0
    };
    Figures {
        name,
        requests: t.latencies_us.len(),
        per_second: t.latencies_us.len() as f64 / wall,
        p50_ms: pick(0.50),
        p99_ms: pick(0.99),
        max_ms: pick(1.0),
        errors: t.errors,
    }
}
