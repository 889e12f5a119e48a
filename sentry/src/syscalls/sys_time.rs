//! Clocks and sleeps: clock_gettime, clock_getres, gettimeofday, time,
//! nanosleep, clock_nanosleep.
//!
//! The CPU-time clocks read the host's accounting of the stub process
//! until the kernel's own CPU clock lands.

use std::time::Duration;

use abi::errno::{EINTR, EINVAL, EOPNOTSUPP};
use abi::time::{clock, Timespec, Timeval, TIMER_ABSTIME};
use abi::{Errno, Pod};

use super::{Args, SysResult};
use crate::kernel::task::Task;
use crate::kernel::wait::deadline_after;

/// A CPU-time clock named by a clock id.
enum CpuClock {
    Process,
    Thread,
}

/// Decodes CPU-time clock ids: the two constants, and the encoded ids of
/// `clock_getcpuclockid`/`pthread_getcpuclockid` for the caller itself.
fn cpu_clock(t: &Task, id: i32) -> Result<Option<CpuClock>, Errno> {
    match id {
        clock::PROCESS_CPUTIME_ID => return Ok(Some(CpuClock::Process)),
        clock::THREAD_CPUTIME_ID => return Ok(Some(CpuClock::Thread)),
        id if id >= 0 => return Ok(None),
        _ => {}
    }
    let pid = !(id >> 3);
    let per_thread = id & 4 != 0;
    if id & 3 == 3 {
        return Err(EINVAL);
    }
    match (per_thread, pid) {
        (false, p) if p == 0 || p == t.tg.tgid => Ok(Some(CpuClock::Process)),
        (true, p) if p == 0 || p == t.tid => Ok(Some(CpuClock::Thread)),
        _ => Err(EINVAL),
    }
}

fn now(t: &Task, id: i32) -> Result<Timespec, Errno> {
    let cpu = match cpu_clock(t, id)? {
        None => return t.kernel.timekeeper.now(id),
        Some(CpuClock::Process) => t.ctx.space().cpu_time(),
        Some(CpuClock::Thread) => t.ctx.cpu_time(),
    };
    Ok(Timespec::from_nanos(cpu.unwrap_or(Duration::ZERO).as_nanos() as i64))
}

/// `clock_gettime(clockid, tp)`.
pub fn clock_gettime(t: &mut Task, a: Args) -> SysResult {
    let ts = now(t, a.int(0))?;
    t.copy_out_final(a.u64(1), ts.as_bytes())?;
    Ok(0)
}

/// `clock_getres(clockid, res)`.
pub fn clock_getres(t: &mut Task, a: Args) -> SysResult {
    let id = a.int(0);
    let res = match id {
        clock::REALTIME_COARSE | clock::MONOTONIC_COARSE => {
            let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
            // SAFETY: `ts` is a valid timespec to fill.
            unsafe { libc::clock_getres(id, &mut ts) };
            Timespec { tv_sec: ts.tv_sec, tv_nsec: ts.tv_nsec }
        }
        _ => {
            now(t, id)?;
            Timespec { tv_sec: 0, tv_nsec: 1 }
        }
    };
    if a.u64(1) != 0 {
        t.copy_out_final(a.u64(1), res.as_bytes())?;
    }
    Ok(0)
}

/// `gettimeofday(tv, tz)`: the time zone is always UTC.
pub fn gettimeofday(t: &mut Task, a: Args) -> SysResult {
    if a.u64(0) != 0 {
        let ns = t.kernel.timekeeper.realtime_ns();
        let tv = Timeval { tv_sec: ns.div_euclid(1_000_000_000), tv_usec: ns.rem_euclid(1_000_000_000) / 1000 };
        t.write_obj(a.u64(0), &tv)?;
    }
    if a.u64(1) != 0 {
        t.write_obj(a.u64(1), &[0u32; 2])?;
    }
    Ok(0)
}

/// `time(tloc)`.
pub fn time(t: &mut Task, a: Args) -> SysResult {
    let secs = t.kernel.timekeeper.realtime_ns().div_euclid(1_000_000_000);
    if a.u64(0) != 0 {
        t.write_obj(a.u64(0), &secs)?;
    }
    Ok(secs as u64)
}

/// Sleeps on `clock_id` until `req` (absolute or relative); on an
/// interruption writes the time left to `rem` (relative sleeps only).
fn sleep(t: &mut Task, clock_id: i32, absolute: bool, req: u64, rem: u64) -> SysResult {
    let ts: Timespec = t.read_obj(req)?;
    if !ts.is_valid() {
        return Err(EINVAL);
    }
    let deadline = if absolute {
        Some(t.kernel.timekeeper.deadline(clock_id, ts)?)
    } else {
        deadline_after(Duration::from_nanos(ts.as_nanos() as u64))
    };
    if t.waiter.sleep_until(deadline).is_ok() {
        return Ok(0);
    }
    if !absolute && rem != 0 {
        let left = deadline.map_or(Duration::ZERO, |d| d.saturating_duration_since(std::time::Instant::now()));
        t.write_obj(rem, &Timespec::from_nanos(left.as_nanos() as i64))?;
    }
    Err(EINTR)
}

/// `nanosleep(req, rem)`.
pub fn nanosleep(t: &mut Task, a: Args) -> SysResult {
    sleep(t, clock::MONOTONIC, false, a.u64(0), a.u64(1))
}

/// `clock_nanosleep(clockid, flags, req, rem)`.
pub fn clock_nanosleep(t: &mut Task, a: Args) -> SysResult {
    let id = a.int(0);
    match id {
        clock::REALTIME | clock::MONOTONIC | clock::BOOTTIME | clock::TAI => {}
        clock::MONOTONIC_RAW | clock::REALTIME_COARSE | clock::MONOTONIC_COARSE => return Err(EOPNOTSUPP),
        _ => return Err(EINVAL),
    }
    sleep(t, id, a.u64(1) & TIMER_ABSTIME != 0, a.u64(2), a.u64(3))
}
