//! Browsers' cross-origin requests (SQLite: the answers depend on the
//! routes and the settings, not on the data): preflights and answers for
//! the listed origins on the journey, nothing for others, the agents'
//! operations only for their own list (percent-encoded paths included),
//! and preflights neither answered 405 when CORS applies nor counted by the
//! per-client limits.

use crate::common::{send, state, token};
use actix_web::http::StatusCode;
use actix_web::http::header::HeaderMap;
use actix_web::test::{self, TestRequest};
use planipref_api::http::cors::{Audience, Audiences, CorsSettings};
use planipref_api::http::limits::LimitSettings;
use planipref_test_support::TestDb;

const PAGE: &str = "https://rdv.seine-saint-denis.gouv.fr";
const BACK_OFFICE: &str = "https://agents.seine-saint-denis.gouv.fr";
const ELSEWHERE: &str = "https://slots-for-sale.example";

fn settings(public: &[&str], admin: &[&str]) -> CorsSettings {
    CorsSettings {
        public_origins: public.iter().map(|o| (*o).to_owned()).collect(),
        admin_origins: admin.iter().map(|o| (*o).to_owned()).collect(),
    }
}

fn preflight(uri: &str, origin: &str, method: &str, headers: &str) -> TestRequest {
    let req = TestRequest::default()
        .method(actix_web::http::Method::OPTIONS)
        .uri(uri)
        .insert_header(("Origin", origin))
        .insert_header(("Access-Control-Request-Method", method));
    if headers.is_empty() {
        req
    } else {
        req.insert_header(("Access-Control-Request-Headers", headers))
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> &'h str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Lower-cased comma-separated names of `name`.
fn names(headers: &HeaderMap, name: &str) -> Vec<String> {
    header(headers, name)
        .split(',')
        .map(|n| n.trim().to_ascii_lowercase())
        .filter(|n| !n.is_empty())
        .collect()
}

fn allows(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
}

#[actix_web::test]
async fn a_listed_origin_may_go_through_the_journey() {
    let db = TestDb::sqlite();
    let app = test::init_service(planipref_api::app(
        state(&db).with_cors(settings(&[PAGE], &[])),
    ))
    .await;
    let journey = [
        (
            "/api/v1/orientation?demarche=x&commune=93008",
            "GET",
            "accept-language, x-planipref-context",
        ),
        (
            "/api/v1/sites/4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11/first-slot",
            "GET",
            "",
        ),
        (
            "/api/v1/motifs/4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11/slots",
            "GET",
            "x-convocation-token",
        ),
        ("/api/v1/demarches/sejour-renouvellement/delays", "GET", ""),
        (
            "/api/v1/holds",
            "POST",
            "content-type, idempotency-key, x-convocation-token",
        ),
        (
            "/api/v1/holds/0b7e4c2d-5a1f-4e3b-9c8d-7f6a5b4c3d2e",
            "DELETE",
            "",
        ),
        (
            "/api/v1/reservations",
            "POST",
            "content-type, idempotency-key, x-planipref-context",
        ),
        (
            "/api/v1/reservations/K7QX-M3PA",
            "GET",
            "x-management-token",
        ),
        (
            "/api/v1/reservations/K7QX-M3PA/ics",
            "GET",
            "x-management-token",
        ),
        (
            "/api/v1/reservations/K7QX-M3PA/cancel",
            "POST",
            "x-management-token, idempotency-key",
        ),
        ("/api/v1/convocations/current", "GET", "x-convocation-token"),
    ];
    for (uri, method, asked) in journey {
        let (s, h, _) = send(&app, preflight(uri, PAGE, method, asked)).await;
        assert_eq!(s, StatusCode::OK, "{method} {uri}");
        assert_eq!(allows(&h), Some(PAGE), "{method} {uri}");
        assert!(names(&h, "access-control-allow-methods").contains(&method.to_ascii_lowercase()));
        for asked in asked.split(", ").filter(|a| !a.is_empty()) {
            let allowed = names(&h, "access-control-allow-headers");
            assert!(allowed.contains(&asked.to_owned()), "{asked}: {allowed:?}");
        }
        assert_eq!(header(&h, "access-control-max-age"), "600");
        assert!(h.get("access-control-allow-credentials").is_none());
    }
    // The answers themselves: readable by the page, with the headers it
    // needs, refusals included (a problem the page shows).
    let (s, h, body) = send(
        &app,
        TestRequest::get()
            .uri("/api/v1/sites")
            .insert_header(("Origin", PAGE)),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(allows(&h), Some(PAGE));
    let exposed = names(&h, "access-control-expose-headers");
    for needed in [
        "etag",
        "location",
        "retry-after",
        "content-language",
        "content-disposition",
        "date",
    ] {
        assert!(
            exposed.contains(&needed.to_owned()),
            "{needed}: {exposed:?}"
        );
    }
    assert!(names(&h, "vary").contains(&"origin".to_owned()));
    let (s, h, body) = send(
        &app,
        TestRequest::get()
            .uri("/api/v1/reservations/K7QX-M3PA")
            .insert_header(("Origin", PAGE))
            .insert_header(("X-Management-Token", "wrong")),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(allows(&h), Some(PAGE));
    assert_eq!(header(&h, "content-type"), "application/problem+json");
}

#[actix_web::test]
async fn other_origins_get_no_cors_header_and_the_same_answers() {
    let db = TestDb::sqlite();
    for cors in [settings(&[PAGE], &[BACK_OFFICE]), CorsSettings::default()] {
        let listed = !cors.public_origins.is_empty();
        let app = test::init_service(planipref_api::app(state(&db).with_cors(cors))).await;
        // A preflight nobody answers is what it was: 405 naming the methods.
        let (s, h, body) = send(
            &app,
            preflight("/api/v1/holds", ELSEWHERE, "POST", "content-type"),
        )
        .await;
        assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED, "{body}");
        assert_eq!(header(&h, "allow"), "POST");
        assert_eq!(allows(&h), None);
        let (s, h, _) = send(
            &app,
            TestRequest::get()
                .uri("/api/v1/sites")
                .insert_header(("Origin", ELSEWHERE)),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(allows(&h), None);
        assert!(h.get("access-control-expose-headers").is_none());
        // Caches keep answers apart by origin only where CORS may apply.
        assert_eq!(names(&h, "vary").contains(&"origin".to_owned()), listed);
        // No Origin: no CORS, whatever the lists.
        let (s, h, _) = send(&app, TestRequest::get().uri("/api/v1/sites")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(allows(&h), None);
        // OPTIONS without a preflight's headers: 405, as before.
        let (s, h, _) = send(
            &app,
            TestRequest::default()
                .method(actix_web::http::Method::OPTIONS)
                .uri("/api/v1/sites")
                .insert_header(("Origin", PAGE)),
        )
        .await;
        assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(header(&h, "allow"), "GET");
        assert_eq!(allows(&h), None);
    }
}

#[actix_web::test]
async fn agents_operations_answer_only_the_admin_origins() {
    let db = TestDb::sqlite();
    let admin_paths = [
        ("/api/v1/admin/sites", "GET"),
        ("/api/v1/%61dmin/sites", "GET"),
        ("/api/v1/%61%64%6D%69%6E/sites", "GET"),
        ("/api/v1/admin/convocations", "POST"),
        ("/api/v1/admin/prefectures/93/webhooks", "POST"),
        ("/api/v1/admin/reservations/K7QX-M3PA/check-in", "POST"),
        ("/api/v1/admin/prefectures/93", "PUT"),
    ];
    // The public list only: no agents' operation answers it.
    let app = test::init_service(planipref_api::app(
        state(&db).with_cors(settings(&[PAGE], &[])),
    ))
    .await;
    for (uri, method) in admin_paths {
        let (s, h, _) = send(&app, preflight(uri, PAGE, method, "authorization")).await;
        assert_eq!(allows(&h), None, "{method} {uri}");
        assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
    }
    let (s, h, _) = send(
        &app,
        TestRequest::get()
            .uri("/api/v1/%61dmin/sites")
            .insert_header(("Origin", PAGE))
            .insert_header(("Authorization", token("admin_national", &[]))),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "routed to the agents' list of sites");
    assert_eq!(allows(&h), None);
    // With the back office listed apart: its origin only, on /admin only.
    let app = test::init_service(planipref_api::app(
        state(&db).with_cors(settings(&[PAGE], &[BACK_OFFICE])),
    ))
    .await;
    for (uri, method) in admin_paths {
        let (s, h, _) = send(
            &app,
            preflight(
                uri,
                BACK_OFFICE,
                method,
                "authorization, if-match, content-type",
            ),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{method} {uri}");
        assert_eq!(allows(&h), Some(BACK_OFFICE), "{method} {uri}");
        let (_, h, _) = send(&app, preflight(uri, PAGE, method, "authorization")).await;
        assert_eq!(allows(&h), None, "{method} {uri}");
    }
    let (s, h, body) = send(
        &app,
        TestRequest::get()
            .uri("/api/v1/admin/sites")
            .insert_header(("Origin", BACK_OFFICE))
            .insert_header(("Authorization", token("admin_national", &[]))),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(allows(&h), Some(BACK_OFFICE));
    let (_, h, _) = send(&app, preflight("/api/v1/sites", BACK_OFFICE, "GET", "")).await;
    assert_eq!(allows(&h), None, "the back office is not a public page");
}

#[actix_web::test]
async fn operations_outside_the_journey_and_unknown_methods_get_no_cors() {
    let db = TestDb::sqlite();
    let app = test::init_service(planipref_api::app(
        state(&db).with_cors(settings(&[PAGE], &[BACK_OFFICE])),
    ))
    .await;
    for (uri, method) in [
        ("/api/v1/health", "GET"),
        ("/api/v1/ready", "GET"),
        ("/api/v1/sites", "PUT"),
        ("/api/v1/reservations", "GET"),
        ("/api/v1/hub/availableTimeSlots", "GET"),
        ("/api/v1/hub/getManagedMeetingPoints", "GET"),
        ("/api/v1/nowhere", "GET"),
        ("/api-docs/openapi.json", "GET"),
    ] {
        for origin in [PAGE, BACK_OFFICE] {
            let (s, h, _) = send(&app, preflight(uri, origin, method, "")).await;
            assert_eq!(allows(&h), None, "{method} {uri}");
            assert_ne!(s, StatusCode::OK, "{method} {uri}");
        }
    }
    // A listed page asking for a header the journey does not use: refused
    // as problem+json, without CORS headers.
    let (s, h, body) = send(
        &app,
        preflight(
            "/api/v1/holds",
            PAGE,
            "POST",
            "content-type, x-something-else",
        ),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(header(&h, "content-type"), "application/problem+json");
    assert_eq!(body["errors"][0]["field"], "Access-Control-Request-Headers");
    assert_eq!(allows(&h), None);
}

#[actix_web::test]
async fn preflights_are_not_counted_as_searches() {
    let db = TestDb::sqlite();
    db.store().sync_communes().expect("communes");
    let limits = LimitSettings {
        searches_per_minute: 1,
        ..LimitSettings::default()
    };
    let app = test::init_service(planipref_api::app(
        state(&db)
            .with_limits(limits)
            .with_cors(settings(&[PAGE], &[])),
    ))
    .await;
    let client: std::net::SocketAddr = "203.0.113.7:40000".parse().unwrap();
    let uri = "/api/v1/orientation?demarche=sejour-renouvellement&commune=93008";
    for _ in 0..3 {
        let (s, h, _) = send(
            &app,
            preflight(uri, PAGE, "GET", "accept-language").peer_addr(client),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(allows(&h), Some(PAGE));
    }
    let search = || {
        TestRequest::get()
            .uri(uri)
            .peer_addr(client)
            .insert_header(("Origin", PAGE))
    };
    let (s, h, body) = send(&app, search()).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(allows(&h), Some(PAGE));
    // The second search is over the limit: the page can read how long to wait.
    let (s, h, _) = send(&app, search()).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(allows(&h), Some(PAGE));
    assert!(names(&h, "access-control-expose-headers").contains(&"retry-after".to_owned()));
}

#[test]
fn the_audiences_follow_the_document() {
    let spec = planipref_api::openapi();
    let audiences = Audiences::from_spec(&spec);
    let get = actix_web::http::Method::GET;
    let post = actix_web::http::Method::POST;
    for path in spec.paths.paths.keys() {
        if path.starts_with("/api/v1/admin/") {
            let concrete = crate::common::concrete(path, "x");
            let methods = ["GET", "POST", "PUT", "DELETE"];
            for m in methods {
                let m = actix_web::http::Method::from_bytes(m.as_bytes()).unwrap();
                assert_ne!(
                    audiences.of(&m, &concrete),
                    Some(Audience::Public),
                    "{path}"
                );
            }
        }
    }
    for (method, path) in [
        (&get, "/api/v1/orientation"),
        (&get, "/api/v1/sites/x/first-slot"),
        (&get, "/api/v1/motifs/x/slots"),
        (&get, "/api/v1/demarches"),
        (&post, "/api/v1/holds"),
        (&post, "/api/v1/reservations"),
        (&post, "/api/v1/reservations/x/cancel"),
    ] {
        assert_eq!(audiences.of(method, path), Some(Audience::Public), "{path}");
    }
    assert_eq!(
        audiences.of(&get, "/api/v1/admin/me"),
        Some(Audience::Admin)
    );
    assert_eq!(audiences.of(&get, "/api/v1/health"), None);
    assert_eq!(audiences.of(&post, "/api/v1/sites"), None);
}
