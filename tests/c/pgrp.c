/* Process groups and sessions: setpgid/getpgid/getpgrp/setsid/getsid,
 * from the process itself and from its parent, before and after the child
 * execs, with their errors (EACCES, EPERM, ESRCH, EINVAL).
 *
 * Usage: pgrp                run the tests
 *        pgrp block R W      (the exec'd child) write "r" to descriptor W,
 *                            then read one byte from R; exit 0 if one came
 *
 * Never prints a pid: only comparisons between them. Children report
 * through their exit status.
 *
 * Everything runs in a forked worker process: the process started by the
 * test (natively a group leader in the harness's session, in the sandbox
 * PID 1) may or may not lead a session, which changes what setpgid and
 * setsid do to it; its child leads nothing in either case. */
#define _GNU_SOURCE
#include <limits.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "proc.h"
#include "soft.h"

static void own_group(void)
{
    CHECK(setpgid(0, 0) == 0, "setpgid(0, 0)");
    CHECK(getpgrp() == getpid(), "getpgrp() != getpid() after setpgid(0, 0)");
    CHECK(getpgid(0) == getpid() && getpgid(getpid()) == getpid(), "getpgid");
    CHECK(setpgid(getpid(), getpid()) == 0, "setpgid(self, self)");
    CHECK(setpgid(0, getpgrp()) == 0, "setpgid(0, own group)");
    OK("setpgid(0, 0) makes us a group leader; doing it again is allowed");
    SOFT_ERRNO("setsid by a group leader", EPERM, setsid());
    /* Natively the harness's session may be led from outside our PID
     * namespace, where getsid reports 0; it never fails for ourselves. */
    CHECK(getsid(0) == getsid(getpid()) && getsid(0) >= 0, "getsid");
    OK("getsid(0) == getsid(getpid())");
}

static void errors(void)
{
    SOFT_ERRNO("setpgid(0, -1)", EINVAL, setpgid(0, -1));
    SOFT_ERRNO("setpgid(-1, 0) (pgid becomes -1)", EINVAL, setpgid(-1, 0));
    SOFT_ERRNO("setpgid(-1, our group)", ESRCH, setpgid(-1, getpgrp()));
    SOFT_ERRNO("setpgid(INT_MIN, our group)", ESRCH, setpgid(INT_MIN, getpgrp()));
    SOFT_ERRNO("getpgid(INT_MAX)", ESRCH, getpgid(INT_MAX));
    SOFT_ERRNO("getpgid(-1)", ESRCH, getpgid(-1));
    SOFT_ERRNO("getsid(INT_MAX)", ESRCH, getsid(INT_MAX));
    SOFT_ERRNO("getsid(-1)", ESRCH, getsid(-1));
    SOFT_ERRNO("setpgid(INT_MAX, 0)", ESRCH, setpgid(INT_MAX, 0));
    SOFT_ERRNO("setpgid(0, group that does not exist)", EPERM, setpgid(0, INT_MAX));
}

/* A child moved between groups by its parent, before it execs. */
static void move_child(void)
{
    int go[2];
    CHECK(pipe(go) == 0, "pipe");
    pid_t me = getpid();
    pid_t pid = fork_checked();
    if (pid == 0) {
        close(go[1]);
        char c;
        if (read(go[0], &c, 1) != 1)
            _exit(2);
        /* The parent moved us into a group of our own. */
        if (getpgrp() != getpid())
            _exit(3);
        if (getppid() != me)
            _exit(4);
        /* A child may move itself back into its parent's group. */
        if (setpgid(0, me) != 0)
            _exit(5);
        if (getpgrp() != me)
            _exit(6);
        _exit(0);
    }
    close(go[0]);
    CHECK(getpgid(pid) == getpgrp(), "a new child is not in its parent's group");
    OK("a child starts in its parent's group");
    CHECK(setpgid(pid, pid) == 0, "setpgid(child, child)");
    CHECK(getpgid(pid) == pid, "getpgid(child) after setpgid(child, child)");
    OK("the parent moves the child into a new group (getpgid(child) == child)");
    CHECK(setpgid(pid, getpgrp()) == 0, "setpgid(child, our group)");
    CHECK(getpgid(pid) == getpgrp(), "getpgid(child) after moving it back");
    CHECK(setpgid(pid, 0) == 0, "setpgid(child, 0)");
    CHECK(getpgid(pid) == pid, "getpgid(child) after setpgid(child, 0)");
    OK("moved back to our group, then into its own with setpgid(child, 0)");
    CHECK(write(go[1], "g", 1) == 1, "write");
    close(go[1]);
    expect_exit(pid, 0, "moved child");
    OK("the child sees its group, and moves itself back into ours");
}

