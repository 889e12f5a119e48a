//! Waiting: the one mechanism every blocking system call uses to sleep,
//! so that a kill or a signal can always wake it, and the wait queues
//! through which kernel objects wake their sleepers ([`WaitQueue`]).
//!
//! This module is a leaf: it knows nothing of tasks or files. A sleeper
//! that is a task tells its CPU account when it sleeps through
//! [`SleepHook`].
//!
//! A [`Waiter`] belongs to one task. The task sleeps in
//! [`Waiter::sleep_until`] (a timeout), [`Waiter::wait_fd`] (a host
//! descriptor becoming ready), [`Waiter::wait_wake`] (a wake-up from a
//! [`WaitQueue`] it registered with) or
//! [`Waiter::wait_wake_or_fds`] (either: `poll` over pipes and host
//! files); any other thread may [`Waiter::interrupt`] it or
//! [`Waiter::wake`] it.
//!
//! Interruptions and wake-ups share one eventfd. An interruption also sets
//! a flag, and stays pending until the task consumes it with
//! [`Waiter::take_interrupt`]; a wake-up is consumed by the wait it ends
//! (or ignored by a wait that does not expect one: a stale wake-up never
//! interrupts a sleep). Because wake-ups can be stale or shared, a task
//! woken re-checks its condition, and whether it is being killed.

use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::poll::{ppoll, PollFd, PollFlags};
use nix::sys::eventfd::{EfdFlags, EventFd};
use nix::sys::time::TimeSpec;

mod queue;

pub use queue::{events, wait_on, Callback, OwnedRegistration, Registration, WaitQueue};

/// What a sleeper does as it falls asleep and wakes: a task's CPU clock
/// stops charging it while it sleeps.
pub trait SleepHook: Send + Sync {
    /// The sleeper is about to sleep.
    fn asleep(&self);
    /// The sleeper woke up.
    fn awake(&self);
}

/// Why a wait ended early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted;

/// A task's interruptible sleep.
pub struct Waiter {
    /// Readable while an interruption or a wake-up is pending.
    event: EventFd,
    /// Set while an interruption is pending.
    interrupted: AtomicBool,
    /// Set while the task sleeps here (a known point for `Kernel::pause`).
    asleep: AtomicBool,
    /// The task's CPU account: a sleeping task does not run.
    hook: Option<Arc<dyn SleepHook>>,
}

/// How a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Readiness {
    /// The host descriptor waited for is ready.
    Ready,
    /// A wake-up came (only for waits that accept one).
    Woken,
    /// The deadline passed.
    TimedOut,
    /// An interruption is pending.
    Interrupted,
}

impl Waiter {
    /// A waiter with no interruption pending, for a sleeper that is not a
    /// task.
    pub fn new() -> io::Result<Waiter> {
        Waiter::make(None)
    }

    /// The waiter of a sleeper that `hook` hears of each sleep (a task
    /// whose CPU time stops while it sleeps here).
    pub fn with_hook(hook: Arc<dyn SleepHook>) -> io::Result<Waiter> {
        Waiter::make(Some(hook))
    }

    fn make(hook: Option<Arc<dyn SleepHook>>) -> io::Result<Waiter> {
        let event = EventFd::from_value_and_flags(0, EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK)?;
        Ok(Waiter { event, interrupted: AtomicBool::new(false), asleep: AtomicBool::new(false), hook })
    }

    /// Makes the eventfd readable.
    fn signal(&self) {
        // Only a counter at its maximum refuses a write, and then the
        // eventfd is readable already.
        let _ = self.event.write(1);
    }

    /// Empties the eventfd; returns whether anything was pending.
    fn drain(&self) -> bool {
        self.event.read().is_ok()
    }

    /// Interrupts the current or next wait of the task.
    pub fn interrupt(&self) {
        // The flag is set before the eventfd is written, so a sleeper that
        // drains the eventfd and then reads the flag always sees it.
        self.interrupted.store(true, Ordering::SeqCst);
        self.signal();
    }

    /// Wakes the task's current wait on a wait queue, if it is in one; the
    /// task then re-checks what it waits for. Never interrupts a sleep.
    pub fn wake(&self) {
        self.signal();
    }

    /// Whether an interruption is pending (it stays pending).
    pub fn is_interrupted(&self) -> bool {
        self.interrupted.load(Ordering::SeqCst)
    }

