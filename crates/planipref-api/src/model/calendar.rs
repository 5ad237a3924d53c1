//! A site's calendar: the days it is closed or opens.

use crate::http::error::ApiError;
use crate::model::examples::SITE_ID;
use crate::model::examples::day;
use crate::model::fields::at_site;
use crate::model::site::site_departement;
use crate::model::site::site_zone;
use chrono::NaiveDate;
use planipref_domain::calendar::holidays_between;
use planipref_store::SiteExceptions;
use planipref_store::from_db;
use planipref_store::models::SiteRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The longest range one calendar request may cover, in days.
pub const MAX_CALENDAR_DAYS: i64 = 366;

/// The local days to describe.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CalendarQuery {
    /// First day (`YYYY-MM-DD`, years 2000 to 2100); default today at the site.
    #[param(value_type = Option<String>, format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2026-12-01")]
    pub from: Option<String>,
    /// Last day, inclusive; default a year after `from`. At most 366 days in all.
    #[param(value_type = Option<String>, format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2027-11-30")]
    pub to: Option<String>,
}

/// A day on which the site does not receive the public.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClosedDay {
    /// The local date.
    #[schema(value_type = String, format = Date, example = "2026-12-25")]
    pub date: NaiveDate,
    /// Why: `holiday` (a public holiday of the site's département).
    #[schema(example = "holiday")]
    pub reason: String,
    /// The holiday's stable code.
    #[schema(example = "noel")]
    pub holiday: String,
    /// Its French name.
    #[schema(example = "Noël")]
    pub label: String,
}

/// A site's closed days over a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteCalendar {
    /// The site.
    #[schema(example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")]
    pub site_id: String,
    /// Its département, whose public holidays apply.
    #[schema(example = "93")]
    pub departement: String,
    /// Its IANA time zone.
    #[schema(example = "Europe/Paris")]
    pub time_zone: String,
    /// First day described.
    #[schema(value_type = String, format = Date, example = "2026-12-01")]
    pub from: NaiveDate,
    /// Last day described (inclusive).
    #[schema(value_type = String, format = Date, example = "2027-11-30")]
    pub to: NaiveDate,
    /// Closed days, earliest first. Two holidays on one day give two entries.
    pub closed: Vec<ClosedDay>,
    /// Holidays on which the préfecture opens the site all the same.
    pub opened: Vec<OpenedDay>,
    /// Closures of the site or of some of its guichets in the period.
    pub closures: Vec<Closure>,
}

/// A holiday on which the site opens all the same.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenedDay {
    /// The local date.
    #[schema(value_type = String, format = Date, example = "2027-05-17")]
    pub date: NaiveDate,
    /// Why.
    #[schema(example = "Journée de solidarité")]
    pub reason: String,
}

/// A closure of the whole site or of some of its counters. The reason
/// stays with agents (audit trail); applicants see the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct Closure {
    /// Start, with the site's offset.
    #[schema(value_type = String, format = DateTime, example = "2026-12-24T00:00:00+01:00")]
    pub start: chrono::DateTime<chrono::FixedOffset>,
    /// End, with the site's offset.
    #[schema(value_type = String, format = DateTime, example = "2026-12-25T00:00:00+01:00")]
    pub end: chrono::DateTime<chrono::FixedOffset>,
    /// Whether the whole site is closed (else only some counters, and
    /// fewer appointments are offered).
    #[schema(example = true)]
    pub whole_site: bool,
}

/// A site's calendar.
pub fn example_site_calendar() -> SiteCalendar {
    let closed = |date: &str, code: &str, label: &str| ClosedDay {
        date: day(date),
        reason: "holiday".into(),
        holiday: code.into(),
        label: label.into(),
    };
    SiteCalendar {
        site_id: SITE_ID.into(),
        departement: "93".into(),
        time_zone: "Europe/Paris".into(),
        from: day("2026-12-01"),
        to: day("2027-01-31"),
        closed: vec![
            closed("2026-12-25", "noel", "Noël"),
            closed("2027-01-01", "jour_de_l_an", "Jour de l'an"),
        ],
        opened: vec![],
        closures: vec![],
    }
}

impl SiteCalendar {
    /// The calendar of `site` from `from` to `to`: its département's public
    /// holidays (but those it opens on) and the `exceptions` it has.
    pub fn new(
        site: SiteRow,
        (from, to): (NaiveDate, NaiveDate),
        exceptions: SiteExceptions,
    ) -> Result<Self, ApiError> {
        let tz = site_zone(&site)?;
        let departement = site_departement(&site)?;
        let opened_days: Vec<NaiveDate> = exceptions.openings.iter().map(|(d, _)| *d).collect();
        let closed = holidays_between(from, to, &departement)
            .into_iter()
            .filter(|(date, _)| !opened_days.contains(date))
            .map(|(date, h)| ClosedDay {
                date,
                reason: "holiday".to_owned(),
                holiday: h.code().to_owned(),
                label: h.label().to_owned(),
            })
            .collect();
        let opened = exceptions
            .openings
            .into_iter()
            .map(|(date, reason)| OpenedDay { date, reason })
            .collect();
        let closures = exceptions
            .closures
            .into_iter()
            .map(|f| Closure {
                start: at_site(from_db(f.starts_at), tz),
                end: at_site(from_db(f.ends_at), tz),
                whole_site: f.guichet_id.is_none(),
            })
            .collect();
        Ok(Self {
            site_id: site.id,
            departement: departement.to_string(),
            time_zone: site.time_zone,
            from,
            to,
            closed,
            opened,
            closures,
        })
    }
}
