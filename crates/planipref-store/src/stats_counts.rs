//! Appointments counted by the database for statistics: one line per
//! period, key, channel, status, canceller and move, with how many and
//! their guichet minutes; and, for the medians, how many waited (or were
//! served) each number of minutes. Nothing is read one appointment at a
//! time. Two passes over the sites' (site, start) index range, which
//! carries every column read (migration 000024): every appointment with
//! its counter times, then the ones cancelled or moved with their
//! history. Neither is a join the planner could turn into a loop over a
//! loop: both stay linear whatever the tables' statistics say.
//!
//! An appointment's period is that of its local day in its site's zone.
//! Neither database is asked about zones (SQLite knows none): where each
//! local day begins, in UTC, comes from chrono-tz ([`LocalDays`]), and so
//! where each period begins; the query keeps the appointments of the
//! days' stretches of UTC time and finds each one's period by comparing
//! its start with those instants (a balanced `CASE`: nine comparisons for
//! a year of days, four for its months), which costs less than any date
//! function and is the same SQL on both databases. Minutes are whole
//! minutes truncated toward zero, computed exactly from microseconds on
//! both, as `chrono`'s `num_minutes` does.
//!
//! The SQL differs between the backends only in how minutes between two
//! timestamps are computed; everything else is shared and bound by
//! position (`$1`, `$2`, … in the order they appear, which both accept).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};
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
#[derive(Debug, Clone)]
pub(crate) struct Scope<'a> {
    /// The sites.
    sites: &'a [&'a str],
    /// Their local days' stretches of UTC time.
    ranges: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// Where each period begins within them, and its first day.
    periods: Vec<(DateTime<Utc>, NaiveDate)>,
    /// The key lines are counted by.
    dimension: Dimension,
}

impl<'a> Scope<'a> {
    /// `sites`' appointments of `days`, by `period` and `dimension`.
    pub(crate) fn new(
        sites: &'a [&'a str],
        days: &LocalDays,
        (period, dimension): (Period, Dimension),
    ) -> Self {
        let mut periods: Vec<(DateTime<Utc>, NaiveDate)> = Vec::new();
        for (at, day) in &days.starts {
            let first = period.start_of(*day);
            if periods.last().is_none_or(|(_, p)| *p != first) {
                periods.push((*at, first));
            }
        }
        Self {
            sites,
            ranges: days.ranges.clone(),
            periods,
            dimension,
        }
    }

    /// Whether nothing can be counted.
    fn is_empty(&self) -> bool {
        self.sites.is_empty() || self.ranges.is_empty() || self.periods.is_empty()
    }

    /// The first day of the period of index `i`.
    fn period(&self, i: i32) -> NaiveDate {
        let i = usize::try_from(i).unwrap_or_default();
        self.periods
            .get(i)
            .or(self.periods.last())
            .map_or(NaiveDate::MIN, |(_, d)| *d)
    }
}

/// A line of counts: appointments alike, with their minutes; who
/// cancelled them and whether they were moved for the lines of changed
/// appointments only.
#[derive(Debug, QueryableByName)]
struct CountRow {
    #[diesel(sql_type = Integer)]
    period: i32,
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

/// A line of the appointments: alike, and alike at the counter (their
/// minutes of wait and of service, `None` when not measured).
#[derive(Debug, QueryableByName)]
struct LineRow {
    #[diesel(sql_type = Integer)]
    period: i32,
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = Text)]
    channel: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    wait: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    service: Option<i64>,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = BigInt)]
    minutes: i64,
}

/// Appointments counted, and their durations at the counter.
pub(crate) type Counts = (Vec<Counted>, Vec<Timed>);

/// Runs `sql` and reads its lines.
fn load<Row>(c: &mut AnyConnection, sql: &Sql) -> Result<Vec<Row>, StoreError>
where
    Row: QueryableByName<diesel::sqlite::Sqlite> + QueryableByName<diesel::pg::Pg> + 'static,
{
    Ok(on_backend!(c, |c| {
        let mut q = diesel::sql_query(sql.text.as_str()).into_boxed();
        for b in &sql.binds {
            q = match b {
                Bound::Text(t) => q.bind::<Text, _>(t.as_str()),
                Bound::Time(t) => q.bind::<Timestamp, _>(*t),
            };
        }
        q.load(c)
    })?)
}

