//! POSIX timers (`timer_create` and its family): a process's numbered
//! timers, each on a clock, notifying by a signal to the process or to one
//! of its threads, or not at all (`SIGEV_NONE`, read with `timer_gettime`).
//!
//! Timers on realtime, monotonic, boottime and TAI are kernel timers;
//! timers on the process's or a thread's CPU clock are checked at each
//! CPU clock tick (see `itimer::check_cpu_timers`).
//!
//! As on Linux, a timer has at most one signal pending: an expiry while its
//! signal is still pending is an overrun, and `timer_getoverrun` reports
//! the overruns of the signal last delivered. A timer's signal counts as
//! pending while its number is pending for its target (the signal queue
//! does not say which sender queued it), and the `si_overrun` a handler
//! sees is the count when the signal was queued, not when it was taken.
//! Timers are not inherited by a fork and are deleted by an exec.

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};

use abi::errno::{EAGAIN, EINVAL};
use abi::signal::SigInfo;
use parking_lot::Mutex;

use super::cpu_clock::{TaskClock, CLOCK_TICK_NS};
use super::ktime::{Clock, Listener, Setting, Timer};
use super::thread_group::ThreadGroup;
use super::Kernel;

/// `SIGEV_SIGNAL`: notify by a signal to the process.
pub const SIGEV_SIGNAL: i32 = 0;
/// `SIGEV_NONE`: no notification.
pub const SIGEV_NONE: i32 = 1;
/// `SIGEV_THREAD`: what libc turns into a thread; to the kernel, a signal.
pub const SIGEV_THREAD: i32 = 2;
/// `SIGEV_THREAD_ID`: a signal to one thread of the process.
pub const SIGEV_THREAD_ID: i32 = 4;

/// `struct sigevent` as the kernel reads it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigEvent {
    /// `sigev_value`, passed in the signal's siginfo.
    pub value: u64,
    /// `sigev_signo`.
    pub signo: i32,
    /// `sigev_notify`.
    pub notify: i32,
    /// `sigev_notify_thread_id` (for `SIGEV_THREAD_ID`).
    pub tid: i32,
    /// The rest of the union.
    pub pad: [i32; 11],
}
abi::impl_pod!(SigEvent);

/// How a timer notifies its expirations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notify {
    /// It does not.
    None,
    /// By `signo` with `value`, to the process or to thread `thread`.
    Signal {
        /// The signal.
        signo: i32,
        /// `si_value`.
        value: u64,
        /// The thread it is for, if one.
        thread: Option<i32>,
    },
}

/// The CPU clock a CPU-time timer runs on.
pub enum CpuSource {
    /// The process's.
    Process,
    /// One thread's.
    Thread(Arc<TaskClock>),
}

/// The clock a timer runs on.
pub enum TimerClock {
    /// A wall or monotonic clock.
    Wall(Arc<dyn Clock>),
    /// A CPU clock.
    Cpu(CpuSource),
}

/// Overrun accounting, shared with the timer's listener.
#[derive(Default)]
struct Overruns {
    /// Expirations missed since the signal now pending (or last
    /// delivered) was queued.
    current: u64,
    /// Those of the signal delivered before it.
    last: u64,
}

/// What fires when a timer expires.
struct Fire {
    tg: Weak<ThreadGroup>,
    id: i32,
    notify: Notify,
    overruns: Mutex<Overruns>,
}

/// Whether `signo` is pending for thread `thread` (or the process).
fn pending(tg: &ThreadGroup, signo: i32, thread: Option<i32>) -> bool {
    let s = tg.signals.lock();
    match thread {
        Some(tid) => s.threads.get(&tid).is_some_and(|t| t.pending.set().has(signo)),
        None => s.shared.set().has(signo),
    }
}

impl Fire {
    fn expire(&self, expirations: u64) {
        let Notify::Signal { signo, value, thread } = self.notify else { return };
        let Some(tg) = self.tg.upgrade() else { return };
        let still_pending = pending(&tg, signo, thread);
        let overrun = {
            let mut o = self.overruns.lock();
            if still_pending {
                o.current = o.current.saturating_add(expirations);
                return;
            }
            o.last = o.current;
            o.current = expirations - 1;
            o.current
        };
        let overrun = i32::try_from(overrun).unwrap_or(i32::MAX);
        // A thread gone meanwhile, or a process exiting: nobody to tell.
        let _ = tg.queue_signal(SigInfo::timer(signo, self.id, overrun, value), thread);
    }

    /// `timer_getoverrun`: the overruns of the signal last delivered.
    fn overrun(&self) -> i32 {
        let signal_pending = match (self.notify, self.tg.upgrade()) {
            (Notify::Signal { signo, thread, .. }, Some(tg)) => pending(&tg, signo, thread),
            _ => false,
        };
        let o = self.overruns.lock();
        i32::try_from(if signal_pending { o.last } else { o.current }).unwrap_or(i32::MAX)
    }
}

impl Listener for Arc<Fire> {
    fn notify(&self, expirations: u64, _: Setting) -> Option<Setting> {
        self.expire(expirations);
        None
    }
}

/// How a timer is driven.
enum Driver {
    /// By the timer service.
    Wall(Timer),
    /// By the CPU clock's ticks: its setting, on the CPU clock in ns.
    Cpu(CpuSource, Mutex<Setting>),
}

/// One POSIX timer.
pub struct PosixTimer {
    fire: Arc<Fire>,
    driver: Driver,
}

impl PosixTimer {
    /// The CPU time of the timer's CPU clock, in ns.
    fn cpu_now(tg: &ThreadGroup, source: &CpuSource) -> i64 {
        let ticks = match source {
            CpuSource::Process => tg.cpu.usage().total(),
            CpuSource::Thread(c) => c.usage().total(),
        };
        i64::try_from(ticks).unwrap_or(i64::MAX).saturating_mul(CLOCK_TICK_NS)
    }

