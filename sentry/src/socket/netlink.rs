//! Netlink sockets, `NETLINK_ROUTE` only (other protocols are
//! `EPROTONOSUPPORT`): enough for `getifaddrs`, `if_nameindex` and the
//! listings of `ip addr`, `ip link` and `ip route`.
//!
//! Each sandbox socket is a host `NETLINK_ROUTE` socket in the sentry's
//! network namespace (the sandbox's), which answers the requests, so
//! every listing is the namespace's own and exactly Linux's. Requests are
//! filtered first: only those that cannot change the network reach the
//! host (the `RTM_GET*` kinds, and the control messages and non-requests
//! the kernel only acknowledges). Every other request (`RTM_NEW*`,
//! `RTM_DEL*`, `RTM_SET*`) is refused as Linux refuses it to a process
//! without `CAP_NET_ADMIN`: an `NLMSG_ERROR` acknowledgement carrying
//! `-EPERM` and the request. To keep that answer in its place among the
//! host's, the refused request travels to the host as an `NLMSG_NOOP`
//! asking for an acknowledgement, marked with a token in its `nlmsg_pid`,
//! and the host's acknowledgement is rewritten into the refusal when it
//! is received. Messages are walked as Linux's `netlink_rcv_skb` walks
//! them: a header shorter than `struct nlmsghdr` or longer than what is
//! left ends the batch, silently, and `sendmsg` still reports every byte
//! sent.
//!
//! Port ids are the sandbox's: a socket binds (explicitly, or on its
//! first send or connect) to the id asked for, else to its process's
//! sandbox PID if free, else to a negative one, as Linux picks them. The
//! host socket's own id (the sentry's host PID, or another host number)
//! never reaches the app: the replies addressed to it carry the
//! sandbox's id, and any other sender's id (in a notification) reads 0.
//!
//! Partial: messages to other user ports (a destination port or group,
//! by `connect` or `sendto`) are `EPERM`, as without `CAP_NET_ADMIN`;
//! `NETLINK_PKTINFO` and `NETLINK_LISTEN_ALL_NSID` are refused
//! (`ENOPROTOOPT`, `EPERM`); no ancillary data is delivered.

use std::collections::{HashSet, VecDeque};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::Arc;

use abi::errno::{EADDRINUSE, EAGAIN, EINVAL, EMSGSIZE, ENOPROTOOPT, EOPNOTSUPP, EPERM, EPROTONOSUPPORT, ESOCKTNOSUPPORT};
use abi::fs::Stat;
use abi::socket::{af, msg, netlink as nl, so, sock, sol};
use abi::Errno;
use parking_lot::Mutex;

use super::inet::{blocking, device_ioctl, SockInode, Timeout};
use super::{host, Incoming, Outgoing, SockAddr, Socket};
use crate::kernel::task::Task;
use crate::vfs::poll::{host_readiness, PollTable};
use crate::vfs::OpenFile;

/// The most refused requests whose acknowledgements may be pending at
/// once; beyond it the oldest is forgotten (its acknowledgement then
/// reads as the host's plain `NLMSG_NOOP` one).
const PENDING_MAX: usize = 1024;

/// The mark of a token in a substituted request's `nlmsg_pid`.
const TOKEN_MARK: u32 = 0x5b00_0000;

/// The sandbox's netlink port ids in use, by every netlink socket of
/// this sentry (one per sandbox).
static PORTS: Mutex<Option<HashSet<u32>>> = Mutex::new(None);

/// Takes port `want` (`EADDRINUSE` if taken), or with `None` one Linux's
/// autobind would pick: `tgid`, else the next free negative id.
fn take_port(want: Option<u32>, tgid: i32) -> Result<u32, Errno> {
    let mut ports = PORTS.lock();
    let ports = ports.get_or_insert_with(HashSet::new);
    let port = match want {
        Some(p) if ports.contains(&p) => return Err(EADDRINUSE),
        Some(p) => p,
        None if !ports.contains(&(tgid as u32)) => tgid as u32,
        None => (4096u32..).map(|n| n.wrapping_neg()).find(|p| !ports.contains(p)).unwrap_or(0),
    };
    ports.insert(port);
    Ok(port)
}

