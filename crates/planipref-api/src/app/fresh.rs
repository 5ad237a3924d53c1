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
//!
//! Waiting requests hold no thread: they wait on a watch channel, on the
//! server's async workers, and only the read itself goes to the blocking
//! pool.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::watch;

/// What the last finished read of a key gave: its number, and its value
/// when it succeeded.
type Finished<V> = (u64, Option<V>);

/// One key's reads.
#[derive(Debug)]
struct Flight<V> {
    /// Reads started so far.
    started: u64,
    running: bool,
    finished: watch::Sender<Finished<V>>,
}

impl<V> Flight<V> {
    fn new() -> Self {
        Self {
            started: 0,
            running: false,
            finished: watch::Sender::new((0, None)),
        }
    }
}

/// Reads by key, shared as described in the module.
#[derive(Debug)]
pub struct FreshReads<K, V> {
    flights: Mutex<HashMap<K, Flight<V>>>,
}

impl<K, V> Default for FreshReads<K, V> {
    fn default() -> Self {
        Self {
            flights: Mutex::new(HashMap::new()),
        }
    }
}

/// Marks a key's read as over even if the reading request is dropped
/// mid-way (its client went away): the next request then reads.
struct Running<'a, K: Eq + Hash + Clone, V: Clone> {
    reads: &'a FreshReads<K, V>,
    key: &'a K,
    number: u64,
    value: Option<Option<V>>,
}

