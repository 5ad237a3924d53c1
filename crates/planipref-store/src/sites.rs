//! Sites: the places that receive the public, with the territory they are
//! competent for, everything they are organised with, and their
//! availability versions (the counters cached answers are checked
//! against). Each write and its audit entry go in one transaction; a site
//! is deleted whole, and only if no appointment was ever booked there.

use std::collections::HashMap;

use diesel::prelude::*;
use planipref_domain::competence::Competence;

use crate::audit::{AuditEntry, record};
use crate::db::{AnyConnection, any_row, gone, write_transaction};
use crate::guichets::delete_guichet_rows;
use crate::models::*;
use crate::revision::{Edited, advance};
use crate::schema::*;
use crate::{Page, Store, StoreError, to_db};

/// A site's organisation, as stored.
#[derive(Debug, Clone)]
pub struct SiteOrganisation {
    /// Its services.
    pub services: Vec<ServiceRow>,
    /// Their motifs.
    pub motifs: Vec<MotifRow>,
    /// Its guichets.
    pub guichets: Vec<GuichetRow>,
    /// (guichet id, motif id) pairs: which guichet serves which motif.
    pub served: Vec<(String, String)>,
    /// The guichets' plages.
    pub plages: Vec<PlageRow>,
    /// (plage id, motif id) pairs: plages restricted to some motifs.
    pub restrictions: Vec<(String, String)>,
}

/// Where a site's availability stands: the site's own counter (audited
/// changes) and the sum of its guichets' counters (their versions, raised
/// by administrative changes, and their bookings and cancellations, in
/// `guichet_bookings`). Any change grows one of them: deleting a guichet
/// lowers the sum, but raises the site's counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AvailabilityVersion {
    /// Audited changes of the site.
    pub site: i64,
    /// Sum of its guichets' versions and booking counters.
    pub guichets: i64,
}

