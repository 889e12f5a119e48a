/* Clocks and sleeps. */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static long long ns(const struct timespec *t)
{
    return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

static long long now(clockid_t c)
{
    struct timespec t;
    CHECK(clock_gettime(c, &t) == 0, "clock_gettime(%d)", (int)c);
    return ns(&t);
}

#define SLEEP_NS 20000000LL /* 20 ms */

int main(void)
{
    struct timespec t;
    CHECK(clock_gettime(CLOCK_REALTIME, &t) == 0, "CLOCK_REALTIME");
    CHECK(t.tv_sec > 1500000000 && t.tv_nsec >= 0 && t.tv_nsec < 1000000000,
          "CLOCK_REALTIME implausible");
    OK("clock_gettime REALTIME");
    CHECK(clock_gettime(CLOCK_MONOTONIC, &t) == 0, "CLOCK_MONOTONIC");
    CHECK(t.tv_nsec >= 0 && t.tv_nsec < 1000000000, "CLOCK_MONOTONIC tv_nsec out of range");
    OK("clock_gettime MONOTONIC");
    CHECK(clock_gettime(CLOCK_BOOTTIME, &t) == 0, "CLOCK_BOOTTIME");
    OK("clock_gettime BOOTTIME");
    long long mono = now(CLOCK_MONOTONIC);
    long long boot = now(CLOCK_BOOTTIME);
    CHECK(boot >= mono, "BOOTTIME is behind MONOTONIC");
    OK("BOOTTIME >= MONOTONIC");

    long long prev = now(CLOCK_MONOTONIC);
    for (int i = 0; i < 1000; i++) {
        long long cur = now(CLOCK_MONOTONIC);
        CHECK(cur >= prev, "MONOTONIC went back by %lld ns at read %d", prev - cur, i);
        prev = cur;
    }
    OK("MONOTONIC non-decreasing over 1000 reads");

    struct timespec req = {0, SLEEP_NS};
    long long start = now(CLOCK_MONOTONIC);
    CHECK(nanosleep(&req, NULL) == 0, "nanosleep");
    CHECK(now(CLOCK_MONOTONIC) - start >= SLEEP_NS, "nanosleep returned early");
    OK("nanosleep 20 ms");

    start = now(CLOCK_MONOTONIC);
    int e = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL);
    CHECK(e == 0, "clock_nanosleep relative returned %s", errname(e));
    CHECK(now(CLOCK_MONOTONIC) - start >= SLEEP_NS, "clock_nanosleep relative returned early");
    OK("clock_nanosleep relative 20 ms");

    long long target = now(CLOCK_MONOTONIC) + SLEEP_NS;
    struct timespec abs = {target / 1000000000LL, target % 1000000000LL};
    e = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
    CHECK(e == 0, "clock_nanosleep TIMER_ABSTIME returned %s", errname(e));
    CHECK(now(CLOCK_MONOTONIC) >= target, "clock_nanosleep TIMER_ABSTIME returned early");
    OK("clock_nanosleep TIMER_ABSTIME");

    struct timespec past = {0, 1};
    e = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL);
    CHECK(e == 0, "clock_nanosleep to a past absolute time returned %s", errname(e));
    OK("clock_nanosleep to the past returns at once");

    struct timespec bad = {0, 1000000000};
    EXPECT_ERRNO("nanosleep tv_nsec=1e9", EINVAL, nanosleep(&bad, NULL));
    struct timespec neg = {-1, 0};
    EXPECT_ERRNO("nanosleep tv_sec=-1", EINVAL, nanosleep(&neg, NULL));
    e = clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, NULL);
    CHECK(e == EINVAL, "clock_nanosleep tv_nsec=1e9 returned %s", errname(e));
    OK("clock_nanosleep tv_nsec=1e9: EINVAL");

    EXPECT_ERRNO("clock_gettime clock 12345", EINVAL, clock_gettime((clockid_t)12345, &t));
    EXPECT_ERRNO("clock_gettime NULL", EFAULT, syscall(SYS_clock_gettime, CLOCK_MONOTONIC, NULL));
    EXPECT_ERRNO("clock_getres clock 12345", EINVAL, clock_getres((clockid_t)12345, &t));
    CHECK(clock_getres(CLOCK_MONOTONIC, &t) == 0, "clock_getres MONOTONIC");
    CHECK(t.tv_sec == 0 && t.tv_nsec > 0 && t.tv_nsec <= 10000000, "clock_getres MONOTONIC implausible");
    OK("clock_getres MONOTONIC");
    return 0;
}
