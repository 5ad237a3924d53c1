//! Every POST of the API honours `Idempotency-Key`, on SQLite and
//! PostgreSQL: a retry with the same key, method, path, query, credentials
//! and body gets the first answer again (status, body, `Location`), marked
//! `Idempotent-Replayed: true`, and writes nothing; the same key with
//! anything else is 422 naming the header; two keys on one request are 400.
//!
//! The POSTs are read from the generated document, not listed by hand: each
//! needs a fixture below (how to make a valid request on the seeded demo),
//! and a POST added without one fails
//! `every_post_of_the_document_has_a_fixture`, so none escapes.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::body::MessageBody;
use actix_web::dev::{ResourceDef, Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use chrono::{DateTime, Days, NaiveDate, Utc};
use planipref_store::AuditFilter;
use planipref_store::{ConvocationFilter, Page, Store, StoreError};
use planipref_test_support::TestDb;
use serde_json::{Value, json};

use crate::common::requests::aissata;
use crate::common::{
    bobigny_motif, fields, next_open_weekday, paris_clock_at, saint_paul, someone, state, token,
};

const KEY: &str = "Idempotency-Key";

// ---------------------------------------------------------------------------
// Requests and answers
// ---------------------------------------------------------------------------

/// One POST as a client sends it: URI (path and query), headers (the
/// credentials among them) and JSON body, none for the POSTs without one.
/// Kept as data so that the very same request can be sent again.
#[derive(Debug, Clone)]
struct Post {
    uri: String,
    headers: Vec<(&'static str, String)>,
    body: Option<Value>,
}

impl Post {
    fn to(uri: impl Into<String>) -> Self {
        Self {
            uri: uri.into(),
            headers: vec![],
            body: None,
        }
    }

    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    /// As an agent or administrator with this bearer token.
    fn by_agent(self, bearer: &str) -> Self {
        self.header("Authorization", bearer)
    }

    fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// The same request without its `Authorization` header.
    fn anonymous(&self) -> Self {
        Self {
            headers: self
                .headers
                .iter()
                .filter(|(name, _)| *name != "Authorization")
                .cloned()
                .collect(),
            ..self.clone()
        }
    }

    fn has_bearer(&self) -> bool {
        self.headers
            .iter()
            .any(|(name, _)| *name == "Authorization")
    }

    /// The request, with one `Idempotency-Key` header per key given.
    fn keyed(&self, keys: &[&str]) -> TestRequest {
        let mut req = TestRequest::post().uri(&self.uri);
        for (name, value) in &self.headers {
            req = req.insert_header((*name, value.clone()));
        }
        for key in keys {
            req = req.append_header((KEY, (*key).to_owned()));
        }
        if let Some(body) = &self.body {
            req = req.set_json(body);
        }
        req
    }
}

/// What came back: what a replay must repeat, and its mark.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    location: Option<String>,
    replayed: Option<String>,
    body: Value,
}

async fn send<S, B>(app: &S, req: TestRequest) -> Answer
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let res = test::call_service(app, req.to_request()).await;
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (status, location, replayed) = (
        res.status(),
        header("location"),
        header("idempotent-replayed"),
    );
    let body = serde_json::from_slice(&test::read_body(res).await).unwrap_or(Value::Null);
    Answer {
        status,
        location,
        replayed,
        body,
    }
}

/// A key never used before (16 to 128 printable characters).
fn fresh_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

// ---------------------------------------------------------------------------
// What the database holds
// ---------------------------------------------------------------------------

/// Named facts about what the database holds, read through the store's
/// public functions: a request that writes anything changes one of them
/// (every administrative write leaves an audit entry; bookings, holds,
/// cancellations and moves change reservations, their history, holds or a
/// site's availability counter; convocations are listed per site).
type Facts = BTreeMap<String, String>;

