//! The stub: a few KiB of freestanding code that lives in every app process.
//!
//! It is started by the interposer with two descriptors: the control socket
//! on fd 0 (kept for the sentry's later orders) and the shared region memfd
//! on fd 1. It maps the region, installs
//! its signal handlers on the per-thread alternate stacks inside the region,
//! installs the seccomp program that the sentry left in the region header,
//! and then raises its kick signal on itself: from then on it only ever runs
//! inside a signal handler, serving its thread's slot (see `abi::wire`).
//!
//! The stub never decides what a system call means. It moves registers
//! between a signal frame and its slot, runs the host operations the sentry
//! orders, and copies small buffers for it with fault recovery.
#![no_std]
#![no_main]

use core::arch::{asm, global_asm};
use core::mem::offset_of;
use core::ptr::{addr_of, addr_of_mut};
use core::sync::atomic::{fence, AtomicBool, AtomicU32, AtomicUsize, Ordering};

use abi::regs::Regs;
use abi::signal::{code, fpstate, sa, sig, SigAction, SigInfo, SigSet, StackT, UContext};
use abi::sysno;
use abi::wire::{self, command, event, resume, Header, Slot};

/// The shared region memfd, as the interposer hands it over.
const REGION_FD: u64 = 1;

/// Exit status of a stub that cannot go on (bad start-up, or a fault in its
/// own code); the sentry reports it as a platform failure.
const FATAL: u64 = wire::STUB_FATAL_EXIT as u64;

/// How many timestamp-counter cycles (under 3 us at this machine's
/// 2.2 GHz) the stub spins waiting for the sentry before it sleeps: most
/// calls are answered within that, and a longer spin only steals a core
/// from the sentry and from the app's other processes (20,000 cycles
/// measured no better anywhere, and worse for futex hand-offs).
const SPIN_CYCLES: u64 = 6_000;

/// How long the stub spins for the sentry's first order after a system
/// call that changes the memory map (about 45 us): the sentry answers it
/// with a host operation once it has looked the file or the range up,
/// which takes longer than the usual spin but far less than a futex
/// sleep and wake-up costs on a virtual machine (tens of microseconds
/// each).
const MAP_SPIN_CYCLES: u64 = 100_000;

/// The spin before the sentry's first order after system call `nr`.
fn first_spin(nr: u64) -> u64 {
    const MAP_CALLS: [u32; 6] = [sysno::MMAP, sysno::MPROTECT, sysno::MUNMAP, sysno::BRK, sysno::MREMAP, sysno::MADVISE];
    if MAP_CALLS.iter().any(|&c| u64::from(c) == nr) {
        MAP_SPIN_CYCLES
    } else {
        SPIN_CYCLES
    }
}

/// Address of the shared region in this process.
static REGION: AtomicUsize = AtomicUsize::new(0);
/// The control socket (fd 0 at start; a forked child gets its own).
static CTL: AtomicU32 = AtomicU32::new(0);
/// The kick signal number, from the region header.
static KICK: AtomicU32 = AtomicU32::new(0);
/// Whether the CPU has `rdtscp`, which reads the CPU number (Linux keeps
/// it in `TSC_AUX`) along with the timestamp counter; the stub reports
/// its CPU in its slot at every hand-over (`Slot::stub_cpu`).
static HAVE_RDTSCP: AtomicBool = AtomicBool::new(false);

/// The offset of saved register `$r` from the start of a slot.
macro_rules! reg {
    ($r:ident) => {
        offset_of!(Slot, regs) + offset_of!(Regs, $r)
    };
}

