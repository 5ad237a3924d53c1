//! Closures (fermetures) of a site or a guichet, and openings (ouvertures) on holidays.

use crate::http::error::ApiError;
use crate::model::examples::SITE_ID;
use crate::model::fields::at_site;
use chrono::DateTime;
use chrono::FixedOffset;
use chrono::NaiveDate;
use planipref_domain::ids::GuichetId;
use planipref_domain::text::check_name;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A new closure: whole local days, or a local date-time range.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FermetureRequest {
    /// Close only this guichet (of the site); the whole site when absent.
    #[serde(default)]
    #[schema(format = Uuid, example = json!(null))]
    pub guichet_id: Option<String>,
    /// First closed day (with `to_date`).
    #[serde(default)]
    #[schema(format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2026-12-24")]
    pub from_date: Option<String>,
    /// Last closed day, inclusive (with `from_date`).
    #[serde(default)]
    #[schema(format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2026-12-24")]
    pub to_date: Option<String>,
    /// Local start `YYYY-MM-DDTHH:MM` (with `end`, instead of days).
    #[serde(default)]
    #[schema(pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]$", example = json!(null))]
    pub start: Option<String>,
    /// Local end `YYYY-MM-DDTHH:MM`.
    #[serde(default)]
    #[schema(pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]$", example = json!(null))]
    pub end: Option<String>,
    /// Why, for agents and the audit trail.
    #[schema(min_length = 1, max_length = 200, example = "Inventaire annuel")]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub reason: String,
}

/// A closure.
#[derive(Debug, Serialize, ToSchema)]
pub struct Fermeture {
    /// Identifier.
    #[schema(example = "7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e")]
    pub id: String,
    /// The site.
    #[schema(example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")]
    pub site_id: String,
    /// The guichet, when only one is closed.
    #[schema(example = json!(null))]
    pub guichet_id: Option<String>,
    /// Start, with the site's offset.
    #[schema(value_type = String, format = DateTime, example = "2026-12-24T00:00:00+01:00")]
    pub start: DateTime<FixedOffset>,
    /// End, with the site's offset.
    #[schema(value_type = String, format = DateTime, example = "2026-12-25T00:00:00+01:00")]
    pub end: DateTime<FixedOffset>,
    /// Why.
    #[schema(example = "Inventaire annuel")]
    pub reason: String,
    /// References of booked appointments marked to be re-booked (with `on_conflict=flag`).
    #[schema(example = json!([]))]
    pub flagged_reservations: Vec<String>,
    /// Its version (also its `ETag`), raised by each change: send it in
    /// `If-Match` to change the closure.
    #[schema(example = 1, minimum = 1)]
    pub version: i32,
}

crate::http::version::versioned_by_field!(Fermeture);

impl Fermeture {
    /// From its row, with the site's offsets.
    pub fn from_row(row: planipref_store::models::FermetureRow, tz: chrono_tz::Tz) -> Self {
        Self {
            version: row.revision,
            start: at_site(planipref_store::from_db(row.starts_at), tz),
            end: at_site(planipref_store::from_db(row.ends_at), tz),
            id: row.id,
            site_id: row.site_id,
            guichet_id: row.guichet_id,
            reason: row.reason,
            flagged_reservations: vec![],
        }
    }
}

impl FermetureRequest {
    /// Checks the reason and the guichet id's form (the period is read in
    /// the site's zone later).
    pub fn check(&self) -> Result<(String, Option<GuichetId>), ApiError> {
        let reason = check_name("reason", &self.reason, 200);
        let guichet = self
            .guichet_id
            .as_deref()
            .map(str::parse::<GuichetId>)
            .transpose()
            .map_err(|_| planipref_domain::FieldError::new("guichet_id", "must be a guichet id"));
        match (reason, guichet) {
            (Ok(r), Ok(g)) => Ok((r, g)),
            (r, g) => Err(ApiError::Validation(
                [r.err(), g.err()].into_iter().flatten().collect(),
            )),
        }
    }
}

/// Opening a site on a public holiday.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OuvertureRequest {
    /// A public holiday of the site's département.
    #[schema(format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2027-05-17")]
    pub date: String,
    /// Why, for agents and the audit trail.
    #[schema(min_length = 1, max_length = 200, example = "Journée de solidarité")]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub reason: String,
}

/// A holiday on which a site opens.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ouverture {
    /// Identifier.
    #[schema(example = "8c9d0e1f-2a3b-4c4d-9e5f-6a7b8c9d0e1f")]
    pub id: String,
    /// The site.
    #[schema(example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")]
    pub site_id: String,
    /// The day.
    #[schema(value_type = String, format = Date, example = "2027-05-17")]
    pub date: chrono::NaiveDate,
    /// The holidays of that day it overrides.
    #[schema(example = json!(["lundi_de_pentecote"]))]
    pub holidays: Vec<String>,
    /// Why.
    #[schema(example = "Journée de solidarité")]
    pub reason: String,
}

/// A page of closures.
pub type FermeturePage = crate::model::page::Page<Fermeture>;
crate::model::page::listed!(
    Fermeture,
    "FermeturePage",
    "A page of closures.",
    "Latest first."
);

pub fn fermeture_example() -> serde_json::Value {
    serde_json::json!({"id": "7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e", "site_id": SITE_ID, "guichet_id": null, "start": "2026-12-24T00:00:00+01:00", "end": "2026-12-25T00:00:00+01:00", "reason": "Inventaire annuel", "flagged_reservations": [], "version": 1})
}

impl OuvertureRequest {
    /// The day and the reason, checked.
    pub fn check(&self) -> Result<(NaiveDate, String), crate::http::error::ApiError> {
        let mut c = planipref_domain::error::Collector::default();
        let date = c.take(planipref_domain::slots::parse_search_date(
            "date", &self.date,
        ));
        let reason = c.take(planipref_domain::text::check_name(
            "reason",
            &self.reason,
            200,
        ));
        c.finish()?;
        date.zip(reason)
            .ok_or(crate::http::error::ApiError::Internal)
    }
}
