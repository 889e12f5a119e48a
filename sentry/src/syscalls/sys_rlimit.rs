//! Resource limits: getrlimit, setrlimit, prlimit64.

use abi::errno::ESRCH;
use abi::process::Rlimit;

use super::{Args, SysResult};
use crate::kernel::task::Task;

/// The shared core of the three calls: reads the new limit first, then
/// applies it, then writes the old one, in Linux's order.
fn prlimit(t: &mut Task, resource: u32, new_addr: u64, old_addr: u64) -> SysResult {
    let new = if new_addr != 0 { Some(t.read_obj::<Rlimit>(new_addr)?) } else { None };
    let privileged = t.tg.creds.lock().is_root();
    let old = {
        let mut limits = t.tg.limits.lock();
        let old = limits.get(resource)?;
        if let Some(new) = new {
            limits.set(resource, new, privileged)?;
        }
        old
    };
    if old_addr != 0 {
        t.write_obj(old_addr, &old)?;
    }
    Ok(0)
}

/// `getrlimit(resource, rlim)`.
pub fn getrlimit(t: &mut Task, a: Args) -> SysResult {
    prlimit(t, a.uint(0), 0, a.u64(1))
}

/// `setrlimit(resource, rlim)`.
pub fn setrlimit(t: &mut Task, a: Args) -> SysResult {
    prlimit(t, a.uint(0), a.u64(1), 0)
}

/// `prlimit64(pid, resource, new, old)`: for the calling process.
pub fn prlimit64(t: &mut Task, a: Args) -> SysResult {
    let pid = a.int(0);
    if pid != 0 && pid != t.tg.tgid {
        return Err(ESRCH);
    }
    prlimit(t, a.uint(1), a.u64(2), a.u64(3))
}
