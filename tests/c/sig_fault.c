/* Synchronous faults reach handlers with Linux's siginfo (x86_64):
 * SIGSEGV SEGV_MAPERR for NULL and unmapped addresses, SEGV_ACCERR for a
 * write to a PROT_READ page, a read of a PROT_NONE page and a jump into a
 * non-executable page, with si_addr the faulting address; SIGSEGV
 * SI_KERNEL for a privileged instruction (hlt); SIGFPE FPE_INTDIV for a
 * division by zero and for INT_MIN / -1; SIGILL ILL_ILLOPN for ud2;
 * SIGTRAP SI_KERNEL for int3 (RIP after it); kill(SIGSEGV) is SI_USER. A
 * handler that mprotects the page and returns makes the faulting write
 * succeed on retry. A fault whose signal is blocked or ignored, or a fault
 * inside its own handler, kills the process (in children).
 *
 * SIGBUS (a mapping past the end of a file) is left out: it needs a file. */
#define _GNU_SOURCE
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <ucontext.h>
#include <unistd.h>
#include "check.h"
#include "proc.h"
#include "sig.h"

extern char div_insn[], idiv_insn[], ud2_insn[], int3_after[], hlt_insn[];

static sigjmp_buf env;
static volatile int got_sig, got_code, got_calls, jump_back;
static void *volatile got_addr;
static volatile greg_t got_rip;

static void handler(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    got_calls++;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = si->si_addr;
    got_rip = uc->uc_mcontext.gregs[REG_RIP];
    if (jump_back)
        siglongjmp(env, 1);
}

static const char *code_name(int sig, int code)
{
    if (code == SI_USER)
        return "SI_USER";
    if (code == SI_KERNEL)
        return "SI_KERNEL";
    if (code == SI_TKILL)
        return "SI_TKILL";
    switch (sig) {
    case SIGSEGV:
        if (code == SEGV_MAPERR) return "SEGV_MAPERR";
        if (code == SEGV_ACCERR) return "SEGV_ACCERR";
        break;
    case SIGFPE:
        if (code == FPE_INTDIV) return "FPE_INTDIV";
        if (code == FPE_INTOVF) return "FPE_INTOVF";
        break;
    case SIGILL:
        if (code == ILL_ILLOPN) return "ILL_ILLOPN";
        if (code == ILL_ILLOPC) return "ILL_ILLOPC";
        if (code == ILL_PRVOPC) return "ILL_PRVOPC";
        break;
    case SIGTRAP:
        if (code == TRAP_BRKPT) return "TRAP_BRKPT";
        break;
    }
    static char buf[32];
    snprintf(buf, sizeof buf, "si_code %d", code);
    return buf;
}

/* Runs fn() expecting it to fault with `sig`/`code` at `addr`; the handler
 * jumps back. */
static void expect_fault(const char *what, void (*fn)(void *), void *arg, int sig, int code,
                         void *addr)
{
    set_sigaction(sig, handler, 0);
    got_calls = got_sig = got_code = 0;
    got_addr = (void *)-1;
    jump_back = 1;
    if (sigsetjmp(env, 1) == 0) {
        fn(arg);
        FAIL("%s: no fault", what);
    }
    jump_back = 0;
    signal(sig, SIG_DFL);
    CHECK(got_calls == 1 && got_sig == sig, "%s: signal %d, calls %d", what, got_sig, got_calls);
    printf("ok %s: %s %s\n", what, strsignal(sig), code_name(sig, got_code));
    CHECK(got_code == code, "%s: expected %s", what, code_name(sig, code));
    CHECK(got_addr == addr, "%s: si_addr differs from the expected address", what);
    OK("%s: si_addr is right", what);
}

static void read_at(void *p)
{
    (void)*(volatile int *)p;
}

static void write_at(void *p)
{
    *(volatile int *)p = 1;
}

static void call_at(void *p)
{
    ((void (*)(void))p)();
}

static void divide_by_zero(void *unused)
{
    (void)unused;
    long q;
    __asm__ volatile("xor %%edx, %%edx\n\t"
                     "mov $7, %%eax\n\t"
                     "xor %%ecx, %%ecx\n"
                     ".globl div_insn\n"
                     "div_insn:\n\t"
                     "div %%rcx\n\t"
                     : "=a"(q)
                     :
                     : "rcx", "rdx");
}

static void int_min_by_minus_one(void *unused)
{
    (void)unused;
    long q;
    __asm__ volatile("mov $0x8000000000000000, %%rax\n\t"
                     "cqo\n\t"
                     "mov $-1, %%rcx\n"
                     ".globl idiv_insn\n"
                     "idiv_insn:\n\t"
                     "idiv %%rcx\n\t"
                     : "=a"(q)
                     :
                     : "rcx", "rdx");
}

static void undefined(void *unused)
{
    (void)unused;
    __asm__ volatile(".globl ud2_insn\n"
                     "ud2_insn:\n\t"
                     "ud2\n\t");
}

static void halt(void *unused)
{
    (void)unused;
    __asm__ volatile(".globl hlt_insn\n"
                     "hlt_insn:\n\t"
                     "hlt\n\t");
}

