//! The slot engine: which start times of a motif are bookable, and how many
//! guichets are free at each.
//!
//! A slot is never typed in; it is computed from the plages of the guichets
//! that serve the motif, in the site's local time: from each plage's start,
//! stepping by the motif's step (its duration unless configured), as long as
//! the appointment (longer for a group when duration grows with persons)
//! ends by the plage's end. Its capacity is the number of guichets offering
//! it; what remains is the number of those not occupied (by a reservation
//! or a live hold of any motif, or a closure) during the whole appointment.
//!
//! The rules live here; [`scan`] makes them fast (one pass per day, guichet
//! sets as bit sets), because the router asks for the first free slot of
//! every site of a département on each search.

mod clock;
mod scan;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::error::{DomainError, FieldError};
use crate::ids::{GuichetId, MotifId};
use crate::plage::Plage;

/// The longest date range one slot search may cover, in days (inclusive).
pub const MAX_RANGE_DAYS: i64 = 62;

/// A time during which a guichet is taken: a reservation, a live hold, or a
/// closure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    /// The occupied guichet.
    pub guichet_id: GuichetId,
    /// First instant occupied.
    pub start: DateTime<Utc>,
    /// First instant free again.
    pub end: DateTime<Utc>,
}

/// Everything the engine needs to know, loaded by the caller.
#[derive(Debug, Clone, Copy)]
pub struct SlotRequest<'a> {
    /// The motif being booked.
    pub motif_id: MotifId,
    /// How long the appointment lasts, in minutes (for a group, the
    /// motif's [`crate::motif::MotifSettings::appointment_minutes`]).
    pub duration_minutes: u32,
    /// Minutes between two consecutive start times of a plage: the motif's
    /// duration unless it configures another step.
    pub step_minutes: u32,
    /// The site's time zone, in which plages are read.
    pub time_zone: Tz,
    /// First local day of the search.
    pub from: NaiveDate,
    /// Last local day of the search (inclusive).
    pub to: NaiveDate,
    /// The current instant (with `min_notice_hours` and
    /// `booking_window_days`, it bounds the slots offered).
    pub now: DateTime<Utc>,
    /// The active guichets that serve the motif.
    pub guichets: &'a [GuichetId],
    /// The plages of those guichets (others are ignored).
    pub plages: &'a [Plage],
    /// The occupied times of those guichets (others are ignored).
    pub busy: &'a [Busy],
    /// Local days the site is closed (public holidays…), sorted.
    pub closed_days: &'a [NaiveDate],
    /// Slots open this many days ahead (local days after today at the site).
    pub booking_window_days: u32,
    /// When the newest day of the window (today plus `booking_window_days`)
    /// opens: before that instant, the window ends a day earlier (see
    /// [`crate::release::ReleaseRules::newest_day_opens_at`]). `None`: at
    /// local midnight.
    pub newest_day_opens_at: Option<DateTime<Utc>>,
    /// Slots starting sooner than this many hours from `now` are not offered.
    pub min_notice_hours: u32,
}

impl SlotRequest<'_> {
    /// The last local day the booking window opens, from `now` at the site.
    pub fn last_bookable_day(&self) -> NaiveDate {
        last_bookable_day(
            self.now,
            self.time_zone,
            self.booking_window_days,
            self.newest_day_opens_at,
        )
    }
}

/// The last local day a booking window of `window_days` opens at a site
/// of zone `tz`: that many days after today there, once the newest day has
/// opened (at `newest_day_opens_at`, when given), else the day before.
pub fn last_bookable_day(
    now: DateTime<Utc>,
    tz: Tz,
    window_days: u32,
    newest_day_opens_at: Option<DateTime<Utc>>,
) -> NaiveDate {
    let today = now.with_timezone(&tz).date_naive();
    let not_yet = newest_day_opens_at.is_some_and(|at| now < at) && window_days > 0;
    let days = window_days - u32::from(not_yet);
    today
        .checked_add_days(chrono::Days::new(u64::from(days)))
        .unwrap_or(today)
}

/// The earliest start a motif with `min_notice_hours` may offer at `now`.
/// A slot computed earlier stays offered only while it starts no sooner.
pub fn earliest_start(now: DateTime<Utc>, min_notice_hours: u32) -> DateTime<Utc> {
    now + chrono::Duration::hours(i64::from(min_notice_hours))
}

/// One bookable start time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// Start of the appointment.
    pub start: DateTime<Utc>,
    /// End of the appointment.
    pub end: DateTime<Utc>,
    /// How many guichets offer this slot in their plages.
    pub capacity: u32,
    /// How many of them are free for the whole appointment: how many more
    /// appointments the slot can take.
    pub remaining: u32,
    /// Where its free guichets are kept in [`Slots`].
    index: u32,
}

