/* Waiting for signals: sigsuspend (the handler runs, -1/EINTR, the mask
 * is restored), pause woken by a signal from a child, sigwaitinfo and
 * sigtimedwait taking a blocked pending signal without running its handler
 * (signo, si_code, si_pid, si_value; real-time signals lowest first),
 * waiting for a signal a child sends, EAGAIN for a zero and a 50 ms
 * timeout, EINTR when another, handled signal interrupts the wait, and the
 * EINVAL cases (bad timespec, bad sigsetsize).
 *
 * A signal that must come while we wait is sent by a child over and over
 * until we tell it to stop (by closing a pipe), so it does not matter
 * whether the first one arrives before or during the wait. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"
#include "proc.h"
#include "sig.h"
#include "soft.h"

static int kwaitinfo(const sigset_t *set, siginfo_t *si)
{
    return ktimedwait(set, si, NULL);
}

static volatile int handled_sig, handled_count;

static void handler(int sig)
{
    handled_sig = sig;
    handled_count++;
}

static void set_mask(sigset_t s)
{
    CHECK(sigprocmask(SIG_SETMASK, &s, NULL) == 0, "sigprocmask");
}

static int blocked(int sig)
{
    sigset_t cur;
    CHECK(sigprocmask(SIG_BLOCK, NULL, &cur) == 0, "sigprocmask");
    return sigismember(&cur, sig);
}

static void suspend(void)
{
    set_handler(SIGUSR1, handler, 0);
    set_mask(sigset_of(SIGUSR1));
    handled_count = 0;
    CHECK(raise(SIGUSR1) == 0, "raise");
    CHECK(handled_count == 0, "delivered while blocked");
    sigset_t none = sigset_of(0);
    errno = 0;
    int r = sigsuspend(&none);
    CHECK(r == -1 && errno == EINTR, "sigsuspend returned %d", r);
    CHECK(handled_count == 1 && handled_sig == SIGUSR1, "handler ran %d times", handled_count);
    CHECK(blocked(SIGUSR1), "the mask was not restored after sigsuspend");
    OK("sigsuspend with SIGUSR1 pending: handler ran, -1/EINTR, SIGUSR1 blocked again");

    /* A signal the sigsuspend mask blocks does not end it; one from a
     * child that it does not block does. */
    set_handler(SIGUSR2, handler, 0);
    set_mask(sigset_of(SIGUSR1));
    handled_count = 0;
    struct nagger n = start_nagger(SIGUSR1);
    sigset_t wait_mask = sigset_of(SIGUSR2);
    errno = 0;
    r = sigsuspend(&wait_mask);
    CHECK(r == -1 && errno == EINTR, "sigsuspend returned %d", r);
    CHECK(handled_count >= 1 && handled_sig == SIGUSR1, "handler for SIGUSR1 did not run");
    stop_nagger(n);
    CHECK(blocked(SIGUSR1) && !blocked(SIGUSR2), "mask not restored");
    OK("sigsuspend woken by SIGUSR1 from a child: EINTR, mask restored");
    /* The nagger's last signals may still be pending (blocked). */
    set_mask(sigset_of(0));
    SOFT_ERRNO("rt_sigsuspend sigsetsize 16", EINVAL,
               syscall(SYS_rt_sigsuspend, &none, 16));
}

static void do_pause(void)
{
    set_handler(SIGUSR1, handler, 0);
    handled_count = 0;
    struct nagger n = start_nagger(SIGUSR1);
    errno = 0;
    int r = pause();
    CHECK(r == -1 && errno == EINTR, "pause returned %d", r);
    CHECK(handled_count >= 1, "the handler did not run");
    stop_nagger(n);
    OK("pause woken by SIGUSR1 from a child: -1/EINTR after the handler");
}

static void waitinfo(void)
{
    set_handler(SIGUSR2, handler, 0);
    set_mask(sigset_of(SIGUSR2));
    handled_count = 0;
    CHECK(raise(SIGUSR2) == 0, "raise");
    sigset_t w = sigset_of(SIGUSR2);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    int r = kwaitinfo(&w, &si);
    CHECK(r == SIGUSR2, "sigwaitinfo returned %d", r);
    CHECK(si.si_signo == SIGUSR2 && si.si_code == SI_TKILL, "si_signo %d si_code %d",
          si.si_signo, si.si_code);
    CHECK(si.si_pid == getpid() && si.si_uid == getuid(), "si_pid/si_uid");
    CHECK(handled_count == 0, "the handler ran");
    CHECK(!is_pending(SIGUSR2), "still pending");
    OK("sigwaitinfo takes a pending SIGUSR2: SI_TKILL, our pid and uid, no handler");

    CHECK(kill(getpid(), SIGUSR2) == 0, "kill");
    struct timespec ts = {1, 0};
    memset(&si, 0, sizeof si);
    r = ktimedwait(&w, &si, &ts);
    CHECK(r == SIGUSR2 && si.si_code == SI_USER && si.si_pid == getpid(),
          "sigtimedwait returned %d code %d", r, si.si_code);
    CHECK(!is_pending(SIGUSR2) && handled_count == 0, "consumed");
    OK("sigtimedwait takes a pending SIGUSR2 from kill: SI_USER");

    /* Real-time signals with values, lowest number first. */
    int r0 = SIGRTMIN, r1 = SIGRTMIN + 3;
    sigset_t rt = sigset_of(r0);
    sigaddset(&rt, r1);
    set_mask(rt);
    CHECK(sigqueue(getpid(), r1, (union sigval){.sival_int = 31}) == 0, "sigqueue");
    CHECK(sigqueue(getpid(), r0, (union sigval){.sival_int = 7}) == 0, "sigqueue");
    CHECK(sigqueue(getpid(), r0, (union sigval){.sival_int = 8}) == 0, "sigqueue");
    int got[3], vals[3];
    for (int i = 0; i < 3; i++) {
        memset(&si, 0, sizeof si);
        got[i] = sigwaitinfo(&rt, &si); /* the libc wrapper, for once */
        CHECK(got[i] > 0 && si.si_code == SI_QUEUE, "sigwaitinfo %d", got[i]);
        vals[i] = si.si_value.sival_int;
    }
    printf("ok sigwaitinfo on real-time signals: RTMIN+%d:%d RTMIN+%d:%d RTMIN+%d:%d\n",
           got[0] - r0, vals[0], got[1] - r0, vals[1], got[2] - r0, vals[2]);
    CHECK(got[0] == r0 && vals[0] == 7 && got[1] == r0 && vals[1] == 8 && got[2] == r1 &&
              vals[2] == 31,
          "order");

    /* Waiting for a signal that a child sends. */
    set_mask(sigset_of(SIGUSR1));
    pid_t parent = getpid();
    pid_t pid = fork_checked();
    if (pid == 0) {
        if (sigqueue(parent, SIGUSR1, (union sigval){.sival_int = 99}) != 0)
            _exit(2);
        _exit(0);
    }
    w = sigset_of(SIGUSR1);
    memset(&si, 0, sizeof si);
    r = kwaitinfo(&w, &si);
    CHECK(r == SIGUSR1 && si.si_code == SI_QUEUE && si.si_value.sival_int == 99,
          "sigwaitinfo for the child's signal: %d", r);
    CHECK(si.si_pid == pid, "si_pid is not the child's pid");
    expect_exit(pid, 0, "sender");
    OK("sigwaitinfo for SIGUSR1 sent by a child: SI_QUEUE, value 99, si_pid is the child");
    set_mask(sigset_of(0));
}

