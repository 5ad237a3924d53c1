//! The national catalogue of démarches.

use planipref_store::models::DemarcheRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A démarche of the national catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct Demarche {
    /// The code service-public.fr's router speaks.
    #[schema(example = "sejour-renouvellement")]
    pub code: String,
    /// Label.
    #[schema(example = "Renouvellement de titre de séjour")]
    pub label: String,
    /// What it is and what to bring, by default.
    #[schema(example = "Renouvellement d'une carte de séjour, lorsqu'il ne se fait pas en ligne.")]
    pub description: String,
    /// Documents to bring, by default.
    #[schema(example = json!(["Titre de séjour en cours", "Passeport en cours de validité"]))]
    pub documents: Vec<String>,
    /// Default length of an appointment, in minutes.
    #[schema(example = 30)]
    pub default_duration_minutes: i32,
    /// Slots open this many days ahead, by default.
    #[schema(example = 90)]
    pub default_booking_window_days: i32,
    /// Booking closes this many hours before a slot, by default.
    #[schema(example = 24)]
    pub default_min_notice_hours: i32,
    /// Online cancellation closes this many hours before, by default.
    #[schema(example = 24)]
    pub default_cancellation_deadline_hours: i32,
    /// The State system the applicant's file is checked with before a
    /// hold or a booking: `anef` or `snpc`; `null`: no check. When set,
    /// `file_number` is required (`POST /holds`, `applicant.file_number`
    /// of `POST /reservations`) in that system's formats.
    #[schema(value_type = Option<crate::model::codes::FileSystem>, example = json!(null))]
    pub file_check: Option<String>,
    /// When that system cannot say: `refuse` (503
    /// `file-check-unavailable`) or `accept_and_flag` (booked, flagged
    /// `unverified` for agents).
    #[schema(value_type = crate::model::codes::FileCheckOnFailure, example = "refuse")]
    pub file_check_on_failure: String,
    /// The sites that book it.
    #[schema(example = json!(["4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"]))]
    pub site_ids: Vec<String>,
    /// Its version (also its `ETag`), raised by each change: national
    /// administrators send it in `If-Match` to change its defaults.
    #[schema(example = 1, minimum = 1)]
    pub version: i32,
}

crate::http::version::versioned_by_field!(Demarche);

pub fn demarche(d: DemarcheRow, site_ids: Vec<String>) -> Demarche {
    Demarche {
        version: d.revision,
        documents: d.document_list(),
        code: d.code,
        label: d.label,
        description: d.description,
        default_duration_minutes: d.default_duration_minutes,
        default_booking_window_days: d.default_booking_window_days,
        default_min_notice_hours: d.default_min_notice_hours,
        default_cancellation_deadline_hours: d.default_cancellation_deadline_hours,
        file_check: d.file_check,
        file_check_on_failure: d.file_check_on_failure,
        site_ids,
    }
}

pub fn example() -> serde_json::Value {
    serde_json::json!({
        "code": "sejour-renouvellement",
        "label": "Renouvellement de titre de séjour",
        "description": "Renouvellement d'une carte de séjour, lorsqu'il ne se fait pas en ligne.",
        "documents": ["Titre de séjour en cours", "Passeport en cours de validité", "Justificatif de domicile de moins de 3 mois", "3 photos d'identité conformes"],
        "default_duration_minutes": 30,
        "default_booking_window_days": 90,
        "default_min_notice_hours": 24,
        "default_cancellation_deadline_hours": 24,
        "file_check": "anef",
        "file_check_on_failure": "accept_and_flag",
        "site_ids": ["4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"],
        "version": 1
    })
}

/// A page of démarches.
pub type DemarchePage = crate::model::page::Page<Demarche>;
crate::model::page::listed!(Demarche, "DemarchePage", "A page of démarches.", "By code.");

/// National defaults of a démarche.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DemarcheRequest {
    /// Its code, as service-public.fr's router sends it: lower-case words
    /// joined by hyphens, 3 to 64 characters. Required on creation, never
    /// changed afterwards.
    #[serde(default)]
    #[schema(
        min_length = 3,
        max_length = 64,
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        example = "sejour-renouvellement"
    )]
    pub code: Option<String>,
    /// Label.
    #[schema(
        min_length = 1,
        max_length = 150,
        example = "Renouvellement de titre de séjour"
    )]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub label: String,
    /// What it is and what to bring.
    #[serde(default)]
    #[schema(
        max_length = 4000,
        example = "Renouvellement d'une carte de séjour, lorsqu'il ne se fait pas en ligne."
    )]
    #[schema(pattern = "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]*$")]
    pub description: String,
    /// Documents to bring, one per line (at most 30, 300 characters each).
    #[serde(default)]
    #[schema(example = json!(["Titre de séjour en cours", "Passeport en cours de validité"]))]
    #[schema(schema_with = crate::model::patterns::documents)]
    pub documents: Vec<String>,
    /// Default length of an appointment: a multiple of 5 minutes, 5 to 240.
    #[schema(minimum = 5, maximum = 240, multiple_of = 5, example = 30)]
    pub default_duration_minutes: u32,
    /// Slots open this many days ahead (1–366; 90 when left out).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 366, example = 90)]
    pub default_booking_window_days: Option<u32>,
    /// Booking closes this many hours before a slot (0–720; 24 when left out).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 720, example = 24)]
    pub default_min_notice_hours: Option<u32>,
    /// Online cancellation closes this many hours before (0–720; 24 when left out).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 720, example = 24)]
    pub default_cancellation_deadline_hours: Option<u32>,
    /// Check the applicant's file with this State system before every
    /// hold and booking of the démarche's motifs: `anef` (foreigners'
    /// residence files: the foreigner's number or an ANEF request number)
    /// or `snpc` (driving licences: an ANTS request number or a NEPH).
    /// Left out: no check.
    #[serde(default)]
    #[schema(value_type = Option<crate::model::codes::FileSystem>, example = "anef")]
    pub file_check: Option<String>,
    /// When the system cannot say (no answer within the deployment's
    /// timeout, an unusable answer, no connector configured): `refuse`
    /// (the default: the applicant is told to retry, 503) or
    /// `accept_and_flag` (booked all the same, flagged `unverified` for
    /// agents). Only with `file_check`.
    #[serde(default)]
    #[schema(value_type = Option<crate::model::codes::FileCheckOnFailure>, example = "accept_and_flag")]
    pub file_check_on_failure: Option<String>,
}

/// A démarche after a change of its defaults.
#[derive(Debug, Serialize, ToSchema)]
pub struct DemarcheChange {
    /// The démarche.
    pub demarche: Demarche,
    /// How many motif fields followed the change (fields motifs did not override).
    #[schema(example = 3)]
    pub motif_fields_updated: usize,
}
