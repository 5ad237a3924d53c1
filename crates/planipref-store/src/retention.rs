//! Retention then erasure (RGPD). Each préfecture keeps applicants'
//! identity and contact, messages and its audit trail for so many months
//! (see `planipref_domain::retention`); past that, [`Store::purge`] erases
//! them in batches. An appointment or convocation erased keeps its row
//! (status, times, motif, guichet, channel: the statistics) without its
//! person. A person may also be erased at once on a legal request
//! ([`Store::erase_person`]). Every erasure is counted in `purge_runs`,
//! never listed.
//!
//! Safe on several servers: each erasure is a conditional write (on rows
//! not erased yet), so two purges meeting erase each row once.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use planipref_domain::retention::{PERSONAL_KEYS, Retention, cutoff};

use crate::audit::{AuditEntry, record};
use crate::db::{AnyConnection, write_transaction};
use crate::models::{ConvocationRow, ReservationRow};
use crate::revision::{Edited, advance};
use crate::schema::{
    audit_events, convocations, outbox, prefectures, purge_runs, reservation_counter,
    reservation_events, reservations, sites,
};
use crate::{Store, StoreError, to_db};

/// What a purge erased (or, dry, would erase), counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Appointments whose person was erased.
    pub identities: u64,
    /// Convocations whose person was erased.
    pub convocations: u64,
    /// Messages deleted (bodies, delivery records).
    pub messages: u64,
    /// Audit entries whose applicants were removed.
    pub audit_pseudonymised: u64,
    /// Audit entries deleted.
    pub audit_deleted: u64,
}

impl Purged {
    /// Both counts added.
    pub fn plus(self, other: Self) -> Self {
        Self {
            identities: self.identities + other.identities,
            convocations: self.convocations + other.convocations,
            messages: self.messages + other.messages,
            audit_pseudonymised: self.audit_pseudonymised + other.audit_pseudonymised,
            audit_deleted: self.audit_deleted + other.audit_deleted,
        }
    }

    /// Whether nothing was (or would be) erased.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    fn categories(&self) -> [(&'static str, u64); 5] {
        [
            ("identities", self.identities),
            ("convocations", self.convocations),
            ("messages", self.messages),
            ("audit_pseudonymised", self.audit_pseudonymised),
            ("audit_deleted", self.audit_deleted),
        ]
    }
}

/// Whom a legal request is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Person {
    /// The person of one appointment.
    Reference(String),
    /// Everyone filed under a file number (a foreigner's AGDREF or ANEF
    /// number): their appointments and convocations.
    FileNumber(String),
}

/// Everything held on a person: appointments (with the site of each) and
/// convocations.
#[derive(Debug, Clone, Default)]
pub struct PersonRecords {
    /// Their appointments.
    pub reservations: Vec<ReservationRow>,
    /// Their convocations.
    pub convocations: Vec<ConvocationRow>,
}

/// The birth date an erased person is left with (the column is required).
fn erased_birth_date() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default()
}

/// Blanks the person of the reservations `ids` not erased yet, cancels
/// their pending messages; how many were erased.
fn erase_reservations(
    c: &mut AnyConnection,
    ids: &[String],
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let erased = diesel::update(
        reservations::table
            .filter(reservations::id.eq_any(ids))
            .filter(reservations::erased_at.is_null()),
    )
    .set((
        reservations::last_name.eq(""),
        reservations::first_names.eq(""),
        reservations::birth_date.eq(erased_birth_date()),
        reservations::email.eq(""),
        reservations::phone.eq(""),
        reservations::nationality.eq(None::<String>),
        reservations::file_number.eq(None::<String>),
        reservations::person_key.eq(None::<String>),
        reservations::file_key.eq(None::<String>),
        reservations::erased_at.eq(Some(to_db(now))),
    ))
    .execute(c)?;
    diesel::update(
        reservation_counter::table.filter(reservation_counter::reservation_id.eq_any(ids)),
    )
    .set((
        reservation_counter::contact_note.eq(None::<String>),
        reservation_counter::ds_dossier_number.eq(None::<i64>),
    ))
    .execute(c)?;
    // Agents' reasons are free text: they may name the person.
    diesel::update(
        reservation_events::table.filter(reservation_events::reservation_id.eq_any(ids)),
    )
    .set(reservation_events::detail.eq(None::<String>))
    .execute(c)?;
    let messages: Vec<String> = outbox::table
        .filter(outbox::reservation_id.eq_any(ids))
        .select(outbox::id)
        .load(c)?;
    forget_messages(c, &messages)?;
    Ok(erased as u64)
}

