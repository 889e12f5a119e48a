//! Signals: numbers, `sigaction`, `siginfo` and related flags.

#[allow(missing_docs)]
pub mod sig {
    pub const SIGHUP: i32 = 1;
    pub const SIGINT: i32 = 2;
    pub const SIGQUIT: i32 = 3;
    pub const SIGILL: i32 = 4;
    pub const SIGTRAP: i32 = 5;
    pub const SIGABRT: i32 = 6;
    pub const SIGBUS: i32 = 7;
    pub const SIGFPE: i32 = 8;
    pub const SIGKILL: i32 = 9;
    pub const SIGUSR1: i32 = 10;
    pub const SIGSEGV: i32 = 11;
    pub const SIGUSR2: i32 = 12;
    pub const SIGPIPE: i32 = 13;
    pub const SIGALRM: i32 = 14;
    pub const SIGTERM: i32 = 15;
    pub const SIGSTKFLT: i32 = 16;
    pub const SIGCHLD: i32 = 17;
    pub const SIGCONT: i32 = 18;
    pub const SIGSTOP: i32 = 19;
    pub const SIGTSTP: i32 = 20;
    pub const SIGTTIN: i32 = 21;
    pub const SIGTTOU: i32 = 22;
    pub const SIGURG: i32 = 23;
    pub const SIGXCPU: i32 = 24;
    pub const SIGXFSZ: i32 = 25;
    pub const SIGVTALRM: i32 = 26;
    pub const SIGPROF: i32 = 27;
    pub const SIGWINCH: i32 = 28;
    pub const SIGIO: i32 = 29;
    pub const SIGPWR: i32 = 30;
    pub const SIGSYS: i32 = 31;
    pub const SIGRTMIN: i32 = 32;
    pub const SIGRTMAX: i32 = 64;
}

/// The largest signal number.
pub const NSIG: i32 = 64;

/// A set of signals: bit `n - 1` stands for signal `n`.
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigSet(pub u64);
crate::impl_pod!(SigSet);

impl SigSet {
    /// The set holding just `sig`.
    pub const fn of(sig: i32) -> SigSet {
        SigSet(1 << (sig - 1))
    }
    /// Whether `sig` is in the set.
    pub const fn has(self, sig: i32) -> bool {
        self.0 & (1 << (sig - 1)) != 0
    }
    /// The set without the signals that can never be blocked.
    pub const fn blockable(self) -> SigSet {
        SigSet(self.0 & !(Self::of(sig::SIGKILL).0 | Self::of(sig::SIGSTOP).0))
    }
}

/// The kernel's `struct sigaction` (as `rt_sigaction` takes it).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigAction {
    /// `SIG_DFL` (0), `SIG_IGN` (1), or the handler's address.
    pub handler: u64,
    /// `SA_*` flags.
    pub flags: u64,
    /// The trampoline that calls `rt_sigreturn` (with `SA_RESTORER`).
    pub restorer: u64,
    /// Signals blocked while the handler runs.
    pub mask: SigSet,
}
crate::impl_pod!(SigAction);

/// `SIG_DFL`.
pub const SIG_DFL: u64 = 0;
/// `SIG_IGN`.
pub const SIG_IGN: u64 = 1;

#[allow(missing_docs)]
pub mod sa {
    pub const NOCLDSTOP: u64 = 0x1;
    pub const NOCLDWAIT: u64 = 0x2;
    pub const SIGINFO: u64 = 0x4;
    pub const UNSUPPORTED: u64 = 0x400;
    pub const EXPOSE_TAGBITS: u64 = 0x800;
    pub const ONSTACK: u64 = 0x0800_0000;
    pub const RESTART: u64 = 0x1000_0000;
    pub const NODEFER: u64 = 0x4000_0000;
    pub const RESETHAND: u64 = 0x8000_0000;
    pub const RESTORER: u64 = 0x0400_0000;
}

