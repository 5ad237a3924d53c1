//! `planipref import plannings FILE.csv`: guichets and their plages at
//! Planipref's sites, one plage per line.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use planipref_api::app::{guichets, plages};
use planipref_api::model::guichet::GuichetRequest;
use planipref_api::model::plage::{PlageRequest, parse_plage};
use planipref_domain::ids::{GuichetId, SiteId};
use planipref_store::Store;
use planipref_store::imports::{ImportedFrom, kind};
use serde::Deserialize;

use super::{Known, Report, digest, importer, known, read_lines};

/// One line: a plage of a guichet of a site.
#[derive(Debug, Clone, Deserialize)]
struct Line {
    /// The Planipref site (its identifier, as `GET /api/v1/sites` gives).
    site_id: String,
    /// The former module's identifier of the guichet.
    guichet_external_id: String,
    guichet_name: String,
    /// The motifs the guichet serves, Planipref identifiers separated by `|`.
    motif_ids: String,
    /// The former module's identifier of the plage.
    plage_external_id: String,
    /// `monday|tuesday…`.
    weekdays: String,
    start: String,
    end: String,
    valid_from: String,
    #[serde(default)]
    valid_until: String,
}

fn list(raw: &str) -> Vec<String> {
    raw.split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Line {
    fn guichet(&self) -> GuichetRequest {
        GuichetRequest {
            name: self.guichet_name.clone(),
            motif_ids: list(&self.motif_ids),
            active: true,
            active_from: None,
            active_until: None,
            channel: None,
        }
    }

    fn plage(&self) -> PlageRequest {
        PlageRequest {
            weekdays: list(&self.weekdays),
            start: self.start.clone(),
            end: self.end.clone(),
            valid_from: self.valid_from.clone(),
            valid_until: Some(self.valid_until.clone()).filter(|v| !v.is_empty()),
            motif_ids: vec![],
        }
    }

    fn guichet_digest(&self) -> String {
        digest(&[&self.site_id, &self.guichet_name, &self.motif_ids])
    }

    fn plage_digest(&self) -> String {
        digest(&[
            &self.guichet_external_id,
            &self.weekdays,
            &self.start,
            &self.end,
            &self.valid_from,
            &self.valid_until,
        ])
    }
}

/// The file's column for an API field.
fn column(field: &str) -> String {
    match field {
        "name" => "guichet_name".to_owned(),
        other => other.to_owned(),
    }
}

/// Checks `path` whole, then (unless `dry_run`, and only when no line is
/// bad) creates its new guichets and plages.
pub fn import_plannings(
    store: &Store,
    path: &Path,
    dry_run: bool,
    now: DateTime<Utc>,
) -> Result<Report, String> {
    let mut report = Report {
        dry_run,
        ..Report::default()
    };
    let lines = checked(store, path, &mut report)?;
    if !report.errors.is_empty() || dry_run {
        return Ok(report);
    }
    let agent = importer();
    let mut guichets_made: HashMap<String, String> = store
        .imported(kind::GUICHET)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|(external, i)| (external, i.object_id))
        .collect();
    let plages_known = store.imported(kind::PLAGE).map_err(|e| e.to_string())?;
    for (n, line) in lines {
        if !guichets_made.contains_key(&line.guichet_external_id) {
            let site: SiteId = line.site_id.parse().map_err(|_| "site_id checked")?;
            let settings = line.guichet().parse().map_err(|e| e.to_string())?;
            let from = ImportedFrom {
                kind: kind::GUICHET,
                external_id: line.guichet_external_id.clone(),
                digest: line.guichet_digest(),
            };
            match guichets::create(store, (&agent, now), (site, Some(&from)), settings) {
                Ok(g) => {
                    guichets_made.insert(line.guichet_external_id.clone(), g.id);
                }
                Err(e) => {
                    report.refuse_api(n, &e, &column);
                    continue;
                }
            }
        }
        if plages_known.contains_key(&line.plage_external_id) {
            continue;
        }
        let guichet: GuichetId = guichets_made[&line.guichet_external_id]
            .parse()
            .map_err(|_| "a guichet identifier")?;
        let from = ImportedFrom {
            kind: kind::PLAGE,
            external_id: line.plage_external_id.clone(),
            digest: line.plage_digest(),
        };
        if let Err(e) = plages::create(store, (&agent, now), (guichet, Some(&from)), &line.plage())
        {
            report.refuse_api(n, &e, &column);
        }
    }
    Ok(report)
}

