//! Planipref's HTTP API: handlers, problem+json errors and the OpenAPI
//! document, all generated from one [`configure`].
//!
//! Handlers are thin: validated input → domain decision → store call off
//! the async workers → response.

pub mod admin;
pub mod app;
pub mod blocking;
pub mod file_status;
pub mod http;
pub mod hub;
pub mod model;
pub mod public;
pub mod security;
pub mod state;
pub mod telemetry;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpRequest, HttpResponse, web};
use utoipa::OpenApi as _;
use utoipa::openapi::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_swagger_ui::SwaggerUi;

pub use http::error::ApiError;
pub use state::AppState;

/// The base path of every API operation.
pub const BASE_PATH: &str = "/api/v1";
/// Where the OpenAPI document is served.
pub const SPEC_PATH: &str = "/api-docs/openapi.json";

/// The document's fixed parts; paths come from [`configure`].
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Planipref",
        description = "The appointment engine of French préfectures and sous-préfectures.\n\n\
            Applicants (through service-public.fr or a préfecture's site) list sites and \
            motifs, look up free slots and book one; they receive a reference and a secret \
            management token with which they read or cancel their appointment.\n\n\
            Conventions: JSON with snake_case fields; dates `YYYY-MM-DD`; instants RFC 3339 \
            with the site's offset; lists paginated with `page` and `per_page`; every error is \
            `application/problem+json` (RFC 9457) with a stable `type`, and `errors[]` naming \
            each invalid field. What administrators edit carries a `version` (and an `ETag`): \
            a `PUT` sends it back in `If-Match` (428 without it) and is refused with 409 \
            `stale` if someone changed the resource since.\n\n\
            Anti-capture. A convocation-only motif is offered and booked only with the token of \
            the link an agent sent (`X-Convocation-Token`), for the person it names, once. \
            service-public.fr's router may pass its signed context (`X-Planipref-Context`, a \
            JWT whose issuer, audience and key are configured apart from the agents' ones) \
            with the claims `iss`, `aud`, `exp` (required), `nbf`, `iat`, `demarche` \
            (required: the catalogue code the applicant was oriented for), `commune` (INSEE \
            code), and, when the applicant signed in with FranceConnect, `family_name`, \
            `given_name`, `birthdate` (`YYYY-MM-DD`) and `file_number`: orientation, slots, \
            holds and bookings are then restricted to that démarche, and the booking must be \
            for that person; a motif may require it (`requires_context`); a context that does \
            not verify is 401 `invalid-context` (without the agents' `WWW-Authenticate: \
            Bearer` challenge). Each client (its address, or the one a trusted proxy forwards) \
            is limited in searches, holds and bookings per minute and in live holds (429 with \
            `Retry-After`); one person holds a few coming appointments at most; a cancelled \
            slot returns to the public after a random delay, and each motif's newest day opens \
            at an unpredictable moment.",
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
    ),
    servers((url = "/", description = "This server")),
    tags(
        (name = "sites", description = "Préfectures, sous-préfectures and antennas, and what they book"),
        (name = "orientation", description = "Which site is competent for an applicant's commune, and its first free slot"),
        (name = "slots", description = "When a motif can be booked"),
        (name = "demarches", description = "The national catalogue of démarches"),
        (name = "reservations", description = "Keeping a slot while the form is filled in, booking, reading and cancelling an appointment"),
        (name = "convocations", description = "Nominative, single-use invitations to book: agents issue, list and revoke them; the person named books with the link's token (`X-Convocation-Token`)"),
        (name = "operations", description = "Liveness and readiness"),
        (name = "admin", description = "For préfecture agents and administrators: bearer JWT required"),
        (name = "webhooks", description = "A préfecture's systems hear of its appointments and convocations: subscriptions, signed deliveries (Standard Webhooks), their states and redelivery (bearer JWT required)"),
        (name = "hub", description = "For national hubs (the ANTS model: meeting points, free times by meeting point, appointments by file number): a hub's shared token required (`x-hub-rdv-auth-token`), its own rate; server to server, never open to browsers"),
        (name = "counter", description = "The counter's day, for agents: arrivals, calls, no-shows, walk-ins, the day view and bookings made for someone (bearer JWT required)"),
    ),
    components(schemas(http::problem::Problem, http::problem::ProblemField)),
    modifiers(&BearerScheme),
)]
struct ApiDoc;

