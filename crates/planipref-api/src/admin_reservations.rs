//! Agents and their sites' appointments: who comes, when and why; cancel
//! one (with a reason), move one, and see everything that happened to it.
//! An agent sees the sites of their scope only (403 otherwise).

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Days, FixedOffset, NaiveDate, Utc};
use planipref_domain::access::check_reason;
use planipref_domain::error::Collector;
use planipref_domain::ids::{ReservationId, SiteId};
use planipref_domain::reference::Reference;
use planipref_domain::slots::{check_range_within, parse_search_date};
use planipref_store::models::{MotifRow, ReservationEventRow, ReservationRow, status};
use planipref_store::{ReservationDetail, Store, from_db};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::dto::{PageInfo, Pagination, at_site, may_read, site_zone};
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{JsonBody, QueryParams};
use crate::manage::move_to;
use crate::security::agent::AuthenticatedAgent;
use crate::state::AppState;

/// Longest range of days one listing covers.
const MAX_LIST_DAYS: i64 = 31;

/// Which appointments of a site.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SiteReservationsQuery {
    /// First local day (default: today at the site).
    #[param(value_type = Option<String>, format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2026-12-01")]
    pub from: Option<String>,
    /// Last local day, at most 31 days after `from` (default: `from`).
    #[param(value_type = Option<String>, format = Date, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "2026-12-01")]
    pub to: Option<String>,
    /// `booked` or `cancelled` (default: both).
    #[param(value_type = Option<crate::model::codes::ReservationStatus>, example = "booked")]
    pub status: Option<String>,
    /// Page number, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000, example = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub per_page: Option<u32>,
}

/// An appointment as agents see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentReservation {
    /// Reference.
    #[schema(example = "K7QX-M3PA")]
    pub reference: String,
    /// `booked` or `cancelled`.
    #[schema(value_type = crate::model::codes::ReservationStatus, example = "booked")]
    pub status: String,
    /// Start, with the site's offset.
    #[schema(value_type = String, format = DateTime, example = "2026-12-01T09:00:00+01:00")]
    pub start: DateTime<FixedOffset>,
    /// End, with the site's offset.
    #[schema(value_type = String, format = DateTime, example = "2026-12-01T09:30:00+01:00")]
    pub end: DateTime<FixedOffset>,
    /// Persons coming.
    #[schema(example = 1)]
    pub persons: u32,
    /// Motif id.
    #[schema(example = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00")]
    pub motif_id: String,
    /// Motif label.
    #[schema(example = "Renouvellement de titre de séjour")]
    pub motif: String,
    /// Family name.
    #[schema(example = "N'Diaye")]
    pub last_name: String,
    /// Given names.
    #[schema(example = "Aïssata Marie")]
    pub first_names: String,
    /// Date of birth.
    #[schema(value_type = String, format = Date, example = "1990-04-12")]
    pub birth_date: NaiveDate,
    /// Nationality, when given.
    #[schema(example = "SEN")]
    pub nationality: Option<String>,
    /// Foreigner file number, when given.
    #[schema(example = "7501234567")]
    pub file_number: Option<String>,
    /// E-mail.
    #[schema(example = "aissata.ndiaye@example.org")]
    pub email: String,
    /// Phone, E.164.
    #[schema(example = "+33612345678")]
    pub phone: String,
    /// A change of the organisation left it without its counter: to move.
    #[schema(example = false)]
    pub needs_rebooking: bool,
    /// Booked at.
    #[schema(value_type = String, format = DateTime, example = "2026-11-28T14:05:12+01:00")]
    pub created_at: DateTime<FixedOffset>,
    /// Cancelled at, if it was.
    #[schema(value_type = Option<String>, format = DateTime, example = json!(null))]
    pub cancelled_at: Option<DateTime<FixedOffset>>,
}

