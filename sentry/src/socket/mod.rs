//! Sockets: what every socket does ([`Socket`]), the open file that holds
//! one ([`SocketFile`]), and the messages that cross it ([`Outgoing`],
//! [`Incoming`]).
//!
//! The families live in modules of their own: Unix domain sockets are the
//! sandbox's own objects, and IP and netlink sockets are host sockets the
//! sentry opens and holds in the sandbox's network namespace (gVisor's
//! "hostinet"); the app never holds a host descriptor. The system calls
//! (`syscalls::sys_socket`) read the app's addresses, buffers and control
//! messages, and hand sockets only checked, copied data.
//!
//! Sockets sit beside the filesystems: above the kernel (a socket blocks
//! on the caller's waiter and reports its credentials), below the system
//! calls.
//!
//! Families: [`unix`] (stream, datagram and seqpacket, the sandbox's
//! own); [`inet`] (TCP and UDP over IPv4 and IPv6) and [`netlink`]
//! (`NETLINK_ROUTE`), over host sockets, with `proc_net` showing the IP
//! sockets in `/proc/net`.
//!
//! A socket is released when its open file is: the file holds the only
//! strong reference a family hands out ([`SocketFile`]), so a family
//! releases its socket (wakes its peer, frees its name and queued
//! messages) when its handle is dropped, once the last descriptor, the
//! last message carrying the file in flight and the last call using it
//! are gone.

mod host;
pub mod inet;
pub mod netlink;
mod proc_net;

use std::sync::Arc;

use abi::errno::{EAFNOSUPPORT, ENOTSOCK, EOPNOTSUPP};
use abi::socket::af;
use abi::fs::Stat;
use abi::Errno;

use crate::kernel::task::Task;
use crate::vfs::inode::IntoAny;
use crate::vfs::{Context, FileOps, MmapSource, OpenFile, PollTable, SharedBytes};

pub mod unix;

/// A socket address as the app gives and gets it: a `sockaddr`'s bytes,
/// family first.
pub type SockAddr = Vec<u8>;

/// What `sendmsg` sends.
pub struct Outgoing<'a> {
    /// The data.
    pub data: &'a [u8],
    /// The destination address, if the call names one.
    pub to: Option<&'a [u8]>,
    /// The files of an `SCM_RIGHTS` message.
    pub rights: Vec<Arc<OpenFile>>,
    /// The credentials of an `SCM_CREDENTIALS` message (checked).
    pub creds: Option<abi::socket::Ucred>,
    /// The control messages at levels other than `SOL_SOCKET`, as the
    /// app laid them out, for the family to use or ignore.
    pub control: Vec<u8>,
    /// The call's `MSG_*` flags.
    pub flags: u32,
}

impl<'a> Outgoing<'a> {
    /// `data` alone, as `write` sends it: no address, files or flags.
    pub fn plain(data: &'a [u8]) -> Outgoing<'a> {
        Outgoing { data, to: None, rights: Vec::new(), creds: None, control: Vec::new(), flags: 0 }
    }
}

/// What `recvmsg` received.
#[derive(Default)]
pub struct Incoming {
    /// The data, at most the length asked for.
    pub data: Vec<u8>,
    /// The length of the datagram or record it came from (larger than
    /// `data` when it was cut short: `MSG_TRUNC` reports this).
    pub len: usize,
    /// The sender's address, for sockets that report one.
    pub from: Option<SockAddr>,
    /// The files of an `SCM_RIGHTS` message that came with the data.
    pub rights: Vec<Arc<OpenFile>>,
    /// The sender's credentials, when the socket passes them (`SO_PASSCRED`).
    pub creds: Option<abi::socket::Ucred>,
    /// `MSG_*` flags to report (`MSG_TRUNC`, `MSG_EOR`, ...).
    pub flags: u32,
    /// Control messages the family made itself, laid out for the app
    /// and already cut to the room it was given.
    pub control: Vec<u8>,
}

/// What a socket does beyond a file. Each call gets the calling task:
/// blocking calls sleep on its waiter, and sockets tell peers its
/// credentials. `nonblock` is the description's `O_NONBLOCK` or the call's
/// `MSG_DONTWAIT`.
///
/// A blocking call that a signal interrupts returns `EINTR` (the
/// dispatcher restarts it as Linux restarts socket calls, with
/// `SA_RESTART`), or `ERESTARTNOHAND` when a timeout of the socket's
/// (`SO_RCVTIMEO`, `SO_SNDTIMEO`) is in force, which Linux never
/// restarts across a handler. Every socket is also [`IntoAny`] (which
/// every type is), so that a family can find its own sockets among the
/// files a message carries.
pub trait Socket: IntoAny + Send + Sync + 'static {
    /// The family, type and protocol it was made with (`SO_DOMAIN`,
    /// `SO_TYPE`, `SO_PROTOCOL`).
    fn identity(&self) -> (i32, i32, i32);