/// The messages `ids` once their person is erased: those still owed to
/// the person are cancelled (a préfecture's webhooks still go: they name
/// no one), and the agents' reasons they carry are removed.
fn forget_messages(c: &mut AnyConnection, ids: &[String]) -> Result<(), StoreError> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(ids))
            .filter(outbox::status.eq(crate::outbox::status::PENDING))
            .filter(outbox::channel.ne(crate::outbox::channel::WEBHOOK)),
    )
    .set((
        outbox::status.eq(crate::outbox::status::CANCELLED),
        outbox::sealed.eq(None::<String>),
        outbox::last_error.eq(Some("the person's data was erased")),
    ))
    .execute(c)?;
    let payloads: Vec<(String, String)> = outbox::table
        .filter(outbox::id.eq_any(ids))
        .filter(outbox::payload.like("%\"reason\"%"))
        .select((outbox::id, outbox::payload))
        .load(c)?;
    for (id, payload) in payloads {
        let Ok(mut body) = serde_json::from_str::<serde_json::Value>(&payload) else {
            continue;
        };
        // A message's own facts, or a webhook's `data`.
        if let Some(map) = body.as_object_mut() {
            map.remove("reason");
            if let Some(data) = map.get_mut("data").and_then(|d| d.as_object_mut()) {
                data.remove("reason");
            }
        }
        diesel::update(outbox::table.find(&id))
            .set(outbox::payload.eq(body.to_string()))
            .execute(c)?;
    }
    Ok(())
}

/// Blanks the person of the convocations `ids` not erased yet.
fn erase_convocations(
    c: &mut AnyConnection,
    ids: &[String],
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let erased = diesel::update(
        convocations::table
            .filter(convocations::id.eq_any(ids))
            .filter(convocations::erased_at.is_null()),
    )
    .set((
        convocations::last_name.eq(""),
        convocations::first_names.eq(""),
        convocations::birth_date.eq(erased_birth_date()),
        convocations::file_number.eq(None::<String>),
        convocations::email.eq(None::<String>),
        convocations::phone.eq(None::<String>),
        convocations::revoke_reason.eq(None::<String>),
        convocations::ds_dossier_number.eq(None::<i64>),
        convocations::erased_at.eq(Some(to_db(now))),
    ))
    .execute(c)? as u64;
    let messages: Vec<String> = outbox::table
        .filter(outbox::convocation_id.eq_any(ids))
        .select(outbox::id)
        .load(c)?;
    forget_messages(c, &messages)?;
    Ok(erased)
}

/// Counts what was erased, per category, for préfecture `code`.
fn log_purge(
    c: &mut AnyConnection,
    code: &str,
    cause: &str,
    purged: &Purged,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for (category, erased) in purged.categories() {
        if erased == 0 {
            continue;
        }
        diesel::insert_into(purge_runs::table)
            .values((
                purge_runs::id.eq(uuid::Uuid::new_v4().to_string()),
                purge_runs::ran_at.eq(to_db(now)),
                purge_runs::prefecture_code.eq(code),
                purge_runs::category.eq(category),
                purge_runs::cause.eq(cause),
                purge_runs::erased.eq(i32::try_from(erased).unwrap_or(i32::MAX)),
            ))
            .execute(c)?;
    }
    Ok(())
}

