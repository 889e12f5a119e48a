//! IP sockets (`AF_INET`, `AF_INET6`; TCP and UDP): host sockets that the
//! sentry opens and holds, gVisor's "hostinet".
//!
//! Each sandbox socket is one host socket, made non-blocking in the
//! sentry's network namespace (a private one with only `lo` by default,
//! the host's with `--network=host`; see `boot`). The app never holds the
//! host descriptor: every byte passes through the sentry, and a call that
//! must wait sleeps on the caller's waiter until the host socket is ready
//! (so signals, kills and `SO_RCVTIMEO`/`SO_SNDTIMEO`, which the sentry
//! keeps, all end the wait), then tries again. Addresses, option values
//! and interface requests go to the host as the app's bytes, so the host
//! checks them exactly as Linux checks the app's; what the host would
//! allow the sentry but not the app (raw sockets, privileged options,
//! changing interfaces) is refused here first. Addresses are the
//! namespace's: loopback ones in a private namespace.
//!
//! What is partial, and why:
//!
//! - Control messages: those the app gives `sendmsg` at the IP levels go
//!   to the host as they are, and those the host gives a receive
//!   (`IP_PKTINFO`, `IP_TTL`, `IPV6_HOPLIMIT`, timestamps, ...) come back
//!   as they are, in the room the app gave (the host cuts them and
//!   reports `MSG_CTRUNC`). A stream receive that takes several host
//!   receives (`MSG_WAITALL`) reports the control messages of the last
//!   one that brought any. `SCM_RIGHTS` and `SCM_CREDENTIALS` are
//!   ignored, as Linux ignores them on IP sockets, but the
//!   family-independent layer has already checked them (a descriptor
//!   not open is `EBADF`, which Linux does not check here).
//! - `MSG_PEEK` with `MSG_WAITALL` on a stream peeks what is there (Linux
//!   waits for the whole length first); `MSG_TRUNC` on a stream discards
//!   and also reports `MSG_TRUNC` in `msg_flags`; `MSG_FASTOPEN` is
//!   `EOPNOTSUPP`.
//! - Raw and packet sockets: `EPERM` without `CAP_NET_RAW`, else
//!   `EPROTONOSUPPORT`; ICMP datagram ("ping") sockets `EACCES`, as with
//!   Linux's default `ping_group_range`; MPTCP `EPROTONOSUPPORT`.
//! - A wait a signal interrupts restarts under `SA_RESTART` even when a
//!   timeout is set (Linux returns `EINTR` then), as gVisor's do.
//! - Closing a socket with `SO_LINGER` set closes the host socket, which
//!   may block the sentry thread for the linger time, as Linux's `close`
//!   blocks the caller.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use abi::errno::{EACCES, EAGAIN, EALREADY, EDOM, EFAULT, EINPROGRESS, EINTR, EINVAL, ENOENT, ENOPROTOOPT, ENOTTY, EOPNOTSUPP, EPERM, EPROTONOSUPPORT, ESOCKTNOSUPPORT};
use abi::fs::Stat;
use abi::socket::{af, ip, ipproto, ipv6, msg, so, so_more, sock, sockios, sol, tcp, udplite, Ifconf, IFREQ_SIZE};
use abi::Errno;

use super::host;
use super::proc_net;
use super::{Incoming, Outgoing, SockAddr, Socket, SocketFile};
use crate::auth::cap;
use crate::kernel::task::Task;
use crate::vfs::poll::{host_readiness, PollTable};
use crate::vfs::OpenFile;

/// The most a stream receive takes from the host at once without
/// `MSG_WAITALL` (a receive may always return less than asked).
const STREAM_CHUNK: usize = 4 << 20;

/// The most a datagram receive takes: more than any UDP datagram.
const DATAGRAM_MAX: usize = 1 << 16;

/// The most room for control messages a receive gives the host.
const CONTROL_ROOM: usize = 64 << 10;

/// The message flags of a host receive that the app sees.
const REPORTED_FLAGS: u32 = msg::OOB | msg::EOR | msg::ERRQUEUE | msg::CTRUNC;

/// The room given to the host for an option's value.
const OPTION_ROOM: usize = 512;

/// The most bytes of interface records one `SIOCGIFCONF` returns.
const IFCONF_MAX: usize = 1 << 20;

/// `poll` bits.
const POLLIN: i16 = libc::POLLIN;
const POLLOUT: i16 = libc::POLLOUT;

/// A socket inode's attributes: what `fstat` shows of every socket the
/// sentry holds (Linux's sockfs: mode 0777, the creator's filesystem ids,
/// times zero).
pub(super) struct SockInode {
    /// The sandbox's inode number, shown as `socket:[N]`.
    pub ino: u64,
    uid: u32,
    gid: u32,
}

impl SockInode {
    /// A new inode for a socket `t` makes.
    pub fn new(t: &Task) -> SockInode {
        let (uid, gid) = {
            let c = t.tg.creds.lock();
            (c.fsuid, c.fsgid)
        };
        SockInode { ino: t.kernel.unique_id(), uid, gid }
    }

