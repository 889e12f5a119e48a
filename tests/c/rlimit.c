/* getrlimit/setrlimit/prlimit64. Never prints a limit. */
#define _GNU_SOURCE
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

static long raw_prlimit(int pid, int res, const struct rlimit *new, struct rlimit *old)
{
    return syscall(SYS_prlimit64, pid, res, new, old);
}

int main(void)
{
    struct rlimit r, p;
    int res[] = {RLIMIT_NOFILE, RLIMIT_STACK, RLIMIT_AS, RLIMIT_CORE, RLIMIT_NPROC};
    const char *names[] = {"NOFILE", "STACK", "AS", "CORE", "NPROC"};
    for (int i = 0; i < 5; i++) {
        CHECK(getrlimit(res[i], &r) == 0, "getrlimit(%s)", names[i]);
        CHECK(r.rlim_cur <= r.rlim_max, "%s: cur > max", names[i]);
        CHECK(raw_prlimit(0, res[i], NULL, &p) == 0, "prlimit64(0, %s)", names[i]);
        CHECK(p.rlim_cur == r.rlim_cur && p.rlim_max == r.rlim_max,
              "%s: prlimit64 and getrlimit disagree", names[i]);
        CHECK(raw_prlimit(getpid(), res[i], NULL, &p) == 0, "prlimit64(getpid(), %s)", names[i]);
        OK("getrlimit/prlimit64 %s, cur <= max", names[i]);
    }

    CHECK(getrlimit(RLIMIT_NOFILE, &r) == 0, "getrlimit(NOFILE)");
    CHECK(r.rlim_cur >= 64, "NOFILE soft limit below 64");
    struct rlimit lower = {32, r.rlim_max};
    CHECK(setrlimit(RLIMIT_NOFILE, &lower) == 0, "lowering the NOFILE soft limit failed");
    CHECK(getrlimit(RLIMIT_NOFILE, &p) == 0, "getrlimit(NOFILE)");
    CHECK(p.rlim_cur == 32 && p.rlim_max == r.rlim_max, "lowered NOFILE not read back");
    OK("lower NOFILE soft limit and read it back");

    struct rlimit both = {32, 64};
    CHECK(setrlimit(RLIMIT_NOFILE, &both) == 0, "lowering the NOFILE hard limit failed");
    struct rlimit above = {128, 64};
    EXPECT_ERRNO("setrlimit soft above hard", EINVAL, setrlimit(RLIMIT_NOFILE, &above));
    struct rlimit old;
    CHECK(raw_prlimit(0, RLIMIT_NOFILE, NULL, &old) == 0, "prlimit64 read failed");
    CHECK(old.rlim_cur == 32 && old.rlim_max == 64, "NOFILE changed by failed calls");
    struct rlimit set = {16, 64};
    CHECK(raw_prlimit(0, RLIMIT_NOFILE, &set, &old) == 0, "prlimit64 set failed");
    CHECK(old.rlim_cur == 32 && old.rlim_max == 64, "prlimit64 old value wrong");
    CHECK(getrlimit(RLIMIT_NOFILE, &p) == 0 && p.rlim_cur == 16, "prlimit64 set not read back");
    OK("prlimit64 set returns the old value");

    EXPECT_ERRNO("getrlimit resource 1000", EINVAL, getrlimit(1000, &r));
    EXPECT_ERRNO("prlimit64 resource 1000", EINVAL, raw_prlimit(0, 1000, NULL, &r));
    EXPECT_ERRNO("setrlimit resource 1000", EINVAL, setrlimit(1000, &r));
    EXPECT_ERRNO("prlimit64 bad pointer", EFAULT, raw_prlimit(0, RLIMIT_NOFILE, NULL, (void *)1));
    return 0;
}
