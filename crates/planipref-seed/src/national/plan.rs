//! Planning one préfecture before anything is written: its sites, their
//! service, motifs, guichets and plages, and every appointment to book,
//! laid on the slot engine's grid.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, Utc, Weekday};
use chrono_tz::Tz;
use planipref_domain::calendar::closed_days;
use planipref_domain::ids::DepartementCode;
use planipref_domain::occupancy::{UNIT_MINUTES, units};
use planipref_domain::plage::Weekdays;
use planipref_domain::time::unique_instant;
use planipref_store::models::*;
use planipref_store::{StoreError, to_db};

use super::reference::{Departement, of_town};
use super::rng::Rng;
use super::{
    MOTIFS, NationalCounts, NationalOptions, PREFECTURE_GUICHETS, SERVICE, SOUS_PREFECTURE_GUICHETS,
};
use crate::rows::{SeedMotif, motif_from_demarche, plage_row, time};

/// One préfecture, ready to write.
#[derive(Debug)]
pub(super) struct PrefecturePlan {
    pub(super) code: String,
    pub(super) row: PrefectureRow,
    pub(super) sites: Vec<SitePlan>,
    pub(super) counts: NationalCounts,
    /// Seed of the generator drawing identifiers and references.
    pub(super) seed: u64,
    /// Index of the département in the reference file (applicants' names).
    pub(super) index: u64,
}

#[derive(Debug)]
pub(super) struct SitePlan {
    pub(super) row: SiteRow,
    pub(super) service: ServiceRow,
    pub(super) motifs: Vec<SeedMotif>,
    pub(super) guichets: Vec<GuichetPlan>,
    pub(super) first_day: NaiveDate,
    pub(super) bookings: Vec<Booking>,
}

#[derive(Debug)]
pub(super) struct GuichetPlan {
    pub(super) row: GuichetRow,
    /// Indexes into the site's motifs.
    pub(super) motifs: Vec<usize>,
    pub(super) plages: Vec<PlageRow>,
}

/// One appointment to write.
#[derive(Debug, Clone, Copy)]
pub(super) struct Booking {
    pub(super) guichet: u32,
    pub(super) motif: u8,
    pub(super) start: DateTime<Utc>,
    pub(super) end: DateTime<Utc>,
}

/// Afternoon days a guichet may open, one pattern per guichet.
const AFTERNOONS: &[&[Weekday]] = &[
    &[Weekday::Mon, Weekday::Tue, Weekday::Thu],
    &[Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu],
    &[Weekday::Tue, Weekday::Thu],
    &[Weekday::Mon, Weekday::Wed, Weekday::Fri],
];

/// The motif sets of guichets after the first two (which serve all three),
/// as indexes into [`MOTIFS`], with their weights.
const MOTIF_SETS: &[(&[usize], u32)] = &[
    (&[0, 1, 2], 40),
    (&[0, 1], 20),
    (&[1, 2], 15),
    (&[1], 10),
    (&[2], 15),
];

