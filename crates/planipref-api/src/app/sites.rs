//! A site's settings read from a request, and the row they make.
use crate::http::error::ApiError;
use crate::model::calendar::MAX_CALENDAR_DAYS;
use crate::model::calendar::SiteCalendar;
use crate::model::organisation::Organisation;
use crate::model::site::SiteRequest;
use crate::model::site::site_zone;
use crate::security::scope::may_read;
use chrono::DateTime;
use chrono::Days;
use chrono::NaiveDate;
use chrono::Utc;
use planipref_domain::DomainError;
use planipref_domain::access::Agent;
use planipref_domain::competence::Competence;
use planipref_domain::ids::DepartementCode;
use planipref_domain::ids::SiteId;
use planipref_domain::site::SiteDraft;
use planipref_domain::site::SiteInput;
use planipref_domain::slots::check_range_within;
use planipref_domain::time::local_midnight;
use planipref_store::Store;
use planipref_store::StoreError;
use planipref_store::models::SiteRow;

/// Reads a site's settings and competence, reporting every invalid field.
pub fn parse(body: &SiteRequest) -> Result<(SiteDraft, Competence), ApiError> {
    let draft = SiteDraft::parse(input(body));
    // Without a valid département the draft reports it; codes wait.
    let competence = match DepartementCode::parse(&body.prefecture_code) {
        Some(dep) => Competence::parse(
            &dep,
            &body.competence.arrondissements,
            &body.competence.communes,
        ),
        None => Ok(Competence::default()),
    };
    Ok(DomainError::both(draft, competence)?)
}

pub fn input(body: &SiteRequest) -> SiteInput<'_> {
    SiteInput {
        prefecture_code: &body.prefecture_code,
        kind: &body.kind,
        name: &body.name,
        address_line: &body.address.line,
        postal_code: &body.address.postal_code,
        city: &body.address.city,
        commune_insee: &body.address.commune_insee,
        time_zone: &body.time_zone,
    }
}

pub fn to_row(id: String, d: &SiteDraft, created_at: chrono::DateTime<Utc>) -> SiteRow {
    SiteRow {
        id,
        prefecture_code: d.prefecture.to_string(),
        kind: d.kind.code().to_owned(),
        name: d.name.clone(),
        address_line: d.address_line.clone(),
        postal_code: d.postal_code.clone(),
        city: d.city.clone(),
        commune_insee: d.commune_insee.clone(),
        time_zone: d.time_zone.name().to_owned(),
        created_at: planipref_store::to_db(created_at),
        revision: 1,
    }
}

pub fn site_write_error(e: StoreError) -> ApiError {
    match e {
        StoreError::Duplicate { .. } => {
            ApiError::Conflict("a site of that name already exists in this préfecture")
        }
        StoreError::MissingReference { .. } => {
            ApiError::invalid("prefecture_code", "no such préfecture")
        }
        StoreError::Affected(refs) => ApiError::Affected(refs),
        other => ApiError::from_store(other, "site"),
    }
}

/// How site `site_id` is organised (services, motifs, guichets, plages),
/// for an agent who may read the site.
pub fn organisation(
    store: &Store,
    agent: &Agent,
    site_id: SiteId,
) -> Result<Organisation, ApiError> {
    let site = store
        .get_site(&site_id.to_string())
        .map_err(|e| ApiError::from_store(e, "site"))?;
    may_read(agent, &site)?;
    let found = store.site_organisation(&site.id)?;
    Organisation::new(site.id, found)
}

/// The calendar of site `site_id` between two local days (default: from
/// today at the site, for a year).
pub fn calendar(
    store: &Store,
    site_id: SiteId,
    (from, to): (Option<NaiveDate>, Option<NaiveDate>),
    now: DateTime<Utc>,
) -> Result<SiteCalendar, ApiError> {
    let site = store
        .get_site(&site_id.to_string())
        .map_err(|e| ApiError::from_store(e, "site"))?;
    let tz = site_zone(&site)?;
    let from = from.unwrap_or_else(|| now.with_timezone(&tz).date_naive());
    let to = to.unwrap_or_else(|| {
        from.checked_add_days(Days::new(MAX_CALENDAR_DAYS.unsigned_abs() - 1))
            .unwrap_or(from)
    });
    check_range_within(from, to, MAX_CALENDAR_DAYS)?;
    let after = to.succ_opt().unwrap_or(to);
    let instants = (local_midnight(tz, from), local_midnight(tz, after));
    let exceptions = store.site_exceptions(&site.id, (from, to), instants)?;
    SiteCalendar::new(site, (from, to), exceptions)
}
