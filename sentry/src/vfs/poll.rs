//! Readiness: what `poll`, `select` and `epoll` ask of files.
//!
//! A file that can be polled ([`FileOps::pollable`](super::FileOps::pollable))
//! reports the events that hold now ([`FileOps::readiness`](super::FileOps::readiness),
//! poll bits from [`events`]) and says how a sleeper learns that they may
//! have changed ([`FileOps::poll_register`](super::FileOps::poll_register)):
//! by registering on the file's [`WaitQueue`], which the file notifies on
//! every change (pipes, eventfds, epolls), or, for a host-backed file, by
//! naming its host descriptor, which the sleeper then waits for in the
//! host alongside its waiter ([`Waiter::wait_wake_or_fds`]).
//!
//! A [`PollTable`] gathers those registrations for one sleeper: a task's
//! waiter (`poll`, `select`, `epoll_wait`), or a callback (an epoll
//! interest, which must hear of every change to implement edge-triggered
//! mode). [`wait_ready`] is the sleep loop the `poll` family shares:
//! register on everything, re-check, sleep, re-check.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::Arc;
use std::time::Instant;

use abi::errno::EINTR;
use abi::Errno;

use crate::waiter::{Interrupted, Waiter};
use crate::waiter::{events, Callback, OwnedRegistration, WaitQueue};

/// What `poll` reports for a file that cannot be polled (Linux's
/// `DEFAULT_POLLMASK`): always ready to read and to write.
pub const DEFAULT_POLLMASK: u32 = events::IN | events::OUT | events::RDNORM | events::WRNORM;

/// The events a file reports for `select`'s read set (`POLLIN_SET`).
pub const POLLIN_SET: u32 = events::RDNORM | events::RDBAND | events::IN | events::HUP | events::ERR;
/// The events a file reports for `select`'s write set (`POLLOUT_SET`).
pub const POLLOUT_SET: u32 = events::WRBAND | events::WRNORM | events::OUT | events::ERR;
/// The events a file reports for `select`'s exception set (`POLLEX_SET`).
pub const POLLEX_SET: u32 = events::PRI;

/// Every event a host descriptor is asked about when the sentry polls it.
const HOST_EVENTS: u32 = events::IN
    | events::PRI
    | events::OUT
    | events::RDNORM
    | events::RDBAND
    | events::WRNORM
    | events::WRBAND
    | events::MSG
    | events::RDHUP;

/// Who a [`PollTable`] registers.
enum Sleeper {
    Waiter(Arc<Waiter>),
    Callback(Callback),
}

/// One sleeper's registrations with the files it watches; dropping the
/// table leaves every queue.
pub struct PollTable {
    sleeper: Sleeper,
    registrations: Vec<OwnedRegistration>,
    host: Vec<(Arc<OwnedFd>, i16)>,
}

impl PollTable {
    /// A table that wakes `waiter`.
    pub fn for_waiter(waiter: &Arc<Waiter>) -> PollTable {
        PollTable { sleeper: Sleeper::Waiter(waiter.clone()), registrations: Vec::new(), host: Vec::new() }
    }

    /// A table that runs `callback` with the events of every notification.
    pub fn for_callback(callback: Callback) -> PollTable {
        PollTable { sleeper: Sleeper::Callback(callback), registrations: Vec::new(), host: Vec::new() }
    }

    /// Registers the sleeper on `queue` for the events in `mask` (a
    /// file's `poll_register` calls this).
    pub fn add_queue(&mut self, queue: &WaitQueue, mask: u32) {
        let r = match &self.sleeper {
            Sleeper::Waiter(w) => queue.register_owned(w, mask),
            Sleeper::Callback(f) => queue.register_callback(mask, f.clone()),
        };
        self.registrations.push(r);
    }

    /// Asks the sleeper to wait for host descriptor `fd` to report any of
    /// the events in `mask` (errors and hang-ups always count). A callback
    /// table only records it: see [`PollTable::host_fds`].
    pub fn add_host(&mut self, fd: &Arc<OwnedFd>, mask: u32) {
        // The host wait cannot name POLLRDHUP (nix has no such flag), and
        // a peer's shutdown makes a socket readable too.
        let mask = if mask & events::RDHUP != 0 { mask | events::IN } else { mask };
        let bits = host_poll_bits(mask);
        // One entry per host descriptor, however many times it is named
        // (there are few of them; a poll may name one a million times).
        match self.host.iter_mut().find(|(f, _)| Arc::ptr_eq(f, fd)) {
            Some((_, b)) => *b |= bits,
            None => self.host.push((fd.clone(), bits)),
        }
    }

    /// Whether a host descriptor was added: the file's changes are not
    /// notified, so whoever keeps this table must poll it.
    pub fn has_host(&self) -> bool {
        !self.host.is_empty()
    }

    /// The host descriptors added, with their poll bits.
    pub fn host_fds(&self) -> impl Iterator<Item = (BorrowedFd<'_>, i16)> {
        self.host.iter().map(|(fd, ev)| (fd.as_fd(), *ev))
    }

