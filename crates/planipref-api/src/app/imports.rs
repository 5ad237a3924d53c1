//! Appointments brought from the module Planipref replaces
//! (`planipref import reservations`): placed on a guichet serving the
//! motif and free then, exactly like a booking (the same occupancy, so a
//! later booking cannot take the same time), keeping their original
//! reference when it is free, with a new management token; neither the
//! booking window nor the notice applies (they were booked there), and no
//! confirmation is sent (the applicant had one; reminders follow).

use chrono::{DateTime, Utc};
use planipref_domain::applicant::Applicant;
use planipref_domain::ids::MotifId;
use planipref_domain::messages::Language;
use planipref_domain::reference::Reference;
use planipref_store::imports::ImportedFrom;
use planipref_store::models::ReservationRow;
use planipref_store::{NewReservation, Origin, Store};

use crate::app::booking::{new_reference, placed_reservation};
use crate::app::placement::{Placement, place};
use crate::app::slots::{Access, ContextCheck};
use crate::http::error::ApiError;

/// Who the history says booked an imported appointment.
pub const IMPORT_ACTOR: &str = "import";

/// An appointment of the former module, checked.
#[derive(Debug, Clone)]
pub struct ImportedAppointment {
    /// Its motif.
    pub motif_id: MotifId,
    /// Its start.
    pub start: DateTime<Utc>,
    /// How many persons it is for.
    pub persons: u32,
    /// The applicant.
    pub applicant: Applicant,
    /// The language of the applicant's reminders.
    pub language: Language,
    /// The reference it had, kept when no appointment has it here.
    pub reference: Option<Reference>,
}

/// Where `appointment` would be placed now (nothing written): 422 naming
/// `start` when the plannings have no such slot, 409 when it is full.
pub fn placement(
    store: &Store,
    appointment: &ImportedAppointment,
    now: DateTime<Utc>,
) -> Result<Placement, ApiError> {
    place(
        store,
        appointment.motif_id,
        appointment.start,
        (appointment.persons, Access::Import, ContextCheck::Skipped),
        now,
    )
}

/// Books `appointment`, whose management token hashes to `token_hash`,
/// recording where it came from in the same transaction.
pub fn import_appointment(
    store: &Store,
    (appointment, from): (&ImportedAppointment, ImportedFrom),
    token_hash: String,
    now: DateTime<Utc>,
) -> Result<ReservationRow, ApiError> {
    let placed = placement(store, appointment, now)?;
    let new = NewReservation {
        // Confirmed in the former module: no confirmation is owed, and the
        // line it came from is recorded with it.
        origin: Origin {
            imported: Some(from),
            ..Origin::default()
        },
        language: appointment.language.code().to_owned(),
        // Checked in the former module, when it booked (`file_check`
        // stays none).
        ..placed_reservation(
            &placed,
            (appointment.motif_id, appointment.start, appointment.persons),
            appointment.applicant.clone(),
            (token_hash, IMPORT_ACTOR.to_owned(), now),
        )?
    };
    let mut original = appointment.reference.clone();
    store
        .create_reservation(&new, &placed.candidates, move || {
            original.take().unwrap_or_else(new_reference)
        })
        .map_err(|e| ApiError::from_store(e, "motif"))
}