// Entry point, the fast syscall entry, helpers and the fault-recoverable copy.
//
// `stub_fast_entry` is where patched syscall sites arrive, by a plain jump
// from their trampoline, with no signal: `rax` holds the syscall number,
// `rcx` the address after the original `syscall` instruction, `rsp` the
// app's stack pointer less its 128-byte red zone, and `%gs` the thread's
// slot. It saves the registers to the slot, serves the slot on the slot's
// own stack, and returns to the app with the registers the slot then holds.
//
// `stub_copy(dst, src, len)` returns 0, or -EFAULT if the copy faulted: the
// fault handler sees the faulting `rep movsb` at `stub_copy_insn` and sends
// the thread on to `stub_copy_fault`.
global_asm!(
    r#"
    .globl _start
_start:
    xor %ebp, %ebp
    and $-16, %rsp
    call {main}
    ud2

    .globl stub_restorer
stub_restorer:
    mov ${sigreturn}, %eax
    syscall
    ud2

    .globl stub_copy
stub_copy:
    mov %rdx, %rcx
    .globl stub_copy_insn
stub_copy_insn:
    rep movsb
    xor %eax, %eax
    ret
    .globl stub_cmpxchg
stub_cmpxchg:
    mov %esi, %eax
    .globl stub_cmpxchg_insn
stub_cmpxchg_insn:
    lock cmpxchg %edx, (%rdi)
    ret
    .globl stub_copy_fault
stub_copy_fault:
    mov $-14, %rax
    ret

    .globl stub_fast_entry
stub_fast_entry:
    mov %rax, %gs:{rax}
    mov %rcx, %gs:{rip}
    mov %rsp, %gs:{rsp}
    mov %gs:{stack_top}, %rsp
    pushfq
    popq %gs:{eflags}
    mov %rdi, %gs:{rdi}
    mov %rsi, %gs:{rsi}
    mov %rdx, %gs:{rdx}
    mov %r10, %gs:{r10}
    mov %r8, %gs:{r8}
    mov %r9, %gs:{r9}
    mov %rbx, %gs:{rbx}
    mov %rbp, %gs:{rbp}
    mov %r12, %gs:{r12}
    mov %r13, %gs:{r13}
    mov %r14, %gs:{r14}
    mov %r15, %gs:{r15}
    cld
    call {fast_syscall}
    pushq %gs:{eflags}
    popfq
    mov %gs:{rax}, %rax
    mov %gs:{rcx}, %rcx
    mov %gs:{r11}, %r11
    mov %gs:{rdi}, %rdi
    mov %gs:{rsi}, %rsi
    mov %gs:{rdx}, %rdx
    mov %gs:{r10}, %r10
    mov %gs:{r8}, %r8
    mov %gs:{r9}, %r9
    mov %gs:{rbx}, %rbx
    mov %gs:{rbp}, %rbp
    mov %gs:{r12}, %r12
    mov %gs:{r13}, %r13
    mov %gs:{r14}, %r14
    mov %gs:{r15}, %r15
    mov %gs:{rsp}, %rsp
    jmp *%gs:{rip}

    .globl stub_clone_thread
stub_clone_thread:
    push %r12
    mov %rdx, %r12
    mov %rcx, %r10
    xor %edx, %edx
    xor %r8d, %r8d
    mov ${clone}, %eax
    syscall
    test %rax, %rax
    jz 1f
    pop %r12
    ret
1:
    mov %r12, %rdi
    xor %ebp, %ebp
    call {thread_start}
    ud2

    .globl memcpy
memcpy:
    mov %rdi, %rax
    mov %rdx, %rcx
    rep movsb
    ret

    .globl memset
memset:
    mov %rdi, %r8
    mov %esi, %eax
    mov %rdx, %rcx
    rep stosb
    mov %r8, %rax
    ret
"#,
    main = sym stub_main,
    sigreturn = const sysno::RT_SIGRETURN,
    fast_syscall = sym fast_syscall,
    thread_start = sym thread_start,
    clone = const sysno::CLONE,
    stack_top = const offset_of!(Slot, stack_top),
    rax = const reg!(rax), rcx = const reg!(rcx), rdx = const reg!(rdx), rbx = const reg!(rbx),
    rsp = const reg!(rsp), rbp = const reg!(rbp), rsi = const reg!(rsi), rdi = const reg!(rdi),
    r8 = const reg!(r8), r9 = const reg!(r9), r10 = const reg!(r10), r11 = const reg!(r11),
    r12 = const reg!(r12), r13 = const reg!(r13), r14 = const reg!(r14), r15 = const reg!(r15),
    rip = const reg!(rip), eflags = const reg!(eflags),
    options(att_syntax)
);

extern "C" {
    /// `clone(flags, stack, 0, ctid, 0)`; the child calls
    /// `thread_start(slot)` on `stack`; the parent gets the tid or -errno.
    fn stub_clone_thread(flags: u64, stack: u64, slot: u64, ctid: u64) -> i64;
    fn stub_restorer();
    fn stub_copy(dst: *mut u8, src: *const u8, len: usize) -> i64;
    fn stub_copy_insn();
    fn stub_copy_fault();
    fn stub_cmpxchg(addr: *mut u32, old: u32, new: u32) -> i64;
    fn stub_cmpxchg_insn();
}

/// A raw host system call.
#[inline(always)]
fn syscall6(nr: u64, a: [u64; 6]) -> i64 {
    let ret: i64;
    // SAFETY: a system call only reads the registers it is given; the
    // callers pass pointers that are valid for what the call does.
    unsafe {
        asm!("syscall", inlateout("rax") nr as i64 => ret,
             in("rdi") a[0], in("rsi") a[1], in("rdx") a[2],
             in("r10") a[3], in("r8") a[4], in("r9") a[5],
             lateout("rcx") _, lateout("r11") _, options(nostack));
    }
    ret
}

fn syscall(nr: u32, a0: u64, a1: u64, a2: u64, a3: u64) -> i64 {
    syscall6(nr as u64, [a0, a1, a2, a3, 0, 0])
}

