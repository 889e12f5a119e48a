//! The timekeeper: the sandbox's clocks, derived from the host's.
//!
//! Realtime follows the host. Monotonic and boottime count from the
//! sandbox's start (plus one second, so that no program ever sees zero),
//! as on a freshly booted machine, and never go back.

use abi::time::{clock, Timespec};
use abi::Errno;

/// Monotonic time reported at the instant the kernel starts.
const BOOT_OFFSET_NS: i64 = 1_000_000_000;

/// Reads the sandbox's clocks.
pub struct Timekeeper {
    /// Host monotonic time at start, minus [`BOOT_OFFSET_NS`].
    mono_base: i64,
    /// Host boottime at start, minus [`BOOT_OFFSET_NS`].
    boot_base: i64,
}

fn host_now(id: libc::clockid_t) -> i64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid timespec to fill; the clock ids used here
    // always exist on Linux.
    unsafe { libc::clock_gettime(id, &mut ts) };
    ts.tv_sec * 1_000_000_000 + ts.tv_nsec
}

impl Timekeeper {
    /// A timekeeper whose monotonic clock starts now.
    pub fn new() -> Timekeeper {
        Timekeeper {
            mono_base: host_now(libc::CLOCK_MONOTONIC) - BOOT_OFFSET_NS,
            boot_base: host_now(libc::CLOCK_BOOTTIME) - BOOT_OFFSET_NS,
        }
    }

    /// Sandbox monotonic time in nanoseconds.
    pub fn monotonic_ns(&self) -> i64 {
        host_now(libc::CLOCK_MONOTONIC) - self.mono_base
    }

    /// Realtime in nanoseconds since the epoch.
    pub fn realtime_ns(&self) -> i64 {
        host_now(libc::CLOCK_REALTIME)
    }

    /// The current value of a wall or monotonic clock; CPU-time clocks are
    /// read elsewhere.
    pub fn now(&self, clock_id: i32) -> Result<Timespec, Errno> {
        let ns = match clock_id {
            clock::REALTIME | clock::REALTIME_ALARM => self.realtime_ns(),
            clock::REALTIME_COARSE => host_now(libc::CLOCK_REALTIME_COARSE),
            clock::TAI => host_now(libc::CLOCK_TAI),
            clock::MONOTONIC => self.monotonic_ns(),
            clock::MONOTONIC_COARSE => host_now(libc::CLOCK_MONOTONIC_COARSE) - self.mono_base,
            clock::MONOTONIC_RAW => host_now(libc::CLOCK_MONOTONIC_RAW) - self.mono_base,
            clock::BOOTTIME | clock::BOOTTIME_ALARM => host_now(libc::CLOCK_BOOTTIME) - self.boot_base,
            _ => return Err(abi::errno::EINVAL),
        };
        Ok(Timespec::from_nanos(ns))
    }

    /// Converts an absolute time on `clock_id` to a host instant.
    pub fn deadline(&self, clock_id: i32, at: Timespec) -> Result<std::time::Instant, Errno> {
        let now = self.now(clock_id)?;
        let left = at.as_nanos().saturating_sub(now.as_nanos()).max(0) as u64;
        Ok(std::time::Instant::now() + std::time::Duration::from_nanos(left))
    }
}

impl Default for Timekeeper {
    fn default() -> Timekeeper {
        Timekeeper::new()
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
        assert_eq!(tk.now(12345), Err(abi::errno::EINVAL));
        assert!(tk.now(clock::REALTIME).unwrap().tv_sec > 1_600_000_000);
    }
}
