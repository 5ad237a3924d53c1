//! Reading the référentiel: sites, their motifs, and everything the slot
//! engine needs about one motif.

use planipref_domain::channel::Channel;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use planipref_domain::ids::{GuichetId, MotifId};
use planipref_domain::plage::{Plage, Weekdays};
use planipref_domain::slots::Busy;

use crate::db::{AnyConnection, on_backend};
use crate::models::*;
use crate::schedule_cache::Organisation;
use crate::schema::*;
use crate::{Store, StoreError, from_db, to_db};

/// One page of a list, and how many items there are in all.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Items across all pages.
    pub total: i64,
}

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
    /// closures.
    pub busy: Vec<Busy>,
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

/// Where a site's availability stands: the site's own counter (audited
/// changes) and the sum of its guichets' counters (their versions, raised
/// by administrative changes, and their bookings and cancellations, in
/// `guichet_bookings`). Any change grows one of them: deleting a guichet
/// lowers the sum, but raises the site's counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AvailabilityVersion {
    /// Audited changes of the site.
    pub site: i64,
    /// Sum of its guichets' versions and booking counters.
    pub guichets: i64,
}

/// A site's calendar exceptions over a period.
#[derive(Debug, Clone, Default)]
pub struct SiteExceptions {
    /// Holidays on which it opens all the same, with the reason.
    pub openings: Vec<(chrono::NaiveDate, String)>,
    /// Closures overlapping the period.
    pub closures: Vec<FermetureRow>,
}

