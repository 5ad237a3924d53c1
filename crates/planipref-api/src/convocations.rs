//! Convocations: agents invite a named person to book; the person's link
//! carries a secret token (header `X-Convocation-Token`) that unlocks a
//! convocation-only motif's slots and books one appointment for that
//! person only.

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use planipref_domain::access::{Agent, check_reason};
use planipref_domain::convocation::{
    ConvocationPerson, ConvocationPersonInput, ConvocationState, ConvocationTerms, DayWindow,
    Refusal,
};
use planipref_domain::error::Collector;
use planipref_domain::ids::{ConvocationId, MotifId, SiteId};
use planipref_domain::reference::{ManagementToken, hash_token};
use planipref_domain::{DomainError, FieldError};
use planipref_store::AuditEntry;
use planipref_store::{
    ConvocationFilter, ConvocationUse, ConvocationView, NewConvocation, Store, from_db,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::AuthenticatedAgent;
use crate::dto::{PageInfo, Pagination, Site, at_site, may_read, site_zone};
use crate::error::{ApiError, Problem};
use crate::extract::{ConvocationTokenHeader, JsonBody, QueryParams};
use crate::reservations::{NO_STORE, parse_motif_id, random_bytes};
use crate::slots::Access;
use crate::state::AppState;

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

/// What a request may see and book of a motif, given the convocation it
/// presents: `Public` without one (a convocation-only motif is refused),
/// else that convocation's days, checked usable for the motif now.
pub fn access_for(
    store: &Store,
    token: &ConvocationTokenHeader,
    motif_id: MotifId,
    now: DateTime<Utc>,
) -> Result<(Access, Option<ConvocationUse>), ApiError> {
    let Some(token) = &token.0 else {
        return Ok((Access::Public, None));
    };
    let view = presented(store, token)?;
    view.presented()
        .check_usable(&motif_id.to_string(), now)
        .map_err(ApiError::Convocation)?;
    Ok((
        Access::Convoked(view.days()),
        Some(ConvocationUse {
            id: view.row.id.clone(),
        }),
    ))
}

/// The convocation whose token is `token` (403 `convocation-invalid`
/// when none).
fn presented(store: &Store, token: &str) -> Result<ConvocationView, ApiError> {
    store
        .convocation_by_token(&hash_token(token))
        .map_err(|e| match e {
            planipref_store::StoreError::NotFound => ApiError::Convocation(Refusal::Unknown),
            other => ApiError::from_store(other, "convocation"),
        })
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
    /// Foreigner file number (10 digits), when known: then it alone
    /// identifies the person when the applicant gives theirs.
    #[schema(pattern = "^[0-9]{10}$", example = "7501234567")]
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
#[schema(example = json!(crate::examples::issue_convocation_request()))]
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
    #[schema(value_type = crate::codes::ConvocationState, example = "issued")]
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
}

impl Convocation {
    fn new(view: ConvocationView, tz: chrono_tz::Tz, now: DateTime<Utc>) -> Self {
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

/// Issue a convocation
///
/// Invites a named person to book the motif: the answer's token goes in
/// the link the agent sends. With it, and only for that person (same
/// names and birth date, or the same foreigner file number), the motif's
/// slots are offered and one appointment can be booked, within the days
/// given, until the convocation expires. For agents whose scope covers the
/// motif's site.
#[utoipa::path(
    tag = "convocations",
    security(("bearer" = [])),
    request_body(content = IssueConvocationRequest),
    responses(
        (status = 201, description = "Issued. `Location` points at it.", body = ConvocationIssued,
         headers(("Location" = String, description = "Path of the convocation"), ("Cache-Control" = String, description = "`no-store`: the body holds a secret")),
         example = json!(crate::examples::convocation_issued())),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The motif's site is outside the agent's scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such motif", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (`motif_id`, `person.*`, `valid_days`, `earliest_day`, `latest_day`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[post("/admin/convocations")]
pub async fn issue_convocation(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    JsonBody(body): JsonBody<IssueConvocationRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = Utc::now();
    let (motif_id, person) = validate_issue(&body, now)?;
    let token = ManagementToken::from_random_bytes(&random_bytes()?);
    let token_hash = token.hash();
    let issued = state
        .blocking(move |store| {
            let (_, _, site) = store
                .get_motif(&motif_id.to_string())
                .map_err(|e| ApiError::from_store(e, "motif"))?;
            may_read(&agent, &site)?;
            let site_id: SiteId = site.id.parse().map_err(|_| ApiError::Internal)?;
            let tz = site_zone(&site)?;
            let today = now.with_timezone(&tz).date_naive();
            let terms = ConvocationTerms::parse(
                body.valid_days,
                body.earliest_day.as_deref(),
                body.latest_day.as_deref(),
                now,
                today,
            )?;
            let id = ConvocationId::new_random();
            // The trail names the convocation and its terms, never the
            // person (agents read that in the convocation itself).
            let audit = AuditEntry {
                after: crate::audit::json(&serde_json::json!({
                    "motif_id": motif_id.to_string(),
                    "valid_until": terms.valid_until,
                    "earliest_day": terms.days.earliest,
                    "latest_day": terms.days.latest,
                })),
                ..crate::audit::site_entry(&agent, &site, "convocation", &id.to_string(), "created")
            };
            let view = store
                .create_convocation(
                    &NewConvocation {
                        id,
                        token_hash,
                        site_id,
                        motif_id,
                        person,
                        terms,
                        issued_by: agent.actor(),
                        now,
                    },
                    Some(&audit),
                )
                .map_err(|e| ApiError::from_store(e, "motif"))?;
            Ok(Convocation::new(view, tz, now))
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            LOCATION,
            format!("/api/v1/admin/convocations/{}", issued.id),
        ))
        .insert_header(NO_STORE)
        .json(ConvocationIssued {
            token: token.expose().to_owned(),
            convocation: issued,
        }))
}

/// The motif and the person, every invalid field reported at once.
fn validate_issue(
    body: &IssueConvocationRequest,
    now: DateTime<Utc>,
) -> Result<(MotifId, ConvocationPerson), ApiError> {
    let mut c = Collector::default();
    let motif_id = c.take(parse_motif_id(Some(&body.motif_id)));
    let p = &body.person;
    let input = ConvocationPersonInput {
        last_name: &p.last_name,
        first_names: &p.first_names,
        birth_date: &p.birth_date,
        file_number: p.file_number.as_deref(),
        email: p.email.as_deref(),
        phone: p.phone.as_deref(),
    };
    // The latest calendar date anywhere (UTC+14), as for applicants.
    let latest_today = (now + Duration::hours(14)).date_naive();
    let person = match ConvocationPerson::parse(input, latest_today) {
        Ok(person) => Some(person),
        Err(DomainError::Invalid(errors)) => {
            for e in errors {
                c.push(FieldError::new(format!("person.{}", e.field), e.message));
            }
            None
        }
        Err(e) => return Err(e.into()),
    };
    c.finish()?;
    motif_id.zip(person).ok_or(ApiError::Internal)
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
    #[param(value_type = Option<crate::codes::ConvocationState>, example = "issued")]
    pub state: Option<String>,
    /// Page number, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000, example = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub per_page: Option<u32>,
}

/// A page of convocations.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConvocationPage {
    /// This page, latest issued first.
    pub items: Vec<Convocation>,
    /// Where this page stands.
    #[serde(flatten)]
    pub page: PageInfo,
}

/// A site's convocations
///
/// The convocations issued for a site's motifs, latest first, with their
/// state, filtered by motif and state. For agents whose scope covers the
/// site.
#[utoipa::path(
    tag = "convocations",
    security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site"), ConvocationQuery),
    responses(
        (status = 200, description = "The convocations", body = ConvocationPage,
         example = json!({"items": [crate::examples::convocation()], "total": 1, "page": 1, "per_page": 50})),
        (status = 400, description = "Unreadable query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The site is outside the agent's scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `motif_id`, `state`, `page` or `per_page`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/admin/sites/{site_id}/convocations")]
pub async fn site_convocations(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    path: web::Path<String>,
    QueryParams(q): QueryParams<ConvocationQuery>,
) -> Result<HttpResponse, ApiError> {
    let site_id: SiteId = path.parse().map_err(|_| ApiError::NotFound("site"))?;
    let mut c = Collector::default();
    let pages = Pagination::resolve(q.page, q.per_page);
    let motif = q
        .motif_id
        .as_deref()
        .and_then(|m| c.take(parse_motif_id(Some(m))))
        .map(|m| m.to_string());
    let wanted =
        q.state.as_deref().and_then(|s| {
            c.take(ConvocationState::from_code(s.trim()).ok_or_else(|| {
                FieldError::new("state", "must be issued, booked, expired or revoked")
            }))
        });
    let finished = c.finish().map_err(ApiError::from);
    let (page, per_page) = match (pages, finished) {
        (Ok(p), Ok(())) => p,
        (Err(ApiError::Validation(mut a)), Err(ApiError::Validation(b))) => {
            a.extend(b);
            return Err(ApiError::Validation(a));
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    let now = Utc::now();
    let body = state
        .blocking(move |store| {
            let site = store
                .get_site(&site_id.to_string())
                .map_err(|e| ApiError::from_store(e, "site"))?;
            may_read(&agent, &site)?;
            let tz = site_zone(&site)?;
            let offset = i64::from(page - 1) * i64::from(per_page);
            let found = store.site_convocations(
                &site.id,
                ConvocationFilter {
                    motif_id: motif.as_deref(),
                    state: wanted,
                },
                now,
                (offset, i64::from(per_page)),
            )?;
            Ok(ConvocationPage {
                items: found
                    .items
                    .into_iter()
                    .map(|v| Convocation::new(v, tz, now))
                    .collect(),
                page: PageInfo {
                    page,
                    per_page,
                    total: found.total,
                },
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// A convocation
///
/// One convocation, with its state and the appointment it booked. For
/// agents whose scope covers its site.
#[utoipa::path(
    tag = "convocations",
    security(("bearer" = [])),
    params(("convocation_id" = String, Path, format = Uuid, description = "Convocation", example = "5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f")),
    responses(
        (status = 200, description = "The convocation", body = Convocation, example = json!(crate::examples::convocation())),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Its site is outside the agent's scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such convocation", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/admin/convocations/{convocation_id}")]
pub async fn get_convocation(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: ConvocationId = path
        .parse()
        .map_err(|_| ApiError::NotFound("convocation"))?;
    let now = Utc::now();
    let body = state
        .blocking(move |store| {
            let view = store
                .convocation(id)
                .map_err(|e| ApiError::from_store(e, "convocation"))?;
            let (tz, _) = in_scope(store, &agent, &view.row.site_id)?;
            Ok(Convocation::new(view, tz, now))
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

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

/// Revoke a convocation
///
/// Withdraws a convocation: its link books nothing any more. An
/// appointment it already booked stays (cancel it separately). Revoking a
/// revoked convocation changes nothing. The reason is mandatory.
#[utoipa::path(
    tag = "convocations",
    security(("bearer" = [])),
    params(("convocation_id" = String, Path, format = Uuid, description = "Convocation", example = "5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f")),
    request_body(content = RevokeConvocation),
    responses(
        (status = 200, description = "Revoked", body = Convocation, example = json!(crate::examples::convocation())),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Its site is outside the agent's scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such convocation", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or invalid `reason`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[post("/admin/convocations/{convocation_id}/revoke")]
pub async fn revoke_convocation(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    path: web::Path<String>,
    JsonBody(body): JsonBody<RevokeConvocation>,
) -> Result<HttpResponse, ApiError> {
    let reason = check_reason(&body.reason).map_err(|e| ApiError::Validation(vec![e]))?;
    let id: ConvocationId = path
        .parse()
        .map_err(|_| ApiError::NotFound("convocation"))?;
    let now = Utc::now();
    let body = state
        .blocking(move |store| {
            let view = store
                .convocation(id)
                .map_err(|e| ApiError::from_store(e, "convocation"))?;
            let (tz, site) = in_scope(store, &agent, &view.row.site_id)?;
            let audit = AuditEntry {
                before: crate::audit::json(&serde_json::json!({"state": view.state(now).code()})),
                after: crate::audit::json(
                    &serde_json::json!({"state": "revoked", "reason": reason}),
                ),
                ..crate::audit::site_entry(&agent, &site, "convocation", &view.row.id, "updated")
            };
            let view = store
                .revoke_convocation(id, (&agent.actor(), &reason), now, &audit)
                .map_err(|e| ApiError::from_store(e, "convocation"))?;
            Ok(Convocation::new(view, tz, now))
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// The site `site_id` and its zone, when the agent's scope covers it (403
/// otherwise).
fn in_scope(
    store: &Store,
    agent: &Agent,
    site_id: &str,
) -> Result<(chrono_tz::Tz, planipref_store::models::SiteRow), ApiError> {
    let site = store.get_site(site_id).map_err(ApiError::from)?;
    may_read(agent, &site)?;
    Ok((site_zone(&site)?, site))
}

/// A convocation as its holder sees it: what to book, where, until when.
/// Nothing about the person it names.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConvocationSummary {
    /// `issued` (usable), `booked`, `expired` or `revoked`.
    #[schema(value_type = crate::codes::ConvocationState, example = "issued")]
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

/// Read one's convocation
///
/// What the convocation link (header `X-Convocation-Token`) lets its
/// holder book: the motif and site, the days allowed, until when, and
/// whether it is still usable. Then list the motif's slots, hold and book
/// with the same header.
#[utoipa::path(
    tag = "convocations",
    params(RequiredConvocationTokenParam),
    responses(
        (status = 200, description = "The convocation", body = ConvocationSummary, example = json!(crate::examples::convocation_summary())),
        (status = 400, description = "Missing `X-Convocation-Token`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "No convocation has this token (`convocation-invalid`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/convocations/current")]
pub async fn current_convocation(
    state: web::Data<AppState>,
    token: ConvocationTokenHeader,
) -> Result<HttpResponse, ApiError> {
    let token = token.0.ok_or(ApiError::MissingHeader(
        crate::extract::CONVOCATION_TOKEN_HEADER,
    ))?;
    let now = Utc::now();
    let body = state
        .blocking(move |store| {
            let view = presented(store, &token)?;
            let (motif, _, site) = store
                .get_motif(&view.row.motif_id)
                .map_err(ApiError::from)?;
            let tz = site_zone(&site)?;
            let DayWindow { earliest, latest } = view.days();
            Ok(ConvocationSummary {
                state: view.state(now).code().to_owned(),
                motif_id: motif.id,
                motif: motif.label,
                valid_until: at_site(from_db(view.row.valid_until), tz),
                earliest_day: earliest,
                latest_day: latest,
                site: Site::from(site),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header(NO_STORE).json(body))
}
