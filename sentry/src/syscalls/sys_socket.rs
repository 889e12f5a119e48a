//! The socket calls: `socket`, `socketpair`, `bind`, `listen`,
//! `connect`, `accept`/`accept4`, `shutdown`, the send and receive
//! families (`sendto`, `recvfrom`, `sendmsg`, `recvmsg`, `sendmmsg`,
//! `recvmmsg`), `getsockname`, `getpeername`, `setsockopt` and
//! `getsockopt`.
//!
//! This file reads what the app passes (addresses, iovecs, control
//! messages), checks it as Linux does, and hands the socket copies: a
//! socket never sees an app pointer. Descriptors are checked first, as
//! Linux checks them: `EBADF` for one not open, `ENOTSOCK` for a file
//! that is not a socket, before any other argument is looked at.

use std::sync::Arc;

use abi::errno::{EAFNOSUPPORT, EBADF, EFAULT, EINVAL, EMFILE, EMSGSIZE, ENOBUFS, EPERM};
use abi::fs::o;
use abi::socket::{self as s, msg, scm, sock, sol, so, Cmsghdr, Mmsghdr, Msghdr, Ucred};
use abi::{Errno, Pod};

use super::sys_fd::nofile_limit;
use super::sys_read_write::{gather, read_iovecs, scatter};
use super::{Args, SysResult};
use crate::auth::cap;
use crate::kernel::task::Task;
use crate::socket::{self as socket, Incoming, Outgoing, SockAddr, Socket, SocketFile};
use crate::vfs::OpenFile;

/// The most control data one message may carry (Linux's `optmem_max`).
const CONTROL_MAX: usize = 128 << 10;

/// The socket open at descriptor `fd`, and whether its description is
/// non-blocking.
fn socket_at(t: &Task, fd: i32) -> Result<(Arc<dyn Socket>, bool), Errno> {
    let file = t.fds.get(fd)?;
    let sf = socket::socket_of(&file)?;
    Ok((sf.socket().clone(), sf.nonblocking()))
}

/// A socket address the app passes: `EINVAL` for a negative or too long
/// length, `EFAULT` for unreadable memory.
fn read_addr(t: &mut Task, addr: u64, len: u64) -> Result<SockAddr, Errno> {
    let len = usize::try_from(len as i32).map_err(|_| EINVAL)?;
    if len > s::SOCKADDR_MAX {
        return Err(EINVAL);
    }
    let mut buf = vec![0; len];
    t.copy_in(addr, &mut buf)?;
    Ok(buf)
}

/// Writes address `value` for the app (nothing when `addr` is null): as
/// much of it as the length at `len_ptr` allows, and its whole length
/// back there. `EINVAL` for a negative length.
fn write_addr(t: &mut Task, addr: u64, len_ptr: u64, value: &[u8]) -> Result<(), Errno> {
    if addr == 0 {
        return Ok(());
    }
    let room = usize::try_from(t.read_obj::<i32>(len_ptr)?).map_err(|_| EINVAL)?;
    t.copy_out(addr, &value[..value.len().min(room)])?;
    t.write_obj(len_ptr, &(value.len() as u32))
}

/// One past the highest socket type (`SOCK_MAX`): higher ones are
/// `EINVAL` whatever the family.
const SOCK_MAX: i32 = sock::PACKET + 1;

/// Checks the family and type of `socket` and `socketpair` as Linux's
/// `__sys_socket` and `__sock_create` do before the family sees them:
/// `EINVAL` for flags beside the type, `EAFNOSUPPORT` for a family out of
/// range, `EINVAL` for a type out of range.
fn check_family_and_type(domain: i32, ty: i32) -> Result<(), Errno> {
    if ty & !(sock::TYPE_MASK | sock::NONBLOCK | sock::CLOEXEC) != 0 {
        return Err(EINVAL);
    }
    if !(0..s::af::MAX).contains(&domain) {
        return Err(EAFNOSUPPORT);
    }
    if ty & sock::TYPE_MASK >= SOCK_MAX {
        return Err(EINVAL);
    }
    Ok(())
}

/// `socket(domain, type, protocol)`.
pub fn socket(t: &mut Task, a: Args) -> SysResult {
    let (domain, ty, protocol) = (a.int(0), a.int(1), a.int(2));
    check_family_and_type(domain, ty)?;
    let sock = socket::create(t, domain, ty & sock::TYPE_MASK, protocol)?;
    install(t, sock, ty)
}

