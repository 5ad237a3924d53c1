//! Translations of motifs' texts: read for applicants in the languages
//! they prefer, replaced as a whole set by administrators.

use diesel::prelude::*;

use crate::audit::{AuditEntry, record};
use crate::connection::MultiBackend;
use crate::db::write_transaction;
use crate::revision::{Edited, advance};
use crate::schema::motif_translations;
use crate::{Store, StoreError};

/// A translation of a motif's texts into another language than French,
/// made from the French whose digest it keeps.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = motif_translations, check_for_backend(MultiBackend))]
pub struct MotifTranslationRow {
    pub motif_id: String,
    pub language: String,
    pub label: String,
    pub description: String,
    pub instructions: String,
    /// A JSON array, as [`crate::models::MotifRow::documents`].
    pub documents: String,
    /// The digest of the French texts it was made from
    /// (`planipref_domain::language::MotifTexts::digest`).
    pub source_digest: String,
}

impl Store {
    /// The translations of motifs `motif_ids` (up to date or not: the
    /// caller compares their digest with the French).
    pub fn motif_translations(
        &self,
        motif_ids: &[String],
    ) -> Result<Vec<MotifTranslationRow>, StoreError> {
        if motif_ids.is_empty() {
            return Ok(vec![]);
        }
        self.with_conn(|c| {
            motif_translations::table
                .filter(motif_translations::motif_id.eq_any(motif_ids))
                .select(MotifTranslationRow::as_select())
                .load(c)
                .map_err(StoreError::from)
        })
    }

    /// Every translation of motif `motif_id`, by language.
    pub fn all_motif_translations(
        &self,
        motif_id: &str,
    ) -> Result<Vec<MotifTranslationRow>, StoreError> {
        self.with_conn(|c| {
            motif_translations::table
                .filter(motif_translations::motif_id.eq(motif_id))
                .order(motif_translations::language)
                .select(MotifTranslationRow::as_select())
                .load(c)
                .map_err(StoreError::from)
        })
    }

    /// Replaces motif `motif_id`'s translations by `rows`, the change made
    /// from its revision `revision` (`Outdated` if it changed meanwhile:
    /// the translations were checked against the French of that revision),
    /// and records it.
    pub fn set_motif_translations(
        &self,
        motif_id: &str,
        revision: i32,
        rows: &[MotifTranslationRow],
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                advance(c, Edited::Motif, motif_id, revision)?;
                diesel::delete(
                    motif_translations::table.filter(motif_translations::motif_id.eq(motif_id)),
                )
                .execute(c)?;
                for row in rows {
                    diesel::insert_into(motif_translations::table)
                        .values(row)
                        .execute(c)?;
                }
                record(c, audit)
            })
        })
    }
}
