/* Blocking and pending: rt_sigprocmask SIG_BLOCK/SIG_UNBLOCK/SIG_SETMASK
 * and the old mask; SIGKILL/SIGSTOP silently unblockable; a blocked signal
 * stays pending (sigpending) and is delivered once, as the unblocking call
 * returns; standard signals coalesce; real-time signals queue with their
 * values and are delivered lowest number first, each signal's values in
 * order; blocked signals are never ignored (a blocked SIG_IGN or
 * default-ignored signal stays pending until unblocked or set to SIG_IGN);
 * fork clears the child's pending set but keeps the mask; rt_sigprocmask
 * errors. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"
#include "proc.h"
#include "sig.h"
#include "soft.h"

static uint64_t cur_mask(void)
{
    uint64_t m = 0;
    CHECK(raw_sigprocmask(SIG_BLOCK, NULL, &m) == 0, "read mask");
    return m;
}

static uint64_t pending(void)
{
    uint64_t p = 0;
    CHECK(syscall(SYS_rt_sigpending, &p, 8) == 0, "rt_sigpending");
    return p;
}

/* The deliveries, in order. */
static char log_buf[512];
static int log_len;
static volatile int deliveries;

static void sig_name(char *buf, size_t n, int sig)
{
    if (sig == SIGUSR1)
        snprintf(buf, n, "USR1");
    else if (sig == SIGUSR2)
        snprintf(buf, n, "USR2");
    else if (sig == SIGURG)
        snprintf(buf, n, "URG");
    else if (sig >= SIGRTMIN)
        snprintf(buf, n, "RTMIN+%d", sig - SIGRTMIN);
    else
        snprintf(buf, n, "sig%d", sig);
}

static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    char name[16];
    sig_name(name, sizeof name, sig);
    deliveries++;
    int n;
    if (si->si_code == SI_QUEUE)
        n = snprintf(log_buf + log_len, sizeof log_buf - log_len, " %s:%d", name,
                     si->si_value.sival_int);
    else
        n = snprintf(log_buf + log_len, sizeof log_buf - log_len, " %s", name);
    if (n > 0 && log_len + n < (int)sizeof log_buf)
        log_len += n;
}

static void install(int sig, uint64_t mask)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sa.sa_mask = sigset_of_bits(mask);
    CHECK(sigaction(sig, &sa, NULL) == 0, "sigaction(%d)", sig);
}

static void clear_log(void)
{
    log_len = 0;
    log_buf[0] = 0;
    deliveries = 0;
}

static void mask_ops(void)
{
    uint64_t a = BIT(SIGUSR1) | BIT(SIGHUP), b = BIT(SIGUSR2), old = 0, none = 0;
    CHECK(raw_sigprocmask(SIG_SETMASK, &a, &old) == 0 && old == 0, "SETMASK");
    CHECK(cur_mask() == a, "after SETMASK");
    CHECK(raw_sigprocmask(SIG_BLOCK, &b, &old) == 0 && old == a, "BLOCK old");
    CHECK(cur_mask() == (a | b), "after BLOCK");
    uint64_t u = BIT(SIGHUP) | BIT(SIGTERM);
    CHECK(raw_sigprocmask(SIG_UNBLOCK, &u, &old) == 0 && old == (a | b), "UNBLOCK old");
    CHECK(cur_mask() == (BIT(SIGUSR1) | BIT(SIGUSR2)), "after UNBLOCK");
    OK("SIG_SETMASK, SIG_BLOCK, SIG_UNBLOCK and the old masks");
    uint64_t all = ~0ULL;
    CHECK(raw_sigprocmask(SIG_SETMASK, &all, NULL) == 0, "SETMASK all");
    CHECK(cur_mask() == (~0ULL & ~(BIT(SIGKILL) | BIT(SIGSTOP))), "all but KILL/STOP");
    OK("blocking everything leaves SIGKILL and SIGSTOP unblocked, silently");
    CHECK(raw_sigprocmask(SIG_SETMASK, &none, NULL) == 0 && cur_mask() == 0, "clear");
    /* With no new set, `how` is not looked at. */
    CHECK(raw_sigprocmask(99, NULL, &old) == 0 && old == 0, "how 99 without a set");
    OK("rt_sigprocmask with a NULL set ignores how");
    SOFT_ERRNO("rt_sigprocmask how 99", EINVAL, raw_sigprocmask(99, &a, NULL));
    SOFT_ERRNO("rt_sigprocmask how -1", EINVAL, raw_sigprocmask(-1, &a, NULL));
    SOFT_ERRNO("rt_sigprocmask sigsetsize 4", EINVAL,
               syscall(SYS_rt_sigprocmask, SIG_BLOCK, &a, NULL, 4));
    SOFT_ERRNO("rt_sigprocmask sigsetsize 16", EINVAL,
               syscall(SYS_rt_sigprocmask, SIG_BLOCK, &a, NULL, 16));
    SOFT_ERRNO("rt_sigprocmask bad set", EFAULT, raw_sigprocmask(SIG_BLOCK, (uint64_t *)8, NULL));
    SOFT_ERRNO("rt_sigpending sigsetsize 16", EINVAL, syscall(SYS_rt_sigpending, &old, 16));
    CHECK(syscall(SYS_rt_sigpending, &old, 4) == 0, "rt_sigpending sigsetsize 4");
    OK("rt_sigpending accepts a smaller sigsetsize");
    CHECK(cur_mask() == 0, "a failed call changed the mask");
    OK("failed calls leave the mask alone");
    /* A bad oldset fails after the new mask is in place. */
    SOFT_ERRNO("rt_sigprocmask bad oldset", EFAULT, raw_sigprocmask(SIG_BLOCK, &a, (uint64_t *)8));
    CHECK(cur_mask() == a, "mask after the EFAULT: %#llx", (unsigned long long)cur_mask());
    OK("rt_sigprocmask with a bad oldset still changed the mask");
    CHECK(raw_sigprocmask(SIG_SETMASK, &none, NULL) == 0, "clear");
}

