//! The host socket calls of the families that live on host sockets (IP
//! and netlink): thin wrappers over `libc` on a descriptor the sentry
//! holds, taking and giving socket addresses and option values as the
//! app's raw bytes, so that the host checks them exactly as Linux checks
//! the app's (the same kernel, the same code).
//!
//! Every socket made here is non-blocking and close-on-exec: the sentry
//! never sleeps in a host call (it waits for readiness on the caller's
//! waiter instead), and no descriptor leaks into a stub. A host call
//! interrupted by a signal to the sentry thread is made again.
//!
//! `nix` types addresses and options (`SockaddrLike`, `SetSockOpt`),
//! which would have the sentry re-encode what the app gave it; hence
//! `libc`, each call in a small function with its `// SAFETY:` line.

use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use abi::Errno;

/// The room for any socket address (`struct sockaddr_storage`).
const ADDR_ROOM: usize = abi::socket::SOCKADDR_MAX;

/// The errno of the host call that just failed.
fn last_errno() -> Errno {
    Errno(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO))
}

/// Runs a host call until it is not interrupted; a negative result is
/// the call's errno.
fn retry(mut call: impl FnMut() -> isize) -> Result<usize, Errno> {
    loop {
        let r = call();
        if r >= 0 {
            return Ok(r as usize);
        }
        let e = last_errno();
        if e.0 != libc::EINTR {
            return Err(e);
        }
    }
}

