//! Sites (préfectures, sous-préfectures, antennas) as the API shows and takes them.

use crate::http::error::ApiError;
use crate::model::examples::SITE_ID;
use crate::model::page::Page;
use crate::model::page::PageInfo;
use chrono_tz::Tz;
use planipref_domain::competence::Competence;
use planipref_domain::ids::DepartementCode;
use planipref_domain::time::parse_time_zone;
use planipref_store::models::SiteRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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

/// A site's time zone, read from its row.
pub fn site_zone(site: &SiteRow) -> Result<Tz, ApiError> {
    parse_time_zone(&site.time_zone).ok_or_else(|| {
        log::error!("site {} has an unknown time zone", site.id);
        ApiError::Internal
    })
}

/// The département whose calendar a site follows.
pub fn site_departement(site: &SiteRow) -> Result<DepartementCode, ApiError> {
    DepartementCode::parse(&site.prefecture_code).ok_or_else(|| {
        log::error!("site {} has an invalid département code", site.id);
        ApiError::Internal
    })
}

/// A site's postal address, as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressRequest {
    /// Street and number.
    #[schema(min_length = 1, max_length = 200, example = "Rue de la République")]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub line: String,
    /// Five digits.
    #[schema(pattern = "^[0-9]{5}$", example = "97460")]
    pub postal_code: String,
    /// Town.
    #[schema(min_length = 1, max_length = 100, example = "Saint-Paul")]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub city: String,
    /// INSEE code of a commune of the site's département.
    #[schema(pattern = "^([0-9]{2}|2[AaBb])[0-9]{3}$", example = "97415")]
    pub commune_insee: String,
}

/// A site's settings.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteRequest {
    /// Département code of its préfecture (which must exist).
    #[schema(
        pattern = "^(0[1-9]|[1-8][0-9]|9[0-5]|2[AaBb]|97[1-8])$",
        example = "974"
    )]
    pub prefecture_code: String,
    /// `prefecture`, `sous_prefecture` or `antenne`.
    #[schema(value_type = crate::model::codes::SiteKind, example = "sous_prefecture")]
    pub kind: String,
    /// Name shown to applicants; unique within the préfecture.
    #[schema(
        min_length = 1,
        max_length = 150,
        example = "Sous-préfecture de Saint-Paul"
    )]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub name: String,
    /// Postal address.
    pub address: AddressRequest,
    /// IANA time zone in which its opening hours are written: one of its
    /// département's, as the reference data give them (`Europe/Paris` in
    /// metropolitan France, `Indian/Reunion` in 974…); any other is
    /// refused (422 naming `time_zone`).
    #[schema(example = "Indian/Reunion")]
    pub time_zone: String,
    /// The territory it is competent for (none when absent).
    #[serde(default)]
    pub competence: CompetenceBody,
}

/// The territory a site is competent for, in INSEE's Code officiel
/// géographique: whole arrondissements, or single communes, of its
/// département. Orientation sends applicants living there to this site.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompetenceBody {
    /// Arrondissement codes (département code and one digit), e.g. `932`, `9742`.
    #[serde(default)]
    #[schema(example = json!(["9742"]))]
    pub arrondissements: Vec<String>,
    /// Commune INSEE codes, e.g. `97415`.
    #[serde(default)]
    #[schema(example = json!([]))]
    pub communes: Vec<String>,
}

impl From<Competence> for CompetenceBody {
    fn from(c: Competence) -> Self {
        Self {
            arrondissements: c.arrondissements,
            communes: c.communes,
        }
    }
}

/// A site as its administrators see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminSite {
    /// The site.
    #[serde(flatten)]
    pub site: Site,
    /// The territory it is competent for.
    pub competence: CompetenceBody,
    /// Its version (also its `ETag`), raised by each change: send it in
    /// `If-Match` to change the site.
    #[schema(example = 1, minimum = 1)]
    pub version: i32,
}

impl AdminSite {
    pub fn new(row: SiteRow, competence: Competence) -> Self {
        Self {
            version: row.revision,
            site: Site::from(row),
            competence: competence.into(),
        }
    }
}

crate::http::version::versioned_by_field!(AdminSite);

pub fn example_admin_site() -> serde_json::Value {
    let mut site = serde_json::to_value(crate::model::site::example_site()).unwrap_or_default();
    site["competence"] = serde_json::json!({"arrondissements": ["931"], "communes": []});
    site["version"] = serde_json::json!(1);
    site
}

pub fn example_site_request() -> serde_json::Value {
    serde_json::json!({
        "prefecture_code": "974",
        "kind": "sous_prefecture",
        "name": "Sous-préfecture de Saint-Paul",
        "address": {"line": "Rue de la République", "postal_code": "97460", "city": "Saint-Paul", "commune_insee": "97415"},
        "time_zone": "Indian/Reunion",
        "competence": {"arrondissements": ["9742"], "communes": []}
    })
}

/// Filters and page of the site list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SiteListQuery {
    /// Only the sites of this préfecture (département code: `93`, `2A`, `974`).
    #[param(
        example = "93",
        pattern = r"^(0[1-9]|[1-8][0-9]|9[0-5]|2[AaBb]|97[1-8])$"
    )]
    pub prefecture: Option<String>,
    /// Page number, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000, example = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub per_page: Option<u32>,
}

/// A page of sites.
pub type SitePage = Page<Site>;
crate::model::page::listed!(
    Site,
    "SitePage",
    "A page of sites.",
    "The sites, by préfecture then name."
);

/// A page of sites.
pub fn example_site_page() -> SitePage {
    let reunion = Site {
        id: "7c2e9b40-51d3-4f8a-9e6b-0a1d2c3e4f56".into(),
        prefecture_code: "974".into(),
        kind: "prefecture".into(),
        name: "Préfecture de La Réunion — Saint-Denis".into(),
        address: Address {
            line: "Place du Barachois".into(),
            postal_code: "97400".into(),
            city: "Saint-Denis".into(),
            commune_insee: "97411".into(),
        },
        time_zone: "Indian/Reunion".into(),
    };
    SitePage {
        items: vec![crate::model::site::example_site(), reunion],
        page: PageInfo {
            page: 1,
            per_page: 50,
            total: 2,
        },
    }
}

/// A site.
pub fn example_site() -> Site {
    Site {
        id: SITE_ID.into(),
        prefecture_code: "93".into(),
        kind: "prefecture".into(),
        name: "Préfecture de la Seine-Saint-Denis — Bobigny".into(),
        address: Address {
            line: "1 esplanade Jean Moulin".into(),
            postal_code: "93000".into(),
            city: "Bobigny".into(),
            commune_insee: "93008".into(),
        },
        time_zone: "Europe/Paris".into(),
    }
}
