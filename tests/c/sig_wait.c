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
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"
#include "proc.h"
#include "soft.h"

/* rt_sigtimedwait itself: glibc's sigtimedwait reports SI_TKILL as
 * SI_USER, and musl's retries after EINTR. */
static int ktimedwait(const sigset_t *set, siginfo_t *si, const struct timespec *ts)
{
    return (int)syscall(SYS_rt_sigtimedwait, set, si, ts, 8);
}

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

static void install(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(sig, &sa, NULL) == 0, "sigaction");
}

static sigset_t just(int sig)
{
    sigset_t s;
    sigemptyset(&s);
    if (sig)
        sigaddset(&s, sig);
    return s;
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

static int is_pending(int sig)
{
    sigset_t p;
    CHECK(sigpending(&p) == 0, "sigpending");
    return sigismember(&p, sig);
}

/* A child that sends `sig` to us every few milliseconds until *stop_fd is
 * closed; returns its pid. */
static pid_t start_nagger(int sig, int *stop_fd)
{
    int fds[2];
    CHECK(pipe(fds) == 0, "pipe");
    pid_t parent = getpid();
    pid_t pid = fork_checked();
    if (pid == 0) {
        close(fds[1]);
        for (;;) {
            if (kill(parent, sig) != 0)
                _exit(2);
            struct pollfd p = {.fd = fds[0], .events = POLLIN};
            if (poll(&p, 1, 5) > 0)
                _exit(0);
        }
    }
    close(fds[0]);
    *stop_fd = fds[1];
    return pid;
}

static void stop_nagger(pid_t pid, int stop_fd)
{
    close(stop_fd);
    expect_exit(pid, 0, "signal sender");
}

static void suspend(void)
{
    install(SIGUSR1);
    set_mask(just(SIGUSR1));
    handled_count = 0;
    CHECK(raise(SIGUSR1) == 0, "raise");
    CHECK(handled_count == 0, "delivered while blocked");
    sigset_t none = just(0);
    errno = 0;
    int r = sigsuspend(&none);
    CHECK(r == -1 && errno == EINTR, "sigsuspend returned %d", r);
    CHECK(handled_count == 1 && handled_sig == SIGUSR1, "handler ran %d times", handled_count);
    CHECK(blocked(SIGUSR1), "the mask was not restored after sigsuspend");
    OK("sigsuspend with SIGUSR1 pending: handler ran, -1/EINTR, SIGUSR1 blocked again");

    /* A signal the sigsuspend mask blocks does not end it; one from a
     * child that it does not block does. */
    install(SIGUSR2);
    set_mask(just(SIGUSR1));
    handled_count = 0;
    int stop;
    pid_t pid = start_nagger(SIGUSR1, &stop);
    sigset_t wait_mask = just(SIGUSR2);
    errno = 0;
    r = sigsuspend(&wait_mask);
    CHECK(r == -1 && errno == EINTR, "sigsuspend returned %d", r);
    CHECK(handled_count >= 1 && handled_sig == SIGUSR1, "handler for SIGUSR1 did not run");
    stop_nagger(pid, stop);
    CHECK(blocked(SIGUSR1) && !blocked(SIGUSR2), "mask not restored");
    OK("sigsuspend woken by SIGUSR1 from a child: EINTR, mask restored");
    /* The nagger's last signals may still be pending (blocked). */
    set_mask(just(0));
    SOFT_ERRNO("rt_sigsuspend sigsetsize 16", EINVAL,
               syscall(SYS_rt_sigsuspend, &none, 16));
}

static void do_pause(void)
{
    install(SIGUSR1);
    handled_count = 0;
    int stop;
    pid_t pid = start_nagger(SIGUSR1, &stop);
    errno = 0;
    int r = pause();
    CHECK(r == -1 && errno == EINTR, "pause returned %d", r);
    CHECK(handled_count >= 1, "the handler did not run");
    stop_nagger(pid, stop);
    OK("pause woken by SIGUSR1 from a child: -1/EINTR after the handler");
}

static void waitinfo(void)
{
    install(SIGUSR2);
    set_mask(just(SIGUSR2));
    handled_count = 0;
    CHECK(raise(SIGUSR2) == 0, "raise");
    sigset_t w = just(SIGUSR2);
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
    sigset_t rt = just(r0);
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
    set_mask(just(SIGUSR1));
    pid_t parent = getpid();
    pid_t pid = fork_checked();
    if (pid == 0) {
        if (sigqueue(parent, SIGUSR1, (union sigval){.sival_int = 99}) != 0)
            _exit(2);
        _exit(0);
    }
    w = just(SIGUSR1);
    memset(&si, 0, sizeof si);
    r = kwaitinfo(&w, &si);
    CHECK(r == SIGUSR1 && si.si_code == SI_QUEUE && si.si_value.sival_int == 99,
          "sigwaitinfo for the child's signal: %d", r);
    CHECK(si.si_pid == pid, "si_pid is not the child's pid");
    expect_exit(pid, 0, "sender");
    OK("sigwaitinfo for SIGUSR1 sent by a child: SI_QUEUE, value 99, si_pid is the child");
    set_mask(just(0));
}

static void timeouts(void)
{
    sigset_t w = just(SIGUSR2);
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
    install(SIGUSR1);
    handled_count = 0;
    int stop;
    pid_t pid = start_nagger(SIGUSR1, &stop);
    struct timespec long_wait = {10, 0};
    errno = 0;
    int r = ktimedwait(&w, NULL, &long_wait);
    int e = errno;
    stop_nagger(pid, stop);
    CHECK(r == -1 && e == EINTR, "sigtimedwait interrupted: %d %s", r, errname(e));
    CHECK(handled_count >= 1, "the SIGUSR1 handler did not run");
    OK("sigtimedwait interrupted by a handled SIGUSR1: EINTR");
    set_mask(just(0));
}

int main(void)
{
    suspend();
    do_pause();
    waitinfo();
    timeouts();
    SOFT_DONE();
    return 0;
}
