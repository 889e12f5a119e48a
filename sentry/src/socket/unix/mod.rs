//! Unix domain sockets: the sandbox's own, as Linux's `af_unix` makes
//! them. Nothing here ever reaches a host socket.
//!
//! # What there is
//!
//! Stream, datagram and seqpacket sockets (`SOCK_RAW` is a datagram
//! socket, as on Linux), made by `socket` or in connected pairs by
//! `socketpair`. A socket binds a pathname, an abstract name (a leading
//! NUL; one namespace per sandbox, see [`ns`]) or an autobound name
//! (`bind` with only the family, or `connect`/`sendto` with
//! `SO_PASSCRED`: a NUL and five hex digits). Stream and seqpacket
//! sockets `listen` (the backlog is bounded by the host's `somaxconn`)
//! and `accept`; a connect to a full backlog waits (or is `EAGAIN`
//! non-blocking). Datagram sockets connect to a peer or send to an
//! address; a datagram sender waits while an unconnected receiver's
//! queue holds more than `net.unix.max_dgram_qlen` messages.
//!
//! A pathname socket is a socket file in the sandbox's tree (tmpfs, the
//! overlay's upper layer, a read-write host directory, where the file is
//! made on the host with `mknodat`): `bind` makes it with the caller's
//! umask (`EADDRINUSE` if the name exists), and the socket is found by
//! the file's device and inode number, so `connect` looks the path up
//! with the caller's permissions (write permission on the socket file,
//! `EACCES` without), then finds the socket bound to that file, if any:
//! `ECONNREFUSED` for a file no sandbox socket is bound to, such as a
//! host daemon's socket seen through a host directory, which is never
//! connected to. Unlinking the name leaves the socket and its
//! connections as they are; closing the socket leaves the file.
//!
//! Messages ([`msg`]) carry data, files (`SCM_RIGHTS`, held while in
//! flight, closed if never received) and credentials (`SCM_CREDENTIALS`:
//! given by the sender, or attached when the sender or receiver has
//! `SO_PASSCRED`, in the sandbox's PIDs and ids). Senders are bounded by
//! `SO_SNDBUF` as Linux charges them; a blocked writer wakes as soon as
//! there is room below it (pollers see `POLLOUT` once a quarter of it is
//! free, as on Linux), a reader once per message. A blocking call polls
//! for a few microseconds before it sleeps (see `io::sleep`): on the
//! virtual machines the sandbox runs on, a sleep and a wake-up cost more
//! than a busy peer takes.
//! Stream reads take what is queued up to the length asked for (more
//! with `MSG_WAITALL` or `SO_RCVLOWAT`), never gluing data sent with
//! different credentials when the reader passes credentials; datagram
//! and seqpacket reads take one message, cut to the length asked for
//! (`MSG_TRUNC`).
//!
//! Timeouts (`SO_RCVTIMEO`, `SO_SNDTIMEO`) end a wait with `EAGAIN`; a
//! signal ends it with `EINTR`, which the dispatcher restarts (with
//! `SA_RESTART`) unless a timeout was set (`ERESTARTNOHAND`: a handler
//! sees `EINTR`).
//!
//! A socket sent over itself (or any cycle of sockets that only messages
//! in flight hold) is collected when a Unix socket is next released, as
//! Linux's garbage collector does it ([`gc`]).
//!
//! # Not done
//!
//! Out-of-band data (`MSG_OOB`: `EOPNOTSUPP` to send, `EINVAL` to
//! receive), `SO_PEEK_OFF`, `SO_PASSPIDFD`/`SO_PEERPIDFD`,
//! `SIOCUNIXFILE`, the per-user limit on files in flight
//! (`ETOOMANYREFS`), and `splice` from a socket. Buffer sizes are the
//! host's `net.core` settings, timeouts are counted in ticks of 250 Hz.
//!
//! # Locking
//!
//! A socket's bind lock (`bind_lock`, held across the file made in the
//! tree), then the namespace's tables ([`ns`]); a socket's read lock
//! (`io_lock`, held by a reader but while it sleeps), then a socket's
//! state (`inner`): one socket's alone, or two: a listener's, then the
//! connecting socket's; two datagram sockets' in address order. Wait
//! queues are notified, and messages dropped, with no state held.

mod addr;
mod gc;
mod io;
mod msg;
pub mod ns;
mod opts;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use abi::errno::{
    EADDRINUSE, EAGAIN, ECONNREFUSED, ECONNRESET, EEXIST, EINVAL, EISCONN, ENOTCONN, EOPNOTSUPP, EPROTONOSUPPORT, EPROTOTYPE, ESOCKTNOSUPPORT,
};
use abi::fs::{mode, Stat};
use abi::socket::{af, sock, Ucred};
use abi::Errno;
use parking_lot::{Mutex, MutexGuard};

use self::addr::{Target, UnixAddr};
use self::msg::Msg;
use self::ns::{Namespace, ProcLine};
use self::opts::{Opts, Wait};
use super::{Incoming, Outgoing, SockAddr, Socket, SocketFile};
use crate::kernel::task::Task;
use crate::kernel::Kernel;
use crate::vfs::inode::NodeSpec;
use crate::vfs::path::Resolver;
use crate::vfs::perm::{self, MAY_WRITE};
use crate::vfs::{ops, OpenFile, PollTable, SharedBytes};
use crate::waiter::{events, OwnedRegistration, WaitQueue};

