//! What statistics are computed from: the appointments of some sites over
//! a period, counted by the database (see `stats_counts`; no person, no
//! appointment read one by one), the guichets' plages, closures and
//! openings, and the délai sampled each day; and the daily sampling of
//! the délai itself. Reads only what figures need, through the
//! (site, start) index.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use planipref_domain::local_days::LocalDays;
use planipref_domain::plage::Plage;
use planipref_domain::stats::{Counted, Dimension, Period, Timed};

use crate::db::{AnyConnection, on_backend};
use crate::plages::working_plages_of;
use crate::schema::{delay_samples, fermetures, guichets, motifs, ouvertures, services, sites};
use crate::stats_counts::{self, Scope};
use crate::{Store, StoreError, from_db, to_db};

/// Everything figures over some sites and days are made of.
#[derive(Debug, Clone, Default)]
pub struct StatsInputs {
    /// The appointments whose local day is within the period, counted
    /// by period and key (as asked), channel, status, canceller and move.
    pub appointments: Vec<Counted>,
    /// Their waits and services at the counter, counted by period, key
    /// and minutes.
    pub durations: Vec<Timed>,
    /// The plages of the sites' active guichets (their periods applied).
    pub plages: Vec<Plage>,
    /// Each active guichet's site.
    pub guichet_sites: HashMap<String, String>,
    /// Closures over the period.
    pub closures: Vec<Closure>,
    /// Openings on public holidays: (site, day).
    pub openings: HashSet<(String, NaiveDate)>,
    /// Délai samples: (motif, day, days to the first free slot).
    pub delays: Vec<(String, NaiveDate, Option<i32>)>,
}

/// A closure of a site or of one of its guichets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    /// The site.
    pub site_id: String,
    /// The guichet closed, or the whole site.
    pub guichet_id: Option<String>,
    /// When it starts.
    pub start: DateTime<Utc>,
    /// When it ends.
    pub end: DateTime<Utc>,
}

/// A motif whose délai of the day is due to be sampled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueSample {
    /// The motif.
    pub motif_id: String,
    /// Its site.
    pub site_id: String,
    /// Its démarche.
    pub demarche_code: Option<String>,
    /// The site's time zone.
    pub time_zone: Tz,
    /// The site's day.
    pub day: NaiveDate,
}

/// A délai sample's row.
type SampleRow = (String, String, Option<String>, NaiveDate, Option<i32>);

/// A daily délai sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelaySample {
    /// The motif.
    pub motif_id: String,
    /// Its site.
    pub site_id: String,
    /// Its démarche, if it has one.
    pub demarche_code: Option<String>,
    /// The local day sampled.
    pub day: NaiveDate,
    /// Days from that day to the first free slot (`None`: none).
    pub days: Option<i32>,
}

impl Store {
    /// What figures over `sites` (with their time zones) for the local
    /// days `from..=to` are made of, appointments counted by `period` and
    /// `dimension`.
    pub fn stats_inputs(
        &self,
        sites: &[(String, Tz)],
        (from, to): (NaiveDate, NaiveDate),
        (period, dimension): (Period, Dimension),
    ) -> Result<StatsInputs, StoreError> {
        let ids: Vec<&str> = sites.iter().map(|(id, _)| id.as_str()).collect();
        // The sites of each zone are counted together, over its local days.
        let mut zones: Vec<(Tz, Vec<&str>)> = Vec::new();
        for (id, tz) in sites {
            match zones.iter_mut().find(|(z, _)| z == tz) {
                Some((_, of_zone)) => of_zone.push(id.as_str()),
                None => zones.push((*tz, vec![id.as_str()])),
            }
        }
        // Wide enough for any zone, for closures.
        let start = to_db(day_utc(from) - chrono::Duration::days(1));
        let end = to_db(day_utc(to) + chrono::Duration::days(2));
        self.with_conn(|c| {
            let mut appointments = Vec::new();
            let mut durations = Vec::new();
            for (tz, of_zone) in &zones {
                let days = LocalDays::of(*tz, from, to);
                let scope = Scope::new(of_zone, &days, (period, dimension));
                let (counted, timed) = stats_counts::counted(c, &scope)?;
                appointments.extend(counted);
                durations.extend(timed);
            }
            let (plages, guichet_sites, closures) = organisation_of(c, &ids, (start, end))?;
            let openings = ouvertures::table
                .filter(ouvertures::site_id.eq_any(&ids))
                .filter(ouvertures::day.ge(from))
                .filter(ouvertures::day.le(to))
                .select((ouvertures::site_id, ouvertures::day))
                .load::<(String, NaiveDate)>(c)?
                .into_iter()
                .collect();
            let delays = delay_samples::table
                .filter(delay_samples::site_id.eq_any(&ids))
                .filter(delay_samples::day.ge(from))
                .filter(delay_samples::day.le(to))
                .select((
                    delay_samples::motif_id,
                    delay_samples::day,
                    delay_samples::days,
                ))
                .load(c)?;
            Ok(StatsInputs {
                appointments,
                durations,
                plages,
                guichet_sites,
                closures,
                openings,
                delays,
            })
        })
    }

