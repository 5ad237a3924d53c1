//! Idempotency keys, kept in the database so that a retry reaching another
//! server process gets the same answer (see
//! `planipref_domain::idempotency`).
//!
//! A request first claims its key (a row without an answer); the primary
//! key lets one request only claim it, on any number of processes. The
//! answer is written once known. A claim left without an answer for longer
//! than [`ABANDONED_AFTER_SECONDS`] belonged to a process that died: the
//! next retry takes it over.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::write_transaction;
use crate::schema::idempotency_keys;
use crate::{Store, StoreError, to_db};

/// After this long without an answer, a claim is considered abandoned.
pub const ABANDONED_AFTER_SECONDS: i64 = 60;

/// Where a key stands for the request presenting it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is this request's: process it, then record the answer.
    Claimed,
    /// The same request was answered: send this answer again.
    Answered {
        /// HTTP status.
        status: u16,
        /// The body, sealed with the client's key.
        sealed_body: String,
        /// The `Location` header, if any.
        location: Option<String>,
    },
    /// The same request is being processed by another call.
    InProgress,
    /// The key was used for another request.
    OtherRequest,
}

impl Store {
    /// Claims `key_hash` for a request hashing to `request_hash`, or says
    /// what became of it. Expired keys and abandoned claims are replaced.
    pub fn claim_idempotency_key(
        &self,
        key_hash: &str,
        request_hash: &str,
        now: DateTime<Utc>,
        lifetime: Duration,
    ) -> Result<Claim, StoreError> {
        let mut pooled = self.conn()?;
        let abandoned = to_db(now - Duration::seconds(ABANDONED_AFTER_SECONDS));
        for _ in 0..3 {
            let claimed = write_transaction(&mut pooled, |c| {
                diesel::delete(
                    idempotency_keys::table
                        .filter(idempotency_keys::key_hash.eq(key_hash))
                        .filter(
                            idempotency_keys::expires_at.le(to_db(now)).or(
                                idempotency_keys::status
                                    .is_null()
                                    .and(idempotency_keys::created_at.le(abandoned)),
                            ),
                        ),
                )
                .execute(c)?;
                diesel::insert_into(idempotency_keys::table)
                    .values((
                        idempotency_keys::key_hash.eq(key_hash),
                        idempotency_keys::request_hash.eq(request_hash),
                        idempotency_keys::created_at.eq(to_db(now)),
                        idempotency_keys::expires_at.eq(to_db(now + lifetime)),
                    ))
                    .execute(c)
                    .map_err(StoreError::from)
            });
            match claimed {
                Ok(_) => return Ok(Claim::Claimed),
                Err(e) if e.is_duplicate_on("idempotency_keys") => {}
                Err(e) => return Err(e),
            }
            type Row = (String, Option<i32>, Option<String>, Option<String>);
            let row: Option<Row> = idempotency_keys::table
                .find(key_hash)
                .select((
                    idempotency_keys::request_hash,
                    idempotency_keys::status,
                    idempotency_keys::body,
                    idempotency_keys::location,
                ))
                .first(&mut **pooled)
                .optional()?;
            // Gone in between (expired and replaced): claim again.
            let Some((stored_request, status, body, location)) = row else {
                continue;
            };
            return Ok(match (stored_request == request_hash, status, body) {
                (false, ..) => Claim::OtherRequest,
                (true, Some(status), Some(sealed_body)) => Claim::Answered {
                    status: u16::try_from(status).unwrap_or(500),
                    sealed_body,
                    location,
                },
                (true, ..) => Claim::InProgress,
            });
        }
        Err(StoreError::Unavailable(
            "an idempotency key kept changing hands".into(),
        ))
    }

    /// Records the answer to a claimed key.
    pub fn answer_idempotency_key(
        &self,
        key_hash: &str,
        status: u16,
        sealed_body: &str,
        location: Option<&str>,
    ) -> Result<(), StoreError> {
        diesel::update(idempotency_keys::table.find(key_hash))
            .set((
                idempotency_keys::status.eq(Some(i32::from(status))),
                idempotency_keys::body.eq(Some(sealed_body)),
                idempotency_keys::location.eq(location),
            ))
            .execute(&mut **self.conn()?)?;
        Ok(())
    }

    /// Gives a claimed key up (the request failed in a way a retry may
    /// not meet: the database was unavailable).
    pub fn release_idempotency_key(&self, key_hash: &str) -> Result<(), StoreError> {
        diesel::delete(
            idempotency_keys::table
                .filter(idempotency_keys::key_hash.eq(key_hash))
                .filter(idempotency_keys::status.is_null()),
        )
        .execute(&mut **self.conn()?)?;
        Ok(())
    }

    /// The answers kept, as stored (for tests and checks).
    pub fn kept_idempotent_answers(&self) -> Result<Vec<String>, StoreError> {
        let rows: Vec<Option<String>> = idempotency_keys::table
            .select(idempotency_keys::body)
            .load(&mut **self.conn()?)?;
        Ok(rows.into_iter().flatten().collect())
    }

    /// Deletes the keys expired at `now`; how many.
    pub fn purge_idempotency_keys(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let before: NaiveDateTime = to_db(now);
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::expires_at.le(before)))
            .execute(&mut **self.conn()?)
            .map_err(StoreError::from)
    }
}