fn exit_group(code: u64) -> ! {
    loop {
        syscall(sysno::EXIT_GROUP, code, 0, 0, 0);
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    exit_group(FATAL)
}

fn rdtsc() -> u64 {
    let lo: u32;
    let hi: u32;
    // SAFETY: rdtsc only reads the timestamp counter.
    unsafe { asm!("rdtsc", out("eax") lo, out("edx") hi, options(nomem, nostack)) };
    ((hi as u64) << 32) | lo as u64
}

/// The CPU this runs on, plus one (0 if the CPU cannot tell).
fn current_cpu() -> u32 {
    if !HAVE_RDTSCP.load(Ordering::Relaxed) {
        return 0;
    }
    let aux: u32;
    // SAFETY: rdtscp reads the timestamp counter and TSC_AUX only; the
    // CPU has it.
    unsafe { asm!("rdtscp", out("eax") _, out("edx") _, out("ecx") aux, options(nomem, nostack)) };
    (aux & 0xfff) + 1
}

/// Whether the CPU has `rdtscp` (CPUID leaf 0x8000_0001, EDX bit 27).
fn cpu_has_rdtscp() -> bool {
    // SAFETY: cpuid only reads processor identification; every x86_64
    // CPU has the extended leaves up to 0x8000_0001.
    let leaf = unsafe { core::arch::x86_64::__cpuid(0x8000_0001) };
    leaf.edx & (1 << 27) != 0
}

/// Slot `i` of the region.
fn slot(i: usize) -> &'static Slot {
    let base = REGION.load(Ordering::Relaxed);
    // SAFETY: the region is mapped for the life of the process and holds
    // MAX_THREADS slots; callers pass i < MAX_THREADS.
    unsafe { &*((base + wire::slot_offset(i)) as *const Slot) }
}

/// Reads a slot field the sentry may have written.
macro_rules! get {
    ($slot:expr, $field:ident) => {
        // SAFETY: the field lies in the mapped slot; volatile because the
        // other process writes it.
        unsafe { addr_of!((*$slot).$field).read_volatile() }
    };
}

/// Writes a slot field for the sentry to read.
macro_rules! put {
    ($slot:expr, $field:ident, $v:expr) => {
        // SAFETY: as for get!; the stub owns the slot while it writes.
        unsafe { addr_of_mut!((*($slot as *const Slot as *mut Slot)).$field).write_volatile($v) }
    };
}

/// Hands the slot to the sentry, waking it if it announced that it sleeps.
fn publish(s: &Slot) {
    s.stub_cpu.store(current_cpu(), Ordering::Relaxed);
    s.state.store(wire::OWNER_SENTRY, Ordering::SeqCst);
    if s.sentry_sleeping.load(Ordering::SeqCst) != 0 {
        futex_wake(&s.state);
    }
}

/// Waits until the sentry hands the slot back: spins for `spin` cycles,
/// then sleeps.
fn wait_for_sentry(s: &Slot, spin: u64) {
    let start = rdtsc();
    while s.state.load(Ordering::Acquire) != wire::OWNER_STUB {
        if rdtsc().wrapping_sub(start) < spin {
            core::hint::spin_loop();
            continue;
        }
        s.stub_sleeping.store(1, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        if s.state.load(Ordering::SeqCst) != wire::OWNER_STUB {
            futex_wait(&s.state, wire::OWNER_SENTRY);
        }
        s.stub_sleeping.store(0, Ordering::Relaxed);
    }
}

const FUTEX_WAIT: u64 = 0;
const FUTEX_WAKE: u64 = 1;

fn futex_wait(word: &AtomicU32, val: u32) {
    // Shared (not private) futex: the sentry waits on the same memfd page.
    syscall(sysno::FUTEX, word as *const AtomicU32 as u64, FUTEX_WAIT, val as u64, 0);
}

fn futex_wake(word: &AtomicU32) {
    syscall(sysno::FUTEX, word as *const AtomicU32 as u64, FUTEX_WAKE, 1, 0);
}

/// The slot of the signal handler running on the current alternate stack.
fn current_slot() -> &'static Slot {
    let marker = 0u8;
    let sp = addr_of!(marker) as usize;
    let base = REGION.load(Ordering::Relaxed);
    match wire::slot_of_stack_offset(sp.wrapping_sub(base)) {
        Some(i) => slot(i),
        // A handler running off its alternate stack: the process is beyond repair.
        None => exit_group(FATAL),
    }
}