/// `__SO_ACCEPTCON`, a listener's flag in `/proc/net/unix`.
const ACCEPTCON: u32 = 1 << 16;
/// `sk_shutdown` bits.
const RCV_SHUTDOWN: u8 = 1;
const SEND_SHUTDOWN: u8 = 2;
const SHUTDOWN_MASK: u8 = 3;
/// The ids a credential without an owner shows (`overflowuid`).
const OVERFLOW_ID: u32 = 65534;
/// A wake-up for blocked writers alone, not a poll event: there is room
/// below `SO_SNDBUF` for another message. Writers go on as soon as there
/// is (as on Linux), while pollers and epoll hear of room (`POLLOUT`)
/// only once a quarter of the buffer is free (Linux's `unix_writable`).
const ROOM: u32 = 1 << 31;
/// `SIOCINQ` (`FIONREAD`) and `SIOCOUTQ` (`TIOCOUTQ`).
const SIOCINQ: u32 = 0x541b;
const SIOCOUTQ: u32 = 0x5411;

/// A socket's state (`sk_state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Not connected (`TCP_CLOSE`).
    Close,
    /// Listening.
    Listen,
    /// Connected (a datagram socket: connected, or connected to).
    Established,
}

/// The attributes of a socket's inode (sockfs's).
#[derive(Clone, Copy, Debug, Default)]
struct Node {
    ino: u64,
    uid: u32,
    gid: u32,
}

/// A socket's state, under its lock.
struct Inner {
    state: State,
    /// Where it sends (`unix_peer`): a stream socket's connection, a
    /// datagram socket's default destination.
    peer: Option<Arc<UnixSocket>>,
    /// Released: its file is gone.
    dead: bool,
    /// A connection not yet accepted: it has no file.
    embryo: bool,
    /// `RCV_SHUTDOWN` and `SEND_SHUTDOWN`.
    shutdown: u8,
    /// A pending error (`SO_ERROR`).
    err: Option<Errno>,
    /// Its name.
    addr: Option<UnixAddr>,
    /// The socket file it is bound to (device, inode number).
    path_key: Option<(u64, u64)>,
    /// Messages to read.
    recv: VecDeque<Msg>,
    /// A listener's connections not yet accepted.
    pending: VecDeque<Arc<UnixSocket>>,
    /// The most connections pending (or, for a datagram socket, messages
    /// queued from unconnected senders) before senders wait: a
    /// listener's backlog, or `max_dgram_qlen` (`sk_max_ack_backlog`).
    backlog: usize,
    opts: Opts,
    /// The peer's credentials when the connection was made (`SO_PEERCRED`).
    peercred: Option<Ucred>,
    node: Node,
    /// A connected datagram socket whose peer's queue was full: heard of
    /// that peer's dequeues, to wake its writers and pollers (Linux's
    /// `peer_wake`).
    relay: Option<OwnedRegistration>,
}

/// A Unix socket. Its file holds it through a [`Handle`]; peers,
/// listeners, queued messages and waiters hold it directly.
pub struct UnixSocket {
    id: u64,
    ty: i32,
    ns: Arc<Namespace>,
    inner: Mutex<Inner>,
    /// Serialises `bind` (Linux's `bindlock`).
    bind_lock: Mutex<()>,
    /// Serialises stream readers (Linux's `iolock`): one read's data is not
    /// interleaved with another's. Released while a reader sleeps.
    io_lock: Mutex<()>,
    /// Its readers, writers and pollers.
    queue: WaitQueue,
    /// Those waiting for room in its queue or backlog (`peer_wait`).
    peer_wait: WaitQueue,
    /// What its queued messages are charged (`sk_wmem_alloc`).
    wmem: AtomicUsize,
    /// `SO_SNDBUF`.
    sndbuf: AtomicUsize,
    /// How many messages in flight carry its file.
    in_flight: AtomicUsize,
    /// Its file, once it has been in flight (for `gc`).
    file: Mutex<Weak<OpenFile>>,
}

/// What a socket's file holds: dropping it releases the socket.
pub struct Handle {
    sock: Arc<UnixSocket>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.sock.release(false);
    }
}

/// The sandbox's namespace of Unix sockets.
fn namespace(kernel: &Kernel) -> Arc<Namespace> {
    kernel.net.state::<Namespace>()
}

/// Shows `/proc/net/unix` for `kernel`.
pub fn attach(kernel: &Arc<Kernel>) {
    let ns = namespace(kernel);
    let weak = Arc::downgrade(&ns);
    kernel.net.register_proc_file("unix", Arc::new(move || weak.upgrade().map(|ns| ns.proc_text()).unwrap_or_default()));
}

/// The socket type a `socket` call of type `ty` and `protocol` makes
/// (`unix_create`).
fn socket_type(ty: i32, protocol: i32) -> Result<i32, Errno> {
    if protocol != 0 && protocol != af::UNIX {
        return Err(EPROTONOSUPPORT);
    }
    match ty {
        sock::STREAM | sock::SEQPACKET => Ok(ty),
        sock::DGRAM | sock::RAW => Ok(sock::DGRAM),
        _ => Err(ESOCKTNOSUPPORT),
    }
}

