//! What the slot engine needs to know about one motif over a period
//! ([`MotifSchedule`]): its organisation, kept by this process while its
//! site is unchanged (see [`crate::schedule_cache`]), with the period's
//! bookings and live holds, always read afresh.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use planipref_domain::channel::Channel;
use planipref_domain::ids::GuichetId;
use planipref_domain::plage::Plage;
use planipref_domain::slots::Busy;

use crate::db::{AnyConnection, on_backend};
use crate::models::*;
use crate::plages::working_plages_of;
use crate::schedule_cache::Organisation;
use crate::schema::*;
use crate::{Store, StoreError, from_db, to_db};

/// What the slot engine needs to know about one motif over a period.
#[derive(Debug, Clone)]
pub struct MotifSchedule {
    /// The motif.
    pub motif: MotifRow,
    /// Its service.
    pub service: ServiceRow,
    /// Its site (address, time zone).
    pub site: SiteRow,
    /// The active guichets serving it.
    pub guichets: Vec<GuichetId>,
    /// Their plages.
    pub plages: Vec<Plage>,
    /// Their booked and held times within the period (any motif), and
    /// closures: the guichets' own time (lane 0).
    pub busy: Vec<Busy>,
    /// Their over-booked places' times (lane 1, any motif), and closures.
    pub extra_busy: Vec<Busy>,
    /// The starts of the motif's over-booked appointments and live holds
    /// within the period: the extra places its days have taken.
    pub extra_taken: Vec<DateTime<Utc>>,
    /// Its préfecture's over-booking policy.
    pub overbooking: planipref_domain::overbooking::Overbooking,
    /// When the first of the live holds among `busy` expires: what was
    /// computed from this schedule is stale from then on, without any
    /// write to say so.
    pub holds_expire: Option<DateTime<Utc>>,
    /// Holidays within the period on which the site opens all the same.
    pub openings: Vec<chrono::NaiveDate>,
    /// Its préfecture's anti-capture rules.
    pub rules: PrefectureRulesRow,
    /// The secret new days' opening moments are drawn from.
    pub opening_secret: std::sync::Arc<str>,
    /// Those of `guichets` kept for convocations.
    pub convocation_guichets: Vec<GuichetId>,
    /// Those of `guichets` kept for people without an appointment.
    pub walk_in_guichets: Vec<GuichetId>,
}

