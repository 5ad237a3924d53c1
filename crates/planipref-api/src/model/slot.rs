//! Slots: when a motif can be booked, and a site's first free slot.

use crate::http::error::ApiError;
use crate::model::examples::MOTIF_ID;
use crate::model::examples::SITE_ID;
use crate::model::examples::at;
use crate::model::examples::day;
use crate::model::fields::at_site;
use crate::model::fields::date_range;
use chrono::DateTime;
use chrono::FixedOffset;
use chrono::NaiveDate;
use chrono_tz::Tz;
use planipref_domain::context::ContextRefusal;
use planipref_domain::context::RouterContext;
use planipref_domain::slots::Slot;
use planipref_domain::slots::check_range;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Days searched when `to` is not given: two weeks from `from`.
pub const DEFAULT_RANGE_DAYS: u64 = 14;

/// The local days to search.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SlotQuery {
    /// First day, in the site's local calendar (`YYYY-MM-DD`, years 2000 to
    /// 2100); default today there.
    #[param(value_type = Option<String>, format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2026-12-01")]
    pub from: Option<String>,
    /// Last day, inclusive (years 2000 to 2100); default 13 days after
    /// `from`. At most 62 days in all.
    #[param(value_type = Option<String>, format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2026-12-14")]
    pub to: Option<String>,
    /// How many persons the appointment is for (default 1, at most the
    /// motif's `max_persons`). When the motif's duration grows with
    /// persons, only the slots where a counter is free for the whole
    /// longer appointment are offered.
    #[param(minimum = 1, maximum = 10, example = 1)]
    pub persons: Option<u32>,
}

/// One bookable start time.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlotResponse {
    /// Start, with the site's offset. Send it back as is to book.
    #[schema(value_type = String, format = DateTime, example = "2026-12-01T09:00:00+01:00")]
    pub start: DateTime<FixedOffset>,
    /// End, with the site's offset.
    #[schema(value_type = String, format = DateTime, example = "2026-12-01T09:30:00+01:00")]
    pub end: DateTime<FixedOffset>,
    /// How many more appointments it can take (free counters), at least 1.
    #[schema(example = 2)]
    pub remaining: u32,
}

impl SlotResponse {
    /// A slot of the engine, with the site's offset.
    pub fn at(slot: &Slot, tz: Tz) -> Self {
        Self {
            start: at_site(slot.start, tz),
            end: at_site(slot.end, tz),
            remaining: slot.remaining,
        }
    }
}

/// The free slots of a motif over a range of days.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlotList {
    /// The motif.
    #[schema(example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00")]
    pub motif_id: String,
    /// Its site.
    #[schema(example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")]
    pub site_id: String,
    /// The site's IANA time zone, in which days and offsets are given.
    #[schema(example = "Europe/Paris")]
    pub time_zone: String,
    /// First day searched.
    #[schema(value_type = String, format = Date, example = "2026-12-01")]
    pub from: NaiveDate,
    /// Last day searched (inclusive).
    #[schema(value_type = String, format = Date, example = "2026-12-14")]
    pub to: NaiveDate,
    /// Free slots, earliest first. Full and past ones are left out.
    pub slots: Vec<SlotResponse>,
}

impl SlotList {
    pub fn clone_without_slots(&self) -> Self {
        Self {
            motif_id: self.motif_id.clone(),
            site_id: self.site_id.clone(),
            time_zone: self.time_zone.clone(),
            from: self.from,
            to: self.to,
            slots: vec![],
        }
    }
}

/// Which motif of the site, and for how many.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FirstSlotQuery {
    /// The motif (one of the site's). Give this or `demarche`.
    #[param(format = Uuid, example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00")]
    pub motif_id: Option<String>,
    /// A démarche code of the national catalogue: the site's motif of that
    /// démarche (the earliest, if it has several). Give this or `motif_id`.
    #[param(example = "sejour-renouvellement")]
    pub demarche: Option<String>,
    /// How many persons the appointment is for (default 1).
    #[param(minimum = 1, maximum = 10, example = 1)]
    pub persons: Option<u32>,
}

