//! The first free slot of a motif: what the router and the orientation
//! answer show applicants first.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use planipref_domain::ids::{MotifId, SiteId};
use planipref_domain::motif::BookingMode;
use planipref_domain::slots::{FreeSlot, earliest_start, first_free_slot, last_bookable_day};
use planipref_store::models::{MotifRow, ServiceRow};
use planipref_store::{AvailabilityVersion, Store};

use crate::app::cache::Answer;
use crate::app::cache::AvailabilityCache;
use crate::app::cache::Question;
use crate::app::cache::Stamp;
use crate::app::cache::earliest_lapse;
use crate::http::error::ApiError;
use crate::http::error::Problem;
use crate::http::extract::QueryParams;
use crate::model::site::site_zone;
use crate::model::slot::FirstSlotQuery;
use crate::model::slot::FirstSlotResponse;
use crate::security::router::ContextHeader;
use crate::slots::Access;
use crate::slots::ContextCheck;
use crate::slots::day_start;
use crate::slots::lapses_at as slots_lapse_at;
use crate::slots::newest_day_opens_at;
use crate::slots::with_slot_request;
use crate::state::AppState;
use planipref_domain::context::ContextRefusal;

/// Days searched first: most sites have a free slot within a week, so the
/// first read is small. Each further read covers [`GROWTH`] times as many
/// days, until the booking window ends.
const FIRST_DAYS: u64 = 7;
/// How much longer each further read is than the one before.
const GROWTH: u64 = 4;

/// The earliest free slot of a motif within its booking window.
#[derive(Debug, Clone)]
pub struct FirstSlot {
    /// The site's time zone.
    pub time_zone: Tz,
    /// First local day searched (today at the site).
    pub from: NaiveDate,
    /// Last local day searched (the end of the booking window).
    pub until: NaiveDate,
    /// The slot, if any day of the window has one.
    pub slot: Option<FreeSlot>,
    /// The motif's minimum notice, in hours.
    pub min_notice_hours: u32,
    /// When the first hold taken into account expires: the answer may
    /// change then without any write.
    pub lapses_at: Option<DateTime<Utc>>,
}

/// The first free slot of `motif_id` for `persons`: the answer this
/// process keeps while the site's availability version and day are
/// unchanged and the slot is still beyond the minimum notice, else
/// [`compute_first_slot`]. `version`: the site's, read by the caller
/// before anything else (`None`: not read, nothing kept). A convocation-only motif is refused (403).
pub fn first_slot(
    store: &Store,
    cache: &AvailabilityCache,
    motif_id: MotifId,
    now: DateTime<Utc>,
    persons: u32,
    version: Option<AvailabilityVersion>,
) -> Result<FirstSlot, ApiError> {
    let question = Question::FirstSlot {
        motif: motif_id,
        persons,
    };
    // A site whose version was not read (created since): computed afresh,
    // not kept.
    let Some(version) = version else {
        return compute_first_slot(store, motif_id, now, persons);
    };
    if let Some(Answer::FirstSlot(kept)) = cache.get(&question, &Stamp::Site(version), now) {
        let earliest = earliest_start(now, kept.min_notice_hours);
        if kept.slot.as_ref().is_none_or(|f| f.slot.start >= earliest) {
            return Ok(kept);
        }
    }
    let found = compute_first_slot(store, motif_id, now, persons)?;
    cache.put(
        question,
        Stamp::Site(version),
        found.time_zone,
        (now, found.lapses_at),
        Answer::FirstSlot(found.clone()),
    );
    Ok(found)
}

