//! The timekeeper: the sandbox's clocks, derived from the host's.
//!
//! Realtime (and TAI, and their coarse variant) follows the host: the
//! sandbox may not set it (`clock_settime` is `EPERM`), so there is nothing
//! to offset. Monotonic and boottime count from the sandbox's start (plus
//! one second, so that no program ever sees zero), as on a freshly booted
//! machine, and never go back; the coarse and raw variants of monotonic
//! have their own offsets from the matching host clocks, so each is as
//! steady as its host clock.
//!
//! Time can be paused as a whole ([`Timekeeper::pause`], for save/restore,
//! with every task stopped): while paused the monotonic clocks stand still,
//! and on [`Timekeeper::resume`] they go on from where they stood, as
//! Linux's monotonic clock does across a suspend; boottime, like Linux's,
//! counts the pause.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use abi::time::{clock, Timespec};
use abi::Errno;

use super::ktime::Clock;

/// Monotonic time reported at the instant the kernel starts.
const BOOT_OFFSET_NS: i64 = 1_000_000_000;

/// [`Timekeeper::frozen`] when time is not paused.
const RUNNING: i64 = i64::MIN;

/// Reads the sandbox's clocks.
pub struct Timekeeper {
    /// Host monotonic time that reads as sandbox monotonic 0.
    mono_base: AtomicI64,
    /// Host raw monotonic time that reads as sandbox raw monotonic 0.
    raw_base: AtomicI64,
    /// Host coarse monotonic time that reads as sandbox coarse 0.
    coarse_base: AtomicI64,
    /// Host boottime that reads as sandbox boottime 0.
    boot_base: i64,
    /// Sandbox monotonic time at the pause while time is paused, else
    /// [`RUNNING`].
    frozen: AtomicI64,
}

/// A host time in nanoseconds (0 for a clock the host lacks: the ids used
/// here always exist on Linux).
fn nanos(t: nix::Result<nix::sys::time::TimeSpec>) -> i64 {
    t.map_or(0, |ts| ts.tv_sec() * 1_000_000_000 + ts.tv_nsec())
}

fn host_now(id: libc::clockid_t) -> i64 {
    nanos(nix::time::clock_gettime(nix::time::ClockId::from_raw(id)))
}

/// The host's resolution of clock `id`, in nanoseconds.
pub fn host_resolution(id: libc::clockid_t) -> i64 {
    nanos(nix::time::clock_getres(nix::time::ClockId::from_raw(id)))
}

impl Timekeeper {
    /// A timekeeper whose monotonic clock starts now.
    pub fn new() -> Timekeeper {
        // Boottime's base is read first: read later, it would be the
        // later instant's, and boottime would trail monotonic by the time
        // between the two reads (which the vDSO's reads are close enough
        // to see).
        let boot_base = host_now(libc::CLOCK_BOOTTIME) - BOOT_OFFSET_NS;
        Timekeeper {
            mono_base: AtomicI64::new(host_now(libc::CLOCK_MONOTONIC) - BOOT_OFFSET_NS),
            raw_base: AtomicI64::new(host_now(libc::CLOCK_MONOTONIC_RAW) - BOOT_OFFSET_NS),
            coarse_base: AtomicI64::new(host_now(libc::CLOCK_MONOTONIC_COARSE) - BOOT_OFFSET_NS),
            boot_base,
            frozen: AtomicI64::new(RUNNING),
        }
    }

    /// A monotonic clock read from host clock `host` minus `base`, or
    /// the paused instant while time is paused.
    fn mono_like(&self, host: libc::clockid_t, base: &AtomicI64) -> i64 {
        let frozen = self.frozen.load(Ordering::SeqCst);
        if frozen != RUNNING {
            return frozen;
        }
        host_now(host) - base.load(Ordering::SeqCst)
    }

    /// Sandbox monotonic time in nanoseconds.
    pub fn monotonic_ns(&self) -> i64 {
        self.mono_like(libc::CLOCK_MONOTONIC, &self.mono_base)
    }

    /// Sandbox boottime in nanoseconds: monotonic time plus the time spent
    /// paused.
    pub fn boottime_ns(&self) -> i64 {
        host_now(libc::CLOCK_BOOTTIME) - self.boot_base
    }

    /// Realtime in nanoseconds since the epoch.
    pub fn realtime_ns(&self) -> i64 {
        host_now(libc::CLOCK_REALTIME)
    }