/// Runs a host operation ordered by the sentry.
fn run_op(s: &Slot, op: &wire::HostOp) -> i64 {
    let buf = addr_of!(s.buf) as *mut u8;
    let len = op.args[1] as usize;
    match op.nr {
        wire::op::COPY_IN | wire::op::COPY_OUT if len > wire::SLOT_BUF_SIZE => -(abi::errno::EINVAL.0 as i64),
        // SAFETY: the slot buffer holds `len` bytes; the app side is guarded
        // by the fault recovery of stub_copy.
        wire::op::COPY_IN => unsafe { stub_copy(buf, op.args[0] as *const u8, len) },
        // SAFETY: as above.
        wire::op::COPY_OUT => unsafe { stub_copy(op.args[0] as *mut u8, buf, len) },
        wire::op::FORK => fork(s),
        wire::op::MMAP_FD => mmap_fd(op.args),
        wire::op::THREAD => new_thread(op.args[0]),
        // SAFETY: a fault on the app's word is recovered (see `handler`).
        wire::op::CMPXCHG32 => unsafe { stub_cmpxchg(op.args[0] as *mut u32, op.args[1] as u32, op.args[2] as u32) },
        wire::op::BATCH => batch(s, op.args[0], op.args[1] == 1),
        wire::op::POKE => poke(s, op.args),
        nr => syscall6(nr, op.args),
    }
}

/// Receives the `N` (1 or 2) descriptors the sentry sent in one message
/// on the control socket.
fn recv_fds<const N: usize>() -> Option<[u32; N]> {
    #[repr(C)]
    struct Iovec {
        base: *mut u8,
        len: usize,
    }
    #[repr(C)]
    struct Msghdr {
        name: u64,
        namelen: u32,
        iov: *mut Iovec,
        iovlen: usize,
        control: *mut u8,
        controllen: usize,
        flags: i32,
    }
    // cmsghdr (len: u64, level: i32, type: i32) then two ints.
    let mut control = [0u64; 4];
    let mut byte = 0u8;
    let mut iov = Iovec { base: &mut byte, len: 1 };
    // CMSG_SPACE of N ints: a 16-byte header, the ints, padded to 8.
    let space = (16 + 4 * N).next_multiple_of(8);
    let mut msg = Msghdr { name: 0, namelen: 0, iov: &mut iov, iovlen: 1, control: control.as_mut_ptr() as *mut u8, controllen: space, flags: 0 };
    const MSG_CMSG_CLOEXEC: u64 = 0x4000_0000;
    let n = syscall(sysno::RECVMSG, CTL.load(Ordering::Relaxed) as u64, addr_of_mut!(msg) as u64, MSG_CMSG_CLOEXEC, 0);
    const SOL_SOCKET: u64 = 1;
    const SCM_RIGHTS: u64 = 1;
    if n < 0 || control[0] != (16 + 4 * N) as u64 || control[1] != SOL_SOCKET | (SCM_RIGHTS << 32) {
        return None;
    }
    let words = [control[2] as u32, (control[2] >> 32) as u32];
    let mut fds = [0u32; N];
    fds.copy_from_slice(&words[..N]);
    Some(fds)
}

/// `op::BATCH`: runs the `n` operations in the slot buffer, stopping
/// after the first failure; `with_fd`: one descriptor, received first,
/// serves every `MMAP_FD` among them.
fn batch(s: &Slot, n: u64, with_fd: bool) -> i64 {
    let ops = addr_of!(s.buf) as *mut wire::HostOp;
    if n as usize > wire::MAX_BATCH {
        return -(abi::errno::EINVAL.0 as i64);
    }
    let fd = if with_fd {
        match recv_fds::<1>() {
            Some([fd]) => Some(fd),
            None => return -(abi::errno::EIO.0 as i64),
        }
    } else {
        None
    };
    let mut done = 0;
    while done < n as usize {
        // SAFETY: `done < n <= MAX_BATCH` records fit the slot buffer, which
        // is 8-aligned; the app may change them meanwhile, which only
        // changes what this process does to itself.
        let op = unsafe { ops.add(done).read_volatile() };
        let ret = match (op.nr, fd) {
            (wire::op::MMAP_FD, Some(fd)) => syscall6(sysno::MMAP as u64, [op.args[0], op.args[1], op.args[2], op.args[3], fd as u64, op.args[5]]),
            (wire::op::COPY_IN | wire::op::COPY_OUT | wire::op::FORK | wire::op::THREAD | wire::op::BATCH | wire::op::MMAP_FD, _) => -(abi::errno::EINVAL.0 as i64),
            _ => run_op(s, &op),
        };
        // SAFETY: as above.
        unsafe { addr_of_mut!((*ops.add(done)).ret).write_volatile(ret) };
        if ret < 0 {
            break;
        }
        done += 1;
    }
    if let Some(fd) = fd {
        syscall(sysno::CLOSE, fd as u64, 0, 0, 0);
    }
    done as i64
}

