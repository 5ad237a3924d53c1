//! Demo data: two préfectures a newcomer can book at right after `make run`.
//!
//! Seine-Saint-Denis (93) with its préfecture at Bobigny and sous-préfectures
//! at Le Raincy and Saint-Denis, and La Réunion (974, `Indian/Reunion`, UTC+4
//! all year) so that time zones are exercised from day one. Names, communes
//! and INSEE codes come from `reference/departements.csv` (INSEE COG 2026
//! via Etalab's `@etalab/decoupage-administratif` 6.0.0, Licence Ouverte).
//! Street addresses, services, counters and opening hours are illustrative:
//! check each préfecture's own site before relying on them.

use chrono::{NaiveDate, Utc, Weekday};
use diesel::prelude::*;
use planipref_domain::plage::Weekdays;
use planipref_store::db::{AnyConnection, write_transaction};
use planipref_store::hub::SiteLocationRow;
use planipref_store::models::*;
use planipref_store::schema::*;
use planipref_store::{Store, StoreError, to_db};

use crate::rows::{
    PREMIERE, REMISE, RENOUVELLEMENT, demarche, motif_from_demarche, new_id, plage_row,
    prefecture_exists, time,
};

/// What the seed did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedReport {
    /// Préfectures created by this run.
    pub created: Vec<String>,
    /// Préfectures already present, left untouched.
    pub skipped: Vec<String>,
}

struct DemoPrefecture {
    code: &'static str,
    name: &'static str,
    departement: &'static str,
    time_zone: &'static str,
    /// The préfecture's site for the public.
    website: &'static str,
    sites: &'static [DemoSite],
}

struct DemoSite {
    kind: &'static str,
    name: &'static str,
    address: &'static str,
    postal_code: &'static str,
    city: &'static str,
    commune_insee: &'static str,
    /// Approximate WGS 84 latitude and longitude of the town (for national
    /// hubs' maps; demonstration data, not a survey).
    location: (f64, f64),
    service: &'static str,
    /// Démarches of the national catalogue it books (their motifs follow the
    /// national label, description and duration).
    motifs: &'static [&'static str],
    /// Guichet name, indexes of the motifs it serves, days, local ranges.
    guichets: &'static [DemoGuichet],
}

struct DemoGuichet {
    name: &'static str,
    motifs: &'static [usize],
    days: &'static [Weekday],
    ranges: &'static [(u32, u32, u32, u32)],
}

use Weekday::{Fri, Mon, Thu, Tue, Wed};

const WEEK: &[Weekday] = &[Mon, Tue, Wed, Thu, Fri];
const MORNING_AND_AFTERNOON: &[(u32, u32, u32, u32)] = &[(9, 0, 12, 0), (13, 30, 16, 30)];

