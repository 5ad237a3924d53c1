//! The counter's day: what agents send when people arrive, are called and
//! leave, register walk-ins, book for someone, and the day they read.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::model::examples::MOTIF_ID;
use crate::model::reservation::AgentReservation;

const GUICHET_ID: &str = "5e0b9c1d-7a2f-4e3b-9c8d-1a2b3c4d5e6f";

/// Calling a person to a guichet.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"guichet_id": GUICHET_ID}))]
pub struct CallRequest {
    /// The guichet they are called to (default: their appointment's).
    #[schema(format = Uuid, example = "5e0b9c1d-7a2f-4e3b-9c8d-1a2b3c4d5e6f")]
    pub guichet_id: Option<String>,
}

/// Undoing the last step.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Wrong person checked in"}))]
pub struct UndoRequest {
    /// Why (3 to 500 characters), kept in the history.
    #[schema(min_length = 3, max_length = 500, example = "Wrong person checked in")]
    pub reason: String,
}

/// Who came without an appointment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!(example_walk_in_request()))]
pub struct WalkInRequest {
    /// The motif they came for (a motif of the site).
    #[schema(format = Uuid, example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00")]
    pub motif_id: String,
    /// Persons coming together (default 1).
    #[schema(minimum = 1, maximum = 10, example = 1)]
    pub persons: Option<u32>,
    /// The person.
    pub applicant: PersonRequest,
}

/// A person an agent books for: contact details optional.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonRequest {
    /// Family name, as on the identity document.
    #[schema(min_length = 1, max_length = 100, example = "Nguyễn")]
    pub last_name: String,
    /// Given names.
    #[schema(min_length = 1, max_length = 100, example = "Thị Lan")]
    pub first_names: String,
    /// Date of birth, `YYYY-MM-DD`.
    #[schema(format = Date, example = "1987-03-02")]
    pub birth_date: String,
    /// E-mail address, when the person has one.
    #[schema(format = Email, max_length = 254, example = json!(null))]
    pub email: Option<String>,
    /// Phone number, when the person has one.
    #[schema(example = "06 12 34 56 78")]
    pub phone: Option<String>,
    /// Nationality, ISO 3166-1 alpha-3.
    #[schema(min_length = 3, max_length = 3, example = "VNM")]
    pub nationality: Option<String>,
    /// File number: the foreigner's number (10 digits), an ANEF or ANTS
    /// request number, or a NEPH (spaces, hyphens and case do not
    /// matter). Required, in that system's formats, when booking for a
    /// démarche that has files checked (see `POST /reservations`).
    #[schema(min_length = 10, max_length = 40, pattern = "^[0-9A-Za-z -]{10,40}$", example = json!(null))]
    pub file_number: Option<String>,
}

/// An appointment an agent (or an accredited intermediary) books for
/// someone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!(example_on_behalf_request()))]
pub struct OnBehalfRequest {
    /// The motif.
    #[schema(format = Uuid, example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00")]
    pub motif_id: String,
    /// The slot's start, as given by `GET /motifs/{motif_id}/slots`.
    #[schema(format = DateTime, pattern = "^(20[0-9]{2}|2100)-", example = "2026-12-07T10:00:00+01:00")]
    pub start: String,
    /// Persons coming together (default 1).
    #[schema(minimum = 1, maximum = 10, example = 1)]
    pub persons: Option<u32>,
    /// How the request came: `phone`, `counter` or `intermediary`
    /// (intermediaries always book as `intermediary`).
    #[schema(value_type = crate::model::codes::OnBehalfChannel, example = "phone")]
    pub channel: String,
    /// How the person was reached, kept with the appointment (e.g.
    /// "contacted by phone"): required when neither e-mail nor phone is
    /// given, 3 to 500 characters.
    #[schema(max_length = 500, example = "Contacted by phone")]
    pub contact_note: Option<String>,
    /// The person.
    pub applicant: PersonRequest,
    /// The language of the person's messages: `fr` (default) or `en`.
    #[schema(value_type = Option<crate::model::codes::Language>, example = "fr")]
    pub language: Option<String>,
}

