//! Resource limits: getrlimit, setrlimit, prlimit64.

use std::sync::Arc;

use abi::errno::{EPERM, ESRCH};
use abi::process::Rlimit;

use super::sys_identity::find_process;
use super::{Args, SysResult};
use crate::auth::cap;
use crate::kernel::task::Task;
use crate::kernel::thread_group::ThreadGroup;

/// The shared core of the three calls (`do_prlimit`) once the new limit,
/// if any, has been read: applies it to `target`'s limits, then writes the
/// old one. Raising a hard limit takes `CAP_SYS_RESOURCE` in the caller's
/// effective set.
fn prlimit(t: &mut Task, target: &ThreadGroup, resource: u32, new: Option<Rlimit>, old_addr: u64) -> SysResult {
    let privileged = t.tg.creds.lock().has_cap(cap::SYS_RESOURCE);
    let old = {
        let mut limits = target.limits.lock();
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
    let tg = t.tg.clone();
    prlimit(t, &tg, a.uint(0), Some(new), 0)
}

/// Whether the caller may read or change `target`'s limits
/// (`check_prlimit_permission`): its own, or a process whose real,
/// effective and saved ids all equal the caller's real ones, or with
/// `CAP_SYS_RESOURCE`.
fn may_prlimit(t: &Task, target: &Arc<ThreadGroup>) -> bool {
    if Arc::ptr_eq(target, &t.tg) {
        return true;
    }
    let me = t.tg.creds.lock().clone();
    let them = target.creds.lock().clone();
    let ids_match = [them.uid, them.euid, them.suid].iter().all(|&u| u == me.uid)
        && [them.gid, them.egid, them.sgid].iter().all(|&g| g == me.gid);
    ids_match || me.has_cap(cap::SYS_RESOURCE)
}

/// `prlimit64(pid, resource, new, old)`: the caller's process or another
/// live one, in Linux's order: the new limit is read first (EFAULT), then
/// the process found (ESRCH), then permission checked (EPERM).
pub fn prlimit64(t: &mut Task, a: Args) -> SysResult {
    let new = if a.u64(2) != 0 { Some(t.read_obj::<Rlimit>(a.u64(2))?) } else { None };
    let target = find_process(t, a.int(0)).ok_or(ESRCH)?;
    if !may_prlimit(t, &target) {
        return Err(EPERM);
    }
    prlimit(t, &target, a.uint(1), new, a.u64(3))
}
