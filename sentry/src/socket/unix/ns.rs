//! A sandbox's Unix socket namespace (one per kernel, in
//! `Kernel::net`): the abstract names, the sockets bound to socket files,
//! the table of every socket (`/proc/net/unix`), and the limits the
//! host's `net.core` settings give.
//!
//! Abstract names are per socket type, as Linux's are in effect (its hash
//! of a name mixes in the type, and a lookup compares names in one
//! bucket): a stream and a datagram socket may hold one name, and a
//! datagram socket cannot reach a stream socket's name. Sockets bound to
//! a socket file are found by the file's device and inode number, as
//! Linux's `unix_find_socket_byinode` finds them: a file of the tree
//! that no sandbox socket is bound to (a host daemon's, seen through a
//! host directory) reaches nothing.
//!
//! Every table is a leaf in the lock order: taken alone, or under a
//! socket's bind lock, never under a socket's state.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use abi::errno::{EADDRINUSE, ENOSPC};
use abi::Errno;
use parking_lot::Mutex;

use super::addr::UnixAddr;
use super::UnixSocket;

/// The host's settings that shape sockets, read once (Linux's defaults
/// where the host does not show them).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// `net.core.wmem_default`: a new socket's `SO_SNDBUF`.
    pub wmem_default: usize,
    /// `net.core.rmem_default`: a new socket's `SO_RCVBUF`.
    pub rmem_default: usize,
    /// `net.core.wmem_max`: the most `SO_SNDBUF` sets (before doubling).
    pub wmem_max: usize,
    /// `net.core.rmem_max`: the most `SO_RCVBUF` sets (before doubling).
    pub rmem_max: usize,
    /// `net.unix.max_dgram_qlen`: a datagram socket's queue length.
    pub max_dgram_qlen: usize,
    /// `net.core.somaxconn`: the longest backlog `listen` takes.
    pub somaxconn: usize,
}

impl Limits {
    /// Linux's defaults.
    pub const LINUX: Limits =
        Limits { wmem_default: 212_992, rmem_default: 212_992, wmem_max: 212_992, rmem_max: 212_992, max_dgram_qlen: 10, somaxconn: 4096 };

    /// The host's, as far as it shows them.
    fn of_host() -> Limits {
        let read = |path: &str, default: usize| {
            std::fs::read_to_string(path).ok().and_then(|s| s.trim().parse::<usize>().ok()).filter(|&v| v > 0 && v <= i32::MAX as usize).unwrap_or(default)
        };
        let d = Limits::LINUX;
        Limits {
            wmem_default: read("/proc/sys/net/core/wmem_default", d.wmem_default),
            rmem_default: read("/proc/sys/net/core/rmem_default", d.rmem_default),
            wmem_max: read("/proc/sys/net/core/wmem_max", d.wmem_max),
            rmem_max: read("/proc/sys/net/core/rmem_max", d.rmem_max),
            max_dgram_qlen: read("/proc/sys/net/unix/max_dgram_qlen", d.max_dgram_qlen),
            somaxconn: read("/proc/sys/net/core/somaxconn", d.somaxconn),
        }
    }
}

/// Sockets by socket type and abstract name (the bytes after the family).
type AbstractNames = HashMap<(i32, Vec<u8>), Weak<UnixSocket>>;

/// The namespace: see the module documentation.
pub struct Namespace {
    /// Abstract names.
    abstract_names: Mutex<AbstractNames>,
    /// Sockets bound to a socket file, by its device and inode number.
    paths: Mutex<HashMap<(u64, u64), Weak<UnixSocket>>>,
    /// Every socket not yet released, by id.
    sockets: Mutex<BTreeMap<u64, Weak<UnixSocket>>>,
    next_id: AtomicU64,
    /// The host's settings.
    pub limits: Limits,
    /// Serialises collections of unreachable sockets in flight (`gc`).
    pub(super) gc: Mutex<()>,
    /// How many references to Unix sockets messages carry now.
    pub(super) in_flight: AtomicUsize,
}

