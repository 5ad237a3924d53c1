//! Languages on both databases: a préfecture translates a motif; the
//! public reads (a site's motifs, orientation, the applicant's own
//! appointment) give each applicant the translation that best fits their
//! `Accept-Language`, saying so in `Content-Language`, and French again
//! once the French changed; translations are checked, versioned and
//! scoped; problems come in French or English.

use actix_web::http::StatusCode;
use actix_web::test;
use actix_web::test::TestRequest;
use planipref_test_support::TestDb;
use serde_json::{Value, json};

use crate::common::requests::{book, problem, slots_on};
use crate::common::{
    bobigny_motif, fields, get_as, next_open_weekday, put, send, someone, state, token,
};

fn translations_of(motif: &str) -> String {
    format!("/api/v1/admin/motifs/{motif}/translations")
}

/// English and Arabic translations of `french` (an admin read of a motif).
fn english_and_arabic(french: &Value) -> Value {
    let documents = french["documents"].as_array().unwrap();
    let in_language = |prefix: &str| {
        json!(
            documents
                .iter()
                .enumerate()
                .map(|(i, _)| format!("{prefix} document {i}"))
                .collect::<Vec<_>>()
        )
    };
    let text = |prefix: &str, field: &str| {
        if french[field].as_str().unwrap().is_empty() {
            String::new()
        } else {
            format!("{prefix} {field}")
        }
    };
    json!({"translations": [
        {"language": "en", "label": "Residence permit renewal",
         "description": text("EN", "description"), "instructions": text("EN", "instructions"),
         "documents": in_language("EN")},
        {"language": "AR", "label": "تجديد تصريح الإقامة",
         "description": text("AR", "description"), "instructions": text("AR", "instructions"),
         "documents": in_language("AR")},
    ]})
}

fn with_language(req: TestRequest, accept: &str) -> TestRequest {
    req.insert_header(("Accept-Language", accept))
}

/// The motif `id` of a site's public list read with `accept`, and the
/// answer's `Content-Language` and `Vary`.
async fn listed<S, B>(
    app: &S,
    site: &str,
    id: &str,
    accept: Option<&str>,
) -> (Value, String, String)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let mut req = TestRequest::get().uri(&format!("/api/v1/sites/{site}/motifs?per_page=100"));
    if let Some(accept) = accept {
        req = with_language(req, accept);
    }
    let (status, headers, body) = send(app, req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let header = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let motif = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .cloned()
        .expect("the motif is listed");
    (motif, header("content-language"), header("vary"))
}

