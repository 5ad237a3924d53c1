//! The black-box tests, in one binary: the real `planipref` binary over
//! HTTP, on SQLite and PostgreSQL.

// Tests fail by panicking.
#![allow(clippy::expect_used, clippy::print_stdout, clippy::unwrap_used)]

mod anti_capture;
mod concurrency;
mod counter_day;
mod delivery;
mod hub;
mod imports;
mod journey_storm;
mod operations;
mod privacy;
mod retention;
mod rush_tool;
mod webhooks;
