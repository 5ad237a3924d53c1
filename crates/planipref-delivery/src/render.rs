//! Messages rendered from the templates of `templates/messages/`: one pair
//! of files per message and language, `{kind}.txt` (the subject, the
//! plain-text e-mail and the SMS, as macros) and `{kind}.html` (the HTML
//! e-mail's body, inside `layout.html`). HTML templates escape what they
//! insert; text templates do not need to. The files are compiled into the
//! binary: a server never reads templates from its working directory.

use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, context};
use planipref_domain::messages::Language;
use serde::Serialize;

/// What a message says, whatever its channel: the appointment as it
/// stands, and what the change that owes the message recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Facts {
    /// What happened: `booked`, `moved`, `cancelled`, `needs_rebooking`,
    /// `reminder`, `no_show`.
    pub kind: String,
    /// The appointment's reference.
    pub reference: String,
    /// The motif's label.
    pub motif: String,
    /// Where.
    pub site: SiteFacts,
    /// When, in full, in the site's zone ("lundi 14 décembre 2026 à 09:30").
    pub when: String,
    /// When, short, for SMS ("14/12 à 09:30").
    pub when_short: String,
    /// The site's time zone (`Europe/Paris`).
    pub time_zone: String,
    /// Persons expected.
    pub persons: u32,
    /// Documents to bring.
    pub documents: Vec<String>,
    /// The motif's instructions (empty: none).
    pub instructions: String,
    /// The link to manage the appointment, when the message may carry it.
    pub manage_url: Option<String>,
    /// The reason an agent gave.
    pub reason: Option<String>,
    /// Whether an agent made the change.
    pub by_agent: bool,
    /// When it was, before a move.
    pub previous_when: Option<String>,
    /// The days a convocation allows ("du 7 au 18 décembre 2026"), if
    /// it limits them.
    pub days: Option<String>,
}

/// Where the appointment takes place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteFacts {
    /// The site's name.
    pub name: String,
    /// Street.
    pub address_line: String,
    /// Postal code.
    pub postal_code: String,
    /// City.
    pub city: String,
}

/// A message in every form it is sent in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The e-mail's subject.
    pub subject: String,
    /// The plain-text e-mail.
    pub text: String,
    /// The HTML e-mail.
    pub html: String,
    /// The SMS.
    pub sms: String,
}

/// A template could not be rendered (a bug in a template: tests render
/// every message in every language).
#[derive(Debug, thiserror::Error)]
#[error("template {name}: {source}")]
pub struct RenderError {
    name: String,
    source: minijinja::Error,
}

/// The kinds of message about an appointment the templates cover.
pub const KINDS: [&str; 6] = [
    "booked",
    "moved",
    "cancelled",
    "needs_rebooking",
    "reminder",
    "no_show",
];

/// The kinds of message about a convocation (`when` is how long its link
/// is valid, `manage_url` the link).
pub const CONVOCATION_KINDS: [&str; 2] = ["convocation_issued", "convocation_revoked"];

macro_rules! templates {
    ($($lang:literal => [$($file:literal),+ $(,)?]),+ $(,)?) => {
        &[$($((
            concat!($lang, "/", $file),
            include_str!(concat!("../../../templates/messages/", $lang, "/", $file)),
        )),+),+]
    };
}

/// Every template file, by its name.
const FILES: &[(&str, &str)] = templates! {
    "fr" => [
        "layout.html", "parts.txt",
        "booked.txt", "booked.html", "moved.txt", "moved.html",
        "cancelled.txt", "cancelled.html", "needs_rebooking.txt", "needs_rebooking.html",
        "reminder.txt", "reminder.html", "no_show.txt", "no_show.html",
        "convocation_issued.txt", "convocation_issued.html",
        "convocation_revoked.txt", "convocation_revoked.html",
    ],
    "en" => [
        "layout.html", "parts.txt",
        "booked.txt", "booked.html", "moved.txt", "moved.html",
        "cancelled.txt", "cancelled.html", "needs_rebooking.txt", "needs_rebooking.html",
        "reminder.txt", "reminder.html", "no_show.txt", "no_show.html",
        "convocation_issued.txt", "convocation_issued.html",
        "convocation_revoked.txt", "convocation_revoked.html",
    ],
};

/// The compiled templates.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// Compiles every template; fails on a template that does not parse.
    pub fn new() -> Result<Self, RenderError> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        for (name, source) in FILES {
            env.add_template(name, source)
                .map_err(|source| RenderError {
                    name: (*name).to_owned(),
                    source,
                })?;
        }
        Ok(Self { env })
    }

    /// `facts` as a message in `language`.
    pub fn render(&self, facts: &Facts, language: Language) -> Result<Rendered, RenderError> {
        let lang = language.code();
        let text_name = format!("{lang}/{}.txt", facts.kind);
        let html_name = format!("{lang}/{}.html", facts.kind);
        let failed = |name: &str| {
            let name = name.to_owned();
            move |source| RenderError { name, source }
        };
        let text_template = self
            .env
            .get_template(&text_name)
            .map_err(failed(&text_name))?;
        let captured = text_template
            .render_captured(facts)
            .map_err(failed(&text_name))?;
        let state = captured.state();
        let call = |name: &str| -> Result<String, RenderError> {
            state
                .call_macro(name, &[])
                .map(|s| tidy(&s))
                .map_err(failed(&text_name))
        };
        let (subject, text, sms) = (call("subject")?, call("text")?, call("sms")?);
        let body = self
            .env
            .get_template(&html_name)
            .and_then(|t| t.render(facts))
            .map_err(failed(&html_name))?;
        let layout = format!("{lang}/layout.html");
        let html = self
            .env
            .get_template(&layout)
            .and_then(|t| {
                t.render(context! {
                    subject => &subject,
                    site => &facts.site,
                    reference => &facts.reference,
                    body => Value::from_safe_string(body.trim().to_owned()),
                })
            })
            .map_err(failed(&layout))?;
        Ok(Rendered {
            subject: subject.replace('\n', " "),
            text,
            html,
            sms: sms.replace('\n', " "),
        })
    }
}

/// Text as templates leave it, tidied: no blank line at either end, never
/// two blank lines in a row, no spaces at the end of lines.
fn tidy(text: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim_end) {
        if line.is_empty() && out.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::tidy;

    #[test]
    fn text_is_tidied() {
        assert_eq!(tidy("\n\nA  \n\n\nB\n\n"), "A\n\nB");
        assert_eq!(tidy(""), "");
    }
}
