//! Stopping cleanly: the signals that ask for it (SIGTERM, SIGINT), and
//! the flag the background tasks watch ([`Stop`]) so that each ends
//! between two pieces of work, never in the middle of one.

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::future::{Either, select};
use tokio::sync::watch;

/// Set once the server is stopping; cheap to clone.
#[derive(Debug, Clone)]
pub struct Stop {
    flag: Arc<AtomicBool>,
    changed: Arc<watch::Sender<bool>>,
}

impl Stop {
    /// Not stopping yet.
    pub fn new() -> Self {
        Self {
            flag: Arc::new(AtomicBool::new(false)),
            changed: Arc::new(watch::Sender::new(false)),
        }
    }

    /// Tells every task to stop.
    pub fn set(&self) {
        self.flag.store(true, Ordering::SeqCst);
        self.changed.send_replace(true);
    }

    /// Whether the server is stopping.
    pub fn is_set(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// The flag itself, for work running on a blocking thread.
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.flag.clone()
    }

    /// Waits for the next tick of `every`; `false` as soon as the server
    /// is stopping (without waiting for the tick).
    pub async fn tick(&self, every: &mut actix_web::rt::time::Interval) -> bool {
        let mut changed = self.changed.subscribe();
        if self.is_set() {
            return false;
        }
        let stopped = changed.wait_for(|stopping| *stopping);
        match select(pin!(every.tick()), pin!(stopped)).await {
            Either::Left(_) => !self.is_set(),
            Either::Right(_) => false,
        }
    }
}

/// Waits for SIGTERM or SIGINT (Ctrl-C); the signal's name. The handlers
/// are installed by this call, before its future is first polled: call it
/// before the server listens.
pub fn signalled() -> Result<impl Future<Output = &'static str>, String> {
    use actix_web::rt::signal::unix::{SignalKind, signal};
    let mut terminate =
        signal(SignalKind::terminate()).map_err(|e| format!("cannot handle SIGTERM: {e}"))?;
    let mut interrupt =
        signal(SignalKind::interrupt()).map_err(|e| format!("cannot handle SIGINT: {e}"))?;
    Ok(async move {
        match select(pin!(terminate.recv()), pin!(interrupt.recv())).await {
            Either::Left(_) => "SIGTERM",
            Either::Right(_) => "SIGINT",
        }
    })
}
