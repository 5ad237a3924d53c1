//! Reservations (appointments): what the applicant sends and reads, and what agents see.

use crate::model::examples::MOTIF_ID;
use crate::model::examples::at;
use crate::model::examples::day;
use crate::model::fields::at_site;
use crate::model::site::Site;
use chrono::DateTime;
use chrono::FixedOffset;
use chrono::NaiveDate;
use chrono::Utc;
use planipref_store::from_db;
use planipref_store::models::MotifRow;
use planipref_store::models::ReservationEventRow;
use planipref_store::models::ReservationRow;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

/// The management token header, for the document.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct ManagementTokenParam {
    /// The management token given at booking (64 hexadecimal characters).
    #[param(
        rename = "X-Management-Token",
        pattern = "^[0-9a-f]{64}$",
        example = "3f9a6c1e0b7d4e2a8c5f1d9b3e7a0c4f6b2d8e1a5c9f3b7d0e4a8c2f6b1d5e9a"
    )]
    pub management_token: String,
}

/// Who comes to the appointment.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicantRequest {
    /// Family name, as on the passport.
    #[schema(min_length = 1, max_length = 100, example = "N'Diaye")]
    pub last_name: String,
    /// Given names, as on the passport.
    #[schema(min_length = 1, max_length = 100, example = "Aïssata Marie")]
    pub first_names: String,
    /// Date of birth, `YYYY-MM-DD`, not in the future.
    #[schema(format = Date, example = "1990-04-12")]
    pub birth_date: String,
    /// E-mail address for the confirmation.
    #[schema(format = Email, max_length = 254, example = "aissata.ndiaye@example.org")]
    pub email: String,
    /// Phone number: international (`+212 6 61 23 45 67`) or French (`06 12 34 56 78`).
    #[schema(example = "+33 6 12 34 56 78")]
    pub phone: String,
    /// Nationality, ISO 3166-1 alpha-3 (optional).
    #[schema(min_length = 3, max_length = 3, example = "SEN")]
    pub nationality: Option<String>,
    /// The applicant's file number, when they have one: the foreigner's
    /// number (numéro étranger AGDREF, 10 digits, on the residence permit
    /// or its receipt), an ANEF request number (11 to 20 letters and
    /// digits), an ANTS request number (10 letters and digits) or a NEPH
    /// (driving licence file, 12 digits). Spaces, hyphens and case do not
    /// matter. It identifies the person across bookings (doublons).
    /// Required when the motif's démarche has files checked
    /// (`file_check`), in that system's formats: the booking goes through
    /// only when the system says the file is `validated` (422
    /// `file-consumed`, `file-unknown`, `file-expired` otherwise, naming
    /// this field), or, when it cannot say, as the démarche decides.
    #[schema(
        min_length = 10,
        max_length = 40,
        pattern = "^[0-9A-Za-z -]{10,40}$",
        example = "7501234567"
    )]
    pub file_number: Option<String>,
}

/// A booking request: a hold to confirm (`hold_id`), or a slot of a motif
/// (`motif_id`, `start`, `persons`), and who comes.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!(crate::model::reservation::example_create_reservation_request()))]
pub struct CreateReservationRequest {
    /// A live hold (from `POST /holds`): its slot is booked, whatever
    /// happened to the others meanwhile. Give this, or `motif_id` and
    /// `start`.
    #[schema(format = Uuid, example = "0b7e4c2d-5a1f-4e3b-9c8d-7f6a5b4c3d2e")]
    pub hold_id: Option<String>,
    /// The motif booked (from `GET /sites/{site_id}/motifs`).
    #[schema(format = Uuid, example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00")]
    pub motif_id: Option<String>,
    /// The slot's start exactly as given by `GET /motifs/{motif_id}/slots`
    /// (RFC 3339 with offset).
    #[schema(format = DateTime, pattern = "^(20[0-9]{2}|2100)-", example = "2026-12-01T09:00:00+01:00")]
    pub start: Option<String>,
    /// How many persons come (default 1; with `hold_id`, the hold's).
    #[schema(minimum = 1, maximum = 10, example = 1)]
    pub persons: Option<u32>,
    /// Who comes.
    pub applicant: ApplicantRequest,
    /// The language of the applicant's messages (confirmation, reminders,
    /// changes): `fr` or `en`; when absent, the one the request's
    /// `Accept-Language` prefers of the two, else `fr`.
    #[schema(value_type = Option<crate::model::codes::Language>, example = "fr")]
    pub language: Option<String>,
}

