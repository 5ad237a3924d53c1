//! A plage: a recurring opening range of a guichet (weekdays, local start
//! and end, validity dates, the motifs it serves). Here are the weekdays
//! and local times as the API writes them, the checks a new plage must pass
//! (its own consistency, its guichet's motifs, no overlap with its
//! guichet's other plages), whether plages still cover a booked
//! appointment, and the guichet's working period (`active_from`,
//! `active_until`) that narrows its plages. The slot engine
//! ([`crate::slots`]) reads plages; it does not check them.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc, Weekday};

use chrono_tz::Tz;

use crate::error::{DomainError, FieldError};
use crate::ids::{GuichetId, MotifId};
use crate::occupancy::UNIT_MINUTES;

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

    /// The plage as it applies while its guichet works only between
    /// `from` and `until` (inclusive, each open-ended when `None`); `None`
    /// when those periods do not meet.
    pub fn within(&self, from: Option<NaiveDate>, until: Option<NaiveDate>) -> Option<Self> {
        let valid_from = from.map_or(self.valid_from, |f| f.max(self.valid_from));
        let valid_until = match (self.valid_until, until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if valid_until.is_some_and(|u| u < valid_from) {
            return None;
        }
        Some(Self {
            valid_from,
            valid_until,
            ..self.clone()
        })
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

/// Reads weekday names (`monday` … `sunday`): at least one, no repeats.
pub fn parse_weekdays(field: &str, names: &[String]) -> Result<Weekdays, FieldError> {
    if names.is_empty() {
        return Err(FieldError::new(field, "must name at least one day"));
    }
    let mut days = Vec::new();
    for n in names {
        let day = match n.trim().to_ascii_lowercase().as_str() {
            "monday" => Weekday::Mon,
            "tuesday" => Weekday::Tue,
            "wednesday" => Weekday::Wed,
            "thursday" => Weekday::Thu,
            "friday" => Weekday::Fri,
            "saturday" => Weekday::Sat,
            "sunday" => Weekday::Sun,
            _ => {
                return Err(FieldError::new(
                    field,
                    format!("{n:?} is not a day (monday … sunday)"),
                ));
            }
        };
        if days.contains(&day) {
            return Err(FieldError::new(field, format!("{n:?} is repeated")));
        }
        days.push(day);
    }
    Ok(Weekdays::of(&days))
}

/// The English name of a weekday, as the API writes it.
pub fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    }
}

/// Reads a local time written `HH:MM`.
pub fn parse_local_time(field: &str, raw: &str) -> Result<NaiveTime, FieldError> {
    NaiveTime::parse_from_str(raw.trim(), "%H:%M")
        .map_err(|_| FieldError::new(field, "must be a local time written HH:MM"))
}

