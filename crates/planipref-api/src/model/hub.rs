//! What national hubs read (the ANTS model's shapes: meeting points, free
//! times by meeting point, appointments by file number), and a site's
//! location as administrators set it.

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use crate::model::examples::SITE_ID;

/// A place that receives the public, as a hub shows it on its map.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeetingPoint {
    /// The site's identifier (the `meeting_point_ids` of
    /// `availableTimeSlots`).
    #[schema(example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")]
    pub id: String,
    /// Its name.
    #[schema(example = "Préfecture de la Seine-Saint-Denis — Bobigny")]
    pub name: String,
    /// WGS 84 longitude, degrees east.
    #[schema(example = 2.4397)]
    pub longitude: f64,
    /// WGS 84 latitude, degrees north.
    #[schema(example = 48.9077)]
    pub latitude: f64,
    /// Street and number of the public's entrance.
    #[schema(example = "1 esplanade Jean Moulin")]
    pub public_entry_address: String,
    /// Postal code.
    #[schema(example = "93000")]
    pub zip_code: String,
    /// Town.
    #[schema(example = "Bobigny")]
    pub city_name: String,
    /// The site's page for the public, if it has one.
    #[schema(example = "https://www.seine-saint-denis.gouv.fr")]
    pub website: Option<String>,
    /// Département code of its préfecture.
    #[schema(example = "93")]
    pub prefecture_code: String,
    /// IANA time zone of its times.
    #[schema(example = "Europe/Paris")]
    pub time_zone: String,
}

/// A free time, exactly as the public booking journey offers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimeSlot {
    /// Start, with the site's offset (the `start` of the public slot
    /// list; send it back as is to book).
    #[schema(value_type = String, format = DateTime, example = "2026-12-07T09:00:00+01:00")]
    pub datetime: String,
    /// Where the applicant books this time (the deployment's booking
    /// page, built from `PLANIPREF_HUB_BOOKING_URL`).
    #[schema(
        example = "https://rdv.seine-saint-denis.gouv.fr/reserver?site=4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11&motif=9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00&start=2026-12-07T09%3A00%3A00%2B01%3A00&persons=1"
    )]
    pub callback_url: String,
}

/// A coming appointment of a file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FileAppointment {
    /// The site's name.
    #[schema(example = "Préfecture de la Seine-Saint-Denis — Bobigny")]
    pub meeting_point: String,
    /// The site's identifier.
    #[schema(example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")]
    pub meeting_point_id: String,
    /// Start, with the site's offset.
    #[schema(value_type = String, format = DateTime, example = "2026-12-07T09:00:00+01:00")]
    pub datetime: String,
    /// Where its holder manages it (built from
    /// `PLANIPREF_HUB_MANAGEMENT_URL`; the holder's management token is
    /// still asked there).
    #[schema(example = "https://rdv.seine-saint-denis.gouv.fr/rendez-vous?reference=K7QX-M3PA")]
    pub management_url: String,
}

/// The question about free times, as documented (read by
/// `planipref_domain::hub::check_time_slots_query`: keys repeat without
/// brackets).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimeSlotsParams {
    /// The meeting points asked about (1 to 100), the key repeated:
    /// `meeting_point_ids=…&meeting_point_ids=…`.
    #[param(style = Form, explode, min_items = 1, max_items = 100, example = json!([SITE_ID]))]
    pub meeting_point_ids: Vec<uuid::Uuid>,
    /// First local day, `YYYY-MM-DD`.
    #[param(example = "2026-12-07")]
    pub start_date: chrono::NaiveDate,
    /// Last local day (included), at most 61 days after `start_date`.
    #[param(example = "2027-01-06")]
    pub end_date: chrono::NaiveDate,
    /// The démarche's catalogue code.
    #[param(
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        min_length = 3,
        max_length = 64,
        example = "sejour-renouvellement"
    )]
    pub reason: String,
    /// How many persons (documents) the appointment is for, 1 to 10
    /// (default 1).
    #[param(minimum = 1, maximum = 10, example = 1)]
    pub documents_number: Option<u32>,
}

/// The search by file numbers, as documented.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationIdsParams {
    /// File numbers (1 to 50), the key repeated: the foreigner's number,
    /// an ANEF or ANTS request number, a NEPH; spaces and hyphens ignored.
    #[param(style = Form, explode, min_items = 1, max_items = 50, example = json!(["7501234567"]))]
    pub application_ids: Vec<String>,
}

/// A site's location, as administrators see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SiteLocation {
    /// The site.
    #[schema(example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")]
    pub site_id: String,
    /// WGS 84 latitude, degrees north; `null` while none is set (the
    /// site is then not offered to hubs).
    #[schema(example = 48.9077)]
    pub latitude: Option<f64>,
    /// WGS 84 longitude, degrees east; `null` while none is set.
    #[schema(example = 2.4397)]
    pub longitude: Option<f64>,
    /// The site's page for the public.
    #[schema(example = "https://www.seine-saint-denis.gouv.fr")]
    pub website: Option<String>,
    /// The site's version (send it back in `If-Match` to change this).
    #[schema(example = 3)]
    pub version: i32,
}

crate::http::version::versioned_by_field!(SiteLocation);

/// A site's new location.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteLocationUpdate {
    /// WGS 84 latitude, degrees north, −90 to 90.
    #[schema(minimum = -90, maximum = 90, example = 48.9077)]
    pub latitude: f64,
    /// WGS 84 longitude, degrees east, −180 to 180.
    #[schema(minimum = -180, maximum = 180, example = 2.4397)]
    pub longitude: f64,
    /// The site's page for the public: `https://…`, at most 300
    /// characters.
    #[schema(
        max_length = 300,
        pattern = "^https://[!-~]+$",
        example = "https://www.seine-saint-denis.gouv.fr"
    )]
    pub website: Option<String>,
}

/// An example location.
pub fn example_location() -> serde_json::Value {
    json!({"site_id": SITE_ID, "latitude": 48.9077, "longitude": 2.4397,
        "website": "https://www.seine-saint-denis.gouv.fr", "version": 3})
}

/// An example list of meeting points.
pub fn example_meeting_points() -> serde_json::Value {
    json!([{"id": SITE_ID, "name": "Préfecture de la Seine-Saint-Denis — Bobigny",
        "longitude": 2.4397, "latitude": 48.9077,
        "public_entry_address": "1 esplanade Jean Moulin", "zip_code": "93000",
        "city_name": "Bobigny", "website": "https://www.seine-saint-denis.gouv.fr",
        "prefecture_code": "93", "time_zone": "Europe/Paris"}])
}

/// An example answer about free times.
pub fn example_time_slots() -> serde_json::Value {
    json!({SITE_ID: [{"datetime": "2026-12-07T09:00:00+01:00",
        "callback_url": "https://rdv.seine-saint-denis.gouv.fr/reserver?site=4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11&motif=9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00&start=2026-12-07T09%3A00%3A00%2B01%3A00&persons=1"}]})
}

/// An example answer about files.
pub fn example_applications() -> serde_json::Value {
    json!({"7501234567": [{"meeting_point": "Préfecture de la Seine-Saint-Denis — Bobigny",
        "meeting_point_id": SITE_ID, "datetime": "2026-12-07T09:00:00+01:00",
        "management_url": "https://rdv.seine-saint-denis.gouv.fr/rendez-vous?reference=K7QX-M3PA"}],
        "AB12CD34EF": []})
}