/// Installs a new socket with the `SOCK_NONBLOCK` and `SOCK_CLOEXEC` of
/// `ty`; returns its descriptor.
fn install(t: &mut Task, sock: Arc<dyn Socket>, ty: i32) -> SysResult {
    let flags = if ty & sock::NONBLOCK != 0 { o::NONBLOCK } else { 0 };
    let limit = nofile_limit(t);
    t.fds.install(SocketFile::open(sock, flags), ty & sock::CLOEXEC != 0, limit).map(|fd| fd as u64)
}

/// `socketpair(domain, type, protocol, sv)`.
pub fn socketpair(t: &mut Task, a: Args) -> SysResult {
    let (domain, ty, protocol) = (a.int(0), a.int(1), a.int(2));
    check_family_and_type(domain, ty)?;
    let [x, y] = socket::create_pair(t, domain, ty & sock::TYPE_MASK, protocol)?;
    let flags = if ty & sock::NONBLOCK != 0 { o::NONBLOCK } else { 0 };
    let limit = nofile_limit(t);
    let files = [SocketFile::open(x, flags), SocketFile::open(y, flags)];
    let fds = t.fds.install_pair(files, ty & sock::CLOEXEC != 0, limit)?;
    let bytes: Vec<u8> = fds.iter().flat_map(|fd| fd.to_ne_bytes()).collect();
    if let Err(e) = t.copy_out(a.u64(3), &bytes) {
        // Linux closes both again when it cannot report them.
        for fd in fds {
            let _ = t.fds.remove(fd);
        }
        return Err(e);
    }
    Ok(0)
}

/// `bind(fd, addr, addrlen)`.
pub fn bind(t: &mut Task, a: Args) -> SysResult {
    let (sock, _) = socket_at(t, a.int(0))?;
    let addr = read_addr(t, a.u64(1), a.u64(2))?;
    sock.bind(t, &addr).map(|_| 0)
}

/// `listen(fd, backlog)`.
pub fn listen(t: &mut Task, a: Args) -> SysResult {
    let (sock, _) = socket_at(t, a.int(0))?;
    sock.listen(t, a.int(1)).map(|_| 0)
}

/// `connect(fd, addr, addrlen)`.
pub fn connect(t: &mut Task, a: Args) -> SysResult {
    let (sock, nonblock) = socket_at(t, a.int(0))?;
    let addr = read_addr(t, a.u64(1), a.u64(2))?;
    sock.connect(t, &addr, nonblock).map(|_| 0)
}

/// `accept(fd, addr, addrlen)`.
pub fn accept(t: &mut Task, a: Args) -> SysResult {
    do_accept(t, a.int(0), a.u64(1), a.u64(2), 0)
}

/// `accept4(fd, addr, addrlen, flags)`.
pub fn accept4(t: &mut Task, a: Args) -> SysResult {
    do_accept(t, a.int(0), a.u64(1), a.u64(2), a.int(3))
}

fn do_accept(t: &mut Task, fd: i32, addr: u64, len_ptr: u64, flags: i32) -> SysResult {
    if flags & !(sock::NONBLOCK | sock::CLOEXEC) != 0 {
        return Err(EINVAL);
    }
    let (sock, nonblock) = socket_at(t, fd)?;
    // Linux takes the descriptor before the connection: with none free
    // the call fails and the connection stays queued.
    let limit = nofile_limit(t);
    if !t.fds.has_free(limit) {
        return Err(EMFILE);
    }
    let file_flags = if flags & sock::NONBLOCK != 0 { o::NONBLOCK } else { 0 };
    let (conn, peer) = sock.accept(t, file_flags, nonblock)?;
    // As Linux, a fault writing the address loses the connection.
    write_addr(t, addr, len_ptr, &peer)?;
    t.fds.install(conn, flags & sock::CLOEXEC != 0, limit).map(|fd| fd as u64)
}

/// `shutdown(fd, how)`.
pub fn shutdown(t: &mut Task, a: Args) -> SysResult {
    let (sock, _) = socket_at(t, a.int(0))?;
    let how = a.int(1);
    if !(s::shut::RD..=s::shut::RDWR).contains(&how) {
        return Err(EINVAL);
    }
    sock.shutdown(t, how).map(|_| 0)
}

