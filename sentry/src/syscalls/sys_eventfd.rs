//! eventfd and eventfd2.

use abi::errno::EINVAL;

use super::sys_fd::nofile_limit;
use super::{Args, SysResult};
use crate::kernel::task::Task;
use crate::fsimpl::eventfd::{EFD_CLOEXEC, EFD_FLAGS};
use crate::fsimpl::eventfd::EventFd;

fn do_eventfd2(t: &mut Task, initial: u32, flags: u32) -> SysResult {
    if flags & !EFD_FLAGS != 0 {
        return Err(EINVAL);
    }
    let file = EventFd::create(t, initial, flags);
    let limit = nofile_limit(t);
    t.fds.install(file, flags & EFD_CLOEXEC != 0, limit).map(|fd| fd as u64)
}

/// `eventfd(initval)`.
pub fn eventfd(t: &mut Task, a: Args) -> SysResult {
    do_eventfd2(t, a.uint(0), 0)
}

/// `eventfd2(initval, flags)`: `EFD_SEMAPHORE`, `EFD_NONBLOCK`, `EFD_CLOEXEC`.
pub fn eventfd2(t: &mut Task, a: Args) -> SysResult {
    do_eventfd2(t, a.uint(0), a.uint(1))
}
