//! The API's integration tests, in one binary (one link, one run): the
//! API in-process on every configured backend (SQLite always, PostgreSQL
//! when `PLANIPREF_TEST_POSTGRES_URL` names one), by subject.

// Tests fail by panicking.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)]

#[macro_use]
mod common;

mod admin;
mod anti_capture;
mod api;
mod auth;
mod convocations;
mod cors;
mod counter;
mod file_checks;
mod hub;
mod journey;
mod languages;
mod messages;
mod openapi;
mod organisation;
mod orientation;
mod overbooking;
mod replays;
mod retention;
mod settings;
mod stats;
mod webhooks;