fn snapshot(store: &Store) -> Facts {
    // Holds and releases are counted from the epoch: every one ever
    // written (nothing purges them in these tests), so that time passing
    // changes nothing.
    let epoch = DateTime::<Utc>::UNIX_EPOCH;
    let far = Utc::now() + chrono::Duration::days(5 * 366);
    let today = Utc::now().date_naive();
    let mut facts = Facts::new();
    let mut note = |name: String, value: String| {
        facts.insert(name, value);
    };
    let audit = store.list_audit(&AuditFilter::default(), 0, 1);
    note("audit entries".into(), total(audit));
    let reservations = store.count_reservations().unwrap();
    note("reservations".into(), reservations.to_string());
    let holds = store.count_live_holds(epoch).unwrap();
    note("holds written".into(), holds.to_string());
    let releases = store.count_pending_releases(epoch).unwrap();
    note("releases written".into(), releases.to_string());
    let kept = store.kept_idempotent_answers().unwrap().len();
    note("kept idempotent answers".into(), kept.to_string());
    note(
        "prefectures".into(),
        total(store.list_prefectures(None, 0, 1)),
    );
    let webhooks = store.list_webhooks("93", 0, 100).unwrap();
    note("webhooks of 93".into(), webhooks.total.to_string());
    for w in &webhooks.items {
        let all = planipref_store::webhooks::DeliveryFilter::default();
        let deliveries = store.webhook_deliveries(&w.id, all, (0, 100)).unwrap();
        for m in &deliveries.items {
            note(
                format!("delivery {}", m.id),
                format!("{} after {} attempts", m.status, m.attempts),
            );
        }
    }
    let demarches = store.list_demarches().unwrap().len();
    note("demarches".into(), demarches.to_string());
    let sites = store.list_sites(None, 0, 1000).unwrap();
    note("sites".into(), sites.total.to_string());
    for site in &sites.items {
        // Site names are unique within a préfecture.
        let s = format!("{} {}", site.prefecture_code, site.name);
        let availability = store.availability_version(&site.id).unwrap();
        note(format!("{s}: availability"), format!("{availability:?}"));
        let services = store.list_services(&site.id, 0, 1000).unwrap();
        note(format!("{s}: services"), services.total.to_string());
        for service in &services.items {
            let motifs = store.list_motifs(&service.id, 0, 1);
            note(format!("{s}: motifs of {}", service.name), total(motifs));
        }
        let guichets = store.list_guichets(&site.id, 0, 1000).unwrap();
        note(format!("{s}: guichets"), guichets.total.to_string());
        for (guichet, _) in &guichets.items {
            let plages = store.list_plages(&guichet.id, 0, 1);
            note(format!("{s}: plages of {}", guichet.name), total(plages));
        }
        let fermetures = store.list_fermetures(&site.id, 0, 1);
        note(format!("{s}: fermetures"), total(fermetures));
        let days = (today, today + Days::new(800));
        let openings = store.site_exceptions(&site.id, days, (epoch, far)).unwrap();
        note(
            format!("{s}: ouvertures"),
            openings.openings.len().to_string(),
        );
        let all = ConvocationFilter::default();
        let convocations = store.site_convocations(&site.id, all, Utc::now(), (0, 1000));
        for c in &convocations.unwrap().items {
            note(
                format!("convocation {}", c.row.id),
                format!("revoked {:?}, booked {:?}", c.row.revoked_at, c.booked),
            );
        }
        let appointments = store.site_reservations(&site.id, (epoch, far), None, (0, 1000));
        for (r, ..) in &appointments.unwrap().items {
            let history = store.reservation_events(r.id.parse().unwrap()).unwrap();
            note(
                format!("reservation {}", r.reference),
                format!(
                    "{} at {} (updated {}, to rebook {}, erased {}), {} history entries",
                    r.status,
                    r.starts_at,
                    r.updated_at,
                    r.needs_rebooking,
                    r.last_name.is_empty(),
                    history.len()
                ),
            );
        }
    }
    facts
}

/// A page's total, as a fact.
fn total<T>(page: Result<Page<T>, StoreError>) -> String {
    page.unwrap().total.to_string()
}

