//! Small reads shared by concurrent requests, never older than the request.
//!
//! Every cached availability answer costs one query: the site's (or the
//! département's) availability version. Under a burst, most of those
//! queries ask the same thing at the same moment; on PostgreSQL they cost
//! more than the cached answer they protect. Here, a request joins the next
//! read of its key to *start*, not one already running: a read that began
//! before the request arrived might miss a booking committed just before
//! it, and the cache promises that an answer reflects every change
//! committed before the question was asked. So at most one read per key
//! runs at a time, and each serves every request that arrived while the
//! previous one ran.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// One key's reads.
#[derive(Debug)]
struct Flight<V> {
    /// Reads started so far.
    started: u64,
    /// The last read finished (its number), and its value when it
    /// succeeded.
    finished: u64,
    value: Option<V>,
    running: bool,
    /// Requests waiting for a read (for tests).
    waiting: usize,
}

impl<V> Default for Flight<V> {
    fn default() -> Self {
        Self {
            started: 0,
            finished: 0,
            value: None,
            running: false,
            waiting: 0,
        }
    }
}

/// Reads by key, shared as described in the module.
#[derive(Debug)]
pub struct FreshReads<K, V> {
    flights: Mutex<HashMap<K, Flight<V>>>,
    done: Condvar,
}

impl<K, V> Default for FreshReads<K, V> {
    fn default() -> Self {
        Self {
            flights: Mutex::new(HashMap::new()),
            done: Condvar::new(),
        }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> FreshReads<K, V> {
    /// The value of a read of `key` that started after this call: `read`
    /// itself, or another request's read that started later than this
    /// one arrived. Should that read fail, this request reads alone.
    pub fn get<E>(&self, key: &K, read: impl FnOnce() -> Result<V, E>) -> Result<V, E> {
        let mut flights = self.lock();
        let needed = flights.entry(key.clone()).or_default().started + 1;
        loop {
            let flight = flights.entry(key.clone()).or_default();
            if flight.finished >= needed {
                match &flight.value {
                    Some(value) => return Ok(value.clone()),
                    None => break,
                }
            }
            if !flight.running {
                flight.running = true;
                flight.started += 1;
                let number = flight.started;
                drop(flights);
                let result = read();
                let mut flights = self.lock();
                let flight = flights.entry(key.clone()).or_default();
                flight.running = false;
                flight.finished = number;
                flight.value = result.as_ref().ok().cloned();
                self.done.notify_all();
                return result;
            }
            flight.waiting += 1;
            flights = self
                .done
                .wait(flights)
                .unwrap_or_else(PoisonError::into_inner);
            flights.entry(key.clone()).or_default().waiting -= 1;
        }
        drop(flights);
        read()
    }

    /// Requests waiting for a read of `key`.
    #[cfg(test)]
    fn waiting(&self, key: &K) -> usize {
        self.lock().get(key).map_or(0, |f| f.waiting)
    }

    /// A poisoned lock only means a reader panicked; the counters are
    /// still whole (a panicking leader leaves `running` set, so later
    /// requests would wait: `read` does not panic in practice, and the
    /// process restarts if it did).
    fn lock(&self) -> MutexGuard<'_, HashMap<K, Flight<V>>> {
        self.flights.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::mpsc;
    use std::thread;
    use std::time::Duration;

    #[test]
    fn sequential_requests_each_read() {
        let reads = FreshReads::<&str, u32>::default();
        let count = AtomicU32::new(0);
        for expected in 1..=3 {
            let got: Result<u32, ()> =
                reads.get(&"site", || Ok(count.fetch_add(1, Ordering::SeqCst) + 1));
            assert_eq!(got, Ok(expected));
        }
        assert_eq!(count.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn requests_arriving_during_a_read_share_the_next_one_never_the_running_one() {
        let reads = Arc::new(FreshReads::<&str, u32>::default());
        let count = Arc::new(AtomicU32::new(0));
        let (started_tx, started_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        // A read that began before the others arrived, held open.
        let first = {
            let reads = reads.clone();
            thread::spawn(move || {
                reads.get(&"site", || -> Result<u32, ()> {
                    started_tx.send(()).expect("signal");
                    release_rx.recv().expect("release");
                    Ok(1)
                })
            })
        };
        started_rx.recv().expect("the first read runs");
        let later: Vec<_> = (0..5)
            .map(|_| {
                let (reads, count) = (reads.clone(), count.clone());
                thread::spawn(move || {
                    reads.get(&"site", || -> Result<u32, ()> {
                        count.fetch_add(1, Ordering::SeqCst);
                        Ok(2)
                    })
                })
            })
            .collect();
        while reads.waiting(&"site") < 5 {
            thread::sleep(Duration::from_millis(1));
        }
        release_tx.send(()).expect("release");
        assert_eq!(first.join().expect("first"), Ok(1));
        for request in later {
            // Never the value of the read that started before it arrived.
            assert_eq!(request.join().expect("later"), Ok(2));
        }
        assert_eq!(count.load(Ordering::SeqCst), 1, "one read served the five");
    }

    #[test]
    fn when_the_shared_read_fails_each_waiter_reads_alone_and_keys_are_independent() {
        let reads = Arc::new(FreshReads::<&str, u32>::default());
        let failures = Arc::new(AtomicU32::new(0));
        let (started_tx, started_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let first = {
            let reads = reads.clone();
            thread::spawn(move || {
                reads.get(&"a", || -> Result<u32, &str> {
                    started_tx.send(()).expect("signal");
                    release_rx.recv().expect("release");
                    Ok(1)
                })
            })
        };
        started_rx.recv().expect("the read runs");
        // Another key does not wait for it.
        assert_eq!(reads.get(&"b", || Ok::<_, &str>(7)), Ok(7));
        // Two requests wait for the next read, which fails (the database
        // went away): the one that did not run it reads on its own.
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let (reads, failures) = (reads.clone(), failures.clone());
                thread::spawn(move || {
                    reads.get(&"a", || -> Result<u32, &str> {
                        failures.fetch_add(1, Ordering::SeqCst);
                        Err("database down")
                    })
                })
            })
            .collect();
        while reads.waiting(&"a") < 2 {
            thread::sleep(Duration::from_millis(1));
        }
        release_tx.send(()).expect("release");
        assert_eq!(first.join().expect("first"), Ok(1));
        for waiter in waiters {
            assert_eq!(waiter.join().expect("waiter"), Err("database down"));
        }
        assert_eq!(failures.load(Ordering::SeqCst), 2);
    }
}
