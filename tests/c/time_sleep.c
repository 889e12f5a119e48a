/* Sleeps on every clock that allows them, relative and absolute, and
 * Linux's errors. Prints no time, only "not early" comparisons. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static long long now(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static struct timespec ts(long long ns)
{
    struct timespec t = {ns / 1000000000LL, ns % 1000000000LL};
    return t;
}

static volatile sig_atomic_t got;

static void on_usr1(int s)
{
    (void)s;
    got++;
}

/* Forks a child that sends `first` to us after `ms`, then, if `second`,
 * sends it `ms` later; returns its pid. */
static pid_t signal_later(long ms, int first, int second)
{
    pid_t parent = getpid(), pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        sleep_ms(ms);
        kill(parent, first);
        if (second) {
            sleep_ms(ms);
            kill(parent, second);
        }
        _exit(0);
    }
    return pid;
}

static void reap(pid_t pid)
{
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st), "reap the signalling child");
}

/* Sleeps interrupted by a handled signal end with EINTR and the time left;
 * a stop and continue (no handler runs) resumes them to the end. */
static void interrupted(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction");

    struct timespec req = ts(2000000000LL), rem = {0, 0};
    pid_t pid = signal_later(100, SIGUSR1, 0);
    long t0 = now_ms();
    errno = 0;
    CHECK(nanosleep(&req, &rem) == -1 && errno == EINTR, "nanosleep interrupted by a handler");
    CHECK(got == 1, "the handler ran");
    long long left = (long long)rem.tv_sec * 1000000000LL + rem.tv_nsec;
    long slept = now_ms() - t0;
    CHECK(left > 0 && left <= 2000000000LL - 50000000LL, "rem after an interruption");
    CHECK(left >= 2000000000LL - (slept + 20) * 1000000LL, "rem too small for the time slept");
    reap(pid);
    OK("nanosleep interrupted by a handler: EINTR and the time left");

    sa.sa_flags = SA_RESTART;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction SA_RESTART");
    pid = signal_later(100, SIGUSR1, 0);
    int e = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem);
    CHECK(e == EINTR, "clock_nanosleep with SA_RESTART returned %s", errname(e));
    reap(pid);
    long long target = now(CLOCK_MONOTONIC) + 2000000000LL;
    struct timespec abs = ts(target);
    pid = signal_later(100, SIGUSR1, 0);
    e = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
    CHECK(e == EINTR, "absolute clock_nanosleep interrupted returned %s", errname(e));
    reap(pid);
    OK("sleeps are never restarted after a handler, even with SA_RESTART");

    /* Stopped and continued: no handler runs, the sleep goes on. */
    req = ts(400000000LL);
    pid = signal_later(100, SIGSTOP, SIGCONT);
    t0 = now_ms();
    CHECK(nanosleep(&req, NULL) == 0, "nanosleep across a stop and continue");
    CHECK(now_ms() - t0 >= 399, "a resumed nanosleep returned early");
    reap(pid);
    target = now(CLOCK_MONOTONIC) + 400000000LL;
    abs = ts(target);
    pid = signal_later(100, SIGSTOP, SIGCONT);
    e = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
    CHECK(e == 0 && now(CLOCK_MONOTONIC) >= target, "absolute clock_nanosleep across a stop and continue");
    reap(pid);
    OK("sleeps resume to their end after a stop and continue");
}

int main(void)
{
    static const struct { clockid_t id; const char *name; } clocks[] = {
        {CLOCK_REALTIME, "REALTIME"}, {CLOCK_MONOTONIC, "MONOTONIC"},
        {CLOCK_BOOTTIME, "BOOTTIME"}, {CLOCK_TAI, "TAI"},
    };
    for (unsigned i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
        clockid_t c = clocks[i].id;
        struct timespec req = ts(15000000), rem = {-1, -1};
        long long start = now(c);
        int e = clock_nanosleep(c, 0, &req, &rem);
        CHECK(e == 0, "%s relative: %s", clocks[i].name, errname(e));
        CHECK(now(c) - start >= 15000000, "%s relative sleep returned early", clocks[i].name);
        CHECK(rem.tv_sec == -1, "rem written by an uninterrupted sleep");
        long long target = now(c) + 15000000;
        struct timespec abs = ts(target);
        e = clock_nanosleep(c, TIMER_ABSTIME, &abs, NULL);
        CHECK(e == 0, "%s absolute: %s", clocks[i].name, errname(e));
        CHECK(now(c) >= target, "%s absolute sleep returned early", clocks[i].name);
        struct timespec past = ts(1);
        CHECK(clock_nanosleep(c, TIMER_ABSTIME, &past, NULL) == 0, "%s absolute past", clocks[i].name);
        struct timespec zero = ts(0);
        CHECK(clock_nanosleep(c, 0, &zero, NULL) == 0, "%s zero", clocks[i].name);
        OK("clock_nanosleep %s: relative, absolute, past, zero", clocks[i].name);
    }
    struct timespec req = ts(1000000);
    static const struct { clockid_t id; const char *name; int err; } bad[] = {
        {CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW", EOPNOTSUPP},
        {CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE", EOPNOTSUPP},
        {CLOCK_REALTIME_COARSE, "REALTIME_COARSE", EOPNOTSUPP},
        {CLOCK_THREAD_CPUTIME_ID, "THREAD_CPUTIME_ID", EINVAL},
        {99, "clock 99", EINVAL},
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int e = clock_nanosleep(bad[i].id, 0, &req, NULL);
        CHECK(e == bad[i].err, "clock_nanosleep %s returned %s", bad[i].name, errname(e));
        OK("clock_nanosleep %s: %s", bad[i].name, errname(bad[i].err));
    }
    struct timespec badns = {0, 1000000000};
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &badns, NULL) == EINVAL, "absolute bad tv_nsec");
    OK("clock_nanosleep absolute tv_nsec=1e9: EINVAL");
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, (void *)8, NULL) == EFAULT, "bad req");
    OK("clock_nanosleep bad req: EFAULT");
    EXPECT_ERRNO("nanosleep bad req", EFAULT, syscall(SYS_nanosleep, (void *)8, NULL));
    long t0 = now_ms();
    CHECK(syscall(SYS_nanosleep, &req, (void *)8) == 0, "nanosleep with a bad rem never interrupted");
    CHECK(now_ms() - t0 >= 1, "nanosleep 1 ms returned early");
    OK("an uninterrupted nanosleep never writes rem");
    interrupted();
    return 0;
}