/// `socket(AF_UNIX, ty, protocol)`.
pub fn create(t: &mut Task, ty: i32, protocol: i32) -> Result<Arc<dyn Socket>, Errno> {
    let ty = socket_type(ty, protocol)?;
    let sock = UnixSocket::new(&namespace(&t.kernel), ty);
    sock.graft(t);
    Ok(Arc::new(Handle { sock }))
}

/// `socketpair(AF_UNIX, ty, protocol)`: two sockets connected to each
/// other, each with the caller's credentials as its peer's.
pub fn create_pair(t: &mut Task, ty: i32, protocol: i32) -> Result<[Arc<dyn Socket>; 2], Errno> {
    let ty = socket_type(ty, protocol)?;
    let ns = namespace(&t.kernel);
    let (a, b) = (UnixSocket::new(&ns, ty), UnixSocket::new(&ns, ty));
    a.graft(t);
    b.graft(t);
    let cred = peercred_of(t);
    for (x, y) in [(&a, &b), (&b, &a)] {
        let mut g = x.inner.lock();
        g.peer = Some(y.clone());
        g.state = State::Established;
        g.peercred = Some(cred);
    }
    Ok([Arc::new(Handle { sock: a }), Arc::new(Handle { sock: b })])
}

/// The Unix socket an open file holds, if it holds one.
fn unix_of(file: &OpenFile) -> Option<Arc<UnixSocket>> {
    let sf = super::socket_of(file).ok()?;
    let handle = sf.socket().clone().into_any().downcast::<Handle>().ok()?;
    Some(handle.sock.clone())
}

/// The caller as a peer sees it (`SO_PEERCRED`): its process and
/// effective ids.
fn peercred_of(t: &Task) -> Ucred {
    let c = t.tg.creds.lock();
    Ucred { pid: t.tg.tgid, uid: c.euid, gid: c.egid }
}

/// The caller's credentials a message carries (`SCM_CREDENTIALS`): its
/// process and real ids.
fn scm_creds_of(t: &Task) -> Ucred {
    let c = t.tg.creds.lock();
    Ucred { pid: t.tg.tgid, uid: c.uid, gid: c.gid }
}

/// Locks the states of two sockets in address order (one, when they are
/// the same socket): `a`'s, then `b`'s if it is another.
fn lock_two<'a>(a: &'a UnixSocket, b: &'a UnixSocket) -> (MutexGuard<'a, Inner>, Option<MutexGuard<'a, Inner>>) {
    if std::ptr::eq(a, b) {
        return (a.inner.lock(), None);
    }
    if (a as *const UnixSocket) < (b as *const UnixSocket) {
        let ga = a.inner.lock();
        (ga, Some(b.inner.lock()))
    } else {
        let gb = b.inner.lock();
        (a.inner.lock(), Some(gb))
    }
}

/// Whether `peer` is `sock`.
fn is(peer: &Option<Arc<UnixSocket>>, sock: &UnixSocket) -> bool {
    peer.as_deref().is_some_and(|p| std::ptr::eq(p, sock))
}

/// What a released socket leaves: messages to drop (with the files they
/// carry, which may release more sockets) and connections never accepted
/// to release.
#[derive(Default)]
struct Disposal {
    msgs: VecDeque<Msg>,
    embryos: VecDeque<Arc<UnixSocket>>,
}

thread_local! {
    /// Disposals met while one is under way on this thread, done after it
    /// in turn: a chain of sockets each in flight in the last one's queue
    /// is released in a loop, not by recursion as deep as the chain.
    static LATER: std::cell::RefCell<Option<Vec<Disposal>>> = const { std::cell::RefCell::new(None) };
}

/// Drops `d` (with no socket's state held), and whatever its drop
/// releases in turn; returns whether this was the outermost disposal on
/// the thread (which then did them all).
fn dispose(d: Disposal) -> bool {
    let mut d = Some(d);
    LATER.with(|l| {
        let mut l = l.borrow_mut();
        match l.as_mut() {
            Some(later) => later.extend(d.take()),
            None => *l = Some(Vec::new()),
        }
    });
    let Some(d) = d else { return false };
    let mut next = vec![d];
    while !next.is_empty() {
        for d in next {
            drop(d.msgs);
            for e in d.embryos {
                e.release(true);
            }
        }
        next = LATER.with(|l| l.borrow_mut().as_mut().map(std::mem::take).unwrap_or_default());
    }
    LATER.with(|l| *l.borrow_mut() = None);
    true
}

impl UnixSocket {
    /// A new unconnected socket of type `ty`, listed in `ns`.
    fn new(ns: &Arc<Namespace>, ty: i32) -> Arc<UnixSocket> {
        let sock = UnixSocket::unlisted(ns, ty);
        ns.register(&sock);
        sock
    }

    /// A new socket not yet listed (an embryo until its connect succeeds).
    fn unlisted(ns: &Arc<Namespace>, ty: i32) -> Arc<UnixSocket> {
        let inner = Inner {
            state: State::Close,
            peer: None,
            dead: false,
            embryo: false,
            shutdown: 0,
            err: None,
            addr: None,
            path_key: None,
            recv: VecDeque::new(),
            pending: VecDeque::new(),
            backlog: ns.limits.max_dgram_qlen,
            opts: Opts::new(&ns.limits),
            peercred: None,
            node: Node::default(),
            relay: None,
        };
        Arc::new(UnixSocket {
            id: ns.next_id(),
            ty,
            ns: ns.clone(),
            inner: Mutex::new(inner),
            bind_lock: Mutex::new(()),
            io_lock: Mutex::new(()),
            queue: WaitQueue::new(),
            peer_wait: WaitQueue::new(),
            wmem: AtomicUsize::new(0),
            sndbuf: AtomicUsize::new(ns.limits.wmem_default),
            in_flight: AtomicUsize::new(0),
            file: Mutex::new(Weak::new()),
        })
    }

