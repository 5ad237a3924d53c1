//! Statistics for agents: the sites in scope, their appointments and
//! guichets' open time over a period, counted by period and dimension
//! (see `planipref_domain::stats`), as JSON or CSV.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::Datelike as _;
use chrono::NaiveDate;
use chrono_tz::Tz;
use planipref_domain::FieldError;
use planipref_domain::access::Agent;
use planipref_domain::calendar::public_holidays;
use planipref_domain::error::Collector;
use planipref_domain::ids::{DepartementCode, SiteId};
use planipref_domain::plage::Plage;
use planipref_domain::stats::{
    Dimension, Period, Tally, check_period, open_minutes, parse_grouping,
};
use planipref_store::Store;
use planipref_store::models::SiteRow;
use planipref_store::stats::{StatsInputs, days};

use crate::http::error::ApiError;
use crate::model::stats::{
    CSV_COLUMNS, StatsDimension, StatsPeriod, StatsQuery, StatsReport, StatsRow,
};
use crate::security::scope::may_read;

/// Figures asked for, checked.
#[derive(Debug, Clone)]
pub struct StatsAsked {
    scope: Scope,
    from: NaiveDate,
    to: NaiveDate,
    period: Period,
    dimension: Dimension,
}

#[derive(Debug, Clone)]
enum Scope {
    Site(SiteId),
    Prefecture(DepartementCode),
}

/// Checks a query, naming every invalid parameter at once.
pub fn check(q: &StatsQuery) -> Result<StatsAsked, ApiError> {
    let mut c = Collector::default();
    let scope = match (q.site_id.as_deref(), q.prefecture.as_deref()) {
        (Some(site), None) => c.take(
            site.parse()
                .map(Scope::Site)
                .map_err(|_| FieldError::new("site_id", "must be a site's id (a UUID)")),
        ),
        (None, Some(code)) => c.take(
            DepartementCode::parse(code)
                .map(Scope::Prefecture)
                .ok_or_else(|| {
                    FieldError::new("prefecture", "must be a département code such as 93")
                }),
        ),
        _ => c.take(Err(FieldError::new(
            "site_id",
            "give either site_id or prefecture",
        ))),
    };
    let day = |field: &str, raw: &str| {
        NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
            .map_err(|_| FieldError::new(field, "must be a date, YYYY-MM-DD"))
    };
    let from = c.take(day("from", &q.from));
    let to = c.take(day("to", &q.to));
    let (period, dimension) = parse_grouping(q.group_by.as_deref(), q.by.as_deref());
    let (period, dimension) = (c.take(period), c.take(dimension));
    if let (Some(from), Some(to)) = (from, to) {
        c.take(check_period(from, to));
    }
    c.finish()?;
    match (scope, from, to, period, dimension) {
        (Some(scope), Some(from), Some(to), Some(period), Some(dimension)) => Ok(StatsAsked {
            scope,
            from,
            to,
            period,
            dimension,
        }),
        _ => Err(ApiError::Internal),
    }
}

/// The sites of `asked`'s scope `agent` reads (403 when none).
fn sites_in_scope(
    store: &Store,
    agent: &Agent,
    asked: &StatsAsked,
) -> Result<Vec<SiteRow>, ApiError> {
    match &asked.scope {
        Scope::Site(id) => {
            let site = store
                .get_site(&id.to_string())
                .map_err(|e| ApiError::from_store(e, "site"))?;
            may_read(agent, &site)?;
            Ok(vec![site])
        }
        Scope::Prefecture(code) => {
            store
                .get_prefecture(code.as_str())
                .map_err(|e| ApiError::from_store(e, "préfecture"))?;
            let sites: Vec<SiteRow> = store
                .list_sites(Some(code.as_str()), 0, 10_000)?
                .items
                .into_iter()
                .filter(|s| may_read(agent, s).is_ok())
                .collect();
            if sites.is_empty() {
                return Err(ApiError::Forbidden);
            }
            Ok(sites)
        }
    }
}

/// The figures `asked` for, as `agent` may read them.
pub fn report(store: &Store, agent: &Agent, asked: &StatsAsked) -> Result<StatsReport, ApiError> {
    let sites = sites_in_scope(store, agent, asked)?;
    let zones: Vec<(String, Tz)> = sites
        .iter()
        .map(|s| {
            (
                s.id.clone(),
                s.time_zone.parse().unwrap_or(chrono_tz::Europe::Paris),
            )
        })
        .collect();
    let inputs = store.stats_inputs(
        &zones,
        (asked.from, asked.to),
        (asked.period, asked.dimension),
    )?;
    let labels = labels(store, &sites, asked.dimension)?;
    let capacity = capacity(&sites, &inputs, asked);
    Ok(assemble(asked, &sites, &inputs, &capacity, &labels))
}

