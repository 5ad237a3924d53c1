//! The two ways an agent books at the counter: registering someone who
//! came without an appointment (walk-in), and booking for someone who
//! cannot book online (by phone, at the counter, through an association).

use chrono::{DateTime, Utc};
use planipref_domain::access::{Agent, Role, check_reason};
use planipref_domain::applicant::{Applicant, ApplicantInput, Contact};
use planipref_domain::channel::BookingChannel;
use planipref_domain::error::Collector;
use planipref_domain::file_check::FileStatusConnector;
use planipref_domain::ids::{GuichetId, SiteId};
use planipref_domain::messages::Language;
use planipref_domain::messages::seal::OutboxKey;
use planipref_domain::motif::check_persons;
use planipref_domain::reference::ManagementToken;
use planipref_domain::{DomainError, FieldError};
use planipref_store::{NewReservation, Origin, ReservationDetail, Store};

use crate::app::booking::{Booker, Target, book, demarche_key, new_reference};
use crate::app::counter::entry_of;
use crate::app::slots::{Access, ContextCheck, day_start, with_slot_request};
use crate::http::error::ApiError;
use crate::model::counter::*;
use crate::model::fields::{parse_motif_id, parse_start};
use crate::model::site::{site_departement, site_zone};
use crate::security::scope::may_read;

/// Registers a walk-in at `site_id` for a motif of the site: the earliest
/// free time now or next (walk-in guichets first, then public time within
/// the préfecture's horizon), with the day's next ticket.
pub fn walk_in(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    site_id: SiteId,
    body: &WalkInRequest,
) -> Result<CounterEntry, ApiError> {
    let mut c = Collector::default();
    let motif_id = c.take(parse_motif_id(Some(&body.motif_id)));
    let persons = body.persons.unwrap_or(1);
    c.take(check_persons("persons", persons));
    let applicant = c.take_all(person(&body.applicant, now));
    c.finish()?;
    let (Some(motif_id), Some(applicant)) = (motif_id, applicant) else {
        return Err(ApiError::Internal);
    };
    let site = store
        .get_site(&site_id.to_string())
        .map_err(|e| ApiError::from_store(e, "site"))?;
    may_read(agent, &site)?;
    let tz = site_zone(&site)?;
    let today = now.with_timezone(&tz).date_naive();
    let schedule = store
        .motif_schedule(
            &motif_id.to_string(),
            day_start(today, -1),
            day_start(today, 2),
            now,
        )
        .map_err(|e| ApiError::from_store(e, "motif"))?;
    if schedule.site.id != site.id {
        return Err(ApiError::invalid(
            "motif_id",
            "must be a motif of this site",
        ));
    }
    let settings = store.counter_settings(&site.prefecture_code)?.0;
    let horizon = u32::try_from(settings.walk_in_horizon_minutes).unwrap_or(0);
    let walk_in = &schedule.walk_in_guichets;
    let public: Vec<GuichetId> = schedule
        .guichets
        .iter()
        .filter(|g| !walk_in.contains(g) && !schedule.convocation_guichets.contains(g))
        .copied()
        .collect();
    let candidates = with_slot_request(
        &schedule,
        motif_id,
        tz,
        (today, today),
        now,
        (persons, Access::Agent, ContextCheck::Skipped),
        |request| planipref_domain::walk_in::candidates(request, (walk_in, &public), now, horizon),
    )?;
    if candidates.is_empty() {
        return Err(ApiError::NoWalkInTime);
    }
    let times: Vec<_> = candidates
        .iter()
        .map(|c| (c.guichet_id, c.start, c.end))
        .collect();
    let new = NewReservation {
        site_id,
        motif_id,
        start: times[0].1,
        end: times[0].2,
        applicant,
        // A walk-in manages nothing online: its token is never given out.
        token_hash: planipref_domain::reference::ManagementToken::from_random_bytes(
            &crate::app::booking::random_bytes()?,
        )
        .hash(),
        actor: agent.actor(),
        now,
        time_zone: tz,
        persons,
        demarche_code: demarche_key(&schedule.motif),
        // The person is here: an appointment booked elsewhere is no reason
        // to turn them away (agents see it in the day view).
        refuse_doublons: false,
        convocation: None,
        max_active_per_person: u32::MAX,
        origin: Origin {
            channel: BookingChannel::WalkIn,
            walk_in_day: Some(today),
            ..Origin::default()
        },
        // A walk-in is sent nothing: they are at the counter.
        language: Language::Fr.code().to_owned(),
        sealed_token: None,
        // Agents see the day: they never over-book by the engine.
        extra: None,
        // The person is here with their papers: agents check the file at
        // the counter, no system is asked.
        file_check: None,
    };
    let row = store
        .create_at_first(&new, &times, new_reference)
        .map_err(|e| match e {
            // Every candidate was taken by others meanwhile.
            planipref_store::StoreError::SlotTaken => ApiError::NoWalkInTime,
            e => ApiError::from_store(e, "motif"),
        })?;
    crate::telemetry::booked(new.channel());
    entry_of(
        store,
        ReservationDetail {
            reservation: row,
            motif: schedule.motif,
            site: schedule.site,
        },
        false,
    )
}