static void timeouts(void)
{
    sigset_t w = sigset_of(SIGUSR2);
    set_mask(w);
    struct timespec zero = {0, 0};
    SOFT_ERRNO("sigtimedwait zero timeout, nothing pending", EAGAIN,
               ktimedwait(&w, NULL, &zero));
    struct timespec ms50 = {0, 50 * 1000000L};
    long t0 = now_ms();
    SOFT_ERRNO("sigtimedwait 50 ms, nothing pending", EAGAIN, ktimedwait(&w, NULL, &ms50));
    long took = now_ms() - t0;
    CHECK(took >= 45, "the 50 ms sigtimedwait returned early");
    OK("the 50 ms sigtimedwait waited at least 45 ms");

    struct timespec bad = {0, 1000000000L};
    SOFT_ERRNO("sigtimedwait tv_nsec 1e9", EINVAL, ktimedwait(&w, NULL, &bad));
    bad.tv_nsec = -1;
    SOFT_ERRNO("sigtimedwait tv_nsec -1", EINVAL, ktimedwait(&w, NULL, &bad));
    bad.tv_sec = -1;
    bad.tv_nsec = 0;
    SOFT_ERRNO("sigtimedwait tv_sec -1", EINVAL, ktimedwait(&w, NULL, &bad));
    SOFT_ERRNO("rt_sigtimedwait sigsetsize 16", EINVAL,
               syscall(SYS_rt_sigtimedwait, &w, NULL, &zero, 16));
    /* A pending signal is taken even with a zero timeout. */
    CHECK(raise(SIGUSR2) == 0, "raise");
    CHECK(ktimedwait(&w, NULL, &zero) == SIGUSR2, "zero timeout with SIGUSR2 pending");
    OK("sigtimedwait with a zero timeout takes a pending signal");

    /* Another, handled signal interrupts the wait. */
    set_handler(SIGUSR1, handler, 0);
    handled_count = 0;
    struct nagger n = start_nagger(SIGUSR1);
    struct timespec long_wait = {10, 0};
    errno = 0;
    int r = ktimedwait(&w, NULL, &long_wait);
    int e = errno;
    stop_nagger(n);
    CHECK(r == -1 && e == EINTR, "sigtimedwait interrupted: %d %s", r, errname(e));
    CHECK(handled_count >= 1, "the SIGUSR1 handler did not run");
    OK("sigtimedwait interrupted by a handled SIGUSR1: EINTR");
    set_mask(sigset_of(0));
}

/* A signal whose default is to be ignored (SIGCHLD), blocked and waited
 * for, is taken when it comes during the wait: sigtimedwait unblocks it
 * meanwhile, and Linux counts it blocked still (real_blocked). */
static void ignored_by_default(void)
{
    sigset_t w = sigset_of(SIGCHLD);
    set_mask(w);
    set_handler(SIGCHLD, SIG_DFL, 0);
    pid_t pid = fork_checked();
    if (pid == 0) {
        struct timespec nap = {0, 100 * 1000000L};
        nanosleep(&nap, NULL);
        _exit(0);
    }
    siginfo_t si;
    struct timespec wait = {5, 0};
    int r = ktimedwait(&w, &si, &wait);
    CHECK(r == SIGCHLD, "SIGCHLD that came during the wait: %d (%s)", r, errname(errno));
    CHECK(si.si_pid == pid && si.si_code == CLD_EXITED, "its siginfo");
    CHECK(waitpid(pid, NULL, 0) == pid, "waitpid");
    OK("sigtimedwait takes a default-ignored SIGCHLD that comes while it waits");
    set_mask(sigset_of(0));
}

int main(void)
{
    suspend();
    do_pause();
    waitinfo();
    timeouts();
    ignored_by_default();
    SOFT_DONE();
    return 0;
}
