/* The ucontext_t an SA_SIGINFO handler gets (x86_64): uc_sigmask is the
 * mask before delivery; gregs hold the interrupted registers (REG_RIP just
 * after the syscall that sent the signal, REG_RAX its result); uc_stack
 * describes the sigaltstack state; fpregs is non-NULL and holds the
 * interrupted xmm registers, and the handler starts with a clean MXCSR.
 * Changes the handler makes to gregs or fpregs take effect on return:
 * skipping a faulting instruction by moving REG_RIP, setting REG_RAX and
 * REG_RBX, setting an xmm register. The interrupted code's xmm registers
 * survive a handler that clobbers its own.
 *
 * Signals are sent with a raw `syscall` instruction in inline asm, so the
 * registers around it are known exactly. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#include "check.h"
#include "sig.h"

extern char after_syscall[], fault_insn[], fault_resume[], after_fp_syscall[];

static volatile int calls;
static sigset_t seen_mask;
static volatile greg_t seen_rip, seen_rax, seen_rbx;
static stack_t seen_stack;
static volatile int fpregs_present, xmm0_right, mxcsr_clean;
/* What the handler changes: 0 nothing, 1 rax/rbx, 2 xmm1, 3 uc_stack. */
static volatile int rewrite;
static char alt2[32 * 1024];

#define XMM0_BITS 0x400921fb54442d18ULL /* 3.141592653589793 */
#define XMM1_NEW 0x4005bf0a8b145769ULL  /* 2.718281828459045 */

static void handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
    calls++;
    seen_mask = uc->uc_sigmask;
    seen_rip = uc->uc_mcontext.gregs[REG_RIP];
    seen_rax = uc->uc_mcontext.gregs[REG_RAX];
    seen_rbx = uc->uc_mcontext.gregs[REG_RBX];
    seen_stack = uc->uc_stack;
    fpregs_present = uc->uc_mcontext.fpregs != NULL;
    if (!fpregs_present)
        return;
    uint32_t mxcsr;
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    mxcsr_clean = (mxcsr & 0xffff) == 0x1f80;
    const uint32_t *x0 = uc->uc_mcontext.fpregs->_xmm[0].element;
    xmm0_right = ((uint64_t)x0[1] << 32 | x0[0]) == XMM0_BITS;
    /* Clobber our own xmm registers. */
    volatile double d = 1.0;
    for (int i = 0; i < 10; i++)
        d = d * 1.5 + 0.25;
    __asm__ volatile("pxor %%xmm0, %%xmm0\n\tpcmpeqd %%xmm1, %%xmm1" ::: "xmm0", "xmm1");
    if (rewrite == 1) {
        uc->uc_mcontext.gregs[REG_RAX] = 77;
        uc->uc_mcontext.gregs[REG_RBX] = 0x5eed;
    } else if (rewrite == 3) {
        uc->uc_stack.ss_sp = alt2;
        uc->uc_stack.ss_size = sizeof alt2;
        uc->uc_stack.ss_flags = 0;
    } else if (rewrite == 2) {
        uint32_t *x1 = uc->uc_mcontext.fpregs->_xmm[1].element;
        x1[0] = (uint32_t)XMM1_NEW;
        x1[1] = (uint32_t)(XMM1_NEW >> 32);
    }
}

/* tgkill(self, SIGUSR1) with rbx = 1; returns rax after the syscall and
 * stores rbx after it in *rbx_out. */
static __attribute__((noinline)) long send_marked(long *rbx_out)
{
    long rax = SYS_tgkill, rbx;
    __asm__ volatile("mov $1, %%ebx\n\t"
                     "syscall\n"
                     ".globl after_syscall\n"
                     "after_syscall:\n\t"
                     : "+a"(rax), "=b"(rbx)
                     : "D"((long)getpid()), "S"((long)gettid()), "d"((long)SIGUSR1)
                     : "rcx", "r11", "memory");
    *rbx_out = rbx;
    return rax;
}

/* tgkill(self, SIGUSR1) with xmm0 = pi, xmm1 = 0; returns both after. */
static __attribute__((noinline)) void send_with_xmm(uint64_t *x0, uint64_t *x1)
{
    long rax = SYS_tgkill;
    uint64_t pi = XMM0_BITS, a, b;
    __asm__ volatile("movq %[pi], %%xmm0\n\t"
                     "pxor %%xmm1, %%xmm1\n\t"
                     "syscall\n"
                     ".globl after_fp_syscall\n"
                     "after_fp_syscall:\n\t"
                     "movq %%xmm0, %[a]\n\t"
                     "movq %%xmm1, %[b]\n\t"
                     : "+a"(rax), [a] "=r"(a), [b] "=r"(b)
                     : [pi] "r"(pi), "D"((long)getpid()), "S"((long)gettid()),
                       "d"((long)SIGUSR1)
                     : "rcx", "r11", "xmm0", "xmm1", "memory");
    *x0 = a;
    *x1 = b;
}

