//! `splice`, `tee` and `vmsplice`: data moved between a pipe and another pipe or a
//! file without passing through the caller's memory, as Linux checks and
//! does it (`fs/splice.c`). Between two pipes, buffers move (or, for
//! `tee`, are copied) whole; between a pipe and a file the sentry copies
//! through its own memory, a chunk at a time. `SPLICE_F_MOVE`,
//! `SPLICE_F_MORE` and `SPLICE_F_GIFT` are hints with no effect.
//! `vmsplice` copies the caller's buffers (it never shares its pages).

use std::sync::Arc;

use abi::errno::{EAGAIN, EBADF, EINVAL, ESPIPE};
use abi::fs::{mode, o, seek};
use abi::Errno;

use super::sys_read_write::{gather, read_iovecs, scatter, CHUNK, IOV_MAX, MAX_RW_COUNT};
use super::{Args, SysResult};
use crate::kernel::task::Task;
use crate::kernel::pipe::{Pipe, PipeEnd};
use crate::vfs::OpenFile;

/// `SPLICE_F_NONBLOCK`: do not wait on the pipe side.
const SPLICE_F_NONBLOCK: u32 = 2;
/// Every flag Linux knows (`MOVE`, `NONBLOCK`, `MORE`, `GIFT`).
const SPLICE_F_ALL: u32 = 0xf;

/// The sandbox pipe behind a description, if it is one end of one.
fn pipe_of(file: &OpenFile) -> Option<Arc<Pipe>> {
    file.downcast::<PipeEnd>().map(|e| e.pipe().clone())
}

/// Whether a file that is not a sandbox pipe is a pipe of the host's
/// (standard streams), where an offset is `ESPIPE` as for any pipe.
fn is_host_pipe(file: &OpenFile) -> bool {
    file.ops.stat().is_ok_and(|st| st.mode & mode::S_IFMT == mode::S_IFIFO)
}

/// Whether a file that is not a sandbox pipe can be spliced from or to:
/// regular files, devices, and the host's pipes and sockets; not
/// directories or the sandbox's anonymous files (eventfd, epoll, ...),
/// which have no `splice_read`/`splice_write` on Linux.
fn spliceable(file: &OpenFile) -> Result<(), Errno> {
    match file.ops.stat()?.mode & mode::S_IFMT {
        mode::S_IFREG | mode::S_IFCHR | mode::S_IFIFO | mode::S_IFSOCK => Ok(()),
        _ => Err(EINVAL),
    }
}

/// The file offset a splice gives for the non-pipe side (`addr`, or the
/// description's position when 0), checked as `rw_verify_area` does.
fn file_offset(t: &mut Task, file: &OpenFile, addr: u64) -> Result<Option<i64>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    if is_host_pipe(file) {
        return Err(ESPIPE);
    }
    if !file.ops.seekable() {
        return Err(EINVAL);
    }
    let off: i64 = t.read_obj(addr)?;
    if off < 0 {
        return Err(EINVAL);
    }
    Ok(Some(off))
}

/// `splice(fd_in, off_in, fd_out, off_out, len, flags)`.
pub fn splice(t: &mut Task, a: Args) -> SysResult {
    let (off_in, off_out, flags) = (a.u64(1), a.u64(3), a.uint(5));
    let len = a.u64(4).min(MAX_RW_COUNT) as usize;
    if len == 0 {
        return Ok(0);
    }
    if flags & !SPLICE_F_ALL != 0 {
        return Err(EINVAL);
    }
    let input = t.fds.get(a.int(0))?;
    let output = t.fds.get(a.int(2))?;
    let (ipipe, opipe) = (pipe_of(&input), pipe_of(&output));
    if (ipipe.is_some() && off_in != 0) || (opipe.is_some() && off_out != 0) {
        return Err(ESPIPE);
    }
    if !input.readable() || !output.writable() || input.flags() & o::PATH != 0 || output.flags() & o::PATH != 0 {
        return Err(EBADF);
    }
    let mut nonblock = flags & SPLICE_F_NONBLOCK != 0;
    match (ipipe, opipe) {
        (Some(i), Some(o)) => {
            nonblock |= (input.flags() | output.flags()) & o::NONBLOCK != 0;
            Ok(i.transfer_to(t, &o, len, true, nonblock)? as u64)
        }
        (Some(i), None) => {
            let offset = file_offset(t, &output, off_out)?;
            if output.flags() & o::APPEND != 0 {
                return Err(EINVAL);
            }
            nonblock |= input.flags() & o::NONBLOCK != 0;
            let n = pipe_to_file(t, &i, &output, offset, len, nonblock)?;
            if let Some(off) = offset {
                t.write_obj(off_out, &(off + n as i64))?;
            }
            Ok(n as u64)
        }
        (None, Some(o)) => {
            let offset = file_offset(t, &input, off_in)?;
            nonblock |= output.flags() & o::NONBLOCK != 0;
            let n = file_to_pipe(t, &input, &o, offset, len, nonblock)?;
            if let Some(off) = offset {
                t.write_obj(off_in, &(off + n as i64))?;
            }
            Ok(n as u64)
        }
        (None, None) => Err(EINVAL),
    }
}

