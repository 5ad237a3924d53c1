//! SMS providers over HTTP against a local server that checks each
//! request and answers as told: success, refusals (4xx) and failures
//! worth another attempt (429, 5xx, no server).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use planipref_delivery::SendError;
use planipref_delivery::sms_http::{Brevo, JsonWebhook};
use planipref_delivery::transport::{Sms, SmsSender};
use serde_json::Value;

/// A request as the local server read it.
#[derive(Debug, Clone)]
struct Request {
    line: String,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A local HTTP server answering each request with the next of
/// `statuses` (the last one repeated).
struct Gateway {
    url: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Gateway {
    fn start(path: &str, statuses: &[u16]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}{path}", listener.local_addr().expect("addr"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (seen, statuses) = (requests.clone(), statuses.to_vec());
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(mut stream) = stream else { continue };
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
                seen.lock().unwrap().push(Request {
                    line: line.trim_end().to_owned(),
                    headers,
                    body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                });
                let status = statuses[n.min(statuses.len() - 1)];
                let answer = format!(
                    "HTTP/1.1 {status} Answer\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
                );
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        Self { url, requests }
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

fn sms(text: &str) -> Sms {
    Sms {
        id: "f715b8be-be7a-43bb-8186-913067dcc323".into(),
        to: "+33612345678".into(),
        text: text.into(),
    }
}

#[test]
fn brevo_receives_the_recipient_without_plus_the_sender_and_the_encoding() {
    let gateway = Gateway::start("/v3/transactionalSMS/send", &[201]);
    let brevo = Brevo::new(&gateway.url, "xkeysib-test-key", "PREF93");
    brevo
        .send(&sms(
            "Préfecture : RDV K7QX-M3PA confirmé le 14/12 à 09:30.",
        ))
        .expect("sent");
    brevo
        .send(&sms("Reçu : votre rendez-vous est confirmé"))
        .expect("sent");
    let requests = gateway.requests();
    assert_eq!(requests.len(), 2);
    let first = &requests[0];
    assert_eq!(first.line, "POST /v3/transactionalSMS/send HTTP/1.1");
    assert_eq!(first.header("api-key"), Some("xkeysib-test-key"));
    assert!(
        first
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/json"))
    );
    assert_eq!(first.body["recipient"], "33612345678");
    assert_eq!(first.body["sender"], "PREF93");
    assert_eq!(first.body["type"], "transactional");
    assert_eq!(first.body["tag"], "f715b8be-be7a-43bb-8186-913067dcc323");
    assert_eq!(
        first.body["content"],
        "Préfecture : RDV K7QX-M3PA confirmé le 14/12 à 09:30."
    );
    // é and à are GSM-7; ç is not.
    assert_eq!(first.body["unicodeEnabled"], false);
    assert_eq!(requests[1].body["unicodeEnabled"], true);
}

#[test]
fn answers_say_whether_to_try_again() {
    for (status, temporary) in [
        (400, false),
        (401, false),
        (429, true),
        (500, true),
        (503, true),
    ] {
        let gateway = Gateway::start("/sms", &[status]);
        let outcome = JsonWebhook::new(&gateway.url, None).send(&sms("Rappel"));
        match outcome {
            Err(SendError::Temporary(why)) if temporary => {
                assert!(why.contains(&status.to_string()))
            }
            Err(SendError::Permanent(why)) if !temporary => {
                assert!(why.contains(&status.to_string()))
            }
            other => panic!("{status}: {other:?}"),
        }
    }
    // Nobody listening: worth another attempt.
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/sms", closed.local_addr().expect("addr"));
    drop(closed);
    assert!(matches!(
        JsonWebhook::new(&url, None).send(&sms("Rappel")),
        Err(SendError::Temporary(_))
    ));
}

#[test]
fn the_json_gateway_receives_the_id_the_encoding_and_its_token() {
    let gateway = Gateway::start("/sms", &[202]);
    JsonWebhook::new(&gateway.url, Some("s3cret"))
        .send(&sms("Rappel : RDV K7QX-M3PA demain à 09:30."))
        .expect("sent");
    let request = &gateway.requests()[0];
    assert_eq!(request.header("authorization"), Some("Bearer s3cret"));
    assert_eq!(
        request.header("idempotency-key"),
        Some("f715b8be-be7a-43bb-8186-913067dcc323")
    );
    assert_eq!(request.body["to"], "+33612345678");
    assert_eq!(request.body["encoding"], "gsm7");
    assert_eq!(request.body["segments"], 1);
    assert_eq!(request.body["id"], "f715b8be-be7a-43bb-8186-913067dcc323");
}
