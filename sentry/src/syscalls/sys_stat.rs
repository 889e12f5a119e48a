//! The stat family: stat, lstat, fstat, newfstatat, statx, statfs and
//! fstatfs.

use abi::errno::EINVAL;
use abi::fs::{at, statx, Stat, Statfs};
use abi::{Errno, Pod};

use super::sys_path::{lookup_at, read_path};
use super::{Args, SysResult};
use crate::kernel::task::Task;

/// The attributes of what `path` names from `dirfd`; an empty path with
/// `AT_EMPTY_PATH` names the descriptor (any kind of file).
fn stat_at(t: &mut Task, dirfd: i32, path_addr: u64, flags: u32) -> Result<Stat, Errno> {
    let path = read_path(t, path_addr)?;
    if path.is_empty() && flags & at::EMPTY_PATH != 0 && dirfd != at::FDCWD {
        return t.fds.get(dirfd)?.ops.stat();
    }
    let loc = lookup_at(t, dirfd, path_addr, flags & at::EMPTY_PATH != 0, flags & at::SYMLINK_NOFOLLOW == 0)?;
    Ok(loc.dentry.attr().to_stat())
}

fn put_stat(t: &mut Task, buf: u64, st: Stat) -> SysResult {
    t.copy_out_final(buf, st.as_bytes())?;
    Ok(0)
}

/// `fstat(fd, buf)`.
pub fn fstat(t: &mut Task, a: Args) -> SysResult {
    let st = t.fds.get(a.int(0))?.ops.stat()?;
    put_stat(t, a.u64(1), st)
}

/// `stat(path, buf)`.
pub fn stat(t: &mut Task, a: Args) -> SysResult {
    let st = stat_at(t, at::FDCWD, a.u64(0), 0)?;
    put_stat(t, a.u64(1), st)
}

/// `lstat(path, buf)`.
pub fn lstat(t: &mut Task, a: Args) -> SysResult {
    let st = stat_at(t, at::FDCWD, a.u64(0), at::SYMLINK_NOFOLLOW)?;
    put_stat(t, a.u64(1), st)
}

/// `newfstatat(dirfd, path, buf, flags)`.
pub fn newfstatat(t: &mut Task, a: Args) -> SysResult {
    let flags = a.uint(3);
    if flags & !(at::SYMLINK_NOFOLLOW | at::EMPTY_PATH | at::NO_AUTOMOUNT) != 0 {
        return Err(EINVAL);
    }
    let st = stat_at(t, a.int(0), a.u64(1), flags)?;
    put_stat(t, a.u64(2), st)
}

/// `statx(dirfd, path, flags, mask, buf)`: every basic field and the
/// birth time, whatever the mask asks.
pub fn statx(t: &mut Task, a: Args) -> SysResult {
    let flags = a.uint(2);
    let mask = a.uint(3);
    if flags & !(at::SYMLINK_NOFOLLOW | at::EMPTY_PATH | at::NO_AUTOMOUNT | at::STATX_SYNC_TYPE) != 0
        || flags & at::STATX_SYNC_TYPE == at::STATX_SYNC_TYPE
        || mask & statx::RESERVED != 0
    {
        return Err(EINVAL);
    }
    let (dirfd, path) = (a.int(0), read_path(t, a.u64(1))?);
    let file = if path.is_empty() && flags & at::EMPTY_PATH != 0 && dirfd != at::FDCWD { Some(t.fds.get(dirfd)?) } else { None };
    let mut out = match file {
        Some(f) => match f.ops.location() {
            Some(l) => l.dentry.attr().to_statx(),
            None => {
                // Files outside the tree have no birth time.
                let mut x = crate::vfs::inode::Attr::from_stat(&f.ops.stat()?).to_statx();
                x.mask &= !statx::BTIME;
                x
            }
        },
        None => lookup_at(t, dirfd, a.u64(1), flags & at::EMPTY_PATH != 0, flags & at::SYMLINK_NOFOLLOW == 0)?.dentry.attr().to_statx(),
    };
    out.mask &= statx::BASIC_STATS | statx::BTIME;
    t.copy_out_final(a.u64(4), out.as_bytes())?;
    Ok(0)
}

fn put_statfs(t: &mut Task, buf: u64, st: Statfs) -> SysResult {
    t.copy_out_final(buf, st.as_bytes())?;
    Ok(0)
}

/// `statfs(path, buf)`.
pub fn statfs(t: &mut Task, a: Args) -> SysResult {
    let loc = lookup_at(t, at::FDCWD, a.u64(0), false, true)?;
    let st = loc.inode().statfs();
    put_statfs(t, a.u64(1), st)
}

/// `fstatfs(fd, buf)`: a file outside the tree (a pipe, an eventfd)
/// reports the internal filesystem of its nameless inode
/// (`vfs::nameless`), as Linux reports pipefs or anon_inodefs.
pub fn fstatfs(t: &mut Task, a: Args) -> SysResult {
    let loc = t.fds.get(a.int(0))?.link_location()?;
    let st = loc.inode().statfs();
    put_statfs(t, a.u64(1), st)
}
