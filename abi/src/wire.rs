//! The stub <-> sentry wire format: the layout of the shared region and the
//! slot protocol.
//!
//! Each stub process shares one region (a memfd) with the sentry. The region
//! holds a [`Header`], then one [`Slot`] per app thread, then one alternate
//! signal stack per slot. A slot is a mailbox owned by one side at a time;
//! its `state` word says which, and is also the futex both sides sleep on:
//!
//! ```text
//!   stub                                   sentry
//!   SIGSYS/fault/kick: regs -> slot
//!   state = SENTRY ---------------------->  read event, copy it out
//!                                           handle it (may order host ops:)
//!   run op, write result  <--------------  command = OP,     state = STUB
//!   state = SENTRY ---------------------->  read result
//!   regs -> ucontext, sigreturn <--------  command = RESUME, state = STUB
//! ```
//!
//! A side that has spun for a while without seeing the state change sets
//! its `*_sleeping` word and `FUTEX_WAIT`s on `state`; the publisher issues
//! `FUTEX_WAKE` only when it sees that word set. Everything in the region can
//! be written by the application at any time: the sentry copies a message
//! out before it looks at it and validates every field.

use core::sync::atomic::AtomicU32;

use crate::regs::Regs;
use crate::signal::SigInfo;

/// Identifies a region laid out by this version of the format.
pub const REGION_MAGIC: u64 = u64::from_le_bytes(*b"SBXRGN01");

/// Slots (and so app threads) per stub process.
pub const MAX_THREADS: usize = 256;

/// Bytes of the in-slot buffer that carries small syscall buffers.
pub const SLOT_BUF_SIZE: usize = 16384;

/// Bytes of each thread's alternate signal stack.
pub const SIGNAL_STACK_SIZE: usize = 64 * 1024;

/// Largest seccomp program the header can carry, in instructions.
pub const MAX_FILTER_LEN: usize = 128;

/// Slot `state`: the stub side owns the slot (the app runs, or the stub
/// executes a command). Zero, so that a fresh region needs no setting up.
pub const OWNER_STUB: u32 = 0;
/// Slot `state`: the sentry owns the slot (an event waits for it).
pub const OWNER_SENTRY: u32 = 1;

/// Events, written by the stub in [`Slot::event`].
pub mod event {
    /// The thread trapped a system call; its registers are in the message.
    pub const SYSCALL: u32 = 1;
    /// The thread took a synchronous fault; see [`super::Slot::info`].
    pub const FAULT: u32 = 2;
    /// The thread was kicked (or has just started) and awaits orders.
    pub const INTERRUPT: u32 = 3;
    /// A host operation finished; its result is in [`super::HostOp::ret`].
    pub const OP_DONE: u32 = 4;
    /// As [`SYSCALL`], entered through a patched site (no signal): the
    /// site needs no more patching work.
    pub const FAST_SYSCALL: u32 = 5;
}

/// Commands, written by the sentry in [`Slot::command`].
pub mod command {
    /// Return to the app with the registers in the message.
    pub const RESUME: u32 = 1;
    /// Run [`super::Slot::op`] and report `OP_DONE`.
    pub const OP: u32 = 2;
}

/// Flags for [`command::RESUME`], in [`Slot::resume_flags`].
pub mod resume {
    /// Load every register from [`super::Slot::regs`]; without it only
    /// `rax` changes, to [`super::Slot::ret`] (the common case: a system
    /// call returns a value and nothing else changes).
    pub const REGS: u32 = 1;
    /// Reset the FPU/SSE state to its power-on values (for a new image).
    pub const RESET_FPU: u32 = 2;
    /// Before returning, copy [`super::Slot::copy_len`] bytes of the slot
    /// buffer to app address [`super::Slot::copy_addr`]; on a fault, the
    /// system call returns `-EFAULT` instead.
    pub const COPY_OUT: u32 = 4;
}

