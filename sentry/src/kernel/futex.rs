//! The futex manager: tasks waiting on words of app memory.
//!
//! A futex is named by its address space and address (private futexes,
//! and shared ones within one address space). Waiting checks the word and
//! queues the task under the manager's lock, and waking takes the same
//! lock, so a wake-up that follows a change of the word is never lost.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use abi::errno::{EAGAIN, EINTR, ETIMEDOUT};
use abi::Errno;
use parking_lot::Mutex;

use crate::waiter::Waiter;

/// A futex's name: an address space (by identity) and an address in it,
/// or a shared memory object and an offset in it.
pub type Key = (usize, u64);

/// The futex at app address `addr` of address space `mm`: in shared
/// memory (unless `private`, `FUTEX_PRIVATE_FLAG`), named by the memory
/// object and offset, so that every process mapping the object meets the
/// same futex; otherwise by the address space and address.
pub fn key(mm: &std::sync::Arc<crate::mm::MemoryManager>, addr: u64, private: bool) -> Key {
    match mm.shared_object_at(addr).filter(|_| !private) {
        // The top bit keeps object ids apart from address-space pointers.
        Some((id, offset)) => ((id as usize) | (1 << 63), offset),
        None => (std::sync::Arc::as_ptr(mm) as usize, addr),
    }
}

/// A task queued on a futex.
struct Queued {
    waiter: Arc<Waiter>,
    bitset: u32,
    woken: Arc<AtomicBool>,
}

/// Every futex with a waiter.
#[derive(Default)]
pub struct FutexManager {
    queues: Mutex<HashMap<Key, Vec<Queued>>>,
}

impl FutexManager {
    /// An empty manager.
    pub fn new() -> FutexManager {
        FutexManager::default()
    }

    /// `FUTEX_WAIT`: if `word_matches()` (checked under the manager's
    /// lock), sleeps until woken (`Ok`), the deadline passes (`ETIMEDOUT`)
    /// or the task is interrupted or killed (`EINTR`, also when `killed()`
    /// says so); else `EAGAIN`.
    pub fn wait(
        &self,
        key: Key,
        bitset: u32,
        waiter: &Arc<Waiter>,
        deadline: Option<Instant>,
        word_matches: impl FnOnce() -> Result<bool, Errno>,
        killed: impl Fn() -> bool,
    ) -> Result<(), Errno> {
        let woken = Arc::new(AtomicBool::new(false));
        {
            let mut q = self.queues.lock();
            if !word_matches()? {
                return Err(EAGAIN);
            }
            q.entry(key).or_default().push(Queued { waiter: waiter.clone(), bitset, woken: woken.clone() });
        }
        loop {
            if woken.load(Ordering::SeqCst) {
                return Ok(());
            }
            if killed() {
                return self.leave(key, &woken, EINTR);
            }
            match waiter.wait_wake(deadline) {
                Ok(true) => continue,
                Ok(false) => return self.leave(key, &woken, ETIMEDOUT),
                Err(_) => return self.leave(key, &woken, EINTR),
            }
        }
    }

    /// Takes a waiter that gives up out of its queue; if it was woken in
    /// the meantime, the wait succeeded after all.
    fn leave(&self, key: Key, woken: &Arc<AtomicBool>, err: Errno) -> Result<(), Errno> {
        let mut q = self.queues.lock();
        if woken.load(Ordering::SeqCst) {
            return Ok(());
        }
        if let Some(v) = q.get_mut(&key) {
            v.retain(|w| !Arc::ptr_eq(&w.woken, woken));
            if v.is_empty() {
                q.remove(&key);
            }
        }
        Err(err)
    }

    /// Whether any task waits on `key`.
    pub fn has_waiters(&self, key: Key) -> bool {
        self.queues.lock().get(&key).is_some_and(|v| !v.is_empty())
    }

    /// `FUTEX_WAKE`: wakes up to `n` waiters whose bitset meets `bitset`;
    /// returns how many.
    pub fn wake(&self, key: Key, n: u32, bitset: u32) -> u32 {
        let mut q = self.queues.lock();
        Self::wake_locked(&mut q, key, n, bitset)
    }

    fn wake_locked(q: &mut HashMap<Key, Vec<Queued>>, key: Key, n: u32, bitset: u32) -> u32 {
        let Some(v) = q.get_mut(&key) else { return 0 };
        let mut woke = 0;
        v.retain(|w| {
            if woke < n && w.bitset & bitset != 0 {
                woke += 1;
                w.woken.store(true, Ordering::SeqCst);
                w.waiter.wake();
                false
            } else {
                true
            }
        });
        if v.is_empty() {
            q.remove(&key);
        }
        woke
    }

    /// `FUTEX_CMP_REQUEUE` (with `check` read under the lock) and
    /// `FUTEX_REQUEUE` (`check` always `Ok`): wakes up to `wake` waiters of
    /// `from` and moves up to `requeue` others to `to`; returns how many
    /// were woken plus moved.
    pub fn requeue(&self, from: Key, to: Key, wake: u32, requeue: u32, check: impl FnOnce() -> Result<(), Errno>) -> Result<u32, Errno> {
        let mut q = self.queues.lock();
        check()?;
        let woke = Self::wake_locked(&mut q, from, wake, u32::MAX);
        let mut moved = Vec::new();
        if let Some(v) = q.get_mut(&from) {
            let take = (requeue as usize).min(v.len());
            moved = v.drain(..take).collect();
            if v.is_empty() {
                q.remove(&from);
            }
        }
        let n = moved.len() as u32;
        if n > 0 {
            q.entry(to).or_default().extend(moved);
        }
        Ok(woke + n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::waiter::deadline_after;
    use std::time::Duration;

    #[test]
    fn wait_checks_the_word_and_wake_counts() {
        let m = Arc::new(FutexManager::new());
        let w = Arc::new(Waiter::new().unwrap());
        assert_eq!(m.wait((1, 8), u32::MAX, &w, None, || Ok(false), || false), Err(EAGAIN));
        let dl = deadline_after(Duration::from_millis(10));
        assert_eq!(m.wait((1, 8), u32::MAX, &w, dl, || Ok(true), || false), Err(ETIMEDOUT));
        assert_eq!(m.wake((1, 8), 1, u32::MAX), 0);
        let (m2, w2) = (m.clone(), w.clone());
        let t = std::thread::spawn(move || m2.wait((1, 8), 0b10, &w2, None, || Ok(true), || false));
        while m.queues.lock().is_empty() {
            std::thread::yield_now();
        }
        assert_eq!(m.wake((1, 8), 1, 0b01), 0, "disjoint bitsets do not wake");
        assert_eq!(m.wake((1, 8), 1, 0b10), 1);
        assert_eq!(t.join().unwrap(), Ok(()));
    }

    #[test]
    fn requeue_moves_waiters() {
        let m = Arc::new(FutexManager::new());
        let spawn = |m: &Arc<FutexManager>| {
            let (m, w) = (m.clone(), Arc::new(Waiter::new().unwrap()));
            std::thread::spawn(move || m.wait((1, 16), u32::MAX, &w, None, || Ok(true), || false))
        };
        let (a, b) = (spawn(&m), spawn(&m));
        while m.queues.lock().get(&(1, 16)).map_or(0, Vec::len) < 2 {
            std::thread::yield_now();
        }
        assert_eq!(m.requeue((1, 16), (1, 32), 1, 1, || Ok(())), Ok(2));
        assert_eq!(m.wake((1, 32), 1, u32::MAX), 1);
        assert_eq!(a.join().unwrap(), Ok(()));
        assert_eq!(b.join().unwrap(), Ok(()));
    }
}
