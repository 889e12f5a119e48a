//! The data the sandbox's vDSO reads, shared by the sentry that writes it
//! and the vDSO image that reads it.
//!
//! A process's vDSO mapping is [`VVAR_PAGES`] data pages followed by the
//! image's text, its ELF header first:
//!
//! | page | what | mapped |
//! |---|---|---|
//! | image − 2 pages | [`VdsoHost`]: where this process's host vDSO functions are | private, read-only |
//! | image − 1 page | [`VdsoClock`]: how the sandbox's clocks derive from the host's | shared by every process, read-only |
//! | image | the vDSO's ELF image | private, read and execute |
//!
//! The vDSO answers `clock_gettime`, `gettimeofday`, `time`, `clock_getres`
//! and `getcpu` by calling the host's vDSO (mapped in every stub process)
//! and applying the clock page; whenever the data say it cannot (time is
//! paused, an unknown clock, no host vDSO), it makes the system call,
//! which the sentry serves.

/// Pages of data before the vDSO image.
pub const VVAR_PAGES: u64 = 2;

/// Clock ids the clock page has a base for (`CLOCK_REALTIME` to
/// `CLOCK_TAI`).
pub const CLOCKS: usize = 12;

/// How the sandbox's clocks derive from the host's, written by the sentry
/// under a sequence count (odd while it writes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VdsoClock {
    /// Odd while the sentry changes the page; a reader retries when it
    /// changed under it.
    pub seq: u32,
    /// [`flags`] bits.
    pub flags: u32,
    /// For each clock id: the sandbox's time is the host clock of the same
    /// id minus this many seconds ...
    pub base_sec: [i64; CLOCKS],
    /// ... and nanoseconds (`0..1_000_000_000`).
    pub base_nsec: [i64; CLOCKS],
    /// Which clock ids the vDSO answers: bit `id` set.
    pub served: u32,
    /// The sandbox's number of CPUs: `getcpu` answers the host CPU modulo
    /// this.
    pub cpus: u32,
    /// `clock_getres` of the coarse clocks (`CLOCK_REALTIME_COARSE`,
    /// `CLOCK_MONOTONIC_COARSE`), in nanoseconds; the others report 1.
    pub coarse_res_nsec: i64,
}

/// [`VdsoClock::flags`] bits.
pub mod flags {
    /// Time is paused: every clock read makes the system call.
    pub const FROZEN: u32 = 1;
    /// Some thread's CPU affinity is restricted: `getcpu` makes the system
    /// call.
    pub const GETCPU_SYSCALL: u32 = 2;
}

/// Where this process's host vDSO functions are (0: none).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VdsoHost {
    /// `__vdso_clock_gettime`.
    pub clock_gettime: u64,
    /// `__vdso_getcpu`.
    pub getcpu: u64,
}

// SAFETY: both are repr(C) and made of integers without padding.
unsafe impl crate::Pod for VdsoClock {}
// SAFETY: as above.
unsafe impl crate::Pod for VdsoHost {}
