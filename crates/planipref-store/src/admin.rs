//! Administrative writes and their audit trail: each write and its audit
//! entry go in one transaction, so no change is ever left unrecorded.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use planipref_domain::competence::Competence;
use planipref_domain::ids::MotifId;
use planipref_domain::plage::{Plage, check_new_plage, plages_cover, works_on};

use crate::db::{AnyConnection, write_transaction};
use crate::models::*;
use crate::revision::{Edited, advance, keep_demarche};
use crate::schema::*;
use crate::{Page, Store, StoreError, to_db};

/// What to record about one administrative write.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// `agent:<sub>`.
    pub actor: String,
    /// The entity's département, when it has one.
    pub departement: Option<String>,
    /// The entity's site, when it has one.
    pub site_id: Option<String>,
    /// `site`, `service`, `motif`, …
    pub entity: &'static str,
    /// The entity's id.
    pub entity_id: String,
    /// `created`, `updated` or `deleted`.
    pub action: &'static str,
    /// JSON before the change.
    pub before: Option<String>,
    /// JSON after the change.
    pub after: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

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

/// Which audit entries to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only these départements (an administrator's scope); `None`: all.
    pub departements: Option<Vec<String>>,
    /// Only these sites (an agent's scope); `None`: all.
    pub sites: Option<Vec<String>>,
    /// Only this kind of entity.
    pub entity: Option<String>,
    /// From this instant (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Until this instant (exclusive).
    pub to: Option<DateTime<Utc>>,
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

    /// Adds a démarche to the national catalogue and records it.
    pub fn create_demarche(&self, row: &DemarcheRow, audit: &AuditEntry) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                diesel::insert_into(demarches::table)
                    .values(row)
                    .execute(c)?;
                record(c, audit)
            })
        })
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

    /// Creates a préfecture and records it.
    pub fn create_prefecture(
        &self,
        row: &PrefectureRow,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                diesel::insert_into(prefectures::table)
                    .values(row)
                    .execute(c)?;
                record(c, audit)
            })
        })
    }

    /// Préfectures by code, optionally only some.
    pub fn list_prefectures(
        &self,
        only: Option<&[String]>,
        offset: i64,
        limit: i64,
    ) -> Result<Page<PrefectureRow>, StoreError> {
        self.with_conn(|conn| {
            let query = || {
                let mut q = prefectures::table.into_boxed();
                if let Some(codes) = only {
                    q = q.filter(prefectures::code.eq_any(codes.to_vec()));
                }
                q
            };
            let total = query().count().get_result(conn)?;
            let items = query()
                .order(prefectures::code)
                .offset(offset)
                .limit(limit)
                .select(PrefectureRow::as_select())
                .load(conn)?;
            Ok(Page { items, total })
        })
    }

    /// Creates a service and records it.
    pub fn create_service(&self, row: &ServiceRow, audit: &AuditEntry) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                diesel::insert_into(services::table)
                    .values(row)
                    .execute(c)?;
                record(c, audit)
            })
        })
    }

    /// Creates a motif and records it.
    ///
    /// A motif of a démarche took its defaults from the démarche's revision
    /// `demarche_revision`: `Stale` if the démarche changed since (resolve
    /// them again).
    pub fn create_motif(
        &self,
        row: &MotifRow,
        demarche_revision: Option<i32>,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                if let (Some(code), Some(revision)) = (&row.demarche_code, demarche_revision) {
                    keep_demarche(c, code, revision)?;
                }
                diesel::insert_into(motifs::table).values(row).execute(c)?;
                record(c, audit)
            })
        })
    }

    /// Creates a guichet serving `motif_ids` and records it.
    pub fn create_guichet(
        &self,
        row: &GuichetRow,
        motif_ids: &[String],
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                diesel::insert_into(guichets::table)
                    .values(row)
                    .execute(c)?;
                for m in motif_ids {
                    diesel::insert_into(guichet_motifs::table)
                        .values((
                            guichet_motifs::guichet_id.eq(&row.id),
                            guichet_motifs::motif_id.eq(m),
                        ))
                        .execute(c)?;
                }
                record(c, audit)
            })
        })
    }

    /// Creates a plage if it fits the guichet (motifs it serves, no overlap
    /// with its other plages), and records it. The guichet row is locked
    /// first, so two overlapping plages created at once cannot both pass.
    pub fn create_plage(
        &self,
        row: &PlageRow,
        plage: &Plage,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                diesel::update(guichets::table.find(&row.guichet_id))
                    .set(guichets::version.eq(guichets::version + 1))
                    .execute(c)?;
                let served: Vec<MotifId> = guichet_motifs::table
                    .filter(guichet_motifs::guichet_id.eq(&row.guichet_id))
                    .select(guichet_motifs::motif_id)
                    .load::<String>(c)?
                    .iter()
                    .map(|m| crate::referentiel::parse_id(m))
                    .collect::<Result<_, _>>()?;
                let others =
                    crate::referentiel::plages_of(c, std::slice::from_ref(&row.guichet_id))?;
                check_new_plage(plage, &served, &others).map_err(StoreError::Rejected)?;
                diesel::insert_into(plages::table).values(row).execute(c)?;
                for m in &plage.motifs {
                    diesel::insert_into(plage_motifs::table)
                        .values((
                            plage_motifs::plage_id.eq(&row.id),
                            plage_motifs::motif_id.eq(m.to_string()),
                        ))
                        .execute(c)?;
                }
                record(c, audit)
            })
        })
    }

    /// Creates a closure. Booked reservations on the closed guichets during
    /// the closure are never silently orphaned: without `flag` the closure
    /// is refused (`Affected`, with their references, nothing written);
    /// with `flag` it is written and they are marked to be re-booked, each
    /// with a history entry. Returns the flagged references.
    pub fn create_fermeture(
        &self,
        row: &FermetureRow,
        flag: bool,
        actor: &str,
        audit: &AuditEntry,
    ) -> Result<Vec<String>, StoreError> {
        self.with_conn(|conn| write_transaction(conn, |c| close(c, row, flag, actor, audit)))
    }

    /// Replaces a closure by `row` (same id) in one transaction, the change
    /// made from its revision `row.revision` (`Outdated` if it changed
    /// meanwhile), with the same rule as [`Store::create_fermeture`] for
    /// the appointments it newly covers. Returns the flagged references.
    pub fn replace_fermeture(
        &self,
        row: &FermetureRow,
        flag: bool,
        actor: &str,
        audit: &AuditEntry,
    ) -> Result<Vec<String>, StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                let revision = advance(c, Edited::Fermeture, &row.id, row.revision)?;
                diesel::delete(fermetures::table.find(&row.id)).execute(c)?;
                let replacement = FermetureRow {
                    revision,
                    ..row.clone()
                };
                close(c, &replacement, flag, actor, audit)
            })
        })
    }

    /// Replaces (`Some`, the change made from the plage's revision
    /// `row.revision`; `Outdated` if it changed meanwhile) or deletes
    /// (`None`) a plage. Booked future
    /// appointments of its guichet that no remaining plage covers are never
    /// silently orphaned: without `flag` the change is refused (`Affected`,
    /// nothing written); with `flag` it applies and they are marked to be
    /// re-booked, each with a history entry. Returns the flagged references.
    pub fn replace_plage(
        &self,
        plage_id: &str,
        guichet_id: &str,
        new: Option<(&PlageRow, &Plage)>,
        tz: Tz,
        flag: bool,
        audit: &AuditEntry,
    ) -> Result<Vec<String>, StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                diesel::update(guichets::table.find(guichet_id))
                    .set(guichets::version.eq(guichets::version + 1))
                    .execute(c)?;
                // After its guichet, as every writer locks them.
                if let Some((row, _)) = new {
                    advance(c, Edited::Plage, plage_id, row.revision)?;
                }
                let other_ids: Vec<String> = plages::table
                    .filter(plages::guichet_id.eq(guichet_id))
                    .filter(plages::id.ne(plage_id))
                    .select(plages::id)
                    .load(c)?;
                let mut remaining = crate::referentiel::plages_by_id(c, &other_ids)?;
                diesel::delete(plage_motifs::table.filter(plage_motifs::plage_id.eq(plage_id)))
                    .execute(c)?;
                match new {
                    Some((row, plage)) => {
                        let served: Vec<MotifId> = guichet_motifs::table
                            .filter(guichet_motifs::guichet_id.eq(guichet_id))
                            .select(guichet_motifs::motif_id)
                            .load::<String>(c)?
                            .iter()
                            .map(|m| crate::referentiel::parse_id(m))
                            .collect::<Result<_, _>>()?;
                        check_new_plage(plage, &served, &remaining)
                            .map_err(StoreError::Rejected)?;
                        let updated = diesel::update(plages::table.find(plage_id))
                            .set((
                                plages::weekdays.eq(row.weekdays),
                                plages::start_time.eq(row.start_time),
                                plages::end_time.eq(row.end_time),
                                plages::valid_from.eq(row.valid_from),
                                plages::valid_until.eq(row.valid_until),
                            ))
                            .execute(c)?;
                        if updated == 0 {
                            return Err(StoreError::NotFound);
                        }
                        for m in &plage.motifs {
                            diesel::insert_into(plage_motifs::table)
                                .values((
                                    plage_motifs::plage_id.eq(plage_id),
                                    plage_motifs::motif_id.eq(m.to_string()),
                                ))
                                .execute(c)?;
                        }
                        remaining.push(plage.clone());
                    }
                    None => {
                        if diesel::delete(plages::table.find(plage_id)).execute(c)? == 0 {
                            return Err(StoreError::NotFound);
                        }
                    }
                }
                let booked: Vec<BookedTime> = reservations::table
                    .filter(reservations::guichet_id.eq(guichet_id))
                    .filter(reservations::status.eq(status::BOOKED))
                    .filter(reservations::needs_rebooking.eq(false))
                    .filter(reservations::starts_at.gt(to_db(audit.at)))
                    .order(reservations::starts_at)
                    .select((
                        reservations::id,
                        reservations::reference,
                        reservations::motif_id,
                        reservations::starts_at,
                        reservations::ends_at,
                    ))
                    .load(c)?;
                let mut affected = Vec::new();
                for (id, reference, motif, start, end) in booked {
                    let motif: MotifId = crate::referentiel::parse_id(&motif)?;
                    if !plages_cover(
                        &remaining,
                        motif,
                        tz,
                        crate::from_db(start),
                        crate::from_db(end),
                    ) {
                        affected.push((id, reference));
                    }
                }
                if !affected.is_empty() && !flag {
                    return Err(StoreError::Affected(
                        affected.into_iter().map(|(_, r)| r).collect(),
                    ));
                }
                for (id, _) in &affected {
                    let why = format!("plage {plage_id} {}", audit.action);
                    flag_for_rebooking(c, id, &audit.actor, &why, audit.at)?;
                }
                record(c, audit)?;
                Ok(affected.into_iter().map(|(_, r)| r).collect())
            })
        })
    }

    /// A plage with its motif restriction and its site.
    pub fn get_plage(&self, id: &str) -> Result<(PlageRow, Plage, SiteRow), StoreError> {
        self.with_conn(|c| {
            let (row, site): (PlageRow, SiteRow) = plages::table
                .inner_join(guichets::table.inner_join(sites::table))
                .filter(plages::id.eq(id))
                .select((PlageRow::as_select(), SiteRow::as_select()))
                .first(c)?;
            let plage = crate::referentiel::plages_by_id(c, std::slice::from_ref(&row.id))?
                .pop()
                .ok_or(StoreError::NotFound)?;
            Ok((row, plage, site))
        })
    }

    /// Opens a site on one of its holidays, and records it.
    pub fn create_ouverture(
        &self,
        row: &OuvertureRow,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                diesel::insert_into(ouvertures::table)
                    .values(row)
                    .execute(c)?;
                record(c, audit)
            })
        })
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

    /// Replaces a guichet's name, motifs served, active flag and working
    /// period (read in the site's zone `tz`), the change made from its
    /// revision `row.revision` (`Outdated` if it changed meanwhile). Booked future appointments it
    /// could no longer take (a motif removed, the guichet deactivated, or
    /// their day outside the period) are refused (`Affected`) or, with `flag`,
    /// marked to be re-booked. A plage restricted to removed motifs must be
    /// changed first (`Rejected`). Returns the flagged references.
    pub fn update_guichet(
        &self,
        row: &GuichetRow,
        motif_ids: &[String],
        tz: Tz,
        flag: bool,
        audit: &AuditEntry,
    ) -> Result<Vec<String>, StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                advance(c, Edited::Guichet, &row.id, row.revision)?;
                diesel::update(guichets::table.find(&row.id))
                    .set((
                        guichets::name.eq(&row.name),
                        guichets::active.eq(row.active),
                        guichets::active_from.eq(row.active_from),
                        guichets::active_until.eq(row.active_until),
                        guichets::channel.eq(&row.channel),
                    ))
                    .execute(c)?;
                let restricted: Vec<(String, String)> = plage_motifs::table
                    .inner_join(plages::table)
                    .filter(plages::guichet_id.eq(&row.id))
                    .select((plage_motifs::plage_id, plage_motifs::motif_id))
                    .load(c)?;
                if restricted.iter().any(|(_, m)| !motif_ids.contains(m)) {
                    return Err(StoreError::Rejected(planipref_domain::DomainError::invalid(
                        "motif_ids",
                        "a plage of this guichet is restricted to a motif being removed: change that plage first",
                    )));
                }
                diesel::delete(guichet_motifs::table.filter(guichet_motifs::guichet_id.eq(&row.id))).execute(c)?;
                for m in motif_ids {
                    diesel::insert_into(guichet_motifs::table)
                        .values((guichet_motifs::guichet_id.eq(&row.id), guichet_motifs::motif_id.eq(m)))
                        .execute(c)?;
                }
                // Booked future appointments it could no longer take: all of
                // them when deactivated, else those of a removed motif or on
                // a day outside its working period (on the site's calendar).
                let booked: Vec<BookedTime> = reservations::table
                    .filter(reservations::guichet_id.eq(&row.id))
                    .filter(reservations::status.eq(status::BOOKED))
                    .filter(reservations::needs_rebooking.eq(false))
                    .filter(reservations::starts_at.gt(to_db(audit.at)))
                    .order(reservations::starts_at)
                    .select((
                        reservations::id,
                        reservations::reference,
                        reservations::motif_id,
                        reservations::starts_at,
                        reservations::ends_at,
                    ))
                    .load(c)?;
                let affected: Vec<(String, String)> = booked
                    .into_iter()
                    .filter(|(_, _, motif, start, _)| {
                        let day = crate::from_db(*start).with_timezone(&tz).date_naive();
                        !row.active
                            || !motif_ids.contains(motif)
                            || !works_on(day, row.active_from, row.active_until)
                    })
                    .map(|(id, reference, ..)| (id, reference))
                    .collect();
                if !affected.is_empty() && !flag {
                    return Err(StoreError::Affected(affected.into_iter().map(|(_, r)| r).collect()));
                }
                for (id, _) in &affected {
                    let why = format!("guichet {} changed", row.id);
                    flag_for_rebooking(c, id, &audit.actor, &why, audit.at)?;
                }
                record(c, audit)?;
                Ok(affected.into_iter().map(|(_, r)| r).collect())
            })
        })
    }

    /// The motifs a guichet serves.
    pub fn guichet_motif_ids(&self, guichet_id: &str) -> Result<Vec<String>, StoreError> {
        self.with_conn(|c| {
            guichet_motifs::table
                .filter(guichet_motifs::guichet_id.eq(guichet_id))
                .select(guichet_motifs::motif_id)
                .load(c)
                .map_err(StoreError::from)
        })
    }

    /// Replaces a motif's label, description and duration and which of them
    /// follow its démarche, the change made from its revision `row.revision`
    /// (`Outdated` if it or its démarche's defaults changed meanwhile), and
    /// records it. Its defaults were resolved from its démarche's revision
    /// `demarche_revision`: `Stale` if the démarche changed since.
    pub fn update_motif(
        &self,
        row: &MotifRow,
        demarche_revision: Option<i32>,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                if let (Some(code), Some(revision)) = (&row.demarche_code, demarche_revision) {
                    keep_demarche(c, code, revision)?;
                }
                advance(c, Edited::Motif, &row.id, row.revision)?;
                diesel::update(motifs::table.find(&row.id))
                    .set((
                        motifs::label.eq(&row.label),
                        motifs::description.eq(&row.description),
                        motifs::duration_minutes.eq(row.duration_minutes),
                        motifs::label_overridden.eq(row.label_overridden),
                        motifs::description_overridden.eq(row.description_overridden),
                        motifs::duration_overridden.eq(row.duration_overridden),
                        motifs::booking_window_days.eq(row.booking_window_days),
                        motifs::min_notice_hours.eq(row.min_notice_hours),
                        motifs::cancellation_deadline_hours.eq(row.cancellation_deadline_hours),
                        motifs::documents.eq(&row.documents),
                        motifs::documents_overridden.eq(row.documents_overridden),
                        motifs::booking_window_overridden.eq(row.booking_window_overridden),
                        motifs::min_notice_overridden.eq(row.min_notice_overridden),
                        motifs::cancellation_deadline_overridden
                            .eq(row.cancellation_deadline_overridden),
                        motifs::max_persons.eq(row.max_persons),
                        motifs::duration_per_person.eq(row.duration_per_person),
                        motifs::instructions.eq(&row.instructions),
                        motifs::booking_mode.eq(&row.booking_mode),
                        motifs::step_minutes.eq(row.step_minutes),
                        motifs::refuse_doublons.eq(row.refuse_doublons),
                        motifs::requires_context.eq(row.requires_context),
                    ))
                    .execute(c)?;
                record(c, audit)
            })
        })
    }

    /// A motif with its service and site.
    pub fn get_motif(&self, id: &str) -> Result<(MotifRow, ServiceRow, SiteRow), StoreError> {
        self.with_conn(|c| {
            motifs::table
                .inner_join(services::table.inner_join(sites::table))
                .filter(motifs::id.eq(id))
                .select((
                    MotifRow::as_select(),
                    ServiceRow::as_select(),
                    SiteRow::as_select(),
                ))
                .first(c)
                .map_err(StoreError::from)
        })
    }

    /// A démarche of the national catalogue.
    pub fn get_demarche(&self, code: &str) -> Result<DemarcheRow, StoreError> {
        self.with_conn(|c| {
            demarches::table
                .find(code)
                .select(DemarcheRow::as_select())
                .first(c)
                .map_err(StoreError::from)
        })
    }

    /// The catalogue, by code, each démarche with the sites that book it.
    pub fn list_demarches(&self) -> Result<Vec<(DemarcheRow, Vec<String>)>, StoreError> {
        self.with_conn(|c| {
            let all: Vec<DemarcheRow> = demarches::table
                .order(demarches::code)
                .select(DemarcheRow::as_select())
                .load(c)?;
            let offered: Vec<(Option<String>, String)> = motifs::table
                .inner_join(services::table)
                .filter(motifs::demarche_code.is_not_null())
                .select((motifs::demarche_code, services::site_id))
                .distinct()
                .load(c)?;
            Ok(all
                .into_iter()
                .map(|d| {
                    let mut sites: Vec<String> = offered
                        .iter()
                        .filter(|(code, _)| code.as_deref() == Some(d.code.as_str()))
                        .map(|(_, site)| site.clone())
                        .collect();
                    sites.sort();
                    (d, sites)
                })
                .collect())
        })
    }

    /// Changes a démarche's national defaults and writes each new default
    /// into every motif that follows it (did not override that field), in
    /// one transaction, raising those motifs' revisions. The change is made
    /// from revision `after.revision`, which is `before`'s (`Outdated` if
    /// the démarche changed meanwhile).
    pub fn update_demarche(
        &self,
        before: &DemarcheRow,
        after: &DemarcheRow,
        audit: &AuditEntry,
    ) -> Result<usize, StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                advance(c, Edited::Demarche, &before.code, after.revision)?;
                diesel::update(demarches::table.find(&before.code))
                    .set((
                        demarches::label.eq(&after.label),
                        demarches::description.eq(&after.description),
                        demarches::default_duration_minutes.eq(after.default_duration_minutes),
                        demarches::updated_at.eq(after.updated_at),
                        demarches::documents.eq(&after.documents),
                        demarches::default_booking_window_days
                            .eq(after.default_booking_window_days),
                        demarches::default_min_notice_hours.eq(after.default_min_notice_hours),
                        demarches::default_cancellation_deadline_hours
                            .eq(after.default_cancellation_deadline_hours),
                    ))
                    .execute(c)?;
                // Each site whose motifs follow the démarche gets an entry in
                // its own trail: their content changes without their writing.
                let followers: Vec<(String, String, String)> = motifs::table
                    .inner_join(services::table.inner_join(sites::table))
                    .filter(motifs::demarche_code.eq(&before.code))
                    .filter(
                        motifs::label_overridden
                            .eq(false)
                            .or(motifs::description_overridden.eq(false))
                            .or(motifs::duration_overridden.eq(false))
                            .or(motifs::documents_overridden.eq(false))
                            .or(motifs::booking_window_overridden.eq(false))
                            .or(motifs::min_notice_overridden.eq(false))
                            .or(motifs::cancellation_deadline_overridden.eq(false)),
                    )
                    .select((motifs::id, sites::id, sites::prefecture_code))
                    .load(c)?;
                // Their content changes: so does their revision, and an
                // administrator's change of one of them made from what it
                // was (its defaults resolved from the démarche as it was)
                // is refused rather than writing the old defaults back.
                let ids: Vec<&String> = followers.iter().map(|(id, ..)| id).collect();
                for chunk in ids.chunks(500) {
                    diesel::update(motifs::table.filter(motifs::id.eq_any(chunk)))
                        .set(motifs::revision.eq(motifs::revision + 1))
                        .execute(c)?;
                }
                for (motif_id, site_id, departement) in followers {
                    record(
                        c,
                        &AuditEntry {
                            departement: Some(departement),
                            site_id: Some(site_id),
                            entity: "motif",
                            entity_id: motif_id,
                            action: "updated",
                            ..audit.clone()
                        },
                    )?;
                }
                let follows = || motifs::table.filter(motifs::demarche_code.eq(&before.code));
                let mut changed =
                    diesel::update(follows().filter(motifs::label_overridden.eq(false)))
                        .set(motifs::label.eq(&after.label))
                        .execute(c)?;
                changed +=
                    diesel::update(follows().filter(motifs::description_overridden.eq(false)))
                        .set(motifs::description.eq(&after.description))
                        .execute(c)?;
                changed += diesel::update(follows().filter(motifs::duration_overridden.eq(false)))
                    .set(motifs::duration_minutes.eq(after.default_duration_minutes))
                    .execute(c)?;
                changed += diesel::update(follows().filter(motifs::documents_overridden.eq(false)))
                    .set(motifs::documents.eq(&after.documents))
                    .execute(c)?;
                changed +=
                    diesel::update(follows().filter(motifs::booking_window_overridden.eq(false)))
                        .set(motifs::booking_window_days.eq(after.default_booking_window_days))
                        .execute(c)?;
                changed +=
                    diesel::update(follows().filter(motifs::min_notice_overridden.eq(false)))
                        .set(motifs::min_notice_hours.eq(after.default_min_notice_hours))
                        .execute(c)?;
                changed += diesel::update(
                    follows().filter(motifs::cancellation_deadline_overridden.eq(false)),
                )
                .set(
                    motifs::cancellation_deadline_hours
                        .eq(after.default_cancellation_deadline_hours),
                )
                .execute(c)?;
                record(c, audit)?;
                Ok(changed)
            })
        })
    }

    /// A service with its site.
    pub fn get_service(&self, id: &str) -> Result<(ServiceRow, SiteRow), StoreError> {
        self.with_conn(|c| {
            services::table
                .inner_join(sites::table)
                .filter(services::id.eq(id))
                .select((ServiceRow::as_select(), SiteRow::as_select()))
                .first(c)
                .map_err(StoreError::from)
        })
    }

    /// A guichet with its site.
    pub fn get_guichet(&self, id: &str) -> Result<(GuichetRow, SiteRow), StoreError> {
        self.with_conn(|c| {
            guichets::table
                .inner_join(sites::table)
                .filter(guichets::id.eq(id))
                .select((GuichetRow::as_select(), SiteRow::as_select()))
                .first(c)
                .map_err(StoreError::from)
        })
    }

    /// The ids of the motifs booked at a site.
    pub fn motif_ids_of_site(&self, site_id: &str) -> Result<Vec<String>, StoreError> {
        self.with_conn(|c| {
            motifs::table
                .inner_join(services::table)
                .filter(services::site_id.eq(site_id))
                .select(motifs::id)
                .load(c)
                .map_err(StoreError::from)
        })
    }

    /// Audit entries, newest first.
    pub fn list_audit(
        &self,
        filter: &AuditFilter,
        offset: i64,
        limit: i64,
    ) -> Result<Page<AuditEventRow>, StoreError> {
        self.with_conn(|conn| {
            let query = || {
                let mut q = audit_events::table.into_boxed();
                if let Some(ds) = &filter.departements {
                    q = q.filter(audit_events::departement.eq_any(ds.clone()));
                }
                if let Some(ss) = &filter.sites {
                    q = q.filter(audit_events::site_id.eq_any(ss.clone()));
                }
                if let Some(e) = &filter.entity {
                    q = q.filter(audit_events::entity.eq(e.clone()));
                }
                if let Some(from) = filter.from {
                    q = q.filter(audit_events::occurred_at.ge(to_db(from)));
                }
                if let Some(to) = filter.to {
                    q = q.filter(audit_events::occurred_at.lt(to_db(to)));
                }
                q
            };
            let total = query().count().get_result(conn)?;
            let items = query()
                .order((audit_events::occurred_at.desc(), audit_events::id))
                .offset(offset)
                .limit(limit)
                .select(AuditEventRow::as_select())
                .load(conn)?;
            Ok(Page { items, total })
        })
    }
}

