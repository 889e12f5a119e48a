//! eventfd: a 64-bit counter that reads take and writes add to.
//!
//! As on Linux: a read (of at least 8 bytes) returns the counter and
//! zeroes it, or in semaphore mode returns 1 and decrements it, and waits
//! while it is zero; a write (of exactly 8 bytes) adds a value, waiting
//! while the sum would exceed `u64::MAX - 1`; writing `u64::MAX` is
//! `EINVAL`. Readiness: readable while the counter is not zero, writable
//! while one more can be added. Every write notifies readers (even of 0,
//! which makes an edge for edge-triggered epoll), every read notifies
//! writers.
//!
//! The counter's lock is a leaf; the wait queue is notified after it is
//! released.

use std::sync::{Arc, Weak};

use abi::errno::{EAGAIN, EINTR, EINVAL};
use abi::fs::{o, Stat};
use abi::Errno;
use parking_lot::Mutex;

use crate::vfs::poll::PollTable;
use crate::vfs::{anon, FileOps, OpenFile};
use crate::vfs::Context;
use crate::waiter::Waiter;
use crate::waiter::{events, wait_on, WaitQueue};

/// `EFD_SEMAPHORE`: reads take 1 at a time.
pub const EFD_SEMAPHORE: u32 = 1;
/// `EFD_CLOEXEC`.
pub const EFD_CLOEXEC: u32 = o::CLOEXEC;
/// `EFD_NONBLOCK`.
pub const EFD_NONBLOCK: u32 = o::NONBLOCK;
/// Every flag `eventfd2` accepts.
pub const EFD_FLAGS: u32 = EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK;

/// The largest value the counter holds.
const MAX: u64 = u64::MAX - 1;

/// An eventfd: the file of an eventfd's open description.
pub struct EventFd {
    count: Mutex<u64>,
    semaphore: bool,
    queue: WaitQueue,
    /// The description, for its `O_NONBLOCK`.
    file: Weak<OpenFile>,
    /// The anonymous inode's times.
    boot_ns: i64,
}

impl EventFd {
    /// A new eventfd description holding `initial`, with `flags`'
    /// `EFD_SEMAPHORE` and `EFD_NONBLOCK` (the caller checks the flags
    /// and applies `EFD_CLOEXEC`). `boot_ns`: see [`Context::boot_time_ns`](crate::vfs::Context::boot_time_ns).
    pub fn new_file(initial: u32, flags: u32, boot_ns: i64) -> Arc<OpenFile> {
        OpenFile::new_cyclic(o::RDWR | (flags & EFD_NONBLOCK), |me| {
            Box::new(EventFd {
                count: Mutex::new(u64::from(initial)),
                semaphore: flags & EFD_SEMAPHORE != 0,
                queue: WaitQueue::new(),
                file: me.clone(),
                boot_ns,
            })
        })
    }

    /// An eventfd for the caller; see [`EventFd::new_file`].
    pub fn create(ctx: &dyn Context, initial: u32, flags: u32) -> Arc<OpenFile> {
        EventFd::new_file(initial, flags, ctx.boot_time_ns())
    }

    /// The counter now.
    pub fn count(&self) -> u64 {
        *self.count.lock()
    }

    /// The wait queue readers and writers sleep on.
    pub fn queue(&self) -> &WaitQueue {
        &self.queue
    }

    fn nonblocking(&self) -> bool {
        self.file.upgrade().is_some_and(|f| f.flags() & o::NONBLOCK != 0)
    }

    /// One read attempt: the value taken, or `None` while the counter is 0.
    fn try_take(&self) -> Option<u64> {
        let v = {
            let mut c = self.count.lock();
            if *c == 0 {
                return None;
            }
            let v = if self.semaphore { 1 } else { *c };
            *c -= v;
            v
        };
        self.queue.notify(events::OUT);
        Some(v)
    }

    /// One write attempt: whether `v` was added.
    fn try_add(&self, v: u64) -> bool {
        {
            let mut c = self.count.lock();
            if MAX - *c < v {
                return false;
            }
            *c += v;
        }
        self.queue.notify(events::IN);
        true
    }

    /// Takes the counter (or 1 of it in semaphore mode) as `read(2)` does,
    /// sleeping on `waiter` while it is 0 unless `nonblock` (`EAGAIN`);
    /// `killed()` says whether the sleeper must give up (`EINTR`).
    pub fn take(&self, waiter: &Arc<Waiter>, killed: &dyn Fn() -> bool, nonblock: bool) -> Result<u64, Errno> {
        if let Some(v) = self.try_take() {
            return Ok(v);
        }
        if nonblock {
            return Err(EAGAIN);
        }
        let mut got = None;
        wait_on(waiter, killed, &self.queue, events::IN, None, || {
            got = self.try_take();
            got.is_some()
        })?;
        got.ok_or(EINTR)
    }

    /// Adds `v` as `write(2)` does: `EINVAL` for `u64::MAX`, else sleeps
    /// on `waiter` while the counter has no room unless `nonblock`
    /// (`EAGAIN`).
    pub fn add(&self, waiter: &Arc<Waiter>, killed: &dyn Fn() -> bool, v: u64, nonblock: bool) -> Result<(), Errno> {
        if v == u64::MAX {
            return Err(EINVAL);
        }
        if self.try_add(v) {
            return Ok(());
        }
        if nonblock {
            return Err(EAGAIN);
        }
        wait_on(waiter, killed, &self.queue, events::OUT, None, || self.try_add(v))
    }

