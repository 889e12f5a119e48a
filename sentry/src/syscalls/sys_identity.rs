//! User and group identity and capabilities: the get/set*id family,
//! getgroups/setgroups, capget/capset.
//!
//! Credentials belong to the process (`ThreadGroup::creds`): a change made
//! by one thread applies to all of them at once, which is what glibc and
//! musl make Linux's per-thread calls look like.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use abi::errno::{EFAULT, EINVAL, EPERM, ESRCH};

use super::{Args, SysResult};
use crate::auth::Credentials;
use crate::kernel::task::Task;
use crate::kernel::thread_group::ThreadGroup;

/// `fs.suid_dumpable`'s default: what a change of identity sets the
/// dumpable flag to.
const SUID_DUMPABLE: u32 = 0;

/// `_LINUX_CAPABILITY_VERSION_1`: one 32-bit data struct.
pub const CAP_VERSION_1: u32 = 0x1998_0330;
/// `_LINUX_CAPABILITY_VERSION_2` (deprecated): two data structs.
pub const CAP_VERSION_2: u32 = 0x2007_1026;
/// `_LINUX_CAPABILITY_VERSION_3`: two data structs; what the kernel prefers.
pub const CAP_VERSION_3: u32 = 0x2008_0522;
/// Size of `struct __user_cap_data_struct` (effective, permitted, inheritable).
const CAP_DATA_SIZE: usize = 12;

/// Applies `f` to the caller's credentials under their lock; if the change
/// is one that makes Linux reset the process's dumpable flag and the
/// parent-death signal (`commit_creds`), resets them. Only the calling
/// thread's parent-death signal is cleared: the others' belong to their
/// own sentry threads.
fn change<R>(t: &mut Task, f: impl FnOnce(&mut Credentials) -> R) -> R {
    let (r, reset) = {
        let mut creds = t.tg.creds.lock();
        let old = creds.clone();
        let r = f(&mut creds);
        (r, creds.changes_dumpability(&old))
    };
    if reset {
        t.tg.dumpable.store(SUID_DUMPABLE, Ordering::Relaxed);
        t.set_pdeathsig(0);
    }
    r
}

/// The process a `pid` argument names, as Linux's `find_task_by_vpid`
/// would find it for calls that act on a whole process: the caller's own
/// (0, its thread id or its process id) or another live process by its
/// process id. Other threads' ids and zombies are not found.
pub(super) fn find_process(t: &Task, pid: i32) -> Option<Arc<ThreadGroup>> {
    if pid == 0 || pid == t.tid || pid == t.tg.tgid {
        Some(t.tg.clone())
    } else if pid > 0 {
        t.kernel.tasks.thread_group(pid)
    } else {
        None
    }
}

/// `getuid()`.
pub fn getuid(t: &mut Task, _: Args) -> SysResult {
    Ok(t.tg.creds.lock().uid as u64)
}

/// `geteuid()`.
pub fn geteuid(t: &mut Task, _: Args) -> SysResult {
    Ok(t.tg.creds.lock().euid as u64)
}

/// `getgid()`.
pub fn getgid(t: &mut Task, _: Args) -> SysResult {
    Ok(t.tg.creds.lock().gid as u64)
}

/// `getegid()`.
pub fn getegid(t: &mut Task, _: Args) -> SysResult {
    Ok(t.tg.creds.lock().egid as u64)
}

/// `setuid(uid)`.
pub fn setuid(t: &mut Task, a: Args) -> SysResult {
    change(t, |c| c.setuid(a.uint(0))).map(|_| 0)
}

/// `setgid(gid)`.
pub fn setgid(t: &mut Task, a: Args) -> SysResult {
    change(t, |c| c.setgid(a.uint(0))).map(|_| 0)
}

/// `setreuid(ruid, euid)`.
pub fn setreuid(t: &mut Task, a: Args) -> SysResult {
    change(t, |c| c.setreuid(a.uint(0), a.uint(1))).map(|_| 0)
}

/// `setregid(rgid, egid)`.
pub fn setregid(t: &mut Task, a: Args) -> SysResult {
    change(t, |c| c.setregid(a.uint(0), a.uint(1))).map(|_| 0)
}

/// `setresuid(ruid, euid, suid)`.
pub fn setresuid(t: &mut Task, a: Args) -> SysResult {
    change(t, |c| c.setresuid(a.uint(0), a.uint(1), a.uint(2))).map(|_| 0)
}

/// `setresgid(rgid, egid, sgid)`.
pub fn setresgid(t: &mut Task, a: Args) -> SysResult {
    change(t, |c| c.setresgid(a.uint(0), a.uint(1), a.uint(2))).map(|_| 0)
}

/// Writes three ids to three app pointers, one after the other as Linux's
/// `put_user`s do: a bad pointer fails the call with the earlier ids written.
fn put_three(t: &mut Task, a: Args, ids: [u32; 3]) -> SysResult {
    for (i, id) in ids.iter().enumerate() {
        t.write_obj(a.u64(i), id)?;
    }
    Ok(0)
}

/// `getresuid(ruid, euid, suid)`.
pub fn getresuid(t: &mut Task, a: Args) -> SysResult {
    let ids = {
        let c = t.tg.creds.lock();
        [c.uid, c.euid, c.suid]
    };
    put_three(t, a, ids)
}

/// `getresgid(rgid, egid, sgid)`.
pub fn getresgid(t: &mut Task, a: Args) -> SysResult {
    let ids = {
        let c = t.tg.creds.lock();
        [c.gid, c.egid, c.sgid]
    };
    put_three(t, a, ids)
}

