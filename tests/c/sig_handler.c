/* Signal handlers: rt_sigaction with and without SA_SIGINFO; signals sent
 * to ourselves with kill, tgkill, raise, sigqueue and rt_sigqueueinfo, and
 * the siginfo each produces (si_signo, si_code, si_pid, si_uid, si_value);
 * the mask while a handler runs (sa_mask plus the signal itself, or not
 * with SA_NODEFER) and after it returns; SA_RESETHAND; nested handlers;
 * rt_sigaction's EINVAL cases.
 *
 * A signal a single-threaded process sends itself, unblocked, is delivered
 * before the sending call returns, so every check right after a kill() can
 * look at what the handler recorded. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"
#include "sig.h"
#include "soft.h"

static volatile sig_atomic_t calls;
static volatile int got_signo, got_code, got_errno_field;
static volatile pid_t got_pid;
static volatile uid_t got_uid;
static volatile int got_int;
static void *volatile got_ptr;
static sigset_t in_handler_mask;

static void info_handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    calls++;
    got_signo = sig == si->si_signo ? sig : -1;
    got_code = si->si_code;
    got_errno_field = si->si_errno;
    got_pid = si->si_pid;
    got_uid = si->si_uid;
    got_int = si->si_value.sival_int;
    got_ptr = si->si_value.sival_ptr;
    sigprocmask(SIG_BLOCK, NULL, &in_handler_mask);
}

static volatile int plain_sig;

static void plain_handler(int sig)
{
    calls++;
    plain_sig = sig;
    sigprocmask(SIG_BLOCK, NULL, &in_handler_mask);
}

static void set_action(int sig, void (*h)(int), void (*sa)(int, siginfo_t *, void *), int flags,
                       const int *masked)
{
    struct sigaction act;
    memset(&act, 0, sizeof act);
    sigemptyset(&act.sa_mask);
    for (; masked && *masked; masked++)
        sigaddset(&act.sa_mask, *masked);
    if (sa) {
        act.sa_sigaction = sa;
        act.sa_flags = flags | SA_SIGINFO;
    } else {
        act.sa_handler = h;
        act.sa_flags = flags;
    }
    CHECK(sigaction(sig, &act, NULL) == 0, "sigaction(%d)", sig);
}

static void reset_record(void)
{
    calls = 0;
    got_signo = got_code = got_int = got_errno_field = 0;
    got_pid = 0;
    got_uid = (uid_t)-1;
    got_ptr = NULL;
    plain_sig = 0;
    sigemptyset(&in_handler_mask);
}

static const char *code_name(int code)
{
    switch (code) {
    case SI_USER: return "SI_USER";
    case SI_TKILL: return "SI_TKILL";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_KERNEL: return "SI_KERNEL";
    default: {
        static char buf[32];
        snprintf(buf, sizeof buf, "si_code %d", code);
        return buf;
    }
    }
}

/* Checks what info_handler saw for one delivery of `sig`. */
static void expect_info(const char *how, int sig, int code)
{
    CHECK(calls == 1, "%s: handler ran %d times", how, (int)calls);
    CHECK(got_signo == sig, "%s: signo %d", how, got_signo);
    CHECK(got_code == code, "%s: %s, expected %s", how, code_name(got_code), code_name(code));
    CHECK(got_pid == getpid(), "%s: si_pid is not our pid", how);
    CHECK(got_uid == getuid(), "%s: si_uid is not our uid", how);
    CHECK(got_errno_field == 0, "%s: si_errno %d", how, got_errno_field);
    OK("%s: handler ran once, si_code %s, si_pid and si_uid are ours", how, code_name(code));
}

