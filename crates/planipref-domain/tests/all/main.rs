//! The domain's integration tests, in one binary: the slot engine's
//! properties and the public holidays against their reference.

// Tests fail by panicking.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod engine_properties;
mod holidays;