/// The facts that differ, as "name: before → after".
fn changes(before: &Facts, after: &Facts) -> Vec<String> {
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    names
        .into_iter()
        .filter(|name| before.get(*name) != after.get(*name))
        .map(|name| {
            format!(
                "{name}: {} → {}",
                before.get(name).map_or("(none)", String::as_str),
                after.get(name).map_or("(none)", String::as_str)
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The demo, and what is prepared on it for the fixtures
// ---------------------------------------------------------------------------

/// The seeded demo's ids, the credentials of its agents, and what was
/// booked and issued beforehand (without keys) for the fixtures to act on.
/// Tokens are minted once: a retry must carry the very same credentials.
struct Demo {
    admin_93: String,
    admin_974: String,
    national: String,
    /// Bobigny's préfecture.
    bobigny: String,
    /// Its service (the demo has one per site).
    service: String,
    /// Its "Guichet 1" (open Monday to Friday, never on Saturdays).
    guichet: String,
    /// Its residence-permit renewal motif.
    renouvellement: String,
    /// Appointments of that motif booked for the fixtures: (reference,
    /// management token), one per operation that changes one.
    booked: Vec<(String, String)>,
    /// Free starts of that motif next week, none of `booked`'s; each
    /// fixture takes its own, so that no two fixtures compete.
    free: Vec<String>,
    /// A convocation issued for the purpose (to revoke).
    convocation: String,
    /// Seine-Saint-Denis' next public holidays (to open on).
    holidays: Vec<NaiveDate>,
    /// A weekday nine weeks after next week's bookings: no appointment
    /// falls on it (to close).
    quiet_day: NaiveDate,
    /// Two webhook subscriptions of Seine-Saint-Denis (to test).
    webhooks: Vec<String>,
    /// A test delivery of each, sent and failed (to send again).
    deliveries: Vec<String>,
}

/// How many appointments the fixtures act on (see [`Demo::booked`]).
const BOOKED: usize = 19;
/// How many free starts the fixtures take (see [`Demo::free`]).
const FREE: usize = 9;

/// The appointments prepared at the counter, by index in [`Demo::booked`]:
/// checked in (to call, mark absent or undo), and also called (to end).
const CHECKED_IN: std::ops::RangeInclusive<usize> = 7..=14;
const CALLED: [usize; 2] = [9, 10];

/// The app on `db`, its clock at 10:02 in Paris on the first open weekday
/// a week ahead: walk-ins need a counter open "now", and the fixtures book
/// from that day on.
fn counter_app_state(db: &TestDb) -> planipref_api::state::AppState {
    state(db).with_clock(paris_clock_at(next_open_weekday(), 10, 2))
}

/// Reads the seeded demo's ids, and books and issues (without keys) what
/// the fixtures act on.
async fn prepare<S, B>(app: &S, store: &Store) -> Demo
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let (renouvellement, bobigny) = bobigny_motif(store, "Renouvellement");
    let service = store.list_services(&bobigny, 0, 10).unwrap().items[0]
        .id
        .clone();
    let guichet = store
        .list_guichets(&bobigny, 0, 10)
        .unwrap()
        .items
        .into_iter()
        .find(|(g, _)| g.name == "Guichet 1")
        .unwrap()
        .0
        .id;

    let from = next_open_weekday();
    let slots = send(
        app,
        TestRequest::get().uri(&format!(
            "/api/v1/motifs/{renouvellement}/slots?from={from}&to={}",
            from + Days::new(6)
        )),
    )
    .await;
    let starts: Vec<String> = slots.body["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .map(|s| s["start"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        starts.len() >= BOOKED + FREE,
        "too few slots next week: {}",
        starts.len()
    );

    let mut booked = vec![];
    for start in &starts[..BOOKED] {
        let made = send(
            app,
            Post::to("/api/v1/reservations")
                .json(json!({"motif_id": renouvellement, "start": start, "applicant": someone()}))
                .keyed(&[]),
        )
        .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        booked.push((
            made.body["reference"].as_str().unwrap().to_owned(),
            made.body["management_token"].as_str().unwrap().to_owned(),
        ));
    }

    let admin_93 = token("admin_prefecture", &["93"]);
    let steps = CHECKED_IN
        .map(|i| (i, "check-in"))
        .chain(CALLED.map(|i| (i, "call")));
    for (i, step) in steps {
        let taken = send(
            app,
            Post::to(format!("/api/v1/admin/reservations/{}/{step}", booked[i].0))
                .by_agent(&admin_93)
                .json(json!({}))
                .keyed(&[]),
        )
        .await;
        assert_eq!(taken.status, StatusCode::OK, "{step}: {}", taken.body);
    }

    let issued = send(
        app,
        Post::to("/api/v1/admin/convocations")
            .by_agent(&admin_93)
            .json(json!({"motif_id": renouvellement, "person": aissata()}))
            .keyed(&[]),
    )
    .await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.body);

    // Two subscriptions, each with a test delivery, sent for one, given
    // up for the other (to redeliver).
    let mut webhooks = vec![];
    let mut deliveries = vec![];
    for (n, settle) in [(1, true), (2, false)] {
        let created = send(
            app,
            Post::to("/api/v1/admin/prefectures/93/webhooks")
                .by_agent(&admin_93)
                .json(json!({"url": format!("https://sias.example.gouv.fr/hooks/{n}"), "events": ["reservation.booked"]}))
                .keyed(&[]),
        )
        .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let id = created.body["id"].as_str().unwrap().to_owned();
        let ping = send(
            app,
            Post::to(format!("/api/v1/admin/prefectures/93/webhooks/{id}/ping"))
                .by_agent(&admin_93)
                .keyed(&[]),
        )
        .await;
        assert_eq!(ping.status, StatusCode::ACCEPTED, "{}", ping.body);
        let delivery = ping.body["id"].as_str().unwrap().to_owned();
        if settle {
            store.message_sent(&delivery, Utc::now()).unwrap();
        } else {
            store
                .message_failed(&delivery, "the receiver answered 500")
                .unwrap();
        }
        webhooks.push(id);
        deliveries.push(delivery);
    }

    let dep = planipref_domain::ids::DepartementCode::parse("93").unwrap();
    // The app's today is `from` (see `counter_app_state`).
    let tomorrow = from + Days::new(1);
    let year = chrono::Datelike::year(&tomorrow);
    let holidays = (year..=year + 1)
        .flat_map(|y| planipref_domain::calendar::public_holidays(y, &dep))
        .map(|(day, _)| day)
        .filter(|day| *day > tomorrow)
        .collect();

    Demo {
        admin_93,
        admin_974: token("admin_prefecture", &["974"]),
        national: token("admin_national", &[]),
        bobigny,
        service,
        guichet,
        renouvellement,
        booked,
        free: starts[BOOKED..BOOKED + FREE].to_vec(),
        convocation: issued.body["convocation"]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        holidays,
        quiet_day: from + Days::new(63),
        webhooks,
        deliveries,
    }
}

// ---------------------------------------------------------------------------
// Fixtures: one valid request per POST of the document
// ---------------------------------------------------------------------------

/// How to make one POST on the demo: a valid request, and the same request
/// changed in one thing, what a client reusing a key by mistake would send.
/// Where it can, that change would write something if it were run, so that
/// "nothing written" proves it was not; where the valid request leaves its
/// resource in a final state (a revoked convocation, a cancelled
/// appointment), another body on the same path changes nothing even if run,
/// and only the 422 proves it was refused.
struct Fixture {
    valid: Post,
    other: Post,
}

type Make = fn(&Demo) -> Fixture;

/// Every POST of the document (its path as documented) and its fixture.
const FIXTURES: &[(&str, Make)] = &[
    ("/api/v1/holds", hold),
    ("/api/v1/reservations", reservation),
    ("/api/v1/reservations/{reference}/cancel", applicant_cancels),
    (
        "/api/v1/reservations/{reference}/reschedule",
        applicant_reschedules,
    ),
    (
        "/api/v1/admin/reservations/{reference}/cancel",
        agent_cancels,
    ),
    (
        "/api/v1/admin/reservations/{reference}/reschedule",
        agent_reschedules,
    ),
    ("/api/v1/admin/convocations", convocation),
    (
        "/api/v1/admin/convocations/{convocation_id}/revoke",
        revocation,
    ),
    ("/api/v1/admin/prefectures", prefecture),
    ("/api/v1/admin/sites", site),
    ("/api/v1/admin/sites/{site_id}/services", service),
    ("/api/v1/admin/services/{service_id}/motifs", motif),
    ("/api/v1/admin/sites/{site_id}/guichets", guichet),
    ("/api/v1/admin/guichets/{guichet_id}/plages", plage),
    ("/api/v1/admin/sites/{site_id}/fermetures", fermeture),
    ("/api/v1/admin/sites/{site_id}/ouvertures", ouverture),
    ("/api/v1/admin/demarches", demarche),
    ("/api/v1/admin/reservations", on_behalf),
    ("/api/v1/admin/reservations/{reference}/check-in", check_in),
    ("/api/v1/admin/reservations/{reference}/call", call),
    ("/api/v1/admin/reservations/{reference}/done", done),
    ("/api/v1/admin/reservations/{reference}/no-show", no_show),
    ("/api/v1/admin/reservations/{reference}/undo", undo),
    ("/api/v1/admin/sites/{site_id}/walk-ins", walk_in),
    ("/api/v1/reservations/{reference}/sms-opt-out", stop_sms),
    ("/api/v1/admin/prefectures/{code}/webhooks", webhook),
    ("/api/v1/admin/persons/erase", erase_person),
    (
        "/api/v1/admin/prefectures/{code}/webhooks/{webhook_id}/ping",
        ping,
    ),
    (
        "/api/v1/admin/prefectures/{code}/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
        redeliver,
    ),
];

// Public booking, without credentials.

/// The other request holds another free slot.
fn hold(d: &Demo) -> Fixture {
    let at = |start: &str| {
        Post::to("/api/v1/holds").json(json!({"motif_id": d.renouvellement, "start": start}))
    };
    Fixture {
        valid: at(&d.free[0]),
        other: at(&d.free[1]),
    }
}

/// The other request books the same slot for someone else (the same
/// person twice would be a refused doublon, writing nothing even if run).
fn reservation(d: &Demo) -> Fixture {
    let booking = |applicant: Value| {
        Post::to("/api/v1/reservations")
            .json(json!({"motif_id": d.renouvellement, "start": d.free[2], "applicant": applicant}))
    };
    Fixture {
        valid: booking(someone()),
        other: booking(someone()),
    }
}

// The applicant's own appointment: its reference and management token.

/// The applicant of `d.booked[i]`, acting on it with `action`.
fn applicant(d: &Demo, i: usize, action: &str) -> Post {
    let (reference, token) = &d.booked[i];
    Post::to(format!("/api/v1/reservations/{reference}/{action}"))
        .header("X-Management-Token", token)
}

/// Cancelling has no body: the other request cancels another appointment
/// (another path, with that one's token).
fn applicant_cancels(d: &Demo) -> Fixture {
    Fixture {
        valid: applicant(d, 0, "cancel"),
        other: applicant(d, 1, "cancel"),
    }
}

fn applicant_reschedules(d: &Demo) -> Fixture {
    let to = |start: &str| applicant(d, 2, "reschedule").json(json!({"start": start}));
    Fixture {
        valid: to(&d.free[3]),
        other: to(&d.free[4]),
    }
}

/// Stopping SMS has no body: the other request stops them through another
/// appointment (another path, with that one's token).
fn stop_sms(d: &Demo) -> Fixture {
    Fixture {
        valid: applicant(d, 15, "sms-opt-out"),
        other: applicant(d, 16, "sms-opt-out"),
    }
}

// An agent of Bobigny's préfecture on the applicants' appointments.

/// The other request gives another reason: cancelling a cancelled
/// appointment changes nothing, so only its 422 shows it was refused.
fn agent_cancels(d: &Demo) -> Fixture {
    let because = |reason: &str| {
        Post::to(format!(
            "/api/v1/admin/reservations/{}/cancel",
            d.booked[3].0
        ))
        .by_agent(&d.admin_93)
        .json(json!({"reason": reason}))
    };
    Fixture {
        valid: because("Guichet fermé : agent absent"),
        other: because("Demande de l'usager par téléphone"),
    }
}

fn agent_reschedules(d: &Demo) -> Fixture {
    let to = |start: &str| {
        Post::to(format!(
            "/api/v1/admin/reservations/{}/reschedule",
            d.booked[4].0
        ))
        .by_agent(&d.admin_93)
        .json(json!({"start": start, "reason": "Demande de l'usager au guichet"}))
    };
    Fixture {
        valid: to(&d.free[5]),
        other: to(&d.free[6]),
    }
}

// The counter's day, by an administrator of Seine-Saint-Denis (in scope of
// every site there): each step on appointments prepared for it; the other
// request takes the same step on another one (another path), which would
// write if it ran.

/// `step` on `d.booked[i]`, with `body`.
fn counter_step(d: &Demo, i: usize, step: &str, body: Value) -> Post {
    Post::to(format!(
        "/api/v1/admin/reservations/{}/{step}",
        d.booked[i].0
    ))
    .by_agent(&d.admin_93)
    .json(body)
}

fn check_in(d: &Demo) -> Fixture {
    Fixture {
        valid: counter_step(d, 5, "check-in", json!({})),
        other: counter_step(d, 6, "check-in", json!({})),
    }
}

fn call(d: &Demo) -> Fixture {
    Fixture {
        valid: counter_step(d, 7, "call", json!({"guichet_id": d.guichet})),
        other: counter_step(d, 8, "call", json!({"guichet_id": d.guichet})),
    }
}

fn done(d: &Demo) -> Fixture {
    Fixture {
        valid: counter_step(d, CALLED[0], "done", json!({})),
        other: counter_step(d, CALLED[1], "done", json!({})),
    }
}

/// Checked in, then gone before being called.
fn no_show(d: &Demo) -> Fixture {
    Fixture {
        valid: counter_step(d, 11, "no-show", json!({})),
        other: counter_step(d, 12, "no-show", json!({})),
    }
}

fn undo(d: &Demo) -> Fixture {
    Fixture {
        valid: counter_step(d, 13, "undo", json!({"reason": "Mauvaise personne"})),
        other: counter_step(d, 14, "undo", json!({"reason": "Mauvaise personne"})),
    }
}

/// Someone without an appointment, then someone else.
fn walk_in(d: &Demo) -> Fixture {
    let coming = |applicant: Value| {
        Post::to(format!("/api/v1/admin/sites/{}/walk-ins", d.bobigny))
            .by_agent(&d.admin_93)
            .json(json!({"motif_id": d.renouvellement, "applicant": applicant}))
    };
    Fixture {
        valid: coming(someone()),
        other: coming(someone()),
    }
}

/// Booked by phone for someone, then for someone else at another time.
fn on_behalf(d: &Demo) -> Fixture {
    let booking = |start: &str| {
        Post::to("/api/v1/admin/reservations")
            .by_agent(&d.admin_93)
            .json(json!({
                "motif_id": d.renouvellement, "start": start, "channel": "phone",
                "contact_note": "Joint par téléphone", "applicant": someone()
            }))
    };
    Fixture {
        valid: booking(&d.free[7]),
        other: booking(&d.free[8]),
    }
}

// Convocations, by an administrator of Seine-Saint-Denis.

fn convocation(d: &Demo) -> Fixture {
    let inviting = |person: Value| {
        Post::to("/api/v1/admin/convocations")
            .by_agent(&d.admin_93)
            .json(json!({"motif_id": d.renouvellement, "person": person}))
    };
    Fixture {
        valid: inviting(aissata()),
        other: inviting(json!({
            "last_name": "Traoré", "first_names": "Moussa", "birth_date": "1985-11-02"
        })),
    }
}

/// The other request gives another reason: revoking a revoked convocation
/// changes nothing, so only its 422 shows it was refused.
fn revocation(d: &Demo) -> Fixture {
    let because = |reason: &str| {
        Post::to(format!(
            "/api/v1/admin/convocations/{}/revoke",
            d.convocation
        ))
        .by_agent(&d.admin_93)
        .json(json!({"reason": reason}))
    };
    Fixture {
        valid: because("Convocation envoyée par erreur"),
        other: because("La personne a déjà son titre"),
    }
}

// The organisation of a préfecture, by its administrator; the other
// request creates something else (another name, day or period).

/// An administrator of Seine-Saint-Denis creating `body`s under `uri`.
fn organisation(d: &Demo, uri: String, body: Value, other: Value) -> Fixture {
    let creating = |body: Value| Post::to(uri.clone()).by_agent(&d.admin_93).json(body);
    Fixture {
        valid: creating(body),
        other: creating(other),
    }
}

fn site(d: &Demo) -> Fixture {
    let mut saint_benoit = saint_paul();
    saint_benoit["name"] = json!("Sous-préfecture de Saint-Benoît");
    let creating = |body: Value| {
        Post::to("/api/v1/admin/sites")
            .by_agent(&d.admin_974)
            .json(body)
    };
    Fixture {
        valid: creating(saint_paul()),
        other: creating(saint_benoit),
    }
}

fn service(d: &Demo) -> Fixture {
    organisation(
        d,
        format!("/api/v1/admin/sites/{}/services", d.bobigny),
        json!({"name": "Bureau des naturalisations"}),
        json!({"name": "Bureau des cartes grises"}),
    )
}

fn motif(d: &Demo) -> Fixture {
    organisation(
        d,
        format!("/api/v1/admin/services/{}/motifs", d.service),
        json!({"label": "Remise de titre de voyage", "duration_minutes": 20}),
        json!({"label": "Remise de document de circulation", "duration_minutes": 20}),
    )
}

fn guichet(d: &Demo) -> Fixture {
    organisation(
        d,
        format!("/api/v1/admin/sites/{}/guichets", d.bobigny),
        json!({"name": "Guichet 5", "motif_ids": [d.renouvellement]}),
        json!({"name": "Guichet 6", "motif_ids": [d.renouvellement]}),
    )
}

/// Saturdays, when the guichet is otherwise closed: no overlap.
fn plage(d: &Demo) -> Fixture {
    let today = Utc::now().date_naive().to_string();
    organisation(
        d,
        format!("/api/v1/admin/guichets/{}/plages", d.guichet),
        json!({"weekdays": ["saturday"], "start": "09:00", "end": "12:00", "valid_from": today}),
        json!({"weekdays": ["saturday"], "start": "13:00", "end": "15:00", "valid_from": today}),
    )
}

fn fermeture(d: &Demo) -> Fixture {
    let day = d.quiet_day;
    let next = day + Days::new(1);
    organisation(
        d,
        format!("/api/v1/admin/sites/{}/fermetures", d.bobigny),
        json!({"from_date": day, "to_date": day, "reason": "Inventaire annuel"}),
        json!({"from_date": next, "to_date": next, "reason": "Inventaire annuel"}),
    )
}

fn ouverture(d: &Demo) -> Fixture {
    organisation(
        d,
        format!("/api/v1/admin/sites/{}/ouvertures", d.bobigny),
        json!({"date": d.holidays[0], "reason": "Journée de solidarité"}),
        json!({"date": d.holidays[1], "reason": "Journée de solidarité"}),
    )
}

/// A legal request to erase the person of an appointment; the other
/// request erases another's.
fn erase_person(d: &Demo) -> Fixture {
    let erasing = |i: usize| {
        Post::to("/api/v1/admin/persons/erase")
            .by_agent(&d.admin_93)
            .json(json!({"reference": d.booked[i].0, "reason": "Demande d'effacement (art. 17 RGPD)"}))
    };
    Fixture {
        valid: erasing(17),
        other: erasing(18),
    }
}

// A préfecture's webhooks, by its administrator.

fn webhook(d: &Demo) -> Fixture {
    organisation(
        d,
        "/api/v1/admin/prefectures/93/webhooks".to_owned(),
        json!({"url": "https://sias.example.gouv.fr/hooks/a", "events": ["reservation.cancelled"]}),
        json!({"url": "https://sias.example.gouv.fr/hooks/b", "events": ["reservation.cancelled"]}),
    )
}

/// The other request tests the other subscription.
fn ping(d: &Demo) -> Fixture {
    let pinging = |id: &str| {
        Post::to(format!("/api/v1/admin/prefectures/93/webhooks/{id}/ping")).by_agent(&d.admin_93)
    };
    Fixture {
        valid: pinging(&d.webhooks[0]),
        other: pinging(&d.webhooks[1]),
    }
}

/// The other request sends the other subscription's delivery again.
fn redeliver(d: &Demo) -> Fixture {
    let again = |i: usize| {
        Post::to(format!(
            "/api/v1/admin/prefectures/93/webhooks/{}/deliveries/{}/redeliver",
            d.webhooks[i], d.deliveries[i]
        ))
        .by_agent(&d.admin_93)
    };
    Fixture {
        valid: again(0),
        other: again(1),
    }
}

// The national catalogue and the préfectures, by a national administrator.

fn prefecture(d: &Demo) -> Fixture {
    let creating = |body: Value| {
        Post::to("/api/v1/admin/prefectures")
            .by_agent(&d.national)
            .json(body)
    };
    Fixture {
        valid: creating(
            json!({"code": "2A", "name": "Préfecture de la Corse-du-Sud", "departement_name": "Corse-du-Sud"}),
        ),
        other: creating(
            json!({"code": "2B", "name": "Préfecture de la Haute-Corse", "departement_name": "Haute-Corse"}),
        ),
    }
}

fn demarche(d: &Demo) -> Fixture {
    let creating = |code: &str, label: &str| {
        Post::to("/api/v1/admin/demarches")
            .by_agent(&d.national)
            .json(json!({"code": code, "label": label, "default_duration_minutes": 20}))
    };
    Fixture {
        valid: creating("sejour-duplicata", "Duplicata de titre de séjour"),
        other: creating("sejour-changement-adresse", "Changement d'adresse"),
    }
}

// ---------------------------------------------------------------------------
// Running every POST of the document
// ---------------------------------------------------------------------------

/// The document's POST operations, by path.
fn documented_posts() -> BTreeMap<String, Value> {
    let doc = serde_json::to_value(planipref_api::openapi()).unwrap();
    doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter_map(|(path, item)| Some((path.clone(), item.get("post")?.clone())))
        .collect()
}

/// Whether the document says `operation` needs the agents' bearer token.
fn needs_bearer(operation: &Value) -> bool {
    operation["security"]
        .as_array()
        .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()))
}