#[actix_web::test]
async fn applicants_read_a_motif_in_the_language_they_prefer_until_the_french_changes() {
    for db in TestDb::each() {
        let state = state(&db);
        db.store().sync_communes().expect("communes");
        let app = test::init_service(planipref_api::app(state)).await;
        let admin = token("admin_prefecture", &["93"]);
        let (motif, site) = bobigny_motif(db.store(), "Renouvellement");
        let (_, _, french) = call!(
            app,
            get_as(&format!("/api/v1/admin/motifs/{motif}"), &admin)
        );
        let (status, _, set) = call!(
            app,
            put(
                &translations_of(&motif),
                &admin,
                english_and_arabic(&french)
            )
        );
        assert_eq!(status, StatusCode::OK, "{set}");
        assert_eq!(set["version"], french["version"].as_i64().unwrap() + 1);
        let languages: Vec<&str> = set["translations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["language"].as_str().unwrap())
            .collect();
        assert_eq!(
            languages,
            ["ar", "en"],
            "stored in their usual case, by language"
        );

        let (en, content, vary) =
            listed(&app, &site, &motif, Some("en-GB,en;q=0.9,fr;q=0.5")).await;
        assert_eq!(
            (&en["label"], &en["language"]),
            (&json!("Residence permit renewal"), &json!("en"))
        );
        assert_eq!(en["documents"][0], "EN document 0");
        assert!(content.split(", ").any(|l| l == "en"), "{content}");
        assert!(vary.contains("Accept-Language"), "{vary}");
        let (ar, _, _) = listed(&app, &site, &motif, Some("ar, en;q=0.8")).await;
        assert_eq!(
            (&ar["label"], &ar["language"]),
            (&json!("تجديد تصريح الإقامة"), &json!("ar"))
        );
        for accept in [None, Some("de"), Some("fr-FR,fr;q=0.9,en;q=0.8"), Some("*")] {
            let (fr, content, _) = listed(&app, &site, &motif, accept).await;
            assert_eq!(
                (&fr["label"], &fr["language"]),
                (&french["label"], &json!("fr")),
                "{accept:?}"
            );
            assert_eq!(content, "fr", "{accept:?}");
        }

        // Orientation gives the competent site's motif translated.
        let demarche = french["demarche_code"].as_str().unwrap();
        let (status, headers, oriented) = send(
            &app,
            with_language(
                TestRequest::get().uri(&format!(
                    "/api/v1/orientation?demarche={demarche}&commune=93008"
                )),
                "en",
            ),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{oriented}");
        let offers: Vec<&Value> = oriented["competent"]
            .as_object()
            .into_iter()
            .map(|_| &oriented["competent"])
            .chain(oriented["other_sites"].as_array().unwrap())
            .collect();
        let ours = offers
            .iter()
            .find(|o| o["motif"]["id"] == motif.as_str())
            .expect("Bobigny is offered");
        assert_eq!(ours["motif"]["label"], "Residence permit renewal");
        assert!(
            headers
                .get("content-language")
                .unwrap()
                .to_str()
                .unwrap()
                .contains("en")
        );

        // Booked in English: the appointment reads in English.
        let day = next_open_weekday();
        let (_, _, slots) = call!(app, slots_on(&motif, day));
        let start = slots["slots"][0]["start"].as_str().unwrap();
        let (status, _, created) =
            call!(app, with_language(book(&motif, start, someone()), "en-US"));
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let read = |accept: &str| {
            with_language(
                TestRequest::get()
                    .uri(&format!(
                        "/api/v1/reservations/{}",
                        created["reference"].as_str().unwrap()
                    ))
                    .insert_header((
                        "X-Management-Token",
                        created["management_token"].as_str().unwrap(),
                    )),
                accept,
            )
        };
        let (_, headers, mine) = send(&app, read("en")).await;
        assert_eq!(
            (&mine["motif"]["label"], &mine["motif"]["language"]),
            (&json!("Residence permit renewal"), &json!("en"))
        );
        assert_eq!(headers.get("content-language").unwrap(), "en");
        let (_, _, mine) = send(&app, read("fr")).await;
        assert_eq!(mine["motif"]["label"], french["label"]);

        // The French changes: the translations are out of date, applicants
        // read the French again.
        let mut changed = french.clone();
        let edited = format!("{} Nouveau.", french["description"].as_str().unwrap());
        changed["description"] = json!(edited);
        let update = json!({"description": edited});
        let (status, _, after) = call!(
            app,
            put(&format!("/api/v1/admin/motifs/{motif}"), &admin, update)
        );
        assert_eq!(status, StatusCode::OK, "{after}");
        let (en, content, _) = listed(&app, &site, &motif, Some("en")).await;
        assert_eq!(
            (&en["label"], &en["language"]),
            (&french["label"], &json!("fr"))
        );
        assert_eq!(content, "fr");
        let (_, _, kept) = call!(app, get_as(&translations_of(&motif), &admin));
        assert!(
            kept["translations"]
                .as_array()
                .unwrap()
                .iter()
                .all(|t| t["up_to_date"] == false),
            "{kept}"
        );
        assert_eq!(kept["version"], after["version"]);
    }
}

#[actix_web::test]
async fn translations_are_checked_versioned_and_scoped() {
    for db in TestDb::each() {
        let app = test::init_service(planipref_api::app(state(&db))).await;
        let admin = token("admin_prefecture", &["93"]);
        let (motif, site) = bobigny_motif(db.store(), "Renouvellement");
        let (_, _, french) = call!(
            app,
            get_as(&format!("/api/v1/admin/motifs/{motif}"), &admin)
        );
        let (_, _, before) = call!(app, get_as(&translations_of(&motif), &admin));
        assert_eq!(before["translations"], json!([]));

        let good = english_and_arabic(&french)["translations"][0].clone();
        let bad = json!({"translations": [
            good,
            {"language": "fr", "label": "Autre"},
            {"language": "EN", "label": "Again", "documents": french["documents"]},
            {"language": "english", "label": " "},
            {"language": "de", "label": "Verlängerung", "documents": []},
        ]});
        let (status, _, body) = call!(app, put(&translations_of(&motif), &admin, bad));
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let named = fields(&body);
        for field in [
            "translations[1].language",
            "translations[2].language",
            "translations[3].language",
            "translations[3].label",
        ] {
            assert!(named.iter().any(|f| f == field), "{field} in {named:?}");
        }
        if !french["documents"].as_array().unwrap().is_empty() {
            assert!(
                named.iter().any(|f| f == "translations[4].documents"),
                "{named:?}"
            );
        }
        let (status, _, body) = call!(
            app,
            put(
                &translations_of(&motif),
                &admin,
                json!({"translations": [], "extra": 1})
            )
        );
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

        let stale = put(
            &translations_of(&motif),
            &admin,
            english_and_arabic(&french),
        )
        .insert_header(("If-Match", "\"999\""));
        let (status, _, body) = call!(app, stale);
        assert_eq!((status, problem(&body)), (StatusCode::CONFLICT, "stale"));

        let other = token("admin_prefecture", &["974"]);
        let (status, _, _) = call!(
            app,
            put(
                &translations_of(&motif),
                &other,
                english_and_arabic(&french)
            )
        );
        assert_eq!(status, StatusCode::FORBIDDEN);
        let agent = token("agent", &[site.as_str()]);
        let (status, _, _) = call!(
            app,
            put(
                &translations_of(&motif),
                &agent,
                english_and_arabic(&french)
            )
        );
        assert_eq!(status, StatusCode::FORBIDDEN, "an agent reads, never sets");
        let (status, _, _) = call!(app, get_as(&translations_of(&motif), &agent));
        assert_eq!(status, StatusCode::OK);

        let (_, _, after) = call!(app, get_as(&translations_of(&motif), &admin));
        assert_eq!(after, before, "refused changes wrote nothing");
        let (status, _, _) = call!(
            app,
            get_as(
                &translations_of("4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11"),
                &admin
            )
        );
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[actix_web::test]
async fn problems_are_written_in_french_or_english() {
    let db = TestDb::sqlite();
    let app = test::init_service(planipref_api::app(state(&db))).await;
    let nowhere = || TestRequest::get().uri("/api/v1/nowhere");
    let (status, headers, english) = send(&app, nowhere()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(english["title"], "Not found");
    assert_eq!(headers.get("content-language").unwrap(), "en");
    let (status, headers, french) = send(&app, with_language(nowhere(), "fr-FR,fr;q=0.9")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(french["type"], english["type"], "the type never changes");
    assert_eq!(french["title"], "Introuvable");
    assert_ne!(french["detail"], english["detail"]);
    assert_eq!(headers.get("content-language").unwrap(), "fr");
    assert_eq!(
        headers.get("content-type").unwrap(),
        "application/problem+json"
    );
    let (_, _, neither) = send(&app, with_language(nowhere(), "de, en;q=0.5, fr;q=0.1")).await;
    assert_eq!(neither["title"], "Not found");

    // A validation problem: the detail and each field's message.
    let admin = token("admin_prefecture", &["93"]);
    let (motif, _) = bobigny_motif(db.store(), "Renouvellement");
    let body = json!({"translations": [{"language": "en", "label": " "}]});
    let req = with_language(put(&translations_of(&motif), &admin, body), "fr");
    let (status, _, refused) = call!(app, req);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["title"], "La requête contient des champs invalides");
    let label = refused["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "translations[0].label")
        .unwrap();
    assert_eq!(label["message"], "ne doit pas être vide");

    // Headers of the problem are kept: 405 still says what is allowed.
    let (status, headers, body) = send(
        &app,
        with_language(TestRequest::delete().uri("/api/v1/sites"), "fr"),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["title"], "Méthode non autorisée");
    assert_eq!(headers.get("allow").unwrap(), "GET");

    // An extractor's refusal (an unreadable identifier) too.
    let (status, _, body) = send(
        &app,
        with_language(
            TestRequest::get().uri("/api/v1/sites/not-an-id/motifs"),
            "fr",
        ),
    )
    .await;
    assert!(status.is_client_error(), "{status}");
    assert_ne!(body["title"], Value::Null);
    assert_eq!(
        body["title"],
        if status == StatusCode::NOT_FOUND {
            "Introuvable"
        } else {
            "La requête contient des champs invalides"
        },
        "{body}"
    );
}

/// `make()` sent in English, then in French (same state, the same
/// refusal): both bodies, and the French answer's headers.
async fn in_both<S, B>(
    app: &S,
    make: impl Fn() -> TestRequest,
) -> (Value, Value, actix_web::http::header::HeaderMap)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let (_, _, english) = send(app, with_language(make(), "en")).await;
    let (_, headers, french) = send(app, with_language(make(), "fr-FR, fr;q=0.9, en;q=0.5")).await;
    assert_eq!(headers.get("content-language").unwrap(), "fr");
    (english, french, headers)
}

/// `french` is `english` wholly translated: same kind and fields, and
/// not one sentence left in English (title, detail, each field's
/// message).
fn wholly_french(english: &Value, french: &Value) {
    assert_eq!(french["type"], english["type"], "{french}");
    assert_eq!(french["status"], english["status"]);
    assert_ne!(french["title"], english["title"], "{french}");
    assert_ne!(french["detail"], english["detail"], "{french}");
    assert_eq!(fields(french), fields(english));
    let messages = |p: &Value| {
        p["errors"]
            .as_array()
            .map(|a| a.iter().map(|e| e["message"].clone()).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    for (fr, en) in messages(french).iter().zip(messages(english)) {
        assert_ne!(*fr, en, "left in English in {french}");
    }
}

/// The French message of `field` in `problem`.
fn message_of<'p>(problem: &'p Value, field: &str) -> &'p str {
    problem["errors"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["field"] == field))
        .and_then(|e| e["message"].as_str())
        .unwrap_or_else(|| panic!("no {field} in {problem}"))
}

#[actix_web::test]
async fn real_refusals_come_wholly_in_french() {
    for db in TestDb::each() {
        let limits = planipref_api::http::limits::LimitSettings {
            searches_per_minute: 1,
            ..Default::default()
        };
        let app = test::init_service(planipref_api::app(state(&db).with_limits(limits))).await;
        let (motif, _) = bobigny_motif(db.store(), "Renouvellement");

        // A booking with several invalid fields: each message in French.
        let bad_booking = || {
            let applicant = json!({"last_name": "", "first_names": "Camille",
                "birth_date": "2999-01-01", "email": "camille@", "phone": "06 12 34 56 78"});
            book(&motif, "demain matin", applicant)
        };
        let (english, french, _) = in_both(&app, bad_booking).await;
        assert_eq!(problem(&french), "validation", "{french}");
        wholly_french(&english, &french);
        assert_eq!(french["title"], "La requête contient des champs invalides");
        for (field, message) in [
            (
                "start",
                "doit être un instant avec son décalage horaire, tel que le donne la liste des créneaux",
            ),
            ("applicant.last_name", "ne doit pas être vide"),
            ("applicant.birth_date", "ne doit pas être dans le futur"),
            (
                "applicant.email",
                "doit être une adresse électronique valide",
            ),
        ] {
            assert_eq!(message_of(&french, field), message, "{french}");
        }
        let n = fields(&french).len();
        assert_eq!(french["detail"], format!("{n} champs sont invalides"));

        // A change made from an old version, and an unreadable If-Match.
        let admin = token("admin_prefecture", &["93"]);
        let change = |version: &str| {
            put(
                &translations_of(&motif),
                &admin,
                json!({"translations": []}),
            )
            .insert_header(("If-Match", version.to_owned()))
        };
        let (english, french, headers) = in_both(&app, || change("\"999\"")).await;
        assert_eq!(problem(&french), "stale", "{french}");
        wholly_french(&english, &french);
        assert_eq!(
            french["title"],
            "La ressource a changé depuis votre lecture"
        );
        let etag = headers.get("etag").unwrap().to_str().unwrap();
        assert!(
            french["detail"]
                .as_str()
                .unwrap()
                .ends_with(&format!("envoyez-la avec If-Match: {etag}")),
            "{french}"
        );
        let (english, french, _) = in_both(&app, || change("W/\"1\"")).await;
        assert_eq!(problem(&french), "malformed-request", "{french}");
        wholly_french(&english, &french);
        assert_eq!(
            message_of(&french, "If-Match"),
            "If-Match doit être l'ETag de la ressource tel que lu, un numéro de version entre guillemets comme \"3\""
        );

        // A refusal's reason: a préfecture that still has sites.
        let national = token("admin_national", &[]);
        let delete = || {
            TestRequest::delete()
                .uri("/api/v1/admin/prefectures/93")
                .insert_header(("Authorization", national.clone()))
        };
        let (english, french, _) = in_both(&app, delete).await;
        assert_eq!(problem(&french), "conflict", "{french}");
        wholly_french(&english, &french);
        assert_eq!(french["detail"], "la préfecture a encore des sites");

        // No token, a key used for another request, a NUL in the path.
        let (english, french, _) =
            in_both(&app, || TestRequest::get().uri(&translations_of(&motif))).await;
        wholly_french(&english, &french);
        assert_eq!(french["detail"], "un jeton d'accès (Bearer) est requis");
        let keyed = |body: Value| {
            TestRequest::post()
                .uri("/api/v1/holds")
                .set_json(body)
                .insert_header(("Idempotency-Key", "cle-de-test-0001"))
        };
        let (first, _, _) = send(&app, keyed(json!({"motif_id": motif}))).await;
        assert!(first.is_client_error(), "{first}");
        let (english, french, _) = in_both(&app, || keyed(json!({"motif_id": "autre"}))).await;
        wholly_french(&english, &french);
        assert_eq!(
            message_of(&french, "Idempotency-Key"),
            "a déjà servi pour une autre requête ; utilisez une nouvelle clé pour chaque nouvelle requête"
        );
        let (english, french, _) =
            in_both(&app, || TestRequest::get().uri("/api/v1/sites%00")).await;
        wholly_french(&english, &french);
        assert_eq!(
            french["detail"],
            "les caractères NUL (%00) ne sont acceptés ni dans les chemins ni dans les paramètres"
        );

        // Too many searches: wait as long as Retry-After says, in French.
        let day = next_open_weekday();
        let search = || slots_on(&motif, day).peer_addr("203.0.113.40:40000".parse().unwrap());
        let (status, _, _) = send(&app, search()).await;
        assert_eq!(status, StatusCode::OK);
        let (english, french, headers) = in_both(&app, search).await;
        assert_eq!(problem(&french), "too-many-requests", "{french}");
        wholly_french(&english, &french);
        let wait = crate::common::retry_after(&headers);
        assert_eq!(french["title"], "Trop de requêtes");
        assert_eq!(
            french["detail"],
            format!("ralentissez : réessayez dans {wait} secondes")
        );
    }
}
