//! Convocations: issued by agents, used by the person they name.
//!
//! A convocation's state is never stored: it is revoked when `revoked_at`
//! is set, booked while a booked reservation carries its id (so cancelling
//! that appointment gives it back), expired once `valid_until` has passed,
//! issued otherwise. Using one happens inside the booking's transaction,
//! under a lock on its row ([`use_convocation`]): two bookings with one
//! token, on any number of servers, are checked one after the other.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::{exists, not};
use diesel::prelude::*;
use planipref_domain::applicant::Applicant;
use planipref_domain::convocation::{
    ConvocationPerson, ConvocationState, ConvocationTerms, DayWindow, Presented,
};
use planipref_domain::ids::{ConvocationId, MotifId, SiteId};

use crate::audit::{AuditEntry, record};
use crate::db::{AnyConnection, write_transaction};
use crate::models::*;
use crate::schema::*;
use crate::{Page, Store, StoreError, from_db, to_db};

/// A convocation about to be written.
#[derive(Debug, Clone)]
pub struct NewConvocation {
    /// Its id.
    pub id: ConvocationId,
    /// SHA-256 of the link's token.
    pub token_hash: String,
    /// The motif's site.
    pub site_id: SiteId,
    /// The motif it books.
    pub motif_id: MotifId,
    /// Who it is for.
    pub person: ConvocationPerson,
    /// Validity and days.
    pub terms: ConvocationTerms,
    /// `agent:<sub>`.
    pub issued_by: String,
    /// The time of issue.
    pub now: DateTime<Utc>,
    /// Messages sending its link (by e-mail, SMS), written with it.
    pub messages: Vec<crate::outbox::NewMessage>,
    /// The démarches-simplifiées dossier it follows, if the agent gave it.
    pub ds_dossier_number: Option<i64>,
}

/// A convocation with the appointment it booked, if one is booked.
#[derive(Debug, Clone)]
pub struct ConvocationView {
    /// The convocation.
    pub row: ConvocationRow,
    /// The reference of its booked appointment.
    pub booked: Option<String>,
}

impl ConvocationView {
    /// Its state at `now`.
    pub fn state(&self, now: DateTime<Utc>) -> ConvocationState {
        ConvocationState::of(
            self.row.revoked_at.is_some(),
            self.booked.is_some(),
            from_db(self.row.valid_until),
            now,
        )
    }

    /// The days it allows.
    pub fn days(&self) -> DayWindow {
        days_of(&self.row)
    }

    /// As presented by its holder.
    pub fn presented(&self) -> Presented<'_> {
        presented(&self.row, self.booked.is_some())
    }
}

/// The convocation a booking presents (found by its token), checked again
/// when the reservation is written.
#[derive(Debug, Clone)]
pub struct ConvocationUse {
    /// Its id.
    pub id: String,
    /// Its démarches-simplifiées dossier, copied to the appointment.
    pub ds_dossier_number: Option<i64>,
}

/// Which convocations of a site.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConvocationFilter<'a> {
    /// Only this motif's.
    pub motif_id: Option<&'a str>,
    /// Only those in this state.
    pub state: Option<ConvocationState>,
}

