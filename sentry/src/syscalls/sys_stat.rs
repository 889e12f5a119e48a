//! The stat family.

use abi::errno::{EINVAL, ENOENT};
use abi::fs::{at, PATH_MAX};
use abi::Pod;

use super::{Args, SysResult};
use crate::kernel::task::Task;

fn stat_fd(t: &mut Task, fd: i32, buf: u64) -> SysResult {
    let st = t.fds.get(fd)?.ops.stat()?;
    t.copy_out_final(buf, st.as_bytes())?;
    Ok(0)
}

/// `fstat(fd, buf)`.
pub fn fstat(t: &mut Task, a: Args) -> SysResult {
    stat_fd(t, a.int(0), a.u64(1))
}

/// `newfstatat(dirfd, path, buf, flags)`.
pub fn newfstatat(t: &mut Task, a: Args) -> SysResult {
    let flags = a.uint(3);
    if flags & !(at::SYMLINK_NOFOLLOW | at::EMPTY_PATH | at::NO_AUTOMOUNT) != 0 {
        return Err(EINVAL);
    }
    let path = t.read_cstring(a.u64(1), PATH_MAX)?;
    if path.is_empty() && flags & at::EMPTY_PATH != 0 && a.int(0) != at::FDCWD {
        return stat_fd(t, a.int(0), a.u64(2));
    }
    // No filesystem is mounted yet: no path names anything.
    Err(ENOENT)
}
