//! Where a slot can be taken: the motif's day loaded around it, and the
//! counters the engine finds free for the whole appointment (shared by
//! holds, bookings, moves and over-booking).
use crate::app::slots::Access;
use crate::app::slots::ContextCheck;
use crate::app::slots::day_start;
use crate::app::slots::with_slot_request;
use crate::http::error::ApiError;
use crate::model::site::site_zone;
use chrono::DateTime;
use chrono::Utc;
use planipref_domain::ids::GuichetId;
use planipref_domain::ids::MotifId;
use planipref_domain::slots::free_guichets_at;
use planipref_store::ExtraPlace;
use planipref_store::MotifSchedule;
use planipref_store::Store;

/// Where a slot can be taken: the motif's schedule around it, the site's
/// zone, the appointment's end (longer for a group when the motif says
/// so), and the guichets the engine finds free for all of it.
#[derive(Debug)]
pub struct Placement {
    /// The motif's schedule of that day.
    pub schedule: MotifSchedule,
    /// The site's zone.
    pub time_zone: chrono_tz::Tz,
    /// The appointment's end.
    pub end: DateTime<Utc>,
    /// Guichets free for the whole appointment, in the engine's order.
    pub candidates: Vec<GuichetId>,
    /// An over-booked place (the guichets' own time is full), when it is
    /// one.
    pub extra: Option<ExtraPlace>,
}

/// Loads the motif's day and asks the engine which counters are free at
/// `start` for `persons` (422 naming `start` when it is not a slot, 409
/// when the slot is full).
pub fn place(
    store: &Store,
    motif_id: MotifId,
    start: DateTime<Utc>,
    (persons, access, context): (u32, Access, ContextCheck<'_>),
    now: DateTime<Utc>,
) -> Result<Placement, ApiError> {
    let (schedule, tz, local_day) = day_of(store, motif_id, start, now)?;
    let candidates = with_slot_request(
        &schedule,
        motif_id,
        tz,
        (local_day, local_day),
        now,
        (persons, access, context),
        |request| {
            free_guichets_at(request, start).map(|free| {
                (
                    free,
                    start + chrono::Duration::minutes(i64::from(request.duration_minutes)),
                )
            })
        },
    )??;
    let (candidates, end) = candidates;
    Ok(Placement {
        schedule,
        time_zone: tz,
        end,
        candidates,
        extra: None,
    })
}

/// The motif's schedule around `start`, its site's zone, and the local day
/// `start` falls on there.
pub fn day_of(
    store: &Store,
    motif_id: MotifId,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(MotifSchedule, chrono_tz::Tz, chrono::NaiveDate), ApiError> {
    let day = start.date_naive();
    let schedule = store
        .motif_schedule(
            &motif_id.to_string(),
            day_start(day, -1),
            day_start(day, 2),
            now,
        )
        .map_err(|e| ApiError::from_store(e, "motif"))?;
    let tz = site_zone(&schedule.site)?;
    let local_day = start.with_timezone(&tz).date_naive();
    Ok((schedule, tz, local_day))
}
