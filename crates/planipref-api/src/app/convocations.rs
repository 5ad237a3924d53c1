//! Convocations: what a presented link allows, and checking an agent's new one.
use crate::app::slots::Access;
use crate::http::error::ApiError;
use crate::http::extract::ConvocationTokenHeader;
use crate::model::convocation::IssueConvocationRequest;
use crate::model::fields::parse_motif_id;
use crate::model::site::site_zone;
use crate::security::scope::may_read;
use chrono::DateTime;
use chrono::Duration;
use chrono::Utc;
use planipref_domain::DomainError;
use planipref_domain::FieldError;
use planipref_domain::access::Agent;
use planipref_domain::convocation::ConvocationPerson;
use planipref_domain::convocation::ConvocationPersonInput;
use planipref_domain::convocation::Refusal;
use planipref_domain::error::Collector;
use planipref_domain::ids::MotifId;
use planipref_domain::reference::hash_token;
use planipref_store::ConvocationUse;
use planipref_store::ConvocationView;
use planipref_store::Store;

/// What a request may see and book of a motif, given the convocation it
/// presents: `Public` without one (a convocation-only motif is refused),
/// else that convocation's days, checked usable for the motif now.
pub fn access_for(
    store: &Store,
    token: &ConvocationTokenHeader,
    motif_id: MotifId,
    now: DateTime<Utc>,
) -> Result<(Access, Option<ConvocationUse>), ApiError> {
    let Some(token) = &token.0 else {
        return Ok((Access::Public, None));
    };
    let view = presented(store, token)?;
    view.presented()
        .check_usable(&motif_id.to_string(), now)
        .map_err(ApiError::Convocation)?;
    Ok((
        Access::Convoked(view.days()),
        Some(ConvocationUse {
            id: view.row.id.clone(),
        }),
    ))
}

/// The convocation whose token is `token` (403 `convocation-invalid`
/// when none).
pub fn presented(store: &Store, token: &str) -> Result<ConvocationView, ApiError> {
    store
        .convocation_by_token(&hash_token(token))
        .map_err(|e| match e {
            planipref_store::StoreError::NotFound => ApiError::Convocation(Refusal::Unknown),
            other => ApiError::from_store(other, "convocation"),
        })
}

/// The motif and the person, every invalid field reported at once.
pub fn validate_issue(
    body: &IssueConvocationRequest,
    now: DateTime<Utc>,
) -> Result<(MotifId, ConvocationPerson), ApiError> {
    let mut c = Collector::default();
    let motif_id = c.take(parse_motif_id(Some(&body.motif_id)));
    let p = &body.person;
    let input = ConvocationPersonInput {
        last_name: &p.last_name,
        first_names: &p.first_names,
        birth_date: &p.birth_date,
        file_number: p.file_number.as_deref(),
        email: p.email.as_deref(),
        phone: p.phone.as_deref(),
    };
    // The latest calendar date anywhere (UTC+14), as for applicants.
    let latest_today = (now + Duration::hours(14)).date_naive();
    let person = match ConvocationPerson::parse(input, latest_today) {
        Ok(person) => Some(person),
        Err(DomainError::Invalid(errors)) => {
            for e in errors {
                c.push(FieldError::new(format!("person.{}", e.field), e.message));
            }
            None
        }
        Err(e) => return Err(e.into()),
    };
    c.finish()?;
    motif_id.zip(person).ok_or(ApiError::Internal)
}

/// The site `site_id` and its zone, when the agent's scope covers it (403
/// otherwise).
pub fn readable_site(
    store: &Store,
    agent: &Agent,
    site_id: &str,
) -> Result<(chrono_tz::Tz, planipref_store::models::SiteRow), ApiError> {
    let site = store.get_site(site_id).map_err(ApiError::from)?;
    may_read(agent, &site)?;
    Ok((site_zone(&site)?, site))
}
