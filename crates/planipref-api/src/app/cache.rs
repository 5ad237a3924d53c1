//! The availability each server process has computed, reused while the
//! database says nothing changed.
//!
//! Computing a motif's slots reads its guichets' plages and bookings; the
//! router asks the same questions many times a second. An answer is kept
//! with the site's availability version read *before* the data it was
//! computed from (see `Store::availability_versions`): every hold,
//! booking, cancellation and audited change of the site moves that version
//! in its own transaction (confirming a hold does not: its time stays
//! taken, and answers that counted the hold lapse with it, below), so a
//! kept answer is reused only while no such change
//! has committed, whichever process made it. Each read still costs one
//! small query (the version), shared by the requests that arrive while the
//! previous one runs ([`crate::app::fresh`]); answers also lapse when the site's day
//! changes (the booking window moves) and, for a first slot, once its
//! start falls within the minimum notice.
//!
//! Holds expire without a write: an answer computed while holds were live
//! is kept only until the first of them expires (`lapses_at`).

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use planipref_domain::ids::MotifId;
use planipref_store::AvailabilityVersion;

use crate::app::answers::Answer;
use crate::app::answers::Question;
use crate::app::answers::Stamp;
use crate::app::fresh::FreshReads;
use crate::http::error::ApiError;
use planipref_store::Store;
use planipref_store::orientation::CommuneRow;

/// Beyond this many answers, the cache starts afresh (a national
/// deployment has about 1,000 motifs; typical searches are few per motif).
const MAX_ENTRIES: usize = 50_000;

#[derive(Debug)]
struct Entry {
    version: Stamp,
    time_zone: Tz,
    today: NaiveDate,
    lapses_at: Option<DateTime<Utc>>,
    answer: Answer,
}

/// Answers kept by this process, and the site of each motif asked about.
#[derive(Debug, Default)]
pub struct AvailabilityCache {
    sites: Mutex<HashMap<MotifId, String>>,
    communes: Mutex<HashMap<String, CommuneRow>>,
    entries: Mutex<HashMap<Question, Entry>>,
    site_versions: FreshReads<String, AvailabilityVersion>,
    departement_versions: FreshReads<String, HashMap<String, AvailabilityVersion>>,
}

impl AvailabilityCache {
    /// The availability version of one site (`NotFound` if it is gone),
    /// as read after this call.
    pub async fn site_version(
        &self,
        store: &Store,
        site: &str,
    ) -> Result<AvailabilityVersion, ApiError> {
        let key = site.to_owned();
        self.site_versions
            .get(&key, || {
                let site = key.clone();
                crate::blocking::run(store, move |store| {
                    store
                        .availability_version(&site)
                        .map_err(|e| ApiError::from_store(e, "motif"))
                })
            })
            .await
    }

    /// The availability versions of the sites of préfecture `departement`,
    /// by site id, as read after this call.
    pub async fn departement_versions(
        &self,
        store: &Store,
        departement: &str,
    ) -> Result<HashMap<String, AvailabilityVersion>, ApiError> {
        let key = departement.to_owned();
        self.departement_versions
            .get(&key, || {
                let departement = key.clone();
                crate::blocking::run(store, move |store| {
                    store
                        .departement_availability_versions(&departement)
                        .map_err(ApiError::from)
                })
            })
            .await
    }

    /// The site a motif is booked at (a motif never moves): read once,
    /// then from memory without a blocking call.
    pub async fn site_of_motif(&self, store: &Store, motif: MotifId) -> Result<String, ApiError> {
        if let Some(site) = lock(&self.sites).get(&motif) {
            crate::telemetry::cache_lookup("motif_site", true);
            return Ok(site.clone());
        }
        crate::telemetry::cache_lookup("motif_site", false);
        let site = crate::blocking::run(store, move |store| {
            store
                .motif_site(&motif.to_string())
                .map_err(|e| ApiError::from_store(e, "motif"))
        })
        .await?;
        lock(&self.sites).insert(motif, site.clone());
        Ok(site)
    }

    /// A commune of the reference data. They change only when a new
    /// release loads a new edition (`planipref migrate`), so each process
    /// reads each commune once, then from memory without a blocking call.
    pub async fn commune_of(&self, store: &Store, insee: &str) -> Result<CommuneRow, ApiError> {
        if let Some(c) = lock(&self.communes).get(insee) {
            crate::telemetry::cache_lookup("commune", true);
            return Ok(c.clone());
        }
        crate::telemetry::cache_lookup("commune", false);
        let code = insee.to_owned();
        let commune = crate::blocking::run(store, move |store| {
            store
                .commune(&code)
                .map_err(|e| ApiError::from_store(e, "commune"))
        })
        .await?;
        let mut communes = lock(&self.communes);
        if communes.len() >= MAX_ENTRIES {
            communes.clear();
        }
        communes.insert(insee.to_owned(), commune.clone());
        Ok(commune)
    }

    /// The kept answer to `question`, if it was computed at `version` on
    /// the site's current day.
    pub fn get(&self, question: &Question, version: &Stamp, now: DateTime<Utc>) -> Option<Answer> {
        let kept = self.kept(question, version, now);
        crate::telemetry::cache_lookup("availability", kept.is_some());
        kept
    }

    fn kept(&self, question: &Question, version: &Stamp, now: DateTime<Utc>) -> Option<Answer> {
        let entries = lock(&self.entries);
        let entry = entries.get(question)?;
        let same_day = now.with_timezone(&entry.time_zone).date_naive() == entry.today;
        let lapsed = entry.lapses_at.is_some_and(|at| now >= at);
        (entry.version == *version && same_day && !lapsed).then(|| entry.answer.clone())
    }

    /// Keeps `answer`, computed from data read after `version`, until
    /// `lapses_at` (the first expiry of a hold it took into account).
    pub fn put(
        &self,
        question: Question,
        version: Stamp,
        time_zone: Tz,
        (now, lapses_at): (DateTime<Utc>, Option<DateTime<Utc>>),
        answer: Answer,
    ) {
        let mut entries = lock(&self.entries);
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            question,
            Entry {
                version,
                time_zone,
                today: now.with_timezone(&time_zone).date_naive(),
                lapses_at,
                answer,
            },
        );
    }
}

/// A poisoned lock only means another request panicked while holding it;
/// the map itself is still whole.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