/// The fixture of the documented `path`, checked to be a request to it.
fn fixture(path: &str, demo: &Demo) -> Fixture {
    let make = FIXTURES
        .iter()
        .find(|(p, _)| *p == path)
        .unwrap_or_else(|| panic!("no fixture for POST {path}"))
        .1;
    let made = make(demo);
    let route = ResourceDef::new(path);
    for post in [&made.valid, &made.other] {
        let uri_path = post.uri.split('?').next().unwrap();
        assert!(
            route.is_match(uri_path),
            "the fixture of {path} posts to {}",
            post.uri
        );
    }
    made
}

/// What the calls of one operation's check answered, and what went wrong.
#[derive(Debug, Default)]
struct Outcome {
    statuses: Vec<StatusCode>,
    failures: Vec<String>,
}

impl Outcome {
    /// Notes `answer`'s status.
    fn saw(&mut self, answer: &Answer) {
        self.statuses.push(answer.status);
    }

    fn fail(&mut self, why: impl Into<String>) {
        self.failures.push(why.into());
    }

    /// Fails unless `answer` is a success (a fixture's valid request).
    fn succeeded(&mut self, answer: &Answer, call: &str) -> bool {
        self.saw(answer);
        let ok = answer.status.is_success();
        if !ok {
            self.fail(format!(
                "{call}: {} instead of a success: {}",
                answer.status,
                short(&answer.body)
            ));
        }
        ok
    }

