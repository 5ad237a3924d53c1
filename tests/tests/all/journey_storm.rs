//! The booking journey under a storm, against the real binary: hundreds of
//! applicants holding, confirming, booking, moving and cancelling the same
//! few slots at once, over one SQLite process, over two processes sharing
//! one PostgreSQL database, and with one of them killed (SIGKILL) in the
//! middle. Afterwards the database must be whole: no guichet over-booked,
//! no reservation without its time or time without its reservation, every
//! answered booking present in the state its applicant was told.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use chrono::{Days, Utc};
use futures_util::future::join_all;
use planipref_store::{DatabaseUrl, Integrity, PoolOptions, Store};
use planipref_test_support::TestDb;
use planipref_tests::{Server, bobigny, booking, client, get_json, run};
use serde_json::{Value, json};

/// Applicants per storm.
const APPLICANTS: usize = 240;
/// Slots they fight over.
const SLOTS: usize = 4;

/// What the applicants were told, when the answers came.
#[derive(Debug, Default)]
struct Told {
    /// (reference, token, start expected, booked expected).
    reservations: Vec<(String, String, String, bool)>,
    /// Answers no rule allows (status and body).
    unexpected: Vec<String>,
    /// Requests that got no answer (their server was killed).
    lost: usize,
    /// The storm's answers, counted.
    progress: Arc<Progress>,
}

/// Counts a storm's answers, and says once when `at` of them have come (the
/// moment to kill a process in the middle of it, whatever the machine's
/// speed).
#[derive(Debug, Default)]
struct Progress {
    answered: AtomicUsize,
    at: usize,
    reached: Mutex<Option<mpsc::Sender<()>>>,
}

impl Progress {
    /// A count that sends on `reached` when `at` answers have come.
    fn telling_at(at: usize, reached: mpsc::Sender<()>) -> Arc<Self> {
        Arc::new(Self {
            at,
            reached: Mutex::new(Some(reached)),
            ..Self::default()
        })
    }

    fn answered_one(&self) {
        if self.answered.fetch_add(1, Ordering::SeqCst) + 1 == self.at
            && let Some(reached) = self.reached.lock().unwrap().take()
        {
            let _ = reached.send(());
        }
    }
}

/// Sends a request and sorts its answer: `Some` when its status is one of
/// `allowed`; `None` (and noted in `told`) when it is another, or when no
/// answer came (the server is gone).
async fn send(
    told: &mut Told,
    client: &awc::Client,
    (method, url): (&str, String),
    token: Option<&str>,
    body: Option<Value>,
    allowed: &[u16],
) -> Option<(u16, Value)> {
    let mut req = match method {
        "POST" => client.post(url),
        "DELETE" => client.delete(url),
        _ => client.get(url),
    };
    if let Some(t) = token {
        req = req.insert_header(("X-Management-Token", t));
    }
    let res = match body {
        Some(b) => req.send_json(&b).await,
        None => req.send().await,
    };
    let Ok(mut res) = res else {
        told.lost += 1;
        return None;
    };
    told.progress.answered_one();
    let status = res.status().as_u16();
    let body = res
        .json::<Value>()
        .limit(1 << 20)
        .await
        .unwrap_or(Value::Null);
    if allowed.contains(&status) {
        Some((status, body))
    } else {
        told.unexpected.push(format!("{status} {body}"));
        None
    }
}

