/* sigaltstack: the initial state, setting and reading it back; an
 * SA_ONSTACK handler runs on the alternate stack (a local's address is in
 * it) and sigaltstack then reports SS_ONSTACK, while a handler without
 * SA_ONSTACK stays on the normal stack; a nested SA_ONSTACK handler goes on
 * further down the same alternate stack; EPERM for changing it while on
 * it; ENOMEM for a too small size; EINVAL for bad flags; SS_DISABLE;
 * SS_AUTODISARM; a stack overflow caught on the alternate stack (and fatal
 * without one), in children. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"
#include "proc.h"
#include "sig.h"
#include "soft.h"

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

#define ALT_SIZE (64 * 1024)
static char alt[ALT_SIZE] __attribute__((aligned(16)));
static char alt2[ALT_SIZE] __attribute__((aligned(16)));

static int in_alt(const void *p)
{
    return (uintptr_t)p >= (uintptr_t)alt && (uintptr_t)p < (uintptr_t)alt + ALT_SIZE;
}

static volatile int calls;
static volatile int local_on_alt, reported_flags, change_errno, disable_errno;
static volatile uintptr_t outer_local, inner_local;
static volatile int nest; /* the outer handler raises SIGUSR2 */

static void handler(int sig)
{
    char local;
    calls++;
    local_on_alt = in_alt(&local);
    stack_t cur;
    reported_flags = sigaltstack(NULL, &cur) == 0 ? cur.ss_flags : -1;
    if (sig == SIGUSR2) {
        inner_local = (uintptr_t)&local;
        return;
    }
    outer_local = (uintptr_t)&local;
    stack_t other = {.ss_sp = alt2, .ss_size = ALT_SIZE, .ss_flags = 0};
    errno = 0;
    change_errno = sigaltstack(&other, NULL) == 0 ? 0 : errno;
    stack_t off = {.ss_flags = SS_DISABLE};
    errno = 0;
    disable_errno = sigaltstack(&off, NULL) == 0 ? 0 : errno;
    if (nest)
        raise(SIGUSR2);
}

static const char *flags_name(int f)
{
    switch (f) {
    case 0: return "0";
    case SS_ONSTACK: return "SS_ONSTACK";
    case SS_DISABLE: return "SS_DISABLE";
    default: {
        static char buf[32];
        snprintf(buf, sizeof buf, "%#x", (unsigned)f);
        return buf;
    }
    }
}

static void set_get(void)
{
    stack_t cur;
    CHECK(sigaltstack(NULL, &cur) == 0, "sigaltstack read");
    CHECK(cur.ss_flags == SS_DISABLE && cur.ss_size == 0, "initial state: flags %s size %zu",
          flags_name(cur.ss_flags), cur.ss_size);
    OK("initially SS_DISABLE, size 0");
    CHECK(sigaltstack(NULL, NULL) == 0, "sigaltstack(NULL, NULL)");
    OK("sigaltstack(NULL, NULL) succeeds");

    stack_t ss = {.ss_sp = alt, .ss_size = ALT_SIZE, .ss_flags = 0};
    stack_t old;
    CHECK(sigaltstack(&ss, &old) == 0, "sigaltstack set");
    CHECK(old.ss_flags == SS_DISABLE, "old state: %s", flags_name(old.ss_flags));
    CHECK(sigaltstack(NULL, &cur) == 0, "sigaltstack read");
    CHECK(cur.ss_sp == alt && cur.ss_size == ALT_SIZE && cur.ss_flags == 0,
          "read back: flags %s", flags_name(cur.ss_flags));
    OK("set and read back: sp, size, flags 0; the old state was SS_DISABLE");
}

