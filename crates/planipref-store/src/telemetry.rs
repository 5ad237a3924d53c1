//! What the store tells operators (through the `metrics` facade; the
//! binary exports it): how long callers waited for a pooled connection,
//! how many gave up, and the schedule cache's hits and misses; and the
//! pool's gauges, set from [`crate::Store::pool_state`] when metrics are
//! scraped ([`pool_gauges`]).

use std::time::Duration;

/// Histogram: seconds spent waiting for a pooled connection.
pub const POOL_WAIT: &str = "planipref_db_pool_wait_seconds";
/// Counter: connections not obtained within the pool's timeout (answered 503).
pub const POOL_TIMEOUTS: &str = "planipref_db_pool_timeouts_total";
/// Counter: lookups of the process's caches, by `cache` and `result`
/// (`hit` or `miss`); the API's caches count here too.
pub const CACHE_REQUESTS: &str = "planipref_cache_requests_total";

/// Buckets of [`POOL_WAIT`], in seconds: most checkouts take microseconds;
/// the pool's timeout is seconds.
pub const POOL_WAIT_BUCKETS: &[f64] = &[
    0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Describes the store's metrics to the installed recorder.
pub fn describe() {
    metrics::describe_histogram!(
        POOL_WAIT,
        metrics::Unit::Seconds,
        "Time spent waiting for a pooled database connection"
    );
    metrics::describe_counter!(
        POOL_TIMEOUTS,
        "Database connections not obtained within the pool's timeout"
    );
    metrics::describe_gauge!(
        POOL_CONNECTIONS,
        "Database connections the pool holds open, busy or idle"
    );
    metrics::describe_gauge!(POOL_IDLE, "Open database connections idle in the pool");
    metrics::describe_gauge!(POOL_MAX, "The most database connections the pool opens");
    metrics::describe_counter!(
        CACHE_REQUESTS,
        "Lookups of this process's caches, by cache and result (hit or miss)"
    );
}

/// One checkout: how long it waited, and whether it got a connection.
pub(crate) fn checked_out(waited: Duration, obtained: bool) {
    metrics::histogram!(POOL_WAIT).record(waited.as_secs_f64());
    if !obtained {
        metrics::counter!(POOL_TIMEOUTS).increment(1);
    }
}

/// One lookup of the cache named `cache`.
pub fn cache_lookup(cache: &'static str, hit: bool) {
    let result = if hit { "hit" } else { "miss" };
    metrics::counter!(CACHE_REQUESTS, "cache" => cache, "result" => result).increment(1);
}

/// Gauge: connections the pool holds open, busy or idle.
pub const POOL_CONNECTIONS: &str = "planipref_db_pool_connections";
/// Gauge: open connections idle in the pool.
pub const POOL_IDLE: &str = "planipref_db_pool_idle";
/// Gauge: the most connections the pool opens.
pub const POOL_MAX: &str = "planipref_db_pool_max_connections";

/// Sets the pool's gauges to `state` (read when metrics are scraped).
pub fn pool_gauges(state: crate::PoolState) {
    metrics::gauge!(POOL_CONNECTIONS).set(f64::from(state.connections));
    metrics::gauge!(POOL_IDLE).set(f64::from(state.idle));
    metrics::gauge!(POOL_MAX).set(f64::from(state.max_size));
}
