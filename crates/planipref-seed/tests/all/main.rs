//! The seeds' integration tests, in one binary: the demo data and the
//! national load-test data.

// Tests fail by panicking.
#![allow(clippy::expect_used, clippy::print_stdout, clippy::unwrap_used)]

mod demo;
mod national;
