//! Response shapes shared by several resources, and their conversion from
//! stored rows.

use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;
use planipref_domain::ids::DepartementCode;
use planipref_domain::time::parse_time_zone;
use planipref_store::models::{MotifRow, ServiceRow, SiteRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::error::ApiError;

/// Default page size of lists.
pub const DEFAULT_PER_PAGE: u32 = 50;
/// Largest page size of lists.
pub const MAX_PER_PAGE: u32 = 200;
/// Largest page number accepted (20 million items at the largest size).
pub const MAX_PAGE: u32 = 100_000;

/// Which page of a list to return.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Pagination {
    /// Page number, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000, example = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub per_page: Option<u32>,
}

impl Pagination {
    /// The page and its size, checked.
    pub fn resolve(page: Option<u32>, per_page: Option<u32>) -> Result<(u32, u32), ApiError> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        let mut errors = vec![];
        if !(1..=MAX_PAGE).contains(&page) {
            errors.push(planipref_domain::FieldError::new(
                "page",
                format!("must be between 1 and {MAX_PAGE}"),
            ));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            errors.push(planipref_domain::FieldError::new(
                "per_page",
                format!("must be between 1 and {MAX_PER_PAGE}"),
            ));
        }
        if errors.is_empty() {
            Ok((page, per_page))
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

impl Pagination {
    /// The page asked for as (page, per page, offset, limit), checked.
    pub fn window(&self) -> Result<(u32, u32, i64, i64), ApiError> {
        let (page, per_page) = Self::resolve(self.page, self.per_page)?;
        let offset = i64::from(page - 1) * i64::from(per_page);
        Ok((page, per_page, offset, i64::from(per_page)))
    }
}

/// Where a list page stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PageInfo {
    /// This page's number, from 1.
    #[schema(example = 1)]
    pub page: u32,
    /// Items per page.
    #[schema(example = 50)]
    pub per_page: u32,
    /// Items across all pages.
    #[schema(example = 5)]
    pub total: i64,
}

/// A site's postal address.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Address {
    /// Street and number.
    #[schema(example = "1 esplanade Jean Moulin")]
    pub line: String,
    /// Postal code.
    #[schema(example = "93000")]
    pub postal_code: String,
    /// Town.
    #[schema(example = "Bobigny")]
    pub city: String,
    /// INSEE code of the commune (COG).
    #[schema(example = "93008")]
    pub commune_insee: String,
}

/// A place that receives the public.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Site {
    /// Identifier.
    #[schema(example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")]
    pub id: String,
    /// Département code of its préfecture.
    #[schema(example = "93")]
    pub prefecture_code: String,
    /// `prefecture`, `sous_prefecture` or `antenne`.
    #[schema(value_type = crate::model::codes::SiteKind, example = "prefecture")]
    pub kind: String,
    /// Name shown to applicants.
    #[schema(example = "Préfecture de la Seine-Saint-Denis — Bobigny")]
    pub name: String,
    /// Postal address.
    pub address: Address,
    /// IANA time zone in which its opening hours are written; every instant
    /// about this site is given with this zone's offset.
    #[schema(example = "Europe/Paris")]
    pub time_zone: String,
}

impl From<SiteRow> for Site {
    fn from(r: SiteRow) -> Self {
        Self {
            id: r.id,
            prefecture_code: r.prefecture_code,
            kind: r.kind,
            name: r.name,
            address: Address {
                line: r.address_line,
                postal_code: r.postal_code,
                city: r.city,
                commune_insee: r.commune_insee,
            },
            time_zone: r.time_zone,
        }
    }
}

/// The service a motif belongs to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceRef {
    /// Identifier.
    #[schema(example = "0b8f2f0a-3b1c-4a57-8f3e-6e1f8d7c2b10")]
    pub id: String,
    /// Name.
    #[schema(example = "Bureau du séjour des étrangers")]
    pub name: String,
}

