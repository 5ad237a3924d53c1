//! Who may do what: agents' roles and scopes, checked by pure functions.
//!
//! An `agent` works at some sites; an `admin_prefecture` administers whole
//! départements; an `admin_national` everything. Every check takes the
//! agent and the object's place (its site and département) and says yes or
//! no; the API turns a no into 403.

use std::fmt;

use crate::error::FieldError;
use crate::ids::{DepartementCode, SiteId};

/// An agent's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Counter staff of some sites.
    Agent,
    /// Administrator of some préfectures (départements).
    AdminPrefecture,
    /// National administrator.
    AdminNational,
    /// An association or service accredited in some départements to book
    /// appointments for the people it helps; sees nothing else.
    Intermediary,
}

impl Role {
    /// The code used in tokens and the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::AdminPrefecture => "admin_prefecture",
            Self::AdminNational => "admin_national",
            Self::Intermediary => "intermediary",
        }
    }

    /// The role named by `code`.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "agent" => Some(Self::Agent),
            "admin_prefecture" => Some(Self::AdminPrefecture),
            "admin_national" => Some(Self::AdminNational),
            "intermediary" => Some(Self::Intermediary),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What an agent is responsible for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Some sites (role `agent`).
    Sites(Vec<SiteId>),
    /// Some départements (roles `admin_prefecture` and `intermediary`).
    Departements(Vec<DepartementCode>),
    /// Everything (role `admin_national`).
    National,
}

/// An authenticated agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    /// Stable identifier from the identity provider (`sub`).
    pub id: String,
    /// Display name, for audit trails.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Scope, consistent with the role.
    pub scope: Scope,
    /// The accredited organisation an intermediary books for (its
    /// token's `organisation` claim); none for other roles.
    pub organisation: Option<String>,
}

/// Why a claimed identity is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    /// The role is not one of the three.
    #[error("unknown role {0:?}")]
    UnknownRole(String),
    /// A scope entry is not a site id (agent) or département code (admin).
    #[error("invalid scope entry {0:?}")]
    InvalidScope(String),
    /// An agent or préfecture administrator with nothing in scope.
    #[error("the scope must not be empty for role {0}")]
    EmptyScope(Role),
    /// The subject is empty.
    #[error("the subject must not be empty")]
    NoSubject,
    /// An intermediary's token names no organisation.
    #[error("an intermediary's token must name its organisation")]
    NoOrganisation,
}

impl Agent {
    /// Builds an agent from a token's claims: `role`, and `scope` entries
    /// that are site ids for `agent`, département codes for
    /// `admin_prefecture` and `intermediary`, and ignored for
    /// `admin_national`; an intermediary's `organisation` is required.
    pub fn from_claims(
        sub: &str,
        name: &str,
        (role, scope): (&str, &[String]),
        organisation: Option<&str>,
    ) -> Result<Self, AccessError> {
        if sub.trim().is_empty() {
            return Err(AccessError::NoSubject);
        }
        let role =
            Role::from_code(role).ok_or_else(|| AccessError::UnknownRole(role.to_owned()))?;
        let scope = match role {
            Role::AdminNational => Scope::National,
            Role::Agent => Scope::Sites(
                scope
                    .iter()
                    .map(|s| s.parse().map_err(|_| AccessError::InvalidScope(s.clone())))
                    .collect::<Result<_, _>>()?,
            ),
            Role::AdminPrefecture | Role::Intermediary => Scope::Departements(
                scope
                    .iter()
                    .map(|s| {
                        DepartementCode::parse(s)
                            .ok_or_else(|| AccessError::InvalidScope(s.clone()))
                    })
                    .collect::<Result<_, _>>()?,
            ),
        };
        let empty = match &scope {
            Scope::Sites(s) => s.is_empty(),
            Scope::Departements(d) => d.is_empty(),
            Scope::National => false,
        };
        if empty {
            return Err(AccessError::EmptyScope(role));
        }
        let organisation = match role {
            Role::Intermediary => Some(
                organisation
                    .map(|o| o.split_whitespace().collect::<Vec<_>>().join(" "))
                    .filter(|o| !o.is_empty())
                    .ok_or(AccessError::NoOrganisation)?,
            ),
            _ => None,
        };
        Ok(Self {
            id: sub.to_owned(),
            name: name.to_owned(),
            role,
            scope,
            organisation,
        })
    }

    /// Whether the agent may read what happens at a site (its reservations,
    /// its settings).
    pub fn can_read_site(&self, site: SiteId, departement: &DepartementCode) -> bool {
        if self.role == Role::Intermediary {
            return false;
        }
        match &self.scope {
            Scope::National => true,
            Scope::Departements(ds) => ds.contains(departement),
            Scope::Sites(ss) => ss.contains(&site),
        }
    }

    /// Whether the agent may change a site's organisation (services, motifs,
    /// guichets, plages, closures): administrators of its département only.
    pub fn can_administer_site(&self, departement: &DepartementCode) -> bool {
        self.can_administer_prefecture(departement)
    }

    /// Whether the agent may administer a préfecture (create its sites…).
    pub fn can_administer_prefecture(&self, departement: &DepartementCode) -> bool {
        if self.role == Role::Intermediary {
            return false;
        }
        match &self.scope {
            Scope::National => true,
            Scope::Departements(ds) => ds.contains(departement),
            Scope::Sites(_) => false,
        }
    }