/// A netlink socket's state.
#[derive(Default)]
struct State {
    /// The sandbox's port id (0: not bound yet).
    port: u32,
    /// The host socket's port id, once bound.
    host_port: u32,
    /// The multicast groups bound (`nl_groups`).
    groups: u32,
    /// Whether the app connected (to the kernel).
    connected: bool,
    /// Whether acknowledgements leave the request out (`NETLINK_CAP_ACK`).
    cap_ack: bool,
    /// Refused requests whose acknowledgements are on their way: token
    /// and the request as the app sent it.
    refused: VecDeque<(u32, Vec<u8>)>,
    /// The next token.
    next_token: u32,
}

/// A `NETLINK_ROUTE` socket.
pub struct NetlinkSocket {
    fd: Arc<OwnedFd>,
    ty: i32,
    inode: SockInode,
    rcvtimeo: Timeout,
    sndtimeo: Timeout,
    state: Mutex<State>,
}

/// A new netlink socket of type `ty` and `protocol`.
pub fn create(t: &mut Task, ty: i32, protocol: i32) -> Result<Arc<dyn Socket>, Errno> {
    if ty != sock::RAW && ty != sock::DGRAM {
        return Err(ESOCKTNOSUPPORT);
    }
    if protocol != nl::ROUTE {
        return Err(EPROTONOSUPPORT);
    }
    let fd = host::socket(af::NETLINK, ty, protocol)?;
    Ok(Arc::new(NetlinkSocket { fd: Arc::new(fd), ty, inode: SockInode::new(t), rcvtimeo: Timeout::new(), sndtimeo: Timeout::new(), state: Mutex::new(State::default()) }))
}

/// A `struct sockaddr_nl`.
fn sockaddr(pid: u32, groups: u32) -> Vec<u8> {
    let mut a = vec![0u8; nl::SOCKADDR_LEN];
    a[..2].copy_from_slice(&(af::NETLINK as u16).to_ne_bytes());
    a[4..8].copy_from_slice(&pid.to_ne_bytes());
    a[8..12].copy_from_slice(&groups.to_ne_bytes());
    a
}

/// The `u32` at `at` of `b`.
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The `u16` at `at` of `b`.
fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes([b[at], b[at + 1]])
}

/// `NLMSG_ALIGN`.
fn align(n: usize) -> usize {
    (n + 3) & !3
}

/// The messages of a buffer as Linux's `netlink_rcv_skb` walks them:
/// `(offset, length)` of each, until a header that does not fit.
fn messages(b: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    while b.len() - at >= nl::HDRLEN {
        let len = u32_at(b, at) as usize;
        if len < nl::HDRLEN || len > b.len() - at {
            break;
        }
        out.push((at, len));
        at += align(len).min(b.len() - at);
    }
    out
}

/// Whether the host may see message `m` as it is: what the kernel only
/// acknowledges (not a request, a control message, no payload), and the
/// `RTM_GET*` kinds, which Linux lets anyone make.
fn harmless(m: &[u8]) -> bool {
    let (ty, flags) = (u16_at(m, 4), u16_at(m, 6));
    flags & nl::F_REQUEST == 0 || ty < nl::MIN_TYPE || m.len() == nl::HDRLEN || (ty - nl::MIN_TYPE) & 3 == 2
}

/// The `NLMSG_NOOP` request that stands in for a refused request at the
/// host: it asks for an acknowledgement, with the request's sequence
/// number and `token`.
fn stand_in(m: &[u8], token: u32) -> [u8; nl::HDRLEN] {
    let mut h = [0u8; nl::HDRLEN];
    h[..4].copy_from_slice(&(nl::HDRLEN as u32).to_ne_bytes());
    h[4..6].copy_from_slice(&nl::NOOP.to_ne_bytes());
    h[6..8].copy_from_slice(&(nl::F_REQUEST | nl::F_ACK).to_ne_bytes());
    h[8..12].copy_from_slice(&m[8..12]);
    h[12..16].copy_from_slice(&token.to_ne_bytes());
    h
}

