//! Clocks and sleeps: clock_gettime, clock_getres, clock_settime,
//! gettimeofday, settimeofday, time, times, adjtimex, clock_adjtime,
//! sysinfo, nanosleep, clock_nanosleep.
//!
//! Wall and monotonic clocks come from the timekeeper; the CPU-time clocks
//! from the kernel's CPU clock (`kernel::cpu_clock`), in 10 ms ticks.
//! Sleeps are kernel timers on the clock slept on. The sandbox never lets
//! its clocks be set: the calls that would are `EPERM`, as for a caller
//! without `CAP_SYS_TIME`, after Linux's argument checks.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use abi::errno::{EFAULT, EINVAL, EOPNOTSUPP, EPERM, ERESTARTNOHAND, ERESTART_RESTARTBLOCK};
use abi::time::{clock, Timespec, Timeval, NSEC_PER_SEC, TIMER_ABSTIME};
use abi::{Errno, Pod};

use super::{Args, SysResult};
use crate::kernel::cpu_clock::{CpuTicks, TaskClock, CLOCK_TICK_NS};
use crate::kernel::ktime::{Clock, Listener, Setting, Timer};
use crate::kernel::task::Task;
use crate::waiter::Waiter;
use crate::kernel::Kernel;

/// What a CPU-time clock id measures (the low two bits of an encoded id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CpuKind {
    /// User plus system time (`CPUCLOCK_PROF`, `CPUCLOCK_SCHED`).
    Total,
    /// User time only (`CPUCLOCK_VIRT`).
    User,
}

/// The CPU clock of thread `tid` of the caller's process (0: the caller),
/// as an encoded thread clock id names it; `EINVAL` for any other.
pub fn thread_clock(t: &Task, tid: i32) -> Result<Arc<TaskClock>, Errno> {
    if tid == 0 || tid == t.tid {
        return Ok(t.cpu.clone());
    }
    t.tg.cpu.thread(tid).ok_or(EINVAL)
}

/// Decodes CPU-time clock ids: the two constants, and the encoded ids of
/// `clock_getcpuclockid` (any live process) and `pthread_getcpuclockid`
/// (any thread of the caller's process). `Ok(None)` for the other clocks.
fn cpu_clock(t: &Task, id: i32) -> Result<Option<(CpuTicks, CpuKind)>, Errno> {
    match id {
        clock::PROCESS_CPUTIME_ID => return Ok(Some((t.tg.cpu.usage(), CpuKind::Total))),
        clock::THREAD_CPUTIME_ID => return Ok(Some((t.cpu.usage(), CpuKind::Total))),
        id if id >= 0 => return Ok(None),
        _ => {}
    }
    let pid = !(id >> 3);
    let kind = match id & 3 {
        1 => CpuKind::User,
        3 => return Err(EINVAL),
        _ => CpuKind::Total,
    };
    let ticks = if id & 4 != 0 {
        thread_clock(t, pid)?.usage()
    } else if pid == 0 || pid == t.tg.tgid {
        t.tg.cpu.usage()
    } else {
        t.kernel.tasks.thread_group(pid).ok_or(EINVAL)?.cpu.usage()
    };
    Ok(Some((ticks, kind)))
}

/// The value of clock `id` for task `t`, in nanoseconds.
fn now_ns(t: &Task, id: i32) -> Result<i64, Errno> {
    match cpu_clock(t, id)? {
        None => t.kernel.timekeeper.now_ns(id),
        Some((ticks, kind)) => {
            let n = if kind == CpuKind::User { ticks.user } else { ticks.total() };
            Ok(i64::try_from(n).unwrap_or(i64::MAX).saturating_mul(CLOCK_TICK_NS))
        }
    }
}

/// `clock_gettime(clockid, tp)`.
pub fn clock_gettime(t: &mut Task, a: Args) -> SysResult {
    let ts = Timespec::from_nanos(now_ns(t, a.int(0))?);
    t.copy_out_final(a.u64(1), ts.as_bytes())?;
    Ok(0)
}

/// `clock_getres(clockid, res)`: 1 ns for the high-resolution and CPU
/// clocks (as Linux reports them), a host tick for the coarse ones.
pub fn clock_getres(t: &mut Task, a: Args) -> SysResult {
    let id = a.int(0);
    let res = match cpu_clock(t, id)? {
        Some(_) => Timespec { tv_sec: 0, tv_nsec: 1 },
        None => t.kernel.timekeeper.resolution(id)?,
    };
    if a.u64(1) != 0 {
        t.copy_out_final(a.u64(1), res.as_bytes())?;
    }
    Ok(0)
}