static void pending_once(void)
{
    install(SIGUSR1, 0);
    uint64_t u1 = BIT(SIGUSR1), old;
    CHECK(raw_sigprocmask(SIG_BLOCK, &u1, NULL) == 0, "block");
    clear_log();
    CHECK(raise(SIGUSR1) == 0, "raise");
    CHECK(deliveries == 0, "a blocked signal was delivered");
    CHECK(pending() == u1, "pending %#llx", (unsigned long long)pending());
    OK("a blocked SIGUSR1 is pending, not delivered");
    CHECK(raise(SIGUSR1) == 0 && raise(SIGUSR1) == 0, "raise");
    CHECK(pending() == u1 && deliveries == 0, "pending");
    CHECK(raw_sigprocmask(SIG_UNBLOCK, &u1, &old) == 0 && old == u1, "unblock");
    CHECK(deliveries == 1, "SIGUSR1 raised three times while blocked: %d deliveries",
          deliveries);
    CHECK(pending() == 0, "still pending after delivery");
    OK("three SIGUSR1 raised while blocked are delivered once, on unblocking");
    CHECK(raise(SIGUSR1) == 0 && deliveries == 2, "unblocked SIGUSR1");
    OK("unblocked again, the next SIGUSR1 is delivered at once");
}

static void queued(uint64_t handler_mask, const char *label, const char *want)
{
    int r0 = SIGRTMIN, r1 = SIGRTMIN + 1;
    uint64_t set = BIT(SIGUSR1) | BIT(SIGUSR2) | BIT(r0) | BIT(r1);
    install(SIGUSR1, handler_mask);
    install(SIGUSR2, handler_mask);
    install(r0, handler_mask);
    install(r1, handler_mask);
    CHECK(raw_sigprocmask(SIG_BLOCK, &set, NULL) == 0, "block");
    clear_log();
    for (int v = 10; v <= 12; v++)
        CHECK(sigqueue(getpid(), r1, (union sigval){.sival_int = v}) == 0, "sigqueue r1");
    CHECK(raise(SIGUSR2) == 0, "raise");
    for (int v = 1; v <= 5; v++)
        CHECK(sigqueue(getpid(), r0, (union sigval){.sival_int = v}) == 0, "sigqueue r0");
    CHECK(raise(SIGUSR1) == 0 && raise(SIGUSR1) == 0, "raise");
    CHECK(deliveries == 0, "delivered while blocked");
    CHECK(pending() == set, "pending %#llx", (unsigned long long)pending());
    CHECK(raw_sigprocmask(SIG_UNBLOCK, &set, NULL) == 0, "unblock");
    printf("ok %s: delivery order:%s\n", label, log_buf);
    CHECK(deliveries == 10, "%d deliveries, expected 10", deliveries);
    CHECK(pending() == 0, "still pending");
    CHECK(strcmp(log_buf, want) == 0, "expected order:%s", want);
}

