/* Calls that name another process by pid: capget, prlimit64 and the
 * scheduler queries on a child, with their permission checks. The child
 * waits on a pipe while the parent looks at it. */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

#define V3 0x20080522u
#define CAP_SETPCAP 8
#define CAP_SYS_BOOT 22
#define CAP_SYS_NICE 23
#define CAP_SYS_RESOURCE 24

struct cap_header {
    unsigned version;
    int pid;
};
struct cap_data {
    unsigned effective, permitted, inheritable;
};
typedef unsigned long long u64;

static u64 permitted_of(int pid)
{
    struct cap_header h = {V3, pid};
    struct cap_data d[2];
    CHECK(syscall(SYS_capget, &h, d) == 0, "capget(%s)", pid ? "child" : "self");
    return d[0].permitted | (u64)d[1].permitted << 32;
}

static void drop_effective(int cap)
{
    struct cap_header h = {V3, 0};
    struct cap_data d[2];
    CHECK(syscall(SYS_capget, &h, d) == 0, "capget");
    d[cap / 32].effective &= ~(1u << (cap % 32));
    CHECK(syscall(SYS_capset, &h, d) == 0, "capset");
}

static long raw_prlimit(int pid, int res, const struct rlimit *new, struct rlimit *old)
{
    return syscall(SYS_prlimit64, pid, res, new, old);
}

int main(void)
{
    int go[2], ready[2];
    CHECK(pipe(go) == 0 && pipe(ready) == 0, "pipe");
    int root = geteuid() == 0 && (permitted_of(0) & (1ULL << CAP_SYS_BOOT));
    pid_t child = fork();
    CHECK(child >= 0, "fork");
    if (child == 0) {
        close(go[1]);
        close(ready[0]);
        struct rlimit rl;
        CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0, "child getrlimit");
        rl.rlim_cur = 50;
        CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0, "child setrlimit");
        if (root) {
            /* Drop CAP_SYS_BOOT. */
            struct cap_header h = {V3, 0};
            struct cap_data d[2];
            CHECK(syscall(SYS_capget, &h, d) == 0, "child capget");
            d[0].effective &= ~(1u << CAP_SYS_BOOT);
            d[0].permitted &= ~(1u << CAP_SYS_BOOT);
            CHECK(syscall(SYS_capset, &h, d) == 0, "child capset");
        }
        char c = 'r';
        CHECK(write(ready[1], &c, 1) == 1, "child write");
        CHECK(read(go[0], &c, 1) == 1, "child read");
        /* Step two: become uid 1000, keeping euid 0. */
        if (root)
            CHECK(syscall(SYS_setresuid, 1000, 0, 1000) == 0, "child setresuid");
        CHECK(write(ready[1], &c, 1) == 1, "child write");
        CHECK(read(go[0], &c, 1) == 0, "child read");
        CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0, "child getrlimit");
        _exit(rl.rlim_cur == 40 ? 0 : 1);
    }
    close(go[0]);
    close(ready[1]);
    char c;
    CHECK(read(ready[0], &c, 1) == 1, "parent read");

    struct rlimit old, set;
    CHECK(raw_prlimit(child, RLIMIT_NOFILE, NULL, &old) == 0, "prlimit64(child) read");
    printf("child NOFILE soft limit seen by the parent: %lu\n", (unsigned long)old.rlim_cur);
    set.rlim_cur = 40;
    set.rlim_max = old.rlim_max;
    CHECK(raw_prlimit(child, RLIMIT_NOFILE, &set, &old) == 0, "prlimit64(child) set");
    printf("old value returned: %lu\n", (unsigned long)old.rlim_cur);
    EXPECT_ERRNO("prlimit64(child) resource 99", EINVAL, raw_prlimit(child, 99, NULL, &old));
    EXPECT_ERRNO("prlimit64(child) bad new pointer", EFAULT, raw_prlimit(child, RLIMIT_NOFILE, (void *)1, NULL));

    CHECK(syscall(SYS_sched_getscheduler, child) == SCHED_OTHER, "sched_getscheduler(child)");
    struct sched_param p = {5};
    CHECK(syscall(SYS_sched_getparam, child, &p) == 0 && p.sched_priority == 0, "sched_getparam(child)");
    p.sched_priority = 0;
    CHECK(syscall(SYS_sched_setscheduler, child, SCHED_OTHER, &p) == 0, "sched_setscheduler(child)");
    OK("scheduler queries on the child");

    if (root) {
        u64 mine = permitted_of(0), theirs = permitted_of(child);
        printf("child's permitted set is the parent's without CAP_SYS_BOOT: %s\n",
               theirs == (mine & ~(1ULL << CAP_SYS_BOOT)) ? "yes" : "no");
    }
    CHECK(write(go[1], &c, 1) == 1, "parent write");
    CHECK(read(ready[0], &c, 1) == 1, "parent read");
    if (root) {
        /* The child's ids differ now: without CAP_SYS_RESOURCE or
         * CAP_SYS_NICE the parent may not touch it. */
        drop_effective(CAP_SYS_RESOURCE);
        drop_effective(CAP_SYS_NICE);
        EXPECT_ERRNO("prlimit64 on another user's process", EPERM, raw_prlimit(child, RLIMIT_NOFILE, NULL, &old));
        CHECK(setresuid(0, 2000, 0) == 0, "parent euid 2000");
        EXPECT_ERRNO("sched_setscheduler on a process of another owner", EPERM,
                     syscall(SYS_sched_setscheduler, child, SCHED_OTHER, &p));
        EXPECT_ERRNO("sched_setparam on a process of another owner", EPERM,
                     syscall(SYS_sched_setparam, child, &p));
        CHECK(setresuid(0, 0, 0) == 0, "parent euid 0");
    } else {
        printf("child's permitted set is the parent's without CAP_SYS_BOOT: yes\n");
        OK("prlimit64 on another user's process: EPERM");
        OK("sched_setscheduler on a process of another owner: EPERM");
        OK("sched_setparam on a process of another owner: EPERM");
    }

    close(go[1]);
    int status;
    CHECK(waitpid(child, &status, 0) == child, "waitpid");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child saw the wrong limit (status %#x)", status);
    OK("the child sees the limit the parent set");
    struct cap_header h = {V3, child};
    struct cap_data d[2];
    EXPECT_ERRNO("capget of a reaped child", ESRCH, syscall(SYS_capget, &h, d));
    EXPECT_ERRNO("prlimit64 of a reaped child", ESRCH, raw_prlimit(child, RLIMIT_NOFILE, NULL, &old));
    EXPECT_ERRNO("sched_getscheduler of a reaped child", ESRCH, syscall(SYS_sched_getscheduler, child));
    return 0;
}