/// `op::POKE`: writes bytes of the slot buffer over app memory whose
/// protection may forbid writing.
fn poke(s: &Slot, args: [u64; 6]) -> i64 {
    const PROT_WRITE: u64 = 2;
    let [addr, len, off, prot, ..] = args;
    let einval = -(abi::errno::EINVAL.0 as i64);
    if len == 0 || off.checked_add(len).is_none_or(|end| end > wire::SLOT_BUF_SIZE as u64) {
        return einval;
    }
    let Some(end) = addr.checked_add(len).and_then(|e| e.checked_next_multiple_of(PAGE_SIZE)) else { return einval };
    let start = addr & !(PAGE_SIZE - 1);
    let opened = syscall(sysno::MPROTECT, start, end - start, prot | PROT_WRITE, 0);
    if opened < 0 {
        return opened;
    }
    // SAFETY: the source lies in the slot buffer (checked above); a fault
    // on the app side is recovered by stub_copy.
    let copied = unsafe { stub_copy(addr as *mut u8, (addr_of!(s.buf) as *const u8).add(off as usize), len as usize) };
    let closed = syscall(sysno::MPROTECT, start, end - start, prot, 0);
    if copied < 0 {
        copied
    } else {
        closed.min(0)
    }
}

/// `op::MMAP_FD`: maps the descriptor the sentry just sent.
fn mmap_fd(args: [u64; 6]) -> i64 {
    let Some([fd]) = recv_fds::<1>() else { return -(abi::errno::EIO.0 as i64) };
    let ret = syscall6(sysno::MMAP as u64, [args[0], args[1], args[2], args[3], fd as u64, args[5]]);
    syscall(sysno::CLOSE, fd as u64, 0, 0, 0);
    ret
}

/// `op::FORK`: a host fork of this process.
///
/// The thread runs on its signal stack, which lies in the region, and a
/// forked child shares the region's pages with its parent until it maps
/// its own region over them: the two must never run on that stack at the
/// same time. So the parent copies this slot and the used part of the
/// stack into the child's region first, and the child, in the same block
/// of code that forks, before it touches any memory, maps that region in
/// place of the old one: it wakes up on its own copy of the stack.
fn fork(s: &Slot) -> i64 {
    const PROT_RW: u64 = 3;
    const MAP_SHARED: u64 = 1;
    const MAP_FIXED: u64 = 0x10;
    // CLONE_PARENT: the child's parent is the sentry's service thread, as
    // for every stub, so that it can tie its life to the sentry.
    const CLONE_FLAGS: u64 = 0x8000 | sig::SIGCHLD as u64;
    let Some([region, ctl]) = recv_fds::<2>() else { return -(abi::errno::EIO.0 as i64) };
    let base = REGION.load(Ordering::Relaxed) as u64;
    let tmp = syscall6(sysno::MMAP as u64, [0, wire::REGION_SIZE as u64, PROT_RW, MAP_SHARED, region as u64, 0]);
    if tmp < 0 {
        syscall(sysno::CLOSE, region as u64, 0, 0, 0);
        syscall(sysno::CLOSE, ctl as u64, 0, 0, 0);
        return tmp;
    }
    let off = s as *const Slot as u64 - base;
    // Not the first line: the new region's handshake stays as the sentry
    // made it, so that only the child's own publish hands the new slot to
    // the sentry. Nor the buffer, which the fork does not use.
    // SAFETY: both ranges lie inside this slot, in two mappings of
    // REGION_SIZE bytes at the same offset; the slot is ours while we
    // serve the operation.
    unsafe {
        let from = (base + off + HANDSHAKE_LINE) as *const u8;
        let to = (tmp as u64 + off + HANDSHAKE_LINE) as *mut u8;
        core::ptr::copy_nonoverlapping(from, to, offset_of!(Slot, buf) - HANDSHAKE_LINE as usize);
    }
    // Only the stack in use, from a page below this frame (the block below
    // uses no stack) to the top: each page copied is a page fault in the
    // new region, and a fork's handler uses a few of the stack's sixteen.
    let i = (off - wire::slot_offset(0) as u64) / core::mem::size_of::<Slot>() as u64;
    let stack_start = base + wire::stack_offset(i as usize) as u64;
    let stack_top = stack_start + wire::SIGNAL_STACK_SIZE as u64;
    let here = 0u8;
    let stack_from = ((addr_of!(here) as u64).saturating_sub(PAGE_SIZE) & !(PAGE_SIZE - 1)).clamp(stack_start, stack_top);
    let pid: i64;
    // SAFETY: copies the used stack into the new region, forks, and in the
    // child maps the new region over the old one at `base`, in one block
    // that writes no memory but the copy: the child's stack is the copy
    // from the moment it runs. A child that cannot map it exits at once.
    // The lengths and offsets lie inside both mappings; every register the
    // block writes is a non-late output, so no input shares it.
    unsafe {
        asm!(
            "rep movsb",
            "mov ${clone}, %eax", "mov ${clone_flags}, %rdi", "xor %esi, %esi", "xor %edx, %edx",
            "xor %r10d, %r10d", "xor %r8d, %r8d", "syscall",
            "test %rax, %rax", "jnz 2f",
            "mov {base}, %rdi", "mov ${size}, %rsi", "mov ${prot}, %rdx", "mov ${map_flags}, %r10",
            "mov {fd}, %r8", "xor %r9d, %r9d", "mov ${mmap}, %eax", "syscall",
            "cmp {base}, %rax", "je 3f",
            "mov ${exit_group}, %eax", "mov ${fatal}, %edi", "syscall", "ud2",
            "3:", "xor %eax, %eax",
            "2:",
            base = in(reg) base,
            fd = in(reg) region as u64,
            clone = const sysno::CLONE,
            clone_flags = const CLONE_FLAGS,
            size = const wire::REGION_SIZE,
            prot = const PROT_RW,
            map_flags = const MAP_SHARED | MAP_FIXED,
            mmap = const sysno::MMAP,
            exit_group = const sysno::EXIT_GROUP,
            fatal = const FATAL,
            inout("rsi") stack_from => _,
            inout("rdi") tmp as u64 + (stack_from - base) => _,
            inout("rcx") stack_top - stack_from => _,
            out("rdx") _, out("r8") _, out("r9") _, out("r10") _, out("r11") _,
            out("rax") pid,
            options(att_syntax, nostack),
        );
    }
    syscall(sysno::MUNMAP, tmp as u64, wire::REGION_SIZE as u64, 0, 0);
    syscall(sysno::CLOSE, region as u64, 0, 0, 0);
    if pid != 0 {
        syscall(sysno::CLOSE, ctl as u64, 0, 0, 0);
        return pid;
    }
    syscall(sysno::CLOSE, CTL.load(Ordering::Relaxed) as u64, 0, 0, 0);
    CTL.store(ctl, Ordering::Relaxed);
    put!(s, host_tid, syscall(sysno::GETTID, 0, 0, 0, 0) as u32);
    put!(s, stack_top, stack_top);
    tie_to_sentry();
    0
}