impl Default for Namespace {
    fn default() -> Namespace {
        Namespace::with_limits(Limits::of_host())
    }
}

impl Namespace {
    /// A namespace with `limits`.
    pub fn with_limits(limits: Limits) -> Namespace {
        Namespace {
            abstract_names: Mutex::new(HashMap::new()),
            paths: Mutex::new(HashMap::new()),
            sockets: Mutex::new(BTreeMap::new()),
            next_id: AtomicU64::new(1),
            limits,
            gc: Mutex::new(()),
            in_flight: AtomicUsize::new(0),
        }
    }

    /// A new socket's id.
    pub fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Lists `sock` (until [`Namespace::unregister`]).
    pub fn register(&self, sock: &Arc<UnixSocket>) {
        self.sockets.lock().insert(sock.id, Arc::downgrade(sock));
    }

    /// Takes socket `id` off the list.
    pub fn unregister(&self, id: u64) {
        self.sockets.lock().remove(&id);
    }

    /// The sockets listed now, in the order made.
    pub fn sockets(&self) -> Vec<Arc<UnixSocket>> {
        self.sockets.lock().values().filter_map(Weak::upgrade).collect()
    }

    /// Gives `sock` abstract name `name` among sockets of type `ty`
    /// (`EADDRINUSE` if a live socket holds it).
    pub fn bind_abstract(&self, ty: i32, name: &[u8], sock: &Arc<UnixSocket>) -> Result<(), Errno> {
        let mut names = self.abstract_names.lock();
        let key = (ty, name.to_vec());
        if names.get(&key).is_some_and(|w| w.strong_count() > 0) {
            return Err(EADDRINUSE);
        }
        names.insert(key, Arc::downgrade(sock));
        Ok(())
    }

    /// Gives `sock` a free autobind name (Linux's: a NUL and five hex
    /// digits, tried in turn from a random one); `ENOSPC` when all are
    /// taken.
    pub fn autobind(&self, ty: i32, sock: &Arc<UnixSocket>) -> Result<UnixAddr, Errno> {
        let mut seed = [0u8; 4];
        // Without entropy (never on Linux) the first name is merely fixed.
        let _ = getrandom::fill(&mut seed);
        let last = u32::from_ne_bytes(seed) & 0xf_ffff;
        let mut n = last;
        let mut names = self.abstract_names.lock();
        loop {
            n = (n + 1) & 0xf_ffff;
            let addr = UnixAddr::autobind(n);
            let key = (ty, addr.bytes()[super::addr::PATH_OFFSET..].to_vec());
            if names.get(&key).is_none_or(|w| w.strong_count() == 0) {
                names.insert(key, Arc::downgrade(sock));
                return Ok(addr);
            }
            if n == last {
                return Err(ENOSPC);
            }
        }
    }

    /// The live socket of type `ty` with abstract name `name`.
    pub fn find_abstract(&self, ty: i32, name: &[u8]) -> Option<Arc<UnixSocket>> {
        self.abstract_names.lock().get(&(ty, name.to_vec())).and_then(Weak::upgrade)
    }

    /// Frees abstract name `name` of type `ty` if `sock` holds it.
    pub fn unbind_abstract(&self, ty: i32, name: &[u8], sock: &UnixSocket) {
        let mut names = self.abstract_names.lock();
        let key = (ty, name.to_vec());
        if names.get(&key).is_some_and(|w| std::ptr::eq(w.as_ptr(), sock)) {
            names.remove(&key);
        }
    }

    /// Records `sock` as bound to the socket file `key` (device, inode).
    pub fn bind_path(&self, key: (u64, u64), sock: &Arc<UnixSocket>) {
        self.paths.lock().insert(key, Arc::downgrade(sock));
    }