const DEMO: &[DemoPrefecture] = &[
    DemoPrefecture {
        code: "93",
        name: "Préfecture de la Seine-Saint-Denis",
        departement: "Seine-Saint-Denis",
        time_zone: "Europe/Paris",
        website: "https://www.seine-saint-denis.gouv.fr",
        sites: &[
            DemoSite {
                kind: "prefecture",
                name: "Préfecture de la Seine-Saint-Denis — Bobigny",
                address: "1 esplanade Jean Moulin",
                postal_code: "93000",
                city: "Bobigny",
                commune_insee: "93008",
                location: (48.9077, 2.4397),
                service: "Bureau du séjour des étrangers",
                motifs: &[PREMIERE, RENOUVELLEMENT, REMISE],
                guichets: &[
                    DemoGuichet {
                        name: "Guichet 1",
                        motifs: &[0, 1, 2],
                        days: WEEK,
                        ranges: MORNING_AND_AFTERNOON,
                    },
                    DemoGuichet {
                        name: "Guichet 2",
                        motifs: &[0, 1, 2],
                        days: WEEK,
                        ranges: MORNING_AND_AFTERNOON,
                    },
                    DemoGuichet {
                        name: "Guichet 3",
                        motifs: &[0, 1],
                        days: WEEK,
                        ranges: &[(9, 0, 12, 0)],
                    },
                    DemoGuichet {
                        name: "Guichet 4 — remises",
                        motifs: &[2],
                        days: &[Mon, Tue, Thu],
                        ranges: MORNING_AND_AFTERNOON,
                    },
                ],
            },
            DemoSite {
                kind: "sous_prefecture",
                name: "Sous-préfecture du Raincy",
                address: "2 allée de l'Ermitage",
                postal_code: "93340",
                city: "Le Raincy",
                commune_insee: "93062",
                location: (48.8987, 2.5183),
                service: "Accueil des étrangers",
                motifs: &[RENOUVELLEMENT, REMISE],
                guichets: &[
                    DemoGuichet {
                        name: "Guichet A",
                        motifs: &[0, 1],
                        days: &[Tue, Thu],
                        ranges: &[(9, 0, 12, 0)],
                    },
                    DemoGuichet {
                        name: "Guichet B",
                        motifs: &[1],
                        days: &[Tue, Thu],
                        ranges: &[(9, 0, 12, 0), (14, 0, 16, 0)],
                    },
                ],
            },
            DemoSite {
                kind: "sous_prefecture",
                name: "Sous-préfecture de Saint-Denis",
                address: "29 rue de la République",
                postal_code: "93200",
                city: "Saint-Denis",
                commune_insee: "93066",
                location: (48.9362, 2.3574),
                service: "Accueil des étrangers",
                motifs: &[RENOUVELLEMENT, REMISE],
                guichets: &[
                    DemoGuichet {
                        name: "Guichet A",
                        motifs: &[0, 1],
                        days: &[Mon, Wed, Fri],
                        ranges: MORNING_AND_AFTERNOON,
                    },
                    DemoGuichet {
                        name: "Guichet B",
                        motifs: &[0, 1],
                        days: &[Mon, Wed, Fri],
                        ranges: &[(9, 0, 12, 0)],
                    },
                ],
            },
        ],
    },
    DemoPrefecture {
        code: "974",
        name: "Préfecture de La Réunion",
        departement: "La Réunion",
        time_zone: "Indian/Reunion",
        website: "https://www.reunion.gouv.fr",
        sites: &[
            DemoSite {
                kind: "prefecture",
                name: "Préfecture de La Réunion — Saint-Denis",
                address: "Place du Barachois",
                postal_code: "97400",
                city: "Saint-Denis",
                commune_insee: "97411",
                location: (-20.8772, 55.4480),
                service: "Service de l'immigration et de l'intégration",
                motifs: &[PREMIERE, RENOUVELLEMENT, REMISE],
                guichets: &[
                    DemoGuichet {
                        name: "Guichet 1",
                        motifs: &[0, 1, 2],
                        days: WEEK,
                        ranges: &[(8, 0, 12, 0), (13, 0, 15, 30)],
                    },
                    DemoGuichet {
                        name: "Guichet 2",
                        motifs: &[1, 2],
                        days: WEEK,
                        ranges: &[(8, 0, 12, 0)],
                    },
                ],
            },
            DemoSite {
                kind: "sous_prefecture",
                name: "Sous-préfecture de Saint-Pierre",
                address: "1 rue Marius et Ary Leblond",
                postal_code: "97410",
                city: "Saint-Pierre",
                commune_insee: "97416",
                location: (-21.3393, 55.4781),
                service: "Accueil des étrangers",
                motifs: &[REMISE],
                guichets: &[DemoGuichet {
                    name: "Guichet 1",
                    motifs: &[0],
                    days: &[Mon, Wed],
                    ranges: &[(8, 0, 12, 0)],
                }],
            },
        ],
    },
];

/// Writes the demo préfectures that are not there yet. Running it again
/// changes nothing; each préfecture is written whole or not at all.
pub fn seed_demo(store: &Store) -> Result<SeedReport, StoreError> {
    let mut report = SeedReport {
        created: vec![],
        skipped: vec![],
    };
    store.with_conn(|conn| {
        for p in DEMO {
            let created = write_transaction(conn, |c| seed_prefecture(c, p))?;
            let list = if created {
                &mut report.created
            } else {
                &mut report.skipped
            };
            list.push(p.code.to_owned());
        }
        Ok(())
    })?;
    Ok(report)
}

