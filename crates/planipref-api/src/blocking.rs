//! The one way to call the blocking store: diesel's calls run on actix's
//! blocking thread pool, never on an async worker (a worker blocked on the
//! database stops answering every other request it holds).

use actix_web::web;
use planipref_store::Store;

use crate::http::error::ApiError;

/// Runs `f` with the store on the blocking pool and returns its result
/// (the wait for a thread is measured: see
/// [`crate::telemetry::BLOCKING_WAIT`]); a
/// task that could not run (the pool shut down, `f` panicked) is logged
/// and answered as an internal error.
pub async fn run<T, F>(store: &Store, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Store) -> Result<T, ApiError> + Send + 'static,
{
    let store = store.clone();
    let queued = std::time::Instant::now();
    web::block(move || {
        crate::telemetry::blocking_waited(queued.elapsed());
        f(&store)
    })
    .await
    .map_err(|e| {
        log::error!("blocking task failed: {e}");
        ApiError::Internal
    })?
}
