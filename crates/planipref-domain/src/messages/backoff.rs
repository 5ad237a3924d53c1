//! How long a failed delivery waits before its next attempt.
//!
//! Delays double from [`FIRST_DELAY_SECONDS`] so that a brief outage of an
//! SMS or e-mail provider is retried quickly while a long one is not
//! hammered; they never exceed [`MAX_DELAY_SECONDS`]. A jitter factor in
//! `[0.8, 1.2)` spreads retries so that messages which failed together (the
//! provider was down for all of them) do not all come back at the same
//! second. The random number is supplied by the caller: this crate does no
//! I/O and owns no random generator, which also keeps the schedule testable.

use chrono::Duration;

/// Number of attempts a message gets in all. After the eighth failed attempt
/// the message is failed for good and left for a person to look at.
pub const MAX_ATTEMPTS: u32 = 8;

/// Delay, in seconds, after the first failed attempt (before jitter).
pub const FIRST_DELAY_SECONDS: i64 = 30;

/// Longest delay, in seconds, between two attempts (before jitter): six
/// hours, so a message stuck behind a long outage is still tried a few
/// times a day rather than forgotten.
pub const MAX_DELAY_SECONDS: i64 = 6 * 3600;

/// Lowest jitter factor, in thousandths (0.8).
const JITTER_LOW_PER_MILLE: i64 = 800;

/// Width of the jitter range, in thousandths (0.4, so factors reach just
/// under 1.2).
const JITTER_SPAN_PER_MILLE: i64 = 400;

/// The wait before the next attempt of a message whose `failed_attempts`
/// attempts have failed so far, or `None` when it should not be retried.
///
/// `failed_attempts` counts failures including the one just recorded; `0`
/// is treated as `1` so that a caller counting from zero still gets the
/// shortest delay rather than a panic. From [`MAX_ATTEMPTS`] failures on
/// the message is given up.
///
/// The base delay is `FIRST_DELAY_SECONDS × 2^(failed_attempts − 1)`,
/// capped at [`MAX_DELAY_SECONDS`] (the computation saturates, so huge
/// counts cannot overflow). It is multiplied by `0.8 + 0.4 × jitter`, where
/// `jitter` should be a uniform number in `[0, 1)`; values outside that
/// range are clamped into it and NaN counts as `0`, so a faulty random
/// source degrades to a shorter retry instead of an error. The result is
/// rounded down to the millisecond and is always strictly below 1.2 × base.
pub fn retry_delay(failed_attempts: u32, jitter: f64) -> Option<Duration> {
    let attempts = failed_attempts.max(1);
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let base_millis = base_delay_seconds(attempts) * 1000;
    Some(Duration::milliseconds(jittered_millis(
        base_millis,
        clamp_jitter(jitter),
    )))
}

/// The base delay in seconds after `failed_attempts` failures (≥ 1),
/// doubling from [`FIRST_DELAY_SECONDS`] and saturating at
/// [`MAX_DELAY_SECONDS`].
fn base_delay_seconds(failed_attempts: u32) -> i64 {
    let exponent = failed_attempts.max(1) - 1;
    2_i64
        .checked_pow(exponent)
        .and_then(|factor| FIRST_DELAY_SECONDS.checked_mul(factor))
        .map_or(MAX_DELAY_SECONDS, |seconds| seconds.min(MAX_DELAY_SECONDS))
}

/// Brings `jitter` into `[0, 1)`: NaN and negatives become `0`, values of
/// `1` or more become the largest `f64` below `1`.
fn clamp_jitter(jitter: f64) -> f64 {
    if jitter.is_nan() || jitter < 0.0 {
        0.0
    } else if jitter >= 1.0 {
        1.0 - f64::EPSILON / 2.0
    } else {
        jitter
    }
}

