//! Calls that name files by path: open and its variants, the directory
//! and link calls, attributes (chmod, chown, utimensat, truncate),
//! access, the working directory and the umask.
//!
//! A relative path starts at the working directory (`AT_FDCWD`) or at the
//! directory a descriptor names; an absolute one at the process's root,
//! whatever the descriptor. See `vfs::path` for the walk and `vfs::ops`
//! for the checks each operation makes.

use std::sync::Arc;

use abi::errno::{EAGAIN, EBADF, EFAULT, EINVAL, EISDIR, ENOENT, ENOTDIR, EPERM, ERANGE, EROFS};
use abi::fs::{at, mode, o, resolve as rs, utime, OpenHow, PATH_MAX};
use abi::Errno;

use super::{Args, SysResult};
use crate::auth::{cap, Credentials};
use crate::kernel::task::Task;
use crate::vfs::inode::NodeSpec;
use crate::vfs::ops::{self, TimeSet};
use crate::vfs::path::{Resolver, Restrict};
use crate::vfs::perm::{self, MAY_READ, MAY_WRITE};
use crate::fsimpl::dev as devices;
use crate::vfs::{InodeFile, Location, OpenFile};

/// A path argument: the bytes, read from the app (`EFAULT`,
/// `ENAMETOOLONG` past `PATH_MAX`).
pub(super) fn read_path(t: &mut Task, addr: u64) -> Result<Vec<u8>, Errno> {
    t.read_cstring(addr, PATH_MAX)
}

/// The location descriptor `fd` names (`EBADF`), for files that have
/// one (`ENOTDIR` for those that do not, as a pipe used as a `dirfd`).
pub(super) fn fd_location(t: &Task, fd: i32) -> Result<Location, Errno> {
    t.fds.get(fd)?.ops.location().ok_or(ENOTDIR)
}

/// Where a relative `path` starts for `dirfd`: the working directory for
/// `AT_FDCWD`, else the directory `dirfd` names. An absolute path ignores
/// `dirfd`.
pub(super) fn start_of(t: &Task, dirfd: i32, path: &[u8]) -> Result<Location, Errno> {
    if path.first() == Some(&b'/') || dirfd == at::FDCWD {
        return Ok(t.fs.cwd());
    }
    let loc = fd_location(t, dirfd)?;
    if !loc.dentry.attr().is_dir() {
        return Err(ENOTDIR);
    }
    Ok(loc)
}

/// The caller's filesystem credentials.
pub(super) fn creds(t: &Task) -> Credentials {
    t.tg.creds.lock().clone()
}

/// Resolves `path` from `dirfd` (with `AT_EMPTY_PATH`, an empty path names
/// `dirfd` itself), following a last link when `follow`.
pub(super) fn lookup_at(t: &mut Task, dirfd: i32, path_addr: u64, empty_ok: bool, follow: bool) -> Result<Location, Errno> {
    let path = read_path(t, path_addr)?;
    if path.is_empty() && empty_ok {
        return if dirfd == at::FDCWD { Ok(t.fs.cwd()) } else { fd_location(t, dirfd) };
    }
    let start = start_of(t, dirfd, &path)?;
    let c = creds(t);
    Resolver::new(&t.kernel.mounts, t.fs.root(), &c).resolve(&start, &path, follow)
}

