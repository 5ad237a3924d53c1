//! The text rules the domain applies, written as the document's patterns
//! (JSON Schema, ECMA-262 syntax) so that clients generated from it, and
//! schema-driven fuzzers, send what the server takes. Each constant is
//! repeated in the `#[schema(pattern = …)]` attributes (utoipa takes only
//! literals there); the api test `openapi` checks every one of them.

/// A name or label (`check_name`): at least one visible character; no
/// control character but whitespace, which is collapsed.
pub const NAME: &str = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$";

/// A description or instructions (`check_description`): no control
/// character but tabs and newlines.
pub const DESCRIPTION: &str = "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]*$";

/// An agent's reason for a change (`check_reason`): 3 to 500 characters
/// once trimmed.
pub const REASON: &str = "^\\s*\\S[\\s\\S]{1,498}\\S\\s*$";

/// A day a search or a setting may name: 2000 to 2100
/// (`planipref_domain::slots::parse_search_date`).
pub const SEARCH_DATE: &str = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$";

/// The schema of a list of documents to bring (`check_documents`): at
/// most 30, each a name of at most 300 characters.
pub fn documents() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(planipref_domain::motif::MAX_DOCUMENT_CHARS))
                .pattern(Some(NAME)),
        )
        .max_items(Some(planipref_domain::motif::MAX_DOCUMENTS))
        .unique_items(true)
        .description(Some(
            "Documents to bring, one per entry (at most 30, 300 characters each, each once).",
        ))
        .examples([serde_json::json!([
            "Titre de séjour en cours",
            "Passeport en cours de validité"
        ])])
        .build()
}