/// Open minutes per (period start, key): the guichet when figures are by
/// guichet, else empty. Only periods (and guichets) open at all show.
type Capacity = BTreeMap<(NaiveDate, String), i64>;

/// Each active guichet's open minutes over the period, added up by period
/// (and guichet when figures are by guichet): none on a public holiday of
/// the site's département without an opening.
fn capacity(sites: &[SiteRow], inputs: &StatsInputs, asked: &StatsAsked) -> Capacity {
    let (from, to) = (asked.from, asked.to);
    let mut by_guichet: HashMap<String, Vec<&Plage>> = HashMap::new();
    for p in &inputs.plages {
        let g = p.guichet_id.to_string();
        if inputs.guichet_sites.contains_key(&g) {
            by_guichet.entry(g).or_default().push(p);
        }
    }
    let mut open = Capacity::new();
    for site in sites {
        let tz: Tz = site.time_zone.parse().unwrap_or(chrono_tz::Europe::Paris);
        let departement = DepartementCode::parse(&site.prefecture_code);
        // The département's holidays over the period, computed once.
        let holidays: std::collections::HashSet<NaiveDate> = departement
            .as_ref()
            .map(|d| {
                (from.year()..=to.year())
                    .flat_map(|y| public_holidays(y, d))
                    .map(|(day, _)| day)
                    .collect()
            })
            .unwrap_or_default();
        let open_days: Vec<NaiveDate> = days(from, to)
            .filter(|day| {
                !holidays.contains(day) || inputs.openings.contains(&(site.id.clone(), *day))
            })
            .collect();
        let guichets = inputs.guichet_sites.iter().filter(|(_, s)| **s == site.id);
        for (g, _) in guichets {
            let closures: Vec<_> = inputs
                .closures
                .iter()
                .filter(|c| c.site_id == site.id && c.guichet_id.as_ref().is_none_or(|o| o == g))
                .map(|c| (c.start, c.end))
                .collect();
            let plages = by_guichet.get(g).map(Vec::as_slice).unwrap_or_default();
            let key = match asked.dimension {
                Dimension::Guichet => g.clone(),
                _ => String::new(),
            };
            // Added up a period at a time.
            let mut period: Option<(NaiveDate, i64)> = None;
            for day in &open_days {
                let start = asked.period.start_of(*day);
                if let Some((p, minutes)) = period.filter(|(p, _)| *p != start) {
                    if minutes > 0 {
                        *open.entry((p, key.clone())).or_default() += minutes;
                    }
                    period = None;
                }
                let minutes = open_minutes(*day, tz, plages, &closures);
                period.get_or_insert((start, 0)).1 += minutes.max(0);
            }
            if let Some((p, minutes)) = period.filter(|(_, m)| *m > 0) {
                *open.entry((p, key)).or_default() += minutes;
            }
        }
    }
    open
}

/// Labels of motifs or guichets, by id.
fn labels(
    store: &Store,
    sites: &[SiteRow],
    dimension: Dimension,
) -> Result<HashMap<String, String>, ApiError> {
    let mut labels = HashMap::new();
    for site in sites {
        match dimension {
            Dimension::Motif => labels.extend(
                store
                    .list_site_motifs(&site.id)?
                    .into_iter()
                    .map(|(m, _)| (m.id, m.label)),
            ),
            Dimension::Guichet => labels.extend(
                store
                    .list_guichets(&site.id, 0, 10_000)?
                    .items
                    .into_iter()
                    .map(|(g, _)| (g.id, g.name)),
            ),
            Dimension::None | Dimension::Channel => {}
        }
    }
    Ok(labels)
}

