//! Wait queues: how a task sleeps until a kernel object (a pipe now;
//! eventfds, epoll and sockets later) changes state.
//!
//! A blocking object owns a [`WaitQueue`]. A task that must wait registers
//! its [`Waiter`] with the queue, with a mask of the events it waits for
//! (poll bits, [`events`]), re-checks its condition, and sleeps; whoever
//! changes the object's state calls [`WaitQueue::notify`] with the events
//! that happened, which wakes every registered waiter whose mask matches.
//! Registering before the re-check means no wake-up is lost.
//! [`wait_on`] packages the whole protocol.
//!
//! Besides task waiters, a queue can hold callbacks
//! ([`WaitQueue::register_callback`]): epoll uses them to learn, with the
//! events, that a file it watches changed. Registrations that outlive a
//! borrow of the queue (a poll over many files, an epoll interest) are
//! [`OwnedRegistration`]s; they keep the queue's entries alive, not the
//! object that owns the queue.
//!
//! The queue's lock is a leaf: nothing is locked while it is held, and
//! notifying only writes to the waiters' eventfds; callbacks run after the
//! lock is released (so one may lock its epoll and notify that epoll's
//! queue). Objects should notify after releasing their own locks.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use abi::errno::{EINTR, ETIMEDOUT};
use abi::Errno;
use parking_lot::Mutex;

use super::Waiter;

/// Readiness events, as `poll` reports them.
pub mod events {
    /// Data to read.
    pub const IN: u32 = 0x001;
    /// Urgent data to read.
    pub const PRI: u32 = 0x002;
    /// Room to write.
    pub const OUT: u32 = 0x004;
    /// An error condition (for a pipe: no reader is left).
    pub const ERR: u32 = 0x008;
    /// Hang-up (for a pipe: no writer is left).
    pub const HUP: u32 = 0x010;
    /// Not an open descriptor (reported by `poll` only).
    pub const NVAL: u32 = 0x020;
    /// Normal data to read.
    pub const RDNORM: u32 = 0x040;
    /// Priority band data to read.
    pub const RDBAND: u32 = 0x080;
    /// Room to write normal data.
    pub const WRNORM: u32 = 0x100;
    /// Room to write priority band data.
    pub const WRBAND: u32 = 0x200;
    /// A message (unused by Linux files).
    pub const MSG: u32 = 0x400;
    /// The peer shut down its writing half (stream sockets).
    pub const RDHUP: u32 = 0x2000;
    /// Every event.
    pub const ALL: u32 = u32::MAX;
}

/// Source of registration ids.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A callback run by [`WaitQueue::notify`] with the events notified.
pub type Callback = Arc<dyn Fn(u32) + Send + Sync>;

/// Who an entry wakes.
enum Target {
    Waiter(Arc<Waiter>),
    Callback(Callback),
}

struct Entry {
    target: Target,
    mask: u32,
}

/// The entries by registration id: in registration order, and each
/// removed in logarithmic time however many there are.
type Entries = Mutex<BTreeMap<u64, Entry>>;

/// The tasks waiting for a kernel object.
#[derive(Default)]
pub struct WaitQueue {
    entries: Arc<Entries>,
}

/// A waiter's place in a queue; dropping it leaves the queue.
#[must_use = "the waiter leaves the queue when this is dropped"]
pub struct Registration<'a> {
    queue: &'a WaitQueue,
    id: u64,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        remove(&self.queue.entries, self.id);
    }
}

/// A place in a queue that does not borrow it; dropping it leaves the
/// queue (if the queue still exists).
#[must_use = "the entry leaves the queue when this is dropped"]
pub struct OwnedRegistration {
    entries: std::sync::Weak<Entries>,
    id: u64,
}

impl Drop for OwnedRegistration {
    fn drop(&mut self) {
        if let Some(entries) = self.entries.upgrade() {
            remove(&entries, self.id);
        }
    }
}

/// Removes entry `id`, dropping it after the lock is released (a
/// callback's captures may hold anything).
fn remove(entries: &Entries, id: u64) {
    let removed = entries.lock().remove(&id);
    drop(removed);
}

impl WaitQueue {
    /// An empty queue.
    pub fn new() -> WaitQueue {
        WaitQueue::default()
    }