/// Finds the first free slot of `motif_id` for `persons`, reading the
/// schedule a week at a time and then in growing spans, so that a site
/// with room soon costs one small read and a full site is still searched
/// to the end of its window.
pub fn compute_first_slot(
    store: &Store,
    motif_id: MotifId,
    now: DateTime<Utc>,
    persons: u32,
) -> Result<FirstSlot, ApiError> {
    let id = motif_id.to_string();
    // The site's zone, hence "today", is known once the first read is
    // done: that read covers the first week in any zone (UTC−12 to UTC+14).
    let utc_today = now.date_naive();
    let mut span = FIRST_DAYS;
    let first_read = (
        day_start(utc_today, -2),
        day_start(utc_today + Days::new(span), 2),
    );
    // The last day of a search from `from`, within the window.
    let until = |from: NaiveDate, span: u64, last: NaiveDate| {
        from.checked_add_days(Days::new(span - 1))
            .unwrap_or(from)
            .min(last)
    };
    let mut window: Option<(Tz, NaiveDate, NaiveDate)> = None;
    let mut from = utc_today;
    let mut lapses_at = None;
    loop {
        let (read_from, read_to) = match window {
            None => first_read,
            Some((.., last)) => (day_start(from, -1), day_start(until(from, span, last), 2)),
        };
        let schedule = store
            .motif_schedule(&id, read_from, read_to, now)
            .map_err(|e| ApiError::from_store(e, "motif"))?;
        let (tz, today, last) = match window {
            Some(w) => w,
            None => {
                let tz = site_zone(&schedule.site)?;
                let today = now.with_timezone(&tz).date_naive();
                let window_days = schedule.motif.booking_rules().booking_window_days;
                let opens = newest_day_opens_at(&schedule, motif_id, tz, now);
                let last = last_bookable_day(now, tz, window_days, Some(opens));
                from = today;
                *window.insert((tz, today, last))
            }
        };
        lapses_at = earliest_lapse(lapses_at, slots_lapse_at(&schedule, motif_id, tz, now));
        let to = until(from, span, last);
        let found = with_slot_request(
            &schedule,
            motif_id,
            tz,
            (from, to),
            now,
            (persons, Access::Public, ContextCheck::Skipped),
            first_free_slot,
        )?;
        if found.is_some() || to >= last {
            return Ok(FirstSlot {
                time_zone: tz,
                from: today,
                until: last,
                slot: found,
                min_notice_hours: schedule.motif.booking_rules().min_notice_hours,
                lapses_at,
            });
        }
        from = to.succ_opt().unwrap_or(to);
        span = span.saturating_mul(GROWTH);
    }
}

/// The motif among `motifs` (of one site) whose first free slot comes
/// first, with that slot. Motifs booked only with a convocation, or taking
/// fewer persons, are passed over; when all of them are, the first such
/// refusal is the answer (403 or 422). `None` when `motifs` is empty.
pub fn earliest_of(
    store: &Store,
    cache: &AvailabilityCache,
    motifs: &[(MotifRow, ServiceRow)],
    now: DateTime<Utc>,
    (persons, routed): (u32, bool),
    version: Option<AvailabilityVersion>,
) -> Result<Option<(usize, FirstSlot)>, ApiError> {
    let mut best: Option<(usize, FirstSlot)> = None;
    let mut refused: Option<ApiError> = None;
    // Which motif comes first may change when any of them lapses.
    let mut lapses_at = None;
    for (i, (motif, _)) in motifs.iter().enumerate() {
        // Known from the row already: no schedule is read to refuse it.
        if motif.settings().booking_mode == BookingMode::ConvocationOnly {
            refused.get_or_insert(ApiError::ConvocationRequired);
            continue;
        }
        // Booked only through service-public.fr's router: its slots are
        // shown only with the router's context, as they are listed.
        if motif.requires_context && !routed {
            refused.get_or_insert(ApiError::Context(ContextRefusal::Required));
            continue;
        }
        let id: MotifId = motif.id.parse().map_err(|_| ApiError::Internal)?;
        let found = match first_slot(store, cache, id, now, persons, version) {
            Ok(found) => found,
            Err(e @ (ApiError::ConvocationRequired | ApiError::Validation(_))) => {
                refused.get_or_insert(e);
                continue;
            }
            Err(e) => return Err(e),
        };
        lapses_at = earliest_lapse(lapses_at, found.lapses_at);
        let sooner = match (&best, &found.slot) {
            (None, _) => true,
            (Some((_, b)), Some(f)) => b.slot.as_ref().is_none_or(|b| f.slot.start < b.slot.start),
            (Some(_), None) => false,
        };
        if sooner {
            best = Some((i, found));
        }
    }
    match (best, refused) {
        (None, Some(e)) => Err(e),
        (best, _) => Ok(best.map(|(i, mut first)| {
            first.lapses_at = lapses_at;
            (i, first)
        })),
    }
}

