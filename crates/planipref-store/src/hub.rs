//! What national hubs read: sites with a location (their meeting points)
//! and the coming appointments of files, found by file key. Locations
//! are set by administrators, versioned with their site.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use planipref_domain::attendance::Status;

use crate::audit::{AuditEntry, record};
use crate::connection::MultiBackend;
use crate::db::write_transaction;
use crate::models::SiteRow;
use crate::revision::{Edited, advance};
use crate::schema::{reservations, site_locations, sites};
use crate::{Store, StoreError, to_db};

/// Where a site receives the public.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = site_locations, check_for_backend(MultiBackend))]
pub struct SiteLocationRow {
    pub site_id: String,
    /// WGS 84 degrees.
    pub latitude: f64,
    /// WGS 84 degrees.
    pub longitude: f64,
    /// The site's page for the public.
    pub website: Option<String>,
}

/// A coming appointment of a file, as a hub is told of it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct FileAppointment {
    /// The file key it was booked with.
    pub file_key: Option<String>,
    /// Its reference.
    pub reference: String,
    /// Its site.
    pub site_id: String,
    /// The site's name.
    pub site_name: String,
    /// The site's time zone.
    pub time_zone: String,
    /// When it starts (UTC).
    pub starts_at: NaiveDateTime,
}

impl Store {
    /// The location of site `site_id`, if one was set.
    pub fn site_location(&self, site_id: &str) -> Result<Option<SiteLocationRow>, StoreError> {
        self.with_conn(|c| {
            site_locations::table
                .find(site_id)
                .select(SiteLocationRow::as_select())
                .first(c)
                .optional()
                .map_err(StoreError::from)
        })
    }

    /// Sets site `site_id`'s location to `location`, the change made from
    /// its revision `revision` (`Outdated` if it changed meanwhile), and
    /// records it.
    pub fn set_site_location(
        &self,
        site_id: &str,
        revision: i32,
        location: &SiteLocationRow,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                advance(c, Edited::Site, site_id, revision)?;
                diesel::delete(site_locations::table.find(site_id)).execute(c)?;
                diesel::insert_into(site_locations::table)
                    .values(location)
                    .execute(c)?;
                record(c, audit)
            })
        })
    }

    /// Every site with a location (the hubs' meeting points), by
    /// département and name.
    pub fn located_sites(&self) -> Result<Vec<(SiteRow, SiteLocationRow)>, StoreError> {
        self.with_conn(|c| {
            sites::table
                .inner_join(site_locations::table)
                .order((sites::prefecture_code, sites::name, sites::id))
                .select((SiteRow::as_select(), SiteLocationRow::as_select()))
                .load(c)
                .map_err(StoreError::from)
        })
    }

    /// The booked appointments starting at or after `now` of the files
    /// whose keys are `file_keys`, by start.
    pub fn coming_appointments_of_files(
        &self,
        file_keys: &[String],
        now: DateTime<Utc>,
    ) -> Result<Vec<FileAppointment>, StoreError> {
        if file_keys.is_empty() {
            return Ok(vec![]);
        }
        self.with_conn(|c| {
            reservations::table
                .inner_join(sites::table.on(sites::id.eq(reservations::site_id)))
                .filter(reservations::file_key.eq_any(file_keys))
                .filter(reservations::status.eq(Status::Booked.code()))
                .filter(reservations::starts_at.ge(to_db(now)))
                .order((reservations::starts_at, reservations::id))
                .select((
                    reservations::file_key,
                    reservations::reference,
                    sites::id,
                    sites::name,
                    sites::time_zone,
                    reservations::starts_at,
                ))
                .load(c)
                .map_err(StoreError::from)
        })
    }
}
