//! The engine's inner loop: one pass over the days of a search.
//!
//! Plages that share their hours are grouped, so each start time of a day
//! is offered once for all their guichets: in a bit set per local minute,
//! the guichets offering that time, and those free. Occupied times are
//! turned, once per search, into the set of guichets taken at each
//! 5-minute unit for an appointment of the search's length, so "which of
//! these guichets are free for the whole appointment" is one subtraction.
//! A day whose clocks do not change turns local minutes into instants by
//! one addition; the two days a year that change read each time through the
//! time zone, so that no slot falls in the spring gap or twice in the
//! repeated autumn hour (see `DayClock`, in `clock.rs`).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc, Weekday};

use super::clock::DayClock;
use super::{Slot, SlotRequest, Slots};
use crate::ids::GuichetId;
use crate::occupancy::UNIT_MINUTES;
use crate::plage::Plage;
use crate::time::local_midnight;

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

/// The plages of one weekday that share their times and validity (a
/// service's guichets usually keep the same hours): their guichets are
/// offered together, one bit set per start time rather than one pass per
/// guichet.
struct PlageGroup {
    /// First and last local minutes.
    first: u32,
    end: u32,
    valid_from: NaiveDate,
    valid_until: Option<NaiveDate>,
    /// The guichets' bits.
    guichets: Vec<u64>,
}

impl PlageGroup {
    fn applies_on(&self, date: NaiveDate) -> bool {
        date >= self.valid_from && self.valid_until.is_none_or(|u| date <= u)
    }

    /// The bits of the group's guichets.
    fn bits(&self) -> impl Iterator<Item = usize> + '_ {
        self.guichets.iter().enumerate().flat_map(|(w, word)| {
            let mut word = *word;
            std::iter::from_fn(move || {
                (word != 0).then(|| {
                    let bit = w * 64 + word.trailing_zeros() as usize;
                    word &= word - 1;
                    bit
                })
            })
        })
    }
}