    /// Fails unless `answer` is `status` naming only `Idempotency-Key`.
    fn refused(&mut self, answer: &Answer, status: StatusCode, call: &str) {
        self.saw(answer);
        if answer.status != status || fields(&answer.body) != [KEY] {
            self.fail(format!(
                "{call}: {} instead of {status} naming {KEY}: {}",
                answer.status,
                short(&answer.body)
            ));
        }
    }

    /// Fails when the database changed since `before`.
    fn unchanged(&mut self, store: &Store, before: &Facts, call: &str) {
        let changed = changes(before, &snapshot(store));
        if !changed.is_empty() {
            self.fail(format!("{call} wrote: {}", changed.join("; ")));
        }
    }
}

/// A body, cut short for a report line.
fn short(body: &Value) -> String {
    let text = body.to_string();
    match text.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

/// The outcomes of one test, per database and operation: printed as a
/// table, and one failure listing every operation that did not pass (so
/// that one run shows all of them).
#[derive(Default)]
struct Report {
    rows: Vec<(&'static str, String, Outcome)>,
}

impl Report {
    fn add(&mut self, backend: &'static str, path: &str, outcome: Outcome) {
        self.rows.push((backend, path.to_owned(), outcome));
    }

    /// Prints every operation's statuses (seen with `--nocapture`), and
    /// fails listing those that did not pass.
    fn finish(self, rule: &str) {
        let mut table = String::new();
        let mut failed = String::new();
        for (backend, path, outcome) in &self.rows {
            let statuses: Vec<String> = outcome
                .statuses
                .iter()
                .map(|s| s.as_u16().to_string())
                .collect();
            let line = format!("{backend:<10} POST {path:<52} {}", statuses.join(" "));
            table.push_str(&format!("{line}\n"));
            if !outcome.failures.is_empty() {
                failed.push_str(&format!(
                    "{line}\n    {}\n",
                    outcome.failures.join("\n    ")
                ));
            }
        }
        eprintln!("{rule}:\n{table}");
        assert!(failed.is_empty(), "{rule}, but not for:\n{failed}");
    }
}

// ---------------------------------------------------------------------------
// The checks, for one operation
// ---------------------------------------------------------------------------

/// The valid request runs; sent again with the same key it gets the first
/// answer (status, body, `Location`), marked replayed, and writes nothing.
async fn replays_the_first_answer<S, B>(app: &S, store: &Store, f: &Fixture) -> Outcome
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut out = Outcome::default();
    let key = fresh_key();
    let first = send(app, f.valid.keyed(&[&key])).await;
    if !out.succeeded(&first, "the first call") {
        return out;
    }
    if first.replayed.is_some() {
        out.fail("the first answer is marked replayed");
    }
    let before = snapshot(store);
    let again = send(app, f.valid.keyed(&[&key])).await;
    out.saw(&again);
    if again.replayed.as_deref() != Some("true") {
        out.fail(format!(
            "the retry is not marked Idempotent-Replayed: true ({:?})",
            again.replayed
        ));
    }
    if again.status != first.status {
        out.fail(format!(
            "the retry answered {} instead of {}: {}",
            again.status,
            first.status,
            short(&again.body)
        ));
    }
    if again.body != first.body {
        out.fail(format!(
            "the retry's body differs: {} instead of {}",
            short(&again.body),
            short(&first.body)
        ));
    }
    if again.location != first.location {
        out.fail(format!(
            "the retry's Location is {:?} instead of {:?}",
            again.location, first.location
        ));
    }
    out.unchanged(store, &before, "the retry");
    out
}

/// The valid request runs; another request with the same key is 422
/// naming the header, and writes nothing.
async fn refuses_the_key_for_another_request<S, B>(app: &S, store: &Store, f: &Fixture) -> Outcome
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut out = Outcome::default();
    let key = fresh_key();
    let first = send(app, f.valid.keyed(&[&key])).await;
    if !out.succeeded(&first, "the first call") {
        return out;
    }
    let before = snapshot(store);
    let other = send(app, f.other.keyed(&[&key])).await;
    out.refused(
        &other,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another request with the key",
    );
    out.unchanged(store, &before, "another request with the key");
    out
}

