//! What the API tells operators, through the `metrics` facade (the binary
//! installs the Prometheus recorder and serves `/metrics` on its own
//! address; without a recorder every call here does nothing): requests
//! by route pattern and status with their durations (recorded by
//! [`crate::http::telemetry::observe`]), bookings by channel, holds,
//! business refusals by kind, the caches' hits and misses, and the wait
//! for a thread of the blocking pool. Every label takes its value from a
//! short fixed list (never a raw path, reference or identity): see
//! `docs/operations.md`.

use std::time::Duration;

use planipref_domain::channel::BookingChannel;

/// Counter: requests answered, by `method`, `route` (the matched route
/// pattern, or `unmatched`) and `status`.
pub const HTTP_REQUESTS: &str = "planipref_http_requests_total";
/// Histogram: seconds from a request's arrival to its answer, by `method`
/// and `route`.
pub const HTTP_DURATION: &str = "planipref_http_request_duration_seconds";
/// Counter: appointments booked, by `channel` (`web`, `convocation`,
/// `phone`, `counter`, `intermediary`, `walk_in`).
pub const BOOKINGS: &str = "planipref_bookings_total";
/// Counter: slots held.
pub const HOLDS: &str = "planipref_holds_total";
/// Counter: business refusals (4xx), by `kind`: the problem's type
/// (`slot-taken`, `already-booked`, `too-many-requests`…).
pub const REFUSALS: &str = "planipref_refusals_total";
/// Counter: file-status checks asked of a State system, by `system`
/// (`anef`, `snpc`) and `outcome` (the status answered: `validated`,
/// `consumed`, `unknown`, `expired`; or why none: `timeout`, `failed`,
/// `not_configured`).
pub const FILE_CHECKS: &str = "planipref_file_checks_total";
/// Counter: requests of national hubs let through (token checked, within
/// its rate), by `hub` (its configured name).
pub const HUB_REQUESTS: &str = "planipref_hub_requests_total";
/// Histogram: seconds a store call waited for a thread of the blocking
/// pool before it ran.
pub const BLOCKING_WAIT: &str = "planipref_blocking_wait_seconds";

/// Buckets of [`HTTP_DURATION`], in seconds.
pub const HTTP_DURATION_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Buckets of [`BLOCKING_WAIT`], in seconds.
pub const BLOCKING_WAIT_BUCKETS: &[f64] =
    &[0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0];

/// Describes the API's metrics to the installed recorder.
pub fn describe() {
    use metrics::{Unit, describe_counter, describe_histogram};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by method, route pattern and status"
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to answer HTTP requests, by method and route pattern"
    );
    describe_counter!(BOOKINGS, "Appointments booked, by channel");
    describe_counter!(
        FILE_CHECKS,
        "File-status checks asked of a State system, by system and outcome"
    );
    describe_counter!(HOLDS, "Slots held while an applicant fills in the form");
    describe_counter!(
        HUB_REQUESTS,
        "Requests of national hubs let through, by hub"
    );
    describe_counter!(
        REFUSALS,
        "Business refusals (4xx), by kind: the problem's type"
    );
    describe_histogram!(
        BLOCKING_WAIT,
        Unit::Seconds,
        "Time store calls waited for a thread of the blocking pool"
    );
}

/// One appointment booked through `channel`.
pub fn booked(channel: BookingChannel) {
    metrics::counter!(BOOKINGS, "channel" => channel.code()).increment(1);
}

/// One slot held.
pub fn held() {
    metrics::counter!(HOLDS).increment(1);
}

/// One file-status check asked of `system`, and what came of it.
pub fn file_checked(
    system: planipref_domain::file_check::FileSystem,
    answer: Result<
        planipref_domain::file_check::FileStatus,
        planipref_domain::file_check::ConnectorFailure,
    >,
) {
    let outcome = match answer {
        Ok(status) => status.code(),
        Err(failure) => failure.code(),
    };
    metrics::counter!(FILE_CHECKS, "system" => system.code(), "outcome" => outcome).increment(1);
}

/// One business refusal of `kind` (a problem type).
pub fn refused(kind: &'static str) {
    metrics::counter!(REFUSALS, "kind" => kind).increment(1);
}

/// One request of the hub `hub` let through.
pub fn hub_admitted(hub: &str) {
    metrics::counter!(HUB_REQUESTS, "hub" => hub.to_owned()).increment(1);
}

/// One lookup of the API's cache named `cache`.
pub fn cache_lookup(cache: &'static str, hit: bool) {
    planipref_store::telemetry::cache_lookup(cache, hit);
}

/// A store call waited this long for a blocking thread.
pub fn blocking_waited(waited: Duration) {
    metrics::histogram!(BLOCKING_WAIT).record(waited.as_secs_f64());
}
