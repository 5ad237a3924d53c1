//! The store's integration tests, in one binary, on every configured
//! backend (SQLite always, PostgreSQL when `PLANIPREF_TEST_POSTGRES_URL`
//! names one).

// Tests fail by panicking.
#![allow(clippy::expect_used, clippy::print_stdout, clippy::unwrap_used)]

mod orientation;
mod outbox;
mod retention;
mod stats;
mod store;
