//! Revisions of the rows administrators edit (optimistic concurrency).
//!
//! A client reads a row with its revision (the API's `version` and ETag)
//! and sends its change with that revision (If-Match). The change takes
//! the row from that revision to the next in one conditional statement,
//! the first write of its transaction on that row: the row stays locked
//! until the transaction ends, and a concurrent change made from the same
//! revision finds the revision already raised and writes nothing. A
//! change raises the revision by exactly one: the revision after a
//! successful change is the one it was made from, plus one.

use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::demarches;

/// A kind of row administrators edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edited {
    /// A préfecture (its names and its anti-capture settings).
    Prefecture,
    /// A site.
    Site,
    /// A service.
    Service,
    /// A motif.
    Motif,
    /// A guichet.
    Guichet,
    /// A plage.
    Plage,
    /// A closure.
    Fermeture,
    /// A démarche of the national catalogue.
    Demarche,
    /// A préfecture's webhook subscription.
    Webhook,
}

impl Edited {
    /// Its table and key column (constants: never built from input).
    fn table_and_key(self) -> (&'static str, &'static str) {
        match self {
            Self::Prefecture => ("prefectures", "code"),
            Self::Site => ("sites", "id"),
            Self::Service => ("services", "id"),
            Self::Motif => ("motifs", "id"),
            Self::Guichet => ("guichets", "id"),
            Self::Plage => ("plages", "id"),
            Self::Fermeture => ("fermetures", "id"),
            Self::Demarche => ("demarches", "code"),
            Self::Webhook => ("webhook_subscriptions", "id"),
        }
    }
}

#[derive(diesel::QueryableByName)]
struct Current {
    #[diesel(sql_type = Integer)]
    revision: i32,
}

/// Takes row `id` of `edited` from revision `expected` to the next, and
/// returns the new revision. `NotFound` when there is no such row;
/// `Outdated` with the current revision when another change came first
/// (nothing is written).
pub(crate) fn advance(
    c: &mut AnyConnection,
    edited: Edited,
    id: &str,
    expected: i32,
) -> Result<i32, StoreError> {
    let (table, key) = edited.table_and_key();
    let advanced = diesel::sql_query(format!(
        "UPDATE {table} SET revision = revision + 1 WHERE {key} = $1 AND revision = $2"
    ))
    .bind::<Text, _>(id)
    .bind::<Integer, _>(expected)
    .execute(c)?;
    if advanced == 1 {
        return Ok(expected + 1);
    }
    let current: Option<Current> =
        diesel::sql_query(format!("SELECT revision FROM {table} WHERE {key} = $1"))
            .bind::<Text, _>(id)
            .get_result(c)
            .map(Some)
            .or_else(|e| match e {
                diesel::result::Error::NotFound => Ok(None),
                other => Err(other),
            })?;
    match current {
        None => Err(StoreError::NotFound),
        Some(Current { revision }) => Err(StoreError::Outdated { current: revision }),
    }
}

/// Checks that démarche `code` is still at revision `expected`, the one a
/// motif's defaults were just resolved from, and keeps it there until the
/// transaction ends (a shared lock on PostgreSQL; SQLite writes one
/// transaction at a time): a concurrent change of the démarche either
/// comes first, and this is `Stale` (resolve again), or waits, and then
/// finds the motif written and gives it its new defaults. Taken before
/// the motif's own row, as the démarche's change takes the démarche then
/// its motifs.
pub(crate) fn keep_demarche(
    c: &mut AnyConnection,
    code: &str,
    expected: i32,
) -> Result<(), StoreError> {
    let revision = demarches::table.find(code).select(demarches::revision);
    let current: i32 = match c {
        AnyConnection::Postgresql(c) => revision.for_share().first(c)?,
        AnyConnection::Sqlite(c) => revision.first(c)?,
    };
    if current == expected {
        Ok(())
    } else {
        Err(StoreError::Stale)
    }
}
