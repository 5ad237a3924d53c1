//! Orientation: which site is competent for an applicant, from the commune
//! they live in.
//!
//! By default the sous-préfecture of the commune's arrondissement receives
//! its inhabitants when it offers the démarche, and the préfecture
//! otherwise (also where the territory has no arrondissement, as Mayotte,
//! and in Paris, which has a single one). A préfecture may override this by
//! naming, for a site, the communes or arrondissements it is competent for
//! (see [`crate::competence`]): a commune named explicitly wins over an
//! arrondissement named explicitly, which wins over the default.

use crate::competence::Competence;
use crate::site::SiteKind;

/// A commune (or a municipal arrondissement of Paris, Lyon or Marseille)
/// of INSEE's Code officiel géographique.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commune {
    /// INSEE code (`93066`, `2A004`, `75112`).
    pub insee: String,
    /// Official name.
    pub name: String,
    /// `commune` or `arrondissement_municipal`.
    pub kind: String,
    /// Code of its département (or collectivité with a préfecture).
    pub departement: String,
    /// Code of its arrondissement (`931`, `9742`); `None` where the
    /// territory has none.
    pub arrondissement: Option<String>,
    /// For a municipal arrondissement, the commune it belongs to.
    pub parent_commune: Option<String>,
    /// Its postal codes.
    pub postal_codes: Vec<String>,
    /// Its municipal population (unknown for uninhabited territories).
    pub population: Option<u32>,
}

/// The columns of the communes file, in order.
pub const COMMUNES_HEADER: &str =
    "insee,name,kind,departement,arrondissement,parent_commune,postal_codes,population";

/// Reads the communes reference file (`reference/communes.csv`: UTF-8,
/// comma-separated, no quoted fields, header [`COMMUNES_HEADER`]).
/// Refuses the whole file, naming the line, at the first malformed row.
pub fn parse_communes(text: &str) -> Result<Vec<Commune>, String> {
    let mut lines = text.lines();
    if lines.next().map(str::trim_end) != Some(COMMUNES_HEADER) {
        return Err(format!("the first line must be {COMMUNES_HEADER}"));
    }
    let mut out = Vec::new();
    for (i, line) in lines.enumerate() {
        let n = i + 2;
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.trim_end().split(',').collect();
        let [insee, name, kind, dep, arr, parent, postal, population] = f[..] else {
            return Err(format!("line {n}: expected 8 fields, found {}", f.len()));
        };
        if line.contains('"') {
            return Err(format!("line {n}: quoted fields are not expected"));
        }
        if !is_insee_code(insee) || !insee.starts_with(dep) || name.is_empty() {
            return Err(format!("line {n}: bad commune {insee:?}"));
        }
        if !matches!(kind, "commune" | "arrondissement_municipal") {
            return Err(format!("line {n}: unknown kind {kind:?}"));
        }
        let arrondissement_ok =
            arr.is_empty() || (arr.len() == dep.len() + 1 && arr.starts_with(dep));
        if !arrondissement_ok {
            return Err(format!("line {n}: bad arrondissement {arr:?}"));
        }
        let population = match population {
            "" => None,
            p => Some(
                p.parse()
                    .map_err(|_| format!("line {n}: bad population {p:?}"))?,
            ),
        };
        let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        out.push(Commune {
            insee: insee.to_owned(),
            name: name.to_owned(),
            kind: kind.to_owned(),
            departement: dep.to_owned(),
            arrondissement: some(arr),
            parent_commune: some(parent),
            postal_codes: postal
                .split(';')
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
            population,
        });
    }
    Ok(out)
}

/// Whether `code` has the shape of an INSEE commune code: five characters,
/// digits except `2A`/`2B` for Corsica.
pub fn is_insee_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 5
        && (b[..2].iter().all(u8::is_ascii_digit) || matches!(&b[..2], b"2A" | b"2B"))
        && b[2..].iter().all(u8::is_ascii_digit)
}

