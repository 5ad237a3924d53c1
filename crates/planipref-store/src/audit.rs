//! The audit trail: what one administrative change records
//! ([`AuditEntry`]), written by [`record`] in the transaction that makes
//! the change, so no change is ever left unrecorded; and the entries an
//! administrator or agent may list ([`AuditFilter`]).

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::models::*;
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
    /// Records an entry alone: a read the trail must show (an agent
    /// reading applicants' contact details).
    pub fn write_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.with_conn(|conn| crate::db::write_transaction(conn, |c| record(c, entry)))
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
