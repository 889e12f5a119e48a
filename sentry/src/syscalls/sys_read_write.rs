//! read, write and their vectored and positioned forms.

use abi::errno::{EBADF, EFAULT, EINVAL, ESPIPE};
use abi::Pod;

use super::{Args, SysResult};
use crate::kernel::task::Task;
use crate::vfs::OpenFile;

/// The most one call transfers (`MAX_RW_COUNT`).
pub(super) const MAX_RW_COUNT: u64 = 0x7fff_f000;
/// The largest buffer the sentry moves through memory at once.
pub(super) const CHUNK: usize = 1 << 20;
/// Most entries in an iovec array (`UIO_MAXIOV`).
pub(super) const IOV_MAX: usize = 1024;

/// `struct iovec`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(super) struct Iovec {
    base: u64,
    /// The buffer's length.
    pub(super) len: u64,
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
    let len = transfer_len(file, offset, count);
    if let Some(parts) = file.ops.read_shared(task, len, offset) {
        // Straight from the file's own buffers to the app.
        let parts = parts?;
        let slices: Vec<&[u8]> = parts.iter().map(|p| p.as_slice()).collect();
        task.copy_out_parts(addr, &slices)?;
        return Ok(slices.iter().map(|s| s.len() as u64).sum());
    }
    let mut buf = io_buffer(task, len);
    let r = file.ops.read(task, &mut buf[..len], offset).and_then(|n| task.copy_out_final(addr, &buf[..n]).map(|()| n));
    keep_io_buffer(task, buf);
    Ok(r? as u64)
}

/// Writes `count` bytes from app memory at `addr`, a chunk at a time,
/// stopping at the first short write.
fn write_from(task: &mut Task, file: &OpenFile, addr: u64, count: u64, offset: Option<u64>) -> SysResult {
    let count = count.min(MAX_RW_COUNT);
    if count == 0 {
        // The file decides what writing nothing means (an eventfd: EINVAL).
        return file.ops.write(task, &[], offset).map(|n| n as u64);
    }
    let mut buf = std::mem::take(&mut task.io_buf);
    let r = write_chunks(task, file, &mut buf, addr, count, offset);
    keep_io_buffer(task, buf);
    r
}

