//! The router's question: the competent site of a commune for a démarche, and each site's first slot.
use crate::app::answers::Answer;
use crate::app::answers::Question;
use crate::app::answers::Stamp;
use crate::app::answers::earliest_lapse;
use crate::app::availability::earliest_of;
use crate::app::cache::AvailabilityCache;
use crate::http::error::ApiError;
use crate::model::motif::Motif;
use crate::model::orientation::CommuneInfo;
use crate::model::orientation::Orientation;
use crate::model::orientation::SiteOffer;
use crate::model::site::Site;
use crate::model::slot::SlotResponse;
use chrono::DateTime;
use chrono::Utc;
use planipref_domain::context::ContextRefusal;
use planipref_domain::orientation::Candidate;
use planipref_domain::orientation::Reason;
use planipref_domain::orientation::Residence;
use planipref_domain::orientation::competent_site;
use planipref_domain::site::SiteKind;
use planipref_store::AvailabilityVersion;
use planipref_store::Store;
use planipref_store::orientation::CommuneRow;
use planipref_store::orientation::OfferingSite;
use std::collections::HashMap;
use std::sync::Arc;

/// Orients afresh and keeps the answer under `stamp`.
#[allow(clippy::too_many_arguments)]
pub fn orient_and_keep(
    store: &Store,
    cache: &AvailabilityCache,
    (question, stamp): (Question, Stamp),
    demarche: &str,
    commune: CommuneRow,
    versions: &HashMap<String, AvailabilityVersion>,
    asked: (u32, bool),
    now: DateTime<Utc>,
) -> Result<Kept, ApiError> {
    let (fresh, lapses_at) = orient(store, cache, demarche, commune, versions, asked, now)?;
    let fresh = Arc::new(fresh);
    let zone = fresh
        .competent
        .iter()
        .chain(&fresh.other_sites)
        .find_map(|o| planipref_domain::time::parse_time_zone(&o.site.time_zone))
        .unwrap_or(chrono_tz::UTC);
    let json: Arc<str> = serde_json::to_string(&*fresh)
        .map_err(|e| {
            log::error!("serialising an orientation failed: {e}");
            ApiError::Internal
        })?
        .into();
    cache.put(
        question,
        stamp,
        zone,
        (now, lapses_at),
        Answer::Orientation(fresh.clone(), json.clone()),
    );
    Ok((fresh, json))
}

/// An orientation and its JSON, as kept.
pub type Kept = (Arc<Orientation>, Arc<str>);

/// An answer, and when the first hold it counted expires.
pub type Lapsing<T> = (T, Option<DateTime<Utc>>);

/// Orients from the database (`versions`: the département's, read first),
/// with when the first hold it counted expires.
pub fn orient(
    store: &Store,
    cache: &AvailabilityCache,
    demarche: &str,
    commune: CommuneRow,
    versions: &HashMap<String, AvailabilityVersion>,
    asked: (u32, bool),
    now: DateTime<Utc>,
) -> Result<(Orientation, Option<DateTime<Utc>>), ApiError> {
    let demarche = store
        .get_demarche(demarche)
        .map_err(|e| ApiError::from_store(e, "démarche"))?;
    let sites = store
        .offering_sites(&commune.departement, &demarche.code)
        .map_err(ApiError::from)?;
    let kinds: Vec<Option<SiteKind>> = sites
        .iter()
        .map(|s| SiteKind::from_code(&s.site.kind))
        .collect();
    let candidates: Vec<Candidate<'_>> = sites
        .iter()
        .zip(&kinds)
        .map(|(s, kind)| Candidate {
            kind: kind.unwrap_or(SiteKind::Antenne),
            arrondissement: s.arrondissement.as_deref(),
            competence: &s.competence,
        })
        .collect();
    let home = Residence {
        commune: &commune.insee,
        parent_commune: commune.parent_commune.as_deref(),
        arrondissement: commune.arrondissement.as_deref(),
    };
    let chosen = competent_site(home, &candidates);
    let mut competent = None;
    let mut other_sites = Vec::new();
    let mut lapses_at = None;
    for (i, site) in sites.into_iter().enumerate() {
        let version = versions.get(&site.site.id).copied();
        let Some((offer, lapse)) = offer(store, cache, site, now, asked, version)? else {
            continue;
        };
        lapses_at = earliest_lapse(lapses_at, lapse);
        if chosen.is_some_and(|(c, _)| c == i) {
            competent = Some(offer);
        } else {
            other_sites.push(offer);
        }
    }
    // Earliest first; sites without a slot last, by name.
    other_sites.sort_by(|a, b| {
        let key = |o: &SiteOffer| o.first_slot.as_ref().map(|s| s.start);
        match (key(a), key(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.site.name.cmp(&b.site.name),
        }
    });
    let answer = Orientation {
        demarche: demarche.code,
        commune: CommuneInfo {
            insee: commune.insee,
            name: commune.name,
            departement: commune.departement,
            arrondissement: commune.arrondissement,
        },
        reason: chosen.map(|(_, r): (usize, Reason)| r.code().to_owned()),
        competent,
        other_sites,
    };
    Ok((answer, lapses_at))
}

/// A site's offer: its motif whose first slot comes first, and that slot,
/// with when the first hold counted expires. A convocation-only motif, or a
/// motif requiring the router's context asked without it, is shown without
/// a slot.
pub fn offer(
    store: &Store,
    cache: &AvailabilityCache,
    site: OfferingSite,
    now: DateTime<Utc>,
    asked: (u32, bool),
    version: Option<AvailabilityVersion>,
) -> Result<Option<Lapsing<SiteOffer>>, ApiError> {
    let found = match earliest_of(store, cache, &site.motifs, now, asked, version) {
        Ok(found) => found.map(|(i, first)| (i, Some(first))),
        // Shown without a slot: only a convocation, or the router's
        // context, shows its slots.
        Err(ApiError::ConvocationRequired | ApiError::Context(ContextRefusal::Required)) => {
            Some((0, None))
        }
        Err(ApiError::Validation(_)) => None, // takes fewer persons: not an offer
        Err(e) => return Err(e),
    };
    let Some((i, first)) = found else {
        return Ok(None);
    };
    let Some((motif, service)) = site.motifs.into_iter().nth(i) else {
        return Ok(None);
    };
    let lapses_at = first.as_ref().and_then(|f| f.lapses_at);
    let offer = SiteOffer {
        site: Site::from(site.site),
        motif: Motif::from_rows(motif, service),
        first_slot: first.as_ref().and_then(|f| {
            f.slot
                .as_ref()
                .map(|s| SlotResponse::at(&s.slot, f.time_zone))
        }),
        searched_until: first.map(|f| f.until),
    };
    Ok(Some((offer, lapses_at)))
}
