//! Sockets: address families, types, flags, options and the message
//! layouts of `sendmsg` and `recvmsg`.

/// Address families (`AF_*`).
#[allow(missing_docs)]
pub mod af {
    pub const UNSPEC: i32 = 0;
    pub const UNIX: i32 = 1;
    pub const INET: i32 = 2;
    pub const INET6: i32 = 10;
    pub const NETLINK: i32 = 16;
    pub const PACKET: i32 = 17;
    /// One past the highest family Linux knows (`AF_MAX`).
    pub const MAX: i32 = 46;
}

/// Socket types (`SOCK_*`) and the flags `socket` takes with them.
#[allow(missing_docs)]
pub mod sock {
    pub const STREAM: i32 = 1;
    pub const DGRAM: i32 = 2;
    pub const RAW: i32 = 3;
    pub const RDM: i32 = 4;
    pub const SEQPACKET: i32 = 5;
    pub const PACKET: i32 = 10;
    /// The bits of the type argument that are the type.
    pub const TYPE_MASK: i32 = 0xf;
    pub const NONBLOCK: i32 = 0o4000;
    pub const CLOEXEC: i32 = 0o2000000;
}

/// `send`/`recv` flags (`MSG_*`).
#[allow(missing_docs)]
pub mod msg {
    pub const OOB: u32 = 0x1;
    pub const PEEK: u32 = 0x2;
    pub const DONTROUTE: u32 = 0x4;
    pub const CTRUNC: u32 = 0x8;
    pub const TRUNC: u32 = 0x20;
    pub const DONTWAIT: u32 = 0x40;
    pub const EOR: u32 = 0x80;
    pub const WAITALL: u32 = 0x100;
    pub const CONFIRM: u32 = 0x800;
    pub const ERRQUEUE: u32 = 0x2000;
    pub const NOSIGNAL: u32 = 0x4000;
    pub const MORE: u32 = 0x8000;
    pub const WAITFORONE: u32 = 0x10000;
    pub const CMSG_CLOEXEC: u32 = 0x4000_0000;
}

/// `shutdown` modes.
#[allow(missing_docs)]
pub mod shut {
    pub const RD: i32 = 0;
    pub const WR: i32 = 1;
    pub const RDWR: i32 = 2;
}

/// Option levels.
#[allow(missing_docs)]
pub mod sol {
    pub const SOCKET: i32 = 1;
    pub const IP: i32 = 0;
    pub const TCP: i32 = 6;
    pub const UDP: i32 = 17;
    pub const IPV6: i32 = 41;
    pub const NETLINK: i32 = 270;
}

/// `SOL_SOCKET` options (`SO_*`).
#[allow(missing_docs)]
pub mod so {
    pub const DEBUG: i32 = 1;
    pub const REUSEADDR: i32 = 2;
    pub const TYPE: i32 = 3;
    pub const ERROR: i32 = 4;
    pub const DONTROUTE: i32 = 5;
    pub const BROADCAST: i32 = 6;
    pub const SNDBUF: i32 = 7;
    pub const RCVBUF: i32 = 8;
    pub const KEEPALIVE: i32 = 9;
    pub const OOBINLINE: i32 = 10;
    pub const LINGER: i32 = 13;
    pub const REUSEPORT: i32 = 15;
    pub const PASSCRED: i32 = 16;
    pub const PEERCRED: i32 = 17;
    pub const RCVLOWAT: i32 = 18;
    pub const SNDLOWAT: i32 = 19;
    pub const RCVTIMEO: i32 = 20;
    pub const SNDTIMEO: i32 = 21;
    pub const ACCEPTCONN: i32 = 30;
    pub const SNDBUFFORCE: i32 = 32;
    pub const RCVBUFFORCE: i32 = 33;
    pub const PASSSEC: i32 = 34;
    pub const PROTOCOL: i32 = 38;
    pub const DOMAIN: i32 = 39;
}

/// Control message types at `SOL_SOCKET` (`SCM_*`).
#[allow(missing_docs)]
pub mod scm {
    pub const RIGHTS: i32 = 1;
    pub const CREDENTIALS: i32 = 2;
}

/// The most bytes a socket address may take (`sizeof(struct
/// sockaddr_storage)`).
pub const SOCKADDR_MAX: usize = 128;

/// The most descriptors one `SCM_RIGHTS` message may carry
/// (`SCM_MAX_FD`).
pub const SCM_MAX_FD: usize = 253;

/// The most iovecs a message may have (`UIO_MAXIOV`).
pub const UIO_MAXIOV: usize = 1024;

/// `struct msghdr`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Msghdr {
    /// The address's pointer.
    pub name: u64,
    /// Its length.
    pub namelen: u32,
    /// Padding.
    pub pad0: u32,
    /// The iovecs' pointer.
    pub iov: u64,
    /// Their count.
    pub iovlen: u64,
    /// The control messages' pointer.
    pub control: u64,
    /// Their length.
    pub controllen: u64,
    /// Flags (`recvmsg` writes them).
    pub flags: u32,
    /// Padding.
    pub pad1: u32,
}

/// `struct mmsghdr`: a message of `sendmmsg` or `recvmmsg`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mmsghdr {
    /// The message.
    pub hdr: Msghdr,
    /// Bytes sent or received.
    pub len: u32,
    /// Padding.
    pub pad: u32,
}

/// `struct cmsghdr`, which the data follows, aligned to 8 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cmsghdr {
    /// Header and data, in bytes.
    pub len: u64,
    /// The level (`SOL_SOCKET`).
    pub level: i32,
    /// The type (`SCM_*`).
    pub typ: i32,
}

/// `struct ucred`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ucred {
    /// The process.
    pub pid: i32,
    /// Its user.
    pub uid: u32,
    /// Its group.
    pub gid: u32,
}

/// `struct linger`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Linger {
    /// Whether lingering is on.
    pub onoff: i32,
    /// For how many seconds.
    pub linger: i32,
}

crate::impl_pod!(Msghdr, Mmsghdr, Cmsghdr, Ucred, Linger);

/// `CMSG_ALIGN`: control data is laid out in 8-byte units.
pub const fn cmsg_align(len: usize) -> usize {
    (len + 7) & !7
}

/// `CMSG_SPACE` of `len` bytes of data.
pub const fn cmsg_space(len: usize) -> usize {
    cmsg_align(core::mem::size_of::<Cmsghdr>()) + cmsg_align(len)
}

/// `CMSG_LEN` of `len` bytes of data.
pub const fn cmsg_len(len: usize) -> usize {
    cmsg_align(core::mem::size_of::<Cmsghdr>()) + len
}