/// One applicant's journey, deterministic in `n`: a hold then its
/// confirmation (or its release), or a direct booking; then perhaps a move
/// to the next slot, perhaps a cancellation. What they were told; an
/// appointment whose last change got no answer is left out (no one knows).
async fn journey(
    client: awc::Client,
    base: String,
    motif: String,
    starts: Vec<String>,
    (n, progress): (usize, Arc<Progress>),
) -> Told {
    let mut told = Told {
        progress,
        ..Told::default()
    };
    let t = &mut told;
    let start = starts[n % starts.len()].clone();
    let applicant = booking(&motif, &start, n + 10_000)["applicant"].clone();
    let reservations = format!("{base}/api/v1/reservations");
    let created = if n.is_multiple_of(2) {
        let body = json!({"motif_id": motif, "start": start});
        let Some((201, held)) = send(
            t,
            &client,
            ("POST", format!("{base}/api/v1/holds")),
            None,
            Some(body),
            &[201, 409],
        )
        .await
        else {
            return told;
        };
        let hold = held["hold_id"].as_str().unwrap().to_owned();
        if n.is_multiple_of(10) {
            send(
                t,
                &client,
                ("DELETE", format!("{base}/api/v1/holds/{hold}")),
                None,
                None,
                &[204],
            )
            .await;
            return told;
        }
        let body = json!({"hold_id": hold, "applicant": applicant});
        send(t, &client, ("POST", reservations), None, Some(body), &[201]).await
    } else {
        let body = json!({"motif_id": motif, "start": start, "applicant": applicant});
        send(
            t,
            &client,
            ("POST", reservations),
            None,
            Some(body),
            &[201, 409],
        )
        .await
    };
    let Some((201, created)) = created else {
        return told;
    };
    let reference = created["reference"].as_str().unwrap().to_owned();
    let token = created["management_token"].as_str().unwrap().to_owned();
    let mut at = created["reservation"]["start"].as_str().unwrap().to_owned();
    let mut booked = true;
    let this = format!("{base}/api/v1/reservations/{reference}");
    if n.is_multiple_of(3) {
        let body = json!({"start": starts[(n + 1) % starts.len()]});
        match send(
            t,
            &client,
            ("POST", format!("{this}/reschedule")),
            Some(&token),
            Some(body),
            &[200, 409],
        )
        .await
        {
            Some((200, r)) => at = r["start"].as_str().unwrap().to_owned(),
            Some(_) => {}
            None => return told,
        }
    }
    if n.is_multiple_of(4) {
        match send(
            t,
            &client,
            ("POST", format!("{this}/cancel")),
            Some(&token),
            None,
            &[200],
        )
        .await
        {
            Some(_) => booked = false,
            None => return told,
        }
    }
    told.reservations.push((reference, token, at, booked));
    told
}

/// The first `SLOTS` starts of Bobigny's renewal motif next week.
async fn contested_slots(client: &awc::Client, server: &Server) -> (String, Vec<String>) {
    let site = bobigny(client, server).await;
    let (_, motifs) = get_json(client, &server.url(&format!("/api/v1/sites/{site}/motifs"))).await;
    let motif = motifs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| {
            m["label"]
                .as_str()
                .is_some_and(|l| l.starts_with("Renouvellement"))
        })
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let from = Utc::now().date_naive() + Days::new(7);
    let (_, slots) = get_json(
        client,
        &server.url(&format!(
            "/api/v1/motifs/{motif}/slots?from={from}&to={}",
            from + Days::new(6)
        )),
    )
    .await;
    let starts = slots["slots"].as_array().unwrap()[..SLOTS]
        .iter()
        .map(|s| s["start"].as_str().unwrap().to_owned())
        .collect();
    (motif, starts)
}

/// Runs the storm over `bases`; what the applicants were told, merged.
async fn storm(bases: &[String], motif: &str, starts: &[String], progress: Arc<Progress>) -> Told {
    let client = client();
    let journeys = (0..APPLICANTS).map(|n| {
        journey(
            client.clone(),
            bases[n % bases.len()].clone(),
            motif.to_owned(),
            starts.to_vec(),
            (n, progress.clone()),
        )
    });
    let mut all = Told::default();
    for told in join_all(journeys).await {
        all.reservations.extend(told.reservations);
        all.unexpected.extend(told.unexpected);
        all.lost += told.lost;
    }
    all
}

/// How long the storms' servers keep a hold.
const HOLD_MINUTES: i64 = 10;

/// A server for a storm, as [`Server::start`] starts one, keeping holds
/// [`HOLD_MINUTES`] whatever the environment says.
fn storm_server(db_url: &str) -> Server {
    let minutes = HOLD_MINUTES.to_string();
    Server::start_with(
        db_url,
        "warn",
        &[
            ("PLANIPREF_CLIENT_LIMITS", "off"),
            ("PLANIPREF_HOLD_MINUTES", &minutes),
        ],
    )
}

