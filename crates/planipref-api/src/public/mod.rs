//! Operations for applicants and service-public.fr: no login.

pub mod health;
