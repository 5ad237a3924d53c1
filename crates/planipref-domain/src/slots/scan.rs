//! The engine's inner loop: one pass over the days of a search.
//!
//! Each day, every plage that applies offers its start times (stepping by
//! the motif's step while the appointment fits) and marks, in a bit set per
//! local minute, which guichets offer that time and which of them are free.
//! Occupied times are kept as one bit per 5-minute unit per guichet, so
//! "is this guichet free for the whole appointment" is a few word tests.
//! A day whose clocks do not change turns local minutes into instants by
//! one addition; the two days a year that change read each time through the
//! time zone, so that no slot falls in the spring gap or twice in the
//! repeated autumn hour.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Timelike, Utc,
    Weekday,
};
use chrono_tz::Tz;

use super::{Slot, SlotRequest, Slots};
use crate::ids::GuichetId;
use crate::occupancy::UNIT_MINUTES;
use crate::referentiel::Plage;
use crate::time::{local_midnight, unique_instant};

/// Where a scan stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Until {
    /// At the end of the range.
    End,
    /// At the end of the first day that has a free slot.
    FirstFree,
}

const UNIT_SECONDS: i64 = UNIT_MINUTES as i64 * 60;
const MINUTES_PER_DAY: usize = 24 * 60;
const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// Guichet ids are random UUIDs: their bytes need no scrambling, and the
/// engine looks one up for every occupied time it reads, so the standard
/// (DoS-resistant, slower) hasher is not worth its cost here.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
}

type GuichetIndex = HashMap<GuichetId, usize, BuildHasherDefault<IdHasher>>;

/// A plage as the scan reads it: its guichet's bit, the plage, and its
/// first and last local minutes.
type DayPlage<'a> = (usize, &'a Plage, u32, u32);

