/* Processes: fork many children at once and reap them all, with every
 * flavour of wait (waitpid of any child or one pid, WNOHANG, waitid with
 * P_PID/P_ALL and WNOWAIT, wait4 with rusage), ECHILD, getppid in a child,
 * and an orphan reparented to this process as a child subreaper.
 *
 * Children never print: they report through their exit status (or a pipe),
 * and end with _exit so that no stdio buffer is flushed twice. A child that
 * "crashes" writes through a null pointer (kill() is not available in the
 * sandbox yet) after PR_SET_DUMPABLE 0, so no core is dumped on any host:
 * the status must not have the core-dump bit (WCOREDUMP), and waitid says
 * CLD_KILLED, not CLD_DUMPED. Those are counted and printed rather than
 * asserted, so that a wrong core-dump bit shows as one differing line. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"
#include "proc.h"

#define N 200

/* Children with i % CRASH_EVERY == CRASH_AT die of SIGSEGV. */
#define CRASH_EVERY 7
#define CRASH_AT 3

static void crash(void)
{
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    *(volatile int *)0 = 0;
    _exit(99); /* not reached */
}

/* Whether status `st` is what child number `i` of the mass fork ends with. */
static int status_ok(int i, int st)
{
    if (i % CRASH_EVERY == CRASH_AT)
        return WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV && !WIFEXITED(st) &&
               !WIFSTOPPED(st);
    return WIFEXITED(st) && WEXITSTATUS(st) == i % 256 && !WIFSIGNALED(st);
}

static void mass_fork(void)
{
    static pid_t pids[N];
    static int reaped[N];
    int crashers = 0, cored = 0;

    for (int i = 0; i < N; i++) {
        pid_t pid = fork_checked();
        if (pid == 0) {
            if (i % CRASH_EVERY == CRASH_AT)
                crash();
            _exit(i % 256);
        }
        for (int j = 0; j < i; j++)
            CHECK(pids[j] != pid, "fork returned pid of child %d again for child %d", j, i);
        pids[i] = pid;
        if (i % CRASH_EVERY == CRASH_AT)
            crashers++;
    }
    OK("forked %d children", N);

    /* A few by pid, blocking. */
    int st;
    for (int i = 0; i < 4; i++) {
        int k = i * 50 + 3; /* 3, 53, 103, 153: 3 and 153 crash */
        st = -1;
        pid_t r = waitpid(pids[k], &st, 0);
        CHECK(r == pids[k], "waitpid(child %d) returned %d, expected %d", k, r, pids[k]);
        CHECK(status_ok(k, st), "waitpid(child %d): status %#x", k, st);
        cored += WIFSIGNALED(st) && WCOREDUMP(st);
        reaped[k] = 1;
        EXPECT_ERRNO("waitpid of a child already reaped", ECHILD, waitpid(pids[k], &st, 0));
    }
    OK("waitpid(pid) reaped 4 chosen children with the right status");

    /* A few by pid with WNOHANG: poll until each has exited. */
    for (int i = 0; i < 4; i++) {
        int k = i * 50 + 10;
        pid_t r;
        int polls = 0;
        st = -1;
        while ((r = waitpid(pids[k], &st, WNOHANG)) == 0) {
            CHECK(++polls < 20000, "child %d never became waitable", k);
            sleep_ms(1);
        }
        CHECK(r == pids[k], "waitpid(child %d, WNOHANG) returned %d", k, r);
        CHECK(status_ok(k, st), "waitpid(child %d, WNOHANG): status %#x", k, st);
        cored += WIFSIGNALED(st) && WCOREDUMP(st);
        reaped[k] = 1;
    }
    OK("waitpid(pid, WNOHANG) reaped 4 chosen children with the right status");

    /* The rest in any order. */
    int n = 8, signaled = 0, exited = 0;
    pid_t r;
    for (;;) {
        st = -1;
        r = waitpid(-1, &st, 0);
        if (r < 0)
            break;
        int k = -1;
        for (int j = 0; j < N; j++)
            if (pids[j] == r)
                k = j;
        CHECK(k >= 0, "waitpid(-1) returned %d, which is not a child we forked", r);
        CHECK(!reaped[k], "waitpid(-1) returned child %d twice", k);
        CHECK(status_ok(k, st), "waitpid(-1): child %d has status %#x", k, st);
        cored += WIFSIGNALED(st) && WCOREDUMP(st);
        reaped[k] = 1;
        n++;
    }
    CHECK(errno == ECHILD, "waitpid(-1) failed with %s instead of ECHILD", errname(errno));
    CHECK(n == N, "reaped %d children, forked %d", n, N);
    for (int j = 0; j < N; j++) {
        if (j % CRASH_EVERY == CRASH_AT)
            signaled++;
        else
            exited++;
    }
    OK("reaped all %d children: %d exited with i %% 256, %d killed by SIGSEGV", n, exited,
       signaled);
    CHECK(signaled == crashers, "crasher count");
    printf("killed children with WCOREDUMP set (none dumped a core): %d\n", cored);
    EXPECT_ERRNO("waitpid(-1) with no children", ECHILD, waitpid(-1, &st, 0));
    EXPECT_ERRNO("waitpid(-1, WNOHANG) with no children", ECHILD, waitpid(-1, &st, WNOHANG));
    EXPECT_ERRNO("waitpid of ourselves", ECHILD, waitpid(getpid(), &st, 0));
    EXPECT_ERRNO("waitpid with bad options", EINVAL, waitpid(-1, &st, 0x1000));
}

