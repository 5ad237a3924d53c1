//! What every handler can reach, and the one way to call the blocking store.

use actix_web::web;
use planipref_store::Store;

use std::sync::Arc;

use crate::auth::Verifier;
use crate::cache::AvailabilityCache;
use crate::error::ApiError;

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
}

impl AppState {
    /// The state of a server on `store`, with an empty cache.
    pub fn new(store: Store, auth: Verifier) -> Self {
        Self {
            store,
            auth,
            cache: Arc::default(),
        }
    }

    /// Runs blocking store work on actix's thread pool, never on an async
    /// worker. The closure gets the store and returns an API result.
    pub async fn blocking<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, ApiError> + Send + 'static,
    {
        let store = self.store.clone();
        web::block(move || f(&store)).await.map_err(|e| {
            log::error!("blocking task failed: {e}");
            ApiError::Internal
        })?
    }
}