#[allow(missing_docs)]
pub mod how {
    pub const SIG_BLOCK: u64 = 0;
    pub const SIG_UNBLOCK: u64 = 1;
    pub const SIG_SETMASK: u64 = 2;
}

/// `struct siginfo` as Linux lays it out for the fault fields: 128 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigInfo {
    /// Signal number.
    pub signo: i32,
    /// An errno value (rarely used).
    pub errno: i32,
    /// Why the signal was sent (`SEGV_MAPERR`, `SI_USER`, ...).
    pub code: i32,
    /// Padding before the union, as on x86_64.
    pub pad: i32,
    /// The union; for faults the first word is the faulting address.
    pub fields: [u64; 14],
}
crate::impl_pod!(SigInfo);

#[allow(missing_docs)]
pub mod code {
    pub const SI_USER: i32 = 0;
    pub const SI_KERNEL: i32 = 0x80;
    pub const SI_QUEUE: i32 = -1;
    pub const SI_TIMER: i32 = -2;
    pub const SI_TKILL: i32 = -6;
    pub const SEGV_MAPERR: i32 = 1;
    pub const SEGV_ACCERR: i32 = 2;
    pub const BUS_ADRALN: i32 = 1;
    pub const BUS_ADRERR: i32 = 2;
    pub const FPE_INTDIV: i32 = 1;
    pub const ILL_ILLOPN: i32 = 2;
    pub const TRAP_BRKPT: i32 = 1;
    pub const SYS_SECCOMP: i32 = 1;
    pub const CLD_EXITED: i32 = 1;
    pub const CLD_KILLED: i32 = 2;
    pub const CLD_DUMPED: i32 = 3;
    pub const CLD_TRAPPED: i32 = 4;
    pub const CLD_STOPPED: i32 = 5;
    pub const CLD_CONTINUED: i32 = 6;
}

impl SigInfo {
    /// A signal with no details beyond its origin `code`.
    pub const fn new(signo: i32, code: i32) -> SigInfo {
        SigInfo { signo, errno: 0, code, pad: 0, fields: [0; 14] }
    }

    /// A signal sent by a process (`kill`, `tgkill`, `sigqueue`):
    /// `si_pid` and `si_uid` are the sender's, as the receiver sees them.
    pub const fn from_process(signo: i32, code: i32, pid: i32, uid: u32) -> SigInfo {
        let mut info = SigInfo::new(signo, code);
        info.fields[0] = pid as u32 as u64 | (uid as u64) << 32;
        info
    }

    /// `si_pid` (for signals sent by a process, and `SIGCHLD`).
    pub const fn pid(&self) -> i32 {
        self.fields[0] as u32 as i32
    }

    /// `si_uid`.
    pub const fn uid(&self) -> u32 {
        (self.fields[0] >> 32) as u32
    }

    /// Sets `si_value` (for `sigqueue` and timers): the union's second word.
    pub fn set_value(&mut self, value: u64) {
        self.fields[1] = value;
    }

    /// `SIGCHLD` for a child that exited, was killed, stopped or
    /// continued: `si_status` is the exit code or the signal.
    pub const fn child(code: i32, pid: i32, uid: u32, status: i32, utime: u64, stime: u64) -> SigInfo {
        let mut info = SigInfo::from_process(sig::SIGCHLD, code, pid, uid);
        info.fields[1] = status as u32 as u64;
        info.fields[2] = utime;
        info.fields[3] = stime;
        info
    }

    /// A timer expiry (`SI_TIMER`): `si_timerid`, `si_overrun`, `si_value`.
    pub const fn timer(signo: i32, timer_id: i32, overrun: i32, value: u64) -> SigInfo {
        let mut info = SigInfo::new(signo, code::SI_TIMER);
        info.fields[0] = timer_id as u32 as u64 | (overrun as u32 as u64) << 32;
        info.fields[1] = value;
        info
    }
}