/// The JSON of audit entries that may name applicants.
const PERSONAL_PATTERNS: [&str; 4] = [
    "%\"last_name\"%",
    "%\"email\"%",
    "%\"applicant\"%",
    "%\"person\"%",
];

impl Store {
    /// Préfecture `code`'s retention periods and its revision.
    pub fn retention(&self, code: &str) -> Result<(Retention, i32), StoreError> {
        self.with_conn(|c| {
            let (identity, message, audit, revision): (i32, i32, i32, i32) = prefectures::table
                .find(code)
                .select((
                    prefectures::retention_identity_months,
                    prefectures::retention_message_months,
                    prefectures::retention_audit_months,
                    prefectures::revision,
                ))
                .first(c)?;
            let months = |m: i32| u32::try_from(m).unwrap_or(1);
            Ok((
                Retention {
                    identity_months: months(identity),
                    message_months: months(message),
                    audit_months: months(audit),
                },
                revision,
            ))
        })
    }

    /// Sets préfecture `code`'s retention periods from its revision
    /// `expected` (`Outdated` if it changed meanwhile), and records it.
    pub fn set_retention(
        &self,
        code: &str,
        retention: &Retention,
        expected: i32,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let months = |m: u32| i32::try_from(m).unwrap_or(i32::MAX);
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                advance(c, Edited::Prefecture, code, expected)?;
                diesel::update(prefectures::table.find(code))
                    .set((
                        prefectures::retention_identity_months
                            .eq(months(retention.identity_months)),
                        prefectures::retention_message_months.eq(months(retention.message_months)),
                        prefectures::retention_audit_months.eq(months(retention.audit_months)),
                    ))
                    .execute(c)?;
                record(c, audit)
            })
        })
    }

    /// Erases, for every préfecture, up to `batch` items per category past
    /// its retention at `now` (with `dry_run`, counts them instead), and
    /// counts what was erased in `purge_runs`. Call it again while it
    /// erases anything.
    pub fn purge(
        &self,
        now: DateTime<Utc>,
        batch: i64,
        dry_run: bool,
    ) -> Result<Purged, StoreError> {
        let codes: Vec<String> =
            self.with_conn(|c| Ok(prefectures::table.select(prefectures::code).load(c)?))?;
        let mut total = Purged::default();
        for code in codes {
            let (retention, _) = self.retention(&code)?;
            let purged = self.with_conn(|conn| {
                write_transaction(conn, |c| {
                    let purged = purge_prefecture(c, &code, &retention, (now, batch, dry_run))?;
                    if !dry_run {
                        log_purge(c, &code, "retention", &purged, now)?;
                    }
                    Ok(purged)
                })
            })?;
            total = total.plus(purged);
        }
        if !dry_run && !total.is_empty() {
            self.forget_old_pages()?;
        }
        Ok(total)
    }

    /// Everything held on `person`: appointments and convocations.
    pub fn person_records(&self, person: &Person) -> Result<PersonRecords, StoreError> {
        self.with_conn(|c| {
            let (reservations, convocations) = match person {
                Person::Reference(reference) => (
                    reservations::table
                        .filter(reservations::reference.eq(reference))
                        .select(ReservationRow::as_select())
                        .load(c)?,
                    Vec::new(),
                ),
                Person::FileNumber(number) => (
                    reservations::table
                        .filter(reservations::file_number.eq(number))
                        .select(ReservationRow::as_select())
                        .load(c)?,
                    convocations::table
                        .filter(convocations::file_number.eq(number))
                        .select(ConvocationRow::as_select())
                        .load(c)?,
                ),
            };
            Ok(PersonRecords {
                reservations,
                convocations,
            })
        })
    }

    /// Erases the person of `records` at once (a legal request), cancels
    /// their pending messages, counts it for préfecture `code` and records
    /// `audit`, in one transaction.
    pub fn erase_person(
        &self,
        records: &PersonRecords,
        code: &str,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> Result<Purged, StoreError> {
        let reservation_ids: Vec<String> =
            records.reservations.iter().map(|r| r.id.clone()).collect();
        let convocation_ids: Vec<String> =
            records.convocations.iter().map(|r| r.id.clone()).collect();
        self.with_conn(|conn| {
            write_transaction(conn, |c| {
                let purged = Purged {
                    identities: erase_reservations(c, &reservation_ids, now)?,
                    convocations: erase_convocations(c, &convocation_ids, now)?,
                    ..Purged::default()
                };
                log_purge(c, code, "request", &purged, now)?;
                record(c, audit)?;
                Ok(purged)
            })
        })
        .and_then(|purged| self.forget_old_pages().map(|()| purged))
    }

    /// On SQLite, writes the write-ahead log back into the database and
    /// empties it: the pages it kept still held what was just erased.
    /// (PostgreSQL's old row versions go with its vacuum.)
    fn forget_old_pages(&self) -> Result<(), StoreError> {
        self.with_conn(|c| {
            if let AnyConnection::Sqlite(lite) = c {
                use diesel::connection::SimpleConnection;
                lite.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);")?;
            }
            Ok(())
        })
    }

    /// What purges erased for préfecture `code`, per category and cause,
    /// in all (counts only).
    pub fn purge_totals(&self, code: &str) -> Result<Vec<(String, String, i64)>, StoreError> {
        self.with_conn(|c| {
            let rows: Vec<(String, String, i32)> = purge_runs::table
                .filter(purge_runs::prefecture_code.eq(code))
                .select((purge_runs::category, purge_runs::cause, purge_runs::erased))
                .load(c)?;
            let mut totals: std::collections::BTreeMap<(String, String), i64> = Default::default();
            for (category, cause, erased) in rows {
                *totals.entry((category, cause)).or_default() += i64::from(erased);
            }
            Ok(totals.into_iter().map(|((a, b), n)| (a, b, n)).collect())
        })
    }
}

