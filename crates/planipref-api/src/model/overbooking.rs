//! A préfecture's over-booking policy, as the API shows and takes it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A préfecture's over-booking policy, to set.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"ceiling_percent": 10, "weeks": 12, "min_sample": 100}))]
pub struct OverbookingUpdate {
    /// The highest no-show rate assumed, in percent (0 to 20; 0 turns
    /// over-booking off).
    #[schema(minimum = 0, maximum = 20, example = 10)]
    pub ceiling_percent: u32,
    /// Weeks of past appointments measured (2 to 52).
    #[schema(minimum = 2, maximum = 52, example = 12)]
    pub weeks: u32,
    /// Fewest past appointments (came or not) of a motif and channel
    /// before it is over-booked, and the weight shrinking small samples
    /// towards no over-booking (20 to 10,000).
    #[schema(minimum = 20, maximum = 10000, example = 100)]
    pub min_sample: u32,
}

/// A préfecture's over-booking policy.
///
/// Off by default. When on, a slot whose guichets are all taken may still
/// be offered to applicants (web, convocation holders, intermediaries) on
/// an extra place of the motif's day: at most `floor(places / (1 − rate))
/// − places` extra places a day, where `places` are the guichets' own and
/// `rate` is the no-show rate measured on the motif and channel over
/// `weeks`, shrunk towards 0 by `min_sample` imaginary attendees and never
/// above `ceiling_percent`. Agents see over-booked appointments flagged.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"ceiling_percent": 10, "weeks": 12, "min_sample": 100, "version": 4}))]
pub struct OverbookingSettings {
    /// The highest no-show rate assumed, in percent (0: off, the default).
    #[schema(minimum = 0, maximum = 20, example = 10)]
    pub ceiling_percent: u32,
    /// Weeks of past appointments measured (12 by default).
    #[schema(minimum = 2, maximum = 52, example = 12)]
    pub weeks: u32,
    /// Fewest past appointments before any over-booking (100 by default).
    #[schema(minimum = 20, maximum = 10000, example = 100)]
    pub min_sample: u32,
    /// The préfecture's version (its `ETag`): send it in `If-Match`.
    #[schema(minimum = 1, example = 4)]
    pub version: i32,
}

crate::http::version::versioned_by_field!(OverbookingSettings);