    /// Withdraws a pending interruption, leaving any wake-up pending (a
    /// sleeper woken by the eventfd re-checks the flag and sleeps on).
    pub fn clear_interrupt(&self) {
        self.interrupted.store(false, Ordering::SeqCst);
    }

    /// Consumes a pending interruption; returns whether there was one.
    /// A pending wake-up is consumed with it (wake-ups are hints).
    pub fn take_interrupt(&self) -> bool {
        self.drain();
        self.interrupted.swap(false, Ordering::SeqCst)
    }

    /// Sleeps until `deadline` (`None`: forever) or an interruption.
    pub fn sleep_until(&self, deadline: Option<Instant>) -> Result<(), Interrupted> {
        match self.poll(&[], false, deadline) {
            Readiness::Interrupted => Err(Interrupted),
            _ => Ok(()),
        }
    }

    /// Sleeps until host descriptor `fd` reports any of `events` (poll
    /// bits), `deadline` passes, or an interruption. Returns whether `fd`
    /// became ready.
    pub fn wait_fd(&self, fd: BorrowedFd<'_>, events: i16, deadline: Option<Instant>) -> Result<bool, Interrupted> {
        match self.poll(&[(fd, events)], false, deadline) {
            Readiness::Interrupted => Err(Interrupted),
            Readiness::Ready | Readiness::Woken => Ok(true),
            Readiness::TimedOut => Ok(false),
        }
    }

    /// Sleeps until a wake-up ([`Waiter::wake`]), `deadline`, or an
    /// interruption. Returns whether a wake-up came (`false`: the deadline
    /// passed). A wake-up that came before the call ends it at once.
    pub fn wait_wake(&self, deadline: Option<Instant>) -> Result<bool, Interrupted> {
        match self.poll(&[], true, deadline) {
            Readiness::Interrupted => Err(Interrupted),
            Readiness::Ready | Readiness::Woken => Ok(true),
            Readiness::TimedOut => Ok(false),
        }
    }

