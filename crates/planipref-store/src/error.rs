//! The store's one error type.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// Every guichet able to take the slot was booked first by someone else.
    #[error("the slot was taken")]
    SlotTaken,
    /// The person already has an active reservation for this démarche
    /// (a doublon). Nothing was written.
    #[error("the person already has an appointment for this démarche")]
    Doublon,
    /// The hold expired (or lost its time) before it was confirmed.
    #[error("the hold expired")]
    HoldExpired,
    /// The person already holds as many coming appointments, across all
    /// démarches, as their préfecture allows. Nothing was written.
    #[error("the person holds as many appointments as allowed")]
    Quota,
    /// The client already has as many live holds as allowed; the first
    /// lapses this long after the instant the hold was asked at. Nothing
    /// was written.
    #[error("the client holds as many slots as allowed")]
    TooManyHolds(chrono::TimeDelta),
    /// The convocation presented already keeps a slot (one at a time);
    /// that hold lapses this long after the instant the hold was asked at.
    /// Nothing was written.
    #[error("the convocation already holds a slot")]
    ConvocationHolding(chrono::TimeDelta),
    /// The convocation presented cannot book this appointment. Nothing
    /// was written.
    #[error("convocation refused: {0:?}")]
    Convocation(planipref_domain::convocation::Refusal),
    /// A uniqueness constraint refused the write: the row exists already.
    #[error("unique constraint {constraint} refused the write")]
    Duplicate {
        /// The constraint (PostgreSQL) or table and columns (SQLite).
        constraint: String,
    },
    /// A foreign-key constraint refused the write: a referenced row is gone.
    #[error("foreign key {constraint} refused the write")]
    MissingReference {
        /// The constraint (PostgreSQL) or SQLite's message.
        constraint: String,
    },
    /// The appointment's status is not the one the step was taken from:
    /// another agent (or the no-show task) changed it first. Its status
    /// now. Nothing was written.
    #[error("the appointment is {0}")]
    WrongStatus(String),
    /// The agent has booked as many appointments for others today as
    /// their préfecture allows (the cap). Nothing was written.
    #[error("the agent's daily bookings are used up")]
    AgentCap(u32),
    /// A domain rule checked inside the transaction refused the write.
    #[error("refused: {0}")]
    Rejected(planipref_domain::DomainError),
    /// The change would leave booked reservations without their counter;
    /// their references. Nothing was written.
    #[error("{} booked reservations are affected", .0.len())]
    Affected(Vec<String>),
    /// The row changed since it was read: nothing was written; read again.
    #[error("the row changed since it was read")]
    Stale,
    /// The row was changed since the revision the change was made from:
    /// nothing was written; read it again (its revision is now `current`).
    #[error("the row is at revision {current}, not the one the change was made from")]
    Outdated {
        /// Its revision now.
        current: i32,
    },
    /// The row cannot be deleted while others use it; why. Nothing was
    /// written.
    #[error("in use: {0}")]
    InUse(&'static str),
    /// PostgreSQL rolled the transaction back to break a deadlock; running
    /// it again is safe.
    #[error("deadlock: the transaction was rolled back")]
    Deadlock,
    /// The database cannot be reached or is saturated; retry later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The configuration names no usable database.
    #[error("configuration: {0}")]
    Config(String),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// A stored row breaks a rule it was checked against when written.
    #[error("inconsistent data: {0}")]
    Corrupt(String),
    /// Anything else from the database: a bug or an outage, never the
    /// client's fault.
    #[error("database error: {0}")]
    Database(DieselError),
}

impl From<DieselError> for StoreError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => Self::NotFound,
            DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => Self::Unavailable(info.message().to_owned()),
            // PostgreSQL names the constraint; SQLite only puts the table
            // and columns in its message.
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, ref info) => {
                Self::Duplicate {
                    constraint: constraint_of(info.as_ref()),
                }
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, ref info) => {
                Self::MissingReference {
                    constraint: constraint_of(info.as_ref()),
                }
            }
            DieselError::DatabaseError(_, ref info)
                if info.message().contains("deadlock detected") =>
            {
                Self::Deadlock
            }
            // SQLite's busy timeout ran out: the database is saturated.
            DieselError::DatabaseError(_, ref info)
                if info.message().contains("database is locked") =>
            {
                Self::Unavailable(info.message().to_owned())
            }
            other => Self::Database(other),
        }
    }
}

fn constraint_of(info: &dyn diesel::result::DatabaseErrorInformation) -> String {
    info.constraint_name()
        .map_or_else(|| info.message().to_owned(), str::to_owned)
}

impl StoreError {
    /// Whether a uniqueness violation came from the constraint or table
    /// `name` (matched against PostgreSQL's constraint name or SQLite's
    /// `table.column` message).
    pub fn is_duplicate_on(&self, name: &str) -> bool {
        matches!(self, Self::Duplicate { constraint } if constraint.contains(name))
    }
}

impl crate::db::IsDeadlock for StoreError {
    fn is_deadlock(&self) -> bool {
        matches!(self, Self::Deadlock)
    }
}