/// Bytes at the start of a slot that hold the handshake (see `Slot`).
const HANDSHAKE_LINE: u64 = offset_of!(Slot, regs) as u64;

/// The host page size.
const PAGE_SIZE: u64 = 4096;

/// Dies with the sentry's service thread, and at once if it is gone.
fn tie_to_sentry() {
    let base = REGION.load(Ordering::Relaxed);
    // SAFETY: the region starts with the Header and stays mapped.
    let header = unsafe { &*(base as *const Header) };
    check(syscall(sysno::PRCTL, PR_SET_PDEATHSIG, sig::SIGKILL as u64, 0, 0));
    if syscall(sysno::GETPPID, 0, 0, 0, 0) != header.sentry_pid as i64 {
        exit_group(FATAL);
    }
}

/// `op::THREAD`: starts a host thread serving slot `i`.
fn new_thread(i: u64) -> i64 {
    const FLAGS: u64 = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000; // VM FS FILES SIGHAND THREAD SYSVSEM
    const CHILD_SETTID: u64 = 0x0100_0000;
    const CHILD_CLEARTID: u64 = 0x0020_0000;
    if i as usize >= wire::MAX_THREADS {
        return -(abi::errno::EINVAL.0 as i64);
    }
    let base = REGION.load(Ordering::Relaxed);
    let s = slot(i as usize);
    let stack = (base + wire::stack_offset(i as usize) + wire::SIGNAL_STACK_SIZE) as u64;
    let ctid = addr_of!(s.host_tid) as u64;
    // SAFETY: the child starts on slot i's own signal stack, unused until
    // now, and never returns into this frame.
    unsafe { stub_clone_thread(FLAGS | CHILD_SETTID | CHILD_CLEARTID, stack, i, ctid) }
}

/// The first code of a new host thread: sets up its slot, then reports
/// ready as the first thread does.
extern "C" fn thread_start(i: u64) -> ! {
    let i = i as usize;
    let s = slot(i);
    let base = REGION.load(Ordering::Relaxed);
    put!(s, stack_top, (base + wire::stack_offset(i) + wire::SIGNAL_STACK_SIZE) as u64);
    set_signal_stack(i);
    check(syscall(sysno::ARCH_PRCTL, ARCH_SET_GS, s as *const Slot as u64, 0, 0));
    // The thread was made inside a signal handler, with the handled signal
    // blocked; the app runs with nothing blocked on the host.
    let none = SigSet(0);
    check(syscall(sysno::RT_SIGPROCMASK, 2, addr_of!(none) as u64, 0, 8));
    let pid = syscall(sysno::GETPID, 0, 0, 0, 0) as u64;
    let tid = syscall(sysno::GETTID, 0, 0, 0, 0) as u64;
    syscall(sysno::TGKILL, pid, tid, sig::SIGSYS as u64, 0);
    exit_group(FATAL)
}

