//! futex.

use std::time::Duration;

use abi::errno::{EINTR, EINVAL, ENOSYS, ERESTART_RESTARTBLOCK};
use abi::time::{clock, Timespec};

use super::{Args, SysResult};
use crate::kernel::futex::{self, Key};
use crate::kernel::task::Task;
use crate::waiter::deadline_after;

#[allow(missing_docs)]
mod op {
    pub const WAIT: u32 = 0;
    pub const WAKE: u32 = 1;
    pub const REQUEUE: u32 = 3;
    pub const CMP_REQUEUE: u32 = 4;
    pub const WAKE_OP: u32 = 5;
    pub const LOCK_PI: u32 = 6;
    pub const UNLOCK_PI: u32 = 7;
    pub const TRYLOCK_PI: u32 = 8;
    pub const WAIT_BITSET: u32 = 9;
    pub const WAKE_BITSET: u32 = 10;
    pub const WAIT_REQUEUE_PI: u32 = 11;
    pub const CMP_REQUEUE_PI: u32 = 12;
    pub const PRIVATE_FLAG: u32 = 128;
    pub const CLOCK_REALTIME: u32 = 256;
}

/// The futex at app address `addr` (see [`futex::key`]).
fn key(t: &Task, addr: u64, private: bool) -> Key {
    futex::key(&t.mm, addr, private)
}

fn check_addr(addr: u64) -> Result<(), abi::Errno> {
    if !addr.is_multiple_of(4) {
        return Err(EINVAL);
    }
    Ok(())
}

/// Reads the futex word at `addr`.
fn word(t: &mut Task, addr: u64) -> Result<u32, abi::Errno> {
    t.read_obj::<u32>(addr)
}

/// Sleeps while the word at `addr` holds `val`, until a wake-up matching
/// `bitset` or `deadline`. A signal ends a wait that has a deadline with
/// `ERESTART_RESTARTBLOCK`, its restart keeping the same deadline (Linux's
/// `futex_wait_restart`); one without, with `ERESTARTSYS`.
fn wait_on_word(t: &mut Task, addr: u64, private: bool, val: u32, bitset: u32, deadline: Option<std::time::Instant>) -> SysResult {
    let (kernel, waiter, tg) = (t.kernel.clone(), t.waiter.clone(), t.tg.clone());
    let k = key(t, addr, private);
    match kernel.futexes.wait(k, bitset, &waiter, deadline, || Ok(word(t, addr)? == val), || tg.exit_status().is_some()) {
        Err(EINTR) if deadline.is_some() && t.signal_pending() => {
            t.restart_block = Some(Box::new(move |t: &mut Task| wait_on_word(t, addr, private, val, bitset, deadline)));
            Err(ERESTART_RESTARTBLOCK)
        }
        r => r.map(|()| 0),
    }
}