/// Adds plage `p` of guichet `bit` to the groups of one weekday.
fn group_plage(groups: &mut Vec<PlageGroup>, p: &Plage, bit: usize, words: usize) {
    let (first, end) = (ceil_minute(p.start), floor_minute(p.end));
    let same = |g: &&mut PlageGroup| {
        (g.first, g.end, g.valid_from, g.valid_until) == (first, end, p.valid_from, p.valid_until)
    };
    let group = match groups.iter_mut().find(same) {
        Some(g) => g,
        None => {
            groups.push(PlageGroup {
                first,
                end,
                valid_from: p.valid_from,
                valid_until: p.valid_until,
                guichets: vec![0; words],
            });
            let last = groups.len() - 1;
            &mut groups[last]
        }
    };
    group.guichets[bit / 64] |= 1 << (bit % 64);
}

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
    let mut by_weekday: [Vec<PlageGroup>; 7] = Default::default();
    for p in req.plages.iter().filter(|p| p.serves(req.motif_id)) {
        let Some(&bit) = index.get(&p.guichet_id) else {
            continue;
        };
        for (wd, groups) in WEEK.iter().zip(by_weekday.iter_mut()) {
            if p.weekdays.contains(*wd) {
                group_plage(groups, p, bit, words);
            }
        }
    }
    if by_weekday.iter().all(Vec::is_empty) {
        return out;
    }
    let earliest = seconds_ceil(super::earliest_start(req.now, req.min_notice_hours));
    // Durations and steps on the unit grid (always, once validated).
    let grid = duration % UNIT_MINUTES == 0 && step % UNIT_MINUTES == 0;
    let units = (duration / UNIT_MINUTES) as usize;
    let busy = BusyMap::new(req, &index, last, grid.then_some(units));
    let mut day = DaySets::new(words);
    let mut next = None;
    for date in req.from.iter_days().take_while(|d| *d <= last) {
        // Each day's midnight is the day before's next one.
        let clock = DayClock::new(req.time_zone, date, next.take());
        next = clock.next;
        let plages = &by_weekday[date.weekday().num_days_from_monday() as usize];
        if plages.is_empty() || req.closed_days.binary_search(&date).is_ok() {
            continue;
        }
        for group in plages.iter().filter(|g| g.applies_on(date)) {
            let (first, end) = (group.first, group.end);
            match (clock.midnight, grid.then(|| busy.unit_of(clock.midnight))) {
                (Some(midnight), Some(Some(day_unit))) if first % UNIT_MINUTES == 0 => {
                    // The common case, kept tight: a steady day and times on
                    // the 5-minute grid, so a start's unit is an addition,
                    // and the guichets taken there one set to subtract.
                    let mut minute = first;
                    // Only the first day of a search starts before the
                    // notice: skip those minutes once, outside the loop.
                    let too_early = earliest - midnight - i64::from(first) * 60;
                    if too_early > 0 {
                        let steps = (too_early as u64).div_ceil(u64::from(step) * 60);
                        let skipped = u64::from(first) + steps * u64::from(step);
                        minute =
                            u32::try_from(skipped.min(MINUTES_PER_DAY as u64)).unwrap_or(u32::MAX);
                    }
                    while minute + duration <= end {
                        let unit = day_unit + (minute / UNIT_MINUTES) as usize;
                        day.offer_all(minute, &group.guichets, busy.taken_at(unit));
                        minute += step;
                    }
                }
                _ => {
                    let mut minute = first;
                    while minute + duration <= end {
                        if let Some((start, stop)) = clock.span(minute, duration)
                            && start >= earliest
                        {
                            for bit in group.bits() {
                                day.offer(minute, bit, busy.is_free(bit, start, stop));
                            }
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

    /// Offers `minute` at each of `guichets`, those in `taken` not free.
    fn offer_all(&mut self, minute: u32, guichets: &[u64], taken: &[u64]) {
        let minute = minute as usize;
        let at = minute * self.words;
        let offered = &mut self.offered[at..at + self.words];
        let free = &mut self.free[at..at + self.words];
        for (((o, f), g), t) in offered.iter_mut().zip(free).zip(guichets).zip(taken) {
            *o |= g;
            *f |= g & !t;
        }
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

/// Which guichets are taken for an appointment starting at each 5-minute
/// unit of the search.
///
/// Built once per search from the occupied times: a start is taken on a
/// guichet when any unit of the appointment from it is occupied, so each
/// occupied time also takes the `units - 1` starts before it. The inner
/// loop then subtracts one set of guichets per start time.
struct BusyMap<'a> {
    /// Unix second of unit 0.
    base: i64,
    /// The last unit (times beyond it count as free).
    units: usize,
    /// Words per guichet set (as in the day sets).
    words: usize,
    /// Per unit, the guichets taken there; empty when the appointment's
    /// length is off the unit grid (never, once validated).
    taken_at: Vec<u64>,
    /// The appointment's length in units.
    length: Option<usize>,
    /// Kept for times off the unit grid (never produced by validated
    /// plages; checked exactly rather than assumed).
    req: &'a SlotRequest<'a>,
    index: &'a GuichetIndex,
}

impl<'a> BusyMap<'a> {
    /// `grid_units`: the appointment's length in units, when it is a whole
    /// number of them.
    fn new(
        req: &'a SlotRequest<'a>,
        index: &'a GuichetIndex,
        last: NaiveDate,
        grid_units: Option<usize>,
    ) -> Self {
        let first = local_midnight(req.time_zone, req.from).timestamp();
        let base = first - first.rem_euclid(UNIT_SECONDS);
        let after = last.succ_opt().unwrap_or(last);
        let end = local_midnight(req.time_zone, after).timestamp() + UNIT_SECONDS;
        let units = usize::try_from((end - base) / UNIT_SECONDS + 1).unwrap_or(0);
        let words = index.len().div_ceil(64).max(1);
        let mut map = Self {
            base,
            units,
            words,
            taken_at: Vec::new(),
            length: grid_units,
            req,
            index,
        };
        let Some(length) = grid_units else {
            return map;
        };
        map.taken_at = vec![0; (units + 1) * words];
        let span = length.saturating_sub(1);
        // Occupied times come grouped by guichet, in order within it:
        // remember the last guichet, the last day's first second, and the
        // starts already marked (back-to-back bookings share their span).
        let mut last_seen: Option<(GuichetId, Option<usize>)> = None;
        let mut seconds = UnixSeconds::default();
        // Starts below `marked` are marked, from the earliest start marked
        // for this guichet (bookings in order of start).
        let (mut marked, mut last_from) = (0, 0);
        for b in req.busy {
            let bit = match last_seen {
                Some((id, bit)) if id == b.guichet_id => bit,
                _ => {
                    let bit = index.get(&b.guichet_id).copied();
                    last_seen = Some((b.guichet_id, bit));
                    (marked, last_from) = (0, 0);
                    bit
                }
            };
            let Some(bit) = bit else {
                continue;
            };
            let from = map.unit_floor(seconds.floor(b.start));
            let to = map.unit_ceil(seconds.ceil(b.end));
            let (word, mask) = (bit / 64, 1u64 << (bit % 64));
            let mut first_start = from.saturating_sub(span);
            if from >= last_from {
                first_start = first_start.max(marked);
            } else {
                // Out of order (never from the store): the whole span.
                marked = 0;
            }
            if first_start < to {
                // One slice, bounds checked once (and vectorised when a
                // site has at most 64 guichets, one word per set).
                let starts = &mut map.taken_at[first_start * words..to * words];
                if words == 1 {
                    starts.iter_mut().for_each(|set| *set |= mask);
                } else {
                    for set in starts.iter_mut().skip(word).step_by(words) {
                        *set |= mask;
                    }
                }
            }
            marked = marked.max(to);
            last_from = from;
        }
        map
    }

    /// The guichets taken for a start at `unit`.
    fn taken_at(&self, unit: usize) -> &[u64] {
        let at = unit.min(self.units) * self.words;
        &self.taken_at[at..at + self.words]
    }

    /// The unit starting at Unix second `t`, if `t` is on the grid.
    fn unit_of(&self, t: Option<i64>) -> Option<usize> {
        let t = t?;
        let d = t - self.base;
        (d >= 0 && d % UNIT_SECONDS == 0).then(|| self.unit_floor(t))
    }

    fn unit_floor(&self, t: i64) -> usize {
        // Unsigned division (a multiplication): times before the search
        // all fall in unit 0.
        let u = u64::try_from(t - self.base).unwrap_or(0) / UNIT_SECONDS as u64;
        usize::try_from(u).unwrap_or(usize::MAX).min(self.units)
    }

    fn unit_ceil(&self, t: i64) -> usize {
        self.unit_floor(t + UNIT_SECONDS - 1)
    }

    /// Whether guichet `bit` is free for the whole of `[start, end)`
    /// (Unix seconds).
    fn is_free(&self, bit: usize, start: i64, end: i64) -> bool {
        if let (Some(unit), Some(length)) = (self.unit_of(Some(start)), self.length)
            && end - start == length as i64 * UNIT_SECONDS
        {
            return self.taken_at(unit)[bit / 64] & (1 << (bit % 64)) == 0;
        }
        !self.req.busy.iter().any(|b| {
            self.index.get(&b.guichet_id) == Some(&bit)
                && b.start.timestamp() < end
                && seconds_ceil(b.end) > start
        })
    }
}

/// Unix seconds of instants that mostly fall on the day before's: the
/// day's first second is worked out once per day (calendar arithmetic is
/// most of the cost of [`DateTime::timestamp`]).
#[derive(Default)]
struct UnixSeconds {
    day: Option<(NaiveDate, i64)>,
}

impl UnixSeconds {
    fn floor(&mut self, t: DateTime<Utc>) -> i64 {
        let naive = t.naive_utc();
        let date = naive.date();
        let day_start = match self.day {
            Some((day, start)) if day == date => start,
            _ => {
                let start = date.and_time(NaiveTime::MIN).and_utc().timestamp();
                self.day = Some((date, start));
                start
            }
        };
        day_start + i64::from(naive.time().num_seconds_from_midnight())
    }

    fn ceil(&mut self, t: DateTime<Utc>) -> i64 {
        self.floor(t) + i64::from(t.timestamp_subsec_nanos() > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_seconds_match_chrono_across_days_and_fractions() {
        let mut seconds = UnixSeconds::default();
        for raw in [
            "2026-03-29T00:59:59Z",
            "2026-03-29T23:00:00Z",
            "2026-03-30T00:00:00.5Z",
            "2026-03-30T08:05:00Z",
            "1969-12-31T23:59:59Z",
        ] {
            let t: DateTime<Utc> = raw.parse().expect("instant");
            assert_eq!(seconds.floor(t), t.timestamp(), "{raw}");
            assert_eq!(seconds.ceil(t), seconds_ceil(t), "{raw}");
        }
    }
}