/* A child that blocks reading a pipe is not waitable until it is fed. */
static void wnohang_running(void)
{
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    pid_t pid = fork_checked();
    if (pid == 0) {
        close(p[1]);
        char c = 0;
        ssize_t r = read(p[0], &c, 1);
        _exit(r == 1 && c == 'g' ? 7 : 1);
    }
    close(p[0]);
    int st = -1;
    CHECK(waitpid(pid, &st, WNOHANG) == 0, "waitpid(WNOHANG) of a blocked child");
    CHECK(st == -1, "waitpid(WNOHANG) returning 0 wrote the status (%#x)", st);
    CHECK(waitpid(-1, &st, WNOHANG) == 0, "waitpid(-1, WNOHANG) with a blocked child");
    OK("waitpid(WNOHANG) on a running child returns 0");

    siginfo_t si;
    memset(&si, 0x55, sizeof si);
    CHECK(waitid(P_PID, pid, &si, WEXITED | WNOHANG) == 0, "waitid(WNOHANG) running child");
    CHECK(si.si_pid == 0 && si.si_signo == 0, "waitid(WNOHANG) on a running child: si_pid %d "
          "si_signo %d", si.si_pid, si.si_signo);
    OK("waitid(WNOHANG) on a running child returns 0 with si_pid 0 and si_signo 0");

    CHECK(write(p[1], "g", 1) == 1, "write");
    close(p[1]);
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7, "status %#x", st);
    OK("the fed child exits with 7");
}

static void waitid_cases(void)
{
    siginfo_t si;
    pid_t pid = fork_checked();
    if (pid == 0)
        _exit(42);

    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0, "waitid(P_PID, WNOWAIT)");
    CHECK(si.si_pid == pid, "si_pid");
    CHECK(si.si_signo == SIGCHLD, "si_signo %d", si.si_signo);
    CHECK(si.si_code == CLD_EXITED, "si_code %d", si.si_code);
    CHECK(si.si_status == 42, "si_status %d", si.si_status);
    CHECK(si.si_uid == getuid(), "si_uid %d", (int)si.si_uid);
    OK("waitid(P_PID, WEXITED|WNOWAIT): SIGCHLD, CLD_EXITED, status 42, our uid");

    /* WNOWAIT left it waitable: again, then reap it with P_ALL. */
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_ALL, 0, &si, WEXITED | WNOWAIT) == 0, "waitid(P_ALL, WNOWAIT)");
    CHECK(si.si_pid == pid && si.si_status == 42, "second WNOWAIT");
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_ALL, 0, &si, WEXITED) == 0, "waitid(P_ALL)");
    CHECK(si.si_pid == pid && si.si_code == CLD_EXITED && si.si_status == 42, "waitid(P_ALL)");
    OK("waitid(P_ALL, WEXITED) reaps the child WNOWAIT left");
    EXPECT_ERRNO("waitid(P_PID) of the reaped child", ECHILD,
                 waitid(P_PID, pid, &si, WEXITED));
    EXPECT_ERRNO("waitid(P_ALL) with no children", ECHILD, waitid(P_ALL, 0, &si, WEXITED));
    EXPECT_ERRNO("waitid without WEXITED|WSTOPPED|WCONTINUED", EINVAL,
                 waitid(P_ALL, 0, &si, WNOHANG));
    EXPECT_ERRNO("waitid with a bad idtype", EINVAL, waitid((idtype_t)42, 0, &si, WEXITED));

    /* A child killed by a signal. */
    pid = fork_checked();
    if (pid == 0)
        crash();
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PID, pid, &si, WEXITED) == 0, "waitid(killed child)");
    CHECK(si.si_pid == pid && si.si_signo == SIGCHLD, "si_pid/si_signo");
    CHECK(si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED, "si_code %d", si.si_code);
    CHECK(si.si_status == SIGSEGV, "si_status %d", si.si_status);
    OK("waitid of a child killed by SIGSEGV: status SIGSEGV");
    printf("waitid si_code of a child killed without a core dump: %s\n",
           si.si_code == CLD_KILLED ? "CLD_KILLED" : "CLD_DUMPED");

    /* P_PGID of our own group. */
    pid = fork_checked();
    if (pid == 0)
        _exit(5);
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PGID, 0, &si, WEXITED) == 0, "waitid(P_PGID, 0)");
    CHECK(si.si_pid == pid && si.si_status == 5, "waitid(P_PGID, 0)");
    OK("waitid(P_PGID, 0) reaps a child of our group");
}

