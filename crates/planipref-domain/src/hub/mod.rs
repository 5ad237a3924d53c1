//! The rules of national hubs' questions (the ANTS model: a hub asks each
//! appointment engine where it receives the public, when it has free
//! times for a reason, and which appointments a file already has).
//!
//! What is checked here: a site's location (what a hub puts on its map),
//! the hubs' questions (repeated query keys, dates, ranges, counts), the
//! links a hub sends applicants to (templates filled with escaped values)
//! and the hubs' shared tokens (kept as SHA-256 digests, compared in
//! constant time).

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::applicant::parse_file_number;
use crate::error::{Collector, DomainError, FieldError};
use crate::ids::SiteId;
use crate::motif::check_demarche_code;
use crate::slots::MAX_RANGE_DAYS;

/// Most sites one question about free times may name.
pub const MAX_MEETING_POINTS: usize = 100;

/// Most file numbers one search may name.
pub const MAX_APPLICATION_IDS: usize = 50;

/// Most documents (persons) one question may count.
pub const MAX_DOCUMENTS: u32 = 10;

/// Longest website address a site may give.
pub const MAX_WEBSITE_CHARS: usize = 300;

/// Where a site receives the public: WGS 84 degrees, and its web page.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    /// Latitude, −90 to 90 (north positive).
    pub latitude: f64,
    /// Longitude, −180 to 180 (east positive).
    pub longitude: f64,
    /// The site's page for the public (`https://…`), if any.
    pub website: Option<String>,
}

/// Checks a site's location; every bad field is named.
pub fn check_location(
    latitude: f64,
    longitude: f64,
    website: Option<&str>,
) -> Result<Location, DomainError> {
    let mut errors = Collector::default();
    if !(latitude.is_finite() && (-90.0..=90.0).contains(&latitude)) {
        errors.push(FieldError::new(
            "latitude",
            "must be a latitude in degrees, from -90 to 90",
        ));
    }
    if !(longitude.is_finite() && (-180.0..=180.0).contains(&longitude)) {
        errors.push(FieldError::new(
            "longitude",
            "must be a longitude in degrees, from -180 to 180",
        ));
    }
    let website = website.and_then(|w| errors.take(check_website(w)));
    errors.finish()?;
    Ok(Location {
        latitude,
        longitude,
        website,
    })
}

/// A site's web page: an `https://` address without spaces, at most
/// [`MAX_WEBSITE_CHARS`] characters.
fn check_website(raw: &str) -> Result<String, FieldError> {
    let url = raw.trim();
    let host = url.strip_prefix("https://").unwrap_or_default();
    let ok = !host.is_empty()
        && !host.starts_with('/')
        && url.chars().count() <= MAX_WEBSITE_CHARS
        && url.chars().all(|c| c.is_ascii_graphic());
    if ok {
        Ok(url.to_owned())
    } else {
        Err(FieldError::new(
            "website",
            "must be an https:// address without spaces, at most 300 characters",
        ))
    }
}

/// A hub's question about free times, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeSlotsAsked {
    /// The sites asked about, each once, in the order first named.
    pub sites: Vec<SiteId>,
    /// First local day.
    pub from: NaiveDate,
    /// Last local day (included).
    pub to: NaiveDate,
    /// The démarche's catalogue code.
    pub demarche: String,
    /// How many persons the appointment is for.
    pub persons: u32,
}

/// The values of `key` among `pairs` (a query's keys, repeated without
/// brackets: `meeting_point_ids=a&meeting_point_ids=b`).
fn values<'p>(pairs: &'p [(String, String)], key: &str) -> Vec<&'p str> {
    pairs
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// The single value of `key`: required, given once.
fn single<'p>(pairs: &'p [(String, String)], key: &str) -> Result<&'p str, FieldError> {
    match values(pairs, key).as_slice() {
        [one] if !one.trim().is_empty() => Ok(one.trim()),
        [] | [_] => Err(FieldError::new(key, "is required")),
        _ => Err(FieldError::new(key, "must be given once")),
    }
}

fn date(pairs: &[(String, String)], key: &str) -> Result<NaiveDate, FieldError> {
    let raw = single(pairs, key)?;
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| FieldError::new(key, "must be a date, YYYY-MM-DD"))
}

/// Checks a hub's question about free times (`meeting_point_ids`,
/// `start_date`, `end_date`, `reason`, `documents_number`); every bad
/// key is named.
pub fn check_time_slots_query(pairs: &[(String, String)]) -> Result<TimeSlotsAsked, DomainError> {
    let mut errors = Collector::default();
    let ids = values(pairs, "meeting_point_ids");
    let mut sites: Vec<SiteId> = vec![];
    if ids.is_empty() {
        errors.push(FieldError::new("meeting_point_ids", "is required"));
    } else if ids.len() > MAX_MEETING_POINTS {
        errors.push(FieldError::new(
            "meeting_point_ids",
            format!("may name at most {MAX_MEETING_POINTS} meeting points"),
        ));
    }
    for (i, raw) in ids.iter().enumerate().take(MAX_MEETING_POINTS) {
        match raw.trim().parse::<SiteId>() {
            Ok(id) if !sites.contains(&id) => sites.push(id),
            Ok(_) => {}
            Err(_) => errors.push(FieldError::new(
                format!("meeting_point_ids[{i}]"),
                "must be a meeting point's id (a UUID)",
            )),
        }
    }
    let from = errors.take(date(pairs, "start_date"));
    let to = errors.take(date(pairs, "end_date"));
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            errors.push(FieldError::new("end_date", "must not be before start_date"));
        } else if (to - from).num_days() + 1 > MAX_RANGE_DAYS {
            errors.push(FieldError::new(
                "end_date",
                format!("the range may cover at most {MAX_RANGE_DAYS} days"),
            ));
        }
    }
    let demarche = errors.take(single(pairs, "reason").and_then(|r| {
        check_demarche_code(r).map_err(|_| {
            FieldError::new(
                "reason",
                "must be a démarche's catalogue code, such as sejour-renouvellement",
            )
        })
    }));
    let persons = errors.take(documents_number(pairs));
    errors.finish()?;
    match (from, to, demarche, persons) {
        (Some(from), Some(to), Some(demarche), Some(persons)) => Ok(TimeSlotsAsked {
            sites,
            from,
            to,
            demarche,
            persons,
        }),
        // Each missing value recorded an error above.
        _ => Err(DomainError::invalid("reason", "is required")),
    }
}

