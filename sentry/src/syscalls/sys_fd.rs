//! The descriptor table: dup, dup2, dup3, close_range and fcntl.

use abi::errno::{EBADF, EINVAL, EPERM};
use abi::fs::{mode, o};
use abi::process::rlimit;

use super::{Args, SysResult};
use crate::auth::cap;
use crate::kernel::task::Task;
use crate::kernel::pipe::PipeEnd;
use crate::vfs::OpenFile;

/// `fcntl` commands.
mod f {
    pub const DUPFD: u32 = 0;
    pub const GETFD: u32 = 1;
    pub const SETFD: u32 = 2;
    pub const GETFL: u32 = 3;
    pub const SETFL: u32 = 4;
    pub const GETLK: u32 = 5;
    pub const SETLK: u32 = 6;
    pub const SETLKW: u32 = 7;
    pub const OFD_GETLK: u32 = 36;
    pub const OFD_SETLK: u32 = 37;
    pub const OFD_SETLKW: u32 = 38;
    pub const DUPFD_CLOEXEC: u32 = 1030;
    pub const SETPIPE_SZ: u32 = 1031;
    pub const GETPIPE_SZ: u32 = 1032;
    pub const ADD_SEALS: u32 = 1033;
    pub const GET_SEALS: u32 = 1034;
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

/// `struct flock`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Flock {
    kind: i16,
    whence: i16,
    start: i64,
    len: i64,
    pid: i32,
}
abi::impl_pod!(Flock);

/// `F_RDLCK`, `F_WRLCK`, `F_UNLCK`.
const F_RDLCK: i16 = 0;
const F_WRLCK: i16 = 1;
const F_UNLCK: i16 = 2;

/// The byte range `[start, end)` a `struct flock` names.
fn lock_range(file: &OpenFile, fl: &Flock) -> Result<(u64, u64), abi::Errno> {
    let base = match fl.whence as u32 {
        abi::fs::seek::SET => 0,
        abi::fs::seek::CUR => file.ops.seek(0, abi::fs::seek::CUR)? as i64,
        abi::fs::seek::END => file.ops.stat()?.size,
        _ => return Err(EINVAL),
    };
    let start = base.checked_add(fl.start).ok_or(abi::errno::EOVERFLOW)?;
    let (start, end) = match fl.len {
        0 => (start, u64::MAX),
        l if l > 0 => (start, start.checked_add(l).ok_or(abi::errno::EOVERFLOW)? as u64),
        l => (start + l, start as u64),
    };
    if start < 0 {
        return Err(EINVAL);
    }
    Ok((start as u64, end))
}

/// `F_GETLK`, `F_SETLK(W)` and their OFD forms.
fn record_lock(t: &mut Task, file: &std::sync::Arc<OpenFile>, cmd: u32, arg: u64) -> SysResult {
    use crate::vfs::lock;
    let mut fl: Flock = t.read_obj(arg)?;
    let ofd = matches!(cmd, f::OFD_GETLK | f::OFD_SETLK | f::OFD_SETLKW);
    if ofd && fl.pid != 0 {
        return Err(EINVAL);
    }
    let inode = file.downcast::<crate::vfs::InodeFile>().ok_or(EBADF)?;
    let owner = if ofd { lock::description_owner(inode) } else { lock::process_owner(t.tg.tgid, &t.tg) };
    let (start, end) = lock_range(file, &fl)?;
    let st = file.ops.stat()?;
    let write = match fl.kind {
        F_RDLCK => false,
        F_WRLCK => true,
        F_UNLCK if !matches!(cmd, f::GETLK | f::OFD_GETLK) => {
            lock::set(t, st.dev, st.ino, lock::Space::Record, lock::Lock { owner, write: false, start, end }, true, false)?;
            return Ok(0);
        }
        _ => return Err(EINVAL),
    };
    let want = lock::Lock { owner, write, start, end };
    if matches!(cmd, f::GETLK | f::OFD_GETLK) {
        match lock::conflict(st.dev, st.ino, lock::Space::Record, &want) {
            Some(l) => {
                fl.kind = if l.write { F_WRLCK } else { F_RDLCK };
                fl.whence = 0;
                fl.start = l.start as i64;
                fl.len = if l.end == u64::MAX { 0 } else { (l.end - l.start) as i64 };
                fl.pid = match l.owner {
                    lock::Owner::Process(pid, _) => pid,
                    lock::Owner::Description(_) => -1,
                };
            }
            None => fl.kind = F_UNLCK,
        }
        t.write_obj(arg, &fl)?;
        return Ok(0);
    }
    if (write && !file.writable()) || (!write && !file.readable()) {
        return Err(EBADF);
    }
    let wait = matches!(cmd, f::SETLKW | f::OFD_SETLKW);
    lock::set(t, st.dev, st.ino, lock::Space::Record, want, false, wait).map(|_| 0)
}

/// `flock(fd, operation)`.
pub fn flock(t: &mut Task, a: Args) -> SysResult {
    use crate::vfs::lock;
    const LOCK_SH: u32 = 1;
    const LOCK_EX: u32 = 2;
    const LOCK_NB: u32 = 4;
    const LOCK_UN: u32 = 8;
    let file = t.fds.get(a.int(0))?;
    let op = a.uint(1);
    let (write, unlock) = match op & !LOCK_NB {
        LOCK_SH => (false, false),
        LOCK_EX => (true, false),
        LOCK_UN => (false, true),
        _ => return Err(EINVAL),
    };
    let inode = file.downcast::<crate::vfs::InodeFile>().ok_or(EINVAL)?;
    let st = file.ops.stat()?;
    let want = lock::Lock { owner: lock::description_owner(inode), write, start: 0, end: u64::MAX };
    lock::set(t, st.dev, st.ino, lock::Space::Flock, want, unlock, op & LOCK_NB == 0).map(|_| 0)
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
        cmd @ (f::GETLK | f::SETLK | f::SETLKW | f::OFD_GETLK | f::OFD_SETLK | f::OFD_SETLKW) => record_lock(t, &file, cmd, a.u64(2)),
        f::GETPIPE_SZ => {
            let end = file.downcast::<PipeEnd>().ok_or(EBADF)?;
            Ok(end.pipe().capacity() as u64)
        }
        f::SETPIPE_SZ => {
            let end = file.downcast::<PipeEnd>().ok_or(EBADF)?;
            let privileged = t.tg.creds.lock().has_cap(cap::SYS_RESOURCE);
            end.pipe().set_capacity(arg, privileged).map(|n| n as u64)
        }
        f::ADD_SEALS => super::sys_memfd::add_seals(&file, a.u64(2)),
        f::GET_SEALS => super::sys_memfd::get_seals(&file),
        _ => Err(EINVAL),
    }
}
