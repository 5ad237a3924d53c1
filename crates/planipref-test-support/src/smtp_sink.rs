//! A real SMTP server for tests: Python's aiosmtpd (pinned in
//! `scripts/requirements-tools.txt`; `make test` installs it and names its
//! Python in `PLANIPREF_TEST_PYTHON`), listening on 127.0.0.1 and keeping
//! every message it receives in a maildir; stopped when dropped.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running SMTP sink.
#[derive(Debug)]
pub struct SmtpSink {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    maildir: tempfile::TempDir,
}

impl SmtpSink {
    /// Starts a sink on a free port; returns once it listens.
    #[allow(clippy::expect_used)]
    pub fn start() -> Self {
        let python = std::env::var("PLANIPREF_TEST_PYTHON").expect(
            "PLANIPREF_TEST_PYTHON names a Python with aiosmtpd: run `make test`, which installs it",
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let maildir = tempfile::tempdir().expect("maildir");
        let mut child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the SMTP sink starts");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                panic!("the SMTP sink did not listen on 127.0.0.1:{port}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            port,
            maildir,
        }
    }

    /// `smtp://127.0.0.1:<port>` (no TLS, no authentication).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, as sent, sorted.
    pub fn received(&self) -> Vec<String> {
        let dir = self.maildir.path().join("mail/new");
        let mut all: Vec<String> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                    .collect()
            })
            .unwrap_or_default();
        all.sort();
        all
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
