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
    pub const UDPLITE: i32 = 136;
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

/// IP protocol numbers (`IPPROTO_*`).
#[allow(missing_docs)]
pub mod ipproto {
    pub const IP: i32 = 0;
    pub const ICMP: i32 = 1;
    pub const TCP: i32 = 6;
    pub const UDP: i32 = 17;
    pub const IPV6: i32 = 41;
    pub const ICMPV6: i32 = 58;
    pub const UDPLITE: i32 = 136;
    pub const MPTCP: i32 = 262;
    /// One past the highest protocol number (`IPPROTO_MAX`).
    pub const MAX: i32 = 263;
}

/// `SOL_SOCKET` options beyond [`so`] that IP sockets see.
#[allow(missing_docs)]
pub mod so_more {
    pub const NO_CHECK: i32 = 11;
    pub const PRIORITY: i32 = 12;
    pub const BSDCOMPAT: i32 = 14;
    pub const BINDTODEVICE: i32 = 25;
    pub const ATTACH_FILTER: i32 = 26;
    pub const TIMESTAMP: i32 = 29;
    pub const TIMESTAMPNS: i32 = 35;
    pub const TIMESTAMPING: i32 = 37;
    pub const TIMESTAMP_NEW: i32 = 63;
    pub const TIMESTAMPNS_NEW: i32 = 64;
    pub const TIMESTAMPING_NEW: i32 = 65;
    pub const PEERNAME: i32 = 28;
    pub const MARK: i32 = 36;
    pub const RXQ_OVFL: i32 = 40;
    pub const PEEK_OFF: i32 = 42;
    pub const BUSY_POLL: i32 = 46;
    pub const MAX_PACING_RATE: i32 = 47;
    pub const INCOMING_CPU: i32 = 49;
    pub const BINDTOIFINDEX: i32 = 62;
    pub const RCVTIMEO_NEW: i32 = 66;
    pub const SNDTIMEO_NEW: i32 = 67;
}

/// `SOL_IP` options (`IP_*`).
#[allow(missing_docs)]
pub mod ip {
    pub const TOS: i32 = 1;
    pub const TTL: i32 = 2;
    pub const HDRINCL: i32 = 3;
    pub const OPTIONS: i32 = 4;
    pub const RECVOPTS: i32 = 6;
    pub const RETOPTS: i32 = 7;
    pub const PKTINFO: i32 = 8;
    pub const MTU_DISCOVER: i32 = 10;
    pub const RECVERR: i32 = 11;
    pub const RECVTTL: i32 = 12;
    pub const RECVTOS: i32 = 13;
    pub const MTU: i32 = 14;
    pub const FREEBIND: i32 = 15;
    pub const TRANSPARENT: i32 = 19;
    pub const RECVORIGDSTADDR: i32 = 20;
    pub const BIND_ADDRESS_NO_PORT: i32 = 24;
    pub const RECVFRAGSIZE: i32 = 25;
    pub const MULTICAST_IF: i32 = 32;
    pub const MULTICAST_TTL: i32 = 33;
    pub const MULTICAST_LOOP: i32 = 34;
    pub const ADD_MEMBERSHIP: i32 = 35;
    pub const DROP_MEMBERSHIP: i32 = 36;
    pub const MULTICAST_ALL: i32 = 49;
}

/// `SOL_IPV6` options (`IPV6_*`).
#[allow(missing_docs)]
pub mod ipv6 {
    pub const UNICAST_HOPS: i32 = 16;
    pub const MULTICAST_IF: i32 = 17;
    pub const MULTICAST_HOPS: i32 = 18;
    pub const MULTICAST_LOOP: i32 = 19;
    pub const JOIN_GROUP: i32 = 20;
    pub const LEAVE_GROUP: i32 = 21;
    pub const MTU_DISCOVER: i32 = 23;
    pub const MTU: i32 = 24;
    pub const RECVERR: i32 = 25;
    pub const V6ONLY: i32 = 26;
    pub const FLOWINFO: i32 = 11;
    pub const FLOWINFO_SEND: i32 = 33;
    /// The first of the RFC 3542 options (`IPV6_RECVPKTINFO` ...
    /// `IPV6_PATHMTU`), then the RFC 2292 ones.
    pub const RECVPKTINFO: i32 = 49;
    pub const PATHMTU: i32 = 61;
    pub const RFC2292_PKTINFO: i32 = 2;
    pub const RFC2292_PKTOPTIONS: i32 = 6;
    pub const RFC2292_HOPLIMIT: i32 = 8;
    pub const DONTFRAG: i32 = 62;
    pub const RECVTCLASS: i32 = 66;
    pub const TCLASS: i32 = 67;
    pub const AUTOFLOWLABEL: i32 = 70;
    pub const ADDR_PREFERENCES: i32 = 72;
    pub const MINHOPCOUNT: i32 = 73;
    pub const RECVORIGDSTADDR: i32 = 74;
    pub const RECVFRAGSIZE: i32 = 77;
    pub const TRANSPARENT: i32 = 75;
}

/// `SOL_UDPLITE` options (`UDPLITE_*`).
#[allow(missing_docs)]
pub mod udplite {
    pub const SEND_CSCOV: i32 = 10;
    pub const RECV_CSCOV: i32 = 11;
}