static void registers(void)
{
    sigset_t set = sigset_of(SIGHUP);
    sigaddset(&set, SIGRTMIN + 2);
    CHECK(sigprocmask(SIG_SETMASK, &set, NULL) == 0, "setmask");
    set_sigaction(SIGUSR1, handler, 0);

    long rbx, rax;
    calls = 0;
    rewrite = 0;
    rax = send_marked(&rbx);
    CHECK(calls == 1, "handler ran %d times", calls);
    CHECK(rax == 0 && rbx == 1, "registers after an untouched handler: rax %ld rbx %ld", rax, rbx);
    for (int s = 1; s < NSIG; s++) {
        if (s == 32 || s == 33 || s == 34)
            continue; /* libc-internal signals */
        int want = s == SIGHUP || s == SIGRTMIN + 2;
        CHECK(sigismember(&seen_mask, s) == want, "uc_sigmask: signal %d is %s", s,
              want ? "missing" : "set");
    }
    OK("uc_sigmask is the mask before delivery (SIGHUP, SIGRTMIN+2; not SIGUSR1)");
    printf("ok REG_RIP is just after the syscall instruction: %s\n",
           seen_rip == (greg_t)after_syscall ? "yes" : "no");
    CHECK(seen_rip == (greg_t)after_syscall, "REG_RIP");
    CHECK(seen_rax == 0, "REG_RAX is %lld, not tgkill's result 0", (long long)seen_rax);
    CHECK(seen_rbx == 1, "REG_RBX is %lld, not 1", (long long)seen_rbx);
    OK("REG_RAX holds the syscall's result, REG_RBX the interrupted value");

    calls = 0;
    rewrite = 1;
    rax = send_marked(&rbx);
    CHECK(calls == 1, "handler ran %d times", calls);
    CHECK(rax == 77, "REG_RAX set to 77 in the handler, syscall returned %ld", rax);
    CHECK(rbx == 0x5eed, "REG_RBX set to 0x5eed in the handler, got %#lx", rbx);
    OK("REG_RAX and REG_RBX changed in the handler take effect on return");

    sigemptyset(&set);
    CHECK(sigprocmask(SIG_SETMASK, &set, NULL) == 0, "setmask");
}

static void fp_state(void)
{
    uint32_t mxcsr_before, mxcsr_rz = 0x7f80, mxcsr_after; /* round toward zero */
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr_before));
    __asm__ volatile("ldmxcsr %0" ::"m"(mxcsr_rz));
    uint64_t x0, x1;
    calls = 0;
    rewrite = 0;
    send_with_xmm(&x0, &x1);
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr_after));
    __asm__ volatile("ldmxcsr %0" ::"m"(mxcsr_before));
    CHECK(calls == 1, "handler ran %d times", calls);
    CHECK(fpregs_present, "uc_mcontext.fpregs is NULL");
    OK("uc_mcontext.fpregs is not NULL");
    CHECK(xmm0_right, "fpregs->_xmm[0] is not the interrupted xmm0");
    OK("fpregs->_xmm[0] holds the interrupted xmm0");
    CHECK(mxcsr_clean, "the handler did not start with the default MXCSR");
    OK("the handler starts with the default MXCSR (0x1f80)");
    CHECK((mxcsr_after & 0xffff) == 0x7f80, "MXCSR after the handler: %#x", mxcsr_after);
    OK("the interrupted MXCSR (round toward zero) is restored");
    CHECK(x0 == XMM0_BITS && x1 == 0, "xmm0/xmm1 after the handler: %#llx %#llx",
          (unsigned long long)x0, (unsigned long long)x1);
    OK("xmm0 and xmm1 survive a handler that clobbers its own");

    calls = 0;
    rewrite = 2;
    send_with_xmm(&x0, &x1);
    CHECK(calls == 1, "handler ran %d times", calls);
    CHECK(x0 == XMM0_BITS && x1 == XMM1_NEW, "xmm1 set in the handler: got %#llx",
          (unsigned long long)x1);
    OK("xmm1 changed in fpregs by the handler takes effect on return");

    /* A plain double in the interrupted code, across raise(). */
    volatile double v = 0.1;
    double sum = v * 3.0;
    calls = 0;
    rewrite = 0;
    CHECK(raise(SIGUSR1) == 0, "raise");
    CHECK(calls == 1, "handler ran %d times", calls);
    sum += v;
    CHECK(sum > 0.39999 && sum < 0.40001, "double arithmetic across a handler");
    OK("double arithmetic across a handler is intact");
}