/// An appointment booked for someone, with its management token (to give
/// them on paper: Planipref keeps only a hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct OnBehalfCreated {
    /// The reference to quote at the counter.
    #[schema(example = "K7QX-M3PA")]
    pub reference: String,
    /// The secret letting its holder read, move or cancel it online.
    #[schema(example = "3f9a6c1e0b7d4e2a8c5f1d9b3e7a0c4f6b2d8e1a5c9f3b7d0e4a8c2f6b1d5e9a")]
    pub management_token: String,
    /// The appointment.
    pub reservation: AgentReservation,
}

/// One appointment or walk-in of the day, as the counter sees it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!(example_counter_entry()))]
pub struct CounterEntry {
    /// Reference.
    #[schema(example = "K7QX-M3PA")]
    pub reference: String,
    /// Its status.
    #[schema(value_type = crate::model::codes::ReservationStatus, example = "checked_in")]
    pub status: String,
    /// How it was made.
    #[schema(value_type = crate::model::codes::BookingChannel, example = "web")]
    pub channel: String,
    /// A walk-in's ticket number of the day.
    #[schema(example = json!(null))]
    pub ticket: Option<i32>,
    /// The guichet it takes.
    #[schema(format = Uuid, example = "5e0b9c1d-7a2f-4e3b-9c8d-1a2b3c4d5e6f")]
    pub guichet_id: String,
    /// Motif id.
    #[schema(format = Uuid, example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00")]
    pub motif_id: String,
    /// Motif label.
    #[schema(example = "Renouvellement de titre de séjour")]
    pub motif: String,
    /// Persons coming.
    #[schema(example = 1)]
    pub persons: u32,
    /// Start, with the site's offset.
    #[schema(value_type = String, format = DateTime, example = "2026-12-07T10:00:00+01:00")]
    pub start: DateTime<FixedOffset>,
    /// End, with the site's offset.
    #[schema(value_type = String, format = DateTime, example = "2026-12-07T10:30:00+01:00")]
    pub end: DateTime<FixedOffset>,
    /// When the person arrived.
    #[schema(value_type = Option<String>, format = DateTime, example = "2026-12-07T09:52:00+01:00")]
    pub arrived_at: Option<DateTime<FixedOffset>>,
    /// When they were (last) called.
    #[schema(value_type = Option<String>, format = DateTime, example = json!(null))]
    pub called_at: Option<DateTime<FixedOffset>>,
    /// The guichet they were called to.
    #[schema(format = Uuid, example = json!(null))]
    pub called_to: Option<String>,
    /// When they left the guichet.
    #[schema(value_type = Option<String>, format = DateTime, example = json!(null))]
    pub finished_at: Option<DateTime<FixedOffset>>,
    /// Minutes waited: from arrival (or the start, when early) to the call.
    #[schema(example = json!(null))]
    pub waiting_minutes: Option<i64>,
    /// Minutes at the guichet: from the call to the end.
    #[schema(example = json!(null))]
    pub service_minutes: Option<i64>,
    /// Family name.
    #[schema(example = "N'Diaye")]
    pub last_name: String,
    /// Given names.
    #[schema(example = "Aïssata Marie")]
    pub first_names: String,
    /// E-mail: only with `with_contact=true` (empty when none was given).
    #[schema(example = json!(null))]
    pub email: Option<String>,
    /// Phone: only with `with_contact=true` (empty when none was given).
    #[schema(example = json!(null))]
    pub phone: Option<String>,
    /// How the person was reached, when an agent booked without contact.
    #[schema(example = json!(null))]
    pub contact_note: Option<String>,
    /// Who booked it (`applicant`, `agent:<sub>`).
    #[schema(example = "applicant")]
    pub booked_by: String,
    /// The intermediary's organisation, when one booked.
    #[schema(example = json!(null))]
    pub organisation: Option<String>,
    /// A change of the organisation left it without its counter.
    #[schema(example = false)]
    pub needs_rebooking: bool,
    /// Booked on an over-booked place: its guichet's time was already
    /// taken (the préfecture's over-booking counts on a no-show).
    #[schema(example = false)]
    pub overbooked: bool,
    /// What the démarche's file check found at booking (`null`: none).
    /// `unverified`: the system could not say; check the file here.
    #[schema(example = json!({"status": "unverified", "system": "anef"}))]
    pub file_check: Option<crate::model::file_check::FileCheckFlag>,
    /// The démarches-simplifiées dossier of the convocation it was booked
    /// with, when the agent gave one.
    #[schema(example = json!(null))]
    pub ds_dossier_number: Option<i64>,
}