/// `clock_settime(clockid, tp)`: `EINVAL` for clocks that cannot be set
/// and for invalid times, `EFAULT`, else `EPERM`.
pub fn clock_settime(t: &mut Task, a: Args) -> SysResult {
    let id = a.int(0);
    if id != clock::REALTIME {
        // The CPU-time clocks exist but cannot be set; the rest cannot be set.
        return match cpu_clock(t, id)? {
            Some(_) => Err(EPERM),
            None => Err(EINVAL),
        };
    }
    let ts: Timespec = t.read_obj(a.u64(1))?;
    if !ts.is_valid() {
        return Err(EINVAL);
    }
    Err(EPERM)
}

/// `gettimeofday(tv, tz)`: the time zone is always UTC.
pub fn gettimeofday(t: &mut Task, a: Args) -> SysResult {
    if a.u64(0) != 0 {
        let ns = t.kernel.timekeeper.realtime_ns();
        let tv = Timeval { tv_sec: ns.div_euclid(NSEC_PER_SEC), tv_usec: ns.rem_euclid(NSEC_PER_SEC) / 1000 };
        t.write_obj(a.u64(0), &tv)?;
    }
    if a.u64(1) != 0 {
        t.write_obj(a.u64(1), &[0u32; 2])?;
    }
    Ok(0)
}

/// `settimeofday(tv, tz)`: `EFAULT`, `EINVAL` for a bad `tv_usec`, else
/// `EPERM`.
pub fn settimeofday(t: &mut Task, a: Args) -> SysResult {
    if a.u64(0) != 0 {
        let tv: Timeval = t.read_obj(a.u64(0))?;
        if !(0..1_000_000).contains(&tv.tv_usec) || tv.tv_sec < 0 {
            return Err(EINVAL);
        }
    }
    if a.u64(1) != 0 {
        t.read_obj::<[u32; 2]>(a.u64(1))?;
    }
    Err(EPERM)
}

/// `time(tloc)`.
pub fn time(t: &mut Task, a: Args) -> SysResult {
    let secs = t.kernel.timekeeper.realtime_ns().div_euclid(NSEC_PER_SEC);
    if a.u64(0) != 0 {
        t.write_obj(a.u64(0), &secs)?;
    }
    Ok(secs as u64)
}

/// `times(buf)`: the process's and its reaped children's CPU time in
/// clock ticks (`USER_HZ`, which is the CPU clock's tick); returns the
/// ticks of monotonic time since boot.
pub fn times(t: &mut Task, a: Args) -> SysResult {
    if a.u64(0) != 0 {
        let own = t.tg.cpu.usage();
        let children = *t.tg.children_usage.lock();
        let ticks = |d: std::time::Duration| (d.as_nanos() / CLOCK_TICK_NS as u128) as i64;
        let tms = [own.user as i64, own.system as i64, ticks(children.user), ticks(children.system)];
        t.write_obj(a.u64(0), &tms)?;
    }
    Ok((t.kernel.timekeeper.monotonic_ns() / CLOCK_TICK_NS) as u64)
}

/// Size of `struct timex`.
const TIMEX_SIZE: usize = 208;
/// `ADJ_OFFSET_SINGLESHOT`.
const ADJ_OFFSET_SINGLESHOT: u32 = 0x0001;
/// `ADJ_OFFSET_READONLY`.
const ADJ_OFFSET_READONLY: u32 = 0x2000;
/// `ADJ_ADJTIME`: the `adjtime(3)` interface.
const ADJ_ADJTIME: u32 = 0x8000;
/// `STA_UNSYNC`: the clock is not synchronised.
const STA_UNSYNC: i64 = 0x0040;
/// `TIME_ERROR`: what adjtimex returns for an unsynchronised clock.
const TIME_ERROR: u64 = 5;

