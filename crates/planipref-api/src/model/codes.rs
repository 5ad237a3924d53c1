//! The closed sets of codes the contract names (a site's kind, a
//! reservation's status, a guichet's channel…), as enumerations, so that
//! generated clients get them typed. Fields stay text in requests
//! (`#[schema(value_type = …)]`): the domain reads them with every other
//! field, so that one answer names every invalid field at once.
//!
//! Each mirrors a domain or store notion with the same codes; the
//! conversions below are exhaustive, so a new variant on either side does
//! not compile until the contract says how it is written.

use planipref_domain::access::Role as DomainRole;
use planipref_domain::channel::Channel as DomainChannel;
use planipref_domain::convocation::ConvocationState as DomainConvocationState;
use planipref_domain::motif::BookingMode as DomainBookingMode;
use planipref_domain::site::SiteKind as DomainSiteKind;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Declares a contract enumeration: its variants with their codes, and
/// `code()` giving the code of each.
macro_rules! codes {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        // The codes are the variants' names in snake case (utoipa reads
        // `rename_all`, not a per-variant rename made by this macro); a
        // test checks that serde writes each as `code()` says.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $(
                #[allow(missing_docs)]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in the order the contract lists them.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// Its code in the API.
            pub const fn code(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)+
                }
            }
        }
    };
}

codes! {
    /// What kind of place a site is: the préfecture itself, a
    /// sous-préfecture, or another place that receives the public.
    SiteKind { Prefecture = "prefecture", SousPrefecture = "sous_prefecture", Antenne = "antenne" }
}

codes! {
    /// Where an appointment stands: `booked` (nobody has come yet),
    /// `checked_in` (arrived, waiting), `called` (to a guichet), `done`
    /// (served), `no_show` (never came), or `cancelled` (by the applicant
    /// or an agent).
    ReservationStatus {
        Booked = "booked",
        CheckedIn = "checked_in",
        Called = "called",
        Done = "done",
        NoShow = "no_show",
        Cancelled = "cancelled",
    }
}

codes! {
    /// Whom a guichet's time is for: `public` (online), `convocation`
    /// (holders of a convocation) or `walk_in` (people without an
    /// appointment; never offered online).
    Channel { Public = "public", Convocation = "convocation", WalkIn = "walk_in" }
}

codes! {
    /// Who may book a motif: `online` (anyone) or `convocation_only` (only
    /// with an agent's convocation).
    BookingMode { Online = "online", ConvocationOnly = "convocation_only" }
}

codes! {
    /// An agent's role: `agent` (some sites), `admin_prefecture` (some
    /// départements), `admin_national`, or `intermediary` (an accredited
    /// association booking for others in some départements).
    Role {
        Agent = "agent",
        AdminPrefecture = "admin_prefecture",
        AdminNational = "admin_national",
        Intermediary = "intermediary",
    }
}

codes! {
    /// How an appointment was made: `web` (online), `convocation` (online
    /// with a convocation), `phone` or `counter` (by an agent),
    /// `intermediary` (by an accredited association), `walk_in` (came
    /// without an appointment).
    BookingChannel {
        Web = "web",
        Convocation = "convocation",
        Phone = "phone",
        Counter = "counter",
        Intermediary = "intermediary",
        WalkIn = "walk_in",
    }
}

codes! {
    /// A way of sending a message to a person: `email` or `sms`.
    SendChannel { Email = "email", Sms = "sms" }
}

codes! {
    /// The language of an applicant's messages: `fr` or `en`.
    Language { Fr = "fr", En = "en" }
}

codes! {
    /// How a booking made for someone came: `phone`, `counter` (by an
    /// agent) or `intermediary` (by an accredited association).
    OnBehalfChannel { Phone = "phone", Counter = "counter", Intermediary = "intermediary" }
}

codes! {
    /// A step of the counter's day, as recorded in an appointment's
    /// history and undone.
    AttendanceStep { CheckIn = "check-in", Call = "call", Done = "done", NoShow = "no-show" }
}