/// Books an appointment for someone (an agent of the site, an
/// administrator, or an intermediary accredited in its département): the
/// public path's slot rules, doublons and limits, the agent's daily cap,
/// the channel and actor recorded.
pub fn on_behalf(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    (body, convocation): (&OnBehalfRequest, Option<&str>),
    (token, key): (&ManagementToken, &OutboxKey),
    files: &dyn FileStatusConnector,
) -> Result<ReservationDetail, ApiError> {
    let mut c = Collector::default();
    let language = c.take(Language::parse("language", body.language.as_deref()));
    let motif_id = c.take(parse_motif_id(Some(&body.motif_id)));
    let start = c.take(parse_start(Some(&body.start)));
    let persons = body.persons.unwrap_or(1);
    c.take(check_persons("persons", persons));
    let channel = c.take(BookingChannel::parse_on_behalf("channel", &body.channel));
    let applicant = c.take_all(person(&body.applicant, now));
    let note = match body.contact_note.as_deref().map(str::trim) {
        Some("") | None => None,
        Some(n) => c.take(check_reason(n).map_err(|e| FieldError::new("contact_note", e.message))),
    };
    if let Some(a) = &applicant
        && a.email.is_empty()
        && a.phone.is_empty()
        && note.is_none()
    {
        c.push(FieldError::new(
            "contact_note",
            "must say how the person is reached when neither e-mail nor phone is given",
        ));
    }
    c.finish()?;
    let (Some(motif_id), Some(start), Some(channel), Some(applicant), Some(language)) =
        (motif_id, start, channel, applicant, language)
    else {
        return Err(ApiError::Internal);
    };
    let site = store
        .motif_site(&motif_id.to_string())
        .and_then(|id| store.get_site(&id))
        .map_err(|e| ApiError::from_store(e, "motif"))?;
    let site_id: SiteId = site.id.parse().map_err(|_| ApiError::Internal)?;
    if !agent.can_book_for_others(site_id, &site_departement(&site)?) {
        return Err(ApiError::Forbidden);
    }
    let channel = if agent.role == Role::Intermediary {
        BookingChannel::Intermediary
    } else {
        channel
    };
    let cap = store
        .counter_settings(&site.prefecture_code)?
        .0
        .agent_daily_bookings;
    let booker = Booker {
        actor: agent.actor(),
        origin: Origin {
            channel,
            organisation: agent.organisation.clone(),
            contact_note: note,
            walk_in_day: None,
            agent_cap: Some(u32::try_from(cap).unwrap_or(0)),
            imported: None,
        },
    };
    book(
        store,
        (Target::Slot(motif_id, start, persons), convocation, None),
        (applicant, &booker),
        crate::app::sealing::NewToken::sealed(token, key, language)?,
        (now, files),
    )
}

/// A person an agent registers or books for.
/// Every invalid field is named (`applicant.<field>`).
fn person(p: &PersonRequest, now: DateTime<Utc>) -> Result<Applicant, Vec<FieldError>> {
    let input = ApplicantInput {
        last_name: &p.last_name,
        first_names: &p.first_names,
        birth_date: &p.birth_date,
        email: p.email.as_deref().unwrap_or(""),
        phone: p.phone.as_deref().unwrap_or(""),
        nationality: p.nationality.as_deref(),
        file_number: p.file_number.as_deref(),
    };
    let today = (now + chrono::Duration::hours(14)).date_naive();
    Applicant::parse_with(input, today, Contact::Optional).map_err(|e| match e {
        DomainError::Invalid(errors) => errors
            .into_iter()
            .map(|e| FieldError::new(format!("applicant.{}", e.field), e.message))
            .collect(),
        other => vec![FieldError::new("applicant", other.to_string())],
    })
}