pub(super) fn plan_prefecture(
    d: &Departement,
    postal_codes: &HashMap<String, String>,
    demarches: &[DemarcheRow],
    options: &NationalOptions,
) -> Result<PrefecturePlan, StoreError> {
    let mut rng = Rng::for_departement(options.seed, &d.code, 0);
    let now = to_db(options.now);
    let mut counts = NationalCounts {
        prefectures: 1,
        ..NationalCounts::default()
    };
    let departement = DepartementCode::parse(&d.code)
        .ok_or_else(|| StoreError::Corrupt(format!("département code {}", d.code)))?;
    let mut towns = vec![(
        "prefecture",
        match d.code.as_str() {
            "977" | "978" => {
                "Préfecture de Saint-Barthélemy et de Saint-Martin (Marigot)".to_owned()
            }
            _ => format!("Préfecture {}", of_town(&d.prefecture_site.0)),
        },
        &d.prefecture_site,
    )];
    for town in &d.sous_prefectures {
        towns.push((
            "sous_prefecture",
            format!("Sous-préfecture {}", of_town(&town.0)),
            town,
        ));
    }
    let mut sites = Vec::new();
    for (kind, name, (city, insee)) in towns {
        let postal_code = postal_codes.get(insee).cloned().ok_or_else(|| {
            StoreError::Corrupt(format!(
                "commune {insee} missing from reference/communes.csv"
            ))
        })?;
        let site_id = rng.uuid();
        let row = SiteRow {
            revision: 1,
            id: site_id.clone(),
            prefecture_code: d.code.clone(),
            kind: kind.to_owned(),
            name,
            address_line: if kind == "prefecture" {
                "Hôtel de la préfecture".to_owned()
            } else {
                "Hôtel de la sous-préfecture".to_owned()
            },
            postal_code,
            city: city.clone(),
            commune_insee: insee.clone(),
            time_zone: d.time_zone.name().to_owned(),
            created_at: now,
        };
        let service = ServiceRow {
            revision: 1,
            id: rng.uuid(),
            site_id: site_id.clone(),
            name: SERVICE.to_owned(),
            description: String::new(),
            created_at: now,
        };
        let motifs: Vec<SeedMotif> = demarches
            .iter()
            .map(|dm| motif_from_demarche(rng.uuid(), &service.id, dm, now))
            .collect();
        let site = plan_site(
            &mut rng,
            row,
            service,
            motifs,
            d.time_zone,
            &departement,
            options,
        )?;
        counts.sites += 1;
        counts.sous_prefectures += u64::from(kind == "sous_prefecture");
        counts.motifs += site.motifs.len() as u64;
        counts.guichets += site.guichets.len() as u64;
        counts.plages += site
            .guichets
            .iter()
            .map(|g| g.plages.len() as u64)
            .sum::<u64>();
        counts.reservations += site.bookings.len() as u64;
        counts.occupancy += site
            .bookings
            .iter()
            .map(|b| units(b.start, b.end).len() as u64)
            .sum::<u64>();
        sites.push(site);
    }
    Ok(PrefecturePlan {
        code: d.code.clone(),
        row: PrefectureRow {
            revision: 1,
            code: d.code.clone(),
            name: format!("Préfecture — {}", d.name),
            departement_name: d.name.clone(),
            created_at: now,
        },
        sites,
        counts,
        seed: Rng::for_departement(options.seed, &d.code, 1).next_u64(),
        index: d.index,
    })
}

fn plan_site(
    rng: &mut Rng,
    row: SiteRow,
    service: ServiceRow,
    motifs: Vec<SeedMotif>,
    tz: Tz,
    departement: &DepartementCode,
    options: &NationalOptions,
) -> Result<SitePlan, StoreError> {
    let now = to_db(options.now);
    let today = options.now.with_timezone(&tz).date_naive();
    let range = if row.kind == "prefecture" {
        PREFECTURE_GUICHETS
    } else {
        SOUS_PREFECTURE_GUICHETS
    };
    let morning = (
        [time(8, 0)?, time(8, 30)?, time(9, 0)?][rng.between((0, 2)) as usize],
        [time(12, 0)?, time(12, 30)?][rng.between((0, 1)) as usize],
    );
    let afternoon = [(time(13, 30)?, time(16, 0)?), (time(14, 0)?, time(16, 30)?)]
        [rng.between((0, 1)) as usize];
    let mut guichets = Vec::new();
    for n in 1..=rng.between(range) {
        let id = rng.uuid();
        let served = if n <= 2 {
            vec![0, 1, 2]
        } else {
            pick(rng, MOTIF_SETS).to_vec()
        };
        let mut plages = vec![plage_row(
            rng.uuid(),
            &id,
            Weekdays::WORKING_WEEK,
            morning,
            today,
            now,
        )?];
        if rng.chance(0.6) {
            let days = AFTERNOONS[rng.between((0, AFTERNOONS.len() as u32 - 1)) as usize];
            plages.push(plage_row(
                rng.uuid(),
                &id,
                Weekdays::of(days),
                afternoon,
                today,
                now,
            )?);
        }
        guichets.push(GuichetPlan {
            row: GuichetRow {
                revision: 1,
                id,
                site_id: row.id.clone(),
                name: format!("Guichet {n}"),
                active: true,
                created_at: now,
                active_from: None,
                active_until: None,
                channel: planipref_domain::channel::Channel::Public.code().to_owned(),
            },
            motifs: served,
            plages,
        });
    }
    let first_day = today
        .checked_add_days(Days::new(1))
        .ok_or_else(|| StoreError::Corrupt("date out of range".into()))?;
    let mut bookings = plan_bookings(rng, &guichets, &motifs, tz, departement, first_day, options)?;
    // Written guichet by guichet, in time order: each guichet's index
    // entries are then appended together.
    bookings.sort_by_key(|b| (b.guichet, b.start));
    Ok(SitePlan {
        row,
        service,
        motifs,
        guichets,
        first_day,
        bookings,
    })
}