/// A new host socket, non-blocking and close-on-exec.
pub fn socket(domain: i32, ty: i32, protocol: i32) -> Result<OwnedFd, Errno> {
    let flags = libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    // SAFETY: no pointers; the result is a new descriptor or -1.
    let fd = retry(|| unsafe { libc::socket(domain, ty | flags, protocol) } as isize)?;
    // SAFETY: `fd` was just made and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// The pointer and length of an address to hand the host: a non-null
/// pointer even for no bytes (the host then checks the length, as it
/// checks the app's).
fn addr_arg(addr: &[u8]) -> (*const libc::sockaddr, libc::socklen_t) {
    static EMPTY: [u8; 1] = [0];
    let p = if addr.is_empty() { EMPTY.as_ptr() } else { addr.as_ptr() };
    (p.cast(), addr.len() as libc::socklen_t)
}

/// `bind(fd, addr)`.
pub fn bind(fd: BorrowedFd<'_>, addr: &[u8]) -> Result<(), Errno> {
    let (p, len) = addr_arg(addr);
    // SAFETY: `p` points to `len` readable bytes (or is a valid pointer
    // with length 0).
    retry(|| unsafe { libc::bind(fd.as_raw_fd(), p, len) } as isize).map(drop)
}

/// `connect(fd, addr)`.
pub fn connect(fd: BorrowedFd<'_>, addr: &[u8]) -> Result<(), Errno> {
    let (p, len) = addr_arg(addr);
    // SAFETY: as in `bind`. A non-blocking connect is never interrupted,
    // so the retry never makes a second attempt of a different kind.
    retry(|| unsafe { libc::connect(fd.as_raw_fd(), p, len) } as isize).map(drop)
}

/// `listen(fd, backlog)`.
pub fn listen(fd: BorrowedFd<'_>, backlog: i32) -> Result<(), Errno> {
    // SAFETY: no pointers.
    retry(|| unsafe { libc::listen(fd.as_raw_fd(), backlog) } as isize).map(drop)
}

/// `shutdown(fd, how)`.
pub fn shutdown(fd: BorrowedFd<'_>, how: i32) -> Result<(), Errno> {
    // SAFETY: no pointers.
    retry(|| unsafe { libc::shutdown(fd.as_raw_fd(), how) } as isize).map(drop)
}

/// `accept4` of a connection as a new non-blocking, close-on-exec host
/// socket, with its peer's address.
pub fn accept(fd: BorrowedFd<'_>) -> Result<(OwnedFd, Vec<u8>), Errno> {
    let mut addr = [0u8; ADDR_ROOM];
    let mut len = ADDR_ROOM as libc::socklen_t;
    let flags = libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    // SAFETY: `addr` has room for `len` bytes, and `len` is writable.
    let conn = retry(|| unsafe { libc::accept4(fd.as_raw_fd(), addr.as_mut_ptr().cast(), &mut len, flags) } as isize)?;
    // SAFETY: the accepted descriptor is new and nothing else owns it.
    let conn = unsafe { OwnedFd::from_raw_fd(conn as i32) };
    Ok((conn, addr[..(len as usize).min(ADDR_ROOM)].to_vec()))
}

/// An address the host fills in (`getsockname`, `getpeername`).
fn name_call(fd: BorrowedFd<'_>, call: unsafe extern "C" fn(i32, *mut libc::sockaddr, *mut libc::socklen_t) -> i32) -> Result<Vec<u8>, Errno> {
    let mut addr = [0u8; ADDR_ROOM];
    let mut len = ADDR_ROOM as libc::socklen_t;
    // SAFETY: `addr` has room for `len` bytes, and `len` is writable.
    retry(|| unsafe { call(fd.as_raw_fd(), addr.as_mut_ptr().cast(), &mut len) } as isize)?;
    Ok(addr[..(len as usize).min(ADDR_ROOM)].to_vec())
}

/// `getsockname(fd)`.
pub fn local_addr(fd: BorrowedFd<'_>) -> Result<Vec<u8>, Errno> {
    name_call(fd, libc::getsockname)
}

/// `getpeername(fd)`.
pub fn peer_addr(fd: BorrowedFd<'_>) -> Result<Vec<u8>, Errno> {
    name_call(fd, libc::getpeername)
}

/// `setsockopt(fd, level, name, value)`.
pub fn setsockopt(fd: BorrowedFd<'_>, level: i32, name: i32, value: &[u8]) -> Result<(), Errno> {
    let (p, len) = addr_arg(value);
    // SAFETY: `p` points to `len` readable bytes (or is a valid pointer
    // with length 0).
    retry(|| unsafe { libc::setsockopt(fd.as_raw_fd(), level, name, p.cast(), len) } as isize).map(drop)
}

/// `getsockopt(fd, level, name)` with room for `room` bytes: the value.
pub fn getsockopt(fd: BorrowedFd<'_>, level: i32, name: i32, room: usize) -> Result<Vec<u8>, Errno> {
    let mut value = vec![0u8; room];
    let mut len = room as libc::socklen_t;
    // SAFETY: `value` has room for `len` bytes, and `len` is writable.
    retry(|| unsafe { libc::getsockopt(fd.as_raw_fd(), level, name, value.as_mut_ptr().cast(), &mut len) } as isize)?;
    value.truncate(len as usize);
    Ok(value)
}

/// `sendmsg` of `data` (to `to`, if given) with the control messages
/// `control` (the app's bytes, for the host to check) and `flags`: the
/// bytes sent.
pub fn send(fd: BorrowedFd<'_>, data: &[u8], to: Option<&[u8]>, control: &[u8], flags: u32) -> Result<usize, Errno> {
    if let Some(to @ []) = to {
        // An address of no bytes (only `sendto` passes one): `sendmsg`
        // would drop it, `sendto` hands the family an empty one.
        let (p, len) = addr_arg(to);
        // SAFETY: `data` is readable for its length; `p` is a valid
        // pointer with length 0.
        return retry(|| unsafe { libc::sendto(fd.as_raw_fd(), data.as_ptr().cast(), data.len(), flags as i32, p, len) });
    }
    let mut iov = libc::iovec { iov_base: data.as_ptr() as *mut libc::c_void, iov_len: data.len() };
    let (name, namelen) = to.map_or((std::ptr::null(), 0), addr_arg);
    let msg_control = if control.is_empty() { std::ptr::null_mut() } else { control.as_ptr() as *mut libc::c_void };
    let msg = libc::msghdr { msg_name: name as *mut libc::c_void, msg_namelen: namelen, msg_iov: &mut iov, msg_iovlen: 1, msg_control, msg_controllen: control.len(), msg_flags: 0 };
    // SAFETY: the message names one iovec over `data`, the address bytes
    // of `to` if any and the bytes of `control`; the host only reads them.
    retry(|| unsafe { libc::sendmsg(fd.as_raw_fd(), &msg, flags as i32) })
}

/// What a host receive returned.
pub struct Received {
    /// The call's result: the bytes received, or with `MSG_TRUNC` the
    /// length of the whole datagram.
    pub len: usize,
    /// The sender's address, if the host gave one.
    pub from: Option<Vec<u8>>,
    /// The message flags the host reported.
    pub flags: i32,
    /// The control messages the host gave, in the room asked for.
    pub control: Vec<u8>,
}

/// `recvmsg` of at most `max` bytes, appended to `buf`, with `flags`;
/// with `want_from`, the sender's address too; with room for
/// `control_room` bytes of control messages (the host cuts them to fit
/// and reports `MSG_CTRUNC`, as Linux does for the app).
pub fn recv(fd: BorrowedFd<'_>, buf: &mut Vec<u8>, max: usize, flags: u32, want_from: bool, control_room: usize) -> Result<Received, Errno> {
    let old = buf.len();
    // With MSG_TRUNC a stream socket discards what it reports, writing
    // nothing: the room is initialised then. Else the host fills the
    // spare capacity, and no time goes on zeroing it.
    let discards = flags & libc::MSG_TRUNC as u32 != 0;
    if discards {
        buf.resize(old + max, 0);
    } else {
        buf.reserve(max);
    }
    let room = if discards { buf[old..].as_mut_ptr() } else { buf.spare_capacity_mut().as_mut_ptr().cast::<u8>() };
    let mut iov = libc::iovec { iov_base: room.cast(), iov_len: max };
    let mut addr = [0u8; ADDR_ROOM];
    let (name, namelen) = if want_from { (addr.as_mut_ptr().cast(), ADDR_ROOM as libc::socklen_t) } else { (std::ptr::null_mut(), 0) };
    let mut control = vec![0u8; control_room];
    let msg_control = if control_room == 0 { std::ptr::null_mut() } else { control.as_mut_ptr().cast() };
    let mut msg = libc::msghdr { msg_name: name, msg_namelen: namelen, msg_iov: &mut iov, msg_iovlen: 1, msg_control, msg_controllen: control_room, msg_flags: 0 };
    // SAFETY: the message names `max` writable bytes of `buf` past its
    // old length (reserved or resized above), `addr`'s room and
    // `control`'s, all alive across the call.
    let r = retry(|| unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, flags as i32) });
    let len = match r {
        Ok(len) => len,
        Err(e) => {
            buf.truncate(old);
            return Err(e);
        }
    };
    let filled = len.min(max);
    if discards {
        buf.truncate(old + filled);
    } else {
        // SAFETY: the host wrote the first `filled` bytes of the spare
        // capacity (without MSG_TRUNC it returns what it wrote).
        unsafe { buf.set_len(old + filled) };
    }
    let from = (want_from && msg.msg_namelen > 0).then(|| addr[..(msg.msg_namelen as usize).min(ADDR_ROOM)].to_vec());
    control.truncate(msg.msg_controllen.min(control_room));
    Ok(Received { len, from, flags: msg.msg_flags, control })
}

