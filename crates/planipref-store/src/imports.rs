//! What `planipref import` brought from the module Planipref replaces:
//! each external identifier once per kind, with the object it became and
//! the digest of its line.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::AnyConnection;
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

/// Where an object being created comes from: recorded in the same
/// transaction as the object (an appointment is never booked without its
/// mapping, so a run killed half-way books nothing twice when run again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedFrom {
    /// The kind ([`kind`]).
    pub kind: &'static str,
    /// Its identifier in the former module.
    pub external_id: String,
    /// The digest of its line.
    pub digest: String,
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
}

/// Records that `from` became `object_id` (`Duplicate` when it already
/// did), on `c`: in the caller's transaction, if any.
pub(crate) fn record_mapping(
    c: &mut AnyConnection,
    from: &ImportedFrom,
    object_id: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::insert_into(import_mappings::table)
        .values((
            import_mappings::kind.eq(from.kind),
            import_mappings::external_id.eq(&from.external_id),
            import_mappings::object_id.eq(object_id),
            import_mappings::digest.eq(&from.digest),
            import_mappings::imported_at.eq(to_db(now)),
        ))
        .execute(c)?;
    Ok(())
}