static void senders(void)
{
    set_action(SIGUSR1, NULL, info_handler, 0, NULL);

    reset_record();
    CHECK(kill(getpid(), SIGUSR1) == 0, "kill");
    expect_info("kill(getpid(), SIGUSR1)", SIGUSR1, SI_USER);

    reset_record();
    CHECK(syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1) == 0, "tgkill");
    expect_info("tgkill(self)", SIGUSR1, SI_TKILL);

    reset_record();
    CHECK(syscall(SYS_tkill, gettid(), SIGUSR1) == 0, "tkill");
    expect_info("tkill(self)", SIGUSR1, SI_TKILL);

    reset_record();
    CHECK(raise(SIGUSR1) == 0, "raise");
    expect_info("raise(SIGUSR1)", SIGUSR1, SI_TKILL);

    reset_record();
    union sigval v = {.sival_int = 4242};
    CHECK(sigqueue(getpid(), SIGUSR1, v) == 0, "sigqueue");
    expect_info("sigqueue(SIGUSR1, 4242)", SIGUSR1, SI_QUEUE);
    CHECK(got_int == 4242, "sigqueue: sival_int %d", got_int);
    OK("sigqueue: sival_int 4242 arrives");

    /* rt_sigqueueinfo with a caller-built siginfo: the kernel keeps it as
     * given (to ourselves any si_code is allowed). */
    reset_record();
    static int marker;
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = SIGUSR1;
    si.si_code = SI_QUEUE;
    si.si_pid = getpid();
    si.si_uid = getuid();
    si.si_value.sival_ptr = &marker;
    CHECK(syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, &si) == 0, "rt_sigqueueinfo");
    expect_info("rt_sigqueueinfo(SI_QUEUE, pointer)", SIGUSR1, SI_QUEUE);
    CHECK(got_ptr == &marker, "rt_sigqueueinfo: sival_ptr differs");
    OK("rt_sigqueueinfo: sival_ptr arrives unchanged");

    /* Without SA_SIGINFO the handler gets just the number. */
    set_action(SIGUSR2, plain_handler, NULL, 0, NULL);
    reset_record();
    CHECK(kill(getpid(), SIGUSR2) == 0, "kill");
    CHECK(calls == 1 && plain_sig == SIGUSR2, "plain handler: calls %d sig %d", (int)calls,
          plain_sig);
    OK("handler without SA_SIGINFO gets SIGUSR2");

    struct sigaction old;
    CHECK(sigaction(SIGUSR1, NULL, &old) == 0, "sigaction read");
    CHECK((old.sa_flags & SA_SIGINFO) && old.sa_sigaction == info_handler,
          "SA_SIGINFO handler not read back");
    CHECK(sigaction(SIGUSR2, NULL, &old) == 0, "sigaction read");
    CHECK(!(old.sa_flags & SA_SIGINFO) && old.sa_handler == plain_handler,
          "plain handler not read back");
    OK("both kinds of handler read back");
}

/* The mask while the handler runs, and after. */
static void masks(void)
{
    sigset_t before, after, set = sigset_of(SIGHUP);
    CHECK(sigprocmask(SIG_SETMASK, &set, NULL) == 0, "setmask");
    CHECK(sigprocmask(SIG_BLOCK, NULL, &before) == 0, "read mask");

    const int masked[] = {SIGUSR2, SIGTERM, 0};
    set_action(SIGUSR1, plain_handler, NULL, 0, masked);
    reset_record();
    CHECK(raise(SIGUSR1) == 0, "raise");
    CHECK(calls == 1, "handler ran %d times", (int)calls);
    CHECK(sigismember(&in_handler_mask, SIGUSR1) == 1, "SIGUSR1 not blocked in its handler");
    CHECK(sigismember(&in_handler_mask, SIGUSR2) == 1, "sa_mask SIGUSR2 not blocked");
    CHECK(sigismember(&in_handler_mask, SIGTERM) == 1, "sa_mask SIGTERM not blocked");
    CHECK(sigismember(&in_handler_mask, SIGHUP) == 1, "the old mask (SIGHUP) not kept");
    CHECK(sigismember(&in_handler_mask, SIGINT) == 0, "SIGINT blocked in the handler");
    OK("in the handler: the signal, sa_mask and the old mask are blocked, nothing else");
    CHECK(sigprocmask(SIG_BLOCK, NULL, &after) == 0, "read mask");
    for (int s = 1; s < NSIG; s++)
        CHECK(sigismember(&before, s) == sigismember(&after, s), "signal %d: mask not restored", s);
    OK("the mask is restored when the handler returns");

    set_action(SIGUSR1, plain_handler, NULL, SA_NODEFER, masked);
    reset_record();
    CHECK(raise(SIGUSR1) == 0, "raise");
    CHECK(calls == 1, "handler ran %d times", (int)calls);
    CHECK(sigismember(&in_handler_mask, SIGUSR1) == 0, "SA_NODEFER: SIGUSR1 blocked");
    CHECK(sigismember(&in_handler_mask, SIGUSR2) == 1, "SA_NODEFER: sa_mask not blocked");
    OK("SA_NODEFER: the signal itself is not blocked, sa_mask still is");

    sigemptyset(&set);
    CHECK(sigprocmask(SIG_SETMASK, &set, NULL) == 0, "setmask");
}

/* A handler that changes the mask: sigreturn puts the old one back. */
static volatile int mask_changed;

static void mask_changing_handler(int sig)
{
    (void)sig;
    sigset_t s = sigset_of(SIGINT);
    sigprocmask(SIG_BLOCK, &s, NULL);
    mask_changed = 1;
}

static void handler_changes_mask(void)
{
    set_action(SIGUSR1, mask_changing_handler, NULL, 0, NULL);
    CHECK(raise(SIGUSR1) == 0, "raise");
    CHECK(mask_changed, "handler did not run");
    sigset_t cur;
    CHECK(sigprocmask(SIG_BLOCK, NULL, &cur) == 0, "read mask");
    CHECK(sigismember(&cur, SIGINT) == 0, "SIGINT blocked in the handler stayed blocked");
    OK("a mask change inside a handler is undone when it returns");
}

