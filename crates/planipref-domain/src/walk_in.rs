//! Walk-ins: people who come without an appointment.
//!
//! A walk-in takes the earliest free time, now or next, on a guichet that
//! serves the motif: first the guichets kept for walk-ins (any time left
//! today), then public guichets, but only within the préfecture's horizon
//! (public time further away stays for people who book). The time is then
//! taken like any booking's: occupancy units under the database's unique
//! key, so a walk-in and an online booking never share a guichet's unit.

use chrono::{DateTime, Duration, Utc};

use crate::ids::GuichetId;
use crate::occupancy::UNIT_MINUTES;
use crate::slots::{SlotRequest, compute_slots};

/// Most candidate times returned: the store tries them in order, and
/// more than this many all taken at once means the counter is full.
pub const MAX_CANDIDATES: usize = 24;

/// A time a walk-in may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// The guichet.
    pub guichet_id: GuichetId,
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
}

/// The start of the unit `now` falls in: a counter free since the unit
/// began can take the person at once.
pub fn current_unit(now: DateTime<Utc>) -> DateTime<Utc> {
    let unit = i64::from(UNIT_MINUTES) * 60;
    let floor = now.timestamp() - now.timestamp().rem_euclid(unit);
    DateTime::from_timestamp(floor, 0).unwrap_or(now)
}

/// The times a walk-in may take, best first: walk-in guichets today, then
/// public guichets starting within `horizon_minutes` of `now`.
///
/// `base` describes the motif's day as for a booking; its guichets, step,
/// notice and window are replaced here (walk-ins start on any unit, at
/// once, today only).
pub fn candidates(
    base: &SlotRequest<'_>,
    (walk_in, public): (&[GuichetId], &[GuichetId]),
    now: DateTime<Utc>,
    horizon_minutes: u32,
) -> Vec<Candidate> {
    let today = now.with_timezone(&base.time_zone).date_naive();
    let from = current_unit(now);
    let horizon = now + Duration::minutes(i64::from(horizon_minutes));
    let mut out = free_times(base, walk_in, today, from, None);
    if out.len() < MAX_CANDIDATES {
        out.extend(free_times(base, public, today, from, Some(horizon)));
    }
    out.truncate(MAX_CANDIDATES);
    out
}

fn free_times(
    base: &SlotRequest<'_>,
    guichets: &[GuichetId],
    today: chrono::NaiveDate,
    from: DateTime<Utc>,
    latest_start: Option<DateTime<Utc>>,
) -> Vec<Candidate> {
    if guichets.is_empty() {
        return Vec::new();
    }
    let request = SlotRequest {
        guichets,
        step_minutes: UNIT_MINUTES,
        from: today,
        to: today,
        now: from,
        min_notice_hours: 0,
        booking_window_days: 0,
        newest_day_opens_at: None,
        ..*base
    };
    let slots = compute_slots(&request);
    let mut out = Vec::new();
    for slot in slots.slots.iter().filter(|s| s.remaining > 0) {
        if latest_start.is_some_and(|latest| slot.start > latest) {
            break;
        }
        for guichet_id in slots.free_guichets(slot) {
            out.push(Candidate {
                guichet_id,
                start: slot.start,
                end: slot.end,
            });
        }
        if out.len() >= MAX_CANDIDATES {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::MotifId;
    use crate::plage::Plage;
    use crate::slots::Busy;
    use chrono::NaiveTime;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("instant")
    }

    fn plage(guichet: GuichetId, motif: MotifId) -> Plage {
        Plage {
            guichet_id: guichet,
            weekdays: crate::plage::Weekdays::WORKING_WEEK,
            start: NaiveTime::from_hms_opt(9, 0, 0).expect("time"),
            end: NaiveTime::from_hms_opt(12, 0, 0).expect("time"),
            valid_from: at("2026-01-01T00:00:00Z").date_naive(),
            valid_until: None,
            motifs: vec![motif],
        }
    }

    #[test]
    fn a_walk_in_takes_a_walk_in_counter_first_then_public_time_within_the_horizon() {
        let motif = MotifId::new_random();
        let (w, p) = (GuichetId::new_random(), GuichetId::new_random());
        let plages = [plage(w, motif), plage(p, motif)];
        // The walk-in counter is taken until 11:00 (UTC+1: 10:00 UTC).
        let busy = [Busy {
            guichet_id: w,
            start: at("2026-12-07T08:00:00Z"),
            end: at("2026-12-07T10:00:00Z"),
        }];
        let guichets = [w, p];
        let base = SlotRequest {
            motif_id: motif,
            duration_minutes: 20,
            step_minutes: 20,
            time_zone: chrono_tz::Europe::Paris,
            from: at("2026-12-07T00:00:00Z").date_naive(),
            to: at("2026-12-07T00:00:00Z").date_naive(),
            now: at("2026-12-07T09:02:00Z"),
            guichets: &guichets,
            plages: &plages,
            busy: &busy,
            closed_days: &[],
            booking_window_days: 30,
            newest_day_opens_at: None,
            min_notice_hours: 24,
        };
        let now = at("2026-12-07T09:02:00Z");
        let found = candidates(&base, (&[w], &[p]), now, 30);
        // First the walk-in counter at 11:00 local, then the public one
        // from the current unit (10:00 local) up to the horizon (10:32).
        assert_eq!(found[0].guichet_id, w);
        assert_eq!(found[0].start, at("2026-12-07T10:00:00Z"));
        assert_eq!(found[0].end, at("2026-12-07T10:20:00Z"));
        let public: Vec<_> = found.iter().filter(|c| c.guichet_id == p).collect();
        assert_eq!(public[0].start, at("2026-12-07T09:00:00Z"));
        assert!(public.iter().all(|c| c.start <= at("2026-12-07T09:32:00Z")));
        assert_eq!(
            public.last().map(|c| c.start),
            Some(at("2026-12-07T09:30:00Z"))
        );
        // Without public time, only the walk-in counter.
        assert!(
            candidates(&base, (&[w], &[]), now, 30)
                .iter()
                .all(|c| c.guichet_id == w)
        );
        // After closing time, nothing.
        assert!(candidates(&base, (&[w], &[p]), at("2026-12-07T11:50:00Z"), 30).is_empty());
    }

    #[test]
    fn the_current_unit_starts_on_a_five_minute_boundary() {
        assert_eq!(
            current_unit(at("2026-12-07T09:04:59Z")),
            at("2026-12-07T09:00:00Z")
        );
        assert_eq!(
            current_unit(at("2026-12-07T09:05:00Z")),
            at("2026-12-07T09:05:00Z")
        );
    }
}
