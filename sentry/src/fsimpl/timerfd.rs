//! timerfd: a kernel timer whose expirations are read as a count.
//!
//! As on Linux: each expiration adds to a counter; a read (of at least 8
//! bytes) returns the counter and zeroes it, waiting while it is zero
//! (`EAGAIN` if non-blocking); setting the timer zeroes it too. The file
//! is readable while the counter is not zero. A periodic timer that was
//! not read for a while counts every period that passed (its overruns).
//!
//! `TFD_TIMER_CANCEL_ON_SET` is accepted and never fires: nothing in the
//! sandbox can set its realtime clock.
//!
//! Locks: the timer's state, then the counter (a leaf); the wait queue is
//! notified with the timer's state held (an epoll callback may then take
//! its epoll's `state`), so nothing that holds an epoll lock may touch the
//! timer: readiness reads only the counter.

use std::sync::{Arc, Weak};

use abi::errno::{EAGAIN, EINTR, EINVAL};
use abi::fs::{o, Stat};
use abi::time::Timespec;
use abi::{Errno, Pod};
use parking_lot::Mutex;

use crate::vfs::poll::PollTable;
use crate::vfs::{anon, FileOps, OpenFile};
use crate::kernel::ktime::{Clock, Listener, Setting, Timer};
use crate::kernel::task::Task;
use crate::vfs::context::wait_until;
use crate::vfs::Context;
use crate::waiter::{events, WaitQueue};

/// `TFD_TIMER_ABSTIME`: the time set is absolute.
pub const TFD_TIMER_ABSTIME: u32 = 1;
/// `TFD_TIMER_CANCEL_ON_SET`: fail reads when realtime is set.
pub const TFD_TIMER_CANCEL_ON_SET: u32 = 2;
/// `TFD_CLOEXEC`.
pub const TFD_CLOEXEC: u32 = o::CLOEXEC;
/// `TFD_NONBLOCK`.
pub const TFD_NONBLOCK: u32 = o::NONBLOCK;

/// `struct itimerspec`: the period, then the time to the next expiration.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Itimerspec {
    /// The period (0: one-shot).
    pub interval: Timespec,
    /// The time of the first expiration (0: disarm).
    pub value: Timespec,
}
abi::impl_pod!(Itimerspec);

impl Itimerspec {
    /// Whether both times are valid (`itimerspec64_valid`).
    pub fn is_valid(&self) -> bool {
        self.interval.is_valid() && self.value.is_valid()
    }

    /// The itimerspec reporting `s` at `now`.
    pub fn of_setting(s: &Setting, now: i64) -> Itimerspec {
        let (left, period) = s.remaining(now);
        Itimerspec { interval: Timespec::from_nanos(period), value: Timespec::from_nanos(left) }
    }
}

/// The expiration count and who waits for it; shared with the listener.
#[derive(Default)]
struct Expirations {
    count: Mutex<u64>,
    queue: WaitQueue,
}

impl Listener for Arc<Expirations> {
    fn notify(&self, expirations: u64, _: Setting) -> Option<Setting> {
        {
            let mut c = self.count.lock();
            *c = c.saturating_add(expirations);
        }
        self.queue.notify(events::IN);
        None
    }
}

/// A timerfd: the file of a timerfd's open description.
pub struct TimerFd {
    timer: Timer,
    expirations: Arc<Expirations>,
    /// The description, for its `O_NONBLOCK`.
    file: Weak<OpenFile>,
    /// The anonymous inode's times.
    boot_ns: i64,
}

impl TimerFd {
    /// A new, disarmed timerfd on `clock` for the calling task's kernel,
    /// with `flags`' `TFD_NONBLOCK` (the caller checks the flags and
    /// applies `TFD_CLOEXEC`).
    pub fn create(task: &Task, clock: Arc<dyn Clock>, flags: u32) -> Arc<OpenFile> {
        let expirations = Arc::new(Expirations::default());
        let timer = Timer::new(&task.kernel.timers, clock, Box::new(expirations.clone()));
        let boot_ns = task.kernel.boot_time_ns();
        OpenFile::new_cyclic(o::RDWR | (flags & TFD_NONBLOCK), |me| {
            Box::new(TimerFd { timer, expirations, file: me.clone(), boot_ns })
        })
    }

