//! Identifiers, instants and days the examples of the document share.

use chrono::{DateTime, FixedOffset, NaiveDate};

pub const SITE_ID: &str = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11";
pub const MOTIF_ID: &str = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00";

pub fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap_or_default()
}

pub fn day(s: &str) -> NaiveDate {
    s.parse().unwrap_or_default()
}
