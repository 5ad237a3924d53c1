//! A site's whole organisation in one answer.

use crate::model::guichet::GuichetWithPlages;
use crate::model::service::ServiceWithMotifs;
use serde::Serialize;
use utoipa::ToSchema;

/// How a site is organised.
#[derive(Debug, Serialize, ToSchema)]
pub struct Organisation {
    /// The site.
    #[schema(example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")]
    pub site_id: String,
    /// Its services and their motifs.
    pub services: Vec<ServiceWithMotifs>,
    /// Its guichets and their plages.
    pub guichets: Vec<GuichetWithPlages>,
}