/// `recv` into `buf` with `flags` (never `MSG_TRUNC`): the bytes received.
pub fn recv_slice(fd: BorrowedFd<'_>, buf: &mut [u8], flags: u32) -> Result<usize, Errno> {
    let flags = flags & !(libc::MSG_TRUNC as u32);
    // SAFETY: `buf` is writable for its length across the call.
    retry(|| unsafe { libc::recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), flags as i32) })
}

/// An `ioctl` that writes an `int` (`FIONREAD`, `SIOCOUTQ`, ...).
pub fn ioctl_int(fd: BorrowedFd<'_>, cmd: u32) -> Result<i32, Errno> {
    let mut v: i32 = 0;
    // SAFETY: the request writes one `int` into `v`.
    retry(|| unsafe { libc::ioctl(fd.as_raw_fd(), cmd as _, &mut v as *mut i32) } as isize)?;
    Ok(v)
}

/// An interface request on a `struct ifreq` (`SIOCGIFFLAGS`, ...): the
/// host reads and writes `req` in place.
pub fn ioctl_ifreq(fd: BorrowedFd<'_>, cmd: u32, req: &mut [u8; abi::socket::IFREQ_SIZE]) -> Result<(), Errno> {
    // SAFETY: the requests named are those on a `struct ifreq`, which
    // `req` holds whole; none of them follows a pointer in it.
    retry(|| unsafe { libc::ioctl(fd.as_raw_fd(), cmd as _, req.as_mut_ptr()) } as isize).map(drop)
}

