//! Plages: the weekly opening ranges of a guichet.

use crate::http::error::ApiError;
use crate::model::fields::parse_day;
use crate::model::fields::parse_motif_ids;
use chrono::NaiveDate;
use planipref_domain::error::Collector;
use planipref_domain::ids::GuichetId;
use planipref_domain::ids::MotifId;
use planipref_domain::plage::Plage;
use planipref_domain::plage::parse_local_time;
use planipref_domain::plage::parse_weekdays;
use planipref_domain::plage::weekday_name;
use planipref_store::models::PlageRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A new plage: a weekly opening range of a guichet, in the site's local time.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlageRequest {
    /// Days of the week (`monday` … `sunday`), at least one, each once.
    #[schema(schema_with = crate::model::codes::weekday_set, example = json!(["monday", "tuesday", "thursday"]))]
    pub weekdays: Vec<String>,
    /// Opening, local `HH:MM`, on a 5-minute boundary.
    #[schema(pattern = "^[0-2][0-9]:[0-5][0-9]$", example = "09:00")]
    pub start: String,
    /// Closing, local `HH:MM`, after `start`; the last appointment ends by then.
    #[schema(pattern = "^[0-2][0-9]:[0-5][0-9]$", example = "12:00")]
    pub end: String,
    /// First day it applies.
    #[schema(format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2027-01-04")]
    pub valid_from: String,
    /// Last day it applies (inclusive); open-ended when absent.
    #[serde(default)]
    #[schema(format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2027-12-31")]
    pub valid_until: Option<String>,
    /// Restrict it to some of the guichet's motifs; all of them when empty.
    #[serde(default)]
    #[schema(value_type = Vec<uuid::Uuid>, example = json!([]))]
    pub motif_ids: Vec<String>,
}

/// A plage.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlageResponse {
    /// Identifier.
    #[schema(example = "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d")]
    pub id: String,
    /// Its guichet.
    #[schema(example = "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f")]
    pub guichet_id: String,
    /// Days of the week.
    #[schema(value_type = Vec<crate::model::codes::Weekday>, example = json!(["monday", "tuesday", "thursday"]))]
    pub weekdays: Vec<String>,
    /// Opening, local `HH:MM`.
    #[schema(example = "09:00")]
    pub start: String,
    /// Closing, local `HH:MM`.
    #[schema(example = "12:00")]
    pub end: String,
    /// First day.
    #[schema(value_type = String, format = Date, example = "2027-01-04")]
    pub valid_from: NaiveDate,
    /// Last day, if any.
    #[schema(value_type = Option<String>, format = Date, example = "2027-12-31")]
    pub valid_until: Option<NaiveDate>,
    /// Motifs it is restricted to (empty: all of the guichet's).
    #[schema(example = json!([]))]
    pub motif_ids: Vec<String>,
    /// Its version (also its `ETag`), raised by each change: send it in
    /// `If-Match` to change the plage.
    #[schema(example = 1, minimum = 1)]
    pub version: i32,
}

crate::http::version::versioned_by_field!(PlageResponse);

/// Reads a plage request, reporting every invalid field at once.
pub fn parse_plage(
    body: &PlageRequest,
    guichet_id: GuichetId,
) -> Result<(Plage, Vec<String>), ApiError> {
    let mut c = Collector::default();
    let weekdays = c.take(parse_weekdays("weekdays", &body.weekdays));
    let start = c.take(parse_local_time("start", &body.start));
    let end = c.take(parse_local_time("end", &body.end));
    let valid_from = c.take(parse_day("valid_from", &body.valid_from));
    let valid_until = c.take(
        body.valid_until
            .as_deref()
            .map(|d| parse_day("valid_until", d))
            .transpose(),
    );
    let motif_ids = c.take(parse_motif_ids(&body.motif_ids, true));
    c.finish()?;
    let (
        Some(weekdays),
        Some(start),
        Some(end),
        Some(valid_from),
        Some(valid_until),
        Some(motif_ids),
    ) = (weekdays, start, end, valid_from, valid_until, motif_ids)
    else {
        return Err(ApiError::Internal);
    };
    let motifs: Vec<MotifId> = motif_ids.iter().filter_map(|m| m.parse().ok()).collect();
    Ok((
        Plage {
            guichet_id,
            weekdays,
            start,
            end,
            valid_from,
            valid_until,
            motifs,
        },
        motif_ids,
    ))
}

/// Plage `id` at `version`, as answered.
pub fn plage_response(
    id: &str,
    version: i32,
    plage: &Plage,
    motif_ids: Vec<String>,
) -> PlageResponse {
    PlageResponse {
        version,
        id: id.to_owned(),
        guichet_id: plage.guichet_id.to_string(),
        weekdays: plage
            .weekdays
            .days()
            .into_iter()
            .map(|d| weekday_name(d).to_owned())
            .collect(),
        start: plage.start.format("%H:%M").to_string(),
        end: plage.end.format("%H:%M").to_string(),
        valid_from: plage.valid_from,
        valid_until: plage.valid_until,
        motif_ids,
    }
}

/// A plage changed or removed, and the appointments it left to re-book.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlageChange {
    /// The plage after the change (absent when it was deleted).
    pub plage: Option<PlageResponse>,
    /// References of booked appointments marked to be re-booked.
    #[schema(example = json!(["K7QX-M3PA"]))]
    pub flagged_reservations: Vec<String>,
}

/// A page of plages.
pub type PlagePage = crate::model::page::Page<PlageResponse>;
crate::model::page::listed!(
    PlageResponse,
    "PlagePage",
    "A page of plages.",
    "By opening time."
);

pub fn plage_example() -> serde_json::Value {
    serde_json::json!({"id": "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d", "guichet_id": "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f", "weekdays": ["monday", "tuesday", "thursday"], "start": "09:00", "end": "12:00", "valid_from": "2027-01-04", "valid_until": null, "motif_ids": [], "version": 1})
}

impl PlageResponse {
    /// A plage as stored, restricted to `motif_ids` (none: every motif of
    /// its guichet).
    pub fn from_row(p: &PlageRow, motif_ids: Vec<String>) -> Result<Self, ApiError> {
        let weekdays =
            planipref_domain::plage::Weekdays::from_bits(p.weekdays).ok_or(ApiError::Internal)?;
        Ok(Self {
            version: p.revision,
            id: p.id.clone(),
            guichet_id: p.guichet_id.clone(),
            weekdays: weekdays
                .days()
                .into_iter()
                .map(|d| weekday_name(d).to_owned())
                .collect(),
            start: p.start_time.format("%H:%M").to_string(),
            end: p.end_time.format("%H:%M").to_string(),
            valid_from: p.valid_from,
            valid_until: p.valid_until,
            motif_ids,
        })
    }
}
