//! The audit trail as agents read it.

use chrono::DateTime;
use chrono::FixedOffset;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Which entries to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only this kind of entity (`site`, `service`, `motif`, `guichet`, `plage`, …).
    #[param(example = "site")]
    pub entity: Option<String>,
    /// From this day (UTC, inclusive), `YYYY-MM-DD`.
    #[param(value_type = Option<String>, format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2026-11-01")]
    pub from: Option<String>,
    /// Until this day (UTC, inclusive), `YYYY-MM-DD`.
    #[param(value_type = Option<String>, format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2026-11-30")]
    pub to: Option<String>,
    /// Page number, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000, example = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub per_page: Option<u32>,
}

/// One administrative write.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEvent {
    /// When (UTC).
    #[schema(value_type = String, format = DateTime, example = "2026-11-28T14:05:12+00:00")]
    pub occurred_at: DateTime<FixedOffset>,
    /// Who: `agent:<sub>`.
    #[schema(example = "agent:a.martin@interieur.gouv.fr")]
    pub actor: String,
    /// The département concerned.
    #[schema(example = "974")]
    pub departement: Option<String>,
    /// The site concerned.
    #[schema(example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")]
    pub site_id: Option<String>,
    /// Kind of entity.
    #[schema(example = "site")]
    pub entity: String,
    /// Its id.
    #[schema(example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")]
    pub entity_id: String,
    /// `created`, `updated` or `deleted`.
    #[schema(example = "updated")]
    pub action: String,
    /// The entity before the change.
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    /// The entity after the change.
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
}

/// A page of audit entries.
pub type AuditPage = crate::model::page::Page<AuditEvent>;
crate::model::page::listed!(
    AuditEvent,
    "AuditPage",
    "A page of audit entries.",
    "Newest first."
);