/* After the child execs, its parent can no longer change its group. */
static void after_exec(const char *argv0)
{
    int go[2], ready[2];
    CHECK(pipe(go) == 0 && pipe(ready) == 0, "pipe");
    pid_t pid = fork_checked();
    if (pid == 0) {
        close(go[1]);
        close(ready[0]);
        char r[16], w[16];
        snprintf(r, sizeof r, "%d", go[0]);
        snprintf(w, sizeof w, "%d", ready[1]);
        char *const args[] = {(char *)argv0, "block", r, w, NULL};
        execv("/proc/self/exe", args);
        _exit(120);
    }
    close(go[0]);
    close(ready[1]);
    char c;
    CHECK(read(ready[0], &c, 1) == 1 && c == 'r', "the exec'd child did not report");
    close(ready[0]);
    SOFT_ERRNO("setpgid(child, child) after the child exec'd", EACCES, setpgid(pid, pid));
    SOFT_ERRNO("setpgid(child, 0) after the child exec'd", EACCES, setpgid(pid, 0));
    SOFT_ERRNO("setpgid(child, our group) after the child exec'd", EACCES,
                 setpgid(pid, getpgrp()));
    CHECK(getpgid(pid) == getpgrp(), "the exec'd child changed group");
    CHECK(write(go[1], "g", 1) == 1, "write");
    close(go[1]);
    expect_exit(pid, 0, "exec'd child");
    OK("the exec'd child stayed in our group");
}

/* A child that starts its own session. */
static void new_session(void)
{
    int ready[2], go[2];
    CHECK(pipe(ready) == 0 && pipe(go) == 0, "pipe");
    pid_t parent_group = getpgrp();
    pid_t parent_session = getsid(0);
    pid_t pid = fork_checked();
    if (pid == 0) {
        close(ready[0]);
        close(go[1]);
        pid_t self = getpid();
        if (getsid(0) != parent_session)
            _exit(2);
        if (setsid() != self)
            _exit(3);
        if (getsid(0) != self || getsid(self) != self)
            _exit(4);
        if (getpgid(0) != self || getpgrp() != self)
            _exit(5);
        errno = 0;
        if (setsid() != -1 || errno != EPERM)
            _exit(6);
        /* A group in another session cannot be joined. */
        errno = 0;
        if (setpgid(0, parent_group) != -1 || errno != EPERM)
            _exit(7);
        /* A session leader cannot change its group, even to its own. */
        errno = 0;
        if (setpgid(0, 0) != -1 || errno != EPERM)
            _exit(8);
        /* Its parent's session is still visible. */
        if (getsid(getppid()) != parent_session)
            _exit(9);
        if (write(ready[1], "r", 1) != 1)
            _exit(10);
        char c;
        if (read(go[0], &c, 1) != 1)
            _exit(11);
        _exit(0);
    }
    close(ready[1]);
    close(go[0]);
    char c;
    CHECK(read(ready[0], &c, 1) == 1, "the child did not report (it checks its own session)");
    close(ready[0]);
    OK("setsid in a child: returns its pid; getsid and getpgid say it leads both");
    OK("setsid again in the new session leader: EPERM");
    OK("setpgid into a group of another session: EPERM");
    CHECK(getsid(pid) == pid, "getsid(child) from the parent");
    CHECK(getpgid(pid) == pid, "getpgid(child) from the parent");
    CHECK(getsid(0) == parent_session && getpgrp() == parent_group, "our session changed");
    OK("the parent sees the child's new session and group; ours are unchanged");
    SOFT_ERRNO("setpgid of a child that leads a session", EPERM, setpgid(pid, pid));
    SOFT_ERRNO("setpgid of a child in another session into our group", EPERM,
                 setpgid(pid, parent_group));
    CHECK(write(go[1], "g", 1) == 1, "write");
    close(go[1]);
    expect_exit(pid, 0, "session leader child");
    OK("the session leader child passed its own checks");
}