/// The motif of a reservation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReservationMotif {
    /// Identifier.
    #[schema(example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00")]
    pub id: String,
    /// Label.
    #[schema(example = "Renouvellement de titre de séjour")]
    pub label: String,
    /// What to know and bring.
    #[schema(
        example = "Apportez le titre actuel, passeport, justificatif de domicile et 3 photos."
    )]
    pub description: String,
    /// The language of its label and description: `fr`, or, when the
    /// applicant reads their appointment, the translation that best fits
    /// the request's `Accept-Language`.
    #[schema(example = "fr")]
    pub language: String,
    /// Length, in minutes.
    #[schema(example = 30)]
    pub duration_minutes: i32,
}

/// The applicant, as recorded (normalised).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicantResponse {
    /// Family name.
    #[schema(example = "N'Diaye")]
    pub last_name: String,
    /// Given names.
    #[schema(example = "Aïssata Marie")]
    pub first_names: String,
    /// Date of birth.
    #[schema(value_type = String, format = Date, example = "1990-04-12")]
    pub birth_date: NaiveDate,
    /// E-mail address.
    #[schema(example = "aissata.ndiaye@example.org")]
    pub email: String,
    /// Phone number, E.164.
    #[schema(example = "+33612345678")]
    pub phone: String,
    /// Nationality, ISO 3166-1 alpha-3, when given.
    #[schema(example = "SEN")]
    pub nationality: Option<String>,
    /// Foreigner file number, when given.
    #[schema(example = "7501234567")]
    pub file_number: Option<String>,
}

/// An appointment. Contains personal data: shown only to the holder of its
/// management token.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reservation {
    /// The reference to quote at the counter.
    #[schema(example = "K7QX-M3PA")]
    pub reference: String,
    /// Where it stands: `booked`, then at the counter `checked_in`,
    /// `called`, `done` or `no_show`; or `cancelled`.
    #[schema(value_type = crate::model::codes::ReservationStatus, example = "booked")]
    pub status: String,
    /// Start, with the site's offset.
    #[schema(value_type = String, format = DateTime, example = "2026-12-01T09:00:00+01:00")]
    pub start: DateTime<FixedOffset>,
    /// End, with the site's offset.
    #[schema(value_type = String, format = DateTime, example = "2026-12-01T09:30:00+01:00")]
    pub end: DateTime<FixedOffset>,
    /// How many persons come.
    #[schema(example = 1)]
    pub persons: u32,
    /// What is booked.
    pub motif: ReservationMotif,
    /// Where to go.
    pub site: Site,
    /// Who comes.
    pub applicant: ApplicantResponse,
    /// When it was booked, with the site's offset.
    #[schema(value_type = String, format = DateTime, example = "2026-11-28T14:05:12+01:00")]
    pub created_at: DateTime<FixedOffset>,
    /// When it was cancelled, if it was.
    #[schema(value_type = Option<String>, format = DateTime, example = json!(null))]
    pub cancelled_at: Option<DateTime<FixedOffset>>,
}

/// A new reservation, with its management token.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReservationCreated {
    /// The reference to quote at the counter.
    #[schema(example = "K7QX-M3PA")]
    pub reference: String,
    /// The secret that lets its holder read or cancel the reservation (header
    /// `X-Management-Token`). Shown this once: Planipref keeps only a hash.
    #[schema(example = "3f9a6c1e0b7d4e2a8c5f1d9b3e7a0c4f6b2d8e1a5c9f3b7d0e4a8c2f6b1d5e9a")]
    pub management_token: String,
    /// The appointment.
    pub reservation: Reservation,
}

/// Where to move an appointment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"start": "2026-12-03T14:00:00+01:00"}))]
pub struct RescheduleRequest {
    /// The new slot's start, exactly as given by `GET
    /// /motifs/{motif_id}/slots` for the same motif.
    #[schema(format = DateTime, pattern = "^(20[0-9]{2}|2100)-", example = "2026-12-03T14:00:00+01:00")]
    pub start: String,
}

