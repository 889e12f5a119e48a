/* The clocks: every id, resolutions, the calls that would set time, the
 * read-only adjtimex, sysinfo, times. Prints no time, only comparisons. */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/times.h>
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
    CHECK(syscall(SYS_clock_gettime, c, &t) == 0, "clock_gettime(%d)", (int)c);
    CHECK(t.tv_nsec >= 0 && t.tv_nsec < 1000000000, "clock %d: tv_nsec out of range", (int)c);
    return ns(&t);
}

int main(void)
{
    static const struct { clockid_t id; const char *name; } clocks[] = {
        {CLOCK_REALTIME, "REALTIME"}, {CLOCK_MONOTONIC, "MONOTONIC"},
        {CLOCK_PROCESS_CPUTIME_ID, "PROCESS_CPUTIME_ID"}, {CLOCK_THREAD_CPUTIME_ID, "THREAD_CPUTIME_ID"},
        {CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW"}, {CLOCK_REALTIME_COARSE, "REALTIME_COARSE"},
        {CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE"}, {CLOCK_BOOTTIME, "BOOTTIME"}, {CLOCK_TAI, "TAI"},
    };
    for (unsigned i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
        long long a = now(clocks[i].id), b = now(clocks[i].id);
        CHECK(b >= a, "%s went back", clocks[i].name);
        struct timespec res = {-1, -1};
        CHECK(syscall(SYS_clock_getres, clocks[i].id, &res) == 0, "clock_getres %s", clocks[i].name);
        CHECK(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 10000000, "%s resolution", clocks[i].name);
        CHECK(syscall(SYS_clock_getres, clocks[i].id, NULL) == 0, "clock_getres %s NULL", clocks[i].name);
        OK("clock %s reads, advances, has a resolution", clocks[i].name);
    }
    struct timespec res;
    syscall(SYS_clock_getres, CLOCK_MONOTONIC, &res);
    CHECK(res.tv_nsec == 1, "MONOTONIC resolution is 1 ns");
    OK("MONOTONIC resolution 1 ns");
    EXPECT_ERRNO("clock_getres clock 99", EINVAL, syscall(SYS_clock_getres, 99, &res));
    EXPECT_ERRNO("clock_getres bad pointer", EFAULT, syscall(SYS_clock_getres, CLOCK_MONOTONIC, (void *)8));
    EXPECT_ERRNO("clock_gettime bad pointer", EFAULT, syscall(SYS_clock_gettime, CLOCK_REALTIME, (void *)8));

    /* Monotonic and boottime count from boot; coarse and raw agree with
     * monotonic within a second. */
    long long mono = now(CLOCK_MONOTONIC);
    CHECK(now(CLOCK_BOOTTIME) >= mono, "BOOTTIME behind MONOTONIC");
    CHECK(llabs(now(CLOCK_MONOTONIC_COARSE) - mono) < 1000000000LL, "MONOTONIC_COARSE far from MONOTONIC");
    CHECK(llabs(now(CLOCK_MONOTONIC_RAW) - mono) < 1000000000LL, "MONOTONIC_RAW far from MONOTONIC");
    long long real = now(CLOCK_REALTIME);
    CHECK(llabs(now(CLOCK_REALTIME_COARSE) - real) < 1000000000LL, "REALTIME_COARSE far from REALTIME");
    CHECK(now(CLOCK_TAI) >= real, "TAI behind REALTIME");
    OK("clocks agree");

    struct timeval tv;
    CHECK(syscall(SYS_gettimeofday, &tv, NULL) == 0, "gettimeofday");
    CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "tv_usec");
    CHECK(llabs((long long)tv.tv_sec - real / 1000000000LL) <= 2, "gettimeofday far from REALTIME");
    time_t t1 = syscall(SYS_time, NULL), t2 = 0;
    CHECK(syscall(SYS_time, &t2) >= t1 && t2 >= t1, "time");
    CHECK(llabs((long long)t1 - real / 1000000000LL) <= 2, "time far from REALTIME");
    EXPECT_ERRNO("time bad pointer", EFAULT, syscall(SYS_time, (void *)8));
    OK("gettimeofday and time agree with REALTIME");

    /* Nobody may set the clock (the tests never run with CAP_SYS_TIME in
     * the sandbox; natively they run as whoever runs them, so only the
     * checks made before the permission check are compared when root). */
    int root = geteuid() == 0;
    struct timespec ts = {0, 0};
    EXPECT_ERRNO("clock_settime MONOTONIC", EINVAL, syscall(SYS_clock_settime, CLOCK_MONOTONIC, &ts));
    EXPECT_ERRNO("clock_settime BOOTTIME", EINVAL, syscall(SYS_clock_settime, CLOCK_BOOTTIME, &ts));
    EXPECT_ERRNO("clock_settime clock 99", EINVAL, syscall(SYS_clock_settime, 99, &ts));
    struct timespec bad = {1, 1000000000};
    EXPECT_ERRNO("clock_settime bad timespec", EINVAL, syscall(SYS_clock_settime, CLOCK_REALTIME, &bad));
    EXPECT_ERRNO("clock_settime bad pointer", EFAULT, syscall(SYS_clock_settime, CLOCK_REALTIME, (void *)8));
    struct timeval badtv = {1, 1000000};
    EXPECT_ERRNO("settimeofday bad tv_usec", EINVAL, syscall(SYS_settimeofday, &badtv, NULL));
    EXPECT_ERRNO("settimeofday bad pointer", EFAULT, syscall(SYS_settimeofday, (void *)8, NULL));
    if (!root) {
        struct timespec cur;
        clock_gettime(CLOCK_REALTIME, &cur);
        EXPECT_ERRNO("clock_settime REALTIME", EPERM, syscall(SYS_clock_settime, CLOCK_REALTIME, &cur));
        EXPECT_ERRNO("settimeofday", EPERM, syscall(SYS_settimeofday, NULL, NULL));
    } else {
        OK("clock_settime REALTIME: EPERM");
        OK("settimeofday: EPERM");
    }

    /* adjtimex reads with modes 0; changes need CAP_SYS_TIME. */
    struct timex tx;
    memset(&tx, 0, sizeof tx);
    int state = syscall(SYS_adjtimex, &tx);
    CHECK(state >= 0 && state <= 5, "adjtimex read returned %d", state);
    CHECK(tx.tick > 0 && tx.time.tv_usec >= 0, "adjtimex fields");
    CHECK(llabs((long long)tx.time.tv_sec - now(CLOCK_REALTIME) / 1000000000LL) <= 2, "adjtimex time");
    OK("adjtimex reads");
    memset(&tx, 0, sizeof tx);
    tx.modes = ADJ_OFFSET_SS_READ;
    CHECK(syscall(SYS_adjtimex, &tx) >= 0, "adjtimex ADJ_OFFSET_SS_READ");
    OK("adjtimex ADJ_OFFSET_SS_READ reads");
    memset(&tx, 0, sizeof tx);
    tx.modes = 0x8000; /* ADJ_ADJTIME */
    EXPECT_ERRNO("adjtimex ADJ_ADJTIME without SINGLESHOT", EINVAL, syscall(SYS_adjtimex, &tx));
    EXPECT_ERRNO("adjtimex bad pointer", EFAULT, syscall(SYS_adjtimex, (void *)8));
    if (!root) {
        memset(&tx, 0, sizeof tx);
        tx.modes = ADJ_FREQUENCY;
        EXPECT_ERRNO("adjtimex ADJ_FREQUENCY", EPERM, syscall(SYS_adjtimex, &tx));
    } else {
        OK("adjtimex ADJ_FREQUENCY: EPERM");
    }
    memset(&tx, 0, sizeof tx);
    CHECK(syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx) >= 0, "clock_adjtime REALTIME");
    EXPECT_ERRNO("clock_adjtime MONOTONIC", EOPNOTSUPP, syscall(SYS_clock_adjtime, CLOCK_MONOTONIC, &tx));
    EXPECT_ERRNO("clock_adjtime clock 99", EINVAL, syscall(SYS_clock_adjtime, 99, &tx));

    /* sysinfo: uptime is boottime, rounded up to a second. */
    struct sysinfo si;
    memset(&si, 0xa5, sizeof si);
    CHECK(syscall(SYS_sysinfo, &si) == 0, "sysinfo");
    long long boot_s = now(CLOCK_BOOTTIME) / 1000000000LL;
    CHECK(si.uptime >= boot_s - 1 && si.uptime <= boot_s + 2, "sysinfo uptime disagrees with BOOTTIME");
    CHECK(si.mem_unit >= 1 && si.totalram > 0 && si.freeram <= si.totalram, "sysinfo memory");
    CHECK(si.procs >= 1, "sysinfo procs");
    OK("sysinfo uptime matches BOOTTIME");
    EXPECT_ERRNO("sysinfo bad pointer", EFAULT, syscall(SYS_sysinfo, (void *)8));

    /* times: ticks since boot, which agree with monotonic time. */
    struct tms tm;
    long hz = sysconf(_SC_CLK_TCK);
    CHECK(hz == 100, "CLK_TCK");
    clock_t ticks = syscall(SYS_times, &tm);
    clock_t ticks2 = syscall(SYS_times, NULL);
    CHECK(ticks2 >= ticks, "times went back");
    sleep_ms(50);
    CHECK(syscall(SYS_times, NULL) - ticks >= 4, "times advanced less than 40 ms over 50 ms");
    EXPECT_ERRNO("times bad pointer", EFAULT, syscall(SYS_times, (void *)8));
    OK("times advances with monotonic time");
    return 0;
}