    /// Registers `waiter` for the events in `mask` until the returned
    /// registration is dropped.
    pub fn register<'a>(&'a self, waiter: &Arc<Waiter>, mask: u32) -> Registration<'a> {
        let id = self.add(Target::Waiter(waiter.clone()), mask);
        Registration { queue: self, id }
    }

    /// [`WaitQueue::register`], for a registration that does not borrow
    /// the queue.
    pub fn register_owned(&self, waiter: &Arc<Waiter>, mask: u32) -> OwnedRegistration {
        let id = self.add(Target::Waiter(waiter.clone()), mask);
        OwnedRegistration { entries: Arc::downgrade(&self.entries), id }
    }

    /// Registers `callback` to run, with the events, at every notification
    /// of any event in `mask`, until the returned registration is dropped.
    /// It runs on the notifier's thread with no queue lock held; it may
    /// still run once just after the registration is dropped.
    pub fn register_callback(&self, mask: u32, callback: Callback) -> OwnedRegistration {
        let id = self.add(Target::Callback(callback), mask);
        OwnedRegistration { entries: Arc::downgrade(&self.entries), id }
    }

    fn add(&self, target: Target, mask: u32) -> u64 {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        self.entries.lock().insert(id, Entry { target, mask });
        id
    }

    /// Wakes every registered waiter interested in any of `events`, then
    /// runs the interested callbacks.
    pub fn notify(&self, events: u32) {
        let mut callbacks = Vec::new();
        for e in self.entries.lock().values() {
            if e.mask & events != 0 {
                match &e.target {
                    Target::Waiter(w) => w.wake(),
                    Target::Callback(f) => callbacks.push(f.clone()),
                }
            }
        }
        for f in callbacks {
            f(events);
        }
    }

    /// How many waiters are registered.
    pub fn len(&self) -> usize {
        self.entries.lock().len()
    }

    /// Whether no waiter is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Sleeps until `ready()` returns true: `Ok` then, `Err(ETIMEDOUT)` once