/// Where the applicant lives.
#[derive(Debug, Clone, Copy)]
pub struct Residence<'a> {
    /// The commune (or municipal arrondissement) given.
    pub commune: &'a str,
    /// The commune it belongs to, for a municipal arrondissement.
    pub parent_commune: Option<&'a str>,
    /// Its arrondissement, if the territory has any.
    pub arrondissement: Option<&'a str>,
}

/// A site of the applicant's département that offers the démarche.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// Préfecture, sous-préfecture or antenna.
    pub kind: SiteKind,
    /// The arrondissement of the commune the site stands in.
    pub arrondissement: Option<&'a str>,
    /// The territory the préfecture declared for it (empty: none).
    pub competence: &'a Competence,
}

/// Why a site is the competent one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The préfecture named the commune in the site's competence.
    Commune,
    /// The préfecture named the commune's arrondissement in the site's competence.
    Arrondissement,
    /// The default: the sous-préfecture of the commune's arrondissement.
    SousPrefecture,
    /// The default: the préfecture.
    Prefecture,
}

impl Reason {
    /// The stable code used in the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::Commune => "competence_commune",
            Self::Arrondissement => "competence_arrondissement",
            Self::SousPrefecture => "sous_prefecture",
            Self::Prefecture => "prefecture",
        }
    }
}

/// One way of designating a site.
type Rule<'a> = dyn Fn(&Candidate<'_>) -> bool + 'a;