    /// `bind(addr)`.
    fn bind(&self, t: &mut Task, addr: &[u8]) -> Result<(), Errno>;

    /// `listen(backlog)`.
    fn listen(&self, t: &mut Task, backlog: i32) -> Result<(), Errno>;

    /// `connect(addr)`.
    fn connect(&self, t: &mut Task, addr: &[u8], nonblock: bool) -> Result<(), Errno>;

    /// `accept`: the connection's socket (a new file with status flags
    /// `file_flags`) and its peer's address.
    fn accept(&self, t: &mut Task, file_flags: u32, nonblock: bool) -> Result<(Arc<OpenFile>, SockAddr), Errno>;

    /// `shutdown(how)` (`how` checked).
    fn shutdown(&self, t: &mut Task, how: i32) -> Result<(), Errno>;

    /// Sends `msg`; returns the bytes sent.
    fn send(&self, t: &mut Task, msg: Outgoing<'_>, nonblock: bool) -> Result<usize, Errno>;

    /// Sends `data` as `write` does (no address, files or flags); returns
    /// the bytes sent. A family that queues the bytes may take the buffer
    /// instead of copying them, leaving `data` empty; by default through
    /// [`Socket::send`].
    fn send_buf(&self, t: &mut Task, data: &mut Vec<u8>, nonblock: bool) -> Result<usize, Errno> {
        self.send(t, Outgoing::plain(data), nonblock)
    }

    /// Receives at most `want` bytes without flags, as `read` does, as
    /// shares of the buffers they were queued in (dropping any control
    /// data); `None`, having received nothing, for a family that cannot.
    fn recv_shared(&self, t: &mut Task, want: usize, nonblock: bool) -> Option<Result<Vec<SharedBytes>, Errno>> {
        let _ = (t, want, nonblock);
        None
    }

    /// Receives at most `want` bytes, as `flags` (`MSG_*`) say.
    fn recv(&self, t: &mut Task, want: usize, flags: u32, nonblock: bool) -> Result<Incoming, Errno>;

    /// Receives as [`Socket::recv`] for `recvmsg`, whose caller has room
    /// for `control_room` bytes of control messages: a family that makes
    /// control messages of its own (IP's) puts them in
    /// [`Incoming::control`], cut to fit. By default, `recv`.
    fn recv_msg(&self, t: &mut Task, want: usize, control_room: usize, flags: u32, nonblock: bool) -> Result<Incoming, Errno> {
        let _ = control_room;
        self.recv(t, want, flags, nonblock)
    }

    /// Receives into `buf` without flags, as `read` does, dropping any
    /// control data; returns the bytes received. By default through
    /// [`Socket::recv`]; a family may fill `buf` directly, saving a copy.
    fn recv_into(&self, t: &mut Task, buf: &mut [u8], nonblock: bool) -> Result<usize, Errno> {
        let got = self.recv(t, buf.len(), 0, nonblock)?;
        let n = got.data.len().min(buf.len());
        buf[..n].copy_from_slice(&got.data[..n]);
        Ok(n)
    }

    /// `getsockname`.
    fn local_addr(&self, t: &Task) -> Result<SockAddr, Errno>;

    /// `getpeername`.
    fn peer_addr(&self, t: &Task) -> Result<SockAddr, Errno>;

    /// `setsockopt(level, name, value)`.
    fn setsockopt(&self, t: &mut Task, level: i32, name: i32, value: &[u8]) -> Result<(), Errno>;

    /// `getsockopt(level, name)`: the option's value (the caller cuts it
    /// to the app's buffer).
    fn getsockopt(&self, t: &mut Task, level: i32, name: i32) -> Result<Vec<u8>, Errno>;

    /// The socket's attributes (`fstat`: `S_IFSOCK`, its inode number).
    fn stat(&self) -> Result<Stat, Errno>;

    /// Readiness, as [`FileOps::readiness`].
    fn readiness(&self) -> u32;

    /// Registers for readiness changes, as [`FileOps::poll_register`].
    fn poll_register(&self, table: &mut PollTable, mask: u32);

    /// A device request (`FIONREAD` and the like), as [`FileOps::ioctl`].
    fn ioctl(&self, t: &mut Task, cmd: u32, arg: u64) -> Result<u64, Errno>;
}

/// The open file of a socket: what a socket descriptor's description
/// holds. `read` and `write` are `recv` and `send` without flags.
pub struct SocketFile {
    sock: Arc<dyn Socket>,
    /// The description, for its `O_NONBLOCK`.
    file: std::sync::Weak<OpenFile>,
}

impl SocketFile {
    /// A new open file for `sock`, with status flags `flags` (`O_RDWR`
    /// and `O_NONBLOCK`; the caller applies close-on-exec).
    pub fn open(sock: Arc<dyn Socket>, flags: u32) -> Arc<OpenFile> {
        OpenFile::new_cyclic(abi::fs::o::RDWR | (flags & abi::fs::o::NONBLOCK), |me| Box::new(SocketFile { sock, file: me.clone() }))
    }