/// `futex(uaddr, op, val, timeout_or_val2, uaddr2, val3)`.
pub fn futex(t: &mut Task, a: Args) -> SysResult {
    let (addr, op, val) = (a.u64(0), a.uint(1), a.uint(2));
    let cmd = op & !(op::PRIVATE_FLAG | op::CLOCK_REALTIME);
    let private = op & op::PRIVATE_FLAG != 0;
    let key = |t: &Task, addr: u64| key(t, addr, private);
    let realtime = op & op::CLOCK_REALTIME != 0;
    if realtime && !matches!(cmd, op::WAIT | op::WAIT_BITSET | op::WAIT_REQUEUE_PI) {
        return Err(ENOSYS);
    }
    match cmd {
        op::WAIT | op::WAIT_BITSET => {
            let bitset = if cmd == op::WAIT { u32::MAX } else { a.uint(5) };
            if bitset == 0 {
                return Err(EINVAL);
            }
            check_addr(addr)?;
            let deadline = if a.u64(3) == 0 {
                None
            } else {
                let ts: Timespec = t.read_obj(a.u64(3))?;
                if !ts.is_valid() {
                    return Err(EINVAL);
                }
                if cmd == op::WAIT {
                    // FUTEX_WAIT's timeout is relative.
                    deadline_after(Duration::from_nanos(ts.as_nanos() as u64))
                } else {
                    let id = if realtime { clock::REALTIME } else { clock::MONOTONIC };
                    Some(t.kernel.timekeeper.deadline(id, ts)?)
                }
            };
            wait_on_word(t, addr, private, val, bitset, deadline)
        }
        op::WAKE | op::WAKE_BITSET => {
            let bitset = if cmd == op::WAKE { u32::MAX } else { a.uint(5) };
            if bitset == 0 {
                return Err(EINVAL);
            }
            check_addr(addr)?;
            Ok(t.kernel.futexes.wake(key(t, addr), val, bitset) as u64)
        }
        op::REQUEUE | op::CMP_REQUEUE => {
            let (addr2, requeue) = (a.u64(4), a.uint(3));
            check_addr(addr)?;
            check_addr(addr2)?;
            if (val as i32) < 0 || (requeue as i32) < 0 {
                return Err(EINVAL);
            }
            let (from, to) = (key(t, addr), key(t, addr2));
            let expected = a.uint(5);
            let kernel = t.kernel.clone();
            let compare = cmd == op::CMP_REQUEUE;
            let n = kernel.futexes.requeue(from, to, val, requeue, || {
                if compare && word(t, addr)? != expected {
                    return Err(abi::errno::EAGAIN);
                }
                Ok(())
            })?;
            Ok(n as u64)
        }
        op::WAKE_OP => {
            let (addr2, wake2, encoded) = (a.u64(4), a.uint(3), a.uint(5));
            check_addr(addr)?;
            check_addr(addr2)?;
            let (from, to) = (key(t, addr), key(t, addr2));
            let kernel = t.kernel.clone();
            let old = wake_op_update(t, addr2, encoded)?;
            let mut n = kernel.futexes.wake(from, val, u32::MAX);
            if wake_op_compare(old, encoded)? {
                n += kernel.futexes.wake(to, wake2, u32::MAX);
            }
            Ok(n as u64)
        }
        op::LOCK_PI | op::TRYLOCK_PI => {
            check_addr(addr)?;
            lock_pi(t, addr, cmd == op::TRYLOCK_PI, private)
        }
        op::UNLOCK_PI => {
            check_addr(addr)?;
            unlock_pi(t, addr, private)
        }
        op::WAIT_REQUEUE_PI => {
            let addr2 = a.u64(4);
            check_addr(addr)?;
            check_addr(addr2)?;
            if addr == addr2 {
                return Err(EINVAL);
            }
            let deadline = match a.u64(3) {
                0 => None,
                tp => {
                    let ts: Timespec = t.read_obj(tp)?;
                    if !ts.is_valid() {
                        return Err(EINVAL);
                    }
                    let id = if realtime { clock::REALTIME } else { clock::MONOTONIC };
                    Some(t.kernel.timekeeper.deadline(id, ts)?)
                }
            };
            let (kernel, waiter, tg) = (t.kernel.clone(), t.waiter.clone(), t.tg.clone());
            let k = key(t, addr);
            kernel.futexes.wait(k, u32::MAX, &waiter, deadline, || Ok(word(t, addr)? == val), || tg.exit_status().is_some())?;
            // Woken or requeued onto the PI lock: return owning it.
            lock_pi(t, addr2, false, private)
        }
        op::CMP_REQUEUE_PI => {
            let (addr2, requeue, expected) = (a.u64(4), a.uint(3), a.uint(5));
            check_addr(addr)?;
            check_addr(addr2)?;
            if val != 1 || addr == addr2 || (requeue as i32) < 0 {
                return Err(EINVAL);
            }
            let (from, to) = (key(t, addr), key(t, addr2));
            let kernel = t.kernel.clone();
            let n = kernel.futexes.requeue(from, to, 1, requeue, || {
                if word(t, addr)? != expected {
                    return Err(abi::errno::EAGAIN);
                }
                Ok(())
            })?;
            if n > 0 {
                mark_contended(t, addr2)?;
            }
            Ok(n as u64)
        }
        _ => Err(ENOSYS),
    }
}

const WAITERS: u32 = 0x8000_0000;
const OWNER_DIED: u32 = 0x4000_0000;
const TID_MASK: u32 = 0x3fff_ffff;

/// Compare-exchanges the app's word, failing with EFAULT as Linux would.
fn cmpxchg(t: &mut Task, addr: u64, old: u32, new: u32) -> Result<u32, abi::Errno> {
    if !t.mm.is_user_range(addr, 4) {
        return Err(abi::errno::EFAULT);
    }
    t.ctx.cmpxchg32(addr, old, new).map_err(|_| abi::errno::EFAULT)
}