/// Runs the engine over `req`'s days (see [`super::compute_slots`]).
pub(super) fn scan(req: &SlotRequest<'_>, until: Until) -> Slots {
    let mut guichets: Vec<GuichetId> = Vec::with_capacity(req.guichets.len());
    let mut index = GuichetIndex::with_capacity_and_hasher(req.guichets.len(), Default::default());
    for g in req.guichets {
        index.entry(*g).or_insert_with(|| {
            guichets.push(*g);
            guichets.len() - 1
        });
    }
    let words = guichets.len().div_ceil(64).max(1);
    let mut out = Slots {
        slots: Vec::new(),
        guichets,
        words,
        free: Vec::new(),
    };
    let last = req.to.min(req.last_bookable_day());
    let (duration, step) = (req.duration_minutes, req.step_minutes);
    if last < req.from || duration == 0 || step == 0 {
        return out;
    }
    // For each weekday (Monday first), the plages that offer this motif at
    // a guichet that serves it.
    let mut by_weekday: [Vec<DayPlage<'_>>; 7] = Default::default();
    for p in req.plages.iter().filter(|p| p.serves(req.motif_id)) {
        let Some(&bit) = index.get(&p.guichet_id) else {
            continue;
        };
        for (wd, plages) in WEEK.iter().zip(by_weekday.iter_mut()) {
            if p.weekdays.contains(*wd) {
                plages.push((bit, p, ceil_minute(p.start), floor_minute(p.end)));
            }
        }
    }
    if by_weekday.iter().all(Vec::is_empty) {
        return out;
    }
    let earliest = seconds_ceil(super::earliest_start(req.now, req.min_notice_hours));
    let busy = BusyMap::new(req, &index, last);
    // Durations and steps on the unit grid (always, once validated).
    let grid = duration % UNIT_MINUTES == 0 && step % UNIT_MINUTES == 0;
    let units = (duration / UNIT_MINUTES) as usize;
    let mut day = DaySets::new(words);
    let mut known_midnight = None;
    for date in req.from.iter_days().take_while(|d| *d <= last) {
        // Each day's midnight is the day before's next one.
        let clock = DayClock::new(req.time_zone, date, known_midnight.take());
        known_midnight = Some(clock.next_midnight);
        let plages = &by_weekday[date.weekday().num_days_from_monday() as usize];
        if plages.is_empty() || req.closed_days.binary_search(&date).is_ok() {
            continue;
        }
        for &(bit, plage, first, end) in plages {
            if date < plage.valid_from || plage.valid_until.is_some_and(|u| date > u) {
                continue;
            }
            match (clock.midnight, grid.then(|| busy.unit_of(clock.midnight))) {
                (Some(midnight), Some(Some(day_unit))) if first % UNIT_MINUTES == 0 => {
                    // The common case, kept tight: a steady day and times on
                    // the 5-minute grid, so a start's unit is an addition.
                    let row = busy.row(bit);
                    let mut minute = first;
                    while minute + duration <= end {
                        if midnight + i64::from(minute) * 60 >= earliest {
                            let unit = day_unit + (minute / UNIT_MINUTES) as usize;
                            day.offer(minute, bit, !any_in(row, unit, unit + units));
                        }
                        minute += step;
                    }
                }
                _ => {
                    let mut minute = first;
                    while minute + duration <= end {
                        if let Some((start, stop)) = clock.span(minute, duration)
                            && start >= earliest
                        {
                            day.offer(minute, bit, busy.is_free(bit, start, stop));
                        }
                        minute += step;
                    }
                }
            }
        }
        let any_free = day.drain_into(&clock, duration, &mut out);
        if any_free && until == Until::FirstFree {
            break;
        }
    }
    out
}

fn ceil_minute(t: NaiveTime) -> u32 {
    t.num_seconds_from_midnight().div_ceil(60)
}

fn floor_minute(t: NaiveTime) -> u32 {
    t.num_seconds_from_midnight() / 60
}

/// Local minutes of one day at the site, as instants.
struct DayClock {
    tz: Tz,
    date: NaiveDate,
    /// The Unix second of 00:00 when the day keeps one UTC offset
    /// throughout (every day but the two when clocks change, in zones that
    /// change): local minutes then turn into instants by one addition.
    midnight: Option<i64>,
    /// The next day's 00:00, when it names one instant.
    next_midnight: Option<DateTime<Utc>>,
    /// The UTC day of `midnight` and its Unix second: instants of this
    /// day are built from them without date arithmetic.
    utc_day: Option<(NaiveDate, i64)>,
}

impl DayClock {
    /// `known`: this day's 00:00 when already read (the day before's
    /// `next_midnight`).
    fn new(tz: Tz, date: NaiveDate, known: Option<Option<DateTime<Utc>>>) -> Self {
        let at_midnight = |d: NaiveDate| match tz.from_local_datetime(&d.and_time(NaiveTime::MIN)) {
            LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
            _ => None,
        };
        let midnight = known.unwrap_or_else(|| at_midnight(date));
        let next_midnight = date.succ_opt().and_then(at_midnight);
        // Two midnights that exist and lie 24 hours apart: no clock change
        // between them (zones change at most once a day).
        let steady = match (midnight, next_midnight) {
            (Some(m), Some(n)) => n - m == Duration::days(1),
            _ => false,
        };
        let midnight = midnight.filter(|_| steady);
        Self {
            tz,
            date,
            midnight: midnight.map(|m| m.timestamp()),
            next_midnight,
            utc_day: midnight.map(|m| {
                let day = m.date_naive();
                (day, day.and_time(NaiveTime::MIN).and_utc().timestamp())
            }),
        }
    }

    /// The instant of Unix second `t`, a time of this day or the next
    /// (cheaper than [`DateTime::from_timestamp`], which works out the
    /// calendar date every time).
    fn instant(&self, t: i64) -> Option<DateTime<Utc>> {
        if let Some((day, day_start)) = self.utc_day {
            let offset = t - day_start;
            let (day, seconds) = match offset {
                0..86_400 => (Some(day), offset),
                86_400..172_800 => (day.succ_opt(), offset - 86_400),
                _ => (None, 0),
            };
            if let Some(day) = day {
                let time =
                    NaiveTime::from_num_seconds_from_midnight_opt(u32::try_from(seconds).ok()?, 0)?;
                return Some(day.and_time(time).and_utc());
            }
        }
        DateTime::from_timestamp(t, 0)
    }

    /// The appointment `[minute, minute + duration)` of this day as Unix
    /// seconds, when its start names exactly one instant and it reads, on
    /// the site's clocks, as that same wall-clock span (no slot straddles a
    /// clock change). Seconds rather than `DateTime`s: date arithmetic
    /// would be most of the engine's time.
    fn span(&self, minute: u32, duration: u32) -> Option<(i64, i64)> {
        let length = i64::from(duration) * 60;
        if let Some(midnight) = self.midnight {
            let start = midnight + i64::from(minute) * 60;
            return Some((start, start + length));
        }
        let local_start = self.date.and_time(NaiveTime::MIN) + Duration::minutes(i64::from(minute));
        let start = unique_instant(self.tz, local_start)?;
        let end = start + Duration::seconds(length);
        let same_span =
            end.with_timezone(&self.tz).naive_local() == local_start + Duration::seconds(length);
        same_span.then_some((start.timestamp(), end.timestamp()))
    }
}

/// An instant's Unix second, rounded up.
fn seconds_ceil(t: DateTime<Utc>) -> i64 {
    t.timestamp() + i64::from(t.timestamp_subsec_nanos() > 0)
}

/// The guichets offering each local minute of one day, and those free.
struct DaySets {
    words: usize,
    offered: Vec<u64>,
    free: Vec<u64>,
    /// The minutes offered since the last drain, one bit each.
    touched: [u64; MINUTES_PER_DAY.div_ceil(64)],
}

impl DaySets {
    fn new(words: usize) -> Self {
        Self {
            words,
            offered: vec![0; MINUTES_PER_DAY * words],
            free: vec![0; MINUTES_PER_DAY * words],
            touched: [0; MINUTES_PER_DAY.div_ceil(64)],
        }
    }

    fn offer(&mut self, minute: u32, bit: usize, free: bool) {
        let minute = minute as usize;
        let at = minute * self.words + bit / 64;
        let mask = 1u64 << (bit % 64);
        self.offered[at] |= mask;
        // Without a branch: whether a guichet is free is as good as random,
        // and a mispredicted branch here would cost more than the rest.
        self.free[at] |= mask & u64::from(free).wrapping_neg();
        self.touched[minute / 64] |= 1 << (minute % 64);
    }

    /// Appends the day's slots to `out`, earliest first, and clears the
    /// sets for the next day. Whether any of them has a free guichet.
    fn drain_into(&mut self, clock: &DayClock, duration: u32, out: &mut Slots) -> bool {
        let mut any_free = false;
        for w in 0..self.touched.len() {
            let mut word = std::mem::take(&mut self.touched[w]);
            while word != 0 {
                let minute = w * 64 + word.trailing_zeros() as usize;
                word &= word - 1;
                let range = minute * self.words..(minute + 1) * self.words;
                let capacity: u32 = self.offered[range.clone()]
                    .iter()
                    .map(|w| w.count_ones())
                    .sum();
                let remaining: u32 = self.free[range.clone()]
                    .iter()
                    .map(|w| w.count_ones())
                    .sum();
                // Offered minutes were spans already, so this always holds.
                let span = clock.span(minute as u32, duration);
                let instants = span.and_then(|(s, e)| Some((clock.instant(s)?, clock.instant(e)?)));
                if let Some((start, end)) = instants {
                    out.slots.push(Slot {
                        start,
                        end,
                        capacity,
                        remaining,
                        index: u32::try_from(out.slots.len()).unwrap_or(u32::MAX),
                    });
                    out.free.extend_from_slice(&self.free[range.clone()]);
                    any_free |= remaining > 0;
                }
                self.offered[range.clone()].fill(0);
                self.free[range].fill(0);
            }
        }
        any_free
    }
}

/// The occupied 5-minute units of each guichet over the search.
struct BusyMap<'a> {
    /// Unix second of unit 0.
    base: i64,
    units: usize,
    words_per_guichet: usize,
    bits: Vec<u64>,
    /// Kept for instants off the unit grid (never produced by validated
    /// plages; checked exactly rather than assumed).
    req: &'a SlotRequest<'a>,
    index: &'a GuichetIndex,
}

