//! Time structures and clock identifiers.

/// `struct timespec`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timespec {
    /// Seconds.
    pub tv_sec: i64,
    /// Nanoseconds, `0..1_000_000_000` when valid.
    pub tv_nsec: i64,
}
crate::impl_pod!(Timespec);

/// Nanoseconds in a second.
pub const NSEC_PER_SEC: i64 = 1_000_000_000;

impl Timespec {
    /// Whether `tv_nsec` is in range and `tv_sec` is not negative, as
    /// `timespec64_valid` requires of sleep and timer arguments.
    pub fn is_valid(&self) -> bool {
        self.tv_sec >= 0 && (0..NSEC_PER_SEC).contains(&self.tv_nsec)
    }

    /// Total nanoseconds, saturating.
    pub fn as_nanos(&self) -> i64 {
        self.tv_sec.saturating_mul(NSEC_PER_SEC).saturating_add(self.tv_nsec)
    }

    /// The timespec of `ns` nanoseconds (`ns` may be negative).
    pub fn from_nanos(ns: i64) -> Timespec {
        Timespec { tv_sec: ns.div_euclid(NSEC_PER_SEC), tv_nsec: ns.rem_euclid(NSEC_PER_SEC) }
    }
}

/// `struct timeval`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timeval {
    /// Seconds.
    pub tv_sec: i64,
    /// Microseconds.
    pub tv_usec: i64,
}
crate::impl_pod!(Timeval);

#[allow(missing_docs)]
pub mod clock {
    pub const REALTIME: i32 = 0;
    pub const MONOTONIC: i32 = 1;
    pub const PROCESS_CPUTIME_ID: i32 = 2;
    pub const THREAD_CPUTIME_ID: i32 = 3;
    pub const MONOTONIC_RAW: i32 = 4;
    pub const REALTIME_COARSE: i32 = 5;
    pub const MONOTONIC_COARSE: i32 = 6;
    pub const BOOTTIME: i32 = 7;
    pub const REALTIME_ALARM: i32 = 8;
    pub const BOOTTIME_ALARM: i32 = 9;
    pub const TAI: i32 = 11;
}

/// `flags` bit of `clock_nanosleep`: the time is absolute.
pub const TIMER_ABSTIME: u64 = 1;

/// Ticks per second reported as `AT_CLKTCK` and used by `times`.
pub const CLOCKS_PER_SEC: u64 = 100;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nanos_round_trip() {
        let t = Timespec::from_nanos(-1);
        assert_eq!(t, Timespec { tv_sec: -1, tv_nsec: 999_999_999 });
        assert_eq!(t.as_nanos(), -1);
        assert!(!t.is_valid());
        assert!(Timespec { tv_sec: 1, tv_nsec: 5 }.is_valid());
        assert!(!Timespec { tv_sec: 1, tv_nsec: NSEC_PER_SEC }.is_valid());
    }
}
