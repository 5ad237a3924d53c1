//! Harness for black-box tests: the real `planipref` binary, started as a
//! separate process on a test database, driven over HTTP on 127.0.0.1.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use chrono::{Days, Utc};
use serde_json::Value;

/// The `planipref` binary: `PLANIPREF_BIN`, or the one built beside this
/// test binary (`cargo build --workspace --bins` builds it; `make test`
/// does so first).
#[allow(clippy::expect_used)]
pub fn binary() -> PathBuf {
    if let Ok(path) = std::env::var("PLANIPREF_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/<test> → target/<profile>/planipref; a binary
    // of this crate (planipref-load) sits beside it.
    let dir = exe.parent().expect("target directory");
    let bin = if dir.join("planipref").exists() {
        dir.join("planipref")
    } else {
        dir.parent()
            .map(|d| d.join("planipref"))
            .expect("target directory")
    };
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build --workspace --bins` (make test does) or set PLANIPREF_BIN",
        bin.display()
    );
    bin
}

/// Runs `planipref <args>` to completion on `database_url`; panics on failure.
pub fn run(database_url: &str, args: &[&str]) {
    output(database_url, args);
}

/// Runs `planipref <args>` to completion on `database_url`; its standard
/// output (a minted token, for instance). Panics on failure.
pub fn output(database_url: &str, args: &[&str]) -> String {
    output_with(database_url, args, &[])
}

/// [`output`] with these environment variables set.
#[allow(clippy::expect_used)]
pub fn output_with(database_url: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new(binary())
        .args(args)
        .envs(env.iter().copied())
        .env("PLANIPREF_DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("planipref runs");
    assert!(
        out.status.success(),
        "planipref {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// `Bearer <token>` for an agent `sub` of `role` on `scope`, minted by
/// `planipref token` (the development key the servers verify with).
pub fn bearer(database_url: &str, role: &str, scope: &str, sub: &str) -> String {
    let token = output(
        database_url,
        &["token", "--role", role, "--scope", scope, "--sub", sub],
    );
    format!("Bearer {token}")
}

/// A running `planipref serve`, killed when dropped.
#[derive(Debug)]
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// `http://127.0.0.1:<port>/metrics` when started with
    /// `PLANIPREF_METRICS_BIND`.
    pub metrics: Option<String>,
    log: PathBuf,
    _log_dir: tempfile::TempDir,
}

impl Server {
    /// Starts a server on `database_url`, on a free port, with `RUST_LOG` at
    /// `log_level`; returns once it listens. Per-client limits are off:
    /// every test client comes from 127.0.0.1 (see [`Server::start_with`]).
    pub fn start(database_url: &str, log_level: &str) -> Self {
        Self::start_with(
            database_url,
            log_level,
            &[("PLANIPREF_CLIENT_LIMITS", "off")],
        )
    }

    /// [`Server::start`] with these environment variables set.
    #[allow(clippy::expect_used)]
    pub fn start_with(database_url: &str, log_level: &str, env: &[(&str, &str)]) -> Self {
        let log_dir = tempfile::tempdir().expect("log dir");
        let log = log_dir.path().join("server.log");
        let mut child = Command::new(binary())
            .arg("serve")
            .envs(env.iter().copied())
            .env("PLANIPREF_DATABASE_URL", database_url)
            .env("PLANIPREF_OUTBOX_DIR", log_dir.path().join("outbox"))
            .env("PLANIPREF_BIND", "127.0.0.1:0")
            .env("PLANIPREF_DB_POOL_SIZE", "8")
            .env("PLANIPREF_WORKERS", "2")
            .env("RUST_LOG", log_level)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("planipref serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| {
                let _ = child.kill();
                panic!(
                    "planipref serve did not start: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            });
        let address = |line: &str| {
            line.split_whitespace()
                .find(|w| w.starts_with("http://"))
                .expect("the listening address")
                .to_owned()
        };
        // The API's address comes first; the metrics', when served, next.
        let base = address(&line);
        let metrics = env
            .iter()
            .any(|(name, _)| *name == "PLANIPREF_METRICS_BIND")
            .then(|| {
                let line = rx
                    .recv_timeout(Duration::from_secs(10))
                    .expect("the metrics' address");
                assert!(line.starts_with("Planipref metrics on "), "{line}");
                address(&line)
            });
        Self {
            child,
            base,
            metrics,
            log,
            _log_dir: log_dir,
        }
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process at once (SIGKILL): no shutdown, transactions cut
    /// wherever they are.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM: the server stops cleanly (see
    /// [`Server::exit_within`]).
    #[allow(clippy::expect_used)]
    pub fn sigterm(&self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -TERM failed");
    }

    /// Waits at most `within` for the process to exit: its exit status, or
    /// `None` if it is still running (blocks the thread).
    #[allow(clippy::expect_used)]
    pub fn exit_within(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return Some(status);
            }
            if std::time::Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Everything the server logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP client for tests.
pub fn client() -> awc::Client {
    awc::Client::builder()
        .timeout(Duration::from_secs(60))
        .connector(awc::Connector::new().limit(200))
        .finish()
}

/// GETs `url` and returns status and JSON body.
#[allow(clippy::expect_used)]
pub async fn get_json(client: &awc::Client, url: &str) -> (u16, Value) {
    let mut res = client.get(url).send().await.expect("GET");
    let body = res
        .json::<Value>()
        .limit(4 << 20)
        .await
        .unwrap_or(Value::Null);
    (res.status().as_u16(), body)
}

/// The demo's préfecture site at Bobigny.
#[allow(clippy::expect_used)]
pub async fn bobigny(client: &awc::Client, server: &Server) -> String {
    let (_, sites) = get_json(client, &server.url("/api/v1/sites?prefecture=93")).await;
    sites["items"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["kind"] == "prefecture"))
        .expect("Bobigny")["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// Books `count` appointments of `motif` at `start` (applicants `first..`)
/// and returns each one's (reference, management token).
#[allow(clippy::expect_used)]
pub async fn book_each(
    client: &awc::Client,
    server: &Server,
    (motif, start): (&str, &str),
    first: usize,
    count: usize,
) -> Vec<(String, String)> {
    let mut tokens = vec![];
    for n in first..first + count {
        let mut res = client
            .post(server.url("/api/v1/reservations"))
            .send_json(&booking(motif, start, n))
            .await
            .expect("POST");
        assert_eq!(res.status().as_u16(), 201);
        let body: Value = res.json().await.expect("json");
        tokens.push((
            body["reference"].as_str().expect("ref").to_owned(),
            body["management_token"].as_str().expect("token").to_owned(),
        ));
    }
    tokens
}

/// Cancels a reservation as its applicant; the answer's status.
#[allow(clippy::expect_used)]
pub async fn cancel(
    client: &awc::Client,
    server: &Server,
    (reference, token): &(String, String),
) -> u16 {
    client
        .post(server.url(&format!("/api/v1/reservations/{reference}/cancel")))
        .insert_header(("X-Management-Token", token.as_str()))
        .send()
        .await
        .expect("cancel")
        .status()
        .as_u16()
}

/// The demo's Bobigny motif whose label starts with `label`, and the first
/// slot of it in a week from tomorrow: `(motif_id, slot)`.
#[allow(clippy::expect_used)]
pub async fn bobigny_slot(client: &awc::Client, server: &Server, label: &str) -> (String, Value) {
    let site = bobigny(client, server).await;
    let (_, motifs) = get_json(client, &server.url(&format!("/api/v1/sites/{site}/motifs"))).await;
    let motif = motifs["items"]
        .as_array()
        .and_then(|m| {
            m.iter()
                .find(|m| m["label"].as_str().is_some_and(|l| l.starts_with(label)))
        })
        .expect("motif")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let from = Utc::now()
        .date_naive()
        .checked_add_days(Days::new(7))
        .expect("date");
    let to = from.checked_add_days(Days::new(6)).expect("date");
    let (_, slots) = get_json(
        client,
        &server.url(&format!("/api/v1/motifs/{motif}/slots?from={from}&to={to}")),
    )
    .await;
    (motif, slots["slots"][0].clone())
}

/// A booking body for applicant number `n`.
pub fn booking(motif: &str, start: &str, n: usize) -> Value {
    // A different person for each `n`: one person books one appointment
    // per démarche.
    let mut name = String::from("Durand-");
    let mut rest = n;
    loop {
        name.push(char::from(b'a' + (rest % 26) as u8));
        rest /= 26;
        if rest == 0 {
            break;
        }
    }
    serde_json::json!({
        "motif_id": motif,
        "start": start,
        "applicant": {
            "last_name": name,
            "first_names": "Sacha",
            "birth_date": "1988-02-29",
            "email": format!("sacha{n}@example.org"),
            "phone": "+33 7 00 00 00 00"
        }
    })
}