/// Which appointments of a site.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SiteReservationsQuery {
    /// First local day (default: today at the site).
    #[param(value_type = Option<String>, format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2026-12-01")]
    pub from: Option<String>,
    /// Last local day, at most 31 days after `from` (default: `from`).
    #[param(value_type = Option<String>, format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2026-12-01")]
    pub to: Option<String>,
    /// Only appointments with this status (default: all).
    #[param(value_type = Option<crate::model::codes::ReservationStatus>, example = "booked")]
    pub status: Option<String>,
    /// Page number, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000, example = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub per_page: Option<u32>,
}

/// An appointment as agents see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentReservation {
    /// Reference.
    #[schema(example = "K7QX-M3PA")]
    pub reference: String,
    /// Where it stands: `booked`, then at the counter `checked_in`,
    /// `called`, `done` or `no_show`; or `cancelled`.
    #[schema(value_type = crate::model::codes::ReservationStatus, example = "booked")]
    pub status: String,
    /// Start, with the site's offset.
    #[schema(value_type = String, format = DateTime, example = "2026-12-01T09:00:00+01:00")]
    pub start: DateTime<FixedOffset>,
    /// End, with the site's offset.
    #[schema(value_type = String, format = DateTime, example = "2026-12-01T09:30:00+01:00")]
    pub end: DateTime<FixedOffset>,
    /// Persons coming.
    #[schema(example = 1)]
    pub persons: u32,
    /// Motif id.
    #[schema(example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00")]
    pub motif_id: String,
    /// Motif label.
    #[schema(example = "Renouvellement de titre de séjour")]
    pub motif: String,
    /// Family name.
    #[schema(example = "N'Diaye")]
    pub last_name: String,
    /// Given names.
    #[schema(example = "Aïssata Marie")]
    pub first_names: String,
    /// Date of birth.
    #[schema(value_type = String, format = Date, example = "1990-04-12")]
    pub birth_date: NaiveDate,
    /// Nationality, when given.
    #[schema(example = "SEN")]
    pub nationality: Option<String>,
    /// File number (foreigner's number, ANEF or ANTS request, NEPH),
    /// normalised, when given.
    #[schema(example = "7501234567")]
    pub file_number: Option<String>,
    /// E-mail.
    #[schema(example = "aissata.ndiaye@example.org")]
    pub email: String,
    /// Phone, E.164.
    #[schema(example = "+33612345678")]
    pub phone: String,
    /// A change of the organisation left it without its counter: to move.
    #[schema(example = false)]
    pub needs_rebooking: bool,
    /// Booked on an over-booked place: its guichet's time was already
    /// taken (the préfecture's over-booking counts on a no-show).
    #[schema(example = false)]
    pub overbooked: bool,
    /// What the démarche's file check found at booking (`null`: the
    /// démarche checks no file). `unverified`: the system could not say
    /// and the démarche accepts and flags; check the file at the counter.
    #[schema(example = json!({"status": "unverified", "system": "anef"}))]
    pub file_check: Option<crate::model::file_check::FileCheckFlag>,
    /// The démarches-simplifiées dossier of the convocation it was booked
    /// with, when the agent gave one.
    #[schema(example = 12345678)]
    pub ds_dossier_number: Option<i64>,
    /// Booked at.
    #[schema(value_type = String, format = DateTime, example = "2026-11-28T14:05:12+01:00")]
    pub created_at: DateTime<FixedOffset>,
    /// Cancelled at, if it was.
    #[schema(value_type = Option<String>, format = DateTime, example = json!(null))]
    pub cancelled_at: Option<DateTime<FixedOffset>>,
}

impl AgentReservation {
    pub fn new(r: ReservationRow, m: &MotifRow, tz: chrono_tz::Tz) -> Self {
        Self {
            reference: r.reference,
            status: r.status,
            start: at_site(from_db(r.starts_at), tz),
            end: at_site(from_db(r.ends_at), tz),
            persons: u32::try_from(r.persons).unwrap_or_default(),
            motif_id: m.id.clone(),
            motif: m.label.clone(),
            last_name: r.last_name,
            first_names: r.first_names,
            birth_date: r.birth_date,
            nationality: r.nationality,
            file_number: r.file_number,
            email: r.email,
            phone: r.phone,
            needs_rebooking: r.needs_rebooking,
            overbooked: r.overbooked,
            file_check: None,
            ds_dossier_number: None,
            created_at: at_site(from_db(r.created_at), tz),
            cancelled_at: r.cancelled_at.map(|t| at_site(from_db(t), tz)),
        }
    }