/// Checks a new plage of a guichet: its own consistency, the motifs it
/// serves (a subset of the guichet's), and that it overlaps none of the
/// guichet's other plages (same day, overlapping hours and validity).
pub fn check_new_plage(
    plage: &Plage,
    guichet_motifs: &[MotifId],
    others: &[Plage],
) -> Result<(), DomainError> {
    let mut errors = plage.check();
    if plage.motifs.iter().any(|m| !guichet_motifs.contains(m)) {
        errors.push(FieldError::new(
            "motif_ids",
            "must be motifs served by the guichet",
        ));
    }
    if others.iter().any(|o| plages_overlap(plage, o)) {
        errors.push(FieldError::new(
            "start",
            "overlaps another plage of this guichet (same day, overlapping hours and validity)",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Invalid(errors))
    }
}

/// Whether two plages are ever open at the same moment.
pub fn plages_overlap(a: &Plage, b: &Plage) -> bool {
    let common_day = a.weekdays.bits() & b.weekdays.bits() != 0;
    let hours = a.start < b.end && b.start < a.end;
    let a_until = a.valid_until.unwrap_or(NaiveDate::MAX);
    let b_until = b.valid_until.unwrap_or(NaiveDate::MAX);
    let validity = a.valid_from <= b_until && b.valid_from <= a_until;
    common_day && hours && validity
}

/// Whether some plage still covers an appointment of `motif` from `start`
/// to `end`: on a day it applies, serving the motif, from its opening to
/// its closing on the site's clocks.
pub fn plages_cover(
    plages: &[Plage],
    motif: MotifId,
    tz: Tz,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> bool {
    let (local_start, local_end) = (
        start.with_timezone(&tz).naive_local(),
        end.with_timezone(&tz).naive_local(),
    );
    let day = local_start.date();
    local_end.date() == day
        && plages.iter().any(|p| {
            p.applies_on(day)
                && p.serves(motif)
                && p.start <= local_start.time()
                && local_end.time() <= p.end
        })
}

/// Whether a guichet working from `from` until `until` (inclusive, each
/// open-ended when `None`) works on `day`.
pub fn works_on(day: NaiveDate, from: Option<NaiveDate>, until: Option<NaiveDate>) -> bool {
    from.is_none_or(|f| day >= f) && until.is_none_or(|u| day <= u)
}

/// Checks a guichet's working period: `active_until` not before
/// `active_from`.
pub fn check_active_period(
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
) -> Result<(), FieldError> {
    match (from, until) {
        (Some(f), Some(u)) if u < f => Err(FieldError::new(
            "active_until",
            "must not be before active_from",
        )),
        _ => Ok(()),
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
    fn weekday_names_and_local_times_are_read_strictly() {
        let w = parse_weekdays("weekdays", &["monday".into(), "Friday".into()]).expect("days");
        assert_eq!(w.days(), vec![Weekday::Mon, Weekday::Fri]);
        assert!(parse_weekdays("weekdays", &[]).is_err());
        assert!(parse_weekdays("weekdays", &["lundi".into()]).is_err());
        assert!(parse_weekdays("weekdays", &["monday".into(), "monday".into()]).is_err());
        assert_eq!(parse_local_time("start", "09:30"), Ok(t(9, 30)));
        assert!(parse_local_time("start", "9h30").is_err());
        assert!(parse_local_time("start", "25:00").is_err());
    }

    #[test]
    fn plages_of_one_guichet_must_not_overlap() {
        let a = plage();
        let later = Plage {
            start: t(12, 0),
            end: t(16, 0),
            ..plage()
        };
        assert!(!plages_overlap(&a, &later), "adjacent");
        let overlapping = Plage {
            start: t(11, 0),
            end: t(13, 0),
            ..plage()
        };
        assert!(plages_overlap(&a, &overlapping));
        let other_day = Plage {
            weekdays: Weekdays::of(&[Weekday::Tue]),
            ..overlapping.clone()
        };
        assert!(!plages_overlap(&a, &other_day));
        let next_year = Plage {
            valid_from: d(2027, 1, 1),
            valid_until: None,
            ..overlapping.clone()
        };
        assert!(!plages_overlap(&a, &next_year));
        match check_new_plage(&overlapping, &[], std::slice::from_ref(&a)) {
            Err(DomainError::Invalid(e)) => assert_eq!(e[0].field, "start"),
            other => panic!("{other:?}"),
        }
        let m = MotifId::new_random();
        let restricted = Plage {
            motifs: vec![m],
            ..later.clone()
        };
        match check_new_plage(&restricted, &[], std::slice::from_ref(&a)) {
            Err(DomainError::Invalid(e)) => assert_eq!(e[0].field, "motif_ids"),
            other => panic!("{other:?}"),
        }
        assert!(check_new_plage(&restricted, &[m], &[a]).is_ok());
    }

    #[test]
    fn a_shrunk_plage_no_longer_covers_late_appointments() {
        let paris: Tz = "Europe/Paris".parse().expect("tz");
        let m = MotifId::new_random();
        let at = |s: &str| -> DateTime<Utc> { s.parse().expect("instant") };
        // Thursday 3 December 2026, 11:00–11:30 local (+01:00).
        let (start, end) = (at("2026-12-03T10:00:00Z"), at("2026-12-03T10:30:00Z"));
        assert!(plages_cover(&[plage()], m, paris, start, end));
        let shrunk = Plage {
            end: t(11, 0),
            ..plage()
        };
        assert!(!plages_cover(
            std::slice::from_ref(&shrunk),
            m,
            paris,
            start,
            end
        ));
        assert!(plages_cover(
            &[shrunk],
            m,
            paris,
            at("2026-12-03T09:00:00Z"),
            at("2026-12-03T09:30:00Z")
        ));
        let for_others = Plage {
            motifs: vec![MotifId::new_random()],
            ..plage()
        };
        assert!(!plages_cover(&[for_others], m, paris, start, end));
        assert!(!plages_cover(&[], m, paris, start, end));
    }

    #[test]
    fn a_guichet_working_period_narrows_its_plages() {
        let p = plage(); // 2026-01-01 ..= 2026-12-31
        let narrowed = p.within(Some(d(2026, 3, 1)), None).expect("meets");
        assert_eq!(
            (narrowed.valid_from, narrowed.valid_until),
            (d(2026, 3, 1), Some(d(2026, 12, 31)))
        );
        let narrowed = p
            .within(Some(d(2025, 1, 1)), Some(d(2026, 6, 30)))
            .expect("meets");
        assert_eq!(
            (narrowed.valid_from, narrowed.valid_until),
            (d(2026, 1, 1), Some(d(2026, 6, 30)))
        );
        assert_eq!(p.within(None, None), Some(p.clone()));
        assert_eq!(
            p.within(Some(d(2027, 1, 1)), None),
            None,
            "starts after the plage ends"
        );
        assert_eq!(
            p.within(None, Some(d(2025, 12, 31))),
            None,
            "ends before it starts"
        );
        let open = Plage {
            valid_until: None,
            ..plage()
        };
        assert_eq!(
            open.within(None, Some(d(2026, 2, 1)))
                .and_then(|x| x.valid_until),
            Some(d(2026, 2, 1))
        );
        assert!(
            !p.within(Some(d(2026, 3, 1)), None)
                .expect("meets")
                .applies_on(d(2026, 2, 2))
        );
        assert!(works_on(
            d(2026, 3, 1),
            Some(d(2026, 3, 1)),
            Some(d(2026, 3, 1))
        ));
        assert!(!works_on(d(2026, 2, 28), Some(d(2026, 3, 1)), None));
        assert!(!works_on(d(2026, 3, 2), None, Some(d(2026, 3, 1))));
        assert!(works_on(d(1999, 1, 1), None, None));
        assert!(check_active_period(Some(d(2026, 1, 2)), Some(d(2026, 1, 1))).is_err());
        assert!(check_active_period(Some(d(2026, 1, 1)), Some(d(2026, 1, 1))).is_ok());
        assert!(check_active_period(None, Some(d(2026, 1, 1))).is_ok());
    }
}