/// How much busier or quieter than average a site is: 0.5 + 1.5 u² for u
/// uniform in [0, 1), so 1 on average, below 1 at most sites and up to 2
/// at a few, which are then full for their first weeks.
fn busyness(rng: &mut Rng) -> f64 {
    let u = rng.unit();
    0.5 + 1.5 * u * u
}

/// Picks one of `choices` in proportion to its weight.
fn pick<T: Copy>(rng: &mut Rng, choices: &[(T, u32)]) -> T {
    let total: u32 = choices.iter().map(|(_, w)| w).sum();
    let mut draw = rng.between((0, total.saturating_sub(1)));
    for (choice, weight) in choices {
        if draw < *weight {
            return *choice;
        }
        draw -= weight;
    }
    choices[0].0
}

/// The appointments of one site: every slot of every guichet, as the slot
/// engine lays them, booked or not by chance.
fn plan_bookings(
    rng: &mut Rng,
    guichets: &[GuichetPlan],
    motifs: &[SeedMotif],
    tz: Tz,
    departement: &DepartementCode,
    first_day: NaiveDate,
    options: &NationalOptions,
) -> Result<Vec<Booking>, StoreError> {
    let days = i64::from(options.weeks) * 7;
    let last_day = first_day
        .checked_add_days(Days::new(days.unsigned_abs() - 1))
        .ok_or_else(|| StoreError::Corrupt("date out of range".into()))?;
    let closed = closed_days(first_day, last_day, departement, &[]);
    let busyness = busyness(rng);
    // The national motifs leave their step unset: the engine steps by
    // their duration.
    let durations: Vec<i64> = motifs
        .iter()
        .map(|m| i64::from(m.duration_minutes))
        .collect();
    if durations
        .iter()
        .any(|d| *d <= 0 || d % i64::from(UNIT_MINUTES) != 0)
    {
        return Err(StoreError::Corrupt(
            "a démarche's duration is not a whole number of units".into(),
        ));
    }
    let mut out = Vec::new();
    for day in first_day.iter_days().take_while(|d| *d <= last_day) {
        if closed.binary_search(&day).is_ok() {
            continue;
        }
        let position = (day - first_day).num_days() as f64 / days as f64;
        let p = (options.fill * busyness * (1.5 - position)).clamp(0.0, 1.0);
        for (g, guichet) in guichets.iter().enumerate() {
            let weights: Vec<(usize, u32)> =
                guichet.motifs.iter().map(|m| (*m, MOTIFS[*m].1)).collect();
            for plage in &guichet.plages {
                let applies = Weekdays::from_bits(plage.weekdays)
                    .is_some_and(|w| w.contains(day.weekday()))
                    && day >= plage.valid_from;
                if !applies {
                    continue;
                }
                walk_plage(
                    rng,
                    (day.and_time(plage.start_time), day.and_time(plage.end_time)),
                    &weights,
                    &durations,
                    |rng, motif, local_start, minutes| {
                        let Some(start) = unique_instant(tz, local_start) else {
                            return;
                        };
                        let length = chrono::Duration::minutes(minutes);
                        let end = start + length;
                        // The engine offers no slot straddling a clock change.
                        if end.with_timezone(&tz).naive_local() != local_start + length {
                            return;
                        }
                        if rng.chance(p) {
                            out.push(Booking {
                                guichet: u32::try_from(g).unwrap_or(u32::MAX),
                                motif: u8::try_from(motif).unwrap_or(u8::MAX),
                                start,
                                end,
                            });
                        }
                    },
                );
            }
        }
    }
    Ok(out)
}

