//! Motifs: what a site books, as the API shows and takes them.

use crate::model::examples::MOTIF_ID;
use crate::model::examples::SITE_ID;
use crate::model::page::PageInfo;
use planipref_domain::motif::MotifInput;
use planipref_domain::motif::MotifSettingsInput;
use planipref_store::models::MotifRow;
use planipref_store::models::ServiceRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The service a motif belongs to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceRef {
    /// Identifier.
    #[schema(example = "0b8f2f0a-3b1c-4a57-8f3e-6e1f8d7c2b10")]
    pub id: String,
    /// Name.
    #[schema(example = "Bureau du séjour des étrangers")]
    pub name: String,
}

/// What a site books.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Motif {
    /// Identifier, to ask for its slots.
    #[schema(example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00")]
    pub id: String,
    /// The site where it is booked.
    #[schema(example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")]
    pub site_id: String,
    /// Its service.
    pub service: ServiceRef,
    /// Label shown to applicants.
    #[schema(example = "Renouvellement de titre de séjour")]
    pub label: String,
    /// The language of its texts (label, description, instructions,
    /// documents): `fr`, or, in public reads, the translation that best
    /// fits the request's `Accept-Language`.
    #[schema(example = "fr")]
    pub language: String,
    /// What to know and bring.
    #[schema(
        example = "Apportez le titre actuel, passeport, justificatif de domicile et 3 photos."
    )]
    pub description: String,
    /// Length of one appointment, in minutes.
    #[schema(example = 30)]
    pub duration_minutes: i32,
    /// The national démarche it books, if any.
    #[schema(example = "sejour-renouvellement")]
    pub demarche_code: Option<String>,
    /// Slots open this many days ahead.
    #[schema(example = 90)]
    pub booking_window_days: i32,
    /// Booking closes this many hours before a slot.
    #[schema(example = 24)]
    pub min_notice_hours: i32,
    /// Online cancellation closes this many hours before the appointment.
    #[schema(example = 24)]
    pub cancellation_deadline_hours: i32,
    /// Documents to bring, one per line.
    #[schema(example = json!(["Titre de séjour en cours", "Passeport en cours de validité"]))]
    pub documents: Vec<String>,
    /// Most persons one appointment may be for.
    #[schema(example = 1)]
    pub max_persons: i32,
    /// Whether each person beyond the first adds `duration_minutes`.
    #[schema(example = false)]
    pub duration_per_person: bool,
    /// What the applicant is told once booked.
    #[schema(example = "Présentez-vous 10 minutes avant l'heure, porte B.")]
    pub instructions: String,
    /// `online`: anyone may book; `convocation_only`: only with an agent's
    /// convocation (its slots are not offered to the public).
    #[schema(value_type = crate::model::codes::BookingMode, example = "online")]
    pub booking_mode: String,
    /// When its appointments are reminded by e-mail and SMS: hours before
    /// the start, largest first (a reminder falling between 21:00 and 08:00
    /// at the site comes at 20:00 the evening before).
    #[schema(example = json!([48, 24]))]
    pub reminders: Vec<u32>,
    /// Minutes between two start times of a plage (the duration unless the
    /// préfecture set another step).
    #[schema(example = 30)]
    pub step_minutes: i32,
    /// Whether one person may hold only one coming appointment of this
    /// motif's démarche.
    #[schema(example = true)]
    pub refuse_doublons: bool,
    /// Whether it is searched, held and booked only with the router's
    /// signed context (`X-Planipref-Context`).
    #[schema(example = false)]
    pub requires_context: bool,
    /// The fields that follow the national démarche (and its future
    /// changes) rather than the préfecture's own value.
    #[schema(example = json!(["label", "description", "documents", "duration_minutes"]))]
    pub follows_demarche: Vec<String>,
    /// Its version (also its `ETag` for administrators), raised by each
    /// change, its démarche's included: send it in `If-Match` to change
    /// the motif.
    #[schema(example = 1, minimum = 1)]
    pub version: i32,
}

