//! A fermeture: a closure of a site or a guichet, on top of public
//! holidays. An administrator gives either whole local days or local
//! date-times; [`fermeture_interval`] turns them into the instants they
//! cover on the site's clocks, refusing local times a clock change skips or
//! repeats, and closures longer than [`MAX_FERMETURE_DAYS`].

use chrono::{DateTime, Datelike, Utc};

use chrono_tz::Tz;

use crate::error::{Collector, DomainError, FieldError};

/// Longest closure, in days.
pub const MAX_FERMETURE_DAYS: i64 = 366;

/// A closure's period as an administrator sends it: whole local days
/// (`from_date`, `to_date` inclusive) or local date-times (`start`, `end`).
#[derive(Debug, Clone, Copy, Default)]
pub struct FermetureInput<'a> {
    /// First closed day.
    pub from_date: Option<&'a str>,
    /// Last closed day (inclusive).
    pub to_date: Option<&'a str>,
    /// Local start, `YYYY-MM-DDTHH:MM`.
    pub start: Option<&'a str>,
    /// Local end, `YYYY-MM-DDTHH:MM`.
    pub end: Option<&'a str>,
}

/// The instants a closure covers, in the site's zone: whole days run from
/// local midnight to the local midnight after the last day.
pub fn fermeture_interval(
    tz: Tz,
    input: FermetureInput<'_>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), DomainError> {
    let (start, end) = match (input.from_date, input.to_date, input.start, input.end) {
        (Some(from), Some(to), None, None) => {
            let mut c = Collector::default();
            let from = c.take(crate::slots::parse_search_date("from_date", from));
            let to = c.take(crate::slots::parse_search_date("to_date", to));
            c.finish()?;
            let (Some(from), Some(to)) = (from, to) else {
                return Err(DomainError::invalid("from_date", "is required"));
            };
            if to < from {
                return Err(DomainError::invalid(
                    "to_date",
                    "must not be before from_date",
                ));
            }
            let next = to.succ_opt().unwrap_or(to);
            (
                crate::time::local_midnight(tz, from),
                crate::time::local_midnight(tz, next),
            )
        }
        (None, None, Some(start), Some(end)) => {
            let mut c = Collector::default();
            let start = c.take(local_instant(tz, "start", start));
            let end = c.take(local_instant(tz, "end", end));
            c.finish()?;
            let (Some(start), Some(end)) = (start, end) else {
                return Err(DomainError::invalid("start", "is required"));
            };
            if end <= start {
                return Err(DomainError::invalid("end", "must be after start"));
            }
            (start, end)
        }
        _ => {
            return Err(DomainError::invalid(
                "from_date",
                "give either from_date and to_date (whole days) or start and end (local date-times)",
            ));
        }
    };
    if (end - start).num_days() > MAX_FERMETURE_DAYS {
        return Err(DomainError::invalid(
            "to_date",
            format!("a closure may last at most {MAX_FERMETURE_DAYS} days"),
        ));
    }
    Ok((start, end))
}

fn local_instant(tz: Tz, field: &str, raw: &str) -> Result<DateTime<Utc>, FieldError> {
    let local =
        chrono::NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M").map_err(|_| {
            FieldError::new(field, "must be a local date-time written YYYY-MM-DDTHH:MM")
        })?;
    if !(crate::slots::EARLIEST_SEARCH_YEAR..=crate::slots::LATEST_SEARCH_YEAR)
        .contains(&local.year())
    {
        return Err(FieldError::new(field, "must be between 2000 and 2100"));
    }
    crate::time::unique_instant(tz, local).ok_or_else(|| {
        FieldError::new(
            field,
            "does not exist, or exists twice, on the site's clocks (clock change)",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closures_cover_whole_local_days_or_local_hours() {
        let paris: Tz = "Europe/Paris".parse().expect("tz");
        let days = FermetureInput {
            from_date: Some("2026-12-24"),
            to_date: Some("2026-12-26"),
            ..Default::default()
        };
        let (s, e) = fermeture_interval(paris, days).expect("days");
        assert_eq!(
            (s.to_rfc3339(), e.to_rfc3339()),
            (
                "2026-12-23T23:00:00+00:00".into(),
                "2026-12-26T23:00:00+00:00".into()
            )
        );
        let reunion: Tz = "Indian/Reunion".parse().expect("tz");
        let hours = FermetureInput {
            start: Some("2026-12-01T14:00"),
            end: Some("2026-12-01T16:30"),
            ..Default::default()
        };
        let (s, e) = fermeture_interval(reunion, hours).expect("hours");
        assert_eq!(
            (s.to_rfc3339(), e.to_rfc3339()),
            (
                "2026-12-01T10:00:00+00:00".into(),
                "2026-12-01T12:30:00+00:00".into()
            )
        );
    }

    #[test]
    fn bad_closures_name_their_fields() {
        let paris: Tz = "Europe/Paris".parse().expect("tz");
        let field = |i: FermetureInput<'_>| match fermeture_interval(paris, i) {
            Err(DomainError::Invalid(e)) => e[0].field.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(field(FermetureInput::default()), "from_date");
        assert_eq!(
            field(FermetureInput {
                from_date: Some("2026-12-26"),
                to_date: Some("2026-12-24"),
                ..Default::default()
            }),
            "to_date"
        );
        assert_eq!(
            field(FermetureInput {
                from_date: Some("2026-01-01"),
                to_date: Some("2027-06-01"),
                ..Default::default()
            }),
            "to_date"
        );
        assert_eq!(
            field(FermetureInput {
                start: Some("2026-12-01T16:00"),
                end: Some("2026-12-01T15:00"),
                ..Default::default()
            }),
            "end"
        );
        assert_eq!(
            field(FermetureInput {
                start: Some("2026-03-29T02:30"),
                end: Some("2026-03-29T05:00"),
                ..Default::default()
            }),
            "start"
        );
        assert_eq!(
            field(FermetureInput {
                start: Some("tomorrow"),
                end: Some("2026-03-29T05:00"),
                ..Default::default()
            }),
            "start"
        );
    }
}
