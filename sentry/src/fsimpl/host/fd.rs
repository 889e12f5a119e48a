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
//!
//! `/proc/PID/fd/N` of a host file leads to its nameless inode
//! (`HostInode`, see `vfs::nameless`): `/dev/stdin`, `/dev/stdout` and
//! `/dev/fd/N` open the same host object anew (the other end of a host
//! pipe, the terminal, the file), through the sentry's own
//! `/proc/self/fd` entry, never a path. The link reads as Linux's
//! `pipe:[N]` or `socket:[N]`, as `/dev/null` and the like for a device
//! the sandbox has too, as `/dev/tty` for a terminal, and otherwise (a
//! regular file above all) as `anon_inode:[file]`: no host path is ever
//! shown (`link_name`).

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::{Arc, Weak};
use std::time::Instant;

use abi::errno::{EACCES, EAGAIN, EINTR, EINVAL};
use abi::fs::{ioctl, mode, o, seek, Stat, Statfs, Termios, Winsize};
use abi::{Errno, Pod};
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::PollFlags;
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags};
use nix::sys::stat::{fstat, Mode};
use nix::sys::uio::{pread, pwrite};
use nix::unistd::{lseek, Whence};

use super::errno;

use crate::kernel::FIRST_UNIQUE_ID;
use crate::vfs::inode::{Attr, Inode, InodeRef};
use crate::vfs::nameless::{name_of, pseudo_statfs};
use crate::vfs::poll::{host_readiness, PollTable, DEFAULT_POLLMASK};
use crate::vfs::{FileOps, OpenFile};
use crate::vfs::Context;

const _: () = assert!(3 < FIRST_UNIQUE_ID, "the standard streams' numbers are the kernel's too");

