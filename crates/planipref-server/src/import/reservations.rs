//! `planipref import reservations FILE.csv --tokens-out TOKENS.csv`: the
//! former module's coming appointments, one per line.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use planipref_api::app::booking::{Target, random_bytes, validate};
use planipref_api::app::imports::{ImportedAppointment, import_appointment, placement};
use planipref_api::model::reservation::{ApplicantRequest, CreateReservationRequest};
use planipref_domain::reference::{ManagementToken, Reference};
use planipref_store::Store;
use planipref_store::imports::{ImportedFrom, kind};
use serde::Deserialize;

use super::{Known, Report, digest, known, read_lines};

/// One line: an appointment.
#[derive(Debug, Clone, Deserialize)]
struct Line {
    /// The former module's identifier of the appointment.
    external_id: String,
    /// Its reference there, kept when free here.
    #[serde(default)]
    reference: String,
    /// The Planipref motif.
    motif_id: String,
    /// RFC 3339 with the site's offset (`2027-01-12T09:30:00+01:00`).
    start: String,
    #[serde(default)]
    persons: String,
    last_name: String,
    first_names: String,
    birth_date: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    nationality: String,
    #[serde(default)]
    file_number: String,
    /// `fr` or `en`, the language of the reminders.
    #[serde(default)]
    language: String,
}

impl Line {
    fn request(&self, persons: Option<u32>) -> CreateReservationRequest {
        let optional = |v: &str| Some(v.to_owned()).filter(|v| !v.is_empty());
        CreateReservationRequest {
            hold_id: None,
            motif_id: Some(self.motif_id.clone()),
            start: Some(self.start.clone()),
            persons,
            applicant: ApplicantRequest {
                last_name: self.last_name.clone(),
                first_names: self.first_names.clone(),
                birth_date: self.birth_date.clone(),
                email: self.email.clone(),
                phone: self.phone.clone(),
                nationality: optional(&self.nationality),
                file_number: optional(&self.file_number),
            },
            language: optional(&self.language),
        }
    }

    fn digest(&self) -> String {
        digest(&[
            &self.reference,
            &self.motif_id,
            &self.start,
            &self.persons,
            &self.last_name,
            &self.first_names,
            &self.birth_date,
            &self.email,
            &self.phone,
            &self.nationality,
            &self.file_number,
            &self.language,
        ])
    }
}

/// The file's column for an API field (`applicant.email` → `email`).
fn column(field: &str) -> String {
    field.trim_start_matches("applicant.").to_owned()
}

/// Checks `path` whole, then (unless `dry_run`, and only when no line is
/// bad) books its new appointments, writing each one's reference and new
/// management token to `tokens_out` (created, never overwritten, readable
/// by its owner only).
pub fn import_reservations(
    store: &Store,
    path: &Path,
    (dry_run, tokens_out): (bool, Option<&Path>),
    now: DateTime<Utc>,
) -> Result<Report, String> {
    let mut report = Report {
        dry_run,
        ..Report::default()
    };
    let lines = checked(store, path, &mut report, now)?;
    if !report.errors.is_empty() || dry_run || lines.is_empty() {
        return Ok(report);
    }
    let tokens_out = tokens_out.ok_or("--tokens-out FILE is required to import appointments")?;
    let mut tokens = tokens_file(tokens_out)?;
    for (i, (n, line, appointment)) in lines.into_iter().enumerate() {
        if i > 0 && i % ANALYSE_EVERY == 0 {
            analyse(store);
        }
        let token = ManagementToken::from_random_bytes(&random_bytes().map_err(|e| e.to_string())?);
        let from = ImportedFrom {
            kind: kind::RESERVATION,
            external_id: line.external_id.clone(),
            digest: line.digest(),
        };
        match import_appointment(store, (&appointment, from), token.hash(), now) {
            Ok(row) => {
                if !line.reference.is_empty()
                    && !line.reference.eq_ignore_ascii_case(&row.reference)
                {
                    report
                        .renamed
                        .push((line.reference.clone(), row.reference.clone()));
                }
                tokens
                    .write_record([
                        line.external_id.as_str(),
                        row.reference.as_str(),
                        token.expose(),
                        line.last_name.as_str(),
                        line.first_names.as_str(),
                        line.email.as_str(),
                        line.phone.as_str(),
                        appointment.language.code(),
                    ])
                    .map_err(|e| format!("writing {}: {e}", tokens_out.display()))?;
            }
            Err(e) => report.refuse_api(n, &e, &column),
        }
    }
    tokens
        .flush()
        .map_err(|e| format!("writing {}: {e}", tokens_out.display()))?;
    Ok(report)
}

