//! The router's question: `GET /orientation`.

use crate::app::answers::Answer;
use crate::app::answers::Question;
use crate::app::answers::Stamp;
use crate::app::orientation::{Kept, orient_and_keep};
use crate::app::translations::localize_orientation;
use crate::http::error::ApiError;
use crate::http::extract::QueryParams;
use crate::http::language::{AcceptLanguage, AcceptLanguageParam, in_languages};
use crate::http::problem::Problem;
use crate::model::orientation::Orientation;
use crate::model::orientation::OrientationQuery;
use crate::security::router::ContextHeader;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use chrono::DateTime;
use chrono::Utc;
use planipref_domain::context::ContextRefusal;
use planipref_domain::language::SOURCE_LANGUAGE;
use planipref_domain::motif::check_persons;
use planipref_domain::orientation::is_insee_code;
use utoipa_actix_web::service_config::ServiceConfig;
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
    params(OrientationQuery, crate::security::router::ContextParam, AcceptLanguageParam),
    responses(
        crate::http::responses::ContextErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The competent site and the others", body = Orientation, example = json!(crate::model::orientation::example_orientation())),
        (status = 400, description = "Unreadable query (`demarche` or `commune` missing)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The router's context is for another démarche (`context-other-demarche`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such démarche, or no such commune in the COG", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`commune` is not an INSEE code, or `persons` is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The client searched too often on this server (`too-many-requests`)", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds until the client may ask again"))),
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
    wanted: AcceptLanguage,
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
    let now = state.now();
    let routed = context.0.is_some();
    let (oriented, json) =
        kept_or_oriented(&state, q.demarche, commune, (persons, routed), now).await?;
    let (body, languages) = if wanted.wants_source_only() {
        (json.to_string(), vec![SOURCE_LANGUAGE.to_owned()])
    } else {
        let localized = move |store: &_| localize_orientation(store, &oriented, &wanted);
        state.blocking(localized).await?
    };
    let answer = HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(body);
    Ok(in_languages(answer, &languages))
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
) -> Result<Kept, ApiError> {
    let cache = state.cache.clone();
    let commune = cache.commune_of(&state.store, &insee).await?;
    // Versions first: every answer computed after this read is at least as
    // recent as the version it is kept under.
    let versions = cache
        .departement_versions(&state.store, &commune.departement)
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
        return Ok((kept, json));
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

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(orientation);
}
