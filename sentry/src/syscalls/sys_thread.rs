//! Thread and process identity and exit.

use abi::errno::{EINVAL, ESRCH};

use super::{Args, SysResult};
use crate::kernel::exit::ExitStatus;
use crate::kernel::task::Task;

/// The size of `struct robust_list_head`.
const ROBUST_LIST_HEAD_SIZE: u64 = 24;

/// `getpid()`.
pub fn getpid(t: &mut Task, _: Args) -> SysResult {
    Ok(t.tg.tgid as u64)
}

/// `gettid()`.
pub fn gettid(t: &mut Task, _: Args) -> SysResult {
    Ok(t.tid as u64)
}

/// `getppid()`.
pub fn getppid(t: &mut Task, _: Args) -> SysResult {
    Ok(t.kernel.tasks.parent_of(t.tg.tgid) as u64)
}

/// `exit(status)`: ends the calling thread.
pub fn exit(t: &mut Task, a: Args) -> SysResult {
    t.exit_thread(ExitStatus::Exited(a.int(0) & 0xff));
    Ok(0)
}

/// `exit_group(status)`: ends the process.
pub fn exit_group(t: &mut Task, a: Args) -> SysResult {
    t.exit_group(ExitStatus::Exited(a.int(0) & 0xff));
    Ok(0)
}

/// `set_tid_address(tidptr)`.
pub fn set_tid_address(t: &mut Task, a: Args) -> SysResult {
    t.clear_child_tid = a.u64(0);
    Ok(t.tid as u64)
}

/// `set_robust_list(head, len)`.
pub fn set_robust_list(t: &mut Task, a: Args) -> SysResult {
    if a.u64(1) != ROBUST_LIST_HEAD_SIZE {
        return Err(EINVAL);
    }
    t.robust_list = (a.u64(0), a.u64(1));
    Ok(0)
}

/// `get_robust_list(pid, head_ptr, len_ptr)`: for the calling thread.
pub fn get_robust_list(t: &mut Task, a: Args) -> SysResult {
    let pid = a.int(0);
    if pid != 0 && pid != t.tid {
        return Err(ESRCH);
    }
    let (head, len) = t.robust_list;
    t.write_obj(a.u64(1), &head)?;
    t.write_obj(a.u64(2), &if head == 0 { ROBUST_LIST_HEAD_SIZE } else { len })?;
    Ok(0)
}

/// `sched_yield()`.
pub fn sched_yield(_: &mut Task, _: Args) -> SysResult {
    std::thread::yield_now();
    Ok(0)
}
