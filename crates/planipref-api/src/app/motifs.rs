//! A motif's settings resolved from what the préfecture sends and its démarche's national defaults.
use crate::app::audit::audit;
use crate::app::audit::json;
use crate::http::error::ApiError;
use crate::http::error::write_error;
use crate::http::version::IfMatch;
use crate::model::motif::Motif;
use crate::model::motif::MotifRequest;
use crate::security::scope::may_administer;
use chrono::{DateTime, Utc};
use planipref_domain::access::Agent;
use planipref_domain::ids::MotifId;
use planipref_domain::motif::MotifSettings;
use planipref_domain::motif::NationalDefaults;
use planipref_domain::motif::resolve_motif;
use planipref_store::AuditEntry;
use planipref_store::Store;
use planipref_store::models::DemarcheRow;
use planipref_store::models::MotifRow;

/// A démarche's defaults, as the domain reads them.
pub fn national<'a>(d: &'a DemarcheRow, documents: &'a [String]) -> NationalDefaults<'a> {
    NationalDefaults {
        label: &d.label,
        description: &d.description,
        documents,
        duration_minutes: u32::try_from(d.default_duration_minutes).unwrap_or(0),
        rules: d.default_rules(),
    }
}

/// `row` with the fields sent resolved against its démarche, and its own
/// settings updated; every invalid field reported at once.
pub fn resolved(
    mut row: MotifRow,
    body: &MotifRequest,
    demarche: Option<&DemarcheRow>,
) -> Result<MotifRow, ApiError> {
    let documents = demarche.map(DemarcheRow::document_list).unwrap_or_default();
    let motif = resolve_motif(body.input(), demarche.map(|d| national(d, &documents)));
    // Settings are checked against the resolved duration, or the one sent.
    let duration = motif
        .as_ref()
        .map(|m| m.duration_minutes)
        .unwrap_or_else(|_| body.duration_minutes.unwrap_or(0));
    let settings = row.settings().updated(body.settings(), duration);
    let (motif, settings) = planipref_domain::DomainError::both(motif, settings)?;
    row.set_resolved(motif);
    row.set_settings(settings);
    Ok(row)
}

/// A motif of `service_id`, created at `now`, with every field still to set.
pub fn blank(service_id: String, demarche_code: Option<String>, now: DateTime<Utc>) -> MotifRow {
    let mut row = MotifRow {
        revision: 1,
        id: MotifId::new_random().to_string(),
        service_id,
        label: String::new(),
        description: String::new(),
        duration_minutes: 0,
        created_at: planipref_store::to_db(now),
        demarche_code,
        label_overridden: true,
        description_overridden: true,
        duration_overridden: true,
        booking_window_days: 0,
        min_notice_hours: 0,
        cancellation_deadline_hours: 0,
        documents: String::new(),
        documents_overridden: true,
        booking_window_overridden: true,
        min_notice_overridden: true,
        cancellation_deadline_overridden: true,
        max_persons: 0,
        duration_per_person: false,
        instructions: String::new(),
        booking_mode: String::new(),
        step_minutes: None,
        refuse_doublons: true,
        requires_context: false,
        reminder_hours: String::new(),
    };
    row.set_settings(MotifSettings::default());
    row
}

/// Motif `motif_id` given the settings of `body` (what it leaves out
/// follows its démarche's defaults), from the version `If-Match` names, by
/// `agent` at `now`. A motif's démarche is chosen when it is created.
pub fn update(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    motif_id: MotifId,
    body: &MotifRequest,
    if_match: IfMatch,
) -> Result<Motif, ApiError> {
    let (before, service, site) = store
        .get_motif(&motif_id.to_string())
        .map_err(|e| ApiError::from_store(e, "motif"))?;
    may_administer(agent, &site)?;
    if body
        .demarche_code
        .as_ref()
        .is_some_and(|c| before.demarche_code.as_ref() != Some(c))
    {
        return Err(ApiError::invalid(
            "demarche_code",
            "is set when the motif is created; create another motif for another démarche",
        ));
    }
    let demarche = before
        .demarche_code
        .as_deref()
        .map(|code| store.get_demarche(code))
        .transpose()?;
    let after = MotifRow {
        revision: if_match.0,
        ..resolved(before.clone(), body, demarche.as_ref())?
    };
    let motif = Motif {
        version: if_match.next(),
        ..Motif::from_rows(after.clone(), service.clone())
    };
    let audit = AuditEntry {
        action: "updated",
        before: json(&Motif::from_rows(before, service)),
        ..audit(agent, &site, "motif", &after.id, &motif, now)
    };
    store
        .update_motif(&after, demarche.as_ref().map(|d| d.revision), &audit)
        .map_err(|e| write_error(e, "a motif with that label exists in this service"))?;
    Ok(motif)
}