impl Store {
    /// The openings on holidays and closures of a site between two local
    /// days (closures: those overlapping the instants `from`..`to`).
    pub fn site_exceptions(
        &self,
        site_id: &str,
        days: (chrono::NaiveDate, chrono::NaiveDate),
        instants: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<SiteExceptions, StoreError> {
        self.with_conn(|c| site_exceptions(c, site_id, days, instants))
    }

    /// Sites, ordered by préfecture then name, optionally of one préfecture.
    pub fn list_sites(
        &self,
        prefecture: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> Result<Page<SiteRow>, StoreError> {
        let mut pooled = self.conn()?;
        let conn: &mut AnyConnection = &mut pooled;
        let filtered = || {
            let mut q = sites::table.into_boxed();
            if let Some(code) = prefecture {
                q = q.filter(sites::prefecture_code.eq(code.to_owned()));
            }
            q
        };
        let total = filtered().count().get_result(conn)?;
        let items = filtered()
            .order((sites::prefecture_code, sites::name))
            .offset(offset)
            .limit(limit)
            .select(SiteRow::as_select())
            .load(conn)?;
        Ok(Page { items, total })
    }

    /// One site.
    pub fn get_site(&self, id: &str) -> Result<SiteRow, StoreError> {
        sites::table
            .find(id)
            .select(SiteRow::as_select())
            .first(&mut **self.conn()?)
            .map_err(StoreError::from)
    }

    /// The motifs booked at a site with their services, by service then label.
    /// `NotFound` when the site does not exist.
    pub fn list_site_motifs(
        &self,
        site_id: &str,
    ) -> Result<Vec<(MotifRow, ServiceRow)>, StoreError> {
        let mut pooled = self.conn()?;
        let conn: &mut AnyConnection = &mut pooled;
        sites::table
            .find(site_id)
            .select(sites::id)
            .first::<String>(conn)?;
        motifs::table
            .inner_join(services::table)
            .filter(services::site_id.eq(site_id))
            .order((services::name, motifs::label))
            .select((MotifRow::as_select(), ServiceRow::as_select()))
            .load(conn)
            .map_err(StoreError::from)
    }

    /// The site a motif is booked at (which never changes).
    pub fn motif_site(&self, motif_id: &str) -> Result<String, StoreError> {
        motifs::table
            .inner_join(services::table)
            .filter(motifs::id.eq(motif_id))
            .select(services::site_id)
            .first(&mut **self.conn()?)
            .map_err(StoreError::from)
    }

    /// The availability version of one site: it changes, in the same
    /// transaction, with every booking, cancellation or audited change of
    /// the site, and never takes a former value. Read it before the data a
    /// cached answer is computed from. `NotFound` if there is no such site.
    /// A query of fixed shape, so its prepared statement is reused. The
    /// joins are written flat: SQLite would build a nested one for every
    /// guichet in the country before picking the site's.
    pub fn availability_version(&self, site_id: &str) -> Result<AvailabilityVersion, StoreError> {
        let (site, guichets, bookings): (i32, Option<i64>, Option<i64>) = sites::table
            .left_join(guichets::table)
            .left_join(guichet_bookings::table.on(guichet_bookings::guichet_id.eq(guichets::id)))
            .filter(sites::id.eq(site_id))
            .group_by(sites::availability_version)
            .select((
                sites::availability_version,
                diesel::dsl::sum(guichets::version.nullable()),
                diesel::dsl::sum(guichet_bookings::version.nullable()),
            ))
            .first(&mut **self.conn()?)?;
        Ok(AvailabilityVersion {
            site: i64::from(site),
            guichets: guichets.unwrap_or(0) + bookings.unwrap_or(0),
        })
    }

    /// The availability versions of the sites of préfecture `departement`,
    /// in one query of fixed shape (PostgreSQL plans it once).
    pub fn departement_availability_versions(
        &self,
        departement: &str,
    ) -> Result<HashMap<String, AvailabilityVersion>, StoreError> {
        let rows: Vec<(String, i32, Option<i64>, Option<i64>)> = sites::table
            .left_join(guichets::table)
            .left_join(guichet_bookings::table.on(guichet_bookings::guichet_id.eq(guichets::id)))
            .filter(sites::prefecture_code.eq(departement))
            .group_by((sites::id, sites::availability_version))
            .select((
                sites::id,
                sites::availability_version,
                diesel::dsl::sum(guichets::version.nullable()),
                diesel::dsl::sum(guichet_bookings::version.nullable()),
            ))
            .load(&mut **self.conn()?)?;
        Ok(versions(rows))
    }

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
            .filter(reservations::status.eq(status::BOOKED))
            .filter(reservations::starts_at.lt(to_db(to)))
            .filter(reservations::ends_at.gt(to_db(from)))
            // No appointment lasts longer than a group's: this bound lets
            // the (guichet, start) index skip the guichet's past.
            .filter(reservations::starts_at.gt(to_db(from - longest_appointment())))
            .select((
                reservations::guichet_id,
                reservations::starts_at,
                reservations::ends_at,
                None::<chrono::NaiveDateTime>
                    .into_sql::<diesel::sql_types::Nullable<diesel::sql_types::Timestamp>>(),
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
            ));
        type BusyRow = (
            String,
            chrono::NaiveDateTime,
            chrono::NaiveDateTime,
            Option<chrono::NaiveDateTime>,
        );
        // Diesel's multi-backend connection builds no UNION: each backend
        // runs its own.
        let rows: Vec<BusyRow> = on_backend!(conn, |c| booked.union_all(held).load(c))?;
        let mut busy = Vec::with_capacity(rows.len() + org.closures.len());
        let mut holds_expire: Option<DateTime<Utc>> = None;
        for (g, start, end, expires) in rows {
            if let Some(expires) = expires.map(from_db) {
                holds_expire = Some(holds_expire.map_or(expires, |e| e.min(expires)));
            }
            busy.push(Busy {
                guichet_id: parse_id(&g)?,
                start: from_db(start),
                end: from_db(end),
            });
        }
        // By guichet, as the engine reads them fastest.
        busy.sort_unstable_by_key(|b| (b.guichet_id, b.start));
        busy.extend_from_slice(&org.closures);
        Ok(MotifSchedule {
            motif: org.motif.clone(),
            service: org.service.clone(),
            site: org.site.clone(),
            guichets: org.guichets.clone(),
            plages: org.plages.clone(),
            busy,
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
                return Ok(kept.organisation);
            }
        }
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
    let (motif, service, site, rules, site_version) = motifs::table
        .inner_join(services::table.inner_join(sites::table.inner_join(prefectures::table)))
        .filter(motifs::id.eq(motif_id))
        .select((
            MotifRow::as_select(),
            ServiceRow::as_select(),
            SiteRow::as_select(),
            PrefectureRulesRow::as_select(),
            sites::availability_version,
        ))
        .first(conn)?;

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

/// Availability versions from (site, site counter, sum of guichet counters).
fn versions(
    rows: Vec<(String, i32, Option<i64>, Option<i64>)>,
) -> HashMap<String, AvailabilityVersion> {
    rows.into_iter()
        .map(|(id, site, guichets, bookings)| {
            (
                id,
                AvailabilityVersion {
                    site: i64::from(site),
                    guichets: guichets.unwrap_or(0) + bookings.unwrap_or(0),
                },
            )
        })
        .collect()
}

/// The longest an appointment can last: a group's at most.
fn longest_appointment() -> chrono::Duration {
    chrono::Duration::minutes(i64::from(planipref_domain::motif::MAX_GROUP_MINUTES))
}

pub(crate) fn site_exceptions(
    c: &mut AnyConnection,
    site_id: &str,
    (first, last): (chrono::NaiveDate, chrono::NaiveDate),
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<SiteExceptions, StoreError> {
    let openings = ouvertures::table
        .filter(ouvertures::site_id.eq(site_id))
        .filter(ouvertures::day.ge(first))
        .filter(ouvertures::day.le(last))
        .order(ouvertures::day)
        .select((ouvertures::day, ouvertures::reason))
        .load(c)?;
    let closures = fermetures::table
        .filter(fermetures::site_id.eq(site_id))
        .filter(fermetures::starts_at.lt(to_db(to)))
        .filter(fermetures::ends_at.gt(to_db(from)))
        .order(fermetures::starts_at)
        .select(FermetureRow::as_select())
        .load(c)?;
    Ok(SiteExceptions { openings, closures })
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

/// Reads a stored identifier into its typed form.
pub(crate) fn parse_id<T: std::str::FromStr>(raw: &str) -> Result<T, StoreError> {
    raw.parse()
        .map_err(|_| StoreError::Corrupt(format!("identifier {raw:?}")))
}