/// `sigaltstack` flag: the thread runs on its alternate stack.
pub const SS_ONSTACK: i32 = 1;
/// `sigaltstack` flag: disarm the stack while a handler runs on it.
pub const SS_AUTODISARM: i32 = 1 << 31;
/// The smallest alternate stack `sigaltstack` accepts (`MINSIGSTKSZ`).
pub const MINSIGSTKSZ: u64 = 2048;

/// `ucontext` flags Linux sets in a signal frame.
#[allow(missing_docs)]
pub mod uc {
    pub const FP_XSTATE: u64 = 1;
    pub const SIGCONTEXT_SS: u64 = 2;
    pub const STRICT_RESTORE_SS: u64 = 4;
}

/// `stack_t`, as `sigaltstack` takes it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StackT {
    /// Base address.
    pub sp: u64,
    /// `SS_ONSTACK`, `SS_DISABLE`, `SS_AUTODISARM`.
    pub flags: i32,
    /// Explicit padding, as on x86_64.
    pub pad: i32,
    /// Size in bytes.
    pub size: u64,
}
crate::impl_pod!(StackT);

/// `sigaltstack` flag: the stack is disabled.
pub const SS_DISABLE: i32 = 2;

/// The kernel's `struct ucontext` on x86_64, as a signal frame holds it.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct UContext {
    /// `UC_*` flags.
    pub flags: u64,
    /// Unused by Linux (`uc_link`).
    pub link: u64,
    /// The alternate stack in force when the signal arrived.
    pub stack: StackT,
    /// General registers (`struct sigcontext` up to `cr2`).
    pub regs: crate::regs::Regs,
    /// Address of the saved FPU/xsave state.
    pub fpstate: u64,
    /// Reserved words of `struct sigcontext`.
    pub reserved: [u64; 8],
    /// The signal mask to restore on `rt_sigreturn`.
    pub sigmask: SigSet,
}
crate::impl_pod!(UContext);
const _: () = assert!(core::mem::size_of::<UContext>() == 304);

/// Offsets into the `fxsave` area that `UContext::fpstate` points at.
#[allow(missing_docs)]
pub mod fpstate {
    pub const FCW: usize = 0;
    pub const FSW: usize = 2;
    pub const FTW: usize = 4;
    pub const MXCSR: usize = 24;
    /// `st0..st7` then `xmm0..xmm15`: the register file to clear on reset.
    pub const REGS_START: usize = 32;
    pub const REGS_END: usize = 416;
    /// `fx_sw_reserved.magic1`: says an xsave header follows at 512.
    pub const SW_MAGIC1: usize = 464;
    pub const FP_XSTATE_MAGIC1: u32 = 0x4650_5853;
    pub const XSTATE_BV: usize = 512;
    pub const FCW_INIT: u16 = 0x37f;
    pub const MXCSR_INIT: u32 = 0x1f80;
    /// `mxcsr_mask`: the MXCSR bits the CPU implements.
    pub const MXCSR_MASK: usize = 28;
    /// `fx_sw_reserved`: `magic1`, `extended_size`, `xfeatures`, `xstate_size`.
    pub const SW_EXTENDED_SIZE: usize = 468;
    pub const SW_XFEATURES: usize = 472;
    pub const SW_XSTATE_SIZE: usize = 480;
    /// The legacy `fxsave` area's size, where the xsave header starts.
    pub const FXSAVE_SIZE: usize = 512;
    /// The xsave header: `xstate_bv`, `xcomp_bv`, then reserved words.
    pub const XSAVE_HEADER_SIZE: usize = 64;
    pub const XCOMP_BV: usize = 520;
    /// Written after the xsave area (at `xstate_size`) of a signal frame.
    pub const FP_XSTATE_MAGIC2: u32 = 0x4650_5845;
    /// The x87 and SSE features of `xstate_bv`.
    pub const XFEATURES_FP_SSE: u64 = 0x3;
}
