//! Open file descriptions.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use abi::errno::{EINVAL, ENOTTY, ESPIPE};
use abi::fs::{o, Stat};
use abi::Errno;

use crate::kernel::task::Task;

/// What a kind of file does. Every method gets the calling task so that a
/// blocking operation can sleep interruptibly on its waiter.
pub trait FileOps: Send + Sync {
    /// Reads into `buf` at `offset`, or at the file position when `None`.
    fn read(&self, task: &mut Task, buf: &mut [u8], offset: Option<u64>) -> Result<usize, Errno> {
        let _ = (task, buf, offset);
        Err(EINVAL)
    }

    /// Writes `data` at `offset`, or at the file position when `None`.
    fn write(&self, task: &mut Task, data: &[u8], offset: Option<u64>) -> Result<usize, Errno> {
        let _ = (task, data, offset);
        Err(EINVAL)
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
    fn ioctl(&self, task: &mut Task, cmd: u32, arg: u64) -> Result<u64, Errno> {
        let _ = (task, cmd, arg);
        Err(ENOTTY)
    }
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

    /// The access mode and status flags.
    pub fn flags(&self) -> u32 {
        self.flags.load(Ordering::Relaxed)
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