/// A booked appointment's id, reference, motif and times.
type BookedTime = (
    String,
    String,
    String,
    chrono::NaiveDateTime,
    chrono::NaiveDateTime,
);

/// Writes a closure. Booked reservations on the closed guichets during it
/// are refused (`Affected`) or, with `flag`, marked to be re-booked.
fn close(
    c: &mut AnyConnection,
    row: &FermetureRow,
    flag: bool,
    actor: &str,
    audit: &AuditEntry,
) -> Result<Vec<String>, StoreError> {
    // Bookings lock the guichet they take and look for closures: locking
    // the closed guichets first means no booking commits unseen between the
    // read below and this closure's commit (and, on SQLite, takes the
    // write lock before that read).
    match &row.guichet_id {
        Some(g) => diesel::update(guichets::table.find(g))
            .set(guichets::version.eq(guichets::version + 1))
            .execute(c)?,
        None => diesel::update(guichets::table.filter(guichets::site_id.eq(&row.site_id)))
            .set(guichets::version.eq(guichets::version + 1))
            .execute(c)?,
    };
    diesel::insert_into(fermetures::table)
        .values(row)
        .execute(c)?;
    let mut affected = reservations::table
        .filter(reservations::site_id.eq(&row.site_id))
        .filter(reservations::status.eq(status::BOOKED))
        .filter(reservations::needs_rebooking.eq(false))
        .filter(reservations::starts_at.gt(to_db(audit.at)))
        .filter(reservations::starts_at.lt(row.ends_at))
        .filter(reservations::ends_at.gt(row.starts_at))
        .into_boxed();
    if let Some(g) = &row.guichet_id {
        affected = affected.filter(reservations::guichet_id.eq(g.clone()));
    }
    let affected: Vec<(String, String)> = affected
        .order(reservations::starts_at)
        .select((reservations::id, reservations::reference))
        .load(c)?;
    if affected.is_empty() {
        record(c, audit)?;
        return Ok(vec![]);
    }
    if !flag {
        return Err(StoreError::Affected(
            affected.into_iter().map(|(_, r)| r).collect(),
        ));
    }
    for (id, _) in &affected {
        flag_for_rebooking(
            c,
            id,
            actor,
            &format!("closure {}: {}", row.id, row.reason),
            audit.at,
        )?;
    }
    record(c, audit)?;
    Ok(affected.into_iter().map(|(_, r)| r).collect())
}