/// Find a site's first free slot
///
/// The earliest slot at which a motif of the site can be booked, looking
/// ahead to the end of the motif's booking window (past the minimum
/// notice). Name the motif with `motif_id`, or a démarche with `demarche`:
/// the site's motif of that démarche. `slot` is `null` when the whole
/// window is taken. Public.
#[utoipa::path(
    tag = "slots",
    params(
        ("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"),
        FirstSlotQuery,
        crate::security::router::ContextParam,
    ),
    responses(
        (status = 200, description = "The first free slot, or `null`", body = FirstSlotResponse, example = json!(crate::model::examples::first_slot())),
        (status = 400, description = "Unreadable query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "The router's context (`X-Planipref-Context`) is tampered with, expired or wrongly signed, or this server accepts none (`invalid-context`, without a `WWW-Authenticate` challenge)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The motif is booked only with a convocation (`convocation-required`), only through service-public.fr's router and no context was given (`context-required`), or the router's context is for another démarche (`context-other-demarche`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site, or no such motif or démarche at this site", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither or both of `motif_id` and `demarche`, or more persons than the motif takes (`persons`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The client searched too often on this server (`too-many-requests`)", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds until the client may ask again"))),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get(
    "/sites/{site_id}/first-slot",
    wrap = "actix_web::middleware::from_fn(crate::http::limits::search)"
)]
pub async fn site_first_slot(
    state: web::Data<AppState>,
    path: web::Path<String>,
    QueryParams(q): QueryParams<FirstSlotQuery>,
    context: ContextHeader,
) -> Result<HttpResponse, ApiError> {
    let site_id: SiteId = path.parse().map_err(|_| ApiError::NotFound("site"))?;
    // With the router's context, only its démarche's motifs.
    let routed = context.0.is_some();
    let only = context.0.map(|c| c.demarche);
    if let (Some(only), Some(asked)) = (&only, &q.demarche)
        && only != asked.trim()
    {
        return Err(ApiError::Context(ContextRefusal::OtherDemarche));
    }
    let wanted = match (q.motif_id, q.demarche) {
        (Some(m), None) => Wanted::Motif(m),
        (None, Some(d)) => Wanted::Demarche(d),
        _ => {
            return Err(ApiError::invalid(
                "motif_id",
                "give either motif_id or demarche, not both",
            ));
        }
    };
    let persons = q.persons.unwrap_or(1);
    let now = Utc::now();
    let cache = state.cache.clone();
    // The version first: what is computed after it is at least as recent.
    let version = cache
        .site_version(&state, &site_id.to_string())
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::NotFound("site"),
            other => other,
        })?;
    let answer = state
        .blocking(move |store| {
            let site_id = site_id.to_string();
            let motifs: Vec<_> = store
                .list_site_motifs(&site_id)
                .map_err(|e| ApiError::from_store(e, "site"))?
                .into_iter()
                .filter(|(m, _)| match &wanted {
                    Wanted::Motif(id) => m.id == *id,
                    Wanted::Demarche(code) => m.demarche_code.as_deref() == Some(code.as_str()),
                })
                .filter(|(m, _)| {
                    only.as_deref()
                        .is_none_or(|d| m.demarche_code.as_deref() == Some(d))
                })
                .collect();
            let (i, found) = earliest_of(
                store,
                &cache,
                &motifs,
                now,
                (persons, routed),
                Some(version),
            )?
            .ok_or(ApiError::NotFound(match wanted {
                Wanted::Motif(_) => "motif at this site",
                Wanted::Demarche(_) => "démarche at this site",
            }))?;
            Ok(FirstSlotResponse::new(
                site_id,
                motifs[i].0.id.clone(),
                &found,
            ))
        })
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

enum Wanted {
    Motif(String),
    Demarche(String),
}