/// The slots of a search, earliest first, and which guichets are free at
/// each (kept as one bit set per slot rather than a list, which would cost
/// an allocation per slot).
#[derive(Debug, Clone, Default)]
pub struct Slots {
    /// The slots, earliest first.
    pub slots: Vec<Slot>,
    /// The guichets searched, in bit order.
    guichets: Vec<GuichetId>,
    /// Words of one guichet set.
    words: usize,
    /// The free guichets of slot `i`: `free[i * words..(i + 1) * words]`.
    free: Vec<u64>,
}

impl Slots {
    /// The guichets free for the whole of `slot` (one of these slots).
    pub fn free_guichets(&self, slot: &Slot) -> Vec<GuichetId> {
        let at = slot.index as usize * self.words;
        let Some(bits) = self.free.get(at..at + self.words) else {
            return Vec::new();
        };
        self.guichets
            .iter()
            .enumerate()
            .filter(|(i, _)| bits[i / 64] & (1 << (i % 64)) != 0)
            .map(|(_, g)| *g)
            .collect()
    }
}

/// The first free slot of a search, with its free guichets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeSlot {
    /// The slot.
    pub slot: Slot,
    /// Its free guichets (at least one).
    pub free_guichets: Vec<GuichetId>,
}

/// First year a slot search may ask about.
pub const EARLIEST_SEARCH_YEAR: i32 = 2000;
/// Last year a slot search may ask about.
pub const LATEST_SEARCH_YEAR: i32 = 2100;

/// Reads a search day (`YYYY-MM-DD`), refusing years no préfecture plans
/// for: far-off dates serve nobody and would strain date arithmetic.
pub fn parse_search_date(field: &str, raw: &str) -> Result<NaiveDate, FieldError> {
    let date = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, "must be a date written YYYY-MM-DD"))?;
    if !(EARLIEST_SEARCH_YEAR..=LATEST_SEARCH_YEAR).contains(&date.year()) {
        return Err(FieldError::new(
            field,
            format!("must be between {EARLIEST_SEARCH_YEAR} and {LATEST_SEARCH_YEAR}"),
        ));
    }
    Ok(date)
}

/// Checks that an appointment's start lies within the years slots are
/// offered for ([`EARLIEST_SEARCH_YEAR`]–[`LATEST_SEARCH_YEAR`]).
pub fn check_bookable_year(field: &str, start: DateTime<Utc>) -> Result<(), FieldError> {
    if (EARLIEST_SEARCH_YEAR..=LATEST_SEARCH_YEAR).contains(&start.year()) {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!("must be between {EARLIEST_SEARCH_YEAR} and {LATEST_SEARCH_YEAR}"),
        ))
    }
}

/// Checks a search range: ordered, and at most [`MAX_RANGE_DAYS`] days.
pub fn check_range(from: NaiveDate, to: NaiveDate) -> Result<(), DomainError> {
    check_range_within(from, to, MAX_RANGE_DAYS)
}

/// Checks a range of days: ordered, and at most `max_days` days (inclusive).
pub fn check_range_within(
    from: NaiveDate,
    to: NaiveDate,
    max_days: i64,
) -> Result<(), DomainError> {
    if to < from {
        return Err(DomainError::invalid("to", "must not be before from"));
    }
    if (to - from).num_days() + 1 > max_days {
        return Err(DomainError::invalid(
            "to",
            format!("the range may cover at most {max_days} days"),
        ));
    }
    Ok(())
}

/// Every slot of the motif in the range, earliest first, including full ones
/// (`remaining == 0`); slots starting before `now` plus the minimum notice,
/// or after the booking window, are left out.
pub fn compute_slots(req: &SlotRequest<'_>) -> Slots {
    scan::scan(req, scan::Until::End)
}

/// The earliest slot of the range that still has a free guichet, with
/// those guichets; `None` when every slot of the range is full or none is
/// offered. Stops at the first day that has one: asking about a long range
/// costs little when the answer is near.
pub fn first_free_slot(req: &SlotRequest<'_>) -> Option<FreeSlot> {
    let slots = scan::scan(req, scan::Until::FirstFree);
    let slot = *slots.slots.iter().find(|s| s.remaining > 0)?;
    Some(FreeSlot {
        free_guichets: slots.free_guichets(&slot),
        slot,
    })
}

/// The guichets that can take an appointment starting at `start`.
///
/// Refuses with a field error on `start` when no plage offers that start
/// time (a typo or a stale page), and with [`DomainError::SlotFull`] when it
/// is a real slot whose guichets are all taken.
pub fn free_guichets_at(
    req: &SlotRequest<'_>,
    start: DateTime<Utc>,
) -> Result<Vec<GuichetId>, DomainError> {
    let slots = compute_slots(req);
    match slots.slots.iter().find(|s| s.start == start) {
        None => Err(DomainError::invalid(
            "start",
            "is not a bookable slot of this motif (see its slots)",
        )),
        Some(s) if s.remaining == 0 => Err(DomainError::SlotFull),
        Some(s) => Ok(slots.free_guichets(s)),
    }
}

#[cfg(test)]
mod tests;
