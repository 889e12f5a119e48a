/* Nice values (getpriority, setpriority, /proc/PID/stat) and
 * sched_rr_get_interval. Values are printed relative to the nice value
 * the program starts with. */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

#define NO_PID 0x3fffffff /* above PID_MAX_LIMIT: never a task */

/* The raw call returns 20 - nice. */
static long raw_getprio(int which, int who)
{
    return syscall(SYS_getpriority, which, who);
}

static long setprio(int which, int who, int nice)
{
    return syscall(SYS_setpriority, which, who, nice);
}

static int nice_of(int which, int who)
{
    long r = raw_getprio(which, who);
    CHECK(r >= 1 && r <= 40, "getpriority(%d, %d) = %ld", which, who, r);
    return 20 - (int)r;
}

/* Fields 18 and 19 (priority, nice) of /proc/self/stat. */
static void stat_nice(int *prio, int *nice)
{
    FILE *f = fopen("/proc/self/stat", "r");
    CHECK(f != NULL, "open /proc/self/stat");
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    CHECK(p != NULL, "no comm in stat");
    /* Field 3 (state) follows ") ". */
    p += 2;
    for (int field = 3; field < 18; field++) {
        p = strchr(p, ' ');
        CHECK(p != NULL, "short stat");
        p++;
    }
    CHECK(sscanf(p, "%d %d", prio, nice) == 2, "priority and nice");
}