    /// Gives the socket its inode (`sock_alloc`): a number, and the
    /// caller as its owner.
    fn graft(&self, t: &Task) {
        let (uid, gid) = {
            let c = t.tg.creds.lock();
            (c.fsuid, c.fsgid)
        };
        let node = Node { ino: t.kernel.unique_id(), uid, gid };
        let mut g = self.inner.lock();
        g.embryo = false;
        g.node = node;
    }

    /// Charges `n` bytes to the socket's queued messages.
    fn charge(&self, n: usize) {
        self.wmem.fetch_add(n, Ordering::Relaxed);
    }

    /// Returns a charge: wakes blocked writers if there is room for them
    /// ([`ROOM`]), and pollers too if the socket is writable then (Linux's
    /// `unix_write_space`).
    fn uncharge(&self, n: usize) {
        let left = self.wmem.fetch_sub(n, Ordering::AcqRel) - n;
        let sndbuf = self.sndbuf.load(Ordering::Relaxed);
        if left << 2 <= sndbuf {
            self.queue.notify(ROOM | events::OUT | events::WRNORM | events::WRBAND);
        } else if left < sndbuf {
            self.queue.notify(ROOM);
        }
    }

    /// Whether a poll sees room to write (`unix_writable`): what is
    /// queued is at most a quarter of `SO_SNDBUF`.
    fn writable(&self) -> bool {
        self.wmem.load(Ordering::Relaxed) << 2 <= self.sndbuf.load(Ordering::Relaxed)
    }

    /// Notes that a message now carries the socket's `file`.
    fn note_in_flight(&self, file: &Arc<OpenFile>) {
        *self.file.lock() = Arc::downgrade(file);
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.ns.in_flight.fetch_add(1, Ordering::AcqRel);
    }

    /// Notes that a message carrying the socket's file was received or
    /// dropped.
    fn note_landed(&self) {
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.ns.in_flight.fetch_sub(1, Ordering::AcqRel);
    }

    /// Releases the socket (`unix_release_sock`): its file is gone, or,
    /// for a connection never accepted (`embryo`), its listener's. Its
    /// names are freed, its peer sees the connection end (`ECONNRESET`
    /// if data it sent was never read, or the connection never
    /// accepted), and what was queued to it is dropped.
    fn release(self: &Arc<Self>, embryo: bool) {
        self.ns.unregister(self.id);
        let (peer, msgs, pending, addr, path_key, relay) = {
            let mut g = self.inner.lock();
            if g.dead {
                return;
            }
            g.dead = true;
            g.shutdown = SHUTDOWN_MASK;
            g.state = State::Close;
            (g.peer.take(), std::mem::take(&mut g.recv), std::mem::take(&mut g.pending), g.addr.clone(), g.path_key.take(), g.relay.take())
        };
        drop(relay);
        if let Some(Target::Abstract(name)) = addr.as_ref().map(UnixAddr::target) {
            self.ns.unbind_abstract(self.ty, name, self);
        }
        if let Some(key) = path_key {
            self.ns.unbind_path(key, self);
        }
        self.peer_wait.notify(events::ALL);
        self.queue.notify(events::ALL);
        if let Some(peer) = &peer {
            if self.ty != sock::DGRAM {
                {
                    let mut p = peer.inner.lock();
                    p.shutdown = SHUTDOWN_MASK;
                    if !msgs.is_empty() || embryo {
                        p.err = Some(ECONNRESET);
                    }
                }
                peer.queue.notify(events::ALL);
            }
        }
        drop(peer);
        if dispose(Disposal { msgs, embryos: pending }) {
            gc::collect(&self.ns);
        }
    }

    /// `bind(addr)`.
    fn bind(self: &Arc<Self>, t: &mut Task, addr: &[u8]) -> Result<(), Errno> {
        if addr::is_autobind(addr) {
            return self.autobind();
        }
        let target = addr::parse(addr)?;
        let name = UnixAddr::from_target(target);
        match target {
            Target::Path(path) => self.bind_path(t, path, name),
            Target::Abstract(a) => {
                let _b = self.bind_lock.lock();
                if self.inner.lock().addr.is_some() {
                    return Err(EINVAL);
                }
                self.ns.bind_abstract(self.ty, a, self)?;
                self.inner.lock().addr = Some(name);
                Ok(())
            }
        }
    }