/// The acknowledgement refusing `request` with `EPERM`, for port `port`:
/// Linux's `netlink_ack`, the request whole unless `capped`.
fn refusal(request: &[u8], port: u32, capped: bool) -> Vec<u8> {
    let echoed = if capped { &request[..nl::HDRLEN] } else { request };
    let len = nl::HDRLEN + 4 + echoed.len();
    let mut r = Vec::with_capacity(align(len));
    r.extend_from_slice(&(len as u32).to_ne_bytes());
    r.extend_from_slice(&nl::ERROR.to_ne_bytes());
    r.extend_from_slice(&(if capped { nl::F_CAPPED } else { 0 }).to_ne_bytes());
    r.extend_from_slice(&request[8..12]);
    r.extend_from_slice(&port.to_ne_bytes());
    r.extend_from_slice(&(-EPERM.0).to_ne_bytes());
    r.extend_from_slice(echoed);
    r.resize(align(len), 0);
    r
}

impl NetlinkSocket {
    fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Binds the socket if it is not yet (Linux's autobind): returns its
    /// port id.
    fn autobind(&self, t: &Task) -> Result<u32, Errno> {
        let mut st = self.state.lock();
        if st.port != 0 {
            return Ok(st.port);
        }
        let groups = st.groups;
        self.bind_locked(&mut st, t, None, groups)
    }

    /// Binds the host socket (to `groups`) and the sandbox's port id
    /// (`want`, or one picked).
    fn bind_locked(&self, st: &mut State, t: &Task, want: Option<u32>, groups: u32) -> Result<u32, Errno> {
        let port = take_port(want, t.tg.tgid)?;
        let r = host::bind(self.fd(), &sockaddr(0, groups)).and_then(|_| host::local_addr(self.fd()));
        match r {
            Ok(name) if name.len() >= nl::SOCKADDR_LEN => {
                st.port = port;
                st.host_port = u32_at(&name, 4);
                st.groups = groups;
                Ok(port)
            }
            Ok(_) => {
                release_port(port);
                Err(EINVAL)
            }
            Err(e) => {
                release_port(port);
                Err(e)
            }
        }
    }

    /// The batch of requests to hand the host for `data`: harmless
    /// messages as they are, the others' stand-ins (remembered, so that
    /// their acknowledgements become refusals).
    fn filter(&self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len());
        let mut st = self.state.lock();
        for (at, len) in messages(data) {
            let m = &data[at..at + len];
            if harmless(m) {
                out.extend_from_slice(m);
                out.resize(align(out.len()), 0);
                continue;
            }
            let token = TOKEN_MARK | (st.next_token & 0x00ff_ffff);
            st.next_token = st.next_token.wrapping_add(1);
            if st.refused.len() >= PENDING_MAX {
                st.refused.pop_front();
            }
            st.refused.push_back((token, m.to_vec()));
            out.extend_from_slice(&stand_in(m, token));
        }
        out
    }

    /// Rewrites a datagram the host sent for the app: the host's port id
    /// becomes the sandbox's, other senders' ids 0, and the
    /// acknowledgements of stand-ins the refusals of their requests (kept
    /// for the next receive when `peek`).
    fn rewrite(&self, data: &[u8], peek: bool) -> Vec<u8> {
        let mut st = self.state.lock();
        let (port, host_port, capped) = (st.port, st.host_port, st.cap_ack);
        let mut out = Vec::with_capacity(data.len());
        let mut end = 0;
        for (at, len) in messages(data) {
            let m = &data[at..at + len];
            end = at + align(len).min(data.len() - at);
            let ack_of = (u16_at(m, 4) == nl::ERROR && len >= nl::HDRLEN + 4 + nl::HDRLEN && u16_at(m, 20 + 4) == nl::NOOP).then(|| u32_at(m, 20 + 12));
            if let Some(i) = ack_of.and_then(|tok| st.refused.iter().position(|(t, _)| *t == tok)) {
                let r = refusal(&st.refused[i].1, port, capped);
                if !peek {
                    st.refused.remove(i);
                }
                out.extend_from_slice(&r);
                continue;
            }
            let start = out.len();
            out.extend_from_slice(&data[at..end]);
            let pid = u32_at(m, 12);
            let mapped = if pid == host_port && pid != 0 { port } else { 0 };
            out[start + 12..start + 16].copy_from_slice(&mapped.to_ne_bytes());
        }
        // What follows the last whole message comes as it is.
        out.extend_from_slice(&data[end..]);
        out
    }
}