/// Resets the FPU and SSE state saved in a signal frame to power-on values.
fn reset_fpu(uc: &mut UContext) {
    let fp = uc.fpstate as *mut u8;
    if fp.is_null() {
        return;
    }
    // SAFETY: the kernel points fpstate at the frame's fxsave area (512
    // bytes, followed by the xsave header when magic1 says so).
    unsafe {
        core::ptr::write_bytes(fp, 0, fpstate::REGS_START);
        core::ptr::write_bytes(fp.add(fpstate::REGS_START), 0, fpstate::REGS_END - fpstate::REGS_START);
        (fp.add(fpstate::FCW) as *mut u16).write_unaligned(fpstate::FCW_INIT);
        (fp.add(fpstate::MXCSR) as *mut u32).write_unaligned(fpstate::MXCSR_INIT);
        if (fp.add(fpstate::SW_MAGIC1) as *const u32).read_unaligned() == fpstate::FP_XSTATE_MAGIC1 {
            // Keep x87 and SSE (now reset above); everything else to init.
            (fp.add(fpstate::XSTATE_BV) as *mut u64).write_unaligned(0x3);
        }
    }
}

/// Serves the slot (running the host operations the sentry orders) until
/// the sentry says resume; returns the registers to resume with, given
/// those the thread stopped with, and the resume flags.
fn serve(s: &Slot, stopped: Regs) -> (Regs, u32) {
    let mut spin = first_spin(stopped.rax);
    loop {
        wait_for_sentry(s, spin);
        spin = SPIN_CYCLES;
        if get!(s, command) == command::OP {
            let op = get!(s, op);
            put!(s, op, wire::HostOp { ret: run_op(s, &op), ..op });
            put!(s, event, event::OP_DONE);
            publish(s);
            continue;
        }
        let flags = get!(s, resume_flags);
        let mut regs = if flags & resume::REGS != 0 { get!(s, regs) } else { Regs { rax: get!(s, ret), ..stopped } };
        if flags & resume::COPY_OUT != 0 {
            let out = wire::HostOp { nr: wire::op::COPY_OUT, args: [get!(s, copy_addr), get!(s, copy_len), 0, 0, 0, 0], ret: 0 };
            if run_op(s, &out) != 0 {
                regs.rax = abi::errno::EFAULT.to_ret() as u64;
            }
        }
        return (regs, flags);
    }
}

/// Reports an event from a signal frame and loads the frame with the
/// registers the sentry answers with.
fn serve_frame(s: &Slot, uc: &mut UContext) {
    let (regs, flags) = serve(s, uc.regs);
    uc.regs = regs;
    if flags & resume::RESET_FPU != 0 {
        reset_fpu(uc);
    }
    // The app always runs with nothing blocked on the host: its signal
    // mask lives in the sentry.
    uc.sigmask = SigSet(0);
}

/// The Rust half of `stub_fast_entry`: the registers are in the slot as the
/// patched site left them; make them look as a trapped `syscall` leaves
/// them, report the call, and leave the answer in the slot for the return.
extern "C" fn fast_syscall() {
    let s = current_slot();
    let mut regs = get!(s, regs);
    regs.rsp = regs.rsp.wrapping_add(128);
    regs.rcx = regs.rip;
    regs.r11 = regs.eflags;
    put!(s, regs, regs);
    put!(s, fpstate, 0);
    put!(s, event, event::FAST_SYSCALL);
    publish(s);
    // A fresh image (RESET_FPU) always starts through a signal frame, so
    // the flag cannot reach this path.
    let (regs, _) = serve(s, regs);
    put!(s, regs, regs);
}

/// Whether `ip` lies in the stub's own code.
fn in_stub_text(ip: u64) -> bool {
    let base = REGION.load(Ordering::Relaxed);
    // SAFETY: the region starts with the Header and stays mapped.
    let header = unsafe { &*(base as *const Header) };
    (header.text_start..header.text_end).contains(&ip)
}

/// The one signal handler: syscalls (SIGSYS), faults, and the kick.
extern "C" fn handler(signo: i32, info: *mut SigInfo, ucp: *mut UContext) {
    // SAFETY: the kernel passes a valid ucontext and siginfo to SA_SIGINFO handlers.
    let (uc, info) = unsafe { (&mut *ucp, &*info) };
    let ev = if signo == sig::SIGSYS && info.code == code::SYS_SECCOMP {
        event::SYSCALL
    } else if signo == sig::SIGSYS {
        // The stub's own start-up signal: report ready.
        event::INTERRUPT
    } else if signo as u32 == KICK.load(Ordering::Relaxed) {
        if in_stub_text(uc.regs.rip) {
            // The thread is in the fast entry, which reports to the sentry
            // anyway; an interruption event now would clash with it.
            return;
        }
        event::INTERRUPT
    } else if uc.regs.rip == stub_copy_insn as *const () as u64 || uc.regs.rip == stub_cmpxchg_insn as *const () as u64 {
        // A bad app address given to a copy or a compare-exchange: make it
        // return -EFAULT.
        uc.regs.rip = stub_copy_fault as *const () as u64;
        return;
    } else if in_stub_text(uc.regs.rip) {
        exit_group(FATAL)
    } else {
        event::FAULT
    };
    let s = current_slot();
    put!(s, regs, uc.regs);
    // The frame, and so its FP area, lies on this slot's stack in the region.
    put!(s, fpstate, uc.fpstate.wrapping_sub(REGION.load(Ordering::Relaxed) as u64));
    put!(s, event, ev);
    if ev == event::FAULT {
        put!(s, info, *info);
    }
    publish(s);
    serve_frame(s, uc);
}

