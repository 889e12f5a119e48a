//! Pipes: a buffer shared by a read end and a write end.
//!
//! The buffer follows Linux's layout, because programs can observe it: a
//! ring of page-sized buffers (16 by default, `F_SETPIPE_SZ` changes the
//! count). A write first tops up the last buffer with the part of its
//! data that does not fill whole pages (when that part fits there), then
//! fills fresh buffers a page at a time; so a write of at most
//! [`PIPE_BUF`] bytes is never split, and a full ring accepts nothing more
//! even if its last buffer has room for less than the whole write. In
//! packet mode (the writer's `O_DIRECT`) every buffer is a packet: it is
//! never topped up, and a read takes at most one, dropping what does not
//! fit.
//!
//! `splice` and `tee` between two pipes move or copy whole buffers (and a
//! part of the last), which keep their packet mark and are not topped up
//! by later writes, as on Linux.
//!
//! A pipe has an inode of its own, where `/proc/PID/fd/N` of either end
//! leads (`vfs::nameless`): opening it (`/dev/stdin`, `/dev/fd/N`) makes
//! a new end, reading or writing as asked, without the waits of a named
//! FIFO ([`fifo`]), as Linux's pipefs inode.
//!
//! The pipe's lock is a leaf (a splice or tee between two pipes holds
//! both, in address order); waiters are woken through the pipe's
//! [`WaitQueue`] after it is released.

pub mod fifo;

use std::collections::VecDeque;
#[cfg(test)]
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use abi::errno::{EAGAIN, EBADF, EBUSY, EINTR, EINVAL, EPERM, EPIPE};
use abi::fs::{ioctl, mode, o, Stat, Statfs};
use abi::Errno;
use parking_lot::Mutex;

use crate::vfs::inode::{Attr, Inode, InodeRef};
use crate::vfs::nameless::pseudo_statfs;
use crate::vfs::poll::PollTable;
use crate::vfs::{FileOps, Location, OpenFile};
use crate::vfs::context::wait_until;
use crate::vfs::Context;
use crate::waiter::Waiter;
use crate::waiter::{events, wait_on, WaitQueue};

/// Writes of at most this many bytes are atomic.
pub const PIPE_BUF: usize = 4096;
/// A page: the size of one buffer of the ring.
const PAGE: usize = 4096;
/// A new pipe's capacity in bytes.
pub const DEFAULT_PIPE_SIZE: usize = 65536;
/// The largest capacity an unprivileged caller may set (`fs.pipe-max-size`).
pub const PIPE_MAX_SIZE: u64 = 1_048_576;
/// The device number pipes report (pipefs, an anonymous device).
const PIPEFS_DEV: u64 = 0x0c;
/// `PIPEFS_MAGIC`.
const PIPEFS_MAGIC: i64 = 0x5049_5045;

/// One buffer of the ring: up to a page of data, of which `data[off..]`
/// is still unread. `merge`: a later write may top it up (a write's own
/// buffers outside packet mode; not what splice and tee put in).
struct Buf {
    data: Vec<u8>,
    off: usize,
    packet: bool,
    merge: bool,
}

impl Buf {
    fn len(&self) -> usize {
        self.data.len() - self.off
    }
}

/// The ring of buffers and the counts of the ends: the pure data
/// structure, without waiting.
pub struct PipeBuffer {
    bufs: VecDeque<Buf>,
    /// The most buffers the ring holds.
    max_slots: usize,
    /// Open descriptions that read.
    readers: usize,
    /// Open descriptions that write.
    writers: usize,
    /// Descriptions ever opened to read and to write (what a named pipe's
    /// blocking open waits to see change).
    opens: [u64; 2],
}

/// How a write attempt ended.
#[derive(Debug, PartialEq, Eq)]
pub enum WriteStep {
    /// Every byte is in.
    Done,
    /// The ring is full and bytes are left: wait for room (or fail with
    /// `EAGAIN` when non-blocking).
    Full,
    /// No reader is left.
    Broken,
}

impl PipeBuffer {
    /// An empty ring of the default size, with no end open yet.
    pub fn new() -> PipeBuffer {
        PipeBuffer { bufs: VecDeque::new(), max_slots: DEFAULT_PIPE_SIZE / PAGE, readers: 0, writers: 0, opens: [0; 2] }
    }

    /// Bytes waiting to be read.
    pub fn len(&self) -> usize {
        self.bufs.iter().map(Buf::len).sum()
    }

    /// Whether nothing waits to be read.
    pub fn is_empty(&self) -> bool {
        self.bufs.is_empty()
    }

    /// Whether every buffer of the ring is in use.
    pub fn is_full(&self) -> bool {
        self.bufs.len() >= self.max_slots
    }

    /// The capacity in bytes (`F_GETPIPE_SZ`).
    pub fn capacity(&self) -> usize {
        self.max_slots * PAGE
    }

    /// The events a `poll` of an end that reads (`reads`) or writes would see.
    pub fn readiness(&self, reads: bool, writes: bool) -> u32 {
        let mut ev = 0;
        if reads {
            if !self.is_empty() {
                ev |= events::IN | events::RDNORM;
            }
            if self.writers == 0 {
                ev |= events::HUP;
            }
        }
        if writes {
            if !self.is_full() {
                ev |= events::OUT | events::WRNORM;
            }
            if self.readers == 0 {
                ev |= events::ERR;
            }
        }
        ev
    }