impl Store {
    /// Writes a new convocation, and records `audit` with it.
    pub fn create_convocation(
        &self,
        new: &NewConvocation,
        audit: Option<&AuditEntry>,
    ) -> Result<ConvocationView, StoreError> {
        let p = &new.person;
        let row = ConvocationRow {
            id: new.id.to_string(),
            token_hash: new.token_hash.clone(),
            site_id: new.site_id.to_string(),
            motif_id: new.motif_id.to_string(),
            last_name: p.last_name.clone(),
            first_names: p.first_names.clone(),
            birth_date: p.birth_date,
            file_number: p.file_number.clone(),
            email: p.email.clone(),
            phone: p.phone.clone(),
            valid_until: to_db(new.terms.valid_until),
            earliest_day: new.terms.days.earliest,
            latest_day: new.terms.days.latest,
            issued_by: new.issued_by.clone(),
            issued_at: to_db(new.now),
            used_at: None,
            revoked_at: None,
            revoked_by: None,
            revoke_reason: None,
            ds_dossier_number: new.ds_dossier_number,
        };
        let mut pooled = self.conn()?;
        write_transaction(&mut pooled, |c| {
            diesel::insert_into(convocations::table)
                .values(&row)
                .execute(c)?;
            let about = crate::outbox::About {
                reservation_id: None,
                convocation_id: Some(&row.id),
            };
            let messages =
                crate::outbox::without_opted_out_sms(c, &new.messages, row.phone.as_deref())?;
            crate::outbox::enqueue(c, &messages, about, new.now)?;
            let issued = planipref_domain::messages::webhook::Event::ConvocationIssued;
            crate::webhooks::owe_convocation_webhooks(
                c,
                &row.id,
                issued,
                serde_json::json!({}),
                new.now,
            )?;
            audit.map_or(Ok(()), |a| record(c, a))
        })?;
        Ok(ConvocationView { row, booked: None })
    }

    /// The convocation whose token hashes to `token_hash`.
    pub fn convocation_by_token(&self, token_hash: &str) -> Result<ConvocationView, StoreError> {
        self.with_conn(|c| {
            let row = convocations::table
                .filter(convocations::token_hash.eq(token_hash))
                .select(ConvocationRow::as_select())
                .first(c)?;
            with_booking(c, row)
        })
    }

    /// A convocation by its id.
    pub fn convocation(&self, id: ConvocationId) -> Result<ConvocationView, StoreError> {
        self.with_conn(|c| {
            let row = convocations::table
                .find(id.to_string())
                .select(ConvocationRow::as_select())
                .first(c)?;
            with_booking(c, row)
        })
    }

    /// A site's convocations, latest issued first, filtered.
    pub fn site_convocations(
        &self,
        site_id: &str,
        filter: ConvocationFilter<'_>,
        now: DateTime<Utc>,
        (offset, limit): (i64, i64),
    ) -> Result<Page<ConvocationView>, StoreError> {
        self.with_conn(|c| {
            let query = || {
                let booked = exists(
                    reservations::table
                        .filter(reservations::convocation_id.eq(convocations::id.nullable()))
                        .filter(reservations::status.eq(status::BOOKED)),
                );
                let mut q = convocations::table
                    .filter(convocations::site_id.eq(site_id.to_owned()))
                    .into_boxed();
                if let Some(motif) = filter.motif_id {
                    q = q.filter(convocations::motif_id.eq(motif.to_owned()));
                }
                let live = convocations::revoked_at.is_null();
                let valid = convocations::valid_until.gt(to_db(now));
                q = match filter.state {
                    None => q,
                    Some(ConvocationState::Revoked) => q.filter(not(live)),
                    Some(ConvocationState::Booked) => q.filter(live).filter(booked),
                    Some(ConvocationState::Expired) => {
                        q.filter(live).filter(not(booked)).filter(not(valid))
                    }
                    Some(ConvocationState::Issued) => {
                        q.filter(live).filter(not(booked)).filter(valid)
                    }
                };
                q
            };
            let total: i64 = query().count().get_result(c)?;
            let rows: Vec<ConvocationRow> = query()
                .order((convocations::issued_at.desc(), convocations::id))
                .offset(offset)
                .limit(limit)
                .select(ConvocationRow::as_select())
                .load(c)?;
            let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
            let booked: Vec<(Option<String>, String)> = reservations::table
                .filter(reservations::convocation_id.eq_any(ids))
                .filter(reservations::status.eq(status::BOOKED))
                .select((reservations::convocation_id, reservations::reference))
                .load(c)?;
            let items = rows
                .into_iter()
                .map(|row| {
                    let booked = booked
                        .iter()
                        .find(|(id, _)| id.as_deref() == Some(row.id.as_str()))
                        .map(|(_, reference)| reference.clone());
                    ConvocationView { row, booked }
                })
                .collect();
            Ok(Page { items, total })
        })
    }

