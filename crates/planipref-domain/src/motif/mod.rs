//! A motif: what a site books for a démarche. Here is what a préfecture
//! sets on a motif beyond its démarche's defaults: how long an appointment
//! lasts, how many persons one appointment may be for, what to tell the
//! applicant once booked, whether anyone may book it online; and the list
//! of documents to bring, which démarches and motifs share.
//!
//! How a motif's fields follow its démarche's (label, description,
//! documents, duration, booking rules) is in `resolution`: see
//! [`resolve_motif`]. The booking rules themselves are in
//! [`crate::booking_rules`].

use crate::error::{Collector, DomainError, FieldError};
use crate::occupancy::UNIT_MINUTES;
use crate::text::check_description;

mod resolution;

pub use resolution::{MotifInput, NationalDefaults, ResolvedMotif, RulesOverridden, resolve_motif};

/// The shortest appointment a motif may last, in minutes.
pub const MIN_DURATION_MINUTES: u32 = UNIT_MINUTES;
/// The longest appointment a motif may last, in minutes (a whole morning).
pub const MAX_DURATION_MINUTES: u32 = 240;
/// Most documents one démarche or motif may list.
pub const MAX_DOCUMENTS: usize = 30;
/// Longest line of the documents list, in characters.
pub const MAX_DOCUMENT_CHARS: usize = 300;
/// Most persons one appointment may be for.
pub const MAX_PERSONS: u32 = 10;
/// Longest appointment a multi-person booking may need, in minutes.
pub const MAX_GROUP_MINUTES: u32 = 480;
/// Longest instructions, in characters.
pub const MAX_INSTRUCTIONS_CHARS: usize = 4000;

/// Who may book a motif.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BookingMode {
    /// Anyone, online.
    #[default]
    Online,
    /// Only an applicant an agent sent a convocation to.
    ConvocationOnly,
}

impl BookingMode {
    /// The code stored and sent over the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::ConvocationOnly => "convocation_only",
        }
    }

    /// The mode of a code.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "online" => Some(Self::Online),
            "convocation_only" => Some(Self::ConvocationOnly),
            _ => None,
        }
    }
}

