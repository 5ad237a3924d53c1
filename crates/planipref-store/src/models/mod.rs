//! Rows as stored, and their conversion to domain types.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;

use crate::connection::MultiBackend;
use crate::schema::*;

mod demarche;
pub use demarche::*;

/// A préfecture.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = prefectures, check_for_backend(MultiBackend))]
pub struct PrefectureRow {
    /// Département code.
    pub code: String,
    /// "Préfecture de la Seine-Saint-Denis".
    pub name: String,
    /// "Seine-Saint-Denis".
    pub departement_name: String,
    /// When it was created (UTC).
    pub created_at: NaiveDateTime,
    /// Raised by each change an administrator makes (the API's
    /// `version`); 1 when created.
    pub revision: i32,
}

/// A site.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sites, check_for_backend(MultiBackend))]
pub struct SiteRow {
    pub id: String,
    pub prefecture_code: String,
    pub kind: String,
    pub name: String,
    pub address_line: String,
    pub postal_code: String,
    pub city: String,
    pub commune_insee: String,
    pub time_zone: String,
    pub created_at: NaiveDateTime,
    /// Raised by each change an administrator makes (the API's
    /// `version`); 1 when created.
    pub revision: i32,
}

/// A service.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = services, check_for_backend(MultiBackend))]
pub struct ServiceRow {
    pub id: String,
    pub site_id: String,
    pub name: String,
    pub description: String,
    pub created_at: NaiveDateTime,
    /// Raised by each change an administrator makes (the API's
    /// `version`); 1 when created.
    pub revision: i32,
}

/// A motif.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = motifs, check_for_backend(MultiBackend))]
pub struct MotifRow {
    pub id: String,
    pub service_id: String,
    pub label: String,
    pub description: String,
    pub duration_minutes: i32,
    pub created_at: NaiveDateTime,
    /// The national démarche it was created from, if any.
    pub demarche_code: Option<String>,
    /// Whether `label` is the préfecture's own (else the démarche's).
    pub label_overridden: bool,
    /// Whether `description` is the préfecture's own.
    pub description_overridden: bool,
    /// Whether `duration_minutes` is the préfecture's own.
    pub duration_overridden: bool,
    /// How many days ahead slots open.
    pub booking_window_days: i32,
    /// How many hours before a slot booking closes.
    pub min_notice_hours: i32,
    /// Until how many hours before the appointment the applicant may cancel.
    pub cancellation_deadline_hours: i32,
    /// Documents to bring: a JSON array of strings.
    pub documents: String,
    /// Whether `documents` are the préfecture's own.
    pub documents_overridden: bool,
    /// Whether `booking_window_days` is the préfecture's own.
    pub booking_window_overridden: bool,
    /// Whether `min_notice_hours` is the préfecture's own.
    pub min_notice_overridden: bool,
    /// Whether `cancellation_deadline_hours` is the préfecture's own.
    pub cancellation_deadline_overridden: bool,
    /// Most persons per appointment.
    pub max_persons: i32,
    /// Whether each extra person adds the duration.
    pub duration_per_person: bool,
    /// Shown to the applicant once booked.
    pub instructions: String,
    /// `online` or `convocation_only`.
    pub booking_mode: String,
    /// Minutes between two start times; `None`: the duration.
    pub step_minutes: Option<i32>,
    /// Whether a person may hold only one active reservation of this
    /// motif's démarche (doublons refused).
    pub refuse_doublons: bool,
    /// Whether the router's signed context is required.
    pub requires_context: bool,
    /// Raised by each change an administrator makes (the API's
    /// `version`); 1 when created.
    pub revision: i32,
    /// Its reminders, hours before the start (JSON array).
    pub reminder_hours: String,
}