/// The valid request with two keys is 400 naming the header, and writes
/// nothing: which key would a retry repeat?
async fn refuses_two_keys<S, B>(app: &S, store: &Store, f: &Fixture) -> Outcome
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut out = Outcome::default();
    let before = snapshot(store);
    let twice = send(app, f.valid.keyed(&[&fresh_key(), &fresh_key()])).await;
    out.refused(&twice, StatusCode::BAD_REQUEST, "two keys");
    out.unchanged(store, &before, "two keys");
    out
}

/// The valid request without its bearer token is 401 with a key; that
/// answer is not kept, so the same key with the token runs the request
/// (a first answer, not a replay of the 401).
async fn frees_a_key_answered_401<S, B>(app: &S, f: &Fixture) -> Outcome
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut out = Outcome::default();
    let key = fresh_key();
    let anonymous = send(app, f.valid.anonymous().keyed(&[&key])).await;
    out.saw(&anonymous);
    if anonymous.status != StatusCode::UNAUTHORIZED {
        out.fail(format!(
            "without its token: {} instead of 401",
            anonymous.status
        ));
    }
    let authenticated = send(app, f.valid.keyed(&[&key])).await;
    if out.succeeded(&authenticated, "with its token and the same key")
        && authenticated.replayed.is_some()
    {
        out.fail("with its token and the same key: marked replayed");
    }
    out
}