    /// Arms or disarms the timer as `timerfd_settime` does (`spec` is
    /// valid); the expiration count restarts from 0. Returns the setting
    /// replaced, as `timerfd_gettime` would have reported it.
    pub fn set(&self, spec: &Itimerspec, flags: u32) -> Itimerspec {
        let absolute = flags & TFD_TIMER_ABSTIME != 0;
        let (now, old) = self.timer.swap_with(|now| {
            *self.expirations.count.lock() = 0;
            Setting::new(spec.value.as_nanos(), spec.interval.as_nanos(), absolute, now)
        });
        Itimerspec::of_setting(&old, now)
    }

    /// What `timerfd_gettime` reports.
    pub fn get(&self) -> Itimerspec {
        let (now, s) = self.timer.get();
        Itimerspec::of_setting(&s, now)
    }

    /// Takes the expiration count if it is not zero.
    fn take(&self) -> Option<u64> {
        let mut c = self.expirations.count.lock();
        (*c != 0).then(|| std::mem::take(&mut *c))
    }

    fn nonblocking(&self) -> bool {
        self.file.upgrade().is_some_and(|f| f.flags() & o::NONBLOCK != 0)
    }
}

impl FileOps for TimerFd {
    fn read(&self, ctx: &mut dyn Context, buf: &mut [u8], _offset: Option<u64>) -> Result<usize, Errno> {
        if buf.len() < 8 {
            return Err(EINVAL);
        }
        // Expirations already due count even if the service runs late.
        self.timer.get();
        let mut got = self.take();
        if got.is_none() {
            if self.nonblocking() {
                return Err(EAGAIN);
            }
            wait_until(ctx, &self.expirations.queue, events::IN, None, || {
                got = self.take();
                got.is_some()
            })?;
        }
        let n = got.ok_or(EINTR)?;
        buf[..8].copy_from_slice(n.as_bytes());
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
        "[timerfd]"
    }

    fn pollable(&self) -> bool {
        true
    }

    fn readiness(&self) -> u32 {
        if *self.expirations.count.lock() > 0 {
            events::IN | events::RDNORM
        } else {
            0
        }
    }

    fn poll_register(&self, table: &mut PollTable, mask: u32) {
        table.add_queue(&self.expirations.queue, mask | events::ERR | events::HUP);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn itimerspec_layout_and_reports() {
        assert_eq!(std::mem::size_of::<Itimerspec>(), 32);
        let s = Setting::new(1_500_000_000, 250_000_000, false, 0);
        let spec = Itimerspec::of_setting(&s, 500_000_000);
        assert_eq!(spec.value, Timespec { tv_sec: 1, tv_nsec: 0 });
        assert_eq!(spec.interval, Timespec { tv_sec: 0, tv_nsec: 250_000_000 });
        assert!(spec.is_valid());
        assert!(!Itimerspec { value: Timespec { tv_sec: 0, tv_nsec: -1 }, ..spec }.is_valid());
        assert_eq!(Itimerspec::of_setting(&Setting::default(), 7), Itimerspec::default());
    }

    #[test]
    fn expirations_add_up_and_notify() {
        let e = Arc::new(Expirations::default());
        let w = Arc::new(crate::waiter::Waiter::new().unwrap());
        let _r = e.queue.register(&w, events::IN);
        assert_eq!(e.notify(3, Setting::default()), None);
        e.notify(u64::MAX, Setting::default());
        assert_eq!(*e.count.lock(), u64::MAX, "the count saturates");
        assert_eq!(w.wait_wake(Some(std::time::Instant::now())), Ok(true));
    }
}