/// Marks a reservation to be re-booked and says why in its history.
fn flag_for_rebooking(
    c: &mut AnyConnection,
    id: &str,
    actor: &str,
    why: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::update(reservations::table.find(id))
        .set((
            reservations::needs_rebooking.eq(true),
            reservations::updated_at.eq(to_db(at)),
        ))
        .execute(c)?;
    crate::reservations::record_event(c, id, actor, "flagged", Some(why), at)
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

/// Records an audit entry, and marks the availability of its site stale:
/// every change to a site's organisation is audited, in the transaction
/// that makes it, so none escapes the availability caches.
pub(crate) fn record(c: &mut AnyConnection, a: &AuditEntry) -> Result<(), StoreError> {
    if let Some(site) = &a.site_id {
        diesel::update(sites::table.find(site))
            .set(sites::availability_version.eq(sites::availability_version + 1))
            .execute(c)?;
    }
    diesel::insert_into(audit_events::table)
        .values(AuditEventRow {
            id: uuid::Uuid::new_v4().to_string(),
            occurred_at: to_db(a.at),
            actor: a.actor.clone(),
            departement: a.departement.clone(),
            site_id: a.site_id.clone(),
            entity: a.entity.to_owned(),
            entity_id: a.entity_id.clone(),
            action: a.action.to_owned(),
            before: a.before.clone(),
            after: a.after.clone(),
        })
        .execute(c)?;
    Ok(())
}
