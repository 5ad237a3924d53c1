//! Plages: a guichet's recurring opening ranges, with the motifs some are
//! restricted to. A new or changed plage must fit its guichet (motifs it
//! serves, no overlap); a change that would leave booked appointments
//! uncovered is refused, or flags them to be re-booked. Also how plages
//! are read for the slot engine and for bookings (narrowed to their
//! guichet's working period) and for administrative checks (as written).

use std::collections::HashMap;

use chrono_tz::Tz;
use diesel::prelude::*;
use planipref_domain::ids::MotifId;
use planipref_domain::plage::{Plage, Weekdays, check_new_plage, plages_cover};

use crate::audit::{AuditEntry, record};
use crate::db::{AnyConnection, write_transaction};
use crate::imports::{ImportedFrom, record_mapping};
use crate::models::*;
use crate::reservation_history::{BookedTime, flag_for_rebooking};
use crate::revision::{Edited, advance};
use crate::schema::*;
use crate::{Page, Store, StoreError, to_db};

impl Store {
    /// Creates a plage if it fits the guichet (motifs it serves, no overlap
    /// with its other plages), and records it. The guichet row is locked
    /// first, so two overlapping plages created at once cannot both pass.
    pub fn create_plage(
        &self,
        row: &PlageRow,
        plage: &Plage,
        (audit, imported): (&AuditEntry, Option<&ImportedFrom>),
    ) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                diesel::update(guichets::table.find(&row.guichet_id))
                    .set(guichets::version.eq(guichets::version + 1))
                    .execute(c)?;
                let served: Vec<MotifId> = guichet_motifs::table
                    .filter(guichet_motifs::guichet_id.eq(&row.guichet_id))
                    .select(guichet_motifs::motif_id)
                    .load::<String>(c)?
                    .iter()
                    .map(|m| parse_id(m))
                    .collect::<Result<_, _>>()?;
                let others = plages_of(c, std::slice::from_ref(&row.guichet_id))?;
                check_new_plage(plage, &served, &others).map_err(StoreError::Rejected)?;
                diesel::insert_into(plages::table).values(row).execute(c)?;
                for m in &plage.motifs {
                    diesel::insert_into(plage_motifs::table)
                        .values((
                            plage_motifs::plage_id.eq(&row.id),
                            plage_motifs::motif_id.eq(m.to_string()),
                        ))
                        .execute(c)?;
                }
                if let Some(from) = imported {
                    record_mapping(c, from, &row.id, audit.at)?;
                }
                record(c, audit)
            })
        })
    }

    /// A guichet's plages by start, as written (not narrowed to the
    /// guichet's working period).
    pub fn list_plages(
        &self,
        guichet_id: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Page<(PlageRow, Plage)>, StoreError> {
        self.with_conn(|c| {
            let of_guichet = || plages::table.filter(plages::guichet_id.eq(guichet_id));
            let total = of_guichet().count().get_result(c)?;
            let rows: Vec<PlageRow> = of_guichet()
                .order((plages::start_time, plages::valid_from, plages::id))
                .offset(offset)
                .limit(limit)
                .select(PlageRow::as_select())
                .load(c)?;
            let plages = with_restrictions(c, rows.clone())?;
            let items = rows.into_iter().zip(plages).collect();
            Ok(Page { items, total })
        })
    }

    /// A plage with its motif restriction and its site.
    pub fn get_plage(&self, id: &str) -> Result<(PlageRow, Plage, SiteRow), StoreError> {
        self.with_conn(|c| {
            let (row, site): (PlageRow, SiteRow) = plages::table
                .inner_join(guichets::table.inner_join(sites::table))
                .filter(plages::id.eq(id))
                .select((PlageRow::as_select(), SiteRow::as_select()))
                .first(c)?;
            let plage = plages_by_id(c, std::slice::from_ref(&row.id))?
                .pop()
                .ok_or(StoreError::NotFound)?;
            Ok((row, plage, site))
        })
    }

    /// Replaces (`Some`, the change made from the plage's revision
    /// `row.revision`; `Outdated` if it changed meanwhile) or deletes
    /// (`None`) a plage. Booked future
    /// appointments of its guichet that no remaining plage covers are never
    /// silently orphaned: without `flag` the change is refused (`Affected`,
    /// nothing written); with `flag` it applies and they are marked to be
    /// re-booked, each with a history entry. Returns the flagged references.
    pub fn replace_plage(
        &self,
        plage_id: &str,
        guichet_id: &str,
        new: Option<(&PlageRow, &Plage)>,
        tz: Tz,
        flag: bool,
        audit: &AuditEntry,
    ) -> Result<Vec<String>, StoreError> {
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                diesel::update(guichets::table.find(guichet_id))
                    .set(guichets::version.eq(guichets::version + 1))
                    .execute(c)?;
                // After its guichet, as every writer locks them.
                if let Some((row, _)) = new {
                    advance(c, Edited::Plage, plage_id, row.revision)?;
                }
                let other_ids: Vec<String> = plages::table
                    .filter(plages::guichet_id.eq(guichet_id))
                    .filter(plages::id.ne(plage_id))
                    .select(plages::id)
                    .load(c)?;
                let mut remaining = plages_by_id(c, &other_ids)?;
                diesel::delete(plage_motifs::table.filter(plage_motifs::plage_id.eq(plage_id)))
                    .execute(c)?;
                match new {
                    Some((row, plage)) => {
                        let served: Vec<MotifId> = guichet_motifs::table
                            .filter(guichet_motifs::guichet_id.eq(guichet_id))
                            .select(guichet_motifs::motif_id)
                            .load::<String>(c)?
                            .iter()
                            .map(|m| parse_id(m))
                            .collect::<Result<_, _>>()?;
                        check_new_plage(plage, &served, &remaining)
                            .map_err(StoreError::Rejected)?;
                        let updated = diesel::update(plages::table.find(plage_id))
                            .set((
                                plages::weekdays.eq(row.weekdays),
                                plages::start_time.eq(row.start_time),
                                plages::end_time.eq(row.end_time),
                                plages::valid_from.eq(row.valid_from),
                                plages::valid_until.eq(row.valid_until),
                            ))
                            .execute(c)?;
                        if updated == 0 {
                            return Err(StoreError::NotFound);
                        }
                        for m in &plage.motifs {
                            diesel::insert_into(plage_motifs::table)
                                .values((
                                    plage_motifs::plage_id.eq(plage_id),
                                    plage_motifs::motif_id.eq(m.to_string()),
                                ))
                                .execute(c)?;
                        }
                        remaining.push(plage.clone());
                    }
                    None => {
                        if diesel::delete(plages::table.find(plage_id)).execute(c)? == 0 {
                            return Err(StoreError::NotFound);
                        }
                    }
                }
                let booked: Vec<BookedTime> = reservations::table
                    .filter(reservations::guichet_id.eq(guichet_id))
                    .filter(reservations::status.eq(status::BOOKED))
                    .filter(reservations::needs_rebooking.eq(false))
                    .filter(reservations::starts_at.gt(to_db(audit.at)))
                    .order(reservations::starts_at)
                    .select((
                        reservations::id,
                        reservations::reference,
                        reservations::motif_id,
                        reservations::starts_at,
                        reservations::ends_at,
                    ))
                    .load(c)?;
                let mut affected = Vec::new();
                for (id, reference, motif, start, end) in booked {
                    let motif: MotifId = parse_id(&motif)?;
                    if !plages_cover(
                        &remaining,
                        motif,
                        tz,
                        crate::from_db(start),
                        crate::from_db(end),
                    ) {
                        affected.push((id, reference));
                    }
                }
                if !affected.is_empty() && !flag {
                    return Err(StoreError::Affected(
                        affected.into_iter().map(|(_, r)| r).collect(),
                    ));
                }
                for (id, _) in &affected {
                    let why = format!("plage {plage_id} {}", audit.action);
                    flag_for_rebooking(c, id, &audit.actor, &why, audit.at)?;
                }
                record(c, audit)?;
                Ok(affected.into_iter().map(|(_, r)| r).collect())
            })
        })
    }
}