    /// The `stat` of the socket.
    pub fn stat(&self) -> Stat {
        super::inode_stat(self.ino, self.uid, self.gid)
    }
}

/// A timeout the sentry keeps (`SO_RCVTIMEO`, `SO_SNDTIMEO`), in
/// nanoseconds: [`Timeout::NONE`] for none, 0 for "never wait".
#[derive(Default)]
pub(super) struct Timeout(AtomicU64);

impl Timeout {
    const NONE: u64 = u64::MAX;

    /// No timeout.
    pub fn new() -> Timeout {
        Timeout(AtomicU64::new(Timeout::NONE))
    }

    /// When a wait that starts now ends (`None`: never).
    pub fn deadline(&self) -> Option<Instant> {
        match self.0.load(Ordering::Relaxed) {
            Timeout::NONE => None,
            ns => Instant::now().checked_add(Duration::from_nanos(ns)),
        }
    }

    /// Sets it from a `struct timeval` as `setsockopt` gives it, checked
    /// as Linux's `sock_set_timeout` checks it: `EINVAL` if short, `EDOM`
    /// for microseconds out of range; a negative time means "never
    /// wait", zero means no timeout. The value is also set on host
    /// socket `fd` as option `name` (which changes nothing there: the host
    /// socket never blocks) and read back, so that it is rounded to the
    /// host's clock ticks as Linux rounds it.
    pub fn set(&self, fd: BorrowedFd<'_>, name: i32, value: &[u8]) -> Result<(), Errno> {
        if value.len() < 16 {
            return Err(EINVAL);
        }
        let field = |at: usize| i64::from_ne_bytes([value[at], value[at + 1], value[at + 2], value[at + 3], value[at + 4], value[at + 5], value[at + 6], value[at + 7]]);
        let (sec, usec) = (field(0), field(8));
        if !(0..1_000_000).contains(&usec) {
            return Err(EDOM);
        }
        host::setsockopt(fd, sol::SOCKET, name, &value[..16])?;
        let back = host::getsockopt(fd, sol::SOCKET, name, 16)?;
        let (sec, usec) = if back.len() == 16 {
            let f = |at: usize| i64::from_ne_bytes(back[at..at + 8].try_into().unwrap_or([0; 8]));
            (if sec < 0 { -1 } else { f(0) }, f(8))
        } else {
            (sec, usec)
        };
        let ns = if sec < 0 {
            0
        } else if sec == 0 && usec == 0 {
            Timeout::NONE
        } else {
            (sec as u64).saturating_mul(1_000_000_000).saturating_add(usec as u64 * 1000).min(Timeout::NONE - 1)
        };
        self.0.store(ns, Ordering::Relaxed);
        Ok(())
    }

    /// The `struct timeval` `getsockopt` reports: zero for none.
    pub fn get(&self) -> Vec<u8> {
        let ns = match self.0.load(Ordering::Relaxed) {
            Timeout::NONE => 0,
            ns => ns,
        };
        let (sec, usec) = ((ns / 1_000_000_000) as i64, ((ns % 1_000_000_000) / 1000) as i64);
        [sec.to_ne_bytes(), usec.to_ne_bytes()].concat()
    }
}

/// Sleeps the caller until host socket `fd` reports `events` (or an error
/// or hang-up), or `deadline`: whether it did. `EINTR` when interrupted.
pub(super) fn wait_host(t: &Task, fd: BorrowedFd<'_>, events: i16, deadline: Option<Instant>) -> Result<bool, Errno> {
    t.waiter.wait_fd(fd, events, deadline).map_err(|_| EINTR)
}

/// Runs the non-blocking host call `op` until it does not report
/// `EAGAIN`, sleeping in between until the host socket reports `events`:
/// unless `nonblock`, or until `deadline` (then `timed_out`).
pub(super) fn blocking<T>(t: &Task, fd: BorrowedFd<'_>, events: i16, nonblock: bool, deadline: Option<Instant>, timed_out: Errno, mut op: impl FnMut() -> Result<T, Errno>) -> Result<T, Errno> {
    loop {
        match op() {
            Err(EAGAIN) if !nonblock => {}
            r => return r,
        }
        if !wait_host(t, fd, events, deadline)? {
            // One last try at the deadline.
            return match op() {
                Err(EAGAIN) => Err(timed_out),
                r => r,
            };
        }
    }
}

/// An IP socket.
pub struct InetSocket {
    fd: Arc<OwnedFd>,
    family: i32,
    ty: i32,
    protocol: i32,
    inode: SockInode,
    rcvtimeo: Timeout,
    sndtimeo: Timeout,
    /// Its place in `/proc/net/tcp` and the rest, while it is open.
    _listed: proc_net::Entry,
}

