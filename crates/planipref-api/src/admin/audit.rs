//! The audit trail: `/admin/audit`.

use crate::http::error::ApiError;
use crate::http::extract::QueryParams;
use crate::http::problem::Problem;
use crate::model::audit::AuditEvent;
use crate::model::audit::AuditPage;
use crate::model::audit::AuditQuery;
use crate::model::fields::date_range;
use crate::model::page::PageInfo;
use crate::model::page::Pagination;
use crate::security::agent::AuthenticatedAgent;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use chrono::Days;
use chrono::Utc;
use planipref_domain::access::Scope;
use planipref_store::AuditFilter;
use planipref_store::from_db;
use utoipa_actix_web::service_config::ServiceConfig;
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
        crate::http::responses::AgentOnly,
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "A page of entries", body = AuditPage, example = json!({
            "items": [{"occurred_at": "2026-11-28T14:05:12+00:00", "actor": "agent:a.martin", "departement": "974",
                       "site_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "entity": "site",
                       "entity_id": "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11", "action": "created",
                       "before": null, "after": {"name": "Sous-préfecture de Saint-Paul"}}],
            "page": 1, "per_page": 50, "total": 1})),
        (status = 422, description = "Invalid period or page", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit")]
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

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_audit);
}
