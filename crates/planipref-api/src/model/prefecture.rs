//! Préfectures and their anti-capture settings.

use planipref_store::models::PrefectureRow;
use planipref_store::models::PrefectureRulesRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A new préfecture.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrefectureRequest {
    /// The département's INSEE code (`01`…`95`, `2A`, `2B`, `971`…`978`).
    #[schema(
        pattern = "^(0[1-9]|[1-8][0-9]|9[0-5]|2[AaBb]|97[1-8])$",
        example = "2A"
    )]
    pub code: String,
    /// Official name.
    #[schema(
        min_length = 1,
        max_length = 150,
        example = "Préfecture de la Corse-du-Sud"
    )]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub name: String,
    /// The département's name.
    #[schema(min_length = 1, max_length = 100, example = "Corse-du-Sud")]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub departement_name: String,
}

/// A préfecture.
#[derive(Debug, Serialize, ToSchema)]
pub struct Prefecture {
    /// The département's INSEE code.
    #[schema(example = "2A")]
    pub code: String,
    /// Official name.
    #[schema(example = "Préfecture de la Corse-du-Sud")]
    pub name: String,
    /// The département's name.
    #[schema(example = "Corse-du-Sud")]
    pub departement_name: String,
    /// Its version (also its `ETag`), raised by each change of its names
    /// or anti-capture settings: send it in `If-Match` to change them.
    #[schema(example = 1, minimum = 1)]
    pub version: i32,
}

crate::http::version::versioned_by_field!(Prefecture, AntiCapture);

impl From<PrefectureRow> for Prefecture {
    fn from(r: PrefectureRow) -> Self {
        Self {
            code: r.code,
            name: r.name,
            departement_name: r.departement_name,
            version: r.revision,
        }
    }
}

/// A page of préfectures.
pub type PrefecturePage = crate::model::page::Page<Prefecture>;
crate::model::page::listed!(
    Prefecture,
    "PrefecturePage",
    "A page of préfectures.",
    "By code."
);

/// A préfecture's new names.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrefectureUpdate {
    /// Official name.
    #[schema(
        min_length = 1,
        max_length = 150,
        example = "Préfecture de la Corse-du-Sud"
    )]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub name: String,
    /// The département's name.
    #[schema(min_length = 1, max_length = 100, example = "Corse-du-Sud")]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub departement_name: String,
}

pub fn prefecture_example() -> serde_json::Value {
    serde_json::json!({"code": "2A", "name": "Préfecture de la Corse-du-Sud", "departement_name": "Corse-du-Sud", "version": 1})
}

/// A préfecture's anti-capture settings.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[schema(example = json!(anti_capture_example()))]
pub struct AntiCapture {
    /// A cancelled or moved appointment's time is offered again after a
    /// random delay of at least this many minutes (0–1440; default 5)…
    #[schema(example = 5)]
    pub release_delay_min_minutes: u32,
    /// …and at most this many (≥ the least; default 60). 0 and 0: at once.
    #[schema(example = 60)]
    pub release_delay_max_minutes: u32,
    /// Each motif's newest day (today plus its booking window) opens at a
    /// random moment of a window starting this many minutes after local
    /// midnight (0–1439; default 420, 07:00)…
    #[schema(example = 420)]
    pub opening_start_minute: u32,
    /// …and lasting this many minutes (0–1440; default 180: between 07:00
    /// and 10:00). The moment differs per motif and day, is the same on
    /// every server, and cannot be computed outside.
    #[schema(example = 180)]
    pub opening_window_minutes: u32,
    /// Most coming appointments one person (foreigner file number, or
    /// names and birth date) may hold at once across all démarches, when
    /// booking at this préfecture (1–20; default 3).
    #[schema(example = 3)]
    pub max_active_per_person: u32,
    /// What convocations did not take of the convocation counters is
    /// offered to the public this many hours before its day (0–720; 0:
    /// never; default 48).
    #[schema(example = 48)]
    pub convocation_release_hours: u32,
    /// The préfecture's version (also the `ETag`): send it in `If-Match`
    /// to change these settings.
    #[schema(example = 1, minimum = 1)]
    pub version: i32,
}

pub fn anti_capture_example() -> serde_json::Value {
    serde_json::json!({
        "release_delay_min_minutes": 5, "release_delay_max_minutes": 60,
        "opening_start_minute": 420, "opening_window_minutes": 180,
        "max_active_per_person": 3, "convocation_release_hours": 48, "version": 1
    })
}