    /// The socket.
    pub fn socket(&self) -> &Arc<dyn Socket> {
        &self.sock
    }

    /// Whether the description is non-blocking.
    pub fn nonblocking(&self) -> bool {
        self.file.upgrade().is_some_and(|f| f.flags() & abi::fs::o::NONBLOCK != 0)
    }
}

/// A new socket of family `domain`, type `ty` (without its flags) and
/// `protocol`.
pub fn create(t: &mut Task, domain: i32, ty: i32, protocol: i32) -> Result<Arc<dyn Socket>, Errno> {
    match domain {
        af::UNIX => unix::create(t, ty, protocol),
        af::INET | af::INET6 => inet::create(t, domain, ty, protocol),
        af::NETLINK => netlink::create(t, ty, protocol),
        _ => Err(EAFNOSUPPORT),
    }
}

/// Two connected sockets (`socketpair`): only Unix domain sockets come in
/// pairs (`EOPNOTSUPP` for the other families).
pub fn create_pair(t: &mut Task, domain: i32, ty: i32, protocol: i32) -> Result<[Arc<dyn Socket>; 2], Errno> {
    match domain {
        af::UNIX => unix::create_pair(t, ty, protocol),
        af::INET | af::INET6 | af::NETLINK => Err(EOPNOTSUPP),
        _ => Err(EAFNOSUPPORT),
    }
}

/// Readies the families' per-kernel state that must exist from the start:
/// the files they show in `/proc/net`.
pub fn attach(kernel: &Arc<crate::kernel::Kernel>) {
    unix::attach(kernel);
    proc_net::attach(kernel);
}

/// The device number sockets report (sockfs, an anonymous device).
const SOCKFS_DEV: u64 = 0x08;

/// What `fstat` shows of socket inode `ino` made by `uid` and `gid`
/// (sockfs's: mode 0777, one link, times zero as `sock_alloc` leaves
/// them).
fn inode_stat(ino: u64, uid: u32, gid: u32) -> Stat {
    Stat { dev: SOCKFS_DEV, ino, nlink: 1, mode: abi::fs::mode::S_IFSOCK | 0o777, uid, gid, blksize: abi::PAGE_SIZE as i64, ..Stat::default() }
}

/// Whether an `EPIPE` from `sock` raises `SIGPIPE`: as Linux, only on a
/// stream socket (a datagram or seqpacket socket's `EPIPE` comes alone).
pub fn epipe_signals(sock: &dyn Socket) -> bool {
    sock.identity().1 == abi::socket::sock::STREAM
}

/// The socket `file` holds: `ENOTSOCK` if it holds none.
pub fn socket_of(file: &OpenFile) -> Result<&SocketFile, Errno> {
    file.downcast::<SocketFile>().ok_or(ENOTSOCK)
}

/// The task behind a file operation's caller (every caller the kernel
/// makes is a task).
fn task(ctx: &mut dyn Context) -> Result<&mut Task, Errno> {
    Task::of_context(ctx).ok_or(abi::errno::EINVAL)
}

impl FileOps for SocketFile {
    fn read(&self, ctx: &mut dyn Context, buf: &mut [u8], _offset: Option<u64>) -> Result<usize, Errno> {
        if buf.is_empty() {
            // Linux's `sock_read_iter`: reading nothing returns at once
            // (a `recv` of nothing may wait, for a datagram).
            return Ok(0);
        }
        let nonblock = self.nonblocking();
        self.sock.recv_into(task(ctx)?, buf, nonblock)
    }

