/* POSIX timers through the raw system calls: signals with their siginfo,
 * overruns while the signal was blocked, SIGEV_NONE, SIGEV_THREAD_ID, a
 * CPU-time timer, and Linux's errors. Prints no time. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

struct ksigevent {
    uint64_t value;
    int signo, notify, tid, pad[11];
};

static volatile sig_atomic_t hits, overrun, code, value;
static int current_id;

static void on_usr1(int s, siginfo_t *si, void *uc)
{
    (void)s;
    (void)uc;
    if (!hits)
        overrun = syscall(SYS_timer_getoverrun, current_id);
    hits++;
    code = si->si_code;
    value = si->si_value.sival_int;
}

static int create(clockid_t c, int notify, int signo, int tid, int val)
{
    struct ksigevent ev = {(uint64_t)val, signo, notify, tid, {0}};
    int id = -1;
    CHECK(syscall(SYS_timer_create, c, &ev, &id) == 0, "timer_create clock %d notify %d", (int)c, notify);
    return id;
}

static long settime(int id, int flags, long value_ns, long interval_ns, struct itimerspec *old)
{
    struct itimerspec s = {{interval_ns / 1000000000L, interval_ns % 1000000000L},
                           {value_ns / 1000000000L, value_ns % 1000000000L}};
    return syscall(SYS_timer_settime, id, flags, &s, old);
}

static long long left_ns(int id)
{
    struct itimerspec cur;
    CHECK(syscall(SYS_timer_gettime, id, &cur) == 0, "timer_gettime");
    return (long long)cur.it_value.tv_sec * 1000000000LL + cur.it_value.tv_nsec;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);

    /* One-shot on MONOTONIC: one SIGUSR1, SI_TIMER, with our value. */
    int id = create(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGUSR1, 0, 1234);
    current_id = id;
    CHECK(left_ns(id) == 0, "a new timer is disarmed");
    long t0 = now_ms();
    CHECK(settime(id, 0, 50000000L, 0, NULL) == 0, "timer_settime");
    CHECK(left_ns(id) > 0 && left_ns(id) <= 50000000LL, "timer_gettime while armed");
    while (!hits && now_ms() - t0 < 5000)
        pause();
    CHECK(hits == 1 && now_ms() - t0 >= 49, "the timer's signal came, not early");
    CHECK(code == SI_TIMER && value == 1234, "si_code SI_TIMER and si_value");
    CHECK(overrun == 0, "no overrun for a one-shot");
    CHECK(left_ns(id) == 0, "an expired one-shot is disarmed");
    OK("one-shot timer: SIGUSR1 with SI_TIMER and its value");

    /* Periodic, with the signal blocked for a while: one signal, and the
     * expirations missed meanwhile as its overrun count. */
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    hits = 0;
    CHECK(settime(id, 0, 20000000L, 20000000L, NULL) == 0, "timer_settime periodic");
    sleep_ms(200);
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
    CHECK(hits == 1, "one signal for many expirations while blocked");
    CHECK(overrun >= 4 && overrun <= 15, "overrun count after being blocked 200 ms (%s)", overrun < 4 ? "too few" : "too many");
    struct itimerspec old;
    CHECK(settime(id, 0, 0, 0, &old) == 0 && old.it_interval.tv_nsec == 20000000L, "disarm; old interval");
    OK("periodic timer: overruns counted while its signal was blocked");
    CHECK(syscall(SYS_timer_delete, id) == 0, "timer_delete");
    EXPECT_ERRNO("timer_gettime of a deleted timer", EINVAL, syscall(SYS_timer_gettime, id, &old));

    /* SIGEV_NONE: no signal, readable with timer_gettime. */
    hits = 0;
    id = create(CLOCK_REALTIME, SIGEV_NONE, 0, 0, 0);
    CHECK(settime(id, 0, 30000000L, 0, NULL) == 0, "settime SIGEV_NONE");
    long long a = left_ns(id);
    sleep_ms(10);
    CHECK(left_ns(id) < a, "a SIGEV_NONE timer counts down");
    sleep_ms(40);
    CHECK(left_ns(id) == 0 && hits == 0, "a SIGEV_NONE timer expires silently");
    CHECK(syscall(SYS_timer_getoverrun, id) == 0, "getoverrun of SIGEV_NONE");
    syscall(SYS_timer_delete, id);
    OK("SIGEV_NONE");

    /* SIGEV_THREAD_ID to this thread, absolute on BOOTTIME. */
    hits = 0;
    id = create(CLOCK_BOOTTIME, SIGEV_THREAD_ID, SIGUSR1, (int)syscall(SYS_gettid), 7);
    current_id = id;
    struct timespec now;
    clock_gettime(CLOCK_BOOTTIME, &now);
    long long at = (long long)now.tv_sec * 1000000000LL + now.tv_nsec + 30000000LL;
    CHECK(settime(id, TIMER_ABSTIME, 0, 0, NULL) == 0, "disarmed settime");
    struct itimerspec s = {{0, 0}, {at / 1000000000LL, at % 1000000000LL}};
    CHECK(syscall(SYS_timer_settime, id, TIMER_ABSTIME, &s, NULL) == 0, "settime ABSTIME");
    t0 = now_ms();
    while (!hits && now_ms() - t0 < 5000)
        pause();
    CHECK(hits == 1 && value == 7, "SIGEV_THREAD_ID signal");
    syscall(SYS_timer_delete, id);
    OK("SIGEV_THREAD_ID, TIMER_ABSTIME on BOOTTIME");

    /* A timer on the process CPU clock fires after CPU time, not wall time. */
    hits = 0;
    id = create(CLOCK_PROCESS_CPUTIME_ID, SIGEV_SIGNAL, SIGUSR1, 0, 9);
    current_id = id;
    CHECK(settime(id, 0, 100000000L, 0, NULL) == 0, "settime CPU");
    sleep_ms(200);
    CHECK(hits == 0, "a CPU-time timer fired while the process slept");
    volatile unsigned long x = 0;
    struct timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    do {
        for (int i = 0; i < 100000; i++)
            x += i;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    } while (!hits && c1.tv_sec - c0.tv_sec < 3);
    CHECK(hits == 1 && value == 9, "the CPU-time timer fired");
    syscall(SYS_timer_delete, id);
    OK("a timer on CLOCK_PROCESS_CPUTIME_ID");

    /* Errors. */
    struct ksigevent ev = {0, SIGUSR1, SIGEV_SIGNAL, 0, {0}};
    int kid;
    EXPECT_ERRNO("timer_create clock 99", EINVAL, syscall(SYS_timer_create, 99, &ev, &kid));
    EXPECT_ERRNO("timer_create MONOTONIC_RAW", EOPNOTSUPP, syscall(SYS_timer_create, CLOCK_MONOTONIC_RAW, &ev, &kid));
    ev.notify = 3;
    EXPECT_ERRNO("timer_create bad sigev_notify", EINVAL, syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &kid));
    ev.notify = SIGEV_SIGNAL;
    ev.signo = 0;
    EXPECT_ERRNO("timer_create signal 0", EINVAL, syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &kid));
    ev.signo = 65;
    EXPECT_ERRNO("timer_create signal 65", EINVAL, syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &kid));
    ev.signo = SIGUSR1;
    ev.notify = SIGEV_THREAD_ID;
    ev.tid = 999999;
    EXPECT_ERRNO("timer_create SIGEV_THREAD_ID of no thread", EINVAL, syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &kid));
    EXPECT_ERRNO("timer_create bad sevp", EFAULT, syscall(SYS_timer_create, CLOCK_MONOTONIC, (void *)8, &kid));
    EXPECT_ERRNO("timer_create bad timerid", EFAULT, syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, (void *)8));
    CHECK(syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &kid) == 0, "timer_create NULL sevp");
    struct itimerspec bad = {{0, 0}, {0, 1000000000L}};
    EXPECT_ERRNO("timer_settime bad tv_nsec", EINVAL, syscall(SYS_timer_settime, kid, 0, &bad, NULL));
    EXPECT_ERRNO("timer_settime bad pointer", EFAULT, syscall(SYS_timer_settime, kid, 0, (void *)8, NULL));
    EXPECT_ERRNO("timer_gettime bad pointer", EFAULT, syscall(SYS_timer_gettime, kid, (void *)8));
    CHECK(syscall(SYS_timer_delete, kid) == 0, "timer_delete");
    EXPECT_ERRNO("timer_delete twice", EINVAL, syscall(SYS_timer_delete, kid));
    EXPECT_ERRNO("timer_settime no such timer", EINVAL, syscall(SYS_timer_settime, 12345, 0, &s, NULL));
    EXPECT_ERRNO("timer_getoverrun no such timer", EINVAL, syscall(SYS_timer_getoverrun, 12345));
    EXPECT_ERRNO("timer_delete no such timer", EINVAL, syscall(SYS_timer_delete, -1));
    return 0;
}
