//! What `planipref import` brought from the module Planipref replaces:
//! each external identifier once per kind, with the object it became and
//! the digest of its line.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::import_mappings;
use crate::{Store, StoreError, to_db};

/// The kinds of objects imported.
pub mod kind {
    /// A guichet (from a plannings file).
    pub const GUICHET: &str = "guichet";
    /// A plage (from a plannings file).
    pub const PLAGE: &str = "plage";
    /// An appointment (from a reservations file).
    pub const RESERVATION: &str = "reservation";
}

/// An external identifier already imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The Planipref object it became.
    pub object_id: String,
    /// The digest of the line it came from.
    pub digest: String,
}

impl Store {
    /// Every external identifier of `kind` already imported, by identifier.
    pub fn imported(
        &self,
        kind: &str,
    ) -> Result<std::collections::HashMap<String, Imported>, StoreError> {
        self.with_conn(|c| {
            let rows: Vec<(String, String, String)> = import_mappings::table
                .filter(import_mappings::kind.eq(kind))
                .select((
                    import_mappings::external_id,
                    import_mappings::object_id,
                    import_mappings::digest,
                ))
                .load(c)?;
            Ok(rows
                .into_iter()
                .map(|(external_id, object_id, digest)| {
                    (external_id, Imported { object_id, digest })
                })
                .collect())
        })
    }

    /// Records that `external_id` of `kind` became `object_id`. `Duplicate`
    /// when it was already recorded (another run at the same time).
    pub fn record_import(
        &self,
        kind: &str,
        external_id: &str,
        imported: &Imported,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.with_conn(|c| {
            diesel::insert_into(import_mappings::table)
                .values((
                    import_mappings::kind.eq(kind),
                    import_mappings::external_id.eq(external_id),
                    import_mappings::object_id.eq(&imported.object_id),
                    import_mappings::digest.eq(&imported.digest),
                    import_mappings::imported_at.eq(to_db(now)),
                ))
                .execute(c)?;
            Ok(())
        })
    }
}