/// What the day view asks.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DayQuery {
    /// The local day, `YYYY-MM-DD` (default: today at the site).
    #[param(value_type = Option<String>, format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2026-12-07")]
    pub date: Option<String>,
    /// Only this guichet's appointments and timeline.
    #[param(value_type = Option<String>, format = Uuid)]
    pub guichet_id: Option<String>,
    /// Include e-mail and phone (audited).
    #[param(example = false)]
    pub with_contact: Option<bool>,
}

/// An opening range of a guichet that day, local times.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayRange {
    /// Opens at (`HH:MM`, local).
    #[schema(example = "09:00")]
    pub start: String,
    /// Closes at.
    #[schema(example = "12:00")]
    pub end: String,
}

/// A closure that day.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayClosure {
    /// From, with the site's offset.
    #[schema(value_type = String, format = DateTime, example = "2026-12-07T14:00:00+01:00")]
    pub start: DateTime<FixedOffset>,
    /// Until.
    #[schema(value_type = String, format = DateTime, example = "2026-12-07T16:00:00+01:00")]
    pub end: DateTime<FixedOffset>,
    /// Why.
    #[schema(example = "Formation des agents")]
    pub reason: String,
}

/// A guichet's timeline that day.
#[derive(Debug, Serialize, ToSchema)]
pub struct GuichetDay {
    /// Guichet id.
    #[schema(format = Uuid, example = "5e0b9c1d-7a2f-4e3b-9c8d-1a2b3c4d5e6f")]
    pub id: String,
    /// Its name.
    #[schema(example = "Guichet 1")]
    pub name: String,
    /// Whom its time is for.
    #[schema(value_type = crate::model::codes::Channel, example = "public")]
    pub channel: String,
    /// Its plages that day.
    pub plages: Vec<DayRange>,
    /// Closures of it (or of the whole site) that day.
    pub closures: Vec<DayClosure>,
}

/// A site's day at the counter.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!(example_day()))]
pub struct SiteDay {
    /// The site.
    #[schema(format = Uuid, example = "0b6c3f0e-8d5a-4f0c-9a57-2f3c1d9e4b21")]
    pub site_id: String,
    /// The local day.
    #[schema(value_type = String, format = Date, example = "2026-12-07")]
    pub date: NaiveDate,
    /// The site's time zone.
    #[schema(example = "Europe/Paris")]
    pub time_zone: String,
    /// Each guichet's timeline.
    pub guichets: Vec<GuichetDay>,
    /// Every appointment and walk-in, in time order.
    pub items: Vec<CounterEntry>,
    /// How many of `items` have each status.
    #[schema(value_type = BTreeMap<String, u32>, example = json!({"booked": 2, "checked_in": 1}))]
    pub counts: BTreeMap<String, u32>,
}