    /// The same, with how it was made (as the counter's row records it):
    /// its file check, its convocation's dossier.
    pub fn made(self, made: Option<&planipref_store::models::CounterRow>) -> Self {
        Self {
            file_check: crate::model::file_check::flag(made),
            ds_dossier_number: made.and_then(|m| m.ds_dossier_number),
            ..self
        }
    }
}

/// A page of appointments.
pub type AgentReservationPage = crate::model::page::Page<AgentReservation>;
crate::model::page::listed!(
    AgentReservation,
    "AgentReservationPage",
    "A page of appointments.",
    "This page."
);

/// An agent's reason for a change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Guichet fermé : agent absent"}))]
pub struct CancelAsAgent {
    /// Why (kept in the history), 3 to 500 characters.
    #[schema(
        min_length = 3,
        max_length = 500,
        example = "Guichet fermé : agent absent"
    )]
    #[schema(pattern = "^\\s*\\S[\\s\\S]{1,498}\\S\\s*$")]
    pub reason: String,
}

/// Where an agent moves an appointment, and why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"start": "2026-12-03T14:00:00+01:00", "reason": "Demande de l'usager au guichet"}))]
pub struct RescheduleAsAgent {
    /// The new slot's start (a slot of the same motif).
    #[schema(format = DateTime, pattern = "^(20[0-9]{2}|2100)-", example = "2026-12-03T14:00:00+01:00")]
    pub start: String,
    /// Why (kept in the history), 3 to 500 characters.
    #[schema(
        min_length = 3,
        max_length = 500,
        example = "Demande de l'usager au guichet"
    )]
    #[schema(pattern = "^\\s*\\S[\\s\\S]{1,498}\\S\\s*$")]
    pub reason: String,
}

/// One entry of a reservation's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    /// When (UTC).
    #[schema(value_type = String, format = DateTime, example = "2026-11-28T13:05:12Z")]
    pub at: DateTime<Utc>,
    /// `applicant`, `agent:<sub>` or `system`.
    #[schema(example = "agent:marie.dupont")]
    pub actor: String,
    /// `created`, `confirmed` (booked from a hold), `rescheduled`,
    /// `cancelled`, `flagged` (to move after a change of organisation);
    /// at the counter `checked_in`, `called`, `done`, `no_show`, and
    /// `undone` (the last step taken back, with the reason).
    #[schema(example = "rescheduled")]
    pub action: String,
    /// The reason given, or what happened.
    #[schema(example = "Demande de l'usager au guichet")]
    pub reason: Option<String>,
    /// Values before the change.
    #[schema(value_type = Option<Object>, example = json!({"start": "2026-12-01T08:00:00+00:00", "end": "2026-12-01T08:30:00+00:00"}))]
    pub previous: Option<serde_json::Value>,
    /// Values after the change.
    #[schema(value_type = Option<Object>, example = json!({"start": "2026-12-03T13:00:00+00:00", "end": "2026-12-03T13:30:00+00:00"}))]
    pub current: Option<serde_json::Value>,
}

impl From<ReservationEventRow> for HistoryEntry {
    fn from(e: ReservationEventRow) -> Self {
        let json = |t: Option<String>| t.and_then(|t| serde_json::from_str(&t).ok());
        Self {
            at: from_db(e.occurred_at),
            actor: e.actor,
            action: e.action,
            reason: e.detail,
            previous: json(e.previous),
            current: json(e.current),
        }
    }
}

/// A reservation's history, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct History {
    /// The reservation.
    #[schema(example = "K7QX-M3PA")]
    pub reference: String,
    /// Its changes.
    pub entries: Vec<HistoryEntry>,
    /// The messages sent about it (or owed, or failed), oldest first.
    pub messages: Vec<crate::model::message::MessageEntry>,
}

/// A booking request.
pub fn example_create_reservation_request() -> Value {
    json!({
        "hold_id": "0b7e4c2d-5a1f-4e3b-9c8d-7f6a5b4c3d2e",
        "applicant": {
            "last_name": "N'Diaye",
            "first_names": "Aïssata Marie",
            "birth_date": "1990-04-12",
            "email": "aissata.ndiaye@example.org",
            "phone": "+33 6 12 34 56 78",
            "nationality": "SEN"
        }
    })
}

