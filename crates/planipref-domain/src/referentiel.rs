//! The référentiel: what a préfecture sets up (sites, motifs, guichets,
//! plages) and the rules each piece must respect.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc, Weekday};

use chrono_tz::Tz;

use crate::error::{Collector, DomainError, FieldError};
use crate::ids::{DepartementCode, GuichetId, MotifId};
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

/// A site's settings as an administrator sends them.
#[derive(Debug, Clone, Copy)]
pub struct SiteInput<'a> {
    /// Département code of its préfecture.
    pub prefecture_code: &'a str,
    /// `prefecture`, `sous_prefecture` or `antenne`.
    pub kind: &'a str,
    /// Name shown to applicants.
    pub name: &'a str,
    /// Street and number.
    pub address_line: &'a str,
    /// Postal code.
    pub postal_code: &'a str,
    /// Town.
    pub city: &'a str,
    /// INSEE code of its commune.
    pub commune_insee: &'a str,
    /// IANA time zone.
    pub time_zone: &'a str,
}

/// A site's settings, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteDraft {
    /// Its préfecture.
    pub prefecture: DepartementCode,
    /// Its kind.
    pub kind: SiteKind,
    /// Name, trimmed.
    pub name: String,
    /// Street and number, trimmed.
    pub address_line: String,
    /// Five digits.
    pub postal_code: String,
    /// Town, trimmed.
    pub city: String,
    /// INSEE code of a commune of its département.
    pub commune_insee: String,
    /// Its time zone.
    pub time_zone: Tz,
}

/// Longest site name, in characters.
pub const SITE_NAME_MAX_CHARS: usize = 150;

impl SiteDraft {
    /// Checks every field, reporting all problems at once.
    pub fn parse(input: SiteInput<'_>) -> Result<Self, DomainError> {
        let mut c = Collector::default();
        let prefecture = c.take(
            DepartementCode::parse(input.prefecture_code).ok_or_else(|| {
                FieldError::new(
                    "prefecture_code",
                    "must be a département code such as 93, 2A or 974",
                )
            }),
        );
        let kind = c.take(SiteKind::from_code(input.kind).ok_or_else(|| {
            FieldError::new("kind", "must be prefecture, sous_prefecture or antenne")
        }));
        let name = c.take(text("name", input.name, SITE_NAME_MAX_CHARS));
        let address_line = c.take(text("address.line", input.address_line, 200));
        let city = c.take(text("address.city", input.city, 100));
        let postal_code = input.postal_code.trim();
        if !(postal_code.len() == 5 && postal_code.bytes().all(|b| b.is_ascii_digit())) {
            c.push(FieldError::new(
                "address.postal_code",
                "must be five digits",
            ));
        }
        let commune = input.commune_insee.trim().to_ascii_uppercase();
        let commune_shape = commune.len() == 5
            && (commune[..2].bytes().all(|b| b.is_ascii_digit())
                || &commune[..2] == "2A"
                || &commune[..2] == "2B")
            && commune[2..].bytes().all(|b| b.is_ascii_digit());
        if !commune_shape {
            c.push(FieldError::new(
                "address.commune_insee",
                "must be an INSEE commune code such as 93008",
            ));
        } else if let Some(p) = prefecture
            .as_ref()
            .filter(|p| !commune.starts_with(p.as_str()))
        {
            c.push(FieldError::new(
                "address.commune_insee",
                format!("must be a commune of département {p}"),
            ));
        }
        let time_zone = c.take(
            crate::time::parse_time_zone(input.time_zone.trim()).ok_or_else(|| {
                FieldError::new(
                    "time_zone",
                    "must be an IANA time zone such as Europe/Paris",
                )
            }),
        );
        if let (Some(p), Some(tz)) = (&prefecture, time_zone) {
            let allowed = crate::departements::time_zones(p);
            if !allowed.contains(&tz) {
                let names: Vec<&str> = allowed.iter().map(|z| z.name()).collect();
                c.push(FieldError::new(
                    "time_zone",
                    match names.as_slice() {
                        [] => format!("no time zone is known for département {p}"),
                        [one] => format!("must be {one}, the time zone of département {p}"),
                        many => format!(
                            "must be one of the time zones of département {p}: {}",
                            many.join(", ")
                        ),
                    },
                ));
            }
        }
        c.finish()?;
        match (prefecture, kind, name, address_line, city, time_zone) {
            (
                Some(prefecture),
                Some(kind),
                Some(name),
                Some(address_line),
                Some(city),
                Some(time_zone),
            ) => Ok(Self {
                prefecture,
                kind,
                name,
                address_line,
                postal_code: postal_code.to_owned(),
                city,
                commune_insee: commune,
                time_zone,
            }),
            _ => Err(DomainError::invalid("site", "is incomplete")),
        }
    }
}

