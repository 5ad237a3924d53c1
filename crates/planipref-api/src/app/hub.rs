//! National hubs' questions answered (the ANTS model): the meeting points
//! (sites with a location), their free times for a démarche (the public
//! slot lists, shared with the booking journey's cache, each time with
//! the link where it is booked), and the coming appointments of files;
//! and the sites' locations administrators set.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};
use planipref_domain::access::Agent;
use planipref_domain::applicant::file_key;
use planipref_domain::hub::{TimeSlotsAsked, UrlTemplate, check_location};
use planipref_domain::ids::{MotifId, SiteId};
use planipref_domain::motif::BookingMode;
use planipref_domain::time::parse_time_zone;
use planipref_store::Store;
use planipref_store::hub::SiteLocationRow;
use planipref_store::models::SiteRow;

use crate::app::audit::{audit, json};
use crate::app::cache::AvailabilityCache;
use crate::app::slot_list::public_slots;
use crate::http::error::ApiError;
use crate::http::version::IfMatch;
use crate::model::hub::{
    FileAppointment, MeetingPoint, SiteLocation, SiteLocationUpdate, TimeSlot,
};
use crate::model::site::site_zone;
use crate::model::slot::SlotsAsked;
use crate::security::scope::{may_administer, may_read};

/// Every site with a location, as hubs list them.
pub fn meeting_points(store: &Store) -> Result<Vec<MeetingPoint>, ApiError> {
    Ok(store
        .located_sites()?
        .into_iter()
        .map(|(site, location)| MeetingPoint {
            id: site.id,
            name: site.name,
            longitude: location.longitude,
            latitude: location.latitude,
            public_entry_address: site.address_line,
            zip_code: site.postal_code,
            city_name: site.city,
            website: location.website,
            prefecture_code: site.prefecture_code,
            time_zone: site.time_zone,
        })
        .collect())
}

