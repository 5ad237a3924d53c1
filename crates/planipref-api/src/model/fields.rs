//! Helpers shared by request and response types: optional fields that may be null, instants at a site's offset, ranges of days.

use crate::http::error::ApiError;
use chrono::DateTime;
use chrono::FixedOffset;
use chrono::Utc;
use chrono_tz::Tz;
use serde::Deserialize;

/// Deserialises a field that may be left out (outer `None`, with
/// `#[serde(default)]`), sent as `null` (`Some(None)`) or given.
pub fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// An instant shown with the site's offset (`2026-12-01T09:00:00+01:00`).
pub fn at_site(t: DateTime<Utc>, tz: Tz) -> DateTime<FixedOffset> {
    t.with_timezone(&tz).fixed_offset()
}

/// Reads the optional `from` and `to` days of a query, reporting both
/// fields' problems at once.
pub fn date_range(
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(Option<chrono::NaiveDate>, Option<chrono::NaiveDate>), ApiError> {
    use planipref_domain::slots::parse_search_date;
    let from = from.map(|s| parse_search_date("from", s)).transpose();
    let to = to.map(|s| parse_search_date("to", s)).transpose();
    match (from, to) {
        (Ok(f), Ok(t)) => Ok((f, t)),
        (f, t) => Err(ApiError::Validation(
            [f.err(), t.err()].into_iter().flatten().collect(),
        )),
    }
}