int main(void)
{
    /* A group of our own, so that PRIO_PGRP changes only this program. */
    setpgid(0, 0);
    CHECK(getpgrp() == getpid(), "not a group leader");
    int base = nice_of(PRIO_PROCESS, 0);
    CHECK(base <= 17, "started at nice %d: too high to test", base);
    CHECK(nice_of(PRIO_PROCESS, getpid()) == base, "by pid");
    CHECK(nice_of(PRIO_PROCESS, syscall(SYS_gettid)) == base, "by tid");
    OK("getpriority by 0, pid and tid agree");
    int prio, nice;
    stat_nice(&prio, &nice);
    printf("/proc/self/stat: priority - nice = %d, nice - base = %d\n", prio - nice, nice - base);

    CHECK(setprio(PRIO_PROCESS, 0, base + 2) == 0, "setpriority +2");
    printf("after setpriority(base + 2): %d\n", nice_of(PRIO_PROCESS, 0) - base);
    stat_nice(&prio, &nice);
    printf("/proc/self/stat: priority - nice = %d, nice - base = %d\n", prio - nice, nice - base);
    errno = 0;
    int libc = getpriority(PRIO_PROCESS, 0);
    CHECK(errno == 0 && libc == base + 2, "libc getpriority says %d", libc);
    OK("libc getpriority returns the nice value itself");
    CHECK(setprio(PRIO_PROCESS, getpid(), base + 1) == 0, "setpriority by pid");
    printf("after setpriority(pid, base + 1): %d\n", nice_of(PRIO_PROCESS, 0) - base);

    /* A child inherits the value; its changes stay its own. */
    fflush(stdout);
    pid_t child = fork();
    CHECK(child >= 0, "fork");
    if (child == 0) {
        printf("child inherits: %d\n", nice_of(PRIO_PROCESS, 0) - base);
        CHECK(setprio(PRIO_PROCESS, 0, base + 3) == 0, "child setpriority");
        fflush(stdout);
        _exit(0);
    }
    int st;
    CHECK(waitpid(child, &st, 0) == child && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child");
    printf("parent after the child's change: %d\n", nice_of(PRIO_PROCESS, 0) - base);

    /* A group or user answers for its highest priority (lowest nice). */
    int pipefd[2], ready[2];
    CHECK(pipe(pipefd) == 0 && pipe(ready) == 0, "pipe");
    fflush(stdout);
    child = fork();
    CHECK(child >= 0, "fork");
    if (child == 0) {
        close(pipefd[1]);
        CHECK(setprio(PRIO_PROCESS, 0, base + 5) == 0, "child setpriority");
        char c = 0;
        CHECK(write(ready[1], &c, 1) == 1, "write");
        CHECK(read(pipefd[0], &c, 1) == 0, "read");
        _exit(0);
    }
    close(pipefd[0]);
    char c;
    CHECK(read(ready[0], &c, 1) == 1, "the child did not set its value");
    printf("child by pid: %d\n", nice_of(PRIO_PROCESS, child) - base);
    printf("own group: %d\n", nice_of(PRIO_PGRP, 0) - base);
    printf("own group by id: %d\n", nice_of(PRIO_PGRP, getpgrp()) - base);
    /* Natively the user's other processes count too: only a bound. */
    CHECK(nice_of(PRIO_USER, 0) <= base + 1, "own user");
    CHECK(nice_of(PRIO_USER, getuid()) <= base + 1, "own user by id");
    OK("a user's priority is at least that of its processes");
    CHECK(setprio(PRIO_PGRP, 0, base + 4) == 0, "setpriority of the group");
    printf("after setting the group: self %d, child %d\n", nice_of(PRIO_PROCESS, 0) - base,
           nice_of(PRIO_PROCESS, child) - base);
    close(pipefd[1]);
    CHECK(waitpid(child, &st, 0) == child && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child");

    EXPECT_ERRNO("getpriority which 3", EINVAL, raw_getprio(3, 0));
    EXPECT_ERRNO("getpriority which -1", EINVAL, raw_getprio(-1, 0));
    EXPECT_ERRNO("getpriority missing pid", ESRCH, raw_getprio(PRIO_PROCESS, NO_PID));
    EXPECT_ERRNO("getpriority pid -1", ESRCH, raw_getprio(PRIO_PROCESS, -1));
    EXPECT_ERRNO("getpriority missing group", ESRCH, raw_getprio(PRIO_PGRP, NO_PID));
    EXPECT_ERRNO("setpriority which 3", EINVAL, setprio(3, 0, 0));
    EXPECT_ERRNO("setpriority missing pid", ESRCH, setprio(PRIO_PROCESS, NO_PID, 0));
    EXPECT_ERRNO("setpriority the reaped child", ESRCH, setprio(PRIO_PROCESS, child, 0));

    if (geteuid() == 0) {
        /* Values are clamped to -20..19. */
        CHECK(setprio(PRIO_PROCESS, 0, 100) == 0, "setpriority 100");
        printf("after setpriority(100): %d\n", nice_of(PRIO_PROCESS, 0));
        CHECK(setprio(PRIO_PROCESS, 0, -100) == 0, "setpriority -100");
        printf("after setpriority(-100): %d\n", nice_of(PRIO_PROCESS, 0));
        CHECK(setprio(PRIO_PROCESS, 0, base) == 0, "setpriority back");

        /* Without CAP_SYS_NICE: lowering past RLIMIT_NICE is EACCES,
         * another user's task EPERM. */
        fflush(stdout);
        child = fork();
        CHECK(child >= 0, "fork");
        if (child == 0) {
            struct rlimit rl = {0, 0};
            CHECK(setrlimit(RLIMIT_NICE, &rl) == 0, "RLIMIT_NICE 0");
            CHECK(setresuid(65534, 65534, 65534) == 0, "setresuid");
            CHECK(setprio(PRIO_PROCESS, 0, base + 1) == 0, "raise without privilege");
            EXPECT_ERRNO("lowering without privilege", EACCES, setprio(PRIO_PROCESS, 0, base));
            EXPECT_ERRNO("another user's process", EPERM, setprio(PRIO_PROCESS, getppid(), base + 1));
            printf("unprivileged after the refusals: %d\n", nice_of(PRIO_PROCESS, 0) - base);
            fflush(stdout);
            _exit(0);
        }
        CHECK(waitpid(child, &st, 0) == child && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child");
    }
    CHECK(setprio(PRIO_PROCESS, 0, base) == 0 || geteuid() != 0, "setpriority back");

    /* sched_rr_get_interval: under SCHED_OTHER, some slice below a second. */
    struct timespec ts = {-1, -1};
    CHECK(syscall(SYS_sched_rr_get_interval, 0, &ts) == 0, "sched_rr_get_interval");
    CHECK(ts.tv_sec == 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000, "interval %ld.%09ld", (long)ts.tv_sec,
          ts.tv_nsec);
    CHECK(syscall(SYS_sched_rr_get_interval, getpid(), &ts) == 0, "sched_rr_get_interval by pid");
    OK("sched_rr_get_interval is below a second");
    EXPECT_ERRNO("sched_rr_get_interval pid -1", EINVAL, syscall(SYS_sched_rr_get_interval, -1, &ts));
    EXPECT_ERRNO("sched_rr_get_interval missing pid", ESRCH, syscall(SYS_sched_rr_get_interval, NO_PID, &ts));
    EXPECT_ERRNO("sched_rr_get_interval bad pointer", EFAULT, syscall(SYS_sched_rr_get_interval, 0, (void *)1));
    return 0;
}
