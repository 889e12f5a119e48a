//! Interval timers (`setitimer`, `getitimer`, `alarm`) and the CPU-time
//! limit (`RLIMIT_CPU`).
//!
//! `ITIMER_REAL` is a kernel timer on monotonic time that sends the
//! process `SIGALRM`. `ITIMER_VIRTUAL` (user time, `SIGVTALRM`) and
//! `ITIMER_PROF` (user plus system time, `SIGPROF`) run on the process's
//! CPU time, which only the CPU clock's ticks advance: each tick checks
//! them, and `RLIMIT_CPU`, for every process ([`check_cpu_timers`]). As on
//! Linux, a CPU timer set to `v` first fires after `v` plus one tick of
//! CPU time (so never early), and at the soft CPU limit the process gets
//! `SIGXCPU`, then one more each further second (the soft limit is raised
//! by a second each time, as Linux does), and `SIGKILL` at the hard limit.

use std::sync::{Arc, Weak};

use abi::process::{rlimit, RLIM_INFINITY};
use abi::signal::{code, sig, SigInfo};
use abi::time::{Timeval, NSEC_PER_SEC};
use parking_lot::Mutex;

use super::cpu_clock::{CpuTicks, CLOCK_TICK_NS};
use super::ktime::{Listener, Setting, Timer};
use super::thread_group::ThreadGroup;
use super::Kernel;

/// `ITIMER_REAL`.
pub const ITIMER_REAL: i32 = 0;
/// `ITIMER_VIRTUAL`.
pub const ITIMER_VIRTUAL: i32 = 1;
/// `ITIMER_PROF`.
pub const ITIMER_PROF: i32 = 2;

/// `struct itimerval`: the period, then the time to the next expiration.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Itimerval {
    /// The period (0: one-shot).
    pub interval: Timeval,
    /// The time to the next expiration (0: disarmed).
    pub value: Timeval,
}
abi::impl_pod!(Itimerval);

fn tv_ns(tv: &Timeval) -> i64 {
    tv.tv_sec.saturating_mul(NSEC_PER_SEC).saturating_add(tv.tv_usec.saturating_mul(1000))
}

fn ns_tv(ns: i64) -> Timeval {
    Timeval { tv_sec: ns / NSEC_PER_SEC, tv_usec: ns % NSEC_PER_SEC / 1000 }
}

impl Itimerval {
    /// Whether both microsecond fields are in range (Linux checks only those).
    pub fn is_valid(&self) -> bool {
        (0..1_000_000).contains(&self.interval.tv_usec) && (0..1_000_000).contains(&self.value.tv_usec)
    }

    /// (value, interval) in nanoseconds; negative seconds count as 0.
    fn nanos(&self) -> (i64, i64) {
        (tv_ns(&self.value).max(0), tv_ns(&self.interval).max(0))
    }

    /// What getitimer reports for `left` ns to go (0: disarmed) and `period`.
    fn of(left: i64, period: i64) -> Itimerval {
        Itimerval { interval: ns_tv(period), value: ns_tv(left) }
    }
}

/// The CPU-time interval timers, on process CPU time in nanoseconds.
#[derive(Default)]
struct CpuTimers {
    virt: Setting,
    prof: Setting,
}

/// A process's interval timers.
#[derive(Default)]
pub struct IntervalTimers {
    /// `ITIMER_REAL`, made at its first use.
    real: Mutex<Option<Timer>>,
    cpu: Mutex<CpuTimers>,
}

/// `ITIMER_REAL`'s listener: `SIGALRM` to the process.
struct Alarm(Weak<ThreadGroup>);

impl Listener for Alarm {
    fn notify(&self, _: u64, _: Setting) -> Option<Setting> {
        if let Some(tg) = self.0.upgrade() {
            send(&tg, sig::SIGALRM);
        }
        None
    }
}

/// Process CPU time in nanoseconds: user, and user plus system.
fn cpu_ns(u: CpuTicks) -> (i64, i64) {
    let ns = |t: u64| i64::try_from(t).unwrap_or(i64::MAX).saturating_mul(CLOCK_TICK_NS);
    (ns(u.user), ns(u.total()))
}

impl IntervalTimers {
    /// `getitimer(which)` for process `tg`.
    pub fn get(&self, tg: &ThreadGroup, which: i32) -> Option<Itimerval> {
        Some(match which {
            ITIMER_REAL => match &*self.real.lock() {
                Some(t) => {
                    let (now, s) = t.get();
                    let (left, period) = s.remaining(now);
                    // An armed timer reads as at least 1 us.
                    Itimerval::of(if s.enabled { left.max(1000) } else { 0 }, period)
                }
                None => Itimerval::default(),
            },
            ITIMER_VIRTUAL | ITIMER_PROF => {
                let (user, total) = cpu_ns(tg.cpu.usage());
                let c = self.cpu.lock();
                let (s, now) = if which == ITIMER_VIRTUAL { (c.virt, user) } else { (c.prof, total) };
                // Due but not yet checked by a tick: one tick to go.
                let left = if !s.enabled { 0 } else if s.next <= now { CLOCK_TICK_NS } else { s.next - now };
                Itimerval::of(left, s.period)
            }
            _ => return None,
        })
    }