impl<K: Eq + Hash + Clone, V: Clone> Drop for Running<'_, K, V> {
    fn drop(&mut self) {
        let mut flights = self.reads.lock();
        if let Some(flight) = flights.get_mut(self.key) {
            flight.running = false;
            let value = self.value.take().flatten();
            let number = self.number;
            flight.finished.send_modify(|f| *f = (number, value));
        }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> FreshReads<K, V> {
    /// The value of a read of `key` that started after this call: `read`
    /// itself, or another request's read that started later than this
    /// one arrived. Should that read fail, this request reads alone.
    pub async fn get<E, F, Fut>(&self, key: &K, read: F) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let (needed, mut finished) = {
            let mut flights = self.lock();
            let flight = flights.entry(key.clone()).or_insert_with(Flight::new);
            (flight.started + 1, flight.finished.subscribe())
        };
        loop {
            let number = {
                let mut flights = self.lock();
                let flight = flights.entry(key.clone()).or_insert_with(Flight::new);
                let (done, value) = &*finished.borrow_and_update();
                if *done >= needed {
                    match value {
                        Some(value) => return Ok(value.clone()),
                        None => break,
                    }
                }
                if flight.running {
                    None
                } else {
                    flight.running = true;
                    flight.started += 1;
                    Some(flight.started)
                }
            };
            let Some(number) = number else {
                // A read runs: wait for it to finish, then look again.
                if finished.changed().await.is_err() {
                    break;
                }
                continue;
            };
            let mut running = Running {
                reads: self,
                key,
                number,
                value: None,
            };
            let result = read().await;
            running.value = Some(result.as_ref().ok().cloned());
            drop(running);
            return result;
        }
        read().await
    }

    /// Requests waiting for a read of `key` (for tests).
    #[cfg(test)]
    fn waiting(&self, key: &K) -> usize {
        self.lock()
            .get(key)
            .map_or(0, |f| f.finished.receiver_count())
    }

    /// A poisoned lock only means a request panicked while holding it; the
    /// counters are still whole.
    fn lock(&self) -> MutexGuard<'_, HashMap<K, Flight<V>>> {
        self.flights.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;
    use tokio::sync::oneshot;

    fn run<T>(test: impl Future<Output = T>) -> T {
        actix_web::rt::System::new().block_on(test)
    }

    /// Lets the spawned tasks run until they all wait.
    async fn settle() {
        for _ in 0..20 {
            actix_web::rt::task::yield_now().await;
        }
    }

    #[test]
    fn sequential_requests_each_read() {
        run(async {
            let reads = FreshReads::<&str, u32>::default();
            let count = Cell::new(0);
            for expected in 1..=3 {
                let got: Result<u32, ()> = reads
                    .get(&"site", || async {
                        count.set(count.get() + 1);
                        Ok(count.get())
                    })
                    .await;
                assert_eq!(got, Ok(expected));
            }
        });
    }

    #[test]
    fn requests_arriving_during_a_read_share_the_next_one_never_the_running_one() {
        run(async {
            let reads = Rc::new(FreshReads::<&str, u32>::default());
            let count = Rc::new(Cell::new(0));
            let (release, released) = oneshot::channel::<()>();
            // A read that began before the others arrived, held open.
            let first = actix_web::rt::spawn({
                let reads = reads.clone();
                async move {
                    reads
                        .get(&"site", || async {
                            released.await.expect("release");
                            Ok::<_, ()>(1)
                        })
                        .await
                }
            });
            settle().await;
            let later: Vec<_> = (0..5)
                .map(|_| {
                    let (reads, count) = (reads.clone(), count.clone());
                    actix_web::rt::spawn(async move {
                        reads
                            .get(&"site", || async {
                                count.set(count.get() + 1);
                                Ok::<_, ()>(2)
                            })
                            .await
                    })
                })
                .collect();
            settle().await;
            assert_eq!(reads.waiting(&"site"), 6, "the first and five waiting");
            release.send(()).expect("release");
            assert_eq!(first.await.expect("first"), Ok(1));
            for request in later {
                // Never the value of the read that started before it arrived.
                assert_eq!(request.await.expect("later"), Ok(2));
            }
            assert_eq!(count.get(), 1, "one read served the five");
        });
    }

    #[test]
    fn when_the_shared_read_fails_each_waiter_reads_alone_and_keys_are_independent() {
        run(async {
            let reads = Rc::new(FreshReads::<&str, u32>::default());
            let failures = Rc::new(Cell::new(0));
            let (release, released) = oneshot::channel::<()>();
            let first = actix_web::rt::spawn({
                let reads = reads.clone();
                async move {
                    reads
                        .get(&"a", || async {
                            released.await.expect("release");
                            Ok::<_, &str>(1)
                        })
                        .await
                }
            });
            settle().await;
            // Another key does not wait for it.
            assert_eq!(reads.get(&"b", || async { Ok::<_, &str>(7) }).await, Ok(7));
            // Two requests wait for the next read, which fails (the
            // database went away): the one that did not run it reads alone.
            let waiters: Vec<_> = (0..2)
                .map(|_| {
                    let (reads, failures) = (reads.clone(), failures.clone());
                    actix_web::rt::spawn(async move {
                        reads
                            .get(&"a", || async {
                                failures.set(failures.get() + 1);
                                Err::<u32, _>("database down")
                            })
                            .await
                    })
                })
                .collect();
            settle().await;
            release.send(()).expect("release");
            assert_eq!(first.await.expect("first"), Ok(1));
            for waiter in waiters {
                assert_eq!(waiter.await.expect("waiter"), Err("database down"));
            }
            assert_eq!(failures.get(), 2);
        });
    }

    #[test]
    fn a_reader_that_goes_away_lets_the_next_request_read() {
        run(async {
            let reads = Rc::new(FreshReads::<&str, u32>::default());
            let (_keep, never) = oneshot::channel::<()>();
            let abandoned = actix_web::rt::spawn({
                let reads = reads.clone();
                async move {
                    reads
                        .get(&"a", || async {
                            let _ = never.await;
                            Ok::<_, ()>(1)
                        })
                        .await
                }
            });
            settle().await;
            abandoned.abort();
            settle().await;
            assert_eq!(reads.get(&"a", || async { Ok::<_, ()>(2) }).await, Ok(2));
        });
    }
}
