//! The API's request and response types, with their examples: what the OpenAPI document shows.

pub mod codes;
pub mod examples;
pub mod patterns;
