//! Where a sentry thread runs relative to the stub thread it serves.
//!
//! The two hand their slot back and forth at every system call, each
//! spinning briefly for the other. On two CPUs a hand-off takes a fraction
//! of a microsecond; on one, the spinner only holds its partner up, and a
//! call costs two context switches and the rest of a spin. The host
//! scheduler puts a woken thread near its waker, so after a fork or a sleep
//! the pair often lands on one CPU, and when no CPU is idle it may leave
//! them there for milliseconds. So a sentry thread that finds its stub on
//! its own CPU moves itself to another one it may use, at most once per
//! [`MOVE_INTERVAL`], and where it cannot, does not spin there.
//! (The stub reports its CPU in its slot at every hand-over.)

use std::cell::Cell;
use std::time::{Duration, Instant};

use crate::sys;

/// The least time between two moves of one thread: a move costs a few
/// microseconds, and a pair the scheduler keeps putting together should
/// not make its sentry thread do little else.
const MOVE_INTERVAL: Duration = Duration::from_millis(1);

thread_local! {
    static LAST_MOVE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Moves the calling thread off CPU `cpu` (numbered from 0), if it may run
/// on another and has not moved in the last [`MOVE_INTERVAL`]; whether it
/// moved. It may come back later: only the move is forced, not where the
/// scheduler puts the thread afterwards.
pub(crate) fn move_off(cpu: usize) -> bool {
    let now = Instant::now();
    if LAST_MOVE.get().is_some_and(|t| now.duration_since(t) < MOVE_INTERVAL) {
        return false;
    }
    LAST_MOVE.set(Some(now));
    let Ok(allowed) = sys::thread_affinity() else { return false };
    if !allowed.contains(cpu) || allowed.count() < 2 {
        return false;
    }
    if sys::set_thread_affinity(&allowed.without(cpu)).is_err() {
        return false;
    }
    // Moved by now; the scheduler may place the thread anywhere again.
    let _ = sys::set_thread_affinity(&allowed);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_moves_off_its_cpu_and_keeps_its_affinity() {
        std::thread::spawn(|| {
            let allowed = sys::thread_affinity().unwrap();
            let here = sys::current_cpu() as usize - 1;
            let moved = move_off(here);
            assert_eq!(moved, allowed.count() >= 2, "a move needs a second CPU");
            if moved {
                assert_ne!(sys::current_cpu() as usize - 1, here);
            }
            let after = sys::thread_affinity().unwrap();
            assert_eq!(after.count(), allowed.count());
            // A second move so soon is refused.
            assert!(!move_off(sys::current_cpu() as usize - 1));
        })
        .join()
        .unwrap();
    }
}
