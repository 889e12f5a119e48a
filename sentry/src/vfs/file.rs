//! Open file descriptions.

use std::any::Any;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Weak};

use abi::errno::{EINVAL, ENOTTY, ESPIPE};
use abi::fs::{o, Stat};
use abi::Errno;

use super::inode::InodeRef;
use super::poll::{PollTable, DEFAULT_POLLMASK};
use super::Context;

/// Access to a file's concrete type, so that calls meant for one kind of
/// file (`F_SETPIPE_SZ` for pipes) can find it; see [`OpenFile::downcast`].
pub trait AsAny: Any {
    /// `self` as [`Any`].
    fn as_any(&self) -> &dyn Any;
}

impl<T: Any> AsAny for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Bytes shared with their owner rather than copied: a part of a buffer
/// (a socket's queued data, handed to a reader, or a writer's buffer,
/// queued as it is).
#[derive(Default, Clone)]
pub struct SharedBytes {
    buf: Arc<Vec<u8>>,
    range: std::ops::Range<usize>,
}

impl SharedBytes {
    /// `bytes`, all of them.
    pub fn own(bytes: Vec<u8>) -> SharedBytes {
        let range = 0..bytes.len();
        SharedBytes { buf: Arc::new(bytes), range }
    }

    /// The part `range` of `buf`.
    pub fn part(buf: &Arc<Vec<u8>>, range: std::ops::Range<usize>) -> SharedBytes {
        assert!(range.start <= range.end && range.end <= buf.len());
        SharedBytes { buf: buf.clone(), range }
    }

    /// The part `range` of these bytes.
    pub fn sub(&self, range: std::ops::Range<usize>) -> SharedBytes {
        assert!(range.start <= range.end && range.end <= self.range.len());
        SharedBytes { buf: self.buf.clone(), range: self.range.start + range.start..self.range.start + range.end }
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.buf[self.range.clone()]
    }
}

/// What a kind of file does. Every method that may block or reach the
/// caller gets its [`Context`], so that a blocking operation can sleep
/// interruptibly on the caller's waiter.
pub trait FileOps: AsAny + Send + Sync {
    /// Reads into `buf` at `offset`, or at the file position when `None`.
    fn read(&self, ctx: &mut dyn Context, buf: &mut [u8], offset: Option<u64>) -> Result<usize, Errno> {
        let _ = (ctx, buf, offset);
        Err(EINVAL)
    }

    /// Writes `data` at `offset`, or at the file position when `None`.
    fn write(&self, ctx: &mut dyn Context, data: &[u8], offset: Option<u64>) -> Result<usize, Errno> {
        let _ = (ctx, data, offset);
        Err(EINVAL)
    }

    /// Reads at most `len` bytes as [`FileOps::read`] does, as the parts
    /// of the file's own buffers they are in, so the caller copies them
    /// straight to where they go (a socket's queued data); `None`, having
    /// read nothing, when the file only reads into a buffer.
    fn read_shared(&self, ctx: &mut dyn Context, len: usize, offset: Option<u64>) -> Option<Result<Vec<SharedBytes>, Errno>> {
        let _ = (ctx, len, offset);
        None
    }

    /// Writes `data` as [`FileOps::write`] does. A file that keeps what is
    /// written (a socket queueing it) may take the buffer rather than copy
    /// from it, leaving `data` empty.
    fn write_buf(&self, ctx: &mut dyn Context, data: &mut Vec<u8>, offset: Option<u64>) -> Result<usize, Errno> {
        self.write(ctx, data, offset)
    }

    /// Moves the file position (`lseek`).
    fn seek(&self, offset: i64, whence: u32) -> Result<u64, Errno> {
        let _ = (offset, whence);
        Err(ESPIPE)
    }

    /// Whether `pread`/`pwrite` make sense (false for pipes, ttys, sockets).
    fn seekable(&self) -> bool {
        false
    }

    /// The file's attributes.
    fn stat(&self) -> Result<Stat, Errno>;

    /// A device-specific request.
    fn ioctl(&self, ctx: &mut dyn Context, cmd: u32, arg: u64) -> Result<u64, Errno> {
        let _ = (ctx, cmd, arg);
        Err(ENOTTY)
    }

    /// Whether `poll`, `select` and `epoll` can watch the file (on Linux:
    /// whether it has a `poll` method). Those that cannot are always ready
    /// to read and write ([`DEFAULT_POLLMASK`]), and `epoll_ctl` refuses
    /// them with `EPERM`.
    fn pollable(&self) -> bool {
        false
    }