fn text(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let value = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if value.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(value)
}

/// Checks a short mandatory text (a name, a label).
pub fn check_name(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    text(field, raw, max)
}

/// Checks an optional long text (a description, instructions); newlines
/// are kept, other control characters refused.
pub fn check_description(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let value = raw.trim();
    if value.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(value.to_owned())
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

/// Default booking window: slots open this many days ahead.
pub const DEFAULT_BOOKING_WINDOW_DAYS: u32 = 90;
/// Default minimum notice: booking closes this many hours before a slot.
pub const DEFAULT_MIN_NOTICE_HOURS: u32 = 24;
/// Default cancellation deadline, in hours before the appointment.
pub const DEFAULT_CANCELLATION_DEADLINE_HOURS: u32 = 24;

/// A motif's booking rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingRules {
    /// Slots open this many days ahead (1–366).
    pub booking_window_days: u32,
    /// Booking closes this many hours before a slot (0–720).
    pub min_notice_hours: u32,
    /// The applicant may cancel until this many hours before (0–720).
    pub cancellation_deadline_hours: u32,
}

impl Default for BookingRules {
    fn default() -> Self {
        Self {
            booking_window_days: DEFAULT_BOOKING_WINDOW_DAYS,
            min_notice_hours: DEFAULT_MIN_NOTICE_HOURS,
            cancellation_deadline_hours: DEFAULT_CANCELLATION_DEADLINE_HOURS,
        }
    }
}

impl BookingRules {
    /// These rules with the ones given replacing theirs.
    pub fn overridden_by(
        self,
        window_days: Option<u32>,
        notice_hours: Option<u32>,
        deadline_hours: Option<u32>,
    ) -> Self {
        Self {
            booking_window_days: window_days.unwrap_or(self.booking_window_days),
            min_notice_hours: notice_hours.unwrap_or(self.min_notice_hours),
            cancellation_deadline_hours: deadline_hours.unwrap_or(self.cancellation_deadline_hours),
        }
    }

    /// Checks each rule's bounds, naming the faulty fields.
    pub fn check(self) -> Result<Self, DomainError> {
        let mut c = Collector::default();
        if !(1..=366).contains(&self.booking_window_days) {
            c.push(FieldError::new(
                "booking_window_days",
                "must be between 1 and 366",
            ));
        }
        if self.min_notice_hours > 720 {
            c.push(FieldError::new(
                "min_notice_hours",
                "must be between 0 and 720",
            ));
        }
        if self.cancellation_deadline_hours > 720 {
            c.push(FieldError::new(
                "cancellation_deadline_hours",
                "must be between 0 and 720",
            ));
        }
        c.finish().map(|()| self)
    }

    /// Whether the applicant may still cancel an appointment starting at
    /// `start`: not once it has started, nor past the deadline.
    pub fn check_cancellation(
        self,
        start: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        if now >= start {
            return Err(DomainError::AppointmentPast);
        }
        let deadline = start - chrono::Duration::hours(i64::from(self.cancellation_deadline_hours));
        if now > deadline {
            return Err(DomainError::CancellationDeadlinePassed(
                self.cancellation_deadline_hours,
            ));
        }
        Ok(())
    }
}

/// A motif's fields as an administrator sends them; those left out follow
/// its démarche (or, without one, the national defaults of booking rules;
/// label and duration are then required).
#[derive(Debug, Clone, Copy, Default)]
pub struct MotifInput<'a> {
    /// Label.
    pub label: Option<&'a str>,
    /// What to know.
    pub description: Option<&'a str>,
    /// Documents to bring, one line each.
    pub documents: Option<&'a [String]>,
    /// Length of an appointment, in minutes.
    pub duration_minutes: Option<u32>,
    /// Slots open this many days ahead.
    pub booking_window_days: Option<u32>,
    /// Booking closes this many hours before a slot.
    pub min_notice_hours: Option<u32>,
    /// Online cancellation closes this many hours before.
    pub cancellation_deadline_hours: Option<u32>,
}

