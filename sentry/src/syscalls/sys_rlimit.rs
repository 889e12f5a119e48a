//! Resource limits: getrlimit, setrlimit, prlimit64.

use abi::errno::ESRCH;
use abi::process::Rlimit;

use super::{Args, SysResult};
use crate::kernel::creds::cap;
use crate::kernel::task::Task;

/// The shared core of the three calls (`do_prlimit`) once the new limit,
/// if any, has been read: applies it, then writes the old one. Raising a
/// hard limit takes `CAP_SYS_RESOURCE` in the effective set.
fn prlimit(t: &mut Task, resource: u32, new: Option<Rlimit>, old_addr: u64) -> SysResult {
    let privileged = t.tg.creds.lock().has_cap(cap::SYS_RESOURCE);
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
    let resource = a.uint(0);
    let old = t.tg.limits.lock().get(resource)?;
    t.write_obj(a.u64(1), &old)?;
    Ok(0)
}

/// `setrlimit(resource, rlim)`.
pub fn setrlimit(t: &mut Task, a: Args) -> SysResult {
    let new = t.read_obj::<Rlimit>(a.u64(1))?;
    prlimit(t, a.uint(0), Some(new), 0)
}

/// `prlimit64(pid, resource, new, old)`: for the calling process only
/// (pid 0, its process id or its thread id); the new limit is read first,
/// as Linux does, so a bad pointer is EFAULT before a bad pid is ESRCH.
pub fn prlimit64(t: &mut Task, a: Args) -> SysResult {
    let new = if a.u64(2) != 0 { Some(t.read_obj::<Rlimit>(a.u64(2))?) } else { None };
    let pid = a.int(0);
    if pid != 0 && pid != t.tg.tgid && pid != t.tid {
        return Err(ESRCH);
    }
    prlimit(t, a.uint(1), new, a.u64(3))
}
