//! Typed identifiers, so that a `MotifId` can never be passed where a
//! `GuichetId` is expected. Identifiers are random UUIDs (v4): they reveal
//! neither volume nor order, unlike counters.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new random identifier.
            pub fn new_random() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A site: a préfecture, a sous-préfecture or an antenna.
    SiteId
);
id_type!(
    /// A service at a site.
    ServiceId
);
id_type!(
    /// A motif booked at a site.
    MotifId
);
id_type!(
    /// A counter.
    GuichetId
);
id_type!(
    /// A recurring opening range of a guichet.
    PlageId
);
id_type!(
    /// A closure (fermeture) of a site or of one of its guichets.
    FermetureId
);
id_type!(
    /// A reservation (internal id; applicants see the `Reference`).
    ReservationId
);
id_type!(
    /// A hold: a slot kept while the applicant fills in the form. Random
    /// (122 bits): whoever knows it may confirm or release the hold.
    HoldId
);

id_type!(
    /// A convocation: an agent's nominative, single-use invitation to
    /// book. Not a secret (agents quote it); its token is.
    ConvocationId
);

id_type!(
    /// A préfecture's webhook subscription.
    WebhookId
);

id_type!(
    /// A message of the outbox (a webhook delivery's `webhook-id`).
    MessageId
);

/// A préfecture is keyed by its département's INSEE code: `01`…`95` (with
/// `2A`/`2B` for Corsica), `971`…`976`, and the overseas collectivities that
/// have a préfecture (`975`, `977`, `978`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DepartementCode(String);

impl DepartementCode {
    /// Parses and upper-cases a code (`2a` → `2A`).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_uppercase();
        let ok = match s.as_str() {
            "2A" | "2B" => true,
            "20" => false,
            _ if s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()) => {
                ("01"..="95").contains(&s.as_str())
            }
            _ if s.len() == 3 && s.starts_with("97") => {
                matches!(s.as_bytes()[2], b'1'..=b'8')
            }
            _ => false,
        };
        ok.then_some(Self(s))
    }

    /// The code as written by INSEE.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DepartementCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn departement_codes_follow_insee() {
        for ok in [
            "01", "13", "2A", "2b", "93", "95", "971", "974", "976", "975", "978",
        ] {
            assert!(DepartementCode::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "00", "20", "96", "2C", "979", "970", "9", "1", "", "abc", "0930",
        ] {
            assert!(DepartementCode::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(DepartementCode::parse("2a").map(|c| c.0), Some("2A".into()));
    }

    #[test]
    fn ids_round_trip_through_text() {
        let id = MotifId::new_random();
        let back: MotifId = id.to_string().parse().expect("parses");
        assert_eq!(id, back);
        assert!("not-a-uuid".parse::<MotifId>().is_err());
    }
}
