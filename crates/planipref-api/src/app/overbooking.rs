//! Over-booking in the booking journey (see
//! `planipref_domain::overbooking`): when the guichets' own time of a slot
//! is full, an applicant may still be offered it, and hold or book it, on
//! an extra place of the motif's day, if its préfecture opted in and the
//! no-shows measured on the motif and the applicant's channel leave places.
//! Agents never over-book by this path: they see the day.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use planipref_domain::channel::BookingChannel;
use planipref_domain::ids::MotifId;
use planipref_domain::overbooking::{extra_places, extra_slots, places_by_day, places_left};
use planipref_domain::slots::{MAX_RANGE_DAYS, Slot, SlotRequest, compute_slots, free_guichets_at};
use planipref_domain::time::local_midnight;
use planipref_store::{ExtraPlace, MotifSchedule, Store};

use crate::app::placement::{Placement, day_of};
use crate::app::slots::{Access, ContextCheck, day_start, with_slot_request};
use crate::http::error::ApiError;

/// The channel whose no-shows an applicant's search over-books with:
/// the public's (web) or a convocation holder's; none for agents.
pub fn searching_channel(access: Access) -> Option<BookingChannel> {
    match access {
        Access::Public => Some(BookingChannel::Web),
        Access::Convoked(_) => Some(BookingChannel::Convocation),
        Access::Agent | Access::Import => None,
    }
}

/// The channel a booking over-books with: the applicant's, a convocation
/// holder's or an intermediary's; none when an agent books.
pub fn booking_channel(booked_by: BookingChannel, convocation: bool) -> Option<BookingChannel> {
    match booked_by {
        BookingChannel::Web if convocation => Some(BookingChannel::Convocation),
        BookingChannel::Web | BookingChannel::Intermediary => Some(booked_by),
        _ => None,
    }
}

/// The no-show rate (basis points) over-booking assumes for `channel` on
/// the motif of `schedule` at `now`: 0 when its préfecture has it off, or
/// too few appointments were measured.
fn expected_rate(
    store: &Store,
    schedule: &MotifSchedule,
    channel: BookingChannel,
    now: DateTime<Utc>,
) -> Result<u64, ApiError> {
    let policy = schedule.overbooking;
    if !policy.is_on() {
        return Ok(0);
    }
    let since = now - Duration::weeks(i64::from(policy.weeks));
    let seen = store.attendance(&schedule.motif.id, channel.code(), (since, now))?;
    Ok(policy.expected_no_show_bp(seen))
}

/// The schedule as over-booked places see it: their units (lane 1) and
/// closures busy, the guichets' own bookings not.
fn extra_lane(schedule: &MotifSchedule) -> MotifSchedule {
    MotifSchedule {
        busy: schedule.extra_busy.clone(),
        ..schedule.clone()
    }
}

/// The guichets' own places of each local day of `days` for this group
/// size: every slot counted, nothing busy, whatever the notice or window.
fn own_places(
    schedule: &MotifSchedule,
    motif_id: MotifId,
    tz: Tz,
    days: (NaiveDate, NaiveDate),
    now: DateTime<Utc>,
    (persons, access): (u32, Access),
) -> Result<BTreeMap<NaiveDate, u64>, ApiError> {
    with_slot_request(
        schedule,
        motif_id,
        tz,
        days,
        now,
        (persons, access, ContextCheck::Skipped),
        |asked| {
            let every = SlotRequest {
                now: day_start(asked.from, -1),
                min_notice_hours: 0,
                booking_window_days: u32::try_from(MAX_RANGE_DAYS + 2).unwrap_or(u32::MAX),
                newest_day_opens_at: None,
                busy: &[],
                ..*asked
            };
            places_by_day(
                &compute_slots(&every).slots,
                tz,
                (asked.step_minutes, asked.duration_minutes),
            )
        },
    )
}

/// The over-booked slots to add to a search of `days` whose guichets' own
/// slots are `regular`: none unless some are full, the préfecture opted
/// in and the channel's measured no-shows leave places.
pub fn extra_slots_of(
    store: &Store,
    schedule: &MotifSchedule,
    (motif_id, tz, days): (MotifId, Tz, (NaiveDate, NaiveDate)),
    now: DateTime<Utc>,
    (persons, access): (u32, Access),
    regular: &[Slot],
) -> Result<Vec<Slot>, ApiError> {
    let Some(channel) = searching_channel(access) else {
        return Ok(Vec::new());
    };
    if !schedule.overbooking.is_on() || !regular.iter().any(|s| s.remaining == 0) {
        return Ok(Vec::new());
    }
    let rate = expected_rate(store, schedule, channel, now)?;
    if rate == 0 {
        return Ok(Vec::new());
    }
    let places = own_places(schedule, motif_id, tz, days, now, (persons, access))?;
    let left = places_left(&places, rate, &schedule.extra_taken, tz);
    if left.is_empty() {
        return Ok(Vec::new());
    }
    let extra = with_slot_request(
        &extra_lane(schedule),
        motif_id,
        tz,
        days,
        now,
        (persons, access, ContextCheck::Skipped),
        compute_slots,
    )?;
    Ok(extra_slots(regular, &extra.slots, &left, tz))
}

/// Places `start` on an extra place of its day, for a slot whose
/// guichets' own time is full (409 `slot-taken` otherwise, as before):
/// the guichets whose extra units are free, and the day's bound for the
/// channel, which the store enforces when it writes.
pub fn overbook(
    store: &Store,
    (motif_id, start, persons): (MotifId, DateTime<Utc>, u32),
    access: Access,
    channel: BookingChannel,
    now: DateTime<Utc>,
) -> Result<Placement, ApiError> {
    let (schedule, tz, day) = day_of(store, motif_id, start, now)?;
    let rate = expected_rate(store, &schedule, channel, now)?;
    if rate == 0 {
        return Err(ApiError::SlotTaken);
    }
    let places = own_places(&schedule, motif_id, tz, (day, day), now, (persons, access))?;
    let bound = extra_places(places.get(&day).copied().unwrap_or(0), rate);
    if places_left(&places, rate, &schedule.extra_taken, tz).is_empty() {
        return Err(ApiError::SlotTaken);
    }
    let (candidates, end) = with_slot_request(
        &extra_lane(&schedule),
        motif_id,
        tz,
        (day, day),
        now,
        (persons, access, ContextCheck::Skipped),
        |asked| {
            free_guichets_at(asked, start).map(|free| {
                (
                    free,
                    start + Duration::minutes(i64::from(asked.duration_minutes)),
                )
            })
        },
    )??;
    let next = day.succ_opt().unwrap_or(day);
    Ok(Placement {
        schedule,
        time_zone: tz,
        end,
        candidates,
        extra: Some(ExtraPlace {
            day,
            from: local_midnight(tz, day),
            to: local_midnight(tz, next),
            places: bound,
        }),
    })
}

/// Places `start` for an applicant: on the guichets' own time, or, when
/// it is full and `channel` may over-book, on an extra place.
pub fn place_or_overbook(
    store: &Store,
    (motif_id, start, persons): (MotifId, DateTime<Utc>, u32),
    (access, context): (Access, ContextCheck<'_>),
    channel: Option<BookingChannel>,
    now: DateTime<Utc>,
) -> Result<Placement, ApiError> {
    match crate::app::placement::place(store, motif_id, start, (persons, access, context), now) {
        Err(ApiError::SlotTaken) if channel.is_some() => {
            let channel = channel.ok_or(ApiError::SlotTaken)?;
            overbook(store, (motif_id, start, persons), access, channel, now)
        }
        placed => placed,
    }
}
