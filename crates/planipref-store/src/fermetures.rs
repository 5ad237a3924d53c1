//! A site's calendar exceptions: closures of the site or of one guichet
//! (fermetures), on top of public holidays, and openings on holidays
//! (ouvertures). A closure over booked appointments is refused, or flags
//! them to be re-booked; nothing is silently orphaned.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::audit::{AuditEntry, record};
use crate::db::{AnyConnection, gone, write_transaction};
use crate::models::*;
use crate::reservation_history::flag_for_rebooking;
use crate::revision::{Edited, advance};
use crate::schema::*;
use crate::{Page, Store, StoreError, to_db};

/// A site's calendar exceptions over a period.
#[derive(Debug, Clone, Default)]
pub struct SiteExceptions {
    /// Holidays on which it opens all the same, with the reason.
    pub openings: Vec<(chrono::NaiveDate, String)>,
    /// Closures overlapping the period.
    pub closures: Vec<FermetureRow>,
}

impl Store {
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

    /// Deletes a closure (reopening cannot orphan anything), and records it.
    pub fn delete_fermeture(&self, id: &str, audit: &AuditEntry) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                gone(diesel::delete(fermetures::table.find(id)).execute(c)?)?;
                record(c, audit)
            })
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

    /// The openings on holidays and closures of a site between two local
    /// days (closures: those overlapping the instants `from`..`to`).
    pub fn site_exceptions(
        &self,
        site_id: &str,
        days: (chrono::NaiveDate, chrono::NaiveDate),
        instants: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<SiteExceptions, StoreError> {
        self.with_conn(|c| site_exceptions(c, site_id, days, instants))
    }
}

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

pub(crate) fn site_exceptions(
    c: &mut AnyConnection,
    site_id: &str,
    (first, last): (chrono::NaiveDate, chrono::NaiveDate),
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<SiteExceptions, StoreError> {
    let openings = ouvertures::table
        .filter(ouvertures::site_id.eq(site_id))
        .filter(ouvertures::day.ge(first))
        .filter(ouvertures::day.le(last))
        .order(ouvertures::day)
        .select((ouvertures::day, ouvertures::reason))
        .load(c)?;
    let closures = fermetures::table
        .filter(fermetures::site_id.eq(site_id))
        .filter(fermetures::starts_at.lt(to_db(to)))
        .filter(fermetures::ends_at.gt(to_db(from)))
        .order(fermetures::starts_at)
        .select(FermetureRow::as_select())
        .load(c)?;
    Ok(SiteExceptions { openings, closures })
}