/// The loop of [`write_from`], each chunk through `buf` (which a file
/// that keeps the data may take).
fn write_chunks(task: &mut Task, file: &OpenFile, buf: &mut Vec<u8>, addr: u64, count: u64, offset: Option<u64>) -> SysResult {
    let mut done = 0u64;
    while done < count {
        let len = ((count - done) as usize).min(CHUNK);
        buf.clear();
        if let Err(e) = task.copy_in_append(addr + done, len, buf) {
            return if done > 0 { Ok(done) } else { Err(e) };
        }
        let n = match file.ops.write_buf(task, buf, offset.map(|o| o + done)) {
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

/// The most of [`Task::io_buf`] a task keeps between calls: enough for
/// the usual transfers, little enough for many threads.
const IO_BUF_KEEP: usize = 128 << 10;

/// The task's transfer buffer, at least `len` bytes long: taken from the
/// task (a nested call finds none and makes its own), grown with zeroes
/// only where it never reached before. What lies in it past what a call
/// fills is the task's own earlier data, never another's, and is never
/// copied out: the callers use only what the file reports it read.
fn io_buffer(task: &mut Task, len: usize) -> Vec<u8> {
    let mut buf = std::mem::take(&mut task.io_buf);
    if buf.len() < len {
        buf.resize(len, 0);
    }
    buf
}

/// Gives `buf` back to the task for its next transfer, unless it is
/// larger than it keeps.
fn keep_io_buffer(task: &mut Task, buf: Vec<u8>) {
    if buf.capacity() <= IO_BUF_KEEP {
        task.io_buf = buf;
    }
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
pub(super) fn read_iovecs(task: &mut Task, addr: u64, count: i32) -> Result<Vec<Iovec>, abi::Errno> {
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

/// One read at `offset` (or the position), scattered into the buffers.
fn do_readv(t: &mut Task, file: &OpenFile, iov: u64, count: i32, offset: Option<u64>) -> SysResult {
    let iovs = read_iovecs(t, iov, count)?;
    let total: u64 = iovs.iter().map(|v| v.len).sum();
    let mut buf = transfer_buffer(file, offset, total);
    let n = file.ops.read(t, &mut buf, offset)?;
    scatter(t, &iovs, &buf[..n])?;
    Ok(n as u64)
}

/// Copies `data` out into the buffers `iovs`, in order, as far as it goes.
pub(super) fn scatter(t: &mut Task, iovs: &[Iovec], data: &[u8]) -> Result<(), abi::Errno> {
    let mut at = 0usize;
    for iov in iovs {
        if at == data.len() {
            break;
        }
        let take = (iov.len as usize).min(data.len() - at);
        t.copy_out(iov.base, &data[at..at + take])?;
        at += take;
    }
    Ok(())
}

/// The contents of the buffers `iovs`, gathered, at most `limit` bytes.
pub(super) fn gather(t: &mut Task, iovs: &[Iovec], limit: usize) -> Result<Vec<u8>, abi::Errno> {
    let mut data = Vec::new();
    for iov in iovs {
        let start = data.len();
        if start == limit {
            break;
        }
        data.resize(start + (iov.len as usize).min(limit - start), 0);
        t.copy_in(iov.base, &mut data[start..])?;
    }
    Ok(data)
}

/// The buffers gathered into one write at `offset` (or the position), so
/// a small write to a pipe stays atomic.
fn do_writev(t: &mut Task, file: &OpenFile, iov: u64, count: i32, offset: Option<u64>) -> SysResult {
    let iovs = read_iovecs(t, iov, count)?;
    let data = gather(t, &iovs, usize::MAX)?;
    if data.is_empty() {
        return Ok(0);
    }
    Ok(file.ops.write(t, &data, offset)? as u64)
}

/// `readv(fd, iov, iovcnt)`.
pub fn readv(t: &mut Task, a: Args) -> SysResult {
    let file = readable_file(t, a.int(0))?;
    do_readv(t, &file, a.u64(1), a.int(2), None)
}

/// `writev(fd, iov, iovcnt)`.
pub fn writev(t: &mut Task, a: Args) -> SysResult {
    let file = writable_file(t, a.int(0))?;
    do_writev(t, &file, a.u64(1), a.int(2), None)
}

/// `preadv(fd, iov, iovcnt, pos_l, pos_h)` (on x86_64 `pos_l` holds the
/// whole offset).
pub fn preadv(t: &mut Task, a: Args) -> SysResult {
    let file = readable_file(t, a.int(0))?;
    let off = offset_arg(&file, a.i64(3))?;
    do_readv(t, &file, a.u64(1), a.int(2), off)
}

/// `pwritev(fd, iov, iovcnt, pos_l, pos_h)`.
pub fn pwritev(t: &mut Task, a: Args) -> SysResult {
    let file = writable_file(t, a.int(0))?;
    let off = offset_arg(&file, a.i64(3))?;
    do_writev(t, &file, a.u64(1), a.int(2), off)
}

/// The offset of `preadv2`/`pwritev2`: -1 for the position. No `RWF_*`
/// flag is supported (`EOPNOTSUPP`).
fn v2_offset(file: &OpenFile, a: &Args) -> Result<Option<u64>, abi::Errno> {
    if a.uint(5) != 0 {
        return Err(abi::errno::EOPNOTSUPP);
    }
    if a.i64(3) == -1 {
        Ok(None)
    } else {
        offset_arg(file, a.i64(3))
    }
}

/// `preadv2(fd, iov, iovcnt, pos_l, pos_h, flags)`.
pub fn preadv2(t: &mut Task, a: Args) -> SysResult {
    let file = readable_file(t, a.int(0))?;
    let off = v2_offset(&file, &a)?;
    do_readv(t, &file, a.u64(1), a.int(2), off)
}

/// `pwritev2(fd, iov, iovcnt, pos_l, pos_h, flags)`.
pub fn pwritev2(t: &mut Task, a: Args) -> SysResult {
    let file = writable_file(t, a.int(0))?;
    let off = v2_offset(&file, &a)?;
    do_writev(t, &file, a.u64(1), a.int(2), off)
}

/// A buffer for reading up to `count` bytes of `input` from `offset` (or
/// its position), a chunk at a time: for a regular file with a size, no
/// larger than what is left of it (at least a page, should it grow).
/// Zeroing a whole chunk for each call of a program that asks for far
/// more than the file holds (`cp`'s `sendfile` of 16 MiB) costs more than
/// the copy. (Files of size 0, as procfs's, may hold more.)
fn transfer_buffer(input: &OpenFile, offset: Option<u64>, count: u64) -> Vec<u8> {
    vec![0u8; transfer_len(input, offset, count)]
}

/// The length of [`transfer_buffer`].
fn transfer_len(input: &OpenFile, offset: Option<u64>, count: u64) -> usize {
    let left = match input.ops.stat() {
        Ok(st) if st.mode & abi::fs::mode::S_IFMT == abi::fs::mode::S_IFREG && st.size > 0 => {
            let pos = offset.unwrap_or_else(|| input.ops.seek(0, abi::fs::seek::CUR).unwrap_or(0));
            (st.size as u64).saturating_sub(pos).max(abi::PAGE_SIZE)
        }
        _ => CHUNK as u64,
    };
    count.min(left).min(CHUNK as u64) as usize
}

/// `sendfile(out_fd, in_fd, offset, count)`: a read from `in_fd` (at
/// `*offset`, which is advanced, or at its position) written to `out_fd`,
/// a chunk at a time; a short write ends it.
pub fn sendfile(t: &mut Task, a: Args) -> SysResult {
    let input = readable_file(t, a.int(1))?;
    let output = writable_file(t, a.int(0))?;
    if output.flags() & abi::fs::o::APPEND != 0 {
        return Err(EINVAL);
    }
    let off_addr = a.u64(2);
    let mut offset = if off_addr == 0 {
        None
    } else {
        let o: i64 = t.read_obj(off_addr)?;
        offset_arg(&input, o)?
    };
    let count = a.u64(3).min(MAX_RW_COUNT);
    let mut done = 0u64;
    let mut buf = transfer_buffer(&input, offset, count);
    while done < count {
        let want = ((count - done) as usize).min(buf.len());
        let n = match input.ops.read(t, &mut buf[..want], offset) {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        if n == 0 {
            break;
        }
        let w = match output.ops.write(t, &buf[..n], None) {
            Ok(w) => w,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        done += w as u64;
        offset = offset.map(|o| o + w as u64);
        if w < n {
            if offset.is_none() {
                // Give back what was read but not written.
                let _ = input.ops.seek(-((n - w) as i64), abi::fs::seek::CUR);
            }
            break;
        }
    }
    if let Some(o) = offset {
        t.write_obj(off_addr, &(o as i64))?;
    }
    Ok(done)
}

/// `copy_file_range(fd_in, off_in, fd_out, off_out, len, flags)`: between
/// regular files, through the sentry (no flags; ranges of one file must
/// not overlap).
pub fn copy_file_range(t: &mut Task, a: Args) -> SysResult {
    if a.uint(5) != 0 {
        return Err(EINVAL);
    }
    let input = readable_file(t, a.int(0))?;
    let output = writable_file(t, a.int(2))?;
    if output.flags() & abi::fs::o::APPEND != 0 {
        return Err(EBADF);
    }
    let (si, so) = (input.ops.stat()?, output.ops.stat()?);
    let kind = |m: u32| m & abi::fs::mode::S_IFMT;
    if kind(si.mode) == abi::fs::mode::S_IFDIR || kind(so.mode) == abi::fs::mode::S_IFDIR {
        return Err(abi::errno::EISDIR);
    }
    if kind(si.mode) != abi::fs::mode::S_IFREG || kind(so.mode) != abi::fs::mode::S_IFREG {
        return Err(EINVAL);
    }
    let read_off = |t: &mut Task, addr: u64, file: &OpenFile| -> Result<u64, abi::Errno> {
        if addr == 0 {
            return file.ops.seek(0, abi::fs::seek::CUR);
        }
        let o: i64 = t.read_obj(addr)?;
        u64::try_from(o).map_err(|_| EINVAL)
    };
    let mut off_in = read_off(t, a.u64(1), &input)?;
    let mut off_out = read_off(t, a.u64(3), &output)?;
    let len = a.u64(4).min(MAX_RW_COUNT);
    if (si.dev, si.ino) == (so.dev, so.ino) && off_in < off_out.saturating_add(len) && off_out < off_in.saturating_add(len) {
        return Err(EINVAL);
    }
    let mut done = 0u64;
    let mut buf = transfer_buffer(&input, Some(off_in), len);
    while done < len {
        let want = ((len - done) as usize).min(buf.len());
        let n = match input.ops.read(t, &mut buf[..want], Some(off_in)) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        let w = match output.ops.write(t, &buf[..n], Some(off_out)) {
            Ok(w) => w,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        done += w as u64;
        off_in += w as u64;
        off_out += w as u64;
        if w < n {
            break;
        }
    }
    for (addr, file, off) in [(a.u64(1), &input, off_in), (a.u64(3), &output, off_out)] {
        if addr == 0 {
            file.ops.seek(off as i64, abi::fs::seek::SET)?;
        } else {
            t.write_obj(addr, &(off as i64))?;
        }
    }
    Ok(done)
}