/// `SOL_TCP` options (`TCP_*`).
#[allow(missing_docs)]
pub mod tcp {
    pub const NODELAY: i32 = 1;
    pub const MAXSEG: i32 = 2;
    pub const CORK: i32 = 3;
    pub const KEEPIDLE: i32 = 4;
    pub const KEEPINTVL: i32 = 5;
    pub const KEEPCNT: i32 = 6;
    pub const SYNCNT: i32 = 7;
    pub const LINGER2: i32 = 8;
    pub const DEFER_ACCEPT: i32 = 9;
    pub const WINDOW_CLAMP: i32 = 10;
    pub const INFO: i32 = 11;
    pub const QUICKACK: i32 = 12;
    pub const CONGESTION: i32 = 13;
    pub const USER_TIMEOUT: i32 = 18;
    pub const REPAIR: i32 = 19;
    pub const FASTOPEN: i32 = 23;
    pub const NOTSENT_LOWAT: i32 = 25;
    pub const FASTOPEN_CONNECT: i32 = 30;
}

/// Socket and interface `ioctl`s (`SIOC*`).
#[allow(missing_docs)]
pub mod sockios {
    /// `SIOCINQ`, the same number as `FIONREAD`.
    pub const INQ: u32 = 0x541b;
    /// `SIOCOUTQ`, the same number as `TIOCOUTQ`.
    pub const OUTQ: u32 = 0x5411;
    pub const ATMARK: u32 = 0x8905;
    pub const GIFNAME: u32 = 0x8910;
    pub const GIFCONF: u32 = 0x8912;
    pub const GIFFLAGS: u32 = 0x8913;
    pub const SIFFLAGS: u32 = 0x8914;
    pub const GIFADDR: u32 = 0x8915;
    pub const GIFDSTADDR: u32 = 0x8917;
    pub const GIFBRDADDR: u32 = 0x8919;
    pub const GIFNETMASK: u32 = 0x891b;
    pub const GIFMETRIC: u32 = 0x891d;
    pub const GIFMTU: u32 = 0x8921;
    pub const GIFHWADDR: u32 = 0x8927;
    pub const GIFINDEX: u32 = 0x8933;
    pub const GIFTXQLEN: u32 = 0x8942;
    pub const OUTQNSD: u32 = 0x894b;
    /// The first and last numbers of the interface requests
    /// (`SIOCADDRT` to `SIOCDEVPRIVATE - 1`).
    pub const FIRST_DEV: u32 = 0x890b;
    pub const LAST_DEV: u32 = 0x89ef;
}

/// The size of `struct ifreq`: a name and a union of 24 bytes.
pub const IFREQ_SIZE: usize = 40;

/// The size of an interface name (`IFNAMSIZ`), NUL included.
pub const IFNAMSIZ: usize = 16;

/// `struct ifconf`: a length and the buffer's pointer.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ifconf {
    /// The buffer's length in, the bytes used (or needed) out.
    pub len: i32,
    /// Padding.
    pub pad: u32,
    /// The buffer of `struct ifreq`s.
    pub buf: u64,
}

/// Netlink: protocols, message types and flags, and options.
#[allow(missing_docs)]
pub mod netlink {
    /// `NETLINK_ROUTE`, the one protocol offered.
    pub const ROUTE: i32 = 0;
    /// The size of `struct sockaddr_nl`.
    pub const SOCKADDR_LEN: usize = 12;
    /// The size of `struct nlmsghdr`.
    pub const HDRLEN: usize = 16;
    /// Control messages (below `MIN_TYPE`).
    pub const NOOP: u16 = 1;
    pub const ERROR: u16 = 2;
    pub const DONE: u16 = 3;
    pub const OVERRUN: u16 = 4;
    /// The first type a family defines (`NLMSG_MIN_TYPE`, `RTM_BASE`).
    pub const MIN_TYPE: u16 = 0x10;
    pub const RTM_NEWLINK: u16 = 16;
    pub const RTM_GETLINK: u16 = 18;
    pub const RTM_NEWADDR: u16 = 20;
    pub const RTM_GETADDR: u16 = 22;
    pub const RTM_GETROUTE: u16 = 26;
    /// Message flags (`NLM_F_*`).
    pub const F_REQUEST: u16 = 0x1;
    pub const F_MULTI: u16 = 0x2;
    pub const F_ACK: u16 = 0x4;
    pub const F_ECHO: u16 = 0x8;
    pub const F_DUMP: u16 = 0x300;
    /// An ack without the request's payload.
    pub const F_CAPPED: u16 = 0x100;
    /// Options at `SOL_NETLINK`.
    pub const ADD_MEMBERSHIP: i32 = 1;
    pub const DROP_MEMBERSHIP: i32 = 2;
    pub const PKTINFO: i32 = 3;
    pub const BROADCAST_ERROR: i32 = 4;
    pub const NO_ENOBUFS: i32 = 5;
    pub const LISTEN_ALL_NSID: i32 = 8;
    pub const LIST_MEMBERSHIPS: i32 = 9;
    pub const CAP_ACK: i32 = 10;
    pub const EXT_ACK: i32 = 11;
    pub const GET_STRICT_CHK: i32 = 12;
}

crate::impl_pod!(Ifconf);