/// A new IP socket of family `family` (`AF_INET` or `AF_INET6`), type `ty`
/// and `protocol`, checked as Linux's `inet_create` checks them.
pub fn create(t: &mut Task, family: i32, ty: i32, protocol: i32) -> Result<Arc<dyn Socket>, Errno> {
    if !(0..ipproto::MAX).contains(&protocol) {
        return Err(EINVAL);
    }
    let icmp = if family == af::INET { ipproto::ICMP } else { ipproto::ICMPV6 };
    let protocol = match (ty, protocol) {
        (sock::STREAM, 0 | ipproto::TCP) => ipproto::TCP,
        (sock::DGRAM, 0 | ipproto::UDP) => ipproto::UDP,
        (sock::DGRAM, ipproto::UDPLITE) => ipproto::UDPLITE,
        // Ping sockets: no group is in Linux's default `ping_group_range`.
        (sock::DGRAM, p) if p == icmp => return Err(EACCES),
        (sock::STREAM | sock::DGRAM, _) => return Err(EPROTONOSUPPORT),
        (sock::RAW, 0) => return Err(EPROTONOSUPPORT),
        (sock::RAW | sock::PACKET, _) if !t.tg.creds.lock().has_cap(cap::NET_RAW) => return Err(EPERM),
        (sock::RAW | sock::PACKET, _) => return Err(EPROTONOSUPPORT),
        _ => return Err(ESOCKTNOSUPPORT),
    };
    let fd = host::socket(family, ty, protocol)?;
    Ok(Arc::new(InetSocket::wrap(t, fd, family, ty, protocol)))
}

impl InetSocket {
    fn wrap(t: &Task, fd: OwnedFd, family: i32, ty: i32, protocol: i32) -> InetSocket {
        let inode = SockInode::new(t);
        let fd = Arc::new(fd);
        let listed = proc_net::table(&t.kernel).add(&fd, inode.ino, inode.uid);
        InetSocket { fd, family, ty, protocol, inode, rcvtimeo: Timeout::new(), sndtimeo: Timeout::new(), _listed: listed }
    }

    fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    fn stream(&self) -> bool {
        self.ty == sock::STREAM
    }

    /// The port of an address `bind` is given, when its family is the
    /// socket's and it is long enough to have one.
    fn port_of(&self, addr: &[u8]) -> Option<u16> {
        let family = u16::from_ne_bytes([*addr.first()?, *addr.get(1)?]) as i32;
        let min = if self.family == af::INET { 16 } else { 24 };
        (family == self.family && addr.len() >= min).then(|| u16::from_be_bytes([addr[2], addr[3]]))
    }

    /// Sends all of `data` (but when `nonblock`), the control messages
    /// going with the first piece the host takes.
    fn send_stream(&self, t: &Task, data: &[u8], to: Option<&[u8]>, control: &[u8], flags: u32, nonblock: bool) -> Result<usize, Errno> {
        let deadline = self.sndtimeo.deadline();
        let mut done = 0;
        loop {
            let control = if done == 0 { control } else { &[] };
            match host::send(self.fd(), &data[done..], to, control, flags) {
                Ok(n) => {
                    done += n;
                    if done >= data.len() || nonblock {
                        return Ok(done);
                    }
                }
                Err(EAGAIN) if !nonblock => {}
                Err(e) => return if done > 0 { Ok(done) } else { Err(e) },
            }
            match wait_host(t, self.fd(), POLLOUT, deadline) {
                Ok(true) => {}
                Ok(false) => return if done > 0 { Ok(done) } else { Err(EAGAIN) },
                Err(e) => return if done > 0 { Ok(done) } else { Err(e) },
            }
        }
    }

    /// A stream receive, with room for `control_room` bytes of control
    /// messages: those of the last piece that brought any.
    fn recv_stream(&self, t: &Task, want: usize, control_room: usize, flags: u32, nonblock: bool) -> Result<Incoming, Errno> {
        let deadline = self.rcvtimeo.deadline();
        // Out-of-band data and the error queue never wait.
        let once = nonblock || flags & (msg::OOB | msg::ERRQUEUE) != 0;
        let host_flags = (flags & (msg::PEEK | msg::OOB | msg::ERRQUEUE)) | msg::DONTWAIT;
        if flags & msg::TRUNC != 0 {
            // The host discards the data and writes nothing.
            let mut scratch = Vec::new();
            let n = blocking(t, self.fd(), POLLIN, once, deadline, EAGAIN, || host::recv(self.fd(), &mut scratch, want.min(STREAM_CHUNK), host_flags | msg::TRUNC, false, control_room))?;
            return Ok(Incoming { len: n.len, flags: n.flags as u32 & REPORTED_FLAGS, control: n.control, ..Incoming::default() });
        }
        let waitall = flags & msg::WAITALL != 0 && flags & (msg::PEEK | msg::OOB | msg::ERRQUEUE) == 0;
        let cap = if waitall { want } else { want.min(STREAM_CHUNK) };
        let mut data = Vec::new();
        let mut out_flags = 0;
        let mut control = Vec::new();
        loop {
            let room = cap - data.len();
            let r = host::recv(self.fd(), &mut data, room, host_flags, false, control_room);
            let stop = match r {
                Ok(r) => {
                    out_flags |= r.flags as u32 & REPORTED_FLAGS;
                    if !r.control.is_empty() {
                        control = r.control;
                    }
                    // The end of the stream, or enough.
                    if r.len == 0 || !waitall || data.len() >= cap {
                        break;
                    }
                    None
                }
                Err(EAGAIN) if once => Some(EAGAIN),
                Err(EAGAIN) => match wait_host(t, self.fd(), POLLIN, deadline) {
                    Ok(true) => None,
                    Ok(false) => Some(EAGAIN),
                    Err(e) => Some(e),
                },
                Err(e) => Some(e),
            };
            if let Some(e) = stop {
                if data.is_empty() {
                    return Err(e);
                }
                break;
            }
        }
        Ok(Incoming { len: data.len(), data, flags: out_flags, control, ..Incoming::default() })
    }

