//! Guichets: the counters of a site.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A guichet's checked settings.
#[derive(Debug, Clone)]
pub struct GuichetSettings {
    /// Its name.
    pub name: String,
    /// The motifs it serves (identifiers).
    pub motif_ids: Vec<String>,
    /// Whether it takes appointments.
    pub active: bool,
    /// First day it takes appointments.
    pub active_from: Option<NaiveDate>,
    /// Last day it takes appointments.
    pub active_until: Option<NaiveDate>,
    /// Whom its time is for.
    pub channel: Channel,
}
use crate::http::error::ApiError;
use crate::model::examples::SITE_ID;
use crate::model::fields::parse_day;
use crate::model::fields::parse_motif_ids;
use crate::model::plage::PlageResponse;
use chrono::NaiveDate;
use planipref_domain::channel::Channel;
use planipref_domain::error::Collector;
use planipref_domain::plage::check_active_period;
use planipref_domain::text::check_name;
use planipref_store::models::GuichetRow;

/// A new guichet.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuichetRequest {
    /// Name, unique at the site.
    #[schema(min_length = 1, max_length = 100, example = "Guichet 5")]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub name: String,
    /// The motifs it serves: motifs of the same site, at least one, each
    /// once.
    #[schema(value_type = Vec<uuid::Uuid>, min_items = 1, example = json!(["9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00"]))]
    pub motif_ids: Vec<String>,
    /// Whether it takes appointments (default true).
    #[serde(default = "active_by_default")]
    #[schema(example = true)]
    pub active: bool,
    /// First day it takes appointments; unlimited when absent.
    #[serde(default)]
    #[schema(format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = json!(null))]
    pub active_from: Option<String>,
    /// Last day it takes appointments (inclusive); open-ended when absent.
    #[serde(default)]
    #[schema(format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2027-06-30")]
    pub active_until: Option<String>,
    /// Whom its time is for: `public` (online, the default),
    /// `convocation` (holders of a convocation; offered to the public too
    /// the préfecture's `convocation_release_hours` before each day) or
    /// `walk_in` (people without an appointment: never offered online).
    #[serde(default)]
    #[schema(value_type = Option<crate::model::codes::Channel>, example = "public")]
    pub channel: Option<String>,
}

pub fn active_by_default() -> bool {
    true
}

impl GuichetRequest {
    /// Checks every field, reporting all problems at once.
    pub fn parse(&self) -> Result<GuichetSettings, ApiError> {
        let mut c = Collector::default();
        let name = c.take(check_name("name", &self.name, 100));
        let motif_ids = c.take(parse_motif_ids(&self.motif_ids, false));
        let (from, until) = parse_period(
            &mut c,
            self.active_from.as_deref(),
            self.active_until.as_deref(),
        );
        let channel = match self.channel.as_deref() {
            None => Some(Channel::Public),
            Some(raw) => c.take(Channel::parse("channel", raw)),
        };
        c.finish()?;
        match (name, motif_ids, channel) {
            (Some(name), Some(motif_ids), Some(channel)) => Ok(GuichetSettings {
                name,
                motif_ids,
                active: self.active,
                active_from: from,
                active_until: until,
                channel,
            }),
            _ => Err(ApiError::Internal),
        }
    }
}

/// A guichet.
#[derive(Debug, Serialize, ToSchema)]
pub struct Guichet {
    /// Identifier.
    #[schema(example = "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f")]
    pub id: String,
    /// Its site.
    #[schema(example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")]
    pub site_id: String,
    /// Name.
    #[schema(example = "Guichet 5")]
    pub name: String,
    /// Whether it takes appointments.
    #[schema(example = true)]
    pub active: bool,
    /// First day it takes appointments, if limited.
    #[schema(value_type = Option<String>, format = Date, example = json!(null))]
    pub active_from: Option<NaiveDate>,
    /// Last day it takes appointments (inclusive), if limited.
    #[schema(value_type = Option<String>, format = Date, example = "2027-06-30")]
    pub active_until: Option<NaiveDate>,
    /// The motifs it serves.
    #[schema(example = json!(["9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00"]))]
    pub motif_ids: Vec<String>,
    /// Whom its time is for: `public`, `convocation` or `walk_in`.
    #[schema(value_type = crate::model::codes::Channel, example = "public")]
    pub channel: String,
    /// Its version (also its `ETag`), raised by each change: send it in
    /// `If-Match` to change the guichet.
    #[schema(example = 1, minimum = 1)]
    pub version: i32,
}

crate::http::version::versioned_by_field!(Guichet);

impl Guichet {
    /// From its row and the motifs it serves.
    pub fn from_row(g: &GuichetRow, motif_ids: Vec<String>) -> Self {
        Self {
            version: g.revision,
            id: g.id.clone(),
            site_id: g.site_id.clone(),
            name: g.name.clone(),
            active: g.active,
            active_from: g.active_from,
            active_until: g.active_until,
            motif_ids,
            channel: g.channel.clone(),
        }
    }
}

/// Reads a guichet's working period, naming each faulty field.
pub fn parse_period(
    c: &mut Collector,
    from: Option<&str>,
    until: Option<&str>,
) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let from = c
        .take(from.map(|d| parse_day("active_from", d)).transpose())
        .flatten();
    let until = c
        .take(until.map(|d| parse_day("active_until", d)).transpose())
        .flatten();
    c.take(check_active_period(from, until));
    (from, until)
}

/// A guichet with its plages.
#[derive(Debug, Serialize, ToSchema)]
pub struct GuichetWithPlages {
    /// The guichet.
    #[serde(flatten)]
    pub guichet: Guichet,
    /// Its plages, by start time.
    pub plages: Vec<PlageResponse>,
}

/// A guichet after a change, and the appointments it left to re-book.
#[derive(Debug, Serialize, ToSchema)]
pub struct GuichetChange {
    /// The guichet.
    pub guichet: Guichet,
    /// References of booked appointments marked to be re-booked.
    #[schema(example = json!([]))]
    pub flagged_reservations: Vec<String>,
}

/// What a change that touches booked appointments does.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OnConflict {
    /// `refuse` (default): answer 409 with the affected references and change
    /// nothing. `flag`: apply the change and mark them to be re-booked
    /// (never deleted).
    #[param(example = "refuse", pattern = "^(refuse|flag)$")]
    pub on_conflict: Option<String>,
}

impl OnConflict {
    /// Whether to flag rather than refuse.
    pub fn flag(&self) -> Result<bool, ApiError> {
        match self.on_conflict.as_deref() {
            None | Some("refuse") => Ok(false),
            Some("flag") => Ok(true),
            Some(_) => Err(ApiError::invalid("on_conflict", "must be refuse or flag")),
        }
    }
}

/// A page of guichets.
pub type GuichetPage = crate::model::page::Page<Guichet>;
crate::model::page::listed!(Guichet, "GuichetPage", "A page of guichets.", "By name.");

pub fn guichet_example() -> serde_json::Value {
    serde_json::json!({"id": "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f", "site_id": SITE_ID, "name": "Guichet 5", "active": true, "active_from": null, "active_until": null, "motif_ids": ["9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00"], "channel": "public", "version": 1})
}