fn seed_prefecture(c: &mut AnyConnection, p: &DemoPrefecture) -> Result<bool, StoreError> {
    let now = to_db(Utc::now());
    if prefecture_exists(c, p.code)? {
        return Ok(false);
    }
    diesel::insert_into(prefectures::table)
        .values(PrefectureRow {
            revision: 1,
            code: p.code.to_owned(),
            name: p.name.to_owned(),
            departement_name: p.departement.to_owned(),
            created_at: now,
        })
        .execute(c)?;
    let valid_from = NaiveDate::from_ymd_opt(2026, 1, 1)
        .ok_or_else(|| StoreError::Corrupt("demo date".into()))?;
    for s in p.sites {
        let site_id = new_id();
        diesel::insert_into(sites::table)
            .values(SiteRow {
                revision: 1,
                id: site_id.clone(),
                prefecture_code: p.code.to_owned(),
                kind: s.kind.to_owned(),
                name: s.name.to_owned(),
                address_line: s.address.to_owned(),
                postal_code: s.postal_code.to_owned(),
                city: s.city.to_owned(),
                commune_insee: s.commune_insee.to_owned(),
                time_zone: p.time_zone.to_owned(),
                created_at: now,
            })
            .execute(c)?;
        let (latitude, longitude) = s.location;
        diesel::insert_into(site_locations::table)
            .values(SiteLocationRow {
                site_id: site_id.clone(),
                latitude,
                longitude,
                website: Some(p.website.to_owned()),
            })
            .execute(c)?;
        let service_id = new_id();
        diesel::insert_into(services::table)
            .values(ServiceRow {
                revision: 1,
                id: service_id.clone(),
                site_id: site_id.clone(),
                name: s.service.to_owned(),
                description: String::new(),
                created_at: now,
            })
            .execute(c)?;
        let mut motif_ids = Vec::new();
        for code in s.motifs {
            let id = new_id();
            diesel::insert_into(motifs::table)
                .values(motif_from_demarche(
                    id.clone(),
                    &service_id,
                    &demarche(c, code)?,
                    now,
                ))
                .execute(c)?;
            motif_ids.push(id);
        }
        for g in s.guichets {
            let guichet_id = new_id();
            diesel::insert_into(guichets::table)
                .values(GuichetRow {
                    revision: 1,
                    id: guichet_id.clone(),
                    site_id: site_id.clone(),
                    name: g.name.to_owned(),
                    active: true,
                    created_at: now,
                    active_from: None,
                    active_until: None,
                    channel: planipref_domain::channel::Channel::Public.code().to_owned(),
                })
                .execute(c)?;
            for m in g.motifs {
                let motif_id = motif_ids
                    .get(*m)
                    .ok_or_else(|| StoreError::Corrupt(format!("demo motif index {m}")))?;
                diesel::insert_into(guichet_motifs::table)
                    .values((
                        guichet_motifs::guichet_id.eq(&guichet_id),
                        guichet_motifs::motif_id.eq(motif_id),
                    ))
                    .execute(c)?;
            }
            for (h1, m1, h2, m2) in g.ranges {
                let row = plage_row(
                    new_id(),
                    &guichet_id,
                    Weekdays::of(g.days),
                    (time(*h1, *m1)?, time(*h2, *m2)?),
                    valid_from,
                    now,
                )?;
                diesel::insert_into(plages::table).values(row).execute(c)?;
            }
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use planipref_domain::site::{SiteDraft, SiteInput};

    use super::DEMO;

    #[test]
    fn every_demo_site_is_one_the_site_form_accepts() {
        for p in DEMO {
            for s in p.sites {
                let draft = SiteDraft::parse(SiteInput {
                    prefecture_code: p.code,
                    kind: s.kind,
                    name: s.name,
                    address_line: s.address,
                    postal_code: s.postal_code,
                    city: s.city,
                    commune_insee: s.commune_insee,
                    time_zone: p.time_zone,
                });
                assert!(draft.is_ok(), "{}: {draft:?}", s.name);
                let (latitude, longitude) = s.location;
                let located =
                    planipref_domain::hub::check_location(latitude, longitude, Some(p.website));
                assert!(located.is_ok(), "{}: {located:?}", s.name);
            }
        }
    }
}
