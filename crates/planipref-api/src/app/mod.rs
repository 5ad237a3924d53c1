//! Use cases, without HTTP: booking, holds, moves, convocations, availability (with its cache) and orientation.

pub mod answers;
pub mod audit;
pub mod availability;
pub mod booking;
pub mod cache;
pub mod clock;
pub mod convocations;
pub mod counter;
pub mod counter_bookings;
pub mod counter_settings;
pub mod demarches;
pub mod fermetures;
pub mod fresh;
pub mod guichets;
pub mod holds;
pub mod motifs;
pub mod moves;
pub mod orientation;
pub mod plages;
pub mod prefectures;
pub mod reservations;
pub mod sealing;
pub mod sites;
pub mod slots;
pub mod sms;
pub mod webhooks;
