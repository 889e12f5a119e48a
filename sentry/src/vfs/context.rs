//! The caller of a file operation, as the VFS sees it.
//!
//! Operations that block, stamp times, count against a limit or copy to
//! the caller's memory reach the calling task only through [`Context`],
//! which the kernel's task implements. The VFS core thus knows nothing of
//! tasks, processes or signals, as gVisor's VFS takes a `context.Context`.
//! A filesystem above the kernel that needs the task itself (a signalfd
//! reads the caller's own signals) asks the kernel for it.

use std::any::Any;
use std::sync::Arc;
use std::time::Instant;

use abi::Errno;

use crate::auth::Credentials;
use crate::waiter::{self, WaitQueue, Waiter};

/// The task calling a file operation.
pub trait Context: Any {
    /// The caller's credentials, as they are now.
    fn credentials(&self) -> Credentials;

    /// The caller's interruptible sleep.
    fn waiter(&self) -> &Arc<Waiter>;

    /// Whether the caller is being killed: a blocking operation gives up
    /// with `EINTR`.
    fn is_killed(&self) -> bool;

    /// The largest file the caller may write (the soft `RLIMIT_FSIZE`),
    /// in bytes.
    fn file_size_limit(&self) -> u64;

    /// Copies `data` to the caller's memory at `addr` as the last act of
    /// its system call (an `ioctl`'s answer).
    fn copy_out(&mut self, addr: u64, data: &[u8]) -> Result<(), Errno>;

    /// Tells the caller's process that a write failed with `err`: `EPIPE`
    /// sends it `SIGPIPE`.
    fn note_write_error(&mut self, err: Errno);

    /// Realtime now, in nanoseconds since the epoch (file times).
    fn realtime_ns(&self) -> i64;

    /// When the sandbox booted, in realtime nanoseconds (the times of the
    /// anonymous inode).
    fn boot_time_ns(&self) -> i64;

    /// A number the kernel never returned before (the inode numbers of
    /// pipes).
    fn unique_id(&self) -> u64;
}

/// Sleeps until `ready()` returns true: `Ok` then, `Err(ETIMEDOUT)` once
/// `deadline` passes (`None`: never), `Err(EINTR)` when the caller is
/// being killed or its wait is interrupted (see [`waiter::wait_on`]).
pub fn wait_until<C: Context + ?Sized>(
    ctx: &C,
    queue: &WaitQueue,
    mask: u32,
    deadline: Option<Instant>,
    ready: impl FnMut() -> bool,
) -> Result<(), Errno> {
    waiter::wait_on(ctx.waiter(), || ctx.is_killed(), queue, mask, deadline, ready)
}

/// A caller for unit tests: root, never killed, with no memory to copy
/// to.
#[cfg(test)]
pub struct TestContext {
    waiter: Arc<Waiter>,
    next_id: std::sync::atomic::AtomicU64,
}

#[cfg(test)]
impl TestContext {
    /// A new caller.
    pub fn new() -> TestContext {
        TestContext::default()
    }
}

#[cfg(test)]
impl Default for TestContext {
    fn default() -> TestContext {
        TestContext { waiter: Arc::new(Waiter::new().expect("a waiter")), next_id: 1.into() }
    }
}

#[cfg(test)]
impl Context for TestContext {
    fn credentials(&self) -> Credentials {
        Credentials::fixed(0)
    }

    fn waiter(&self) -> &Arc<Waiter> {
        &self.waiter
    }

    fn is_killed(&self) -> bool {
        false
    }

    fn file_size_limit(&self) -> u64 {
        u64::MAX
    }

    fn copy_out(&mut self, _addr: u64, _data: &[u8]) -> Result<(), Errno> {
        Err(abi::errno::EFAULT)
    }

    fn note_write_error(&mut self, _err: Errno) {}

    fn realtime_ns(&self) -> i64 {
        0
    }

    fn boot_time_ns(&self) -> i64 {
        0
    }

    fn unique_id(&self) -> u64 {
        self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }
}