/// `getsockname(fd, addr, addrlen)`.
pub fn getsockname(t: &mut Task, a: Args) -> SysResult {
    let (sock, _) = socket_at(t, a.int(0))?;
    let name = sock.local_addr(t)?;
    write_name(t, a.u64(1), a.u64(2), &name)
}

/// `getpeername(fd, addr, addrlen)`.
pub fn getpeername(t: &mut Task, a: Args) -> SysResult {
    let (sock, _) = socket_at(t, a.int(0))?;
    let name = sock.peer_addr(t)?;
    write_name(t, a.u64(1), a.u64(2), &name)
}

/// `getsockname` and `getpeername` write the address whatever the
/// pointer (Linux's `move_addr_to_user`: a null one is `EFAULT` unless
/// the length given is 0).
fn write_name(t: &mut Task, addr: u64, len_ptr: u64, name: &[u8]) -> SysResult {
    let room = usize::try_from(t.read_obj::<i32>(len_ptr)?).map_err(|_| EINVAL)?;
    if room > 0 {
        if addr == 0 {
            return Err(EFAULT);
        }
        t.copy_out(addr, &name[..name.len().min(room)])?;
    }
    t.write_obj(len_ptr, &(name.len() as u32))?;
    Ok(0)
}

/// `setsockopt(fd, level, name, value, len)`.
pub fn setsockopt(t: &mut Task, a: Args) -> SysResult {
    let (sock, _) = socket_at(t, a.int(0))?;
    let len = usize::try_from(a.int(4)).map_err(|_| EINVAL)?;
    let mut value = vec![0; len.min(CONTROL_MAX)];
    t.copy_in(a.u64(3), &mut value)?;
    sock.setsockopt(t, a.int(1), a.int(2), &value).map(|_| 0)
}

/// `getsockopt(fd, level, name, value, len)`: the options every socket has
/// (its family, type and protocol) here, the rest by the socket.
pub fn getsockopt(t: &mut Task, a: Args) -> SysResult {
    let (sock, _) = socket_at(t, a.int(0))?;
    let (level, name, value_ptr, len_ptr) = (a.int(1), a.int(2), a.u64(3), a.u64(4));
    let room = usize::try_from(t.read_obj::<i32>(len_ptr)?).map_err(|_| EINVAL)?;
    let (domain, ty, protocol) = sock.identity();
    let value = match (level, name) {
        (sol::SOCKET, so::DOMAIN) => domain.to_ne_bytes().to_vec(),
        (sol::SOCKET, so::TYPE) => ty.to_ne_bytes().to_vec(),
        (sol::SOCKET, so::PROTOCOL) => protocol.to_ne_bytes().to_vec(),
        _ => sock.getsockopt(t, level, name)?,
    };
    let n = value.len().min(room);
    t.copy_out(value_ptr, &value[..n])?;
    t.write_obj(len_ptr, &(n as u32))?;
    Ok(0)
}

/// `sendto(fd, buf, len, flags, addr, addrlen)`.
pub fn sendto(t: &mut Task, a: Args) -> SysResult {
    let (sock, nonblock) = socket_at(t, a.int(0))?;
    let flags = a.uint(3);
    let len = (a.u64(2) as usize).min(i32::MAX as usize);
    let mut data = vec![0; len];
    t.copy_in(a.u64(1), &mut data)?;
    let to = if a.u64(4) != 0 { Some(read_addr(t, a.u64(4), a.u64(5))?) } else { None };
    let msg = Outgoing { data: &data, to: to.as_deref(), rights: Vec::new(), creds: None, control: Vec::new(), flags };
    send(t, &sock, msg, nonblock)
}

/// Sends `msg` on `sock`: `EPIPE` raises `SIGPIPE` (on a stream socket,
/// see [`socket::epipe_signals`]) unless `MSG_NOSIGNAL`.
fn send(t: &mut Task, sock: &Arc<dyn Socket>, msg: Outgoing<'_>, nonblock: bool) -> SysResult {
    let flags = msg.flags;
    let r = sock.send(t, msg, nonblock || flags & msg::DONTWAIT != 0);
    if r == Err(abi::errno::EPIPE) && flags & msg::NOSIGNAL == 0 && socket::epipe_signals(&**sock) {
        t.note_write_error(abi::errno::EPIPE);
    }
    r.map(|n| n as u64)
}