    /// Moves as much of `data[*done..]` in as fits, advancing `*done`.
    /// `first` is true for the first attempt of a write call: only then is
    /// the last buffer topped up. `packet` makes every new buffer a packet.
    pub fn write_some(&mut self, data: &[u8], done: &mut usize, first: bool, packet: bool) -> WriteStep {
        if self.readers == 0 {
            return WriteStep::Broken;
        }
        if first && *done == 0 {
            let chars = data.len() % PAGE;
            if chars != 0 {
                if let Some(last) = self.bufs.back_mut() {
                    if last.merge && last.data.len() + chars <= PAGE {
                        last.data.extend_from_slice(&data[..chars]);
                        *done = chars;
                    }
                }
            }
        }
        self.fill(data, done, packet, !packet);
        if *done == data.len() {
            WriteStep::Done
        } else {
            WriteStep::Full
        }
    }

    /// Moves `data[*done..]` into fresh buffers, a page each, while there
    /// is room, advancing `*done`.
    fn fill(&mut self, data: &[u8], done: &mut usize, packet: bool, merge: bool) {
        while *done < data.len() && !self.is_full() {
            let n = (data.len() - *done).min(PAGE);
            let mut page = Vec::with_capacity(PAGE);
            page.extend_from_slice(&data[*done..*done + n]);
            self.bufs.push_back(Buf { data: page, off: 0, packet, merge });
            *done += n;
        }
    }

    /// Bytes the free buffers of the ring hold.
    pub fn room(&self) -> usize {
        self.max_slots.saturating_sub(self.bufs.len()) * PAGE
    }

    /// Moves (`consume`) or copies the first `len` bytes, as whole buffers
    /// and a part of the last, into `out` while it has free buffers, as
    /// `splice` and `tee` between pipes do: the buffers keep their packet
    /// mark and are never topped up. Returns how many bytes.
    pub fn transfer(&mut self, out: &mut PipeBuffer, len: usize, consume: bool) -> usize {
        let mut done = 0;
        let mut i = 0;
        while done < len && !out.is_full() {
            let Some(b) = self.bufs.get_mut(i) else { break };
            let n = b.len().min(len - done);
            out.bufs.push_back(Buf { data: b.data[b.off..b.off + n].to_vec(), off: 0, packet: b.packet, merge: false });
            done += n;
            if !consume {
                i += 1;
            } else if n == b.len() {
                self.bufs.pop_front();
            } else {
                b.off += n;
            }
        }
        done
    }

    /// Copies what is there into `buf` without taking it, across packets.
    pub fn peek(&self, buf: &mut [u8]) -> usize {
        let mut got = 0;
        for b in &self.bufs {
            let n = b.len().min(buf.len() - got);
            buf[got..got + n].copy_from_slice(&b.data[b.off..b.off + n]);
            got += n;
            if got == buf.len() {
                break;
            }
        }
        got
    }

    /// Drops the first `n` bytes (after a [`PipeBuffer::peek`]).
    pub fn consume(&mut self, mut n: usize) {
        while n > 0 {
            let Some(front) = self.bufs.front_mut() else { break };
            let k = front.len().min(n);
            front.off += k;
            n -= k;
            if front.len() == 0 {
                self.bufs.pop_front();
            }
        }
    }

    /// Adds `data` in fresh buffers (as `splice` from a file does) while
    /// there is room; returns how many bytes went in.
    pub fn push(&mut self, data: &[u8]) -> usize {
        let mut done = 0;
        self.fill(data, &mut done, false, false);
        done
    }

    /// Moves what is there into `buf` (at most one packet); returns how
    /// many bytes.
    pub fn read_some(&mut self, buf: &mut [u8]) -> usize {
        let mut got = 0;
        while got < buf.len() {
            let Some(front) = self.bufs.front_mut() else { break };
            let n = front.len().min(buf.len() - got);
            buf[got..got + n].copy_from_slice(&front.data[front.off..front.off + n]);
            front.off += n;
            got += n;
            let packet = front.packet;
            if packet || front.len() == 0 {
                self.bufs.pop_front();
            }
            if packet {
                break;
            }
        }
        got
    }

    /// Resizes the ring to `size` bytes as `F_SETPIPE_SZ` does: rounded up
    /// to a power-of-two number of pages, at least one; `EPERM` to grow
    /// past [`PIPE_MAX_SIZE`] unprivileged, `EBUSY` if the buffers in use
    /// would not fit. Returns the new size.
    pub fn set_capacity(&mut self, size: u32, privileged: bool) -> Result<usize, Errno> {
        let size = u64::from(size);
        if size > 1 << 31 {
            return Err(EINVAL);
        }
        let size = size.max(PAGE as u64).next_power_of_two();
        let slots = (size / PAGE as u64) as usize;
        if slots > self.max_slots && size > PIPE_MAX_SIZE && !privileged {
            return Err(EPERM);
        }
        if slots < self.bufs.len() {
            return Err(EBUSY);
        }
        self.max_slots = slots;
        Ok(self.capacity())
    }
}

impl Default for PipeBuffer {
    fn default() -> PipeBuffer {
        PipeBuffer::new()
    }
}

/// Timestamps of a pipe's inode, in nanoseconds since the epoch.
#[derive(Clone, Copy)]
struct Times {
    atime: i64,
    mtime: i64,
    ctime: i64,
}

