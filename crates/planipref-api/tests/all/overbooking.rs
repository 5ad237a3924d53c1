//! Over-booking on both databases: nothing over-booked while the
//! préfecture has it off; once on, a full slot of Bobigny is offered and
//! booked on extra places, as many as the no-shows measured on a seeded
//! history allow (shrunk, capped), flagged; the day's bound holds under a
//! rush of concurrent bookings; the policy is versioned and checked.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::test;
use actix_web::test::TestRequest;
use chrono::{Duration, NaiveDate};
use planipref_test_support::{TestDb, overbooked_count, set_statuses};
use serde_json::{Value, json};

use crate::common::requests::{book, problem, slots_on};
use crate::common::{
    ShiftedClock, bobigny_motif, fields, get_as, next_open_weekday, paris_clock_at, put, someone,
    state, token,
};

const POLICY: &str = "/api/v1/admin/prefectures/93/overbooking";

/// The slots listed for `motif` on `day`: (start, remaining).
async fn listed<S, B>(app: &S, motif: &str, day: NaiveDate) -> Vec<(String, u64)>
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let (status, _, body) = call!(app, slots_on(motif, day));
    assert_eq!(status, StatusCode::OK, "{body}");
    body["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["start"].as_str().unwrap().to_owned(),
                s["remaining"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The setting: 20 web appointments of the motif on `history`, 4 of them
/// missed and 16 served; then the clock a day later. With a minimum
/// sample of 20, the rate assumed is 4 / (20 + 20) = 10 %.
async fn seeded<S, B>(app: &S, db: &TestDb, clock: &ShiftedClock, motif: &str, history: NaiveDate)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let mut references = Vec::new();
    'slots: for (start, remaining) in listed(app, motif, history).await {
        for _ in 0..remaining {
            if references.len() == 20 {
                break 'slots;
            }
            let (status, _, body) = call!(app, book(motif, &start, someone()));
            assert_eq!(status, StatusCode::CREATED, "{body}");
            references.push(body["reference"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(references.len(), 20, "the history needs 20 appointments");
    clock.advance(Duration::days(3));
    set_statuses(db.store(), &references[..4], "no_show");
    set_statuses(db.store(), &references[4..], "done");
}

/// The first day from a week after `history` on which the motif has slots.
async fn open_day<S, B>(app: &S, motif: &str, history: NaiveDate) -> NaiveDate
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let mut day = history + Duration::days(7);
    for _ in 0..10 {
        if !listed(app, motif, day).await.is_empty() {
            return day;
        }
        day = day.succ_opt().unwrap();
    }
    panic!("no open day after {history}");
}

/// Extra places for `places` of the guichets' own at a 10 % rate.
fn bound(places: u64) -> u64 {
    places * 10_000 / 9_000 - places
}

/// Books every guichet of `slots` (start, remaining) full.
async fn fill<S, B>(app: &S, motif: &str, slots: &[(String, u64)])
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    for (start, remaining) in slots {
        for _ in 0..*remaining {
            let (status, _, body) = call!(app, book(motif, start, someone()));
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
    }
}

#[actix_web::test]
async fn a_full_slot_is_over_booked_only_when_opted_in_and_as_measured() {
    for db in TestDb::each() {
        let history = next_open_weekday();
        let clock: Arc<ShiftedClock> = paris_clock_at(history - Duration::days(2), 10, 0);
        let app =
            test::init_service(planipref_api::app(state(&db).with_clock(clock.clone()))).await;
        planipref_test_support::release_at_once(db.store(), "93");
        let (motif, _) = bobigny_motif(db.store(), "Renouvellement");
        seeded(&app, &db, &clock, &motif, history).await;
        let day = open_day(&app, &motif, history).await;
        let before = listed(&app, &motif, day).await;
        // Each slot a place per free guichet: the day's own places.
        let places: u64 = before.iter().map(|(_, r)| r).sum();
        let extra = bound(places);
        assert!(extra >= 1, "{places} places give no extra one");
        let (start, guichets) = before[0].clone();
        fill(&app, &motif, &before[..1]).await;

        // Off (the default): the full slot is neither offered nor booked.
        assert!(
            !listed(&app, &motif, day)
                .await
                .iter()
                .any(|(s, _)| *s == start)
        );
        let (status, _, body) = call!(app, book(&motif, &start, someone()));
        assert_eq!(
            (status, problem(&body)),
            (StatusCode::CONFLICT, "slot-taken")
        );
        assert_eq!(overbooked_count(db.store(), &motif), 0, "{}", db.backend());

        let admin = token("admin_prefecture", &["93"]);
        let (status, _, body) = call!(app, get_as(POLICY, &admin));
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["ceiling_percent"], 0, "off by default");
        let on = json!({"ceiling_percent": 20, "weeks": 4, "min_sample": 20});
        let (status, _, body) = call!(app, put(POLICY, &admin, on));
        assert_eq!(status, StatusCode::OK, "{body}");

        // On: offered again, on as many extra places as the day allows.
        let offered = listed(&app, &motif, day).await;
        let again = offered.iter().find(|(s, _)| *s == start);
        assert_eq!(
            again.map(|(_, r)| *r),
            Some(guichets.min(extra)),
            "{}: {offered:?}",
            db.backend()
        );
        let mut taken = 0;
        let mut last = Value::Null;
        while taken < guichets.min(extra) {
            let (status, _, body) = call!(app, book(&motif, &start, someone()));
            assert_eq!(status, StatusCode::CREATED, "{}: {body}", db.backend());
            taken += 1;
            last = body;
        }
        assert_eq!(taken, guichets.min(extra), "{}", db.backend());
        let (status, _, body) = call!(app, book(&motif, &start, someone()));
        assert_eq!(
            (status, problem(&body)),
            (StatusCode::CONFLICT, "slot-taken"),
            "beyond the extra places: {body}"
        );
        assert_eq!(
            overbooked_count(db.store(), &motif),
            i64::try_from(taken).unwrap()
        );

        // Cancelling an extra place gives it back (at once: this
        // préfecture releases without delay).
        let (status, _, body) = call!(
            app,
            TestRequest::post()
                .uri(&format!(
                    "/api/v1/reservations/{}/cancel",
                    last["reference"].as_str().unwrap()
                ))
                .insert_header((
                    "X-Management-Token",
                    last["management_token"].as_str().unwrap()
                ))
        );
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            overbooked_count(db.store(), &motif),
            i64::try_from(taken - 1).unwrap()
        );
        let (status, _, body) = call!(app, book(&motif, &start, someone()));
        assert_eq!(status, StatusCode::CREATED, "the place is back: {body}");
    }
}

#[actix_web::test]
async fn the_days_extra_places_hold_under_a_rush() {
    for db in TestDb::each() {
        let history = next_open_weekday();
        let clock: Arc<ShiftedClock> = paris_clock_at(history - Duration::days(2), 10, 0);
        let app =
            test::init_service(planipref_api::app(state(&db).with_clock(clock.clone()))).await;
        let (motif, _) = bobigny_motif(db.store(), "Renouvellement");
        seeded(&app, &db, &clock, &motif, history).await;
        let day = open_day(&app, &motif, history).await;
        let before = listed(&app, &motif, day).await;
        let places: u64 = before.iter().map(|(_, r)| r).sum();
        let extra = bound(places);
        // Enough full slots for their extra units to outnumber the places.
        let mut full = 0;
        let mut units = 0;
        while units <= extra + 2 && full < before.len() {
            units += before[full].1;
            full += 1;
        }
        assert!(units > extra, "{units} extra units for {extra} places");
        fill(&app, &motif, &before[..full]).await;
        let admin = token("admin_prefecture", &["93"]);
        let on = json!({"ceiling_percent": 20, "weeks": 4, "min_sample": 20});
        let (status, _, body) = call!(app, put(POLICY, &admin, on));
        assert_eq!(status, StatusCode::OK, "{body}");

        let rush = before[..full].iter().flat_map(|(start, remaining)| {
            (0..*remaining).map(|_| crate::common::send(&app, book(&motif, start, someone())))
        });
        let answers = futures_util::future::join_all(rush).await;
        let won = answers
            .iter()
            .filter(|(s, _, _)| *s == StatusCode::CREATED)
            .count();
        for (s, _, b) in answers.iter().filter(|(s, _, _)| *s != StatusCode::CREATED) {
            assert_eq!(
                (*s, problem(b)),
                (StatusCode::CONFLICT, "slot-taken"),
                "{b}"
            );
        }
        assert_eq!(won as u64, extra, "{}: {answers:?}", db.backend());
        assert_eq!(
            overbooked_count(db.store(), &motif),
            i64::try_from(extra).unwrap()
        );
    }
}

#[actix_web::test]
async fn the_policy_is_checked_versioned_and_scoped() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let admin = token("admin_prefecture", &["93"]);
        let bad = json!({"ceiling_percent": 25, "weeks": 1, "min_sample": 5});
        let (status, _, body) = call!(app, put(POLICY, &admin, bad));
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(fields(&body), ["ceiling_percent", "weeks", "min_sample"]);
        let (_, _, unchanged) = call!(app, get_as(POLICY, &admin));
        assert_eq!(unchanged["ceiling_percent"], 0);

        let on = json!({"ceiling_percent": 10, "weeks": 12, "min_sample": 100});
        let stale = put(POLICY, &admin, on.clone()).insert_header(("If-Match", "\"99\""));
        let (status, _, body) = call!(app, stale);
        assert_eq!((status, problem(&body)), (StatusCode::CONFLICT, "stale"));
        let (status, _, body) = call!(app, put(POLICY, &admin, on));
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            (&body["ceiling_percent"], &body["version"]),
            (
                &json!(10),
                &Value::from(unchanged["version"].as_i64().unwrap() + 1)
            )
        );
        let other = token("admin_prefecture", &["974"]);
        let (status, _, _) = call!(app, get_as(POLICY, &other));
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (_, site) = bobigny_motif(db.store(), "Renouvellement");
        let (status, _, _) = call!(app, get_as(POLICY, &token("agent", &[site.as_str()])));
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "an agent of a site reads it not"
        );
    }
}
