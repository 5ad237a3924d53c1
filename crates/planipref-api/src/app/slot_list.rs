//! A motif's slot list: the guichets' own free slots, with the over-booked
//! ones its préfecture allows, for the public (the answer kept as JSON)
//! and convocation holders.
use crate::app::answers::Answer;
use crate::app::answers::Question;
use crate::app::answers::SerializedSlots;
use crate::app::answers::Stamp;
use crate::app::cache::AvailabilityCache;
use crate::app::slots::Access;
use crate::app::slots::ContextCheck;
use crate::app::slots::day_start;
use crate::app::slots::lapses_at;
use crate::app::slots::with_slot_request;
use crate::http::error::ApiError;
use crate::model::site::site_zone;
use crate::model::slot::DEFAULT_RANGE_DAYS;
use crate::model::slot::SlotList;
use crate::model::slot::SlotResponse;
use crate::model::slot::SlotsAsked;
use chrono::DateTime;
use chrono::Days;
use chrono::NaiveDate;
use chrono::Utc;
use chrono_tz::Tz;
use planipref_domain::context::RouterContext;
use planipref_domain::ids::MotifId;
use planipref_domain::slots::MAX_RANGE_DAYS;
use planipref_domain::slots::Slot;
use planipref_domain::slots::check_range;
use planipref_domain::slots::compute_slots;
use planipref_store::Store;
use std::sync::Arc;

/// A computed slot list, the site's zone, the motif's minimum notice in
/// hours, and when the first hold counted expires.
pub type ComputedSlots = (SlotList, Tz, u32, Option<DateTime<Utc>>);

/// Computes a motif's slot list (the work the cache saves), with the site's
/// zone, the motif's minimum notice and when the first hold counted
/// expires.
pub fn compute_slot_list(
    store: &Store,
    motif_id: MotifId,
    (from, to): (Option<NaiveDate>, Option<NaiveDate>),
    (persons, access, context): (u32, Access, Option<&RouterContext>),
    now: DateTime<Utc>,
) -> Result<ComputedSlots, ApiError> {
    // Defaults depend on the site's zone ("today there"), known only
    // once the motif is read; load a window that covers them in any
    // zone, capped so that an oversized `to` loads nothing much
    // before the range check refuses it.
    let window_from =
        from.unwrap_or_else(|| now.date_naive().pred_opt().unwrap_or(now.date_naive()));
    let cap = window_from
        .checked_add_days(Days::new(MAX_RANGE_DAYS as u64 + 2))
        .unwrap_or(window_from);
    let window_to = to
        .unwrap_or_else(|| {
            window_from
                .checked_add_days(Days::new(DEFAULT_RANGE_DAYS + 1))
                .unwrap_or(window_from)
        })
        .min(cap);
    let schedule = store
        .motif_schedule(
            &motif_id.to_string(),
            day_start(window_from, -1),
            day_start(window_to, 2),
            now,
        )
        .map_err(|e| ApiError::from_store(e, "motif"))?;
    let tz = site_zone(&schedule.site)?;
    let from = from.unwrap_or_else(|| now.with_timezone(&tz).date_naive());
    let to = to.unwrap_or_else(|| {
        from.checked_add_days(Days::new(DEFAULT_RANGE_DAYS - 1))
            .unwrap_or(from)
    });
    check_range(from, to)?;
    let found = with_slot_request(
        &schedule,
        motif_id,
        tz,
        (from, to),
        now,
        (persons, access, ContextCheck::Checked(context)),
        compute_slots,
    )?;
    let extra = crate::app::overbooking::extra_slots_of(
        store,
        &schedule,
        (motif_id, tz, (from, to)),
        now,
        (persons, access),
        &found.slots,
    )?;
    let mut offered: Vec<Slot> = found
        .slots
        .iter()
        .filter(|s| s.remaining > 0)
        .chain(&extra)
        .copied()
        .collect();
    offered.sort_by_key(|s| s.start);
    let list = SlotList {
        motif_id: motif_id.to_string(),
        site_id: schedule.site.id.clone(),
        time_zone: schedule.site.time_zone.clone(),
        from,
        to,
        slots: offered.iter().map(|s| SlotResponse::at(s, tz)).collect(),
    };
    let notice = schedule.motif.booking_rules().min_notice_hours;
    Ok((list, tz, notice, lapses_at(&schedule, motif_id, tz, now)))
}

/// The public slots of `motif_id` as JSON: see [`public_slots`].
pub async fn public_list(
    store: &Store,
    cache: &Arc<AvailabilityCache>,
    motif_id: MotifId,
    (asked, context): (SlotsAsked, Option<RouterContext>),
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    let kept = public_slots(store, cache, motif_id, (asked, context), now).await?;
    Ok(kept.body(now))
}

/// The public slots of `motif_id`: the list kept by this process while the
/// site's availability version is unchanged (found without a blocking call
/// but the version's read, shared between requests), else computed and
/// kept.
pub async fn public_slots(
    store: &Store,
    cache: &Arc<AvailabilityCache>,
    motif_id: MotifId,
    (asked, context): (SlotsAsked, Option<RouterContext>),
    now: DateTime<Utc>,
) -> Result<Arc<SerializedSlots>, ApiError> {
    // Answers with a context were checked against its démarche: kept apart.
    let question = Question::Slots {
        motif: motif_id,
        from: asked.days.0,
        to: asked.days.1,
        persons: asked.persons,
        context: context.as_ref().map(|c| c.demarche.clone()),
    };
    let site = cache.site_of_motif(store, motif_id).await?;
    let stamp = Stamp::Site(cache.site_version(store, &site).await?);
    if let Some(Answer::Slots(kept)) = cache.get(&question, &stamp, now) {
        return Ok(kept);
    }
    let cache = cache.clone();
    crate::blocking::run(store, move |store| {
        let (list, time_zone, notice, lapses_at) = compute_slot_list(
            store,
            motif_id,
            asked.days,
            (asked.persons, Access::Public, context.as_ref()),
            now,
        )?;
        let kept = Arc::new(SerializedSlots::new(&list, notice)?);
        cache.put(
            question,
            stamp,
            time_zone,
            (now, lapses_at),
            Answer::Slots(kept.clone()),
        );
        Ok(kept)
    })
    .await
}