impl Store {
    /// Creates a site with its competence and records it.
    pub fn create_site(
        &self,
        row: &SiteRow,
        competence: &Competence,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                diesel::insert_into(sites::table).values(row).execute(c)?;
                write_competence(c, &row.id, competence)?;
                record(c, audit)
            })
        })
    }

    /// The territory a site is competent for.
    pub fn site_competence(&self, site_id: &str) -> Result<Competence, StoreError> {
        self.with_conn(|c| competence_of(c, site_id))
    }

    /// Replaces a site's settings, the change made from its revision
    /// `after.revision`, which is `before`'s (otherwise `Outdated`, and
    /// nothing is written), and records the change.
    pub fn update_site(
        &self,
        before: &SiteRow,
        after: &SiteRow,
        competence: &Competence,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                advance(c, Edited::Site, &before.id, after.revision)?;
                diesel::update(sites::table.find(&before.id))
                    .set((
                        sites::prefecture_code.eq(&after.prefecture_code),
                        sites::kind.eq(&after.kind),
                        sites::name.eq(&after.name),
                        sites::address_line.eq(&after.address_line),
                        sites::postal_code.eq(&after.postal_code),
                        sites::city.eq(&after.city),
                        sites::commune_insee.eq(&after.commune_insee),
                        sites::time_zone.eq(&after.time_zone),
                    ))
                    .execute(c)?;
                diesel::delete(
                    site_competences::table.filter(site_competences::site_id.eq(&before.id)),
                )
                .execute(c)?;
                write_competence(c, &before.id, competence)?;
                // Another zone or another département's holidays would move
                // booked appointments off their plages: refuse while any
                // is to come.
                if before.time_zone != after.time_zone
                    || before.prefecture_code != after.prefecture_code
                {
                    // Locked as bookings lock them: none commits unseen.
                    diesel::update(guichets::table.filter(guichets::site_id.eq(&before.id)))
                        .set(guichets::version.eq(guichets::version + 1))
                        .execute(c)?;
                    let booked: Vec<String> = reservations::table
                        .filter(reservations::site_id.eq(&before.id))
                        .filter(reservations::status.eq(status::BOOKED))
                        .filter(reservations::starts_at.gt(to_db(audit.at)))
                        .order(reservations::starts_at)
                        .select(reservations::reference)
                        .load(c)?;
                    if !booked.is_empty() {
                        return Err(StoreError::Affected(booked));
                    }
                }
                record(c, audit)?;
                if before.prefecture_code != after.prefecture_code {
                    // The département the site leaves keeps a trace too.
                    let left = AuditEntry {
                        departement: Some(before.prefecture_code.clone()),
                        ..audit.clone()
                    };
                    record(c, &left)?;
                }
                Ok(())
            })
        })
    }

    /// Sites, ordered by préfecture then name, optionally of one préfecture.
    pub fn list_sites(
        &self,
        prefecture: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> Result<Page<SiteRow>, StoreError> {
        let mut pooled = self.conn()?;
        let conn: &mut AnyConnection = &mut pooled;
        let filtered = || {
            let mut q = sites::table.into_boxed();
            if let Some(code) = prefecture {
                q = q.filter(sites::prefecture_code.eq(code.to_owned()));
            }
            q
        };
        let total = filtered().count().get_result(conn)?;
        let items = filtered()
            .order((sites::prefecture_code, sites::name))
            .offset(offset)
            .limit(limit)
            .select(SiteRow::as_select())
            .load(conn)?;
        Ok(Page { items, total })
    }

    /// Sites by préfecture then name; only those of some départements or
    /// some sites when given (an agent's scope).
    pub fn list_sites_in_scope(
        &self,
        departements: Option<&[String]>,
        site_ids: Option<&[String]>,
        offset: i64,
        limit: i64,
    ) -> Result<Page<SiteRow>, StoreError> {
        self.with_conn(|c| {
            let query = || {
                let mut q = sites::table.into_boxed();
                if let Some(d) = departements {
                    q = q.filter(sites::prefecture_code.eq_any(d.to_vec()));
                }
                if let Some(s) = site_ids {
                    q = q.filter(sites::id.eq_any(s.to_vec()));
                }
                q
            };
            let total = query().count().get_result(c)?;
            let items = query()
                .order((sites::prefecture_code, sites::name))
                .offset(offset)
                .limit(limit)
                .select(SiteRow::as_select())
                .load(c)?;
            Ok(Page { items, total })
        })
    }

    /// One site.
    pub fn get_site(&self, id: &str) -> Result<SiteRow, StoreError> {
        sites::table
            .find(id)
            .select(SiteRow::as_select())
            .first(&mut **self.conn()?)
            .map_err(StoreError::from)
    }

    /// Everything a site is organised with: services, motifs, guichets with
    /// the motifs they serve, and plages (with their ids).
    pub fn site_organisation(&self, site_id: &str) -> Result<SiteOrganisation, StoreError> {
        self.with_conn(|c| {
            let services = services::table
                .filter(services::site_id.eq(site_id))
                .order(services::name)
                .select(ServiceRow::as_select())
                .load(c)?;
            let motifs = motifs::table
                .inner_join(services::table)
                .filter(services::site_id.eq(site_id))
                .order(motifs::label)
                .select(MotifRow::as_select())
                .load(c)?;
            let guichets: Vec<GuichetRow> = guichets::table
                .filter(guichets::site_id.eq(site_id))
                .order(guichets::name)
                .select(GuichetRow::as_select())
                .load(c)?;
            let ids: Vec<String> = guichets.iter().map(|g| g.id.clone()).collect();
            let served = guichet_motifs::table
                .filter(guichet_motifs::guichet_id.eq_any(&ids))
                .select((guichet_motifs::guichet_id, guichet_motifs::motif_id))
                .load(c)?;
            let plage_rows: Vec<PlageRow> = plages::table
                .filter(plages::guichet_id.eq_any(&ids))
                .order((plages::guichet_id, plages::start_time))
                .select(PlageRow::as_select())
                .load(c)?;
            let plage_ids: Vec<String> = plage_rows.iter().map(|p| p.id.clone()).collect();
            let restrictions = plage_motifs::table
                .filter(plage_motifs::plage_id.eq_any(&plage_ids))
                .select((plage_motifs::plage_id, plage_motifs::motif_id))
                .load(c)?;
            Ok(SiteOrganisation {
                services,
                motifs,
                guichets,
                served,
                plages: plage_rows,
                restrictions,
            })
        })
    }

    /// Deletes a site and its whole organisation (services, motifs,
    /// guichets, plages, closures, openings, competence), provided no
    /// reservation was ever made there, and records it.
    pub fn delete_site(&self, id: &str, audit: &AuditEntry) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                lock_site(c, id)?;
                if any_row!(c, reservations::table.filter(reservations::site_id.eq(id))) {
                    return Err(StoreError::InUse(
                        "appointments were booked at this site; it cannot be deleted",
                    ));
                }
                let guichet_ids: Vec<String> = guichets::table
                    .filter(guichets::site_id.eq(id))
                    .select(guichets::id)
                    .load(c)?;
                for g in &guichet_ids {
                    delete_guichet_rows(c, g)?;
                }
                let service_ids: Vec<String> = services::table
                    .filter(services::site_id.eq(id))
                    .select(services::id)
                    .load(c)?;
                diesel::delete(motifs::table.filter(motifs::service_id.eq_any(&service_ids)))
                    .execute(c)?;
                diesel::delete(services::table.filter(services::site_id.eq(id))).execute(c)?;
                diesel::delete(fermetures::table.filter(fermetures::site_id.eq(id))).execute(c)?;
                diesel::delete(ouvertures::table.filter(ouvertures::site_id.eq(id))).execute(c)?;
                diesel::delete(site_locations::table.filter(site_locations::site_id.eq(id)))
                    .execute(c)?;
                diesel::delete(site_competences::table.filter(site_competences::site_id.eq(id)))
                    .execute(c)?;
                gone(diesel::delete(sites::table.find(id)).execute(c)?)?;
                record(c, audit)
            })
        })
    }

    /// The availability version of one site: it changes, in the same
    /// transaction, with every booking, cancellation or audited change of
    /// the site, and never takes a former value. Read it before the data a
    /// cached answer is computed from. `NotFound` if there is no such site.
    /// A query of fixed shape, so its prepared statement is reused. The
    /// joins are written flat: SQLite would build a nested one for every
    /// guichet in the country before picking the site's.
    pub fn availability_version(&self, site_id: &str) -> Result<AvailabilityVersion, StoreError> {
        let (site, guichets, bookings): (i32, Option<i64>, Option<i64>) = sites::table
            .left_join(guichets::table)
            .left_join(guichet_bookings::table.on(guichet_bookings::guichet_id.eq(guichets::id)))
            .filter(sites::id.eq(site_id))
            .group_by(sites::availability_version)
            .select((
                sites::availability_version,
                diesel::dsl::sum(guichets::version.nullable()),
                diesel::dsl::sum(guichet_bookings::version.nullable()),
            ))
            .first(&mut **self.conn()?)?;
        Ok(AvailabilityVersion {
            site: i64::from(site),
            guichets: guichets.unwrap_or(0) + bookings.unwrap_or(0),
        })
    }

    /// The availability versions of the sites of préfecture `departement`,
    /// in one query of fixed shape (PostgreSQL plans it once).
    pub fn departement_availability_versions(
        &self,
        departement: &str,
    ) -> Result<HashMap<String, AvailabilityVersion>, StoreError> {
        let rows: Vec<(String, i32, Option<i64>, Option<i64>)> = sites::table
            .left_join(guichets::table)
            .left_join(guichet_bookings::table.on(guichet_bookings::guichet_id.eq(guichets::id)))
            .filter(sites::prefecture_code.eq(departement))
            .group_by((sites::id, sites::availability_version))
            .select((
                sites::id,
                sites::availability_version,
                diesel::dsl::sum(guichets::version.nullable()),
                diesel::dsl::sum(guichet_bookings::version.nullable()),
            ))
            .load(&mut **self.conn()?)?;
        Ok(versions(rows))
    }
}