impl MotifRow {
    /// Its booking rules (checked when written, so the casts cannot fail).
    pub fn booking_rules(&self) -> planipref_domain::booking_rules::BookingRules {
        let count = |v: i32| u32::try_from(v).unwrap_or(0);
        planipref_domain::booking_rules::BookingRules {
            booking_window_days: count(self.booking_window_days),
            min_notice_hours: count(self.min_notice_hours),
            cancellation_deadline_hours: count(self.cancellation_deadline_hours),
        }
    }

    /// Its documents to bring.
    pub fn document_list(&self) -> Vec<String> {
        documents_from_json(&self.documents)
    }

    /// Its own settings (checked when written).
    pub fn settings(&self) -> planipref_domain::motif::MotifSettings {
        use planipref_domain::motif::{BookingMode, MotifSettings};
        MotifSettings {
            max_persons: u32::try_from(self.max_persons).unwrap_or(1),
            duration_per_person: self.duration_per_person,
            instructions: self.instructions.clone(),
            booking_mode: BookingMode::from_code(&self.booking_mode).unwrap_or_default(),
            step_minutes: self.step_minutes.and_then(|s| u32::try_from(s).ok()),
            refuse_doublons: self.refuse_doublons,
            requires_context: self.requires_context,
            reminder_hours: self.reminder_list(),
        }
    }

    /// Its reminders, hours before the start.
    pub fn reminder_list(&self) -> Vec<u32> {
        serde_json::from_str(&self.reminder_hours).unwrap_or_else(|_| {
            planipref_domain::messages::reminders::DEFAULT_HOURS_BEFORE.to_vec()
        })
    }

    /// Sets its own settings (checked by the caller).
    pub fn set_settings(&mut self, s: planipref_domain::motif::MotifSettings) {
        self.max_persons = i32::try_from(s.max_persons).unwrap_or(1);
        self.duration_per_person = s.duration_per_person;
        self.instructions = s.instructions;
        self.booking_mode = s.booking_mode.code().to_owned();
        self.step_minutes = s.step_minutes.and_then(|s| i32::try_from(s).ok());
        self.refuse_doublons = s.refuse_doublons;
        self.requires_context = s.requires_context;
        self.reminder_hours = serde_json::to_string(&s.reminder_hours).unwrap_or_default();
    }

    /// Sets its label, description, documents, duration and booking rules,
    /// and which of them follow its démarche.
    pub fn set_resolved(&mut self, m: planipref_domain::motif::ResolvedMotif) {
        self.label = m.label;
        self.label_overridden = m.label_overridden;
        self.description = m.description;
        self.description_overridden = m.description_overridden;
        self.documents = documents_to_json(&m.documents);
        self.documents_overridden = m.documents_overridden;
        self.duration_minutes = i32::try_from(m.duration_minutes).unwrap_or(i32::MAX);
        self.duration_overridden = m.duration_overridden;
        self.set_booking_rules(m.rules);
        self.booking_window_overridden = m.rules_overridden.booking_window;
        self.min_notice_overridden = m.rules_overridden.min_notice;
        self.cancellation_deadline_overridden = m.rules_overridden.cancellation_deadline;
    }

    /// Sets its booking rules (checked by the caller).
    pub fn set_booking_rules(&mut self, rules: planipref_domain::booking_rules::BookingRules) {
        let count = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        self.booking_window_days = count(rules.booking_window_days);
        self.min_notice_hours = count(rules.min_notice_hours);
        self.cancellation_deadline_hours = count(rules.cancellation_deadline_hours);
    }
}

/// A guichet.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = guichets, check_for_backend(MultiBackend))]
pub struct GuichetRow {
    pub id: String,
    pub site_id: String,
    pub name: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    /// First day it takes appointments, if limited.
    pub active_from: Option<NaiveDate>,
    /// Last day it takes appointments (inclusive), if limited.
    pub active_until: Option<NaiveDate>,
    /// `public`, `convocation` or `walk_in`.
    pub channel: String,
    /// Raised by each change an administrator makes (the API's
    /// `version`); 1 when created.
    pub revision: i32,
}

