//! A site: a place that receives the public (the préfecture, a
//! sous-préfecture, an antenna). Here is what an administrator sends to
//! describe one ([`SiteInput`]) and the checked result ([`SiteDraft`]): its
//! kind, its address and commune, and a time zone that must be one of its
//! département's (see [`crate::departements::time_zones`]), since every local
//! time of the site is read on those clocks. Every faulty field is named at
//! once, so the API can report them all.

use chrono_tz::Tz;

use crate::error::{Collector, DomainError, FieldError};
use crate::ids::DepartementCode;
use crate::text::check_name;

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
        let name = c.take(check_name("name", input.name, SITE_NAME_MAX_CHARS));
        let address_line = c.take(check_name("address.line", input.address_line, 200));
        let city = c.take(check_name("address.city", input.city, 100));
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

#[cfg(test)]
mod tests {
    use super::*;

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