impl Motif {
    /// From its rows.
    pub fn from_rows(m: MotifRow, s: ServiceRow) -> Self {
        let demarche_code = m.demarche_code.clone();
        let documents = m.document_list();
        let reminders = m.reminder_list();
        Self {
            version: m.revision,
            id: m.id,
            site_id: s.site_id,
            service: ServiceRef {
                id: s.id,
                name: s.name,
            },
            label: m.label,
            language: planipref_domain::language::SOURCE_LANGUAGE.to_owned(),
            description: m.description,
            duration_minutes: m.duration_minutes,
            demarche_code: demarche_code.clone(),
            booking_window_days: m.booking_window_days,
            min_notice_hours: m.min_notice_hours,
            cancellation_deadline_hours: m.cancellation_deadline_hours,
            documents,
            max_persons: m.max_persons,
            duration_per_person: m.duration_per_person,
            follows_demarche: if demarche_code.is_some() {
                [
                    ("label", m.label_overridden),
                    ("description", m.description_overridden),
                    ("documents", m.documents_overridden),
                    ("duration_minutes", m.duration_overridden),
                    ("booking_window_days", m.booking_window_overridden),
                    ("min_notice_hours", m.min_notice_overridden),
                    (
                        "cancellation_deadline_hours",
                        m.cancellation_deadline_overridden,
                    ),
                ]
                .into_iter()
                .filter(|(_, own)| !own)
                .map(|(f, _)| f.to_owned())
                .collect()
            } else {
                vec![]
            },
            reminders,
            instructions: m.instructions,
            booking_mode: m.booking_mode,
            step_minutes: m.step_minutes.unwrap_or(m.duration_minutes),
            refuse_doublons: m.refuse_doublons,
            requires_context: m.requires_context,
        }
    }
}

crate::http::version::versioned_by_field!(Motif);

/// A motif's settings. On creation, fields that a démarche provides
/// (label, description, documents, duration, booking rules) follow it when
/// left out. On change (`PUT`), those fields left out follow the démarche
/// again (national defaults for booking rules of a motif without one),
/// while the motif's own settings (persons, instructions, booking mode)
/// left out keep their value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MotifRequest {
    /// The démarche it books (`GET /api/v1/demarches`); on creation only.
    #[serde(default)]
    #[schema(example = "sejour-renouvellement")]
    pub demarche_code: Option<String>,
    /// Label shown to applicants, unique in the service; required without a démarche.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 150, example = json!(null))]
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000E-\\u001F\\u007F-\\u0084\\u0086-\\u009F]*$"
    )]
    pub label: Option<String>,
    /// What to know.
    #[serde(default)]
    #[schema(max_length = 4000, example = json!(null))]
    #[schema(pattern = "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]*$")]
    pub description: Option<String>,
    /// Documents to bring, one per line (at most 30, 300 characters each).
    #[serde(default)]
    #[schema(example = json!(null))]
    #[schema(schema_with = crate::model::patterns::documents)]
    pub documents: Option<Vec<String>>,
    /// Length of one appointment: a multiple of 5 minutes, 5 to 240; required without a démarche.
    #[serde(default)]
    #[schema(minimum = 5, maximum = 240, multiple_of = 5, example = 20)]
    pub duration_minutes: Option<u32>,
    /// Slots open this many days ahead (1–366; national default 90).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 366, example = 90)]
    pub booking_window_days: Option<u32>,
    /// Booking closes this many hours before a slot (0–720; national default 24).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 720, example = 24)]
    pub min_notice_hours: Option<u32>,
    /// The applicant may cancel online until this many hours before (0–720; national default 24).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 720, example = 24)]
    pub cancellation_deadline_hours: Option<u32>,
    /// Most persons one appointment may be for (1–10; default 1).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 10, example = 1)]
    pub max_persons: Option<u32>,
    /// Whether each person beyond the first adds the duration (default
    /// false); the longest group appointment is then 480 minutes.
    #[serde(default)]
    #[schema(example = false)]
    pub duration_per_person: Option<bool>,
    /// What the applicant is told once booked (at most 4000 characters).
    #[serde(default)]
    #[schema(
        max_length = 4000,
        example = "Présentez-vous 10 minutes avant l'heure, porte B."
    )]
    #[schema(pattern = "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]*$")]
    pub instructions: Option<String>,
    /// `online` (default) or `convocation_only`.
    #[serde(default)]
    #[schema(value_type = Option<crate::model::codes::BookingMode>, example = "online")]
    pub booking_mode: Option<String>,
    /// Minutes between two start times of a plage: a multiple of 5, 5 to
    /// 240. Shorter than the duration, consecutive starts overlap (several
    /// guichets take turns); longer, the guichet has a pause between
    /// appointments. `null` returns to the duration (the default); left
    /// out, it keeps its value.
    #[serde(default, deserialize_with = "crate::model::fields::present")]
    #[schema(value_type = Option<u32>, nullable, minimum = 5, maximum = 240, multiple_of = 5, example = 15)]
    pub step_minutes: Option<Option<u32>>,
    /// Whether one person may hold only one coming appointment of this
    /// motif's démarche (nationally; compared by foreigner file number, else
    /// by names and birth date without case, accents or spaces). Default
    /// true; false for démarches a family books several times.
    #[serde(default)]
    #[schema(example = true)]
    pub refuse_doublons: Option<bool>,
    /// Whether it is searched, held and booked only with the router's
    /// signed context (`X-Planipref-Context`, from service-public.fr).
    /// Default false.
    #[serde(default)]
    #[schema(example = false)]
    pub requires_context: Option<bool>,
    /// When appointments are reminded: up to 3 different numbers of hours
    /// before the start, each 1 to 336 (`[]`: no reminder). Default
    /// `[48, 24]`; left out, it keeps its value.
    #[serde(default)]
    #[schema(max_items = 3, example = json!([72, 24]))]
    pub reminders: Option<Vec<u32>>,
}

