//! Timers that signal: alarm, setitimer, getitimer, and the POSIX timers
//! (timer_create, timer_settime, timer_gettime, timer_getoverrun,
//! timer_delete).

use abi::errno::{EFAULT, EINVAL, EOPNOTSUPP, EPERM};
use abi::process::rlimit;
use abi::signal::sig;
use abi::time::{clock, Timespec, TIMER_ABSTIME};
use abi::{Errno, Pod};

use super::sys_time::{thread_clock, timer_clock};
use super::{Args, SysResult};
use crate::kernel::itimer::Itimerval;
use crate::kernel::posix_timer::{CpuSource, Notify, SigEvent, TimerClock, SIGEV_NONE, SIGEV_SIGNAL, SIGEV_THREAD, SIGEV_THREAD_ID};
use crate::kernel::task::Task;
use crate::fsimpl::timerfd::Itimerspec;

/// The most POSIX timers a process may have at once.
const MAX_TIMERS: u64 = 1 << 20;

/// `CAP_WAKE_ALARM`: needed for the alarm clocks.
pub const CAP_WAKE_ALARM: u32 = 35;

/// `getitimer(which, curr)`.
pub fn getitimer(t: &mut Task, a: Args) -> SysResult {
    let cur = t.tg.timers.get(&t.tg, a.int(0)).ok_or(EINVAL)?;
    t.copy_out_final(a.u64(1), cur.as_bytes())?;
    Ok(0)
}

/// `setitimer(which, new, old)`: a null `new` disarms, as Linux still
/// allows.
pub fn setitimer(t: &mut Task, a: Args) -> SysResult {
    let new = if a.u64(1) == 0 { Itimerval::default() } else { t.read_obj::<Itimerval>(a.u64(1))? };
    if !new.is_valid() {
        return Err(EINVAL);
    }
    let tg = t.tg.clone();
    let old = tg.timers.set(&t.kernel, &tg, a.int(0), &new).ok_or(EINVAL)?;
    if a.u64(2) != 0 {
        t.copy_out_final(a.u64(2), old.as_bytes())?;
    }
    Ok(0)
}

/// `alarm(seconds)`.
pub fn alarm(t: &mut Task, a: Args) -> SysResult {
    let tg = t.tg.clone();
    Ok(tg.timers.alarm(&t.kernel, &tg, a.uint(0)))
}

/// The clock a POSIX timer on clock `id` runs on, with Linux's errors:
/// `EINVAL` for no such clock (or a CPU clock of another process or
/// thread), `EOPNOTSUPP` for clocks without timers, `EPERM` for the alarm
/// clocks without `CAP_WAKE_ALARM`.
fn posix_clock(t: &Task, id: i32) -> Result<TimerClock, Errno> {
    Ok(match id {
        clock::REALTIME | clock::MONOTONIC | clock::BOOTTIME | clock::TAI | clock::REALTIME_ALARM | clock::BOOTTIME_ALARM => {
            if matches!(id, clock::REALTIME_ALARM | clock::BOOTTIME_ALARM) && !t.tg.creds.lock().has_cap(CAP_WAKE_ALARM) {
                return Err(EPERM);
            }
            TimerClock::Wall(timer_clock(&t.kernel, id).ok_or(EINVAL)?)
        }
        clock::PROCESS_CPUTIME_ID => TimerClock::Cpu(CpuSource::Process),
        clock::THREAD_CPUTIME_ID => TimerClock::Cpu(CpuSource::Thread(t.cpu.clone())),
        clock::MONOTONIC_RAW | clock::REALTIME_COARSE | clock::MONOTONIC_COARSE => return Err(EOPNOTSUPP),
        id if id < 0 && id & 3 != 3 => {
            let pid = !(id >> 3);
            match (id & 4 != 0, pid) {
                (true, p) => TimerClock::Cpu(CpuSource::Thread(thread_clock(t, p)?)),
                (false, p) if p == 0 || p == t.tg.tgid => TimerClock::Cpu(CpuSource::Process),
                _ => return Err(EINVAL),
            }
        }
        _ => return Err(EINVAL),
    })
}

