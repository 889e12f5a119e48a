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

/// Every system call the sandbox knows, in number order.
pub static TABLE: &[Syscall] = &[
    full(sysno::READ, "read", sys_read_write::read),
    full(sysno::WRITE, "write", sys_read_write::write),
    full(sysno::CLOSE, "close", sys_file::close),
    full(sysno::FSTAT, "fstat", sys_stat::fstat),
    full(sysno::LSEEK, "lseek", sys_file::lseek),
    partial(sysno::MMAP, "mmap", sys_mmap::mmap, "anonymous mappings only; file mappings return ENODEV"),
    full(sysno::MPROTECT, "mprotect", sys_mmap::mprotect),
    full(sysno::MUNMAP, "munmap", sys_mmap::munmap),
    full(sysno::BRK, "brk", sys_mmap::brk),
    full(sysno::RT_SIGACTION, "rt_sigaction", sys_signal::rt_sigaction),
    full(sysno::RT_SIGPROCMASK, "rt_sigprocmask", sys_signal::rt_sigprocmask),
    partial(sysno::IOCTL, "ioctl", sys_file::ioctl, "TCGETS, TIOCGWINSZ, FIONREAD, FIOCLEX, FIONCLEX; others ENOTTY"),
    full(sysno::PREAD64, "pread64", sys_read_write::pread64),
    full(sysno::PWRITE64, "pwrite64", sys_read_write::pwrite64),
    full(sysno::READV, "readv", sys_read_write::readv),
    full(sysno::WRITEV, "writev", sys_read_write::writev),
    full(sysno::SCHED_YIELD, "sched_yield", sys_thread::sched_yield),
    partial(sysno::MREMAP, "mremap", sys_mmap::mremap, "MREMAP_DONTUNMAP returns EINVAL"),
    full(sysno::MADVISE, "madvise", sys_mmap::madvise),
    partial(sysno::NANOSLEEP, "nanosleep", sys_time::nanosleep, "an interrupted sleep returns EINTR (no restart yet)"),
    full(sysno::GETPID, "getpid", sys_thread::getpid),
    full(sysno::EXIT, "exit", sys_thread::exit),
    full(sysno::UNAME, "uname", sys_utsname::uname),
    partial(sysno::READLINK, "readlink", sys_file::readlink, "only /proc/self/exe until the VFS lands; other paths ENOENT"),
    full(sysno::GETTIMEOFDAY, "gettimeofday", sys_time::gettimeofday),
    full(sysno::GETRLIMIT, "getrlimit", sys_rlimit::getrlimit),
    full(sysno::GETUID, "getuid", sys_identity::getuid),
    full(sysno::GETGID, "getgid", sys_identity::getgid),
    full(sysno::GETEUID, "geteuid", sys_identity::geteuid),
    full(sysno::GETEGID, "getegid", sys_identity::getegid),
    full(sysno::GETPPID, "getppid", sys_thread::getppid),
    partial(sysno::PRCTL, "prctl", sys_prctl::prctl, "PR_SET_NAME, PR_GET_NAME; other options EINVAL"),
    partial(sysno::ARCH_PRCTL, "arch_prctl", sys_prctl::arch_prctl, "SET/GET_FS, GET_CPUID; SET_GS is recorded but not loaded (%gs belongs to the stub); SET_CPUID ENODEV"),
    full(sysno::SETRLIMIT, "setrlimit", sys_rlimit::setrlimit),
    full(sysno::GETTID, "gettid", sys_thread::gettid),
    full(sysno::TIME, "time", sys_time::time),
    full(sysno::SET_TID_ADDRESS, "set_tid_address", sys_thread::set_tid_address),
    full(sysno::CLOCK_GETTIME, "clock_gettime", sys_time::clock_gettime),
    full(sysno::CLOCK_GETRES, "clock_getres", sys_time::clock_getres),
    partial(sysno::CLOCK_NANOSLEEP, "clock_nanosleep", sys_time::clock_nanosleep, "CPU-time clocks return EINVAL; an interrupted sleep returns EINTR"),
    full(sysno::EXIT_GROUP, "exit_group", sys_thread::exit_group),
    partial(sysno::NEWFSTATAT, "newfstatat", sys_stat::newfstatat, "AT_EMPTY_PATH on a descriptor; paths ENOENT until the VFS lands"),
    partial(sysno::READLINKAT, "readlinkat", sys_file::readlinkat, "only /proc/self/exe until the VFS lands; other paths ENOENT"),
    full(sysno::SET_ROBUST_LIST, "set_robust_list", sys_thread::set_robust_list),
    full(sysno::GET_ROBUST_LIST, "get_robust_list", sys_thread::get_robust_list),
    full(sysno::PRLIMIT64, "prlimit64", sys_rlimit::prlimit64),
    full(sysno::GETRANDOM, "getrandom", sys_random::getrandom),
    missing(sysno::RSEQ, "rseq", "ENOSYS: restartable sequences are not supported; libc falls back"),
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
        assert!(lookup(sysno::SOCKET as u64).is_none());
    }
}