    /// Sleeps until a wake-up, any of the host descriptors in `fds`
    /// reporting its events (poll bits), `deadline`, or an interruption:
    /// what `poll` and `epoll_wait` do when some of the files they watch
    /// are host-backed. Returns whether a wake-up came or a descriptor is
    /// ready (`false`: the deadline passed).
    pub fn wait_wake_or_fds(&self, fds: &[(BorrowedFd<'_>, i16)], deadline: Option<Instant>) -> Result<bool, Interrupted> {
        match self.poll(fds, true, deadline) {
            Readiness::Interrupted => Err(Interrupted),
            Readiness::Ready | Readiness::Woken => Ok(true),
            Readiness::TimedOut => Ok(false),
        }
    }

    /// Whether the task sleeps in this waiter right now.
    pub fn is_asleep(&self) -> bool {
        self.asleep.load(Ordering::SeqCst)
    }

    fn poll(&self, fds: &[(BorrowedFd<'_>, i16)], wakes: bool, deadline: Option<Instant>) -> Readiness {
        if let Some(h) = &self.hook {
            h.asleep();
        }
        self.asleep.store(true, Ordering::SeqCst);
        let r = self.poll_inner(fds, wakes, deadline);
        self.asleep.store(false, Ordering::SeqCst);
        if let Some(h) = &self.hook {
            h.awake();
        }
        r
    }

    fn poll_inner(&self, host: &[(BorrowedFd<'_>, i16)], wakes: bool, deadline: Option<Instant>) -> Readiness {
        fn pollfd(fd: BorrowedFd<'_>, events: i16) -> PollFd<'_> {
            PollFd::new(fd, PollFlags::from_bits_truncate(events))
        }
        let own = pollfd(self.event.as_fd(), libc::POLLIN);
        // The common waits (one host descriptor at most) need no allocation.
        let mut small = [own.clone(), own.clone()];
        let mut large = Vec::new();
        let fds: &mut [PollFd<'_>] = if host.len() <= 1 {
            if let Some((fd, events)) = host.first() {
                small[1] = pollfd(*fd, *events);
            }
            &mut small[..1 + host.len()]
        } else {
            large.push(own);
            large.extend(host.iter().map(|(fd, events)| pollfd(*fd, *events)));
            &mut large
        };
        let ready = |p: &PollFd<'_>| p.revents().is_some_and(|r| !r.is_empty());
        loop {
            if self.is_interrupted() {
                return Readiness::Interrupted;
            }
            let timeout = deadline.map(|d| TimeSpec::from_duration(d.saturating_duration_since(Instant::now())));
            match ppoll(fds, timeout, None) {
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => continue,
                Err(_) => return Readiness::TimedOut,
            }
            if ready(&fds[0]) {
                // Drain first, then read the flag: an interruption whose
                // write is drained here has already set it.
                self.drain();
                if self.is_interrupted() {
                    return Readiness::Interrupted;
                }
                if wakes {
                    return Readiness::Woken;
                }
            }
            if fds[1..].iter().any(ready) {
                return Readiness::Ready;
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Readiness::TimedOut;
            }
        }
    }
}

/// Converts a relative timeout to a deadline, saturating far in the future.
pub fn deadline_after(d: Duration) -> Option<Instant> {
    Instant::now().checked_add(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleeps_for_the_timeout() {
        let w = Waiter::new().unwrap();
        let t = Instant::now();
        assert_eq!(w.sleep_until(deadline_after(Duration::from_millis(20))), Ok(()));
        assert!(t.elapsed() >= Duration::from_millis(20));
    }

    #[test]
    fn an_interruption_ends_the_wait_and_stays_until_taken() {
        let w = std::sync::Arc::new(Waiter::new().unwrap());
        let w2 = w.clone();
        let h = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(10));
            w2.interrupt();
        });
        assert_eq!(w.sleep_until(None), Err(Interrupted));
        h.join().unwrap();
        assert_eq!(w.sleep_until(Some(Instant::now())), Err(Interrupted));
        assert_eq!(w.wait_wake(Some(Instant::now())), Err(Interrupted));
        assert!(w.take_interrupt());
        assert!(!w.take_interrupt());
        assert_eq!(w.sleep_until(Some(Instant::now())), Ok(()));
    }

    #[test]
    fn wait_wake_or_fds_ends_on_a_descriptor_or_a_wake() {
        let w = std::sync::Arc::new(Waiter::new().unwrap());
        let a = Waiter::new().unwrap();
        let b = Waiter::new().unwrap();
        let fds = [(a.event.as_fd(), libc::POLLIN), (b.event.as_fd(), libc::POLLIN)];
        assert_eq!(w.wait_wake_or_fds(&fds, Some(Instant::now())), Ok(false));
        b.wake();
        assert_eq!(w.wait_wake_or_fds(&fds, deadline_after(Duration::from_secs(10))), Ok(true));
        assert!(b.drain());
        w.wake();
        assert_eq!(w.wait_wake_or_fds(&fds, deadline_after(Duration::from_secs(10))), Ok(true));
        let t = Instant::now();
        assert_eq!(w.wait_wake_or_fds(&fds[..1], deadline_after(Duration::from_millis(20))), Ok(false));
        assert!(t.elapsed() >= Duration::from_millis(20));
        w.interrupt();
        assert_eq!(w.wait_wake_or_fds(&fds, None), Err(Interrupted));
        assert!(w.take_interrupt());
    }

    #[test]
    fn a_wake_ends_a_queue_wait_but_not_a_sleep() {
        let w = std::sync::Arc::new(Waiter::new().unwrap());
        // A stale wake-up does not cut a sleep short.
        w.wake();
        let t = Instant::now();
        assert_eq!(w.sleep_until(deadline_after(Duration::from_millis(20))), Ok(()));
        assert!(t.elapsed() >= Duration::from_millis(20));
        assert!(!w.is_interrupted());
        // A wake-up from another thread ends a queue wait, and is consumed.
        let w2 = w.clone();
        let h = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(10));
            w2.wake();
        });
        assert_eq!(w.wait_wake(None), Ok(true));
        h.join().unwrap();
        assert_eq!(w.wait_wake(Some(Instant::now())), Ok(false));
        // A wake-up that came first ends the next queue wait at once.
        w.wake();
        assert_eq!(w.wait_wake(deadline_after(Duration::from_secs(10))), Ok(true));
        // An interruption wins over a wake-up.
        w.wake();
        w.interrupt();
        assert_eq!(w.wait_wake(None), Err(Interrupted));
        assert!(w.take_interrupt());
    }
}
