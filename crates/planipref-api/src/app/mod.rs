//! Use cases, without HTTP: booking, holds, moves, convocations, availability (with its cache) and orientation.

pub mod cache;
pub mod fresh;
