//! Motifs in the applicant's language: the translations a préfecture set
//! (read and replaced as a whole, audited), and the choice, motif by
//! motif, of the texts an applicant reads.

use chrono::{DateTime, Utc};
use planipref_domain::access::Agent;
use planipref_domain::ids::MotifId;
use planipref_domain::language::{
    MotifTexts, SOURCE_LANGUAGE, TranslationInput, check_translations, negotiate,
};
use planipref_store::Store;
use planipref_store::models::{MotifRow, documents_from_json, documents_to_json};
use planipref_store::translations::MotifTranslationRow;

use crate::app::audit::{audit, json};
use crate::http::error::ApiError;
use crate::http::language::AcceptLanguage;
use crate::http::version::IfMatch;
use crate::model::motif::Motif;
use crate::model::orientation::{Orientation, SiteOffer};
use crate::model::translation::{MotifTranslation, MotifTranslations, MotifTranslationsUpdate};
use crate::security::scope::{may_administer, may_read};

/// The French texts of `motif`.
fn source(motif: &Motif) -> MotifTexts {
    MotifTexts {
        label: motif.label.clone(),
        description: motif.description.clone(),
        instructions: motif.instructions.clone(),
        documents: motif.documents.clone(),
    }
}

fn texts(row: &MotifTranslationRow) -> MotifTexts {
    MotifTexts {
        label: row.label.clone(),
        description: row.description.clone(),
        instructions: row.instructions.clone(),
        documents: documents_from_json(&row.documents),
    }
}

/// `motifs` with their texts in the language each reads best in for a
/// client wanting `wanted` (their `language` says which: French when no
/// up-to-date translation fits); the languages the answer then holds.
pub fn localize(
    store: &Store,
    motifs: &mut [Motif],
    wanted: &AcceptLanguage,
) -> Result<Vec<String>, ApiError> {
    if wanted.wants_source_only() || motifs.is_empty() {
        return Ok(vec![SOURCE_LANGUAGE.to_owned()]);
    }
    let ids: Vec<String> = motifs.iter().map(|m| m.id.clone()).collect();
    let rows = store.motif_translations(&ids)?;
    let mut used = vec![];
    for motif in motifs.iter_mut() {
        if let Some(row) = best(&rows, &motif.id, &source(motif), wanted) {
            let t = texts(row);
            motif.label = t.label;
            motif.description = t.description;
            motif.instructions = t.instructions;
            motif.documents = t.documents;
            motif.language = row.language.clone();
        }
        if !used.contains(&motif.language) {
            used.push(motif.language.clone());
        }
    }
    Ok(used)
}

/// Motif `row` with its texts in the language that best fits `wanted`;
/// that language.
pub fn localize_row(
    store: &Store,
    row: &mut MotifRow,
    wanted: &AcceptLanguage,
) -> Result<String, ApiError> {
    if wanted.wants_source_only() {
        return Ok(SOURCE_LANGUAGE.to_owned());
    }
    let french = MotifTexts {
        label: row.label.clone(),
        description: row.description.clone(),
        instructions: row.instructions.clone(),
        documents: row.document_list(),
    };
    let rows = store.motif_translations(std::slice::from_ref(&row.id))?;
    Ok(match best(&rows, &row.id, &french, wanted) {
        Some(t) => {
            row.label.clone_from(&t.label);
            row.description.clone_from(&t.description);
            row.instructions.clone_from(&t.instructions);
            row.documents.clone_from(&t.documents);
            t.language.clone()
        }
        None => SOURCE_LANGUAGE.to_owned(),
    })
}

/// The up-to-date translation of motif `id` (whose French is `french`)
/// that best fits `wanted`, among `rows`; `None` when French does.
fn best<'r>(
    rows: &'r [MotifTranslationRow],
    id: &str,
    french: &MotifTexts,
    wanted: &AcceptLanguage,
) -> Option<&'r MotifTranslationRow> {
    let digest = french.digest();
    let fresh: Vec<&MotifTranslationRow> = rows
        .iter()
        .filter(|r| r.motif_id == id && r.source_digest == digest)
        .collect();
    let mut available: Vec<&str> = vec![SOURCE_LANGUAGE];
    available.extend(fresh.iter().map(|r| r.language.as_str()));
    let chosen = negotiate(&wanted.0, &available)?;
    fresh.into_iter().find(|r| r.language == chosen)
}