/// Checks a list of documents to bring: one short line each, none empty,
/// none twice, at most [`MAX_DOCUMENTS`]. Lines are trimmed, inner runs of
/// spaces collapsed.
pub fn check_documents(field: &str, raw: &[String]) -> Result<Vec<String>, FieldError> {
    if raw.len() > MAX_DOCUMENTS {
        return Err(FieldError::new(
            field,
            format!("must list at most {MAX_DOCUMENTS} documents"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for (i, line) in raw.iter().enumerate() {
        let at = format!("{field}[{i}]");
        let value = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if value.is_empty() {
            return Err(FieldError::new(at, "must not be empty"));
        }
        if value.chars().count() > MAX_DOCUMENT_CHARS {
            return Err(FieldError::new(
                at,
                format!("must be at most {MAX_DOCUMENT_CHARS} characters"),
            ));
        }
        if value.chars().any(char::is_control) {
            return Err(FieldError::new(at, "must not contain control characters"));
        }
        if out.iter().any(|o| o.eq_ignore_ascii_case(&value)) {
            return Err(FieldError::new(at, "lists the same document twice"));
        }
        out.push(value);
    }
    Ok(out)
}

/// Checks a new démarche's code: the slug service-public.fr's router
/// speaks, lower-case ASCII letters and digits in words joined by single
/// hyphens, 3 to 64 characters (`sejour-renouvellement`).
pub fn check_demarche_code(raw: &str) -> Result<String, FieldError> {
    let words_ok = raw.split('-').all(|w| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    if (3..=64).contains(&raw.len()) && words_ok {
        Ok(raw.to_owned())
    } else {
        Err(FieldError::new(
            "code",
            "must be 3 to 64 lower-case letters or digits in words joined by hyphens, such as sejour-renouvellement",
        ))
    }
}

/// The démarche a motif books, as doublons are counted: its catalogue
/// code, or the motif itself when it has none (a préfecture's own motif).
pub fn doublon_scope(demarche_code: Option<&str>, motif_id: &str) -> String {
    demarche_code.map_or_else(|| format!("motif:{motif_id}"), str::to_owned)
}

/// Checks a number of persons against what any motif may take (1 to
/// [`MAX_PERSONS`]); each motif may take fewer.
pub fn check_persons(field: &str, persons: u32) -> Result<(), FieldError> {
    if (1..=MAX_PERSONS).contains(&persons) {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!("must be between 1 and {MAX_PERSONS}"),
        ))
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

/// A motif's own settings (never inherited from its démarche).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MotifSettings {
    /// Most persons one appointment may be for (1–10).
    pub max_persons: u32,
    /// Whether each person beyond the first adds the motif's duration.
    pub duration_per_person: bool,
    /// Shown to the applicant once booked.
    pub instructions: String,
    /// Who may book it.
    pub booking_mode: BookingMode,
    /// Minutes between two start times of a plage; `None`: the duration.
    pub step_minutes: Option<u32>,
    /// Whether a person may hold only one coming appointment of this
    /// motif's démarche (doublons refused; the default).
    pub refuse_doublons: bool,
    /// Whether it is searched, held and booked only with the router's
    /// signed context (see [`crate::context`]).
    pub requires_context: bool,
    /// When its appointments are reminded, hours before their start (at
    /// most [`MAX_REMINDERS`]; empty: never).
    pub reminder_hours: Vec<u32>,
}

/// Most reminders per appointment.
pub const MAX_REMINDERS: usize = 3;
/// The earliest a reminder may come, hours before the start (two weeks).
pub const MAX_REMINDER_HOURS: u32 = 336;

impl Default for MotifSettings {
    fn default() -> Self {
        Self {
            max_persons: 1,
            duration_per_person: false,
            instructions: String::new(),
            booking_mode: BookingMode::Online,
            step_minutes: None,
            refuse_doublons: true,
            requires_context: false,
            reminder_hours: crate::messages::reminders::DEFAULT_HOURS_BEFORE.to_vec(),
        }
    }
}

/// A motif's own settings as sent; those left out keep their value.
#[derive(Debug, Clone, Copy, Default)]
pub struct MotifSettingsInput<'a> {
    /// Most persons per appointment.
    pub max_persons: Option<u32>,
    /// Whether duration grows with persons.
    pub duration_per_person: Option<bool>,
    /// Instructions for the applicant.
    pub instructions: Option<&'a str>,
    /// `online` or `convocation_only`.
    pub booking_mode: Option<&'a str>,
    /// The step: `Some(None)` returns to the duration.
    pub step_minutes: Option<Option<u32>>,
    /// Reminders, hours before the start.
    pub reminder_hours: Option<&'a [u32]>,
    /// Whether doublons are refused.
    pub refuse_doublons: Option<bool>,
    /// Whether the router's context is required.
    pub requires_context: Option<bool>,
}

impl MotifSettings {
    /// These settings with the ones sent replacing theirs, checked against
    /// the motif's duration (a group appointment must stay reasonable).
    pub fn updated(
        &self,
        input: MotifSettingsInput<'_>,
        duration_minutes: u32,
    ) -> Result<Self, DomainError> {
        let mut c = Collector::default();
        let max_persons = input.max_persons.unwrap_or(self.max_persons);
        if !(1..=MAX_PERSONS).contains(&max_persons) {
            c.push(FieldError::new(
                "max_persons",
                format!("must be between 1 and {MAX_PERSONS}"),
            ));
        }
        let duration_per_person = input
            .duration_per_person
            .unwrap_or(self.duration_per_person);
        if duration_per_person
            && (1..=MAX_PERSONS).contains(&max_persons)
            && duration_minutes.saturating_mul(max_persons) > MAX_GROUP_MINUTES
        {
            c.push(FieldError::new(
                "max_persons",
                format!(
                    "times the duration must not exceed {MAX_GROUP_MINUTES} minutes when duration grows with persons"
                ),
            ));
        }
        let instructions = match input.instructions {
            Some(raw) => c.take(check_description(
                "instructions",
                raw,
                MAX_INSTRUCTIONS_CHARS,
            )),
            None => Some(self.instructions.clone()),
        };
        let booking_mode = match input.booking_mode {
            Some(raw) => c.take(BookingMode::from_code(raw).ok_or_else(|| {
                FieldError::new("booking_mode", "must be online or convocation_only")
            })),
            None => Some(self.booking_mode),
        };
        let step_minutes = input.step_minutes.unwrap_or(self.step_minutes);
        if let Some(step) = step_minutes
            && (!(MIN_DURATION_MINUTES..=MAX_DURATION_MINUTES).contains(&step)
                || !step.is_multiple_of(UNIT_MINUTES))
        {
            c.push(FieldError::new(
                "step_minutes",
                format!(
                    "must be a multiple of {UNIT_MINUTES} minutes between {MIN_DURATION_MINUTES} and {MAX_DURATION_MINUTES}"
                ),
            ));
        }
        let mut reminder_hours = input
            .reminder_hours
            .map_or_else(|| self.reminder_hours.clone(), <[u32]>::to_vec);
        reminder_hours.sort_unstable_by(|a, b| b.cmp(a));
        let distinct = reminder_hours.windows(2).all(|w| w[0] != w[1]);
        if reminder_hours.len() > MAX_REMINDERS
            || !distinct
            || reminder_hours
                .iter()
                .any(|h| !(1..=MAX_REMINDER_HOURS).contains(h))
        {
            c.push(FieldError::new(
                "reminders",
                format!(
                    "at most {MAX_REMINDERS} different numbers of hours before the appointment, each from 1 to {MAX_REMINDER_HOURS}"
                ),
            ));
        }
        c.finish()?;
        Ok(Self {
            reminder_hours,
            max_persons,
            duration_per_person,
            instructions: instructions.unwrap_or_default(),
            booking_mode: booking_mode.unwrap_or_default(),
            step_minutes,
            refuse_doublons: input.refuse_doublons.unwrap_or(self.refuse_doublons),
            requires_context: input.requires_context.unwrap_or(self.requires_context),
        })
    }

    /// Minutes between two start times of a plage for a motif lasting
    /// `duration_minutes`.
    pub fn step(&self, duration_minutes: u32) -> u32 {
        self.step_minutes.unwrap_or(duration_minutes)
    }

    /// How long an appointment for `persons` lasts, in minutes; `None` when
    /// the motif does not take that many.
    pub fn appointment_minutes(&self, duration_minutes: u32, persons: u32) -> Option<u32> {
        if persons == 0 || persons > self.max_persons {
            return None;
        }
        Some(if self.duration_per_person {
            duration_minutes * persons
        } else {
            duration_minutes
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn documents_are_trimmed_and_checked_line_by_line() {
        assert_eq!(
            check_documents("documents", &lines(&["  Passeport   en cours ", "Photos"])),
            Ok(lines(&["Passeport en cours", "Photos"]))
        );
        let e = check_documents("documents", &lines(&["Passeport", "  "])).expect_err("empty");
        assert_eq!(e.field, "documents[1]");
        let e =
            check_documents("documents", &lines(&["Passeport", "passeport"])).expect_err("twice");
        assert_eq!(e.field, "documents[1]");
        let e = check_documents("documents", &lines(&["a\u{7}b"])).expect_err("control");
        assert_eq!(e.field, "documents[0]");
        let long = "x".repeat(MAX_DOCUMENT_CHARS + 1);
        assert!(check_documents("documents", &[long]).is_err());
        let many: Vec<String> = (0..=MAX_DOCUMENTS).map(|i| format!("Pièce {i}")).collect();
        assert_eq!(
            check_documents("documents", &many)
                .expect_err("too many")
                .field,
            "documents"
        );
        assert_eq!(check_documents("documents", &[]), Ok(vec![]));
    }

    #[test]
    fn settings_left_out_keep_their_value_and_each_bad_one_is_named() {
        let before = MotifSettings {
            max_persons: 3,
            duration_per_person: true,
            instructions: "Présentez-vous 10 minutes avant.".into(),
            booking_mode: BookingMode::ConvocationOnly,
            step_minutes: Some(15),
            refuse_doublons: false,
            requires_context: false,
            reminder_hours: vec![48, 24],
        };
        assert_eq!(
            before.updated(MotifSettingsInput::default(), 30),
            Ok(before.clone())
        );
        let bad = MotifSettingsInput {
            max_persons: Some(11),
            booking_mode: Some("guichet"),
            instructions: Some("a\u{0}b"),
            step_minutes: Some(Some(7)),
            reminder_hours: Some(&[24, 24]),
            ..MotifSettingsInput::default()
        };
        let Err(DomainError::Invalid(errors)) = before.updated(bad, 30) else {
            panic!("refused");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "max_persons",
                "instructions",
                "booking_mode",
                "step_minutes",
                "reminders"
            ]
        );
        // Reminders: sorted, at most three, 1 to 336 hours; none is allowed.
        let reminded = |hours: &[u32]| {
            before
                .updated(
                    MotifSettingsInput {
                        reminder_hours: Some(hours),
                        ..Default::default()
                    },
                    30,
                )
                .map(|s| s.reminder_hours)
        };
        assert_eq!(reminded(&[2, 72]), Ok(vec![72, 2]));
        assert_eq!(reminded(&[]), Ok(vec![]));
        for bad in [&[0][..], &[337], &[1, 2, 3, 4]] {
            assert!(reminded(bad).is_err(), "{bad:?}");
        }
        assert!(
            before
                .updated(
                    MotifSettingsInput {
                        max_persons: Some(0),
                        ..Default::default()
                    },
                    30
                )
                .is_err()
        );
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
    fn persons_are_one_to_ten() {
        assert!(check_persons("persons", 1).is_ok());
        assert!(check_persons("persons", 10).is_ok());
        for bad in [0, 11] {
            assert_eq!(
                check_persons("persons", bad).expect_err("refused").field,
                "persons"
            );
        }
    }

    #[test]
    fn the_step_is_the_duration_unless_configured() {
        let s = MotifSettings::default();
        assert_eq!(s.step(30), 30);
        let stepped = s
            .updated(
                MotifSettingsInput {
                    step_minutes: Some(Some(15)),
                    ..Default::default()
                },
                30,
            )
            .expect("valid");
        assert_eq!(stepped.step(30), 15);
        let reset = stepped
            .updated(
                MotifSettingsInput {
                    step_minutes: Some(None),
                    ..Default::default()
                },
                30,
            )
            .expect("valid");
        assert_eq!(reset.step(45), 45);
        for bad in [0, 3, 245, 17] {
            let input = MotifSettingsInput {
                step_minutes: Some(Some(bad)),
                ..Default::default()
            };
            assert!(s.updated(input, 30).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_group_appointment_may_not_exceed_a_working_day() {
        let s = MotifSettings::default();
        let grows = MotifSettingsInput {
            max_persons: Some(5),
            duration_per_person: Some(true),
            ..MotifSettingsInput::default()
        };
        assert!(s.updated(grows, 90).is_ok(), "5 × 90 = 450 minutes");
        let Err(DomainError::Invalid(errors)) = s.updated(grows, 120) else {
            panic!("5 × 120 = 600 minutes refused");
        };
        assert_eq!(errors[0].field, "max_persons");
        // Without growth the group shares one appointment of the duration.
        let flat = MotifSettingsInput {
            duration_per_person: Some(false),
            ..grows
        };
        assert!(s.updated(flat, 240).is_ok());
    }

    #[test]
    fn appointment_length_follows_persons_when_the_motif_says_so() {
        let grows = MotifSettings {
            max_persons: 3,
            duration_per_person: true,
            ..MotifSettings::default()
        };
        assert_eq!(grows.appointment_minutes(20, 1), Some(20));
        assert_eq!(grows.appointment_minutes(20, 3), Some(60));
        assert_eq!(grows.appointment_minutes(20, 4), None);
        assert_eq!(grows.appointment_minutes(20, 0), None);
        let flat = MotifSettings {
            duration_per_person: false,
            ..grows
        };
        assert_eq!(flat.appointment_minutes(20, 3), Some(20));
    }

    #[test]
    fn demarche_codes_are_slugs() {
        for ok in ["sejour-renouvellement", "asile-guda", "abc", "permis-b2"] {
            assert_eq!(check_demarche_code(ok), Ok(ok.to_owned()));
        }
        for bad in [
            "",
            "ab",
            "Sejour",
            "sejour--x",
            "-sejour",
            "sejour-",
            "séjour",
            "a b c",
            &"x".repeat(65),
        ] {
            assert_eq!(check_demarche_code(bad).expect_err(bad).field, "code");
        }
    }

    #[test]
    fn booking_modes_round_trip_through_their_codes() {
        for m in [BookingMode::Online, BookingMode::ConvocationOnly] {
            assert_eq!(BookingMode::from_code(m.code()), Some(m));
        }
        assert_eq!(BookingMode::from_code("Online"), None);
    }

    #[test]
    fn doublons_are_counted_per_demarche_or_per_motif_without_one() {
        assert_eq!(
            doublon_scope(Some("sejour-renouvellement"), "m1"),
            "sejour-renouvellement"
        );
        assert_eq!(doublon_scope(None, "m1"), "motif:m1");
        assert_ne!(doublon_scope(None, "m1"), doublon_scope(None, "m2"));
    }
}