/// `setfsuid(fsuid)`: returns the previous filesystem uid, never an error.
pub fn setfsuid(t: &mut Task, a: Args) -> SysResult {
    Ok(change(t, |c| c.setfsuid(a.uint(0))) as u64)
}

/// `setfsgid(fsgid)`: returns the previous filesystem gid, never an error.
pub fn setfsgid(t: &mut Task, a: Args) -> SysResult {
    Ok(change(t, |c| c.setfsgid(a.uint(0))) as u64)
}

/// `getgroups(size, list)`: size 0 asks for the count; a smaller nonzero
/// size than the count is EINVAL.
pub fn getgroups(t: &mut Task, a: Args) -> SysResult {
    let size = a.int(0);
    if size < 0 {
        return Err(EINVAL);
    }
    let groups = t.tg.creds.lock().groups.clone();
    if size != 0 {
        if groups.len() > size as usize {
            return Err(EINVAL);
        }
        let bytes: Vec<u8> = groups.iter().flat_map(|g| g.to_ne_bytes()).collect();
        t.copy_out(a.u64(1), &bytes)?;
    }
    Ok(groups.len() as u64)
}

/// Reads `count` gids at `addr`. Linux reads them one at a time and stops
/// at the first invalid id (EINVAL) or unreadable one (EFAULT); a whole
/// read gives the same answer unless it faults, and then the ids are
/// retried one by one to see which error comes first.
fn read_gids(t: &mut Task, addr: u64, count: usize) -> Result<Vec<u32>, abi::Errno> {
    let mut bytes = vec![0u8; count * 4];
    if t.copy_in(addr, &mut bytes).is_ok() {
        return Ok(bytes.chunks_exact(4).map(|c| u32::from_ne_bytes([c[0], c[1], c[2], c[3]])).collect());
    }
    for i in 0..count as u64 {
        let at = addr.checked_add(i * 4).ok_or(EFAULT)?;
        if t.read_obj::<u32>(at)? == u32::MAX {
            return Err(EINVAL);
        }
    }
    Err(EFAULT)
}

/// `setgroups(size, list)`.
pub fn setgroups(t: &mut Task, a: Args) -> SysResult {
    // `(unsigned)gidsetsize > NGROUPS_MAX`: a negative size is EINVAL too.
    let count = a.uint(0) as usize;
    t.tg.creds.lock().may_setgroups(count)?;
    let groups = read_gids(t, a.u64(1), count)?;
    change(t, |c| {
        // Checked again under the lock the change is made under.
        c.may_setgroups(count)?;
        c.set_groups(groups)
    })?;
    Ok(0)
}

/// Reads the version of a capability header: the number of data structs
/// it implies (`cap_validate_magic`), or EINVAL after writing the
/// preferred version back into the header.
fn cap_version(t: &mut Task, header: u64) -> Result<usize, abi::Errno> {
    match t.read_obj::<u32>(header)? {
        CAP_VERSION_1 => Ok(1),
        CAP_VERSION_2 | CAP_VERSION_3 => Ok(2),
        _ => {
            t.write_obj(header, &CAP_VERSION_3)?;
            Err(EINVAL)
        }
    }
}

/// The pid field of a capability header.
fn cap_pid(t: &mut Task, header: u64) -> Result<i32, abi::Errno> {
    t.read_obj::<i32>(header.checked_add(4).ok_or(EFAULT)?)
}

/// `capget(header, data)`: the sets of the caller (pid 0 or its own
/// thread id) or of live process `pid`. A NULL `data` only probes the
/// version: it returns 0 even for an unknown version (after writing the
/// preferred one back).
pub fn capget(t: &mut Task, a: Args) -> SysResult {
    let (header, data) = (a.u64(0), a.u64(1));
    let copies = match cap_version(t, header) {
        Err(e) if e == EINVAL && data == 0 => return Ok(0),
        Err(e) => return Err(e),
        Ok(_) if data == 0 => return Ok(0),
        Ok(n) => n,
    };
    let pid = cap_pid(t, header)?;
    if pid < 0 {
        return Err(EINVAL);
    }
    let target = find_process(t, pid).ok_or(ESRCH)?;
    let (e, p, i) = {
        let c = target.creds.lock();
        (c.cap_effective, c.cap_permitted, c.cap_inheritable)
    };
    let mut out = Vec::with_capacity(2 * CAP_DATA_SIZE);
    for half in 0..copies {
        for set in [e, p, i] {
            out.extend_from_slice(&((set >> (32 * half)) as u32).to_ne_bytes());
        }
    }
    t.copy_out(data, &out)?;
    Ok(0)
}

/// `capset(header, data)`: on the calling thread only (pid 0 or its thread
/// id; anything else EPERM), with Linux's subset rules (EPERM).
pub fn capset(t: &mut Task, a: Args) -> SysResult {
    let (header, data) = (a.u64(0), a.u64(1));
    let copies = cap_version(t, header)?;
    let pid = cap_pid(t, header)?;
    if pid != 0 && pid != t.tid {
        return Err(EPERM);
    }
    let mut bytes = [0u8; 2 * CAP_DATA_SIZE];
    t.copy_in(data, &mut bytes[..copies * CAP_DATA_SIZE])?;
    let word = |at: usize| u32::from_ne_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as u64;
    let set = |k: usize| word(4 * k) | word(CAP_DATA_SIZE + 4 * k) << 32;
    let (effective, permitted, inheritable) = (set(0), set(1), set(2));
    change(t, |c| c.capset(effective, permitted, inheritable))?;
    Ok(0)
}
