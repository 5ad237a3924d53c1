//! Convocations: an agent's nominative, single-use invitation to book.
//!
//! The agents' own answer to slot capture: the agent authorises a named
//! person to come, and that person chooses when, through a link carrying a
//! secret token. A motif may be booked only this way (`convocation_only`).
//! The token books one appointment, for the person named only; cancelling
//! that appointment gives the convocation back until it expires.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::applicant::{
    Applicant, fold_name, parse_birth_date, parse_email, parse_file_number, parse_name, parse_phone,
};
use crate::error::{Collector, DomainError, FieldError};
use crate::slots::parse_search_date;

/// Days a convocation stays usable when the agent does not say.
pub const DEFAULT_VALID_DAYS: u32 = 30;
/// Longest validity an agent may give.
pub const MAX_VALID_DAYS: u32 = 180;

/// The person a convocation is for.
#[derive(Clone, PartialEq, Eq)]
pub struct ConvocationPerson {
    /// Family name, as on the passport.
    pub last_name: String,
    /// Given names.
    pub first_names: String,
    /// Date of birth.
    pub birth_date: NaiveDate,
    /// Foreigner file number (10 digits), when known.
    pub file_number: Option<String>,
    /// E-mail address the link is sent to, when given.
    pub email: Option<String>,
    /// Phone number (E.164), when given.
    pub phone: Option<String>,
}

// Personal data: never printed whole.
impl std::fmt::Debug for ConvocationPerson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConvocationPerson { .. }")
    }
}

/// The person's fields as the agent sent them.
#[derive(Debug, Clone, Copy)]
pub struct ConvocationPersonInput<'a> {
    /// Family name.
    pub last_name: &'a str,
    /// Given names.
    pub first_names: &'a str,
    /// Date of birth, `YYYY-MM-DD`.
    pub birth_date: &'a str,
    /// Foreigner file number, optional.
    pub file_number: Option<&'a str>,
    /// E-mail, optional.
    pub email: Option<&'a str>,
    /// Phone, optional.
    pub phone: Option<&'a str>,
}

impl ConvocationPerson {
    /// Checks every field (as an applicant's are), reporting all problems
    /// at once; `today` is the latest date anywhere.
    pub fn parse(input: ConvocationPersonInput<'_>, today: NaiveDate) -> Result<Self, DomainError> {
        let mut c = Collector::default();
        let last_name = c.take(parse_name("last_name", input.last_name));
        let first_names = c.take(parse_name("first_names", input.first_names));
        let birth_date = c.take(parse_birth_date(input.birth_date, today));
        let file_number = input.file_number.and_then(|n| c.take(parse_file_number(n)));
        let email = input.email.and_then(|e| c.take(parse_email(e)));
        let phone = input.phone.and_then(|p| c.take(parse_phone(p)));
        c.finish()?;
        match (last_name, first_names, birth_date) {
            (Some(last_name), Some(first_names), Some(birth_date)) => Ok(Self {
                last_name,
                first_names,
                birth_date,
                file_number,
                email,
                phone,
            }),
            _ => Err(DomainError::invalid("person", "is incomplete")),
        }
    }

    /// Whether `applicant` is this person: the same foreigner file number
    /// when both have one, else the same names and birth date compared
    /// without case, accents, spaces or punctuation. Two different file
    /// numbers never match, whatever the names.
    pub fn is(&self, applicant: &Applicant) -> bool {
        match (&self.file_number, &applicant.file_number) {
            (Some(ours), Some(theirs)) => ours == theirs,
            _ => {
                self.birth_date == applicant.birth_date
                    && fold_name(&self.last_name) == fold_name(&applicant.last_name)
                    && fold_name(&self.first_names) == fold_name(&applicant.first_names)
            }
        }
    }
}

/// The local days a convocation lets its holder book within (both ends
/// included when set).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayWindow {
    /// First day, when bounded.
    pub earliest: Option<NaiveDate>,
    /// Last day, when bounded.
    pub latest: Option<NaiveDate>,
}

impl DayWindow {
    /// `[from, to]` narrowed to the window (possibly empty: `from > to`).
    pub fn narrow(&self, from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate) {
        (
            self.earliest.map_or(from, |e| from.max(e)),
            self.latest.map_or(to, |l| to.min(l)),
        )
    }

