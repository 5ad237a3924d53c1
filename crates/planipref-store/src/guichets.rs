//! Guichets: a site's counters and the motifs each serves. A change that
//! would leave booked appointments on a guichet that can no longer take
//! them is refused, or flags them to be re-booked; a guichet any
//! reservation ever used is never deleted.

use chrono_tz::Tz;
use diesel::prelude::*;
use planipref_domain::plage::works_on;

use crate::audit::{AuditEntry, record};
use crate::db::{AnyConnection, any_row, gone, write_transaction};
use crate::imports::{ImportedFrom, record_mapping};
use crate::models::*;
use crate::reservation_history::{BookedTime, flag_for_rebooking};
use crate::revision::{Edited, advance};
use crate::schema::*;
use crate::{Page, Store, StoreError, to_db};

impl Store {
    /// Creates a guichet serving `motif_ids` and records it (with the
    /// former module's line it comes from, when imported).
    pub fn create_guichet(
        &self,
        row: &GuichetRow,
        motif_ids: &[String],
        (audit, imported): (&AuditEntry, Option<&ImportedFrom>),
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
                if let Some(from) = imported {
                    record_mapping(c, from, &row.id, audit.at)?;
                }
                record(c, audit)
            })
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
}

/// A guichet and everything hanging from it.
pub(crate) fn delete_guichet_rows(c: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
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