    /// Binds a pathname (`unix_bind_bsd`): makes the socket file with the
    /// caller's umask (`EADDRINUSE` if the name exists), then takes it
    /// (`EINVAL`, and the file removed again, if the socket was bound
    /// meanwhile or before).
    fn bind_path(self: &Arc<Self>, t: &mut Task, path: &[u8], name: UnixAddr) -> Result<(), Errno> {
        let _b = self.bind_lock.lock();
        let creds = t.tg.creds.lock().clone();
        let (root, cwd) = t.fs.root_and_cwd();
        let perm = 0o777 & !t.fs.umask();
        let made = ops::make(&mut Resolver::new(&t.kernel.mounts, root.clone(), &creds), &cwd, path, NodeSpec::Socket, perm);
        let loc = made.map_err(|e| if e == EEXIST { EADDRINUSE } else { e })?;
        if self.inner.lock().addr.is_some() {
            let _ = ops::unlink(&mut Resolver::new(&t.kernel.mounts, root, &creds), &cwd, path);
            return Err(EINVAL);
        }
        let a = loc.dentry.attr();
        let key = (a.dev, a.ino);
        self.ns.bind_path(key, self);
        let mut g = self.inner.lock();
        g.addr = Some(name);
        g.path_key = Some(key);
        Ok(())
    }

    /// Binds an autobind name, unless the socket has a name already.
    fn autobind(self: &Arc<Self>) -> Result<(), Errno> {
        let _b = self.bind_lock.lock();
        if self.inner.lock().addr.is_some() {
            return Ok(());
        }
        let addr = self.ns.autobind(self.ty, self)?;
        self.inner.lock().addr = Some(addr);
        Ok(())
    }

    /// Autobinds a socket that passes credentials and has no name, as a
    /// connect or a send does.
    fn autobind_if_passcred(self: &Arc<Self>) -> Result<(), Errno> {
        let needed = {
            let g = self.inner.lock();
            g.opts.passcred && g.addr.is_none()
        };
        if needed {
            self.autobind()?;
        }
        Ok(())
    }

    /// The socket's name now, if it has one.
    fn name(&self) -> Option<UnixAddr> {
        self.inner.lock().addr.clone()
    }

    /// `listen(backlog)`.
    fn listen(&self, t: &Task, backlog: i32) -> Result<(), Errno> {
        if self.ty == sock::DGRAM {
            return Err(EOPNOTSUPP);
        }
        let somaxconn = self.ns.limits.somaxconn;
        let backlog = if backlog as u32 as usize > somaxconn { somaxconn } else { backlog as usize };
        let cred = peercred_of(t);
        let grew = {
            let mut g = self.inner.lock();
            if g.addr.is_none() || !matches!(g.state, State::Close | State::Listen) {
                return Err(EINVAL);
            }
            let grew = backlog > g.backlog;
            g.backlog = backlog;
            g.state = State::Listen;
            g.peercred = Some(cred);
            grew
        };
        if grew {
            self.peer_wait.notify(events::ALL);
        }
        Ok(())
    }

    /// The socket `target` names (`unix_find_other`): a pathname's socket
    /// file, looked up with the caller's permissions (write permission
    /// on it), and the socket bound to it, of this socket's type
    /// (`EPROTOTYPE` if another); or the socket holding an abstract name
    /// among sockets of this type. `ECONNREFUSED` when there is none.
    fn find_other(&self, t: &mut Task, target: Target<'_>) -> Result<Arc<UnixSocket>, Errno> {
        match target {
            Target::Path(path) => {
                let creds = t.tg.creds.lock().clone();
                let (root, cwd) = t.fs.root_and_cwd();
                let loc = Resolver::new(&t.kernel.mounts, root, &creds).resolve(&cwd, path, true)?;
                perm::check_at(&creds, &loc, MAY_WRITE)?;
                let a = loc.dentry.attr();
                if a.kind() != mode::S_IFSOCK {
                    return Err(ECONNREFUSED);
                }
                let other = self.ns.find_path((a.dev, a.ino)).ok_or(ECONNREFUSED)?;
                if other.ty != self.ty {
                    return Err(EPROTOTYPE);
                }
                Ok(other)
            }
            Target::Abstract(name) => self.ns.find_abstract(self.ty, name).ok_or(ECONNREFUSED),
        }
    }

    /// `connect(addr)` of a stream or seqpacket socket
    /// (`unix_stream_connect`): waits (or `EAGAIN`) while the listener's
    /// backlog is full, then connects to a new socket the listener will
    /// accept.
    fn stream_connect(self: &Arc<Self>, t: &mut Task, addr: &[u8], nonblock: bool) -> Result<(), Errno> {
        let target = addr::parse(addr)?;
        self.autobind_if_passcred()?;
        let wait = Wait::of(nonblock, self.inner.lock().opts.sndtimeo);
        let cred = peercred_of(t);
        loop {
            let other = self.find_other(t, target)?;
            let mut o = other.inner.lock();
            if o.dead {
                // Released since it was found: look again.
                continue;
            }
            if o.state != State::Listen || o.shutdown & RCV_SHUTDOWN != 0 {
                return Err(ECONNREFUSED);
            }
            if o.pending.len() > o.backlog {
                drop(o);
                if wait == Wait::No {
                    return Err(EAGAIN);
                }
                let room = || {
                    let o = other.inner.lock();
                    o.dead || o.shutdown & RCV_SHUTDOWN != 0 || o.state != State::Listen || o.pending.len() <= o.backlog
                };
                io::sleep(t, &other.peer_wait, events::ALL, wait, room)?;
                continue;
            }
            if Arc::ptr_eq(self, &other) {
                // A listener connecting to itself.
                return Err(EINVAL);
            }
            let mut me = self.inner.lock();
            match me.state {
                State::Close => {}
                State::Established => return Err(EISCONN),
                State::Listen => return Err(EINVAL),
            }
            let embryo = UnixSocket::unlisted(&self.ns, self.ty);
            {
                let mut e = embryo.inner.lock();
                e.state = State::Established;
                e.embryo = true;
                e.peer = Some(self.clone());
                e.peercred = Some(cred);
                e.addr = o.addr.clone();
            }
            me.peer = Some(embryo.clone());
            me.state = State::Established;
            me.peercred = o.peercred;
            o.pending.push_back(embryo.clone());
            drop(me);
            drop(o);
            self.ns.register(&embryo);
            other.queue.notify(events::IN | events::RDNORM);
            self.queue.notify(events::OUT | events::WRNORM | events::WRBAND);
            return Ok(());
        }
    }

