//! Préfectures: created, listed, read, renamed, their anti-capture rules
//! changed, deleted once they have no site. Each write and its audit entry
//! go in one transaction.

use diesel::prelude::*;

use crate::audit::{AuditEntry, record};
use crate::db::{gone, write_transaction};
use crate::models::*;
use crate::revision::{Edited, advance};
use crate::schema::*;
use crate::{Page, Store, StoreError};

impl Store {
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
}