impl AgentReservation {
    fn new(r: ReservationRow, m: &MotifRow, tz: chrono_tz::Tz) -> Self {
        Self {
            reference: r.reference,
            status: r.status,
            start: at_site(from_db(r.starts_at), tz),
            end: at_site(from_db(r.ends_at), tz),
            persons: u32::try_from(r.persons).unwrap_or_default(),
            motif_id: m.id.clone(),
            motif: m.label.clone(),
            last_name: r.last_name,
            first_names: r.first_names,
            birth_date: r.birth_date,
            nationality: r.nationality,
            file_number: r.file_number,
            email: r.email,
            phone: r.phone,
            needs_rebooking: r.needs_rebooking,
            created_at: at_site(from_db(r.created_at), tz),
            cancelled_at: r.cancelled_at.map(|t| at_site(from_db(t), tz)),
        }
    }
}

/// A page of appointments.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentReservationPage {
    /// This page.
    pub items: Vec<AgentReservation>,
    /// Where this page stands.
    #[serde(flatten)]
    pub page: PageInfo,
}

/// A site's appointments
///
/// The appointments of a site between two local days (at most 31), earliest
/// first, with who comes and why. For agents whose scope covers the site.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("site_id" = String, Path, format = Uuid, description = "Site"), SiteReservationsQuery),
    responses(
        (status = 200, description = "The appointments", body = AgentReservationPage,
         example = json!({"items": [crate::model::examples::agent_reservation()], "total": 1, "page": 1, "per_page": 50})),
        (status = 400, description = "Unreadable query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The site is outside the agent's scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `from`, `to`, `status`, `page` or `per_page`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/admin/sites/{site_id}/reservations")]
