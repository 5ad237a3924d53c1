//! The counter's day: steps taken on appointments and undone, the day
//! view, walk-ins, bookings made by agents for someone, and the
//! préfecture's counter settings.
use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use planipref_domain::FieldError;
use planipref_domain::access::{Agent, check_reason};
use planipref_domain::attendance::{self, Status, Step, StepRefusal, UndoRefusal};
use planipref_domain::error::Collector;
use planipref_domain::ids::{GuichetId, ReservationId, SiteId};
use planipref_domain::plage::Weekdays;
use planipref_domain::time::local_midnight;
use planipref_store::models::{CounterRow, MotifRow, ReservationRow, SiteRow};
use planipref_store::{AuditEntry, ReservationDetail, StepTaken, Store};
use planipref_store::{Undo, from_db};

use crate::app::reservations::readable_reservation;
use crate::http::error::ApiError;
use crate::model::counter::*;
use crate::model::fields::at_site;
use crate::model::site::site_zone;
use crate::security::scope::may_read;

/// Takes `step` on the appointment `raw` names, for an agent of its site
/// (409 `wrong-status` naming the status when it does not allow it).
pub fn take_step(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    raw: &str,
    step: Step,
    call: Option<&CallRequest>,
) -> Result<CounterEntry, ApiError> {
    let detail = readable_reservation(store, agent, raw)?;
    let r = &detail.reservation;
    let current = status_of(r)?;
    step.take(current, from_db(r.starts_at), now)
        .map_err(|refusal| match refusal {
            StepRefusal::WrongStatus(s) => ApiError::WrongStatus(s.code().to_owned()),
            StepRefusal::NotStarted => ApiError::Conflict("the appointment has not started yet"),
        })?;
    let called_to = match call.and_then(|c| c.guichet_id.as_deref()) {
        Some(raw) => Some(guichet_of_site(store, &detail.site, raw)?),
        None if step == Step::Call => Some(r.guichet_id.clone()),
        None => None,
    };
    let id = reservation_id(r)?;
    let actor = agent.actor();
    let taken = StepTaken {
        step,
        from: current,
        actor: &actor,
        now,
        called_to: called_to.as_deref(),
    };
    store.take_step(id, &taken)?;
    entry_of(store, detail, true)
}

/// Undoes the last step taken on the appointment, within
/// [`attendance::UNDO_MINUTES`], with a reason.
pub fn undo(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    raw: &str,
    reason: &str,
) -> Result<CounterEntry, ApiError> {
    let reason = check_reason(reason).map_err(|e| ApiError::Validation(vec![e]))?;
    let detail = readable_reservation(store, agent, raw)?;
    let id = reservation_id(&detail.reservation)?;
    let events = store.reservation_events(id)?;
    let history = events
        .iter()
        .map(|e| (e.action.as_str(), from_db(e.occurred_at)));
    let (step, taken_at, back_to) = attendance::last_step(history).ok_or(ApiError::CannotUndo(
        "no step has been taken since the booking",
    ))?;
    attendance::may_undo(taken_at, now).map_err(|r| match r {
        UndoRefusal::TooLate => {
            ApiError::CannotUndo("the last step is more than 15 minutes old: it stands")
        }
        UndoRefusal::NothingToUndo => ApiError::CannotUndo("nothing to undo"),
    })?;
    let actor = agent.actor();
    let undo = Undo {
        step,
        from: step.target(),
        back_to,
        actor: &actor,
        reason: &reason,
        now,
    };
    store.undo_step(id, &undo)?;
    entry_of(store, detail, true)
}

/// The appointment as the counter sees it, read again after a change.
pub(crate) fn entry_of(
    store: &Store,
    detail: ReservationDetail,
    with_contact: bool,
) -> Result<CounterEntry, ApiError> {
    let reference = planipref_domain::reference::Reference::parse(&detail.reservation.reference)
        .ok_or(ApiError::Internal)?;
    let fresh = store.find_reservation(&reference)?;
    let id = reservation_id(&fresh.reservation)?;
    let ((channel, _), counter) = store.counter_facts(id)?;
    let tz = site_zone(&fresh.site)?;
    Ok(counter_entry(
        (fresh.reservation, channel, counter, &fresh.motif),
        tz,
        with_contact,
    ))
}

/// A reservation and what the counter recorded, for the counter.
pub fn counter_entry(
    (r, channel, counter, motif): (ReservationRow, String, Option<CounterRow>, &MotifRow),
    tz: chrono_tz::Tz,
    with_contact: bool,
) -> CounterEntry {
    let file_check = crate::model::file_check::flag(counter.as_ref());
    let c = counter.unwrap_or_default();
    let local = |t: Option<chrono::NaiveDateTime>| t.map(|t| at_site(from_db(t), tz));
    let start = from_db(r.starts_at);
    let (arrived, called, finished) = (
        c.arrived_at.map(from_db),
        c.called_at.map(from_db),
        c.finished_at.map(from_db),
    );
    CounterEntry {
        reference: r.reference,
        status: r.status,
        channel,
        ticket: c.ticket,
        guichet_id: r.guichet_id,
        motif_id: motif.id.clone(),
        motif: motif.label.clone(),
        persons: u32::try_from(r.persons).unwrap_or(1),
        start: at_site(start, tz),
        end: at_site(from_db(r.ends_at), tz),
        arrived_at: local(c.arrived_at),
        called_at: local(c.called_at),
        called_to: c.called_to,
        finished_at: local(c.finished_at),
        waiting_minutes: attendance::waiting_minutes(start, arrived, called),
        service_minutes: attendance::service_minutes(called, finished),
        last_name: r.last_name,
        first_names: r.first_names,
        email: with_contact.then_some(r.email),
        phone: with_contact.then_some(r.phone),
        contact_note: c.contact_note,
        booked_by: if c.booked_by.is_empty() {
            "applicant".to_owned()
        } else {
            c.booked_by
        },
        organisation: c.organisation,
        needs_rebooking: r.needs_rebooking,
        overbooked: r.overbooked,
        file_check,
        ds_dossier_number: c.ds_dossier_number,
    }
}