/// Frees a sandbox port id.
fn release_port(port: u32) {
    if let Some(ports) = PORTS.lock().as_mut() {
        ports.remove(&port);
    }
}

impl Drop for NetlinkSocket {
    fn drop(&mut self) {
        let port = self.state.get_mut().port;
        if port != 0 {
            release_port(port);
        }
    }
}

/// What the sentry does with a netlink socket's option.
fn option(level: i32, name: i32) -> Result<(), Errno> {
    match (level, name) {
        (sol::SOCKET, so::SNDBUF | so::RCVBUF | so::PASSCRED | so::RCVLOWAT) => Ok(()),
        (sol::SOCKET, so::SNDBUFFORCE | so::RCVBUFFORCE) => Err(EPERM),
        (sol::SOCKET, so::ERROR) => Ok(()),
        (sol::NETLINK, nl::ADD_MEMBERSHIP | nl::DROP_MEMBERSHIP | nl::BROADCAST_ERROR | nl::NO_ENOBUFS | nl::LIST_MEMBERSHIPS | nl::CAP_ACK | nl::EXT_ACK | nl::GET_STRICT_CHK) => Ok(()),
        (sol::NETLINK, nl::LISTEN_ALL_NSID) => Err(EPERM),
        _ => Err(ENOPROTOOPT),
    }
}

impl Socket for NetlinkSocket {
    fn identity(&self) -> (i32, i32, i32) {
        (af::NETLINK, self.ty, nl::ROUTE)
    }

    fn bind(&self, t: &mut Task, addr: &[u8]) -> Result<(), Errno> {
        if addr.len() < nl::SOCKADDR_LEN || u16_at(addr, 0) as i32 != af::NETLINK {
            return Err(EINVAL);
        }
        let (pid, groups) = (u32_at(addr, 4), u32_at(addr, 8));
        let mut st = self.state.lock();
        if st.port != 0 {
            if pid != st.port {
                return Err(EINVAL);
            }
            // Bound already: only the groups change.
            host::bind(self.fd(), &sockaddr(st.host_port, groups))?;
            st.groups = groups;
            return Ok(());
        }
        self.bind_locked(&mut st, t, (pid != 0).then_some(pid), groups).map(drop)
    }

    fn listen(&self, _t: &mut Task, _backlog: i32) -> Result<(), Errno> {
        Err(EOPNOTSUPP)
    }

    fn connect(&self, t: &mut Task, addr: &[u8], _nonblock: bool) -> Result<(), Errno> {
        if addr.len() < 2 {
            return Err(EINVAL);
        }
        if u16_at(addr, 0) as i32 == af::UNSPEC {
            self.state.lock().connected = false;
            return Ok(());
        }
        if u16_at(addr, 0) as i32 != af::NETLINK || addr.len() < nl::SOCKADDR_LEN {
            return Err(EINVAL);
        }
        if u32_at(addr, 4) != 0 || u32_at(addr, 8) != 0 {
            return Err(EPERM);
        }
        self.autobind(t)?;
        self.state.lock().connected = true;
        Ok(())
    }

    fn accept(&self, _t: &mut Task, _file_flags: u32, _nonblock: bool) -> Result<(Arc<OpenFile>, SockAddr), Errno> {
        Err(EOPNOTSUPP)
    }

    fn shutdown(&self, _t: &mut Task, how: i32) -> Result<(), Errno> {
        host::shutdown(self.fd(), how)
    }

    fn send(&self, t: &mut Task, m: Outgoing<'_>, nonblock: bool) -> Result<usize, Errno> {
        if m.flags & msg::OOB != 0 {
            return Err(EOPNOTSUPP);
        }
        if let Some(to) = m.to {
            if to.len() < nl::SOCKADDR_LEN || u16_at(to, 0) as i32 != af::NETLINK {
                return Err(EINVAL);
            }
            if u32_at(to, 4) != 0 || u32_at(to, 8) != 0 {
                return Err(EPERM);
            }
        }
        let sndbuf = host::getsockopt(self.fd(), sol::SOCKET, so::SNDBUF, 4)?;
        let sndbuf = sndbuf.get(..4).map_or(0, |_| u32_at(&sndbuf, 0) as usize);
        if m.data.len() > sndbuf.saturating_sub(32) {
            return Err(EMSGSIZE);
        }
        self.autobind(t)?;
        let batch = self.filter(m.data);
        if !batch.is_empty() {
            let flags = (m.flags & (msg::DONTWAIT | msg::CONFIRM)) | msg::DONTWAIT | msg::NOSIGNAL;
            blocking(t, self.fd(), libc::POLLOUT, nonblock, self.sndtimeo.deadline(), EAGAIN, || host::send(self.fd(), &batch, None, &[], flags))?;
        }
        Ok(m.data.len())
    }

