//! Descriptor operations: close, lseek, ioctl; readlink and getcwd.

use abi::errno::{EINVAL, ENOENT};
use abi::fs::{ioctl as io, PATH_MAX};

use super::{Args, SysResult};
use crate::kernel::task::Task;

/// `close(fd)`.
pub fn close(t: &mut Task, a: Args) -> SysResult {
    t.fds.remove(a.int(0)).map(|_| 0)
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

/// `ioctl(fd, cmd, arg)`.
pub fn ioctl(t: &mut Task, a: Args) -> SysResult {
    let fd = a.int(0);
    let file = t.fds.get(fd)?;
    match a.uint(1) {
        io::FIOCLEX => t.fds.set_cloexec(fd, true).map(|_| 0),
        io::FIONCLEX => t.fds.set_cloexec(fd, false).map(|_| 0),
        cmd => file.ops.ioctl(t, cmd, a.u64(2)),
    }
}

/// The target of the symbolic link at `path`, for the links the sandbox
/// has so far: the `/proc` links to the executable.
fn link_target(t: &Task, path: &[u8]) -> Option<Vec<u8>> {
    let pid = t.tg.tgid.to_string();
    let tid = t.tid.to_string();
    let s = std::str::from_utf8(path).ok()?;
    let rest = s.strip_prefix("/proc/")?;
    let (who, link) = rest.split_once('/')?;
    let me = who == "self" || who == "thread-self" || who == pid;
    let my_thread = who.strip_prefix(&format!("{pid}/task/")).is_some_and(|t| t == tid);
    ((me || my_thread) && link == "exe").then(|| t.tg.exe.lock().as_os_str().as_encoded_bytes().to_vec())
}

fn do_readlink(t: &mut Task, path_addr: u64, buf: u64, size: i32) -> SysResult {
    if size <= 0 {
        return Err(EINVAL);
    }
    let path = t.read_cstring(path_addr, PATH_MAX)?;
    if path.is_empty() {
        return Err(ENOENT);
    }
    let target = link_target(t, &path).ok_or(ENOENT)?;
    let n = target.len().min(size as usize);
    t.copy_out_final(buf, &target[..n])?;
    Ok(n as u64)
}

/// `readlink(path, buf, size)`.
pub fn readlink(t: &mut Task, a: Args) -> SysResult {
    do_readlink(t, a.u64(0), a.u64(1), a.int(2))
}

/// `readlinkat(dirfd, path, buf, size)`: absolute paths only until the
/// VFS lands.
pub fn readlinkat(t: &mut Task, a: Args) -> SysResult {
    do_readlink(t, a.u64(1), a.u64(2), a.int(3))
}

/// `getcwd(buf, size)`: the sandbox's working directory, which until the
/// VFS lands (with chdir) is where the sandbox was started; relative
/// `execve` paths resolve against the same directory.
pub fn getcwd(t: &mut Task, a: Args) -> SysResult {
    let cwd = std::env::current_dir().map_err(|_| ENOENT)?;
    let mut bytes = cwd.into_os_string().into_encoded_bytes();
    bytes.push(0);
    if (a.u64(1) as usize) < bytes.len() {
        return Err(abi::errno::ERANGE);
    }
    t.copy_out_final(a.u64(0), &bytes)?;
    Ok(bytes.len() as u64)
}