    /// The current value of a wall or monotonic clock in nanoseconds;
    /// `EINVAL` for anything else (CPU-time clocks are read elsewhere).
    pub fn now_ns(&self, clock_id: i32) -> Result<i64, Errno> {
        Ok(match clock_id {
            clock::REALTIME | clock::REALTIME_ALARM => self.realtime_ns(),
            clock::REALTIME_COARSE => host_now(libc::CLOCK_REALTIME_COARSE),
            clock::TAI => host_now(libc::CLOCK_TAI),
            clock::MONOTONIC => self.monotonic_ns(),
            clock::MONOTONIC_COARSE => self.mono_like(libc::CLOCK_MONOTONIC_COARSE, &self.coarse_base),
            clock::MONOTONIC_RAW => self.mono_like(libc::CLOCK_MONOTONIC_RAW, &self.raw_base),
            clock::BOOTTIME | clock::BOOTTIME_ALARM => self.boottime_ns(),
            _ => return Err(abi::errno::EINVAL),
        })
    }

    /// [`Timekeeper::now_ns`] as a timespec.
    pub fn now(&self, clock_id: i32) -> Result<Timespec, Errno> {
        self.now_ns(clock_id).map(Timespec::from_nanos)
    }

    /// Converts an absolute time on `clock_id` to a host instant (for the
    /// timeouts of waits that sleep in the host).
    pub fn deadline(&self, clock_id: i32, at: Timespec) -> Result<std::time::Instant, Errno> {
        let left = at.as_nanos().saturating_sub(self.now_ns(clock_id)?).max(0) as u64;
        Ok(std::time::Instant::now() + std::time::Duration::from_nanos(left))
    }

    /// The resolution of a wall or monotonic clock: the host's for the
    /// coarse clocks (a tick), 1 ns for the others; `EINVAL` for others.
    pub fn resolution(&self, clock_id: i32) -> Result<Timespec, Errno> {
        self.now_ns(clock_id)?;
        Ok(Timespec::from_nanos(match clock_id {
            clock::REALTIME_COARSE => host_resolution(libc::CLOCK_REALTIME_COARSE),
            clock::MONOTONIC_COARSE => host_resolution(libc::CLOCK_MONOTONIC_COARSE),
            _ => 1,
        }))
    }

    /// What each clock subtracts from the host clock of the same id, in
    /// nanoseconds, indexed by clock id (the vDSO's clock page); `None`
    /// while time is paused.
    pub fn host_bases(&self) -> Option<[i64; abi::vdso::CLOCKS]> {
        if self.frozen.load(Ordering::SeqCst) != RUNNING {
            return None;
        }
        let mut bases = [0; abi::vdso::CLOCKS];
        bases[clock::MONOTONIC as usize] = self.mono_base.load(Ordering::SeqCst);
        bases[clock::MONOTONIC_RAW as usize] = self.raw_base.load(Ordering::SeqCst);
        bases[clock::MONOTONIC_COARSE as usize] = self.coarse_base.load(Ordering::SeqCst);
        bases[clock::BOOTTIME as usize] = self.boot_base;
        Some(bases)
    }