/// A pipe: what both ends share.
pub struct Pipe {
    buffer: Mutex<PipeBuffer>,
    times: Mutex<Times>,
    queue: WaitQueue,
    ino: u64,
    uid: u32,
    gid: u32,
}

/// Source of pipe inode numbers when no kernel is at hand (unit tests).
#[cfg(test)]
static NEXT_INO: AtomicU64 = AtomicU64::new(1 << 32);

impl Pipe {
    /// A new pipe owned by `uid`/`gid` (the creator's filesystem ids),
    /// created at `now` (nanoseconds since the epoch).
    pub fn new(ino: u64, uid: u32, gid: u32, now: i64) -> Arc<Pipe> {
        Arc::new(Pipe {
            buffer: Mutex::new(PipeBuffer::new()),
            times: Mutex::new(Times { atime: now, mtime: now, ctime: now }),
            queue: WaitQueue::new(),
            ino,
            uid,
            gid,
        })
    }

    /// The two ends of a new pipe, as `pipe2` makes them: the read end
    /// `O_RDONLY` and the write end `O_WRONLY`, both with `flags`'
    /// `O_NONBLOCK`, and the write end with its `O_DIRECT`.
    pub fn new_pair(ctx: &dyn Context, flags: u32) -> [Arc<OpenFile>; 2] {
        let c = ctx.credentials();
        let pipe = Pipe::new(ctx.unique_id(), c.fsuid, c.fsgid, ctx.realtime_ns());
        Pipe::ends(&pipe, flags)
    }

    /// The read and write ends of `pipe`; see [`Pipe::new_pair`].
    pub fn ends(pipe: &Arc<Pipe>, flags: u32) -> [Arc<OpenFile>; 2] {
        let reader = Pipe::open_end(pipe, o::RDONLY | (flags & o::NONBLOCK));
        let writer = Pipe::open_end(pipe, o::WRONLY | (flags & (o::NONBLOCK | o::DIRECT)));
        [reader, writer]
    }

    /// A new open description of `pipe` with `flags`, reading, writing or
    /// both as its access mode says; counted until it is dropped.
    pub fn open_end(pipe: &Arc<Pipe>, flags: u32) -> Arc<OpenFile> {
        Pipe::open_end_at(pipe, flags, None)
    }

    /// The same, for a named pipe at `at`: the end names it and shows its
    /// attributes.
    pub fn open_end_at(pipe: &Arc<Pipe>, flags: u32, at: Option<Location>) -> Arc<OpenFile> {
        let (reads, writes) = match flags & o::ACCMODE {
            o::RDONLY => (true, false),
            o::WRONLY => (false, true),
            _ => (true, true),
        };
        {
            let mut b = pipe.buffer.lock();
            b.readers += usize::from(reads);
            b.writers += usize::from(writes);
            b.opens[0] += u64::from(reads);
            b.opens[1] += u64::from(writes);
        }
        // A named pipe's opener may be waiting for this end.
        pipe.queue.notify(events::IN | events::OUT);
        OpenFile::new_cyclic(flags, |me| Box::new(PipeEnd { pipe: pipe.clone(), file: me.clone(), reads, writes, at }))
    }

    /// A pipe for unit tests, with an inode number of its own.
    #[cfg(test)]
    pub fn new_detached() -> Arc<Pipe> {
        Pipe::new(NEXT_INO.fetch_add(1, Ordering::Relaxed), 0, 0, 0)
    }

    /// The capacity in bytes (`F_GETPIPE_SZ`).
    pub fn capacity(&self) -> usize {
        self.buffer.lock().capacity()
    }

    /// Resizes the pipe (`F_SETPIPE_SZ`); see [`PipeBuffer::set_capacity`].
    pub fn set_capacity(&self, size: u32, privileged: bool) -> Result<usize, Errno> {
        let r = self.buffer.lock().set_capacity(size, privileged);
        if r.is_ok() {
            self.queue.notify(events::OUT | events::WRNORM);
        }
        r
    }

    /// The ends open now (readers, writers) and the counts of ends ever
    /// opened to read and to write.
    pub fn ends_open(&self) -> ((usize, usize), [u64; 2]) {
        let b = self.buffer.lock();
        ((b.readers, b.writers), b.opens)
    }

    /// Bytes waiting to be read (`FIONREAD`).
    pub fn available(&self) -> usize {
        self.buffer.lock().len()
    }

    /// The wait queue readers and writers sleep on.
    pub fn queue(&self) -> &WaitQueue {
        &self.queue
    }

    /// One read attempt: `None` when the caller must wait.
    fn try_read(&self, buf: &mut [u8], nonblock: bool) -> Option<Result<usize, Errno>> {
        let (n, writers, made_room) = {
            let mut b = self.buffer.lock();
            let was_full = b.is_full();
            let n = b.read_some(buf);
            (n, b.writers, was_full && !b.is_full())
        };
        if made_room {
            // As Linux, writers hear of reads only when a full pipe gets
            // room (which is all a blocked writer waits for); so an
            // edge-triggered epoll of the write end sees one edge then.
            self.queue.notify(events::OUT | events::WRNORM);
        }
        if n > 0 {
            return Some(Ok(n));
        }
        if writers == 0 {
            return Some(Ok(0));
        }
        if nonblock {
            return Some(Err(EAGAIN));
        }
        None
    }

