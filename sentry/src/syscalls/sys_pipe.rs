//! pipe and pipe2.

use abi::errno::{EFAULT, EINVAL};
use abi::fs::o;

use super::sys_fd::nofile_limit;
use super::{Args, SysResult};
use crate::kernel::task::Task;
use crate::kernel::pipe::Pipe;

/// The flags `pipe2` accepts. (`O_NOTIFICATION_PIPE`, which is `O_EXCL`,
/// needs watch queues, which the sandbox does not have: `EINVAL`, as on a
/// kernel built without them.)
const PIPE2_FLAGS: u32 = o::CLOEXEC | o::NONBLOCK | o::DIRECT;

fn do_pipe2(t: &mut Task, fds_addr: u64, flags: u32) -> SysResult {
    if flags & !PIPE2_FLAGS != 0 {
        return Err(EINVAL);
    }
    let limit = nofile_limit(t);
    let ends = Pipe::new_pair(t, flags);
    let fds = t.fds.install_pair(ends, flags & o::CLOEXEC != 0, limit)?;
    let mut out = [0u8; 8];
    out[..4].copy_from_slice(&fds[0].to_ne_bytes());
    out[4..].copy_from_slice(&fds[1].to_ne_bytes());
    // Written now, not on resume: on a fault both descriptors go away.
    if t.copy_out(fds_addr, &out).is_err() {
        let ends = (t.fds.remove(fds[0]), t.fds.remove(fds[1]));
        drop(ends);
        return Err(EFAULT);
    }
    Ok(0)
}

/// `pipe(fds)`.
pub fn pipe(t: &mut Task, a: Args) -> SysResult {
    do_pipe2(t, a.u64(0), 0)
}

/// `pipe2(fds, flags)`: `O_CLOEXEC`, `O_NONBLOCK`, `O_DIRECT` (packets).
pub fn pipe2(t: &mut Task, a: Args) -> SysResult {
    do_pipe2(t, a.u64(0), a.uint(1))
}