    /// A datagram receive, with room for `control_room` bytes of control
    /// messages.
    fn recv_datagram(&self, t: &Task, want: usize, control_room: usize, flags: u32, nonblock: bool) -> Result<Incoming, Errno> {
        let once = nonblock || flags & msg::ERRQUEUE != 0;
        // `MSG_TRUNC` has the host report the datagram's whole length.
        let host_flags = (flags & (msg::PEEK | msg::OOB | msg::ERRQUEUE)) | msg::TRUNC | msg::DONTWAIT;
        let mut data = Vec::new();
        let r = blocking(t, self.fd(), POLLIN, once, self.rcvtimeo.deadline(), EAGAIN, || host::recv(self.fd(), &mut data, want.min(DATAGRAM_MAX), host_flags, true, control_room))?;
        Ok(Incoming { len: r.len, data, from: r.from, flags: r.flags as u32 & REPORTED_FLAGS, control: r.control, ..Incoming::default() })
    }

    /// What `setsockopt` may do with option `(level, name)` of this socket.
    fn option(&self, level: i32, name: i32) -> Opt {
        option(level, name)
    }
}

/// What the sentry does with a socket option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opt {
    /// Set and get it on the host socket.
    Host,
    /// Get it from the host socket; setting it is `ENOPROTOOPT`.
    GetOnly,
    /// `SO_RCVTIMEO`, kept by the sentry.
    RcvTimeo,
    /// `SO_SNDTIMEO`, kept by the sentry.
    SndTimeo,
    /// An `int` option the caller needs `cap` to set outside `range`,
    /// else `err` (`SO_PRIORITY`, `SO_DEBUG`).
    Capped { cap: u32, lo: i32, hi: i32, err: Errno },
    /// `TCP_CONGESTION`: only the algorithms the namespace allows.
    Congestion,
    /// Refused with this errno, both ways.
    Refused(Errno),
}