/// Pseudo system call numbers for [`HostOp::nr`] that the stub runs itself
/// rather than passing to the host.
pub mod op {
    /// Copy `args[1]` bytes from app address `args[0]` into the slot buffer.
    /// Returns 0, or `-EFAULT` when the app memory is not readable.
    pub const COPY_IN: u64 = 0x1000_0001;
    /// Copy `args[1]` bytes from the slot buffer to app address `args[0]`.
    /// Returns 0, or `-EFAULT` when the app memory is not writable.
    pub const COPY_OUT: u64 = 0x1000_0002;
    /// Fork the stub process. The sentry first sends the child's region
    /// memfd and control socket, in that order, on the control socket. The
    /// parent gets the child's host pid (or `-errno`); the child, now on
    /// its own region with this slot and its stack carried over, reports
    /// `OP_DONE` with 0 there.
    pub const FORK: u64 = 0x1000_0003;
    /// Map a file: the sentry first sends one descriptor on the control
    /// socket; the stub maps it with `mmap(args[0..6])` (the descriptor
    /// taking the place of `args[4]`), closes it, and returns the result.
    pub const MMAP_FD: u64 = 0x1000_0004;
    /// Start a new host thread in this process that serves slot `args[0]`
    /// (on that slot's signal stack, `%gs` pointing at it) and reports
    /// `INTERRUPT` there when ready. Returns its host tid or `-errno`. The
    /// kernel zeroes the slot's `host_tid` and wakes it (a shared futex)
    /// when the thread is gone.
    pub const THREAD: u64 = 0x1000_0005;
    /// `lock cmpxchg` on the app's 32-bit word at `args[0]`: if it holds
    /// `args[1]`, store `args[2]`. Returns the value found (zero-extended),
    /// or `-EFAULT` when the word is not writable.
    pub const CMPXCHG32: u64 = 0x1000_0006;
    /// Run `args[0]` host operations (at most [`MAX_BATCH`](super::MAX_BATCH))
    /// laid out as [`HostOp`](super::HostOp) records at the start of the
    /// slot buffer, in order, each result going to its record's `ret`; stop
    /// after the first that fails. With `args[1]` = 1 the sentry first sends
    /// one descriptor on the control socket, which every [`MMAP_FD`] of the
    /// batch maps (nothing more is received for them) and which is closed
    /// at the end. Returns how many operations succeeded, or `-EINVAL` for
    /// a batch it cannot run (too long, or holding an operation that uses
    /// the slot buffer, forks, or starts a thread) and `-EIO` when the
    /// descriptor did not come.
    pub const BATCH: u64 = 0x1000_0007;
    /// Write `args[1]` bytes from the slot buffer, starting `args[2]` bytes
    /// into it, to app address `args[0]`, with the pages they touch made
    /// writable for the write and left with protection `args[3]` (how the
    /// sentry patches code). Returns 0, `-EINVAL` for a span outside the
    /// buffer, or the failing `mprotect`'s or the copy's `-errno`.
    pub const POKE: u64 = 0x1000_0008;
}

/// The most operations one [`op::BATCH`] can carry.
pub const MAX_BATCH: usize = SLOT_BUF_SIZE / core::mem::size_of::<HostOp>();

/// The start of the region.
#[repr(C)]
pub struct Header {
    /// [`REGION_MAGIC`], written by the sentry.
    pub magic: u64,
    /// Number of valid instructions in `filter`.
    pub filter_len: u32,
    /// Real-time signal the sentry uses to kick a running thread.
    pub kick_signal: u32,
    /// The host pid of the sentry: a stub whose parent is not the sentry
    /// any more exits at once.
    pub sentry_pid: u32,
    /// Reserved; zero.
    pub reserved: u32,
    /// The stub's code, `[text_start, text_end)`: a fault there is the
    /// stub's own (fatal) rather than the app's.
    pub text_start: u64,
    /// See `text_start`.
    pub text_end: u64,
    /// The seccomp program the stub installs (`struct sock_filter`).
    pub filter: [SockFilter; MAX_FILTER_LEN],
}

/// One classic BPF instruction (`struct sock_filter`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SockFilter {
    /// Opcode.
    pub code: u16,
    /// Jump offset if true.
    pub jt: u8,
    /// Jump offset if false.
    pub jf: u8,
    /// Generic operand.
    pub k: u32,
}

/// A host operation for the stub to run.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostOp {
    /// A host system call number from the stub's allow-list, or an [`op`].
    pub nr: u64,
    /// Its arguments.
    pub args: [u64; 6],
    /// Its raw return value (`-errno` on failure).
    pub ret: i64,
}

