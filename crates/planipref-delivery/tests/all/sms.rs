//! SMS providers over HTTP against a local server that checks each
//! request and answers as told: success, refusals (4xx) and failures
//! worth another attempt (429, 5xx, no server).

use planipref_delivery::SendError;
use planipref_delivery::sms_http::{Brevo, JsonWebhook};
use planipref_delivery::transport::{Sms, SmsSender};
use std::net::TcpListener;

use planipref_test_support::HttpSink as Gateway;

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
