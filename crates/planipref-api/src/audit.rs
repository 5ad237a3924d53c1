//! The administrative audit trail, as each agent may see it.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Days, FixedOffset, Utc};
use planipref_domain::access::{Agent, Scope};
use planipref_store::from_db;
use planipref_store::models::SiteRow;
use planipref_store::{AuditEntry, AuditFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::AuthenticatedAgent;
use crate::dto::date_range;
use crate::dto::{PageInfo, Pagination};
use crate::error::{ApiError, Problem};
use crate::extract::QueryParams;
use crate::state::AppState;

/// What an agent's write of `entity` `id` records, now; before and after
/// values are added by the caller.
pub(crate) fn entry(
    agent: &Agent,
    entity: &'static str,
    id: &str,
    action: &'static str,
) -> AuditEntry {
    AuditEntry {
        actor: agent.actor(),
        departement: None,
        site_id: None,
        entity,
        entity_id: id.to_owned(),
        action,
        before: None,
        after: None,
        at: Utc::now(),
    }
}

/// [`entry`] for an object of `site`: its trail and its département's.
pub(crate) fn site_entry(
    agent: &Agent,
    site: &SiteRow,
    entity: &'static str,
    id: &str,
    action: &'static str,
) -> AuditEntry {
    AuditEntry {
        departement: Some(site.prefecture_code.clone()),
        site_id: Some(site.id.clone()),
        ..entry(agent, entity, id, action)
    }
}

/// A value as the trail stores it.
pub(crate) fn json(value: &impl Serialize) -> Option<String> {
    serde_json::to_string(value).ok()
}

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
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// Newest first.
    pub items: Vec<AuditEvent>,
    /// Where this page stands.
    #[serde(flatten)]
    pub page: PageInfo,
}

/// List the audit trail
///
/// Every administrative write in the caller's scope — who, what, when, and
/// the values before and after — newest first, filterable by entity and
/// period. National administrators see everything, préfecture
/// administrators their départements, agents their sites.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of entries", body = AuditPage, example = json!({
            "items": [{"occurred_at": "2026-11-28T14:05:12+00:00", "actor": "agent:a.martin", "departement": "974",
                       "site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "entity": "site",
                       "entity_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "action": "created",
                       "before": null, "after": {"name": "Sous-préfecture de Saint-Paul"}}],
            "page": 1, "per_page": 50, "total": 1})),
        (status = 400, description = "Unreadable query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid period or page", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/admin/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    agent: AuthenticatedAgent,
    QueryParams(q): QueryParams<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let (page, per_page) = Pagination::resolve(q.page, q.per_page)?;
    let (from, to) = date_range(q.from.as_deref(), q.to.as_deref())?;
    let mut filter = AuditFilter {
        entity: q.entity,
        from: from.map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc()),
        to: to
            .and_then(|d| d.checked_add_days(Days::new(1)))
            .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc()),
        ..AuditFilter::default()
    };
    match agent.0.scope {
        Scope::National => {}
        Scope::Departements(ds) => {
            filter.departements = Some(ds.iter().map(ToString::to_string).collect())
        }
        Scope::Sites(ss) => filter.sites = Some(ss.iter().map(ToString::to_string).collect()),
    }
    let offset = i64::from(page - 1) * i64::from(per_page);
    let result = state
        .blocking(move |store| {
            store
                .list_audit(&filter, offset, i64::from(per_page))
                .map_err(ApiError::from)
        })
        .await?;
    let items = result
        .items
        .into_iter()
        .map(|r| AuditEvent {
            occurred_at: from_db(r.occurred_at).with_timezone(&Utc).fixed_offset(),
            actor: r.actor,
            departement: r.departement,
            site_id: r.site_id,
            entity: r.entity,
            entity_id: r.entity_id,
            action: r.action,
            before: r.before.and_then(|b| serde_json::from_str(&b).ok()),
            after: r.after.and_then(|a| serde_json::from_str(&a).ok()),
        })
        .collect();
    Ok(HttpResponse::Ok().json(AuditPage {
        items,
        page: PageInfo {
            page,
            per_page,
            total: result.total,
        },
    }))
}
