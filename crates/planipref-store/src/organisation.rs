//! Reading a site's organisation piece by piece (paginated lists and single
//! rows, for the administration API) and deleting its pieces. A deletion
//! never takes an appointment's history with it: anything a reservation
//! ever referenced is refused (`InUse`); the caller deactivates it instead.

use diesel::prelude::*;
use planipref_domain::plage::Plage;

use crate::admin::{AuditEntry, record};
use crate::db::{AnyConnection, write_transaction};
use crate::models::*;
use crate::revision::{Edited, advance};
use crate::schema::*;
use crate::{Page, Store, StoreError};

/// Whether a query finds any row.
macro_rules! any_row {
    ($c:expr, $query:expr) => {
        $query.count().get_result::<i64>($c)? > 0
    };
}

impl Store {
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

    /// A site's services, by name.
    pub fn list_services(
        &self,
        site_id: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Page<ServiceRow>, StoreError> {
        self.with_conn(|c| {
            let of_site = || services::table.filter(services::site_id.eq(site_id));
            let total = of_site().count().get_result(c)?;
            let items = of_site()
                .order(services::name)
                .offset(offset)
                .limit(limit)
                .select(ServiceRow::as_select())
                .load(c)?;
            Ok(Page { items, total })
        })
    }

    /// A service's motifs, by label.
    pub fn list_motifs(
        &self,
        service_id: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Page<MotifRow>, StoreError> {
        self.with_conn(|c| {
            let of_service = || motifs::table.filter(motifs::service_id.eq(service_id));
            let total = of_service().count().get_result(c)?;
            let items = of_service()
                .order(motifs::label)
                .offset(offset)
                .limit(limit)
                .select(MotifRow::as_select())
                .load(c)?;
            Ok(Page { items, total })
        })
    }

    /// A site's guichets by name, each with the motifs it serves.
    pub fn list_guichets(
        &self,
        site_id: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Page<(GuichetRow, Vec<String>)>, StoreError> {
        self.with_conn(|c| {
            let of_site = || guichets::table.filter(guichets::site_id.eq(site_id));
            let total = of_site().count().get_result(c)?;
            let rows: Vec<GuichetRow> = of_site()
                .order(guichets::name)
                .offset(offset)
                .limit(limit)
                .select(GuichetRow::as_select())
                .load(c)?;
            let ids: Vec<&str> = rows.iter().map(|g| g.id.as_str()).collect();
            let served: Vec<(String, String)> = guichet_motifs::table
                .filter(guichet_motifs::guichet_id.eq_any(&ids))
                .order(guichet_motifs::motif_id)
                .select((guichet_motifs::guichet_id, guichet_motifs::motif_id))
                .load(c)?;
            let items = rows
                .into_iter()
                .map(|g| {
                    let motifs = served
                        .iter()
                        .filter(|(gid, _)| *gid == g.id)
                        .map(|(_, m)| m.clone())
                        .collect();
                    (g, motifs)
                })
                .collect();
            Ok(Page { items, total })
        })
    }

    /// A guichet's plages by start, as written (not narrowed to the
    /// guichet's working period).
    pub fn list_plages(
        &self,
        guichet_id: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Page<(PlageRow, Plage)>, StoreError> {
        self.with_conn(|c| {
            let of_guichet = || plages::table.filter(plages::guichet_id.eq(guichet_id));
            let total = of_guichet().count().get_result(c)?;
            let rows: Vec<PlageRow> = of_guichet()
                .order((plages::start_time, plages::valid_from, plages::id))
                .offset(offset)
                .limit(limit)
                .select(PlageRow::as_select())
                .load(c)?;
            let plages = crate::referentiel::with_restrictions(c, rows.clone())?;
            let items = rows.into_iter().zip(plages).collect();
            Ok(Page { items, total })
        })
    }

    /// A site's closures, latest first.
    pub fn list_fermetures(
        &self,
        site_id: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Page<FermetureRow>, StoreError> {
        self.with_conn(|c| {
            let of_site = || fermetures::table.filter(fermetures::site_id.eq(site_id));
            let total = of_site().count().get_result(c)?;
            let items = of_site()
                .order((fermetures::starts_at.desc(), fermetures::id))
                .offset(offset)
                .limit(limit)
                .select(FermetureRow::as_select())
                .load(c)?;
            Ok(Page { items, total })
        })
    }

    /// A closure with its site.
    pub fn get_fermeture(&self, id: &str) -> Result<(FermetureRow, SiteRow), StoreError> {
        self.with_conn(|c| {
            let f: FermetureRow = fermetures::table
                .find(id)
                .select(FermetureRow::as_select())
                .first(c)?;
            let site = sites::table
                .find(&f.site_id)
                .select(SiteRow::as_select())
                .first(c)?;
            Ok((f, site))
        })
    }

    /// A préfecture.
    pub fn get_prefecture(&self, code: &str) -> Result<PrefectureRow, StoreError> {
        self.with_conn(|c| {
            prefectures::table
                .find(code)
                .select(PrefectureRow::as_select())
                .first(c)
                .map_err(StoreError::from)
        })
    }

    /// A préfecture's anti-capture rules with its revision (they are
    /// changed from it, like its names).
    pub fn anti_capture(&self, code: &str) -> Result<(PrefectureRulesRow, i32), StoreError> {
        self.with_conn(|c| {
            prefectures::table
                .find(code)
                .select((PrefectureRulesRow::as_select(), prefectures::revision))
                .first(c)
                .map_err(StoreError::from)
        })
    }

    /// Renames a préfecture, the change made from its revision
    /// `row.revision` (`Outdated` if it changed meanwhile), and records it.
    pub fn update_prefecture(
        &self,
        row: &PrefectureRow,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                advance(c, Edited::Prefecture, &row.code, row.revision)?;
                diesel::update(prefectures::table.find(&row.code))
                    .set((
                        prefectures::name.eq(&row.name),
                        prefectures::departement_name.eq(&row.departement_name),
                    ))
                    .execute(c)?;
                record(c, audit)
            })
        })
    }

    /// Replaces a préfecture's anti-capture rules, the change made from its
    /// revision `expected` (`Outdated` if it changed meanwhile), and
    /// records it. Its sites' cached availability is stale (new days may
    /// open at another moment).
    pub fn update_prefecture_rules(
        &self,
        code: &str,
        rules: &PrefectureRulesRow,
        expected: i32,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                advance(c, Edited::Prefecture, code, expected)?;
                diesel::update(prefectures::table.find(code))
                    .set((
                        prefectures::release_delay_min_minutes.eq(rules.release_delay_min_minutes),
                        prefectures::release_delay_max_minutes.eq(rules.release_delay_max_minutes),
                        prefectures::opening_start_minute.eq(rules.opening_start_minute),
                        prefectures::opening_window_minutes.eq(rules.opening_window_minutes),
                        prefectures::max_active_per_person.eq(rules.max_active_per_person),
                        prefectures::convocation_release_hours.eq(rules.convocation_release_hours),
                    ))
                    .execute(c)?;
                diesel::update(sites::table.filter(sites::prefecture_code.eq(code)))
                    .set(sites::availability_version.eq(sites::availability_version + 1))
                    .execute(c)?;
                record(c, audit)
            })
        })
    }

    /// Renames or redescribes a service, the change made from its revision
    /// `row.revision` (`Outdated` if it changed meanwhile), and records it.
    pub fn update_service(&self, row: &ServiceRow, audit: &AuditEntry) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                advance(c, Edited::Service, &row.id, row.revision)?;
                diesel::update(services::table.find(&row.id))
                    .set((
                        services::name.eq(&row.name),
                        services::description.eq(&row.description),
                    ))
                    .execute(c)?;
                record(c, audit)
            })
        })
    }

    /// Deletes a préfecture without sites, and records it.
    pub fn delete_prefecture(&self, code: &str, audit: &AuditEntry) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                let sites: i64 = sites::table
                    .filter(sites::prefecture_code.eq(code))
                    .count()
                    .get_result(c)?;
                if sites > 0 {
                    return Err(StoreError::InUse("the préfecture still has sites"));
                }
                gone(diesel::delete(prefectures::table.find(code)).execute(c)?)?;
                record(c, audit)
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
                diesel::delete(site_competences::table.filter(site_competences::site_id.eq(id)))
                    .execute(c)?;
                gone(diesel::delete(sites::table.find(id)).execute(c)?)?;
                record(c, audit)
            })
        })
    }

    /// Deletes a service without motifs, and records it.
    pub fn delete_service(&self, id: &str, audit: &AuditEntry) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                if any_row!(c, motifs::table.filter(motifs::service_id.eq(id))) {
                    return Err(StoreError::InUse(
                        "the service still has motifs; delete them first",
                    ));
                }
                gone(diesel::delete(services::table.find(id)).execute(c)?)?;
                record(c, audit)
            })
        })
    }

    /// Deletes a motif no reservation ever booked and no plage is
    /// restricted to, with the guichets' links to it, and records it.
    pub fn delete_motif(&self, id: &str, audit: &AuditEntry) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                // Bookings lock the guichet they take: locking the motif's
                // guichets first means none commits between check and delete.
                let serving: Vec<String> = guichet_motifs::table
                    .filter(guichet_motifs::motif_id.eq(id))
                    .select(guichet_motifs::guichet_id)
                    .load(c)?;
                diesel::update(guichets::table.filter(guichets::id.eq_any(&serving)))
                    .set(guichets::version.eq(guichets::version + 1))
                    .execute(c)?;
                if any_row!(c, reservations::table.filter(reservations::motif_id.eq(id))) {
                    return Err(StoreError::InUse(
                        "appointments were booked for this motif; make it convocation-only or remove it from its guichets instead",
                    ));
                }
                if any_row!(c, plage_motifs::table.filter(plage_motifs::motif_id.eq(id))) {
                    return Err(StoreError::InUse(
                        "a plage is restricted to this motif; change that plage first",
                    ));
                }
                diesel::delete(guichet_motifs::table.filter(guichet_motifs::motif_id.eq(id)))
                    .execute(c)?;
                gone(diesel::delete(motifs::table.find(id)).execute(c)?)?;
                record(c, audit)
            })
        })
    }

    /// Deletes a guichet no reservation ever used, with its plages and
    /// closures, and records it.
    pub fn delete_guichet(&self, id: &str, audit: &AuditEntry) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                // Locked as bookings lock it: none can slip in meanwhile.
                gone(
                    diesel::update(guichets::table.find(id))
                        .set(guichets::version.eq(guichets::version + 1))
                        .execute(c)?,
                )?;
                if any_row!(
                    c,
                    reservations::table.filter(reservations::guichet_id.eq(id))
                ) {
                    return Err(StoreError::InUse(
                        "appointments were booked at this guichet; set its active_until instead",
                    ));
                }
                delete_guichet_rows(c, id)?;
                record(c, audit)
            })
        })
    }

    /// Deletes a closure (reopening cannot orphan anything), and records it.
    pub fn delete_fermeture(&self, id: &str, audit: &AuditEntry) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                gone(diesel::delete(fermetures::table.find(id)).execute(c)?)?;
                record(c, audit)
            })
        })
    }
}

/// A guichet and everything hanging from it.
fn delete_guichet_rows(c: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
    let plage_ids: Vec<String> = plages::table
        .filter(plages::guichet_id.eq(id))
        .select(plages::id)
        .load(c)?;
    diesel::delete(plage_motifs::table.filter(plage_motifs::plage_id.eq_any(&plage_ids)))
        .execute(c)?;
    diesel::delete(plages::table.filter(plages::guichet_id.eq(id))).execute(c)?;
    diesel::delete(guichet_motifs::table.filter(guichet_motifs::guichet_id.eq(id))).execute(c)?;
    diesel::delete(fermetures::table.filter(fermetures::guichet_id.eq(id))).execute(c)?;
    gone(diesel::delete(guichets::table.find(id)).execute(c)?)
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

/// `NotFound` when nothing was written.
fn gone(affected: usize) -> Result<(), StoreError> {
    if affected == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}