    /// Whether `day` lies within the window.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.earliest.is_none_or(|e| day >= e) && self.latest.is_none_or(|l| day <= l)
    }
}

/// What an agent sets when issuing a convocation: until when it may be
/// used, and the days the appointment may fall on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvocationTerms {
    /// The last instant the link books.
    pub valid_until: DateTime<Utc>,
    /// Days the appointment may fall on.
    pub days: DayWindow,
}

impl ConvocationTerms {
    /// Checks the terms sent: a validity of 1 to [`MAX_VALID_DAYS`] days
    /// (default [`DEFAULT_VALID_DAYS`]), and optional first and last days
    /// of the appointment, in order, the last not before `today` (the
    /// site's date).
    pub fn parse(
        valid_days: Option<u32>,
        earliest_day: Option<&str>,
        latest_day: Option<&str>,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<Self, DomainError> {
        let mut c = Collector::default();
        let days = valid_days.unwrap_or(DEFAULT_VALID_DAYS);
        if !(1..=MAX_VALID_DAYS).contains(&days) {
            c.push(FieldError::new(
                "valid_days",
                format!("must be between 1 and {MAX_VALID_DAYS}"),
            ));
        }
        let earliest = earliest_day.and_then(|d| c.take(parse_search_date("earliest_day", d)));
        let latest = latest_day.and_then(|d| c.take(parse_search_date("latest_day", d)));
        if let (Some(e), Some(l)) = (earliest, latest)
            && e > l
        {
            c.push(FieldError::new(
                "latest_day",
                "must not be before earliest_day",
            ));
        }
        if latest.is_some_and(|l| l < today) {
            c.push(FieldError::new("latest_day", "must not be in the past"));
        }
        c.finish()?;
        Ok(Self {
            valid_until: now + Duration::days(i64::from(days)),
            days: DayWindow { earliest, latest },
        })
    }
}

/// The largest démarches-simplifiées dossier number accepted: the
/// largest integer a JSON reader in JavaScript holds exactly (2⁵³ − 1),
/// far beyond the service's ids.
pub const DS_DOSSIER_NUMBER_MAX: i64 = 9_007_199_254_740_991;

/// A démarches-simplifiées (Démarche numérique) dossier number an agent
/// gives a convocation: the dossier's integer id, from 1 to
/// [`DS_DOSSIER_NUMBER_MAX`]; refused on `field` otherwise.
pub fn check_ds_dossier_number(field: &str, number: i64) -> Result<i64, FieldError> {
    if (1..=DS_DOSSIER_NUMBER_MAX).contains(&number) {
        Ok(number)
    } else {
        Err(FieldError::new(
            field,
            format!("must be a dossier number from 1 to {DS_DOSSIER_NUMBER_MAX}"),
        ))
    }
}

/// Where a convocation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConvocationState {
    /// Usable: not booked, not expired, not revoked.
    Issued,
    /// Its appointment is booked (and not cancelled).
    Booked,
    /// Past its validity without a booked appointment.
    Expired,
    /// Withdrawn by an agent.
    Revoked,
}

impl ConvocationState {
    /// Every state, in the order of a convocation's life.
    pub const ALL: [Self; 4] = [Self::Issued, Self::Booked, Self::Expired, Self::Revoked];

    /// The state's code in the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::Issued => "issued",
            Self::Booked => "booked",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }

    /// The state named `code`.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The state of a convocation revoked or not, with a booked
    /// appointment or not, valid until `valid_until`, at `now`. A booked
    /// appointment keeps it booked past its validity; revocation wins.
    pub fn of(revoked: bool, booked: bool, valid_until: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        if revoked {
            Self::Revoked
        } else if booked {
            Self::Booked
        } else if valid_until <= now {
            Self::Expired
        } else {
            Self::Issued
        }
    }
}

/// Why a convocation cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No convocation has this token.
    Unknown,
    /// It is for another motif.
    OtherMotif,
    /// Its appointment is already booked.
    Used,
    /// Its validity has passed.
    Expired,
    /// An agent withdrew it.
    Revoked,
    /// The applicant is not the person it names.
    OtherPerson,
    /// The appointment falls outside the days it allows.
    OutsideDays,
    /// The slot was held with a convocation, and is confirmed without it.
    NotPresented,
}

