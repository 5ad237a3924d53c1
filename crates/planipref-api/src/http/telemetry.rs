//! The outermost middleware: one log line and the HTTP metrics per
//! request (see [`crate::telemetry`]), and the count of business
//! refusals. Requests are labelled by the route pattern they matched
//! (`/api/v1/reservations/{reference}`), never by their raw path, which may
//! hold a reservation reference and whose values are unbounded.

use std::time::Instant;

use actix_web::HttpRequest;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;

use crate::http::error::ApiError;
use crate::telemetry::{HTTP_DURATION, HTTP_REQUESTS, refused};

/// The `route` of a request no route answered (an unknown path, or a
/// failure before routing).
pub const UNMATCHED: &str = "unmatched";

/// Serves the request, then logs it (method, route pattern, status,
/// duration: no query string, header or body, which hold personal data)
/// and records it.
pub async fn observe<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let served = next.call(req).await;
    let (route, status) = match &served {
        Ok(response) => {
            if let Some(kind) = response
                .response()
                .error()
                .and_then(actix_web::Error::as_error::<ApiError>)
                .and_then(refusal_kind)
            {
                refused(kind);
            }
            (route_label(response.request()), response.status())
        }
        Err(e) => (UNMATCHED.to_owned(), e.as_response_error().status_code()),
    };
    let elapsed = started.elapsed();
    log::info!(
        "{method} {route} {} {}ms",
        status.as_u16(),
        elapsed.as_millis()
    );
    record(method, route, status, elapsed.as_secs_f64());
    served
}

fn record(method: &'static str, route: String, status: StatusCode, seconds: f64) {
    metrics::counter!(
        HTTP_REQUESTS,
        "method" => method,
        "route" => route.clone(),
        "status" => status.as_u16().to_string()
    )
    .increment(1);
    metrics::histogram!(HTTP_DURATION, "method" => method, "route" => route).record(seconds);
}

/// The route pattern `req` matched, or [`UNMATCHED`]: a label from the
/// application's fixed set of routes, whatever the path.
pub fn route_label(req: &HttpRequest) -> String {
    req.match_pattern().unwrap_or_else(|| UNMATCHED.to_owned())
}

/// The method, or `other` for an extension method (a client could make
/// up any number of them).
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The kind of a business refusal (its problem type): what the rules or
/// the limits refused, as opposed to a malformed request, a missing
/// resource, an authentication failure or a server fault.
pub fn refusal_kind(e: &ApiError) -> Option<&'static str> {
    use ApiError as E;
    match e {
        E::SlotTaken
        | E::NoWalkInTime
        | E::AlreadyBooked
        | E::QuotaReached
        | E::HoldExpired
        | E::TooManyRequests(_)
        | E::ConvocationHolding(_)
        | E::AgentCap(_)
        | E::ConvocationRequired
        | E::Convocation(_)
        | E::Context(_)
        | E::CancellationDeadlinePassed(_)
        | E::AppointmentPast => Some(e.describe().1),
        // The file's system refused it; its outage is no refusal (counted
        // apart, by `planipref_file_checks_total`).
        E::File(r, _) if *r != planipref_domain::file_check::FileRefusal::Unavailable => {
            Some(e.describe().1)
        }
        E::File(..) => None,
        E::Malformed { .. }
        | E::UnsupportedMediaType
        | E::PayloadTooLarge
        | E::MissingHeader(_)
        | E::Unauthorized(_)
        | E::InvalidContext(_)
        | E::HubUnauthorized(_)
        | E::Forbidden
        | E::Validation(_)
        | E::NotFound(_)
        | E::MethodNotAllowed(_)
        | E::Conflict(_)
        | E::Stale { .. }
        | E::PreconditionRequired
        | E::Affected(_)
        | E::WrongStatus(_)
        | E::CannotUndo(_)
        | E::Unavailable
        | E::Internal => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::{TestRequest, call_service, init_service};
    use actix_web::{App, HttpResponse, web};

    async fn label_of(path: &str) -> String {
        let app = init_service(
            App::new()
                .service(
                    web::scope("/api/v1")
                        .route("/reservations/{reference}", web::get().to(HttpResponse::Ok))
                        .route("/reservations", web::post().to(HttpResponse::Created)),
                )
                .default_service(web::to(HttpResponse::NotFound)),
        )
        .await;
        let response = call_service(&app, TestRequest::get().uri(path).to_request()).await;
        route_label(response.request())
    }

    #[actix_web::test]
    async fn a_request_is_labelled_by_its_route_pattern_never_its_path() {
        let label = label_of("/api/v1/reservations/K7QX-M3PA?token=secret").await;
        assert_eq!(label, "/api/v1/reservations/{reference}");
        assert!(!label.contains("K7QX"));
    }

    #[actix_web::test]
    async fn a_request_no_route_answers_is_unmatched() {
        for path in ["/api/v1/nowhere/K7QX-M3PA", "/metrics", "/"] {
            assert_eq!(label_of(path).await, UNMATCHED, "{path}");
        }
    }

    #[test]
    fn made_up_methods_share_one_label() {
        let made_up = Method::from_bytes(b"BREW").expect("method");
        assert_eq!(method_label(&made_up), "other");
        assert_eq!(method_label(&Method::POST), "POST");
    }

    #[test]
    fn business_refusals_are_counted_by_their_problem_type() {
        assert_eq!(refusal_kind(&ApiError::SlotTaken), Some("slot-taken"));
        assert_eq!(
            refusal_kind(&ApiError::AlreadyBooked),
            Some("already-booked")
        );
        assert_eq!(
            refusal_kind(&ApiError::TooManyRequests(3)),
            Some("too-many-requests")
        );
        assert_eq!(
            refusal_kind(&ApiError::QuotaReached),
            Some("too-many-appointments")
        );
        for not_a_refusal in [
            ApiError::NotFound("reservation"),
            ApiError::invalid("email", "bad"),
            ApiError::Internal,
            ApiError::Unavailable,
        ] {
            assert_eq!(refusal_kind(&not_a_refusal), None, "{not_a_refusal:?}");
        }
    }
}