static void handlers(void)
{
    set_handler(SIGUSR1, handler, SA_ONSTACK);
    calls = 0;
    CHECK(raise(SIGUSR1) == 0, "raise");
    CHECK(calls == 1, "handler ran %d times", calls);
    CHECK(local_on_alt, "SA_ONSTACK handler's local is not on the alt stack");
    OK("SA_ONSTACK handler runs on the alternate stack");
    CHECK(reported_flags == SS_ONSTACK, "in the handler sigaltstack says %s",
          flags_name(reported_flags));
    OK("sigaltstack in the handler reports SS_ONSTACK");
    CHECK(change_errno == EPERM, "changing the alt stack while on it: %s",
          errname(change_errno));
    OK("changing the alternate stack while on it: EPERM");
    CHECK(disable_errno == EPERM, "disabling the alt stack while on it: %s",
          errname(disable_errno));
    OK("disabling the alternate stack while on it: EPERM");
    stack_t cur;
    CHECK(sigaltstack(NULL, &cur) == 0 && cur.ss_sp == alt && cur.ss_flags == 0,
          "after the handler: flags %s", flags_name(cur.ss_flags));
    OK("after the handler: the same alternate stack, flags 0");

    set_handler(SIGUSR2, handler, SA_ONSTACK);
    nest = 1;
    calls = 0;
    CHECK(raise(SIGUSR1) == 0, "raise");
    nest = 0;
    CHECK(calls == 2, "handlers ran %d times", calls);
    CHECK(local_on_alt && in_alt((void *)inner_local) && in_alt((void *)outer_local),
          "nested handler not on the alternate stack");
    CHECK(inner_local < outer_local, "nested handler's frame is not below the outer one");
    OK("a nested SA_ONSTACK handler runs further down the same alternate stack");

    set_handler(SIGUSR1, handler, 0);
    calls = 0;
    CHECK(raise(SIGUSR1) == 0, "raise");
    CHECK(calls == 1, "handler ran %d times", calls);
    CHECK(!local_on_alt, "handler without SA_ONSTACK ran on the alt stack");
    CHECK(reported_flags == 0, "in the handler sigaltstack says %s", flags_name(reported_flags));
    CHECK(change_errno == 0, "changing the alt stack off it: %s", errname(change_errno));
    CHECK(disable_errno == 0, "disabling the alt stack off it: %s", errname(disable_errno));
    OK("handler without SA_ONSTACK: normal stack, flags 0, may change the alt stack");
    /* sigreturn reinstalls the alt stack saved in uc_stack at delivery. */
    CHECK(sigaltstack(NULL, &cur) == 0 && cur.ss_sp == alt && cur.ss_flags == 0,
          "after a handler that disabled it: flags %s", flags_name(cur.ss_flags));
    OK("sigreturn undoes the handler's sigaltstack calls (uc_stack is restored)");
    stack_t off = {.ss_flags = SS_DISABLE};
    CHECK(sigaltstack(&off, NULL) == 0, "disable");

    /* SA_ONSTACK with no alternate stack: the normal stack. */
    set_handler(SIGUSR1, handler, SA_ONSTACK);
    calls = 0;
    CHECK(raise(SIGUSR1) == 0, "raise");
    CHECK(calls == 1 && !local_on_alt && reported_flags == SS_DISABLE,
          "SA_ONSTACK without an alt stack: on alt %d flags %s", local_on_alt,
          flags_name(reported_flags));
    OK("SA_ONSTACK without an alternate stack runs on the normal stack");
}

static void autodisarm(void)
{
    stack_t ss = {.ss_sp = alt, .ss_size = ALT_SIZE, .ss_flags = SS_AUTODISARM};
    CHECK(sigaltstack(&ss, NULL) == 0, "sigaltstack SS_AUTODISARM");
    stack_t cur;
    CHECK(sigaltstack(NULL, &cur) == 0, "read");
    CHECK((unsigned)cur.ss_flags == SS_AUTODISARM, "read back flags %s", flags_name(cur.ss_flags));
    OK("SS_AUTODISARM reads back");
    set_handler(SIGUSR1, handler, SA_ONSTACK);
    calls = 0;
    CHECK(raise(SIGUSR1) == 0, "raise");
    CHECK(calls == 1 && local_on_alt, "SS_AUTODISARM handler not on the alt stack");
    CHECK(reported_flags == SS_DISABLE, "in an SS_AUTODISARM handler: %s",
          flags_name(reported_flags));
    CHECK(change_errno == 0, "changing the stack in an SS_AUTODISARM handler: %s",
          errname(change_errno));
    OK("SS_AUTODISARM: on the alt stack, sigaltstack says SS_DISABLE and may be changed");
    CHECK(sigaltstack(NULL, &cur) == 0, "read");
    CHECK(cur.ss_sp == alt && (unsigned)cur.ss_flags == SS_AUTODISARM,
          "after an SS_AUTODISARM handler: flags %s", flags_name(cur.ss_flags));
    OK("SS_AUTODISARM: sigreturn restores the alternate stack");
}

