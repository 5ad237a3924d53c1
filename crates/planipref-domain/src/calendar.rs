//! Public holidays (jours fériés) of every French département and overseas
//! territory that has a préfecture.
//!
//! Sources: Code du travail, art. L3133-1 (the eleven national holidays);
//! art. L3134-13 and the local law of Alsace-Moselle (Good Friday and
//! 26 December in Moselle, Bas-Rhin and Haut-Rhin); loi n° 83-550 and
//! décret n° 83-1003 of 23 November 1983 (abolition of slavery: Guadeloupe
//! 27 May, Martinique 22 May, Guyane 10 June, La Réunion 20 December,
//! Mayotte 27 April), completed by décret n° 2012-553 of 23 April 2012
//! (Saint-Barthélemy 9 October, Saint-Martin 28 May). Whit Monday is a
//! public holiday (loi n° 2008-351), also used as the "journée de
//! solidarité" in some workplaces, except in 2005. Dates checked against
//! the python `holidays` package (0.109) for 2000–2100.
//!
//! Other local customs (Good Friday and Mi-Carême in Guadeloupe, Victor
//! Schœlcher's day on 21 July in the Antilles…) are not statutory for the
//! State's services; a préfecture records them as closures.

use chrono::{Datelike, Days, NaiveDate};

use crate::ids::DepartementCode;

/// A public holiday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Holiday {
    /// 1 January.
    JourDeLAn,
    /// Good Friday (Alsace-Moselle).
    VendrediSaint,
    /// Easter Monday.
    LundiDePaques,
    /// 1 May.
    FeteDuTravail,
    /// 8 May.
    Victoire1945,
    /// Ascension Thursday (Easter + 39 days).
    Ascension,
    /// Whit Monday (Easter + 50 days).
    LundiDePentecote,
    /// The day slavery was abolished in that territory.
    AbolitionDeLEsclavage,
    /// 14 July.
    FeteNationale,
    /// 15 August.
    Assomption,
    /// 1 November.
    Toussaint,
    /// 11 November.
    Armistice1918,
    /// 25 December.
    Noel,
    /// 26 December (Alsace-Moselle).
    SaintEtienne,
}

impl Holiday {
    /// A stable code for the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::JourDeLAn => "jour_de_l_an",
            Self::VendrediSaint => "vendredi_saint",
            Self::LundiDePaques => "lundi_de_paques",
            Self::FeteDuTravail => "fete_du_travail",
            Self::Victoire1945 => "victoire_1945",
            Self::Ascension => "ascension",
            Self::LundiDePentecote => "lundi_de_pentecote",
            Self::AbolitionDeLEsclavage => "abolition_de_l_esclavage",
            Self::FeteNationale => "fete_nationale",
            Self::Assomption => "assomption",
            Self::Toussaint => "toussaint",
            Self::Armistice1918 => "armistice_1918",
            Self::Noel => "noel",
            Self::SaintEtienne => "saint_etienne",
        }
    }

    /// Its French name.
    pub fn label(self) -> &'static str {
        match self {
            Self::JourDeLAn => "Jour de l'an",
            Self::VendrediSaint => "Vendredi saint",
            Self::LundiDePaques => "Lundi de Pâques",
            Self::FeteDuTravail => "Fête du Travail",
            Self::Victoire1945 => "Victoire 1945",
            Self::Ascension => "Ascension",
            Self::LundiDePentecote => "Lundi de Pentecôte",
            Self::AbolitionDeLEsclavage => "Abolition de l'esclavage",
            Self::FeteNationale => "Fête nationale",
            Self::Assomption => "Assomption",
            Self::Toussaint => "Toussaint",
            Self::Armistice1918 => "Armistice 1918",
            Self::Noel => "Noël",
            Self::SaintEtienne => "Saint-Étienne",
        }
    }
}