    /// The live socket bound to the socket file `key`.
    pub fn find_path(&self, key: (u64, u64)) -> Option<Arc<UnixSocket>> {
        self.paths.lock().get(&key).and_then(Weak::upgrade)
    }

    /// Forgets the socket file `key` if `sock` is bound to it.
    pub fn unbind_path(&self, key: (u64, u64), sock: &UnixSocket) {
        let mut paths = self.paths.lock();
        if paths.get(&key).is_some_and(|w| std::ptr::eq(w.as_ptr(), sock)) {
            paths.remove(&key);
        }
    }

    /// `/proc/net/unix`: a header, then a line per socket, as Linux's
    /// `unix_seq_show` prints them (kernel addresses as the zeros a
    /// reader without privilege sees).
    pub fn proc_text(&self) -> Vec<u8> {
        let mut out = b"Num       RefCount Protocol Flags    Type St Inode Path\n".to_vec();
        for s in self.sockets() {
            let line = s.proc_line();
            let _ = write!(out, "0000000000000000: {:08X} {:08X} {:08X} {:04X} {:02X} {:5}", line.refs, 0, line.flags, line.ty, line.state, line.ino);
            if let Some(name) = line.name {
                out.push(b' ');
                out.extend_from_slice(&name);
            }
            out.push(b'\n');
        }
        out
    }
}

/// What `/proc/net/unix` shows of a socket.
pub struct ProcLine {
    /// A reference count (Linux's `sk_refcnt`, approximated).
    pub refs: u32,
    /// `__SO_ACCEPTCON` for a listener.
    pub flags: u32,
    /// The socket type.
    pub ty: i32,
    /// The `SS_*` state.
    pub state: u32,
    /// The socket's inode number (0 for a connection not yet accepted).
    pub ino: u64,
    /// Its name as printed.
    pub name: Option<Vec<u8>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use abi::socket::sock;

    #[test]
    fn abstract_names_are_per_type_and_freed_with_their_socket() {
        let ns = Arc::new(Namespace::with_limits(Limits::LINUX));
        let a = UnixSocket::new(&ns, sock::STREAM);
        let b = UnixSocket::new(&ns, sock::DGRAM);
        ns.bind_abstract(sock::STREAM, b"\0n", &a).unwrap();
        assert_eq!(ns.bind_abstract(sock::STREAM, b"\0n", &b), Err(EADDRINUSE));
        ns.bind_abstract(sock::DGRAM, b"\0n", &b).unwrap();
        assert!(Arc::ptr_eq(&ns.find_abstract(sock::STREAM, b"\0n").unwrap(), &a));
        assert!(ns.find_abstract(sock::SEQPACKET, b"\0n").is_none());
        ns.unbind_abstract(sock::STREAM, b"\0n", &b);
        assert!(ns.find_abstract(sock::STREAM, b"\0n").is_some(), "only its holder frees a name");
        drop(a);
        let c = UnixSocket::new(&ns, sock::STREAM);
        ns.bind_abstract(sock::STREAM, b"\0n", &c).unwrap();
        let auto = ns.autobind(sock::STREAM, &c).unwrap();
        assert_eq!(auto.bytes().len(), 8);
        assert!(Arc::ptr_eq(&ns.find_abstract(sock::STREAM, &auto.bytes()[2..]).unwrap(), &c));
        assert_eq!(ns.sockets().len(), 2);
    }

    #[test]
    fn proc_net_unix_is_linuxs_format() {
        let ns = Arc::new(Namespace::with_limits(Limits::LINUX));
        let _s = UnixSocket::new(&ns, sock::DGRAM);
        let text = String::from_utf8(ns.proc_text()).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("Num       RefCount Protocol Flags    Type St Inode Path"));
        assert_eq!(lines.next(), Some("0000000000000000: 00000002 00000000 00000000 0002 01     0"));
        assert_eq!(lines.next(), None);
    }
}