    /// The poll events ([`crate::waiter::events`]) that hold for the
    /// file now, whatever the caller asks for; the caller masks them.
    fn readiness(&self) -> u32 {
        DEFAULT_POLLMASK
    }

    /// Registers `table`'s sleeper to hear of changes to the events in
    /// `mask` (errors and hang-ups are always of interest): on the file's
    /// wait queue, or by naming a host descriptor to wait for. A file
    /// registers before its readiness is checked, so no change is missed.
    /// Files that cannot be polled register nothing.
    fn poll_register(&self, table: &mut PollTable, mask: u32) {
        let _ = (table, mask);
    }

    /// Where in the file tree the file was opened, for files that have a
    /// name there (the `*at` calls start from it).
    fn location(&self) -> Option<super::mount::Location> {
        None
    }

    /// For a file on the anonymous inode: the name `/proc/self/fd/N`
    /// shows after `anon_inode:`.
    fn anon_name(&self) -> &'static str {
        "[file]"
    }

    /// For a file with no [`location`](FileOps::location): the inode
    /// `/proc/PID/fd/N` leads to, which `stat` shows and `open` opens anew
    /// (see [`super::nameless`]). By default one that shows the file's
    /// attributes and cannot be opened (a socket, an anonymous file).
    fn nameless_inode(&self) -> Result<InodeRef, Errno> {
        Ok(super::nameless::Unopenable::of(&self.stat()?, self.anon_name()))
    }

    /// What `mmap` of the file maps; `ENODEV`, the default, for files
    /// that cannot be mapped.
    fn mmap_source(&self) -> Result<MmapSource, Errno> {
        Err(abi::errno::ENODEV)
    }
}

/// What `mmap` of a file maps.
pub enum MmapSource {
    /// Anonymous memory (`/dev/zero`).
    Zero,
    /// The data of the regular file there (see `Inode::map`).
    Inode(super::mount::Location),
}

/// An open file description: shared by every descriptor that `dup` or
/// `fork` makes from one `open`.
pub struct OpenFile {
    /// What the file is.
    pub ops: Box<dyn FileOps>,
    /// Access mode and status flags (`O_RDONLY`, `O_APPEND`, `O_NONBLOCK`, ...).
    flags: AtomicU32,
}

impl OpenFile {
    /// A new description with the given open flags.
    pub fn new(ops: Box<dyn FileOps>, flags: u32) -> Arc<OpenFile> {
        Arc::new(OpenFile { ops, flags: AtomicU32::new(flags & !o::CLOEXEC) })
    }

    /// A new description whose file keeps a weak reference to it, to read
    /// the description's status flags (`O_NONBLOCK`) at each call.
    pub fn new_cyclic(flags: u32, make: impl FnOnce(&Weak<OpenFile>) -> Box<dyn FileOps>) -> Arc<OpenFile> {
        Arc::new_cyclic(|me| OpenFile { ops: make(me), flags: AtomicU32::new(flags & !o::CLOEXEC) })
    }

    /// The file as its concrete type `T`, if it is one.
    pub fn downcast<T: FileOps>(&self) -> Option<&T> {
        let ops: &dyn FileOps = &*self.ops;
        <dyn FileOps as AsAny>::as_any(ops).downcast_ref::<T>()
    }

    /// Replaces the flags in `mask` with those of `value` (`F_SETFL`).
    pub fn set_flags(&self, mask: u32, value: u32) {
        let _ = self.flags.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |f| Some((f & !mask) | (value & mask)));
    }

    /// The access mode and status flags.
    pub fn flags(&self) -> u32 {
        self.flags.load(Ordering::Relaxed)
    }

    /// Where `/proc/PID/fd/N` of this description leads: its place in the
    /// tree, or for a file without one its nameless inode, placed off the
    /// tree ([`super::nameless::locate`]).
    pub fn link_location(&self) -> Result<super::mount::Location, Errno> {
        match self.ops.location() {
            Some(loc) => Ok(loc),
            None => Ok(super::nameless::locate(self.ops.nameless_inode()?)),
        }
    }

    /// Whether the description was opened for reading.
    pub fn readable(&self) -> bool {
        self.flags() & o::ACCMODE != o::WRONLY
    }

    /// Whether the description was opened for writing.
    pub fn writable(&self) -> bool {
        matches!(self.flags() & o::ACCMODE, o::WRONLY | o::RDWR)
    }
}