/// What the sentry does with IP socket option `(level, name)`: the options
/// programs use pass to the host socket; those that need privilege over
/// the host (`SO_MARK`, `SO_*BUFFORCE`, `IP_TRANSPARENT`, TCP repair) are
/// `EPERM`, as they are without `CAP_NET_ADMIN`; those that produce
/// ancillary data, attach programs or load modules, and any the sentry
/// does not know, are `ENOPROTOOPT`.
fn option(level: i32, name: i32) -> Opt {
    use Opt::*;
    // The `MCAST_*` requests, the same numbers at both IP levels.
    const MCAST: std::ops::RangeInclusive<i32> = 42..=47;
    match level {
        sol::SOCKET => match name {
            so::REUSEADDR | so::REUSEPORT | so::KEEPALIVE | so::BROADCAST | so::LINGER | so::SNDBUF | so::RCVBUF | so::DONTROUTE | so::OOBINLINE | so::RCVLOWAT | so::SNDLOWAT | so::PASSCRED => Host,
            so_more::NO_CHECK | so_more::BSDCOMPAT | so_more::PEEK_OFF | so_more::BINDTODEVICE | so_more::BINDTOIFINDEX | so_more::MAX_PACING_RATE | so_more::RXQ_OVFL => Host,
            // Receive timestamps, delivered as control messages.
            so_more::TIMESTAMP | so_more::TIMESTAMPNS | so_more::TIMESTAMPING | so_more::TIMESTAMP_NEW | so_more::TIMESTAMPNS_NEW | so_more::TIMESTAMPING_NEW => Host,
            so::ERROR | so::ACCEPTCONN | so::PEERCRED | so_more::PEERNAME => GetOnly,
            so::RCVTIMEO | so_more::RCVTIMEO_NEW => RcvTimeo,
            so::SNDTIMEO | so_more::SNDTIMEO_NEW => SndTimeo,
            so_more::PRIORITY => Capped { cap: cap::NET_ADMIN, lo: 0, hi: 6, err: EPERM },
            so::DEBUG => Capped { cap: cap::NET_ADMIN, lo: 0, hi: 0, err: EACCES },
            so::SNDBUFFORCE | so::RCVBUFFORCE | so_more::MARK => Refused(EPERM),
            _ => Refused(ENOPROTOOPT),
        },
        sol::TCP => match name {
            tcp::NODELAY | tcp::MAXSEG | tcp::CORK | tcp::KEEPIDLE | tcp::KEEPINTVL | tcp::KEEPCNT | tcp::SYNCNT | tcp::LINGER2 | tcp::DEFER_ACCEPT | tcp::WINDOW_CLAMP | tcp::QUICKACK | tcp::USER_TIMEOUT | tcp::NOTSENT_LOWAT | tcp::FASTOPEN | tcp::FASTOPEN_CONNECT => Host,
            tcp::INFO => GetOnly,
            tcp::CONGESTION => Congestion,
            // TCP_REPAIR and its companions.
            tcp::REPAIR..=22 | 29 => Refused(EPERM),
            _ => Refused(ENOPROTOOPT),
        },
        // UDP_CORK and UDP_SEGMENT.
        sol::UDP => match name {
            1 | 103 => Host,
            _ => Refused(ENOPROTOOPT),
        },
        sol::UDPLITE => match name {
            1 | 103 | udplite::SEND_CSCOV | udplite::RECV_CSCOV => Host,
            _ => Refused(ENOPROTOOPT),
        },
        sol::IP => match name {
            ip::TOS | ip::TTL | ip::MTU_DISCOVER | ip::RECVERR | ip::FREEBIND | ip::BIND_ADDRESS_NO_PORT | ip::MULTICAST_IF | ip::MULTICAST_TTL | ip::MULTICAST_LOOP | ip::ADD_MEMBERSHIP | ip::DROP_MEMBERSHIP | ip::MULTICAST_ALL => Host,
            // IP options, and those that deliver control messages.
            ip::OPTIONS | ip::RECVOPTS | ip::RETOPTS | ip::PKTINFO | ip::RECVTTL | ip::RECVTOS | ip::RECVORIGDSTADDR | ip::RECVFRAGSIZE => Host,
            // Source-specific membership, then the protocol-independent requests.
            37..=40 => Host,
            n if MCAST.contains(&n) => Host,
            ip::MTU => GetOnly,
            ip::TRANSPARENT => Refused(EPERM),
            _ => Refused(ENOPROTOOPT),
        },
        sol::IPV6 => match name {
            ipv6::V6ONLY | ipv6::UNICAST_HOPS | ipv6::MULTICAST_IF | ipv6::MULTICAST_HOPS | ipv6::MULTICAST_LOOP | ipv6::JOIN_GROUP | ipv6::LEAVE_GROUP | ipv6::MTU_DISCOVER | ipv6::RECVERR | ipv6::DONTFRAG | ipv6::TCLASS => Host,
            // The RFC 3542 and RFC 2292 options (packet information, hop
            // limits, extension headers, path MTU), which deliver control
            // messages, and the flow label and address preferences.
            ipv6::RECVPKTINFO..=ipv6::PATHMTU | ipv6::RFC2292_PKTINFO..=ipv6::RFC2292_PKTOPTIONS | ipv6::RFC2292_HOPLIMIT => Host,
            ipv6::FLOWINFO | ipv6::FLOWINFO_SEND | ipv6::RECVTCLASS | ipv6::AUTOFLOWLABEL | ipv6::ADDR_PREFERENCES | ipv6::MINHOPCOUNT | ipv6::RECVORIGDSTADDR | ipv6::RECVFRAGSIZE => Host,
            n if MCAST.contains(&n) => Host,
            ipv6::MTU => GetOnly,
            ipv6::TRANSPARENT => Refused(EPERM),
            _ => Refused(ENOPROTOOPT),
        },
        _ => Refused(ENOPROTOOPT),
    }
}