// ---------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------

#[test]
fn every_post_of_the_document_has_a_fixture() {
    let documented: BTreeSet<String> = documented_posts().into_keys().collect();
    let fixtures: BTreeSet<String> = FIXTURES.iter().map(|(p, _)| (*p).to_owned()).collect();
    assert_eq!(FIXTURES.len(), fixtures.len(), "a path has two fixtures");
    let missing: Vec<&String> = documented.difference(&fixtures).collect();
    let stale: Vec<&String> = fixtures.difference(&documented).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "POSTs of the document without a fixture: {missing:?}; fixtures of no documented POST: {stale:?}"
    );
}

#[actix_web::test]
async fn every_post_retried_with_its_key_gets_the_first_answer_and_writes_nothing() {
    let mut report = Report::default();
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(counter_app_state(&db))).await;
        let demo = prepare(&app, db.store()).await;
        for path in documented_posts().into_keys() {
            let f = fixture(&path, &demo);
            let outcome = replays_the_first_answer(&app, db.store(), &f).await;
            report.add(db.backend(), &path, outcome);
        }
    }
    report.finish("A retry with the same key gets the first answer and writes nothing");
}

#[actix_web::test]
async fn every_post_refuses_its_key_for_another_request_and_writes_nothing() {
    let mut report = Report::default();
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(counter_app_state(&db))).await;
        let demo = prepare(&app, db.store()).await;
        for path in documented_posts().into_keys() {
            let f = fixture(&path, &demo);
            let outcome = refuses_the_key_for_another_request(&app, db.store(), &f).await;
            report.add(db.backend(), &path, outcome);
        }
    }
    report.finish("The same key for another request is 422 and writes nothing");
}