    /// Reads into `buf` as `read(2)` of a pipe does, sleeping on `waiter`
    /// while the pipe is empty and has writers (unless `nonblock`);
    /// `killed()` says whether the sleeper must give up (`EINTR`).
    pub fn read(&self, waiter: &Arc<Waiter>, killed: &dyn Fn() -> bool, buf: &mut [u8], nonblock: bool) -> Result<usize, Errno> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut result = None;
        wait_on(waiter, killed, &self.queue, events::IN | events::HUP, None, || {
            result = self.try_read(buf, nonblock);
            result.is_some()
        })?;
        result.unwrap_or(Err(EINTR))
    }

    /// One write attempt, continuing at `*done`: `None` when the caller
    /// must wait for room.
    fn try_write(&self, data: &[u8], done: &mut usize, first: &mut bool, packet: bool, nonblock: bool) -> Option<Result<usize, Errno>> {
        let before = *done;
        let step = self.buffer.lock().write_some(data, done, *first, packet);
        *first = false;
        if *done > before {
            // Every write that adds data notifies (Linux does once the
            // pipe has been polled), so each is an edge for epoll.
            self.queue.notify(events::IN | events::RDNORM);
        }
        match step {
            WriteStep::Done => Some(Ok(*done)),
            // SIGPIPE is raised here once signals are delivered.
            WriteStep::Broken => Some(if *done > 0 { Ok(*done) } else { Err(EPIPE) }),
            WriteStep::Full if nonblock => Some(if *done > 0 { Ok(*done) } else { Err(EAGAIN) }),
            WriteStep::Full => None,
        }
    }

    /// Waits for data, as Linux's `ipipe_prep` before a splice or tee:
    /// `Ok(false)` for an empty pipe without writers, `EAGAIN` for an
    /// empty one when `nonblock`.
    pub fn wait_data(&self, ctx: &dyn Context, nonblock: bool) -> Result<bool, Errno> {
        let mut result = Ok(true);
        wait_until(ctx, &self.queue, events::IN | events::HUP, None, || {
            let b = self.buffer.lock();
            result = match (b.is_empty(), b.writers) {
                (false, _) => Ok(true),
                (true, 0) => Ok(false),
                (true, _) if nonblock => Err(EAGAIN),
                _ => return false,
            };
            true
        })?;
        result
    }

    /// Waits for a free buffer, as Linux's `opipe_prep`: `EPIPE` (and
    /// SIGPIPE) without readers, `EAGAIN` for a full pipe when `nonblock`.
    pub fn wait_room(&self, ctx: &mut dyn Context, nonblock: bool) -> Result<(), Errno> {
        let mut result = Ok(());
        wait_until(ctx, &self.queue, events::OUT | events::ERR, None, || {
            let b = self.buffer.lock();
            result = match (b.readers, b.is_full()) {
                (0, _) => Err(EPIPE),
                (_, false) => Ok(()),
                _ if nonblock => Err(EAGAIN),
                _ => return false,
            };
            true
        })?;
        result.inspect_err(|&e| ctx.note_write_error(e))
    }

    /// Runs `f` on this pipe's buffer and `out`'s, locked in address
    /// order, then wakes the readers of `out` if it gained bytes and the
    /// writers of this pipe if it was consumed.
    fn with_both(&self, out: &Pipe, consume: bool, f: impl FnOnce(&mut PipeBuffer, &mut PipeBuffer) -> usize) -> usize {
        let (mut a, mut b);
        if (self as *const Pipe) < (out as *const Pipe) {
            a = self.buffer.lock();
            b = out.buffer.lock();
        } else {
            b = out.buffer.lock();
            a = self.buffer.lock();
        }
        let n = f(&mut a, &mut b);
        drop((a, b));
        if n > 0 {
            out.queue.notify(events::IN | events::RDNORM);
            if consume {
                self.queue.notify(events::OUT | events::WRNORM);
            }
        }
        n
    }

    /// `splice` (`consume`) or `tee` of up to `len` bytes from this pipe
    /// to the other pipe `out`, as Linux does it: wait for data, then for
    /// room, then move what can be moved; a splice that could move nothing
    /// waits again (or is `EAGAIN` when `nonblock`), a tee returns 0.
    pub fn transfer_to(&self, ctx: &mut dyn Context, out: &Pipe, len: usize, consume: bool, nonblock: bool) -> Result<usize, Errno> {
        if std::ptr::eq(self, out) {
            return Err(EINVAL);
        }
        loop {
            self.wait_data(ctx, nonblock)?;
            out.wait_room(ctx, nonblock)?;
            let mut broken = false;
            let mut drained = false;
            let n = self.with_both(out, consume, |i, o| {
                broken = o.readers == 0;
                drained = i.is_empty() && i.writers == 0;
                if broken {
                    0
                } else {
                    i.transfer(o, len, consume)
                }
            });
            if broken {
                ctx.note_write_error(EPIPE);
                return Err(EPIPE);
            }
            if n > 0 || drained || !consume {
                return Ok(n);
            }
            if nonblock {
                return Err(EAGAIN);
            }
        }
    }

    /// Copies up to `buf.len()` bytes that wait in the pipe into `buf`
    /// without taking them (splice to a file takes what was written with
    /// [`Pipe::consume`]).
    pub fn peek(&self, buf: &mut [u8]) -> usize {
        self.buffer.lock().peek(buf)
    }

    /// Takes the first `n` bytes, waking writers.
    pub fn consume(&self, n: usize) {
        self.buffer.lock().consume(n);
        self.queue.notify(events::OUT | events::WRNORM);
    }

    /// Bytes that fit in the free buffers now.
    pub fn room(&self) -> usize {
        self.buffer.lock().room()
    }

    /// Adds `data` as splice from a file does; returns how many bytes fit.
    pub fn push(&self, data: &[u8]) -> usize {
        let n = self.buffer.lock().push(data);
        if n > 0 {
            self.queue.notify(events::IN | events::RDNORM);
        }
        n
    }

    /// Writes `data` as `write(2)` to a pipe does: everything, sleeping on
    /// `waiter` for room as needed unless `nonblock`; what was written so
    /// far when `killed()` or interrupted. `packet`: the writer's `O_DIRECT`.
    pub fn write(
        &self,
        waiter: &Arc<Waiter>,
        killed: &dyn Fn() -> bool,
        data: &[u8],
        packet: bool,
        nonblock: bool,
    ) -> Result<usize, Errno> {
        if data.is_empty() {
            return Ok(0);
        }
        let mut done = 0;
        let mut first = true;
        let mut result = None;
        let waited = wait_on(waiter, killed, &self.queue, events::OUT | events::ERR, None, || {
            result = self.try_write(data, &mut done, &mut first, packet, nonblock);
            result.is_some()
        });
        match waited {
            Ok(()) => result.unwrap_or(Err(EINTR)),
            Err(e) if done == 0 => Err(e),
            Err(_) => Ok(done),
        }
    }

    /// The attributes of the pipe's inode: a FIFO, 0600, owned by its
    /// creator.
    fn attr(&self) -> Attr {
        let t = *self.times.lock();
        Attr {
            dev: PIPEFS_DEV,
            ino: self.ino,
            nlink: 1,
            mode: mode::S_IFIFO | 0o600,
            uid: self.uid,
            gid: self.gid,
            atime: t.atime,
            mtime: t.mtime,
            ctime: t.ctime,
            ..Attr::default()
        }
    }

    /// The pipe's inode, where `/proc/PID/fd/N` of one of its ends leads.
    pub fn inode(self: &Arc<Pipe>) -> InodeRef {
        Arc::new(PipeInode { pipe: self.clone() })
    }
}