/// What a site books.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Motif {
    /// Identifier, to ask for its slots.
    #[schema(example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00")]
    pub id: String,
    /// The site where it is booked.
    #[schema(example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")]
    pub site_id: String,
    /// Its service.
    pub service: ServiceRef,
    /// Label shown to applicants.
    #[schema(example = "Renouvellement de titre de séjour")]
    pub label: String,
    /// What to know and bring.
    #[schema(
        example = "Apportez le titre actuel, passeport, justificatif de domicile et 3 photos."
    )]
    pub description: String,
    /// Length of one appointment, in minutes.
    #[schema(example = 30)]
    pub duration_minutes: i32,
    /// The national démarche it books, if any.
    #[schema(example = "sejour-renouvellement")]
    pub demarche_code: Option<String>,
    /// Slots open this many days ahead.
    #[schema(example = 90)]
    pub booking_window_days: i32,
    /// Booking closes this many hours before a slot.
    #[schema(example = 24)]
    pub min_notice_hours: i32,
    /// Online cancellation closes this many hours before the appointment.
    #[schema(example = 24)]
    pub cancellation_deadline_hours: i32,
    /// Documents to bring, one per line.
    #[schema(example = json!(["Titre de séjour en cours", "Passeport en cours de validité"]))]
    pub documents: Vec<String>,
    /// Most persons one appointment may be for.
    #[schema(example = 1)]
    pub max_persons: i32,
    /// Whether each person beyond the first adds `duration_minutes`.
    #[schema(example = false)]
    pub duration_per_person: bool,
    /// What the applicant is told once booked.
    #[schema(example = "Présentez-vous 10 minutes avant l'heure, porte B.")]
    pub instructions: String,
    /// `online`: anyone may book; `convocation_only`: only with an agent's
    /// convocation (its slots are not offered to the public).
    #[schema(value_type = crate::model::codes::BookingMode, example = "online")]
    pub booking_mode: String,
    /// Minutes between two start times of a plage (the duration unless the
    /// préfecture set another step).
    #[schema(example = 30)]
    pub step_minutes: i32,
    /// Whether one person may hold only one coming appointment of this
    /// motif's démarche.
    #[schema(example = true)]
    pub refuse_doublons: bool,
    /// Whether it is searched, held and booked only with the router's
    /// signed context (`X-Planipref-Context`).
    #[schema(example = false)]
    pub requires_context: bool,
    /// The fields that follow the national démarche (and its future
    /// changes) rather than the préfecture's own value.
    #[schema(example = json!(["label", "description", "documents", "duration_minutes"]))]
    pub follows_demarche: Vec<String>,
    /// Its version (also its `ETag` for administrators), raised by each
    /// change, its démarche's included: send it in `If-Match` to change
    /// the motif.
    #[schema(example = 1, minimum = 1)]
    pub version: i32,
}

impl Motif {
    /// From its rows.
    pub fn from_rows(m: MotifRow, s: ServiceRow) -> Self {
        let demarche_code = m.demarche_code.clone();
        let documents = m.document_list();
        Self {
            version: m.revision,
            id: m.id,
            site_id: s.site_id,
            service: ServiceRef {
                id: s.id,
                name: s.name,
            },
            label: m.label,
            description: m.description,
            duration_minutes: m.duration_minutes,
            demarche_code: demarche_code.clone(),
            booking_window_days: m.booking_window_days,
            min_notice_hours: m.min_notice_hours,
            cancellation_deadline_hours: m.cancellation_deadline_hours,
            documents,
            max_persons: m.max_persons,
            duration_per_person: m.duration_per_person,
            follows_demarche: if demarche_code.is_some() {
                [
                    ("label", m.label_overridden),
                    ("description", m.description_overridden),
                    ("documents", m.documents_overridden),
                    ("duration_minutes", m.duration_overridden),
                    ("booking_window_days", m.booking_window_overridden),
                    ("min_notice_hours", m.min_notice_overridden),
                    (
                        "cancellation_deadline_hours",
                        m.cancellation_deadline_overridden,
                    ),
                ]
                .into_iter()
                .filter(|(_, own)| !own)
                .map(|(f, _)| f.to_owned())
                .collect()
            } else {
                vec![]
            },
            instructions: m.instructions,
            booking_mode: m.booking_mode,
            step_minutes: m.step_minutes.unwrap_or(m.duration_minutes),
            refuse_doublons: m.refuse_doublons,
            requires_context: m.requires_context,
        }
    }
}

crate::http::version::versioned_by_field!(Motif);

/// Deserialises a field that may be left out (outer `None`, with
/// `#[serde(default)]`), sent as `null` (`Some(None)`) or given.
pub fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A site's time zone, read from its row.
pub fn site_zone(site: &SiteRow) -> Result<Tz, ApiError> {
    parse_time_zone(&site.time_zone).ok_or_else(|| {
        log::error!("site {} has an unknown time zone", site.id);
        ApiError::Internal
    })
}

/// Refuses agents whose scope does not cover the site (403).
pub(crate) fn may_read(
    agent: &planipref_domain::access::Agent,
    site: &SiteRow,
) -> Result<(), ApiError> {
    let id: planipref_domain::ids::SiteId = site.id.parse().map_err(|_| ApiError::Internal)?;
    if agent.can_read_site(id, &site_departement(site)?) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// The département whose calendar a site follows.
pub fn site_departement(site: &SiteRow) -> Result<DepartementCode, ApiError> {
    DepartementCode::parse(&site.prefecture_code).ok_or_else(|| {
        log::error!("site {} has an invalid département code", site.id);
        ApiError::Internal
    })
}

/// An instant shown with the site's offset (`2026-12-01T09:00:00+01:00`).
pub fn at_site(t: DateTime<Utc>, tz: Tz) -> DateTime<FixedOffset> {
    t.with_timezone(&tz).fixed_offset()
}

/// Reads the optional `from` and `to` days of a query, reporting both
/// fields' problems at once.
pub fn date_range(
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(Option<chrono::NaiveDate>, Option<chrono::NaiveDate>), ApiError> {
    use planipref_domain::slots::parse_search_date;
    let from = from.map(|s| parse_search_date("from", s)).transpose();
    let to = to.map(|s| parse_search_date("to", s)).transpose();
    match (from, to) {
        (Ok(f), Ok(t)) => Ok((f, t)),
        (f, t) => Err(ApiError::Validation(
            [f.err(), t.err()].into_iter().flatten().collect(),
        )),
    }
}