/// Appointments written between two analyses of the database: the
/// reservations grow fast during an import, and plans made while the table
/// was small (PostgreSQL keeps a connection's generic plan, and its
/// autovacuum may be off or late) scanned the whole table for each line.
const ANALYSE_EVERY: usize = 2_000;

/// Brings the planner's statistics up to date; a failure only slows the
/// import down.
fn analyse(store: &Store) {
    if let Err(e) = store.refresh_statistics(planipref_store::Refresh::Always) {
        log::warn!("analysing the database during the import failed: {e}");
    }
}

/// The tokens file, new (refusing to overwrite one), owner-only.
fn tokens_file(path: &Path) -> Result<csv::Writer<std::fs::File>, String> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("cannot create {} (it must not exist): {e}", path.display()))?;
    let mut writer = csv::Writer::from_writer(file);
    writer
        .write_record([
            "external_id",
            "reference",
            "management_token",
            "last_name",
            "first_names",
            "email",
            "phone",
            "language",
        ])
        .map_err(|e| e.to_string())?;
    Ok(writer)
}

type Checked = (u64, Line, ImportedAppointment);

/// The file's lines, each checked (fields as a booking checks them; a
/// coming slot of the motif's plannings with a guichet free); the new ones
/// returned, what is wrong or already imported told in `report`.
fn checked(
    store: &Store,
    path: &Path,
    report: &mut Report,
    now: DateTime<Utc>,
) -> Result<Vec<Checked>, String> {
    let known_ids = store
        .imported(kind::RESERVATION)
        .map_err(|e| e.to_string())?;
    let mut ids_seen: HashMap<String, u64> = HashMap::new();
    let mut references_seen: HashMap<String, u64> = HashMap::new();
    let mut new = vec![];
    for (n, line) in read_lines::<Line>(path, report)? {
        if line.external_id.is_empty() {
            report.refuse(n, "external_id", "is required");
        } else if let Some(first) = ids_seen.insert(line.external_id.clone(), n) {
            report.refuse(n, "external_id", format!("already on line {first}"));
        }
        match known(&known_ids, &line.external_id, &line.digest()) {
            Known::Unchanged => {
                report.unchanged += 1;
                continue;
            }
            Known::Changed => {
                report.changed.push(line.external_id.clone());
                continue;
            }
            Known::New => {}
        }
        if let Some(appointment) = appointment(&line, n, report, &mut references_seen, now) {
            match placement(store, &appointment, now) {
                Ok(_) => {
                    *report.created.entry("appointment").or_default() += 1;
                    new.push((n, line, appointment));
                }
                Err(e) => report.refuse_api(n, &e, &column),
            }
        }
    }
    Ok(new)
}

/// `line` as an appointment, if its fields are right (else told in
/// `report`).
fn appointment(
    line: &Line,
    n: u64,
    report: &mut Report,
    references_seen: &mut HashMap<String, u64>,
    now: DateTime<Utc>,
) -> Option<ImportedAppointment> {
    let before = report.errors.len();
    let persons = match line.persons.as_str() {
        "" => None,
        raw => raw.parse::<u32>().map_or_else(
            |_| {
                report.refuse(n, "persons", "must be a whole number");
                None
            },
            Some,
        ),
    };
    let reference = match line.reference.as_str() {
        "" => None,
        raw => match Reference::parse(raw) {
            Some(r) => {
                if let Some(first) = references_seen.insert(r.to_string(), n) {
                    report.refuse(n, "reference", format!("already on line {first}"));
                }
                Some(r)
            }
            None => {
                report.refuse(
                    n,
                    "reference",
                    "is not a Planipref reference (XXXX-XXXX); leave it empty to get a new one",
                );
                None
            }
        },
    };
    let checked = validate(&line.request(persons), now);
    let (target, applicant, language) = match checked {
        Ok(v) => v,
        Err(e) => {
            report.refuse_api(n, &e, &column);
            return None;
        }
    };
    let Target::Slot(motif_id, start, persons) = target else {
        return None;
    };
    if start <= now {
        report.refuse(n, "start", "is past: only coming appointments are imported");
    }
    (report.errors.len() == before).then_some(ImportedAppointment {
        motif_id,
        start,
        persons,
        applicant,
        language,
        reference,
    })
}
