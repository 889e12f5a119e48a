//! The general-purpose register set of an x86_64 thread.

/// General-purpose registers in the order of `mcontext_t.gregs`, so that the
/// stub can copy them to and from a signal frame as one block.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct Regs {
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub rdx: u64,
    pub rax: u64,
    pub rcx: u64,
    pub rsp: u64,
    pub rip: u64,
    pub eflags: u64,
    /// `cs`, `gs`, `fs` and `ss` selectors packed as in `mcontext_t`.
    pub csgsfs: u64,
    pub err: u64,
    pub trapno: u64,
    pub oldmask: u64,
    pub cr2: u64,
}
crate::impl_pod!(Regs);

/// Number of general registers in `mcontext_t` (`NGREG`).
pub const NGREG: usize = 23;
const _: () = assert!(core::mem::size_of::<Regs>() == NGREG * 8);

/// The flags Linux lets a user set in `eflags` (`FIX_EFLAGS` in the kernel):
/// AC, OF, DF, TF, SF, ZF, AF, PF, CF and RF.
pub const USER_EFLAGS: u64 = 0x40000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x10000;

/// The `eflags` value of a freshly exec'd thread (only the reserved bit 1 and IF).
pub const INITIAL_EFLAGS: u64 = 0x202;

impl Regs {
    /// The system call number of a trapped `syscall` instruction.
    pub fn syscall_nr(&self) -> u64 {
        self.rax
    }

    /// The six system call arguments, in ABI order.
    pub fn syscall_args(&self) -> [u64; 6] {
        [self.rdi, self.rsi, self.rdx, self.r10, self.r8, self.r9]
    }

    /// Sets the value the interrupted `syscall` instruction returns.
    pub fn set_return(&mut self, v: u64) {
        self.rax = v;
    }

    /// Registers of a thread about to run the first instruction of a new
    /// image, as Linux's `start_thread` leaves them: everything zero but the
    /// instruction and stack pointers, and the selectors kept from `base`.
    pub fn for_exec(entry: u64, stack: u64, base: &Regs) -> Regs {
        Regs { rip: entry, rsp: stack, eflags: INITIAL_EFLAGS, csgsfs: base.csgsfs, ..Regs::default() }
    }
}
