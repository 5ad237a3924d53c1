//! Appointments' times as people read them, in the site's time zone and
//! the applicant's language ("lundi 14 décembre 2026 à 09:30").

use chrono::{DateTime, Datelike, Timelike, Utc};
use planipref_domain::messages::Language;

const JOURS: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const MOIS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The date and time in full: "lundi 14 décembre 2026 à 09:30",
/// "Monday 14 December 2026 at 09:30".
pub fn long(at: DateTime<Utc>, tz: chrono_tz::Tz, language: Language) -> String {
    let local = at.with_timezone(&tz);
    let (weekday, day, month, year) = (
        local.weekday().num_days_from_monday() as usize,
        local.day(),
        local.month0() as usize,
        local.year(),
    );
    let time = format!("{:02}:{:02}", local.hour(), local.minute());
    match language {
        Language::Fr => format!(
            "{} {} {} {year} à {time}",
            JOURS[weekday],
            if day == 1 {
                "1er".to_owned()
            } else {
                day.to_string()
            },
            MOIS[month]
        ),
        Language::En => format!("{} {day} {} {year} at {time}", DAYS[weekday], MONTHS[month]),
    }
}

/// Short, for SMS: "14/12 à 09:30", "14/12 at 09:30".
pub fn short(at: DateTime<Utc>, tz: chrono_tz::Tz, language: Language) -> String {
    let local = at.with_timezone(&tz);
    let word = match language {
        Language::Fr => "à",
        Language::En => "at",
    };
    format!(
        "{:02}/{:02} {word} {:02}:{:02}",
        local.day(),
        local.month(),
        local.hour(),
        local.minute()
    )
}

/// A convocation's days: "du 7/12/2026 au 18/12/2026", "à partir du
/// 7/12/2026", "jusqu'au 18/12/2026" (and in English).
pub fn day_range(
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    language: Language,
) -> String {
    let d = |day: chrono::NaiveDate| day.format("%d/%m/%Y").to_string();
    match (language, from, to) {
        (Language::Fr, Some(f), Some(t)) => format!("du {} au {}", d(f), d(t)),
        (Language::Fr, Some(f), None) => format!("à partir du {}", d(f)),
        (Language::Fr, None, Some(t)) => format!("jusqu'au {}", d(t)),
        (Language::En, Some(f), Some(t)) => format!("from {} to {}", d(f), d(t)),
        (Language::En, Some(f), None) => format!("from {}", d(f)),
        (Language::En, None, Some(t)) => format!("until {}", d(t)),
        (_, None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn times_are_written_in_the_sites_zone_and_the_applicants_language() {
        let t = at("2026-12-14T08:30:00Z");
        let paris = chrono_tz::Europe::Paris;
        assert_eq!(
            long(t, paris, Language::Fr),
            "lundi 14 décembre 2026 à 09:30"
        );
        assert_eq!(
            long(t, paris, Language::En),
            "Monday 14 December 2026 at 09:30"
        );
        assert_eq!(short(t, paris, Language::Fr), "14/12 à 09:30");
        // La Réunion is four hours ahead of UTC, all year.
        let reunion = chrono_tz::Indian::Reunion;
        assert_eq!(
            long(t, reunion, Language::Fr),
            "lundi 14 décembre 2026 à 12:30"
        );
        let first = at("2027-03-01T08:00:00Z");
        assert_eq!(
            long(first, paris, Language::Fr),
            "lundi 1er mars 2027 à 09:00"
        );
        // Summer time.
        let summer = at("2027-07-05T07:15:00Z");
        assert_eq!(short(summer, paris, Language::En), "05/07 at 09:15");
        let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 12, d);
        assert_eq!(
            day_range(day(7), day(18), Language::Fr),
            "du 07/12/2026 au 18/12/2026"
        );
        assert_eq!(day_range(None, day(18), Language::En), "until 18/12/2026");
    }
}
