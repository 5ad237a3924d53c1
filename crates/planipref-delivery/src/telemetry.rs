//! What the delivery worker tells operators (through the `metrics`
//! facade; the binary exports it): messages sent, and attempts that
//! failed, by channel; and the outbox's gauges, which the server sets
//! from the database when metrics are scraped (see
//! `planipref_store::Store::outbox_depth_by_channel`).

use planipref_store::outbox::{ChannelDepth, channel};

/// Counter: messages handed over, by `channel`.
pub const SENT: &str = "planipref_outbox_sent_total";
/// Counter: failed attempts, by `channel` and `outcome` (`retry`: tried
/// again later; `failed`: given up, agents see it).
pub const FAILURES: &str = "planipref_outbox_failures_total";

/// Gauge: messages pending, due now or later, by `channel`.
pub const PENDING: &str = "planipref_outbox_pending";
/// Gauge: messages pending and due now (the backlog), by `channel`.
pub const DUE: &str = "planipref_outbox_due";
/// Gauge: messages failed for good (agents see them), by `channel`.
pub const FAILED: &str = "planipref_outbox_failed";

/// Describes the worker's metrics to the installed recorder.
pub fn describe() {
    metrics::describe_gauge!(
        PENDING,
        "Messages pending in the outbox (due now or later), by channel"
    );
    metrics::describe_gauge!(
        DUE,
        "Messages pending and due now: the delivery backlog, by channel"
    );
    metrics::describe_gauge!(FAILED, "Messages failed for good, by channel");
    metrics::describe_counter!(SENT, "Messages handed over, by channel");
    metrics::describe_counter!(
        FAILURES,
        "Failed delivery attempts, by channel and outcome (retry or failed)"
    );
}

/// Sets the outbox's gauges (all servers' messages, counted from the
/// database when metrics are scraped).
pub fn outbox_gauges(depths: &[(&'static str, ChannelDepth)]) {
    for &(name, depth) in depths {
        // Counts far below 2^52: exact as f64.
        #[allow(clippy::cast_precision_loss)]
        {
            metrics::gauge!(PENDING, "channel" => name).set(depth.pending as f64);
            metrics::gauge!(DUE, "channel" => name).set(depth.due as f64);
            metrics::gauge!(FAILED, "channel" => name).set(depth.failed as f64);
        }
    }
}

/// Counts one settled message of `channel` whose outcome is `outcome`
/// (`sent`, `retry`, `failed`; others are not counted).
pub(crate) fn settled(message_channel: &str, outcome: &'static str) {
    // Only the known channels become labels.
    let Some(name) = channel::ALL.into_iter().find(|c| *c == message_channel) else {
        return;
    };
    match outcome {
        "sent" => metrics::counter!(SENT, "channel" => name).increment(1),
        "retry" | "failed" => {
            metrics::counter!(FAILURES, "channel" => name, "outcome" => outcome).increment(1);
        }
        _ => {}
    }
}