/// Runs `f` with a resolver for the caller and the start of `path`.
fn with_path<R>(t: &mut Task, dirfd: i32, path_addr: u64, f: impl FnOnce(&mut Resolver<'_>, &Location, &[u8]) -> Result<R, Errno>) -> Result<R, Errno> {
    let path = read_path(t, path_addr)?;
    let start = start_of(t, dirfd, &path)?;
    let c = creds(t);
    let mut r = Resolver::new(&t.kernel.mounts, t.fs.root(), &c);
    f(&mut r, &start, &path)
}

/// The open flags Linux accepts (others are ignored, as `open` does).
const VALID_OPEN_FLAGS: u32 = o::ACCMODE
    | o::CREAT
    | o::EXCL
    | o::NOCTTY
    | o::TRUNC
    | o::APPEND
    | o::NONBLOCK
    | o::DSYNC
    | 0o20000 /* O_ASYNC */
    | o::DIRECT
    | o::LARGEFILE
    | o::DIRECTORY
    | o::NOFOLLOW
    | o::NOATIME
    | o::CLOEXEC
    | 0o4000000 /* __O_SYNC */
    | o::PATH
    | o::TMPFILE;

/// `do_sys_openat2`: opens `path` from `dirfd` and installs a descriptor.
fn do_open(t: &mut Task, dirfd: i32, path_addr: u64, flags: u32, perm: u32, restrict: Restrict, in_root: bool) -> SysResult {
    // `__O_TMPFILE` (unless O_PATH drops it) takes O_DIRECTORY, no
    // O_CREAT, and write access.
    let tmpfile = flags & o::PATH == 0 && flags & o::TMPFILE & !o::DIRECTORY != 0;
    if tmpfile && (flags & (o::TMPFILE | o::CREAT) != o::TMPFILE || flags & o::ACCMODE == o::RDONLY) {
        return Err(EINVAL);
    }
    // O_PATH keeps only the flags that concern the walk.
    let flags = if flags & o::PATH != 0 { flags & (o::PATH | o::DIRECTORY | o::NOFOLLOW | o::CLOEXEC) } else { flags };
    let path = read_path(t, path_addr)?;
    let start = start_of(t, dirfd, &path)?;
    let c = creds(t);
    let root = if in_root { start.clone() } else { t.fs.root() };
    let perm = (perm & 0o7777) & !t.fs.umask();
    if tmpfile {
        let loc = {
            let mut r = Resolver::new(&t.kernel.mounts, root, &c).restricted(restrict, &start);
            let dir = r.resolve(&start, &path, flags & o::NOFOLLOW == 0)?;
            ops::tmpfile(&c, &dir, perm, flags & o::EXCL == 0)?
        };
        let file = InodeFile::open(loc, flags & !(o::CREAT | o::EXCL | o::NOCTTY | o::TRUNC));
        let limit = super::sys_fd::nofile_limit(t);
        return t.fds.install(file, flags & o::CLOEXEC != 0, limit).map(|fd| fd as u64);
    }
    let found = {
        let mut r = Resolver::new(&t.kernel.mounts, root, &c).restricted(restrict, &start);
        ops::open(&mut r, &start, &path, flags, perm)?
    };
    let loc = found.loc;
    let a = loc.dentry.attr();
    if flags & o::DIRECTORY != 0 && !a.is_dir() {
        return Err(ENOTDIR);
    }
    let acc = flags & o::ACCMODE;
    let file = if flags & o::PATH != 0 {
        InodeFile::open(loc, flags)
    } else {
        if a.is_symlink() {
            return Err(abi::errno::ELOOP);
        }
        if a.is_dir() && (matches!(acc, o::WRONLY | o::RDWR) || flags & o::CREAT != 0) {
            return Err(EISDIR);
        }
        if !found.created {
            let mut mask = match acc {
                o::RDONLY => MAY_READ,
                o::WRONLY => MAY_WRITE,
                _ => MAY_READ | MAY_WRITE,
            };
            if flags & o::TRUNC != 0 {
                mask |= MAY_WRITE;
            }
            perm::check_at(&c, &loc, mask)?;
            if mask & MAY_WRITE != 0 {
                loc.inode().prepare_write()?;
            }
            if flags & o::TRUNC != 0 && !a.is_dir() && loc.mnt.read_only {
                return Err(EROFS);
            }
        }
        if flags & o::NOATIME != 0 {
            perm::owner_or_capable(&c, &a)?;
        }
        loc.inode().check_open()?;
        // A file that opens as something of its own (a named pipe; a
        // pipe, host descriptor or anonymous file reached through
        // `/proc/PID/fd/N`), whatever its type.
        if let Some(file) = loc.inode().open_special(t, &loc, flags) {
            let file = file?;
            file.set_flags(o::CREAT | o::EXCL | o::NOCTTY | o::TRUNC, 0);
            let limit = super::sys_fd::nofile_limit(t);
            return t.fds.install(file, flags & o::CLOEXEC != 0, limit).map(|fd| fd as u64);
        }
        match a.kind() {
            mode::S_IFCHR => devices::open(loc, flags)?,
            // A socket is reached by `connect`, never opened (`no_open`).
            mode::S_IFSOCK => return Err(abi::errno::ENXIO),
            mode::S_IFREG => {
                if flags & o::TRUNC != 0 && !found.created && matches!(acc, o::WRONLY | o::RDWR) && a.size != 0 {
                    // As Linux: opened (for inotify, `IN_OPEN`), then cut.
                    let file = InodeFile::open(loc.clone(), flags);
                    ops::set_size(&loc, 0)?;
                    file
                } else {
                    InodeFile::open(loc, flags)
                }
            }
            _ => InodeFile::open(loc, flags),
        }
    };
    let limit = super::sys_fd::nofile_limit(t);
    t.fds.install(file, flags & o::CLOEXEC != 0, limit).map(|fd| fd as u64)
}

/// `open(path, flags, mode)`.
pub fn open(t: &mut Task, a: Args) -> SysResult {
    do_open(t, at::FDCWD, a.u64(0), a.uint(1) & VALID_OPEN_FLAGS, a.uint(2), Restrict::default(), false)
}

/// `openat(dirfd, path, flags, mode)`.
pub fn openat(t: &mut Task, a: Args) -> SysResult {
    do_open(t, a.int(0), a.u64(1), a.uint(2) & VALID_OPEN_FLAGS, a.uint(3), Restrict::default(), false)
}

/// `creat(path, mode)`.
pub fn creat(t: &mut Task, a: Args) -> SysResult {
    do_open(t, at::FDCWD, a.u64(0), o::CREAT | o::WRONLY | o::TRUNC, a.uint(1), Restrict::default(), false)
}

/// `openat2(dirfd, path, how, size)`: unknown flags, a mode without
/// `O_CREAT`, or `RESOLVE_BENEATH` with `RESOLVE_IN_ROOT` are `EINVAL`.
pub fn openat2(t: &mut Task, a: Args) -> SysResult {
    let size = a.u64(3) as usize;
    const OPEN_HOW_SIZE_VER0: usize = 24;
    if size < OPEN_HOW_SIZE_VER0 {
        return Err(EINVAL);
    }
    if size > abi::PAGE_SIZE as usize {
        return Err(abi::errno::E2BIG);
    }
    let how: OpenHow = t.read_obj(a.u64(2))?;
    if size > OPEN_HOW_SIZE_VER0 {
        let mut rest = vec![0u8; size - OPEN_HOW_SIZE_VER0];
        t.copy_in(a.u64(2) + OPEN_HOW_SIZE_VER0 as u64, &mut rest)?;
        if rest.iter().any(|&b| b != 0) {
            return Err(abi::errno::E2BIG);
        }
    }
    let all = rs::NO_XDEV | rs::NO_MAGICLINKS | rs::NO_SYMLINKS | rs::BENEATH | rs::IN_ROOT | rs::CACHED;
    if how.flags & !u64::from(VALID_OPEN_FLAGS) != 0 || how.resolve & !all != 0 || how.mode & !0o7777 != 0 {
        return Err(EINVAL);
    }
    let flags = how.flags as u32;
    // openat2 refuses what open() would drop beside O_PATH.
    if flags & o::PATH != 0 && flags & !(o::PATH | o::DIRECTORY | o::NOFOLLOW | o::CLOEXEC) != 0 {
        return Err(EINVAL);
    }
    if how.mode != 0 && flags & o::CREAT == 0 && flags & o::TMPFILE != o::TMPFILE {
        return Err(EINVAL);
    }
    if how.resolve & rs::BENEATH != 0 && how.resolve & rs::IN_ROOT != 0 {
        return Err(EINVAL);
    }
    if how.resolve & rs::CACHED != 0 && flags & (o::CREAT | o::TRUNC) != 0 {
        return Err(EAGAIN);
    }
    let restrict = Restrict {
        no_symlinks: how.resolve & rs::NO_SYMLINKS != 0,
        no_xdev: how.resolve & rs::NO_XDEV != 0,
        no_magiclinks: how.resolve & rs::NO_MAGICLINKS != 0,
        beneath: how.resolve & rs::BENEATH != 0,
    };
    do_open(t, a.int(0), a.u64(1), flags, how.mode as u32, restrict, how.resolve & rs::IN_ROOT != 0)
}

fn do_mknod(t: &mut Task, dirfd: i32, path: u64, m: u32, dev: u64) -> SysResult {
    let umask = t.fs.umask();
    let spec = match m & mode::S_IFMT {
        0 | mode::S_IFREG => NodeSpec::Regular,
        mode::S_IFIFO => NodeSpec::Fifo,
        mode::S_IFCHR => {
            if !t.tg.creds.lock().has_cap(cap::MKNOD) {
                return Err(EPERM);
            }
            NodeSpec::CharDevice(dev)
        }
        // A socket file no socket is bound to (as `bind` makes them).
        mode::S_IFSOCK => NodeSpec::Socket,
        // Linux refuses directories here; block devices the sandbox
        // cannot make.
        mode::S_IFDIR | mode::S_IFBLK => return Err(EPERM),
        _ => return Err(EINVAL),
    };
    with_path(t, dirfd, path, |r, s, p| ops::make(r, s, p, spec, m & 0o7777 & !umask)).map(|_| 0)
}

/// `mknod(path, mode, dev)`: regular files, FIFOs, socket files and
/// (with `CAP_MKNOD`) character devices.
pub fn mknod(t: &mut Task, a: Args) -> SysResult {
    do_mknod(t, at::FDCWD, a.u64(0), a.uint(1), a.u64(2))
}

/// `mknodat(dirfd, path, mode, dev)`.
pub fn mknodat(t: &mut Task, a: Args) -> SysResult {
    do_mknod(t, a.int(0), a.u64(1), a.uint(2), a.u64(3))
}

fn do_mkdir(t: &mut Task, dirfd: i32, path: u64, m: u32) -> SysResult {
    let perm = m & 0o1777 & !t.fs.umask();
    with_path(t, dirfd, path, |r, s, p| ops::make(r, s, p, NodeSpec::Directory, perm)).map(|_| 0)
}

/// `mkdir(path, mode)`.
pub fn mkdir(t: &mut Task, a: Args) -> SysResult {
    do_mkdir(t, at::FDCWD, a.u64(0), a.uint(1))
}

/// `mkdirat(dirfd, path, mode)`.
pub fn mkdirat(t: &mut Task, a: Args) -> SysResult {
    do_mkdir(t, a.int(0), a.u64(1), a.uint(2))
}

/// `rmdir(path)`.
pub fn rmdir(t: &mut Task, a: Args) -> SysResult {
    with_path(t, at::FDCWD, a.u64(0), ops::rmdir).map(|_| 0)
}

/// `unlink(path)`.
pub fn unlink(t: &mut Task, a: Args) -> SysResult {
    with_path(t, at::FDCWD, a.u64(0), ops::unlink).map(|_| 0)
}

/// `unlinkat(dirfd, path, flags)`: `AT_REMOVEDIR` makes it `rmdir`.
pub fn unlinkat(t: &mut Task, a: Args) -> SysResult {
    let flags = a.uint(2);
    if flags & !at::REMOVEDIR != 0 {
        return Err(EINVAL);
    }
    if flags & at::REMOVEDIR != 0 {
        with_path(t, a.int(0), a.u64(1), ops::rmdir).map(|_| 0)
    } else {
        with_path(t, a.int(0), a.u64(1), ops::unlink).map(|_| 0)
    }
}

fn do_rename(t: &mut Task, olddir: i32, old: u64, newdir: i32, new: u64, flags: u32) -> SysResult {
    let old = read_path(t, old)?;
    let new = read_path(t, new)?;
    let os = start_of(t, olddir, &old)?;
    let ns = start_of(t, newdir, &new)?;
    let c = creds(t);
    let mut r = Resolver::new(&t.kernel.mounts, t.fs.root(), &c);
    ops::rename(&mut r, &os, &old, &ns, &new, flags).map(|_| 0)
}

/// `rename(old, new)`.
pub fn rename(t: &mut Task, a: Args) -> SysResult {
    do_rename(t, at::FDCWD, a.u64(0), at::FDCWD, a.u64(1), 0)
}

/// `renameat(olddirfd, old, newdirfd, new)`.
pub fn renameat(t: &mut Task, a: Args) -> SysResult {
    do_rename(t, a.int(0), a.u64(1), a.int(2), a.u64(3), 0)
}

/// `renameat2(olddirfd, old, newdirfd, new, flags)`.
pub fn renameat2(t: &mut Task, a: Args) -> SysResult {
    do_rename(t, a.int(0), a.u64(1), a.int(2), a.u64(3), a.uint(4))
}

fn do_link(t: &mut Task, olddir: i32, old: u64, newdir: i32, new: u64, flags: u32) -> SysResult {
    if flags & !(at::SYMLINK_FOLLOW | at::EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    if flags & at::EMPTY_PATH != 0 && !t.tg.creds.lock().has_cap(cap::DAC_READ_SEARCH) {
        return Err(ENOENT);
    }
    let target = lookup_at(t, olddir, old, flags & at::EMPTY_PATH != 0, flags & at::SYMLINK_FOLLOW != 0)?;
    with_path(t, newdir, new, |r, s, p| ops::link(r, &target, s, p)).map(|_| 0)
}

/// `link(old, new)`.
pub fn link(t: &mut Task, a: Args) -> SysResult {
    do_link(t, at::FDCWD, a.u64(0), at::FDCWD, a.u64(1), 0)
}

/// `linkat(olddirfd, old, newdirfd, new, flags)`.
pub fn linkat(t: &mut Task, a: Args) -> SysResult {
    do_link(t, a.int(0), a.u64(1), a.int(2), a.u64(3), a.uint(4))
}

fn do_symlink(t: &mut Task, target: u64, dirfd: i32, path: u64) -> SysResult {
    let target = read_path(t, target)?;
    if target.is_empty() {
        return Err(ENOENT);
    }
    with_path(t, dirfd, path, |r, s, p| ops::make(r, s, p, NodeSpec::Symlink(target), 0o777)).map(|_| 0)
}

/// `symlink(target, path)`.
pub fn symlink(t: &mut Task, a: Args) -> SysResult {
    do_symlink(t, a.u64(0), at::FDCWD, a.u64(1))
}

/// `symlinkat(target, dirfd, path)`.
pub fn symlinkat(t: &mut Task, a: Args) -> SysResult {
    do_symlink(t, a.u64(0), a.int(1), a.u64(2))
}

fn do_readlink(t: &mut Task, dirfd: i32, path_addr: u64, buf: u64, size: i32) -> SysResult {
    let path = read_path(t, path_addr)?;
    let loc = if path.is_empty() {
        // Linux reads the link an O_PATH descriptor names.
        if dirfd == at::FDCWD {
            return Err(ENOENT);
        }
        fd_location(t, dirfd).map_err(|e| if e == ENOTDIR { ENOENT } else { e })?
    } else {
        let start = start_of(t, dirfd, &path)?;
        let c = creds(t);
        Resolver::new(&t.kernel.mounts, t.fs.root(), &c).resolve(&start, &path, false)?
    };
    if !loc.dentry.attr().is_symlink() {
        return Err(if path.is_empty() { ENOENT } else { EINVAL });
    }
    if size <= 0 {
        return Err(EINVAL);
    }
    let target = loc.inode().readlink()?;
    let n = target.len().min(size as usize);
    t.copy_out_final(buf, &target[..n])?;
    Ok(n as u64)
}

/// `readlink(path, buf, size)`.
pub fn readlink(t: &mut Task, a: Args) -> SysResult {
    do_readlink(t, at::FDCWD, a.u64(0), a.u64(1), a.int(2))
}

/// `readlinkat(dirfd, path, buf, size)`.
pub fn readlinkat(t: &mut Task, a: Args) -> SysResult {
    do_readlink(t, a.int(0), a.u64(1), a.u64(2), a.int(3))
}

/// `chmod(path, mode)`.
pub fn chmod(t: &mut Task, a: Args) -> SysResult {
    let loc = lookup_at(t, at::FDCWD, a.u64(0), false, true)?;
    ops::chmod(&creds(t), &loc, a.uint(1)).map(|_| 0)
}

/// `fchmod(fd, mode)`.
pub fn fchmod(t: &mut Task, a: Args) -> SysResult {
    let file = t.fds.get(a.int(0))?;
    if file.flags() & o::PATH != 0 {
        return Err(EBADF);
    }
    let loc = file.ops.location().ok_or(EBADF)?;
    ops::chmod(&creds(t), &loc, a.uint(1)).map(|_| 0)
}

/// `fchmodat(dirfd, path, mode)`.
pub fn fchmodat(t: &mut Task, a: Args) -> SysResult {
    let loc = lookup_at(t, a.int(0), a.u64(1), false, true)?;
    ops::chmod(&creds(t), &loc, a.uint(2)).map(|_| 0)
}

/// `fchmodat2(dirfd, path, mode, flags)`: a link itself cannot change
/// mode (`EOPNOTSUPP`), as on Linux.
pub fn fchmodat2(t: &mut Task, a: Args) -> SysResult {
    let flags = a.uint(3);
    if flags & !(at::SYMLINK_NOFOLLOW | at::EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    let loc = lookup_at(t, a.int(0), a.u64(1), flags & at::EMPTY_PATH != 0, flags & at::SYMLINK_NOFOLLOW == 0)?;
    if loc.dentry.attr().is_symlink() {
        return Err(abi::errno::EOPNOTSUPP);
    }
    ops::chmod(&creds(t), &loc, a.uint(2)).map(|_| 0)
}

/// An id argument of `chown`: -1 keeps the id.
fn id_arg(v: u32) -> Option<u32> {
    (v != u32::MAX).then_some(v)
}

/// `chown(path, uid, gid)`.
pub fn chown(t: &mut Task, a: Args) -> SysResult {
    let loc = lookup_at(t, at::FDCWD, a.u64(0), false, true)?;
    ops::chown(&creds(t), &loc, id_arg(a.uint(1)), id_arg(a.uint(2))).map(|_| 0)
}

/// `lchown(path, uid, gid)`.
pub fn lchown(t: &mut Task, a: Args) -> SysResult {
    let loc = lookup_at(t, at::FDCWD, a.u64(0), false, false)?;
    ops::chown(&creds(t), &loc, id_arg(a.uint(1)), id_arg(a.uint(2))).map(|_| 0)
}

/// `fchown(fd, uid, gid)`.
pub fn fchown(t: &mut Task, a: Args) -> SysResult {
    let file = t.fds.get(a.int(0))?;
    if file.flags() & o::PATH != 0 {
        return Err(EBADF);
    }
    let loc = file.ops.location().ok_or(EBADF)?;
    ops::chown(&creds(t), &loc, id_arg(a.uint(1)), id_arg(a.uint(2))).map(|_| 0)
}

/// `fchownat(dirfd, path, uid, gid, flags)`.
pub fn fchownat(t: &mut Task, a: Args) -> SysResult {
    let flags = a.uint(4);
    if flags & !(at::SYMLINK_NOFOLLOW | at::EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    let loc = lookup_at(t, a.int(0), a.u64(1), flags & at::EMPTY_PATH != 0, flags & at::SYMLINK_NOFOLLOW == 0)?;
    ops::chown(&creds(t), &loc, id_arg(a.uint(2)), id_arg(a.uint(3))).map(|_| 0)
}

/// One `struct timespec` of `utimensat`.
fn time_arg(sec: i64, nsec: i64) -> Result<TimeSet, Errno> {
    match nsec {
        utime::NOW => Ok(TimeSet::Now),
        utime::OMIT => Ok(TimeSet::Omit),
        0..=999_999_999 => Ok(TimeSet::At(sec.saturating_mul(1_000_000_000).saturating_add(nsec))),
        _ => Err(EINVAL),
    }
}

/// `utimensat(dirfd, path, times, flags)`: a null path changes the file
/// `dirfd` names.
pub fn utimensat(t: &mut Task, a: Args) -> SysResult {
    let flags = a.uint(3);
    if flags & !(at::SYMLINK_NOFOLLOW | at::EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    let (atime, mtime) = if a.u64(2) == 0 {
        (TimeSet::Now, TimeSet::Now)
    } else {
        let ts: [i64; 4] = t.read_obj(a.u64(2))?;
        (time_arg(ts[0], ts[1])?, time_arg(ts[2], ts[3])?)
    };
    let loc = if a.u64(1) == 0 {
        if a.int(0) == at::FDCWD {
            return Err(EFAULT);
        }
        t.fds.get(a.int(0))?.ops.location().ok_or(EBADF)?
    } else {
        lookup_at(t, a.int(0), a.u64(1), flags & at::EMPTY_PATH != 0, flags & at::SYMLINK_NOFOLLOW == 0)?
    };
    ops::utimes(&creds(t), &loc, atime, mtime).map(|_| 0)
}

/// `futimesat(dirfd, path, times)`, and `utimes` with `AT_FDCWD`: times
/// as two `struct timeval`, or now for a null pointer.
fn do_utimes(t: &mut Task, dirfd: i32, path: u64, times: u64) -> SysResult {
    let (atime, mtime) = if times == 0 {
        (TimeSet::Now, TimeSet::Now)
    } else {
        let tv: [i64; 4] = t.read_obj(times)?;
        if !(0..1_000_000).contains(&tv[1]) || !(0..1_000_000).contains(&tv[3]) {
            return Err(EINVAL);
        }
        (time_arg(tv[0], tv[1] * 1000)?, time_arg(tv[2], tv[3] * 1000)?)
    };
    let loc = lookup_at(t, dirfd, path, false, true)?;
    ops::utimes(&creds(t), &loc, atime, mtime).map(|_| 0)
}

/// `utimes(path, times)`.
pub fn utimes(t: &mut Task, a: Args) -> SysResult {
    do_utimes(t, at::FDCWD, a.u64(0), a.u64(1))
}

/// `futimesat(dirfd, path, times)`.
pub fn futimesat(t: &mut Task, a: Args) -> SysResult {
    do_utimes(t, a.int(0), a.u64(1), a.u64(2))
}

/// `truncate(path, length)`.
pub fn truncate(t: &mut Task, a: Args) -> SysResult {
    if a.i64(1) < 0 {
        return Err(EINVAL);
    }
    let loc = lookup_at(t, at::FDCWD, a.u64(0), false, true)?;
    ops::truncate(&creds(t), &loc, a.u64(1)).map(|_| 0)
}

/// `ftruncate(fd, length)`: the description must be open for writing
/// (`EINVAL` otherwise, as Linux says) on a regular file.
pub fn ftruncate(t: &mut Task, a: Args) -> SysResult {
    if a.i64(1) < 0 {
        return Err(EINVAL);
    }
    let file = t.fds.get(a.int(0))?;
    if file.flags() & o::PATH != 0 {
        return Err(EBADF);
    }
    let loc = file.ops.location().ok_or(EINVAL)?;
    if !file.writable() || !loc.dentry.attr().is_regular() {
        return Err(EINVAL);
    }
    if loc.mnt.read_only {
        return Err(EROFS);
    }
    ops::set_size(&loc, a.u64(1)).map(|_| 0)
}

/// The `access` mode bits.
const ACCESS_MODES: u32 = 7;

fn do_access(t: &mut Task, dirfd: i32, path: u64, m: u32, flags: u32) -> SysResult {
    if m & !ACCESS_MODES != 0 || flags & !(at::EACCESS | at::SYMLINK_NOFOLLOW | at::EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    let c = creds(t);
    let checker = if flags & at::EACCESS != 0 { c } else { ops::access_creds(&c) };
    let path = read_path(t, path)?;
    let loc = if path.is_empty() && flags & at::EMPTY_PATH != 0 {
        if dirfd == at::FDCWD { t.fs.cwd() } else { fd_location(t, dirfd)? }
    } else {
        let start = start_of(t, dirfd, &path)?;
        Resolver::new(&t.kernel.mounts, t.fs.root(), &checker).resolve(&start, &path, flags & at::SYMLINK_NOFOLLOW == 0)?
    };
    ops::access(&checker, &loc, m).map(|_| 0)
}

/// `access(path, mode)`.
pub fn access(t: &mut Task, a: Args) -> SysResult {
    do_access(t, at::FDCWD, a.u64(0), a.uint(1), 0)
}

/// `faccessat(dirfd, path, mode)`.
pub fn faccessat(t: &mut Task, a: Args) -> SysResult {
    do_access(t, a.int(0), a.u64(1), a.uint(2), 0)
}

/// `faccessat2(dirfd, path, mode, flags)`.
pub fn faccessat2(t: &mut Task, a: Args) -> SysResult {
    do_access(t, a.int(0), a.u64(1), a.uint(2), a.uint(3))
}

/// Makes `loc` the working directory: a directory the caller may search.
fn set_cwd(t: &mut Task, loc: Location) -> SysResult {
    let c = creds(t);
    Resolver::new(&t.kernel.mounts, t.fs.root(), &c).may_search(&loc)?;
    t.fs.set_cwd(loc);
    Ok(0)
}

/// `chdir(path)`.
pub fn chdir(t: &mut Task, a: Args) -> SysResult {
    let loc = lookup_at(t, at::FDCWD, a.u64(0), false, true)?;
    set_cwd(t, loc)
}

/// `fchdir(fd)`.
pub fn fchdir(t: &mut Task, a: Args) -> SysResult {
    let loc = fd_location(t, a.int(0))?;
    set_cwd(t, loc)
}

/// `chroot(path)`: takes `CAP_SYS_CHROOT`.
pub fn chroot(t: &mut Task, a: Args) -> SysResult {
    const CAP_SYS_CHROOT: u32 = 18;
    let loc = lookup_at(t, at::FDCWD, a.u64(0), false, true)?;
    let c = creds(t);
    Resolver::new(&t.kernel.mounts, t.fs.root(), &c).may_search(&loc)?;
    if !c.has_cap(CAP_SYS_CHROOT) {
        return Err(EPERM);
    }
    t.fs.set_root(loc);
    Ok(0)
}

/// `getcwd(buf, size)`: `(unreachable)` before a directory outside the
/// root, as Linux writes it.
pub fn getcwd(t: &mut Task, a: Args) -> SysResult {
    let (root, cwd) = t.fs.root_and_cwd();
    if cwd.dentry.is_deleted() {
        return Err(ENOENT);
    }
    let mut bytes = ops::path_of(&root, &cwd).unwrap_or_else(|| b"(unreachable)/".to_vec());
    bytes.push(0);
    if bytes.len() > PATH_MAX {
        return Err(abi::errno::ENAMETOOLONG);
    }
    if (a.u64(1) as usize) < bytes.len() {
        return Err(ERANGE);
    }
    t.copy_out_final(a.u64(0), &bytes)?;
    Ok(bytes.len() as u64)
}

/// `umask(mask)`.
pub fn umask(t: &mut Task, a: Args) -> SysResult {
    Ok(u64::from(t.fs.set_umask(a.uint(0))))
}

/// `getdents64(fd, dirp, count)`.
pub fn getdents64(t: &mut Task, a: Args) -> SysResult {
    let file: Arc<OpenFile> = t.fds.get(a.int(0))?;
    let dir = file.downcast::<InodeFile>().ok_or(ENOTDIR)?;
    // Linux keeps the count in an int: a huge one leaves no room at all.
    let count = usize::try_from(a.int(2)).unwrap_or(0).min(1 << 20);
    let out = dir.getdents(count)?;
    t.copy_out_final(a.u64(1), &out)?;
    Ok(out.len() as u64)
}

/// `fsync(fd)`, `fdatasync(fd)`: the inode's own sync (a host `fsync`
/// for a file of a read-write host directory; nothing for data in
/// memory); `EINVAL` for files that cannot be synced: all but regular
/// files and directories (pipes, devices).
pub fn fsync(t: &mut Task, a: Args) -> SysResult {
    let file = t.fds.get(a.int(0))?;
    let loc = file.ops.location().ok_or(EINVAL)?;
    if !matches!(loc.dentry.kind(), mode::S_IFREG | mode::S_IFDIR) {
        return Err(EINVAL);
    }
    loc.inode().sync().map(|_| 0)
}

/// `fallocate(fd, mode, offset, len)`: mode 0 extends the file to
/// `offset + len` if it is shorter; `FALLOC_FL_KEEP_SIZE` changes nothing
/// visible (tmpfs allocates pages when they are written).
pub fn fallocate(t: &mut Task, a: Args) -> SysResult {
    const KEEP_SIZE: u32 = 1;
    let (m, off, len) = (a.uint(1), a.i64(2), a.i64(3));
    if off < 0 || len <= 0 {
        return Err(EINVAL);
    }
    let file = t.fds.get(a.int(0))?;
    if !file.writable() {
        return Err(EBADF);
    }
    if m & !KEEP_SIZE != 0 {
        return Err(abi::errno::EOPNOTSUPP);
    }
    let loc = file.ops.location().ok_or(abi::errno::ESPIPE)?;
    let attr = loc.dentry.attr();
    if attr.kind() == mode::S_IFIFO {
        return Err(abi::errno::ESPIPE);
    }
    if attr.is_dir() {
        return Err(EISDIR);
    }
    if !attr.is_regular() {
        return Err(abi::errno::ENODEV);
    }
    let end = off.checked_add(len).ok_or(abi::errno::EFBIG)? as u64;
    if m & KEEP_SIZE == 0 && end > attr.size {
        ops::set_size(&loc, end)?;
    } else {
        crate::vfs::inotify::file_event(&loc, crate::vfs::inotify::mask::MODIFY);
    }
    Ok(0)
}

/// `fadvise64(fd, offset, len, advice)`: advice is accepted and has no
/// effect (everything is in memory or the host's cache).
pub fn fadvise64(t: &mut Task, a: Args) -> SysResult {
    let file = t.fds.get(a.int(0))?;
    if file.ops.stat()?.mode & mode::S_IFMT == mode::S_IFIFO {
        return Err(abi::errno::ESPIPE);
    }
    if a.int(3) as u32 > 5 {
        return Err(EINVAL);
    }
    Ok(0)
}

/// `sync()`.
pub fn sync(_t: &mut Task, _a: Args) -> SysResult {
    Ok(0)
}

/// `syncfs(fd)`.
pub fn syncfs(t: &mut Task, a: Args) -> SysResult {
    t.fds.get(a.int(0)).map(|_| 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utime_arguments() {
        assert_eq!(time_arg(1, utime::NOW), Ok(TimeSet::Now));
        assert_eq!(time_arg(1, utime::OMIT), Ok(TimeSet::Omit));
        assert_eq!(time_arg(2, 5), Ok(TimeSet::At(2_000_000_005)));
        assert_eq!(time_arg(2, 1_000_000_000), Err(EINVAL));
        assert_eq!(id_arg(u32::MAX), None);
    }
}