    fn recv(&self, t: &mut Task, want: usize, flags: u32, nonblock: bool) -> Result<Incoming, Errno> {
        let host_flags = msg::DONTWAIT | msg::TRUNC;
        let once = nonblock || flags & msg::ERRQUEUE != 0;
        let deadline = self.rcvtimeo.deadline();
        // The datagram's length first (nothing taken), then all of it, to
        // rewrite it whole; another thread may take it in between.
        let (data, from) = blocking(t, self.fd(), libc::POLLIN, once, deadline, EAGAIN, || {
            let mut probe = Vec::new();
            let whole = host::recv(self.fd(), &mut probe, 0, host_flags | msg::PEEK, false, 0)?;
            let mut data = Vec::new();
            let r = host::recv(self.fd(), &mut data, whole.len, host_flags | (flags & msg::PEEK), true, 0)?;
            data.truncate(r.len);
            Ok((data, r.from))
        })?;
        let mut data = self.rewrite(&data, flags & msg::PEEK != 0);
        let len = data.len();
        data.truncate(want);
        // The kernel's address, and the group a notification came to.
        let from = from.map(|f| sockaddr(0, if f.len() >= nl::SOCKADDR_LEN { u32_at(&f, 8) } else { 0 }));
        Ok(Incoming { data, len, from, ..Incoming::default() })
    }

    fn local_addr(&self, _t: &Task) -> Result<SockAddr, Errno> {
        let st = self.state.lock();
        Ok(sockaddr(st.port, st.groups))
    }

    fn peer_addr(&self, _t: &Task) -> Result<SockAddr, Errno> {
        Ok(sockaddr(0, 0))
    }

    fn setsockopt(&self, _t: &mut Task, level: i32, name: i32, value: &[u8]) -> Result<(), Errno> {
        match (level, name) {
            (sol::SOCKET, so::RCVTIMEO | 66) => return self.rcvtimeo.set(self.fd(), name, value),
            (sol::SOCKET, so::SNDTIMEO | 67) => return self.sndtimeo.set(self.fd(), name, value),
            (sol::SOCKET, so::ERROR) => return Err(ENOPROTOOPT),
            _ => option(level, name)?,
        }
        host::setsockopt(self.fd(), level, name, value)?;
        if (level, name) == (sol::NETLINK, nl::CAP_ACK) {
            let on = value.get(..4).is_some_and(|b| u32_at(b, 0) != 0);
            self.state.lock().cap_ack = on;
        }
        Ok(())
    }