codes! {
    /// Where a convocation stands: `issued` (usable), `booked` (its
    /// appointment is booked), `expired` or `revoked`.
    ConvocationState { Issued = "issued", Booked = "booked", Expired = "expired", Revoked = "revoked" }
}

codes! {
    /// Where a webhook delivery stands: `pending` (due, or waiting for its
    /// next attempt), `sent`, `failed` (given up) or `cancelled`.
    DeliveryStatus { Pending = "pending", Sent = "sent", Failed = "failed", Cancelled = "cancelled" }
}

codes! {
    /// A day of the week.
    Weekday {
        Monday = "monday",
        Tuesday = "tuesday",
        Wednesday = "wednesday",
        Thursday = "thursday",
        Friday = "friday",
        Saturday = "saturday",
        Sunday = "sunday",
    }
}

codes! {
    /// A State system holding applicants' files, which a démarche may have
    /// checked before a hold or a booking: `anef` (foreigners' residence
    /// files, ANEF/AGDREF) or `snpc` (driving licences, with ANTS's
    /// requests).
    FileSystem { Anef = "anef", Snpc = "snpc" }
}

codes! {
    /// What a démarche's file check does when the system cannot say (no
    /// answer in time, an unusable answer, no connector configured):
    /// `refuse` (503 `file-check-unavailable`, retry later) or
    /// `accept_and_flag` (booked, flagged `unverified` for agents).
    FileCheckOnFailure { Refuse = "refuse", AcceptAndFlag = "accept_and_flag" }
}

codes! {
    /// What a booking's file check found: `validated` (the system said
    /// so) or `unverified` (it could not say, and the démarche accepts and
    /// flags: agents check the file at the counter).
    FileCheckStatus { Validated = "validated", Unverified = "unverified" }
}

impl From<DomainSiteKind> for SiteKind {
    fn from(kind: DomainSiteKind) -> Self {
        match kind {
            DomainSiteKind::Prefecture => Self::Prefecture,
            DomainSiteKind::SousPrefecture => Self::SousPrefecture,
            DomainSiteKind::Antenne => Self::Antenne,
        }
    }
}

impl From<DomainChannel> for Channel {
    fn from(channel: DomainChannel) -> Self {
        match channel {
            DomainChannel::Public => Self::Public,
            DomainChannel::Convocation => Self::Convocation,
            DomainChannel::WalkIn => Self::WalkIn,
        }
    }
}

impl From<DomainBookingMode> for BookingMode {
    fn from(mode: DomainBookingMode) -> Self {
        match mode {
            DomainBookingMode::Online => Self::Online,
            DomainBookingMode::ConvocationOnly => Self::ConvocationOnly,
        }
    }
}

impl From<DomainRole> for Role {
    fn from(role: DomainRole) -> Self {
        match role {
            DomainRole::Agent => Self::Agent,
            DomainRole::AdminPrefecture => Self::AdminPrefecture,
            DomainRole::AdminNational => Self::AdminNational,
            DomainRole::Intermediary => Self::Intermediary,
        }
    }
}

impl From<DomainConvocationState> for ConvocationState {
    fn from(state: DomainConvocationState) -> Self {
        match state {
            DomainConvocationState::Issued => Self::Issued,
            DomainConvocationState::Booked => Self::Booked,
            DomainConvocationState::Expired => Self::Expired,
            DomainConvocationState::Revoked => Self::Revoked,
        }
    }
}

impl From<chrono::Weekday> for Weekday {
    fn from(day: chrono::Weekday) -> Self {
        match day {
            chrono::Weekday::Mon => Self::Monday,
            chrono::Weekday::Tue => Self::Tuesday,
            chrono::Weekday::Wed => Self::Wednesday,
            chrono::Weekday::Thu => Self::Thursday,
            chrono::Weekday::Fri => Self::Friday,
            chrono::Weekday::Sat => Self::Saturday,
            chrono::Weekday::Sun => Self::Sunday,
        }
    }
}