/// Applies `FUTEX_WAKE_OP`'s operation to the word at `addr` atomically;
/// returns its old value.
fn wake_op_update(t: &mut Task, addr: u64, encoded: u32) -> Result<u32, abi::Errno> {
    let op = (encoded >> 28) & 0xf;
    let mut arg = ((encoded as i32) << 8 >> 20) as u32;
    if op & 8 != 0 {
        if arg > 31 {
            return Err(EINVAL);
        }
        arg = 1 << arg;
    }
    let mut old = word(t, addr)?;
    loop {
        let new = match op & 7 {
            0 => arg,
            1 => old.wrapping_add(arg),
            2 => old | arg,
            3 => old & !arg,
            4 => old ^ arg,
            _ => return Err(ENOSYS),
        };
        let seen = cmpxchg(t, addr, old, new)?;
        if seen == old {
            return Ok(old);
        }
        old = seen;
    }
}

/// `FUTEX_WAKE_OP`'s comparison of the old value with its argument.
fn wake_op_compare(old: u32, encoded: u32) -> Result<bool, abi::Errno> {
    let cmp = (encoded >> 24) & 0xf;
    let arg = ((encoded as i32) << 20) >> 20;
    let old = old as i32;
    Ok(match cmp {
        0 => old == arg,
        1 => old != arg,
        2 => old < arg,
        3 => old <= arg,
        4 => old > arg,
        5 => old >= arg,
        _ => return Err(ENOSYS),
    })
}

/// `FUTEX_LOCK_PI` / `FUTEX_TRYLOCK_PI`: takes the lock word for the
/// caller (its thread id), or marks it contended and sleeps until the
/// owner unlocks. Ownership passes through the word as on Linux; there is
/// no priority inheritance (the sandbox has no priorities to inherit).
fn lock_pi(t: &mut Task, addr: u64, try_only: bool, private: bool) -> SysResult {
    let me = t.tid as u32;
    let k = key(t, addr, private);
    loop {
        let w = word(t, addr)?;
        if w & TID_MASK == me {
            return Err(abi::errno::EDEADLK);
        }
        if w & TID_MASK == 0 {
            // Free (perhaps after its owner died): take it, keeping the
            // owner-died mark, and saying so if others still wait (then the
            // next unlock comes to the kernel to wake them).
            let waiters = if t.kernel.futexes.has_waiters(k) { WAITERS } else { 0 };
            if cmpxchg(t, addr, w, me | waiters | (w & OWNER_DIED))? == w {
                return Ok(0);
            }
            continue;
        }
        if try_only {
            return Err(abi::errno::EAGAIN);
        }
        if w & WAITERS == 0 && cmpxchg(t, addr, w, w | WAITERS)? != w {
            continue;
        }
        let (kernel, waiter, tg) = (t.kernel.clone(), t.waiter.clone(), t.tg.clone());
        let contended = w | WAITERS;
        match kernel.futexes.wait(k, u32::MAX, &waiter, None, || Ok(word(t, addr)? == contended), || tg.exit_status().is_some()) {
            Ok(()) | Err(abi::errno::EAGAIN) => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Sets `FUTEX_WAITERS` on an owned PI lock word, so that its owner's
/// unlock comes to the kernel to hand it on (waiters were requeued onto it).
fn mark_contended(t: &mut Task, addr: u64) -> Result<(), abi::Errno> {
    let mut w = word(t, addr)?;
    while w & TID_MASK != 0 && w & WAITERS == 0 {
        let seen = cmpxchg(t, addr, w, w | WAITERS)?;
        if seen == w {
            break;
        }
        w = seen;
    }
    Ok(())
}

/// `FUTEX_UNLOCK_PI`: releases the caller's lock word and wakes a waiter,
/// which then takes the lock in its `FUTEX_LOCK_PI`.
fn unlock_pi(t: &mut Task, addr: u64, private: bool) -> SysResult {
    let me = t.tid as u32;
    let mut w = word(t, addr)?;
    loop {
        if w & TID_MASK != me {
            return Err(abi::errno::EPERM);
        }
        let seen = cmpxchg(t, addr, w, 0)?;
        if seen == w {
            break;
        }
        w = seen;
    }
    t.kernel.futexes.wake(key(t, addr, private), 1, u32::MAX);
    Ok(0)
}
