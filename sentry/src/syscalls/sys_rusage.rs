//! getrusage.
//!
//! CPU time is the kernel CPU clock's accounting (`kernel::cpu_clock`):
//! user time is app code, system time the sentry's work on the task's
//! behalf, in 10 ms ticks. Peak memory is the host's accounting of the
//! stub process that holds the app. The other counters (faults, context
//! switches, I/O) are 0.

use std::time::Duration;

use abi::errno::EINVAL;

use super::{Args, SysResult};
use crate::kernel::task::Task;
use crate::kernel::thread_group::Usage;

/// `RUSAGE_SELF`: the calling process.
const RUSAGE_SELF: i32 = 0;
/// `RUSAGE_CHILDREN`: its reaped children and their descendants.
const RUSAGE_CHILDREN: i32 = -1;
/// `RUSAGE_THREAD`: the calling thread.
const RUSAGE_THREAD: i32 = 1;

/// Size of `struct rusage`: two `timeval`s, then 14 longs.
const RUSAGE_SIZE: usize = 144;

/// Encodes `u` as `struct rusage`: `ru_utime`, `ru_stime`, `ru_maxrss`
/// (KiB), and zeros for the rest.
pub(super) fn encode(u: &Usage) -> [u8; RUSAGE_SIZE] {
    let timeval = |d: Duration| [d.as_secs() as i64, d.subsec_micros() as i64];
    let mut words = [0i64; RUSAGE_SIZE / 8];
    words[0..2].copy_from_slice(&timeval(u.user));
    words[2..4].copy_from_slice(&timeval(u.system));
    words[4] = i64::try_from(u.max_rss_kib).unwrap_or(i64::MAX);
    let mut out = [0u8; RUSAGE_SIZE];
    for (chunk, w) in out.chunks_exact_mut(8).zip(words) {
        chunk.copy_from_slice(&w.to_ne_bytes());
    }
    out
}

/// `getrusage(who, usage)`. Peak memory is the process's for
/// `RUSAGE_THREAD` too, as on Linux.
pub fn getrusage(t: &mut Task, a: Args) -> SysResult {
    let max_rss = || t.ctx.space().max_rss_kib().unwrap_or(0);
    let usage = match a.int(0) {
        RUSAGE_SELF => Usage::of_cpu(t.tg.cpu.usage(), max_rss()),
        RUSAGE_THREAD => Usage::of_cpu(t.cpu.usage(), max_rss()),
        RUSAGE_CHILDREN => *t.tg.children_usage.lock(),
        _ => return Err(EINVAL),
    };
    t.copy_out(a.u64(1), &encode(&usage))?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        let u = Usage { user: Duration::new(3, 4_000_999), system: Duration::from_micros(7), max_rss_kib: 1234 };
        let b = encode(&u);
        let word = |i: usize| i64::from_ne_bytes(b[i * 8..i * 8 + 8].try_into().unwrap());
        assert_eq!([word(0), word(1), word(2), word(3), word(4)], [3, 4000, 0, 7, 1234]);
        assert!((5..18).all(|i| word(i) == 0));
    }
}
