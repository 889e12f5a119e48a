//! Process-level structures and constants: `utsname`, `rlimit`, `prctl`,
//! `arch_prctl` and wait status encoding.

/// `struct utsname`: six NUL-terminated fields of 65 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct Utsname {
    pub sysname: [u8; 65],
    pub nodename: [u8; 65],
    pub release: [u8; 65],
    pub version: [u8; 65],
    pub machine: [u8; 65],
    pub domainname: [u8; 65],
}
crate::impl_pod!(Utsname);

/// `struct rlimit64`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rlimit {
    /// Soft limit.
    pub cur: u64,
    /// Hard limit (ceiling for the soft limit).
    pub max: u64,
}
crate::impl_pod!(Rlimit);

/// `RLIM_INFINITY`.
pub const RLIM_INFINITY: u64 = u64::MAX;

#[allow(missing_docs)]
pub mod rlimit {
    pub const CPU: u32 = 0;
    pub const FSIZE: u32 = 1;
    pub const DATA: u32 = 2;
    pub const STACK: u32 = 3;
    pub const CORE: u32 = 4;
    pub const RSS: u32 = 5;
    pub const NPROC: u32 = 6;
    pub const NOFILE: u32 = 7;
    pub const MEMLOCK: u32 = 8;
    pub const AS: u32 = 9;
    pub const LOCKS: u32 = 10;
    pub const SIGPENDING: u32 = 11;
    pub const MSGQUEUE: u32 = 12;
    pub const NICE: u32 = 13;
    pub const RTPRIO: u32 = 14;
    pub const RTTIME: u32 = 15;
    pub const NLIMITS: u32 = 16;
}

#[allow(missing_docs)]
pub mod prctl {
    pub const SET_PDEATHSIG: u64 = 1;
    pub const GET_PDEATHSIG: u64 = 2;
    pub const GET_DUMPABLE: u64 = 3;
    pub const SET_DUMPABLE: u64 = 4;
    pub const SET_NAME: u64 = 15;
    pub const GET_NAME: u64 = 16;
    pub const SET_NO_NEW_PRIVS: u64 = 38;
    pub const GET_NO_NEW_PRIVS: u64 = 39;
    pub const SET_CHILD_SUBREAPER: u64 = 36;
    pub const GET_CHILD_SUBREAPER: u64 = 37;
}

/// Length of a task's `comm` name, NUL included.
pub const TASK_COMM_LEN: usize = 16;

#[allow(missing_docs)]
pub mod arch_prctl {
    pub const SET_GS: u64 = 0x1001;
    pub const SET_FS: u64 = 0x1002;
    pub const GET_FS: u64 = 0x1003;
    pub const GET_GS: u64 = 0x1004;
    pub const GET_CPUID: u64 = 0x1011;
    pub const SET_CPUID: u64 = 0x1012;
}

/// The `wait` status of a process that exited with `code`.
pub const fn wait_status_exited(code: i32) -> i32 {
    (code & 0xff) << 8
}

/// The `wait` status of a process killed by `sig`, with the core-dump bit.
pub const fn wait_status_signaled(sig: i32, core: bool) -> i32 {
    (sig & 0x7f) | if core { 0x80 } else { 0 }
}

/// `getrandom` flags.
#[allow(missing_docs)]
pub mod grnd {
    pub const NONBLOCK: u64 = 1;
    pub const RANDOM: u64 = 2;
    pub const INSECURE: u64 = 4;
}

/// `personality(2)` flags and the query value.
#[allow(missing_docs)]
pub mod personality {
    /// Asks for the persona without changing it.
    pub const QUERY: u32 = 0xffff_ffff;
    pub const ADDR_NO_RANDOMIZE: u32 = 0x004_0000;
    pub const READ_IMPLIES_EXEC: u32 = 0x040_0000;
}
