//! Helpers shared by request and response types: optional fields that may
//! be null, instants at a site's offset, ranges of days, and the parsing of
//! fields several requests carry (days, motif identifiers, instants).

use crate::http::error::ApiError;
use chrono::DateTime;
use chrono::FixedOffset;
use chrono::NaiveDate;
use chrono::Utc;
use chrono_tz::Tz;
use planipref_domain::FieldError;
use planipref_domain::ids::MotifId;
use planipref_domain::slots::check_bookable_year;
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

pub fn parse_motif_ids(raw: &[String], may_be_empty: bool) -> Result<Vec<String>, FieldError> {
    if raw.is_empty() && !may_be_empty {
        return Err(FieldError::new("motif_ids", "must name at least one motif"));
    }
    let mut ids: Vec<String> = Vec::new();
    for r in raw {
        let id: MotifId = r
            .trim()
            .parse()
            .map_err(|_| FieldError::new("motif_ids", format!("{r:?} is not a motif id")))?;
        // A motif named twice (perhaps written in another case) is served
        // once: the document cannot state uniqueness across spellings.
        if !ids.contains(&id.to_string()) {
            ids.push(id.to_string());
        }
    }
    Ok(ids)
}

pub fn parse_day(field: &str, raw: &str) -> Result<NaiveDate, FieldError> {
    planipref_domain::slots::parse_search_date(field, raw)
}

/// `motif_id`, required.
pub fn parse_motif_id(raw: Option<&str>) -> Result<MotifId, FieldError> {
    raw.ok_or_else(|| FieldError::new("motif_id", "is required"))?
        .trim()
        .parse::<MotifId>()
        .map_err(|_| FieldError::new("motif_id", "must be a motif identifier (UUID)"))
}

/// `start`, required: an instant as the slots endpoint gives it.
pub fn parse_start(raw: Option<&str>) -> Result<DateTime<Utc>, FieldError> {
    let raw = raw.ok_or_else(|| FieldError::new("start", "is required"))?;
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            FieldError::new(
                "start",
                "must be an instant with offset, as given by the slots endpoint",
            )
        })
        .and_then(|t| check_bookable_year("start", t).map(|()| t))
}