/// The earliest free slot of a motif at a site.
#[derive(Debug, Serialize, ToSchema)]
pub struct FirstSlotResponse {
    /// The site.
    #[schema(example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")]
    pub site_id: String,
    /// The motif searched (with `demarche`, the one whose slot comes first).
    #[schema(example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00")]
    pub motif_id: String,
    /// The site's IANA time zone.
    #[schema(example = "Europe/Paris")]
    pub time_zone: String,
    /// First day searched: today at the site.
    #[schema(value_type = String, format = Date, example = "2026-11-30")]
    pub searched_from: NaiveDate,
    /// Last day searched: the end of the motif's booking window.
    #[schema(value_type = String, format = Date, example = "2027-02-28")]
    pub searched_until: NaiveDate,
    /// The earliest free slot; `null` when every slot of the booking
    /// window is taken.
    pub slot: Option<SlotResponse>,
}

/// Free slots.
pub fn example_slot_list() -> SlotList {
    SlotList {
        motif_id: MOTIF_ID.into(),
        site_id: SITE_ID.into(),
        time_zone: "Europe/Paris".into(),
        from: day("2026-12-01"),
        to: day("2026-12-01"),
        slots: vec![
            SlotResponse {
                start: at("2026-12-01T09:00:00+01:00"),
                end: at("2026-12-01T09:30:00+01:00"),
                remaining: 2,
            },
            SlotResponse {
                start: at("2026-12-01T09:30:00+01:00"),
                end: at("2026-12-01T10:00:00+01:00"),
                remaining: 3,
            },
        ],
    }
}

/// The first free slot of a site.
pub fn example_first_slot() -> crate::model::slot::FirstSlotResponse {
    crate::model::slot::FirstSlotResponse {
        site_id: SITE_ID.into(),
        motif_id: MOTIF_ID.into(),
        time_zone: "Europe/Paris".into(),
        searched_from: day("2026-11-30"),
        searched_until: day("2027-02-28"),
        slot: Some(SlotResponse {
            start: at("2026-12-03T09:30:00+01:00"),
            end: at("2026-12-03T10:00:00+01:00"),
            remaining: 1,
        }),
    }
}

/// A checked [`SlotQuery`].
#[derive(Debug, Clone, Copy)]
pub struct SlotsAsked {
    /// First and last day asked (`None`: the defaults, known at the site).
    pub days: (Option<NaiveDate>, Option<NaiveDate>),
    /// How many persons.
    pub persons: u32,
}

impl SlotQuery {
    /// The query checked; a range given whole is checked before the
    /// database is touched.
    pub fn check(&self) -> Result<SlotsAsked, ApiError> {
        let (from, to) = date_range(self.from.as_deref(), self.to.as_deref())?;
        if let (Some(from), Some(to)) = (from, to) {
            check_range(from, to)?;
        }
        Ok(SlotsAsked {
            days: (from, to),
            persons: self.persons.unwrap_or(1),
        })
    }
}

/// Which of a site's motifs a first-slot question is about.
#[derive(Debug, Clone)]
pub enum Wanted {
    /// This motif.
    Motif(String),
    /// The site's motifs of this démarche.
    Demarche(String),
}

/// A checked [`FirstSlotQuery`], with what the router's context allows.
#[derive(Debug, Clone)]
pub struct FirstSlotAsked {
    /// Which motifs.
    pub wanted: Wanted,
    /// How many persons.
    pub persons: u32,
    /// The démarche of the router's context: only its motifs are seen.
    pub only: Option<String>,
}

impl FirstSlotQuery {
    /// The query checked against the router's `context`, if any (its
    /// démarche only).
    pub fn check(&self, context: Option<&RouterContext>) -> Result<FirstSlotAsked, ApiError> {
        let only = context.map(|c| c.demarche.clone());
        if let (Some(only), Some(asked)) = (&only, &self.demarche)
            && only != asked.trim()
        {
            return Err(ApiError::Context(ContextRefusal::OtherDemarche));
        }
        let wanted = match (&self.motif_id, &self.demarche) {
            (Some(m), None) => Wanted::Motif(m.clone()),
            (None, Some(d)) => Wanted::Demarche(d.clone()),
            _ => {
                return Err(ApiError::invalid(
                    "motif_id",
                    "give either motif_id or demarche, not both",
                ));
            }
        };
        Ok(FirstSlotAsked {
            wanted,
            persons: self.persons.unwrap_or(1),
            only,
        })
    }
}
