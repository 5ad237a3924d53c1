use super::*;

fn pairs(query: &[(&str, &str)]) -> Vec<(String, String)> {
    query
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn fields(e: DomainError) -> Vec<String> {
    match e {
        DomainError::Invalid(errors) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("{other:?}"),
    }
}

const A: &str = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11";
const B: &str = "0b6f3a2e-1c4d-4e5f-8a9b-0c1d2e3f4a5b";

#[test]
fn a_location_is_on_earth_and_its_website_is_https() {
    let l = check_location(
        48.9077,
        2.4397,
        Some(" https://www.seine-saint-denis.gouv.fr "),
    )
    .unwrap();
    assert_eq!(
        l.website.as_deref(),
        Some("https://www.seine-saint-denis.gouv.fr")
    );
    assert!(
        check_location(-21.1151, 55.5364, None)
            .unwrap()
            .website
            .is_none()
    );
    let e = check_location(91.0, f64::NAN, Some("http://example.fr")).unwrap_err();
    assert_eq!(fields(e), ["latitude", "longitude", "website"]);
    for bad in ["https://", "https:///x", "https://a b.fr", "ftp://x.fr"] {
        assert!(check_location(0.0, 0.0, Some(bad)).is_err(), "{bad}");
    }
    assert!(check_location(-90.0, 180.0, None).is_ok());
    assert!(check_location(0.0, -180.1, None).is_err());
}

#[test]
fn a_question_about_free_times_reads_repeated_keys_and_names_every_bad_one() {
    let asked = check_time_slots_query(&pairs(&[
        ("meeting_point_ids", A),
        ("meeting_point_ids", B),
        ("meeting_point_ids", A),
        ("start_date", "2026-12-07"),
        ("end_date", "2027-01-06"),
        ("reason", "sejour-renouvellement"),
        ("documents_number", "2"),
        ("unknown", "ignored"),
    ]))
    .unwrap();
    assert_eq!(asked.sites.len(), 2, "each site once");
    assert_eq!(asked.sites[0].to_string(), A);
    assert_eq!(asked.persons, 2);
    assert_eq!(asked.demarche, "sejour-renouvellement");
    assert_eq!((asked.to - asked.from).num_days(), 30);

    let default_persons = check_time_slots_query(&pairs(&[
        ("meeting_point_ids", A),
        ("start_date", "2026-12-07"),
        ("end_date", "2026-12-07"),
        ("reason", "cni"),
    ]))
    .unwrap();
    assert_eq!(default_persons.persons, 1);

    let e = check_time_slots_query(&pairs(&[
        ("meeting_point_ids", "not-a-uuid"),
        ("start_date", "07/12/2026"),
        ("end_date", "2026-12-07"),
        ("reason", "Séjour"),
        ("documents_number", "0"),
    ]))
    .unwrap_err();
    assert_eq!(
        fields(e),
        [
            "meeting_point_ids[0]",
            "start_date",
            "reason",
            "documents_number"
        ]
    );
    let e = check_time_slots_query(&pairs(&[])).unwrap_err();
    assert_eq!(
        fields(e),
        ["meeting_point_ids", "start_date", "end_date", "reason"]
    );
    let e = check_time_slots_query(&pairs(&[
        ("meeting_point_ids", A),
        ("start_date", "2026-12-07"),
        ("end_date", "2026-12-06"),
        ("reason", "cni"),
        ("documents_number", "1"),
        ("documents_number", "2"),
    ]))
    .unwrap_err();
    assert_eq!(fields(e), ["end_date", "documents_number"]);
    let e = check_time_slots_query(&pairs(&[
        ("meeting_point_ids", A),
        ("start_date", "2026-12-01"),
        ("end_date", "2027-02-01"),
        ("reason", "cni"),
    ]))
    .unwrap_err();
    assert_eq!(fields(e), ["end_date"], "63 days is one too many");
    let many: Vec<(String, String)> = (0..=MAX_MEETING_POINTS)
        .map(|_| ("meeting_point_ids".to_owned(), A.to_owned()))
        .chain(pairs(&[
            ("start_date", "2026-12-07"),
            ("end_date", "2026-12-07"),
            ("reason", "cni"),
        ]))
        .collect();
    assert_eq!(
        fields(check_time_slots_query(&many).unwrap_err()),
        ["meeting_point_ids"]
    );
}

#[test]
fn file_numbers_are_read_as_written_once_each() {
    let asked = check_application_ids(&pairs(&[
        ("application_ids", "75 0123 4567"),
        ("application_ids", "ab12cd34ef"),
        ("application_ids", "75 0123 4567"),
    ]))
    .unwrap();
    assert_eq!(
        asked,
        [
            ("75 0123 4567".to_owned(), "7501234567".to_owned()),
            ("ab12cd34ef".to_owned(), "AB12CD34EF".to_owned()),
        ]
    );
    let e = check_application_ids(&pairs(&[
        ("application_ids", "7501234567"),
        ("application_ids", "12"),
    ]))
    .unwrap_err();
    assert_eq!(fields(e), ["application_ids[1]"]);
    assert_eq!(
        fields(check_application_ids(&[]).unwrap_err()),
        ["application_ids"]
    );
    let many: Vec<(String, String)> = (0..=MAX_APPLICATION_IDS)
        .map(|i| ("application_ids".to_owned(), format!("75{i:08}")))
        .collect();
    assert_eq!(
        fields(check_application_ids(&many).unwrap_err()),
        ["application_ids"]
    );
}

#[test]
fn a_template_is_filled_with_escaped_values_only_where_it_says() {
    let t = UrlTemplate::parse(
        "https://rdv.example.fr/reserver?site={site_id}&start={start}",
        &["site_id", "start", "motif_id"],
        false,
    )
    .unwrap();
    assert_eq!(
        t.render(&[("site_id", "abc-1"), ("start", "2026-12-07T09:00:00+01:00")]),
        "https://rdv.example.fr/reserver?site=abc-1&start=2026-12-07T09%3A00%3A00%2B01%3A00"
    );
    assert_eq!(
        t.render(&[("site_id", "a&b=c d/é")]),
        "https://rdv.example.fr/reserver?site=a%26b%3Dc%20d%2F%C3%A9&start="
    );
    assert!(UrlTemplate::parse("http://x.fr/{site_id}", &["site_id"], false).is_err());
    assert!(UrlTemplate::parse("http://x.fr/{site_id}", &["site_id"], true).is_ok());
    assert!(UrlTemplate::parse("https://x.fr/{token}", &["site_id"], false).is_err());
    assert!(UrlTemplate::parse("https://x.fr/{site_id", &["site_id"], false).is_err());
    assert!(UrlTemplate::parse("https://x.fr/site_id}", &["site_id"], false).is_err());
    assert!(UrlTemplate::parse("https://x.fr/a b", &[], false).is_err());
}

#[test]
fn a_token_is_kept_as_its_digest_and_compared_with_it() {
    let digest = token_digest("a-long-shared-token");
    let hex = digest_hex(&digest);
    assert_eq!(hex.len(), 64);
    assert_eq!(parse_digest(&hex), Some(digest));
    assert_eq!(parse_digest(&hex.to_uppercase()), Some(digest));
    assert_eq!(parse_digest("abc"), None);
    assert_eq!(parse_digest(&"zz".repeat(32)), None);
    assert!(token_matches("a-long-shared-token", &digest));
    assert!(!token_matches("a-long-shared-tokeN", &digest));
    assert!(!token_matches("", &digest));
    // The digest of the empty string, well known: SHA-256 is what is used.
    assert_eq!(
        digest_hex(&token_digest("")),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn a_hub_is_named_in_lower_case_letters_digits_and_hyphens() {
    for good in ["ants", "dila-2", "a", &"x".repeat(MAX_HUB_NAME_CHARS)] {
        assert!(is_hub_name(good), "{good}");
    }
    for bad in [
        "",
        "ANTS",
        "an ts",
        "ants:",
        "é",
        &"x".repeat(MAX_HUB_NAME_CHARS + 1),
    ] {
        assert!(!is_hub_name(bad), "{bad}");
    }
}
