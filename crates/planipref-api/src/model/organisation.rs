//! A site's whole organisation in one answer.

use crate::http::error::ApiError;
use crate::model::guichet::Guichet;
use crate::model::guichet::GuichetWithPlages;
use crate::model::motif::Motif;
use crate::model::plage::PlageResponse;
use crate::model::service::Service;
use crate::model::service::ServiceWithMotifs;
use planipref_store::SiteOrganisation;
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

impl Organisation {
    /// The organisation of site `site_id` as the store `found` it.
    pub fn new(site_id: String, found: SiteOrganisation) -> Result<Self, ApiError> {
        let o = found;
        let services = o
            .services
            .into_iter()
            .map(|s| {
                let motifs = o
                    .motifs
                    .iter()
                    .filter(|m| m.service_id == s.id)
                    .map(|m| Motif::from_rows(m.clone(), s.clone()))
                    .collect();
                ServiceWithMotifs {
                    service: Service::from_row(s),
                    motifs,
                }
            })
            .collect();
        let paired = |pairs: &[(String, String)], key: &str| -> Vec<String> {
            pairs
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, m)| m.clone())
                .collect()
        };
        let mut guichets = Vec::new();
        for g in o.guichets {
            let plages = o
                .plages
                .iter()
                .filter(|p| p.guichet_id == g.id)
                .map(|p| PlageResponse::from_row(p, paired(&o.restrictions, &p.id)))
                .collect::<Result<_, _>>()?;
            guichets.push(GuichetWithPlages {
                guichet: Guichet::from_row(&g, paired(&o.served, &g.id)),
                plages,
            });
        }
        Ok(Self {
            site_id,
            services,
            guichets,
        })
    }
}
