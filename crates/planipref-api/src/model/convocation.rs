//! Convocations: nominative, single-use invitations to book.

use crate::http::error::ApiError;
use crate::model::examples::MOTIF_ID;
use crate::model::examples::SITE_ID;
use crate::model::examples::at;
use crate::model::examples::day;
use crate::model::fields::at_site;
use crate::model::fields::parse_motif_id;
use crate::model::site::Site;
use chrono::DateTime;
use chrono::FixedOffset;
use chrono::NaiveDate;
use chrono::Utc;
use planipref_domain::FieldError;
use planipref_domain::convocation::ConvocationState;
use planipref_domain::error::Collector;
use planipref_store::ConvocationView;
use planipref_store::from_db;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

/// The convocation token header, for the document.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct ConvocationTokenParam {
    /// The token of the convocation link an agent sent (64 hexadecimal
    /// characters). Needed for motifs booked only with a convocation;
    /// when given for another motif, it is refused.
    #[param(
        rename = "X-Convocation-Token",
        nullable = false,
        pattern = "^[0-9a-f]{64}$",
        example = "8c2f6b1d5e9a3f9a6c1e0b7d4e2a8c5f1d9b3e7a0c4f6b2d8e1a5c9f3b7d0e4a"
    )]
    pub convocation_token: Option<String>,
}

/// The convocation token header where it is the only way in.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct RequiredConvocationTokenParam {
    /// The token of the convocation link an agent sent (64 hexadecimal
    /// characters).
    #[param(
        rename = "X-Convocation-Token",
        pattern = "^[0-9a-f]{64}$",
        example = "8c2f6b1d5e9a3f9a6c1e0b7d4e2a8c5f1d9b3e7a0c4f6b2d8e1a5c9f3b7d0e4a"
    )]
    pub convocation_token: String,
}

/// The person a convocation is for, as the agent sends it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConvocationPersonRequest {
    /// Family name, as on the passport.
    #[schema(min_length = 1, max_length = 100, example = "N'Diaye")]
    pub last_name: String,
    /// Given names, as on the passport.
    #[schema(min_length = 1, max_length = 100, example = "Aïssata Marie")]
    pub first_names: String,
    /// Date of birth, `YYYY-MM-DD`.
    #[schema(format = Date, example = "1990-04-12")]
    pub birth_date: String,
    /// File number, when known (the foreigner's number, 10 digits; an
    /// ANEF or ANTS request number; a NEPH): then it alone identifies the
    /// person when the applicant gives theirs.
    #[schema(
        min_length = 10,
        max_length = 40,
        pattern = "^[0-9A-Za-z -]{10,40}$",
        example = "7501234567"
    )]
    pub file_number: Option<String>,
    /// E-mail the link is sent to (optional; Planipref does not send it).
    #[schema(format = Email, max_length = 254, example = "aissata.ndiaye@example.org")]
    pub email: Option<String>,
    /// Phone (optional).
    #[schema(example = "+33 6 12 34 56 78")]
    pub phone: Option<String>,
}

/// A convocation to issue.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!(crate::model::convocation::example_issue_convocation_request()))]
pub struct IssueConvocationRequest {
    /// The motif it books (of a site in the agent's scope).
    #[schema(format = Uuid, example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00")]
    pub motif_id: String,
    /// Who it is for.
    pub person: ConvocationPersonRequest,
    /// Days the link stays usable, 1 to 180 (default 30).
    #[schema(minimum = 1, maximum = 180, example = 30)]
    pub valid_days: Option<u32>,
    /// First local day the appointment may fall on (optional).
    #[schema(format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2026-12-07")]
    pub earliest_day: Option<String>,
    /// Last local day the appointment may fall on (optional).
    #[schema(format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2026-12-31")]
    pub latest_day: Option<String>,
    /// Send the link to the person: `email` (needs `person.email`), `sms`
    /// (needs a French mobile in `person.phone`); by default nothing is
    /// sent and the agent hands the link over. If the convocation is
    /// revoked, the person is told by the same channels.
    #[schema(value_type = Option<Vec<crate::model::codes::SendChannel>>, example = json!(["email", "sms"]))]
    pub send: Option<Vec<String>>,
    /// The language of what is sent: `fr` (default) or `en`.
    #[schema(value_type = Option<crate::model::codes::Language>, example = "fr")]
    pub language: Option<String>,
    /// The démarches-simplifiées (Démarche numérique) dossier the
    /// convocation follows: its integer id, 1 to 2⁵³ − 1. Shown to agents
    /// on the convocation and on the appointment it books; never to the
    /// person or the public.
    #[schema(minimum = 1, maximum = 9_007_199_254_740_991_i64, example = 12345678)]
    pub ds_dossier_number: Option<i64>,
}

/// The person a convocation names.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConvocationPersonResponse {
    /// Family name.
    #[schema(example = "N'Diaye")]
    pub last_name: String,
    /// Given names.
    #[schema(example = "Aïssata Marie")]
    pub first_names: String,
    /// Date of birth.
    #[schema(value_type = String, format = Date, example = "1990-04-12")]
    pub birth_date: NaiveDate,
    /// Foreigner file number, when known.
    #[schema(example = "7501234567")]
    pub file_number: Option<String>,
    /// E-mail, when given.
    #[schema(example = "aissata.ndiaye@example.org")]
    pub email: Option<String>,
    /// Phone (E.164), when given.
    #[schema(example = "+33612345678")]
    pub phone: Option<String>,
}

