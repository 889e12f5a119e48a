//! Host-backed files: a host descriptor the sentry holds on the app's
//! behalf (the sandbox's standard input, output and error). The app never
//! sees the host descriptor, its inode number or its device.
//!
//! Readiness for `poll`, `select` and `epoll` comes from the host: the
//! file is pollable exactly when the host's epoll accepts its descriptor
//! (pipes, ttys, sockets; not regular files or `/dev/null`), its events
//! are those of a zero-timeout host `poll`, and a sleeper waits for
//! changes by polling the host descriptor together with its waiter (no
//! wait queue is notified: the changes happen outside the sandbox).

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::{Arc, Weak};
use std::time::Instant;

use abi::errno::{EAGAIN, EINTR, EINVAL};
use abi::fs::{ioctl, o, seek, Stat, Termios, Winsize};
use abi::{Errno, Pod};
use nix::fcntl::{fcntl, FcntlArg};
use nix::poll::PollFlags;
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags};
use nix::sys::stat::fstat;
use nix::sys::uio::{pread, pwrite};
use nix::unistd::{lseek, Whence};

use super::errno;

use crate::vfs::poll::{host_readiness, PollTable, DEFAULT_POLLMASK};
use crate::vfs::{FileOps, OpenFile};
use crate::vfs::Context;

/// The device number host-backed files report (an anonymous device).
const HOST_FILE_DEV: u64 = 0x0e;

/// A file backed by a host descriptor.
pub struct HostFile {
    fd: Arc<OwnedFd>,
    /// Whether the host can poll the descriptor.
    pollable: bool,
    /// The inode number the sandbox shows for it.
    ino: u64,
    /// The description this file belongs to, for its `O_NONBLOCK` (which
    /// the sentry applies itself: the host description may be shared with
    /// processes outside the sandbox and is never changed).
    file: Weak<OpenFile>,
}

/// Whether the host's epoll accepts `fd`: Linux's test of whether a file
/// can be polled at all (`EPERM` for regular files and devices such as
/// `/dev/null`, which `poll` reports always ready).
fn host_can_poll(fd: &OwnedFd) -> bool {
    let Ok(ep) = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC) else {
        return true;
    };
    ep.add(fd, EpollEvent::new(EpollFlags::empty(), 0)) != Err(nix::Error::EPERM)
}

impl HostFile {
    /// Wraps a duplicate of host descriptor `fd` as an open file, with the
    /// host's access mode and status flags.
    pub fn open_dup(fd: std::os::fd::BorrowedFd<'_>, ino: u64) -> std::io::Result<std::sync::Arc<OpenFile>> {
        let fd = fd.try_clone_to_owned()?;
        let flags = fcntl(&fd, FcntlArg::F_GETFL)?;
        let pollable = host_can_poll(&fd);
        Ok(OpenFile::new_cyclic(flags as u32, |me| Box::new(HostFile { fd: Arc::new(fd), pollable, ino, file: me.clone() })))
    }

    /// Whether the description is non-blocking now.
    fn nonblocking(&self) -> bool {
        self.file.upgrade().is_some_and(|f| f.flags() & o::NONBLOCK != 0)
    }

    /// Runs a host I/O call, sleeping interruptibly while the host
    /// descriptor is not ready for it (`EAGAIN` instead when the
    /// description is non-blocking).
    fn io(&self, ctx: &mut dyn Context, events: PollFlags, empty: bool, mut op: impl FnMut() -> nix::Result<usize>) -> Result<usize, Errno> {
        if empty {
            // A transfer of nothing never waits (a pipe or tty returns 0).
            return op().map_err(errno);
        }
        loop {
            let nonblock = self.nonblocking();
            // Wait first, so that a blocking host call never holds the task
            // beyond the reach of a kill.
            let deadline = if nonblock { Some(Instant::now()) } else { None };
            match ctx.waiter().wait_fd(self.fd.as_fd(), events.bits(), deadline) {
                Err(_) => return Err(EINTR),
                Ok(false) if nonblock => return Err(EAGAIN),
                Ok(_) => {}
            }
            match op() {
                Ok(n) => return Ok(n),
                Err(nix::Error::EAGAIN) if nonblock => return Err(EAGAIN),
                Err(nix::Error::EAGAIN | nix::Error::EINTR) => continue,
                Err(e) => return Err(errno(e)),
            }
        }
    }

