/* Sleeps on every clock that allows them, relative and absolute, and
 * Linux's errors. Prints no time, only "not early" comparisons. */
#define _GNU_SOURCE
#include <sys/syscall.h>
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
    return 0;
}
