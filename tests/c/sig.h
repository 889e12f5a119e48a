/* Signal helpers shared by the sig_*.c test programs (with check.h and
 * proc.h): installing handlers, one-signal sets, the raw kernel calls
 * (struct ksigaction, rt_sigaction, rt_sigprocmask, rt_sigtimedwait), and
 * children that send signals or wait to be released. */
#ifndef SBX_SIG_H
#define SBX_SIG_H

#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"
#include "proc.h"

/* A signal's bit in a 64-bit kernel sigset. */
#define BIT(sig) (1ULL << ((sig) - 1))

/* The kernel's struct sigaction on x86_64. */
struct ksigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

static inline long raw_sigaction(int sig, const struct ksigaction *act, struct ksigaction *old,
                                 size_t size)
{
    return syscall(SYS_rt_sigaction, sig, act, old, size);
}

static inline long raw_sigprocmask(int how, const uint64_t *set, uint64_t *old)
{
    return syscall(SYS_rt_sigprocmask, how, set, old, 8);
}

/* rt_sigtimedwait itself: glibc's sigtimedwait reports SI_TKILL as
 * SI_USER, and musl's retries after EINTR. */
static inline int ktimedwait(const sigset_t *set, siginfo_t *si, const struct timespec *ts)
{
    return (int)syscall(SYS_rt_sigtimedwait, set, si, ts, 8);
}

/* The set of just `sig` (empty for 0). */
static inline sigset_t sigset_of(int sig)
{
    sigset_t s;
    sigemptyset(&s);
    if (sig)
        sigaddset(&s, sig);
    return s;
}

/* The set of the signals whose BIT()s are in `bits`. */
static inline sigset_t sigset_of_bits(uint64_t bits)
{
    sigset_t s;
    sigemptyset(&s);
    for (int i = 1; i <= 64; i++)
        if (bits & BIT(i))
            sigaddset(&s, i);
    return s;
}

/* Whether `sig` is pending (for the process or the calling thread). */
static inline int is_pending(int sig)
{
    sigset_t p;
    CHECK(sigpending(&p) == 0, "sigpending");
    return sigismember(&p, sig);
}

/* Takes every pending `sig` (blocked) without running a handler. */
static inline void drain_signal(int sig)
{
    sigset_t s = sigset_of(sig);
    struct timespec zero = {0, 0};
    while (ktimedwait(&s, NULL, &zero) > 0) {
    }
}

/* Installs `h` (or SIG_DFL / SIG_IGN) for `sig` with `flags` and an empty
 * sa_mask. */
static inline void set_handler(int sig, void (*h)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(sig, &sa, NULL) == 0, "sigaction(%d)", sig);
}

/* The same for an SA_SIGINFO handler (SA_SIGINFO is added to `flags`). */
static inline void set_sigaction(int sig, void (*h)(int, siginfo_t *, void *), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(sig, &sa, NULL) == 0, "sigaction(%d)", sig);
}

/* Reaps `pid` and checks that signal `sig` killed it. */
static inline void expect_killed(pid_t pid, int sig, const char *what)
{
    int st = -1;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid(%s)", what);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == sig, "%s: status %#x, expected signal %d", what, st,
          sig);
}

/* Forks a child that waits until *release (the write end of a pipe) is
 * closed, then exits with `code`. */
static inline pid_t fork_held(int code, int *release)
{
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    pid_t pid = fork_checked();
    if (pid == 0) {
        char c;
        close(p[1]);
        (void)!read(p[0], &c, 1);
        _exit(code);
    }
    close(p[0]);
    *release = p[1];
    return pid;
}

/* A child that sends `sig` to us every few milliseconds until stop_nagger:
 * for a call that can only end by EINTR, whether the first signal comes
 * before or during it, one comes during it. */
struct nagger {
    pid_t pid;
    int stop_fd; /* closing it stops the child */
};

static inline struct nagger start_nagger(int sig)
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
    return (struct nagger){pid, fds[1]};
}

static inline void stop_nagger(struct nagger n)
{
    close(n.stop_fd);
    /* Its last signal may still come, and interrupt the wait for it. */
    int st = 0;
    pid_t r;
    while ((r = waitpid(n.pid, &st, 0)) < 0 && errno == EINTR)
        ;
    CHECK(r == n.pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "nagger: status %#x", st);
}

#endif