impl<'a> BusyMap<'a> {
    fn new(req: &'a SlotRequest<'a>, index: &'a GuichetIndex, last: NaiveDate) -> Self {
        let first = local_midnight(req.time_zone, req.from).timestamp();
        let base = first - first.rem_euclid(UNIT_SECONDS);
        let after = last.succ_opt().unwrap_or(last);
        let end = local_midnight(req.time_zone, after).timestamp() + UNIT_SECONDS;
        let units = usize::try_from((end - base) / UNIT_SECONDS + 1).unwrap_or(0);
        let words_per_guichet = units.div_ceil(64);
        let mut map = Self {
            base,
            units,
            words_per_guichet,
            bits: vec![0; words_per_guichet * index.len()],
            req,
            index,
        };
        // Occupied times come grouped by guichet: remember the last one.
        let mut last_seen: Option<(GuichetId, Option<usize>)> = None;
        for b in req.busy {
            let bit = match last_seen {
                Some((id, bit)) if id == b.guichet_id => bit,
                _ => {
                    let bit = index.get(&b.guichet_id).copied();
                    last_seen = Some((b.guichet_id, bit));
                    bit
                }
            };
            let Some(bit) = bit else {
                continue;
            };
            let from = map.unit_floor(b.start.timestamp());
            let to = map.unit_ceil(seconds_ceil(b.end));
            let row = bit * words_per_guichet;
            set_range(&mut map.bits[row..row + words_per_guichet], from, to);
        }
        map
    }