    /// `timer_settime`: returns the old (time left, period).
    fn set(&self, tg: &ThreadGroup, value: i64, period: i64, absolute: bool) -> (i64, i64) {
        *self.fire.overruns.lock() = Overruns::default();
        match &self.driver {
            Driver::Wall(t) => {
                let (now, old) = t.swap_with(|now| Setting::new(value, period, absolute, now));
                old.remaining(now)
            }
            Driver::Cpu(source, setting) => {
                let now = PosixTimer::cpu_now(tg, source);
                let mut s = setting.lock();
                let old = s.remaining(now);
                *s = Setting::new(value, period, absolute, now);
                old
            }
        }
    }

    /// `timer_gettime`: (time left, period).
    fn get(&self, tg: &ThreadGroup) -> (i64, i64) {
        match &self.driver {
            Driver::Wall(t) => {
                let (now, s) = t.get();
                s.remaining(now)
            }
            Driver::Cpu(source, setting) => setting.lock().remaining(PosixTimer::cpu_now(tg, source)),
        }
    }

    /// A CPU clock tick: fires a CPU-time timer that is due.
    fn tick(&self, tg: &ThreadGroup) {
        if let Driver::Cpu(source, setting) = &self.driver {
            let now = PosixTimer::cpu_now(tg, source);
            let expirations = {
                let mut s = setting.lock();
                let (next, n) = s.at(now);
                *s = next;
                n
            };
            if expirations > 0 {
                self.fire.expire(expirations);
            }
        }
    }
}

/// A process's POSIX timers, by id.
#[derive(Default)]
pub struct PosixTimers {
    inner: Mutex<PosixInner>,
}

#[derive(Default)]
struct PosixInner {
    timers: BTreeMap<i32, Arc<PosixTimer>>,
    /// Where the search for a free id starts.
    next_id: i32,
}

impl PosixTimers {
    /// `timer_create` for process `tg`: a disarmed timer on `clock`
    /// notifying as `notify` (its value defaulting to the new id when
    /// `default_value`); `EAGAIN` once the process has `max` timers.
    pub fn create(&self, kernel: &Kernel, tg: &Arc<ThreadGroup>, clock: TimerClock, notify: Notify, default_value: bool, max: u64) -> Result<i32, abi::Errno> {
        let mut p = self.inner.lock();
        if p.timers.len() as u64 >= max {
            return Err(EAGAIN);
        }
        let mut id = p.next_id;
        while p.timers.contains_key(&id) {
            id = id.checked_add(1).unwrap_or(0);
        }
        p.next_id = id.checked_add(1).unwrap_or(0);
        let notify = match notify {
            Notify::Signal { signo, thread, .. } if default_value => Notify::Signal { signo, value: id as u64, thread },
            n => n,
        };
        let fire = Arc::new(Fire { tg: Arc::downgrade(tg), id, notify, overruns: Mutex::new(Overruns::default()) });
        let driver = match clock {
            TimerClock::Wall(c) => Driver::Wall(Timer::new(&kernel.timers, c, Box::new(fire.clone()))),
            TimerClock::Cpu(source) => Driver::Cpu(source, Mutex::new(Setting::default())),
        };
        p.timers.insert(id, Arc::new(PosixTimer { fire, driver }));
        Ok(id)
    }

    fn timer(&self, id: i32) -> Result<Arc<PosixTimer>, abi::Errno> {
        self.inner.lock().timers.get(&id).cloned().ok_or(EINVAL)
    }

    /// `timer_settime`: arms (value > 0) or disarms timer `id`; returns
    /// its old (time left, period).
    pub fn set(&self, tg: &ThreadGroup, id: i32, value: i64, period: i64, absolute: bool) -> Result<(i64, i64), abi::Errno> {
        Ok(self.timer(id)?.set(tg, value, period, absolute))
    }

    /// `timer_gettime`: (time left, period) of timer `id`.
    pub fn get(&self, tg: &ThreadGroup, id: i32) -> Result<(i64, i64), abi::Errno> {
        Ok(self.timer(id)?.get(tg))
    }

    /// `timer_getoverrun` of timer `id`.
    pub fn overrun(&self, id: i32) -> Result<i32, abi::Errno> {
        Ok(self.timer(id)?.fire.overrun())
    }

    /// `timer_delete` of timer `id`.
    pub fn delete(&self, id: i32) -> Result<(), abi::Errno> {
        // Dropped after the lock is released (a wall timer's drop takes
        // its own lock, which comes first).
        let removed = self.inner.lock().timers.remove(&id);
        removed.map(drop).ok_or(EINVAL)
    }

    /// Deletes every timer (`execve`, exit).
    pub fn clear(&self) {
        let all = std::mem::take(&mut self.inner.lock().timers);
        drop(all);
    }

    /// A CPU clock tick: fires the process's CPU-time timers that are due.
    pub fn tick(&self, tg: &ThreadGroup) {
        let timers: Vec<Arc<PosixTimer>> = self.inner.lock().timers.values().filter(|t| matches!(t.driver, Driver::Cpu(..))).cloned().collect();
        for t in timers {
            t.tick(tg);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigevent_layout() {
        assert_eq!(std::mem::size_of::<SigEvent>(), 64);
        assert_eq!(std::mem::offset_of!(SigEvent, signo), 8);
        assert_eq!(std::mem::offset_of!(SigEvent, notify), 12);
        assert_eq!(std::mem::offset_of!(SigEvent, tid), 16);
    }
}