    fn getsockopt(&self, _t: &mut Task, level: i32, name: i32) -> Result<Vec<u8>, Errno> {
        match (level, name) {
            (sol::SOCKET, so::RCVTIMEO | 66) => Ok(self.rcvtimeo.get()),
            (sol::SOCKET, so::SNDTIMEO | 67) => Ok(self.sndtimeo.get()),
            _ => {
                option(level, name)?;
                host::getsockopt(self.fd(), level, name, 256)
            }
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
        device_ioctl(t, self.fd(), cmd, arg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(ty: u16, flags: u16, seq: u32, pid: u32, payload: &[u8]) -> Vec<u8> {
        let len = nl::HDRLEN + payload.len();
        let mut m = Vec::new();
        m.extend_from_slice(&(len as u32).to_ne_bytes());
        m.extend_from_slice(&ty.to_ne_bytes());
        m.extend_from_slice(&flags.to_ne_bytes());
        m.extend_from_slice(&seq.to_ne_bytes());
        m.extend_from_slice(&pid.to_ne_bytes());
        m.extend_from_slice(payload);
        m.resize(align(len), 0);
        m
    }

    #[test]
    fn messages_are_walked_as_linux_walks_them() {
        let a = message(nl::RTM_GETLINK, nl::F_REQUEST | nl::F_DUMP, 1, 0, &[0; 1]);
        let b = message(nl::RTM_GETADDR, nl::F_REQUEST | nl::F_DUMP, 2, 0, &[0; 8]);
        let both = [a.clone(), b.clone()].concat();
        assert_eq!(messages(&both), vec![(0, 17), (20, 24)]);
        // A length past the end, or below a header, ends the batch.
        let mut bad = both.clone();
        bad[20..24].copy_from_slice(&100u32.to_ne_bytes());
        assert_eq!(messages(&bad), vec![(0, 17)]);
        bad[20..24].copy_from_slice(&8u32.to_ne_bytes());
        assert_eq!(messages(&bad), vec![(0, 17)]);
        assert_eq!(messages(&both[..10]), vec![]);
        // The last message need not be padded.
        assert_eq!(messages(&both[..20 + 24]), vec![(0, 17), (20, 24)]);
    }

    #[test]
    fn only_what_cannot_change_the_network_reaches_the_host() {
        let req = nl::F_REQUEST | nl::F_ACK;
        assert!(harmless(&message(nl::RTM_GETLINK, req, 1, 0, &[0; 4])));
        assert!(harmless(&message(nl::RTM_GETROUTE, req, 1, 0, &[0; 4])));
        assert!(harmless(&message(nl::NOOP, req, 1, 0, &[])));
        assert!(harmless(&message(nl::RTM_NEWADDR, nl::F_ACK, 1, 0, &[0; 4])), "not a request: only acknowledged");
        assert!(harmless(&message(nl::RTM_NEWADDR, req, 1, 0, &[])), "no payload: only acknowledged");
        assert!(!harmless(&message(nl::RTM_NEWADDR, req, 1, 0, &[0; 4])));
        assert!(!harmless(&message(nl::RTM_NEWLINK, req, 1, 0, &[0; 4])));
        // RTM_DELROUTE, RTM_SETLINK, and a type past the known ones.
        assert!(!harmless(&message(25, req, 1, 0, &[0; 4])));
        assert!(!harmless(&message(19, req, 1, 0, &[0; 4])));
        assert!(!harmless(&message(0xfff0, req, 1, 0, &[0; 4])));
    }

    #[test]
    fn a_refusal_is_linux_s_eperm_acknowledgement() {
        let request = message(nl::RTM_NEWADDR, nl::F_REQUEST | nl::F_ACK, 7, 1234, &[2, 0, 0, 0, 9, 9, 9, 9]);
        let r = refusal(&request, 42, false);
        assert_eq!(u32_at(&r, 0) as usize, 16 + 4 + request.len());
        assert_eq!((u16_at(&r, 4), u16_at(&r, 6), u32_at(&r, 8), u32_at(&r, 12)), (nl::ERROR, 0, 7, 42));
        assert_eq!(i32::from_ne_bytes(r[16..20].try_into().unwrap()), -1);
        assert_eq!(&r[20..], &request[..]);
        let capped = refusal(&request, 42, true);
        assert_eq!(capped.len(), 36);
        assert_eq!(u16_at(&capped, 6), nl::F_CAPPED);
        let s = stand_in(&request, TOKEN_MARK | 3);
        assert_eq!((u16_at(&s, 4), u16_at(&s, 6), u32_at(&s, 8), u32_at(&s, 12)), (nl::NOOP, nl::F_REQUEST | nl::F_ACK, 7, TOKEN_MARK | 3));
    }

    #[test]
    fn ports_are_picked_as_linux_picks_them() {
        let tgid = 0x3fff_0001;
        let a = take_port(None, tgid).unwrap();
        assert_eq!(a, tgid as u32);
        let b = take_port(None, tgid).unwrap();
        assert!(b as i32 <= -4096, "{b:#x}");
        assert_eq!(take_port(Some(a), tgid), Err(EADDRINUSE));
        release_port(a);
        assert_eq!(take_port(Some(a), tgid), Ok(a));
        release_port(a);
        release_port(b);
    }
}
