//! A motif's slots: the slot engine asked with the motif's organisation, and what the asker may see (the lists built from it are in `slot_list`).
use crate::http::error::ApiError;
use crate::model::site::site_departement;
use chrono::DateTime;
use chrono::Days;
use chrono::NaiveDate;
use chrono::Utc;
use chrono_tz::Tz;
use planipref_domain::DomainError;
use planipref_domain::calendar::closed_days;
use planipref_domain::channel::reserved_from;
use planipref_domain::context::RouterContext;
use planipref_domain::convocation::DayWindow;
use planipref_domain::ids::GuichetId;
use planipref_domain::ids::MotifId;
use planipref_domain::motif::BookingMode;
use planipref_domain::slots::Busy;
use planipref_domain::slots::SlotRequest;
use planipref_store::MotifSchedule;
use std::borrow::Cow;

/// Whether a search checks the router's context against the motif.
#[derive(Debug, Clone, Copy)]
pub enum ContextCheck<'a> {
    /// Listing slots, holding, booking: the motif must be of the
    /// context's démarche, and a motif requiring a context gets one.
    Checked(Option<&'a RouterContext>),
    /// First slots and orientation (their handlers keep to the context's
    /// démarche; a first slot books nothing), and moving an appointment
    /// already booked: not checked.
    Skipped,
}

/// Who is asking about a motif's slots, which decides what they see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: a motif booked only with a convocation is refused (403).
    Public,
    /// The holder of a usable convocation for the motif: only the days it
    /// allows.
    Convoked(DayWindow),
    /// An agent moving an appointment: no restriction.
    Agent,
    /// An appointment brought from the module Planipref replaces: it was
    /// booked there, so neither the booking window nor the notice applies;
    /// it still needs a guichet serving the motif, free then.
    Import,
}