/// Takes up to `len` bytes from `pipe` (waiting for some unless
/// `nonblock`) and writes them to `out` at `offset` (or its position);
/// the pipe keeps what the write did not take.
fn pipe_to_file(t: &mut Task, pipe: &Pipe, out: &OpenFile, offset: Option<i64>, len: usize, nonblock: bool) -> Result<usize, Errno> {
    spliceable(out)?;
    if !pipe.wait_data(t, nonblock)? {
        return Ok(0);
    }
    let mut buf = vec![0u8; len.min(CHUNK).min(pipe.available())];
    let n = pipe.peek(&mut buf);
    if n == 0 {
        // Another reader took the data first.
        return if nonblock { Err(EAGAIN) } else { Ok(0) };
    }
    let w = out.ops.write(t, &buf[..n], offset.map(|o| o as u64))?;
    pipe.consume(w);
    Ok(w)
}

/// Reads up to `len` bytes (no more than the free buffers of `pipe` hold,
/// waiting for one unless `nonblock`) from `input` at `offset` (or its
/// position) into `pipe`.
fn file_to_pipe(t: &mut Task, input: &OpenFile, pipe: &Pipe, offset: Option<i64>, len: usize, nonblock: bool) -> Result<usize, Errno> {
    spliceable(input)?;
    pipe.wait_room(t, nonblock)?;
    let mut buf = vec![0u8; len.min(CHUNK).min(pipe.room().max(1))];
    let n = input.ops.read(t, &mut buf, offset.map(|o| o as u64))?;
    let pushed = pipe.push(&buf[..n]);
    if pushed < n && offset.is_none() {
        // The pipe filled meanwhile: give back what did not fit.
        let _ = input.ops.seek(-((n - pushed) as i64), seek::CUR);
    }
    Ok(pushed)
}

/// `tee(fd_in, fd_out, len, flags)`: copies up to `len` bytes from one
/// pipe to another without consuming them.
pub fn tee(t: &mut Task, a: Args) -> SysResult {
    let flags = a.uint(3);
    if flags & !SPLICE_F_ALL != 0 {
        return Err(EINVAL);
    }
    let len = a.u64(2).min(MAX_RW_COUNT) as usize;
    if len == 0 {
        return Ok(0);
    }
    let input = t.fds.get(a.int(0))?;
    let output = t.fds.get(a.int(1))?;
    if !input.readable() || !output.writable() || input.flags() & o::PATH != 0 || output.flags() & o::PATH != 0 {
        return Err(EBADF);
    }
    match (pipe_of(&input), pipe_of(&output)) {
        (Some(i), Some(o)) if !Arc::ptr_eq(&i, &o) => {
            let nonblock = flags & SPLICE_F_NONBLOCK != 0 || (input.flags() | output.flags()) & o::NONBLOCK != 0;
            Ok(i.transfer_to(t, &o, len, false, nonblock)? as u64)
        }
        _ => Err(EINVAL),
    }
}

/// `vmsplice(fd, iov, nr_segs, flags)`: into a pipe's write end, the
/// buffers' bytes as fresh pipe buffers, after waiting once for room, as
/// many as fit; out of a read end, what waits in the pipe (waiting for
/// some first), copied into the buffers. An end open both ways is
/// written.
pub fn vmsplice(t: &mut Task, a: Args) -> SysResult {
    let flags = a.uint(3);
    if flags & !SPLICE_F_ALL != 0 {
        return Err(EINVAL);
    }
    let file = t.fds.get(a.int(0))?;
    let to_pipe = file.writable();
    if file.flags() & o::PATH != 0 || !(to_pipe || file.readable()) {
        return Err(EBADF);
    }
    let nr = a.u64(2);
    if nr > IOV_MAX as u64 {
        return Err(EINVAL);
    }
    let iovs = read_iovecs(t, a.u64(1), nr as i32)?;
    let total = iovs.iter().map(|v| v.len).sum::<u64>() as usize;
    if total == 0 {
        return Ok(0);
    }
    let pipe = pipe_of(&file).ok_or(EBADF)?;
    let nonblock = flags & SPLICE_F_NONBLOCK != 0 || file.flags() & o::NONBLOCK != 0;
    if to_pipe {
        pipe.wait_room(t, nonblock)?;
        let data = gather(t, &iovs, total.min(pipe.room()))?;
        return Ok(pipe.push(&data) as u64);
    }
    if !pipe.wait_data(t, nonblock)? {
        return Ok(0);
    }
    let mut buf = vec![0u8; total.min(CHUNK).min(pipe.available())];
    let n = pipe.peek(&mut buf);
    scatter(t, &iovs, &buf[..n])?;
    pipe.consume(n);
    Ok(n as u64)
}
