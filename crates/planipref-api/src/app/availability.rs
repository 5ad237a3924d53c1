//! A motif's or a site's first free slot, searched week by week and kept while nothing changes.
use crate::app::answers::Answer;
use crate::app::answers::FirstSlot;
use crate::app::answers::Question;
use crate::app::answers::Stamp;
use crate::app::answers::earliest_lapse;
use crate::app::cache::AvailabilityCache;
use crate::app::slots::Access;
use crate::app::slots::ContextCheck;
use crate::app::slots::day_start;
use crate::app::slots::lapses_at as slots_lapse_at;
use crate::app::slots::newest_day_opens_at;
use crate::app::slots::with_slot_request;
use crate::http::error::ApiError;
use crate::model::site::site_zone;
use crate::model::slot::FirstSlotAsked;
use crate::model::slot::FirstSlotResponse;
use crate::model::slot::Wanted;
use chrono::DateTime;
use chrono::Days;
use chrono::NaiveDate;
use chrono::Utc;
use chrono_tz::Tz;
use planipref_domain::context::ContextRefusal;
use planipref_domain::ids::MotifId;
use planipref_domain::ids::SiteId;
use planipref_domain::motif::BookingMode;
use planipref_domain::slots::earliest_start;
use planipref_domain::slots::first_free_slot;
use planipref_domain::slots::last_bookable_day;
use planipref_store::AvailabilityVersion;
use planipref_store::Store;
use planipref_store::models::MotifRow;
use planipref_store::models::ServiceRow;
use std::sync::Arc;

/// Days searched first: most sites have a free slot within a week, so the
/// first read is small. Each further read covers [`GROWTH`] times as many
/// days, until the booking window ends.
pub const FIRST_DAYS: u64 = 7;

/// How much longer each further read is than the one before.
pub const GROWTH: u64 = 4;

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

/// The earliest free slot at `site_id` of the motifs `asked` names: the
/// site's availability version is read first, so that what is computed
/// after it is at least as recent.
pub async fn site_first_slot(
    store: &Store,
    cache: &Arc<AvailabilityCache>,
    site_id: SiteId,
    asked: FirstSlotAsked,
    now: DateTime<Utc>,
) -> Result<FirstSlotResponse, ApiError> {
    let version = cache
        .site_version(store, &site_id.to_string())
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::NotFound("site"),
            other => other,
        })?;
    let cache = cache.clone();
    crate::blocking::run(store, move |store| {
        let site_id = site_id.to_string();
        let FirstSlotAsked {
            wanted,
            persons,
            only,
        } = asked;
        let routed = only.is_some();
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
    .await
}
