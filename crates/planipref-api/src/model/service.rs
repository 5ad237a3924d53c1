//! Services: the offices of a site.

use crate::model::examples::SITE_ID;
use crate::model::motif::Motif;
use planipref_store::models::ServiceRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A new service.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceRequest {
    /// Name, unique at the site.
    #[schema(
        min_length = 1,
        max_length = 150,
        example = "Bureau du séjour des étrangers"
    )]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub name: String,
    /// What it handles.
    #[serde(default)]
    #[schema(
        max_length = 2000,
        example = "Titres de séjour, documents de circulation."
    )]
    #[schema(pattern = "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]*$")]
    pub description: String,
}

/// A service.
#[derive(Debug, Serialize, ToSchema)]
pub struct Service {
    /// Identifier.
    #[schema(example = "0b8f2f0a-3b1c-4a57-8f3e-6e1f8d7c2b10")]
    pub id: String,
    /// Its site.
    #[schema(example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")]
    pub site_id: String,
    /// Name.
    #[schema(example = "Bureau du séjour des étrangers")]
    pub name: String,
    /// Description.
    #[schema(example = "Titres de séjour, documents de circulation.")]
    pub description: String,
    /// Its version (also its `ETag`), raised by each change: send it in
    /// `If-Match` to change the service.
    #[schema(example = 1, minimum = 1)]
    pub version: i32,
}

impl Service {
    /// From its row.
    pub fn from_row(s: ServiceRow) -> Self {
        Self {
            id: s.id,
            site_id: s.site_id,
            name: s.name,
            description: s.description,
            version: s.revision,
        }
    }
}

crate::http::version::versioned_by_field!(Service);

/// A service with its motifs.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceWithMotifs {
    /// The service.
    #[serde(flatten)]
    pub service: Service,
    /// Its motifs, by label.
    pub motifs: Vec<Motif>,
}

/// A page of services.
pub type ServicePage = crate::model::page::Page<Service>;
crate::model::page::listed!(Service, "ServicePage", "A page of services.", "By name.");

pub fn service_example() -> serde_json::Value {
    serde_json::json!({"id": "0b8f2f0a-3b1c-4a57-8f3e-6e1f8d7c2b10", "site_id": SITE_ID, "name": "Bureau du séjour des étrangers", "description": "Titres de séjour, documents de circulation.", "version": 1})
}