/// Asks `engine` about a motif's schedule between two local days: builds
/// the slot engine's request (duration, closed days, booking rules) once
/// for the slots endpoint and for booking. What `access` may not see is
/// refused or left out here, for both.
pub fn with_slot_request<T>(
    schedule: &MotifSchedule,
    motif_id: MotifId,
    time_zone: Tz,
    (from, to): (NaiveDate, NaiveDate),
    now: DateTime<Utc>,
    (persons, access, context): (u32, Access, ContextCheck<'_>),
    engine: impl FnOnce(&SlotRequest<'_>) -> T,
) -> Result<T, ApiError> {
    if let ContextCheck::Checked(context) = context {
        RouterContext::check_motif(
            context,
            schedule.motif.demarche_code.as_deref(),
            schedule.motif.requires_context,
        )
        .map_err(ApiError::Context)?;
    }
    let (from, to) = match access {
        Access::Public
            if schedule.motif.settings().booking_mode == BookingMode::ConvocationOnly =>
        {
            return Err(ApiError::ConvocationRequired);
        }
        Access::Public | Access::Agent | Access::Import => (from, to),
        // Possibly an empty range: the engine then offers nothing.
        Access::Convoked(days) => days.narrow(from, to),
    };
    let base = u32::try_from(schedule.motif.duration_minutes).map_err(|_| ApiError::Internal)?;
    let settings = schedule.motif.settings();
    let duration = settings.appointment_minutes(base, persons).ok_or_else(|| {
        DomainError::invalid(
            "persons",
            format!(
                "must be between 1 and {} for this motif",
                settings.max_persons
            ),
        )
    })?;
    let closed = closed_days(
        from,
        to,
        &site_departement(&schedule.site)?,
        &schedule.openings,
    );
    let mut rules = schedule.motif.booking_rules();
    let imported = access == Access::Import;
    if imported {
        rules.min_notice_hours = 0;
        // As far as a former module may have booked: ten years.
        rules.booking_window_days = 3650;
    }
    let (guichets, busy) = channel_view(schedule, access, time_zone, (now, to));
    Ok(engine(&SlotRequest {
        motif_id,
        duration_minutes: duration,
        step_minutes: settings.step(base),
        time_zone,
        from,
        to,
        now,
        guichets: &guichets,
        plages: &schedule.plages,
        busy: &busy,
        closed_days: &closed,
        booking_window_days: rules.booking_window_days,
        newest_day_opens_at: (!imported)
            .then(|| newest_day_opens_at(schedule, motif_id, time_zone, now)),
        min_notice_hours: rules.min_notice_hours,
    }))
}

/// The guichets and busy times `access` may book: walk-in counters are
/// never offered online; convocation counters are offered to convocation
/// holders, and to the public only for the days about to come (the
/// préfecture's `convocation_release_hours` before each day). Borrowed
/// as loaded when nothing is kept apart.
pub fn channel_view(
    schedule: &MotifSchedule,
    access: Access,
    tz: Tz,
    (now, to): (DateTime<Utc>, NaiveDate),
) -> (Cow<'_, [GuichetId]>, Cow<'_, [Busy]>) {
    let (walk_in, convocation) = (&schedule.walk_in_guichets, &schedule.convocation_guichets);
    if matches!(access, Access::Agent | Access::Import)
        || (walk_in.is_empty() && convocation.is_empty())
    {
        return (
            Cow::Borrowed(&schedule.guichets),
            Cow::Borrowed(&schedule.busy),
        );
    }
    let guichets = if walk_in.is_empty() {
        Cow::Borrowed(schedule.guichets.as_slice())
    } else {
        Cow::Owned(
            schedule
                .guichets
                .iter()
                .filter(|g| !walk_in.contains(g))
                .copied()
                .collect(),
        )
    };
    let busy = if access == Access::Public && !convocation.is_empty() {
        let hours = u32::try_from(schedule.rules.convocation_release_hours).unwrap_or(0);
        let start = reserved_from(now, tz, hours);
        let end = day_start(to, 2);
        let mut busy = schedule.busy.clone();
        if start < end {
            busy.extend(convocation.iter().map(|&guichet_id| Busy {
                guichet_id,
                start,
                end,
            }));
        }
        Cow::Owned(busy)
    } else {
        Cow::Borrowed(schedule.busy.as_slice())
    };
    (guichets, busy)
}

/// When the motif's newest day opens today at its site (a moment drawn
/// within its préfecture's window, the same on every server).
pub fn newest_day_opens_at(
    schedule: &MotifSchedule,
    motif_id: MotifId,
    tz: Tz,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    schedule.rules.release().newest_day_opens_at(
        schedule.opening_secret.as_bytes(),
        &motif_id.to_string(),
        now.with_timezone(&tz).date_naive(),
        tz,
    )
}

/// When an answer computed from `schedule` at `now` goes stale without
/// any write: the first live hold it counted expires, the newest day
/// opens, or another day of convocation counters is offered to the public.
pub fn lapses_at(
    schedule: &MotifSchedule,
    motif_id: MotifId,
    tz: Tz,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let opens = Some(newest_day_opens_at(schedule, motif_id, tz, now)).filter(|at| *at > now);
    // The next day of convocation counters offered to the public.
    let hours = u32::try_from(schedule.rules.convocation_release_hours).unwrap_or(0);
    let released = (!schedule.convocation_guichets.is_empty() && hours > 0)
        .then(|| reserved_from(now, tz, hours) - chrono::Duration::hours(i64::from(hours)))
        .filter(|at| *at > now);
    crate::app::answers::earliest_lapse(
        crate::app::answers::earliest_lapse(schedule.holds_expire, opens),
        released,
    )
}

/// Midnight UTC of `day` shifted by `offset_days`: local days of any zone
/// (UTC−12 to UTC+14) lie between `day_start(d, -1)` and `day_start(d, 2)`.
pub fn day_start(day: NaiveDate, offset_days: i64) -> DateTime<Utc> {
    let shifted = if offset_days >= 0 {
        day.checked_add_days(Days::new(offset_days.unsigned_abs()))
    } else {
        day.checked_sub_days(Days::new(offset_days.unsigned_abs()))
    };
    shifted
        .unwrap_or(day)
        .and_time(chrono::NaiveTime::MIN)
        .and_utc()
}
