//! The *délai*: days from a day to a motif's first free slot. Sampled once
//! a day per motif at a fixed local hour by any server (the first sample
//! of the day stands), so that statistics and the public figures have a
//! history; shown per site for a démarche in a département.

use chrono::{DateTime, Days, NaiveDate, Utc};
use planipref_domain::ids::{DepartementCode, MotifId};
use planipref_domain::stats::median;
use planipref_store::Store;
use planipref_store::stats::DelaySample;

use crate::app::availability::compute_first_slot;
use crate::http::error::ApiError;
use crate::model::stats::{DemarcheDelays, SiteDelay};

/// The local hour from which each day's délai is sampled: before the
/// day's bookings, after the night's releases.
pub const SAMPLE_HOUR: u32 = 6;

/// Days the public median looks back over.
pub const MEDIAN_DAYS: u64 = 30;

/// Samples the délai of up to `limit` motifs not sampled yet today (their
/// site's today, past [`SAMPLE_HOUR`]), stopping once `budget` is spent;
/// returns how many were sampled. A motif whose search fails is logged
/// and left for the next round.
pub fn sample_due(
    store: &Store,
    now: DateTime<Utc>,
    (limit, budget): (usize, std::time::Duration),
) -> Result<usize, ApiError> {
    let mut due = store.delays_to_sample(now, SAMPLE_HOUR)?;
    // Each server starts at a random place: several servers share the
    // morning's work instead of all searching the same motifs first.
    let mut start = [0u8; 4];
    if getrandom::fill(&mut start).is_ok() && !due.is_empty() {
        let start = u32::from_le_bytes(start) as usize % due.len();
        due.rotate_left(start);
    }
    due.truncate(limit);
    let started = std::time::Instant::now();
    let mut sampled = 0;
    for d in due {
        if started.elapsed() > budget {
            break;
        }
        let (motif_id, site_id, demarche_code, tz, day) =
            (d.motif_id, d.site_id, d.demarche_code, d.time_zone, d.day);
        let Ok(motif) = motif_id.parse::<MotifId>() else {
            continue;
        };
        let found = match compute_first_slot(store, motif, now, 1) {
            Ok(found) => found,
            Err(e) => {
                log::warn!("the délai of motif {motif_id} was not sampled: {e}");
                continue;
            }
        };
        let days = found.slot.map(|free| {
            let first = free.slot.start.with_timezone(&tz).date_naive();
            i32::try_from((first - day).num_days()).unwrap_or(i32::MAX)
        });
        let sample = DelaySample {
            motif_id,
            site_id,
            demarche_code,
            day,
            days,
        };
        store.record_delay(&sample, now)?;
        sampled += 1;
    }
    Ok(sampled)
}

/// Démarche `code`'s délai at each site of `departement` offering it:
/// today's sample and the median of the last [`MEDIAN_DAYS`] days.
pub fn of_demarche(
    store: &Store,
    code: &str,
    departement: &DepartementCode,
    now: DateTime<Utc>,
) -> Result<DemarcheDelays, ApiError> {
    let known = store.list_demarches()?;
    if !known.iter().any(|(d, _)| d.code == code) {
        return Err(ApiError::NotFound("démarche"));
    }
    let sites = store
        .list_sites(Some(departement.as_str()), 0, 10_000)?
        .items;
    let zone = sites
        .first()
        .and_then(|s| s.time_zone.parse().ok())
        .unwrap_or(chrono_tz::Europe::Paris);
    let today = now.with_timezone(&zone).date_naive();
    let since = today
        .checked_sub_days(Days::new(MEDIAN_DAYS - 1))
        .unwrap_or(today);
    let samples = store.demarche_delays(code, departement.as_str(), (since, today))?;
    let mut delays = Vec::new();
    for site in sites {
        let offers = store
            .list_site_motifs(&site.id)?
            .iter()
            .any(|(m, _)| m.demarche_code.as_deref() == Some(code) && m.booking_mode == "online");
        if offers {
            delays.push(site_delay(&site.id, site.name, &samples, today));
        }
    }
    delays.sort_by(|a, b| a.site_name.cmp(&b.site_name));
    Ok(DemarcheDelays {
        demarche: code.to_owned(),
        departement: departement.as_str().to_owned(),
        today: today.to_string(),
        sites: delays,
    })
}

/// One site's délai from `samples` (a site may have several motifs of a
/// démarche: each day counts its shortest).
fn site_delay(
    site_id: &str,
    site_name: String,
    samples: &[DelaySample],
    today: NaiveDate,
) -> SiteDelay {
    let mut per_day: std::collections::BTreeMap<NaiveDate, Option<i32>> = Default::default();
    for s in samples.iter().filter(|s| s.site_id == site_id) {
        let kept = per_day.entry(s.day).or_insert(s.days);
        *kept = match (*kept, s.days) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    let today_sample = per_day.get(&today).copied();
    let mut known: Vec<i64> = per_day.values().flatten().map(|d| i64::from(*d)).collect();
    SiteDelay {
        site_id: site_id.to_owned(),
        site_name,
        today_days: today_sample.flatten(),
        full_today: matches!(today_sample, Some(None)),
        median_30_days: median(&mut known),
        sampled_days: u32::try_from(per_day.len()).unwrap_or(u32::MAX),
        full_days: u32::try_from(per_day.values().filter(|d| d.is_none()).count())
            .unwrap_or(u32::MAX),
    }
}