/// A convocation as agents see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Convocation {
    /// Identifier (not a secret; the token is).
    #[schema(example = "5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f")]
    pub id: String,
    /// `issued` (usable), `booked` (its appointment is booked), `expired`
    /// or `revoked`. Cancelling the appointment returns it to `issued`
    /// until it expires.
    #[schema(value_type = crate::model::codes::ConvocationState, example = "issued")]
    pub state: String,
    /// The motif it books.
    #[schema(example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00")]
    pub motif_id: String,
    /// The motif's site.
    #[schema(example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11")]
    pub site_id: String,
    /// Who it is for.
    pub person: ConvocationPersonResponse,
    /// Last instant the link books, with the site's offset.
    #[schema(value_type = String, format = DateTime, example = "2026-12-28T10:00:00+01:00")]
    pub valid_until: DateTime<FixedOffset>,
    /// First local day the appointment may fall on.
    #[schema(value_type = Option<String>, format = Date, example = "2026-12-07")]
    pub earliest_day: Option<NaiveDate>,
    /// Last local day the appointment may fall on.
    #[schema(value_type = Option<String>, format = Date, example = "2026-12-31")]
    pub latest_day: Option<NaiveDate>,
    /// The agent who issued it (`agent:<sub>`).
    #[schema(example = "agent:agent-bobigny-1")]
    pub issued_by: String,
    /// When.
    #[schema(value_type = String, format = DateTime, example = "2026-11-28T10:00:00+01:00")]
    pub issued_at: DateTime<FixedOffset>,
    /// The reference of its booked appointment, while one is booked.
    #[schema(example = "K7QX-M3PA")]
    pub reservation_reference: Option<String>,
    /// When it was revoked, if it was.
    #[schema(value_type = Option<String>, format = DateTime, example = json!(null))]
    pub revoked_at: Option<DateTime<FixedOffset>>,
    /// Who revoked it.
    #[schema(example = json!(null))]
    pub revoked_by: Option<String>,
    /// Why.
    #[schema(example = json!(null))]
    pub revoke_reason: Option<String>,
    /// The démarches-simplifiées dossier it follows, when the agent gave
    /// it (for agents only).
    #[schema(example = 12345678)]
    pub ds_dossier_number: Option<i64>,
}

impl Convocation {
    pub fn new(view: ConvocationView, tz: chrono_tz::Tz, now: DateTime<Utc>) -> Self {
        let state = view.state(now).code().to_owned();
        let r = view.row;
        Self {
            id: r.id,
            state,
            motif_id: r.motif_id,
            site_id: r.site_id,
            person: ConvocationPersonResponse {
                last_name: r.last_name,
                first_names: r.first_names,
                birth_date: r.birth_date,
                file_number: r.file_number,
                email: r.email,
                phone: r.phone,
            },
            valid_until: at_site(from_db(r.valid_until), tz),
            earliest_day: r.earliest_day,
            latest_day: r.latest_day,
            issued_by: r.issued_by,
            issued_at: at_site(from_db(r.issued_at), tz),
            reservation_reference: view.booked,
            revoked_at: r.revoked_at.map(|t| at_site(from_db(t), tz)),
            revoked_by: r.revoked_by,
            revoke_reason: r.revoke_reason,
            ds_dossier_number: r.ds_dossier_number,
        }
    }
}

/// A new convocation with its token.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConvocationIssued {
    /// The secret to put in the link sent to the person; the booking page
    /// sends it back in `X-Convocation-Token`. Shown this once: Planipref
    /// keeps only a hash.
    #[schema(example = "8c2f6b1d5e9a3f9a6c1e0b7d4e2a8c5f1d9b3e7a0c4f6b2d8e1a5c9f3b7d0e4a")]
    pub token: String,
    /// The convocation.
    pub convocation: Convocation,
}

/// Which convocations of a site.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConvocationQuery {
    /// Only this motif's.
    #[param(format = Uuid, example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00")]
    pub motif_id: Option<String>,
    /// Only those in this state: `issued`, `booked`, `expired`, `revoked`.
    #[param(value_type = Option<crate::model::codes::ConvocationState>, example = "issued")]
    pub state: Option<String>,
    /// Page number, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000, example = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub per_page: Option<u32>,
}

/// A page of convocations.
pub type ConvocationPage = crate::model::page::Page<Convocation>;
crate::model::page::listed!(
    Convocation,
    "ConvocationPage",
    "A page of convocations.",
    "This page, latest issued first."
);

/// Why a convocation is withdrawn.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Dossier transmis à la sous-préfecture"}))]
pub struct RevokeConvocation {
    /// Why, 3 to 500 characters.
    #[schema(
        min_length = 3,
        max_length = 500,
        example = "Dossier transmis à la sous-préfecture"
    )]
    #[schema(pattern = "^\\s*\\S[\\s\\S]{1,498}\\S\\s*$")]
    pub reason: String,
}