/// Walks one plage of one day, slot after slot without overlap, handing
/// each to `slot`: picks a motif the guichet serves by weight and takes its
/// next slot on the engine's grid (from the plage's start by the motif's
/// duration; when it no longer fits, the earliest slot of any motif);
/// should that slot start later, the time before it is first walked with
/// the earliest slots that end by then. Booking every slot so walked
/// leaves no gap where the guichet serves a motif that fits one.
fn walk_plage(
    rng: &mut Rng,
    (open, close): (NaiveDateTime, NaiveDateTime),
    weights: &[(usize, u32)],
    durations: &[i64],
    mut slot: impl FnMut(&mut Rng, usize, NaiveDateTime, i64),
) {
    let minutes = |m: usize| chrono::Duration::minutes(durations[m]);
    // The motif's first slot starting at or after `from` and ending by `until`.
    let next_slot = |m: usize, from: NaiveDateTime, until: NaiveDateTime| {
        let step = durations[m];
        let elapsed = (from - open).num_minutes();
        let k = elapsed.div_euclid(step) + i64::from(elapsed.rem_euclid(step) != 0);
        let start = open + chrono::Duration::minutes(k * step);
        (start + minutes(m) <= until).then_some(start)
    };
    // The earliest such slot of any motif, picking by weight among ties.
    let earliest = |rng: &mut Rng, from: NaiveDateTime, until: NaiveDateTime| {
        let next: Vec<(usize, u32, NaiveDateTime)> = weights
            .iter()
            .filter_map(|(m, w)| next_slot(*m, from, until).map(|s| (*m, *w, s)))
            .collect();
        let first = next.iter().map(|(_, _, s)| *s).min()?;
        let ties: Vec<(usize, u32)> = next
            .iter()
            .filter(|(_, _, s)| *s == first)
            .map(|(m, w, _)| (*m, *w))
            .collect();
        Some((pick(rng, &ties), first))
    };
    let mut cursor = open;
    loop {
        let chosen = pick(rng, weights);
        let Some((motif, start)) = next_slot(chosen, cursor, close)
            .map(|s| (chosen, s))
            .or_else(|| earliest(rng, cursor, close))
        else {
            break;
        };
        while let Some((m, s)) = earliest(rng, cursor, start) {
            cursor = s + minutes(m);
            slot(rng, m, s, durations[m]);
        }
        cursor = start + minutes(motif);
        slot(rng, motif, start, durations[motif]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveTime;

    #[test]
    fn a_plage_is_walked_on_each_motif_grid_without_overlap() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        let at = |h, m| day.and_time(NaiveTime::from_hms_opt(h, m, 0).expect("time"));
        let durations = [45, 30, 15];
        let weights = [(0, 30), (1, 45), (2, 25)];
        let mut rng = Rng(3);
        for _ in 0..200 {
            let mut slots = Vec::new();
            walk_plage(
                &mut rng,
                (at(8, 30), at(12, 0)),
                &weights,
                &durations,
                |_, m, start, minutes| slots.push((m, start, minutes)),
            );
            let mut end = at(8, 30);
            for (m, start, minutes) in &slots {
                assert_eq!(*minutes, durations[*m]);
                assert!(*start >= end, "no overlap");
                assert_eq!(
                    (*start - at(8, 30)).num_minutes() % minutes,
                    0,
                    "on the grid"
                );
                end = *start + chrono::Duration::minutes(*minutes);
                assert!(end <= at(12, 0));
            }
            assert!(!slots.is_empty());
            let booked: i64 = slots.iter().map(|(_, _, minutes)| minutes).sum();
            assert_eq!(booked, 210, "a guichet serving a 15-minute motif is packed");
        }
    }
}