/// The competent site among `candidates` (by index), and why; `None` when
/// no rule designates one (the préfecture itself does not offer the
/// démarche and nothing else applies). The first candidate wins among
/// several that one rule designates.
pub fn competent_site(
    home: Residence<'_>,
    candidates: &[Candidate<'_>],
) -> Option<(usize, Reason)> {
    let named_commune = |c: &Candidate<'_>| {
        c.competence.covers(home.commune, None)
            || home
                .parent_commune
                .is_some_and(|parent| c.competence.covers(parent, None))
    };
    let named_arrondissement = |c: &Candidate<'_>| {
        home.arrondissement
            .is_some_and(|a| c.competence.covers("", Some(a)))
    };
    let seat_of_arrondissement = |c: &Candidate<'_>| {
        c.kind == SiteKind::SousPrefecture
            && home.arrondissement.is_some()
            && c.arrondissement == home.arrondissement
    };
    let rules: [(&Rule<'_>, Reason); 4] = [
        (&named_commune, Reason::Commune),
        (&named_arrondissement, Reason::Arrondissement),
        (&seat_of_arrondissement, Reason::SousPrefecture),
        (&|c| c.kind == SiteKind::Prefecture, Reason::Prefecture),
    ];
    rules
        .iter()
        .find_map(|(applies, reason)| candidates.iter().position(applies).map(|i| (i, *reason)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> Competence {
        Competence::default()
    }

    fn at(commune: &'static str, arrondissement: Option<&'static str>) -> Residence<'static> {
        Residence {
            commune,
            parent_commune: None,
            arrondissement,
        }
    }

    #[test]
    fn the_reference_file_is_read_and_checked() {
        let text = format!(
            "{COMMUNES_HEADER}\n97416,Saint-Pierre,commune,974,9742,,97410;97432,85038\n\
             75112,Paris 12e Arrondissement,arrondissement_municipal,75,751,75056,75012,138024\n\
             97611,Mamoudzou,commune,976,,,97600;97605,71437\n"
        );
        let communes = parse_communes(&text).expect("valid");
        assert_eq!(communes.len(), 3);
        assert_eq!(communes[0].arrondissement.as_deref(), Some("9742"));
        assert_eq!(communes[0].postal_codes, vec!["97410", "97432"]);
        assert_eq!(communes[1].parent_commune.as_deref(), Some("75056"));
        assert_eq!(communes[2].arrondissement, None);
        for bad in [
            "97416,Saint-Pierre,commune,974,9742,,97410",
            "9741X,Saint-Pierre,commune,974,9742,,97410,1",
            "97416,Saint-Pierre,ville,974,9742,,97410,1",
            "97416,Saint-Pierre,commune,974,931,,97410,1",
            "97416,Saint-Pierre,commune,974,9742,,97410,many",
        ] {
            let err = parse_communes(&format!("{COMMUNES_HEADER}\n{bad}\n")).expect_err(bad);
            assert!(err.starts_with("line 2:"), "{err}");
        }
        assert!(parse_communes("insee,name\n").is_err());
    }

    #[test]
    fn the_embedded_cog_is_complete() {
        let text = include_str!("../../../reference/communes.csv");
        let communes = parse_communes(text).expect("the reference file reads");
        assert_eq!(communes.len(), 35_014);
        let corsica = communes
            .iter()
            .find(|c| c.insee == "2A004")
            .expect("Ajaccio");
        assert_eq!(corsica.departement, "2A");
    }

    #[test]
    fn insee_codes() {
        for good in ["93066", "2A004", "2B033", "97611"] {
            assert!(is_insee_code(good), "{good}");
        }
        for bad in ["9306", "930666", "2C004", "93O66", ""] {
            assert!(!is_insee_code(bad), "{bad}");
        }
    }

    #[test]
    fn the_sous_prefecture_of_the_arrondissement_by_default() {
        let (p, s) = (none(), none());
        let sites = [
            Candidate {
                kind: SiteKind::Prefecture,
                arrondissement: Some("9741"),
                competence: &p,
            },
            Candidate {
                kind: SiteKind::SousPrefecture,
                arrondissement: Some("9742"),
                competence: &s,
            },
        ];
        assert_eq!(
            competent_site(at("97416", Some("9742")), &sites),
            Some((1, Reason::SousPrefecture))
        );
        // Saint-Benoît's arrondissement has no site offering the démarche.
        assert_eq!(
            competent_site(at("97410", Some("9743")), &sites),
            Some((0, Reason::Prefecture))
        );
        // Mayotte has no arrondissement.
        assert_eq!(
            competent_site(at("97611", None), &sites[..1]),
            Some((0, Reason::Prefecture))
        );
        // Without the préfecture, nothing designates a site for 9743.
        assert_eq!(competent_site(at("97410", Some("9743")), &sites[1..]), None);
    }

    #[test]
    fn a_declared_competence_wins_over_the_default() {
        let p = none();
        let by_arrondissement = Competence {
            arrondissements: vec!["9742".into()],
            communes: vec![],
        };
        let by_commune = Competence {
            arrondissements: vec![],
            communes: vec!["75056".into(), "97416".into()],
        };
        let sites = [
            Candidate {
                kind: SiteKind::Prefecture,
                arrondissement: Some("9741"),
                competence: &p,
            },
            Candidate {
                kind: SiteKind::Antenne,
                arrondissement: Some("9741"),
                competence: &by_arrondissement,
            },
            Candidate {
                kind: SiteKind::Antenne,
                arrondissement: Some("9741"),
                competence: &by_commune,
            },
        ];
        assert_eq!(
            competent_site(at("97416", Some("9742")), &sites),
            Some((2, Reason::Commune))
        );
        assert_eq!(
            competent_site(at("97413", Some("9742")), &sites),
            Some((1, Reason::Arrondissement))
        );
        // A municipal arrondissement follows its commune.
        let paris_12 = Residence {
            commune: "75112",
            parent_commune: Some("75056"),
            arrondissement: Some("751"),
        };
        assert_eq!(competent_site(paris_12, &sites), Some((2, Reason::Commune)));
        assert_eq!(
            competent_site(at("97411", Some("9741")), &sites),
            Some((0, Reason::Prefecture))
        );
    }
}