/// The file's lines, each checked; the new ones returned, what is wrong
/// or already imported told in `report`.
fn checked(store: &Store, path: &Path, report: &mut Report) -> Result<Vec<(u64, Line)>, String> {
    let guichets_known = store.imported(kind::GUICHET).map_err(|e| e.to_string())?;
    let plages_known = store.imported(kind::PLAGE).map_err(|e| e.to_string())?;
    let mut sites: HashMap<String, bool> = HashMap::new();
    let mut motif_sites: HashMap<String, Option<String>> = HashMap::new();
    let mut guichets_seen: HashMap<String, (u64, String)> = HashMap::new();
    let mut plages_seen: HashMap<String, u64> = HashMap::new();
    let mut new = vec![];
    for (n, line) in read_lines::<Line>(path, report)? {
        let before = report.errors.len();
        for (column, value) in [
            ("guichet_external_id", &line.guichet_external_id),
            ("plage_external_id", &line.plage_external_id),
        ] {
            if value.is_empty() {
                report.refuse(n, column, "is required");
            }
        }
        if let Some(first) = plages_seen.insert(line.plage_external_id.clone(), n) {
            report.refuse(n, "plage_external_id", format!("already on line {first}"));
        }
        let site_exists = *sites
            .entry(line.site_id.clone())
            .or_insert_with(|| store.get_site(&line.site_id).is_ok());
        if !site_exists {
            report.refuse(n, "site_id", "is not a Planipref site");
        }
        if let Err(e) = line.guichet().parse() {
            report.refuse_api(n, &e, &column);
        }
        for motif in list(&line.motif_ids) {
            let at = motif_sites
                .entry(motif.clone())
                .or_insert_with(|| store.motif_site(&motif).ok());
            if at.as_deref() != Some(line.site_id.as_str()) {
                report.refuse(
                    n,
                    "motif_ids",
                    format!("{motif} is not a motif of the site"),
                );
            }
        }
        match parse_plage(&line.plage(), GuichetId::new_random()) {
            Ok((plage, _)) => {
                for e in plage.check() {
                    report.refuse(n, &column(&e.field), e.message);
                }
            }
            Err(e) => report.refuse_api(n, &e, &column),
        }
        let guichet = line.guichet_digest();
        match guichets_seen.get(&line.guichet_external_id) {
            Some((first, seen)) if *seen != guichet => report.refuse(
                n,
                "guichet_external_id",
                format!("its site, name or motifs differ from line {first}"),
            ),
            Some(_) => {}
            None => {
                guichets_seen.insert(line.guichet_external_id.clone(), (n, guichet.clone()));
                match known(&guichets_known, &line.guichet_external_id, &guichet) {
                    Known::Changed => report.changed.push(line.guichet_external_id.clone()),
                    Known::Unchanged => report.unchanged += 1,
                    Known::New => *report.created.entry("guichet").or_default() += 1,
                }
            }
        }
        if report.errors.len() > before {
            continue;
        }
        match known(&plages_known, &line.plage_external_id, &line.plage_digest()) {
            Known::Changed => report.changed.push(line.plage_external_id.clone()),
            Known::Unchanged => report.unchanged += 1,
            Known::New => {
                *report.created.entry("plage").or_default() += 1;
                new.push((n, line));
            }
        }
    }
    Ok(new)
}