/// A convocation as it stands when it is presented.
#[derive(Debug, Clone, Copy)]
pub struct Presented<'a> {
    /// The motif it is for.
    pub motif_id: &'a str,
    /// Whether it was revoked.
    pub revoked: bool,
    /// Whether its appointment is booked.
    pub booked: bool,
    /// Until when it may be used.
    pub valid_until: DateTime<Utc>,
    /// The days it allows.
    pub days: DayWindow,
}

impl Presented<'_> {
    /// Whether it may be used now for `motif_id` (searching, holding):
    /// not revoked, not expired, not booked, for that motif.
    pub fn check_usable(&self, motif_id: &str, now: DateTime<Utc>) -> Result<(), Refusal> {
        match ConvocationState::of(self.revoked, self.booked, self.valid_until, now) {
            ConvocationState::Revoked => Err(Refusal::Revoked),
            ConvocationState::Booked => Err(Refusal::Used),
            ConvocationState::Expired => Err(Refusal::Expired),
            ConvocationState::Issued if self.motif_id != motif_id => Err(Refusal::OtherMotif),
            ConvocationState::Issued => Ok(()),
        }
    }

    /// Whether it may book `motif_id` on local `day` for `applicant`,
    /// the person it names.
    pub fn check_booking(
        &self,
        person: &ConvocationPerson,
        applicant: &Applicant,
        (motif_id, day): (&str, NaiveDate),
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        self.check_usable(motif_id, now)?;
        if !person.is(applicant) {
            return Err(Refusal::OtherPerson);
        }
        if !self.days.contains(day) {
            return Err(Refusal::OutsideDays);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::applicant::ApplicantInput;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_ds_dossier_number_is_a_positive_integer_a_browser_holds_exactly() {
        assert_eq!(
            check_ds_dossier_number("ds_dossier_number", 12_345_678),
            Ok(12_345_678)
        );
        assert!(check_ds_dossier_number("f", DS_DOSSIER_NUMBER_MAX).is_ok());
        for bad in [0, -4, DS_DOSSIER_NUMBER_MAX + 1] {
            let e = check_ds_dossier_number("ds_dossier_number", bad).expect_err("refused");
            assert_eq!(e.field, "ds_dossier_number");
        }
    }

    fn person(file_number: Option<&str>) -> ConvocationPerson {
        ConvocationPerson::parse(
            ConvocationPersonInput {
                last_name: "N'Diaye",
                first_names: "Aïssata Marie",
                birth_date: "1990-04-12",
                file_number,
                email: None,
                phone: None,
            },
            day("2026-11-28"),
        )
        .unwrap()
    }

    fn applicant(last: &str, first: &str, birth: &str, file: Option<&str>) -> Applicant {
        Applicant::parse(
            ApplicantInput {
                last_name: last,
                first_names: first,
                birth_date: birth,
                email: "a@example.org",
                phone: "+33612345678",
                nationality: None,
                file_number: file,
            },
            day("2026-11-28"),
        )
        .unwrap()
    }

    #[test]
    fn the_named_person_matches_without_case_accents_or_punctuation() {
        let p = person(None);
        assert!(p.is(&applicant("NDIAYE", "aissata-marie", "1990-04-12", None)));
        assert!(!p.is(&applicant("NDIAYE", "aissata-marie", "1990-04-13", None)));
        assert!(!p.is(&applicant("Diallo", "Aïssata Marie", "1990-04-12", None)));
    }

    #[test]
    fn file_numbers_decide_when_both_are_known() {
        let p = person(Some("7501234567"));
        // The same file number, names spelled otherwise: the same person.
        assert!(p.is(&applicant(
            "Ndiaye",
            "Aissata",
            "1990-04-12",
            Some("7501234567")
        )));
        // Another file number, same names: someone else.
        assert!(!p.is(&applicant(
            "N'Diaye",
            "Aïssata Marie",
            "1990-04-12",
            Some("7509999999")
        )));
        // No file number given by the applicant: names and birth date.
        assert!(p.is(&applicant("N'Diaye", "Aïssata Marie", "1990-04-12", None)));
    }

    #[test]
    fn the_person_is_checked_field_by_field() {
        let e = ConvocationPerson::parse(
            ConvocationPersonInput {
                last_name: " ",
                first_names: "A1",
                birth_date: "2030-01-01",
                file_number: Some("12"),
                email: Some("nope"),
                phone: Some("12"),
            },
            day("2026-11-28"),
        )
        .unwrap_err();
        let DomainError::Invalid(fields) = e else {
            panic!("expected field errors")
        };
        let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            names,
            [
                "last_name",
                "first_names",
                "birth_date",
                "file_number",
                "email",
                "phone"
            ]
        );
    }

    #[test]
    fn terms_default_to_thirty_days_and_check_their_bounds() {
        let now = at("2026-11-28T10:00:00Z");
        let t = ConvocationTerms::parse(None, None, None, now, day("2026-11-28")).unwrap();
        assert_eq!(t.valid_until, at("2026-12-28T10:00:00Z"));
        assert_eq!(t.days, DayWindow::default());
        let bad = ConvocationTerms::parse(
            Some(0),
            Some("2026-12-10"),
            Some("2026-12-01"),
            now,
            day("2026-11-28"),
        )
        .unwrap_err();
        let DomainError::Invalid(fields) = bad else {
            panic!()
        };
        let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["valid_days", "latest_day"]);
        assert!(ConvocationTerms::parse(Some(181), None, None, now, day("2026-11-28")).is_err());
        assert!(
            ConvocationTerms::parse(None, None, Some("2026-11-27"), now, day("2026-11-28"))
                .is_err()
        );
        assert!(ConvocationTerms::parse(Some(180), None, None, now, day("2026-11-28")).is_ok());
    }

    #[test]
    fn windows_narrow_searches_and_bound_days() {
        let w = DayWindow {
            earliest: Some(day("2026-12-05")),
            latest: Some(day("2026-12-10")),
        };
        assert_eq!(
            w.narrow(day("2026-12-01"), day("2026-12-31")),
            (day("2026-12-05"), day("2026-12-10"))
        );
        let (f, t) = w.narrow(day("2026-12-11"), day("2026-12-20"));
        assert!(f > t, "nothing left to search");
        assert!(w.contains(day("2026-12-05")) && w.contains(day("2026-12-10")));
        assert!(!w.contains(day("2026-12-04")) && !w.contains(day("2026-12-11")));
        assert!(DayWindow::default().contains(day("2099-01-01")));
    }

    #[test]
    fn states_follow_revocation_then_booking_then_validity() {
        let until = at("2026-12-01T00:00:00Z");
        let before = at("2026-11-30T00:00:00Z");
        let after = at("2026-12-02T00:00:00Z");
        use ConvocationState::*;
        assert_eq!(ConvocationState::of(false, false, until, before), Issued);
        assert_eq!(ConvocationState::of(false, false, until, after), Expired);
        assert_eq!(ConvocationState::of(false, true, until, after), Booked);
        assert_eq!(ConvocationState::of(true, true, until, before), Revoked);
        for s in ConvocationState::ALL {
            assert_eq!(ConvocationState::from_code(s.code()), Some(s));
        }
        assert_eq!(ConvocationState::from_code("honoured"), None);
    }

    #[test]
    fn presenting_refuses_each_misuse() {
        let now = at("2026-11-28T10:00:00Z");
        let ok = Presented {
            motif_id: "m1",
            revoked: false,
            booked: false,
            valid_until: at("2026-12-28T10:00:00Z"),
            days: DayWindow {
                earliest: None,
                latest: Some(day("2026-12-20")),
            },
        };
        let p = person(None);
        let a = applicant("N'Diaye", "Aïssata Marie", "1990-04-12", None);
        let d = day("2026-12-15");
        assert_eq!(ok.check_booking(&p, &a, ("m1", d), now), Ok(()));
        assert_eq!(
            ok.check_booking(&p, &a, ("m2", d), now),
            Err(Refusal::OtherMotif)
        );
        assert_eq!(
            Presented { booked: true, ..ok }.check_booking(&p, &a, ("m1", d), now),
            Err(Refusal::Used)
        );
        assert_eq!(
            Presented {
                revoked: true,
                ..ok
            }
            .check_usable("m1", now),
            Err(Refusal::Revoked)
        );
        assert_eq!(
            ok.check_usable("m1", at("2026-12-28T10:00:00Z")),
            Err(Refusal::Expired)
        );
        let other = applicant("Diallo", "Moussa", "1985-01-01", None);
        assert_eq!(
            ok.check_booking(&p, &other, ("m1", d), now),
            Err(Refusal::OtherPerson)
        );
        assert_eq!(
            ok.check_booking(&p, &a, ("m1", day("2026-12-21")), now),
            Err(Refusal::OutsideDays)
        );
    }
}