/// The motifs of `site_id` a hub may offer for `demarche`: those of the
/// démarche booked by the public on their own (not with a convocation,
/// nor only through service-public.fr's router). `None`: no such site.
fn offered_motifs(
    store: &Store,
    site_id: SiteId,
    demarche: &str,
) -> Result<Option<Vec<MotifId>>, ApiError> {
    let motifs = match store.list_site_motifs(&site_id.to_string()) {
        Ok(motifs) => motifs,
        Err(planipref_store::StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    Ok(Some(
        motifs
            .into_iter()
            .filter(|(m, _)| m.demarche_code.as_deref() == Some(demarche))
            .filter(|(m, _)| {
                m.settings().booking_mode != BookingMode::ConvocationOnly && !m.requires_context
            })
            .filter_map(|(m, _)| m.id.parse().ok())
            .collect(),
    ))
}

/// The free times of each site `asked` names, for its démarche and
/// persons, exactly as the public slot lists offer them (a motif taking
/// fewer persons offers none), earliest first and each time once, with
/// the link `booking_url` builds; unknown sites are left out.
pub async fn time_slots(
    store: &Store,
    cache: &Arc<AvailabilityCache>,
    booking_url: &UrlTemplate,
    asked: TimeSlotsAsked,
    now: DateTime<Utc>,
) -> Result<BTreeMap<String, Vec<TimeSlot>>, ApiError> {
    let mut answer = BTreeMap::new();
    for site in &asked.sites {
        let (site, demarche) = (*site, asked.demarche.clone());
        let Some(motifs) =
            crate::blocking::run(store, move |s| offered_motifs(s, site, &demarche)).await?
        else {
            continue;
        };
        let mut times: Vec<(DateTime<FixedOffset>, TimeSlot)> = vec![];
        for motif in motifs {
            let slots_asked = SlotsAsked {
                days: (Some(asked.from), Some(asked.to)),
                persons: asked.persons,
            };
            let kept = match public_slots(store, cache, motif, (slots_asked, None), now).await {
                Ok(kept) => kept,
                // More persons than the motif takes: it offers nothing.
                Err(ApiError::Validation(_)) => continue,
                Err(e) => return Err(e),
            };
            for (start, _) in kept.open_slots(now) {
                if times.iter().any(|(t, _)| t == start) {
                    continue;
                }
                let datetime = offered_text(start)?;
                let persons = asked.persons.to_string();
                let callback_url = booking_url.render(&[
                    ("site_id", &site.to_string()),
                    ("motif_id", &motif.to_string()),
                    ("demarche", &asked.demarche),
                    ("start", &datetime),
                    ("persons", &persons),
                ]);
                times.push((
                    *start,
                    TimeSlot {
                        datetime,
                        callback_url,
                    },
                ));
            }
        }
        times.sort_by_key(|(start, _)| *start);
        answer.insert(
            site.to_string(),
            times.into_iter().map(|(_, t)| t).collect(),
        );
    }
    Ok(answer)
}

/// A start as the public slot list writes it (the same serialiser).
fn offered_text(start: &DateTime<FixedOffset>) -> Result<String, ApiError> {
    match serde_json::to_value(start) {
        Ok(serde_json::Value::String(text)) => Ok(text),
        _ => {
            log::error!("an instant did not serialise as a string");
            Err(ApiError::Internal)
        }
    }
}

/// The coming appointments of each file `asked` names (as written, with
/// its normalised number), keyed as written, with the link
/// `management_url` builds; a file without one has an empty list.
pub fn applications(
    store: &Store,
    management_url: &UrlTemplate,
    asked: &[(String, String)],
    now: DateTime<Utc>,
) -> Result<BTreeMap<String, Vec<FileAppointment>>, ApiError> {
    let keys: Vec<String> = asked.iter().map(|(_, number)| file_key(number)).collect();
    let found = store.coming_appointments_of_files(&keys, now)?;
    let mut answer = BTreeMap::new();
    for ((given, _), key) in asked.iter().zip(&keys) {
        let mut list = vec![];
        for a in found.iter().filter(|a| a.file_key.as_deref() == Some(key)) {
            let zone = parse_time_zone(&a.time_zone).ok_or_else(|| {
                log::error!("site {} has an unknown time zone", a.site_id);
                ApiError::Internal
            })?;
            let start = planipref_store::from_db(a.starts_at)
                .with_timezone(&zone)
                .fixed_offset();
            list.push(FileAppointment {
                meeting_point: a.site_name.clone(),
                meeting_point_id: a.site_id.clone(),
                datetime: offered_text(&start)?,
                management_url: management_url
                    .render(&[("reference", &a.reference), ("site_id", &a.site_id)]),
            });
        }
        answer.insert(given.clone(), list);
    }
    Ok(answer)
}

fn location_of(site: &SiteRow, row: Option<SiteLocationRow>) -> SiteLocation {
    SiteLocation {
        site_id: site.id.clone(),
        latitude: row.as_ref().map(|l| l.latitude),
        longitude: row.as_ref().map(|l| l.longitude),
        website: row.and_then(|l| l.website),
        version: site.revision,
    }
}

/// Site `site_id`'s location, read by `agent`.
pub fn location(store: &Store, agent: &Agent, site_id: SiteId) -> Result<SiteLocation, ApiError> {
    let site = store
        .get_site(&site_id.to_string())
        .map_err(|e| ApiError::from_store(e, "site"))?;
    may_read(agent, &site)?;
    let row = store.site_location(&site.id)?;
    Ok(location_of(&site, row))
}

/// Site `site_id`'s location set to `update`, from the site's version
/// `if_match` (audited; the site's version goes up).
pub fn set_location(
    store: &Store,
    (agent, now): (&Agent, DateTime<Utc>),
    site_id: SiteId,
    update: &SiteLocationUpdate,
    if_match: IfMatch,
) -> Result<SiteLocation, ApiError> {
    let site = store
        .get_site(&site_id.to_string())
        .map_err(|e| ApiError::from_store(e, "site"))?;
    may_administer(agent, &site)?;
    let checked = check_location(update.latitude, update.longitude, update.website.as_deref())?;
    if site.revision != if_match.0 {
        return Err(ApiError::Stale {
            current: site.revision,
        });
    }
    // The zone is checked so that hubs are never shown a site whose times
    // cannot be written.
    site_zone(&site)?;
    let row = SiteLocationRow {
        site_id: site.id.clone(),
        latitude: checked.latitude,
        longitude: checked.longitude,
        website: checked.website,
    };
    let before = location_of(&site, store.site_location(&site.id)?);
    let after = SiteLocation {
        version: if_match.next(),
        ..location_of(&site, Some(row.clone()))
    };
    let entry = planipref_store::AuditEntry {
        action: "updated",
        before: json(&before),
        ..audit(agent, &site, "site_location", &site.id, &after, now)
    };
    store
        .set_site_location(&site.id, if_match.0, &row, &entry)
        .map_err(|e| ApiError::from_store(e, "site"))?;
    Ok(after)
}