/// Takes the site's row lock (as a write), so that no booking at the site
/// commits between the check and the deletion; `NotFound` if absent.
fn lock_site(c: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
    gone(
        diesel::update(sites::table.find(id))
            .set(sites::name.eq(sites::name))
            .execute(c)?,
    )?;
    // Bookings lock the guichet, not the site: lock the site's guichets too.
    diesel::update(guichets::table.filter(guichets::site_id.eq(id)))
        .set(guichets::version.eq(guichets::version + 1))
        .execute(c)?;
    Ok(())
}

/// Availability versions from (site, site counter, sum of guichet counters).
fn versions(
    rows: Vec<(String, i32, Option<i64>, Option<i64>)>,
) -> HashMap<String, AvailabilityVersion> {
    rows.into_iter()
        .map(|(id, site, guichets, bookings)| {
            (
                id,
                AvailabilityVersion {
                    site: i64::from(site),
                    guichets: guichets.unwrap_or(0) + bookings.unwrap_or(0),
                },
            )
        })
        .collect()
}

/// Kinds of competence rows.
const ARRONDISSEMENT: &str = "arrondissement";
const COMMUNE: &str = "commune";

fn write_competence(
    c: &mut AnyConnection,
    site_id: &str,
    competence: &Competence,
) -> Result<(), StoreError> {
    let rows: Vec<SiteCompetenceRow> = competence
        .arrondissements
        .iter()
        .map(|code| (ARRONDISSEMENT, code))
        .chain(competence.communes.iter().map(|code| (COMMUNE, code)))
        .map(|(kind, code)| SiteCompetenceRow {
            site_id: site_id.to_owned(),
            kind: kind.to_owned(),
            code: code.clone(),
        })
        .collect();
    for row in rows {
        diesel::insert_into(site_competences::table)
            .values(row)
            .execute(c)?;
    }
    Ok(())
}

pub(crate) fn competence_of(
    c: &mut AnyConnection,
    site_id: &str,
) -> Result<Competence, StoreError> {
    let rows: Vec<SiteCompetenceRow> = site_competences::table
        .filter(site_competences::site_id.eq(site_id))
        .order((site_competences::kind, site_competences::code))
        .select(SiteCompetenceRow::as_select())
        .load(c)?;
    let mut out = Competence::default();
    for r in rows {
        add_competence(&mut out, &r.kind, r.code)?;
    }
    Ok(out)
}

/// Adds one stored competence row (`kind`, `code`) to `competence`.
pub(crate) fn add_competence(
    competence: &mut Competence,
    kind: &str,
    code: String,
) -> Result<(), StoreError> {
    match kind {
        ARRONDISSEMENT => competence.arrondissements.push(code),
        COMMUNE => competence.communes.push(code),
        other => return Err(StoreError::Corrupt(format!("competence kind {other:?}"))),
    }
    Ok(())
}
