//! An appointment as an iCalendar file (RFC 5545), for the applicant's
//! calendar application.
//!
//! Times are written in UTC (`…Z`): every calendar application shows them
//! at the right local time wherever the applicant is, without shipping the
//! site's time-zone rules in the file; the site's zone is named in the
//! description for people reading it. Text is escaped, lines end in CRLF
//! and are folded at 75 octets, never inside a character.

use chrono::{DateTime, Utc};

/// What the calendar entry says.
#[derive(Debug, Clone)]
pub struct Appointment<'a> {
    /// A stable identifier (the same entry when downloaded again).
    pub uid: &'a str,
    /// When the file is made.
    pub stamp: DateTime<Utc>,
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
    /// Title (the motif, the site).
    pub summary: &'a str,
    /// Where (the site's address).
    pub location: &'a str,
    /// Details (reference, documents to bring, instructions).
    pub description: &'a str,
    /// Whether it was cancelled (the entry then says so).
    pub cancelled: bool,
}

/// The calendar file.
pub fn calendar(a: &Appointment<'_>) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Planipref//Rendez-vous en prefecture//FR".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        format!("METHOD:{}", if a.cancelled { "CANCEL" } else { "PUBLISH" }),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}", escape(a.uid)),
        format!("DTSTAMP:{}", utc(a.stamp)),
        format!("DTSTART:{}", utc(a.start)),
        format!("DTEND:{}", utc(a.end)),
        format!("SUMMARY:{}", escape(a.summary)),
        format!("LOCATION:{}", escape(a.location)),
        format!("DESCRIPTION:{}", escape(a.description)),
        format!(
            "STATUS:{}",
            if a.cancelled {
                "CANCELLED"
            } else {
                "CONFIRMED"
            }
        ),
        "TRANSP:OPAQUE".to_owned(),
        "END:VEVENT".to_owned(),
        "END:VCALENDAR".to_owned(),
    ];
    lines.iter_mut().for_each(|l| *l = fold(l));
    let mut out = lines.join("\r\n");
    out.push_str("\r\n");
    out
}

/// An appointment as people know it: what its calendar file says.
#[derive(Debug, Clone)]
pub struct AppointmentFacts<'a> {
    /// The reservation's id (the entry's stable identifier).
    pub id: &'a str,
    /// Its reference.
    pub reference: &'a str,
    /// Persons expected.
    pub persons: i64,
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
    /// The site's time zone, in which the description gives the time.
    pub time_zone: chrono_tz::Tz,
    /// The motif's label.
    pub motif: &'a str,
    /// Documents to bring.
    pub documents: &'a [String],
    /// The motif's instructions.
    pub instructions: &'a str,
    /// The site's name.
    pub site_name: &'a str,
    /// The site's address: street, postal code, city.
    pub address: (&'a str, &'a str, &'a str),
    /// Whether it was cancelled.
    pub cancelled: bool,
}

/// The calendar file of an appointment (made at `stamp`), its description
/// in French: reference, persons, local time and zone, documents to bring,
/// instructions.
pub fn appointment_calendar(f: &AppointmentFacts<'_>, stamp: DateTime<Utc>) -> String {
    let mut description = format!(
        "Référence du rendez-vous : {}\nPersonnes : {}\nHeure locale : {} ({})",
        f.reference,
        f.persons,
        f.start.with_timezone(&f.time_zone).format("%d/%m/%Y %H:%M"),
        f.time_zone.name()
    );
    if !f.documents.is_empty() {
        description.push_str("\n\nÀ apporter :");
        for d in f.documents {
            description.push_str("\n- ");
            description.push_str(d);
        }
    }
    if !f.instructions.trim().is_empty() {
        description.push_str("\n\n");
        description.push_str(f.instructions.trim());
    }
    let summary = format!("{} – {}", f.motif, f.site_name);
    let (line, postal_code, city) = f.address;
    let location = format!("{}, {line}, {postal_code} {city}", f.site_name);
    let uid = format!("{}@planipref", f.id);
    calendar(&Appointment {
        uid: &uid,
        stamp,
        start: f.start,
        end: f.end,
        summary: &summary,
        location: &location,
        description: &description,
        cancelled: f.cancelled,
    })
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Escapes TEXT values (RFC 5545 §3.3.11).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line into lines of at most 75 octets, continuation
/// lines starting with a space (§3.1).
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3);
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("instant")
    }

    fn appointment(cancelled: bool) -> String {
        calendar(&Appointment {
            uid: "3b1f@planipref",
            stamp: at("2026-11-28T13:05:00Z"),
            start: at("2026-12-01T08:00:00Z"),
            end: at("2026-12-01T08:30:00Z"),
            summary: "Renouvellement de titre de séjour, Préfecture de la Seine-Saint-Denis",
            location: "1 esplanade Jean Moulin, 93000 Bobigny",
            description: "Référence K7QX-M3PA\nÀ apporter ; passeport, photos\\justificatifs",
            cancelled,
        })
    }

    #[test]
    fn an_appointment_is_one_event_in_utc_with_escaped_folded_text() {
        let ics = appointment(false);
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(!ics.replace("\r\n", "").contains('\n'), "only CRLF");
        assert!(ics.contains("\r\nDTSTART:20261201T080000Z\r\n"));
        assert!(ics.contains("\r\nDTEND:20261201T083000Z\r\n"));
        assert!(ics.contains("LOCATION:1 esplanade Jean Moulin\\, 93000 Bobigny"));
        assert!(ics.contains("STATUS:CONFIRMED") && ics.contains("METHOD:PUBLISH"));
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        }
        // Unfolded, the description reads back with its escapes.
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(
            "DESCRIPTION:Référence K7QX-M3PA\\nÀ apporter \\; passeport\\, photos\\\\justificatifs"
        ));
        assert!(unfolded.contains(
            "SUMMARY:Renouvellement de titre de séjour\\, Préfecture de la Seine-Saint-Denis"
        ));
    }

    #[test]
    fn a_cancelled_appointment_says_so() {
        let ics = appointment(true);
        assert!(ics.contains("METHOD:CANCEL") && ics.contains("STATUS:CANCELLED"));
    }
}
