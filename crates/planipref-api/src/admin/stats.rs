//! Statistics: `/admin/stats` (JSON, or CSV when `Accept: text/csv`) and
//! `/admin/stats.csv`.

use crate::app::stats;
use crate::http::error::ApiError;
use crate::http::extract::QueryParams;
use crate::http::problem::Problem;
use crate::model::stats::StatsQuery;
use crate::model::stats::StatsReport;
use crate::model::stats::example_stats;
use crate::security::agent::AuthenticatedAgent;
use crate::state::AppState;
use actix_web::http::header::{ACCEPT, CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

/// Example of the CSV (UTF-8 with a byte-order mark).
const CSV_EXAMPLE: &str = "period,key,label,capacity_minutes,appointments,booked,cancelled,cancelled_by_applicant,cancelled_by_agent,moved,honoured,no_show,walk_ins,fill_rate,no_show_rate,median_wait_minutes,median_service_minutes,median_delay_days\n2026-12-01,,,12000,410,380,30,22,8,12,340,25,15,0.63,0.0685,12,18.5,21\n";

/// Statistics of a site or a préfecture
///
/// Per period (`group_by`) and, if asked, per motif, guichet or channel
/// (`by`): guichet minutes open, appointments booked, cancelled (by whom),
/// moved, honoured, missed, walk-ins, fill and no-show rates, median
/// waiting and service times, and the median délai (days to the first
/// free slot, sampled every morning). Counts of appointments, never of
/// people. For agents, over the sites they read. As CSV with
/// `Accept: text/csv` (or `/admin/stats.csv`).
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(StatsQuery),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The figures", content(
            (StatsReport = "application/json", example = json!(example_stats())),
            (String = "text/csv", example = json!(CSV_EXAMPLE)),
        )),
        (status = 404, description = "No such site or préfecture", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `site_id`, `prefecture`, `from`, `to`, `group_by` or `by`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats")]
pub async fn get_stats(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    QueryParams(q): QueryParams<StatsQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let asked = stats::check(&q)?;
    let report = state
        .blocking(move |store| stats::report(store, &agent, &asked))
        .await?;
    let wants_csv = req
        .headers()
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/csv"));
    if wants_csv {
        return csv_answer(&report);
    }
    Ok(HttpResponse::Ok().json(report))
}

/// Statistics as CSV
///
/// The same figures as `/admin/stats`, as a spreadsheet opens them (UTF-8
/// with a byte-order mark, one line per period and key).
#[utoipa::path(
    tag = "admin", security(("bearer" = [])),
    params(StatsQuery),
    responses(
        crate::http::responses::AgentErrors,
        crate::http::responses::QueryErrors,
        crate::http::responses::Unavailable,
        (status = 200, description = "The figures, as CSV", body = String, content_type = "text/csv", example = json!(CSV_EXAMPLE)),
        (status = 404, description = "No such site or préfecture", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `site_id`, `prefecture`, `from`, `to`, `group_by` or `by`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats.csv")]
pub async fn get_stats_csv(
    state: web::Data<AppState>,
    AuthenticatedAgent(agent): AuthenticatedAgent,
    QueryParams(q): QueryParams<StatsQuery>,
) -> Result<HttpResponse, ApiError> {
    let asked = stats::check(&q)?;
    let report = state
        .blocking(move |store| stats::report(store, &agent, &asked))
        .await?;
    csv_answer(&report)
}

fn csv_answer(report: &StatsReport) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"planipref-stats-{}-{}.csv\"",
                report.from, report.to
            ),
        ))
        .body(stats::csv(report)?))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_stats).service(get_stats_csv);
}