/// `recvfrom(fd, buf, len, flags, addr, addrlen)`.
pub fn recvfrom(t: &mut Task, a: Args) -> SysResult {
    let (sock, nonblock) = socket_at(t, a.int(0))?;
    let flags = a.uint(3);
    let want = (a.u64(2) as usize).min(i32::MAX as usize);
    let got = sock.recv(t, want, flags, nonblock || flags & msg::DONTWAIT != 0)?;
    t.copy_out(a.u64(1), &got.data)?;
    if let Some(from) = &got.from {
        write_addr(t, a.u64(4), a.u64(5), from)?;
    } else if a.u64(4) != 0 {
        t.write_obj(a.u64(5), &0u32)?;
    }
    Ok(reported_len(&got, flags) as u64)
}

/// What a receive returns: the bytes received, or with `MSG_TRUNC` the
/// whole datagram's length.
fn reported_len(got: &Incoming, flags: u32) -> usize {
    if flags & msg::TRUNC != 0 {
        got.len.max(got.data.len())
    } else {
        got.data.len()
    }
}

/// `sendmsg(fd, msg, flags)`.
pub fn sendmsg(t: &mut Task, a: Args) -> SysResult {
    let (sock, nonblock) = socket_at(t, a.int(0))?;
    let hdr: Msghdr = t.read_obj(a.u64(1))?;
    send_one(t, &sock, &hdr, a.uint(2), nonblock)
}

/// One message of `sendmsg` or `sendmmsg`.
fn send_one(t: &mut Task, sock: &Arc<dyn Socket>, hdr: &Msghdr, flags: u32, nonblock: bool) -> SysResult {
    if hdr.iovlen as usize > s::UIO_MAXIOV {
        return Err(EMSGSIZE);
    }
    // As `copy_msghdr_from_user`: a negative length is `EINVAL`, a long one
    // is cut to a `sockaddr_storage`.
    let namelen = usize::try_from(hdr.namelen as i32).map_err(|_| EINVAL)?.min(s::SOCKADDR_MAX);
    let to = if hdr.name != 0 && namelen != 0 { Some(read_addr(t, hdr.name, namelen as u64)?) } else { None };
    let Control { rights, creds, other: control } = read_control(t, hdr.control, hdr.controllen)?;
    let iovs = read_iovecs(t, hdr.iov, hdr.iovlen as i32)?;
    let data = gather(t, &iovs, usize::MAX)?;
    let msg = Outgoing { data: &data, to: to.as_deref(), rights, creds, control, flags };
    send(t, sock, msg, nonblock)
}

/// The control messages of a send.
#[derive(Default)]
struct Control {
    /// The files of `SCM_RIGHTS`.
    rights: Vec<Arc<OpenFile>>,
    /// The credentials of `SCM_CREDENTIALS`.
    creds: Option<Ucred>,
    /// The messages at other levels, as the app laid them out.
    other: Vec<u8>,
}

/// The control messages of a send: the files of `SCM_RIGHTS` and the
/// credentials of `SCM_CREDENTIALS`, checked as Linux's `__scm_send`
/// checks them. Messages at other levels are the family's (IP sockets
/// hand them to the host; Unix sockets ignore them, as Linux does).
fn read_control(t: &mut Task, addr: u64, len: u64) -> Result<Control, Errno> {
    if len == 0 {
        return Ok(Control::default());
    }
    let len = usize::try_from(len).ok().filter(|&l| l <= CONTROL_MAX && l <= i32::MAX as usize).ok_or(ENOBUFS)?;
    let mut buf = vec![0; len];
    t.copy_in(addr, &mut buf)?;
    let (mut rights, mut creds, mut other) = (Vec::new(), None, Vec::new());
    let head = std::mem::size_of::<Cmsghdr>();
    let mut at = 0;
    while at + head <= buf.len() {
        let c = Cmsghdr::read_from(&buf[at..]).ok_or(EINVAL)?;
        let clen = usize::try_from(c.len).map_err(|_| EINVAL)?;
        if clen < head || clen > buf.len() - at {
            return Err(EINVAL);
        }
        let data = &buf[at + head..at + clen];
        if c.level == sol::SOCKET {
            match c.typ {
                scm::RIGHTS => {
                    // As `scm_fp_copy`: whole descriptors only (bytes
                    // beyond the last are ignored), at most SCM_MAX_FD.
                    if data.len() / 4 > s::SCM_MAX_FD || rights.len() + data.len() / 4 > s::SCM_MAX_FD {
                        return Err(EINVAL);
                    }
                    for fd in data.chunks_exact(4).map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]])) {
                        rights.push(t.fds.get(fd).map_err(|_| EBADF)?);
                    }
                }
                scm::CREDENTIALS => {
                    let u = Ucred::read_from(data).filter(|_| data.len() == std::mem::size_of::<Ucred>()).ok_or(EINVAL)?;
                    check_creds(t, &u)?;
                    creds = Some(u);
                }
                _ => return Err(EINVAL),
            }
        } else {
            other.extend_from_slice(&buf[at..at + clen]);
            other.resize(s::cmsg_align(other.len()), 0);
        }
        at += s::cmsg_align(clen);
    }
    Ok(Control { rights, creds, other })
}

