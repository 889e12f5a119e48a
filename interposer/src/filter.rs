//! The stub's seccomp program, as raw classic BPF.
//!
//! libseccomp cannot express "where was this system call made from", which
//! is the whole point of this filter, so it is assembled here:
//!
//! * a foreign architecture kills the process;
//! * a call from the stub's own code may use only the stub's allow-list
//!   (and `prctl` only for `PR_SET_PDEATHSIG`), and anything else from
//!   there kills the process;
//! * every other call traps (`SIGSYS`), to be served by the sentry.

use abi::sysno;
use abi::wire::{SockFilter, MAX_FILTER_LEN};

const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
const SECCOMP_RET_KILL_PROCESS: u32 = 0x8000_0000;
const SECCOMP_RET_TRAP: u32 = 0x0003_0000;
const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;

// Offsets into `struct seccomp_data`.
const OFF_NR: u32 = 0;
const OFF_ARCH: u32 = 4;
const OFF_IP_LO: u32 = 8;
const OFF_IP_HI: u32 = 12;
const OFF_ARG0_LO: u32 = 16;
/// The one `prctl` option the stub uses (a forked stub ties its life to
/// the sentry's).
const PR_SET_PDEATHSIG: u32 = 1;

const BPF_LD_W_ABS: u16 = 0x20;
const BPF_JEQ_K: u16 = 0x15;
const BPF_JGE_K: u16 = 0x35;
const BPF_JGT_K: u16 = 0x25;
const BPF_RET_K: u16 = 0x06;

/// What the stub itself may ask of the host once its filter is in place:
/// the slot protocol (futex), memory host ops (msync and mincore among
/// them), returning from its signal
/// handlers (and unblocking signals in a new thread), creating threads and
/// processes for the sentry, receiving
/// descriptors on its control socket and closing them, kicking and naming
/// itself, tying a forked child's life to the sentry (getppid, and prctl
/// checked separately in [`build`]),
/// setting the app's thread pointer, and exiting.
pub const STUB_ALLOWED: &[u32] = &[
    sysno::FUTEX,
    sysno::MMAP,
    sysno::MUNMAP,
    sysno::MPROTECT,
    sysno::MADVISE,
    sysno::MREMAP,
    sysno::MSYNC,
    sysno::MINCORE,
    sysno::RT_SIGRETURN,
    sysno::RT_SIGPROCMASK,
    sysno::SIGALTSTACK,
    sysno::CLONE,
    sysno::RECVMSG,
    sysno::CLOSE,
    sysno::GETPPID,
    sysno::TGKILL,
    sysno::GETPID,
    sysno::GETTID,
    sysno::ARCH_PRCTL,
    sysno::EXIT,
    sysno::EXIT_GROUP,
];

