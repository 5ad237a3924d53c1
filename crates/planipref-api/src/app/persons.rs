//! A person's legal requests (RGPD): everything held on them, and its
//! erasure, by agents whose scope covers every site involved; both
//! audited (the references concerned and the grounds, never the person).
//! And a préfecture's retention periods.

use chrono::{DateTime, Utc};
use planipref_domain::FieldError;
use planipref_domain::access::{Agent, check_reason};
use planipref_domain::applicant::parse_file_number;
use planipref_domain::error::Collector;
use planipref_domain::ids::DepartementCode;
use planipref_domain::retention::Retention;
use planipref_store::retention::{Person, PersonRecords};
use planipref_store::{AuditEntry, Store};

use crate::app::audit::{entry, json};
use crate::http::error::ApiError;
use crate::http::version::IfMatch;
use crate::model::person::{
    EraseRequest, Erased, HeldConvocation, HeldReservation, PersonExport, RetentionSettings,
    RetentionUpdate,
};
use crate::security::scope::may_read;

/// The person named by one of `reference` and `file_number` (written as
/// bookings record it: spaces and hyphens removed, in capitals).
pub fn person(reference: Option<&str>, file_number: Option<&str>) -> Result<Person, FieldError> {
    let given = |v: Option<&str>| {
        v.map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    match (given(reference), given(file_number)) {
        (Some(r), None) => Ok(Person::Reference(r.to_uppercase())),
        (None, Some(f)) => parse_file_number(&f).map(Person::FileNumber),
        _ => Err(FieldError::new(
            "reference",
            "give either reference or file_number",
        )),
    }
}

/// What is held on `person`, when `agent` reads every site involved (404
/// when nothing is held), and the préfecture of the first.
fn records_in_scope(
    store: &Store,
    agent: &Agent,
    person: &Person,
) -> Result<(PersonRecords, String), ApiError> {
    let records = store.person_records(person)?;
    let sites = records
        .reservations
        .iter()
        .map(|r| &r.site_id)
        .chain(records.convocations.iter().map(|c| &c.site_id));
    let mut prefecture = None;
    for site_id in sites {
        let site = store.get_site(site_id)?;
        may_read(agent, &site)?;
        prefecture.get_or_insert(site.prefecture_code);
    }
    let prefecture = prefecture.ok_or(ApiError::NotFound("person"))?;
    Ok((records, prefecture))
}

/// The audit entry of `action` on the person of `records`: the references
/// and convocations concerned, and `reason`.
fn person_audit(
    agent: &Agent,
    (records, prefecture): (&PersonRecords, &str),
    action: &'static str,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> AuditEntry {
    let references: Vec<&str> = records
        .reservations
        .iter()
        .map(|r| r.reference.as_str())
        .collect();
    let convocations: Vec<&str> = records.convocations.iter().map(|c| c.id.as_str()).collect();
    AuditEntry {
        departement: Some(prefecture.to_owned()),
        after: json(&serde_json::json!({
            "reservations": references, "convocations": convocations, "reason": reason,
        })),
        ..entry(
            agent,
            "person",
            references.first().copied().unwrap_or("convocation"),
            action,
            now,
        )
    }
}

/// Everything held on `person`, read by `agent` (audited).
pub fn export(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    person: &Person,
) -> Result<PersonExport, ApiError> {
    let (records, prefecture) = records_in_scope(store, agent, person)?;
    let mut reservations = Vec::with_capacity(records.reservations.len());
    for r in &records.reservations {
        let history = store.reservation_events(r.id.parse().map_err(|_| ApiError::Internal)?)?;
        let messages = store.reservation_messages(&r.id)?;
        reservations.push(HeldReservation::new(r.clone(), history, messages));
    }
    let audit = person_audit(agent, (&records, &prefecture), "read", None, now);
    store.write_audit(&audit)?;
    Ok(PersonExport {
        exported_at: now,
        reservations,
        convocations: records
            .convocations
            .into_iter()
            .map(HeldConvocation::from)
            .collect(),
    })
}

/// Erases the person `body` names, on a legal request (audited with its
/// grounds).
pub fn erase(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    body: &EraseRequest,
) -> Result<Erased, ApiError> {
    let mut c = Collector::default();
    let reason = c.take(check_reason(&body.reason));
    let whom = c.take(person(
        body.reference.as_deref(),
        body.file_number.as_deref(),
    ));
    c.finish()?;
    let (Some(reason), Some(whom)) = (reason, whom) else {
        return Err(ApiError::Internal);
    };
    let (records, prefecture) = records_in_scope(store, agent, &whom)?;
    let audit = person_audit(
        agent,
        (&records, &prefecture),
        "deleted",
        Some(&reason),
        now,
    );
    let purged = store.erase_person(&records, &prefecture, now, &audit)?;
    Ok(Erased {
        reservations: purged.identities,
        convocations: purged.convocations,
    })
}

/// Préfecture `code`'s retention periods.
pub fn retention(store: &Store, code: &DepartementCode) -> Result<RetentionSettings, ApiError> {
    let (r, version) = store
        .retention(code.as_str())
        .map_err(|e| ApiError::from_store(e, "préfecture"))?;
    Ok(settings(r, version))
}

fn settings(r: Retention, version: i32) -> RetentionSettings {
    RetentionSettings {
        identity_months: r.identity_months,
        message_months: r.message_months,
        audit_months: r.audit_months,
        version,
    }
}

/// Préfecture `code`'s retention periods set to `update`, from the
/// version read (audited).
pub fn change_retention(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    code: &DepartementCode,
    update: &RetentionUpdate,
    if_match: IfMatch,
) -> Result<RetentionSettings, ApiError> {
    let wanted = Retention {
        identity_months: update.identity_months,
        message_months: update.message_months,
        audit_months: update.audit_months,
    };
    let refused = wanted.check();
    if !refused.is_empty() {
        return Err(ApiError::Validation(refused));
    }
    let before = retention(store, code)?;
    let after = settings(wanted, if_match.next());
    let audit = crate::app::audit::prefecture_change(agent, code.as_str(), (&before, &after), now);
    store
        .set_retention(code.as_str(), &wanted, if_match.0, &audit)
        .map_err(|e| ApiError::from_store(e, "préfecture"))?;
    Ok(after)
}
