//! Each process keeps the organisation of the motifs it computes slots for:
//! the part of a schedule that only audited changes alter (the motif, its
//! site and préfecture's rules, the guichets serving it, their plages, and
//! a period's closures and openings).
//!
//! Every audited change of a site raises `sites.availability_version` in
//! the transaction that makes it (see `audit::record`); bookings do not.
//! A kept organisation is used only after reading that counter and finding
//! it where it stood before the organisation was read: one small query
//! instead of six. During the opening of a week's slots, every attempt to
//! hold a slot then reads only the counter, and the period's bookings and
//! live holds, which are never kept.
//!
//! Nothing booked relies on this: a hold or booking checks the guichet's
//! organisation again under the guichet's lock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use planipref_domain::ids::GuichetId;
use planipref_domain::plage::Plage;
use planipref_domain::slots::Busy;

use crate::models::{MotifRow, PrefectureRulesRow, ServiceRow, SiteRow};

/// Beyond this many kept organisations, the cache starts afresh: a
/// national deployment has about 1,000 motifs, each searched over a few
/// periods at a time; an organisation weighs a few kilobytes.
const MAX_ENTRIES: usize = 2_048;

/// A motif's organisation over a period.
#[derive(Debug)]
pub(crate) struct Organisation {
    pub motif: MotifRow,
    pub service: ServiceRow,
    pub site: SiteRow,
    pub rules: PrefectureRulesRow,
    pub overbooking: planipref_domain::overbooking::Overbooking,
    /// The active guichets serving the motif, as stored and parsed.
    pub guichet_ids: Vec<String>,
    pub guichets: Vec<GuichetId>,
    pub plages: Vec<Plage>,
    /// The period's closures, as busy times of the guichets they close.
    pub closures: Vec<Busy>,
    pub openings: Vec<chrono::NaiveDate>,
    pub convocation_guichets: Vec<GuichetId>,
    pub walk_in_guichets: Vec<GuichetId>,
}

/// Which motif, over which period.
pub(crate) type Key = (String, (DateTime<Utc>, DateTime<Utc>));

/// A kept organisation, with the site's counter read before it.
#[derive(Debug, Clone)]
pub(crate) struct Kept {
    pub site_version: i32,
    pub organisation: Arc<Organisation>,
}

/// The organisations this process keeps.
#[derive(Debug, Default)]
pub(crate) struct ScheduleCache {
    entries: Mutex<HashMap<Key, Kept>>,
}

impl ScheduleCache {
    /// The organisation kept for `key`, if any (still to be checked
    /// against the site's counter).
    pub fn get(&self, key: &Key) -> Option<Kept> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    /// Keeps an organisation read after the site's counter stood at
    /// `site_version`.
    pub fn keep(&self, key: Key, site_version: i32, organisation: Arc<Organisation>) {
        // A poisoned lock only means another thread panicked while
        // holding it: the map itself is whole, or is cleared here.
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(
            key,
            Kept {
                site_version,
                organisation,
            },
        );
    }
}