/// A démarche's national defaults.
#[derive(Debug, Clone, Copy)]
pub struct NationalDefaults<'a> {
    /// Label.
    pub label: &'a str,
    /// Description.
    pub description: &'a str,
    /// Documents to bring.
    pub documents: &'a [String],
    /// Length of an appointment, in minutes.
    pub duration_minutes: u32,
    /// Booking rules.
    pub rules: BookingRules,
}

/// Which booking rules are a motif's own (the others follow its démarche).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RulesOverridden {
    /// `booking_window_days`.
    pub booking_window: bool,
    /// `min_notice_hours`.
    pub min_notice: bool,
    /// `cancellation_deadline_hours`.
    pub cancellation_deadline: bool,
}

/// A motif's effective fields, and which of them are its own (the others
/// follow the démarche, now and when it changes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedMotif {
    /// Label.
    pub label: String,
    /// Whether the label is the motif's own.
    pub label_overridden: bool,
    /// Description.
    pub description: String,
    /// Whether the description is the motif's own.
    pub description_overridden: bool,
    /// Documents to bring.
    pub documents: Vec<String>,
    /// Whether the documents are the motif's own.
    pub documents_overridden: bool,
    /// Length of an appointment, in minutes.
    pub duration_minutes: u32,
    /// Whether the duration is the motif's own.
    pub duration_overridden: bool,
    /// Booking rules.
    pub rules: BookingRules,
    /// Which booking rules are the motif's own.
    pub rules_overridden: RulesOverridden,
}

/// Checks the fields sent and fills the others from the démarche. Without
/// a démarche, label and duration are required, and booking rules left out
/// take the national defaults.
pub fn resolve_motif(
    input: MotifInput<'_>,
    national: Option<NationalDefaults<'_>>,
) -> Result<ResolvedMotif, DomainError> {
    let mut c = Collector::default();
    let label = c
        .take(input.label.map(|l| check_name("label", l, 150)).transpose())
        .flatten();
    let description = c
        .take(
            input
                .description
                .map(|d| check_description("description", d, 4000))
                .transpose(),
        )
        .flatten();
    let documents = c
        .take(
            input
                .documents
                .map(|d| crate::motif::check_documents("documents", d))
                .transpose(),
        )
        .flatten();
    let duration = c
        .take(
            input
                .duration_minutes
                .map(|d| check_duration("duration_minutes", d))
                .transpose(),
        )
        .flatten();
    if national.is_none() {
        if input.label.is_none() {
            c.push(FieldError::new(
                "label",
                "is required for a motif without a démarche",
            ));
        }
        if input.duration_minutes.is_none() {
            c.push(FieldError::new(
                "duration_minutes",
                "is required for a motif without a démarche",
            ));
        }
    }
    let inherited_rules = national.map(|n| n.rules).unwrap_or_default();
    let rules = match inherited_rules
        .overridden_by(
            input.booking_window_days,
            input.min_notice_hours,
            input.cancellation_deadline_hours,
        )
        .check()
    {
        Ok(r) => Some(r),
        Err(DomainError::Invalid(errors)) => {
            errors.into_iter().for_each(|e| c.push(e));
            None
        }
        Err(other) => return Err(other),
    };
    c.finish()?;
    let own = national.is_none();
    Ok(ResolvedMotif {
        label_overridden: label.is_some(),
        label: label
            .or_else(|| national.map(|n| n.label.to_owned()))
            .unwrap_or_default(),
        description_overridden: description.is_some() || own,
        description: description
            .or_else(|| national.map(|n| n.description.to_owned()))
            .unwrap_or_default(),
        documents_overridden: documents.is_some() || own,
        documents: documents
            .or_else(|| national.map(|n| n.documents.to_vec()))
            .unwrap_or_default(),
        duration_overridden: duration.is_some(),
        duration_minutes: duration
            .or_else(|| national.map(|n| n.duration_minutes))
            .unwrap_or_default(),
        rules: rules.unwrap_or_default(),
        rules_overridden: RulesOverridden {
            booking_window: input.booking_window_days.is_some() || own,
            min_notice: input.min_notice_hours.is_some() || own,
            cancellation_deadline: input.cancellation_deadline_hours.is_some() || own,
        },
    })
}

/// Longest closure, in days.
pub const MAX_FERMETURE_DAYS: i64 = 366;