/// The schema of a set of weekdays: one to seven days, each once.
pub fn weekday_set() -> utoipa::openapi::schema::Array {
    use utoipa::PartialSchema as _;
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(Weekday::schema())
        .min_items(Some(1))
        .max_items(Some(7))
        .unique_items(true)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_writes_each_value_as_the_domain_and_the_store_do() {
        for kind in [
            DomainSiteKind::Prefecture,
            DomainSiteKind::SousPrefecture,
            DomainSiteKind::Antenne,
        ] {
            assert_eq!(SiteKind::from(kind).code(), kind.code());
        }
        assert_eq!(SiteKind::ALL.len(), 3);
        for channel in DomainChannel::ALL {
            assert_eq!(Channel::from(channel).code(), channel.code());
        }
        assert_eq!(Channel::ALL.len(), DomainChannel::ALL.len());
        for mode in [
            DomainBookingMode::Online,
            DomainBookingMode::ConvocationOnly,
        ] {
            assert_eq!(BookingMode::from(mode).code(), mode.code());
        }
        for role in [
            DomainRole::Agent,
            DomainRole::AdminPrefecture,
            DomainRole::AdminNational,
            DomainRole::Intermediary,
        ] {
            assert_eq!(Role::from(role).code(), role.code());
        }
        for state in DomainConvocationState::ALL {
            assert_eq!(ConvocationState::from(state).code(), state.code());
        }
        assert_eq!(
            ConvocationState::ALL.len(),
            DomainConvocationState::ALL.len()
        );
        let mut documented: Vec<&str> = ReservationStatus::ALL.iter().map(|s| s.code()).collect();
        let mut domain: Vec<&str> = planipref_domain::attendance::Status::ALL
            .iter()
            .map(|s| s.code())
            .collect();
        documented.sort_unstable();
        domain.sort_unstable();
        assert_eq!(documented, domain);
        let documented: Vec<&str> = BookingChannel::ALL.iter().map(|s| s.code()).collect();
        let domain: Vec<&str> = planipref_domain::channel::BookingChannel::ALL
            .iter()
            .map(|s| s.code())
            .collect();
        assert_eq!(documented, domain);
        let documented: Vec<&str> = AttendanceStep::ALL.iter().map(|s| s.code()).collect();
        let domain: Vec<&str> = planipref_domain::attendance::Step::ALL
            .iter()
            .map(|s| s.code())
            .collect();
        assert_eq!(documented, domain);
        for day in [
            chrono::Weekday::Mon,
            chrono::Weekday::Tue,
            chrono::Weekday::Wed,
            chrono::Weekday::Thu,
            chrono::Weekday::Fri,
            chrono::Weekday::Sat,
            chrono::Weekday::Sun,
        ] {
            assert_eq!(
                Weekday::from(day).code(),
                planipref_domain::plage::weekday_name(day)
            );
        }
    }

    /// Each value is written as its code and read back from it.
    fn round_trips<T>(all: &[T], code: fn(T) -> &'static str)
    where
        T: Copy + PartialEq + std::fmt::Debug + Serialize + serde::de::DeserializeOwned,
    {
        for value in all {
            let written = serde_json::to_value(value).unwrap_or_default();
            assert_eq!(written, code(*value), "{value:?}");
            let read: Option<T> = serde_json::from_value(written).ok();
            assert_eq!(read, Some(*value));
        }
    }

    #[test]
    fn codes_are_read_and_written_as_the_contract_lists_them() {
        round_trips(SiteKind::ALL, SiteKind::code);
        round_trips(ReservationStatus::ALL, ReservationStatus::code);
        round_trips(Channel::ALL, Channel::code);
        round_trips(BookingMode::ALL, BookingMode::code);
        round_trips(Role::ALL, Role::code);
        round_trips(ConvocationState::ALL, ConvocationState::code);
        round_trips(Weekday::ALL, Weekday::code);
        round_trips(DeliveryStatus::ALL, DeliveryStatus::code);
        assert!(serde_json::from_str::<Channel>("\"guichet\"").is_err());
        assert!(serde_json::from_str::<Weekday>("\"Monday\"").is_err());
    }
}