    /// The unit starting at Unix second `t`, if `t` is on the grid.
    fn unit_of(&self, t: Option<i64>) -> Option<usize> {
        let t = t?;
        let d = t - self.base;
        (d >= 0 && d % UNIT_SECONDS == 0).then(|| self.unit_floor(t))
    }

    /// Guichet `bit`'s occupied units.
    fn row(&self, bit: usize) -> &[u64] {
        let row = bit * self.words_per_guichet;
        &self.bits[row..row + self.words_per_guichet]
    }

    fn unit_floor(&self, t: i64) -> usize {
        let u = (t - self.base).div_euclid(UNIT_SECONDS);
        usize::try_from(u.max(0)).unwrap_or(0).min(self.units)
    }

    fn unit_ceil(&self, t: i64) -> usize {
        let u = (t - self.base + UNIT_SECONDS - 1).div_euclid(UNIT_SECONDS);
        usize::try_from(u.max(0)).unwrap_or(0).min(self.units)
    }

    /// Whether guichet `bit` is free for the whole of `[start, end)`
    /// (Unix seconds).
    fn is_free(&self, bit: usize, start: i64, end: i64) -> bool {
        let on_grid =
            (start - self.base) % UNIT_SECONDS == 0 && (end - self.base) % UNIT_SECONDS == 0;
        if !on_grid {
            return !self.req.busy.iter().any(|b| {
                self.index.get(&b.guichet_id) == Some(&bit)
                    && b.start.timestamp() < end
                    && seconds_ceil(b.end) > start
            });
        }
        !any_in(self.row(bit), self.unit_floor(start), self.unit_floor(end))
    }
}

/// Sets bits `[from, to)`.
fn set_range(bits: &mut [u64], from: usize, to: usize) {
    let to = to.min(bits.len() * 64);
    if from >= to {
        return;
    }
    let (first, last) = (from / 64, (to - 1) / 64);
    let head = !0u64 << (from % 64);
    let tail = !0u64 >> (63 - (to - 1) % 64);
    if first == last {
        bits[first] |= head & tail;
        return;
    }
    bits[first] |= head;
    bits[first + 1..last].fill(!0);
    bits[last] |= tail;
}

/// Whether any bit of `[from, to)` is set.
fn any_in(bits: &[u64], from: usize, to: usize) -> bool {
    let to = to.min(bits.len() * 64);
    if from >= to {
        return false;
    }
    let (first, last) = (from / 64, (to - 1) / 64);
    let head = !0u64 << (from % 64);
    let tail = !0u64 >> (63 - (to - 1) % 64);
    if first == last {
        return bits[first] & head & tail != 0;
    }
    bits[first] & head != 0
        || bits[first + 1..last].iter().any(|w| *w != 0)
        || bits[last] & tail != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_ranges_are_tested_and_set_across_words() {
        let mut bits = vec![0u64; 3];
        set_range(&mut bits, 62, 67);
        assert_eq!(bits[0], 0b11 << 62);
        assert_eq!(bits[1], 0b111);
        for (from, to, expected) in [
            (0, 62, false),
            (0, 63, true),
            (61, 62, false),
            (66, 67, true),
            (67, 192, false),
            (10, 10, false),
            (60, 130, true),
            (100, 500, false),
        ] {
            assert_eq!(any_in(&bits, from, to), expected, "[{from}, {to})");
        }
    }
}