/// The device number host-backed files report (an anonymous device).
const HOST_FILE_DEV: u64 = 0x0e;
/// What `statfs` reports of a host-backed file's filesystem: anonymous
/// inodes', since the host's is not shown.
const HOST_STATFS_MAGIC: i64 = 0x0904_1934;

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
        Ok(HostFile::wrap(fd, ino, flags as u32))
    }

    /// The sandbox's standard input, output and error from the host
    /// descriptors `fds`, numbered 1 to 3 by host object (below the
    /// kernel's own numbers, [`FIRST_UNIQUE_ID`]): two descriptors of one
    /// object, as output and error after `2>&1`, share a number, as they
    /// share an inode on Linux, and read as the same `pipe:[N]`.
    pub fn open_stdio(fds: [std::os::fd::BorrowedFd<'_>; 3]) -> std::io::Result<[Arc<OpenFile>; 3]> {
        let mut seen: Vec<(u64, u64)> = Vec::new();
        let mut open = |fd: std::os::fd::BorrowedFd<'_>| {
            let st = fstat(fd)?;
            let id = (st.st_dev, st.st_ino);
            let n = match seen.iter().position(|s| *s == id) {
                Some(i) => i,
                None => {
                    seen.push(id);
                    seen.len() - 1
                }
            };
            HostFile::open_dup(fd, n as u64 + 1)
        };
        Ok([open(fds[0])?, open(fds[1])?, open(fds[2])?])
    }

    /// Wraps host descriptor `fd` as an open file with `flags`.
    fn wrap(fd: OwnedFd, ino: u64, flags: u32) -> Arc<OpenFile> {
        let pollable = host_can_poll(&fd);
        OpenFile::new_cyclic(flags, |me| Box::new(HostFile { fd: Arc::new(fd), pollable, ino, file: me.clone() }))
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

/// The attributes of the host file `fd` as the sandbox shows them: the
/// host's, but for the device and inode number, which are the sandbox's.
fn host_stat(fd: &OwnedFd, ino: u64) -> Result<Stat, Errno> {
    let st = fstat(fd).map_err(errno)?;
    Ok(Stat {
        dev: HOST_FILE_DEV,
        ino,
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

/// What `/proc/PID/fd/N` shows for a host file of type `kind` and
/// device number `rdev` (a terminal when `tty`) that the sandbox numbers
/// `ino`: never a host path. A pipe or socket reads as Linux's
/// `pipe:[N]` or `socket:[N]`; a device the sandbox has too as its path
/// in the sandbox's `/dev` (`/dev/null`), a terminal as `/dev/tty` (the
/// path Linux shows for a terminal opened by that name); anything else,
/// a regular file above all, as `anon_inode:[file]`, since its host path
/// is not the sandbox's to show.
fn link_name(kind: u32, rdev: u64, tty: bool, ino: u64) -> Vec<u8> {
    if kind == mode::S_IFCHR {
        if let Some(name) = crate::fsimpl::dev::name_of(rdev) {
            return format!("/dev/{name}").into_bytes();
        }
        if tty {
            return b"/dev/tty".to_vec();
        }
    }
    name_of(kind, ino, "[file]")
}

/// The inode of a host file (see `vfs::nameless`), where `/proc/PID/fd/N`
/// of it leads: opening it opens the host object anew through the
/// sentry's own `/proc/self/fd` entry of its descriptor, which names the
/// object, never a path: a new end of a host pipe (in either direction,
/// as on Linux), the terminal, the file. Beyond a pipe, the open may not
/// gain access the descriptor lacks (`EACCES`): the app may not write a
/// host file it was given to read. The host open never waits (it is
/// non-blocking, as the sentry's descriptors are; the file applies the
/// app's `O_NONBLOCK` itself), so a named host FIFO with no reader is
/// `ENXIO` for a writer where Linux would wait.
struct HostInode {
    fd: Arc<OwnedFd>,
    ino: u64,
    /// The host descriptor's access mode.
    access: u32,
    name: Vec<u8>,
}

impl HostInode {
    /// The inode of the host file `fd`, which the sandbox numbers `ino`.
    fn of(fd: Arc<OwnedFd>, ino: u64) -> Result<InodeRef, Errno> {
        let st = fstat(&*fd).map_err(errno)?;
        let access = fcntl(&*fd, FcntlArg::F_GETFL).map_err(errno)? as u32 & o::ACCMODE;
        let tty = nix::unistd::isatty(&*fd).unwrap_or(false);
        let name = link_name(st.st_mode & mode::S_IFMT, st.st_rdev, tty, ino);
        Ok(Arc::new(HostInode { fd, ino, access, name }))
    }

    /// Opens the host object anew with the app's `flags`.
    fn reopen(&self, flags: u32) -> Result<Arc<OpenFile>, Errno> {
        let kind = fstat(&*self.fd).map_err(errno)?.st_mode & mode::S_IFMT;
        let acc = flags & o::ACCMODE;
        if kind != mode::S_IFIFO {
            let (has_read, has_write) = (self.access != o::WRONLY, matches!(self.access, o::WRONLY | o::RDWR));
            let wants_write = matches!(acc, o::WRONLY | o::RDWR) || flags & o::TRUNC != 0;
            if (acc != o::WRONLY && !has_read) || (wants_write && !has_write) {
                return Err(EACCES);
            }
        }
        let host = OFlag::from_bits_retain((flags & (o::ACCMODE | o::APPEND | o::TRUNC)) as i32) | OFlag::O_NONBLOCK | OFlag::O_NOCTTY | OFlag::O_CLOEXEC;
        let fd = nix::fcntl::open(super::proc_path(&self.fd).as_c_str(), host, Mode::empty()).map_err(errno)?;
        Ok(HostFile::wrap(fd, self.ino, flags))
    }
}

impl Inode for HostInode {
    fn attr(&self) -> Attr {
        host_stat(&self.fd, self.ino).map(|st| Attr::from_stat(&st)).unwrap_or(Attr { ino: self.ino, dev: HOST_FILE_DEV, ..Attr::default() })
    }

    fn dname(&self) -> Option<Vec<u8>> {
        Some(self.name.clone())
    }

    fn open_special(&self, _ctx: &mut dyn Context, _at: &crate::vfs::Location, flags: u32) -> Option<Result<Arc<OpenFile>, Errno>> {
        Some(self.reopen(flags))
    }

    fn statfs(&self) -> Statfs {
        pseudo_statfs(HOST_STATFS_MAGIC)
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
        host_stat(&self.fd, self.ino)
    }

    fn nameless_inode(&self) -> Result<InodeRef, Errno> {
        HostInode::of(self.fd.clone(), self.ino)
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

    #[test]
    fn a_host_pipe_reopens_as_a_new_end_in_either_direction() {
        let mut ctx = crate::vfs::context::TestContext::new();
        let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).unwrap();
        let reader = HostFile::open_dup(r.as_fd(), 5).unwrap();
        drop(r);
        let inode = reader.ops.nameless_inode().unwrap();
        assert_eq!(inode.dname().unwrap(), b"pipe:[5]");
        assert_eq!((inode.attr().kind(), inode.attr().ino), (mode::S_IFIFO, 5));
        let writer = inode.open_special(&mut ctx, &crate::vfs::nameless::locate(inode.clone()), o::WRONLY | o::TRUNC).unwrap().unwrap();
        assert!(writer.writable() && !writer.readable());
        assert_eq!(writer.ops.stat().unwrap().ino, 5, "the same object, the same number");
        assert_eq!(writer.ops.write(&mut ctx, b"hi", None), Ok(2));
        let mut buf = [0u8; 4];
        assert_eq!(reader.ops.read(&mut ctx, &mut buf, None), Ok(2));
        assert_eq!(&buf[..2], b"hi");
        // Without a writer the read end of the reopened one sees the end.
        drop((w, writer));
        let again = inode.open_special(&mut ctx, &crate::vfs::nameless::locate(inode.clone()), o::RDONLY).unwrap().unwrap();
        assert_eq!(again.ops.read(&mut ctx, &mut buf, None), Ok(0));
    }

    #[test]
    fn a_host_file_reopens_with_no_more_access_and_no_path_shown() {
        let mut ctx = crate::vfs::context::TestContext::new();
        let f = std::fs::File::open("/proc/self/exe").unwrap();
        let file = HostFile::open_dup(f.as_fd(), 9).unwrap();
        let inode = file.ops.nameless_inode().unwrap();
        assert_eq!(inode.dname().unwrap(), b"anon_inode:[file]");
        assert_eq!(inode.open_special(&mut ctx, &crate::vfs::nameless::locate(inode.clone()), o::WRONLY).unwrap().err(), Some(EACCES));
        assert_eq!(inode.open_special(&mut ctx, &crate::vfs::nameless::locate(inode.clone()), o::RDONLY | o::TRUNC).unwrap().err(), Some(EACCES));
        let again = inode.open_special(&mut ctx, &crate::vfs::nameless::locate(inode.clone()), o::RDONLY).unwrap().unwrap();
        let mut magic = [0u8; 4];
        assert_eq!(again.ops.read(&mut ctx, &mut magic, None), Ok(4));
        assert_eq!(&magic, b"\x7fELF", "a description of its own, at offset 0");
        let null = std::fs::File::open("/dev/null").unwrap();
        let null = HostFile::open_dup(null.as_fd(), 10).unwrap();
        assert_eq!(null.ops.nameless_inode().unwrap().dname().unwrap(), b"/dev/null");
    }

    #[test]
    fn link_names_never_show_a_host_path() {
        assert_eq!(link_name(mode::S_IFCHR, crate::fsimpl::dev::URANDOM, false, 1), b"/dev/urandom");
        assert_eq!(link_name(mode::S_IFCHR, crate::vfs::inode::makedev(136, 3), true, 1), b"/dev/tty");
        assert_eq!(link_name(mode::S_IFCHR, crate::vfs::inode::makedev(10, 200), false, 4), b"anon_inode:[file]");
        assert_eq!(link_name(mode::S_IFSOCK, 0, false, 4), b"socket:[4]");
        assert_eq!(link_name(mode::S_IFREG, 0, false, 4), b"anon_inode:[file]");
    }

    #[test]
    fn standard_streams_are_numbered_by_host_object() {
        let (r, _) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).unwrap();
        let (_, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).unwrap();
        let [input, output, error] = HostFile::open_stdio([r.as_fd(), w.as_fd(), w.as_fd()]).unwrap();
        let ino = |f: &Arc<OpenFile>| f.ops.stat().unwrap().ino;
        assert_eq!((ino(&input), ino(&output), ino(&error)), (1, 2, 2), "2>&1: one pipe");
        let null = std::fs::File::open("/dev/null").unwrap();
        let [_, _, n] = HostFile::open_stdio([r.as_fd(), w.as_fd(), null.as_fd()]).unwrap();
        assert_eq!(ino(&n), 3);
    }
}
