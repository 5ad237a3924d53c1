//! The OpenAPI document is a product: it is committed, and these tests fail
//! when the code drifts from it or when it loses its descriptions and
//! examples.

// Test helpers fail by panicking, like the tests that call them.
use planipref_domain::applicant::{EMAIL_MAX_CHARS, NAME_MAX_CHARS};
use serde_json::Value;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/planipref.json");

fn generated() -> Value {
    serde_json::to_value(planipref_api::openapi()).expect("spec as JSON")
}

fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut ops = vec![];
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            ops.push((method.to_uppercase(), path.clone(), op.clone()));
        }
    }
    ops
}

#[test]
fn the_committed_document_matches_the_code() {
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(COMMITTED).expect("openapi/planipref.json exists"),
    )
    .expect("committed document is JSON");
    assert!(
        committed == generated(),
        "openapi/planipref.json differs from the code: run `make openapi` and commit the result"
    );
}

#[test]
fn every_operation_is_described_with_examples_and_its_errors() {
    let spec = generated();
    let ops = operations(&spec);
    assert!(ops.len() >= 9, "{} operations", ops.len());
    for (method, path, op) in &ops {
        let name = format!("{method} {path}");
        assert!(
            path.starts_with("/api/v1/"),
            "{name} is outside the base path"
        );
        assert!(
            op["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{name} has no summary"
        );
        assert!(
            op["description"].as_str().is_some_and(|s| s.len() > 30),
            "{name} has no description"
        );
        assert!(op["operationId"].is_string(), "{name} has no operationId");
        assert!(
            op["tags"].as_array().is_some_and(|t| !t.is_empty()),
            "{name} has no tag"
        );
        let responses = op["responses"].as_object().expect("responses");
        let success: Vec<_> = responses.keys().filter(|c| c.starts_with('2')).collect();
        assert!(!success.is_empty(), "{name} documents no success");
        for code in &success {
            if code.as_str() == "204" {
                // No Content: nothing to show, and nothing must be promised.
                assert!(
                    responses["204"]["content"].is_null(),
                    "{name} 204 declares a body"
                );
                continue;
            }
            let content = &responses[code.as_str()]["content"];
            if content["application/json"].is_null() {
                // Another format (a calendar file): an example of it.
                let other = content.as_object().and_then(|c| c.values().next());
                assert!(
                    other.is_some_and(|c| c["example"].is_string()),
                    "{name} {code} has no example"
                );
                continue;
            }
            // An object, or a list (the hubs' meeting points) with an item.
            let example = &content["application/json"]["example"];
            assert!(
                example.is_object() || example.as_array().is_some_and(|a| !a.is_empty()),
                "{name} {code} has no example"
            );
        }
        for (code, response) in responses {
            if code.starts_with('4') || code.starts_with('5') {
                let content = &response["content"]["application/problem+json"]["schema"]["$ref"];
                assert_eq!(
                    content, "#/components/schemas/Problem",
                    "{name} {code} is not problem+json"
                );
            }
        }
        if path != "/api/v1/health" {
            assert!(
                responses
                    .keys()
                    .any(|c| c.starts_with('4') || c.starts_with('5')),
                "{name} documents no error"
            );
        }
        if op.get("requestBody").is_some() {
            for code in ["400", "413", "415", "422"] {
                assert!(
                    responses.contains_key(code),
                    "{name} takes a body but does not document {code}"
                );
            }
        }
        if method == "POST" && path == "/api/v1/reservations" {
            assert!(
                op["requestBody"]["content"]["application/json"]["example"].is_object(),
                "{name} has no request example"
            );
        }
    }
}

#[test]
fn schema_bounds_agree_with_the_domain_rules() {
    let spec = generated();
    let applicant = &spec["components"]["schemas"]["ApplicantRequest"]["properties"];
    for field in ["last_name", "first_names"] {
        assert_eq!(applicant[field]["maxLength"], NAME_MAX_CHARS, "{field}");
        assert_eq!(applicant[field]["minLength"], 1, "{field}");
    }
    assert_eq!(applicant["email"]["maxLength"], EMAIL_MAX_CHARS);
    assert_eq!(applicant["email"]["format"], "email");
    assert_eq!(applicant["birth_date"]["format"], "date");
    let pagination = operations(&spec)
        .into_iter()
        .find(|(m, p, _)| m == "GET" && p == "/api/v1/sites")
        .expect("list sites")
        .2;
    let per_page = pagination["parameters"]
        .as_array()
        .expect("params")
        .iter()
        .find(|p| p["name"] == "per_page")
        .expect("per_page")
        .clone();
    assert_eq!(
        per_page["schema"]["maximum"],
        planipref_api::model::page::MAX_PER_PAGE
    );
}

#[test]
fn protected_data_is_documented_as_such() {
    let spec = generated();
    let read = &spec["paths"]["/api/v1/reservations/{reference}"]["get"];
    let header = read["parameters"]
        .as_array()
        .expect("params")
        .iter()
        .find(|p| p["in"] == "header")
        .expect("token header")
        .clone();
    assert_eq!(header["name"], "X-Management-Token");
    assert_eq!(header["required"], true);
}

#[test]
fn the_bearer_scheme_is_declared_once_and_marks_every_agent_operation() {
    let spec = generated();
    let scheme = &spec["components"]["securitySchemes"]["bearer"];
    assert_eq!(
        (scheme["type"].as_str(), scheme["scheme"].as_str()),
        (Some("http"), Some("bearer"))
    );
    assert_eq!(scheme["bearerFormat"], "JWT");
    let mut protected = 0;
    for (method, path, op) in operations(&spec) {
        let secured = op["security"]
            .as_array()
            .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
        if path.starts_with("/api/v1/admin/") {
            protected += 1;
            assert!(
                secured,
                "{method} {path} is not marked as needing a bearer token"
            );
            assert!(
                op["responses"]["401"].is_object(),
                "{method} {path} does not document 401"
            );
        } else {
            assert!(
                !secured,
                "{method} {path} is public but marked as protected"
            );
        }
    }
    assert!(protected >= 1);
}

#[test]
fn a_reservations_history_can_only_be_read() {
    let histories: Vec<(String, String)> = operations(&generated())
        .into_iter()
        .filter(|(_, path, _)| path.contains("history"))
        .map(|(method, path, _)| (method, path))
        .collect();
    assert_eq!(
        histories,
        vec![(
            "GET".to_owned(),
            "/api/v1/admin/reservations/{reference}/history".to_owned()
        )],
        "entries are appended by the changes themselves, never written through the API"
    );
}

#[test]
fn every_operation_id_is_unique() {
    let mut seen = std::collections::BTreeMap::new();
    for (method, path, op) in operations(&generated()) {
        let id = op["operationId"].as_str().expect("operationId").to_owned();
        if let Some(other) = seen.insert(id.clone(), format!("{method} {path}")) {
            panic!("operationId {id} names both {other} and {method} {path}");
        }
    }
}

#[test]
fn closed_sets_of_codes_are_enumerations() {
    let spec = generated();
    let schemas = &spec["components"]["schemas"];
    let enumerated = |schema: &Value| -> Vec<String> {
        let target = match schema["$ref"].as_str() {
            Some(r) => &schemas[r.trim_start_matches("#/components/schemas/")],
            None => schema,
        };
        target["enum"]
            .as_array()
            .map(|values| {
                values
                    .iter()
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    for (schema, field, codes) in [
        ("Site", "kind", "prefecture sous_prefecture antenne"),
        ("SiteRequest", "kind", "prefecture sous_prefecture antenne"),
        (
            "Reservation",
            "status",
            "booked checked_in called done no_show cancelled",
        ),
        (
            "AgentReservation",
            "status",
            "booked checked_in called done no_show cancelled",
        ),
        (
            "CounterEntry",
            "status",
            "booked checked_in called done no_show cancelled",
        ),
        (
            "CounterEntry",
            "channel",
            "web convocation phone counter intermediary walk_in",
        ),
        (
            "Me",
            "role",
            "agent admin_prefecture admin_national intermediary",
        ),
        ("Convocation", "state", "issued booked expired revoked"),
        (
            "ConvocationSummary",
            "state",
            "issued booked expired revoked",
        ),
        ("Guichet", "channel", "public convocation walk_in"),
        ("OnBehalfRequest", "channel", "phone counter intermediary"),
        ("Motif", "booking_mode", "online convocation_only"),
    ] {
        let property = &schemas[schema]["properties"][field];
        assert!(
            !property.is_null(),
            "{schema}.{field} is not in the document"
        );
        assert_eq!(
            enumerated(property).join(" "),
            codes,
            "{schema}.{field}: {property}"
        );
    }
    // Optional request fields: their enumeration is one of the choices.
    for (schema, field, codes) in [
        ("GuichetRequest", "channel", "public convocation walk_in"),
        ("MotifRequest", "booking_mode", "online convocation_only"),
    ] {
        let property = &schemas[schema]["properties"][field];
        let choices = property["oneOf"].as_array().cloned().unwrap_or_default();
        assert!(
            choices.iter().any(|c| enumerated(c).join(" ") == codes),
            "{schema}.{field}: {property}"
        );
    }
    let weekdays = &schemas["PlageRequest"]["properties"]["weekdays"];
    assert_eq!(
        enumerated(&weekdays["items"]).join(" "),
        "monday tuesday wednesday thursday friday saturday sunday"
    );
    assert_eq!(
        (&weekdays["minItems"], &weekdays["uniqueItems"]),
        (&Value::from(1), &Value::from(true))
    );
    // Persons are counted the same way wherever they appear.
    for schema in ["Reservation", "AgentReservation", "Hold"] {
        let persons = &schemas[schema]["properties"]["persons"];
        assert_eq!(persons["minimum"], 0, "{schema}.persons is unsigned");
    }
}

#[test]
fn text_rules_are_stated_as_the_patterns_the_domain_follows() {
    use planipref_api::model::patterns::{DESCRIPTION, NAME, REASON, SEARCH_DATE};
    let spec = generated();
    let schemas = &spec["components"]["schemas"];
    let pattern =
        |schema: &str, field: &str| schemas[schema]["properties"][field]["pattern"].clone();
    for (schema, field) in [
        ("ServiceRequest", "name"),
        ("GuichetRequest", "name"),
        ("MotifRequest", "label"),
        ("DemarcheRequest", "label"),
        ("SiteRequest", "name"),
        ("AddressRequest", "line"),
        ("AddressRequest", "city"),
        ("PrefectureRequest", "name"),
        ("PrefectureUpdate", "departement_name"),
        ("FermetureRequest", "reason"),
        ("OuvertureRequest", "reason"),
    ] {
        assert_eq!(pattern(schema, field), NAME, "{schema}.{field}");
    }
    for (schema, field) in [
        ("ServiceRequest", "description"),
        ("MotifRequest", "description"),
        ("MotifRequest", "instructions"),
        ("DemarcheRequest", "description"),
    ] {
        assert_eq!(pattern(schema, field), DESCRIPTION, "{schema}.{field}");
    }
    for schema in ["CancelAsAgent", "RescheduleAsAgent", "RevokeConvocation"] {
        assert_eq!(pattern(schema, "reason"), REASON, "{schema}.reason");
    }
    for schema in ["MotifRequest", "DemarcheRequest"] {
        let documents = &schemas[schema]["properties"]["documents"];
        assert_eq!(documents["items"]["pattern"], NAME, "{schema}.documents");
        assert_eq!(documents["uniqueItems"], true, "{schema}.documents");
    }
    for (schema, field) in [
        ("PlageRequest", "valid_from"),
        ("FermetureRequest", "from_date"),
        ("OuvertureRequest", "date"),
    ] {
        assert_eq!(pattern(schema, field), SEARCH_DATE, "{schema}.{field}");
    }
    let slots = &spec["paths"]["/api/v1/motifs/{motif_id}/slots"]["get"]["parameters"];
    let from = slots
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "from")
        .unwrap();
    assert_eq!(from["schema"]["pattern"], SEARCH_DATE);
    let years = format!(
        "{}|{}",
        planipref_domain::slots::EARLIEST_SEARCH_YEAR,
        planipref_domain::slots::LATEST_SEARCH_YEAR
    );
    assert_eq!(
        years, "2000|2100",
        "SEARCH_DATE's years follow the domain's"
    );
}
