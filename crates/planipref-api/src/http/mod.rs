//! HTTP plumbing shared by every handler: problem+json errors, extractors (typed path identifiers among them), versions (ETag/If-Match), the route table, per-client limits and idempotency.

pub mod error;
pub mod extract;
pub mod headers;
pub mod idempotency;
pub mod limits;
pub mod path;
pub mod problem;
pub mod responses;
pub mod routes;
pub mod version;