/// The appointments of `scope`, counted, with their durations at the
/// counter. Two queries without a join between them, whatever the
/// planner thinks of the tables: all the appointments (with their counter
/// times, at most one row each), then those cancelled or moved (found
/// through the history's partial index) with who cancelled and whether
/// moved, taken from their lines.
pub(crate) fn counted(c: &mut AnyConnection, scope: &Scope) -> Result<Counts, StoreError> {
    if scope.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let dialect = dialect(c);
    let lines: Vec<LineRow> = load(c, &lines_sql(dialect, scope))?;
    let changed: Vec<CountRow> = load(c, &changes_sql(dialect, scope))?;
    type Line = (i32, String, String, String);
    let mut all: HashMap<Line, (i64, i64)> = HashMap::new();
    let mut durations = Vec::new();
    for r in lines {
        let count = u64::try_from(r.n).unwrap_or_default();
        for (measure, minutes) in [(Measure::Wait, r.wait), (Measure::Service, r.service)] {
            if let Some(minutes) = minutes {
                durations.push(Timed {
                    period: scope.period(r.period),
                    key: r.key.clone(),
                    measure,
                    minutes,
                    count,
                });
            }
        }
        let line = all
            .entry((r.period, r.key, r.channel, r.status))
            .or_default();
        line.0 += r.n;
        line.1 += r.minutes;
    }
    for r in &changed {
        let line = (r.period, r.key.clone(), r.channel.clone(), r.status.clone());
        if let Some(total) = all.get_mut(&line) {
            total.0 -= r.n;
            total.1 -= r.minutes;
        }
    }
    let unchanged = all.into_iter().filter(|(_, (n, _))| *n > 0).map(
        |((period, key, channel, status), (n, minutes))| CountRow {
            period,
            key,
            channel,
            status,
            cancelled_by: 0,
            moved: 0,
            n,
            minutes,
        },
    );
    let appointments = unchanged
        .chain(changed)
        .map(|r| Counted {
            period: scope.period(r.period),
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
        .collect();
    Ok((appointments, durations))
}

fn dialect(c: &AnyConnection) -> Dialect {
    match c {
        AnyConnection::Sqlite(_) => Dialect::Sqlite,
        AnyConnection::Postgresql(_) => Dialect::Postgres,
    }
}

/// All the appointments, by line and minutes at the counter.
fn lines_sql(dialect: Dialect, scope: &Scope) -> Sql {
    let mut sql = Sql::default();
    sql.push("SELECT ");
    period_of(&mut sql, scope);
    sql.push(" AS period, ")
        .push(key_of(scope.dimension))
        .push(
            " AS key, r.channel AS channel, r.status AS status, \
             CASE WHEN rc.called_at IS NOT NULL AND rc.arrived_at IS NOT NULL THEN ",
        )
        .push(&minutes_between(dialect, "rc.arrived_at", "rc.called_at"))
        .push(
            " END AS wait, CASE WHEN rc.called_at IS NOT NULL AND rc.finished_at IS NOT NULL THEN ",
        )
        .push(&minutes_between(dialect, "rc.called_at", "rc.finished_at"))
        .push(" END AS service, COUNT(*) AS n, CAST(SUM(")
        .push(&booked_minutes(dialect))
        .push(
            ") AS BIGINT) AS minutes FROM reservations r \
             LEFT JOIN reservation_counter rc ON rc.reservation_id = r.id WHERE ",
        );
    within(&mut sql, "r", scope);
    sql.push(match scope.dimension {
        Dimension::None => " GROUP BY 1, 3, 4, 5, 6",
        _ => " GROUP BY 1, 2, 3, 4, 5, 6",
    });
    sql
}

/// The appointments cancelled or moved, by line, canceller and move: each
/// one's history read (cancelled by an agent when an agent's cancellation
/// is there), then counted.
fn changes_sql(dialect: Dialect, scope: &Scope) -> Sql {
    let mut sql = Sql::default();
    sql.push(
        "SELECT period, key, channel, status, cancelled_by, moved, COUNT(*) AS n, \
         CAST(SUM(minutes) AS BIGINT) AS minutes FROM (SELECT ",
    );
    period_of(&mut sql, scope);
    sql.push(" AS period, ")
        .push(key_of(scope.dimension))
        .push(" AS key, r.channel AS channel, r.status AS status, ")
        .push(&booked_minutes(dialect))
        .push(
            " AS minutes, \
             MAX(CASE WHEN e.action = 'cancelled' AND substr(e.actor, 1, 6) = 'agent:' THEN 2 \
             WHEN e.action = 'cancelled' THEN 1 ELSE 0 END) AS cancelled_by, \
             MAX(CASE WHEN e.action = 'rescheduled' THEN 1 ELSE 0 END) AS moved \
             FROM reservations r JOIN reservation_events e ON e.reservation_id = r.id \
             WHERE e.action IN ('cancelled', 'rescheduled') AND ",
        );
    within(&mut sql, "r", scope);
    // The key is a column of the derived table: grouped, even when empty.
    sql.push(" GROUP BY r.id) changed GROUP BY 1, 2, 3, 4, 5, 6");
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
    for (i, (start, end)) in scope.ranges.iter().enumerate() {
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

/// The index of the period of `r.starts_at`'s local day: a balanced
/// `CASE` over the instants periods begin.
fn period_of(sql: &mut Sql, scope: &Scope) {
    fn between(sql: &mut Sql, periods: &[(DateTime<Utc>, NaiveDate)], (lo, hi): (usize, usize)) {
        if lo >= hi {
            sql.push(&lo.to_string());
            return;
        }
        let mid = (lo + hi).div_ceil(2);
        sql.push("CASE WHEN r.starts_at < ")
            .bind(Bound::Time(to_db(periods[mid].0)))
            .push(" THEN ");
        between(sql, periods, (lo, mid - 1));
        sql.push(" ELSE ");
        between(sql, periods, (mid, hi));
        sql.push(" END");
    }
    between(
        sql,
        &scope.periods,
        (0, scope.periods.len().saturating_sub(1)),
    );
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
        // Most appointments were never freed early and start and end on
        // whole seconds: their minutes are read without the rest.
        Dialect::Sqlite => format!(
            "CASE WHEN r.freed_from IS NULL AND length(r.starts_at) = 19 \
             AND length(r.ends_at) = 19 \
             THEN MAX(0, (unixepoch(r.ends_at) - unixepoch(r.starts_at)) / 60) \
             ELSE MAX(0, {minutes}) END"
        ),
        Dialect::Postgres => format!("GREATEST(0, {minutes})"),
    }
}

/// Whole minutes from `a` to `b`, truncated toward zero, from their
/// microseconds.
fn minutes_between(dialect: Dialect, a: &str, b: &str) -> String {
    match dialect {
        // Whole seconds (most) are read as they are; SQLite reads a
        // fraction to the millisecond only, so microseconds are added
        // apart.
        Dialect::Sqlite => format!(
            "CASE WHEN length({a}) = 19 AND length({b}) = 19 \
             THEN (unixepoch({b}) - unixepoch({a})) / 60 \
             ELSE (({}) - ({})) / 60000000 END",
            micros(b),
            micros(a)
        ),
        // The epoch of an interval as a double holds its microseconds
        // exactly once rounded (for spans of up to a century).
        Dialect::Postgres => {
            format!("CAST(round(date_part('epoch', {b} - {a}) * 1000000) AS BIGINT) / 60000000")
        }
    }
}

/// A SQLite timestamp (`YYYY-MM-DD HH:MM:SS` and up to nine decimals, as
/// diesel writes them) in microseconds since 1970.
fn micros(t: &str) -> String {
    format!(
        "unixepoch(substr({t}, 1, 19)) * 1000000 \
         + CAST(substr({t} || '00000', 21, 6) AS INTEGER)"
    )
}