/* SIGSEGV from a known instruction: the handler skips it. */
static volatile greg_t segv_rip;
static volatile int segv_calls;
static void *volatile segv_addr;

static void segv_handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    ucontext_t *uc = ctx;
    segv_calls++;
    segv_rip = uc->uc_mcontext.gregs[REG_RIP];
    segv_addr = si->si_addr;
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)fault_resume;
    uc->uc_mcontext.gregs[REG_RAX] = 99;
}

static __attribute__((noinline)) long load_from(long *p)
{
    long v;
    __asm__ volatile(".globl fault_insn\n"
                     "fault_insn:\n\t"
                     "movq (%1), %0\n"
                     ".globl fault_resume\n"
                     "fault_resume:\n\t"
                     : "=a"(v)
                     : "r"(p)
                     : "memory");
    return v;
}

static void skip_fault(void)
{
    set_sigaction(SIGSEGV, segv_handler, 0);
    long v = load_from((long *)16);
    CHECK(segv_calls == 1, "SIGSEGV handler ran %d times", segv_calls);
    printf("ok SIGSEGV: REG_RIP is the faulting instruction: %s\n",
           segv_rip == (greg_t)fault_insn ? "yes" : "no");
    CHECK(segv_rip == (greg_t)fault_insn, "REG_RIP");
    CHECK(segv_addr == (void *)16, "si_addr");
    CHECK(v == 99, "the load after skipping gave %ld, not 99", v);
    OK("moving REG_RIP past the faulting load resumes there with REG_RAX 99");
    long x = 1234;
    CHECK(load_from(&x) == 1234 && segv_calls == 1, "a good load");
    OK("the same load from a good address does not fault");
    signal(SIGSEGV, SIG_DFL);
}

/* raise(SIGUSR1) and checks the handler ran once. */
static void raise_usr1(void)
{
    calls = 0;
    CHECK(raise(SIGUSR1) == 0, "raise");
    CHECK(calls == 1, "handler ran");
}

/* Checks the handler's uc_stack: sp, size and flags 0. */
static void expect_seen_stack(const void *sp, size_t size, const char *what)
{
    CHECK(seen_stack.ss_sp == sp && seen_stack.ss_size == size && seen_stack.ss_flags == 0,
          "uc_stack %s: flags %d", what, seen_stack.ss_flags);
}

static void stacks(void)
{
    rewrite = 0;
    raise_usr1();
    /* The kernel saves the alt stack as set (sp, size, and the flags given
     * to sigaltstack, here none), not sigaltstack()'s SS_DISABLE. */
    expect_seen_stack(NULL, 0, "without an alt stack");
    OK("uc_stack without an alternate stack: NULL, size 0, flags 0");

    static char alt[64 * 1024];
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0};
    CHECK(sigaltstack(&ss, NULL) == 0, "sigaltstack");
    raise_usr1();
    expect_seen_stack(alt, sizeof alt, "off the alt stack");
    OK("uc_stack with an alternate stack, handler without SA_ONSTACK: its sp/size, flags 0");

    set_sigaction(SIGUSR1, handler, SA_ONSTACK);
    raise_usr1();
    expect_seen_stack(alt, sizeof alt, "for an SA_ONSTACK handler");
    OK("uc_stack for an SA_ONSTACK handler: the alt stack, flags 0 (interrupted code was off it)");
    ss.ss_flags = SS_DISABLE;
    CHECK(sigaltstack(&ss, NULL) == 0, "sigaltstack disable");
    set_sigaction(SIGUSR1, handler, 0);

    /* sigreturn installs the alt stack that uc_stack describes. */
    rewrite = 3;
    raise_usr1();
    rewrite = 0;
    stack_t now;
    CHECK(sigaltstack(NULL, &now) == 0, "sigaltstack read");
    CHECK(now.ss_sp == alt2 && now.ss_size == sizeof alt2 && now.ss_flags == 0,
          "alt stack after the handler set uc_stack: flags %d", now.ss_flags);
    OK("uc_stack changed by the handler becomes the alt stack on return");
    ss.ss_flags = SS_DISABLE;
    CHECK(sigaltstack(&ss, NULL) == 0, "sigaltstack disable");
}

int main(void)
{
    registers();
    fp_state();
    skip_fault();
    stacks();
    return 0;
}
