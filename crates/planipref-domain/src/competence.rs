//! The territory a site is competent for: whole arrondissements, or single
//! communes, of its département (codes of INSEE's Code officiel
//! géographique: arrondissement `931` or `9741`, commune `93066`).

use crate::error::{Collector, DomainError, FieldError};
use crate::ids::DepartementCode;

/// Most codes one site may list.
pub const MAX_CODES: usize = 1000;

/// A site's competence, checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Competence {
    /// Arrondissement codes, sorted.
    pub arrondissements: Vec<String>,
    /// Commune INSEE codes, sorted.
    pub communes: Vec<String>,
}

impl Competence {
    /// Checks that every code is well formed, of `departement`, and listed
    /// once; reports each faulty one by its position.
    pub fn parse(
        departement: &DepartementCode,
        arrondissements: &[String],
        communes: &[String],
    ) -> Result<Self, DomainError> {
        let mut c = Collector::default();
        let dep = departement.as_str();
        let arrondissements = codes(
            &mut c,
            "competence.arrondissements",
            arrondissements,
            |code| {
                code.len() == dep.len() + 1
                    && code.starts_with(dep)
                    && code[dep.len()..].bytes().all(|b| b.is_ascii_digit())
            },
        );
        let communes = codes(&mut c, "competence.communes", communes, |code| {
            code.len() == 5
                && code.starts_with(dep)
                && code[dep.len()..].bytes().all(|b| b.is_ascii_digit())
        });
        c.finish()?;
        Ok(Self {
            arrondissements,
            communes,
        })
    }

    /// Whether the site is competent for a commune of `arrondissement`.
    pub fn covers(&self, commune: &str, arrondissement: Option<&str>) -> bool {
        self.communes
            .binary_search_by(|c| c.as_str().cmp(commune))
            .is_ok()
            || arrondissement.is_some_and(|a| {
                self.arrondissements
                    .binary_search_by(|c| c.as_str().cmp(a))
                    .is_ok()
            })
    }
}

fn codes(
    c: &mut Collector,
    field: &str,
    raw: &[String],
    well_formed: impl Fn(&str) -> bool,
) -> Vec<String> {
    if raw.len() > MAX_CODES {
        c.push(FieldError::new(
            field,
            format!("must list at most {MAX_CODES} codes"),
        ));
        return vec![];
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for (i, r) in raw.iter().enumerate() {
        let code = r.trim().to_ascii_uppercase();
        if !well_formed(&code) {
            c.push(FieldError::new(
                format!("{field}[{i}]"),
                "must be a code of the site's département",
            ));
        } else if out.contains(&code) {
            c.push(FieldError::new(format!("{field}[{i}]"), "is listed twice"));
        } else {
            out.push(code);
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(code: &str) -> DepartementCode {
        DepartementCode::parse(code).expect("code")
    }

    fn v(codes: &[&str]) -> Vec<String> {
        codes.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn codes_must_belong_to_the_departement() {
        let ok = Competence::parse(&dep("93"), &v(&["933", "931"]), &v(&["93066"])).expect("ok");
        assert_eq!(ok.arrondissements, v(&["931", "933"]), "sorted");
        assert!(Competence::parse(&dep("974"), &v(&["9741"]), &v(&["97415"])).is_ok());
        assert!(Competence::parse(&dep("2A"), &v(&["2a1"]), &v(&["2A004"])).is_ok());
        let Err(DomainError::Invalid(errors)) = Competence::parse(
            &dep("93"),
            &v(&["751", "93", "931", "931"]),
            &v(&["75056", "9306", "93066x", "97415"]),
        ) else {
            panic!("refused");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "competence.arrondissements[0]",
                "competence.arrondissements[1]",
                "competence.arrondissements[3]",
                "competence.communes[0]",
                "competence.communes[1]",
                "competence.communes[2]",
                "competence.communes[3]",
            ]
        );
        // 974's communes are not 97's arrondissement-less codes of 97x.
        assert!(Competence::parse(&dep("974"), &v(&[]), &v(&["97611"])).is_err());
    }

    #[test]
    fn a_commune_is_covered_by_its_code_or_its_arrondissement() {
        let c = Competence::parse(&dep("93"), &v(&["931"]), &v(&["93066"])).expect("ok");
        assert!(c.covers("93066", Some("932")));
        assert!(c.covers("93008", Some("931")));
        assert!(!c.covers("93008", Some("932")));
        assert!(!c.covers("93008", None));
    }
}
