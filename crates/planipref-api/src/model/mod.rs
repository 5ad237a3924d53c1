//! The API's request and response types, with their examples: what the OpenAPI document shows.

pub mod audit;
pub mod calendar;
pub mod codes;
pub mod convocation;
pub mod counter;
pub mod demarche;
pub mod examples;
pub mod fermeture;
pub mod fields;
pub mod guichet;
pub mod health;
pub mod hold;
pub mod me;
pub mod message;
pub mod motif;
pub mod organisation;
pub mod orientation;
pub mod page;
pub mod patterns;
pub mod plage;
pub mod prefecture;
pub mod reservation;
pub mod service;
pub mod site;
pub mod slot;
pub mod webhook;
