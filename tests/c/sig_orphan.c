/* Orphaned process groups: when the exit of a process orphans a process
 * group that has a stopped member, every member gets SIGHUP and then
 * SIGCONT; a terminal stop signal (SIGTSTP) with its default action does
 * nothing to a process of an orphaned group, while SIGSTOP still stops it.
 *
 * A session leader A has a child X that leads a group of its own in A's
 * session, with a member Y that stops: A is the group's only link to the
 * session, so A's exit orphans it. The test process is a child subreaper,
 * so that X and Y come back to it natively as in the sandbox (where it is
 * init), in another session. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "proc.h"
#include "sig.h"

static int report = -1;

static void note(int sig)
{
    char c = sig == SIGHUP ? 'H' : 'C';
    (void)!write(report, &c, 1);
}

/* Y: stops; once the orphaning continues it, checks SIGTSTP and SIGSTOP. */
static void member(void)
{
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

/* X: leads the group, with Y in it; reports both pids, then waits to be
 * hung up (SIGHUP's default action ends it). */
static void leader(int ids)
{
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
    for (;;)
        pause();
}

int main(void)
{
    CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0, "PR_SET_CHILD_SUBREAPER");
    int p[2], idp[2];
    CHECK(pipe(p) == 0 && pipe(idp) == 0, "pipe");
    report = p[1];
    pid_t a = fork_checked();
    if (a == 0) {
        close(p[0]);
        close(idp[0]);
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
        (void)!write(idp[1], ids, sizeof ids);
        _exit(0);
    }
    close(p[1]);
    close(idp[1]);
    pid_t ids[2];
    CHECK(read(idp[0], ids, sizeof ids) == sizeof ids, "read the group's pids");
    expect_exit(a, 0, "session leader");
    OK("the session leader exited, leaving a group with a stopped member");

    char got[2];
    CHECK(read(p[0], &got[0], 1) == 1 && read(p[0], &got[1], 1) == 1, "the stopped member's handlers did not report");
    int h = got[0] == 'H' || got[1] == 'H', c = got[0] == 'C' || got[1] == 'C';
    CHECK(h && c, "expected SIGHUP and SIGCONT handlers, got %.2s", got);
    OK("the orphaned group's stopped member got SIGHUP and SIGCONT, and went on");
    int st;
    expect_killed(ids[0], SIGHUP, "the leader");
    OK("the group's leader, without a handler, ended by SIGHUP");

    char t;
    CHECK(read(p[0], &t, 1) == 1 && t == 'T', "SIGTSTP stopped a process of an orphaned group");
    OK("SIGTSTP does nothing to a process of an orphaned group");
    CHECK(waitpid(ids[1], &st, WUNTRACED) == ids[1] && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP, "SIGSTOP: status %#x", st);
    OK("SIGSTOP still stops it");
    CHECK(kill(ids[1], SIGCONT) == 0, "SIGCONT");
    CHECK(read(p[0], &t, 1) == 1 && t == 'C', "its SIGCONT handler");
    CHECK(read(p[0], &t, 1) == 1 && t == 'S', "it did not go on after SIGCONT");
    expect_exit(ids[1], 7, "member");
    OK("continued, it goes on and exits");
    return 0;
}
