//! A local HTTP server for the tests of what Planipref posts (SMS
//! gateways, webhooks' receivers): it records each request and answers
//! with the statuses it is told, in turn. Bound to 127.0.0.1; it lives
//! as long as the test process.

// A test helper: a broken local socket fails the test at once.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use serde_json::Value;

/// A request as the local server read it.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// The request line (`POST /in HTTP/1.1`).
    pub line: String,
    /// The headers, in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body as sent.
    pub raw: String,
    /// The body read as JSON (`null` when it is not).
    pub body: Value,
}

impl HttpRequest {
    /// The value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A local HTTP server answering each request with the next of
/// `statuses` (the last one repeated).
#[derive(Debug)]
pub struct HttpSink {
    /// Where it listens, with the path given (`http://127.0.0.1:<port>/in`).
    pub url: String,
    requests: Arc<Mutex<Vec<HttpRequest>>>,
}

impl HttpSink {
    /// Starts it, answering each request with the next of `statuses`
    /// (the last one repeated).
    pub fn start(path: &str, statuses: &[u16]) -> Self {
        Self::start_slow(path, statuses, std::time::Duration::ZERO)
    }

    /// Starts it, answering each request `delay` after reading it (one at
    /// a time, like a slow receiver), with the next of `statuses`.
    pub fn start_slow(path: &str, statuses: &[u16], delay: std::time::Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}{path}", listener.local_addr().expect("addr"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (seen, statuses) = (requests.clone(), statuses.to_vec());
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(mut stream) = stream else { continue };
                seen.lock().unwrap().push(read_request(&stream));
                std::thread::sleep(delay);
                let status = statuses[n.min(statuses.len() - 1)];
                let answer = format!(
                    "HTTP/1.1 {status} Answer\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
                );
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        Self { url, requests }
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.requests.lock().unwrap().clone()
    }
}

/// Reads one request (its line, headers and body) from `stream`.
pub(crate) fn read_request(stream: &std::net::TcpStream) -> HttpRequest {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut line = String::new();
    reader.read_line(&mut line).expect("request line");
    let mut headers = vec![];
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).expect("header");
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((name, value)) = h.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("body");
    HttpRequest {
        line: line.trim_end().to_owned(),
        headers,
        raw: String::from_utf8_lossy(&body).into_owned(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    }
}