/// A préfecture's counter settings.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[schema(example = json!(example_counter_settings()))]
pub struct CounterSettings {
    /// An appointment still `booked` this many minutes after its start
    /// becomes `no_show` (5–240; default 30).
    #[schema(example = 30)]
    pub no_show_after_minutes: u32,
    /// A walk-in may take public time starting within this many minutes
    /// when no walk-in guichet is free (0–480; default 60).
    #[schema(example = 60)]
    pub walk_in_horizon_minutes: u32,
    /// Most appointments one agent may book for others in a day (1–1000;
    /// default 100).
    #[schema(example = 100)]
    pub agent_daily_bookings: u32,
    /// The préfecture's version (also the `ETag`): send it in `If-Match`.
    #[schema(example = 1, minimum = 1)]
    pub version: i32,
}

crate::http::version::versioned_by_field!(CounterSettings);

/// New counter settings, all three.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"no_show_after_minutes": 20, "walk_in_horizon_minutes": 45, "agent_daily_bookings": 80}))]
pub struct CounterSettingsUpdate {
    /// See [`CounterSettings`].
    #[schema(minimum = 5, maximum = 240, example = 20)]
    pub no_show_after_minutes: u32,
    /// See [`CounterSettings`].
    #[schema(minimum = 0, maximum = 480, example = 45)]
    pub walk_in_horizon_minutes: u32,
    /// See [`CounterSettings`].
    #[schema(minimum = 1, maximum = 1000, example = 80)]
    pub agent_daily_bookings: u32,
}

pub fn example_walk_in_request() -> Value {
    json!({
        "motif_id": MOTIF_ID,
        "applicant": {"last_name": "Nguyễn", "first_names": "Thị Lan", "birth_date": "1987-03-02"}
    })
}

pub fn example_on_behalf_request() -> Value {
    json!({
        "motif_id": MOTIF_ID,
        "start": "2026-12-07T10:00:00+01:00",
        "channel": "phone",
        "contact_note": "Contacted by phone",
        "applicant": {"last_name": "Nguyễn", "first_names": "Thị Lan", "birth_date": "1987-03-02", "phone": "06 12 34 56 78"}
    })
}

pub fn example_counter_entry() -> Value {
    json!({
        "reference": "K7QX-M3PA", "status": "checked_in", "channel": "web", "ticket": null,
        "guichet_id": GUICHET_ID, "motif_id": MOTIF_ID, "motif": "Renouvellement de titre de séjour",
        "persons": 1, "start": "2026-12-07T10:00:00+01:00", "end": "2026-12-07T10:30:00+01:00",
        "arrived_at": "2026-12-07T09:52:00+01:00", "called_at": null, "called_to": null,
        "finished_at": null, "waiting_minutes": null, "service_minutes": null,
        "last_name": "N'Diaye", "first_names": "Aïssata Marie", "email": null, "phone": null,
        "contact_note": null, "booked_by": "applicant", "organisation": null, "needs_rebooking": false,
        "overbooked": false, "file_check": {"status": "unverified", "system": "anef"},
        "ds_dossier_number": null
    })
}

pub fn example_day() -> Value {
    json!({
        "site_id": "0b6c3f0e-8d5a-4f0c-9a57-2f3c1d9e4b21", "date": "2026-12-07", "time_zone": "Europe/Paris",
        "guichets": [{"id": GUICHET_ID, "name": "Guichet 1", "channel": "public",
            "plages": [{"start": "09:00", "end": "12:00"}], "closures": []}],
        "items": [example_counter_entry()],
        "counts": {"checked_in": 1}
    })
}

pub fn example_counter_settings() -> Value {
    json!({"no_show_after_minutes": 30, "walk_in_horizon_minutes": 60, "agent_daily_bookings": 100, "version": 1})
}

pub fn example_on_behalf_created() -> Value {
    json!({
        "reference": "K7QX-M3PA",
        "management_token": "3f9a6c1e0b7d4e2a8c5f1d9b3e7a0c4f6b2d8e1a5c9f3b7d0e4a8c2f6b1d5e9a",
        "reservation": crate::model::reservation::example_agent_reservation()
    })
}