/// How a `struct sigevent` asks to be notified.
fn notify_of(t: &Task, ev: &SigEvent) -> Result<Notify, Errno> {
    let thread = match ev.notify {
        SIGEV_NONE => return Ok(Notify::None),
        SIGEV_SIGNAL | SIGEV_THREAD => None,
        SIGEV_THREAD_ID if t.tg.signals.lock().threads.contains_key(&ev.tid) => Some(ev.tid),
        _ => return Err(EINVAL),
    };
    if !crate::kernel::signal::valid(ev.signo) {
        return Err(EINVAL);
    }
    Ok(Notify::Signal { signo: ev.signo, value: ev.value, thread })
}

/// `timer_create(clockid, sevp, timerid)`: a null `sevp` is `SIGALRM`
/// to the process with the timer's id as its value.
pub fn timer_create(t: &mut Task, a: Args) -> SysResult {
    let id = a.int(0);
    // The clock's own checks come first, as Linux makes them.
    if matches!(id, clock::MONOTONIC_RAW | clock::REALTIME_COARSE | clock::MONOTONIC_COARSE) {
        return Err(EOPNOTSUPP);
    }
    if timer_clock(&t.kernel, id).is_none() && !cpu_clock_id(id) {
        return Err(EINVAL);
    }
    let (notify, default_value) = if a.u64(1) == 0 {
        (Notify::Signal { signo: sig::SIGALRM, value: 0, thread: None }, true)
    } else {
        let ev: SigEvent = t.read_obj(a.u64(1))?;
        (notify_of(t, &ev)?, false)
    };
    let clock = posix_clock(t, id)?;
    // Linux's only bound is the signal queue limit; the sentry's memory
    // needs a finite one even when that is unlimited.
    let max = t.tg.limits.lock().get(rlimit::SIGPENDING).map_or(0, |l| l.cur).min(MAX_TIMERS);
    let tg = t.tg.clone();
    let timer_id = tg.posix_timers.create(&t.kernel, &tg, clock, notify, default_value, max)?;
    if t.write_obj(a.u64(2), &timer_id).is_err() {
        let _ = tg.posix_timers.delete(timer_id);
        return Err(EFAULT);
    }
    Ok(0)
}

/// Whether `id` names a CPU-time clock (the constants or an encoded id).
fn cpu_clock_id(id: i32) -> bool {
    matches!(id, clock::PROCESS_CPUTIME_ID | clock::THREAD_CPUTIME_ID) || (id < 0 && id & 3 != 3)
}

/// `timer_settime(timerid, flags, new, old)`.
pub fn timer_settime(t: &mut Task, a: Args) -> SysResult {
    let new: Itimerspec = t.read_obj(a.u64(2))?;
    if !new.is_valid() {
        return Err(EINVAL);
    }
    let absolute = a.uint(1) & TIMER_ABSTIME as u32 != 0;
    let (left, period) = t.tg.posix_timers.set(&t.tg, a.int(0), new.value.as_nanos(), new.interval.as_nanos(), absolute)?;
    if a.u64(3) != 0 {
        let old = Itimerspec { interval: Timespec::from_nanos(period), value: Timespec::from_nanos(left) };
        t.copy_out_final(a.u64(3), old.as_bytes())?;
    }
    Ok(0)
}

/// `timer_gettime(timerid, curr)`.
pub fn timer_gettime(t: &mut Task, a: Args) -> SysResult {
    let (left, period) = t.tg.posix_timers.get(&t.tg, a.int(0))?;
    let cur = Itimerspec { interval: Timespec::from_nanos(period), value: Timespec::from_nanos(left) };
    t.copy_out_final(a.u64(1), cur.as_bytes())?;
    Ok(0)
}

/// `timer_getoverrun(timerid)`.
pub fn timer_getoverrun(t: &mut Task, a: Args) -> SysResult {
    t.tg.posix_timers.overrun(a.int(0)).map(|n| n as u64)
}

/// `timer_delete(timerid)`.
pub fn timer_delete(t: &mut Task, a: Args) -> SysResult {
    t.tg.posix_timers.delete(a.int(0)).map(|()| 0)
}
