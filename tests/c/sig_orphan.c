/* Orphaned process groups: when the exit of a process orphans a process
 * group that has a stopped member, its members get SIGHUP and then
 * SIGCONT; a terminal stop signal (SIGTSTP) with its default action does
 * nothing to a process of an orphaned group, while SIGSTOP still stops it.
 *
 * A session leader A has a child X that leads a group of its own in A's
 * session, with a member Y: A is the group's only link to the session, so
 * A's exit orphans it. Both X and Y are stopped when A exits, because
 * kernels differ about members that are not: POSIX and mainline Linux
 * (kill_orphaned_pgrp) send SIGHUP to every member, but the Linux 6.18
 * (Firecracker build) these tests run on sends it only to the stopped
 * ones, though SIGCONT to all. With every member stopped, both rules send
 * each SIGHUP and SIGCONT. The test process is a child subreaper, so that
 * X and Y come back to it natively as in the sandbox (where it is init),
 * in another session. A watchdog bounds every wait (watchdog.h). */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "proc.h"
#include "sig.h"
#include "watchdog.h"

/* The test process gives up after this long; its descendants, which it
 * kills then, after CHILD_TIMEOUT of their own if it is gone. */
#define TIMEOUT 20
#define CHILD_TIMEOUT 30

static int report = -1;

static void note(int sig)
{
    char c = sig == SIGHUP ? 'H' : 'C';
    (void)!write(report, &c, 1);
}

/* Y: stops; once the orphaning continues it, checks SIGTSTP and SIGSTOP. */
static void member(void)
{
    watchdog_child(CHILD_TIMEOUT);
    struct sigaction sa = {.sa_handler = note};
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGCONT, &sa, NULL);
    raise(SIGSTOP);
    raise(SIGTSTP);
    (void)!write(report, "T", 1);
    raise(SIGSTOP);
    (void)!write(report, "S", 1);
    _exit(7);
}

/* X: leads the group, with Y in it; once Y has stopped, reports both pids
 * and stops too, to be hung up (SIGHUP's default action ends it) when the
 * orphaning continues it. */
static void leader(int ids)
{
    watchdog_child(CHILD_TIMEOUT);
    if (setpgid(0, 0) != 0)
        _exit(2);
    pid_t y = fork();
    if (y < 0)
        _exit(3);
    if (y == 0)
        member();
    int st;
    if (waitpid(y, &st, WUNTRACED) != y || !WIFSTOPPED(st))
        _exit(4);
    pid_t ids_out[2] = {getpid(), y};
    (void)!write(ids, ids_out, sizeof ids_out);
    raise(SIGSTOP);
    for (;;)
        pause();
}

/* A: leads a session with X's group in it; passes on the group's pids,
 * waits until X has stopped too, and exits, orphaning the group. */
static void session_leader(int ids_fd)
{
    watchdog_child(CHILD_TIMEOUT);
    if (setsid() < 0)
        _exit(2);
    int relay[2];
    if (pipe(relay) != 0)
        _exit(3);
    pid_t x = fork();
    if (x < 0)
        _exit(4);
    if (x == 0) {
        close(relay[0]);
        leader(relay[1]);
    }
    close(relay[1]);
    pid_t ids[2];
    if (read(relay[0], ids, sizeof ids) != sizeof ids)
        _exit(5);
    (void)!write(ids_fd, ids, sizeof ids);
    int st;
    if (waitpid(x, &st, WUNTRACED) != x || !WIFSTOPPED(st))
        _exit(6);
    _exit(0);
}

int main(void)
{
    watchdog_start(TIMEOUT);
    CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0, "PR_SET_CHILD_SUBREAPER");
    int p[2], idp[2];
    CHECK(pipe(p) == 0 && pipe(idp) == 0, "pipe");
    report = p[1];
    pid_t a = fork_checked();
    if (a == 0) {
        close(p[0]);
        close(idp[0]);
        session_leader(idp[1]);
    }
    watchdog_kill(a);
    close(p[1]);
    close(idp[1]);
    pid_t ids[2];
    watchdog_step("the group's pids");
    CHECK(read(idp[0], ids, sizeof ids) == sizeof ids, "read the group's pids");
    watchdog_kill(-ids[0]);
    watchdog_kill(ids[0]);
    watchdog_kill(ids[1]);
    watchdog_step("the session leader to exit");
    expect_exit(a, 0, "session leader");
    OK("the session leader exited, leaving a group whose members are all stopped");

    watchdog_step("the stopped member's SIGHUP and SIGCONT handlers");
    char got[2];
    CHECK(read(p[0], &got[0], 1) == 1 && read(p[0], &got[1], 1) == 1, "the stopped member's handlers did not report");
    int h = got[0] == 'H' || got[1] == 'H', c = got[0] == 'C' || got[1] == 'C';
    CHECK(h && c, "expected SIGHUP and SIGCONT handlers, got %.2s", got);
    OK("the orphaned group's stopped member got SIGHUP and SIGCONT, and went on");
    int st;
    watchdog_step("the group's leader to end by SIGHUP");
    expect_killed(ids[0], SIGHUP, "the leader");
    OK("the group's stopped leader, without a SIGHUP handler, ended by SIGHUP");

    char t;
    watchdog_step("the member to go on after SIGTSTP");
    CHECK(read(p[0], &t, 1) == 1 && t == 'T', "SIGTSTP stopped a process of an orphaned group");
    OK("SIGTSTP does nothing to a process of an orphaned group");
    watchdog_step("the member to stop by SIGSTOP");
    CHECK(waitpid(ids[1], &st, WUNTRACED) == ids[1] && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP, "SIGSTOP: status %#x", st);
    OK("SIGSTOP still stops it");
    CHECK(kill(ids[1], SIGCONT) == 0, "SIGCONT");
    watchdog_step("the member's SIGCONT handler");
    CHECK(read(p[0], &t, 1) == 1 && t == 'C', "its SIGCONT handler");
    watchdog_step("the member to go on after SIGCONT");
    CHECK(read(p[0], &t, 1) == 1 && t == 'S', "it did not go on after SIGCONT");
    watchdog_step("the member to exit");
    expect_exit(ids[1], 7, "member");
    OK("continued, it goes on and exits");
    watchdog_stop();
    return 0;
}
