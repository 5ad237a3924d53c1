//! Appointments counted by the database for statistics: one line per
//! period, key, channel, status, canceller and move, with how many and
//! their guichet minutes; and, for the medians, how many waited (or were
//! served) each number of minutes. Nothing is read one appointment at a
//! time.
//!
//! An appointment's period is that of its local day in its site's zone.
//! Neither database is asked about zones (SQLite knows none): the local
//! days' stretches of UTC time and the zone's offsets over them come from
//! chrono-tz ([`LocalDays`]), the query keeps the appointments of those
//! stretches and adds the offset of the time to each start (a `CASE` over
//! the few clock changes) before truncating it to its day, week (Monday)
//! or month. Minutes are whole minutes truncated toward zero, computed
//! exactly from microseconds on both databases, as `chrono`'s
//! `num_minutes` does.
//!
//! The SQL differs between the backends only in its date and time
//! functions; everything else is shared and bound by position (`$1`,
//! `$2`, … in the order they appear, which both accept).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Text, Timestamp};
use planipref_domain::local_days::LocalDays;
use planipref_domain::stats::{CancelledBy, Counted, Dimension, Measure, Period, Timed};

use crate::db::{AnyConnection, on_backend};
use crate::{StoreError, to_db};

/// The SQL dialect of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Sqlite,
    Postgres,
}

/// A value bound to a query.
#[derive(Debug, Clone)]
enum Bound {
    Text(String),
    Time(NaiveDateTime),
}

/// A query being written, with its values in the order it names them.
#[derive(Debug, Default)]
struct Sql {
    text: String,
    binds: Vec<Bound>,
}

impl Sql {
    /// Appends `text`.
    fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends the placeholder of `value`.
    fn bind(&mut self, value: Bound) -> &mut Self {
        self.binds.push(value);
        let n = self.binds.len();
        self.text.push_str(&format!("${n}"));
        self
    }
}

/// What is counted: some sites of one zone, over their local days.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope<'a> {
    /// The sites.
    pub sites: &'a [&'a str],
    /// Their local days.
    pub days: &'a LocalDays,
    /// The periods lines are counted by.
    pub period: Period,
    /// The key lines are counted by.
    pub dimension: Dimension,
}

/// A line of counts.
#[derive(Debug, QueryableByName)]
struct CountRow {
    #[diesel(sql_type = Date)]
    period: NaiveDate,
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = Text)]
    channel: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Integer)]
    cancelled_by: i32,
    #[diesel(sql_type = Integer)]
    moved: i32,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = BigInt)]
    minutes: i64,
}

/// A line of durations.
#[derive(Debug, QueryableByName)]
struct TimedRow {
    #[diesel(sql_type = Date)]
    period: NaiveDate,
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = Integer)]
    measure: i32,
    #[diesel(sql_type = BigInt)]
    minutes: i64,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The appointments of `scope`, counted.
pub(crate) fn counted(c: &mut AnyConnection, scope: &Scope) -> Result<Vec<Counted>, StoreError> {
    if scope.sites.is_empty() || scope.days.ranges.is_empty() {
        return Ok(Vec::new());
    }
    let sql = counts_sql(dialect(c), scope);
    let rows: Vec<CountRow> = on_backend!(c, |c| {
        let mut q = diesel::sql_query(sql.text.as_str()).into_boxed();
        for b in &sql.binds {
            q = match b {
                Bound::Text(t) => q.bind::<Text, _>(t.as_str()),
                Bound::Time(t) => q.bind::<Timestamp, _>(*t),
            };
        }
        q.load(c)
    })?;
    Ok(rows
        .into_iter()
        .map(|r| Counted {
            period: r.period,
            key: r.key,
            channel: r.channel,
            status: r.status,
            cancelled_by: match r.cancelled_by {
                2 => Some(CancelledBy::Agent),
                1 => Some(CancelledBy::Applicant),
                _ => None,
            },
            moved: r.moved != 0,
            count: u64::try_from(r.n).unwrap_or_default(),
            minutes: r.minutes,
        })
        .collect())
}