/// `base_millis × (0.8 + 0.4 × jitter)`, rounded down, computed so that
/// floating-point rounding can never reach the excluded upper bound 1.2×.
fn jittered_millis(base_millis: i64, jitter: f64) -> i64 {
    let low = base_millis * JITTER_LOW_PER_MILLE / 1000;
    let span = base_millis * JITTER_SPAN_PER_MILLE / 1000;
    // `span` is at most 8_640_000 ms, exactly representable as f64; the
    // cast back is in range because the product is below `span`.
    let extra = (span as f64 * jitter).floor() as i64;
    low + extra.clamp(0, (span - 1).max(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seconds(d: Option<Duration>) -> f64 {
        let d = d.expect("a retry is due");
        d.num_milliseconds() as f64 / 1000.0
    }

    #[test]
    fn delays_double_from_thirty_seconds() {
        // A jitter of 0.5 gives a factor of exactly 1.0.
        let delays: Vec<f64> = (1..MAX_ATTEMPTS)
            .map(|n| seconds(retry_delay(n, 0.5)))
            .collect();
        assert_eq!(delays, vec![30.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0]);
    }

    #[test]
    fn zero_failures_behaves_like_one() {
        assert_eq!(retry_delay(0, 0.5), retry_delay(1, 0.5));
        assert_eq!(retry_delay(0, 0.5), Some(Duration::seconds(30)));
    }

    #[test]
    fn the_base_delay_is_capped_and_saturates() {
        assert_eq!(base_delay_seconds(1), FIRST_DELAY_SECONDS);
        // 30 × 2^9 = 15_360 s is under the cap, 30 × 2^10 = 30_720 s is not.
        assert_eq!(base_delay_seconds(10), 15_360);
        assert_eq!(base_delay_seconds(11), MAX_DELAY_SECONDS);
        assert_eq!(base_delay_seconds(63), MAX_DELAY_SECONDS);
        assert_eq!(base_delay_seconds(64), MAX_DELAY_SECONDS);
        assert_eq!(base_delay_seconds(u32::MAX), MAX_DELAY_SECONDS);
    }

    #[test]
    fn jitter_stays_within_eighty_to_one_hundred_twenty_percent() {
        assert_eq!(seconds(retry_delay(1, 0.0)), 24.0);
        assert_eq!(seconds(retry_delay(3, 0.0)), 96.0);
        let high = seconds(retry_delay(1, 0.999));
        assert!(high < 36.0, "{high}");
        assert!(high >= 35.98, "{high}");
        for n in 1..MAX_ATTEMPTS {
            let base = (FIRST_DELAY_SECONDS * 2_i64.pow(n - 1)) as f64;
            for jitter in [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999_999] {
                let d = seconds(retry_delay(n, jitter));
                assert!(d >= 0.8 * base && d < 1.2 * base, "{n} {jitter} {d}");
            }
        }
    }

    #[test]
    fn out_of_range_jitter_is_clamped() {
        assert_eq!(retry_delay(1, -3.0), retry_delay(1, 0.0));
        assert_eq!(retry_delay(1, f64::NEG_INFINITY), retry_delay(1, 0.0));
        let top = seconds(retry_delay(1, 1.0));
        assert!(top < 36.0 && top > 35.9, "{top}");
        assert_eq!(retry_delay(1, 7.5), retry_delay(1, 1.0));
        assert_eq!(retry_delay(1, f64::INFINITY), retry_delay(1, 1.0));
    }

    #[test]
    fn nan_jitter_counts_as_zero() {
        assert_eq!(retry_delay(2, f64::NAN), Some(Duration::seconds(48)));
    }

    #[test]
    fn gives_up_at_the_last_attempt() {
        assert!(retry_delay(MAX_ATTEMPTS - 1, 0.5).is_some());
        assert_eq!(retry_delay(MAX_ATTEMPTS, 0.5), None);
        assert_eq!(retry_delay(MAX_ATTEMPTS + 1, 0.0), None);
        assert_eq!(retry_delay(u32::MAX, 0.3), None);
    }

    #[test]
    fn the_upper_bound_is_excluded_even_at_the_cap() {
        let base_millis = MAX_DELAY_SECONDS * 1000;
        let top = jittered_millis(base_millis, clamp_jitter(1.0));
        assert!(top < base_millis * 12 / 10);
        assert_eq!(jittered_millis(base_millis, 0.0), base_millis * 8 / 10);
    }
}