/// The report: a line per period (and key), totals, rates per channel.
fn assemble(
    asked: &StatsAsked,
    sites: &[SiteRow],
    inputs: &StatsInputs,
    open: &Capacity,
    labels: &HashMap<String, String>,
) -> StatsReport {
    let (period, dimension) = (asked.period, asked.dimension);
    let mut groups: BTreeMap<(NaiveDate, String), Tally> = BTreeMap::new();
    let mut totals = Tally::default();
    let mut channels: BTreeMap<String, Tally> = BTreeMap::new();
    for a in &inputs.appointments {
        let key = (period.start_of(a.period), a.key.clone());
        groups.entry(key).or_default().add(a);
        totals.add(a);
        channels.entry(a.channel.clone()).or_default().add(a);
    }
    for t in &inputs.durations {
        let key = (period.start_of(t.period), t.key.clone());
        groups.entry(key).or_default().add_timed(t);
        totals.add_timed(t);
    }
    // Every period shows, and every guichet open in it.
    let periods: BTreeSet<NaiveDate> = days(asked.from, asked.to)
        .map(|d| period.start_of(d))
        .collect();
    for p in &periods {
        if matches!(dimension, Dimension::None) {
            groups.entry((*p, String::new())).or_default();
        }
    }
    if matches!(dimension, Dimension::Guichet) {
        for key in open.keys() {
            groups.entry(key.clone()).or_default();
        }
    }
    let mut delays: BTreeMap<(NaiveDate, String), Vec<i64>> = BTreeMap::new();
    let mut all_delays = Vec::new();
    for (motif, day, days) in &inputs.delays {
        if let Some(d) = days {
            delays
                .entry((period.start_of(*day), motif.clone()))
                .or_default()
                .push(i64::from(*d));
            all_delays.push(i64::from(*d));
        }
    }
    // A motif sampled shows, even without appointments.
    if matches!(dimension, Dimension::Motif) {
        for key in delays.keys() {
            groups.entry(key.clone()).or_default();
        }
    }
    let rows = groups
        .into_iter()
        .map(|((start, key), tally)| {
            let capacity = match dimension {
                Dimension::None | Dimension::Guichet => {
                    Some(*open.get(&(start, key.clone())).unwrap_or(&0))
                }
                Dimension::Motif | Dimension::Channel => None,
            };
            let sampled = match dimension {
                Dimension::Motif => delays
                    .get(&(start, key.clone()))
                    .cloned()
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            StatsRow {
                period: start.to_string(),
                label: labels.get(&key).cloned(),
                key: (!key.is_empty()).then_some(key),
                figures: tally.finish(capacity, &sampled).into(),
            }
        })
        .collect();
    let total_capacity: i64 = open.values().sum();
    StatsReport {
        site_ids: sites.iter().map(|s| s.id.clone()).collect(),
        from: asked.from.to_string(),
        to: asked.to.to_string(),
        group_by: match period {
            Period::Day => StatsPeriod::Day,
            Period::Week => StatsPeriod::Week,
            Period::Month => StatsPeriod::Month,
        },
        by: match dimension {
            Dimension::None => None,
            Dimension::Motif => Some(StatsDimension::Motif),
            Dimension::Guichet => Some(StatsDimension::Guichet),
            Dimension::Channel => Some(StatsDimension::Channel),
        },
        rows,
        totals: totals.finish(Some(total_capacity), &all_delays).into(),
        no_show_rate_by_channel: channels
            .into_iter()
            .map(|(channel, t)| (channel, t.finish(None, &[]).no_show_rate))
            .collect(),
    }
}

/// The report as CSV for spreadsheets: UTF-8 with a byte-order mark, a
/// header line, one line per row, decimals with a point.
pub fn csv(report: &StatsReport) -> Result<Vec<u8>, ApiError> {
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let failed = |e: csv::Error| {
        log::error!("cannot write statistics as CSV: {e}");
        ApiError::Internal
    };
    out.write_record(CSV_COLUMNS).map_err(failed)?;
    let opt = |v: Option<String>| v.unwrap_or_default();
    for r in &report.rows {
        let f = &r.figures;
        out.write_record([
            r.period.clone(),
            opt(r.key.clone()),
            opt(r.label.as_deref().map(spreadsheet_text)),
            opt(f.capacity_minutes.map(|v| v.to_string())),
            f.appointments.to_string(),
            f.booked.to_string(),
            f.cancelled.to_string(),
            f.cancelled_by_applicant.to_string(),
            f.cancelled_by_agent.to_string(),
            f.moved.to_string(),
            f.honoured.to_string(),
            f.no_show.to_string(),
            f.walk_ins.to_string(),
            opt(f.fill_rate.map(|v| v.to_string())),
            opt(f.no_show_rate.map(|v| v.to_string())),
            opt(f.median_wait_minutes.map(|v| v.to_string())),
            opt(f.median_service_minutes.map(|v| v.to_string())),
            opt(f.median_delay_days.map(|v| v.to_string())),
        ])
        .map_err(failed)?;
    }
    out.into_inner().map_err(|e| {
        log::error!("cannot write statistics as CSV: {e}");
        ApiError::Internal
    })
}

/// `text` as a spreadsheet shows it and never runs it: a label starting
/// like a formula (`=`, `+`, `-`, `@`) is kept as text with a leading `'`.
fn spreadsheet_text(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_text;

    #[test]
    fn labels_that_look_like_formulas_stay_text() {
        assert_eq!(spreadsheet_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_text("Renouvellement"), "Renouvellement");
    }
}
