//! The descriptor table: dup, dup2, dup3, close_range and fcntl.

use abi::errno::{EBADF, EINVAL, EPERM};
use abi::fs::{mode, o};
use abi::process::rlimit;

use super::{Args, SysResult};
use crate::kernel::creds::cap;
use crate::kernel::task::Task;
use crate::vfs::{OpenFile, PipeEnd};

/// `fcntl` commands.
mod f {
    pub const DUPFD: u32 = 0;
    pub const GETFD: u32 = 1;
    pub const SETFD: u32 = 2;
    pub const GETFL: u32 = 3;
    pub const SETFL: u32 = 4;
    pub const DUPFD_CLOEXEC: u32 = 1030;
    pub const SETPIPE_SZ: u32 = 1031;
    pub const GETPIPE_SZ: u32 = 1032;
}

/// The close-on-exec bit of `F_GETFD`/`F_SETFD`.
const FD_CLOEXEC: u64 = 1;
/// `O_ASYNC` (`FASYNC`).
const O_ASYNC: u32 = 0o20000;
/// The status flags `F_SETFL` may change (Linux's `SETFL_MASK`).
const SETFL_MASK: u32 = o::APPEND | o::NONBLOCK | O_ASYNC | o::DIRECT | o::NOATIME;

/// `close_range` flags.
const CLOSE_RANGE_UNSHARE: u32 = 1 << 1;
const CLOSE_RANGE_CLOEXEC: u32 = 1 << 2;

/// The soft `RLIMIT_NOFILE` of the caller's process: descriptors must be
/// below it.
pub(super) fn nofile_limit(t: &Task) -> u64 {
    t.tg.limits.lock().get(rlimit::NOFILE).map_or(0, |l| l.cur)
}

/// `dup(oldfd)`.
pub fn dup(t: &mut Task, a: Args) -> SysResult {
    let limit = nofile_limit(t);
    t.fds.dup(a.int(0), 0, false, limit).map(|fd| fd as u64)
}

/// The shared part of `dup2` and `dup3`, in Linux's order of checks.
fn do_dup3(t: &mut Task, oldfd: u32, newfd: u32, flags: u32) -> SysResult {
    if flags & !o::CLOEXEC != 0 {
        return Err(EINVAL);
    }
    if oldfd == newfd {
        return Err(EINVAL);
    }
    if u64::from(newfd) >= nofile_limit(t) || newfd > i32::MAX as u32 {
        return Err(EBADF);
    }
    t.fds.dup_to(oldfd as i32, newfd as i32, flags & o::CLOEXEC != 0).map(|fd| fd as u64)
}

/// `dup2(oldfd, newfd)`.
pub fn dup2(t: &mut Task, a: Args) -> SysResult {
    let (oldfd, newfd) = (a.uint(0), a.uint(1));
    if oldfd == newfd {
        return t.fds.get(oldfd as i32).map(|_| u64::from(oldfd));
    }
    do_dup3(t, oldfd, newfd, 0)
}

/// `dup3(oldfd, newfd, flags)`.
pub fn dup3(t: &mut Task, a: Args) -> SysResult {
    do_dup3(t, a.uint(0), a.uint(1), a.uint(2))
}

/// `close_range(first, last, flags)`.
pub fn close_range(t: &mut Task, a: Args) -> SysResult {
    let (first, last, flags) = (a.uint(0), a.uint(1), a.uint(2));
    if flags & !(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) != 0 || first > last {
        return Err(EINVAL);
    }
    // CLOSE_RANGE_UNSHARE: every process has a table of its own already.
    if flags & CLOSE_RANGE_CLOEXEC != 0 {
        t.fds.set_cloexec_range(first, last);
    } else {
        t.fds.remove_range(first, last);
    }
    Ok(0)
}

/// `F_SETFL`: only the flags in `SETFL_MASK` change.
fn setfl(t: &mut Task, file: &OpenFile, arg: u32) -> SysResult {
    let st = file.ops.stat()?;
    if arg & o::NOATIME != 0 && file.flags() & o::NOATIME == 0 {
        // inode_owner_or_capable
        let creds = t.tg.creds.lock();
        if st.uid != creds.fsuid && !creds.has_cap(cap::FOWNER) {
            return Err(EPERM);
        }
    }
    // O_DIRECT is packet mode on a pipe; elsewhere only files that can do
    // direct I/O (regular files) accept it.
    let kind = st.mode & mode::S_IFMT;
    if arg & o::DIRECT != 0 && kind != mode::S_IFIFO && kind != mode::S_IFREG {
        return Err(EINVAL);
    }
    file.set_flags(SETFL_MASK, arg);
    Ok(0)
}

/// `fcntl(fd, cmd, arg)`.
pub fn fcntl(t: &mut Task, a: Args) -> SysResult {
    let fd = a.int(0);
    let file = t.fds.get(fd)?;
    // Linux reads `arg` as an int for these commands.
    let arg = a.uint(2);
    match a.uint(1) {
        cmd @ (f::DUPFD | f::DUPFD_CLOEXEC) => {
            let limit = nofile_limit(t);
            if u64::from(arg) >= limit {
                return Err(EINVAL);
            }
            t.fds.install_from(arg, file, cmd == f::DUPFD_CLOEXEC, limit).map(|fd| fd as u64)
        }
        f::GETFD => Ok(if t.fds.get_cloexec(fd)? { FD_CLOEXEC } else { 0 }),
        f::SETFD => t.fds.set_cloexec(fd, u64::from(arg) & FD_CLOEXEC != 0).map(|_| 0),
        f::GETFL => Ok(u64::from(file.flags())),
        f::SETFL => setfl(t, &file, arg),
        f::GETPIPE_SZ => {
            let end = file.downcast::<PipeEnd>().ok_or(EBADF)?;
            Ok(end.pipe().capacity() as u64)
        }
        f::SETPIPE_SZ => {
            let end = file.downcast::<PipeEnd>().ok_or(EBADF)?;
            let privileged = t.tg.creds.lock().has_cap(cap::SYS_RESOURCE);
            end.pipe().set_capacity(arg, privileged).map(|n| n as u64)
        }
        _ => Err(EINVAL),
    }
}
