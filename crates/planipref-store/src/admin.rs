//! Administrative writes and their audit trail: each write and its audit
//! entry go in one transaction, so no change is ever left unrecorded.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::{AnyConnection, write_transaction};
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
    /// Creates a site and records it.
    pub fn create_site(&self, row: &SiteRow, audit: &AuditEntry) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                diesel::insert_into(sites::table).values(row).execute(c)?;
                record(c, audit)
            })
        })
    }

    /// Replaces a site's settings, provided nobody changed them since
    /// `before` was read (otherwise `Stale`, and nothing is written), and
    /// records the change.
    pub fn update_site(
        &self,
        before: &SiteRow,
        after: &SiteRow,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                let unchanged = sites::table
                    .filter(sites::id.eq(&before.id))
                    .filter(sites::prefecture_code.eq(&before.prefecture_code))
                    .filter(sites::kind.eq(&before.kind))
                    .filter(sites::name.eq(&before.name))
                    .filter(sites::address_line.eq(&before.address_line))
                    .filter(sites::postal_code.eq(&before.postal_code))
                    .filter(sites::city.eq(&before.city))
                    .filter(sites::commune_insee.eq(&before.commune_insee))
                    .filter(sites::time_zone.eq(&before.time_zone));
                let updated = diesel::update(unchanged)
                    .set((
                        sites::prefecture_code.eq(&after.prefecture_code),
                        sites::kind.eq(&after.kind),
                        sites::name.eq(&after.name),
                        sites::address_line.eq(&after.address_line),
                        sites::postal_code.eq(&after.postal_code),
                        sites::city.eq(&after.city),
                        sites::commune_insee.eq(&after.commune_insee),
                        sites::time_zone.eq(&after.time_zone),
                    ))
                    .execute(c)?;
                if updated == 0 {
                    return Err(StoreError::Stale);
                }
                record(c, audit)
            })
        })
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

fn record(c: &mut AnyConnection, a: &AuditEntry) -> Result<(), StoreError> {
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
