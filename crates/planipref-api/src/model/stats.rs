//! Statistics for agents, and the public délai of a démarche.

use std::collections::BTreeMap;

use planipref_domain::stats::Figures;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

/// Which figures: a site or a préfecture's sites (those the agent reads),
/// over local days, grouped by period and split by a dimension.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// One site (or `prefecture`, not both).
    #[param(format = Uuid, example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")]
    pub site_id: Option<String>,
    /// The sites of a préfecture (its département's code) the agent reads.
    #[param(example = "93")]
    pub prefecture: Option<String>,
    /// First local day, `YYYY-MM-DD`.
    #[param(format = Date, example = "2026-01-01")]
    pub from: String,
    /// Last local day (included), at most 366 days after `from`.
    #[param(format = Date, example = "2026-12-31")]
    pub to: String,
    /// Periods: `day`, `week` (from Monday) or `month` (default).
    #[param(value_type = Option<StatsPeriod>, example = "month")]
    pub group_by: Option<String>,
    /// Split each period by `motif`, `guichet` or `channel` (default:
    /// not split).
    #[param(value_type = Option<StatsDimension>, example = "motif")]
    pub by: Option<String>,
}

/// How figures are grouped in time.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatsPeriod {
    /// Each local day.
    Day,
    /// Each week, from Monday.
    Week,
    /// Each calendar month.
    Month,
}

/// What each period is split by.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatsDimension {
    /// The motif.
    Motif,
    /// The guichet.
    Guichet,
    /// How appointments were made.
    Channel,
}

/// The figures of a group of appointments. Counts are of appointments,
/// never of people: they survive the erasure of identities.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatsFigures {
    /// Guichet minutes open (plages less closures and holidays); null for
    /// a motif or a channel, which share their guichets.
    #[schema(example = 12000)]
    pub capacity_minutes: Option<i64>,
    /// Appointments for the period (walk-ins included), cancelled ones
    /// included.
    #[schema(example = 410)]
    pub appointments: u64,
    /// Those not cancelled.
    #[schema(example = 380)]
    pub booked: u64,
    /// Cancelled.
    #[schema(example = 30)]
    pub cancelled: u64,
    /// Cancelled by their applicant.
    #[schema(example = 22)]
    pub cancelled_by_applicant: u64,
    /// Cancelled by an agent.
    #[schema(example = 8)]
    pub cancelled_by_agent: u64,
    /// Moved at least once.
    #[schema(example = 12)]
    pub moved: u64,
    /// The person came (checked in, called or served).
    #[schema(example = 340)]
    pub honoured: u64,
    /// The person did not come.
    #[schema(example = 25)]
    pub no_show: u64,
    /// People who came without an appointment.
    #[schema(example = 15)]
    pub walk_ins: u64,
    /// Minutes booked over minutes open (0 to 1 and more with
    /// over-booking); null without capacity.
    #[schema(example = 0.63)]
    pub fill_rate: Option<f64>,
    /// No-shows over appointments whose outcome is known.
    #[schema(example = 0.0685)]
    pub no_show_rate: Option<f64>,
    /// Median minutes between arrival and call.
    #[schema(example = 12.0)]
    pub median_wait_minutes: Option<f64>,
    /// Median minutes between call and end.
    #[schema(example = 18.5)]
    pub median_service_minutes: Option<f64>,
    /// Median délai, in days from each sampled day to the first free
    /// slot (motifs; the whole scope in totals).
    #[schema(example = 21.0)]
    pub median_delay_days: Option<f64>,
}

impl From<Figures> for StatsFigures {
    fn from(f: Figures) -> Self {
        Self {
            capacity_minutes: f.capacity_minutes,
            appointments: f.appointments,
            booked: f.booked,
            cancelled: f.cancelled,
            cancelled_by_applicant: f.cancelled_by_applicant,
            cancelled_by_agent: f.cancelled_by_agent,
            moved: f.moved,
            honoured: f.honoured,
            no_show: f.no_show,
            walk_ins: f.walk_ins,
            fill_rate: f.fill_rate,
            no_show_rate: f.no_show_rate,
            median_wait_minutes: f.median_wait_minutes,
            median_service_minutes: f.median_service_minutes,
            median_delay_days: f.median_delay_days,
        }
    }
}

/// One line of figures: a period, and the motif, guichet or channel.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatsRow {
    /// The period's first day.
    #[schema(format = Date, example = "2026-12-01")]
    pub period: String,
    /// The motif's or guichet's id, or the channel; null when not split.
    #[schema(example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00")]
    pub key: Option<String>,
    /// The motif's label or the guichet's name.
    #[schema(example = "Renouvellement de titre de séjour")]
    pub label: Option<String>,
    /// Its figures.
    #[serde(flatten)]
    pub figures: StatsFigures,
}