    /// Stops the monotonic clocks (see the module doc). Every task must
    /// be stopped; a second pause without a resume does nothing.
    pub fn pause(&self) {
        let now = self.monotonic_ns();
        let _ = self.frozen.compare_exchange(RUNNING, now, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// Lets the monotonic clocks go on from where [`Timekeeper::pause`]
    /// stopped them; does nothing if time is not paused.
    pub fn resume(&self) {
        let frozen = self.frozen.load(Ordering::SeqCst);
        if frozen == RUNNING {
            return;
        }
        // Each base moves forward by the time spent paused, before the
        // clocks run again (readers see the frozen value until then).
        let paused_for = host_now(libc::CLOCK_MONOTONIC) - self.mono_base.load(Ordering::SeqCst) - frozen;
        for base in [&self.mono_base, &self.raw_base, &self.coarse_base] {
            base.fetch_add(paused_for.max(0), Ordering::SeqCst);
        }
        self.frozen.store(RUNNING, Ordering::SeqCst);
    }
}

impl Default for Timekeeper {
    fn default() -> Timekeeper {
        Timekeeper::new()
    }
}

/// One of the timekeeper's clocks, for timers to run on.
struct TimekeeperClock {
    tk: Arc<Timekeeper>,
    id: i32,
}

impl Timekeeper {
    /// Clock `id` of this timekeeper (a clock [`Timekeeper::now_ns`]
    /// knows), for timers to run on.
    pub fn clock(self: &Arc<Timekeeper>, id: i32) -> Arc<dyn Clock> {
        Arc::new(TimekeeperClock { tk: self.clone(), id })
    }
}

impl Clock for TimekeeperClock {
    fn now_ns(&self) -> i64 {
        self.tk.now_ns(self.id).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotonic_starts_near_boot_offset_and_advances() {
        let tk = Timekeeper::new();
        let a = tk.now(clock::MONOTONIC).unwrap().as_nanos();
        assert!((BOOT_OFFSET_NS..BOOT_OFFSET_NS + 1_000_000_000).contains(&a));
        let b = tk.now(clock::MONOTONIC).unwrap().as_nanos();
        assert!(b >= a);
        assert!(tk.now(clock::BOOTTIME).unwrap().as_nanos() >= BOOT_OFFSET_NS);
        for id in [clock::MONOTONIC_RAW, clock::MONOTONIC_COARSE] {
            let v = tk.now_ns(id).unwrap();
            assert!((0..BOOT_OFFSET_NS + 1_000_000_000).contains(&v), "clock {id}: {v}");
        }
        assert_eq!(tk.now(12345), Err(abi::errno::EINVAL));
        assert_eq!(tk.now(clock::PROCESS_CPUTIME_ID), Err(abi::errno::EINVAL));
        assert!(tk.now(clock::REALTIME).unwrap().tv_sec > 1_600_000_000);
        assert_eq!(tk.resolution(clock::MONOTONIC), Ok(Timespec { tv_sec: 0, tv_nsec: 1 }));
        assert!(tk.resolution(clock::MONOTONIC_COARSE).unwrap().tv_nsec > 1);
    }

    #[test]
    fn boottime_never_trails_monotonic() {
        let tk = Timekeeper::new();
        // Read the host clocks as close together as the vDSO does: with
        // the bases from the host itself, not through `now_ns`.
        let bases = tk.host_bases().unwrap();
        for _ in 0..10_000 {
            let mono = host_now(libc::CLOCK_MONOTONIC) - bases[clock::MONOTONIC as usize];
            let boot = host_now(libc::CLOCK_BOOTTIME) - bases[clock::BOOTTIME as usize];
            assert!(boot >= mono, "boottime {boot} trails monotonic {mono}");
        }
    }

    #[test]
    fn a_pause_stops_monotonic_but_not_boottime() {
        let tk = Timekeeper::new();
        tk.pause();
        let m = tk.monotonic_ns();
        let b = tk.boottime_ns();
        std::thread::sleep(std::time::Duration::from_millis(30));
        tk.pause();
        assert_eq!(tk.monotonic_ns(), m);
        assert_eq!(tk.now_ns(clock::MONOTONIC_RAW), Ok(m));
        assert!(tk.boottime_ns() >= b + 30_000_000);
        tk.resume();
        let after = tk.monotonic_ns();
        assert!(after >= m && after < m + 25_000_000, "monotonic goes on from the pause: {m} then {after}");
        assert!(tk.now_ns(clock::MONOTONIC_RAW).unwrap() < m + 25_000_000);
        tk.resume();
        assert!(tk.monotonic_ns() >= after);
    }

    #[test]
    fn kernel_time_pauses_as_a_whole() {
        use std::sync::atomic::{AtomicU64, Ordering};
        use std::time::Duration;

        use crate::kernel::ktime::{tests::wait_for, Listener, Setting, Timer};

        struct Count(AtomicU64);
        impl Listener for Arc<Count> {
            fn notify(&self, n: u64, _: Setting) -> Option<Setting> {
                self.0.fetch_add(n, Ordering::SeqCst);
                None
            }
        }
        // The test process has threads: it cannot enter a network namespace.
        let config = crate::boot::BootConfig { root: crate::boot::RootFs::Tmpfs, network: crate::boot::Network::Host, ..Default::default() };
        let k = crate::boot::new_kernel(&config).expect("a kernel");
        let fired = Arc::new(Count(AtomicU64::new(0)));
        let t = Timer::new(&k.timers, k.monotonic.clone(), Box::new(fired.clone()));
        t.swap_with(|now| Setting::new(300_000_000, 0, false, now));
        k.pause_time();
        let frozen = k.timekeeper.monotonic_ns();
        std::thread::sleep(Duration::from_millis(400));
        assert_eq!(fired.0.load(Ordering::SeqCst), 0, "nothing fires while time is paused");
        assert_eq!(k.timekeeper.monotonic_ns(), frozen);
        k.resume_time();
        // Monotonic time lost the pause: the timer still has ~300 ms to go.
        let (now, s) = t.get();
        assert!(s.enabled && s.next - now > 200_000_000, "{} ns left", s.next - now);
        wait_for(|| fired.0.load(Ordering::SeqCst) == 1);
    }
}