/// Some plages by id, with their motif restrictions.
pub(crate) fn plages_by_id(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<Vec<Plage>, StoreError> {
    let rows: Vec<PlageRow> = plages::table
        .filter(plages::id.eq_any(ids))
        .select(PlageRow::as_select())
        .load(conn)?;
    with_restrictions(conn, rows)
}

/// The plages of some guichets, with their motif restrictions.
pub(crate) fn plages_of(
    conn: &mut AnyConnection,
    guichet_ids: &[String],
) -> Result<Vec<Plage>, StoreError> {
    let plage_rows: Vec<PlageRow> = plages::table
        .filter(plages::guichet_id.eq_any(guichet_ids))
        .select(PlageRow::as_select())
        .load(conn)?;
    with_restrictions(conn, plage_rows)
}

/// The plages of some guichets as they apply: each narrowed to its
/// guichet's working period (and left out when they do not meet). Slots
/// (the organisation a process keeps) and bookings read these;
/// administrative checks read the plages as written.
///
/// One query (bookings run it under their guichet's lock): each plage with
/// its guichet's period, once per motif it is restricted to.
pub(crate) fn working_plages_of(
    conn: &mut AnyConnection,
    guichet_ids: &[String],
) -> Result<Vec<Plage>, StoreError> {
    type Period = (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>);
    let rows: Vec<(PlageRow, Period, Option<String>)> = plages::table
        .inner_join(guichets::table)
        .left_join(plage_motifs::table)
        .filter(plages::guichet_id.eq_any(guichet_ids))
        .select((
            PlageRow::as_select(),
            (guichets::active_from, guichets::active_until),
            plage_motifs::motif_id.nullable(),
        ))
        .load(conn)?;
    // Each plage once, in the order first met, with its restrictions.
    let mut plages: Vec<(PlageRow, Period, Vec<MotifId>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (plage, period, motif) in rows {
        let at = *index.entry(plage.id.clone()).or_insert_with(|| {
            plages.push((plage, period, Vec::new()));
            plages.len() - 1
        });
        if let (Some(motif), Some((.., motifs))) = (motif, plages.get_mut(at)) {
            motifs.push(parse_id(&motif)?);
        }
    }
    plages
        .into_iter()
        .filter_map(|(row, (from, until), motifs)| match to_plage(row, motifs) {
            Ok(plage) => plage.within(from, until).map(Ok),
            Err(e) => Some(Err(e)),
        })
        .collect()
}

/// Plages of `plage_rows`, in the same order, with their motif restrictions.
pub(crate) fn with_restrictions(
    conn: &mut AnyConnection,
    plage_rows: Vec<PlageRow>,
) -> Result<Vec<Plage>, StoreError> {
    let plage_ids: Vec<&str> = plage_rows.iter().map(|p| p.id.as_str()).collect();
    let mut restrictions: HashMap<String, Vec<MotifId>> = HashMap::new();
    for (plage_id, motif) in plage_motifs::table
        .filter(plage_motifs::plage_id.eq_any(&plage_ids))
        .select((plage_motifs::plage_id, plage_motifs::motif_id))
        .load::<(String, String)>(conn)?
    {
        restrictions
            .entry(plage_id)
            .or_default()
            .push(parse_id(&motif)?);
    }
    plage_rows
        .into_iter()
        .map(|p| {
            let motifs = restrictions.remove(&p.id).unwrap_or_default();
            to_plage(p, motifs)
        })
        .collect()
}

fn to_plage(row: PlageRow, motifs: Vec<MotifId>) -> Result<Plage, StoreError> {
    Ok(Plage {
        guichet_id: parse_id(&row.guichet_id)?,
        weekdays: Weekdays::from_bits(row.weekdays)
            .ok_or_else(|| StoreError::Corrupt(format!("plage {} weekdays", row.id)))?,
        start: row.start_time,
        end: row.end_time,
        valid_from: row.valid_from,
        valid_until: row.valid_until,
        motifs,
    })
}