/// A closure's period as an administrator sends it: whole local days
/// (`from_date`, `to_date` inclusive) or local date-times (`start`, `end`).
#[derive(Debug, Clone, Copy, Default)]
pub struct FermetureInput<'a> {
    /// First closed day.
    pub from_date: Option<&'a str>,
    /// Last closed day (inclusive).
    pub to_date: Option<&'a str>,
    /// Local start, `YYYY-MM-DDTHH:MM`.
    pub start: Option<&'a str>,
    /// Local end, `YYYY-MM-DDTHH:MM`.
    pub end: Option<&'a str>,
}

/// The instants a closure covers, in the site's zone: whole days run from
/// local midnight to the local midnight after the last day.
pub fn fermeture_interval(
    tz: Tz,
    input: FermetureInput<'_>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), DomainError> {
    let (start, end) = match (input.from_date, input.to_date, input.start, input.end) {
        (Some(from), Some(to), None, None) => {
            let mut c = Collector::default();
            let from = c.take(crate::slots::parse_search_date("from_date", from));
            let to = c.take(crate::slots::parse_search_date("to_date", to));
            c.finish()?;
            let (Some(from), Some(to)) = (from, to) else {
                return Err(DomainError::invalid("from_date", "is required"));
            };
            if to < from {
                return Err(DomainError::invalid(
                    "to_date",
                    "must not be before from_date",
                ));
            }
            let next = to.succ_opt().unwrap_or(to);
            (
                crate::time::local_midnight(tz, from),
                crate::time::local_midnight(tz, next),
            )
        }
        (None, None, Some(start), Some(end)) => {
            let mut c = Collector::default();
            let start = c.take(local_instant(tz, "start", start));
            let end = c.take(local_instant(tz, "end", end));
            c.finish()?;
            let (Some(start), Some(end)) = (start, end) else {
                return Err(DomainError::invalid("start", "is required"));
            };
            if end <= start {
                return Err(DomainError::invalid("end", "must be after start"));
            }
            (start, end)
        }
        _ => {
            return Err(DomainError::invalid(
                "from_date",
                "give either from_date and to_date (whole days) or start and end (local date-times)",
            ));
        }
    };
    if (end - start).num_days() > MAX_FERMETURE_DAYS {
        return Err(DomainError::invalid(
            "to_date",
            format!("a closure may last at most {MAX_FERMETURE_DAYS} days"),
        ));
    }
    Ok((start, end))
}

