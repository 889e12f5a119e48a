//! The sandbox's memory budget (`sandbox-exec --memory`): what the
//! committed memory of every address space counts against.
//!
//! Memory is committed as Linux's strict overcommit mode
//! (`vm.overcommit_memory=2`) counts it: private writable memory,
//! anonymous or from a file, from the moment it is mapped or made
//! writable, touched or not ([`super::vma::Vma::accounted`]). An
//! allocation that would pass the budget fails with `ENOMEM` before
//! anything is mapped: `mmap`, `brk`, `mprotect`, `mremap`, and `fork`
//! (the child's copy is committed too). Checking and charging are two
//! steps, so processes allocating at the same moment may pass the budget
//! by what they allocate then.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use abi::errno::ENOMEM;
use abi::Errno;

/// The committed bytes of all the sandbox's address spaces, and their cap.
#[derive(Debug)]
pub struct MemoryBudget {
    limit: u64,
    used: AtomicU64,
}

impl MemoryBudget {
    /// A budget of `limit` bytes.
    pub fn new(limit: u64) -> Arc<MemoryBudget> {
        Arc::new(MemoryBudget { limit, used: AtomicU64::new(0) })
    }

    /// `ENOMEM` unless `more` bytes fit in what is left.
    pub fn check(&self, more: u64) -> Result<(), Errno> {
        if self.used.load(Ordering::Relaxed).saturating_add(more) > self.limit {
            Err(ENOMEM)
        } else {
            Ok(())
        }
    }

    /// Moves an address space's charge from `was` bytes to `now`.
    pub fn settle(&self, was: u64, now: u64) {
        if now > was {
            self.used.fetch_add(now - was, Ordering::Relaxed);
        } else {
            // Never below zero, whatever the callers' arithmetic.
            let _ = self.used.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| Some(u.saturating_sub(was - now)));
        }
    }

    /// The bytes committed now.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_move_and_the_cap_holds() {
        let b = MemoryBudget::new(100);
        assert_eq!(b.check(100), Ok(()));
        b.settle(0, 60);
        assert_eq!(b.check(41), Err(ENOMEM));
        assert_eq!(b.check(40), Ok(()));
        b.settle(60, 20);
        assert_eq!(b.used(), 20);
        b.settle(50, 0);
        assert_eq!(b.used(), 0, "never below zero");
    }
}
