//! What time it is. Handlers and use cases ask the state's clock
//! (`AppState::now`), never the system's directly: one read per request,
//! passed down to the domain and the store, and tests move time instead of
//! sleeping.

use chrono::{DateTime, Utc};

/// A source of the current instant.
pub trait Clock: std::fmt::Debug + Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The system's clock: what a server uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