/// `documents_number`: 1 when absent, else 1 to [`MAX_DOCUMENTS`].
fn documents_number(pairs: &[(String, String)]) -> Result<u32, FieldError> {
    if values(pairs, "documents_number").is_empty() {
        return Ok(1);
    }
    single(pairs, "documents_number")?
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_DOCUMENTS).contains(n))
        .ok_or_else(|| {
            FieldError::new(
                "documents_number",
                format!("must be a whole number from 1 to {MAX_DOCUMENTS}"),
            )
        })
}

/// Checks a hub's search by file numbers (`application_ids`, repeated):
/// each as it was written (the answer's keys) with its normalised number,
/// each once.
pub fn check_application_ids(
    pairs: &[(String, String)],
) -> Result<Vec<(String, String)>, DomainError> {
    let ids = values(pairs, "application_ids");
    if ids.is_empty() {
        return Err(DomainError::invalid("application_ids", "is required"));
    }
    if ids.len() > MAX_APPLICATION_IDS {
        return Err(DomainError::invalid(
            "application_ids",
            format!("may name at most {MAX_APPLICATION_IDS} file numbers"),
        ));
    }
    let mut errors = Collector::default();
    let mut asked: Vec<(String, String)> = vec![];
    for (i, raw) in ids.iter().enumerate() {
        let parsed = parse_file_number(raw)
            .map_err(|e| FieldError::new(format!("application_ids[{i}]"), e.message));
        if let Some(number) = errors.take(parsed)
            && !asked.iter().any(|(given, _)| given == raw)
        {
            asked.push(((*raw).to_owned(), number));
        }
    }
    errors.finish()?;
    Ok(asked)
}

/// A link with places for values (`{site_id}`), each filled with its
/// value percent-escaped (RFC 3986: only unreserved characters are kept),
/// so that a value can never change the link's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlTemplate {
    text: String,
}

impl UrlTemplate {
    /// A template naming only `allowed` places; an `https://` link (or
    /// `http://` when `plain_http` is allowed, in development).
    pub fn parse(raw: &str, allowed: &[&str], plain_http: bool) -> Result<Self, String> {
        let text = raw.trim();
        let scheme_ok = text.starts_with("https://") || (plain_http && text.starts_with("http://"));
        if !scheme_ok {
            return Err("must start with https://".to_owned());
        }
        if !text.chars().all(|c| c.is_ascii_graphic()) {
            return Err("must be an address without spaces".to_owned());
        }
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .ok_or_else(|| "has a { without its }".to_owned())?;
            let name = &after[..close];
            if !allowed.contains(&name) {
                return Err(format!(
                    "names {{{name}}}, which is not one of {}",
                    allowed
                        .iter()
                        .map(|a| format!("{{{a}}}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            rest = &after[close + 1..];
        }
        if rest.contains('}') {
            return Err("has a } without its {".to_owned());
        }
        Ok(Self {
            text: text.to_owned(),
        })
    }

    /// A template written in the code (a development default), taken as
    /// it is: its caller's tests check it with [`Self::parse`].
    pub fn from_constant(text: &'static str) -> Self {
        Self {
            text: text.to_owned(),
        }
    }

    /// The link with each place filled (escaped); places not given are
    /// left empty.
    pub fn render(&self, values: &[(&str, &str)]) -> String {
        let mut out = String::with_capacity(self.text.len() + 64);
        let mut rest = self.text.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let close = after.find('}').unwrap_or(after.len());
            let name = &after[..close];
            if let Some((_, value)) = values.iter().find(|(n, _)| *n == name) {
                escape_into(value, &mut out);
            }
            rest = after.get(close + 1..).unwrap_or_default();
        }
        out.push_str(rest);
        out
    }

    /// The template as configured.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Appends `value` percent-escaped: RFC 3986's unreserved characters
/// (letters, digits, `-._~`) as they are, every other byte as `%XX`.
fn escape_into(value: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0F)]));
        }
    }
}

/// Longest name of a hub.
pub const MAX_HUB_NAME_CHARS: usize = 32;

/// Whether `name` may name a hub (in `PLANIPREF_HUBS`, logs and
/// metrics): 1 to [`MAX_HUB_NAME_CHARS`] lower-case letters, digits or
/// hyphens.
pub fn is_hub_name(name: &str) -> bool {
    (1..=MAX_HUB_NAME_CHARS).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A hub's shared token as configured: its SHA-256 digest (the token
/// itself is never stored).
pub fn token_digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Reads a digest written as 64 hexadecimal digits.
pub fn parse_digest(hex: &str) -> Option<[u8; 32]> {
    let hex = hex.trim();
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// A digest as 64 lower-case hexadecimal digits.
pub fn digest_hex(digest: &[u8; 32]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `presented` is the token whose digest is `expected`, compared
/// in constant time (the digests, so no length leaks either).
pub fn token_matches(presented: &str, expected: &[u8; 32]) -> bool {
    let got = token_digest(presented);
    got.iter()
        .zip(expected)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

#[cfg(test)]
mod tests;
