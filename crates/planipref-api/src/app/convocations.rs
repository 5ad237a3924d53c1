//! Convocations: what a presented link allows, and checking an agent's new one.
use crate::app::audit::json;
use crate::app::audit::site_entry;
use crate::app::slot_list::compute_slot_list;
use crate::app::slots::Access;
use crate::http::error::ApiError;
use crate::model::convocation::Convocation;
use crate::model::convocation::ConvocationPage;
use crate::model::convocation::ConvocationsAsked;
use crate::model::convocation::IssueConvocationRequest;
use crate::model::fields::parse_motif_id;
use crate::model::page::Page;
use crate::model::page::page_bounds;
use crate::model::site::site_zone;
use crate::model::slot::SlotList;
use crate::model::slot::SlotsAsked;
use crate::security::scope::may_read;
use chrono::DateTime;
use chrono::Duration;
use chrono::Utc;
use planipref_domain::DomainError;
use planipref_domain::FieldError;
use planipref_domain::access::Agent;
use planipref_domain::context::RouterContext;
use planipref_domain::convocation::ConvocationPerson;
use planipref_domain::convocation::ConvocationPersonInput;
use planipref_domain::convocation::ConvocationTerms;
use planipref_domain::convocation::Refusal;
use planipref_domain::convocation::check_ds_dossier_number;
use planipref_domain::error::Collector;
use planipref_domain::ids::ConvocationId;
use planipref_domain::ids::MotifId;
use planipref_domain::ids::SiteId;
use planipref_domain::messages::seal::OutboxKey;
use planipref_domain::messages::{Channel, Language, asked_channels};
use planipref_domain::reference::ManagementToken;
use planipref_domain::reference::hash_token;
use planipref_store::AuditEntry;
use planipref_store::ConvocationFilter;
use planipref_store::ConvocationUse;
use planipref_store::ConvocationView;
use planipref_store::NewConvocation;
use planipref_store::Store;
use planipref_store::outbox::NewMessage;

/// What a request may see and book of a motif, given the convocation token
/// it presents: `Public` without one (a convocation-only motif is refused),
/// else that convocation's days, checked usable for the motif now.
pub fn access_for(
    store: &Store,
    token: Option<&str>,
    motif_id: MotifId,
    now: DateTime<Utc>,
) -> Result<(Access, Option<ConvocationUse>), ApiError> {
    let Some(token) = token else {
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
            ds_dossier_number: view.row.ds_dossier_number,
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
) -> Result<(MotifId, ConvocationPerson, Sending), ApiError> {
    let mut c = Collector::default();
    let motif_id = c.take(parse_motif_id(Some(&body.motif_id)));
    let language = c.take(Language::parse("language", body.language.as_deref()));
    let channels = c.take_all(asked_channels(
        "send",
        body.send.as_deref().unwrap_or_default(),
        (body.person.email.as_deref(), body.person.phone.as_deref()),
    ));
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
    if let Some(n) = body.ds_dossier_number {
        c.take(check_ds_dossier_number("ds_dossier_number", n));
    }
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
    match (motif_id, person, channels, language) {
        (Some(m), Some(p), Some(channels), Some(language)) => {
            Ok((m, p, Sending { channels, language }))
        }
        _ => Err(ApiError::Internal),
    }
}

/// How a new convocation's link is sent to its person.
#[derive(Debug, Clone, Default)]
pub struct Sending {
    /// By these channels (none: the agent hands the link over).
    pub channels: Vec<Channel>,
    /// In this language.
    pub language: Language,
}

impl Sending {
    /// The messages sending the link `token`, sealed with `key`, for a
    /// convocation of `prefecture_code`'s.
    fn messages(
        &self,
        (token, key): (&ManagementToken, &OutboxKey),
        prefecture_code: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<NewMessage>, ApiError> {
        let mut messages = Vec::new();
        for channel in &self.channels {
            let sealed = Some(crate::app::sealing::seal_token(token, key)?);
            messages.push(NewMessage {
                kind: planipref_store::outbox::kind::CONVOCATION_ISSUED.to_owned(),
                channel: channel.code().to_owned(),
                prefecture_code: prefecture_code.to_owned(),
                language: self.language.code().to_owned(),
                payload: serde_json::json!({}).to_string(),
                sealed,
                due_at: now,
            });
        }
        Ok(messages)
    }
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

/// A new convocation to `motif_id` for `person`, its token hashed so, by
/// `agent` (who may read the motif's site) at `now`, on the terms `body`
/// asks.
pub fn issue(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    (motif_id, person, sending): (MotifId, ConvocationPerson, &Sending),
    (token, key): (&ManagementToken, &OutboxKey),
    body: &IssueConvocationRequest,
) -> Result<Convocation, ApiError> {
    let (_, _, site) = store
        .get_motif(&motif_id.to_string())
        .map_err(|e| ApiError::from_store(e, "motif"))?;
    may_read(agent, &site)?;
    let site_id: SiteId = site.id.parse().map_err(|_| ApiError::Internal)?;
    let tz = site_zone(&site)?;
    let today = now.with_timezone(&tz).date_naive();
    let terms = ConvocationTerms::parse(
        body.valid_days,
        body.earliest_day.as_deref(),
        body.latest_day.as_deref(),
        now,
        today,
    )?;
    let id = ConvocationId::new_random();
    // The trail names the convocation and its terms, never the person
    // (agents read that in the convocation itself).
    let audit = AuditEntry {
        after: json(&serde_json::json!({
            "motif_id": motif_id.to_string(),
            "valid_until": terms.valid_until,
            "earliest_day": terms.days.earliest,
            "latest_day": terms.days.latest,
        })),
        ..site_entry(agent, &site, "convocation", &id.to_string(), "created", now)
    };
    let view = store
        .create_convocation(
            &NewConvocation {
                id,
                token_hash: token.hash(),
                site_id,
                motif_id,
                person,
                terms,
                issued_by: agent.actor(),
                now,
                messages: sending.messages((token, key), &site.prefecture_code, now)?,
                ds_dossier_number: body.ds_dossier_number,
            },
            Some(&audit),
        )
        .map_err(|e| ApiError::from_store(e, "motif"))?;
    Ok(Convocation::new(view, tz, now))
}

/// The convocations of `site_id` asked for, as they stand at `now`, for an
/// agent who may read the site.
pub fn of_site(
    store: &Store,
    agent: &Agent,
    site_id: SiteId,
    asked: &ConvocationsAsked,
    now: DateTime<Utc>,
) -> Result<ConvocationPage, ApiError> {
    let site = store
        .get_site(&site_id.to_string())
        .map_err(|e| ApiError::from_store(e, "site"))?;
    may_read(agent, &site)?;
    let tz = site_zone(&site)?;
    let found = store.site_convocations(
        &site.id,
        ConvocationFilter {
            motif_id: asked.motif_id.as_deref(),
            state: asked.state,
        },
        now,
        page_bounds(asked.pages),
    )?;
    Ok(Page::of(found, asked.pages, |v| {
        Convocation::new(v, tz, now)
    }))
}

/// The slots of `motif_id` the holder of the convocation presented may
/// book (their own days), computed afresh.
pub fn slots(
    store: &Store,
    convocation: Option<&str>,
    motif_id: MotifId,
    (asked, context): (SlotsAsked, Option<RouterContext>),
    now: DateTime<Utc>,
) -> Result<SlotList, ApiError> {
    let (access, _) = access_for(store, convocation, motif_id, now)?;
    let (list, ..) = compute_slot_list(
        store,
        motif_id,
        asked.days,
        (asked.persons, access, context.as_ref()),
        now,
    )?;
    Ok(list)
}
