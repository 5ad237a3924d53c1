//! The router's context: what service-public.fr's router (the
//! "aiguilleur", run by DILA) vouches for when it sends an applicant here.
//!
//! It names the démarche (and the commune) the applicant was oriented for,
//! and, when the applicant signed in with FranceConnect, who they are.
//! With it, slots, holds and bookings are restricted to that démarche, and
//! the booking's identity must be the one vouched for: a bot cannot take
//! the router's context for one démarche to another, nor book for someone
//! else.

use chrono::NaiveDate;

use crate::applicant::Applicant;
use crate::convocation::ConvocationPerson;

/// A verified router context.
#[derive(Clone, PartialEq, Eq)]
pub struct RouterContext {
    /// The démarche's catalogue code.
    pub demarche: String,
    /// The commune's INSEE code, when given.
    pub commune: Option<String>,
    /// Who the applicant is, when known from FranceConnect (and the file
    /// number when known).
    pub person: Option<ConvocationPerson>,
}

// Personal data: never printed whole.
impl std::fmt::Debug for RouterContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouterContext")
            .field("demarche", &self.demarche)
            .finish_non_exhaustive()
    }
}

/// Why a context refuses a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextRefusal {
    /// The motif requires a context and none was given.
    Required,
    /// The motif books another démarche than the context's.
    OtherDemarche,
    /// The applicant is not the person the context vouches for.
    OtherPerson,
}

impl RouterContext {
    /// A context from the claims of a verified token: the identity counts
    /// only when complete (names and a valid birth date).
    pub fn from_claims(
        demarche: &str,
        commune: Option<&str>,
        (family_name, given_name, birthdate): (Option<&str>, Option<&str>, Option<&str>),
        file_number: Option<&str>,
    ) -> Self {
        let person = match (family_name, given_name, birthdate) {
            (Some(last), Some(first), Some(birth)) => {
                NaiveDate::parse_from_str(birth.trim(), "%Y-%m-%d")
                    .ok()
                    .map(|birth_date| ConvocationPerson {
                        last_name: last.trim().to_owned(),
                        first_names: first.trim().to_owned(),
                        birth_date,
                        file_number: file_number.map(crate::applicant::normalise_file_number),
                        email: None,
                        phone: None,
                    })
            }
            _ => None,
        };
        Self {
            demarche: demarche.trim().to_owned(),
            commune: commune.map(|c| c.trim().to_owned()),
            person,
        }
    }

    /// Whether a motif of démarche `motif_demarche` may be searched, held
    /// or booked with `context`, when the motif `requires` one.
    pub fn check_motif(
        context: Option<&Self>,
        motif_demarche: Option<&str>,
        requires: bool,
    ) -> Result<(), ContextRefusal> {
        match context {
            None if requires => Err(ContextRefusal::Required),
            None => Ok(()),
            Some(c) if motif_demarche == Some(c.demarche.as_str()) => Ok(()),
            Some(_) => Err(ContextRefusal::OtherDemarche),
        }
    }

    /// Whether `applicant` is the person vouched for (anyone, when the
    /// context names nobody).
    pub fn check_applicant(&self, applicant: &Applicant) -> Result<(), ContextRefusal> {
        match &self.person {
            Some(p) if !p.is(applicant) => Err(ContextRefusal::OtherPerson),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::applicant::ApplicantInput;

    fn applicant(last: &str, birth: &str) -> Applicant {
        Applicant::parse(
            ApplicantInput {
                last_name: last,
                first_names: "Aïssata",
                birth_date: birth,
                email: "a@example.org",
                phone: "+33612345678",
                nationality: None,
                file_number: None,
            },
            NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn a_context_opens_its_own_demarche_only() {
        let c = RouterContext::from_claims(
            "sejour-renouvellement",
            Some("93008"),
            (None, None, None),
            None,
        );
        assert_eq!(
            RouterContext::check_motif(Some(&c), Some("sejour-renouvellement"), true),
            Ok(())
        );
        assert_eq!(
            RouterContext::check_motif(Some(&c), Some("sejour-premiere-demande"), false),
            Err(ContextRefusal::OtherDemarche)
        );
        assert_eq!(
            RouterContext::check_motif(Some(&c), None, false),
            Err(ContextRefusal::OtherDemarche)
        );
        assert_eq!(RouterContext::check_motif(None, Some("x"), false), Ok(()));
        assert_eq!(
            RouterContext::check_motif(None, Some("x"), true),
            Err(ContextRefusal::Required)
        );
    }

    #[test]
    fn the_vouched_identity_must_book() {
        let c = RouterContext::from_claims(
            "d",
            None,
            (Some("N'Diaye"), Some("Aïssata"), Some("1990-04-12")),
            None,
        );
        assert_eq!(
            c.check_applicant(&applicant("NDIAYE", "1990-04-12")),
            Ok(())
        );
        assert_eq!(
            c.check_applicant(&applicant("Diallo", "1990-04-12")),
            Err(ContextRefusal::OtherPerson)
        );
        // An incomplete identity vouches for nobody in particular.
        let anonymous = RouterContext::from_claims("d", None, (Some("X"), None, None), None);
        assert!(anonymous.person.is_none());
        assert_eq!(
            anonymous.check_applicant(&applicant("Diallo", "1990-04-12")),
            Ok(())
        );
    }
}
