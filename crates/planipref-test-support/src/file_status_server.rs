//! A local file-status connector for the tests of file checks: a real
//! HTTP server on 127.0.0.1 that checks each request against the shape
//! `docs/file-status.md` documents (a `POST` of JSON `{system,
//! file_number, demarche}` with the bearer token it was given) and answers
//! the status it was told for that file number. Each connection is
//! answered on its own thread, after the delay it was given (the slow
//! variant, for timeouts). It lives as long as the test process.

// A test helper: a broken local socket fails the test at once.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::Write;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::http_sink::{HttpRequest, read_request};

/// What the server answers for a file number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileAnswer {
    /// `200` with `{"status": <this>}` (`validated`, `consumed`,
    /// `unknown`, `expired`, or any other text).
    Status(&'static str),
    /// This HTTP status, with an empty JSON object.
    Http(u16),
    /// `200` with a body that is not JSON.
    Garbage,
}

/// The local connector.
#[derive(Debug)]
pub struct FileStatusServer {
    /// Where it listens (`http://127.0.0.1:<port>/status`).
    pub url: String,
    requests: Arc<Mutex<Vec<HttpRequest>>>,
}

impl FileStatusServer {
    /// Starts it: requests with `Authorization: Bearer <token>` get the
    /// answer `answers` gives for their file number (`unknown` for any
    /// other); others are answered 401; requests not of the documented
    /// shape, 400.
    pub fn start(token: &str, answers: &[(&str, FileAnswer)]) -> Self {
        Self::start_slow(token, answers, Duration::ZERO)
    }

    /// Starts it answering each request `delay` after reading it.
    pub fn start_slow(token: &str, answers: &[(&str, FileAnswer)], delay: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/status", listener.local_addr().expect("addr"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        let answers: Arc<BTreeMap<String, FileAnswer>> = Arc::new(
            answers
                .iter()
                .map(|(n, a)| ((*n).to_owned(), a.clone()))
                .collect(),
        );
        let bearer = format!("Bearer {token}");
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (seen, answers, bearer) = (seen.clone(), answers.clone(), bearer.clone());
                std::thread::spawn(move || {
                    let request = read_request(&stream);
                    seen.lock().unwrap().push(request.clone());
                    std::thread::sleep(delay);
                    let (status, body) = answer(&request, &bearer, &answers);
                    let reply = format!(
                        "HTTP/1.1 {status} Answer\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(reply.as_bytes());
                });
            }
        });
        Self { url, requests }
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.requests.lock().unwrap().clone()
    }
}

/// The status and body answering `request`.
fn answer(
    request: &HttpRequest,
    bearer: &str,
    answers: &BTreeMap<String, FileAnswer>,
) -> (u16, String) {
    if request.header("authorization") != Some(bearer) {
        return (401, "{}".into());
    }
    let text = |k: &str| request.body.get(k).and_then(|v| v.as_str());
    let documented = request.line.starts_with("POST /status ")
        && request
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json"))
        && matches!(text("system"), Some("anef" | "snpc"))
        && text("demarche").is_some_and(|d| !d.is_empty());
    let Some(number) = text("file_number").filter(|_| documented) else {
        return (400, "{}".into());
    };
    match answers
        .get(number)
        .cloned()
        .unwrap_or(FileAnswer::Status("unknown"))
    {
        FileAnswer::Status(s) => (
            200,
            format!(r#"{{"status":"{s}","checked_at":"2026-12-07T09:00:00Z"}}"#),
        ),
        FileAnswer::Http(code) => (code, "{}".into()),
        FileAnswer::Garbage => (200, "<html>maintenance</html>".into()),
    }
}