fn check(ret: i64) {
    if ret < 0 {
        exit_group(FATAL);
    }
}

/// Installs the handler for every signal the stub serves.
fn install_handlers(kick: u32) {
    let act = SigAction {
        handler: handler as *const () as u64,
        flags: sa::SIGINFO | sa::ONSTACK | sa::RESTORER,
        restorer: stub_restorer as *const () as u64,
        // While serving one event, a kick waits until the app runs again.
        mask: SigSet::of(kick as i32),
    };
    for signo in [sig::SIGSYS, sig::SIGSEGV, sig::SIGBUS, sig::SIGFPE, sig::SIGILL, sig::SIGTRAP, kick as i32] {
        check(syscall(sysno::RT_SIGACTION, signo as u64, addr_of!(act) as u64, 0, 8));
    }
}

/// Points this thread's alternate signal stack at slot `i`'s stack.
fn set_signal_stack(i: usize) {
    let base = REGION.load(Ordering::Relaxed);
    let st = StackT { sp: (base + wire::stack_offset(i)) as u64, flags: 0, pad: 0, size: wire::SIGNAL_STACK_SIZE as u64 };
    check(syscall(sysno::SIGALTSTACK, addr_of!(st) as u64, 0, 0, 0));
}

const ARCH_SET_GS: u64 = 0x1001;
const PR_SET_PDEATHSIG: u64 = 1;
const PR_SET_NO_NEW_PRIVS: u64 = 38;
const SECCOMP_SET_MODE_FILTER: u64 = 1;
const SECCOMP_FILTER_FLAG_SPEC_ALLOW: u64 = 1 << 2;

/// `struct sock_fprog`.
#[repr(C)]
struct SockFprog {
    len: u16,
    filter: *const wire::SockFilter,
}

extern "C" fn stub_main() -> ! {
    const PROT_RW: u64 = 3;
    const MAP_SHARED: u64 = 1;
    let base = syscall6(sysno::MMAP as u64, [0, wire::REGION_SIZE as u64, PROT_RW, MAP_SHARED, REGION_FD, 0]);
    check(base);
    REGION.store(base as usize, Ordering::Relaxed);
    // SAFETY: the region starts with a Header the sentry filled in before
    // starting us, and stays mapped for the life of the process.
    let header = unsafe { &*(base as usize as *const Header) };
    if header.magic != wire::REGION_MAGIC || header.filter_len as usize > wire::MAX_FILTER_LEN {
        exit_group(FATAL);
    }
    let kick = header.kick_signal;
    KICK.store(kick, Ordering::Relaxed);
    HAVE_RDTSCP.store(cpu_has_rdtscp(), Ordering::Relaxed);

    // Only the control socket stays open; die with the sentry's spawner
    // thread, and do not start at all if it is already gone.
    syscall(sysno::CLOSE_RANGE, REGION_FD, u32::MAX as u64, 0, 0);
    tie_to_sentry();

    let pid = syscall(sysno::GETPID, 0, 0, 0, 0) as u64;
    let tid = syscall(sysno::GETTID, 0, 0, 0, 0) as u64;
    let s = slot(0);
    put!(s, host_tid, tid as u32);
    let stack_top = (base as usize + wire::stack_offset(0) + wire::SIGNAL_STACK_SIZE) as u64;
    put!(s, stack_top, stack_top);
    check(syscall(sysno::ARCH_PRCTL, ARCH_SET_GS, s as *const Slot as u64, 0, 0));
    s.state.store(wire::OWNER_STUB, Ordering::SeqCst);

    set_signal_stack(0);
    install_handlers(kick);

    let prog = SockFprog { len: header.filter_len as u16, filter: header.filter.as_ptr() };
    check(syscall(sysno::PRCTL, PR_SET_NO_NEW_PRIVS, 1, 0, 0));
    check(syscall(sysno::SECCOMP, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_SPEC_ALLOW, addr_of!(prog) as u64, 0));

    // Report ready: the handler publishes an INTERRUPT event for this
    // SIGSYS, and the sentry answers with the registers of the app's first
    // instruction.
    syscall(sysno::TGKILL, pid, tid, sig::SIGSYS as u64, 0);
    exit_group(FATAL)
}
