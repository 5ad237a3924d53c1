//! Planipref's seeds, apart from the production library: the demo
//! préfectures a newcomer books at right after `make run` ([`demo`]), and
//! every préfecture of France with about a million appointments for load
//! measurements ([`national`]). The `planipref` binary runs them
//! (`seed --demo`, `seed --national`); tests seed the demo as a fixture.
//!
//! Both write through the store's public schema and rows, each préfecture
//! in one transaction, whole or not at all; one already present is left
//! untouched, so running a seed again writes only what is missing.

pub mod demo;
pub mod national;
mod rows;

pub use demo::{SeedReport, seed_demo};
pub use national::seed_national;