/// Reads a host `/proc/sys` file of the sentry's network namespace.
fn sysctl(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Checks that `TCP_CONGESTION` may select the algorithm named in `value`:
/// one the namespace allows, or with `CAP_NET_ADMIN` one already loaded
/// (the sentry never has the host load a module). Linux's errors: `EPERM`
/// for a loaded one not allowed, `ENOENT` for one not loaded.
fn check_congestion(t: &Task, value: &[u8]) -> Result<(), Errno> {
    let name: Vec<u8> = value.iter().take(15).take_while(|&&b| b != 0).copied().collect();
    let name = String::from_utf8_lossy(&name).into_owned();
    let listed = |file: &str| sysctl(file).split_whitespace().any(|n| n == name);
    if listed("/proc/sys/net/ipv4/tcp_allowed_congestion_control") {
        return Ok(());
    }
    if !listed("/proc/sys/net/ipv4/tcp_available_congestion_control") {
        return Err(ENOENT);
    }
    if t.tg.creds.lock().has_cap(cap::NET_ADMIN) {
        Ok(())
    } else {
        Err(EPERM)
    }
}

impl Socket for InetSocket {
    fn identity(&self) -> (i32, i32, i32) {
        (self.family, self.ty, self.protocol)
    }

    fn bind(&self, t: &mut Task, addr: &[u8]) -> Result<(), Errno> {
        if let Some(port) = self.port_of(addr).filter(|&p| p != 0 && p < 1024) {
            // The host would let the sentry bind any port: the app needs
            // CAP_NET_BIND_SERVICE for one below the namespace's start.
            let start = sysctl("/proc/sys/net/ipv4/ip_unprivileged_port_start").trim().parse().unwrap_or(1024u16);
            if port < start && !t.tg.creds.lock().has_cap(cap::NET_BIND_SERVICE) {
                return Err(EACCES);
            }
        }
        host::bind(self.fd(), addr)
    }

    fn listen(&self, _t: &mut Task, backlog: i32) -> Result<(), Errno> {
        host::listen(self.fd(), backlog)
    }

    fn connect(&self, t: &mut Task, addr: &[u8], nonblock: bool) -> Result<(), Errno> {
        let deadline = self.sndtimeo.deadline();
        loop {
            match host::connect(self.fd(), addr) {
                // Asked again once the host socket is writable, the host
                // reports how the connection attempt ended, as a blocking
                // connect does.
                Err(EINPROGRESS | EALREADY) if !nonblock => {
                    if !wait_host(t, self.fd(), POLLOUT, deadline)? {
                        return Err(EINPROGRESS);
                    }
                }
                r => return r,
            }
        }
    }

    fn accept(&self, t: &mut Task, file_flags: u32, nonblock: bool) -> Result<(Arc<OpenFile>, SockAddr), Errno> {
        let (conn, peer) = blocking(t, self.fd(), POLLIN, nonblock, self.rcvtimeo.deadline(), EAGAIN, || host::accept(self.fd()))?;
        let sock = InetSocket::wrap(t, conn, self.family, self.ty, self.protocol);
        Ok((SocketFile::open(Arc::new(sock), file_flags), peer))
    }

    fn shutdown(&self, _t: &mut Task, how: i32) -> Result<(), Errno> {
        host::shutdown(self.fd(), how)
    }

    fn send(&self, t: &mut Task, m: Outgoing<'_>, nonblock: bool) -> Result<usize, Errno> {
        // `SCM_RIGHTS` and `SCM_CREDENTIALS` mean nothing to IP sockets:
        // Linux's `__sock_cmsg_send` passes over them (the files go back
        // with `m` when it is dropped).
        if m.flags & 0x2000_0000 != 0 {
            // MSG_FASTOPEN.
            return Err(EOPNOTSUPP);
        }
        let pass = msg::OOB | msg::DONTROUTE | msg::EOR | msg::MORE | msg::CONFIRM;
        // The sentry never takes SIGPIPE: `sys_socket` raises it for the app.
        let flags = (m.flags & pass) | msg::DONTWAIT | msg::NOSIGNAL;
        if self.stream() {
            return self.send_stream(t, m.data, m.to, &m.control, flags, nonblock);
        }
        blocking(t, self.fd(), POLLOUT, nonblock, self.sndtimeo.deadline(), EAGAIN, || host::send(self.fd(), m.data, m.to, &m.control, flags))
    }

    fn recv(&self, t: &mut Task, want: usize, flags: u32, nonblock: bool) -> Result<Incoming, Errno> {
        self.recv_msg(t, want, 0, flags, nonblock)
    }

    fn recv_msg(&self, t: &mut Task, want: usize, control_room: usize, flags: u32, nonblock: bool) -> Result<Incoming, Errno> {
        let control_room = control_room.min(CONTROL_ROOM);
        if self.stream() {
            self.recv_stream(t, want, control_room, flags, nonblock)
        } else {
            self.recv_datagram(t, want, control_room, flags, nonblock)
        }
    }

    fn recv_into(&self, t: &mut Task, buf: &mut [u8], nonblock: bool) -> Result<usize, Errno> {
        // A `read`: straight into the caller's buffer, with no copy.
        blocking(t, self.fd(), POLLIN, nonblock, self.rcvtimeo.deadline(), EAGAIN, || host::recv_slice(self.fd(), buf, msg::DONTWAIT))
    }

    fn local_addr(&self, _t: &Task) -> Result<SockAddr, Errno> {
        host::local_addr(self.fd())
    }

    fn peer_addr(&self, _t: &Task) -> Result<SockAddr, Errno> {
        host::peer_addr(self.fd())
    }

    fn setsockopt(&self, t: &mut Task, level: i32, name: i32, value: &[u8]) -> Result<(), Errno> {
        match self.option(level, name) {
            Opt::Host => host::setsockopt(self.fd(), level, name, value),
            Opt::RcvTimeo => self.rcvtimeo.set(self.fd(), name, value),
            Opt::SndTimeo => self.sndtimeo.set(self.fd(), name, value),
            Opt::Capped { cap: c, lo, hi, err } => {
                if let Some(v) = value.get(..4).map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]])) {
                    if !(lo..=hi).contains(&v) && !t.tg.creds.lock().has_cap(c) {
                        return Err(err);
                    }
                }
                host::setsockopt(self.fd(), level, name, value)
            }
            Opt::Congestion => {
                check_congestion(t, value)?;
                host::setsockopt(self.fd(), level, name, value)
            }
            Opt::GetOnly => Err(ENOPROTOOPT),
            Opt::Refused(e) => Err(e),
        }
    }

    fn getsockopt(&self, _t: &mut Task, level: i32, name: i32) -> Result<Vec<u8>, Errno> {
        match self.option(level, name) {
            Opt::Host | Opt::GetOnly | Opt::Capped { .. } | Opt::Congestion => host::getsockopt(self.fd(), level, name, OPTION_ROOM),
            Opt::RcvTimeo => Ok(self.rcvtimeo.get()),
            Opt::SndTimeo => Ok(self.sndtimeo.get()),
            Opt::Refused(e) => Err(e),
        }
    }

    fn stat(&self) -> Result<Stat, Errno> {
        Ok(self.inode.stat())
    }

    fn readiness(&self) -> u32 {
        host_readiness(self.fd())
    }

    fn poll_register(&self, table: &mut PollTable, mask: u32) {
        table.add_host(&self.fd, mask);
    }

    fn ioctl(&self, t: &mut Task, cmd: u32, arg: u64) -> Result<u64, Errno> {
        match cmd {
            sockios::INQ | sockios::OUTQ | sockios::OUTQNSD | sockios::ATMARK => {
                let v = host::ioctl_int(self.fd(), cmd)?;
                t.write_obj(arg, &v).map(|_| 0)
            }
            _ => device_ioctl(t, self.fd(), cmd, arg),
        }
    }
}