/// A plage.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = plages, check_for_backend(MultiBackend))]
pub struct PlageRow {
    pub id: String,
    pub guichet_id: String,
    pub weekdays: i32,
    pub start_time: NaiveTime,
    pub end_time: NaiveTime,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    /// Raised by each change an administrator makes (the API's
    /// `version`); 1 when created.
    pub revision: i32,
}

/// A reservation, applicant data included: never log it.
#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = reservations, check_for_backend(MultiBackend))]
pub struct ReservationRow {
    pub id: String,
    pub reference: String,
    pub token_hash: String,
    pub site_id: String,
    pub motif_id: String,
    pub guichet_id: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub status: String,
    pub last_name: String,
    pub first_names: String,
    pub birth_date: NaiveDate,
    pub email: String,
    pub phone: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub cancelled_at: Option<NaiveDateTime>,
    /// A later change of the organisation left it without its counter.
    pub needs_rebooking: bool,
    /// Persons coming (a group takes longer when the motif says so).
    pub persons: i32,
    /// Nationality (ISO 3166-1 alpha-3), when given.
    pub nationality: Option<String>,
    /// Foreigner file number (10 digits), when given.
    pub file_number: Option<String>,
    /// Who the applicant is, for doublons: the identity key (see
    /// `planipref_domain::applicant::PersonKeys`); none for the national
    /// seed's fake applicants.
    pub person_key: Option<String>,
    /// The démarche booked (the motif's, or `motif:<id>` when it has none).
    pub demarche_code: Option<String>,
    /// The convocation it was booked with, if any.
    pub convocation_id: Option<String>,
    /// The file key, when a file number was given (see `person_key`).
    pub file_key: Option<String>,
    /// How the keys were computed
    /// (`planipref_domain::applicant::PERSON_KEYS_VERSION`).
    pub key_version: i32,
    /// Booked on an over-booked place (its units in lane 1).
    pub overbooked: bool,
}

impl std::fmt::Debug for ReservationRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReservationRow")
            .field("id", &self.id)
            .field("status", &self.status)
            .field("starts_at", &self.starts_at)
            .finish_non_exhaustive()
    }
}

/// Reservation statuses as stored.
pub mod status {
    /// The appointment stands.
    pub const BOOKED: &str = "booked";
    /// The appointment was cancelled; its guichet time is free again.
    pub const CANCELLED: &str = "cancelled";
    /// The person has arrived.
    pub const CHECKED_IN: &str = "checked_in";
    /// The person was called to a guichet.
    pub const CALLED: &str = "called";
    /// Served.
    pub const DONE: &str = "done";
    /// Never came.
    pub const NO_SHOW: &str = "no_show";
    /// Still expected or being served: coming appointments for doublons
    /// and the per-person limit.
    pub const PENDING: [&str; 3] = [BOOKED, CHECKED_IN, CALLED];
    /// Keeping their guichet's time (up to `freed_from` once the person
    /// has left or never came): all but cancelled.
    pub const KEEPING_TIME: [&str; 5] = [BOOKED, CHECKED_IN, CALLED, DONE, NO_SHOW];
}

/// A slot kept for an applicant while they fill in the form.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = holds, check_for_backend(MultiBackend))]
pub struct HoldRow {
    pub id: String,
    pub site_id: String,
    pub motif_id: String,
    pub guichet_id: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub persons: i32,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    /// The convocation it was taken with, if any.
    pub convocation_id: Option<String>,
    /// Who took it (a hash of the client's address), when known.
    pub client_key: Option<String>,
    /// `applicant`, or `release` (a cancelled slot waiting for its
    /// random release).
    pub purpose: String,
    /// Taken on an over-booked place (its units in lane 1).
    pub overbooked: bool,
    /// The file key (see `planipref_domain::applicant::file_key`) of the
    /// number its file check was made for, when its démarche asks for one.
    pub file_key: Option<String>,
    /// What that check found (`validated`, `unverified`).
    pub file_check_status: Option<String>,
}