/// The checks after a storm, through `alive` (a server still running).
async fn assert_whole(db_url: &str, alive: &Server, motif: &str, told: &Told, label: &str) {
    assert!(
        told.unexpected.is_empty(),
        "[{label}] unexpected answers: {:?}",
        told.unexpected
    );
    let store = Store::open(
        &DatabaseUrl::parse(db_url).unwrap(),
        &PoolOptions::default(),
    )
    .unwrap();
    assert_eq!(
        store.booking_integrity().unwrap(),
        Integrity::default(),
        "[{label}]"
    );
    let client = client();
    for (reference, token, start, booked) in &told.reservations {
        let mut res = client
            .get(alive.url(&format!("/api/v1/reservations/{reference}")))
            .insert_header(("X-Management-Token", token.as_str()))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status().as_u16(),
            200,
            "[{label}] {reference} is in the database"
        );
        let read: Value = res.json().await.unwrap();
        assert_eq!(
            read["start"].as_str(),
            Some(start.as_str()),
            "[{label}] {reference}"
        );
        assert_eq!(read["status"] == "booked", *booked, "[{label}] {reference}");
    }
    let answered_booked = told.reservations.iter().filter(|r| r.3).count();
    println!(
        "[{label}] {APPLICANTS} applicants on {SLOTS} slots: {} reservations answered, {answered_booked} still booked, {} requests lost",
        told.reservations.len(),
        told.lost
    );
    assert!(
        told.reservations.len() >= SLOTS,
        "[{label}] some bookings went through"
    );
    if told.lost == 0 {
        // Nothing hidden: the database holds exactly what was answered,
        // and every hold was confirmed or released.
        let motif = motif.parse().unwrap();
        assert_eq!(
            store.count_booked(motif).unwrap(),
            answered_booked as i64,
            "[{label}]"
        );
        assert_eq!(store.count_live_holds(Utc::now()).unwrap(), 0, "[{label}]");
    }
    // No hold outlives its expiry, not even one a killed process left
    // unconfirmed: none is live once a hold's length has passed, and
    // `Integrity::lingering` above checks that their units lapse with them.
    let after_any_hold =
        Utc::now() + chrono::Duration::minutes(HOLD_MINUTES) + chrono::Duration::seconds(1);
    assert_eq!(
        store.count_live_holds(after_any_hold).unwrap(),
        0,
        "[{label}]"
    );
}

#[actix_web::test]
async fn a_storm_of_holds_bookings_moves_and_cancellations_leaves_sqlite_whole() {
    let db = TestDb::sqlite();
    run(&db.url, &["seed", "--demo"]);
    let server = storm_server(&db.url);
    let (motif, starts) = contested_slots(&client(), &server).await;
    let told = storm(
        std::slice::from_ref(&server.base),
        &motif,
        &starts,
        Arc::default(),
    )
    .await;
    assert_eq!(told.lost, 0);
    assert_whole(&db.url, &server, &motif, &told, "sqlite").await;
}

#[actix_web::test]
async fn two_processes_on_postgresql_weather_the_storm() {
    let Some(db) = TestDb::postgres() else { return };
    run(&db.url, &["seed", "--demo"]);
    let a = storm_server(&db.url);
    let b = storm_server(&db.url);
    let (motif, starts) = contested_slots(&client(), &a).await;
    let told = storm(
        &[a.base.clone(), b.base.clone()],
        &motif,
        &starts,
        Arc::default(),
    )
    .await;
    assert_eq!(told.lost, 0);
    assert_whole(&db.url, &b, &motif, &told, "postgresql, two processes").await;
}

#[actix_web::test]
async fn a_process_killed_mid_storm_leaves_nothing_half_written_and_the_other_serves() {
    let Some(db) = TestDb::postgres() else { return };
    run(&db.url, &["seed", "--demo"]);
    let mut a = storm_server(&db.url);
    let b = storm_server(&db.url);
    let (motif, starts) = contested_slots(&client(), &a).await;
    let bases = [a.base.clone(), b.base.clone()];
    // Killed once a hundred answers have come (of some 600): mid-storm.
    let (reached, killed_at) = mpsc::channel();
    let killer = std::thread::spawn(move || {
        let _ = killed_at.recv();
        a.kill();
    });
    let told = storm(&bases, &motif, &starts, Progress::telling_at(100, reached)).await;
    killer.join().unwrap();
    assert!(told.lost > 0, "the kill cut some requests");
    assert_whole(&db.url, &b, &motif, &told, "postgresql, one process killed").await;
    // The survivor still books.
    let later = Utc::now().date_naive() + Days::new(14);
    let (_, slots) = get_json(
        &client(),
        &b.url(&format!(
            "/api/v1/motifs/{motif}/slots?from={later}&to={}",
            later + Days::new(6)
        )),
    )
    .await;
    let start = slots["slots"][0]["start"].as_str().unwrap();
    let mut res = client()
        .post(b.url("/api/v1/reservations"))
        .send_json(&booking(&motif, start, 99_999))
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201, "{:?}", res.body().await);
}