    /// Sleeps the waiter of a waiter table until a registered queue is
    /// notified, a host descriptor is ready, `deadline` passes (returns
    /// `false`) or an interruption. A callback table returns at once.
    pub fn wait(&self, deadline: Option<Instant>) -> Result<bool, Interrupted> {
        let Sleeper::Waiter(w) = &self.sleeper else { return Ok(true) };
        if self.host.is_empty() {
            return w.wait_wake(deadline);
        }
        let fds: Vec<(BorrowedFd<'_>, i16)> = self.host_fds().collect();
        w.wait_wake_or_fds(&fds, deadline)
    }
}

/// The host `poll` bits for the events in `mask`.
fn host_poll_bits(mask: u32) -> i16 {
    (mask & HOST_EVENTS) as u16 as i16
}

/// The events host descriptor `fd` reports now (a `poll` with no wait).
/// Errors of the host call read as `POLLERR`.
pub fn host_readiness(fd: BorrowedFd<'_>) -> u32 {
    use std::os::fd::AsRawFd;
    // Raw: nix's `PollFlags` has no POLLRDHUP, and its `revents` reads as
    // nothing at all when the host reports a bit it does not know.
    let mut p = libc::pollfd { fd: fd.as_raw_fd(), events: host_poll_bits(HOST_EVENTS), revents: 0 };
    loop {
        // SAFETY: one `pollfd`, alive across the call; no wait.
        match unsafe { libc::poll(&mut p, 1, 0) } {
            r if r >= 0 => return u32::from(p.revents as u16),
            _ if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) => {}
            _ => return events::ERR,
        }
    }
}

/// The `poll`-family sleep. `scan(None)` checks the files and returns
/// `Some` once something is ready; `scan(Some(table))` does the same
/// after registering the sleeper with every file on `table`. Returns
/// `Ok(Some(..))` when ready, `Ok(None)` once `deadline` has passed (after
/// a last check, as Linux makes one), `Err(EINTR)` on an interruption or
/// when `killed()`. A deadline already past makes one check, no sleep.
pub fn wait_ready<T>(
    waiter: &Arc<Waiter>,
    killed: impl Fn() -> bool,
    deadline: Option<Instant>,
    mut scan: impl FnMut(Option<&mut PollTable>) -> Option<T>,
) -> Result<Option<T>, Errno> {
    if let Some(r) = scan(None) {
        return Ok(Some(r));
    }
    loop {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(None);
        }
        if killed() {
            return Err(EINTR);
        }
        let mut table = PollTable::for_waiter(waiter);
        if let Some(r) = scan(Some(&mut table)) {
            return Ok(Some(r));
        }
        match table.wait(deadline) {
            Err(Interrupted) => return Err(EINTR),
            Ok(false) => return Ok(scan(None)),
            Ok(true) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;

    use super::*;
    use crate::waiter::deadline_after;

    #[test]
    fn wait_ready_wakes_on_a_queue_notify_and_times_out() {
        let q = Arc::new(WaitQueue::new());
        let w = Arc::new(Waiter::new().unwrap());
        let state = Arc::new(AtomicU32::new(0));
        let (q2, s2) = (q.clone(), state.clone());
        let h = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            s2.store(7, Ordering::SeqCst);
            q2.notify(events::IN);
        });
        let r = wait_ready(&w, || false, None, |t| {
            if let Some(t) = t {
                t.add_queue(&q, events::ALL);
            }
            Some(state.load(Ordering::SeqCst)).filter(|&v| v != 0)
        });
        h.join().unwrap();
        assert_eq!(r, Ok(Some(7)));
        assert!(q.is_empty(), "the table left the queue");
        let t = Instant::now();
        let r = wait_ready(&w, || false, deadline_after(Duration::from_millis(30)), |t| {
            if let Some(t) = t {
                t.add_queue(&q, events::ALL);
            }
            None::<()>
        });
        assert_eq!(r, Ok(None));
        assert!(t.elapsed() >= Duration::from_millis(30));
        // A zero timeout checks once and never sleeps.
        let mut checks = 0;
        assert_eq!(wait_ready(&w, || false, Some(Instant::now()), |_| { checks += 1; None::<()> }), Ok(None));
        assert_eq!(checks, 1);
        // An interruption ends the wait.
        w.interrupt();
        assert_eq!(wait_ready(&w, || false, None, |_| None::<()>), Err(EINTR));
        assert!(w.take_interrupt());
    }

    #[test]
    fn wait_ready_wakes_for_a_host_descriptor() {
        let (r, wr) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).unwrap();
        let r = Arc::new(r);
        assert_eq!(host_readiness(r.as_fd()) & events::IN, 0);
        let w = Arc::new(Waiter::new().unwrap());
        let h = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            nix::unistd::write(&wr, b"x").unwrap();
            wr
        });
        let got = wait_ready(&w, || false, deadline_after(Duration::from_secs(10)), |t| {
            if let Some(t) = t {
                t.add_host(&r, events::IN);
            }
            Some(host_readiness(r.as_fd())).filter(|ev| ev & events::IN != 0)
        });
        let wr = h.join().unwrap();
        assert_eq!(got, Ok(Some(events::IN | events::RDNORM)));
        drop(wr);
        assert_eq!(host_readiness(r.as_fd()), events::IN | events::RDNORM | events::HUP);
    }

    #[test]
    fn a_callback_table_hears_every_notification() {
        let q = WaitQueue::new();
        let seen = Arc::new(AtomicU32::new(0));
        let s2 = seen.clone();
        let mut t = PollTable::for_callback(Arc::new(move |ev| {
            s2.fetch_or(ev, Ordering::SeqCst);
        }));
        t.add_queue(&q, events::IN | events::OUT);
        q.notify(events::HUP);
        assert_eq!(seen.load(Ordering::SeqCst), 0);
        q.notify(events::IN);
        q.notify(events::OUT | events::ERR);
        assert_eq!(seen.load(Ordering::SeqCst), events::IN | events::OUT | events::ERR);
        assert_eq!(t.wait(None), Ok(true));
        drop(t);
        assert!(q.is_empty());
    }
}