/// Why a hold exists.
pub mod hold_purpose {
    /// An applicant keeps the slot while filling in the form.
    pub const APPLICANT: &str = "applicant";
    /// A cancelled appointment's time, kept until its random release.
    pub const RELEASE: &str = "release";
}

/// A convocation.
#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = convocations, check_for_backend(MultiBackend))]
pub struct ConvocationRow {
    pub id: String,
    /// SHA-256 of the link's token.
    pub token_hash: String,
    pub site_id: String,
    pub motif_id: String,
    pub last_name: String,
    pub first_names: String,
    pub birth_date: chrono::NaiveDate,
    pub file_number: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Last instant the link books (UTC).
    pub valid_until: NaiveDateTime,
    /// First local day the appointment may fall on.
    pub earliest_day: Option<chrono::NaiveDate>,
    /// Last local day the appointment may fall on.
    pub latest_day: Option<chrono::NaiveDate>,
    /// `agent:<sub>`.
    pub issued_by: String,
    pub issued_at: NaiveDateTime,
    /// When it last booked an appointment.
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_by: Option<String>,
    pub revoke_reason: Option<String>,
    /// The démarches-simplifiées dossier it follows, when the agent gave
    /// it: for agents only.
    pub ds_dossier_number: Option<i64>,
}

// Personal data: never printed whole.
impl std::fmt::Debug for ConvocationRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConvocationRow")
            .field("id", &self.id)
            .field("motif_id", &self.motif_id)
            .finish_non_exhaustive()
    }
}

/// A préfecture's anti-capture settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = prefectures, check_for_backend(MultiBackend))]
pub struct PrefectureRulesRow {
    pub release_delay_min_minutes: i32,
    pub release_delay_max_minutes: i32,
    pub opening_start_minute: i32,
    pub opening_window_minutes: i32,
    pub max_active_per_person: i32,
    pub convocation_release_hours: i32,
}

impl PrefectureRulesRow {
    /// The release rules these columns hold (checked when written).
    pub fn release(&self) -> planipref_domain::release::ReleaseRules {
        let minutes = |v: i32| u32::try_from(v).unwrap_or(0);
        planipref_domain::release::ReleaseRules {
            delay_min_minutes: minutes(self.release_delay_min_minutes),
            delay_max_minutes: minutes(self.release_delay_max_minutes),
            opening_start_minute: minutes(self.opening_start_minute),
            opening_window_minutes: minutes(self.opening_window_minutes),
        }
    }
}

/// What the counter's day recorded on a reservation, and who booked it.
#[derive(Debug, Clone, Default, Queryable, Selectable)]
#[diesel(table_name = reservation_counter, check_for_backend(MultiBackend))]
pub struct CounterRow {
    /// When the person arrived.
    pub arrived_at: Option<NaiveDateTime>,
    /// When they were last called.
    pub called_at: Option<NaiveDateTime>,
    /// The guichet they were called to.
    pub called_to: Option<String>,
    /// When they left the guichet.
    pub finished_at: Option<NaiveDateTime>,
    /// A walk-in's ticket number of the day.
    pub ticket: Option<i32>,
    /// Who booked it (`applicant`, `agent:<sub>`).
    pub booked_by: String,
    /// The intermediary's organisation, when one booked.
    pub organisation: Option<String>,
    /// How the person was reached, when an agent booked without contact
    /// details ("contacted by phone").
    pub contact_note: Option<String>,
    /// The system its démarche had the file checked with (`anef`,
    /// `snpc`), when it asks for a check.
    pub file_check_system: Option<String>,
    /// What the check found: `validated`, or `unverified` (the system
    /// could not say and the démarche accepts and flags).
    pub file_check_status: Option<String>,
    /// The démarches-simplifiées dossier of the convocation it was
    /// booked with, if any: for agents only.
    pub ds_dossier_number: Option<i64>,
}

