//! inotify_init, inotify_init1, inotify_add_watch and inotify_rm_watch;
//! see `vfs::inotify` for the instances and the events.

use abi::errno::{EINVAL, ENOTDIR};
use abi::fs::at;

use super::sys_fd::nofile_limit;
use super::sys_path::{creds, lookup_at};
use super::{Args, SysResult};
use crate::kernel::task::Task;
use crate::vfs::inotify::{mask, Inotify, IN_CLOEXEC, IN_NONBLOCK};
use crate::vfs::perm::{self, MAY_READ};

fn do_init1(t: &mut Task, flags: u32) -> SysResult {
    if flags & !(IN_NONBLOCK | IN_CLOEXEC) != 0 {
        return Err(EINVAL);
    }
    let file = Inotify::create(t, t.kernel.mounts.notify(), flags)?;
    let limit = nofile_limit(t);
    t.fds.install(file, flags & IN_CLOEXEC != 0, limit).map(|fd| fd as u64)
}

/// `inotify_init()`.
pub fn inotify_init(t: &mut Task, _a: Args) -> SysResult {
    do_init1(t, 0)
}

/// `inotify_init1(flags)`: `IN_NONBLOCK`, `IN_CLOEXEC`.
pub fn inotify_init1(t: &mut Task, a: Args) -> SysResult {
    do_init1(t, a.uint(0))
}

/// `inotify_add_watch(fd, path, mask)`: the mask is checked first
/// (`EINVAL` for unknown bits, none at all, or both `IN_MASK_ADD` and
/// `IN_MASK_CREATE`), then the descriptor (`EBADF`, `EINVAL` for one that
/// is not an instance), then the path (followed unless
/// `IN_DONT_FOLLOW`; `ENOTDIR` with `IN_ONLYDIR` for a non-directory) and
/// read permission on the file (`EACCES`).
pub fn inotify_add_watch(t: &mut Task, a: Args) -> SysResult {
    let m = a.uint(2);
    if (m & mask::MASK_ADD != 0 && m & mask::MASK_CREATE != 0) || m & !mask::ALL_BITS != 0 || m == 0 {
        return Err(EINVAL);
    }
    let file = t.fds.get(a.int(0))?;
    let instance = file.downcast::<Inotify>().ok_or(EINVAL)?;
    let loc = lookup_at(t, at::FDCWD, a.u64(1), false, m & mask::DONT_FOLLOW == 0)?;
    let attr = loc.dentry.attr();
    if m & mask::ONLYDIR != 0 && !attr.is_dir() {
        return Err(ENOTDIR);
    }
    perm::check(&creds(t), &attr, MAY_READ)?;
    instance.add_watch(&loc, m).map(|wd| wd as u64)
}

/// `inotify_rm_watch(fd, wd)`: `EBADF`, `EINVAL` for a descriptor that
/// is not an instance or a watch it does not have.
pub fn inotify_rm_watch(t: &mut Task, a: Args) -> SysResult {
    let file = t.fds.get(a.int(0))?;
    let instance = file.downcast::<Inotify>().ok_or(EINVAL)?;
    instance.rm_watch(a.int(1)).map(|()| 0)
}