/// One thread's mailbox.
///
/// The first cache line holds the handshake and everything a plain resume
/// needs, so the common round trip moves the registers one way (three
/// lines) and one line back. Each field other than the atomics is
/// written only by the side that owns the slot at the time.
#[repr(C, align(4096))]
pub struct Slot {
    /// [`OWNER_STUB`] or [`OWNER_SENTRY`]; the futex both sides wait on.
    pub state: AtomicU32,
    /// Non-zero while the stub sleeps in `FUTEX_WAIT` on `state`.
    pub stub_sleeping: AtomicU32,
    /// Non-zero while the sentry sleeps in `FUTEX_WAIT` on `state`.
    pub sentry_sleeping: AtomicU32,
    /// What happened ([`event`]); written by the stub.
    pub event: u32,
    /// What to do next ([`command`]); written by the sentry.
    pub command: u32,
    /// Flags for [`command::RESUME`] ([`resume`]).
    pub resume_flags: u32,
    /// The host thread id of the thread serving this slot; written by the
    /// stub when the thread starts.
    pub host_tid: u32,
    /// The CPU the stub last handed the slot over from, plus one (0:
    /// unknown); written by the stub. A sentry thread that finds it is
    /// its own CPU does not spin there, where it would only hold the stub
    /// up. Only speed depends on it, so the app writing it harms only
    /// itself.
    pub stub_cpu: AtomicU32,
    /// For a resume without [`resume::REGS`]: the new `rax`.
    pub ret: u64,
    /// For [`resume::COPY_OUT`]: the app address to copy to.
    pub copy_addr: u64,
    /// For [`resume::COPY_OUT`]: how many bytes of `buf` to copy.
    pub copy_len: u64,
    /// The top of this slot's signal stack; written by the stub. The fast
    /// entry runs on it, reached through `%gs`, which the stub points at
    /// the thread's slot.
    pub stack_top: u64,
    /// The app thread's registers: at an event as trapped, at a resume
    /// with [`resume::REGS`] as they are to be restored.
    pub regs: Regs,
    /// At an event that came with a signal frame, the region offset of
    /// that frame's FPU/xsave area (the app's FP state, which the kernel
    /// restores from there when the stub returns); 0 on the fast path.
    /// Written by the stub; it also ends `regs`'s last line.
    pub fpstate: u64,
    /// For [`command::OP`], the operation and then its result.
    pub op: HostOp,
    /// For [`event::FAULT`], the host's siginfo.
    pub info: SigInfo,
    /// Small syscall buffers travel here (see [`op::COPY_IN`]).
    pub buf: [u8; SLOT_BUF_SIZE],
}

const _: () = assert!(core::mem::offset_of!(Slot, regs) == 64);
const _: () = assert!(core::mem::offset_of!(Slot, op) % 64 == 0);
// A batch's records sit at the start of the buffer.
const _: () = assert!(core::mem::offset_of!(Slot, buf).is_multiple_of(core::mem::align_of::<HostOp>()));

/// Byte offset of slot `i` in the region.
pub const fn slot_offset(i: usize) -> usize {
    core::mem::size_of::<Header>().next_multiple_of(4096) + i * core::mem::size_of::<Slot>()
}

/// Byte offset of the start of slot `i`'s alternate signal stack.
pub const fn stack_offset(i: usize) -> usize {
    slot_offset(MAX_THREADS) + i * SIGNAL_STACK_SIZE
}

/// Total size of a region.
pub const REGION_SIZE: usize = stack_offset(MAX_THREADS);

const _: () = assert!(core::mem::size_of::<Header>() <= 4096);
const _: () = assert!(core::mem::size_of::<Slot>().is_multiple_of(4096));

/// The slot whose alternate stack contains region offset `off`, if any: a
/// signal handler finds its own slot from its stack pointer.
pub const fn slot_of_stack_offset(off: usize) -> Option<usize> {
    if off < stack_offset(0) || off >= REGION_SIZE {
        return None;
    }
    Some((off - stack_offset(0)) / SIGNAL_STACK_SIZE)
}

/// Bytes of one syscall-site trampoline (see the interposer's `patch`).
pub const TRAMPOLINE_SIZE: usize = 48;

/// Exit status of a stub that could not start or that faulted in its own
/// code; the interposer reports it as a platform failure, not an app exit.
pub const STUB_FATAL_EXIT: i32 = 126;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_consistent() {
        assert_eq!(slot_offset(0), 4096);
        assert_eq!(slot_of_stack_offset(stack_offset(0)), Some(0));
        assert_eq!(slot_of_stack_offset(stack_offset(3) + 100), Some(3));
        assert_eq!(slot_of_stack_offset(stack_offset(0) - 1), None);
        assert_eq!(slot_of_stack_offset(REGION_SIZE), None);
        assert_eq!(REGION_SIZE % 4096, 0);
    }
}
