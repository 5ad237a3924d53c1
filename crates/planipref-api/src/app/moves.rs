//! Moving an appointment to another slot, and its calendar file.
use crate::app::placement::place;
use crate::app::slots::Access;
use crate::app::slots::ContextCheck;
use crate::http::error::ApiError;
use chrono::DateTime;
use chrono::Utc;
use planipref_domain::ids::ReservationId;
use planipref_store::Move;
use planipref_store::ReservationDetail;
use planipref_store::Store;
use planipref_store::from_db;
use planipref_store::models::status;

/// Moves a booked reservation to `start` (a slot of its motif for its
/// persons), as `actor` for `reason`.
pub fn move_to(
    store: &Store,
    detail: ReservationDetail,
    start: DateTime<Utc>,
    (actor, reason): (&str, Option<&str>),
    now: DateTime<Utc>,
) -> Result<ReservationDetail, ApiError> {
    let r = &detail.reservation;
    if r.status != status::BOOKED {
        return Err(ApiError::Conflict("the appointment is cancelled"));
    }
    if from_db(r.starts_at) <= now {
        return Err(ApiError::AppointmentPast);
    }
    if from_db(r.starts_at) == start {
        return Err(ApiError::invalid("start", "is the current appointment"));
    }
    let id: ReservationId = r.id.parse().map_err(|_| ApiError::Internal)?;
    let motif_id = r.motif_id.parse().map_err(|_| ApiError::Internal)?;
    let persons = u32::try_from(r.persons).unwrap_or(1);
    // Agents move any appointment; an applicant moves theirs to what they
    // could book: the public's slots, or their convocation's days.
    let access = if actor.starts_with("agent:") {
        Access::Agent
    } else {
        match &r.convocation_id {
            None => Access::Public,
            Some(id) => {
                let id = id.parse().map_err(|_| ApiError::Internal)?;
                Access::Convoked(store.convocation(id).map_err(ApiError::from)?.days())
            }
        }
    };
    // Its context was checked when it was booked.
    let placed = place(
        store,
        motif_id,
        start,
        (persons, access, ContextCheck::Skipped),
        now,
    )?;
    let row = store
        .reschedule_reservation(
            id,
            &Move {
                motif_id,
                start,
                end: placed.end,
                time_zone: placed.time_zone,
                actor,
                reason,
                now,
                release_at: crate::app::booking::release_at(store, &detail.site, now)?,
            },
            &placed.candidates,
        )
        .map_err(|e| ApiError::from_store(e, "reservation"))?;
    Ok(ReservationDetail {
        reservation: row,
        ..detail
    })
}

/// The calendar file of a reservation.
pub fn ics_of(detail: &ReservationDetail, now: DateTime<Utc>) -> Result<String, ApiError> {
    detail.calendar(now).ok_or(ApiError::Internal)
}
