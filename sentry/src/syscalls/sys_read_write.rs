//! read, write and their vectored and positioned forms.

use abi::errno::{EBADF, EFAULT, EINVAL, ESPIPE};
use abi::Pod;

use super::{Args, SysResult};
use crate::kernel::task::Task;
use crate::vfs::OpenFile;

/// The most one call transfers (`MAX_RW_COUNT`).
const MAX_RW_COUNT: u64 = 0x7fff_f000;
/// The largest buffer the sentry moves through memory at once.
const CHUNK: usize = 1 << 20;
/// Most entries in an iovec array (`UIO_MAXIOV`).
const IOV_MAX: usize = 1024;

/// `struct iovec`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Iovec {
    base: u64,
    len: u64,
}
abi::impl_pod!(Iovec);

fn readable_file(task: &Task, fd: i32) -> Result<std::sync::Arc<OpenFile>, abi::Errno> {
    let file = task.fds.get(fd)?;
    if !file.readable() {
        return Err(EBADF);
    }
    Ok(file)
}

fn writable_file(task: &Task, fd: i32) -> Result<std::sync::Arc<OpenFile>, abi::Errno> {
    let file = task.fds.get(fd)?;
    if !file.writable() {
        return Err(EBADF);
    }
    Ok(file)
}

fn offset_arg(file: &OpenFile, off: i64) -> Result<Option<u64>, abi::Errno> {
    if !file.ops.seekable() {
        return Err(ESPIPE);
    }
    if off < 0 {
        return Err(EINVAL);
    }
    Ok(Some(off as u64))
}

/// Reads up to `count` bytes into app memory at `addr`.
fn read_into(task: &mut Task, file: &OpenFile, addr: u64, count: u64, offset: Option<u64>) -> SysResult {
    let count = count.min(MAX_RW_COUNT);
    if !task.mm.is_user_range(addr, count) {
        return Err(EFAULT);
    }
    let mut buf = vec![0u8; (count as usize).min(CHUNK)];
    let n = file.ops.read(task, &mut buf, offset)?;
    task.copy_out_final(addr, &buf[..n])?;
    Ok(n as u64)
}

/// Writes `count` bytes from app memory at `addr`, a chunk at a time,
/// stopping at the first short write.
fn write_from(task: &mut Task, file: &OpenFile, addr: u64, count: u64, offset: Option<u64>) -> SysResult {
    let count = count.min(MAX_RW_COUNT);
    if count == 0 {
        // The file decides what writing nothing means (an eventfd: EINVAL).
        return file.ops.write(task, &[], offset).map(|n| n as u64);
    }
    let mut done = 0u64;
    let mut buf = Vec::new();
    while done < count {
        let len = ((count - done) as usize).min(CHUNK);
        buf.resize(len, 0);
        if let Err(e) = task.copy_in(addr + done, &mut buf) {
            return if done > 0 { Ok(done) } else { Err(e) };
        }
        let n = match file.ops.write(task, &buf, offset.map(|o| o + done)) {
            Ok(n) => n as u64,
            Err(e) if done == 0 => return Err(e),
            Err(_) => return Ok(done),
        };
        done += n;
        if n < len as u64 {
            break;
        }
    }
    Ok(done)
}

/// `read(fd, buf, count)`.
pub fn read(t: &mut Task, a: Args) -> SysResult {
    let file = readable_file(t, a.int(0))?;
    read_into(t, &file, a.u64(1), a.u64(2), None)
}

/// `write(fd, buf, count)`.
pub fn write(t: &mut Task, a: Args) -> SysResult {
    let file = writable_file(t, a.int(0))?;
    write_from(t, &file, a.u64(1), a.u64(2), None)
}

/// `pread64(fd, buf, count, offset)`.
pub fn pread64(t: &mut Task, a: Args) -> SysResult {
    let file = readable_file(t, a.int(0))?;
    let off = offset_arg(&file, a.i64(3))?;
    read_into(t, &file, a.u64(1), a.u64(2), off)
}

/// `pwrite64(fd, buf, count, offset)`.
pub fn pwrite64(t: &mut Task, a: Args) -> SysResult {
    let file = writable_file(t, a.int(0))?;
    let off = offset_arg(&file, a.i64(3))?;
    write_from(t, &file, a.u64(1), a.u64(2), off)
}

/// Reads and checks an iovec array: at most `IOV_MAX` entries, no
/// negative lengths, the total clamped to `MAX_RW_COUNT` as Linux does.
fn read_iovecs(task: &mut Task, addr: u64, count: i32) -> Result<Vec<Iovec>, abi::Errno> {
    let n = usize::try_from(count).map_err(|_| EINVAL)?;
    if n > IOV_MAX {
        return Err(EINVAL);
    }
    let mut raw = vec![0u8; n * std::mem::size_of::<Iovec>()];
    task.copy_in(addr, &mut raw)?;
    let mut left = MAX_RW_COUNT;
    let mut out = Vec::with_capacity(n);
    for chunk in raw.chunks_exact(std::mem::size_of::<Iovec>()) {
        let mut iov = Iovec::read_from(chunk).ok_or(EINVAL)?;
        if (iov.len as i64) < 0 {
            return Err(EINVAL);
        }
        iov.len = iov.len.min(left);
        left -= iov.len;
        if iov.len > 0 && !task.mm.is_user_range(iov.base, iov.len) {
            return Err(EFAULT);
        }
        out.push(iov);
    }
    Ok(out)
}

/// `readv(fd, iov, iovcnt)`: one read, scattered into the buffers.
pub fn readv(t: &mut Task, a: Args) -> SysResult {
    let file = readable_file(t, a.int(0))?;
    let iovs = read_iovecs(t, a.u64(1), a.int(2))?;
    let total: u64 = iovs.iter().map(|v| v.len).sum();
    let mut buf = vec![0u8; (total as usize).min(CHUNK)];
    let n = file.ops.read(t, &mut buf, None)?;
    let mut at = 0usize;
    for iov in iovs {
        if at == n {
            break;
        }
        let take = (iov.len as usize).min(n - at);
        t.copy_out(iov.base, &buf[at..at + take])?;
        at += take;
    }
    Ok(n as u64)
}

/// `writev(fd, iov, iovcnt)`: the buffers gathered into one write, so a
/// small write to a pipe stays atomic.
pub fn writev(t: &mut Task, a: Args) -> SysResult {
    let file = writable_file(t, a.int(0))?;
    let iovs = read_iovecs(t, a.u64(1), a.int(2))?;
    let mut data = Vec::new();
    for iov in iovs {
        let start = data.len();
        data.resize(start + iov.len as usize, 0);
        t.copy_in(iov.base, &mut data[start..])?;
    }
    if data.is_empty() {
        return Ok(0);
    }
    Ok(file.ops.write(t, &data, None)? as u64)
}
