//! Who the agent is, as their token says.

use serde::Serialize;
use utoipa::ToSchema;

/// The agent a token names.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// Agent id (`sub`).
    #[schema(example = "a.martin@interieur.gouv.fr")]
    pub sub: String,
    /// Display name.
    #[schema(example = "Anne Martin")]
    pub name: String,
    /// `agent`, `admin_prefecture` or `admin_national`.
    #[schema(value_type = crate::model::codes::Role, example = "admin_prefecture")]
    pub role: String,
    /// Site ids (`agent`) or département codes (`admin_prefecture`); empty
    /// for `admin_national`, whose scope is everything.
    #[schema(example = json!(["93"]))]
    pub scope: Vec<String>,
}
