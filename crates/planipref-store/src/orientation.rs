//! Orientation's data: the communes of the Code officiel géographique, and
//! the sites of a département that offer a démarche.

use std::collections::HashMap;

use chrono::Utc;
use diesel::prelude::*;
use planipref_domain::competence::Competence;
use planipref_domain::orientation::{Commune, parse_communes};
use sha2::{Digest, Sha256};

use crate::db::{AnyConnection, insert_batch, write_transaction};
use crate::models::{MotifRow, ServiceRow, SiteRow};
use crate::schema::*;
use crate::sites::add_competence;
use crate::{Store, StoreError, to_db};

/// The communes file embedded in the binary (COG 2026, see
/// `reference/SOURCES.md`).
pub const COMMUNES_CSV: &str = include_str!("../../../reference/communes.csv");

/// Rows per insert statement: 8 columns each, well under SQLite's 32,766
/// bound parameters.
const BATCH: usize = 2_000;

/// A commune as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = communes, check_for_backend(crate::connection::MultiBackend))]
pub struct CommuneRow {
    /// INSEE code.
    pub insee: String,
    /// Official name.
    pub name: String,
    /// `commune` or `arrondissement_municipal`.
    pub kind: String,
    /// Département code.
    pub departement: String,
    /// Arrondissement code, if any.
    pub arrondissement: Option<String>,
    /// For a municipal arrondissement, its commune.
    pub parent_commune: Option<String>,
    /// Postal codes separated by `;`.
    pub postal_codes: String,
    /// Municipal population, if known.
    pub population: Option<i32>,
}

impl From<Commune> for CommuneRow {
    fn from(c: Commune) -> Self {
        Self {
            insee: c.insee,
            name: c.name,
            kind: c.kind,
            departement: c.departement,
            arrondissement: c.arrondissement,
            parent_commune: c.parent_commune,
            postal_codes: c.postal_codes.join(";"),
            population: c.population.and_then(|p| i32::try_from(p).ok()),
        }
    }
}

/// What loading the communes did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommunesSync {
    /// The database already held this version.
    UpToDate,
    /// The communes were (re)loaded: this many rows.
    Loaded(usize),
}

/// A site that offers a démarche, with what orientation needs to know.
#[derive(Debug, Clone)]
pub struct OfferingSite {
    /// The site.
    pub site: SiteRow,
    /// The arrondissement of the commune it stands in, if known.
    pub arrondissement: Option<String>,
    /// The territory its préfecture declared for it.
    pub competence: Competence,
    /// Its motifs of the démarche (usually one) with their services, by label.
    pub motifs: Vec<(MotifRow, ServiceRow)>,
}

impl Store {
    /// Loads the embedded communes unless this database already holds
    /// exactly them: all rows replaced in one transaction, so a reader
    /// never sees half a list.
    pub fn sync_communes(&self) -> Result<CommunesSync, StoreError> {
        self.sync_communes_from(COMMUNES_CSV)
    }

    /// [`Self::sync_communes`] from another file (tests).
    pub fn sync_communes_from(&self, csv: &str) -> Result<CommunesSync, StoreError> {
        let version = format!("sha256:{:x}", Sha256::digest(csv.as_bytes()));
        self.with_conn(|c| {
            let loaded: Option<String> = reference_data::table
                .find("communes")
                .select(reference_data::version)
                .first(c)
                .optional()?;
            if loaded.as_deref() == Some(version.as_str()) {
                return Ok(CommunesSync::UpToDate);
            }
            let rows: Vec<CommuneRow> = parse_communes(csv)
                .map_err(|e| StoreError::Corrupt(format!("communes reference file: {e}")))?
                .into_iter()
                .map(CommuneRow::from)
                .collect();
            write_transaction(c, |c| {
                diesel::delete(communes::table).execute(c)?;
                for chunk in rows.chunks(BATCH) {
                    insert_batch!(c, communes::table, chunk)?;
                }
                diesel::delete(reference_data::table.find("communes")).execute(c)?;
                diesel::insert_into(reference_data::table)
                    .values((
                        reference_data::name.eq("communes"),
                        reference_data::version.eq(&version),
                        reference_data::loaded_at.eq(to_db(Utc::now())),
                    ))
                    .execute(c)?;
                Ok::<_, StoreError>(())
            })?;
            Ok(CommunesSync::Loaded(rows.len()))
        })
    }

    /// One commune by INSEE code; `NotFound` when the COG has none.
    pub fn commune(&self, insee: &str) -> Result<CommuneRow, StoreError> {
        communes::table
            .find(insee)
            .select(CommuneRow::as_select())
            .first(&mut **self.conn()?)
            .map_err(StoreError::from)
    }

    /// The sites of préfecture `departement` with a motif of démarche
    /// `demarche`, by name, with their arrondissement and competence.
    pub fn offering_sites(
        &self,
        departement: &str,
        demarche: &str,
    ) -> Result<Vec<OfferingSite>, StoreError> {
        self.with_conn(|c| offering_sites(c, departement, demarche))
    }
}

fn offering_sites(
    c: &mut AnyConnection,
    departement: &str,
    demarche: &str,
) -> Result<Vec<OfferingSite>, StoreError> {
    let rows: Vec<(SiteRow, MotifRow, ServiceRow, Option<String>)> = motifs::table
        .inner_join(services::table.inner_join(
            sites::table.left_join(communes::table.on(communes::insee.eq(sites::commune_insee))),
        ))
        .filter(sites::prefecture_code.eq(departement))
        .filter(motifs::demarche_code.eq(demarche))
        .order((sites::name, sites::id, motifs::label, motifs::id))
        .select((
            SiteRow::as_select(),
            MotifRow::as_select(),
            ServiceRow::as_select(),
            communes::arrondissement.nullable(),
        ))
        .load(c)?;
    let site_ids: Vec<&str> = rows.iter().map(|(s, ..)| s.id.as_str()).collect();
    let mut competences: HashMap<String, Competence> = HashMap::new();
    for (site, kind, code) in site_competences::table
        .filter(site_competences::site_id.eq_any(&site_ids))
        .order((site_competences::site_id, site_competences::code))
        .select((
            site_competences::site_id,
            site_competences::kind,
            site_competences::code,
        ))
        .load::<(String, String, String)>(c)?
    {
        add_competence(competences.entry(site).or_default(), &kind, code)?;
    }
    let mut out: Vec<OfferingSite> = Vec::new();
    for (site, motif, service, arrondissement) in rows {
        match out.last_mut() {
            Some(last) if last.site.id == site.id => last.motifs.push((motif, service)),
            _ => out.push(OfferingSite {
                competence: competences.remove(&site.id).unwrap_or_default(),
                site,
                arrondissement,
                motifs: vec![(motif, service)],
            }),
        }
    }
    Ok(out)
}