pub async fn site_reservations(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    path: web::Path<String>,
    QueryParams(q): QueryParams<SiteReservationsQuery>,
) -> Result<HttpResponse, ApiError> {
    let site_id: SiteId = path.parse().map_err(|_| ApiError::NotFound("site"))?;
    let (page, per_page) = Pagination::resolve(q.page, q.per_page)?;
    let only = match q.status.as_deref() {
        None => None,
        Some(s @ (status::BOOKED | status::CANCELLED)) => Some(s.to_owned()),
        Some(_) => return Err(ApiError::invalid("status", "must be booked or cancelled")),
    };
    let from = q
        .from
        .as_deref()
        .map(|d| parse_search_date("from", d))
        .transpose();
    let to =
        q.to.as_deref()
            .map(|d| parse_search_date("to", d))
            .transpose();
    let (from, to) = match (from, to) {
        (Ok(f), Ok(t)) => (f, t),
        (f, t) => {
            let errors = [f.err(), t.err()].into_iter().flatten().collect();
            return Err(ApiError::Validation(errors));
        }
    };
    let now = Utc::now();
    let body = state
        .blocking(move |store| {
            let site = store
                .get_site(&site_id.to_string())
                .map_err(|e| ApiError::from_store(e, "site"))?;
            may_read(&agent, &site)?;
            let tz = site_zone(&site)?;
            let from = from.unwrap_or_else(|| now.with_timezone(&tz).date_naive());
            let to = to.unwrap_or(from);
            check_range_within(from, to, MAX_LIST_DAYS)?;
            let bounds = (
                planipref_domain::time::local_midnight(tz, from),
                planipref_domain::time::local_midnight(tz, to + Days::new(1)),
            );
            let offset = i64::from(page - 1) * i64::from(per_page);
            let found = store
                .site_reservations(
                    &site.id,
                    bounds,
                    only.as_deref(),
                    (offset, i64::from(per_page)),
                )
                .map_err(ApiError::from)?;
            Ok(AgentReservationPage {
                items: found
                    .items
                    .into_iter()
                    .map(|(r, m)| AgentReservation::new(r, &m, tz))
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

/// An agent's reason for a change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Guichet fermé : agent absent"}))]
pub struct CancelAsAgent {
    /// Why (kept in the history), 3 to 500 characters.
    #[schema(
        min_length = 3,
        max_length = 500,
        example = "Guichet fermé : agent absent"
    )]
    #[schema(pattern = "^\\s*\\S[\\s\\S]{1,498}\\S\\s*$")]
    pub reason: String,
}

/// Where an agent moves an appointment, and why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"start": "2026-12-03T14:00:00+01:00", "reason": "Demande de l'usager au guichet"}))]
pub struct RescheduleAsAgent {
    /// The new slot's start (a slot of the same motif).
    #[schema(format = DateTime, pattern = "^(20[0-9]{2}|2100)-", example = "2026-12-03T14:00:00+01:00")]
    pub start: String,
    /// Why (kept in the history), 3 to 500 characters.
    #[schema(
        min_length = 3,
        max_length = 500,
        example = "Demande de l'usager au guichet"
    )]
    #[schema(pattern = "^\\s*\\S[\\s\\S]{1,498}\\S\\s*$")]
    pub reason: String,
}

/// Cancel an appointment (agent)
///
/// Cancels the appointment, whatever the applicant's deadline, and frees
/// its slot. The reason is mandatory and kept in the history with the
/// agent's identity. Cancelling a cancelled appointment changes nothing.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("reference" = String, Path, description = "Reservation reference", example = "K7QX-M3PA")),
    request_body(content = CancelAsAgent),
    responses(
        (status = 200, description = "Cancelled", body = AgentReservation, example = json!(crate::model::examples::agent_reservation())),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The site is outside the agent's scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such reservation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The appointment has started", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or invalid `reason`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[post("/admin/reservations/{reference}/cancel")]
pub async fn cancel_as_agent(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    path: web::Path<String>,
    JsonBody(body): JsonBody<CancelAsAgent>,
) -> Result<HttpResponse, ApiError> {
    let reason = check_reason(&body.reason).map_err(|e| ApiError::Validation(vec![e]))?;
    let now = Utc::now();
    let detail = state
        .blocking(move |store| {
            let mut detail = in_scope(store, &agent, &path)?;
            let r = &detail.reservation;
            if r.status == status::BOOKED {
                if from_db(r.starts_at) <= now {
                    return Err(ApiError::AppointmentPast);
                }
                let id: ReservationId = r.id.parse().map_err(|_| ApiError::Internal)?;
                let release_at = crate::reservations::release_at(store, &detail.site, now)?;
                detail.reservation = store
                    .cancel_reservation(id, (&agent.actor(), Some(&reason)), now, release_at)
                    .map_err(|e| ApiError::from_store(e, "reservation"))?;
            }
            agent_view(detail)
        })
        .await?;
    Ok(HttpResponse::Ok().json(detail))
}

/// Move an appointment (agent)
///
/// Moves the appointment to another slot of its motif, for the same
/// persons, atomically (the old slot is freed only once the new one is
/// secured). The reason is mandatory and kept in the history.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("reference" = String, Path, description = "Reservation reference", example = "K7QX-M3PA")),
    request_body(content = RescheduleAsAgent),
    responses(
        (status = 200, description = "Moved", body = AgentReservation, example = json!(crate::model::examples::agent_reservation())),
        (status = 400, description = "Unreadable body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The site is outside the agent's scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such reservation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new slot is full, or the appointment is cancelled or has started", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or invalid `reason` or `start`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[post("/admin/reservations/{reference}/reschedule")]
pub async fn reschedule_as_agent(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    path: web::Path<String>,
    JsonBody(body): JsonBody<RescheduleAsAgent>,
) -> Result<HttpResponse, ApiError> {
    let mut c = Collector::default();
    let reason = c.take(check_reason(&body.reason));
    let start = c.take(crate::reservations::parse_start(Some(&body.start)));
    c.finish()?;
    let (Some(reason), Some(start)) = (reason, start) else {
        return Err(ApiError::Internal);
    };
    let now = Utc::now();
    let detail = state
        .blocking(move |store| {
            let detail = in_scope(store, &agent, &path)?;
            let actor = agent.actor();
            let moved = move_to(store, detail, start, (&actor, Some(&reason)), now)?;
            agent_view(moved)
        })
        .await?;
    Ok(HttpResponse::Ok().json(detail))
}

/// One entry of a reservation's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    /// When (UTC).
    #[schema(value_type = String, format = DateTime, example = "2026-11-28T13:05:12Z")]
    pub at: DateTime<Utc>,
    /// `applicant`, `agent:<sub>` or `system`.
    #[schema(example = "agent:marie.dupont")]
    pub actor: String,
    /// `created`, `confirmed` (booked from a hold), `rescheduled`,
    /// `cancelled`, `flagged` (to move after a change of organisation).
    #[schema(example = "rescheduled")]
    pub action: String,
    /// The reason given, or what happened.
    #[schema(example = "Demande de l'usager au guichet")]
    pub reason: Option<String>,
    /// Values before the change.
    #[schema(value_type = Option<Object>, example = json!({"start": "2026-12-01T08:00:00+00:00", "end": "2026-12-01T08:30:00+00:00"}))]
    pub previous: Option<serde_json::Value>,
    /// Values after the change.
    #[schema(value_type = Option<Object>, example = json!({"start": "2026-12-03T13:00:00+00:00", "end": "2026-12-03T13:30:00+00:00"}))]
    pub current: Option<serde_json::Value>,
}

impl From<ReservationEventRow> for HistoryEntry {
    fn from(e: ReservationEventRow) -> Self {
        let json = |t: Option<String>| t.and_then(|t| serde_json::from_str(&t).ok());
        Self {
            at: from_db(e.occurred_at),
            actor: e.actor,
            action: e.action,
            reason: e.detail,
            previous: json(e.previous),
            current: json(e.current),
        }
    }
}

/// A reservation's history, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct History {
    /// The reservation.
    #[schema(example = "K7QX-M3PA")]
    pub reference: String,
    /// Its changes.
    pub entries: Vec<HistoryEntry>,
}

/// A reservation's history
///
/// Every change to the appointment, oldest first: who (the applicant, an
/// agent, the system), what, why, and the values before and after. Entries
/// are never changed or deleted.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("reference" = String, Path, description = "Reservation reference", example = "K7QX-M3PA")),
    responses(
        (status = 200, description = "The history", body = History,
         example = json!({"reference": "K7QX-M3PA", "entries": [{"at": "2026-11-28T13:05:12Z", "actor": "applicant", "action": "created", "reason": null, "previous": null, "current": null}]})),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The site is outside the agent's scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such reservation", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/admin/reservations/{reference}/history")]
pub async fn reservation_history(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let entries = state
        .blocking(move |store| {
            let detail = in_scope(store, &agent, &path)?;
            let id: ReservationId = detail
                .reservation
                .id
                .parse()
                .map_err(|_| ApiError::Internal)?;
            let events = store.reservation_events(id).map_err(ApiError::from)?;
            Ok(History {
                reference: detail.reservation.reference,
                entries: events.into_iter().map(HistoryEntry::from).collect(),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(entries))
}

/// The reservation `raw` names, if its site is in the agent's scope.
fn in_scope(
    store: &Store,
    agent: &planipref_domain::access::Agent,
    raw: &str,
) -> Result<ReservationDetail, ApiError> {
    let reference = Reference::parse(raw).ok_or(ApiError::NotFound("reservation"))?;
    let detail = store
        .find_reservation(&reference)
        .map_err(|e| ApiError::from_store(e, "reservation"))?;
    may_read(agent, &detail.site)?;
    Ok(detail)
}

fn agent_view(detail: ReservationDetail) -> Result<AgentReservation, ApiError> {
    let tz = site_zone(&detail.site)?;
    Ok(AgentReservation::new(detail.reservation, &detail.motif, tz))
}
