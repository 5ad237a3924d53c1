//! Holds: a slot kept while the form is filled in.

use crate::http::error::ApiError;
use crate::model::examples::MOTIF_ID;
use crate::model::fields::at_site;
use crate::model::fields::parse_motif_id;
use crate::model::fields::parse_start;
use chrono::DateTime;
use chrono::FixedOffset;
use chrono::Utc;
use planipref_domain::applicant::parse_file_number;
use planipref_domain::error::Collector;
use planipref_domain::ids::MotifId;
use planipref_domain::motif::check_persons;
use planipref_store::from_db;
use planipref_store::models::HoldRow;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

/// A slot to keep.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!(crate::model::hold::example_create_hold_request()))]
pub struct CreateHoldRequest {
    /// The motif.
    #[schema(format = Uuid, example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00")]
    pub motif_id: String,
    /// The slot's start exactly as given by `GET /motifs/{motif_id}/slots`.
    #[schema(format = DateTime, pattern = "^(20[0-9]{2}|2100)-", example = "2026-12-01T09:00:00+01:00")]
    pub start: String,
    /// How many persons come (default 1): a group may take longer.
    #[schema(minimum = 1, maximum = 10, example = 1)]
    pub persons: Option<u32>,
    /// The applicant's file number, required when the motif's démarche
    /// has their file checked (its `file_check`): the foreigner's number
    /// (10 digits) or an ANEF request number for `anef`; an ANTS request
    /// number (10 letters and digits) or a NEPH (12 digits) for `snpc`.
    /// Spaces, hyphens and case do not matter. The slot is kept only when
    /// the system says the file is `validated` (or, when it cannot say,
    /// as the démarche decides); confirming the hold with the same number
    /// (`applicant.file_number`) asks nothing more.
    #[schema(
        min_length = 10,
        max_length = 40,
        pattern = "^[0-9A-Za-z -]{10,40}$",
        example = "7501234567"
    )]
    pub file_number: Option<String>,
}

/// A checked hold request: the slot, and the file number presented.
#[derive(Clone)]
pub struct HoldAsked {
    /// The motif, the slot's start and the persons.
    pub slot: (MotifId, DateTime<Utc>, u32),
    /// The file number, normalised, when given.
    pub file_number: Option<String>,
}

// The file number is personal data: not printed.
impl std::fmt::Debug for HoldAsked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HoldAsked")
            .field("slot", &self.slot)
            .finish_non_exhaustive()
    }
}

/// A kept slot.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!(crate::model::hold::example_hold()))]
pub struct Hold {
    /// Give it as `hold_id` to `POST /reservations` to book the slot.
    #[schema(example = "0b7e4c2d-5a1f-4e3b-9c8d-7f6a5b4c3d2e")]
    pub hold_id: String,
    /// The motif.
    #[schema(example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00")]
    pub motif_id: String,
    /// Start, with the site's offset.
    #[schema(value_type = String, format = DateTime, example = "2026-12-01T09:00:00+01:00")]
    pub start: DateTime<FixedOffset>,
    /// End, with the site's offset.
    #[schema(value_type = String, format = DateTime, example = "2026-12-01T09:30:00+01:00")]
    pub end: DateTime<FixedOffset>,
    /// Persons.
    #[schema(example = 1)]
    pub persons: u32,
    /// Until when the slot is kept (UTC). Past it, the slot is free for
    /// anyone and confirming the hold answers 410.
    #[schema(value_type = String, format = DateTime, example = "2026-11-28T13:15:12Z")]
    pub expires_at: DateTime<Utc>,
}

pub fn to_hold(row: HoldRow, tz: chrono_tz::Tz) -> Hold {
    Hold {
        hold_id: row.id,
        motif_id: row.motif_id,
        start: at_site(from_db(row.starts_at), tz),
        end: at_site(from_db(row.ends_at), tz),
        persons: u32::try_from(row.persons).unwrap_or(1),
        expires_at: from_db(row.expires_at),
    }
}

/// A hold request.
pub fn example_create_hold_request() -> Value {
    json!({
        "motif_id": MOTIF_ID,
        "start": "2026-12-01T09:00:00+01:00",
        "persons": 1
    })
}

/// A hold.
pub fn example_hold() -> Value {
    json!({
        "hold_id": "0b7e4c2d-5a1f-4e3b-9c8d-7f6a5b4c3d2e",
        "motif_id": MOTIF_ID,
        "start": "2026-12-01T09:00:00+01:00",
        "end": "2026-12-01T09:30:00+01:00",
        "persons": 1,
        "expires_at": "2026-11-28T13:15:12Z"
    })
}

impl CreateHoldRequest {
    /// The motif, the slot's start, the persons and the file number,
    /// every invalid field named at once.
    pub fn check(&self) -> Result<HoldAsked, ApiError> {
        let mut c = Collector::default();
        let motif_id = c.take(parse_motif_id(Some(&self.motif_id)));
        let start = c.take(parse_start(Some(&self.start)));
        let persons = self.persons.unwrap_or(1);
        c.take(check_persons("persons", persons));
        let file_number = self
            .file_number
            .as_deref()
            .and_then(|n| c.take(parse_file_number(n)));
        c.finish()?;
        let (Some(motif_id), Some(start)) = (motif_id, start) else {
            return Err(ApiError::Internal);
        };
        Ok(HoldAsked {
            slot: (motif_id, start, persons),
            file_number,
        })
    }
}
