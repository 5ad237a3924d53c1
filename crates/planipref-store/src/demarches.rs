//! The national catalogue of démarches. A change of a démarche's defaults
//! is written into every motif that follows them, in the same transaction,
//! each with an entry in its site's audit trail.

use diesel::prelude::*;

use crate::audit::{AuditEntry, record};
use crate::db::write_transaction;
use crate::models::*;
use crate::revision::{Edited, advance};
use crate::schema::*;
use crate::{Store, StoreError};

impl Store {
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

    /// The démarche motif `motif_id` books and its file check, when it
    /// books one that asks for a check (`None` otherwise, and for an
    /// unknown motif: what is looked for next says so).
    pub fn motif_file_check(
        &self,
        motif_id: &str,
    ) -> Result<Option<(String, planipref_domain::file_check::FileCheck)>, StoreError> {
        self.with_conn(|c| {
            let found: Option<DemarcheRow> = motifs::table
                .inner_join(
                    demarches::table.on(motifs::demarche_code.eq(demarches::code.nullable())),
                )
                .filter(motifs::id.eq(motif_id))
                .select(DemarcheRow::as_select())
                .first(c)
                .optional()?;
            Ok(found.and_then(|d| d.file_check().map(|check| (d.code, check))))
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
                        demarches::file_check.eq(&after.file_check),
                        demarches::file_check_on_failure.eq(&after.file_check_on_failure),
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
}
