//! Motifs: what a site books for a démarche, its defaults followed from
//! the démarche or overridden. Each write and its audit entry go in one
//! transaction; a motif any reservation ever booked is never deleted.

use diesel::prelude::*;

use crate::audit::{AuditEntry, record};
use crate::db::{AnyConnection, any_row, gone, write_transaction};
use crate::models::*;
use crate::revision::{Edited, advance, keep_demarche};
use crate::schema::*;
use crate::{Page, Store, StoreError};

impl Store {
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

    /// The motifs booked at a site with their services, by service then label.
    /// `NotFound` when the site does not exist.
    pub fn list_site_motifs(
        &self,
        site_id: &str,
    ) -> Result<Vec<(MotifRow, ServiceRow)>, StoreError> {
        let mut pooled = self.conn()?;
        let conn: &mut AnyConnection = &mut pooled;
        sites::table
            .find(site_id)
            .select(sites::id)
            .first::<String>(conn)?;
        motifs::table
            .inner_join(services::table)
            .filter(services::site_id.eq(site_id))
            .order((services::name, motifs::label))
            .select((MotifRow::as_select(), ServiceRow::as_select()))
            .load(conn)
            .map_err(StoreError::from)
    }

    /// The site a motif is booked at (which never changes).
    pub fn motif_site(&self, motif_id: &str) -> Result<String, StoreError> {
        motifs::table
            .inner_join(services::table)
            .filter(motifs::id.eq(motif_id))
            .select(services::site_id)
            .first(&mut **self.conn()?)
            .map_err(StoreError::from)
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
                        motifs::reminder_hours.eq(&row.reminder_hours),
                    ))
                    .execute(c)?;
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
                diesel::delete(
                    motif_translations::table.filter(motif_translations::motif_id.eq(id)),
                )
                .execute(c)?;
                gone(diesel::delete(motifs::table.find(id)).execute(c)?)?;
                record(c, audit)
            })
        })
    }
}
