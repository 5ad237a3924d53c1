//! Public holidays of every département with a préfecture, for years that
//! exercise every rule (2005 without Whit Monday, 2008 with Ascension on
//! 1 May, 2012 when Saint-Barthélemy and Saint-Martin got their day and
//! Saint-Martin's fell on Whit Monday, 2100), compared with an independent
//! computation stored in `tests/data/holidays.csv` (see its header).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use planipref_domain::calendar::{Holiday, easter_sunday, holidays_on, public_holidays};
use planipref_domain::ids::DepartementCode;

type Expected = BTreeMap<(String, i32), BTreeSet<(NaiveDate, String)>>;

fn expected() -> Expected {
    let text = include_str!("../data/holidays.csv");
    let mut map: Expected = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let mut parts = line.split(',');
        let (code, date, holiday) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let date: NaiveDate = date.parse().expect("date");
        use chrono::Datelike;
        map.entry((code.to_owned(), date.year()))
            .or_default()
            .insert((date, holiday.to_owned()));
    }
    map
}

#[test]
fn every_departement_has_the_holidays_of_its_law_every_year() {
    let expected = expected();
    assert_eq!(
        expected
            .keys()
            .map(|(c, _)| c.clone())
            .collect::<BTreeSet<_>>()
            .len(),
        104,
        "all 104 codes"
    );
    for ((code, year), want) in &expected {
        let dep = DepartementCode::parse(code).unwrap_or_else(|| panic!("{code} is a valid code"));
        let got: BTreeSet<(NaiveDate, String)> = public_holidays(*year, &dep)
            .into_iter()
            .map(|(d, h)| (d, h.code().to_owned()))
            .collect();
        assert_eq!(&got, want, "{code} in {year}");
    }
}

fn dep(code: &str) -> DepartementCode {
    DepartementCode::parse(code).expect("code")
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

#[test]
fn easter_falls_on_known_sundays() {
    assert_eq!(easter_sunday(2024), Some(d(2024, 3, 31)));
    assert_eq!(easter_sunday(2026), Some(d(2026, 4, 5)));
    assert_eq!(easter_sunday(2038), Some(d(2038, 4, 25))); // latest possible
    assert_eq!(easter_sunday(2285), Some(d(2285, 3, 22))); // earliest possible
}

#[test]
fn metropolitan_france_has_eleven_holidays() {
    let days = public_holidays(2026, &dep("93"));
    assert_eq!(days.len(), 11);
    assert!(days.contains(&(d(2026, 5, 25), Holiday::LundiDePentecote)));
}

#[test]
fn alsace_moselle_adds_good_friday_and_saint_stephen() {
    for code in ["57", "67", "68"] {
        let days = public_holidays(2026, &dep(code));
        assert_eq!(days.len(), 13, "{code}");
        assert!(days.contains(&(d(2026, 4, 3), Holiday::VendrediSaint)));
        assert!(days.contains(&(d(2026, 12, 26), Holiday::SaintEtienne)));
    }
    assert!(
        !public_holidays(2026, &dep("54"))
            .iter()
            .any(|(_, h)| *h == Holiday::VendrediSaint)
    );
}

#[test]
fn each_overseas_territory_has_its_abolition_day() {
    for (code, m, day) in [
        ("971", 5, 27),
        ("972", 5, 22),
        ("973", 6, 10),
        ("974", 12, 20),
        ("976", 4, 27),
        ("977", 10, 9),
        ("978", 5, 28),
    ] {
        assert_eq!(
            holidays_on(d(2026, m, day), &dep(code)),
            vec![Holiday::AbolitionDeLEsclavage],
            "{code}"
        );
    }
    assert!(
        !public_holidays(2026, &dep("975"))
            .iter()
            .any(|(_, h)| *h == Holiday::AbolitionDeLEsclavage)
    );
}

#[test]
fn two_holidays_on_one_day_are_both_listed() {
    // 2008: Ascension on 1 May; 2012 in Saint-Martin: abolition on Whit Monday.
    assert_eq!(
        holidays_on(d(2008, 5, 1), &dep("75")),
        vec![Holiday::FeteDuTravail, Holiday::Ascension]
    );
    assert_eq!(
        holidays_on(d(2012, 5, 28), &dep("978")),
        vec![Holiday::LundiDePentecote, Holiday::AbolitionDeLEsclavage]
    );
    assert!(holidays_on(d(2026, 5, 26), &dep("75")).is_empty());
}

#[test]
fn holiday_codes_and_labels_are_distinct() {
    let all = public_holidays(2026, &dep("57"))
        .into_iter()
        .chain(public_holidays(2026, &dep("974")))
        .map(|(_, h)| h)
        .collect::<BTreeSet<_>>();
    let codes: BTreeSet<_> = all.iter().map(|h| h.code()).collect();
    let labels: BTreeSet<_> = all.iter().map(|h| h.label()).collect();
    assert_eq!((codes.len(), labels.len()), (all.len(), all.len()));
}
