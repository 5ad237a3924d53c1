//! The router's question: which site is competent for a commune, and its first free slot.

use crate::model::examples::day;
use crate::model::motif::Motif;
use crate::model::site::Site;
use crate::model::slot::SlotResponse;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use planipref_domain::slots::earliest_start;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The router's question.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OrientationQuery {
    /// Démarche code of the national catalogue.
    #[param(example = "sejour-renouvellement")]
    pub demarche: String,
    /// INSEE code of the applicant's commune of residence (COG 2026; a
    /// municipal arrondissement of Paris, Lyon or Marseille is accepted).
    #[param(example = "93066", pattern = "^([0-9]{2}|2A|2B)[0-9]{3}$")]
    pub commune: String,
    /// How many persons the appointment is for (default 1).
    #[param(minimum = 1, maximum = 10, example = 1)]
    pub persons: Option<u32>,
}

/// The commune, as the reference data knows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommuneInfo {
    /// INSEE code.
    #[schema(example = "93066")]
    pub insee: String,
    /// Official name.
    #[schema(example = "Saint-Denis")]
    pub name: String,
    /// Département code.
    #[schema(example = "93")]
    pub departement: String,
    /// Arrondissement code; `null` where the territory has none (Mayotte).
    #[schema(example = "932")]
    pub arrondissement: Option<String>,
}

/// A site offering the démarche, with its motif and first free slot.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SiteOffer {
    /// The site, with its address.
    pub site: Site,
    /// Its motif for the démarche: duration, documents to bring,
    /// instructions, booking mode.
    pub motif: Motif,
    /// The earliest free slot; `null` when the booking window is full, when
    /// the motif is booked only with a convocation, or only through
    /// service-public.fr's router and its context was not given.
    pub first_slot: Option<SlotResponse>,
    /// Last day searched (end of the booking window); `null` for a motif
    /// not searched (convocation only, or router only without its context).
    #[schema(value_type = Option<String>, format = Date, example = "2027-02-28")]
    pub searched_until: Option<NaiveDate>,
}

/// Where to go, and when.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Orientation {
    /// The démarche asked about.
    #[schema(example = "sejour-renouvellement")]
    pub demarche: String,
    /// The commune of residence.
    pub commune: CommuneInfo,
    /// The site competent for that commune; `null` when none of the
    /// département's sites that offer the démarche is (then see
    /// `other_sites`).
    pub competent: Option<SiteOffer>,
    /// Why that site: `competence_commune` or `competence_arrondissement`
    /// (the préfecture declared it so), `sous_prefecture` (the
    /// sous-préfecture of the commune's arrondissement), `prefecture`
    /// (the default); `null` with `competent`.
    #[schema(example = "sous_prefecture")]
    pub reason: Option<String>,
    /// The other sites of the département offering the démarche, earliest
    /// first slot first (those without a slot last).
    pub other_sites: Vec<SiteOffer>,
}

impl Orientation {
    /// Whether every first slot of the answer is still beyond its motif's
    /// minimum notice at `now`.
    pub fn still_open(&self, now: DateTime<Utc>) -> bool {
        self.competent.iter().chain(&self.other_sites).all(|o| {
            let notice = u32::try_from(o.motif.min_notice_hours).unwrap_or(0);
            o.first_slot
                .as_ref()
                .is_none_or(|s| s.start >= earliest_start(now, notice))
        })
    }
}

/// An orientation answer.
pub fn example_orientation() -> crate::model::orientation::Orientation {
    use crate::model::orientation::{CommuneInfo, Orientation, SiteOffer};
    Orientation {
        demarche: "sejour-renouvellement".into(),
        commune: CommuneInfo {
            insee: "93008".into(),
            name: "Bobigny".into(),
            departement: "93".into(),
            arrondissement: Some("931".into()),
        },
        competent: Some(SiteOffer {
            site: crate::model::site::example_site(),
            motif: crate::model::motif::example_motif(),
            first_slot: crate::model::slot::example_first_slot().slot,
            searched_until: Some(day("2027-02-28")),
        }),
        reason: Some("prefecture".into()),
        other_sites: vec![],
    }
}
