//! Translations of a motif's texts, as administrators read and set them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A motif's texts in one language other than French.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MotifTranslation {
    /// Its language (BCP 47: `en`, `ar`, `pt-BR`…).
    #[schema(example = "en")]
    pub language: String,
    /// Label.
    #[schema(example = "Residence permit renewal")]
    pub label: String,
    /// What to know and bring.
    #[schema(example = "Bring your current permit, passport, proof of address and 3 photos.")]
    pub description: String,
    /// What the applicant is told once booked.
    #[schema(example = "Please arrive 10 minutes early, door B.")]
    pub instructions: String,
    /// Documents to bring, as many as in French, in the same order.
    #[schema(example = json!(["Current residence permit", "Valid passport"]))]
    pub documents: Vec<String>,
    /// Whether it was made from the French as it is now. Once the French
    /// changes (by the préfecture, or by its démarche), applicants read
    /// the French instead until the translation is set again.
    #[schema(example = true)]
    pub up_to_date: bool,
}

/// Every translation of a motif.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MotifTranslations {
    /// The motif.
    #[schema(example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00")]
    pub motif_id: String,
    /// Its translations, by language. French, the motif's own texts, is
    /// not listed: it is the motif.
    pub translations: Vec<MotifTranslation>,
    /// The motif's version (also the `ETag`): send it in `If-Match` to
    /// set the translations.
    #[schema(example = 4, minimum = 1)]
    pub version: i32,
}

crate::http::version::versioned_by_field!(MotifTranslations);

/// A motif's texts in one language, as sent.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MotifTranslationInput {
    /// Its language: a BCP 47 tag (`en`, `ar`, `pt-BR`), not `fr`.
    #[schema(example = "en")]
    pub language: String,
    /// Label (1 to 150 characters).
    #[schema(example = "Residence permit renewal")]
    pub label: String,
    /// What to know and bring; required when the motif has a description.
    #[serde(default)]
    #[schema(example = "Bring your current permit, passport, proof of address and 3 photos.")]
    pub description: String,
    /// What the applicant is told once booked; required when the motif
    /// has instructions.
    #[serde(default)]
    #[schema(example = "Please arrive 10 minutes early, door B.")]
    pub instructions: String,
    /// Documents to bring: as many as the motif lists, in its order.
    #[serde(default)]
    #[schema(example = json!(["Current residence permit", "Valid passport"]))]
    pub documents: Vec<String>,
}

/// A motif's whole set of translations, replacing the former one.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MotifTranslationsUpdate {
    /// At most 20 languages, each once; an empty list removes them all.
    pub translations: Vec<MotifTranslationInput>,
}

/// An example of a motif's translations, for the document.
pub fn example_translations() -> MotifTranslations {
    MotifTranslations {
        motif_id: "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00".into(),
        translations: vec![MotifTranslation {
            language: "en".into(),
            label: "Residence permit renewal".into(),
            description: "Bring your current permit, passport, proof of address and 3 photos."
                .into(),
            instructions: "Please arrive 10 minutes early, door B.".into(),
            documents: vec!["Current residence permit".into(), "Valid passport".into()],
            up_to_date: true,
        }],
        version: 4,
    }
}