    /// The poll events of a counter holding `c`.
    fn events_of(c: u64) -> u32 {
        let mut ev = 0;
        if c > 0 {
            ev |= events::IN;
        }
        if c == u64::MAX {
            ev |= events::ERR;
        }
        if c < MAX {
            ev |= events::OUT;
        }
        ev
    }
}

impl FileOps for EventFd {
    fn read(&self, ctx: &mut dyn Context, buf: &mut [u8], _offset: Option<u64>) -> Result<usize, Errno> {
        if buf.len() < 8 {
            return Err(EINVAL);
        }
        let v = self.take(ctx.waiter(), &|| ctx.is_killed(), self.nonblocking())?;
        buf[..8].copy_from_slice(&v.to_ne_bytes());
        Ok(8)
    }

    fn write(&self, ctx: &mut dyn Context, data: &[u8], _offset: Option<u64>) -> Result<usize, Errno> {
        // Exactly 8 bytes (older kernels took more, and used the first 8).
        let Ok(v) = <[u8; 8]>::try_from(data) else { return Err(EINVAL) };
        self.add(ctx.waiter(), &|| ctx.is_killed(), u64::from_ne_bytes(v), self.nonblocking())?;
        Ok(8)
    }

    /// `noop_llseek`: the position stays 0.
    fn seek(&self, _offset: i64, _whence: u32) -> Result<u64, Errno> {
        Ok(0)
    }

    fn stat(&self) -> Result<Stat, Errno> {
        Ok(anon::stat(self.boot_ns))
    }

    fn anon_name(&self) -> &'static str {
        "[eventfd]"
    }

    fn pollable(&self) -> bool {
        true
    }

    fn readiness(&self) -> u32 {
        EventFd::events_of(*self.count.lock())
    }

    fn poll_register(&self, table: &mut PollTable, mask: u32) {
        table.add_queue(&self.queue, mask | events::ERR | events::HUP);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn efd(initial: u32, flags: u32) -> Arc<OpenFile> {
        EventFd::new_file(initial, flags, 0)
    }

    fn waiter() -> Arc<Waiter> {
        Arc::new(Waiter::new().unwrap())
    }

    #[test]
    fn counter_and_semaphore_modes() {
        let f = efd(5, EFD_NONBLOCK);
        assert_eq!(f.flags(), o::RDWR | o::NONBLOCK);
        let e = f.downcast::<EventFd>().unwrap();
        let (w, no) = (waiter(), || false);
        assert_eq!(e.readiness(), events::IN | events::OUT);
        assert_eq!(e.take(&w, &no, true), Ok(5));
        assert_eq!(e.take(&w, &no, true), Err(EAGAIN));
        assert_eq!(e.readiness(), events::OUT);
        let s = efd(2, EFD_SEMAPHORE);
        let s = s.downcast::<EventFd>().unwrap();
        assert_eq!(s.take(&w, &no, true), Ok(1));
        assert_eq!(s.take(&w, &no, true), Ok(1));
        assert_eq!(s.take(&w, &no, true), Err(EAGAIN));
        assert_eq!(anon::stat(0).mode, f.ops.stat().unwrap().mode);
    }

    #[test]
    fn overflow_is_refused_or_waits() {
        let f = efd(0, 0);
        let e = f.downcast::<EventFd>().unwrap();
        let (w, no) = (waiter(), || false);
        assert_eq!(e.add(&w, &no, u64::MAX, true), Err(EINVAL));
        assert_eq!(e.add(&w, &no, MAX, true), Ok(()));
        assert_eq!(e.readiness(), events::IN, "full: not writable");
        assert_eq!(e.add(&w, &no, 1, true), Err(EAGAIN));
        assert_eq!(e.add(&w, &no, 0, true), Ok(()), "adding 0 always fits");
        // A blocked writer completes once a reader takes the counter.
        let f2 = f.clone();
        let h = std::thread::spawn(move || {
            let e = f2.downcast::<EventFd>().unwrap();
            e.add(&waiter(), &|| false, 3, false)
        });
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(e.take(&w, &no, false), Ok(MAX));
        assert_eq!(h.join().unwrap(), Ok(()));
        assert_eq!(e.count(), 3);
    }

    #[test]
    fn a_blocked_reader_wakes_for_a_write_or_a_kill() {
        let f = efd(0, 0);
        let f2 = f.clone();
        let h = std::thread::spawn(move || f2.downcast::<EventFd>().unwrap().take(&waiter(), &|| false, false));
        std::thread::sleep(Duration::from_millis(20));
        let e = f.downcast::<EventFd>().unwrap();
        assert_eq!(e.add(&waiter(), &|| false, 9, false), Ok(()));
        assert_eq!(h.join().unwrap(), Ok(9));
        let w = waiter();
        w.interrupt();
        assert_eq!(e.take(&w, &|| true, false), Err(EINTR));
        assert!(e.queue().is_empty());
    }
}