/// Declares the agents' bearer JWT and the hubs' shared token once;
/// protected operations refer to them.
struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A JWT from the identity provider (or `planipref token` in development). \
                         Claims: `sub`, `name`, `role` (`agent`, `admin_prefecture`, \
                         `admin_national`), `scope` (site ids for `agent`, département codes for \
                         `admin_prefecture`), `iss`, `aud`, `exp`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "hub_token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                crate::security::hub::HUB_TOKEN_HEADER,
                "A national hub's shared token, given to it by the deployment (which keeps only \
                 its SHA-256 digest). Missing or unknown: 401 `hub-unauthorized`; over the \
                 hub's rate: 429 with `Retry-After`.",
            ))),
        );
    }
}

/// Registers every operation of the API (relative to [`BASE_PATH`]).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.configure(public::configure)
        .configure(admin::configure)
        .configure(hub::configure);
}

/// The OpenAPI document, generated from [`configure`].
pub fn openapi() -> OpenApi {
    build(None).1
}

/// The whole application: API, Swagger UI, spec, and problem+json answers
/// for unknown routes and methods.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    build(Some(state)).0
}

fn build(
    state: Option<AppState>,
) -> (
    App<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<impl MessageBody>,
            Error = actix_web::Error,
            InitError = (),
        >,
    >,
    OpenApi,
) {
    let cors = state.as_ref().map(|s| s.cors.clone()).unwrap_or_default();
    let mut app = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .app_data(web::PayloadConfig::new(http::extract::BODY_LIMIT_BYTES));
    if let Some(state) = state {
        // Extractors and middlewares read only what they need.
        app = app
            .app_data(web::Data::new(state.auth.clone()))
            .app_data(web::Data::new(security::router::RouterContexts(
                state.router.clone(),
            )))
            .app_data(web::Data::from(state.limits.clone()))
            .app_data(web::Data::from(state.hubs.clone()))
            .app_data(web::Data::new(http::idempotency::Keys {
                store: state.store.clone(),
                verifier: state.auth.clone(),
                clock: state.clock.clone(),
            }))
            .app_data(web::Data::new(state));
    }
    let (app, spec) = app
        .service(
            utoipa_actix_web::scope(BASE_PATH)
                .wrap(actix_web::middleware::from_fn(
                    http::idempotency::once_per_key,
                ))
                .configure(configure),
        )
        .split_for_parts();
    let spec = http::idempotency::document(spec);
    let routes = web::Data::new(http::routes::RouteTable::from_spec(&spec));
    let cors = http::cors::CrossOrigin::new(cors, &spec);
    let app = app
        .app_data(routes)
        .service(SwaggerUi::new("/swagger-ui/{_:.*}").url(SPEC_PATH, spec.clone()))
        .route("/swagger-ui", web::get().to(to_swagger_ui))
        .route("/", web::get().to(to_swagger_ui))
        .default_service(web::to(unrouted))
        // Browsers' cross-origin requests, by the operation they are
        // routed to (preflights never reach a route, nor the limits).
        .wrap(cors)
        // PostgreSQL text cannot hold NUL: a path or query carrying one is
        // refused before any handler sees it.
        .wrap_fn(|req, srv| {
            let nul = req.uri().to_string().to_ascii_lowercase().contains("%00");
            let (req, fut) = if nul {
                (Some(req), None)
            } else {
                (None, Some(srv.call(req)))
            };
            async move {
                match (fut, req) {
                    (Some(f), _) => f
                        .await
                        .map(ServiceResponse::map_into_left_body::<actix_web::body::BoxBody>),
                    (None, Some(req)) => {
                        let problem = ApiError::Malformed {
                            detail: "NUL characters (%00) are not accepted in paths or queries"
                                .to_owned(),
                            field: None,
                        };
                        Ok(req.error_response(problem).map_into_right_body())
                    }
                    (None, None) => Err(ApiError::Internal.into()),
                }
            }
        })
        // Problems in the client's language (the NUL refusal's too), before
        // they are compressed.
        .wrap(actix_web::middleware::from_fn(http::language::problems))
        .wrap(actix_web::middleware::Compress::default())
        // Outermost: one log line and the metrics per request, labelled by
        // route pattern (never the raw path, which may hold a reference).
        .wrap(actix_web::middleware::from_fn(http::telemetry::observe));
    (app, spec)
}

async fn to_swagger_ui() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((actix_web::http::header::LOCATION, "/swagger-ui/"))
        .finish()
}

async fn unrouted(req: HttpRequest, routes: web::Data<http::routes::RouteTable>) -> HttpResponse {
    routes.unrouted(&req)
}
