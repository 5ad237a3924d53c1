//! Planipref's domain: the rules of booking an appointment at a préfecture,
//! with no I/O. Functions take `now`, `today` and the loaded state as
//! arguments and return decisions; the store and the API do the rest.
//!
//! Nouns follow the glossary of `DESIGN.md` (`Guichet`, `Motif`, `Plage`,
//! `Reservation`); fields and verbs are English.

pub mod access;
pub mod applicant;
pub mod attendance;
pub mod booking_rules;
pub mod calendar;
pub mod channel;
pub mod client;
pub mod competence;
pub mod context;
pub mod convocation;
pub mod departements;
pub mod error;
pub mod fermeture;
pub mod file_check;
pub mod hub;
pub mod ics;
pub mod idempotency;
pub mod ids;
pub mod language;
pub mod local_days;
pub mod messages;
pub mod motif;
pub mod occupancy;
pub mod orientation;
pub mod overbooking;
pub mod plage;
pub mod quota;
pub mod reference;
pub mod release;
pub mod retention;
pub mod site;
pub mod slots;
pub mod stats;
pub mod text;
pub mod time;
pub mod walk_in;

pub use error::{DomainError, FieldError};
