//! futex.

use std::time::Duration;

use abi::errno::{EINVAL, ENOSYS};
use abi::time::{clock, Timespec};

use super::{Args, SysResult};
use crate::kernel::futex::Key;
use crate::kernel::task::Task;
use crate::kernel::wait::deadline_after;

#[allow(missing_docs)]
mod op {
    pub const WAIT: u32 = 0;
    pub const WAKE: u32 = 1;
    pub const REQUEUE: u32 = 3;
    pub const CMP_REQUEUE: u32 = 4;
    pub const WAIT_BITSET: u32 = 9;
    pub const WAKE_BITSET: u32 = 10;
    pub const PRIVATE_FLAG: u32 = 128;
    pub const CLOCK_REALTIME: u32 = 256;
}

/// The futex at app address `addr` of the task's address space.
fn key(t: &Task, addr: u64) -> Key {
    (std::sync::Arc::as_ptr(&t.mm) as usize, addr)
}

fn check_addr(addr: u64) -> Result<(), abi::Errno> {
    if addr % 4 != 0 {
        return Err(EINVAL);
    }
    Ok(())
}

/// Reads the futex word at `addr`.
fn word(t: &mut Task, addr: u64) -> Result<u32, abi::Errno> {
    t.read_obj::<u32>(addr)
}

/// `futex(uaddr, op, val, timeout_or_val2, uaddr2, val3)`.
pub fn futex(t: &mut Task, a: Args) -> SysResult {
    let (addr, op, val) = (a.u64(0), a.uint(1), a.uint(2));
    let cmd = op & !(op::PRIVATE_FLAG | op::CLOCK_REALTIME);
    let realtime = op & op::CLOCK_REALTIME != 0;
    if realtime && !matches!(cmd, op::WAIT | op::WAIT_BITSET) {
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
            let (kernel, waiter, tg) = (t.kernel.clone(), t.waiter.clone(), t.tg.clone());
            let k = key(t, addr);
            kernel.futexes.wait(k, bitset, &waiter, deadline, || Ok(word(t, addr)? == val), || tg.exit_status().is_some())?;
            Ok(0)
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
        _ => Err(ENOSYS),
    }
}