static void resethand(void)
{
    set_action(SIGUSR1, plain_handler, NULL, SA_RESETHAND, NULL);
    reset_record();
    CHECK(raise(SIGUSR1) == 0, "raise");
    CHECK(calls == 1 && plain_sig == SIGUSR1, "SA_RESETHAND handler: calls %d", (int)calls);
    CHECK(sigismember(&in_handler_mask, SIGUSR1) == 1,
          "SA_RESETHAND without SA_NODEFER: SIGUSR1 not blocked in the handler");
    struct sigaction old;
    CHECK(sigaction(SIGUSR1, NULL, &old) == 0, "sigaction read");
    CHECK(old.sa_handler == SIG_DFL, "SA_RESETHAND: disposition not reset to SIG_DFL");
    OK("SA_RESETHAND: handler ran once, disposition is SIG_DFL afterwards");

    /* SIG_DFL for SIGURG is to ignore it: a second one does nothing. */
    set_action(SIGURG, plain_handler, NULL, SA_RESETHAND | SA_NODEFER, NULL);
    reset_record();
    CHECK(raise(SIGURG) == 0 && raise(SIGURG) == 0, "raise");
    CHECK(calls == 1, "SA_RESETHAND: handler ran %d times for two signals", (int)calls);
    CHECK(sigismember(&in_handler_mask, SIGURG) == 0, "SA_NODEFER: SIGURG blocked");
    OK("SA_RESETHAND: the second SIGURG gets the default action (ignored)");
}

/* Nesting: the order the handlers ran in. */
static char order[64];
static volatile int order_len;

static void note(char c)
{
    if (order_len < (int)sizeof order - 1)
        order[order_len++] = c;
}

static void inner_handler(int sig)
{
    (void)sig;
    note('i');
}

static int outer_runs;

static void counting_outer(int sig)
{
    (void)sig;
    note('(');
    raise(SIGUSR2);
    note('-');
    if (++outer_runs == 1)
        raise(SIGUSR1);
    note(')');
}

static void nesting_bounded(void)
{
    set_action(SIGUSR1, counting_outer, NULL, 0, NULL);
    set_action(SIGUSR2, inner_handler, NULL, 0, NULL);
    order_len = 0;
    memset(order, 0, sizeof order);
    outer_runs = 0;
    CHECK(raise(SIGUSR1) == 0, "raise");
    printf("ok nested handler order: %s\n", order);
    CHECK(strcmp(order, "(i-)(i-)") == 0, "unexpected order %s", order);
}

static void errors(void)
{
    struct ksigaction ka, old;
    memset(&ka, 0, sizeof ka);
    ka.handler = (void *)plain_handler;
    SOFT_ERRNO("rt_sigaction(0)", EINVAL, raw_sigaction(0, &ka, NULL, 8));
    SOFT_ERRNO("rt_sigaction(0) read only", EINVAL, raw_sigaction(0, NULL, &old, 8));
    SOFT_ERRNO("rt_sigaction(65)", EINVAL, raw_sigaction(65, &ka, NULL, 8));
    SOFT_ERRNO("rt_sigaction(-1)", EINVAL, raw_sigaction(-1, &ka, NULL, 8));
    SOFT_ERRNO("rt_sigaction(SIGKILL, handler)", EINVAL, raw_sigaction(SIGKILL, &ka, NULL, 8));
    SOFT_ERRNO("rt_sigaction(SIGSTOP, handler)", EINVAL, raw_sigaction(SIGSTOP, &ka, NULL, 8));
    ka.handler = SIG_IGN;
    SOFT_ERRNO("rt_sigaction(SIGKILL, SIG_IGN)", EINVAL, raw_sigaction(SIGKILL, &ka, NULL, 8));
    ka.handler = SIG_DFL;
    SOFT_ERRNO("rt_sigaction(SIGSTOP, SIG_DFL)", EINVAL, raw_sigaction(SIGSTOP, &ka, NULL, 8));
    ka.handler = (void *)plain_handler;
    SOFT_ERRNO("rt_sigaction sigsetsize 4", EINVAL, raw_sigaction(SIGUSR1, &ka, NULL, 4));
    SOFT_ERRNO("rt_sigaction sigsetsize 16", EINVAL, raw_sigaction(SIGUSR1, &ka, NULL, 16));
    SOFT_ERRNO("rt_sigaction sigsetsize 0", EINVAL, raw_sigaction(SIGUSR1, NULL, &old, 0));
    SOFT_ERRNO("sigaction(SIGKILL) via libc", EINVAL,
               sigaction(SIGKILL, &(struct sigaction){.sa_handler = plain_handler}, NULL));
    /* Signal 64 (SIGRTMAX) is valid. */
    CHECK(raw_sigaction(64, NULL, &old, 8) == 0, "rt_sigaction(64) read");
    CHECK(raw_sigaction(SIGKILL, NULL, &old, 8) == 0 && old.handler == SIG_DFL,
          "reading SIGKILL's action");
    OK("rt_sigaction(64) and reading SIGKILL's action succeed");
}

int main(void)
{
    senders();
    masks();
    handler_changes_mask();
    resethand();
    nesting_bounded();
    errors();
    SOFT_DONE();
    return 0;
}
