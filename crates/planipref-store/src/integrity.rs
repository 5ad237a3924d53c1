//! What the database guarantees about bookings, checked from the outside
//! (for tests, and checks after a crash), and counts of reservations.

use diesel::prelude::*;
use planipref_domain::ids::MotifId;
use planipref_domain::occupancy::units;

use crate::db::AnyConnection;
use crate::models::*;
use crate::schema::*;
use crate::{Store, StoreError, from_db};

/// What [`Store::booking_integrity`] found wrong (all zero when sound).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Integrity {
    /// Booked reservations overlapping the one before on their guichet.
    pub overlapping: i64,
    /// Booked reservations without exactly their occupancy units.
    pub incomplete: i64,
    /// Occupancy units of reservations not booked (or gone).
    pub orphaned: i64,
    /// Occupancy units of holds that would not lapse with their hold
    /// (another expiry written on them): a hold outliving its expiry.
    pub lingering: i64,
}

impl Store {
    /// Checks what the database guarantees about bookings (for tests and
    /// checks after a crash): no two booked reservations of one guichet
    /// overlap, every booked reservation holds exactly its occupancy units
    /// (those before the time given back, once the person has left or
    /// never came), and no unit belongs to a cancelled reservation.
    pub fn booking_integrity(&self) -> Result<Integrity, StoreError> {
        use std::collections::HashMap;
        let mut pooled = self.conn()?;
        let conn: &mut AnyConnection = &mut pooled;
        // Every appointment that keeps its guichet's time, up to when it
        // was given back (the person left or never came).
        let booked: Vec<(String, String, chrono::NaiveDateTime, chrono::NaiveDateTime)> =
            reservations::table
                .filter(reservations::status.eq_any(status::KEEPING_TIME))
                .order((reservations::guichet_id, reservations::starts_at))
                .select((
                    reservations::id,
                    reservations::guichet_id,
                    reservations::starts_at,
                    crate::db::coalesce(reservations::freed_from, reservations::ends_at),
                ))
                .load(conn)?;
        let units_of: HashMap<Option<String>, i64> = guichet_occupancy::table
            .filter(guichet_occupancy::reservation_id.is_not_null())
            .group_by(guichet_occupancy::reservation_id)
            .select((guichet_occupancy::reservation_id, diesel::dsl::count_star()))
            .load::<(Option<String>, i64)>(conn)?
            .into_iter()
            .collect();
        let mut integrity = Integrity::default();
        for pair in booked.windows(2) {
            if pair[0].1 == pair[1].1 && pair[1].2 < pair[0].3 {
                integrity.overlapping += 1;
            }
        }
        for (id, _, start, end) in &booked {
            let expected = units(from_db(*start), from_db(*end)).len() as i64;
            if units_of.get(&Some(id.clone())).copied().unwrap_or(0) != expected {
                integrity.incomplete += 1;
            }
        }
        let booked_ids: std::collections::HashSet<&String> =
            booked.iter().map(|(id, ..)| id).collect();
        integrity.orphaned = units_of
            .iter()
            .filter(|(id, _)| id.as_ref().is_some_and(|id| !booked_ids.contains(id)))
            .map(|(_, n)| n)
            .sum();
        let hold_expiry: HashMap<String, chrono::NaiveDateTime> = holds::table
            .select((holds::id, holds::expires_at))
            .load(conn)?
            .into_iter()
            .collect();
        let hold_units: Vec<(Option<String>, Option<chrono::NaiveDateTime>)> =
            guichet_occupancy::table
                .filter(guichet_occupancy::hold_id.is_not_null())
                .select((guichet_occupancy::hold_id, guichet_occupancy::expires_at))
                .load(conn)?;
        integrity.lingering = hold_units
            .iter()
            .filter(|(hold, expires)| {
                hold.as_ref().and_then(|h| hold_expiry.get(h)) != expires.as_ref()
            })
            .count() as i64;
        Ok(integrity)
    }

    /// How many reservations exist, whatever their status (for tests and checks).
    pub fn count_reservations(&self) -> Result<i64, StoreError> {
        reservations::table
            .count()
            .get_result(&mut **self.conn()?)
            .map_err(StoreError::from)
    }

    /// How many reservations of a motif are booked (for tests and checks).
    pub fn count_booked(&self, motif_id: MotifId) -> Result<i64, StoreError> {
        reservations::table
            .filter(reservations::motif_id.eq(motif_id.to_string()))
            .filter(reservations::status.eq(status::BOOKED))
            .count()
            .get_result(&mut **self.conn()?)
            .map_err(StoreError::from)
    }
}