/// The interface requests that only read: each passes to the host on a
/// `struct ifreq` the sentry copies in and out.
const IFREQ_GETS: &[u32] = &[
    sockios::GIFNAME,
    sockios::GIFFLAGS,
    sockios::GIFADDR,
    sockios::GIFDSTADDR,
    sockios::GIFBRDADDR,
    sockios::GIFNETMASK,
    sockios::GIFMETRIC,
    sockios::GIFMTU,
    sockios::GIFHWADDR,
    sockios::GIFINDEX,
    sockios::GIFTXQLEN,
];

/// The interface requests any socket answers (Linux's `sock_ioctl` and
/// `dev_ioctl`), asked of host socket `fd` in the sandbox's namespace: the
/// reading ones pass to the host with checked copies of the app's
/// structures (`SIOCGIFCONF`, and those on a `struct ifreq`); the others
/// of the device range change interfaces, routes or neighbours and are
/// `EPERM`, as without `CAP_NET_ADMIN`; anything else is `ENOTTY`.
pub fn device_ioctl(t: &mut Task, fd: BorrowedFd<'_>, cmd: u32, arg: u64) -> Result<u64, Errno> {
    if cmd == sockios::GIFCONF {
        let conf: Ifconf = t.read_obj(arg)?;
        let used = if conf.buf == 0 {
            host::ioctl_ifconf(fd, None)?
        } else {
            let mut buf = vec![0u8; usize::try_from(conf.len).unwrap_or(0).min(IFCONF_MAX)];
            let used = host::ioctl_ifconf(fd, Some(&mut buf))?.min(buf.len());
            t.copy_out(conf.buf, &buf[..used])?;
            used
        };
        return t.write_obj(arg, &(used as i32)).map(|_| 0);
    }
    if IFREQ_GETS.contains(&cmd) {
        let mut req = [0u8; IFREQ_SIZE];
        t.copy_in(arg, &mut req).map_err(|_| EFAULT)?;
        host::ioctl_ifreq(fd, cmd, &mut req)?;
        return t.copy_out(arg, &req).map(|_| 0);
    }
    if (sockios::FIRST_DEV..=sockios::LAST_DEV).contains(&cmd) {
        return Err(EPERM);
    }
    Err(ENOTTY)
}

/// The interface requests of [`device_ioctl`] on a socket that holds no
/// host socket (a Unix domain socket: Linux's `sock_ioctl` answers them
/// for every family, and musl's `if_nametoindex` asks them of one), asked
/// of a host Unix datagram socket the sentry keeps for them, in the
/// sandbox's network namespace.
pub fn device_ioctl_any(t: &mut Task, cmd: u32, arg: u64) -> Result<u64, Errno> {
    static SOCK: std::sync::OnceLock<Result<OwnedFd, Errno>> = std::sync::OnceLock::new();
    match SOCK.get_or_init(|| host::socket(af::UNIX, sock::DGRAM, 0)) {
        Ok(fd) => device_ioctl(t, fd.as_fd(), cmd, arg),
        Err(e) => Err(*e),
    }
}