/// The waits and services measured at the counter of `scope`'s
/// appointments, counted by minutes.
pub(crate) fn timed(c: &mut AnyConnection, scope: &Scope) -> Result<Vec<Timed>, StoreError> {
    if scope.sites.is_empty() || scope.days.ranges.is_empty() {
        return Ok(Vec::new());
    }
    let sql = timed_sql(dialect(c), scope);
    let rows: Vec<TimedRow> = on_backend!(c, |c| {
        let mut q = diesel::sql_query(sql.text.as_str()).into_boxed();
        for b in &sql.binds {
            q = match b {
                Bound::Text(t) => q.bind::<Text, _>(t.as_str()),
                Bound::Time(t) => q.bind::<Timestamp, _>(*t),
            };
        }
        q.load(c)
    })?;
    Ok(rows
        .into_iter()
        .map(|r| Timed {
            period: r.period,
            key: r.key,
            measure: if r.measure == 0 {
                Measure::Wait
            } else {
                Measure::Service
            },
            minutes: r.minutes,
            count: u64::try_from(r.n).unwrap_or_default(),
        })
        .collect())
}

fn dialect(c: &AnyConnection) -> Dialect {
    match c {
        AnyConnection::Sqlite(_) => Dialect::Sqlite,
        AnyConnection::Postgresql(_) => Dialect::Postgres,
    }
}

/// The counts' query.
fn counts_sql(dialect: Dialect, scope: &Scope) -> Sql {
    let mut sql = Sql::default();
    sql.push("SELECT ");
    period_of(&mut sql, dialect, scope);
    sql.push(" AS period, ")
        .push(key_of(scope.dimension))
        .push(
            " AS key, r.channel AS channel, r.status AS status, \
             COALESCE(ch.cancelled_by, 0) AS cancelled_by, COALESCE(ch.moved, 0) AS moved, \
             COUNT(*) AS n, CAST(SUM(",
        )
        .push(&booked_minutes(dialect))
        .push(
            ") AS BIGINT) AS minutes FROM reservations r \
             LEFT JOIN (SELECT e.reservation_id AS id, \
             MAX(CASE WHEN e.action = 'cancelled' AND substr(e.actor, 1, 6) = 'agent:' THEN 2 \
             WHEN e.action = 'cancelled' THEN 1 ELSE 0 END) AS cancelled_by, \
             MAX(CASE WHEN e.action = 'rescheduled' THEN 1 ELSE 0 END) AS moved \
             FROM reservation_events e JOIN reservations s ON s.id = e.reservation_id \
             WHERE e.action IN ('cancelled', 'rescheduled') AND ",
        );
    within(&mut sql, "s", scope);
    sql.push(" GROUP BY e.reservation_id) ch ON ch.id = r.id WHERE ");
    within(&mut sql, "r", scope);
    sql.push(match scope.dimension {
        Dimension::None => " GROUP BY 1, 3, 4, 5, 6",
        _ => " GROUP BY 1, 2, 3, 4, 5, 6",
    });
    sql
}

/// The durations' query: waits (measure 0), then services (1).
fn timed_sql(dialect: Dialect, scope: &Scope) -> Sql {
    let mut sql = Sql::default();
    for (measure, (from, to)) in [
        (0, ("arrived_at", "called_at")),
        (1, ("called_at", "finished_at")),
    ] {
        if measure > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push("SELECT ");
        period_of(&mut sql, dialect, scope);
        sql.push(" AS period, ")
            .push(key_of(scope.dimension))
            .push(&format!(" AS key, {measure} AS measure, "))
            .push(&minutes_between(
                dialect,
                &format!("rc.{from}"),
                &format!("rc.{to}"),
            ))
            .push(
                " AS minutes, COUNT(*) AS n FROM reservations r \
                 JOIN reservation_counter rc ON rc.reservation_id = r.id WHERE ",
            );
        within(&mut sql, "r", scope);
        sql.push(&format!(
            " AND rc.{from} IS NOT NULL AND rc.{to} IS NOT NULL GROUP BY 1, "
        ))
        .push(match scope.dimension {
            Dimension::None => "4",
            _ => "2, 4",
        });
    }
    sql
}

/// The column of the key counted by.
fn key_of(dimension: Dimension) -> &'static str {
    match dimension {
        Dimension::None => "''",
        Dimension::Motif => "r.motif_id",
        Dimension::Guichet => "r.guichet_id",
        Dimension::Channel => "r.channel",
    }
}

