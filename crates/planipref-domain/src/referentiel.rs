//! The référentiel: what a préfecture sets up (sites, motifs, guichets,
//! plages) and the rules each piece must respect.

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike, Weekday};

use crate::error::FieldError;
use crate::ids::{GuichetId, MotifId};
use crate::occupancy::UNIT_MINUTES;

/// The shortest appointment a motif may last, in minutes.
pub const MIN_DURATION_MINUTES: u32 = UNIT_MINUTES;
/// The longest appointment a motif may last, in minutes (a whole morning).
pub const MAX_DURATION_MINUTES: u32 = 240;

/// What kind of place a site is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SiteKind {
    /// The préfecture itself, in the département's chef-lieu.
    Prefecture,
    /// A sous-préfecture, seat of an arrondissement.
    SousPrefecture,
    /// Any other place that receives the public (antenne, maison France services).
    Antenne,
}

impl SiteKind {
    /// The stable code used in the API and the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::Prefecture => "prefecture",
            Self::SousPrefecture => "sous_prefecture",
            Self::Antenne => "antenne",
        }
    }

    /// The kind named by `code`.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "prefecture" => Some(Self::Prefecture),
            "sous_prefecture" => Some(Self::SousPrefecture),
            "antenne" => Some(Self::Antenne),
            _ => None,
        }
    }
}

/// Checks a motif's duration: whole units, within sane bounds.
pub fn check_duration(field: &str, minutes: u32) -> Result<u32, FieldError> {
    if !(MIN_DURATION_MINUTES..=MAX_DURATION_MINUTES).contains(&minutes) {
        return Err(FieldError::new(
            field,
            format!("must be between {MIN_DURATION_MINUTES} and {MAX_DURATION_MINUTES} minutes"),
        ));
    }
    if !minutes.is_multiple_of(UNIT_MINUTES) {
        return Err(FieldError::new(
            field,
            format!("must be a multiple of {UNIT_MINUTES} minutes"),
        ));
    }
    Ok(minutes)
}

/// A set of days of the week, stored as a bit mask (bit 0 = Monday).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Weekdays(u8);

impl Weekdays {
    /// Monday to Friday.
    pub const WORKING_WEEK: Self = Self(0b0001_1111);

    /// The set of `days`.
    pub fn of(days: &[Weekday]) -> Self {
        Self(
            days.iter()
                .fold(0, |m, d| m | (1 << d.num_days_from_monday())),
        )
    }

    /// The mask as stored; `None` when it has bits beyond Sunday or is empty.
    pub fn from_bits(bits: i32) -> Option<Self> {
        u8::try_from(bits)
            .ok()
            .filter(|b| (1..=0b0111_1111).contains(b))
            .map(Self)
    }

    /// The mask as stored.
    pub fn bits(self) -> i32 {
        i32::from(self.0)
    }

    /// Whether `day` is in the set.
    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    /// The days in the set, Monday first.
    pub fn days(self) -> Vec<Weekday> {
        let mut d = Weekday::Mon;
        let mut out = Vec::new();
        for _ in 0..7 {
            if self.contains(d) {
                out.push(d);
            }
            d = d.succ();
        }
        out
    }
}

/// A recurring opening range of one guichet, in the site's local time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plage {
    /// The guichet that is open.
    pub guichet_id: GuichetId,
    /// The days of the week it applies to.
    pub weekdays: Weekdays,
    /// Local opening time.
    pub start: NaiveTime,
    /// Local closing time; the last appointment ends by then.
    pub end: NaiveTime,
    /// First day it applies.
    pub valid_from: NaiveDate,
    /// Last day it applies (inclusive); open-ended when `None`.
    pub valid_until: Option<NaiveDate>,
    /// The motifs it serves; empty means every motif of its guichet.
    pub motifs: Vec<MotifId>,
}

impl Plage {
    /// Whether the plage opens on `day`.
    pub fn applies_on(&self, day: NaiveDate) -> bool {
        self.weekdays.contains(day.weekday())
            && day >= self.valid_from
            && self.valid_until.is_none_or(|until| day <= until)
    }

    /// Whether the plage serves `motif` (given its guichet serves it).
    pub fn serves(&self, motif: MotifId) -> bool {
        self.motifs.is_empty() || self.motifs.contains(&motif)
    }

    /// Checks the plage's own consistency, naming the faulty fields.
    pub fn check(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.end <= self.start {
            errors.push(FieldError::new("end", "must be after start"));
        }
        for (field, t) in [("start", self.start), ("end", self.end)] {
            if t.second() != 0 || t.nanosecond() != 0 || !t.minute().is_multiple_of(UNIT_MINUTES) {
                errors.push(FieldError::new(
                    field,
                    format!("must be on a {UNIT_MINUTES}-minute boundary"),
                ));
            }
        }
        if self.valid_until.is_some_and(|u| u < self.valid_from) {
            errors.push(FieldError::new(
                "valid_until",
                "must not be before valid_from",
            ));
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("time")
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn plage() -> Plage {
        Plage {
            guichet_id: GuichetId::new_random(),
            weekdays: Weekdays::of(&[Weekday::Mon, Weekday::Thu]),
            start: t(9, 0),
            end: t(12, 0),
            valid_from: d(2026, 1, 1),
            valid_until: Some(d(2026, 12, 31)),
            motifs: vec![],
        }
    }

    #[test]
    fn durations_must_be_whole_units_within_bounds() {
        assert_eq!(check_duration("duration_minutes", 30), Ok(30));
        assert_eq!(check_duration("duration_minutes", 240), Ok(240));
        for bad in [0, 3, 7, 245, 1000] {
            let e = check_duration("duration_minutes", bad).expect_err("refused");
            assert_eq!(e.field, "duration_minutes");
        }
    }

    #[test]
    fn weekdays_round_trip_and_reject_nonsense() {
        let w = Weekdays::of(&[Weekday::Mon, Weekday::Sun]);
        assert_eq!(w.bits(), 0b100_0001);
        assert_eq!(Weekdays::from_bits(w.bits()), Some(w));
        assert_eq!(w.days(), vec![Weekday::Mon, Weekday::Sun]);
        assert_eq!(Weekdays::from_bits(0), None);
        assert_eq!(Weekdays::from_bits(128), None);
        assert_eq!(Weekdays::WORKING_WEEK.days().len(), 5);
    }

    #[test]
    fn a_plage_applies_on_its_weekdays_within_validity() {
        let p = plage();
        assert!(p.applies_on(d(2026, 12, 3))); // Thursday
        assert!(!p.applies_on(d(2026, 12, 2))); // Wednesday
        assert!(!p.applies_on(d(2027, 1, 4))); // Monday, after validity
        let open_ended = Plage {
            valid_until: None,
            ..p
        };
        assert!(open_ended.applies_on(d(2030, 1, 7)));
    }

    #[test]
    fn an_inverted_or_misaligned_plage_names_its_fields() {
        let bad = Plage {
            start: t(12, 0),
            end: t(9, 2),
            valid_until: Some(d(2025, 1, 1)),
            ..plage()
        };
        let fields: Vec<_> = bad.check().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["end", "end", "valid_until"]);
        assert!(plage().check().is_empty());
    }

    #[test]
    fn site_kinds_have_stable_codes() {
        for k in [
            SiteKind::Prefecture,
            SiteKind::SousPrefecture,
            SiteKind::Antenne,
        ] {
            assert_eq!(SiteKind::from_code(k.code()), Some(k));
        }
        assert_eq!(SiteKind::from_code("mairie"), None);
    }
}