/// A pipe's inode (Linux's on pipefs; see `vfs::nameless`): named
/// `pipe:[N]`, and opened it makes a new end of the pipe, reading,
/// writing or both as the open asks, at once: a pipe is no named FIFO,
/// so neither end waits for the other, and a lone writer is no `ENXIO`.
struct PipeInode {
    pipe: Arc<Pipe>,
}

impl Inode for PipeInode {
    fn attr(&self) -> Attr {
        self.pipe.attr()
    }

    fn dname(&self) -> Option<Vec<u8>> {
        Some(format!("pipe:[{}]", self.pipe.ino).into_bytes())
    }

    fn open_special(&self, _ctx: &mut dyn Context, _at: &Location, flags: u32) -> Option<Result<Arc<OpenFile>, Errno>> {
        Some(Ok(Pipe::open_end(&self.pipe, flags)))
    }

    fn statfs(&self) -> Statfs {
        pseudo_statfs(PIPEFS_MAGIC)
    }
}

/// An open end of a pipe: the file of a pipe's open description.
pub struct PipeEnd {
    pipe: Arc<Pipe>,
    /// The description this end belongs to, for its status flags.
    file: Weak<OpenFile>,
    reads: bool,
    writes: bool,
    /// The named pipe it was opened through, if any.
    at: Option<Location>,
}

impl PipeEnd {
    /// The pipe this end belongs to.
    pub fn pipe(&self) -> &Arc<Pipe> {
        &self.pipe
    }


    /// The description's current status flags.
    fn flags(&self) -> u32 {
        self.file.upgrade().map_or(0, |f| f.flags())
    }
}

impl FileOps for PipeEnd {
    fn read(&self, ctx: &mut dyn Context, buf: &mut [u8], _offset: Option<u64>) -> Result<usize, Errno> {
        if !self.reads {
            return Err(EBADF);
        }
        let n = self.pipe.read(ctx.waiter(), &|| ctx.is_killed(), buf, self.flags() & o::NONBLOCK != 0)?;
        if n > 0 {
            self.pipe.times.lock().atime = ctx.realtime_ns();
        }
        Ok(n)
    }

    fn write(&self, ctx: &mut dyn Context, data: &[u8], _offset: Option<u64>) -> Result<usize, Errno> {
        if !self.writes {
            return Err(EBADF);
        }
        let flags = self.flags();
        let written = self.pipe.write(ctx.waiter(), &|| ctx.is_killed(), data, flags & o::DIRECT != 0, flags & o::NONBLOCK != 0);
        let n = written.inspect_err(|&e| ctx.note_write_error(e))?;
        if n > 0 {
            let now = ctx.realtime_ns();
            let mut t = self.pipe.times.lock();
            t.mtime = now;
            t.ctime = now;
        }
        Ok(n)
    }

    fn stat(&self) -> Result<Stat, Errno> {
        Ok(match &self.at {
            Some(at) => at.dentry.attr().to_stat(),
            None => self.pipe.attr().to_stat(),
        })
    }