impl MotifRequest {
    pub fn input(&self) -> MotifInput<'_> {
        MotifInput {
            label: self.label.as_deref(),
            description: self.description.as_deref(),
            documents: self.documents.as_deref(),
            duration_minutes: self.duration_minutes,
            booking_window_days: self.booking_window_days,
            min_notice_hours: self.min_notice_hours,
            cancellation_deadline_hours: self.cancellation_deadline_hours,
        }
    }

    pub fn settings(&self) -> MotifSettingsInput<'_> {
        MotifSettingsInput {
            max_persons: self.max_persons,
            duration_per_person: self.duration_per_person,
            instructions: self.instructions.as_deref(),
            booking_mode: self.booking_mode.as_deref(),
            step_minutes: self.step_minutes,
            refuse_doublons: self.refuse_doublons,
            requires_context: self.requires_context,
            reminder_hours: self.reminders.as_deref(),
        }
    }
}

/// A page of motifs.
pub type MotifPage = crate::model::page::Page<Motif>;
crate::model::page::listed!(
    Motif,
    "MotifPage",
    "A page of motifs.",
    "The motifs, by service then label."
);

/// A page of motifs.
pub fn example_motif_page() -> MotifPage {
    MotifPage {
        items: vec![crate::model::motif::example_motif()],
        page: PageInfo {
            page: 1,
            per_page: 50,
            total: 1,
        },
    }
}

/// A motif.
pub fn example_motif() -> Motif {
    Motif {
        id: MOTIF_ID.into(),
        site_id: SITE_ID.into(),
        service: ServiceRef {
            id: "0b8f2f0a-3b1c-4a57-8f3e-6e1f8d7c2b10".into(),
            name: "Bureau du séjour des étrangers".into(),
        },
        label: "Renouvellement de titre de séjour".into(),
        language: "fr".into(),
        description: "Apportez le titre actuel, passeport, justificatif de domicile et 3 photos."
            .into(),
        duration_minutes: 30,
        demarche_code: Some("sejour-renouvellement".into()),
        booking_window_days: 90,
        min_notice_hours: 24,
        cancellation_deadline_hours: 24,
        documents: vec![
            "Titre de séjour en cours".into(),
            "Passeport en cours de validité".into(),
            "Justificatif de domicile de moins de 3 mois".into(),
        ],
        max_persons: 1,
        duration_per_person: false,
        instructions: "Présentez-vous 10 minutes avant l'heure, porte B.".into(),
        booking_mode: "online".into(),
        reminders: vec![48, 24],
        step_minutes: 30,
        refuse_doublons: true,
        requires_context: false,
        version: 1,
        follows_demarche: vec![
            "label".into(),
            "documents".into(),
            "duration_minutes".into(),
            "booking_window_days".into(),
            "min_notice_hours".into(),
            "cancellation_deadline_hours".into(),
        ],
    }
}