impl Store {
    /// Everything needed to compute the motif's slots between `from` and
    /// `to` (instants bounding the local days searched), with the holds
    /// live at `now`.
    ///
    /// The organisation (motif, site, guichets, plages, closures and
    /// openings of the period) comes from this process's cache while the
    /// site's counter of audited changes stands where it was when it was
    /// read (see [`crate::schedule_cache`]); bookings and live holds are
    /// always read afresh.
    pub fn motif_schedule(
        &self,
        motif_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<MotifSchedule, StoreError> {
        let mut pooled = self.conn()?;
        let conn: &mut AnyConnection = &mut pooled;
        let org = self.organisation(conn, motif_id, (from, to))?;
        let opening_secret = self.opening_secret(conn)?;
        let guichet_ids = &org.guichet_ids;

        // Bookings and live holds (which take their guichet exactly like
        // reservations) in one query; a hold's row carries its expiry.
        let booked = reservations::table
            .filter(reservations::guichet_id.eq_any(guichet_ids))
            .filter(reservations::status.eq_any(status::KEEPING_TIME))
            .filter(reservations::starts_at.lt(to_db(to)))
            .filter(reservations::ends_at.gt(to_db(from)))
            // No appointment lasts longer than a group's: this bound lets
            // the (guichet, start) index skip the guichet's past.
            .filter(reservations::starts_at.gt(to_db(from - longest_appointment())))
            .select((
                reservations::guichet_id,
                reservations::starts_at,
                // Once the person has left or never came, the rest of the
                // time was given back.
                crate::db::coalesce(reservations::freed_from, reservations::ends_at),
                None::<chrono::NaiveDateTime>
                    .into_sql::<diesel::sql_types::Nullable<diesel::sql_types::Timestamp>>(),
                reservations::overbooked,
                reservations::motif_id,
            ));
        let held = holds::table
            .filter(holds::guichet_id.eq_any(guichet_ids))
            .filter(holds::expires_at.gt(to_db(now)))
            .filter(holds::starts_at.lt(to_db(to)))
            .filter(holds::ends_at.gt(to_db(from)))
            .select((
                holds::guichet_id,
                holds::starts_at,
                holds::ends_at,
                holds::expires_at.nullable(),
                holds::overbooked,
                holds::motif_id,
            ));
        type BusyRow = (
            String,
            chrono::NaiveDateTime,
            chrono::NaiveDateTime,
            Option<chrono::NaiveDateTime>,
            bool,
            String,
        );
        // Diesel's multi-backend connection builds no UNION: each backend
        // runs its own.
        let rows: Vec<BusyRow> = on_backend!(conn, |c| booked.union_all(held).load(c))?;
        let mut busy = Vec::with_capacity(rows.len() + org.closures.len());
        let (mut extra_busy, mut extra_taken) = (Vec::new(), Vec::new());
        let mut holds_expire: Option<DateTime<Utc>> = None;
        for (g, start, end, expires, overbooked, motif) in rows {
            if let Some(expires) = expires.map(from_db) {
                holds_expire = Some(holds_expire.map_or(expires, |e| e.min(expires)));
            }
            let taken = Busy {
                guichet_id: parse_id(&g)?,
                start: from_db(start),
                end: from_db(end),
            };
            if !overbooked {
                busy.push(taken);
                continue;
            }
            if motif == motif_id {
                extra_taken.push(taken.start);
            }
            extra_busy.push(taken);
        }
        // By guichet, as the engine reads them fastest.
        busy.sort_unstable_by_key(|b| (b.guichet_id, b.start));
        busy.extend_from_slice(&org.closures);
        extra_busy.sort_unstable_by_key(|b| (b.guichet_id, b.start));
        extra_busy.extend_from_slice(&org.closures);
        Ok(MotifSchedule {
            motif: org.motif.clone(),
            service: org.service.clone(),
            site: org.site.clone(),
            guichets: org.guichets.clone(),
            plages: org.plages.clone(),
            busy,
            extra_busy,
            extra_taken,
            overbooking: org.overbooking,
            holds_expire,
            openings: org.openings.clone(),
            rules: org.rules,
            opening_secret,
            convocation_guichets: org.convocation_guichets.clone(),
            walk_in_guichets: org.walk_in_guichets.clone(),
        })
    }

    /// The motif's organisation over a period: kept by this process while
    /// its site's counter of audited changes is unchanged (one small query
    /// to check), read afresh otherwise.
    fn organisation(
        &self,
        conn: &mut AnyConnection,
        motif_id: &str,
        period: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Arc<Organisation>, StoreError> {
        let key = (motif_id.to_owned(), period);
        if let Some(kept) = self.schedules.get(&key) {
            let version: i32 = sites::table
                .find(&kept.organisation.site.id)
                .select(sites::availability_version)
                .first(conn)?;
            if version == kept.site_version {
                crate::telemetry::cache_lookup("schedule", true);
                return Ok(kept.organisation);
            }
        }
        crate::telemetry::cache_lookup("schedule", false);
        let (site_version, organisation) = read_organisation(conn, motif_id, period)?;
        let organisation = Arc::new(organisation);
        self.schedules.keep(key, site_version, organisation.clone());
        Ok(organisation)
    }
}

/// Reads a motif's organisation over a period, with its site's counter of
/// audited changes as it stood before (read in the first query): an
/// organisation kept under that counter is never newer than the counter
/// says, only possibly older, which the next check then catches.
fn read_organisation(
    conn: &mut AnyConnection,
    motif_id: &str,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<(i32, Organisation), StoreError> {
    let (motif, service, site, rules, overbooking, site_version) = motifs::table
        .inner_join(services::table.inner_join(sites::table.inner_join(prefectures::table)))
        .filter(motifs::id.eq(motif_id))
        .select((
            MotifRow::as_select(),
            ServiceRow::as_select(),
            SiteRow::as_select(),
            PrefectureRulesRow::as_select(),
            crate::overbooking::policy_columns(),
            sites::availability_version,
        ))
        .first(conn)?;
    let overbooking = crate::overbooking::policy(overbooking);

    let with_channels: Vec<(
        String,
        Option<chrono::NaiveDate>,
        Option<chrono::NaiveDate>,
        String,
    )> = guichet_motifs::table
        .inner_join(guichets::table)
        .filter(guichet_motifs::motif_id.eq(motif_id))
        .filter(guichets::active.eq(true))
        .select((
            guichets::id,
            guichets::active_from,
            guichets::active_until,
            guichets::channel,
        ))
        .load(conn)?;
    let of_channel = |channel: Channel| {
        with_channels
            .iter()
            .filter(|g| g.3 == channel.code())
            .map(|g| parse_id(&g.0))
            .collect::<Result<Vec<GuichetId>, StoreError>>()
    };
    let convocation_guichets = of_channel(Channel::Convocation)?;
    let walk_in_guichets = of_channel(Channel::WalkIn)?;
    let guichet_ids: Vec<String> = with_channels.into_iter().map(|(id, ..)| id).collect();
    let plages = working_plages_of(conn, &guichet_ids)?;

    // A closure makes its guichet (or every guichet of the site) busy
    // for its whole length: the engine needs no other rule for it.
    let closure_rows: Vec<(Option<String>, chrono::NaiveDateTime, chrono::NaiveDateTime)> =
        fermetures::table
            .filter(fermetures::site_id.eq(&site.id))
            .filter(fermetures::starts_at.lt(to_db(to)))
            .filter(fermetures::ends_at.gt(to_db(from)))
            .select((
                fermetures::guichet_id,
                fermetures::starts_at,
                fermetures::ends_at,
            ))
            .load(conn)?;
    let mut closures = Vec::new();
    for (guichet, start, end) in closure_rows {
        for g in guichet_ids
            .iter()
            .filter(|g| guichet.as_ref().is_none_or(|only| only == *g))
        {
            closures.push(Busy {
                guichet_id: parse_id(g)?,
                start: from_db(start),
                end: from_db(end),
            });
        }
    }
    let guichets = guichet_ids
        .iter()
        .map(|g| parse_id(g))
        .collect::<Result<_, _>>()?;
    let first = from.date_naive().pred_opt().unwrap_or(from.date_naive());
    let last = to.date_naive().succ_opt().unwrap_or(to.date_naive());
    let openings = ouvertures::table
        .filter(ouvertures::site_id.eq(&site.id))
        .filter(ouvertures::day.ge(first))
        .filter(ouvertures::day.le(last))
        .select(ouvertures::day)
        .load(conn)?;
    Ok((
        site_version,
        Organisation {
            motif,
            service,
            site,
            rules,
            overbooking,
            guichet_ids,
            guichets,
            plages,
            closures,
            openings,
            convocation_guichets,
            walk_in_guichets,
        },
    ))
}

/// The longest an appointment can last: a group's at most.
fn longest_appointment() -> chrono::Duration {
    chrono::Duration::minutes(i64::from(planipref_domain::motif::MAX_GROUP_MINUTES))
}