    fn read_shared(&self, ctx: &mut dyn Context, len: usize, _offset: Option<u64>) -> Option<Result<Vec<SharedBytes>, Errno>> {
        if len == 0 {
            return None;
        }
        let nonblock = self.nonblocking();
        match task(ctx) {
            Ok(t) => self.sock.recv_shared(t, len, nonblock),
            Err(e) => Some(Err(e)),
        }
    }

    fn write(&self, ctx: &mut dyn Context, data: &[u8], _offset: Option<u64>) -> Result<usize, Errno> {
        let nonblock = self.nonblocking();
        let msg = Outgoing::plain(data);
        let t = task(ctx)?;
        let signals = epipe_signals(&*self.sock);
        self.sock.send(t, msg, nonblock).inspect_err(|&e| {
            if signals {
                t.note_write_error(e);
            }
        })
    }

    fn write_buf(&self, ctx: &mut dyn Context, data: &mut Vec<u8>, _offset: Option<u64>) -> Result<usize, Errno> {
        let nonblock = self.nonblocking();
        let t = task(ctx)?;
        let signals = epipe_signals(&*self.sock);
        self.sock.send_buf(t, data, nonblock).inspect_err(|&e| {
            if signals {
                t.note_write_error(e);
            }
        })
    }

    fn stat(&self) -> Result<Stat, Errno> {
        self.sock.stat()
    }

    fn ioctl(&self, ctx: &mut dyn Context, cmd: u32, arg: u64) -> Result<u64, Errno> {
        self.sock.ioctl(task(ctx)?, cmd, arg)
    }

    fn pollable(&self) -> bool {
        true
    }

    fn readiness(&self) -> u32 {
        self.sock.readiness()
    }

    fn poll_register(&self, table: &mut PollTable, mask: u32) {
        self.sock.poll_register(table, mask);
    }

    fn anon_name(&self) -> &'static str {
        "socket"
    }

    fn mmap_source(&self) -> Result<MmapSource, Errno> {
        Err(abi::errno::ENODEV)
    }
}