/// `alias`'s appointments within the scope: its sites, its stretches of
/// time (through the (site, start) index).
fn within(sql: &mut Sql, alias: &str, scope: &Scope) {
    sql.push(&format!("{alias}.site_id IN ("));
    for (i, site) in scope.sites.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(Bound::Text((*site).to_owned()));
    }
    sql.push(") AND (");
    for (i, (start, end)) in scope.days.ranges.iter().enumerate() {
        if i > 0 {
            sql.push(" OR ");
        }
        sql.push(&format!("({alias}.starts_at >= "))
            .bind(Bound::Time(to_db(*start)))
            .push(&format!(" AND {alias}.starts_at < "))
            .bind(Bound::Time(to_db(*end)))
            .push(")");
    }
    sql.push(")");
}

/// The first day of the period of `r.starts_at`'s local day.
fn period_of(sql: &mut Sql, dialect: Dialect, scope: &Scope) {
    let (before, after) = match (dialect, scope.period) {
        (Dialect::Sqlite, Period::Day) => ("date(r.starts_at, (", ") || ' seconds')"),
        (Dialect::Sqlite, Period::Week) => (
            "date(r.starts_at, (",
            ") || ' seconds', '-6 days', 'weekday 1')",
        ),
        (Dialect::Sqlite, Period::Month) => {
            ("date(r.starts_at, (", ") || ' seconds', 'start of month')")
        }
        (Dialect::Postgres, Period::Day) => {
            ("CAST(r.starts_at + (", ") * INTERVAL '1 second' AS DATE)")
        }
        (Dialect::Postgres, Period::Week) => (
            "CAST(date_trunc('week', r.starts_at + (",
            ") * INTERVAL '1 second') AS DATE)",
        ),
        (Dialect::Postgres, Period::Month) => (
            "CAST(date_trunc('month', r.starts_at + (",
            ") * INTERVAL '1 second') AS DATE)",
        ),
    };
    sql.push(before);
    offset_of(sql, &scope.days.offsets);
    sql.push(after);
}

/// The zone's offset at `r.starts_at`, in seconds: the one offset, or a
/// `CASE` over the clock changes.
fn offset_of(sql: &mut Sql, offsets: &[(chrono::DateTime<chrono::Utc>, i32)]) {
    if let [(_, only)] = offsets {
        sql.push(&only.to_string());
        return;
    }
    sql.push("CASE");
    for pair in offsets.windows(2) {
        let ((_, before), (change, _)) = (pair[0], pair[1]);
        sql.push(" WHEN r.starts_at < ")
            .bind(Bound::Time(to_db(change)))
            .push(&format!(" THEN {before}"));
    }
    let last = offsets.last().map_or(0, |(_, o)| *o);
    sql.push(&format!(" ELSE {last} END"));
}

/// Guichet minutes of `r`: from its start to its end, or to when its
/// guichet was freed if earlier; none below zero.
fn booked_minutes(dialect: Dialect) -> String {
    let end = match dialect {
        Dialect::Sqlite => "MIN(COALESCE(r.freed_from, r.ends_at), r.ends_at)",
        Dialect::Postgres => "LEAST(COALESCE(r.freed_from, r.ends_at), r.ends_at)",
    };
    let minutes = minutes_between(dialect, "r.starts_at", end);
    match dialect {
        Dialect::Sqlite => format!("MAX(0, {minutes})"),
        Dialect::Postgres => format!("GREATEST(0, {minutes})"),
    }
}

/// Whole minutes from `a` to `b`, truncated toward zero, from their
/// microseconds.
fn minutes_between(dialect: Dialect, a: &str, b: &str) -> String {
    match dialect {
        Dialect::Sqlite => format!("(({}) - ({})) / 60000000", micros(b), micros(a)),
        Dialect::Postgres => {
            format!("CAST(EXTRACT(EPOCH FROM ({b} - {a})) * 1000000 AS BIGINT) / 60000000")
        }
    }
}

/// A SQLite timestamp (`YYYY-MM-DD HH:MM:SS` and up to nine decimals, as
/// diesel writes them) in microseconds since 1970.
fn micros(t: &str) -> String {
    format!(
        "unixepoch(substr({t}, 1, 19)) * 1000000 \
         + CAST(substr(substr({t}, 21) || '000000', 1, 6) AS INTEGER)"
    )
}