/// The answer to a booking.
pub fn example_reservation_created() -> ReservationCreated {
    ReservationCreated {
        reference: "K7QX-M3PA".into(),
        management_token: "3f9a6c1e0b7d4e2a8c5f1d9b3e7a0c4f6b2d8e1a5c9f3b7d0e4a8c2f6b1d5e9a".into(),
        reservation: crate::model::reservation::example_reservation(),
    }
}

/// A cancelled reservation.
pub fn example_cancelled_reservation() -> Reservation {
    Reservation {
        status: "cancelled".into(),
        cancelled_at: Some(at("2026-11-29T10:12:40+01:00")),
        ..crate::model::reservation::example_reservation()
    }
}

/// A booked reservation.
pub fn example_reservation() -> Reservation {
    Reservation {
        reference: "K7QX-M3PA".into(),
        status: "booked".into(),
        start: at("2026-12-01T09:00:00+01:00"),
        end: at("2026-12-01T09:30:00+01:00"),
        persons: 1,
        motif: ReservationMotif {
            id: MOTIF_ID.into(),
            label: "Renouvellement de titre de séjour".into(),
            language: "fr".into(),
            description:
                "Apportez le titre actuel, passeport, justificatif de domicile et 3 photos.".into(),
            duration_minutes: 30,
        },
        site: crate::model::site::example_site(),
        applicant: ApplicantResponse {
            last_name: "N'Diaye".into(),
            first_names: "Aïssata Marie".into(),
            birth_date: day("1990-04-12"),
            email: "aissata.ndiaye@example.org".into(),
            phone: "+33612345678".into(),
            nationality: Some("SEN".into()),
            file_number: None,
        },
        created_at: at("2026-11-28T14:05:12+01:00"),
        cancelled_at: None,
    }
}

/// An appointment as agents see it.
pub fn example_agent_reservation() -> Value {
    json!({
        "reference": "K7QX-M3PA",
        "status": "booked",
        "start": "2026-12-01T09:00:00+01:00",
        "end": "2026-12-01T09:30:00+01:00",
        "persons": 1,
        "motif_id": MOTIF_ID,
        "motif": "Renouvellement de titre de séjour",
        "last_name": "N'Diaye",
        "first_names": "Aïssata Marie",
        "birth_date": "1990-04-12",
        "nationality": "SEN",
        "file_number": null,
        "email": "aissata.ndiaye@example.org",
        "phone": "+33612345678",
        "needs_rebooking": false,
        "overbooked": false,
        "file_check": {"status": "validated", "system": "anef"},
        "ds_dossier_number": null,
        "created_at": "2026-11-28T14:05:12+01:00",
        "cancelled_at": null
    })
}

/// A checked [`SiteReservationsQuery`]: the page, the status, the days
/// (`None`: the defaults, known at the site).
#[derive(Debug, Clone)]
pub struct SiteReservationsAsked {
    /// Page number and size.
    pub pages: (u32, u32),
    /// One status; `None`: all.
    pub status: Option<String>,
    /// First local day.
    pub from: Option<NaiveDate>,
    /// Last local day.
    pub to: Option<NaiveDate>,
}

impl SiteReservationsQuery {
    /// The query checked, every invalid field named.
    pub fn check(&self) -> Result<SiteReservationsAsked, crate::http::error::ApiError> {
        use planipref_domain::attendance::Status;
        use planipref_domain::error::Collector;
        use planipref_domain::slots::parse_search_date;
        let pages = crate::model::page::Pagination::resolve(self.page, self.per_page)?;
        let status = match self.status.as_deref() {
            None => None,
            Some(s) => match Status::from_code(s) {
                Some(known) => Some(known.code().to_owned()),
                None => {
                    return Err(crate::http::error::ApiError::invalid(
                        "status",
                        "must be booked, checked_in, called, done, no_show or cancelled",
                    ));
                }
            },
        };
        let mut c = Collector::default();
        let day = |field, raw: &Option<String>| raw.as_deref().map(|d| parse_search_date(field, d));
        let from = day("from", &self.from).and_then(|d| c.take(d));
        let to = day("to", &self.to).and_then(|d| c.take(d));
        c.finish()?;
        Ok(SiteReservationsAsked {
            pages,
            status,
            from,
            to,
        })
    }
}