/// A convocation as its holder sees it: what to book, where, until when.
/// Nothing about the person it names.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConvocationSummary {
    /// `issued` (usable), `booked`, `expired` or `revoked`.
    #[schema(value_type = crate::model::codes::ConvocationState, example = "issued")]
    pub state: String,
    /// The motif to book.
    #[schema(example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00")]
    pub motif_id: String,
    /// Its label.
    #[schema(example = "Remise de titre de séjour")]
    pub motif: String,
    /// Where.
    pub site: Site,
    /// Last instant the link books, with the site's offset.
    #[schema(value_type = String, format = DateTime, example = "2026-12-28T10:00:00+01:00")]
    pub valid_until: DateTime<FixedOffset>,
    /// First local day the appointment may fall on.
    #[schema(value_type = Option<String>, format = Date, example = "2026-12-07")]
    pub earliest_day: Option<NaiveDate>,
    /// Last local day the appointment may fall on.
    #[schema(value_type = Option<String>, format = Date, example = "2026-12-31")]
    pub latest_day: Option<NaiveDate>,
}

/// A convocation to issue.
pub fn example_issue_convocation_request() -> Value {
    json!({
        "motif_id": MOTIF_ID,
        "person": {
            "last_name": "N'Diaye",
            "first_names": "Aïssata Marie",
            "birth_date": "1990-04-12",
            "file_number": "7501234567",
            "email": "aissata.ndiaye@example.org"
        },
        "valid_days": 30,
        "earliest_day": "2026-12-07",
        "latest_day": "2026-12-31",
        "ds_dossier_number": 12345678
    })
}

/// A convocation just issued.
pub fn example_convocation_issued() -> crate::model::convocation::ConvocationIssued {
    crate::model::convocation::ConvocationIssued {
        token: "8c2f6b1d5e9a3f9a6c1e0b7d4e2a8c5f1d9b3e7a0c4f6b2d8e1a5c9f3b7d0e4a".into(),
        convocation: crate::model::convocation::example_convocation(),
    }
}

/// A convocation as its holder sees it.
pub fn example_convocation_summary() -> crate::model::convocation::ConvocationSummary {
    crate::model::convocation::ConvocationSummary {
        state: "issued".into(),
        motif_id: MOTIF_ID.into(),
        motif: "Remise de titre de séjour".into(),
        site: crate::model::site::example_site(),
        valid_until: at("2026-12-28T10:00:00+01:00"),
        earliest_day: Some(day("2026-12-07")),
        latest_day: Some(day("2026-12-31")),
    }
}

/// A convocation, as agents see it.
pub fn example_convocation() -> crate::model::convocation::Convocation {
    crate::model::convocation::Convocation {
        id: "5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f".into(),
        state: "issued".into(),
        motif_id: MOTIF_ID.into(),
        site_id: SITE_ID.into(),
        person: crate::model::convocation::ConvocationPersonResponse {
            last_name: "N'Diaye".into(),
            first_names: "Aïssata Marie".into(),
            birth_date: day("1990-04-12"),
            file_number: Some("7501234567".into()),
            email: Some("aissata.ndiaye@example.org".into()),
            phone: None,
        },
        valid_until: at("2026-12-28T10:00:00+01:00"),
        earliest_day: Some(day("2026-12-07")),
        latest_day: Some(day("2026-12-31")),
        issued_by: "agent:agent-bobigny-1".into(),
        issued_at: at("2026-11-28T10:00:00+01:00"),
        reservation_reference: None,
        revoked_at: None,
        revoked_by: None,
        revoke_reason: None,
        ds_dossier_number: Some(12_345_678),
    }
}

/// A checked [`ConvocationQuery`].
#[derive(Debug, Clone)]
pub struct ConvocationsAsked {
    /// Page number and size.
    pub pages: (u32, u32),
    /// Only this motif's.
    pub motif_id: Option<String>,
    /// Only those in this state.
    pub state: Option<ConvocationState>,
}

impl ConvocationQuery {
    /// The query checked, every invalid field named.
    pub fn check(&self) -> Result<ConvocationsAsked, ApiError> {
        let mut c = Collector::default();
        let pages = crate::model::page::Pagination::resolve(self.page, self.per_page);
        let motif_id = self
            .motif_id
            .as_deref()
            .and_then(|m| c.take(parse_motif_id(Some(m))))
            .map(|m| m.to_string());
        let state = self.state.as_deref().and_then(|s| {
            c.take(ConvocationState::from_code(s.trim()).ok_or_else(|| {
                FieldError::new("state", "must be issued, booked, expired or revoked")
            }))
        });
        match (pages, c.finish().map_err(ApiError::from)) {
            (Ok(pages), Ok(())) => Ok(ConvocationsAsked {
                pages,
                motif_id,
                state,
            }),
            (Err(ApiError::Validation(mut a)), Err(ApiError::Validation(b))) => {
                a.extend(b);
                Err(ApiError::Validation(a))
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
        }
    }
}