    /// `connect(addr)` of a datagram socket (`unix_dgram_connect`): sets
    /// (or with `AF_UNSPEC` clears) the default destination; a socket
    /// connected elsewhere refuses (`EPERM`). Leaving a peer drops what
    /// was queued from it.
    fn dgram_connect(self: &Arc<Self>, t: &mut Task, addr: &[u8]) -> Result<(), Errno> {
        let family = addr::family_of(addr).ok_or(EINVAL)?;
        let target = if family == af::UNSPEC {
            None
        } else {
            let target = addr::parse(addr)?;
            self.autobind_if_passcred()?;
            Some(target)
        };
        let (old, other) = loop {
            let other = match target {
                Some(tg) => Some(self.find_other(t, tg)?),
                None => None,
            };
            let old = {
                let (mut me, mut them) = match &other {
                    Some(o) => lock_two(self, o),
                    None => (self.inner.lock(), None),
                };
                if other.is_some() {
                    let (dead, may) = {
                        let o: &Inner = them.as_deref().unwrap_or(&me);
                        (o.dead, o.peer.is_none() || is(&o.peer, self))
                    };
                    if dead {
                        // Released since it was found: look again.
                        continue;
                    }
                    if !may {
                        return Err(abi::errno::EPERM);
                    }
                    if let Some(o) = them.as_deref_mut() {
                        o.state = State::Established;
                    }
                    me.state = State::Established;
                }
                let was = me.peer.is_some();
                let old = std::mem::replace(&mut me.peer, other.clone());
                if was && other.is_none() {
                    me.state = State::Close;
                }
                me.relay = None;
                old
            };
            break (old, other);
        };
        if let Some(old) = old {
            if !other.as_ref().is_some_and(|o| Arc::ptr_eq(o, &old)) {
                self.dgram_disconnected(&old);
                let mut o = old.inner.lock();
                if o.peer.is_none() {
                    o.state = State::Close;
                }
            }
            self.queue.notify(events::OUT | events::WRNORM | events::WRBAND);
        }
        Ok(())
    }

    /// After a datagram socket left peer `old` (`unix_dgram_disconnected`):
    /// what it had queued is dropped, and if `old` was connected back to
    /// it, `old` gets `ECONNRESET`.
    fn dgram_disconnected(&self, old: &Arc<UnixSocket>) {
        let purged = std::mem::take(&mut self.inner.lock().recv);
        if purged.is_empty() {
            return;
        }
        self.peer_wait.notify(events::ALL);
        let reset = {
            let mut o = old.inner.lock();
            let reset = !o.dead && is(&o.peer, self);
            if reset {
                o.err = Some(ECONNRESET);
            }
            reset
        };
        if reset {
            old.queue.notify(events::ERR);
        }
        dispose(Disposal { msgs: purged, embryos: VecDeque::new() });
    }

    /// `accept`: the next connection, once there is one (`EAGAIN` without
    /// waiting); `EINVAL` unless listening, or, waiting, once shut down for
    /// reading.
    fn accept(self: &Arc<Self>, t: &mut Task, file_flags: u32, nonblock: bool) -> Result<(Arc<OpenFile>, SockAddr), Errno> {
        if self.ty == sock::DGRAM {
            return Err(EOPNOTSUPP);
        }
        let wait = {
            let g = self.inner.lock();
            if g.state != State::Listen {
                return Err(EINVAL);
            }
            Wait::of(nonblock, g.opts.rcvtimeo)
        };
        let (conn, passcred) = loop {
            {
                let mut g = self.inner.lock();
                if let Some(e) = g.err.take() {
                    return Err(e);
                }
                if let Some(c) = g.pending.pop_front() {
                    break (c, g.opts.passcred);
                }
                if wait == Wait::No {
                    return Err(EAGAIN);
                }
                // A blocking accept after `shutdown(SHUT_RD)` (Linux's
                // `skb_recv_datagram` gives it no error, and accept makes
                // that `EINVAL`).
                if g.shutdown & RCV_SHUTDOWN != 0 {
                    return Err(EINVAL);
                }
            }
            let ready = || {
                let g = self.inner.lock();
                !g.pending.is_empty() || g.err.is_some() || g.shutdown & RCV_SHUTDOWN != 0
            };
            io::sleep(t, &self.queue, events::IN | events::ERR | events::HUP, wait, ready)?;
        };
        self.peer_wait.notify(events::OUT | events::WRNORM | events::WRBAND);
        conn.graft(t);
        let peer = {
            let mut g = conn.inner.lock();
            g.opts.passcred |= passcred;
            g.peer.clone()
        };
        let name = peer.and_then(|p| p.name()).map_or_else(UnixAddr::unnamed, |a| a.bytes().to_vec());
        Ok((SocketFile::open(Arc::new(Handle { sock: conn }), file_flags), name))
    }