/// The read-only part of `adjtimex` on realtime: the state of a kernel
/// whose clock no NTP daemon disciplines (so nothing of the host's
/// clock discipline shows), with the time now.
fn adjtime_read(t: &mut Task, buf: u64) -> SysResult {
    let mut timex = [0u8; TIMEX_SIZE];
    t.copy_in(buf, &mut timex)?;
    let modes = u32::from_ne_bytes([timex[0], timex[1], timex[2], timex[3]]);
    if modes & ADJ_ADJTIME != 0 {
        if modes & ADJ_OFFSET_SINGLESHOT == 0 {
            return Err(EINVAL);
        }
        if modes & ADJ_OFFSET_READONLY == 0 {
            return Err(EPERM);
        }
    } else if modes != 0 {
        return Err(EPERM);
    }
    let ns = t.kernel.timekeeper.realtime_ns();
    let mut put = |off: usize, v: i64| timex[off..off + 8].copy_from_slice(&v.to_ne_bytes());
    put(8, 0); // offset
    put(16, 0); // freq
    put(24, 16_000_000); // maxerror, us: the limit of an unsynced clock
    put(32, 16_000_000); // esterror
    put(40, STA_UNSYNC); // status (an int; the padding after it is 0)
    put(48, 2); // constant
    put(56, 1); // precision, us
    put(64, 500 << 16); // tolerance: 500 ppm, scaled
    put(72, ns.div_euclid(NSEC_PER_SEC));
    put(80, ns.rem_euclid(NSEC_PER_SEC) / 1000);
    put(88, 1_000_000 / abi::time::CLOCKS_PER_SEC as i64); // tick, us
    for off in (96..TIMEX_SIZE).step_by(8) {
        put(off, 0);
    }
    t.copy_out(buf, &timex)?;
    Ok(TIME_ERROR)
}

/// `adjtimex(buf)`: reads only; any change is `EPERM`.
pub fn adjtimex(t: &mut Task, a: Args) -> SysResult {
    adjtime_read(t, a.u64(0))
}

/// `clock_adjtime(clockid, buf)`: as `adjtimex` for realtime;
/// `EOPNOTSUPP` for the other clocks, which cannot be adjusted.
pub fn clock_adjtime(t: &mut Task, a: Args) -> SysResult {
    let id = a.int(0);
    if id == clock::REALTIME {
        return adjtime_read(t, a.u64(1));
    }
    now_ns(t, id)?;
    Err(EOPNOTSUPP)
}

/// Size of `struct sysinfo`.
const SYSINFO_SIZE: usize = 112;

/// `sysinfo(info)`: uptime is the sandbox's boottime; memory is the
/// host's (what the sandbox may use), swap none, load averages 0, and
/// `procs` the sandbox's threads.
pub fn sysinfo(t: &mut Task, a: Args) -> SysResult {
    let (total, free) = nix::sys::sysinfo::sysinfo().map_or((0, 0), |si| (si.ram_total(), si.ram_unused()));
    let boot = t.kernel.timekeeper.boottime_ns();
    let uptime = boot / NSEC_PER_SEC + i64::from(boot % NSEC_PER_SEC != 0);
    let mut out = [0u8; SYSINFO_SIZE];
    let mut put = |off: usize, v: u64| out[off..off + 8].copy_from_slice(&v.to_ne_bytes());
    put(0, uptime as u64);
    put(32, total);
    put(40, free);
    let procs = t.kernel.tasks.live_tasks().min(u16::MAX as usize) as u16;
    out[80..82].copy_from_slice(&procs.to_ne_bytes());
    // The sizes are in bytes.
    out[104..108].copy_from_slice(&1u32.to_ne_bytes());
    t.copy_out(a.u64(0), &out)?;
    Ok(0)
}

/// The clock timers of clock `id` run on: realtime, monotonic, boottime
/// and TAI (the alarm clocks are their base clocks; the caller checks
/// whether they are allowed).
pub fn timer_clock(k: &Kernel, id: i32) -> Option<Arc<dyn Clock>> {
    Some(match id {
        clock::REALTIME | clock::REALTIME_ALARM => k.realtime.clone(),
        clock::MONOTONIC => k.monotonic.clone(),
        clock::BOOTTIME | clock::BOOTTIME_ALARM => k.boottime.clone(),
        clock::TAI => k.tai.clone(),
        _ => return None,
    })
}

/// A sleep's timer listener: marks the sleep done and wakes the sleeper.
struct WakeUp {
    waiter: Arc<Waiter>,
    fired: AtomicBool,
}

impl Listener for Arc<WakeUp> {
    fn notify(&self, _: u64, _: Setting) -> Option<Setting> {
        self.fired.store(true, Ordering::SeqCst);
        self.waiter.wake();
        None
    }
}

/// Sleeps on `clock_id` for `req`, relative (the time left goes to `rem`
/// if interrupted) or absolute.
fn sleep(t: &mut Task, clock_id: i32, absolute: bool, req: u64, rem: u64) -> SysResult {
    let ts: Timespec = t.read_obj(req)?;
    if !ts.is_valid() {
        return Err(EINVAL);
    }
    let clock = timer_clock(&t.kernel, clock_id).ok_or(EINVAL)?;
    let value = ts.as_nanos();
    if value == 0 {
        // Nothing to wait for (an absolute 0 is long past).
        return Ok(0);
    }
    let deadline = if absolute { value } else { clock.now_ns().saturating_add(value) };
    sleep_until(t, clock_id, deadline, (!absolute).then_some(rem))
}

