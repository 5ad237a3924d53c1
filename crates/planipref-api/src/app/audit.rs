//! The audit entries every change writes with it (who, what, when, before and after).
use crate::http::error::ApiError;
use crate::model::audit::AuditEvent;
use crate::model::audit::AuditPage;
use crate::model::page::Page;
use crate::model::page::page_bounds;
use chrono::{DateTime, Utc};
use planipref_domain::access::Agent;
use planipref_domain::access::Scope;
use planipref_store::AuditEntry;
use planipref_store::AuditFilter;
use planipref_store::Store;
use planipref_store::models::SiteRow;
use serde::Serialize;

/// What an agent's write of `entity` `id` at `now` records; before and
/// after values are added by the caller.
pub fn entry(
    agent: &Agent,
    entity: &'static str,
    id: &str,
    action: &'static str,
    now: DateTime<Utc>,
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
        at: now,
    }
}

/// [`entry`] for an object of `site`: its trail and its département's.
pub fn site_entry(
    agent: &Agent,
    site: &SiteRow,
    entity: &'static str,
    id: &str,
    action: &'static str,
    now: DateTime<Utc>,
) -> AuditEntry {
    AuditEntry {
        departement: Some(site.prefecture_code.clone()),
        site_id: Some(site.id.clone()),
        ..entry(agent, entity, id, action, now)
    }
}

/// A value as the trail stores it.
pub fn json(value: &impl Serialize) -> Option<String> {
    serde_json::to_string(value).ok()
}

pub fn audit(
    agent: &Agent,
    site: &SiteRow,
    entity: &'static str,
    id: &str,
    after: &impl Serialize,
    now: DateTime<Utc>,
) -> AuditEntry {
    AuditEntry {
        after: crate::app::audit::json(after),
        ..crate::app::audit::site_entry(agent, site, entity, id, "created", now)
    }
}

pub fn prefecture_audit(
    agent: &Agent,
    code: &str,
    action: &'static str,
    now: DateTime<Utc>,
) -> AuditEntry {
    AuditEntry {
        departement: Some(code.to_owned()),
        ..crate::app::audit::entry(agent, "prefecture", code, action, now)
    }
}

/// The audit entry of a change of préfecture `code`'s settings from
/// `before` to `after`.
pub fn prefecture_change(
    agent: &Agent,
    code: &str,
    (before, after): (&impl Serialize, &impl Serialize),
    now: DateTime<Utc>,
) -> AuditEntry {
    AuditEntry {
        before: json(before),
        after: json(after),
        ..prefecture_audit(agent, code, "updated", now)
    }
}

pub fn national_audit(
    agent: &Agent,
    code: &str,
    action: &'static str,
    now: DateTime<Utc>,
) -> AuditEntry {
    crate::app::audit::entry(agent, "demarche", code, action, now)
}

/// An audit entry for deleting `entity` `id` of `site`, with its last state.
pub fn deletion(
    agent: &Agent,
    site: &SiteRow,
    entity: &'static str,
    id: &str,
    before: &impl Serialize,
    now: DateTime<Utc>,
) -> AuditEntry {
    AuditEntry {
        before: crate::app::audit::json(before),
        ..crate::app::audit::site_entry(agent, site, entity, id, "deleted", now)
    }
}

/// The entries `filter` asks for within what `agent` may read: a national
/// agent reads all, others their départements' or sites' only.
pub fn list(
    store: &Store,
    agent: &Agent,
    mut filter: AuditFilter,
    pages: (u32, u32),
) -> Result<AuditPage, ApiError> {
    match &agent.scope {
        Scope::National => {}
        Scope::Departements(ds) => {
            filter.departements = Some(ds.iter().map(ToString::to_string).collect());
        }
        Scope::Sites(ss) => filter.sites = Some(ss.iter().map(ToString::to_string).collect()),
    }
    let (offset, limit) = page_bounds(pages);
    let found = store.list_audit(&filter, offset, limit)?;
    Ok(Page::of(found, pages, AuditEvent::from))
}
