//! Unit tests of the applicant as a whole: every field parsed at once, the
//! identity fields, the person keys of an applicant, and debug output that
//! hides personal data. The contact fields and name folding are tested
//! beside their code.

use super::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).expect("date")
}

fn input() -> ApplicantInput<'static> {
    ApplicantInput {
        last_name: "  N'Diaye ",
        first_names: "Aïssata   Marie",
        birth_date: "1990-04-12",
        email: "aissata.ndiaye@Example.FR",
        phone: "06 12 34 56 78",
        nationality: None,
        file_number: None,
    }
}

fn fields(r: Result<Applicant, DomainError>) -> Vec<String> {
    match r {
        Err(DomainError::Invalid(e)) => e.into_iter().map(|e| e.field).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

#[test]
fn a_valid_applicant_is_normalised() {
    let a = Applicant::parse(input(), today()).expect("valid");
    assert_eq!(a.last_name, "N'Diaye");
    assert_eq!(a.first_names, "Aïssata Marie");
    assert_eq!(a.email, "aissata.ndiaye@example.fr");
    assert_eq!(a.phone, "+33612345678");
}

#[test]
fn every_invalid_field_is_named_at_once() {
    let bad = ApplicantInput {
        last_name: "   ",
        first_names: "J0hn",
        birth_date: "2030-01-01",
        email: "not-an-email",
        phone: "12",
        nationality: None,
        file_number: None,
    };
    assert_eq!(
        fields(Applicant::parse(bad, today())),
        vec!["last_name", "first_names", "birth_date", "email", "phone"]
    );
}

#[test]
fn birth_dates_must_be_real_past_dates() {
    for bad in ["1990-02-30", "12/04/1990", "", "1899-12-31", "2026-11-29"] {
        let i = ApplicantInput {
            birth_date: bad,
            ..input()
        };
        assert_eq!(
            fields(Applicant::parse(i, today())),
            vec!["birth_date"],
            "{bad}"
        );
    }
    let born_today = ApplicantInput {
        birth_date: "2026-11-28",
        ..input()
    };
    assert!(Applicant::parse(born_today, today()).is_ok());
}

#[test]
fn names_have_bounds_and_an_alphabet() {
    let long = "A".repeat(NAME_MAX_CHARS + 1);
    let i = ApplicantInput {
        last_name: &long,
        ..input()
    };
    assert_eq!(fields(Applicant::parse(i, today())), vec!["last_name"]);
    for ok in [
        "Nguyễn",
        "O’Connor",
        "Jean-Pierre",
        "Müller",
        "Лебедев",
        "محمد",
    ] {
        assert!(parse_name("last_name", ok).is_ok(), "{ok}");
    }
    for bad in ["<script>", "Bob1", "--", "a;b"] {
        assert!(parse_name("last_name", bad).is_err(), "{bad}");
    }
}

#[test]
fn a_person_has_an_identity_key_and_a_file_key_when_a_number_is_given() {
    let without = Applicant::parse(input(), today()).expect("valid");
    let with = Applicant::parse(
        ApplicantInput {
            file_number: Some("75 0123 4567"),
            ..input()
        },
        today(),
    )
    .expect("valid");
    let (a, b) = (without.person_keys(), with.person_keys());
    assert_eq!(a.identity, b.identity, "the number changes not who one is");
    assert_eq!(a.file, None);
    let file = b.file.clone().expect("file key");
    assert_ne!(file, b.identity);
    assert!(!file.contains("7501234567") && !b.identity.contains("iaye"));
    // The same, from the fields a reservation stores.
    assert_eq!(
        PersonKeys::of(
            &with.last_name,
            &with.first_names,
            with.birth_date,
            Some("7501234567")
        ),
        b
    );
    // Another spelling is the same person; another birth date is not.
    let respelled = PersonKeys::of("NDIAYE", "aissata marie", with.birth_date, None);
    assert_eq!(respelled.identity, a.identity);
    let other = PersonKeys::of("N'Diaye", "Aïssata Marie", today(), None);
    assert_ne!(other.identity, a.identity);
    assert_eq!(format!("{b:?}"), "PersonKeys { .. }");
}

#[test]
fn debug_output_hides_personal_data() {
    let a = Applicant::parse(input(), today()).expect("valid");
    let shown = format!("{a:?}");
    assert!(!shown.contains("Diaye") && !shown.contains("example"));
}

#[test]
fn an_agent_may_book_without_contact_but_not_with_a_bad_one() {
    let none = ApplicantInput {
        email: " ",
        phone: "",
        ..input()
    };
    assert_eq!(fields(Applicant::parse(none, today())), ["email", "phone"]);
    let a = Applicant::parse_with(none, today(), Contact::Optional).expect("no contact");
    assert_eq!((a.email.as_str(), a.phone.as_str()), ("", ""));
    let phone_only = ApplicantInput {
        email: "",
        ..input()
    };
    let a = Applicant::parse_with(phone_only, today(), Contact::Optional).expect("phone");
    assert_eq!(a.phone, "+33612345678");
    let bad = ApplicantInput {
        email: "not-an-address",
        phone: "12",
        ..input()
    };
    assert_eq!(
        fields(Applicant::parse_with(bad, today(), Contact::Optional)),
        ["email", "phone"]
    );
}