    /// Whether the agent may change national settings (préfectures
    /// themselves, the catalogue of démarches).
    pub fn can_administer_nation(&self) -> bool {
        self.role == Role::AdminNational
    }

    /// Whether the agent may book an appointment at a site for someone
    /// else: agents of the site, administrators, and intermediaries
    /// accredited in its département.
    pub fn can_book_for_others(&self, site: SiteId, departement: &DepartementCode) -> bool {
        match &self.scope {
            Scope::National => true,
            Scope::Departements(ds) => ds.contains(departement),
            Scope::Sites(ss) => ss.contains(&site),
        }
    }

    /// The actor recorded in histories and audit trails.
    pub fn actor(&self) -> String {
        format!("agent:{}", self.id)
    }
}

/// Shortest and longest reason an agent gives for a change, in characters.
pub const REASON_CHARS: std::ops::RangeInclusive<usize> = 3..=500;

/// The reason an agent gives for cancelling or moving an appointment
/// (kept in its history): trimmed, 3 to 500 characters.
pub fn check_reason(raw: &str) -> Result<String, FieldError> {
    let reason = raw.trim();
    if REASON_CHARS.contains(&reason.chars().count()) {
        Ok(reason.to_owned())
    } else {
        Err(FieldError::new("reason", "must be 3 to 500 characters"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(c: &str) -> DepartementCode {
        DepartementCode::parse(c).expect("code")
    }

    #[test]
    fn a_prefecture_admin_of_93_administers_93_and_nothing_of_75() {
        let a = Agent::from_claims("u1", "Admin 93", ("admin_prefecture", &["93".into()]), None)
            .expect("agent");
        let site = SiteId::new_random();
        assert!(a.can_administer_prefecture(&dep("93")));
        assert!(a.can_read_site(site, &dep("93")));
        assert!(!a.can_administer_prefecture(&dep("75")));
        assert!(!a.can_read_site(site, &dep("75")));
        assert!(!a.can_administer_nation());
    }

    #[test]
    fn a_site_agent_reads_only_its_sites_and_administers_nothing() {
        let mine = SiteId::new_random();
        let other = SiteId::new_random();
        let a = Agent::from_claims("u2", "Guichetier", ("agent", &[mine.to_string()]), None)
            .expect("agent");
        assert!(a.can_read_site(mine, &dep("93")));
        assert!(!a.can_read_site(other, &dep("93")));
        assert!(!a.can_administer_site(&dep("93")));
        assert_eq!(a.actor(), "agent:u2");
    }

    #[test]
    fn a_national_admin_does_everything() {
        let a = Agent::from_claims("u3", "DGEF", ("admin_national", &[]), None).expect("agent");
        assert!(a.can_administer_nation());
        assert!(a.can_administer_prefecture(&dep("2A")));
        assert!(a.can_read_site(SiteId::new_random(), &dep("974")));
    }

    #[test]
    fn bad_claims_are_refused() {
        assert_eq!(
            Agent::from_claims("u", "n", ("root", &[]), None),
            Err(AccessError::UnknownRole("root".into()))
        );
        assert_eq!(
            Agent::from_claims("u", "n", ("agent", &[]), None),
            Err(AccessError::EmptyScope(Role::Agent))
        );
        assert_eq!(
            Agent::from_claims("u", "n", ("agent", &["93".into()]), None),
            Err(AccessError::InvalidScope("93".into()))
        );
        assert_eq!(
            Agent::from_claims("u", "n", ("admin_prefecture", &["99".into()]), None),
            Err(AccessError::InvalidScope("99".into()))
        );
        assert_eq!(
            Agent::from_claims(" ", "n", ("admin_national", &[]), None),
            Err(AccessError::NoSubject)
        );
    }

    #[test]
    fn an_intermediary_books_in_its_departements_and_reads_nothing() {
        let site = SiteId::new_random();
        let a = Agent::from_claims(
            "asso-1",
            "Bénévole",
            ("intermediary", &["93".into()]),
            Some("  La Cimade   93 "),
        )
        .expect("intermediary");
        assert_eq!(a.organisation.as_deref(), Some("La Cimade 93"));
        assert!(a.can_book_for_others(site, &dep("93")));
        assert!(!a.can_book_for_others(site, &dep("75")));
        assert!(!a.can_read_site(site, &dep("93")));
        assert!(!a.can_administer_prefecture(&dep("93")));
        assert_eq!(
            Agent::from_claims("asso-1", "B", ("intermediary", &["93".into()]), Some(" ")),
            Err(AccessError::NoOrganisation)
        );
        let agent =
            Agent::from_claims("u", "n", ("agent", &[site.to_string()]), Some("x")).expect("agent");
        assert_eq!(agent.organisation, None);
        assert!(agent.can_book_for_others(site, &dep("93")));
    }

    #[test]
    fn a_reason_is_trimmed_and_bounded() {
        assert_eq!(
            check_reason("  Agent absent  ").as_deref(),
            Ok("Agent absent")
        );
        for bad in ["", "  ab  ", &"é".repeat(501)] {
            assert_eq!(
                check_reason(bad).map_err(|e| e.field),
                Err("reason".to_owned())
            );
        }
        assert!(check_reason(&"é".repeat(500)).is_ok());
    }
}
