//! E-mails as sent: a plain-text and an HTML part, the appointment's
//! calendar file attached to confirmations and moves, and a `Message-ID`
//! made from the outbox message's id, the same on every attempt.

use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};

use crate::SendError;
use crate::render::Rendered;

/// An e-mail about to be built.
#[derive(Debug, Clone)]
pub struct Email<'a> {
    /// The outbox message's id.
    pub message_id: &'a str,
    /// The recipient's address.
    pub to: &'a str,
    /// What it says.
    pub rendered: &'a Rendered,
    /// The calendar file to attach, if any.
    pub calendar: Option<&'a str>,
}

/// The `Message-ID` of the outbox message `id`: receivers that see it
/// twice (a message sent again after a crash) know it is the same.
pub fn message_id(id: &str) -> String {
    format!("<{id}@planipref>")
}

/// The e-mail, from `from`.
pub fn build(from: &Mailbox, email: &Email<'_>) -> Result<Message, SendError> {
    let to: Mailbox = email
        .to
        .parse()
        .map_err(|_| SendError::Permanent("the recipient's address cannot be used".into()))?;
    let alternative =
        MultiPart::alternative_plain_html(email.rendered.text.clone(), email.rendered.html.clone());
    let body = match email.calendar {
        Some(ics) => MultiPart::mixed().multipart(alternative).singlepart(
            Attachment::new("rendez-vous.ics".to_owned()).body(
                ics.to_owned(),
                ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")
                    .map_err(|e| SendError::Permanent(format!("calendar type: {e}")))?,
            ),
        ),
        None => MultiPart::mixed().multipart(alternative),
    };
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.rendered.subject.clone())
        .message_id(Some(message_id(email.message_id)))
        .multipart(body)
        .map_err(|e| SendError::Permanent(format!("the e-mail cannot be built: {e}")))
}