static void memory_faults(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    expect_fault("read of NULL", read_at, NULL, SIGSEGV, SEGV_MAPERR, NULL);
    expect_fault("write to address 16", write_at, (void *)16, SIGSEGV, SEGV_MAPERR, (void *)16);

    char *ro = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(ro != MAP_FAILED, "mmap");
    expect_fault("write to a PROT_READ page", write_at, ro + 8, SIGSEGV, SEGV_ACCERR, ro + 8);
    CHECK(mprotect(ro, pg, PROT_NONE) == 0, "mprotect");
    expect_fault("read of a PROT_NONE page", read_at, ro + 100, SIGSEGV, SEGV_ACCERR, ro + 100);
    CHECK(munmap(ro, pg) == 0, "munmap");
    expect_fault("read of an unmapped page", read_at, ro + 4, SIGSEGV, SEGV_MAPERR, ro + 4);

    unsigned char *rw = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(rw != MAP_FAILED, "mmap");
    rw[0] = 0xc3; /* ret */
    expect_fault("call into a non-executable page", call_at, rw, SIGSEGV, SEGV_ACCERR, rw);
    CHECK(munmap(rw, pg) == 0, "munmap");
}

static void cpu_faults(void)
{
    expect_fault("div by zero", divide_by_zero, NULL, SIGFPE, FPE_INTDIV, div_insn);
    expect_fault("idiv INT_MIN by -1", int_min_by_minus_one, NULL, SIGFPE, FPE_INTDIV,
                 idiv_insn);
    expect_fault("ud2", undefined, NULL, SIGILL, ILL_ILLOPN, ud2_insn);
    expect_fault("hlt in user mode", halt, NULL, SIGSEGV, SI_KERNEL, NULL);
    CHECK(got_rip == (greg_t)hlt_insn, "hlt: REG_RIP is not the hlt");
    OK("hlt: REG_RIP is the hlt instruction");

    /* int3 is a trap: the handler returns to the next instruction. */
    set_sigaction(SIGTRAP, handler, 0);
    got_calls = 0;
    __asm__ volatile("int3\n"
                     ".globl int3_after\n"
                     "int3_after:\n\t");
    signal(SIGTRAP, SIG_DFL);
    CHECK(got_calls == 1 && got_sig == SIGTRAP, "int3: calls %d", got_calls);
    printf("ok int3: SIGTRAP %s\n", code_name(SIGTRAP, got_code));
    CHECK(got_code == SI_KERNEL, "int3: expected SI_KERNEL");
    CHECK(got_rip == (greg_t)int3_after, "int3: REG_RIP is not just after int3");
    OK("int3: the handler returns to the instruction after it");

    set_sigaction(SIGSEGV, handler, 0);
    got_calls = 0;
    CHECK(kill(getpid(), SIGSEGV) == 0, "kill");
    signal(SIGSEGV, SIG_DFL);
    CHECK(got_calls == 1 && got_code == SI_USER, "kill(SIGSEGV): %s",
          code_name(SIGSEGV, got_code));
    OK("kill(getpid(), SIGSEGV) reaches the handler with SI_USER");
}

/* The handler makes the page writable and returns: the write is retried. */
static char *fix_page;
static long fix_size;
static volatile int fix_calls;

static void fixing_handler(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    fix_calls++;
    if ((char *)si->si_addr >= fix_page && (char *)si->si_addr < fix_page + fix_size)
        mprotect(fix_page, fix_size, PROT_READ | PROT_WRITE);
}

static void retry(void)
{
    fix_size = sysconf(_SC_PAGESIZE);
    fix_page = mmap(NULL, fix_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(fix_page != MAP_FAILED, "mmap");
    set_sigaction(SIGSEGV, fixing_handler, 0);
    volatile int *p = (volatile int *)(fix_page + 64);
    *p = 4321;
    CHECK(fix_calls == 1, "the fixing handler ran %d times", fix_calls);
    CHECK(*p == 4321, "the retried write did not land");
    OK("a handler that mprotects the page RW and returns: the write is retried and lands");
    signal(SIGSEGV, SIG_DFL);
    munmap(fix_page, fix_size);
}

/* Faults that kill: the status of a child. */
static void nested_handler(int sig)
{
    (void)sig;
    *(volatile int *)8 = 0; /* faults again, with SIGSEGV blocked */
}

static void fatal(const char *what, int mode)
{
    pid_t pid = fork_checked();
    if (pid == 0) {
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); /* no core file */
        if (mode == 0) {
            sigset_t s = sigset_of(SIGSEGV);
            sigprocmask(SIG_BLOCK, &s, NULL);
            set_sigaction(SIGSEGV, handler, 0); /* a handler, but blocked */
        } else if (mode == 1) {
            signal(SIGSEGV, SIG_IGN);
        } else {
            signal(SIGSEGV, nested_handler);
        }
        *(volatile int *)0 = 1;
        _exit(0);
    }
    expect_killed(pid, SIGSEGV, what);
    OK("%s: the child is killed by SIGSEGV", what);
}

int main(void)
{
    memory_faults();
    cpu_faults();
    retry();
    fatal("NULL write with SIGSEGV blocked", 0);
    fatal("NULL write with SIGSEGV ignored", 1);
    fatal("a fault inside the SIGSEGV handler", 2);
    return 0;
}
