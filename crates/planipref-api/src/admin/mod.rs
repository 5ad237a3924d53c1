//! Operations for préfecture agents and administrators: bearer JWT required.

pub mod me;
