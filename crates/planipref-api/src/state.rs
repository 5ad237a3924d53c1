//! What every handler can reach, and its way to call the blocking store
//! ([`crate::blocking`]).

use planipref_store::Store;

use crate::app::cache::AvailabilityCache;
use crate::app::clock::{Clock, SystemClock};
use crate::http::error::ApiError;
use crate::http::limits::ClientLimits;
use crate::http::limits::LimitSettings;
use crate::security::agent::Verifier;
use crate::security::router::ContextVerifier;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Shared application state.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Verifies agents' tokens.
    pub auth: Verifier,
    /// Availability this process computed (checked against the database
    /// on every read).
    pub cache: Arc<AvailabilityCache>,
    /// How the booking journey behaves.
    pub booking: BookingSettings,
    /// Per-client limits of this server.
    pub limits: Arc<ClientLimits>,
    /// Verifies the router's contexts; `None`: none accepted.
    pub router: Option<ContextVerifier>,
    /// What time it is.
    pub clock: Arc<dyn Clock>,
    /// Seals what the outbox keeps for sending (a confirmation's token).
    pub outbox_key: planipref_domain::messages::seal::OutboxKey,
    /// The origins whose pages may call the API from a browser.
    pub cors: crate::http::cors::CorsSettings,
    /// Asks the State's systems where applicants' files stand, for the
    /// démarches that check them (none configured by default).
    pub file_status: Arc<dyn planipref_domain::file_check::FileStatusConnector>,
    /// The national hubs allowed to call, and the links they are given
    /// (none by default).
    pub hubs: Arc<crate::security::hub::Hubs>,
}

/// How the booking journey behaves (settings of the deployment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingSettings {
    /// How long a hold keeps its slot, in minutes (`PLANIPREF_HOLD_MINUTES`).
    pub hold_minutes: u32,
}

impl BookingSettings {
    /// The longest hold a deployment may configure: a slot kept longer is
    /// a slot that others cannot book.
    pub const MAX_HOLD_MINUTES: u32 = 60;
}

impl Default for BookingSettings {
    fn default() -> Self {
        Self { hold_minutes: 10 }
    }
}

impl AppState {
    /// The state of a server on `store`, with an empty cache.
    pub fn new(store: Store, auth: Verifier) -> Self {
        Self {
            store,
            auth,
            cache: Arc::default(),
            booking: BookingSettings::default(),
            limits: Arc::default(),
            router: None,
            clock: Arc::new(SystemClock),
            outbox_key: planipref_domain::messages::seal::OutboxKey::development(),
            cors: crate::http::cors::CorsSettings::default(),
            file_status: Arc::new(planipref_domain::file_check::NoConnector),
            hubs: Arc::default(),
        }
    }

    /// The same state asking files' statuses through `connector`.
    pub fn with_file_status(
        self,
        connector: Arc<dyn planipref_domain::file_check::FileStatusConnector>,
    ) -> Self {
        Self {
            file_status: connector,
            ..self
        }
    }

    /// The same state answering the hubs of `settings`.
    pub fn with_hubs(self, settings: crate::security::hub::HubSettings) -> Self {
        Self {
            hubs: Arc::new(crate::security::hub::Hubs::new(settings)),
            ..self
        }
    }

    /// The same state sealing the outbox's secrets with `key`.
    pub fn with_outbox_key(self, key: planipref_domain::messages::seal::OutboxKey) -> Self {
        Self {
            outbox_key: key,
            ..self
        }
    }

    /// The current instant, by the state's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The same state telling time by `clock` (tests move time so).
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        Self { clock, ..self }
    }

    /// The same state accepting the router's contexts verified so.
    pub fn with_router(self, router: ContextVerifier) -> Self {
        Self {
            router: Some(router),
            ..self
        }
    }

    /// The same state with other client limits.
    pub fn with_limits(self, limits: LimitSettings) -> Self {
        Self {
            limits: Arc::new(ClientLimits::new(limits)),
            ..self
        }
    }

    /// The same state letting pages of these origins call it.
    pub fn with_cors(self, cors: crate::http::cors::CorsSettings) -> Self {
        Self { cors, ..self }
    }

    /// The same state with other booking settings.
    pub fn with_booking(self, booking: BookingSettings) -> Self {
        Self { booking, ..self }
    }

    /// Runs blocking store work on actix's thread pool, never on an async
    /// worker. The closure gets the store and returns an API result.
    pub async fn blocking<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, ApiError> + Send + 'static,
    {
        crate::blocking::run(&self.store, f).await
    }
}