static void ignored_while_blocked(void)
{
    uint64_t u2 = BIT(SIGUSR2), urg = BIT(SIGURG);
    CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR, "SIG_IGN");
    CHECK(raise(SIGUSR2) == 0 && pending() == 0, "unblocked ignored signal pending");
    OK("an unblocked ignored signal is discarded");
    CHECK(raw_sigprocmask(SIG_BLOCK, &u2, NULL) == 0, "block");
    CHECK(raise(SIGUSR2) == 0, "raise");
    CHECK(pending() == u2, "a blocked SIG_IGN signal is not pending");
    OK("a blocked SIG_IGN signal stays pending");
    CHECK(signal(SIGUSR2, SIG_IGN) == SIG_IGN, "SIG_IGN again");
    CHECK(pending() == 0, "setting SIG_IGN did not discard the pending signal");
    OK("setting SIG_IGN discards it");
    CHECK(raw_sigprocmask(SIG_UNBLOCK, &u2, NULL) == 0, "unblock");
    signal(SIGUSR2, SIG_DFL);

    /* SIGURG's default action is to ignore it. */
    CHECK(raw_sigprocmask(SIG_BLOCK, &urg, NULL) == 0, "block");
    CHECK(raise(SIGURG) == 0, "raise");
    CHECK(pending() == urg, "a blocked default-ignored SIGURG is not pending");
    OK("a blocked SIGURG (default: ignore) stays pending");
    CHECK(raw_sigprocmask(SIG_UNBLOCK, &urg, NULL) == 0, "unblock");
    CHECK(pending() == 0, "SIGURG still pending after unblocking");
    OK("unblocking SIGURG discards it");

    /* A handler installed while it is pending gets it on unblocking. */
    CHECK(raw_sigprocmask(SIG_BLOCK, &urg, NULL) == 0, "block");
    CHECK(raise(SIGURG) == 0, "raise");
    install(SIGURG, 0);
    clear_log();
    CHECK(raw_sigprocmask(SIG_UNBLOCK, &urg, NULL) == 0, "unblock");
    CHECK(deliveries == 1 && strcmp(log_buf, " URG") == 0, "log:%s", log_buf);
    OK("a handler installed while SIGURG is pending runs on unblocking");
    signal(SIGURG, SIG_DFL);
}

static void fork_pending(void)
{
    uint64_t u1 = BIT(SIGUSR1);
    install(SIGUSR1, 0);
    CHECK(raw_sigprocmask(SIG_BLOCK, &u1, NULL) == 0, "block");
    clear_log();
    CHECK(raise(SIGUSR1) == 0 && pending() == u1, "pending");
    pid_t pid = fork_checked();
    if (pid == 0) {
        uint64_t m = 0, p = 1;
        raw_sigprocmask(SIG_BLOCK, NULL, &m);
        syscall(SYS_rt_sigpending, &p, 8);
        if (m != u1)
            _exit(2);
        if (p != 0)
            _exit(3);
        _exit(0);
    }
    expect_exit(pid, 0, "fork child");
    OK("a forked child keeps the mask, starts with nothing pending");
    CHECK(pending() == u1, "the parent lost its pending signal");
    CHECK(raw_sigprocmask(SIG_UNBLOCK, &u1, NULL) == 0 && deliveries == 1, "delivery");
    OK("the parent's pending SIGUSR1 is still delivered");
}

int main(void)
{
    mask_ops();
    pending_once();
    uint64_t all = BIT(SIGUSR1) | BIT(SIGUSR2) | BIT(SIGRTMIN) | BIT(SIGRTMIN + 1);
    /* Lowest number first, each real-time signal's values in order. */
    queued(all, "handlers blocking each other",
           " USR1 USR2 RTMIN+0:1 RTMIN+0:2 RTMIN+0:3 RTMIN+0:4 RTMIN+0:5"
           " RTMIN+1:10 RTMIN+1:11 RTMIN+1:12");
    /* Linux sets up a frame for every deliverable signal before returning
     * to user mode, so the last one set up (the highest) runs first; a
     * signal's later instances come when its handler's sigreturn unblocks
     * it. */
    queued(0, "handlers not blocking each other",
           " RTMIN+1:10 RTMIN+1:11 RTMIN+1:12 RTMIN+0:1 RTMIN+0:2 RTMIN+0:3"
           " RTMIN+0:4 RTMIN+0:5 USR2 USR1");
    ignored_while_blocked();
    fork_pending();
    SOFT_DONE();
    return 0;
}
