//! What the availability cache keeps: the questions asked, their answers
//! (a first slot, a serialised slot list, an orientation) and the database
//! state each was computed from. Computing them is `app/availability`'s,
//! `app/slots`' and `app/orientation`'s; keeping them is `app/cache`'s.

use crate::http::error::ApiError;
use crate::model::orientation::Orientation;
use crate::model::slot::FirstSlotResponse;
use crate::model::slot::SlotList;
use crate::model::slot::SlotResponse;
use chrono::DateTime;
use chrono::FixedOffset;
use chrono::NaiveDate;
use chrono::Utc;
use chrono_tz::Tz;
use planipref_domain::ids::MotifId;
use planipref_domain::slots::FreeSlot;
use planipref_domain::slots::earliest_start;
use planipref_store::AvailabilityVersion;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// What was asked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Question {
    /// A motif's first free slot for a number of persons.
    FirstSlot {
        /// The motif.
        motif: MotifId,
        /// Persons.
        persons: u32,
    },
    /// The router's question.
    Orientation {
        /// Démarche code.
        demarche: String,
        /// Commune INSEE code.
        commune: String,
        /// Persons.
        persons: u32,
        /// Whether the router's context was given (motifs requiring it
        /// show their slots only then).
        routed: bool,
    },
    /// A motif's slots between two days as asked (`None`: the default).
    Slots {
        /// The motif.
        motif: MotifId,
        /// First day asked.
        from: Option<NaiveDate>,
        /// Last day asked.
        to: Option<NaiveDate>,
        /// Persons.
        persons: u32,
        /// The démarche of the router's context it was asked with.
        context: Option<String>,
    },
}

/// A kept answer.
#[derive(Debug, Clone)]
pub enum Answer {
    /// A first free slot.
    FirstSlot(FirstSlot),
    /// A list of slots, serialised, with the motif's minimum notice to
    /// apply as time passes.
    Slots(Arc<SerializedSlots>),
    /// An orientation answer, and its JSON text.
    Orientation(Arc<Orientation>, Arc<str>),
}

/// The database state an answer was computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stamp {
    /// One site's availability version.
    Site(AvailabilityVersion),
    /// Those of every site of a département, by site id.
    Departement(Vec<(String, AvailabilityVersion)>),
}

impl Stamp {
    /// The stamp of a département's sites (in any order).
    pub fn departement(versions: HashMap<String, AvailabilityVersion>) -> Self {
        let mut v: Vec<_> = versions.into_iter().collect();
        v.sort();
        Self::Departement(v)
    }
}

/// The earlier of two lapses (`None`: never).
pub fn earliest_lapse(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The earliest free slot of a motif within its booking window.
#[derive(Debug, Clone)]
pub struct FirstSlot {
    /// The site's time zone.
    pub time_zone: Tz,
    /// First local day searched (today at the site).
    pub from: NaiveDate,
    /// Last local day searched (the end of the booking window).
    pub until: NaiveDate,
    /// The slot, if any day of the window has one.
    pub slot: Option<FreeSlot>,
    /// The motif's minimum notice, in hours.
    pub min_notice_hours: u32,
    /// When the first hold taken into account expires: the answer may
    /// change then without any write.
    pub lapses_at: Option<DateTime<Utc>>,
}

/// A slot list kept as JSON, slot by slot: serialising instants is most of
/// the work of answering from the cache, so it is done once.
#[derive(Debug)]
pub struct SerializedSlots {
    /// The list up to its `slots` array's opening bracket.
    head: String,
    /// Each slot's start and JSON text.
    slots: Vec<(DateTime<FixedOffset>, String)>,
    /// The motif's minimum notice, in hours.
    min_notice_hours: u32,
}

impl SerializedSlots {
    pub fn new(list: &SlotList, min_notice_hours: u32) -> Result<Self, ApiError> {
        let mut head = to_json(&list.clone_without_slots())?;
        // `…,"slots":[]}` → `…,"slots":[`
        head.truncate(head.len().saturating_sub(2));
        let slots = list
            .slots
            .iter()
            .map(|s| Ok((s.start, to_json(s)?)))
            .collect::<Result<_, ApiError>>()?;
        Ok(Self {
            head,
            slots,
            min_notice_hours,
        })
    }

    /// The starts still offered at `now` (see [`Self::body`]), each with
    /// its JSON text (`{"start":"…",…}`).
    pub fn open_slots(
        &self,
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = &(DateTime<FixedOffset>, String)> {
        let earliest = earliest_start(now, self.min_notice_hours);
        self.slots
            .iter()
            .filter(move |(start, _)| *start >= earliest)
    }

    /// The JSON answer at `now`: slots that have come within the minimum
    /// notice since the list was computed are left out.
    pub fn body(&self, now: DateTime<Utc>) -> String {
        let mut out = String::with_capacity(self.head.len() + self.slots.len() * 100 + 2);
        out.push_str(&self.head);
        for (i, (_, slot)) in self.open_slots(now).enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(slot);
        }
        out.push_str("]}");
        out
    }
}

pub fn to_json<T: Serialize>(value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(|e| {
        log::error!("serialising a slot list failed: {e}");
        ApiError::Internal
    })
}

impl FirstSlotResponse {
    pub fn new(site_id: String, motif_id: String, found: &FirstSlot) -> Self {
        Self {
            site_id,
            motif_id,
            time_zone: found.time_zone.name().to_owned(),
            searched_from: found.from,
            searched_until: found.until,
            slot: found
                .slot
                .as_ref()
                .map(|f| SlotResponse::at(&f.slot, found.time_zone)),
        }
    }
}