    /// `setitimer(which, new)` for process `tg`: returns the old value.
    pub fn set(&self, kernel: &Kernel, tg: &Arc<ThreadGroup>, which: i32, new: &Itimerval) -> Option<Itimerval> {
        let old = self.get(tg, which)?;
        let (value, period) = new.nanos();
        match which {
            ITIMER_REAL => {
                let mut real = self.real.lock();
                let timer = real.get_or_insert_with(|| {
                    Timer::new(&kernel.timers, kernel.monotonic.clone(), Box::new(Alarm(Arc::downgrade(tg))))
                });
                timer.swap_with(|now| Setting::new(value, period, false, now));
            }
            _ => {
                let (user, total) = cpu_ns(tg.cpu.usage());
                let mut c = self.cpu.lock();
                let (slot, now) = if which == ITIMER_VIRTUAL { (&mut c.virt, user) } else { (&mut c.prof, total) };
                let first = if value > 0 { value.saturating_add(CLOCK_TICK_NS) } else { 0 };
                *slot = Setting::new(first, period, false, now);
            }
        }
        Some(old)
    }

    /// `alarm(seconds)`: returns the seconds left of the previous alarm,
    /// rounded to the nearest second (and at least 1 if one was armed).
    pub fn alarm(&self, kernel: &Kernel, tg: &Arc<ThreadGroup>, seconds: u32) -> u64 {
        let new = Itimerval { value: Timeval { tv_sec: i64::from(seconds), tv_usec: 0 }, ..Itimerval::default() };
        let old = self.set(kernel, tg, ITIMER_REAL, &new).unwrap_or_default().value;
        let mut secs = old.tv_sec as u64;
        if (secs == 0 && old.tv_usec != 0) || old.tv_usec >= 500_000 {
            secs += 1;
        }
        secs
    }

    /// Disarms `ITIMER_REAL` (the process has exited; the CPU timers no
    /// longer advance).
    pub fn disarm(&self) {
        *self.real.lock() = None;
    }

    /// One CPU clock tick's check of process `tg`: fires the CPU
    /// interval timers that are due and enforces `RLIMIT_CPU`.
    fn check(&self, tg: &ThreadGroup) {
        let armed = {
            let c = self.cpu.lock();
            c.virt.enabled || c.prof.enabled
        };
        let limited = tg.limits.lock().get(rlimit::CPU).is_ok_and(|l| l.cur != RLIM_INFINITY);
        if !armed && !limited {
            // Most processes: nothing to check, so no need to add up their time.
            return;
        }
        let usage = tg.cpu.usage();
        let (user, total) = cpu_ns(usage);
        let mut signals = Vec::new();
        {
            let mut c = self.cpu.lock();
            let CpuTimers { virt, prof } = &mut *c;
            for (slot, now, signo) in [(virt, user, sig::SIGVTALRM), (prof, total, sig::SIGPROF)] {
                let (s, expirations) = slot.at(now);
                *slot = s;
                if expirations > 0 {
                    signals.push(signo);
                }
            }
        }
        let secs = (total / NSEC_PER_SEC) as u64;
        {
            let mut limits = tg.limits.lock();
            if let Ok(l) = limits.get(rlimit::CPU) {
                if l.cur != RLIM_INFINITY {
                    if l.max != RLIM_INFINITY && secs >= l.max {
                        signals.push(sig::SIGKILL);
                    } else if secs >= l.cur {
                        signals.push(sig::SIGXCPU);
                        let _ = limits.set(rlimit::CPU, abi::process::Rlimit { cur: l.cur + 1, max: l.max }, true);
                    }
                }
            }
        }
        for signo in signals {
            send(tg, signo);
        }
    }
}

/// Sends `signo` to process `tg` from the kernel (`SI_KERNEL`), as Linux
/// sends its timer and limit signals.
fn send(tg: &ThreadGroup, signo: i32) {
    // A process that is gone or exiting has no use for it.
    let _ = tg.queue_signal(SigInfo::new(signo, code::SI_KERNEL), None);
}

/// The CPU clock's per-tick work: checks every process's CPU-time
/// interval and POSIX timers and its CPU limit.
pub fn check_cpu_timers(kernel: &Kernel) {
    for tg in kernel.tasks.thread_groups() {
        tg.timers.check(&tg);
        tg.posix_timers.tick(&tg);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn itimerval_conversions() {
        assert_eq!(std::mem::size_of::<Itimerval>(), 32);
        let tv = |s, us| Timeval { tv_sec: s, tv_usec: us };
        let v = Itimerval { interval: tv(0, 250_000), value: tv(2, 5) };
        assert!(v.is_valid());
        assert_eq!(v.nanos(), (2_000_005_000, 250_000_000));
        assert!(!Itimerval { value: tv(0, 1_000_000), ..v }.is_valid());
        assert!(!Itimerval { interval: tv(0, -1), ..v }.is_valid());
        // Negative seconds are not refused, and count as nothing.
        assert_eq!(Itimerval { value: tv(-5, 0), ..v }.nanos().0, 0);
        assert_eq!(Itimerval::of(1_500_999_999, 0), Itimerval { interval: tv(0, 0), value: tv(1, 500_999) });
    }
}