    /// `shutdown(how)`: this socket stops reading or writing, and a
    /// connected stream or seqpacket peer the other way round.
    fn shutdown(&self, how: i32) -> Result<(), Errno> {
        let mode = (how + 1) as u8;
        let peer = {
            let mut g = self.inner.lock();
            g.shutdown |= mode;
            g.peer.clone()
        };
        self.queue.notify(events::ALL);
        if let Some(peer) = peer.filter(|_| self.ty != sock::DGRAM) {
            let mut peer_mode = 0;
            if mode & RCV_SHUTDOWN != 0 {
                peer_mode |= SEND_SHUTDOWN;
            }
            if mode & SEND_SHUTDOWN != 0 {
                peer_mode |= RCV_SHUTDOWN;
            }
            peer.inner.lock().shutdown |= peer_mode;
            peer.queue.notify(events::ALL);
        }
        Ok(())
    }

    /// The poll events that hold now (`unix_poll`, `unix_dgram_poll`).
    fn readiness(self: &Arc<Self>) -> u32 {
        let (mut mask, may_write, peer) = {
            let g = self.inner.lock();
            let mut mask = 0;
            if g.err.is_some() {
                mask |= events::ERR;
            }
            if g.shutdown == SHUTDOWN_MASK {
                mask |= events::HUP;
            }
            if g.shutdown & RCV_SHUTDOWN != 0 {
                mask |= events::RDHUP | events::IN | events::RDNORM;
            }
            if !g.recv.is_empty() || !g.pending.is_empty() {
                mask |= events::IN | events::RDNORM;
            }
            if self.ty != sock::DGRAM && g.state == State::Close {
                mask |= events::HUP;
            }
            (mask, g.state != State::Listen && self.writable(), g.peer.clone())
        };
        let mut writable = may_write;
        if writable && self.ty != sock::STREAM {
            if let Some(p) = peer.filter(|p| !Arc::ptr_eq(p, self)) {
                if p.queue_full_for(self) {
                    self.arm_relay(&p);
                    writable = false;
                }
            }
        }
        if writable {
            mask |= events::OUT | events::WRNORM | events::WRBAND;
        }
        mask
    }

    /// Whether a datagram from `sender` must wait for room here: the
    /// queue is over its length and `sender` is not this socket's peer
    /// (`unix_recvq_full` where `unix_peer(other) != sk`).
    fn queue_full_for(&self, sender: &UnixSocket) -> bool {
        let g = self.inner.lock();
        !g.dead && !is(&g.peer, sender) && g.recv.len() > g.backlog
    }

    /// Has this socket's writers and pollers woken when its peer `peer`
    /// takes a message from its queue (`unix_dgram_peer_wake_connect`).
    fn arm_relay(self: &Arc<Self>, peer: &Arc<UnixSocket>) {
        let mut g = self.inner.lock();
        if g.relay.is_some() || !is(&g.peer, peer) {
            return;
        }
        let me = Arc::downgrade(self);
        let relay = peer.peer_wait.register_callback(
            events::ALL,
            Arc::new(move |_| {
                if let Some(me) = me.upgrade() {
                    me.queue.notify(events::OUT | events::WRNORM | events::WRBAND);
                }
            }),
        );
        g.relay = Some(relay);
    }

    /// The socket's attributes: sockfs's inode.
    fn stat(&self) -> Stat {
        let n = self.inner.lock().node;
        super::inode_stat(n.ino, n.uid, n.gid)
    }

    /// `ioctl(cmd, arg)`: `SIOCINQ` (`FIONREAD`: the bytes to read, or
    /// the next datagram's length; `EINVAL` for a listener) and
    /// `SIOCOUTQ` (what is charged for queued messages).
    fn ioctl(&self, t: &mut Task, cmd: u32, arg: u64) -> Result<u64, Errno> {
        let n = match cmd {
            SIOCINQ => {
                let g = self.inner.lock();
                if g.state == State::Listen {
                    return Err(EINVAL);
                }
                if self.ty == sock::DGRAM {
                    g.recv.front().map_or(0, Msg::remaining)
                } else {
                    g.recv.iter().map(Msg::remaining).sum()
                }
            }
            SIOCOUTQ => self.wmem.load(Ordering::Relaxed),
            // The interface requests every socket answers.
            _ => return super::inet::device_ioctl_any(t, cmd, arg),
        };
        let n = i32::try_from(n).unwrap_or(i32::MAX);
        t.copy_out(arg, &n.to_ne_bytes()).map(|_| 0)
    }

    /// What `/proc/net/unix` shows of the socket.
    fn proc_line(&self) -> ProcLine {
        let g = self.inner.lock();
        let connected = g.state == State::Established;
        let state = match (g.embryo, connected) {
            (false, true) => 3,
            (false, false) => 1,
            (true, true) => 2,
            (true, false) => 4,
        };
        ProcLine {
            refs: if g.peer.is_some() { 3 } else { 2 },
            flags: if g.state == State::Listen { ACCEPTCON } else { 0 },
            ty: self.ty,
            state,
            ino: if g.embryo { 0 } else { g.node.ino },
            name: g.addr.as_ref().map(UnixAddr::proc_text),
        }
    }
}