/// `deadline` passes (`None`: never), `Err(EINTR)` when `killed()` says
/// the sleeper must give up or its wait is interrupted. `ready` is called
/// with no lock held by this function, after `waiter` registered for
/// `mask` on `queue`, so a state change notified after it returns false
/// always wakes the sleeper.
pub fn wait_on(
    waiter: &Arc<Waiter>,
    killed: impl Fn() -> bool,
    queue: &WaitQueue,
    mask: u32,
    deadline: Option<Instant>,
    mut ready: impl FnMut() -> bool,
) -> Result<(), Errno> {
    if ready() {
        return Ok(());
    }
    let _registration = queue.register(waiter, mask);
    loop {
        if ready() {
            return Ok(());
        }
        if killed() {
            return Err(EINTR);
        }
        match waiter.wait_wake(deadline) {
            Ok(true) => {}
            Ok(false) => return if ready() { Ok(()) } else { Err(ETIMEDOUT) },
            Err(_) => return Err(EINTR),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize};
    use std::time::Duration;

    use super::*;
    use crate::waiter::deadline_after;

    #[test]
    fn a_notify_wakes_only_matching_waiters() {
        let q = WaitQueue::new();
        let a = Arc::new(Waiter::new().unwrap());
        let b = Arc::new(Waiter::new().unwrap());
        let ra = q.register(&a, events::IN);
        let rb = q.register(&b, events::OUT);
        assert_eq!(q.len(), 2);
        q.notify(events::IN);
        assert_eq!(a.wait_wake(Some(Instant::now())), Ok(true));
        assert_eq!(b.wait_wake(Some(Instant::now())), Ok(false));
        drop(ra);
        q.notify(events::ALL);
        assert_eq!(a.wait_wake(Some(Instant::now())), Ok(false));
        assert_eq!(b.wait_wake(Some(Instant::now())), Ok(true));
        drop(rb);
        assert!(q.is_empty());
    }

    #[test]
    fn callbacks_and_owned_registrations() {
        let q = WaitQueue::new();
        let seen = Arc::new(AtomicUsize::new(0));
        let s2 = seen.clone();
        let cb = q.register_callback(events::IN, Arc::new(move |ev| {
            s2.fetch_add(ev as usize, Ordering::SeqCst);
        }));
        let w = Arc::new(Waiter::new().unwrap());
        let owned = q.register_owned(&w, events::OUT);
        assert_eq!(q.len(), 2);
        q.notify(events::IN | events::ERR);
        assert_eq!(seen.load(Ordering::SeqCst), (events::IN | events::ERR) as usize);
        assert_eq!(w.wait_wake(Some(Instant::now())), Ok(false));
        q.notify(events::OUT);
        assert_eq!(seen.load(Ordering::SeqCst), (events::IN | events::ERR) as usize);
        assert_eq!(w.wait_wake(Some(Instant::now())), Ok(true));
        drop(cb);
        drop(owned);
        assert!(q.is_empty());
        // An owned registration may outlive its queue.
        let q = WaitQueue::new();
        let late = q.register_owned(&w, events::ALL);
        drop(q);
        drop(late);
    }

    #[test]
    fn a_callback_may_notify_another_queue() {
        // What a nested epoll does: the callback runs unlocked.
        let inner = Arc::new(WaitQueue::new());
        let outer = WaitQueue::new();
        let i2 = inner.clone();
        let _r = outer.register_callback(events::ALL, Arc::new(move |_| i2.notify(events::IN)));
        let w = Arc::new(Waiter::new().unwrap());
        let _ri = inner.register(&w, events::IN);
        outer.notify(events::OUT);
        assert_eq!(w.wait_wake(Some(Instant::now())), Ok(true));
    }

    #[test]
    fn wait_on_returns_when_ready_after_a_notify() {
        let q = Arc::new(WaitQueue::new());
        let flag = Arc::new(AtomicBool::new(false));
        let w = Arc::new(Waiter::new().unwrap());
        let (q2, flag2) = (q.clone(), flag.clone());
        let h = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            flag2.store(true, Ordering::SeqCst);
            q2.notify(events::IN);
        });
        let checks = AtomicUsize::new(0);
        let r = wait_on(&w, || false, &q, events::IN, None, || {
            checks.fetch_add(1, Ordering::SeqCst);
            flag.load(Ordering::SeqCst)
        });
        h.join().unwrap();
        assert_eq!(r, Ok(()));
        assert!(checks.load(Ordering::SeqCst) >= 2);
        assert!(q.is_empty(), "the waiter left the queue");
    }

    #[test]
    fn wait_on_times_out_and_is_interrupted() {
        let q = WaitQueue::new();
        let w = Arc::new(Waiter::new().unwrap());
        let t = Instant::now();
        assert_eq!(wait_on(&w, || false, &q, events::IN, deadline_after(Duration::from_millis(20)), || false), Err(ETIMEDOUT));
        assert!(t.elapsed() >= Duration::from_millis(20));
        // A kill: the flag is seen even after a plain wake-up.
        let killed = Arc::new(AtomicBool::new(false));
        let (w2, k2) = (w.clone(), killed.clone());
        let h = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(10));
            k2.store(true, Ordering::SeqCst);
            w2.interrupt();
        });
        assert_eq!(wait_on(&w, || killed.load(Ordering::SeqCst), &q, events::IN, None, || false), Err(EINTR));
        h.join().unwrap();
        // Ready wins over a pending interruption.
        assert_eq!(wait_on(&w, || true, &q, events::IN, None, || true), Ok(()));
        assert!(w.take_interrupt());
    }

    #[test]
    fn no_wakeup_is_lost_under_contention() {
        // A producer bumps a counter and notifies; the consumer waits for
        // each value in turn. A lost wake-up would hang (the test times out).
        let q = Arc::new(WaitQueue::new());
        let n = Arc::new(AtomicUsize::new(0));
        let w = Arc::new(Waiter::new().unwrap());
        let (q2, n2) = (q.clone(), n.clone());
        let h = std::thread::spawn(move || {
            for _ in 0..2000 {
                n2.fetch_add(1, Ordering::SeqCst);
                q2.notify(events::IN);
                std::thread::yield_now();
            }
        });
        for want in 1..=2000 {
            wait_on(&w, || false, &q, events::IN, deadline_after(Duration::from_secs(10)), || n.load(Ordering::SeqCst) >= want)
                .unwrap();
        }
        h.join().unwrap();
    }
}
