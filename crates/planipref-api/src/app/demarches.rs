//! The national catalogue's démarches: their defaults read from a
//! request, a new one drafted, a change written (and followed by the
//! motifs that keep its defaults).
use crate::app::audit::json;
use crate::app::audit::national_audit;
use crate::http::error::ApiError;
use crate::http::error::write_error;
use crate::http::version::IfMatch;
use crate::model::demarche::Demarche;
use crate::model::demarche::DemarcheChange;
use crate::model::demarche::DemarcheRequest;
use crate::model::demarche::demarche;
use chrono::DateTime;
use chrono::Utc;
use planipref_domain::FieldError;
use planipref_domain::access::Agent;
use planipref_domain::booking_rules::BookingRules;
use planipref_domain::error::Collector;
use planipref_domain::file_check::{FileCheck, FileSystem, OnFailure};
use planipref_domain::motif::check_demarche_code;
use planipref_domain::motif::check_documents;
use planipref_domain::motif::check_duration;
use planipref_domain::text::check_description;
use planipref_domain::text::check_name;
use planipref_store::AuditEntry;
use planipref_store::Store;
use planipref_store::models::DemarcheRow;
use planipref_store::models::documents_to_json;

/// The checked defaults of a démarche, written into `row`.
pub fn apply(mut row: DemarcheRow, body: &DemarcheRequest) -> Result<DemarcheRow, ApiError> {
    let mut c = Collector::default();
    let label = c.take(check_name("label", &body.label, 150));
    let description = c.take(check_description("description", &body.description, 4000));
    let documents = c.take(check_documents("documents", &body.documents));
    let duration = c.take(check_duration(
        "default_duration_minutes",
        body.default_duration_minutes,
    ));
    let file_check = c.take_all(file_check(body));
    let rules = BookingRules::default()
        .overridden_by(
            body.default_booking_window_days,
            body.default_min_notice_hours,
            body.default_cancellation_deadline_hours,
        )
        .check();
    let rules = match rules {
        Ok(r) => Some(r),
        Err(planipref_domain::DomainError::Invalid(errors)) => {
            for e in errors {
                c.push(FieldError::new(format!("default_{}", e.field), e.message));
            }
            None
        }
        Err(other) => return Err(other.into()),
    };
    c.finish()?;
    let (
        Some(label),
        Some(description),
        Some(documents),
        Some(duration),
        Some(rules),
        Some(file_check),
    ) = (label, description, documents, duration, rules, file_check)
    else {
        return Err(ApiError::Internal);
    };
    row.label = label;
    row.description = description;
    row.documents = documents_to_json(&documents);
    row.default_duration_minutes = i32::try_from(duration).map_err(|_| ApiError::Internal)?;
    row.set_default_rules(rules);
    row.set_file_check(file_check);
    Ok(row)
}

/// The file check `body` asks for (`None`: none), every invalid field
/// named.
fn file_check(body: &DemarcheRequest) -> Result<Option<FileCheck>, Vec<FieldError>> {
    let system = body
        .file_check
        .as_deref()
        .map(|raw| FileSystem::parse("file_check", raw));
    let on_failure = body
        .file_check_on_failure
        .as_deref()
        .map(|raw| OnFailure::parse("file_check_on_failure", raw));
    match (system, on_failure) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(vec![FieldError::new(
            "file_check_on_failure",
            "is given only with file_check",
        )]),
        (Some(Ok(system)), on_failure) => match on_failure.transpose() {
            Ok(on_failure) => Ok(Some(FileCheck {
                system,
                on_failure: on_failure.unwrap_or_default(),
            })),
            Err(e) => Err(vec![e]),
        },
        (Some(Err(e)), on_failure) => Err(std::iter::once(e)
            .chain(on_failure.and_then(Result::err))
            .collect()),
    }
}

/// A new démarche of the national catalogue from `body`, by `agent` at
/// `now`, and its audit entry; every invalid field named at once.
pub fn draft(
    body: &DemarcheRequest,
    (agent, now): (&Agent, DateTime<Utc>),
) -> Result<(DemarcheRow, AuditEntry), ApiError> {
    let code = match body.code.as_deref() {
        Some(code) => check_demarche_code(code),
        None => Err(FieldError::new("code", "is required")),
    };
    let stamp = planipref_store::to_db(now);
    let blank = DemarcheRow {
        code: body.code.clone().unwrap_or_default(),
        label: String::new(),
        description: String::new(),
        default_duration_minutes: 0,
        created_at: stamp,
        updated_at: stamp,
        documents: String::new(),
        default_booking_window_days: 0,
        default_min_notice_hours: 0,
        default_cancellation_deadline_hours: 0,
        revision: 1,
        file_check: None,
        file_check_on_failure: OnFailure::default().code().to_owned(),
    };
    let row = match (code, apply(blank, body)) {
        (Ok(_), Ok(row)) => row,
        (code, row) => {
            let mut errors: Vec<FieldError> = code.err().into_iter().collect();
            if let Err(ApiError::Validation(more)) = row {
                errors.extend(more);
            }
            return Err(ApiError::Validation(errors));
        }
    };
    let audit = AuditEntry {
        after: json(&demarche(row.clone(), vec![])),
        ..national_audit(agent, &row.code, "created", now)
    };
    Ok((row, audit))
}

/// Démarche `code` given the defaults of `body`, from the version
/// `If-Match` names, by `agent` at `now`; the motifs that follow its
/// defaults follow the change (`motif_fields_updated`).
pub fn update(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    code: &str,
    body: &DemarcheRequest,
    if_match: IfMatch,
) -> Result<DemarcheChange, ApiError> {
    let before = store
        .get_demarche(code)
        .map_err(|e| ApiError::from_store(e, "démarche"))?;
    let after = DemarcheRow {
        updated_at: planipref_store::to_db(now),
        revision: if_match.0,
        ..apply(before.clone(), body)?
    };
    let audit = AuditEntry {
        before: json(&demarche(before.clone(), vec![])),
        after: json(&Demarche {
            version: if_match.next(),
            ..demarche(after.clone(), vec![])
        }),
        ..national_audit(agent, &before.code, "updated", now)
    };
    let updated = store
        .update_demarche(&before, &after, &audit)
        .map_err(|e| write_error(e, "conflicting démarche"))?;
    let sites = store
        .list_demarches()?
        .into_iter()
        .find(|(d, _)| d.code == after.code)
        .map(|(_, s)| s)
        .unwrap_or_default();
    Ok(DemarcheChange {
        demarche: Demarche {
            version: if_match.next(),
            ..demarche(after, sites)
        },
        motif_fields_updated: updated,
    })
}