/// One batch of each category for préfecture `code`.
fn purge_prefecture(
    c: &mut AnyConnection,
    code: &str,
    retention: &Retention,
    (now, batch, dry_run): (DateTime<Utc>, i64, bool),
) -> Result<Purged, StoreError> {
    let identity = to_db(cutoff(now, retention.identity_months));
    let of_prefecture = sites::table
        .filter(sites::prefecture_code.eq(code))
        .select(sites::id);
    let reservation_ids: Vec<String> = reservations::table
        .filter(reservations::site_id.eq_any(of_prefecture))
        .filter(reservations::starts_at.lt(identity))
        .filter(reservations::erased_at.is_null())
        .select(reservations::id)
        .limit(batch)
        .load(c)?;
    let convocation_ids: Vec<String> = convocations::table
        .filter(convocations::site_id.eq_any(of_prefecture))
        .filter(convocations::valid_until.lt(identity))
        .filter(convocations::erased_at.is_null())
        .select(convocations::id)
        .limit(batch)
        .load(c)?;
    let messages = outbox::table
        .filter(outbox::prefecture_code.eq(code))
        .filter(outbox::created_at.lt(to_db(cutoff(now, retention.message_months))))
        .filter(outbox::status.ne(crate::outbox::status::PENDING));
    let message_ids: Vec<String> = messages.select(outbox::id).limit(batch).load(c)?;
    let audit_of = audit_events::table.filter(audit_events::departement.eq(code));
    let old_audit: Vec<String> = audit_of
        .filter(audit_events::occurred_at.lt(to_db(cutoff(now, retention.audit_months))))
        .select(audit_events::id)
        .limit(batch)
        .load(c)?;
    // Each entry is looked at once (`pseudonymised_at`), whether it held
    // a personal key or only looked like it: no batch of look-alikes can
    // hold back the entries behind it.
    let named: Vec<(String, Option<String>, Option<String>)> = audit_of
        .filter(audit_events::occurred_at.lt(identity))
        .filter(audit_events::pseudonymised_at.is_null())
        .filter(
            audit_events::before
                .like(PERSONAL_PATTERNS[0])
                .or(audit_events::after.like(PERSONAL_PATTERNS[0]))
                .or(audit_events::before.like(PERSONAL_PATTERNS[1]))
                .or(audit_events::after.like(PERSONAL_PATTERNS[1]))
                .or(audit_events::before.like(PERSONAL_PATTERNS[2]))
                .or(audit_events::after.like(PERSONAL_PATTERNS[2]))
                .or(audit_events::before.like(PERSONAL_PATTERNS[3]))
                .or(audit_events::after.like(PERSONAL_PATTERNS[3])),
        )
        .select((audit_events::id, audit_events::before, audit_events::after))
        .limit(batch)
        .load(c)?;
    if dry_run {
        return Ok(Purged {
            identities: reservation_ids.len() as u64,
            convocations: convocation_ids.len() as u64,
            messages: message_ids.len() as u64,
            audit_pseudonymised: named.len() as u64,
            audit_deleted: old_audit.len() as u64,
        });
    }
    let mut pseudonymised = 0;
    let looked_at: Vec<&str> = named.iter().map(|(id, ..)| id.as_str()).collect();
    diesel::update(audit_events::table.filter(audit_events::id.eq_any(&looked_at)))
        .set(audit_events::pseudonymised_at.eq(Some(to_db(now))))
        .execute(c)?;
    for (id, before, after) in named {
        let mut changed = false;
        let mut clean = |text: Option<String>| {
            text.map(|t| match serde_json::from_str::<serde_json::Value>(&t) {
                Ok(mut v) => {
                    changed |= pseudonymise(&mut v);
                    v.to_string()
                }
                Err(_) => "null".to_owned(),
            })
        };
        let (before, after) = (clean(before), clean(after));
        if !changed {
            continue;
        }
        pseudonymised += diesel::update(audit_events::table.find(&id))
            .set((
                audit_events::before.eq(before),
                audit_events::after.eq(after),
            ))
            .execute(c)? as u64;
    }
    Ok(Purged {
        identities: erase_reservations(c, &reservation_ids, now)?,
        convocations: erase_convocations(c, &convocation_ids, now)?,
        messages: diesel::delete(outbox::table.filter(outbox::id.eq_any(&message_ids)))
            .execute(c)? as u64,
        audit_pseudonymised: pseudonymised,
        audit_deleted: diesel::delete(
            audit_events::table.filter(audit_events::id.eq_any(&old_audit)),
        )
        .execute(c)? as u64,
    })
}

/// `value` without personal data: every key of [`PERSONAL_KEYS`], at any
/// depth, removed. Whether anything was removed.
pub fn pseudonymise(value: &mut serde_json::Value) -> bool {
    match value {
        serde_json::Value::Object(map) => {
            let before = map.len();
            map.retain(|k, _| !PERSONAL_KEYS.contains(&k.as_str()));
            let mut changed = map.len() != before;
            for v in map.values_mut() {
                changed |= pseudonymise(v);
            }
            changed
        }
        serde_json::Value::Array(items) => items.iter_mut().fold(false, |c, v| pseudonymise(v) | c),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pseudonymising_removes_personal_keys_at_any_depth() {
        let mut entry = json!({"reference": "K7QX-M3PA", "applicant": {"last_name": "N'Diaye"},
            "items": [{"email": "a@example.org", "status": "booked"}], "last_name": "X"});
        assert!(pseudonymise(&mut entry));
        assert_eq!(
            entry,
            json!({"reference": "K7QX-M3PA", "items": [{"status": "booked"}]})
        );
        assert!(!pseudonymise(&mut entry), "nothing left to remove");
    }
}