fn local_instant(tz: Tz, field: &str, raw: &str) -> Result<DateTime<Utc>, FieldError> {
    let local =
        chrono::NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M").map_err(|_| {
            FieldError::new(field, "must be a local date-time written YYYY-MM-DDTHH:MM")
        })?;
    if !(crate::slots::EARLIEST_SEARCH_YEAR..=crate::slots::LATEST_SEARCH_YEAR)
        .contains(&local.year())
    {
        return Err(FieldError::new(field, "must be between 2000 and 2100"));
    }
    crate::time::unique_instant(tz, local).ok_or_else(|| {
        FieldError::new(
            field,
            "does not exist, or exists twice, on the site's clocks (clock change)",
        )
    })
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

    fn site_input() -> SiteInput<'static> {
        SiteInput {
            prefecture_code: "974",
            kind: "sous_prefecture",
            name: " Sous-préfecture  de Saint-Paul ",
            address_line: "Rue de la République",
            postal_code: "97460",
            city: "Saint-Paul",
            commune_insee: "97415",
            time_zone: "Indian/Reunion",
        }
    }

    #[test]
    fn a_site_draft_is_checked_and_normalised() {
        let s = SiteDraft::parse(site_input()).expect("valid");
        assert_eq!(s.name, "Sous-préfecture de Saint-Paul");
        assert_eq!(s.kind, SiteKind::SousPrefecture);
        assert_eq!(s.time_zone.name(), "Indian/Reunion");
        let corsica = SiteInput {
            prefecture_code: "2a",
            commune_insee: "2a004",
            postal_code: "20000",
            time_zone: "Europe/Paris",
            ..site_input()
        };
        assert_eq!(
            SiteDraft::parse(corsica).expect("valid").commune_insee,
            "2A004"
        );
    }

    #[test]
    fn every_invalid_site_field_is_named() {
        let bad = SiteInput {
            prefecture_code: "99",
            kind: "mairie",
            name: "",
            address_line: " ",
            postal_code: "9746",
            city: "",
            commune_insee: "x",
            time_zone: "Indian/Bobigny",
        };
        let fields: Vec<String> = match SiteDraft::parse(bad) {
            Err(DomainError::Invalid(e)) => e.into_iter().map(|e| e.field).collect(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            fields,
            vec![
                "prefecture_code",
                "kind",
                "name",
                "address.line",
                "address.city",
                "address.postal_code",
                "address.commune_insee",
                "time_zone"
            ]
        );
        let elsewhere = SiteInput {
            commune_insee: "93008",
            ..site_input()
        };
        match SiteDraft::parse(elsewhere) {
            Err(DomainError::Invalid(e)) => assert_eq!(e[0].field, "address.commune_insee"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_site_keeps_a_time_zone_of_its_departement() {
        let refused = |input: SiteInput<'_>| match SiteDraft::parse(input) {
            Err(DomainError::Invalid(e)) => e,
            other => panic!("{other:?}"),
        };
        // A site of La Réunion on Paris's clocks would open three hours off.
        let paris_in_reunion = SiteInput {
            time_zone: "Europe/Paris",
            ..site_input()
        };
        assert_eq!(
            refused(paris_in_reunion),
            vec![FieldError::new(
                "time_zone",
                "must be Indian/Reunion, the time zone of département 974"
            )]
        );
        let mayotte_in_reunion = SiteInput {
            time_zone: "Indian/Mayotte",
            ..site_input()
        };
        assert_eq!(refused(mayotte_in_reunion)[0].field, "time_zone");
        let bobigny = SiteInput {
            prefecture_code: "93",
            commune_insee: "93008",
            postal_code: "93000",
            time_zone: "Europe/Paris",
            ..site_input()
        };
        assert!(SiteDraft::parse(bobigny).is_ok());
        for elsewhere in ["Europe/London", "Europe/Brussels", "Indian/Reunion"] {
            let e = refused(SiteInput {
                time_zone: elsewhere,
                ..bobigny
            });
            assert_eq!(
                e,
                vec![FieldError::new(
                    "time_zone",
                    "must be Europe/Paris, the time zone of département 93"
                )],
                "{elsewhere}"
            );
        }
        // An unknown département is reported once, for itself.
        let unknown = refused(SiteInput {
            prefecture_code: "99",
            time_zone: "Europe/Paris",
            ..site_input()
        });
        assert_eq!(unknown[0].field, "prefecture_code");
        assert!(
            unknown.iter().all(|e| e.field != "time_zone"),
            "{unknown:?}"
        );
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
    fn closures_cover_whole_local_days_or_local_hours() {
        let paris: Tz = "Europe/Paris".parse().expect("tz");
        let days = FermetureInput {
            from_date: Some("2026-12-24"),
            to_date: Some("2026-12-26"),
            ..Default::default()
        };
        let (s, e) = fermeture_interval(paris, days).expect("days");
        assert_eq!(
            (s.to_rfc3339(), e.to_rfc3339()),
            (
                "2026-12-23T23:00:00+00:00".into(),
                "2026-12-26T23:00:00+00:00".into()
            )
        );
        let reunion: Tz = "Indian/Reunion".parse().expect("tz");
        let hours = FermetureInput {
            start: Some("2026-12-01T14:00"),
            end: Some("2026-12-01T16:30"),
            ..Default::default()
        };
        let (s, e) = fermeture_interval(reunion, hours).expect("hours");
        assert_eq!(
            (s.to_rfc3339(), e.to_rfc3339()),
            (
                "2026-12-01T10:00:00+00:00".into(),
                "2026-12-01T12:30:00+00:00".into()
            )
        );
    }

    #[test]
    fn bad_closures_name_their_fields() {
        let paris: Tz = "Europe/Paris".parse().expect("tz");
        let field = |i: FermetureInput<'_>| match fermeture_interval(paris, i) {
            Err(DomainError::Invalid(e)) => e[0].field.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(field(FermetureInput::default()), "from_date");
        assert_eq!(
            field(FermetureInput {
                from_date: Some("2026-12-26"),
                to_date: Some("2026-12-24"),
                ..Default::default()
            }),
            "to_date"
        );
        assert_eq!(
            field(FermetureInput {
                from_date: Some("2026-01-01"),
                to_date: Some("2027-06-01"),
                ..Default::default()
            }),
            "to_date"
        );
        assert_eq!(
            field(FermetureInput {
                start: Some("2026-12-01T16:00"),
                end: Some("2026-12-01T15:00"),
                ..Default::default()
            }),
            "end"
        );
        assert_eq!(
            field(FermetureInput {
                start: Some("2026-03-29T02:30"),
                end: Some("2026-03-29T05:00"),
                ..Default::default()
            }),
            "start"
        );
        assert_eq!(
            field(FermetureInput {
                start: Some("tomorrow"),
                end: Some("2026-03-29T05:00"),
                ..Default::default()
            }),
            "start"
        );
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
    fn booking_rules_have_bounds_and_a_cancellation_deadline() {
        assert!(BookingRules::default().check().is_ok());
        let bad = BookingRules {
            booking_window_days: 0,
            min_notice_hours: 1000,
            cancellation_deadline_hours: 721,
        };
        match bad.check() {
            Err(DomainError::Invalid(e)) => assert_eq!(e.len(), 3),
            other => panic!("{other:?}"),
        }
        let at = |s: &str| -> DateTime<Utc> { s.parse().expect("instant") };
        let rules = BookingRules::default();
        let start = at("2026-12-10T09:00:00Z");
        assert_eq!(
            rules.check_cancellation(start, at("2026-12-09T08:59:00Z")),
            Ok(())
        );
        assert_eq!(
            rules.check_cancellation(start, at("2026-12-09T09:01:00Z")),
            Err(DomainError::CancellationDeadlinePassed(24))
        );
        assert_eq!(
            rules.check_cancellation(start, start),
            Err(DomainError::AppointmentPast)
        );
    }

    #[test]
    fn a_motif_overrides_what_it_sets_and_follows_its_demarche_for_the_rest() {
        let documents = vec!["SMS de mise à disposition".to_owned()];
        let national = NationalDefaults {
            label: "Remise",
            description: "Apportez le SMS.",
            documents: &documents,
            duration_minutes: 15,
            rules: BookingRules {
                booking_window_days: 30,
                min_notice_hours: 48,
                cancellation_deadline_hours: 12,
            },
        };
        let own_label = MotifInput {
            label: Some(" Retrait "),
            ..Default::default()
        };
        let m = resolve_motif(own_label, Some(national)).expect("valid");
        assert_eq!((m.label.as_str(), m.label_overridden), ("Retrait", true));
        assert_eq!(
            (m.description.as_str(), m.description_overridden),
            ("Apportez le SMS.", false)
        );
        assert_eq!((m.duration_minutes, m.duration_overridden), (15, false));
        assert_eq!(
            (m.documents.clone(), m.documents_overridden),
            (documents.clone(), false)
        );
        assert_eq!(m.rules, national.rules);
        assert_eq!(m.rules_overridden, RulesOverridden::default());
        let own_rule = MotifInput {
            min_notice_hours: Some(2),
            documents: Some(&[]),
            ..Default::default()
        };
        let m = resolve_motif(own_rule, Some(national)).expect("valid");
        assert_eq!(
            (
                m.rules.booking_window_days,
                m.rules.min_notice_hours,
                m.rules.cancellation_deadline_hours
            ),
            (30, 2, 12)
        );
        assert!(m.rules_overridden.min_notice && !m.rules_overridden.booking_window);
        assert_eq!((m.documents.len(), m.documents_overridden), (0, true));
        let fields = |r: Result<ResolvedMotif, DomainError>| match r {
            Err(DomainError::Invalid(e)) => e.into_iter().map(|e| e.field).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            fields(resolve_motif(MotifInput::default(), None)),
            vec!["label", "duration_minutes"]
        );
        let bad_documents = vec![String::new()];
        let bad = MotifInput {
            duration_minutes: Some(7),
            documents: Some(&bad_documents),
            booking_window_days: Some(0),
            ..Default::default()
        };
        assert_eq!(
            fields(resolve_motif(bad, Some(national))),
            vec!["documents[0]", "duration_minutes", "booking_window_days"]
        );
        let standalone = MotifInput {
            label: Some("Accueil"),
            duration_minutes: Some(30),
            ..Default::default()
        };
        let m = resolve_motif(standalone, None).expect("valid");
        assert!(m.label_overridden && m.description_overridden && m.duration_overridden);
        assert_eq!(
            m.rules,
            BookingRules::default(),
            "national defaults without a démarche"
        );
        assert!(m.rules_overridden.booking_window && m.documents_overridden);
        let rules = BookingRules::default().overridden_by(Some(14), None, Some(0));
        assert_eq!(
            (
                rules.booking_window_days,
                rules.min_notice_hours,
                rules.cancellation_deadline_hours
            ),
            (14, 24, 0)
        );
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