/// Easter Sunday of a Gregorian year (the anonymous algorithm published by
/// Meeus), for years 1583 onwards.
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// The day slavery's abolition is a public holiday in `departement`, if any.
fn abolition_day(year: i32, departement: &str) -> Option<(u32, u32)> {
    match departement {
        "971" => Some((5, 27)),
        "972" => Some((5, 22)),
        "973" => Some((6, 10)),
        "974" => Some((12, 20)),
        "976" => Some((4, 27)),
        "977" if year >= 2012 => Some((10, 9)),
        "978" if year >= 2012 => Some((5, 28)),
        _ => None,
    }
}

/// Whether the local law of Alsace-Moselle applies.
fn is_alsace_moselle(departement: &str) -> bool {
    matches!(departement, "57" | "67" | "68")
}

/// The public holidays of `year` in `departement`, by date. When two fall
/// on the same day (Ascension on 1 May in 2008) both are listed, and the
/// day counts once as closed.
pub fn public_holidays(year: i32, departement: &DepartementCode) -> Vec<(NaiveDate, Holiday)> {
    let code = departement.as_str();
    let date = |m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d);
    let easter = easter_sunday(year);
    let from_easter = |days: i64| {
        easter.and_then(|e| {
            if days >= 0 {
                e.checked_add_days(Days::new(days.unsigned_abs()))
            } else {
                e.checked_sub_days(Days::new(days.unsigned_abs()))
            }
        })
    };
    let mut days: Vec<(Option<NaiveDate>, Holiday)> = vec![
        (date(1, 1), Holiday::JourDeLAn),
        (from_easter(1), Holiday::LundiDePaques),
        (date(5, 1), Holiday::FeteDuTravail),
        (date(5, 8), Holiday::Victoire1945),
        (from_easter(39), Holiday::Ascension),
        (date(7, 14), Holiday::FeteNationale),
        (date(8, 15), Holiday::Assomption),
        (date(11, 1), Holiday::Toussaint),
        (date(11, 11), Holiday::Armistice1918),
        (date(12, 25), Holiday::Noel),
    ];
    if year != 2005 {
        days.push((from_easter(50), Holiday::LundiDePentecote));
    }
    if is_alsace_moselle(code) {
        days.push((from_easter(-2), Holiday::VendrediSaint));
        days.push((date(12, 26), Holiday::SaintEtienne));
    }
    if let Some((m, d)) = abolition_day(year, code) {
        days.push((date(m, d), Holiday::AbolitionDeLEsclavage));
    }
    let mut out: Vec<(NaiveDate, Holiday)> = days
        .into_iter()
        .filter_map(|(d, h)| d.map(|d| (d, h)))
        .collect();
    out.sort();
    out
}

/// The holidays between `from` and `to` (inclusive), by date.
pub fn holidays_between(
    from: NaiveDate,
    to: NaiveDate,
    departement: &DepartementCode,
) -> Vec<(NaiveDate, Holiday)> {
    (from.year()..=to.year())
        .flat_map(|year| public_holidays(year, departement))
        .filter(|(d, _)| *d >= from && *d <= to)
        .collect()
}

/// The days a site of `departement` is closed between `from` and `to`,
/// sorted and without repeats: its public holidays, except those on which
/// the préfecture opens it explicitly (`openings`). Closures of hours or of
/// single guichets are handled as busy times, not here.
pub fn closed_days(
    from: NaiveDate,
    to: NaiveDate,
    departement: &DepartementCode,
    openings: &[NaiveDate],
) -> Vec<NaiveDate> {
    let mut days: Vec<NaiveDate> = holidays_between(from, to, departement)
        .into_iter()
        .map(|(d, _)| d)
        .filter(|d| !openings.contains(d))
        .collect();
    days.dedup();
    days
}

/// The holidays falling on `day` in `departement` (usually none).
pub fn holidays_on(day: NaiveDate, departement: &DepartementCode) -> Vec<Holiday> {
    public_holidays(day.year(), departement)
        .into_iter()
        .filter(|(d, _)| *d == day)
        .map(|(_, h)| h)
        .collect()
}