/// Sleeps until `deadline` on `clock_id`. An interrupted absolute sleep
/// (`rem` is `None`) restarts as it was unless a handler runs; a relative
/// one writes the time left to `rem` (if not null) and restarts through
/// `restart_syscall` towards the same deadline unless a handler runs, as
/// Linux's do.
fn sleep_until(t: &mut Task, clock_id: i32, deadline: i64, rem: Option<u64>) -> SysResult {
    let clock = timer_clock(&t.kernel, clock_id).ok_or(EINVAL)?;
    let wake = Arc::new(WakeUp { waiter: t.waiter.clone(), fired: AtomicBool::new(false) });
    let timer = Timer::new(&t.kernel.timers, clock, Box::new(wake.clone()));
    timer.swap_with(|now| Setting::new(deadline, 0, true, now));
    while !wake.fired.load(Ordering::SeqCst) {
        if t.waiter.wait_wake(None).is_ok() {
            continue;
        }
        let (now, s) = timer.get();
        if !s.enabled {
            // It expired as the interruption came: the sleep is done.
            return Ok(0);
        }
        let Some(rem) = rem else { return Err(ERESTARTNOHAND) };
        if rem != 0 {
            t.write_obj(rem, &Timespec::from_nanos(s.next.saturating_sub(now).max(0))).map_err(|_| EFAULT)?;
        }
        t.restart_block = Some(Box::new(move |t: &mut Task| sleep_until(t, clock_id, deadline, Some(rem))));
        return Err(ERESTART_RESTARTBLOCK);
    }
    Ok(0)
}

/// `nanosleep(req, rem)`: on monotonic time.
pub fn nanosleep(t: &mut Task, a: Args) -> SysResult {
    sleep(t, clock::MONOTONIC, false, a.u64(0), a.u64(1))
}

/// `clock_nanosleep(clockid, flags, req, rem)`.
pub fn clock_nanosleep(t: &mut Task, a: Args) -> SysResult {
    let id = a.int(0);
    let absolute = a.u64(1) & TIMER_ABSTIME != 0;
    match id {
        clock::REALTIME | clock::MONOTONIC | clock::BOOTTIME | clock::TAI => {}
        clock::MONOTONIC_RAW | clock::REALTIME_COARSE | clock::MONOTONIC_COARSE => return Err(EOPNOTSUPP),
        // A thread's CPU clock cannot be slept on (its thread is asleep).
        clock::THREAD_CPUTIME_ID => return Err(EINVAL),
        clock::PROCESS_CPUTIME_ID => return cpu_sleep(t, id, absolute, a.u64(2), a.u64(3)),
        id if id < 0 && id & 4 == 0 => return cpu_sleep(t, id, absolute, a.u64(2), a.u64(3)),
        _ => return Err(EINVAL),
    }
    sleep(t, id, absolute, a.u64(2), a.u64(3))
}

/// Sleeps on a process's CPU clock `id` (its other threads run it on) for
/// `req`, relative or absolute, as [`sleep`] does on the other clocks.
fn cpu_sleep(t: &mut Task, id: i32, absolute: bool, req: u64, rem: u64) -> SysResult {
    let ts: Timespec = t.read_obj(req)?;
    if !ts.is_valid() {
        return Err(EINVAL);
    }
    let now = now_ns(t, id)?;
    let deadline = if absolute { ts.as_nanos() } else { now.saturating_add(ts.as_nanos()) };
    cpu_sleep_until(t, id, deadline, (!absolute).then_some(rem))
}

/// Sleeps until CPU clock `id` reaches `deadline`, looking at it every
/// clock tick (the clock moves no finer); interrupted, as [`sleep_until`].
fn cpu_sleep_until(t: &mut Task, id: i32, deadline: i64, rem: Option<u64>) -> SysResult {
    let tick = std::time::Duration::from_nanos(CLOCK_TICK_NS as u64);
    loop {
        let now = now_ns(t, id)?;
        if now >= deadline {
            return Ok(0);
        }
        if t.waiter.sleep_until(crate::waiter::deadline_after(tick)).is_ok() {
            continue;
        }
        let Some(rem) = rem else { return Err(ERESTARTNOHAND) };
        if rem != 0 {
            t.write_obj(rem, &Timespec::from_nanos(deadline - now)).map_err(|_| EFAULT)?;
        }
        t.restart_block = Some(Box::new(move |t: &mut Task| cpu_sleep_until(t, id, deadline, Some(rem))));
        return Err(ERESTART_RESTARTBLOCK);
    }
}