/// Motif `motif_id`, read by `agent`, with every translation of it.
pub fn translations(
    store: &Store,
    agent: &Agent,
    motif_id: MotifId,
) -> Result<MotifTranslations, ApiError> {
    let (motif, service, site) = store
        .get_motif(&motif_id.to_string())
        .map_err(|e| ApiError::from_store(e, "motif"))?;
    may_read(agent, &site)?;
    let motif = Motif::from_rows(motif, service);
    let rows = store.all_motif_translations(&motif.id)?;
    Ok(listed(&motif, &rows, motif.version))
}

fn listed(motif: &Motif, rows: &[MotifTranslationRow], version: i32) -> MotifTranslations {
    let digest = source(motif).digest();
    MotifTranslations {
        motif_id: motif.id.clone(),
        translations: rows
            .iter()
            .map(|r| {
                let t = texts(r);
                MotifTranslation {
                    language: r.language.clone(),
                    label: t.label,
                    description: t.description,
                    instructions: t.instructions,
                    documents: t.documents,
                    up_to_date: r.source_digest == digest,
                }
            })
            .collect(),
        version,
    }
}

/// Motif `motif_id`'s translations replaced by `update`, checked against
/// its French as read at the version `if_match` names (audited; the
/// motif's version goes up).
pub fn set_translations(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    motif_id: MotifId,
    update: &MotifTranslationsUpdate,
    if_match: IfMatch,
) -> Result<MotifTranslations, ApiError> {
    let (row, service, site) = store
        .get_motif(&motif_id.to_string())
        .map_err(|e| ApiError::from_store(e, "motif"))?;
    may_administer(agent, &site)?;
    let motif = Motif::from_rows(row, service);
    if motif.version != if_match.0 {
        return Err(ApiError::Stale {
            current: motif.version,
        });
    }
    let french = source(&motif);
    let inputs: Vec<TranslationInput<'_>> = update
        .translations
        .iter()
        .map(|t| TranslationInput {
            language: &t.language,
            label: &t.label,
            description: &t.description,
            instructions: &t.instructions,
            documents: &t.documents,
        })
        .collect();
    let checked = check_translations(&french, &inputs).map_err(ApiError::Validation)?;
    let digest = french.digest();
    let mut rows: Vec<MotifTranslationRow> = checked
        .into_iter()
        .map(|t| MotifTranslationRow {
            motif_id: motif.id.clone(),
            language: t.language,
            label: t.texts.label,
            description: t.texts.description,
            instructions: t.texts.instructions,
            documents: documents_to_json(&t.texts.documents),
            source_digest: digest.clone(),
        })
        .collect();
    rows.sort_by(|a, b| a.language.cmp(&b.language));
    let before = listed(
        &motif,
        &store.all_motif_translations(&motif.id)?,
        motif.version,
    );
    let after = listed(&motif, &rows, if_match.next());
    let entry = planipref_store::AuditEntry {
        action: "updated",
        before: json(&before),
        ..audit(agent, &site, "motif", &motif.id, &after, now)
    };
    store
        .set_motif_translations(&motif.id, if_match.0, &rows, &entry)
        .map_err(|e| ApiError::from_store(e, "motif"))?;
    Ok(after)
}

/// Orientation `oriented` with its motifs' texts in the applicant's
/// language ([`localize`]), as JSON, and the languages it holds.
pub fn localize_orientation(
    store: &Store,
    oriented: &Orientation,
    wanted: &AcceptLanguage,
) -> Result<(String, Vec<String>), ApiError> {
    let mut localized = oriented.clone();
    let offers: Vec<&mut SiteOffer> = localized
        .competent
        .iter_mut()
        .chain(localized.other_sites.iter_mut())
        .collect();
    let mut motifs: Vec<Motif> = offers.iter().map(|o| o.motif.clone()).collect();
    let languages = localize(store, &mut motifs, wanted)?;
    for (offer, motif) in offers.into_iter().zip(motifs) {
        offer.motif = motif;
    }
    let json = serde_json::to_string(&localized).map_err(|e| {
        log::error!("serialising an orientation failed: {e}");
        ApiError::Internal
    })?;
    Ok((json, languages))
}