/// A préfecture's counter settings.
#[derive(Debug, Clone, Copy, Queryable, Selectable)]
#[diesel(table_name = prefectures, check_for_backend(MultiBackend))]
pub struct CounterSettingsRow {
    /// An appointment still booked this long after its start is a no-show.
    pub no_show_after_minutes: i32,
    /// A walk-in may take public time starting within this many minutes.
    pub walk_in_horizon_minutes: i32,
    /// Most appointments one agent may book for others in a day.
    pub agent_daily_bookings: i32,
}

/// One entry of a reservation's history.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = reservation_events, check_for_backend(MultiBackend))]
pub struct ReservationEventRow {
    pub id: String,
    pub reservation_id: String,
    pub occurred_at: NaiveDateTime,
    /// `applicant`, `agent:<sub>` or `system`.
    pub actor: String,
    /// `created`, `confirmed` (a hold became the reservation), `cancelled`,
    /// `flagged` (for re-booking), `rescheduled`.
    pub action: String,
    /// The reason given, or what happened.
    pub detail: Option<String>,
    /// The values before the change, as a JSON object.
    pub previous: Option<String>,
    /// The values after the change, as a JSON object.
    pub current: Option<String>,
}

/// One occupied 5-minute unit of a guichet.
///
/// `None` is written as NULL (not as the column's default, which is NULL
/// too), so that a slot's units go in one multi-row insert on both
/// backends (SQLite has no `DEFAULT` in a row list).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = guichet_occupancy, treat_none_as_default_value = false)]
pub struct OccupancyRow {
    pub guichet_id: String,
    pub unit_start: NaiveDateTime,
    pub reservation_id: Option<String>,
    pub hold_id: Option<String>,
    /// A hold's expiry (`None` for a reservation).
    pub expires_at: Option<NaiveDateTime>,
    /// 0: the guichet's own time; 1: an over-booked place's extra unit.
    pub lane: i16,
}

/// One administrative write, as recorded.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events, check_for_backend(MultiBackend))]
pub struct AuditEventRow {
    pub id: String,
    pub occurred_at: NaiveDateTime,
    /// `agent:<sub>`.
    pub actor: String,
    /// The département the entity belongs to, when it has one.
    pub departement: Option<String>,
    /// The site the entity belongs to, when it has one.
    pub site_id: Option<String>,
    /// `site`, `service`, `motif`, …
    pub entity: String,
    pub entity_id: String,
    /// `created`, `updated` or `deleted`.
    pub action: String,
    /// JSON of the entity before the change.
    pub before: Option<String>,
    /// JSON of the entity after the change.
    pub after: Option<String>,
}

/// A closure of a site or of one guichet.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = fermetures, check_for_backend(MultiBackend))]
pub struct FermetureRow {
    pub id: String,
    pub site_id: String,
    /// `None`: the whole site.
    pub guichet_id: Option<String>,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub reason: String,
    pub created_at: NaiveDateTime,
    /// Raised by each change an administrator makes (the API's
    /// `version`); 1 when created.
    pub revision: i32,
}

/// A holiday on which a site opens all the same.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ouvertures, check_for_backend(MultiBackend))]
pub struct OuvertureRow {
    pub id: String,
    pub site_id: String,
    pub day: chrono::NaiveDate,
    pub reason: String,
    pub created_at: NaiveDateTime,
}

/// One arrondissement or commune a site is competent for.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = site_competences, check_for_backend(MultiBackend))]
pub struct SiteCompetenceRow {
    pub site_id: String,
    /// `arrondissement` or `commune`.
    pub kind: String,
    pub code: String,
}

/// Reads a stored identifier into its typed form.
pub(crate) fn parse_id<T: std::str::FromStr>(raw: &str) -> Result<T, crate::StoreError> {
    raw.parse()
        .map_err(|_| crate::StoreError::Corrupt(format!("identifier {raw:?}")))
}