    fn ioctl_out<T: Pod>(&self, ctx: &mut dyn Context, cmd: u32, arg: u64) -> Result<u64, Errno> {
        // Raw: the app gets the kernel's own structures, and nix has no
        // call for TIOCGWINSZ or FIONREAD (its `tcgetattr` gives glibc's
        // `termios`, not the kernel's; its ioctl macros make unsafe calls).
        let mut v = T::zeroed();
        // SAFETY: `v` is a plain-data buffer of the size the request writes.
        let r = unsafe { libc::ioctl(self.fd.as_raw_fd(), cmd as _, v.as_bytes_mut().as_mut_ptr()) };
        nix::Error::result(r).map_err(errno)?;
        ctx.copy_out(arg, v.as_bytes()).map(|_| 0)
    }
}

impl FileOps for HostFile {
    fn read(&self, ctx: &mut dyn Context, buf: &mut [u8], offset: Option<u64>) -> Result<usize, Errno> {
        let fd = self.fd.as_fd();
        self.io(ctx, PollFlags::POLLIN, buf.is_empty(), || match offset {
            None => nix::unistd::read(fd, buf),
            Some(off) => pread(fd, buf, off as i64),
        })
    }

    fn write(&self, ctx: &mut dyn Context, data: &[u8], offset: Option<u64>) -> Result<usize, Errno> {
        let fd = self.fd.as_fd();
        self.io(ctx, PollFlags::POLLOUT, data.is_empty(), || match offset {
            None => nix::unistd::write(fd, data),
            Some(off) => pwrite(fd, data, off as i64),
        })
        .inspect_err(|&e| ctx.note_write_error(e))
    }

    fn seek(&self, offset: i64, whence: u32) -> Result<u64, Errno> {
        let whence = match whence {
            seek::SET => Whence::SeekSet,
            seek::CUR => Whence::SeekCur,
            seek::END => Whence::SeekEnd,
            seek::DATA => Whence::SeekData,
            seek::HOLE => Whence::SeekHole,
            // The host's answer to a whence it does not know.
            _ => return Err(EINVAL),
        };
        lseek(&*self.fd, offset, whence).map(|r| r as u64).map_err(errno)
    }

    fn seekable(&self) -> bool {
        self.seek(0, abi::fs::seek::CUR).is_ok()
    }

    fn stat(&self) -> Result<Stat, Errno> {
        let st = fstat(&*self.fd).map_err(errno)?;
        Ok(Stat {
            dev: HOST_FILE_DEV,
            ino: self.ino,
            nlink: st.st_nlink,
            mode: st.st_mode,
            uid: st.st_uid,
            gid: st.st_gid,
            rdev: st.st_rdev,
            size: st.st_size,
            blksize: st.st_blksize,
            blocks: st.st_blocks,
            atime: st.st_atime,
            atime_nsec: st.st_atime_nsec,
            mtime: st.st_mtime,
            mtime_nsec: st.st_mtime_nsec,
            ctime: st.st_ctime,
            ctime_nsec: st.st_ctime_nsec,
            ..Stat::default()
        })
    }

    fn ioctl(&self, ctx: &mut dyn Context, cmd: u32, arg: u64) -> Result<u64, Errno> {
        match cmd {
            ioctl::TCGETS => self.ioctl_out::<Termios>(ctx, cmd, arg),
            ioctl::TIOCGWINSZ => self.ioctl_out::<Winsize>(ctx, cmd, arg),
            ioctl::FIONREAD => self.ioctl_out::<i32>(ctx, cmd, arg),
            _ => Err(abi::errno::ENOTTY),
        }
    }

    fn pollable(&self) -> bool {
        self.pollable
    }

    fn readiness(&self) -> u32 {
        if self.pollable {
            host_readiness(self.fd.as_fd())
        } else {
            DEFAULT_POLLMASK
        }
    }

    fn poll_register(&self, table: &mut PollTable, mask: u32) {
        if self.pollable {
            table.add_host(&self.fd, mask);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::fd::AsFd;

    use super::*;
    use crate::waiter::events;

    #[test]
    fn regular_files_cannot_be_polled_and_pipes_can() {
        let f = std::fs::File::open("/proc/self/exe").unwrap();
        let file = HostFile::open_dup(f.as_fd(), 1).unwrap();
        assert!(!file.ops.pollable());
        assert_eq!(file.ops.readiness(), DEFAULT_POLLMASK);
        let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).unwrap();
        let reader = HostFile::open_dup(r.as_fd(), 2).unwrap();
        let writer = HostFile::open_dup(w.as_fd(), 3).unwrap();
        assert!(reader.ops.pollable());
        assert_eq!(reader.ops.readiness(), 0);
        assert_eq!(writer.ops.readiness(), events::OUT | events::WRNORM);
        drop((w, writer));
        assert_eq!(reader.ops.readiness(), events::HUP);
    }
}