/// `SIOCGIFCONF` into `buf` (`None`: only the length needed): the bytes
/// of `struct ifreq`s written (or needed).
pub fn ioctl_ifconf(fd: BorrowedFd<'_>, buf: Option<&mut [u8]>) -> Result<usize, Errno> {
    #[repr(C)]
    struct Ifconf {
        len: i32,
        buf: *mut u8,
    }
    let mut conf = match buf {
        Some(b) => Ifconf { len: b.len().min(i32::MAX as usize) as i32, buf: b.as_mut_ptr() },
        None => Ifconf { len: 0, buf: std::ptr::null_mut() },
    };
    // SAFETY: `conf` is the kernel's `struct ifconf`; its buffer is `len`
    // writable bytes of `buf`, or null (the host then only counts).
    retry(|| unsafe { libc::ioctl(fd.as_raw_fd(), libc::SIOCGIFCONF as _, &mut conf as *mut Ifconf) } as isize)?;
    Ok(conf.len.max(0) as usize)
}

#[cfg(test)]
mod tests {
    use std::os::fd::AsFd;

    use super::*;

    fn v4(port: u16) -> Vec<u8> {
        let mut a = vec![0u8; 16];
        a[..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
        a[2..4].copy_from_slice(&port.to_be_bytes());
        a[4..8].copy_from_slice(&[127, 0, 0, 1]);
        a
    }

    #[test]
    fn the_host_checks_addresses_as_linux_does() {
        let s = socket(libc::AF_INET, libc::SOCK_STREAM, 0).unwrap();
        assert_eq!(bind(s.as_fd(), &v4(0)[..8]), Err(Errno(libc::EINVAL)));
        assert_eq!(bind(s.as_fd(), &[]), Err(Errno(libc::EINVAL)));
        let mut bad = v4(0);
        bad[0] = libc::AF_INET6 as u8;
        assert_eq!(bind(s.as_fd(), &bad), Err(Errno(libc::EAFNOSUPPORT)));
        bind(s.as_fd(), &v4(0)).unwrap();
        let name = local_addr(s.as_fd()).unwrap();
        assert_eq!(name.len(), 16);
        assert_eq!(peer_addr(s.as_fd()), Err(Errno(libc::ENOTCONN)));
    }

    #[test]
    fn datagrams_round_trip_with_their_length_and_sender() {
        let a = socket(libc::AF_INET, libc::SOCK_DGRAM, 0).unwrap();
        let b = socket(libc::AF_INET, libc::SOCK_DGRAM, 0).unwrap();
        bind(a.as_fd(), &v4(0)).unwrap();
        bind(b.as_fd(), &v4(0)).unwrap();
        let to = local_addr(a.as_fd()).unwrap();
        assert_eq!(send(b.as_fd(), b"hello", Some(&to), &[], 0), Ok(5));
        let mut buf = Vec::new();
        let r = recv(a.as_fd(), &mut buf, 3, libc::MSG_TRUNC as u32, true, 0).unwrap();
        assert_eq!((r.len, &buf[..]), (5, &b"hel"[..]));
        assert_eq!(r.from, Some(local_addr(b.as_fd()).unwrap()));
        assert_eq!(recv(a.as_fd(), &mut buf, 3, 0, false, 0).err(), Some(Errno(libc::EAGAIN)));
    }
}
