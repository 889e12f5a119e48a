/* rt_sigreturn refuses what the CPU would: a handler that writes reserved
 * MXCSR bits or an xsave header with unknown features into its frame's FP
 * state gets SIGSEGV when it returns; a frame with no FP state at all
 * (fpregs NULL) is accepted and resets the FPU; an rt_sigreturn whose stack
 * holds no readable frame gets SIGSEGV. Each case runs in a child. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>
#include "check.h"
#include "proc.h"

enum forgery { BAD_MXCSR, BAD_XSTATE_BV, NO_FPSTATE };

static enum forgery forgery;

static void forge(int sig, siginfo_t *si, void *p)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = p;
    switch (forgery) {
    case BAD_MXCSR:
        uc->uc_mcontext.fpregs->mxcsr |= 1u << 20;
        break;
    case BAD_XSTATE_BV:
        /* The xsave header's xstate_bv, right after the 512-byte fxsave area. */
        ((unsigned long *)uc->uc_mcontext.fpregs)[64] = ~0ul;
        break;
    case NO_FPSTATE:
        uc->uc_mcontext.fpregs = NULL;
        break;
    }
}

static const char *outcome(pid_t pid)
{
    int st;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return "returned";
    if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV)
        return "SIGSEGV";
    return "something else";
}

static void expect(pid_t pid, const char *what, const char *expected)
{
    const char *got = outcome(pid);
    CHECK(strcmp(got, expected) == 0, "%s: %s, expected %s", what, got, expected);
    printf("ok %s: %s\n", what, got);
}

static void forged(enum forgery f, const char *what, const char *expected)
{
    pid_t pid = fork_checked();
    if (pid == 0) {
        forgery = f;
        struct sigaction sa = {.sa_sigaction = forge, .sa_flags = SA_SIGINFO};
        sigaction(SIGUSR1, &sa, NULL);
        raise(SIGUSR1);
        _exit(0);
    }
    expect(pid, what, expected);
}

int main(void)
{
    forged(BAD_MXCSR, "reserved MXCSR bits in the frame", "SIGSEGV");
    forged(BAD_XSTATE_BV, "unknown features in xstate_bv", "SIGSEGV");
    forged(NO_FPSTATE, "fpregs NULL", "returned");
    pid_t pid = fork_checked();
    if (pid == 0) {
        void *hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (hole == MAP_FAILED)
            _exit(3);
        /* The frame would start just below the stack pointer: unreadable. */
        __asm__ volatile("mov %0, %%rsp\n\tmov %1, %%eax\n\tsyscall" ::"r"((char *)hole + 2048), "i"(SYS_rt_sigreturn) : "memory");
        _exit(4);
    }
    expect(pid, "rt_sigreturn with no readable frame", "SIGSEGV");
    return 0;
}