/* A child in its own group can host a sibling; the group outlives its
 * leader; a zombie keeps its group and session until it is reaped. */
static void siblings(void)
{
    int go_a[2], go_b[2];
    CHECK(pipe(go_a) == 0 && pipe(go_b) == 0, "pipe");
    pid_t a = fork_checked();
    if (a == 0) {
        close(go_a[1]);
        close(go_b[1]);
        char c;
        _exit(read(go_a[0], &c, 1) == 0 ? 0 : 2);
    }
    pid_t b = fork_checked();
    if (b == 0) {
        close(go_a[1]);
        close(go_b[1]);
        char c;
        _exit(read(go_b[0], &c, 1) == 0 ? 0 : 2);
    }
    close(go_a[0]);
    close(go_b[0]);
    CHECK(setpgid(a, a) == 0, "setpgid(a, a)");
    CHECK(setpgid(b, a) == 0, "setpgid(b, a)");
    CHECK(getpgid(b) == a && getpgid(a) == a, "b did not join a's group");
    OK("a sibling joins the group another child leads");
    SOFT_ERRNO("setpgid(b, a group nobody leads)", EPERM, setpgid(b, INT_MAX));

    close(go_a[1]);
    expect_exit(a, 0, "a");
    CHECK(getpgid(b) == a, "b left a's group when a exited and was reaped");
    OK("a group outlives its leader while a member remains");

    close(go_b[1]);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PID, b, &si, WEXITED | WNOWAIT) == 0 && si.si_pid == b, "waitid(WNOWAIT)");
    errno = 0;
    pid_t zg = getpgid(b);
    printf("getpgid of a zombie child: %s\n",
           zg == a ? "its group" : zg == -1 ? errname(errno) : "wrong group");
    errno = 0;
    pid_t zs = getsid(b);
    printf("getsid of a zombie child: %s\n",
           zs == getsid(0) ? "our session" : zs == -1 ? errname(errno) : "wrong session");
    expect_exit(b, 0, "b");
    SOFT_ERRNO("getpgid of a reaped child", ESRCH, getpgid(b));
    SOFT_ERRNO("getsid of a reaped child", ESRCH, getsid(b));
    SOFT_ERRNO("setpgid of a reaped child", ESRCH, setpgid(b, 0));
}

static int block(char **argv)
{
    int r = atoi(argv[2]), w = atoi(argv[3]);
    if (write(w, "r", 1) != 1)
        return 2;
    char c;
    return read(r, &c, 1) == 1 ? 0 : 3;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "block") == 0)
        return block(argv);
    pid_t worker = fork_checked();
    if (worker != 0) {
        int st = -1;
        CHECK(waitpid(worker, &st, 0) == worker, "waitpid(worker)");
        CHECK(WIFEXITED(st), "the worker died: status %#x", st);
        return WEXITSTATUS(st);
    }
    CHECK(getpgrp() != getpid(), "the worker leads a group before setpgid");
    CHECK(getsid(0) != getpid(), "the worker leads a session");
    own_group();
    errors();
    move_child();
    after_exec(argv[0]);
    new_session();
    siblings();
    SOFT_DONE();
    OK("done");
    fflush(stdout);
    exit(0);
}