/// Brings the loopback interface of the sentry's network namespace up
/// (a new namespace has `lo`, down): the one change the sentry makes to
/// a network, when it makes the sandbox's.
pub fn bring_up_loopback() -> Result<(), Errno> {
    let fd = host::socket(af::INET, sock::DGRAM, 0)?;
    let mut req = [0u8; IFREQ_SIZE];
    req[..2].copy_from_slice(b"lo");
    host::ioctl_ifreq(fd.as_fd(), sockios::GIFFLAGS, &mut req)?;
    // `ifr_flags`, a short after the name.
    let flags = u16::from_ne_bytes([req[16], req[17]]) | libc::IFF_UP as u16;
    req[16..18].copy_from_slice(&flags.to_ne_bytes());
    host::ioctl_ifreq(fd.as_fd(), sockios::SIFFLAGS, &mut req)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeval(sec: i64, usec: i64) -> Vec<u8> {
        [sec.to_ne_bytes(), usec.to_ne_bytes()].concat()
    }

    #[test]
    fn timeouts_are_checked_and_kept_as_linux_keeps_them() {
        let fd = host::socket(af::INET, sock::STREAM, 0).unwrap();
        let fd = fd.as_fd();
        let t = Timeout::new();
        assert_eq!(t.deadline(), None);
        assert_eq!(t.set(fd, so::RCVTIMEO, &timeval(1, 0)[..15]), Err(EINVAL));
        assert_eq!(t.set(fd, so::RCVTIMEO, &timeval(1, 1_000_000)), Err(EDOM));
        assert_eq!(t.set(fd, so::RCVTIMEO, &timeval(1, -1)), Err(EDOM));
        t.set(fd, so::RCVTIMEO, &timeval(2, 500_000)).unwrap();
        assert_eq!(t.get(), timeval(2, 500_000));
        let d = t.deadline().unwrap();
        assert!(d > Instant::now() + Duration::from_secs(2));
        // Rounded up to the host's clock ticks, as Linux rounds it.
        t.set(fd, so::RCVTIMEO, &timeval(0, 1)).unwrap();
        assert_eq!(t.get(), host::getsockopt(fd, sol::SOCKET, so::RCVTIMEO, 16).unwrap());
        assert_ne!(t.get(), timeval(0, 0));
        // A negative time never waits; zero is no timeout.
        t.set(fd, so::RCVTIMEO, &timeval(-5, 0)).unwrap();
        assert!(t.deadline().unwrap() <= Instant::now());
        assert_eq!(t.get(), timeval(0, 0));
        t.set(fd, so::RCVTIMEO, &timeval(0, 0)).unwrap();
        assert_eq!(t.deadline(), None);
        // A huge one is "forever".
        t.set(fd, so::SNDTIMEO, &timeval(i64::MAX, 0)).unwrap();
        assert!(t.deadline().is_none_or(|d| d > Instant::now() + Duration::from_secs(1 << 30)));
    }

    #[test]
    fn options_that_reach_past_the_sandbox_are_refused() {
        assert_eq!(option(sol::SOCKET, so::REUSEADDR), Opt::Host);
        assert_eq!(option(sol::TCP, tcp::NODELAY), Opt::Host);
        assert_eq!(option(sol::TCP, tcp::INFO), Opt::GetOnly);
        assert_eq!(option(sol::IPV6, ipv6::V6ONLY), Opt::Host);
        assert_eq!(option(sol::SOCKET, so::RCVTIMEO), Opt::RcvTimeo);
        assert_eq!(option(sol::SOCKET, so_more::SNDTIMEO_NEW), Opt::SndTimeo);
        for (level, name) in [(sol::SOCKET, so::RCVBUFFORCE), (sol::SOCKET, so_more::MARK), (sol::IP, ip::TRANSPARENT), (sol::TCP, tcp::REPAIR), (sol::IPV6, ipv6::TRANSPARENT)] {
            assert_eq!(option(level, name), Opt::Refused(EPERM), "{level}/{name}");
        }
        // Options that deliver control messages pass.
        for (level, name) in [(sol::IP, ip::PKTINFO), (sol::SOCKET, so_more::TIMESTAMP), (sol::IPV6, ipv6::RECVPKTINFO), (sol::IPV6, ipv6::RECVTCLASS), (sol::UDPLITE, udplite::SEND_CSCOV)] {
            assert_eq!(option(level, name), Opt::Host, "{level}/{name}");
        }
        // Programs (filters), upper-layer protocols (modules) and
        // security labels are not offered.
        for (level, name) in [(sol::SOCKET, so_more::ATTACH_FILTER), (sol::TCP, 31), (sol::IP, 18), (99, 1)] {
            assert_eq!(option(level, name), Opt::Refused(ENOPROTOOPT), "{level}/{name}");
        }
    }
}
