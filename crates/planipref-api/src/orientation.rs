//! Orientation: the router's question "where, and when, can someone living
//! in this commune come for this démarche?".

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use planipref_domain::motif::check_persons;
use planipref_domain::orientation::{Candidate, Reason, Residence, competent_site, is_insee_code};
use planipref_domain::site::SiteKind;
use planipref_store::orientation::OfferingSite;
use planipref_store::{AvailabilityVersion, Store};

use std::collections::HashMap;
use std::sync::Arc;

use planipref_store::orientation::CommuneRow;

use crate::app::cache::Answer;
use crate::app::cache::AvailabilityCache;
use crate::app::cache::Question;
use crate::app::cache::Stamp;
use crate::app::cache::earliest_lapse;
use crate::availability::earliest_of;
use crate::http::error::ApiError;
use crate::http::error::Problem;
use crate::http::extract::QueryParams;
use crate::model::motif::Motif;
use crate::model::orientation::CommuneInfo;
use crate::model::orientation::Orientation;
use crate::model::orientation::OrientationQuery;
use crate::model::orientation::SiteOffer;
use crate::model::site::Site;
use crate::model::slot::SlotResponse;
use crate::security::router::ContextHeader;
use crate::state::AppState;
use planipref_domain::context::ContextRefusal;

/// Orient an applicant
///
/// For service-public.fr's router: given a démarche and the applicant's
/// commune of residence, the competent site (by default the sous-préfecture
/// of the commune's arrondissement when it offers the démarche, else the
/// préfecture; each préfecture may declare other competences), with its
/// address, the motif, the documents to bring and the first free slot; then
/// the département's other sites offering the démarche, earliest first.
/// A commune without an arrondissement (Mayotte) goes to the préfecture.
/// Public; no personal data.
#[utoipa::path(
    tag = "orientation",
    params(OrientationQuery, crate::security::router::ContextParam),
    responses(
        (status = 200, description = "The competent site and the others", body = Orientation, example = json!(crate::model::examples::orientation())),
        (status = 400, description = "Unreadable query (`demarche` or `commune` missing)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "The router's context (`X-Planipref-Context`) is tampered with, expired or wrongly signed, or this server accepts none (`invalid-context`, without a `WWW-Authenticate` challenge)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The router's context is for another démarche (`context-other-demarche`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such démarche, or no such commune in the COG", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`commune` is not an INSEE code, or `persons` is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The client searched too often on this server (`too-many-requests`)", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds until the client may ask again"))),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get(
    "/orientation",
    wrap = "actix_web::middleware::from_fn(crate::http::limits::search)"
)]
pub async fn orientation(
    state: web::Data<AppState>,
    QueryParams(q): QueryParams<OrientationQuery>,
    context: ContextHeader,
) -> Result<HttpResponse, ApiError> {
    if let Some(c) = &context.0
        && c.demarche != q.demarche.trim()
    {
        return Err(ApiError::Context(ContextRefusal::OtherDemarche));
    }
    let commune = q.commune.trim().to_ascii_uppercase();
    if !is_insee_code(&commune) {
        return Err(ApiError::invalid(
            "commune",
            "must be an INSEE commune code of five characters, such as 93066 or 2A004",
        ));
    }
    let persons = q.persons.unwrap_or(1);
    check_persons("persons", persons)?;
    let now = Utc::now();
    let routed = context.0.is_some();
    let answer = kept_or_oriented(&state, q.demarche, commune, (persons, routed), now).await?;
    Ok(HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(answer.to_string()))
}

/// The answer this process keeps for the question while the availability
/// of every site of the commune's département is unchanged, the day the
/// same, and each first slot still beyond its motif's notice; else a fresh
/// one ([`orient`]).
/// The kept answer is found without a blocking call (the versions' read
/// aside, shared between requests); only a fresh one is computed on the
/// blocking pool.
async fn kept_or_oriented(
    state: &AppState,
    demarche: String,
    insee: String,
    (persons, routed): (u32, bool),
    now: DateTime<Utc>,
) -> Result<Arc<str>, ApiError> {
    let cache = state.cache.clone();
    let commune = cache.commune_of(state, &insee).await?;
    // Versions first: every answer computed after this read is at least as
    // recent as the version it is kept under.
    let versions = cache
        .departement_versions(state, &commune.departement)
        .await?;
    let stamp = Stamp::departement(versions.clone());
    let question = Question::Orientation {
        demarche: demarche.clone(),
        commune: insee,
        persons,
        routed,
    };
    if let Some(Answer::Orientation(kept, json)) = cache.get(&question, &stamp, now)
        && kept.still_open(now)
    {
        return Ok(json);
    }
    state
        .blocking(move |store| {
            orient_and_keep(
                store,
                &cache,
                (question, stamp),
                &demarche,
                commune,
                &versions,
                (persons, routed),
                now,
            )
        })
        .await
}

/// Orients afresh and keeps the answer under `stamp`.
#[allow(clippy::too_many_arguments)]
fn orient_and_keep(
    store: &Store,
    cache: &AvailabilityCache,
    (question, stamp): (Question, Stamp),
    demarche: &str,
    commune: CommuneRow,
    versions: &HashMap<String, AvailabilityVersion>,
    asked: (u32, bool),
    now: DateTime<Utc>,
) -> Result<Arc<str>, ApiError> {
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
        Answer::Orientation(fresh, json.clone()),
    );
    Ok(json)
}

/// An answer, and when the first hold it counted expires.
type Lapsing<T> = (T, Option<DateTime<Utc>>);

/// Orients from the database (`versions`: the département's, read first),
/// with when the first hold it counted expires.
fn orient(
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
fn offer(
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