/// The least a `write` must carry for its buffer to be queued as it is
/// rather than copied (a copy of less costs little).
const TAKE_MIN: usize = 4096;

impl Socket for Handle {
    fn identity(&self) -> (i32, i32, i32) {
        (af::UNIX, self.sock.ty, 0)
    }

    fn bind(&self, t: &mut Task, addr: &[u8]) -> Result<(), Errno> {
        self.sock.bind(t, addr)
    }

    fn listen(&self, t: &mut Task, backlog: i32) -> Result<(), Errno> {
        self.sock.listen(t, backlog)
    }

    fn connect(&self, t: &mut Task, addr: &[u8], nonblock: bool) -> Result<(), Errno> {
        if self.sock.ty == sock::DGRAM {
            self.sock.dgram_connect(t, addr)
        } else {
            self.sock.stream_connect(t, addr, nonblock)
        }
    }

    fn accept(&self, t: &mut Task, file_flags: u32, nonblock: bool) -> Result<(Arc<OpenFile>, SockAddr), Errno> {
        self.sock.accept(t, file_flags, nonblock)
    }

    fn shutdown(&self, _t: &mut Task, how: i32) -> Result<(), Errno> {
        self.sock.shutdown(how)
    }

    fn send(&self, t: &mut Task, msg: Outgoing<'_>, nonblock: bool) -> Result<usize, Errno> {
        self.sock.send(t, msg, nonblock)
    }

    fn send_buf(&self, t: &mut Task, data: &mut Vec<u8>, nonblock: bool) -> Result<usize, Errno> {
        // The buffer is taken when that saves a copy worth having, and it
        // is not much larger than its data: what a queue holds is charged
        // by its length, not by the room behind it.
        if data.len() < TAKE_MIN || data.capacity() > 2 * data.len() {
            return self.sock.send(t, Outgoing::plain(data), nonblock);
        }
        self.sock.send_buf(t, std::mem::take(data), nonblock)
    }

    fn recv_shared(&self, t: &mut Task, want: usize, nonblock: bool) -> Option<Result<Vec<SharedBytes>, Errno>> {
        // A small read is best copied into a buffer that goes back to the
        // app with the call's return (see `Task::copy_out_final`).
        if want <= abi::wire::SLOT_BUF_SIZE {
            return None;
        }
        let mut sink = io::SharedSink::default();
        Some(self.sock.recv(t, want, 0, nonblock, &mut sink).map(|_| sink.0))
    }

    fn recv(&self, t: &mut Task, want: usize, flags: u32, nonblock: bool) -> Result<Incoming, Errno> {
        let mut data = Vec::with_capacity(want.min(1 << 16));
        let got = self.sock.recv(t, want, flags, nonblock, &mut io::VecSink(&mut data))?;
        let passcred = self.sock.inner.lock().opts.passcred;
        let creds = passcred.then(|| got.creds.unwrap_or(Ucred { pid: 0, uid: OVERFLOW_ID, gid: OVERFLOW_ID }));
        Ok(Incoming { len: got.len.max(data.len()), data, from: got.from.map(|a| a.bytes().to_vec()), rights: got.rights, creds, flags: 0, control: Vec::new() })
    }

    fn recv_into(&self, t: &mut Task, buf: &mut [u8], nonblock: bool) -> Result<usize, Errno> {
        // `read` of nothing reads nothing, and takes no datagram
        // (`sock_read_iter`).
        if buf.is_empty() {
            return Ok(0);
        }
        let want = buf.len();
        let mut sink = io::BufSink { buf, at: 0 };
        self.sock.recv(t, want, 0, nonblock, &mut sink)?;
        Ok(sink.at)
    }

    fn local_addr(&self, _t: &Task) -> Result<SockAddr, Errno> {
        Ok(self.sock.name().map_or_else(UnixAddr::unnamed, |a| a.bytes().to_vec()))
    }

    fn peer_addr(&self, _t: &Task) -> Result<SockAddr, Errno> {
        let peer = self.sock.inner.lock().peer.clone().ok_or(ENOTCONN)?;
        Ok(peer.name().map_or_else(UnixAddr::unnamed, |a| a.bytes().to_vec()))
    }

    fn setsockopt(&self, t: &mut Task, level: i32, name: i32, value: &[u8]) -> Result<(), Errno> {
        self.sock.set_option(t, level, name, value)
    }

    fn getsockopt(&self, _t: &mut Task, level: i32, name: i32) -> Result<Vec<u8>, Errno> {
        self.sock.get_option(level, name)
    }

    fn stat(&self) -> Result<Stat, Errno> {
        Ok(self.sock.stat())
    }

    fn readiness(&self) -> u32 {
        self.sock.readiness()
    }

    fn poll_register(&self, table: &mut PollTable, _mask: u32) {
        table.add_queue(&self.sock.queue, events::ALL & !ROOM);
    }

    fn ioctl(&self, t: &mut Task, cmd: u32, arg: u64) -> Result<u64, Errno> {
        self.sock.ioctl(t, cmd, arg)
    }
}