/// Credentials a sender may claim (`scm_check_creds`): its own process,
/// or any with `CAP_SYS_ADMIN`; one of its user ids, or any with
/// `CAP_SETUID`; one of its group ids, or any with `CAP_SETGID`.
fn check_creds(t: &Task, u: &Ucred) -> Result<(), Errno> {
    let c = t.tg.creds.lock();
    let pid_ok = u.pid == t.tg.tgid || c.has_cap(cap::SYS_ADMIN);
    let uid_ok = [c.uid, c.euid, c.suid].contains(&u.uid) || c.has_cap(cap::SETUID);
    let gid_ok = [c.gid, c.egid, c.sgid].contains(&u.gid) || c.has_cap(cap::SETGID);
    if pid_ok && uid_ok && gid_ok {
        Ok(())
    } else {
        Err(EPERM)
    }
}

/// `recvmsg(fd, msg, flags)`.
pub fn recvmsg(t: &mut Task, a: Args) -> SysResult {
    let (sock, nonblock) = socket_at(t, a.int(0))?;
    let mut hdr: Msghdr = t.read_obj(a.u64(1))?;
    let n = recv_one(t, &sock, &mut hdr, a.uint(2), nonblock)?;
    t.write_obj(a.u64(1), &hdr)?;
    Ok(n as u64)
}

/// One message of `recvmsg` or `recvmmsg`, into the buffers `hdr` names;
/// updates its name length, control length and flags.
fn recv_one(t: &mut Task, sock: &Arc<dyn Socket>, hdr: &mut Msghdr, flags: u32, nonblock: bool) -> Result<usize, Errno> {
    if hdr.iovlen as usize > s::UIO_MAXIOV {
        return Err(EMSGSIZE);
    }
    if (hdr.namelen as i32) < 0 {
        return Err(EINVAL);
    }
    let iovs = read_iovecs(t, hdr.iov, hdr.iovlen as i32)?;
    let want = iovs.iter().map(|v| v.len as usize).sum();
    let control_room = if hdr.control == 0 { 0 } else { hdr.controllen as usize };
    let mut got = sock.recv_msg(t, want, control_room, flags, nonblock || flags & msg::DONTWAIT != 0)?;
    scatter(t, &iovs, &got.data)?;
    hdr.namelen = match (&got.from, hdr.name) {
        (Some(from), name) if name != 0 => {
            let n = from.len().min(hdr.namelen as usize);
            t.copy_out(name, &from[..n])?;
            from.len() as u32
        }
        _ => 0,
    };
    let mut out_flags = got.flags & !msg::CMSG_CLOEXEC;
    if got.len > got.data.len() {
        out_flags |= msg::TRUNC;
    }
    let (used, truncated) = write_control(t, hdr.control, hdr.controllen as usize, &got.control, got.creds, std::mem::take(&mut got.rights), flags & msg::CMSG_CLOEXEC != 0)?;
    if truncated {
        out_flags |= msg::CTRUNC;
    }
    hdr.controllen = used as u64;
    hdr.flags = out_flags;
    Ok(reported_len(&got, flags))
}