#[actix_web::test]
async fn every_post_refuses_two_keys_and_writes_nothing() {
    let mut report = Report::default();
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(counter_app_state(&db))).await;
        let demo = prepare(&app, db.store()).await;
        for path in documented_posts().into_keys() {
            let f = fixture(&path, &demo);
            let outcome = refuses_two_keys(&app, db.store(), &f).await;
            report.add(db.backend(), &path, outcome);
        }
    }
    report.finish("Two keys on one request are 400 and write nothing");
}

#[actix_web::test]
async fn every_authenticated_post_answered_401_leaves_its_key_free() {
    let mut report = Report::default();
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(counter_app_state(&db))).await;
        let demo = prepare(&app, db.store()).await;
        for (path, operation) in documented_posts() {
            if needs_bearer(&operation) {
                let f = fixture(&path, &demo);
                assert!(f.valid.has_bearer(), "the fixture of {path} sends no token");
                let outcome = frees_a_key_answered_401(&app, &f).await;
                report.add(db.backend(), &path, outcome);
            }
        }
    }
    report.finish("A 401 is not kept: the key runs the authenticated request");
}

#[actix_web::test]
async fn a_key_is_its_callers_own_whatever_token_carries_it() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(counter_app_state(&db))).await;
        let (_, site) = bobigny_motif(db.store(), "Renouvellement");
        let closures = || db.store().list_fermetures(&site, 0, 100).unwrap().total;
        let close = |bearer: Option<String>, day: &str| {
            let mut req = TestRequest::post()
                .uri(&format!("/api/v1/admin/sites/{site}/fermetures"))
                .insert_header((KEY, "b1946ac9-2b2b-4f0e-9c6f-0a7e5d1f3c21"))
                .set_json(json!({"from_date": day, "to_date": day, "reason": "Inventaire"}));
            if let Some(bearer) = bearer {
                req = req.insert_header(("Authorization", bearer));
            }
            req
        };
        let first = crate::common::token_for("admin_prefecture", &["93"], 600);
        let (s, _, created) = call!(app, close(Some(first), "2030-02-04"));
        assert_eq!(s, StatusCode::CREATED, "{created}");
        assert_eq!(closures(), 1);
        // The same agent retrying with a renewed token: the first answer.
        let renewed = crate::common::token_for("admin_prefecture", &["93"], 900);
        let res = test::call_service(&app, close(Some(renewed), "2030-02-04").to_request()).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        assert_eq!(res.headers().get("idempotent-replayed").unwrap(), "true");
        assert_eq!(closures(), 1, "{}", db.backend());
        // Without a token: refused as such (401), not as someone else's
        // key (422), and the agent's key is untouched.
        let (s, _, b) = call!(app, close(None, "2030-02-04"));
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
        // Another agent sending the same key: their own request, run.
        let other = token("admin_national", &[]);
        let (s, _, b) = call!(app, close(Some(other), "2030-02-05"));
        assert_eq!(s, StatusCode::CREATED, "{b}");
        assert_ne!(b["id"], created["id"]);
        assert_eq!(closures(), 2, "{}", db.backend());
    }
}
