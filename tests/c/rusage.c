/* getrusage: who values, layout, and that time and memory are counted.
 * Never prints a time or a size. */
#define _GNU_SOURCE
#include <stddef.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static long ru(int who, struct rusage *u)
{
    return syscall(SYS_getrusage, who, u);
}

static double secs(struct timeval tv)
{
    return tv.tv_sec + tv.tv_usec / 1e6;
}

int main(void)
{
    /* The kernel's struct is 144 bytes; musl pads its own with reserved words. */
    CHECK(offsetof(struct rusage, ru_nivcsw) + sizeof(long) == 144, "struct rusage layout");
    struct rusage u;
    memset(&u, 0xa5, sizeof u);
    CHECK(ru(RUSAGE_CHILDREN, &u) == 0, "RUSAGE_CHILDREN");
    CHECK(u.ru_utime.tv_sec == 0 && u.ru_utime.tv_usec == 0 && u.ru_stime.tv_sec == 0 && u.ru_stime.tv_usec == 0 &&
              u.ru_maxrss == 0,
          "a process with no children has children's usage");
    OK("RUSAGE_CHILDREN without children is zero");

    /* Burn 0.2 s of CPU, by the process's own CPU clock (wall time says
     * nothing on a busy machine). */
    struct timespec now;
    volatile unsigned long x = 0;
    do {
        for (int i = 0; i < 100000; i++)
            x += i;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    } while (now.tv_sec * 1000000000L + now.tv_nsec < 200000000L);

    memset(&u, 0xa5, sizeof u);
    CHECK(ru(RUSAGE_SELF, &u) == 0, "RUSAGE_SELF");
    CHECK(u.ru_utime.tv_usec >= 0 && u.ru_utime.tv_usec < 1000000 && u.ru_stime.tv_usec >= 0 &&
              u.ru_stime.tv_usec < 1000000,
          "microseconds out of range");
    CHECK(secs(u.ru_utime) + secs(u.ru_stime) > 0.05, "RUSAGE_SELF counted %f s of CPU",
          secs(u.ru_utime) + secs(u.ru_stime));
    CHECK(u.ru_maxrss > 0, "RUSAGE_SELF maxrss %ld", u.ru_maxrss);
    OK("RUSAGE_SELF counts CPU time and memory");
    struct rusage t;
    CHECK(ru(RUSAGE_THREAD, &t) == 0, "RUSAGE_THREAD");
    CHECK(secs(t.ru_utime) + secs(t.ru_stime) > 0.05, "RUSAGE_THREAD counted %f s of CPU",
          secs(t.ru_utime) + secs(t.ru_stime));
    CHECK(t.ru_maxrss > 0, "RUSAGE_THREAD maxrss %ld", t.ru_maxrss);
    OK("RUSAGE_THREAD counts CPU time and memory");
    struct rusage later;
    CHECK(ru(RUSAGE_SELF, &later) == 0, "RUSAGE_SELF again");
    CHECK(secs(later.ru_utime) + secs(later.ru_stime) >= secs(u.ru_utime) + secs(u.ru_stime), "CPU time went back");
    OK("CPU time never goes back");

    EXPECT_ERRNO("getrusage who 2", EINVAL, ru(2, &u));
    EXPECT_ERRNO("getrusage RUSAGE_BOTH", EINVAL, ru(-2, &u));
    EXPECT_ERRNO("getrusage bad pointer", EFAULT, ru(RUSAGE_SELF, (void *)1));
    EXPECT_ERRNO("getrusage children bad pointer", EFAULT, ru(RUSAGE_CHILDREN, (void *)1));
    return 0;
}
