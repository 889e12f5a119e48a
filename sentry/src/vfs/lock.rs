//! Advisory file locks: POSIX record locks (`fcntl` `F_SETLK`, owned by
//! a process), open file description locks (`F_OFD_SETLK`, owned by the
//! description) and `flock` locks (whole file, owned by the description).
//! Record and OFD locks conflict with each other; `flock` locks live apart,
//! as on Linux.
//!
//! A process's record locks go when it closes any descriptor of the file
//! or exits (a lock of a process that has begun to exit no longer counts,
//! and a sleeper rechecks at least every 50 ms to see it); a description's
//! locks go when its last descriptor closes. Deadlocks between waiters
//! are not detected (Linux's `EDEADLK`).
//!
//! One table serves the sentry (it runs one kernel), keyed by the file's
//! device and inode numbers. Its lock is a leaf.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use abi::errno::{EAGAIN, ETIMEDOUT};
use abi::Errno;
use parking_lot::Mutex;

use super::context::wait_until;
use super::Context;
use crate::waiter::{events, WaitQueue};

/// A process that holds record locks, as the lock table sees it.
pub trait LockHolder: Send + Sync {
    /// Whether the process has begun to exit: its locks no longer count.
    fn is_exiting(&self) -> bool;
}

/// Who holds a lock.
#[derive(Clone)]
pub enum Owner {
    /// A process (record locks), by its PID.
    Process(i32, Weak<dyn LockHolder>),
    /// An open file description, by address (OFD and `flock` locks).
    Description(usize),
}

impl Owner {
    fn same(&self, other: &Owner) -> bool {
        match (self, other) {
            (Owner::Process(a, _), Owner::Process(b, _)) => a == b,
            (Owner::Description(a), Owner::Description(b)) => a == b,
            _ => false,
        }
    }

    fn alive(&self) -> bool {
        match self {
            Owner::Process(_, p) => p.upgrade().is_some_and(|p| !p.is_exiting()),
            Owner::Description(_) => true,
        }
    }
}

/// Which kind of lock space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Space {
    /// Record and OFD locks.
    Record,
    /// `flock` locks.
    Flock,
}

/// One held lock: `[start, end)` of the file.
#[derive(Clone)]
pub struct Lock {
    /// Its holder.
    pub owner: Owner,
    /// A write (exclusive) lock, or a read (shared) one.
    pub write: bool,
    /// First byte.
    pub start: u64,
    /// One past the last byte (`u64::MAX` to the end of any file).
    pub end: u64,
}

impl Lock {
    fn conflicts(&self, other: &Lock) -> bool {
        !self.owner.same(&other.owner) && (self.write || other.write) && self.start < other.end && other.start < self.end && self.owner.alive()
    }
}

type Key = (u64, u64, Space);

struct Table {
    locks: Mutex<HashMap<Key, Vec<Lock>>>,
    changed: WaitQueue,
}

fn table() -> &'static Table {
    static TABLE: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| Table { locks: Mutex::new(HashMap::new()), changed: WaitQueue::new() })
}

/// A lock another owner holds that conflicts with `want`, if any.
pub fn conflict(dev: u64, ino: u64, space: Space, want: &Lock) -> Option<Lock> {
    table().locks.lock().get(&(dev, ino, space))?.iter().find(|l| l.conflicts(want)).cloned()
}

/// Takes `want` (or, with `unlock`, releases its range), replacing the
/// owner's own locks there; waits while another owner's lock conflicts
/// when `wait`, else fails with `EAGAIN`.
pub fn set(ctx: &dyn Context, dev: u64, ino: u64, space: Space, want: Lock, unlock: bool, wait: bool) -> Result<(), Errno> {
    let t = table();
    loop {
        {
            let mut g = t.locks.lock();
            let list = g.entry((dev, ino, space)).or_default();
            list.retain(|l| l.owner.alive());
            if unlock || !list.iter().any(|l| l.conflicts(&want)) {
                let mut kept = Vec::with_capacity(list.len() + 2);
                for l in list.drain(..) {
                    if !l.owner.same(&want.owner) || l.end <= want.start || want.end <= l.start {
                        kept.push(l);
                        continue;
                    }
                    // Keep what lies outside the new range.
                    if l.start < want.start {
                        kept.push(Lock { end: want.start, ..l.clone() });
                    }
                    if want.end < l.end {
                        kept.push(Lock { start: want.end, ..l });
                    }
                }
                if !unlock {
                    kept.push(want);
                }
                *list = kept;
                if list.is_empty() {
                    g.remove(&(dev, ino, space));
                }
                drop(g);
                t.changed.notify(events::ALL);
                return Ok(());
            }
        }
        if !wait {
            return Err(EAGAIN);
        }
        let deadline = Instant::now() + Duration::from_millis(50);
        let want = &want;
        match wait_until(ctx, &t.changed, events::ALL, Some(deadline), || conflict(dev, ino, space, want).is_none()) {
            Ok(()) | Err(ETIMEDOUT) => {}
            Err(e) => return Err(e),
        }
    }
}

/// Drops every lock `owner` holds on the file (a process closing one of
/// its descriptors, or a description's last close).
pub fn release(dev: u64, ino: u64, owner: &Owner) {
    let t = table();
    let mut changed = false;
    {
        let mut g = t.locks.lock();
        for space in [Space::Record, Space::Flock] {
            if let Some(list) = g.get_mut(&(dev, ino, space)) {
                let before = list.len();
                list.retain(|l| !l.owner.same(owner));
                changed |= list.len() != before;
                if list.is_empty() {
                    g.remove(&(dev, ino, space));
                }
            }
        }
    }
    if changed {
        t.changed.notify(events::ALL);
    }
}

/// The owner of a description's locks.
pub fn description_owner<T>(d: &T) -> Owner {
    Owner::Description(d as *const T as usize)
}

/// The owner of the record locks of process `pid`.
pub fn process_owner<P: LockHolder + 'static>(pid: i32, process: &Arc<P>) -> Owner {
    let weak: Weak<P> = Arc::downgrade(process);
    Owner::Process(pid, weak)
}