static void wait4_rusage(void)
{
    pid_t pid = fork_checked();
    if (pid == 0) {
        /* Burn a little CPU so usage is not trivially empty. */
        volatile unsigned long x = 0;
        for (unsigned long i = 0; i < 2000000; i++)
            x += i;
        _exit(3);
    }
    struct rusage ru;
    memset(&ru, 0xff, sizeof ru);
    int st = -1;
    CHECK(wait4(pid, &st, 0, &ru) == pid, "wait4");
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3, "wait4 status %#x", st);
    CHECK(ru.ru_utime.tv_sec >= 0 && ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000,
          "ru_utime");
    CHECK(ru.ru_stime.tv_sec >= 0 && ru.ru_stime.tv_usec >= 0 && ru.ru_stime.tv_usec < 1000000,
          "ru_stime");
    CHECK(ru.ru_maxrss >= 0, "ru_maxrss");
    OK("wait4 with a rusage pointer: status 3, usage filled in");

    /* wait4 with a NULL status and a NULL rusage. */
    pid = fork_checked();
    if (pid == 0)
        _exit(0);
    CHECK(wait4(-1, NULL, 0, NULL) == pid, "wait4(NULL, NULL)");
    OK("wait4 with NULL status and rusage");
}

static void ppid_in_child(void)
{
    pid_t me = getpid();
    pid_t pid = fork_checked();
    if (pid == 0)
        _exit(getppid() == me ? 0 : 1);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "getppid() in the child is not our pid");
    OK("getppid() in a child is the parent's getpid()");
}

/* An orphan is reparented to us, a child subreaper, and we reap it. */
static void orphan(void)
{
    CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0, "PR_SET_CHILD_SUBREAPER");
    int on = 0;
    CHECK(prctl(PR_GET_CHILD_SUBREAPER, &on, 0, 0, 0) == 0 && on == 1,
          "PR_GET_CHILD_SUBREAPER");
    pid_t me = getpid();
    int report[2], sync[2];
    CHECK(pipe(report) == 0 && pipe(sync) == 0, "pipe");
    pid_t mid = fork_checked();
    if (mid == 0) {
        pid_t middle = getpid();
        pid_t gc = fork();
        if (gc < 0)
            _exit(2);
        if (gc == 0) {
            /* The grandchild: check its parent, let it exit, wait for
             * that. */
            int ok_before = getppid() == middle;
            if (write(sync[1], "s", 1) != 1)
                _exit(3);
            int polls = 0;
            while (getppid() == middle && polls++ < 20000)
                sleep_ms(1);
            int msg[3] = {getpid(), ok_before, getppid() == me};
            if (write(report[1], msg, sizeof msg) != sizeof msg)
                _exit(3);
            _exit(9);
        }
        char c;
        _exit(read(sync[0], &c, 1) == 1 ? 0 : 4);
    }
    close(report[1]);
    close(sync[0]);
    close(sync[1]);
    int st;
    CHECK(waitpid(mid, &st, 0) == mid, "waitpid(middle)");
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "middle child status %#x", st);
    int msg[3];
    CHECK(read(report[0], msg, sizeof msg) == sizeof msg, "read report");
    close(report[0]);
    CHECK(msg[1], "the grandchild's getppid() was not its parent at first");
    OK("orphan: getppid() was its parent before the parent exited");
    CHECK(msg[2], "the orphan's getppid() is not the subreaper's pid");
    OK("orphan: getppid() is the subreaper after its parent exited");
    CHECK(waitpid(-1, &st, 0) == msg[0], "waitpid(-1) did not return the orphan");
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 9, "orphan status %#x", st);
    OK("orphan: the subreaper reaps it (status 9)");
    EXPECT_ERRNO("waitpid(-1) after the orphan", ECHILD, waitpid(-1, &st, 0));
}

int main(void)
{
    mass_fork();
    wnohang_running();
    waitid_cases();
    wait4_rusage();
    ppid_in_child();
    orphan();
    OK("done");
    return 0;
}
