//! Where a sentry thread runs relative to the stub thread it serves.
//!
//! The two hand their slot back and forth at every system call, each
//! spinning briefly for the other. On two CPUs a hand-off takes a fraction
//! of a microsecond; on one, the spinner only holds its partner up, and a
//! call costs two context switches and the rest of a spin. The host
//! scheduler puts a woken thread near its waker, so after a fork or a sleep
//! the pair often lands on one CPU, and when no CPU is idle it may leave
//! them there for milliseconds. So a sentry thread that keeps finding its
//! stub on its own CPU ([`STREAK`] hand-overs in a row) moves itself to
//! another CPU it may use, at most once per [`MOVE_INTERVAL`]; until then,
//! and where it cannot move, it does not spin there. A pair that meets on
//! one CPU only now and then stays put: the other CPU may be busy with a
//! thread that never yields, and a sentry thread moved there would have to
//! share it.
//! (The stub reports its CPU in its slot at every hand-over.)

use std::cell::Cell;
use std::time::{Duration, Instant};

use nix::sched::{sched_getaffinity, sched_setaffinity, CpuSet};
use nix::unistd::Pid;

/// The least time between two moves of one thread: a move costs a few
/// microseconds, and a pair the scheduler keeps putting together should
/// not make its sentry thread do little else.
const MOVE_INTERVAL: Duration = Duration::from_millis(1);

/// How many hand-overs in a row must find the stub on the sentry thread's
/// CPU before the thread moves.
const STREAK: u32 = 16;

thread_local! {
    static LAST_MOVE: Cell<Option<Instant>> = const { Cell::new(None) };
    static TOGETHER: Cell<u32> = const { Cell::new(0) };
}

/// Whether a sentry thread on CPU `here` should spin for a stub last seen
/// on CPU `stub` (both numbered from 1; 0 is unknown): yes when they are
/// apart, or once the thread has moved away from the stub.
pub(crate) fn may_spin(here: u32, stub: u32) -> bool {
    if here == 0 || here != stub {
        TOGETHER.set(0);
        return true;
    }
    let streak = TOGETHER.get() + 1;
    TOGETHER.set(streak);
    if streak >= STREAK && move_off(here as usize - 1) {
        TOGETHER.set(0);
        return true;
    }
    false
}

/// Moves the calling thread off CPU `cpu` (numbered from 0), if it may run
/// on another and has not moved in the last [`MOVE_INTERVAL`]; whether it
/// moved. It may come back later: only the move is forced, not where the
/// scheduler puts the thread afterwards.
fn move_off(cpu: usize) -> bool {
    let now = Instant::now();
    if LAST_MOVE.get().is_some_and(|t| now.duration_since(t) < MOVE_INTERVAL) {
        return false;
    }
    LAST_MOVE.set(Some(now));
    let this_thread = Pid::from_raw(0);
    let Ok(allowed) = sched_getaffinity(this_thread) else { return false };
    let mut elsewhere = allowed;
    // Stay if `cpu` is not one the thread may use, or the only one.
    if elsewhere.unset(cpu).is_err() || elsewhere == allowed || elsewhere == CpuSet::new() {
        return false;
    }
    if sched_setaffinity(this_thread, &elsewhere).is_err() {
        return false;
    }
    // Moved by now; the scheduler may place the thread anywhere again.
    let _ = sched_setaffinity(this_thread, &allowed);
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys;

    #[test]
    fn a_thread_moves_off_its_cpu_and_keeps_its_affinity() {
        std::thread::spawn(|| {
            let allowed = sched_getaffinity(Pid::from_raw(0)).unwrap();
            let cpus = (0..CpuSet::count()).filter(|&c| allowed.is_set(c) == Ok(true)).count();
            let here = sys::current_cpu() as usize - 1;
            let moved = move_off(here);
            assert_eq!(moved, cpus >= 2, "a move needs a second CPU");
            if moved {
                assert_ne!(sys::current_cpu() as usize - 1, here);
            }
            assert_eq!(sched_getaffinity(Pid::from_raw(0)).unwrap(), allowed);
            // A second move so soon is refused, unless the host held this
            // thread up for a whole interval in between (a loaded machine).
            let first = LAST_MOVE.get().unwrap();
            let moved_again = move_off(sys::current_cpu() as usize - 1);
            assert!(!moved_again || LAST_MOVE.get().unwrap().duration_since(first) >= MOVE_INTERVAL);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn only_a_streak_together_makes_a_thread_move() {
        std::thread::spawn(|| {
            let here = sys::current_cpu();
            assert!(may_spin(here, here + 1), "apart: spin");
            for _ in 1..STREAK {
                assert!(!may_spin(here, here), "together: no spin, no move yet");
            }
            assert!(may_spin(here, here + 1), "apart again: the streak ends");
            assert!(!may_spin(here, here));
        })
        .join()
        .unwrap();
    }
}