    /// The motifs bookable online whose délai of the local day is not
    /// sampled yet, at sites where it is past `hour` local time: (motif,
    /// site, démarche, the site's zone, its local day).
    pub fn delays_to_sample(
        &self,
        now: DateTime<Utc>,
        hour: u32,
    ) -> Result<Vec<DueSample>, StoreError> {
        self.with_conn(|c| {
            let candidates: Vec<(String, String, Option<String>, String)> = motifs::table
                .inner_join(services::table.inner_join(sites::table))
                .filter(motifs::booking_mode.eq("online"))
                .select((
                    motifs::id,
                    sites::id,
                    motifs::demarche_code,
                    sites::time_zone,
                ))
                .load(c)?;
            // Which of them were sampled on their local day (at most two
            // days are "today" somewhere at once).
            let days: HashSet<NaiveDate> = [
                now.date_naive().pred_opt(),
                Some(now.date_naive()),
                now.date_naive().succ_opt(),
            ]
            .into_iter()
            .flatten()
            .collect();
            let done: HashSet<(String, NaiveDate)> = delay_samples::table
                .filter(delay_samples::day.eq_any(days))
                .select((delay_samples::motif_id, delay_samples::day))
                .load::<(String, NaiveDate)>(c)?
                .into_iter()
                .collect();
            Ok(candidates
                .into_iter()
                .filter_map(|(motif, site, demarche, zone)| {
                    let tz: Tz = zone.parse().ok()?;
                    let local = now.with_timezone(&tz);
                    let day = local.date_naive();
                    let due = chrono::Timelike::hour(&local) >= hour
                        && !done.contains(&(motif.clone(), day));
                    due.then_some(DueSample {
                        motif_id: motif,
                        site_id: site,
                        demarche_code: demarche,
                        time_zone: tz,
                        day,
                    })
                })
                .collect())
        })
    }

    /// Keeps a délai sample; a second one for the same motif and day (from
    /// another server) changes nothing.
    pub fn record_delay(&self, sample: &DelaySample, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.with_conn(|c| {
            on_backend!(c, |c| diesel::insert_into(delay_samples::table)
                .values((
                    delay_samples::motif_id.eq(&sample.motif_id),
                    delay_samples::day.eq(sample.day),
                    delay_samples::site_id.eq(&sample.site_id),
                    delay_samples::demarche_code.eq(&sample.demarche_code),
                    delay_samples::sampled_at.eq(to_db(now)),
                    delay_samples::days.eq(sample.days),
                ))
                .on_conflict_do_nothing()
                .execute(c))?;
            Ok(())
        })
    }

    /// The délai samples of démarche `code` at the sites of département
    /// `departement` over the local days `from..=to`.
    pub fn demarche_delays(
        &self,
        code: &str,
        departement: &str,
        (from, to): (NaiveDate, NaiveDate),
    ) -> Result<Vec<DelaySample>, StoreError> {
        self.with_conn(|c| {
            let rows: Vec<SampleRow> = delay_samples::table
                .inner_join(sites::table.on(sites::id.eq(delay_samples::site_id)))
                .filter(delay_samples::demarche_code.eq(code))
                .filter(sites::prefecture_code.eq(departement))
                .filter(delay_samples::day.ge(from))
                .filter(delay_samples::day.le(to))
                .select((
                    delay_samples::motif_id,
                    delay_samples::site_id,
                    delay_samples::demarche_code,
                    delay_samples::day,
                    delay_samples::days,
                ))
                .load(c)?;
            Ok(rows
                .into_iter()
                .map(
                    |(motif_id, site_id, demarche_code, day, days)| DelaySample {
                        motif_id,
                        site_id,
                        demarche_code,
                        day,
                        days,
                    },
                )
                .collect())
        })
    }
}

/// Midnight UTC of `day`.
fn day_utc(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// The sites' active guichets' plages, each guichet's site, and the
/// closures over the period.
#[allow(clippy::type_complexity)]
fn organisation_of(
    c: &mut AnyConnection,
    ids: &[&str],
    (start, end): (chrono::NaiveDateTime, chrono::NaiveDateTime),
) -> Result<(Vec<Plage>, HashMap<String, String>, Vec<Closure>), StoreError> {
    let guichet_sites: HashMap<String, String> = guichets::table
        .filter(guichets::site_id.eq_any(ids))
        .filter(guichets::active.eq(true))
        .select((guichets::id, guichets::site_id))
        .load::<(String, String)>(c)?
        .into_iter()
        .collect();
    let guichet_ids: Vec<String> = guichet_sites.keys().cloned().collect();
    let plages = working_plages_of(c, &guichet_ids)?;
    let closures = fermetures::table
        .filter(fermetures::site_id.eq_any(ids))
        .filter(fermetures::starts_at.lt(end))
        .filter(fermetures::ends_at.gt(start))
        .select((
            fermetures::site_id,
            fermetures::guichet_id,
            fermetures::starts_at,
            fermetures::ends_at,
        ))
        .load::<(
            String,
            Option<String>,
            chrono::NaiveDateTime,
            chrono::NaiveDateTime,
        )>(c)?
        .into_iter()
        .map(|(site_id, guichet_id, s, e)| Closure {
            site_id,
            guichet_id,
            start: from_db(s),
            end: from_db(e),
        })
        .collect();
    Ok((plages, guichet_sites, closures))
}

/// The local days `from..=to`.
pub fn days(from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    std::iter::successors(Some(from), move |d| {
        d.checked_add_days(Days::new(1)).filter(|n| *n <= to)
    })
}
