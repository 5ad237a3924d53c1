//! The slot engine on a large site: 20 guichets with 5 plages each, 3
//! motifs, 8 weeks (across the spring clock change), a third of the
//! capacity already booked. Goal: at most 100 ns per emitted slot.
//!
//! `make bench` runs it; the last line prints the figure.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)]

use std::hint::black_box;
use std::time::Instant;

use chrono::{Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use criterion::{Criterion, Throughput};
use planipref_domain::ids::{GuichetId, MotifId};
use planipref_domain::plage::{Plage, Weekdays};
use planipref_domain::slots::{Busy, SlotRequest, compute_slots, first_free_slot};

const GUICHETS: usize = 20;
const WEEKS: i64 = 8;

struct Site {
    tz: Tz,
    from: NaiveDate,
    guichets: Vec<GuichetId>,
    plages: Vec<Plage>,
    busy: Vec<Busy>,
    /// (motif, duration, guichets serving it)
    motifs: Vec<(MotifId, u32, Vec<GuichetId>)>,
}

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

/// A small deterministic generator, so every run books the same times.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn large_site() -> Site {
    use Weekday::*;
    let tz: Tz = "Europe/Paris".parse().unwrap();
    let from = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(); // a Monday
    let guichets: Vec<GuichetId> = (0..GUICHETS).map(|_| GuichetId::new_random()).collect();
    let ranges: [(&[Weekday], NaiveTime, NaiveTime); 5] = [
        (&[Mon, Tue, Wed, Thu, Fri], t(8, 30), t(12, 0)),
        (&[Mon, Tue, Thu], t(13, 30), t(16, 30)),
        (&[Wed], t(17, 0), t(19, 0)),
        (&[Fri], t(13, 30), t(15, 0)),
        (&[Sat], t(9, 0), t(12, 0)),
    ];
    let mut plages = Vec::new();
    for g in &guichets {
        for (days, start, end) in ranges {
            plages.push(Plage {
                guichet_id: *g,
                weekdays: Weekdays::of(days),
                start,
                end,
                valid_from: from,
                valid_until: None,
                motifs: vec![],
            });
        }
    }
    // A third of each guichet's time is booked, in 30-minute blocks.
    let mut rng = XorShift(0x5eed_1234_abcd_ef01);
    let mut busy = Vec::new();
    for p in &plages {
        for day in from.iter_days().take((WEEKS * 7) as usize) {
            if !p.applies_on(day) {
                continue;
            }
            let mut local = day.and_time(p.start);
            while local + Duration::minutes(30) <= day.and_time(p.end) {
                if rng.next().is_multiple_of(3)
                    && let Some(start) = tz.from_local_datetime(&local).single()
                {
                    busy.push(Busy {
                        guichet_id: p.guichet_id,
                        start: start.with_timezone(&Utc),
                        end: start.with_timezone(&Utc) + Duration::minutes(30),
                    });
                }
                local += Duration::minutes(30);
            }
        }
    }
    let motifs = vec![
        (MotifId::new_random(), 30, guichets[..15].to_vec()),
        (MotifId::new_random(), 20, guichets[5..].to_vec()),
        (MotifId::new_random(), 45, guichets.clone()),
    ];
    Site {
        tz,
        from,
        guichets,
        plages,
        busy,
        motifs,
    }
}

fn request<'a>(site: &'a Site, motif: &'a (MotifId, u32, Vec<GuichetId>)) -> SlotRequest<'a> {
    SlotRequest {
        motif_id: motif.0,
        duration_minutes: motif.1,
        step_minutes: motif.1,
        time_zone: site.tz,
        from: site.from,
        to: site.from + Duration::days(WEEKS * 7 - 1),
        now: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap(),
        guichets: &motif.2,
        plages: &site.plages,
        busy: &site.busy,
        closed_days: &[],
        booking_window_days: 90,
        newest_day_opens_at: None,
        min_notice_hours: 0,
    }
}

/// Every slot of the three motifs over the eight weeks.
fn all_motifs(site: &Site) -> usize {
    site.motifs
        .iter()
        .map(|m| compute_slots(&request(site, m)).slots.len())
        .sum()
}

fn main() {
    let site = large_site();
    let emitted = all_motifs(&site);
    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(emitted as u64));
    group.bench_function("8 weeks, 20 guichets, 3 motifs", |b| {
        b.iter(|| all_motifs(black_box(&site)))
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function("first free slot, 3 motifs", |b| {
        b.iter(|| {
            site.motifs
                .iter()
                .filter_map(|m| first_free_slot(&request(black_box(&site), m)))
                .count()
        })
    });
    group.finish();
    c.final_summary();

    // The figure the goal is about, measured plainly over a fixed number
    // of runs (criterion's report above has the confidence intervals).
    let runs = 2_000;
    let started = Instant::now();
    let mut total = 0;
    for _ in 0..runs {
        total += all_motifs(black_box(&site));
    }
    let per_slot = started.elapsed().as_nanos() as f64 / total as f64;
    println!(
        "engine: {emitted} slots for 3 motifs × 8 weeks on {} guichets ({} plages, {} booked); {per_slot:.1} ns per emitted slot (goal ≤ 100)",
        site.guichets.len(),
        site.plages.len(),
        site.busy.len(),
    );
}