    /// Revokes a convocation: its link books nothing any more (an
    /// appointment already booked stays; agents cancel it separately).
    /// Revoking a revoked one changes nothing.
    pub fn revoke_convocation(
        &self,
        id: ConvocationId,
        (actor, reason): (&str, &str),
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> Result<ConvocationView, StoreError> {
        let id = id.to_string();
        let mut pooled = self.conn()?;
        write_transaction(&mut pooled, |c| {
            let revoked = diesel::update(
                convocations::table
                    .filter(convocations::id.eq(&id))
                    .filter(convocations::revoked_at.is_null()),
            )
            .set((
                convocations::revoked_at.eq(Some(to_db(now))),
                convocations::revoked_by.eq(Some(actor)),
                convocations::revoke_reason.eq(Some(reason)),
            ))
            .execute(c)?;
            if revoked == 1 {
                record(c, audit)?;
                crate::outbox::owe_revocation(c, &id, reason, now)?;
            }
            let row = convocations::table
                .find(&id)
                .select(ConvocationRow::as_select())
                .first(c)?;
            with_booking(c, row)
        })
    }
}

impl Store {
    /// A préfecture's anti-capture rules.
    pub fn prefecture_rules(&self, code: &str) -> Result<PrefectureRulesRow, StoreError> {
        self.with_conn(|c| {
            prefectures::table
                .find(code)
                .select(PrefectureRulesRow::as_select())
                .first(c)
                .map_err(StoreError::from)
        })
    }
}

/// The convocation with the reference of its booked appointment.
fn with_booking(c: &mut AnyConnection, row: ConvocationRow) -> Result<ConvocationView, StoreError> {
    let booked = reservations::table
        .filter(reservations::convocation_id.eq(&row.id))
        .filter(reservations::status.eq(status::BOOKED))
        .select(reservations::reference)
        .first(c)
        .optional()?;
    Ok(ConvocationView { row, booked })
}

fn days_of(row: &ConvocationRow) -> DayWindow {
    DayWindow {
        earliest: row.earliest_day,
        latest: row.latest_day,
    }
}

fn presented(row: &ConvocationRow, booked: bool) -> Presented<'_> {
    Presented {
        motif_id: &row.motif_id,
        revoked: row.revoked_at.is_some(),
        booked,
        valid_until: from_db(row.valid_until),
        days: days_of(row),
    }
}

/// Uses convocation `id` for `applicant`'s appointment of `motif_id` on
/// local `day`, inside the booking's transaction: its row is locked
/// first (so that simultaneous uses of one token are checked one after
/// the other, on any server), then it must be usable, name the applicant
/// and allow the day. `Convocation` with the refusal otherwise.
pub(crate) fn use_convocation(
    c: &mut AnyConnection,
    id: &str,
    applicant: &Applicant,
    (motif_id, day): (MotifId, NaiveDate),
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let locked = diesel::update(convocations::table.find(id))
        .set(convocations::used_at.eq(Some(to_db(now))))
        .execute(c)?;
    if locked == 0 {
        return Err(StoreError::Convocation(
            planipref_domain::convocation::Refusal::Unknown,
        ));
    }
    let row: ConvocationRow = convocations::table
        .find(id)
        .select(ConvocationRow::as_select())
        .first(c)?;
    let booked: i64 = reservations::table
        .filter(reservations::convocation_id.eq(id))
        .filter(reservations::status.eq(status::BOOKED))
        .count()
        .get_result(c)?;
    let person = ConvocationPerson {
        last_name: row.last_name.clone(),
        first_names: row.first_names.clone(),
        birth_date: row.birth_date,
        file_number: row.file_number.clone(),
        email: None,
        phone: None,
    };
    presented(&row, booked > 0)
        .check_booking(&person, applicant, (&motif_id.to_string(), day), now)
        .map_err(StoreError::Convocation)
}