/// What the day view asks, checked.
#[derive(Debug, Clone)]
pub struct DayAsked {
    /// The local day (`None`: today at the site).
    pub date: Option<NaiveDate>,
    /// Only this guichet.
    pub guichet: Option<GuichetId>,
    /// With e-mail and phone (audited).
    pub with_contact: bool,
}

impl DayQuery {
    /// Checks every parameter at once.
    pub fn check(&self) -> Result<DayAsked, ApiError> {
        let mut c = Collector::default();
        let date = self.date.as_deref().and_then(|d| {
            c.take(
                planipref_domain::slots::parse_search_date("date", d)
                    .map_err(|e| FieldError::new("date", e.message)),
            )
        });
        let guichet = self.guichet_id.as_deref().and_then(|g| {
            c.take(
                g.trim()
                    .parse::<GuichetId>()
                    .map_err(|_| FieldError::new("guichet_id", "must be a guichet id (UUID)")),
            )
        });
        c.finish()?;
        Ok(DayAsked {
            date,
            guichet,
            with_contact: self.with_contact.unwrap_or(false),
        })
    }
}

/// A site's day at the counter, for an agent of the site.
pub fn day(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    site_id: SiteId,
    asked: &DayAsked,
) -> Result<SiteDay, ApiError> {
    let site = store
        .get_site(&site_id.to_string())
        .map_err(|e| ApiError::from_store(e, "site"))?;
    may_read(agent, &site)?;
    let tz = site_zone(&site)?;
    let date = asked
        .date
        .unwrap_or_else(|| now.with_timezone(&tz).date_naive());
    let bounds = (
        local_midnight(tz, date),
        local_midnight(tz, date + Days::new(1)),
    );
    let wanted = |g: &str| asked.guichet.is_none_or(|w| w.to_string() == g);
    let items: Vec<CounterEntry> = store
        .site_day(&site.id, bounds)?
        .into_iter()
        .filter(|(r, ..)| wanted(&r.guichet_id))
        .map(|(r, (channel, _), counter, motif)| {
            counter_entry((r, channel, counter, &motif), tz, asked.with_contact)
        })
        .collect();
    if asked.with_contact && !items.is_empty() {
        store.write_audit(&AuditEntry {
            after: crate::app::audit::json(
                &serde_json::json!({"date": date, "appointments": items.len(), "contacts": true}),
            ),
            ..crate::app::audit::site_entry(agent, &site, "site", &site.id, "read", now)
        })?;
    }
    let mut counts = BTreeMap::new();
    for item in &items {
        *counts.entry(item.status.clone()).or_insert(0) += 1;
    }
    Ok(SiteDay {
        site_id: site.id.clone(),
        date,
        time_zone: site.time_zone.clone(),
        guichets: timeline(store, &site, (date, tz), wanted)?,
        items,
        counts,
    })
}

/// Each guichet's plages and closures of the day.
fn timeline(
    store: &Store,
    site: &SiteRow,
    (date, tz): (NaiveDate, chrono_tz::Tz),
    wanted: impl Fn(&str) -> bool,
) -> Result<Vec<GuichetDay>, ApiError> {
    let org = store.site_organisation(&site.id)?;
    let bounds = (
        local_midnight(tz, date),
        local_midnight(tz, date + Days::new(1)),
    );
    let exceptions = store.site_exceptions(&site.id, (date, date), bounds)?;
    let hm = |t: chrono::NaiveTime| t.format("%H:%M").to_string();
    Ok(org
        .guichets
        .into_iter()
        .filter(|g| wanted(&g.id))
        .map(|g| GuichetDay {
            plages: org
                .plages
                .iter()
                .filter(|p| p.guichet_id == g.id)
                .filter(|p| {
                    Weekdays::from_bits(p.weekdays).is_some_and(|w| w.contains(date.weekday()))
                        && p.valid_from <= date
                        && p.valid_until.is_none_or(|u| date <= u)
                })
                .map(|p| DayRange {
                    start: hm(p.start_time),
                    end: hm(p.end_time),
                })
                .collect(),
            closures: exceptions
                .closures
                .iter()
                .filter(|f| f.guichet_id.as_ref().is_none_or(|x| *x == g.id))
                .map(|f| DayClosure {
                    start: at_site(from_db(f.starts_at), tz),
                    end: at_site(from_db(f.ends_at), tz),
                    reason: f.reason.clone(),
                })
                .collect(),
            id: g.id,
            name: g.name,
            channel: g.channel,
        })
        .collect())
}

/// A guichet of `site` named in a request (422 otherwise).
fn guichet_of_site(store: &Store, site: &SiteRow, raw: &str) -> Result<String, ApiError> {
    let id: GuichetId = raw
        .trim()
        .parse()
        .map_err(|_| ApiError::invalid("guichet_id", "must be a guichet id (UUID)"))?;
    let org = store.site_organisation(&site.id)?;
    org.guichets
        .iter()
        .find(|g| g.id == id.to_string())
        .map(|g| g.id.clone())
        .ok_or_else(|| {
            ApiError::invalid("guichet_id", "must be a guichet of the appointment's site")
        })
}

fn status_of(r: &ReservationRow) -> Result<Status, ApiError> {
    Status::from_code(&r.status).ok_or(ApiError::Internal)
}

fn reservation_id(r: &ReservationRow) -> Result<ReservationId, ApiError> {
    r.id.parse().map_err(|_| ApiError::Internal)
}
