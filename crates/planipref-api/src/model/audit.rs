//! The audit trail as agents read it.

use crate::http::error::ApiError;
use crate::model::fields::date_range;
use crate::model::page::Pagination;
use chrono::DateTime;
use chrono::Days;
use chrono::FixedOffset;
use chrono::NaiveDate;
use chrono::NaiveTime;
use chrono::Utc;
use planipref_store::AuditFilter;
use planipref_store::from_db;
use planipref_store::models::AuditEventRow;
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
    /// `created`, `updated`, `deleted`, or `read` (personal data shown to
    /// an agent, such as a day's contact details).
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

impl AuditQuery {
    /// The entries asked for (before the agent's scope narrows them) and
    /// the page, checked.
    pub fn check(&self) -> Result<(AuditFilter, (u32, u32)), ApiError> {
        let pages = Pagination::resolve(self.page, self.per_page)?;
        let (from, to) = date_range(self.from.as_deref(), self.to.as_deref())?;
        let midnight = |d: NaiveDate| d.and_time(NaiveTime::MIN).and_utc();
        let filter = AuditFilter {
            entity: self.entity.clone(),
            from: from.map(midnight),
            to: to
                .and_then(|d| d.checked_add_days(Days::new(1)))
                .map(midnight),
            ..AuditFilter::default()
        };
        Ok((filter, pages))
    }
}

impl From<AuditEventRow> for AuditEvent {
    fn from(r: AuditEventRow) -> Self {
        Self {
            occurred_at: from_db(r.occurred_at).with_timezone(&Utc).fixed_offset(),
            actor: r.actor,
            departement: r.departement,
            site_id: r.site_id,
            entity: r.entity,
            entity_id: r.entity_id,
            action: r.action,
            before: r.before.and_then(|b| serde_json::from_str(&b).ok()),
            after: r.after.and_then(|a| serde_json::from_str(&a).ok()),
        }
    }
}
