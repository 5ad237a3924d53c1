//! Services: the offices of a site that group its motifs. Each write and
//! its audit entry go in one transaction; a service is deleted only once
//! it has no motif.

use diesel::prelude::*;

use crate::audit::{AuditEntry, record};
use crate::db::{any_row, gone, write_transaction};
use crate::models::*;
use crate::revision::{Edited, advance};
use crate::schema::*;
use crate::{Page, Store, StoreError};

impl Store {
    /// Creates a service and records it.
    pub fn create_service(&self, row: &ServiceRow, audit: &AuditEntry) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                diesel::insert_into(services::table)
                    .values(row)
                    .execute(c)?;
                record(c, audit)
            })
        })
    }

    /// A site's services, by name.
    pub fn list_services(
        &self,
        site_id: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Page<ServiceRow>, StoreError> {
        self.with_conn(|c| {
            let of_site = || services::table.filter(services::site_id.eq(site_id));
            let total = of_site().count().get_result(c)?;
            let items = of_site()
                .order(services::name)
                .offset(offset)
                .limit(limit)
                .select(ServiceRow::as_select())
                .load(c)?;
            Ok(Page { items, total })
        })
    }

    /// A service with its site.
    pub fn get_service(&self, id: &str) -> Result<(ServiceRow, SiteRow), StoreError> {
        self.with_conn(|c| {
            services::table
                .inner_join(sites::table)
                .filter(services::id.eq(id))
                .select((ServiceRow::as_select(), SiteRow::as_select()))
                .first(c)
                .map_err(StoreError::from)
        })
    }

    /// Renames or redescribes a service, the change made from its revision
    /// `row.revision` (`Outdated` if it changed meanwhile), and records it.
    pub fn update_service(&self, row: &ServiceRow, audit: &AuditEntry) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                advance(c, Edited::Service, &row.id, row.revision)?;
                diesel::update(services::table.find(&row.id))
                    .set((
                        services::name.eq(&row.name),
                        services::description.eq(&row.description),
                    ))
                    .execute(c)?;
                record(c, audit)
            })
        })
    }

    /// Deletes a service without motifs, and records it.
    pub fn delete_service(&self, id: &str, audit: &AuditEntry) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                if any_row!(c, motifs::table.filter(motifs::service_id.eq(id))) {
                    return Err(StoreError::InUse(
                        "the service still has motifs; delete them first",
                    ));
                }
                gone(diesel::delete(services::table.find(id)).execute(c)?)?;
                record(c, audit)
            })
        })
    }
}
