//! The reference data the national seed reads: every département with
//! its préfecture and sous-préfectures (`reference/departements.csv`), and
//! the communes' postal codes (`reference/communes.csv`).

use std::collections::{HashMap, HashSet};

use chrono_tz::Tz;
use planipref_domain::DomainError;
use planipref_domain::departements::{DEPARTEMENTS_CSV, read_csv};
use planipref_domain::ids::DepartementCode;
use planipref_domain::orientation::parse_communes;
use planipref_store::StoreError;
use planipref_store::orientation::COMMUNES_CSV;

/// One row of `departements.csv`, as the seed uses it.
#[derive(Debug, Clone)]
pub(super) struct Departement {
    pub(super) code: String,
    pub(super) name: String,
    /// Commune where the préfecture building is, and its INSEE code.
    pub(super) prefecture_site: (String, String),
    pub(super) time_zone: Tz,
    /// Sous-préfecture towns and their INSEE codes.
    pub(super) sous_prefectures: Vec<(String, String)>,
    /// Its position in the file.
    pub(super) index: u64,
}

/// A CSV file with a header: its records, and each column's position.
struct Table {
    name: &'static str,
    columns: HashMap<String, usize>,
    records: Vec<Vec<String>>,
}

impl Table {
    fn read(name: &'static str, text: &str) -> Result<Self, StoreError> {
        let corrupt = |e: String| StoreError::Corrupt(format!("reference/{name}: {e}"));
        let mut records = read_csv(text).map_err(corrupt)?.into_iter();
        let header = records.next().ok_or_else(|| corrupt("empty".into()))?;
        let records: Vec<Vec<String>> = records.collect();
        if let Some((i, r)) = records
            .iter()
            .enumerate()
            .find(|(_, r)| r.len() != header.len())
        {
            return Err(corrupt(format!(
                "record {}: {} fields, the header has {}",
                i + 1,
                r.len(),
                header.len()
            )));
        }
        Ok(Self {
            name,
            columns: header
                .into_iter()
                .enumerate()
                .map(|(i, h)| (h, i))
                .collect(),
            records,
        })
    }

    /// The position of `column`.
    fn column(&self, column: &str) -> Result<usize, StoreError> {
        self.columns.get(column).copied().ok_or_else(|| {
            StoreError::Corrupt(format!("reference/{}: no column {column}", self.name))
        })
    }
}

pub(super) fn read_departements() -> Result<Vec<Departement>, StoreError> {
    let table = Table::read("departements.csv", DEPARTEMENTS_CSV)?;
    let [code, name, site, site_insee, zone, towns, codes] = [
        "code",
        "name",
        "prefecture_site",
        "prefecture_site_insee",
        "timezone",
        "sous_prefectures",
        "sous_prefectures_insee",
    ]
    .map(|c| table.column(c));
    let (code, name, site, site_insee, zone, towns, codes) =
        (code?, name?, site?, site_insee?, zone?, towns?, codes?);
    let list = |cell: &str| -> Vec<String> {
        cell.split(';')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    table
        .records
        .iter()
        .enumerate()
        .map(|(index, r)| {
            let corrupt = |e: &str| {
                StoreError::Corrupt(format!("reference/departements.csv, {}: {e}", r[code]))
            };
            let (towns, codes) = (list(&r[towns]), list(&r[codes]));
            if towns.len() != codes.len() {
                return Err(corrupt("sous-préfecture names and codes differ"));
            }
            let time_zone = planipref_domain::time::parse_time_zone(&r[zone])
                .ok_or_else(|| corrupt("unknown time zone"))?;
            if DepartementCode::parse(&r[code]).is_none() {
                return Err(corrupt("not a département code"));
            }
            Ok(Departement {
                code: r[code].clone(),
                name: r[name].clone(),
                prefecture_site: (r[site].clone(), r[site_insee].clone()),
                time_zone,
                sous_prefectures: towns.into_iter().zip(codes).collect(),
                index: index as u64,
            })
        })
        .collect()
}

/// The first postal code of every commune, by INSEE code.
pub(super) fn read_postal_codes() -> Result<HashMap<String, String>, StoreError> {
    Ok(parse_communes(COMMUNES_CSV)
        .map_err(|e| StoreError::Corrupt(format!("reference/communes.csv: {e}")))?
        .into_iter()
        .filter_map(|c| Some((c.insee, c.postal_codes.into_iter().next()?)))
        .collect())
}

/// The départements asked for, in the reference file's order.
pub(super) fn selected(
    all: Vec<Departement>,
    only: Option<&[String]>,
) -> Result<Vec<Departement>, StoreError> {
    let Some(only) = only else {
        return Ok(all);
    };
    let mut wanted = HashSet::new();
    for raw in only {
        let code = DepartementCode::parse(raw)
            .filter(|c| all.iter().any(|d| d.code == c.as_str()))
            .ok_or_else(|| {
                StoreError::Rejected(DomainError::invalid(
                    "departements",
                    format!("{raw:?} is not a département of the reference data"),
                ))
            })?;
        wanted.insert(code.as_str().to_owned());
    }
    Ok(all
        .into_iter()
        .filter(|d| wanted.contains(&d.code))
        .collect())
}

/// "de Lille", "d'Arras", "du Raincy", "des Sables-d'Olonne".
pub(super) fn of_town(town: &str) -> String {
    if let Some(rest) = town.strip_prefix("Le ") {
        format!("du {rest}")
    } else if let Some(rest) = town.strip_prefix("Les ") {
        format!("des {rest}")
    } else if town.starts_with(['A', 'E', 'I', 'O', 'U', 'Y', 'É', 'È', 'Ê', 'Â', 'Î', 'Ô']) {
        format!("d'{town}")
    } else {
        format!("de {town}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_data_has_337_sites_in_104_prefectures() {
        let all = read_departements().expect("departements.csv");
        assert_eq!(all.len(), 104);
        let sites: usize = all.iter().map(|d| 1 + d.sous_prefectures.len()).sum();
        assert_eq!(sites, 337);
        let postal = read_postal_codes().expect("communes.csv");
        for d in &all {
            assert!(postal.contains_key(&d.prefecture_site.1), "{}", d.code);
            for (_, insee) in &d.sous_prefectures {
                assert!(postal.contains_key(insee), "{insee}");
            }
        }
        for d in &all {
            // The zone the seed gives its sites is one the site form accepts.
            let code = DepartementCode::parse(&d.code).expect("a code");
            assert!(
                planipref_domain::departements::time_zones(&code).contains(&d.time_zone),
                "{}",
                d.code
            );
        }
        let marigot = all.iter().find(|d| d.code == "977").expect("977");
        assert_eq!(marigot.prefecture_site.1, "97801");
        assert!(selected(all.clone(), Some(&["99".to_owned()])).is_err());
        let two = selected(all, Some(&["974".to_owned(), "2a".to_owned()])).expect("known");
        assert_eq!(
            two.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(),
            vec!["2A", "974"]
        );
    }

    #[test]
    fn towns_take_the_right_preposition() {
        assert_eq!(of_town("Le Raincy"), "du Raincy");
        assert_eq!(of_town("Les Sables-d'Olonne"), "des Sables-d'Olonne");
        assert_eq!(of_town("Arras"), "d'Arras");
        assert_eq!(of_town("Évry-Courcouronnes"), "d'Évry-Courcouronnes");
        assert_eq!(of_town("La Flèche"), "de La Flèche");
        assert_eq!(of_town("Bobigny"), "de Bobigny");
    }
}