/* The raw syscall: libc may check sizes and flags itself. */
static long raw_sigaltstack(const stack_t *ss, stack_t *old)
{
    return syscall(SYS_sigaltstack, ss, old);
}

static void errors(void)
{
    stack_t ss = {.ss_sp = alt, .ss_size = 1024, .ss_flags = 0};
    SOFT_ERRNO("sigaltstack size 1024", ENOMEM, raw_sigaltstack(&ss, NULL));
    ss.ss_size = 0;
    SOFT_ERRNO("sigaltstack size 0", ENOMEM, raw_sigaltstack(&ss, NULL));
    ss.ss_size = ALT_SIZE;
    ss.ss_flags = 3;
    SOFT_ERRNO("sigaltstack flags 3", EINVAL, raw_sigaltstack(&ss, NULL));
    ss.ss_flags = 0x100;
    SOFT_ERRNO("sigaltstack flags 0x100", EINVAL, raw_sigaltstack(&ss, NULL));
    ss.ss_flags = SS_DISABLE | SS_ONSTACK;
    SOFT_ERRNO("sigaltstack flags SS_DISABLE|SS_ONSTACK", EINVAL, raw_sigaltstack(&ss, NULL));
    SOFT_ERRNO("sigaltstack bad pointer", EFAULT, raw_sigaltstack((stack_t *)8, NULL));
    stack_t cur;
    CHECK(sigaltstack(NULL, &cur) == 0 && (unsigned)cur.ss_flags == SS_AUTODISARM &&
              cur.ss_sp == alt,
          "a failed call changed the alt stack");
    OK("failed calls leave the alternate stack alone");
    /* SS_ONSTACK as a flag is accepted and means 0; SS_DISABLE ignores the
     * size. */
    ss.ss_flags = SS_ONSTACK;
    CHECK(raw_sigaltstack(&ss, NULL) == 0, "sigaltstack flags SS_ONSTACK");
    CHECK(sigaltstack(NULL, &cur) == 0 && cur.ss_flags == 0, "flags %s",
          flags_name(cur.ss_flags));
    OK("sigaltstack with flags SS_ONSTACK is accepted, reads back 0");
    ss.ss_flags = SS_DISABLE;
    ss.ss_size = 1;
    CHECK(raw_sigaltstack(&ss, NULL) == 0, "SS_DISABLE with size 1");
    CHECK(sigaltstack(NULL, &cur) == 0 && cur.ss_flags == SS_DISABLE, "flags %s",
          flags_name(cur.ss_flags));
    OK("SS_DISABLE with a tiny size is accepted and disables");
}

/* A stack overflow, in a child with a small stack limit. */
static volatile int depth_limit = 1 << 30;

static int __attribute__((noinline)) recurse(int n)
{
    volatile char pad[512];
    pad[0] = (char)n;
    __asm__ volatile("" ::"r"(pad) : "memory"); /* keep the frame */
    if (n > depth_limit)
        return 0;
    return recurse(n + 1) + pad[0];
}

static void overflow_handler(int sig)
{
    char local;
    _exit(sig == SIGSEGV && in_alt(&local) ? 42 : 43);
}

static void overflow(int with_alt)
{
    pid_t pid = fork_checked();
    if (pid == 0) {
        struct rlimit rl = {256 * 1024, 256 * 1024};
        if (setrlimit(RLIMIT_STACK, &rl) != 0)
            _exit(2);
        if (with_alt) {
            stack_t ss = {.ss_sp = alt, .ss_size = ALT_SIZE, .ss_flags = 0};
            if (sigaltstack(&ss, NULL) != 0)
                _exit(3);
        }
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = overflow_handler;
        sa.sa_flags = SA_ONSTACK;
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGSEGV, &sa, NULL) != 0)
            _exit(4);
        recurse(0);
        _exit(5);
    }
    if (with_alt) {
        expect_exit(pid, 42, "overflow child");
        OK("stack overflow: the SIGSEGV handler runs on the alternate stack");
    } else {
        expect_killed(pid, SIGSEGV, "overflow child");
        OK("stack overflow without an alternate stack: killed by SIGSEGV");
    }
}

int main(void)
{
    set_get();
    handlers();
    autodisarm();
    errors();
    overflow(1);
    overflow(0);
    SOFT_DONE();
    return 0;
}
