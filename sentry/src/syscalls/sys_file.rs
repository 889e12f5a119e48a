//! Descriptor operations: close, lseek, ioctl.

use abi::errno::EINVAL;
use abi::fs::ioctl as io;
use abi::fs::o;

use super::{Args, SysResult};
use crate::kernel::task::Task;

/// `close(fd)`: the process's record locks on the file go with it.
pub fn close(t: &mut Task, a: Args) -> SysResult {
    let file = t.fds.remove(a.int(0))?;
    if let Some(loc) = file.ops.location() {
        let attr = loc.dentry.attr();
        crate::vfs::lock::release(attr.dev, attr.ino, &crate::vfs::lock::process_owner(t.tg.tgid, &t.tg));
    }
    Ok(0)
}

/// `lseek(fd, offset, whence)`.
pub fn lseek(t: &mut Task, a: Args) -> SysResult {
    let file = t.fds.get(a.int(0))?;
    let whence = a.uint(2);
    if whence > 4 {
        return Err(EINVAL);
    }
    file.ops.seek(a.i64(1), whence)
}

/// The `O_NONBLOCK` status flag `FIONBIO` leaves for the `int` it reads:
/// set for any non-zero value.
fn fionbio_flag(on: i32) -> u32 {
    if on != 0 {
        o::NONBLOCK
    } else {
        0
    }
}

/// `ioctl(fd, cmd, arg)`: the commands every file answers (close-on-exec,
/// `FIONBIO`) here, the rest by the file.
pub fn ioctl(t: &mut Task, a: Args) -> SysResult {
    let fd = a.int(0);
    let file = t.fds.get(fd)?;
    match a.uint(1) {
        io::FIOCLEX => t.fds.set_cloexec(fd, true).map(|_| 0),
        io::FIONCLEX => t.fds.set_cloexec(fd, false).map(|_| 0),
        io::FIONBIO => {
            let on: i32 = t.read_obj(a.u64(2))?;
            file.set_flags(o::NONBLOCK, fionbio_flag(on));
            Ok(0)
        }
        cmd => file.ops.ioctl(t, cmd, a.u64(2)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fionbio_sets_nonblocking_for_any_nonzero_value() {
        assert_eq!(fionbio_flag(0), 0);
        assert_eq!(fionbio_flag(1), o::NONBLOCK);
        assert_eq!(fionbio_flag(-1), o::NONBLOCK);
    }
}