/// Writes the control messages of a receive into the app's buffer of
/// `room` bytes at `addr`: the family's own (`family`, already cut to
/// fit), the credentials, then the received files as new descriptors, as
/// many as fit (the rest are closed, as Linux's `scm_detach_fds` does).
/// Returns the bytes used and whether anything was cut (`MSG_CTRUNC`).
fn write_control(t: &mut Task, addr: u64, room: usize, family: &[u8], creds: Option<Ucred>, rights: Vec<Arc<OpenFile>>, cloexec: bool) -> Result<(usize, bool), Errno> {
    let mut out = family[..family.len().min(room)].to_vec();
    let mut truncated = false;
    let push = |out: &mut Vec<u8>, typ: i32, data: &[u8]| {
        let c = Cmsghdr { len: s::cmsg_len(data.len()) as u64, level: sol::SOCKET, typ };
        out.extend_from_slice(c.as_bytes());
        out.extend_from_slice(data);
        out.resize(out.len() + s::cmsg_space(data.len()) - s::cmsg_len(data.len()), 0);
    };
    if let Some(u) = creds {
        if addr != 0 && room - out.len() >= s::cmsg_space(std::mem::size_of::<Ucred>()) {
            push(&mut out, scm::CREDENTIALS, u.as_bytes());
        } else {
            truncated = true;
        }
    }
    if !rights.is_empty() {
        let left = room.saturating_sub(out.len());
        let fit = if addr == 0 { 0 } else { left.saturating_sub(s::cmsg_len(0)) / 4 };
        let limit = nofile_limit(t);
        let mut fds = Vec::new();
        for file in rights.into_iter() {
            if fds.len() == fit {
                truncated = true;
                break;
            }
            match t.fds.install(file, cloexec, limit) {
                Ok(fd) => fds.push(fd),
                Err(_) => {
                    truncated = true;
                    break;
                }
            }
        }
        if !fds.is_empty() {
            let data: Vec<u8> = fds.iter().flat_map(|fd| fd.to_ne_bytes()).collect();
            push(&mut out, scm::RIGHTS, &data);
            // The last message's padding need not fit (Linux counts
            // CMSG_LEN for the last one).
            out.truncate(out.len().min(room));
        }
    }
    if !out.is_empty() {
        t.copy_out(addr, &out)?;
    }
    Ok((out.len(), truncated))
}

/// `sendmmsg(fd, msgvec, vlen, flags)`: the messages in turn; returns how
/// many were sent, or the first one's error.
pub fn sendmmsg(t: &mut Task, a: Args) -> SysResult {
    let (sock, nonblock) = socket_at(t, a.int(0))?;
    let (vec, vlen, flags) = (a.u64(1), (a.uint(2) as usize).min(s::UIO_MAXIOV), a.uint(3));
    let size = std::mem::size_of::<Mmsghdr>() as u64;
    let mut sent = 0;
    while sent < vlen {
        let at = vec + sent as u64 * size;
        let r = t.read_obj::<Mmsghdr>(at).and_then(|m| send_one(t, &sock, &m.hdr, flags, nonblock));
        match r {
            Ok(n) => t.write_obj(at + std::mem::size_of::<Msghdr>() as u64, &(n as u32))?,
            Err(e) if sent == 0 => return Err(e),
            Err(_) => break,
        }
        sent += 1;
    }
    Ok(sent as u64)
}

/// `recvmmsg(fd, msgvec, vlen, flags, timeout)`: messages in turn, until
/// one would block (after the first with `MSG_WAITFORONE`), the timeout
/// passes, or `vlen` came; returns how many, or the first one's error.
pub fn recvmmsg(t: &mut Task, a: Args) -> SysResult {
    let (sock, nonblock) = socket_at(t, a.int(0))?;
    let (vec, vlen, mut flags, timeout) = (a.u64(1), (a.uint(2) as usize).min(s::UIO_MAXIOV), a.uint(3), a.u64(4));
    let deadline = if timeout != 0 {
        let ts: abi::time::Timespec = t.read_obj(timeout)?;
        if !ts.is_valid() {
            return Err(EINVAL);
        }
        Some(std::time::Instant::now() + std::time::Duration::from_nanos(ts.as_nanos().max(0) as u64))
    } else {
        None
    };
    let size = std::mem::size_of::<Mmsghdr>() as u64;
    let mut got = 0;
    while got < vlen {
        let at = vec + got as u64 * size;
        let r = t.read_obj::<Mmsghdr>(at).and_then(|mut m| {
            let n = recv_one(t, &sock, &mut m.hdr, flags, nonblock)?;
            m.len = n as u32;
            t.write_obj(at, &m)
        });
        match r {
            Ok(()) => got += 1,
            Err(e) if got == 0 => return Err(e),
            Err(_) => break,
        }
        if flags & msg::WAITFORONE != 0 {
            flags |= msg::DONTWAIT;
        }
        if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            break;
        }
    }
    Ok(got as u64)
}
