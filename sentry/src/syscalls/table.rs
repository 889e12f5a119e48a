//! The system call table.

use std::sync::OnceLock;

use abi::sysno;

use super::*;

/// How completely a system call is implemented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// As Linux does it, errors included.
    Full,
    /// The common cases; the note says what is missing and what it returns.
    Partial(&'static str),
    /// Known but not implemented; the note says what it returns and why.
    Unimplemented(&'static str),
}

/// One table entry.
#[derive(Debug)]
pub struct Syscall {
    /// The system call's number.
    pub nr: u32,
    /// Its name.
    pub name: &'static str,
    /// Its handler.
    pub handler: Handler,
    /// How completely it is implemented.
    pub support: Support,
}

const fn full(nr: u32, name: &'static str, handler: Handler) -> Syscall {
    Syscall { nr, name, handler, support: Support::Full }
}

const fn partial(nr: u32, name: &'static str, handler: Handler, note: &'static str) -> Syscall {
    Syscall { nr, name, handler, support: Support::Partial(note) }
}

const fn missing(nr: u32, name: &'static str, note: &'static str) -> Syscall {
    Syscall { nr, name, handler: enosys, support: Support::Unimplemented(note) }
}

/// The note of the calls that change credentials.
const PER_PROCESS_CREDS: &str = "changes every thread of the process, as glibc and musl make it (a raw call on Linux changes only the calling thread)";


/// The note of the calls that queue a real-time signal with a value.
const SIGQUEUE_NOTE: &str = "RLIMIT_SIGPENDING counts the signals queued to the receiving process (Linux: to the sending user)";

/// The note of `signalfd` and `signalfd4`.
const SIGNALFD_NOTE: &str = "readiness for poll and epoll is judged against the process that made it (Linux: the polling thread), and counts signals pending for any of its threads";

/// The note of `epoll_wait`.
const EPOLL_WAIT_NOTE: &str = "events it fails to write back (a fault) are lost, where Linux puts them back on the ready list";

/// The note of `epoll_pwait` and `epoll_pwait2`.
const EPOLL_PWAIT_NOTE: &str = "events it fails to write back (a fault) are lost, where Linux puts them back on the ready list";

/// The note of `epoll_ctl`.
const EPOLL_CTL_NOTE: &str = "EPOLLEXCLUSIVE wakes every epoll watching the file (Linux: one or more); host-backed files (stdio) are polled in the host, and edge-triggered they make an edge only when a readiness bit turns on";

/// The note of the open family.
const OPEN_NOTE: &str = "O_TMPFILE on tmpfs, the overlay and read-write host binds (EOPNOTSUPP elsewhere); /proc/PID/fd/N opens only files in the tree (not pipes or the host's standard streams)";

/// The note of the write family.
const FSIZE_NOTE: &str = "past RLIMIT_FSIZE a write is cut short or EFBIG, without SIGXFSZ (no signal delivery yet)";

/// The note of the extended attribute calls.
const XATTR_NOTE: &str = "the user. namespace on tmpfs, overlay and host files (changed on read-write binds); trusted. (CAP_SYS_ADMIN) on tmpfs and overlay files, not the host's; security. and system. return EOPNOTSUPP";

/// The note of `mknod` and `mknodat`.
const MKNOD_NOTE: &str = "regular files, FIFOs, socket files and (with CAP_MKNOD) character devices; block devices EPERM";

/// The notes of the socket calls, family by family. Unix domain sockets
/// are the sentry's own (`socket::unix`); IP sockets (AF_INET, AF_INET6)
/// are host sockets the sentry holds in the sandbox's network namespace;
/// netlink ones are host NETLINK_ROUTE sockets with requests filtered
/// (`socket::inet`, `socket::netlink`). On a descriptor that is not a
/// socket the calls are `ENOTSOCK`, `EBADF` for one not open.
const SOCKET_CREATE_NOTE: &str = "AF_UNIX: stream, datagram and seqpacket (SOCK_RAW is datagram). AF_INET, AF_INET6: TCP and UDP; SOCK_RAW and SOCK_PACKET EPERM without CAP_NET_RAW, else EPROTONOSUPPORT; ICMP datagram sockets EACCES; UDP-Lite; MPTCP EPROTONOSUPPORT. AF_NETLINK: NETLINK_ROUTE only, others EPROTONOSUPPORT. Other families EAFNOSUPPORT";
/// See [`SOCKET_CREATE_NOTE`].
const SOCKETPAIR_NOTE: &str = "AF_UNIX; AF_INET, AF_INET6 and AF_NETLINK EOPNOTSUPP, other families EAFNOSUPPORT";
/// See [`SOCKET_CREATE_NOTE`].
const BIND_NOTE: &str = "AF_UNIX: pathnames (socket files in the sandbox's tree, with the umask), abstract names (one namespace per sandbox), autobind. IP: the host checks the address; a port below ip_unprivileged_port_start needs CAP_NET_BIND_SERVICE. Netlink: the sandbox's own port ids (the process's PID, else negative ones); groups passed on";
/// See [`SOCKET_CREATE_NOTE`].
const CONNECT_NOTE: &str = "AF_UNIX: a pathname's socket file or an abstract name, never a host socket (ECONNREFUSED); a blocking connect waits for room in the backlog; AF_UNSPEC disconnects a datagram socket. IP: a blocking connect waits interruptibly for the host's answer (past SO_SNDTIMEO: EINPROGRESS). Netlink: to the kernel only (a port or group EPERM)";
/// See [`SOCKET_CREATE_NOTE`].
const LISTEN_NOTE: &str = "AF_UNIX stream and seqpacket, the backlog bounded by the host's net.core.somaxconn; IP; netlink EOPNOTSUPP";
/// See [`SOCKET_CREATE_NOTE`].
const ACCEPT_NOTE: &str = "AF_UNIX stream and seqpacket; IP, with SO_RCVTIMEO; netlink EOPNOTSUPP. With no descriptor free, EMFILE and the connection stays queued";
/// See [`SOCKET_CREATE_NOTE`].
const SEND_NOTE: &str = "AF_UNIX: SCM_RIGHTS and SCM_CREDENTIALS, MSG_DONTWAIT, MSG_NOSIGNAL, MSG_EOR; MSG_OOB EOPNOTSUPP. IP: MSG_OOB, DONTROUTE, EOR, MORE, CONFIRM, DONTWAIT, NOSIGNAL (MSG_FASTOPEN EOPNOTSUPP); IP-level control messages go to the host (SCM_RIGHTS and SCM_CREDENTIALS are ignored, but their descriptors are still checked: EBADF). Netlink: requests that would change the network (all but RTM_GET*) are answered with an EPERM acknowledgement; to a port or group EPERM";
/// See [`SOCKET_CREATE_NOTE`].
const RECV_NOTE: &str = "AF_UNIX: SCM_RIGHTS and SCM_CREDENTIALS, MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL, MSG_TRUNC, MSG_CTRUNC, MSG_CMSG_CLOEXEC; MSG_OOB EINVAL on a stream, EOPNOTSUPP otherwise. IP: MSG_PEEK, DONTWAIT, WAITALL (with MSG_PEEK on a stream, only what is there), TRUNC (on a stream it also sets MSG_TRUNC in msg_flags), OOB, ERRQUEUE; the host's control messages (IP_PKTINFO, IP_TTL, IPV6_HOPLIMIT, timestamps, ...) in the room given, MSG_CTRUNC past it. Netlink: replies carry the sandbox's port ids";
/// See [`SOCKET_CREATE_NOTE`].
const SHUTDOWN_NOTE: &str = "AF_UNIX, IP and netlink";
/// See [`SOCKET_CREATE_NOTE`].
const NAME_NOTE: &str = "AF_UNIX, with Linux's address lengths. IP: the namespace's addresses (loopback ones with --network=none). Netlink: the sandbox's port ids";
/// See [`SOCKET_CREATE_NOTE`].
const SOCKOPT_NOTE: &str = "AF_UNIX: SOL_SOCKET's SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ERROR, SO_SNDBUF, SO_RCVBUF (and their FORCE forms), SO_RCVTIMEO, SO_SNDTIMEO, SO_RCVLOWAT, SO_REUSEADDR, SO_KEEPALIVE, SO_BROADCAST, SO_OOBINLINE, SO_DONTROUTE, SO_DEBUG, SO_PRIORITY, SO_LINGER, SO_ACCEPTCONN, SO_PASSCRED, SO_PEERCRED; others ENOPROTOOPT; other levels EOPNOTSUPP. IP: SO_REUSEADDR, REUSEPORT, KEEPALIVE, BROADCAST, LINGER, SNDBUF, RCVBUF, RCVLOWAT, OOBINLINE, DONTROUTE, BINDTODEVICE, PRIORITY (above 6 with CAP_NET_ADMIN), ERROR, ACCEPTCONN, TYPE, DOMAIN, PROTOCOL, PEERCRED; SO_RCVTIMEO and SO_SNDTIMEO kept by the sentry; TCP_NODELAY, MAXSEG, CORK, KEEPIDLE, KEEPINTVL, KEEPCNT, SYNCNT, LINGER2, DEFER_ACCEPT, WINDOW_CLAMP, QUICKACK, USER_TIMEOUT, NOTSENT_LOWAT, FASTOPEN, CONGESTION (allowed ones), INFO; UDP_CORK, UDP_SEGMENT; IP_TOS, TTL, MTU_DISCOVER, MTU, RECVERR, FREEBIND, BIND_ADDRESS_NO_PORT, MULTICAST_IF/TTL/LOOP/ALL, ADD/DROP_MEMBERSHIP and the source and MCAST_* requests; IPV6_V6ONLY, UNICAST_HOPS, MULTICAST_IF/HOPS/LOOP, JOIN/LEAVE_GROUP, MTU_DISCOVER, MTU, RECVERR, DONTFRAG, TCLASS. SO_*BUFFORCE, SO_MARK, IP(V6)_TRANSPARENT, TCP_REPAIR EPERM; the options that make control messages (IP_PKTINFO, RECVTTL, RECVTOS, RECVOPTS, RECVORIGDSTADDR; IPV6_RECVPKTINFO to PATHMTU, RECVTCLASS, the RFC 2292 ones; SO_TIMESTAMP, TIMESTAMPNS, TIMESTAMPING); UDPLITE_SEND_CSCOV and RECV_CSCOV. Filters, TCP_ULP and security labels ENOPROTOOPT. Netlink: SO_SNDBUF, RCVBUF, PASSCRED, RCVLOWAT, timeouts; NETLINK_ADD/DROP_MEMBERSHIP, BROADCAST_ERROR, NO_ENOBUFS, LIST_MEMBERSHIPS, CAP_ACK, EXT_ACK, GET_STRICT_CHK (PKTINFO ENOPROTOOPT, LISTEN_ALL_NSID EPERM)";

/// Every system call the sandbox knows, in number order.
pub static TABLE: &[Syscall] = &[
    full(sysno::READ, "read", sys_read_write::read),
    partial(sysno::WRITE, "write", sys_read_write::write, FSIZE_NOTE),
    partial(sysno::OPEN, "open", sys_path::open, OPEN_NOTE),
    full(sysno::CLOSE, "close", sys_file::close),
    full(sysno::STAT, "stat", sys_stat::stat),
    full(sysno::FSTAT, "fstat", sys_stat::fstat),
    full(sysno::LSTAT, "lstat", sys_stat::lstat),
    full(sysno::POLL, "poll", sys_poll::poll),
    full(sysno::LSEEK, "lseek", sys_file::lseek),
    partial(sysno::MMAP, "mmap", sys_mmap::mmap, "anonymous memory, /dev/zero and regular files of tmpfs, host binds and the overlay, private and shared (a host file's own pages, a tmpfs file's memory file); /proc/PID/maps names files by their path at mapping time; host-backed stdio ENODEV; MAP_SYNC EOPNOTSUPP (the sandbox has no noexec mounts)"),
    full(sysno::MPROTECT, "mprotect", sys_mmap::mprotect),
    full(sysno::MUNMAP, "munmap", sys_mmap::munmap),
    full(sysno::BRK, "brk", sys_mmap::brk),
    full(sysno::RT_SIGACTION, "rt_sigaction", sys_signal::rt_sigaction),
    full(sysno::RT_SIGPROCMASK, "rt_sigprocmask", sys_signal::rt_sigprocmask),
    full(sysno::RT_SIGRETURN, "rt_sigreturn", sys_signal::rt_sigreturn),
    partial(sysno::IOCTL, "ioctl", sys_file::ioctl, "TCGETS, TIOCGWINSZ, FIONREAD, FIONBIO, FIOCLEX, FIONCLEX; a Unix socket's SIOCINQ and SIOCOUTQ; IP and netlink sockets' SIOCINQ, SIOCOUTQ, SIOCOUTQNSD, SIOCATMARK; on any socket the interface reads (SIOCGIFCONF, SIOCGIFNAME, SIOCGIFINDEX, SIOCGIFFLAGS, SIOCGIFADDR, SIOCGIFNETMASK, SIOCGIFBRDADDR, SIOCGIFDSTADDR, SIOCGIFMTU, SIOCGIFHWADDR, SIOCGIFMETRIC, SIOCGIFTXQLEN) of the sandbox's namespace, other interface requests EPERM; others ENOTTY"),
    full(sysno::PREAD64, "pread64", sys_read_write::pread64),
    partial(sysno::PWRITE64, "pwrite64", sys_read_write::pwrite64, FSIZE_NOTE),
    full(sysno::READV, "readv", sys_read_write::readv),
    partial(sysno::WRITEV, "writev", sys_read_write::writev, FSIZE_NOTE),
    full(sysno::ACCESS, "access", sys_path::access),
    full(sysno::PIPE, "pipe", sys_pipe::pipe),
    full(sysno::SELECT, "select", sys_poll::select),
    full(sysno::SCHED_YIELD, "sched_yield", sys_thread::sched_yield),
    partial(sysno::MREMAP, "mremap", sys_mmap::mremap, "MREMAP_DONTUNMAP and an old size of 0 return EINVAL"),
    full(sysno::MSYNC, "msync", sys_mmap::msync),
    full(sysno::MINCORE, "mincore", sys_mmap::mincore),
    full(sysno::MADVISE, "madvise", sys_mmap::madvise),
    full(sysno::DUP, "dup", sys_fd::dup),
    full(sysno::DUP2, "dup2", sys_fd::dup2),
    full(sysno::PAUSE, "pause", sys_signal::pause),
    full(sysno::NANOSLEEP, "nanosleep", sys_time::nanosleep),
    full(sysno::GETITIMER, "getitimer", sys_itimer::getitimer),
    full(sysno::ALARM, "alarm", sys_itimer::alarm),
    full(sysno::SETITIMER, "setitimer", sys_itimer::setitimer),
    full(sysno::GETPID, "getpid", sys_thread::getpid),
    full(sysno::SENDFILE, "sendfile", sys_read_write::sendfile),
    partial(sysno::SOCKET, "socket", sys_socket::socket, SOCKET_CREATE_NOTE),
    partial(sysno::CONNECT, "connect", sys_socket::connect, CONNECT_NOTE),
    partial(sysno::ACCEPT, "accept", sys_socket::accept, ACCEPT_NOTE),
    partial(sysno::SENDTO, "sendto", sys_socket::sendto, SEND_NOTE),
    partial(sysno::RECVFROM, "recvfrom", sys_socket::recvfrom, RECV_NOTE),
    partial(sysno::SENDMSG, "sendmsg", sys_socket::sendmsg, SEND_NOTE),
    partial(sysno::RECVMSG, "recvmsg", sys_socket::recvmsg, RECV_NOTE),
    partial(sysno::SHUTDOWN, "shutdown", sys_socket::shutdown, SHUTDOWN_NOTE),
    partial(sysno::BIND, "bind", sys_socket::bind, BIND_NOTE),
    partial(sysno::LISTEN, "listen", sys_socket::listen, LISTEN_NOTE),
    partial(sysno::GETSOCKNAME, "getsockname", sys_socket::getsockname, NAME_NOTE),
    partial(sysno::GETPEERNAME, "getpeername", sys_socket::getpeername, NAME_NOTE),
    partial(sysno::SOCKETPAIR, "socketpair", sys_socket::socketpair, SOCKETPAIR_NOTE),
    partial(sysno::SETSOCKOPT, "setsockopt", sys_socket::setsockopt, SOCKOPT_NOTE),
    partial(sysno::GETSOCKOPT, "getsockopt", sys_socket::getsockopt, SOCKOPT_NOTE),
    partial(sysno::CLONE, "clone", sys_process::clone, "processes and threads, CLONE_VM processes sharing the parent's memory; namespaces and CLONE_PIDFD return EINVAL; CLONE_SIGHAND without CLONE_THREAD EINVAL unless CLONE_VFORK, where the handlers are copied, not shared; CLONE_VFORK with CLONE_THREAD does not make the caller wait"),
    full(sysno::FORK, "fork", sys_process::fork),
    full(sysno::VFORK, "vfork", sys_process::vfork),
    partial(sysno::EXECVE, "execve", sys_process::execve, "ELF programs (static, and dynamic through their PT_INTERP interpreter) and #! scripts, found in the sandbox's tree; set-user-ID and set-group-ID bits and file capabilities are ignored, as on a nosuid mount"),
    full(sysno::EXIT, "exit", sys_thread::exit),
    full(sysno::WAIT4, "wait4", sys_process::wait4),
    full(sysno::KILL, "kill", sys_signal::kill),
    full(sysno::UNAME, "uname", sys_utsname::uname),
    partial(sysno::FCNTL, "fcntl", sys_fd::fcntl, "F_DUPFD(_CLOEXEC), F_GETFD/SETFD, F_GETFL/SETFL, F_GET/SETPIPE_SZ, record and OFD locks on files in the tree (no EDEADLK detection); F_ADD_SEALS/F_GET_SEALS (tmpfs and memfd files); owners, signals, leases and notify return EINVAL"),
    partial(sysno::FLOCK, "flock", sys_fd::flock, "files in the tree; pipes and other files EINVAL"),
    full(sysno::FSYNC, "fsync", sys_path::fsync),
    full(sysno::FDATASYNC, "fdatasync", sys_path::fsync),
    partial(sysno::TRUNCATE, "truncate", sys_path::truncate, "no RLIMIT_FSIZE (SIGXFSZ) yet"),
    partial(sysno::FTRUNCATE, "ftruncate", sys_path::ftruncate, "no RLIMIT_FSIZE (SIGXFSZ) yet"),
    full(sysno::GETCWD, "getcwd", sys_path::getcwd),
    full(sysno::CHDIR, "chdir", sys_path::chdir),
    full(sysno::FCHDIR, "fchdir", sys_path::fchdir),
    full(sysno::RENAME, "rename", sys_path::rename),
    full(sysno::MKDIR, "mkdir", sys_path::mkdir),
    full(sysno::RMDIR, "rmdir", sys_path::rmdir),
    partial(sysno::CREAT, "creat", sys_path::creat, OPEN_NOTE),
    full(sysno::LINK, "link", sys_path::link),
    full(sysno::UNLINK, "unlink", sys_path::unlink),
    full(sysno::SYMLINK, "symlink", sys_path::symlink),
    full(sysno::READLINK, "readlink", sys_path::readlink),
    full(sysno::CHMOD, "chmod", sys_path::chmod),
    full(sysno::FCHMOD, "fchmod", sys_path::fchmod),
    full(sysno::CHOWN, "chown", sys_path::chown),
    full(sysno::FCHOWN, "fchown", sys_path::fchown),
    full(sysno::LCHOWN, "lchown", sys_path::lchown),
    full(sysno::UMASK, "umask", sys_path::umask),
    full(sysno::GETTIMEOFDAY, "gettimeofday", sys_time::gettimeofday),
    full(sysno::GETRLIMIT, "getrlimit", sys_rlimit::getrlimit),
    partial(sysno::GETRUSAGE, "getrusage", sys_rusage::getrusage, "CPU time from the kernel CPU clock, in 10 ms ticks; ru_maxrss is the host's; other counters 0"),
    partial(sysno::SYSINFO, "sysinfo", sys_time::sysinfo, "memory figures are the host's, no swap, load averages 0"),
    full(sysno::TIMES, "times", sys_time::times),
    full(sysno::GETUID, "getuid", sys_identity::getuid),
    full(sysno::GETGID, "getgid", sys_identity::getgid),
    partial(sysno::SETUID, "setuid", sys_identity::setuid, PER_PROCESS_CREDS),
    partial(sysno::SETGID, "setgid", sys_identity::setgid, PER_PROCESS_CREDS),
    full(sysno::GETEUID, "geteuid", sys_identity::geteuid),
    full(sysno::GETEGID, "getegid", sys_identity::getegid),
    full(sysno::SETPGID, "setpgid", sys_process::setpgid),
    full(sysno::GETPPID, "getppid", sys_thread::getppid),
    full(sysno::GETPGRP, "getpgrp", sys_process::getpgrp),
    full(sysno::SETSID, "setsid", sys_process::setsid),
    partial(sysno::SETREUID, "setreuid", sys_identity::setreuid, PER_PROCESS_CREDS),
    partial(sysno::SETREGID, "setregid", sys_identity::setregid, PER_PROCESS_CREDS),
    full(sysno::GETGROUPS, "getgroups", sys_identity::getgroups),
    partial(sysno::SETGROUPS, "setgroups", sys_identity::setgroups, PER_PROCESS_CREDS),
    partial(sysno::SETRESUID, "setresuid", sys_identity::setresuid, PER_PROCESS_CREDS),
    full(sysno::GETRESUID, "getresuid", sys_identity::getresuid),
    partial(sysno::SETRESGID, "setresgid", sys_identity::setresgid, PER_PROCESS_CREDS),
    full(sysno::GETRESGID, "getresgid", sys_identity::getresgid),
    full(sysno::GETPGID, "getpgid", sys_process::getpgid),
    partial(sysno::SETFSUID, "setfsuid", sys_identity::setfsuid, PER_PROCESS_CREDS),
    partial(sysno::SETFSGID, "setfsgid", sys_identity::setfsgid, PER_PROCESS_CREDS),
    full(sysno::GETSID, "getsid", sys_process::getsid),
    partial(sysno::CAPGET, "capget", sys_identity::capget, "the caller or a live process by its pid; other threads' ids and zombies ESRCH"),
    partial(sysno::CAPSET, "capset", sys_identity::capset, "changes the whole process (Linux: the calling thread only; libcs do not broadcast it)"),
    full(sysno::RT_SIGPENDING, "rt_sigpending", sys_signal::rt_sigpending),
    full(sysno::RT_SIGTIMEDWAIT, "rt_sigtimedwait", sys_signal::rt_sigtimedwait),
    partial(sysno::RT_SIGQUEUEINFO, "rt_sigqueueinfo", sys_signal::rt_sigqueueinfo, SIGQUEUE_NOTE),
    full(sysno::RT_SIGSUSPEND, "rt_sigsuspend", sys_signal::rt_sigsuspend),
    full(sysno::SIGALTSTACK, "sigaltstack", sys_signal::sigaltstack),
    partial(sysno::MKNOD, "mknod", sys_path::mknod, MKNOD_NOTE),
    partial(sysno::PERSONALITY, "personality", sys_prctl::personality, "ADDR_NO_RANDOMIZE turns off the loader's randomisation; the other flags and execution domains are kept but change nothing"),
    full(sysno::STATFS, "statfs", sys_stat::statfs),
    full(sysno::FSTATFS, "fstatfs", sys_stat::fstatfs),
    full(sysno::GETPRIORITY, "getpriority", sys_sched::getpriority),
    partial(sysno::SETPRIORITY, "setpriority", sys_sched::setpriority, "the nice value is recorded (getpriority, /proc/PID/stat) but the host schedules as it likes"),
    partial(sysno::SCHED_SETPARAM, "sched_setparam", sys_sched::sched_setparam, "priority 0 only, as SCHED_OTHER allows; other threads' ids and zombies ESRCH"),
    partial(sysno::SCHED_GETPARAM, "sched_getparam", sys_sched::sched_getparam, "other threads' ids and zombies ESRCH"),
    partial(sysno::SCHED_SETSCHEDULER, "sched_setscheduler", sys_sched::sched_setscheduler, "SCHED_OTHER with priority 0 only; other valid policies and SCHED_RESET_ON_FORK EPERM; other threads' ids and zombies ESRCH"),
    partial(sysno::SCHED_GETSCHEDULER, "sched_getscheduler", sys_sched::sched_getscheduler, "always SCHED_OTHER; other threads' ids and zombies ESRCH"),
    full(sysno::SCHED_GET_PRIORITY_MAX, "sched_get_priority_max", sys_sched::sched_get_priority_max),
    full(sysno::SCHED_GET_PRIORITY_MIN, "sched_get_priority_min", sys_sched::sched_get_priority_min),
    partial(sysno::SCHED_RR_GET_INTERVAL, "sched_rr_get_interval", sys_sched::sched_rr_get_interval, "0 (every task is SCHED_OTHER, with no known slice); other threads' ids and zombies ESRCH"),
    partial(sysno::PRCTL, "prctl", sys_prctl::prctl, "NAME, PDEATHSIG (sent when the parent process ends; Linux: when the parent thread does), DUMPABLE, KEEPCAPS, CAPBSET_READ/DROP, SECUREBITS, CHILD_SUBREAPER, NO_NEW_PRIVS, CAP_AMBIENT (capability options change the whole process, Linux only the thread); other options EINVAL"),
    partial(sysno::ARCH_PRCTL, "arch_prctl", sys_prctl::arch_prctl, "SET/GET_FS, GET_CPUID; SET_GS is recorded but not loaded (%gs belongs to the stub); SET_CPUID ENODEV"),
    partial(sysno::ADJTIMEX, "adjtimex", sys_time::adjtimex, "reads only, as a clock no NTP daemon disciplines; any change EPERM"),
    full(sysno::SETRLIMIT, "setrlimit", sys_rlimit::setrlimit),
    full(sysno::CHROOT, "chroot", sys_path::chroot),
    full(sysno::SYNC, "sync", sys_path::sync),
    partial(sysno::SETTIMEOFDAY, "settimeofday", sys_time::settimeofday, "the sandbox's clocks cannot be set: EPERM, as without CAP_SYS_TIME"),
    full(sysno::SETHOSTNAME, "sethostname", sys_utsname::sethostname),
    full(sysno::SETDOMAINNAME, "setdomainname", sys_utsname::setdomainname),
    full(sysno::GETTID, "gettid", sys_thread::gettid),
    partial(sysno::SETXATTR, "setxattr", sys_xattr::setxattr, XATTR_NOTE),
    partial(sysno::LSETXATTR, "lsetxattr", sys_xattr::lsetxattr, XATTR_NOTE),
    partial(sysno::FSETXATTR, "fsetxattr", sys_xattr::fsetxattr, XATTR_NOTE),
    partial(sysno::GETXATTR, "getxattr", sys_xattr::getxattr, XATTR_NOTE),
    partial(sysno::LGETXATTR, "lgetxattr", sys_xattr::lgetxattr, XATTR_NOTE),
    partial(sysno::FGETXATTR, "fgetxattr", sys_xattr::fgetxattr, XATTR_NOTE),
    partial(sysno::LISTXATTR, "listxattr", sys_xattr::listxattr, XATTR_NOTE),
    partial(sysno::LLISTXATTR, "llistxattr", sys_xattr::llistxattr, XATTR_NOTE),
    partial(sysno::FLISTXATTR, "flistxattr", sys_xattr::flistxattr, XATTR_NOTE),
    partial(sysno::REMOVEXATTR, "removexattr", sys_xattr::removexattr, XATTR_NOTE),
    partial(sysno::LREMOVEXATTR, "lremovexattr", sys_xattr::lremovexattr, XATTR_NOTE),
    partial(sysno::FREMOVEXATTR, "fremovexattr", sys_xattr::fremovexattr, XATTR_NOTE),
    full(sysno::TKILL, "tkill", sys_signal::tkill),
    full(sysno::TIME, "time", sys_time::time),
    partial(sysno::FUTEX, "futex", sys_futex::futex, "every operation; the PI ones hand ownership through the word without priority inheritance (the sandbox has no priorities), and a requeued PI waiter takes the lock itself once woken rather than being given it"),
    partial(sysno::SCHED_SETAFFINITY, "sched_setaffinity", sys_sched::sched_setaffinity, "any thread in the sandbox, by tid, with Linux's owner or CAP_SYS_NICE check; recorded, the host schedules as it likes; CPUs beyond 64 not modelled"),
    partial(sysno::SCHED_GETAFFINITY, "sched_getaffinity", sys_sched::sched_getaffinity, "any thread in the sandbox, by tid; CPUs beyond 64 not modelled"),
    full(sysno::EPOLL_CREATE, "epoll_create", sys_epoll::epoll_create),
    full(sysno::GETDENTS64, "getdents64", sys_path::getdents64),
    full(sysno::SET_TID_ADDRESS, "set_tid_address", sys_thread::set_tid_address),
    full(sysno::RESTART_SYSCALL, "restart_syscall", sys_signal::restart_syscall),
    full(sysno::FADVISE64, "fadvise64", sys_path::fadvise64),
    partial(sysno::TIMER_CREATE, "timer_create", sys_itimer::timer_create, "CPU-time clocks of the caller's process and its threads (another process's EINVAL); CPUCLOCK_VIRT ids count system time too"),
    partial(sysno::TIMER_SETTIME, "timer_settime", sys_itimer::timer_settime, "si_overrun is the count when the signal was queued; a timer's signal counts as pending while its number is pending for its target"),
    full(sysno::TIMER_GETTIME, "timer_gettime", sys_itimer::timer_gettime),
    full(sysno::TIMER_GETOVERRUN, "timer_getoverrun", sys_itimer::timer_getoverrun),
    full(sysno::TIMER_DELETE, "timer_delete", sys_itimer::timer_delete),
    partial(sysno::CLOCK_SETTIME, "clock_settime", sys_time::clock_settime, "the sandbox's clocks cannot be set: EPERM, as without CAP_SYS_TIME"),
    partial(sysno::CLOCK_GETTIME, "clock_gettime", sys_time::clock_gettime, "CPU-time clocks count in 10 ms ticks (the kernel CPU clock)"),
    full(sysno::CLOCK_GETRES, "clock_getres", sys_time::clock_getres),
    partial(sysno::CLOCK_NANOSLEEP, "clock_nanosleep", sys_time::clock_nanosleep, "alarm clocks return EINVAL; a sleep on a process CPU clock looks at it every 10 ms tick"),
    full(sysno::EXIT_GROUP, "exit_group", sys_thread::exit_group),
    partial(sysno::EPOLL_WAIT, "epoll_wait", sys_epoll::epoll_wait, EPOLL_WAIT_NOTE),
    partial(sysno::EPOLL_CTL, "epoll_ctl", sys_epoll::epoll_ctl, EPOLL_CTL_NOTE),
    full(sysno::TGKILL, "tgkill", sys_signal::tgkill),
    full(sysno::UTIMES, "utimes", sys_path::utimes),
    partial(sysno::WAITID, "waitid", sys_process::waitid, "P_PIDFD returns EINVAL"),
    full(sysno::INOTIFY_INIT, "inotify_init", sys_inotify::inotify_init),
    partial(sysno::INOTIFY_ADD_WATCH, "inotify_add_watch", sys_inotify::inotify_add_watch, "devices and named pipes opened by path, and the file execve runs, report no open, read, write or close events; no IN_UNMOUNT (mounts are never unmounted); INOTIFY_IOC_SETNEXTWD is ENOTTY"),
    full(sysno::INOTIFY_RM_WATCH, "inotify_rm_watch", sys_inotify::inotify_rm_watch),
    partial(sysno::OPENAT, "openat", sys_path::openat, OPEN_NOTE),
    full(sysno::MKDIRAT, "mkdirat", sys_path::mkdirat),
    partial(sysno::MKNODAT, "mknodat", sys_path::mknodat, MKNOD_NOTE),
    full(sysno::FCHOWNAT, "fchownat", sys_path::fchownat),
    full(sysno::FUTIMESAT, "futimesat", sys_path::futimesat),
    full(sysno::NEWFSTATAT, "newfstatat", sys_stat::newfstatat),
    full(sysno::UNLINKAT, "unlinkat", sys_path::unlinkat),
    full(sysno::RENAMEAT, "renameat", sys_path::renameat),
    full(sysno::LINKAT, "linkat", sys_path::linkat),
    full(sysno::SYMLINKAT, "symlinkat", sys_path::symlinkat),
    full(sysno::READLINKAT, "readlinkat", sys_path::readlinkat),
    full(sysno::FCHMODAT, "fchmodat", sys_path::fchmodat),
    full(sysno::FACCESSAT, "faccessat", sys_path::faccessat),
    full(sysno::PSELECT6, "pselect6", sys_poll::pselect6),
    full(sysno::PPOLL, "ppoll", sys_poll::ppoll),
    full(sysno::SET_ROBUST_LIST, "set_robust_list", sys_thread::set_robust_list),
    full(sysno::GET_ROBUST_LIST, "get_robust_list", sys_thread::get_robust_list),
    full(sysno::SPLICE, "splice", sys_splice::splice),
    full(sysno::TEE, "tee", sys_splice::tee),
    partial(sysno::VMSPLICE, "vmsplice", sys_splice::vmsplice, "the caller's pages are copied, never shared with the pipe (SPLICE_F_GIFT is a hint)"),
    full(sysno::UTIMENSAT, "utimensat", sys_path::utimensat),
    partial(sysno::EPOLL_PWAIT, "epoll_pwait", sys_epoll::epoll_pwait, EPOLL_PWAIT_NOTE),
    partial(sysno::SIGNALFD, "signalfd", sys_signal::signalfd, SIGNALFD_NOTE),
    full(sysno::TIMERFD_CREATE, "timerfd_create", sys_timerfd::timerfd_create),
    full(sysno::EVENTFD, "eventfd", sys_eventfd::eventfd),
    partial(sysno::FALLOCATE, "fallocate", sys_path::fallocate, "mode 0 and FALLOC_FL_KEEP_SIZE (tmpfs allocates when written); punching and collapsing holes EOPNOTSUPP"),
    partial(sysno::TIMERFD_SETTIME, "timerfd_settime", sys_timerfd::timerfd_settime, "TFD_TIMER_CANCEL_ON_SET is accepted but never cancels (the sandbox's realtime is never set)"),
    full(sysno::TIMERFD_GETTIME, "timerfd_gettime", sys_timerfd::timerfd_gettime),
    partial(sysno::ACCEPT4, "accept4", sys_socket::accept4, ACCEPT_NOTE),
    partial(sysno::SIGNALFD4, "signalfd4", sys_signal::signalfd4, SIGNALFD_NOTE),
    full(sysno::EVENTFD2, "eventfd2", sys_eventfd::eventfd2),
    full(sysno::EPOLL_CREATE1, "epoll_create1", sys_epoll::epoll_create1),
    full(sysno::DUP3, "dup3", sys_fd::dup3),
    partial(sysno::PIPE2, "pipe2", sys_pipe::pipe2, "O_NOTIFICATION_PIPE returns EINVAL (no watch queues)"),
    full(sysno::INOTIFY_INIT1, "inotify_init1", sys_inotify::inotify_init1),
    full(sysno::PREADV, "preadv", sys_read_write::preadv),
    full(sysno::PWRITEV, "pwritev", sys_read_write::pwritev),
    partial(sysno::RT_TGSIGQUEUEINFO, "rt_tgsigqueueinfo", sys_signal::rt_tgsigqueueinfo, SIGQUEUE_NOTE),
    partial(sysno::RECVMMSG, "recvmmsg", sys_socket::recvmmsg, RECV_NOTE),
    partial(sysno::PRLIMIT64, "prlimit64", sys_rlimit::prlimit64, "other threads' ids and zombies ESRCH"),
    partial(sysno::CLOCK_ADJTIME, "clock_adjtime", sys_time::clock_adjtime, "as adjtimex for CLOCK_REALTIME; other clocks EOPNOTSUPP"),
    full(sysno::SYNCFS, "syncfs", sys_path::syncfs),
    partial(sysno::SENDMMSG, "sendmmsg", sys_socket::sendmmsg, SEND_NOTE),
    partial(sysno::GETCPU, "getcpu", sys_sched::getcpu, "the host CPU modulo the sandbox's, within the affinity; node 0"),
    partial(sysno::RENAMEAT2, "renameat2", sys_path::renameat2, "RENAME_NOREPLACE and RENAME_EXCHANGE; RENAME_WHITEOUT returns EINVAL"),
    full(sysno::GETRANDOM, "getrandom", sys_random::getrandom),
    partial(sysno::MEMFD_CREATE, "memfd_create", sys_memfd::memfd_create, "MFD_HUGETLB returns EINVAL; without MFD_EXEC or MFD_NOEXEC_SEAL as vm.memfd_noexec=0"),
    partial(sysno::EXECVEAT, "execveat", sys_process::execveat, "as execve"),
    full(sysno::COPY_FILE_RANGE, "copy_file_range", sys_read_write::copy_file_range),
    partial(sysno::PREADV2, "preadv2", sys_read_write::preadv2, "RWF_* flags return EOPNOTSUPP"),
    partial(sysno::PWRITEV2, "pwritev2", sys_read_write::pwritev2, "RWF_* flags return EOPNOTSUPP"),
    partial(sysno::STATX, "statx", sys_stat::statx, "every basic field and the birth time whatever the mask; no attributes, mount id or direct-I/O alignment"),
    missing(sysno::RSEQ, "rseq", "ENOSYS: restartable sequences are not supported; libc falls back"),
    partial(sysno::CLONE3, "clone3", sys_process::clone3, "as clone; set_tid and cgroup return EINVAL"),
    full(sysno::CLOSE_RANGE, "close_range", sys_fd::close_range),
    partial(sysno::OPENAT2, "openat2", sys_path::openat2, "as openat; every RESOLVE_* flag is honoured (CACHED: everything is cached, so only its EAGAIN for O_CREAT and O_TRUNC applies)"),
    full(sysno::FACCESSAT2, "faccessat2", sys_path::faccessat2),
    partial(sysno::EPOLL_PWAIT2, "epoll_pwait2", sys_epoll::epoll_pwait2, EPOLL_PWAIT_NOTE),
    full(sysno::FCHMODAT2, "fchmodat2", sys_path::fchmodat2),
];

/// The entry for system call `nr`.
pub fn lookup(nr: u64) -> Option<&'static Syscall> {
    static INDEX: OnceLock<Vec<Option<&'static Syscall>>> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut v = vec![None; sysno::MAX as usize];
        for sc in TABLE {
            v[sc.nr as usize] = Some(sc);
        }
        v
    });
    index.get(usize::try_from(nr).ok()?).copied().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_ordered_named_and_unique() {
        for w in TABLE.windows(2) {
            assert!(w[0].nr < w[1].nr, "{} and {} out of order", w[0].name, w[1].name);
        }
        for sc in TABLE {
            assert_eq!(sysno::name(sc.nr), Some(sc.name), "entry {} has the wrong name", sc.nr);
        }
    }

    #[test]
    fn lookup_rejects_out_of_range_numbers() {
        assert!(lookup(sysno::READ as u64).is_some());
        assert!(lookup(u64::MAX).is_none());
        assert!(lookup(0x4000_0000).is_none());
        assert!(lookup(sysno::IO_SETUP as u64).is_none());
    }

}
