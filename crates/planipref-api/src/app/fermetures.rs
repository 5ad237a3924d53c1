//! Exceptions to a site's calendar: writing a closure (checked against the
//! site, its guichets and the appointments it covers) and opening on a
//! public holiday.
use crate::app::audit::json;
use crate::app::audit::site_entry;
use crate::http::error::ApiError;
use crate::http::error::write_error;
use crate::http::version::IfMatch;
use crate::model::fermeture::Fermeture;
use crate::model::fermeture::FermetureRequest;
use crate::model::fermeture::Ouverture;
use crate::model::site::site_departement;
use crate::model::site::site_zone;
use crate::security::scope::may_administer;
use crate::security::scope::may_administer_departement;
use chrono::NaiveDate;
use chrono::{DateTime, Utc};
use planipref_domain::fermeture::FermetureInput;
use planipref_domain::fermeture::fermeture_interval;
use planipref_domain::ids::GuichetId;
use planipref_domain::ids::SiteId;
use planipref_store::AuditEntry;
use planipref_store::models::FermetureRow;

/// Writes closure `id` of `site` from a checked request, by `agent` at `now`: new, or replacing
/// `before`, the change made from the version `If-Match` names. The caller
/// must administer the site; the guichet must be one of it; booked
/// appointments it covers are refused or flagged.
pub fn write(
    store: &planipref_store::Store,
    (agent, now): (&planipref_domain::access::Agent, DateTime<Utc>),
    site: &planipref_store::models::SiteRow,
    (body, (reason, guichet)): (&FermetureRequest, (String, Option<GuichetId>)),
    id: String,
    before: Option<(&FermetureRow, IfMatch)>,
    flag: bool,
) -> Result<Fermeture, ApiError> {
    may_administer(agent, site)?;
    if let Some(g) = guichet {
        match store.get_guichet(&g.to_string()) {
            Ok((_, of)) if of.id == site.id => {}
            Ok(_) | Err(planipref_store::StoreError::NotFound) => {
                return Err(ApiError::invalid(
                    "guichet_id",
                    "must be a guichet of this site",
                ));
            }
            Err(e) => return Err(ApiError::from(e)),
        }
    }
    let tz = site_zone(site)?;
    let input = FermetureInput {
        from_date: body.from_date.as_deref(),
        to_date: body.to_date.as_deref(),
        start: body.start.as_deref(),
        end: body.end.as_deref(),
    };
    let (start, end) = fermeture_interval(tz, input)?;
    let row = FermetureRow {
        id,
        site_id: site.id.clone(),
        guichet_id: guichet.map(|g| g.to_string()),
        starts_at: planipref_store::to_db(start),
        ends_at: planipref_store::to_db(end),
        reason,
        created_at: before.map_or_else(|| planipref_store::to_db(now), |(b, _)| b.created_at),
        revision: before.map_or(1, |(_, v)| v.0),
    };
    let mut response = Fermeture {
        version: before.map_or(1, |(_, v)| v.next()),
        ..Fermeture::from_row(row.clone(), tz)
    };
    let action = if before.is_some() {
        "updated"
    } else {
        "created"
    };
    let audit = AuditEntry {
        before: before.and_then(|(b, _)| json(&Fermeture::from_row(b.clone(), tz))),
        after: json(&response),
        ..site_entry(agent, site, "fermeture", &row.id, action, now)
    };
    let flagged = match before {
        None => store.create_fermeture(&row, flag, &agent.actor(), &audit),
        Some(_) => store.replace_fermeture(&row, flag, &agent.actor(), &audit),
    };
    response.flagged_reservations = flagged.map_err(|e| write_error(e, "conflicting closure"))?;
    Ok(response)
}

/// Opens `site_id` on a public holiday of its département (`date`), for
/// `reason`, by `agent` (an administrator of the département) at `now`.
pub fn open_on_holiday(
    store: &planipref_store::Store,
    (agent, now): (&planipref_domain::access::Agent, DateTime<Utc>),
    site_id: SiteId,
    (date, reason): (NaiveDate, String),
) -> Result<Ouverture, ApiError> {
    let site = store
        .get_site(&site_id.to_string())
        .map_err(|e| ApiError::from_store(e, "site"))?;
    let departement = site_departement(&site)?;
    may_administer_departement(agent, &departement)?;
    let holidays: Vec<String> = planipref_domain::calendar::holidays_on(date, &departement)
        .into_iter()
        .map(|h| h.code().to_owned())
        .collect();
    if holidays.is_empty() {
        return Err(ApiError::invalid(
            "date",
            "is not a public holiday of the site's département",
        ));
    }
    let row = planipref_store::models::OuvertureRow {
        id: uuid::Uuid::new_v4().to_string(),
        site_id: site.id.clone(),
        day: date,
        reason: reason.clone(),
        created_at: planipref_store::to_db(now),
    };
    let ouverture = Ouverture {
        id: row.id.clone(),
        site_id: site.id.clone(),
        date,
        holidays,
        reason,
    };
    let audit = AuditEntry {
        after: json(&ouverture),
        ..site_entry(agent, &site, "ouverture", &row.id, "created", now)
    };
    store
        .create_ouverture(&row, &audit)
        .map_err(|e| write_error(e, "the site is already opened that day"))?;
    Ok(ouverture)
}
