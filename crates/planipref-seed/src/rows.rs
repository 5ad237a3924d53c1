//! What both seeds write alike: motifs created from a démarche of the
//! national catalogue, plages checked as the API checks them, and the
//! look-ups both make before writing.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;
use planipref_domain::plage::{Plage, Weekdays};
use planipref_store::StoreError;
use planipref_store::db::AnyConnection;
use planipref_store::models::*;
use planipref_store::schema::*;

/// The national démarches the demo and national seeds book (their motifs
/// follow the démarche's label, description, duration and rules).
pub(crate) const PREMIERE: &str = "sejour-premiere-demande";
pub(crate) const RENOUVELLEMENT: &str = "sejour-renouvellement";
pub(crate) const REMISE: &str = "sejour-remise-titre";

/// A fresh random identifier.
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A local time of the seeds' plages.
pub(crate) fn time(h: u32, m: u32) -> Result<NaiveTime, StoreError> {
    NaiveTime::from_hms_opt(h, m, 0)
        .ok_or_else(|| StoreError::Corrupt(format!("seed time {h}:{m}")))
}

/// Whether the préfecture `code` exists already (the seeds then leave it
/// untouched).
pub(crate) fn prefecture_exists(c: &mut AnyConnection, code: &str) -> Result<bool, StoreError> {
    let exists: i64 = prefectures::table
        .filter(prefectures::code.eq(code))
        .count()
        .get_result(c)?;
    Ok(exists > 0)
}

/// The national démarche `code` (created by the migrations).
pub(crate) fn demarche(c: &mut AnyConnection, code: &str) -> Result<DemarcheRow, StoreError> {
    demarches::table
        .find(code)
        .select(DemarcheRow::as_select())
        .first(c)
        .map_err(StoreError::from)
}

/// A motif as the seeds write it, created from a démarche. The columns it
/// does not name take their defaults.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = motifs)]
pub(crate) struct SeedMotif {
    pub(crate) id: String,
    service_id: String,
    label: String,
    description: String,
    pub(crate) duration_minutes: i32,
    created_at: NaiveDateTime,
    demarche_code: String,
    label_overridden: bool,
    description_overridden: bool,
    duration_overridden: bool,
    booking_window_days: i32,
    min_notice_hours: i32,
    cancellation_deadline_hours: i32,
    documents: String,
    documents_overridden: bool,
    booking_window_overridden: bool,
    min_notice_overridden: bool,
    cancellation_deadline_overridden: bool,
    max_persons: i32,
    duration_per_person: bool,
    instructions: String,
    booking_mode: &'static str,
}

impl SeedMotif {
    /// Its columns, to size batch inserts.
    pub(crate) const COLUMNS: usize = 22;
}

/// A motif of `service_id` created from a démarche: its label,
/// description, documents, duration and booking rules follow the
/// démarche (nothing overridden), one person, booked online.
pub(crate) fn motif_from_demarche(
    id: String,
    service_id: &str,
    demarche: &DemarcheRow,
    now: NaiveDateTime,
) -> SeedMotif {
    SeedMotif {
        id,
        service_id: service_id.to_owned(),
        label: demarche.label.clone(),
        description: demarche.description.clone(),
        duration_minutes: demarche.default_duration_minutes,
        created_at: now,
        demarche_code: demarche.code.clone(),
        label_overridden: false,
        description_overridden: false,
        duration_overridden: false,
        booking_window_days: demarche.default_booking_window_days,
        min_notice_hours: demarche.default_min_notice_hours,
        cancellation_deadline_hours: demarche.default_cancellation_deadline_hours,
        documents: demarche.documents.clone(),
        documents_overridden: false,
        booking_window_overridden: false,
        min_notice_overridden: false,
        cancellation_deadline_overridden: false,
        max_persons: 1,
        duration_per_person: false,
        instructions: String::new(),
        booking_mode: "online",
    }
}

/// A plage of a guichet serving all its motifs, open-ended from
/// `valid_from`, checked as the API checks plages.
pub(crate) fn plage_row(
    id: String,
    guichet_id: &str,
    days: Weekdays,
    (start, end): (NaiveTime, NaiveTime),
    valid_from: NaiveDate,
    now: NaiveDateTime,
) -> Result<PlageRow, StoreError> {
    let plage = Plage {
        guichet_id: guichet_id
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("seed guichet id {guichet_id}")))?,
        weekdays: days,
        start,
        end,
        valid_from,
        valid_until: None,
        motifs: vec![],
    };
    if let Some(e) = plage.check().first() {
        return Err(StoreError::Corrupt(format!(
            "seed plage of guichet {guichet_id}: {e}"
        )));
    }
    Ok(PlageRow {
        revision: 1,
        id,
        guichet_id: guichet_id.to_owned(),
        weekdays: days.bits(),
        start_time: start,
        end_time: end,
        valid_from,
        valid_until: None,
        created_at: now,
    })
}
