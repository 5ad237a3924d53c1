//! HTTP plumbing shared by every handler: problem+json errors, extractors (typed path identifiers among them), versions (ETag/If-Match), the route table, per-client limits, idempotency, CORS, and the log line and metrics of each request.

pub mod cors;
pub mod error;
pub mod extract;
pub mod headers;
pub mod idempotency;
pub mod language;
pub mod limits;
pub mod messages_fr;
pub mod path;
pub mod problem;
pub mod problem_fr;
pub mod responses;
pub mod routes;
pub mod telemetry;
pub mod version;