    fn location(&self) -> Option<Location> {
        self.at.clone()
    }

    fn nameless_inode(&self) -> Result<InodeRef, Errno> {
        Ok(self.pipe.inode())
    }

    fn pollable(&self) -> bool {
        true
    }

    /// What `pipe_poll` reports: readable with data or with no writer left
    /// (`POLLHUP`), writable with a free buffer, `POLLERR` with no reader.
    fn readiness(&self) -> u32 {
        self.pipe.buffer.lock().readiness(self.reads, self.writes)
    }

    fn poll_register(&self, table: &mut PollTable, _mask: u32) {
        table.add_queue(&self.pipe.queue, events::ALL);
    }

    fn ioctl(&self, ctx: &mut dyn Context, cmd: u32, arg: u64) -> Result<u64, Errno> {
        match cmd {
            ioctl::FIONREAD => {
                let n = i32::try_from(self.pipe.available()).unwrap_or(i32::MAX);
                ctx.copy_out(arg, &n.to_ne_bytes()).map(|_| 0)
            }
            _ => Err(abi::errno::ENOTTY),
        }
    }
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        let last = {
            let mut b = self.pipe.buffer.lock();
            let mut last = false;
            if self.reads {
                b.readers -= 1;
                last |= b.readers == 0;
            }
            if self.writes {
                b.writers -= 1;
                last |= b.writers == 0;
            }
            last
        };
        if last {
            // Linux wakes every waiter of both sides, with no event key.
            self.pipe.queue.notify(events::ALL);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_inode_opens_new_ends_at_once_in_either_direction() {
        let mut ctx = crate::vfs::context::TestContext::new();
        let pipe = Pipe::new(42, 1000, 1000, 7);
        let [r, w] = Pipe::ends(&pipe, 0);
        let inode = w.ops.nameless_inode().unwrap();
        let a = inode.attr();
        assert_eq!((a.kind(), a.mode & 0o7777, a.ino, a.uid), (mode::S_IFIFO, 0o600, 42, 1000));
        assert_eq!(a.to_stat(), r.ops.stat().unwrap(), "stat through the link is fstat of an end");
        assert_eq!(inode.dname().unwrap(), b"pipe:[42]");
        // A second writer from the read end's inode: its data reaches the
        // first reader.
        let at = crate::vfs::nameless::locate(inode.clone());
        let w2 = r.ops.nameless_inode().unwrap().open_special(&mut ctx, &at, o::WRONLY).unwrap().unwrap();
        assert!(w2.writable() && !w2.readable());
        assert_eq!(w2.ops.write(&mut ctx, b"hi", None), Ok(2));
        let mut buf = [0u8; 4];
        assert_eq!(r.ops.read(&mut ctx, &mut buf, None), Ok(2));
        assert_eq!(&buf[..2], b"hi");
        // A reader when no writer is left does not wait: it reads the end.
        drop((w, w2));
        let r2 = inode.open_special(&mut ctx, &at, o::RDONLY).unwrap().unwrap();
        assert_eq!(r2.ops.read(&mut ctx, &mut buf, None), Ok(0));
        assert_eq!(pipe.ends_open().0, (2, 0));
    }

    fn ring() -> PipeBuffer {
        PipeBuffer { readers: 1, writers: 1, ..PipeBuffer::new() }
    }

    #[test]
    fn splice_moves_buffers_that_writes_do_not_top_up_and_tee_copies() {
        let (mut a, mut b) = (ring(), ring());
        write(&mut a, b"hello", false);
        write(&mut a, b"world", false);
        let mut c = ring();
        assert_eq!(a.transfer(&mut c, 3, false), 3, "tee");
        assert_eq!(a.len(), 10);
        assert_eq!(a.transfer(&mut b, 3, true), 3);
        assert_eq!((a.len(), b.len(), b.bufs.len()), (7, 3, 1));
        write(&mut b, b"!", false);
        assert_eq!(b.bufs.len(), 2, "a spliced buffer is not topped up");
        let mut buf = [0u8; 16];
        assert_eq!(a.peek(&mut buf), 7);
        assert_eq!(&buf[..7], b"loworld");
        a.consume(4);
        assert_eq!(b.read_some(&mut buf), 4);
        assert_eq!(&buf[..4], b"hel!");
        assert_eq!(a.read_some(&mut buf), 3);
        assert_eq!(&buf[..3], b"rld");
        let mut small = PipeBuffer { max_slots: 1, ..ring() };
        assert_eq!(small.push(&[7u8; 5000]), PAGE, "push stops when the ring is full");
        assert_eq!(small.room(), 0);
    }

    fn write(b: &mut PipeBuffer, data: &[u8], packet: bool) -> (usize, WriteStep) {
        let mut done = 0;
        let step = b.write_some(data, &mut done, true, packet);
        (done, step)
    }

    #[test]
    fn a_new_pipe_holds_65536_bytes() {
        let mut b = ring();
        assert_eq!(b.capacity(), DEFAULT_PIPE_SIZE);
        assert_eq!(write(&mut b, &vec![7; 100_000], false), (65536, WriteStep::Full));
        assert_eq!(b.len(), 65536);
        assert!(b.is_full());
        assert_eq!(write(&mut b, b"x", false), (0, WriteStep::Full));
        let mut out = vec![0; 100_000];
        assert_eq!(b.read_some(&mut out), 65536);
        assert!(b.is_empty());
        assert_eq!(b.read_some(&mut out), 0);
    }

    #[test]
    fn small_writes_merge_and_never_split() {
        let mut b = ring();
        // 15 pages and one byte: the last page has 4095 bytes of room.
        assert_eq!(write(&mut b, &vec![1; 15 * PAGE + 1], false), (15 * PAGE + 1, WriteStep::Done));
        assert_eq!(b.bufs.len(), 16);
        assert_eq!(write(&mut b, &[2; PIPE_BUF], false), (0, WriteStep::Full), "a PIPE_BUF write is atomic");
        assert_eq!(write(&mut b, &[3; PIPE_BUF - 1], false), (PIPE_BUF - 1, WriteStep::Done));
        assert_eq!(b.len(), 65536);
        assert_eq!(write(&mut b, b"x", false), (0, WriteStep::Full));
        // Reading 4095 bytes frees no page: the ring is still full.
        let mut out = vec![0; PAGE - 1];
        assert_eq!(b.read_some(&mut out), PAGE - 1);
        assert_eq!(write(&mut b, b"x", false), (0, WriteStep::Full));
        assert_eq!(b.read_some(&mut [0; 1]), 1);
        assert_eq!(write(&mut b, b"x", false), (1, WriteStep::Done));
    }

    #[test]
    fn large_writes_top_up_then_fill_pages() {
        let mut b = ring();
        assert_eq!(write(&mut b, &[1; 100], false), (100, WriteStep::Done));
        // 5000 = 904 + 4096: the 904 go into the first page.
        assert_eq!(write(&mut b, &[2; 5000], false), (5000, WriteStep::Done));
        assert_eq!(b.bufs.len(), 2);
        assert_eq!(b.bufs[0].len(), 1004);
        // Continuing a write never tops up again.
        let mut done = 10;
        assert_eq!(b.write_some(&[3; 20], &mut done, false, false), WriteStep::Done);
        assert_eq!(b.bufs.len(), 3);
        let mut out = vec![0; 10_000];
        assert_eq!(b.read_some(&mut out), 1004 + 4096 + 10);
        assert_eq!(&out[..100], &[1; 100][..]);
        assert_eq!(&out[100..5100], &[2; 5000][..]);
        assert_eq!(&out[5100..5110], &[3; 10][..]);
    }

    #[test]
    fn packets_keep_their_boundaries() {
        let mut b = ring();
        assert_eq!(write(&mut b, b"hello", true), (5, WriteStep::Done));
        assert_eq!(write(&mut b, b"world!", true), (6, WriteStep::Done));
        assert_eq!(write(&mut b, &[9; 5000], true), (5000, WriteStep::Done));
        assert_eq!(b.bufs.len(), 4, "a long packet write makes page-sized packets");
        let mut out = [0u8; 100];
        assert_eq!(b.read_some(&mut out), 5);
        assert_eq!(&out[..5], b"hello");
        // The rest of a packet that does not fit is dropped.
        assert_eq!(b.read_some(&mut out[..3]), 3);
        assert_eq!(&out[..3], b"wor");
        assert_eq!(b.read_some(&mut out), 100);
        assert_eq!(b.bufs.len(), 1);
        assert_eq!(b.read_some(&mut out), 100);
        assert!(b.is_empty());
        // A packet write tops up a plain buffer, as Linux does.
        assert_eq!(write(&mut b, b"ab", false), (2, WriteStep::Done));
        assert_eq!(write(&mut b, b"cd", true), (2, WriteStep::Done));
        assert_eq!(b.bufs.len(), 1);
    }

    #[test]
    fn no_reader_means_a_broken_pipe() {
        let mut b = ring();
        b.readers = 0;
        assert_eq!(write(&mut b, b"x", false), (0, WriteStep::Broken));
        assert_eq!(b.readiness(false, true), events::OUT | events::WRNORM | events::ERR);
        b.writers = 0;
        assert_eq!(b.readiness(true, false), events::HUP);
    }

    #[test]
    fn set_capacity_rounds_and_checks() {
        let mut b = ring();
        assert_eq!(b.set_capacity(0, false), Ok(4096));
        assert_eq!(b.set_capacity(4097, false), Ok(8192));
        assert_eq!(b.set_capacity(65536, false), Ok(65536));
        assert_eq!(b.set_capacity(100_000, false), Ok(131072));
        assert_eq!(b.set_capacity(1 << 20, false), Ok(1 << 20));
        assert_eq!(b.set_capacity((1 << 20) + 1, false), Err(EPERM));
        assert_eq!(b.set_capacity((1 << 20) + 1, true), Ok(2 << 20));
        assert_eq!(b.set_capacity((1 << 31) + 1, true), Err(EINVAL));
        assert_eq!(b.set_capacity(u32::MAX, false), Err(EINVAL));
        assert_eq!(b.set_capacity(4096, false), Ok(4096), "shrinking never needs privilege");
        assert_eq!(write(&mut b, &[1; 5000], false), (4096, WriteStep::Full));
        let mut out = [0u8; 4000];
        b.read_some(&mut out);
        assert_eq!(write(&mut b, &[1; 10], false), (0, WriteStep::Full));
        assert_eq!(b.set_capacity(8192, false), Ok(8192));
        assert_eq!(write(&mut b, &[1; 10], false), (10, WriteStep::Done));
        assert_eq!(b.set_capacity(4096, false), Err(EBUSY));
        assert_eq!(b.capacity(), 8192);
    }

    fn waiter() -> Arc<Waiter> {
        Arc::new(Waiter::new().unwrap())
    }

    #[test]
    fn ends_count_readers_and_writers() {
        let pipe = Pipe::new_detached();
        let [r, w] = Pipe::ends(&pipe, o::NONBLOCK | o::DIRECT | o::CLOEXEC);
        assert_eq!(r.flags(), o::RDONLY | o::NONBLOCK);
        assert_eq!(w.flags(), o::WRONLY | o::NONBLOCK | o::DIRECT);
        assert!(r.downcast::<PipeEnd>().is_some());
        let st = r.ops.stat().unwrap();
        assert_eq!(st.mode, mode::S_IFIFO | 0o600);
        assert_eq!((st.nlink, st.blksize), (1, 4096));
        let me = waiter();
        let no = || false;
        assert_eq!(pipe.read(&me, &no, &mut [0; 4], true), Err(EAGAIN));
        assert_eq!(pipe.write(&me, &no, b"abc", false, true), Ok(3));
        drop(w);
        let mut out = [0u8; 4];
        assert_eq!(pipe.read(&me, &no, &mut out, false), Ok(3));
        assert_eq!(pipe.read(&me, &no, &mut out, false), Ok(0), "EOF once the writer is gone");
        let w2 = Pipe::open_end(&pipe, o::WRONLY);
        drop(r);
        assert_eq!(pipe.write(&me, &no, b"abc", false, false), Err(EPIPE));
        drop(w2);
        assert_eq!(pipe.queue().len(), 0);
    }

    #[test]
    fn a_blocked_reader_wakes_for_data_and_for_eof() {
        let pipe = Pipe::new_detached();
        let [r, w] = Pipe::ends(&pipe, 0);
        let p2 = pipe.clone();
        let h = std::thread::spawn(move || {
            let me = waiter();
            let mut out = [0u8; 8];
            let first = p2.read(&me, &|| false, &mut out, false);
            let second = p2.read(&me, &|| false, &mut out, false);
            (first, second)
        });
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(pipe.write(&waiter(), &|| false, b"hi", false, false), Ok(2));
        std::thread::sleep(Duration::from_millis(20));
        drop(w);
        assert_eq!(h.join().unwrap(), (Ok(2), Ok(0)));
        drop(r);
    }

    #[test]
    fn a_blocking_write_completes_as_the_reader_drains() {
        let pipe = Pipe::new_detached();
        let [r, w] = Pipe::ends(&pipe, 0);
        let p2 = pipe.clone();
        let h = std::thread::spawn(move || {
            let data: Vec<u8> = (0..300_000u32).map(|i| i as u8).collect();
            p2.write(&waiter(), &|| false, &data, false, false)
        });
        let me = waiter();
        let mut got = Vec::new();
        let mut out = vec![0u8; 7000];
        while got.len() < 300_000 {
            let n = pipe.read(&me, &|| false, &mut out, false).unwrap();
            got.extend_from_slice(&out[..n]);
        }
        assert_eq!(h.join().unwrap(), Ok(300_000));
        assert!(got.iter().enumerate().all(|(i, &b)| b == i as u8));
        drop((r, w));
    }

    #[test]
    fn an_interrupted_write_returns_what_it_wrote() {
        let pipe = Pipe::new_detached();
        let [r, w] = Pipe::ends(&pipe, 0);
        let me = waiter();
        let me2 = me.clone();
        let h = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            me2.interrupt();
        });
        assert_eq!(pipe.write(&me, &|| false, &vec![0; 70_000], false, false), Ok(65536));
        h.join().unwrap();
        assert_eq!(pipe.write(&me, &|| false, &[0; 10], false, false), Err(EINTR));
        assert!(me.take_interrupt());
        // A reader killed while it waits.
        let mut out = [0u8; 70_000];
        assert_eq!(pipe.read(&me, &|| false, &mut out, false), Ok(65536));
        me.interrupt();
        assert_eq!(pipe.read(&me, &|| true, &mut out, false), Err(EINTR));
        drop((r, w));
    }

    use crate::vfs::epoll::flags::EPOLLET;
    use crate::vfs::epoll::EpollEvent;
    use crate::vfs::Epoll;

    #[test]
    fn epoll_sees_a_pipe_hang_up_and_its_closed_ends_vanish() {
        let file = Epoll::new_file(0);
        let e = file.downcast::<Epoll>().unwrap();
        let pipe = Pipe::new_detached();
        let [r, w] = Pipe::ends(&pipe, 0);
        e.add(&r, 0, EpollEvent { events: events::IN | EPOLLET, data: 0 }).unwrap();
        e.add(&w, 1, EpollEvent { events: events::OUT, data: 1 }).unwrap();
        assert_eq!(e.collect(8), [EpollEvent { events: events::OUT, data: 1 }]);
        drop(w);
        assert_eq!(e.collect(8), [EpollEvent { events: events::HUP, data: 0 }]);
        assert_eq!(e.len(), 1, "the write end's interest went with it");
        drop(r);
        assert!(e.collect(8).is_empty());
        assert!(pipe.queue().is_empty());
    }
}
