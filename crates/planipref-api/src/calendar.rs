//! A site's calendar: the days it is closed, and why.

use crate::http::error::ApiError;
use crate::http::error::Problem;
use crate::http::extract::QueryParams;
use crate::model::calendar::CalendarQuery;
use crate::model::calendar::ClosedDay;
use crate::model::calendar::Closure;
use crate::model::calendar::MAX_CALENDAR_DAYS;
use crate::model::calendar::OpenedDay;
use crate::model::calendar::SiteCalendar;
use crate::model::fields::at_site;
use crate::model::fields::date_range;
use crate::model::site::site_departement;
use crate::model::site::site_zone;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use chrono::{Days, NaiveDate, Utc};
use planipref_domain::calendar::holidays_between;
use planipref_domain::ids::SiteId;
use planipref_domain::slots::check_range_within;
use planipref_domain::time::local_midnight;

/// A site's calendar
///
/// The days a site is closed between two dates: the public holidays of its
/// département — the eleven national ones, Good Friday and 26 December in
/// Alsace-Moselle, and the abolition-of-slavery day of each overseas
/// territory — except those on which the préfecture opens it; and the
/// closures of the site or of some of its guichets. No slot is offered then.
#[utoipa::path(
    tag = "sites",
    params(
        ("site_id" = String, Path, format = Uuid, description = "Site identifier", example = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"),
        CalendarQuery,
    ),
    responses(
        (status = 200, description = "The closed days", body = SiteCalendar, example = json!(crate::model::examples::site_calendar())),
        (status = 400, description = "Unreadable query", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid dates or range (field `from` or `to`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[get("/sites/{site_id}/calendar")]
pub async fn site_calendar(
    state: web::Data<AppState>,
    path: web::Path<String>,
    QueryParams(q): QueryParams<CalendarQuery>,
) -> Result<HttpResponse, ApiError> {
    let site_id: SiteId = path.parse().map_err(|_| ApiError::NotFound("site"))?;
    let (from, to) = date_range(q.from.as_deref(), q.to.as_deref())?;
    let (site, from, to, exceptions) = state
        .blocking(move |store| {
            let site = store
                .get_site(&site_id.to_string())
                .map_err(|e| ApiError::from_store(e, "site"))?;
            let tz = site_zone(&site)?;
            let from = from.unwrap_or_else(|| Utc::now().with_timezone(&tz).date_naive());
            let to = to.unwrap_or_else(|| {
                from.checked_add_days(Days::new(MAX_CALENDAR_DAYS as u64 - 1))
                    .unwrap_or(from)
            });
            check_range_within(from, to, MAX_CALENDAR_DAYS)?;
            let after = to.succ_opt().unwrap_or(to);
            let instants = (local_midnight(tz, from), local_midnight(tz, after));
            let exceptions = store
                .site_exceptions(&site.id, (from, to), instants)
                .map_err(ApiError::from)?;
            Ok((site, from, to, exceptions))
        })
        .await?;
    let tz = site_zone(&site)?;
    let departement = site_departement(&site)?;
    let opened_days: Vec<NaiveDate> = exceptions.openings.iter().map(|(d, _)| *d).collect();
    let closed = holidays_between(from, to, &departement)
        .into_iter()
        .filter(|(date, _)| !opened_days.contains(date))
        .map(|(date, h)| ClosedDay {
            date,
            reason: "holiday".to_owned(),
            holiday: h.code().to_owned(),
            label: h.label().to_owned(),
        })
        .collect();
    let opened = exceptions
        .openings
        .into_iter()
        .map(|(date, reason)| OpenedDay { date, reason })
        .collect();
    let closures = exceptions
        .closures
        .into_iter()
        .map(|f| Closure {
            start: at_site(planipref_store::from_db(f.starts_at), tz),
            end: at_site(planipref_store::from_db(f.ends_at), tz),
            whole_site: f.guichet_id.is_none(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(SiteCalendar {
        site_id: site.id,
        departement: departement.to_string(),
        time_zone: site.time_zone,
        from,
        to,
        closed,
        opened,
        closures,
    }))
}