/// Figures over a site or a préfecture.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!(example_stats()))]
pub struct StatsReport {
    /// The sites counted.
    #[schema(example = json!(["4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"]))]
    pub site_ids: Vec<String>,
    /// First local day.
    #[schema(format = Date, example = "2026-01-01")]
    pub from: String,
    /// Last local day.
    #[schema(format = Date, example = "2026-12-31")]
    pub to: String,
    /// How periods are cut.
    pub group_by: StatsPeriod,
    /// What periods are split by (null: not split).
    pub by: Option<StatsDimension>,
    /// One line per period (and key), in order.
    pub rows: Vec<StatsRow>,
    /// The whole period.
    pub totals: StatsFigures,
    /// No-shows over known outcomes, per channel (`web`, `convocation`,
    /// `phone`, `counter`, `intermediary`, `walk_in`).
    #[schema(example = json!({"web": 0.08, "phone": 0.05}))]
    pub no_show_rate_by_channel: BTreeMap<String, Option<f64>>,
}

/// The CSV's columns, in order (UTF-8 with a byte-order mark).
pub const CSV_COLUMNS: [&str; 18] = [
    "period",
    "key",
    "label",
    "capacity_minutes",
    "appointments",
    "booked",
    "cancelled",
    "cancelled_by_applicant",
    "cancelled_by_agent",
    "moved",
    "honoured",
    "no_show",
    "walk_ins",
    "fill_rate",
    "no_show_rate",
    "median_wait_minutes",
    "median_service_minutes",
    "median_delay_days",
];

pub fn example_figures() -> Value {
    json!({"capacity_minutes": 12000, "appointments": 410, "booked": 380, "cancelled": 30, "cancelled_by_applicant": 22, "cancelled_by_agent": 8, "moved": 12, "honoured": 340, "no_show": 25, "walk_ins": 15, "fill_rate": 0.63, "no_show_rate": 0.0685, "median_wait_minutes": 12.0, "median_service_minutes": 18.5, "median_delay_days": 21.0})
}

pub fn example_stats() -> Value {
    let mut row = example_figures();
    row["period"] = json!("2026-12-01");
    row["key"] = Value::Null;
    row["label"] = Value::Null;
    json!({"site_ids": ["4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"], "from": "2026-12-01", "to": "2026-12-31", "group_by": "month", "by": null, "rows": [row], "totals": example_figures(), "no_show_rate_by_channel": {"web": 0.08, "phone": 0.05}})
}

/// Where a démarche's délai is asked for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DelaysQuery {
    /// The département (its code).
    #[param(example = "93")]
    pub departement: String,
}

/// The délai of a démarche at one site.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SiteDelay {
    /// The site.
    #[schema(format = Uuid, example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")]
    pub site_id: String,
    /// Its name.
    #[schema(example = "Préfecture de la Seine-Saint-Denis")]
    pub site_name: String,
    /// Days from today to the first free slot, as sampled today (null:
    /// not sampled yet today, or nothing free within the booking window;
    /// see `full_today`).
    #[schema(example = 12)]
    pub today_days: Option<i32>,
    /// Whether today's sample found nothing free within the window.
    #[schema(example = false)]
    pub full_today: bool,
    /// The median of the last 30 days' samples that found a free slot,
    /// null without any. Days with nothing free within the booking window
    /// have no number of days: they are left out of the median and
    /// counted in `full_days`, so that a median over few open days is not
    /// read as a short délai.
    #[schema(example = 15.5)]
    pub median_30_days: Option<f64>,
    /// Days sampled among the last 30.
    #[schema(example = 30, minimum = 0, maximum = 30)]
    pub sampled_days: u32,
    /// Of those, the days whose sample found nothing free within the
    /// booking window.
    #[schema(example = 0, minimum = 0, maximum = 30)]
    pub full_days: u32,
}

/// A démarche's délai in a département, per site.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!(example_delays()))]
pub struct DemarcheDelays {
    /// The démarche.
    #[schema(example = "sejour-renouvellement")]
    pub demarche: String,
    /// The département.
    #[schema(example = "93")]
    pub departement: String,
    /// Today, in the département's time.
    #[schema(format = Date, example = "2026-12-04")]
    pub today: String,
    /// Per site offering the démarche, by name.
    pub sites: Vec<SiteDelay>,
}

pub fn example_delays() -> Value {
    json!({"demarche": "sejour-renouvellement", "departement": "93", "today": "2026-12-04", "sites": [{"site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "site_name": "Préfecture de la Seine-Saint-Denis", "today_days": 12, "full_today": false, "median_30_days": 15.5, "sampled_days": 30, "full_days": 0}]})
}