impl AntiCapture {
    /// The settings of `r`, at the préfecture's `version`.
    pub fn new(r: PrefectureRulesRow, version: i32) -> Self {
        let n = |v: i32| u32::try_from(v).unwrap_or(0);
        Self {
            version,
            release_delay_min_minutes: n(r.release_delay_min_minutes),
            release_delay_max_minutes: n(r.release_delay_max_minutes),
            opening_start_minute: n(r.opening_start_minute),
            opening_window_minutes: n(r.opening_window_minutes),
            max_active_per_person: n(r.max_active_per_person),
            convocation_release_hours: n(r.convocation_release_hours),
        }
    }
}

/// New anti-capture settings; those left out keep their value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"release_delay_min_minutes": 10, "release_delay_max_minutes": 90}))]
pub struct AntiCaptureUpdate {
    /// Least release delay, minutes (0–1440).
    #[schema(minimum = 0, maximum = 1440)]
    pub release_delay_min_minutes: Option<u32>,
    /// Greatest release delay, minutes (0–1440, ≥ the least).
    #[schema(minimum = 0, maximum = 1440)]
    pub release_delay_max_minutes: Option<u32>,
    /// Start of the opening window, minutes after local midnight (0–1439).
    #[schema(minimum = 0, maximum = 1439)]
    pub opening_start_minute: Option<u32>,
    /// Length of the opening window, minutes (0–1440).
    #[schema(minimum = 0, maximum = 1440)]
    pub opening_window_minutes: Option<u32>,
    /// Most coming appointments per person across démarches (1–20).
    #[schema(minimum = 1, maximum = 20)]
    pub max_active_per_person: Option<u32>,
    /// Hours before a day when convocation counters' free time is offered
    /// to the public (0–720; 0: never).
    #[schema(minimum = 0, maximum = 720)]
    pub convocation_release_hours: Option<u32>,
}

impl PrefectureUpdate {
    /// The préfecture's and its département's names, checked.
    pub fn check(&self) -> Result<(String, String), crate::http::error::ApiError> {
        use planipref_domain::text::check_name;
        let mut c = planipref_domain::error::Collector::default();
        let name = c.take(check_name("name", &self.name, 150));
        let departement_name = c.take(check_name("departement_name", &self.departement_name, 100));
        c.finish()?;
        name.zip(departement_name)
            .ok_or(crate::http::error::ApiError::Internal)
    }
}

impl AntiCaptureUpdate {
    /// `before` with the settings this update gives, at `version`.
    pub fn over(&self, before: AntiCapture, version: i32) -> AntiCapture {
        AntiCapture {
            version,
            release_delay_min_minutes: self
                .release_delay_min_minutes
                .unwrap_or(before.release_delay_min_minutes),
            release_delay_max_minutes: self
                .release_delay_max_minutes
                .unwrap_or(before.release_delay_max_minutes),
            opening_start_minute: self
                .opening_start_minute
                .unwrap_or(before.opening_start_minute),
            opening_window_minutes: self
                .opening_window_minutes
                .unwrap_or(before.opening_window_minutes),
            max_active_per_person: self
                .max_active_per_person
                .unwrap_or(before.max_active_per_person),
            convocation_release_hours: self
                .convocation_release_hours
                .unwrap_or(before.convocation_release_hours),
        }
    }
}

impl AntiCapture {
    /// The settings as stored, once the domain accepts them together (the
    /// least delay at most the greatest, a quota of at least one…).
    pub fn to_row(&self) -> Result<PrefectureRulesRow, planipref_domain::DomainError> {
        use planipref_domain::DomainError;
        let release = planipref_domain::release::ReleaseRules {
            delay_min_minutes: self.release_delay_min_minutes,
            delay_max_minutes: self.release_delay_max_minutes,
            opening_start_minute: self.opening_start_minute,
            opening_window_minutes: self.opening_window_minutes,
        }
        .check();
        let quota =
            planipref_domain::quota::check_max_active_per_person(self.max_active_per_person);
        let channels =
            planipref_domain::channel::check_release_hours(self.convocation_release_hours);
        DomainError::both(DomainError::both(release, quota), channels)?;
        let n = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        Ok(PrefectureRulesRow {
            release_delay_min_minutes: n(self.release_delay_min_minutes),
            release_delay_max_minutes: n(self.release_delay_max_minutes),
            opening_start_minute: n(self.opening_start_minute),
            opening_window_minutes: n(self.opening_window_minutes),
            max_active_per_person: n(self.max_active_per_person),
            convocation_release_hours: n(self.convocation_release_hours),
        })
    }
}