fn stmt(code: u16, k: u32) -> SockFilter {
    SockFilter { code, jt: 0, jf: 0, k }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> SockFilter {
    SockFilter { code, jt, jf, k }
}

/// Builds the filter for a stub whose code spans `[text_start, text_end)`.
///
/// Panics if the range crosses a 4 GiB boundary (the build keeps the stub's
/// few KiB of code well inside one).
pub fn build(text_start: u64, text_end: u64) -> Vec<SockFilter> {
    assert!(text_start < text_end && text_start >> 32 == (text_end - 1) >> 32, "stub text crosses 4 GiB");
    // seccomp reports the address after the `syscall` instruction, which for
    // the last one in the stub is `text_end` itself: accept [start, end].
    let (hi, lo, last) = ((text_start >> 32) as u32, text_start as u32, text_end as u32);
    let n = STUB_ALLOWED.len();
    // Layout (indices): the allow-list jumps land on ALLOW; the range
    // checks jump to TRAP at the very end.
    //   0 ld arch; 1 jeq x86_64; 2 ret kill
    //   3 ld ip_hi; 4 jeq hi ? 5 : TRAP
    //   5 ld ip_lo; 6 jge lo ? 7 : TRAP; 7 jgt last ? TRAP : 8
    //   8 ld nr; 9.. jeq allowed[i] ? ALLOW : next
    //   9+n jeq prctl ? 10+n : KILL; 10+n ld arg0; 11+n jeq PDEATHSIG ? ALLOW : KILL
    //   12+n KILL ret kill; 13+n ALLOW ret allow; 14+n TRAP ret trap
    let kill = 12 + n;
    let allow = 13 + n;
    let trap = 14 + n;
    let rel = |from: usize, to: usize| -> u8 { u8::try_from(to - from - 1).expect("filter jump in range") };
    let mut p = vec![
        stmt(BPF_LD_W_ABS, OFF_ARCH),
        jump(BPF_JEQ_K, AUDIT_ARCH_X86_64, 1, 0),
        stmt(BPF_RET_K, SECCOMP_RET_KILL_PROCESS),
        stmt(BPF_LD_W_ABS, OFF_IP_HI),
        jump(BPF_JEQ_K, hi, 0, rel(4, trap)),
        stmt(BPF_LD_W_ABS, OFF_IP_LO),
        jump(BPF_JGE_K, lo, 0, rel(6, trap)),
        jump(BPF_JGT_K, last, rel(7, trap), 0),
        stmt(BPF_LD_W_ABS, OFF_NR),
    ];
    for (i, &nr) in STUB_ALLOWED.iter().enumerate() {
        p.push(jump(BPF_JEQ_K, nr, rel(9 + i, allow), 0));
    }
    p.push(jump(BPF_JEQ_K, sysno::PRCTL, 0, rel(9 + n, kill)));
    p.push(stmt(BPF_LD_W_ABS, OFF_ARG0_LO));
    p.push(jump(BPF_JEQ_K, PR_SET_PDEATHSIG, rel(11 + n, allow), rel(11 + n, kill)));
    p.push(stmt(BPF_RET_K, SECCOMP_RET_KILL_PROCESS));
    p.push(stmt(BPF_RET_K, SECCOMP_RET_ALLOW));
    p.push(stmt(BPF_RET_K, SECCOMP_RET_TRAP));
    assert!(p.len() <= MAX_FILTER_LEN);
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A classic-BPF interpreter for just the instructions `build` emits.
    fn run(prog: &[SockFilter], nr: u32, arch: u32, ip: u64) -> u32 {
        run_with_arg(prog, nr, arch, ip, 0)
    }

    fn run_with_arg(prog: &[SockFilter], nr: u32, arch: u32, ip: u64, arg0: u32) -> u32 {
        let data = |off: u32| match off {
            OFF_NR => nr,
            OFF_ARCH => arch,
            OFF_IP_LO => ip as u32,
            OFF_IP_HI => (ip >> 32) as u32,
            OFF_ARG0_LO => arg0,
            _ => panic!("bad offset"),
        };
        let (mut pc, mut acc) = (0usize, 0u32);
        loop {
            let i = prog[pc];
            pc += 1;
            match i.code {
                BPF_LD_W_ABS => acc = data(i.k),
                BPF_RET_K => return i.k,
                BPF_JEQ_K | BPF_JGE_K | BPF_JGT_K => {
                    let taken = match i.code {
                        BPF_JEQ_K => acc == i.k,
                        BPF_JGE_K => acc >= i.k,
                        _ => acc > i.k,
                    };
                    pc += if taken { i.jt } else { i.jf } as usize;
                }
                c => panic!("unexpected opcode {c:#x}"),
            }
        }
    }

    const START: u64 = 0x7fc0_0000_1000;
    const END: u64 = 0x7fc0_0000_3000;

    #[test]
    fn app_calls_trap_and_stub_calls_are_filtered() {
        let p = build(START, END);
        let x86 = AUDIT_ARCH_X86_64;
        assert_eq!(run(&p, sysno::GETPID, x86, 0x401000), SECCOMP_RET_TRAP);
        assert_eq!(run(&p, sysno::FUTEX, x86, 0x401000), SECCOMP_RET_TRAP);
        assert_eq!(run(&p, sysno::FUTEX, x86, START + 0x10), SECCOMP_RET_ALLOW);
        assert_eq!(run(&p, sysno::EXIT_GROUP, x86, END), SECCOMP_RET_ALLOW);
        assert_eq!(run(&p, sysno::OPENAT, x86, START + 0x10), SECCOMP_RET_KILL_PROCESS);
        assert_eq!(run(&p, sysno::OPENAT, x86, END + 1), SECCOMP_RET_TRAP);
        assert_eq!(run(&p, sysno::OPENAT, x86, START - 1), SECCOMP_RET_TRAP);
        // Same low word, other high word: not the stub.
        assert_eq!(run(&p, sysno::FUTEX, x86, (START & 0xffff_ffff) | (1 << 32)), SECCOMP_RET_TRAP);
        assert_eq!(run(&p, sysno::GETPID, 0x4000_0003, 0x401000), SECCOMP_RET_KILL_PROCESS);
    }

    #[test]
    fn the_stub_may_prctl_only_for_its_death_signal() {
        let p = build(START, END);
        let x86 = AUDIT_ARCH_X86_64;
        assert_eq!(run_with_arg(&p, sysno::PRCTL, x86, START + 8, PR_SET_PDEATHSIG), SECCOMP_RET_ALLOW);
        assert_eq!(run_with_arg(&p, sysno::PRCTL, x86, START + 8, 38), SECCOMP_RET_KILL_PROCESS);
        assert_eq!(run_with_arg(&p, sysno::PRCTL, x86, 0x401000, 38), SECCOMP_RET_TRAP);
    }
}
