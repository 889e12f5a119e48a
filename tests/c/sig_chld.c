/* SIGCHLD: an SA_SIGINFO handler sees CLD_EXITED with si_status the exit
 * code and si_pid the child, CLD_KILLED with si_status the signal (also
 * for a core signal when no core is dumped); SIG_DFL keeps zombies until
 * waited for (and a blocked SIGCHLD stays pending); SA_NOCLDWAIT and
 * SIG_IGN reap children automatically (wait blocks until they are gone,
 * then ECHILD), with SIGCHLD still sent under SA_NOCLDWAIT but not under
 * SIG_IGN; PR_SET_PDEATHSIG signals a child when its parent dies.
 *
 * SIGCHLD is blocked outside sigsuspend, so each delivery is awaited
 * without races. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "proc.h"
#include "sig.h"

static volatile int chld_calls, chld_code, chld_status, chld_signo;
static volatile pid_t chld_pid;

static void chld_handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    chld_calls++;
    chld_signo = sig == si->si_signo ? sig : -1;
    chld_code = si->si_code;
    chld_status = si->si_status;
    chld_pid = si->si_pid;
}

static sigset_t chld_only, nothing;

static const char *code_name(int c)
{
    switch (c) {
    case CLD_EXITED: return "CLD_EXITED";
    case CLD_KILLED: return "CLD_KILLED";
    case CLD_DUMPED: return "CLD_DUMPED";
    default: return "other";
    }
}

/* Forks a child that exits with `code`, or kills itself with `sig`. */
static pid_t spawn(int code, int sig)
{
    pid_t pid = fork_checked();
    if (pid == 0) {
        if (sig) {
            prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); /* no core, any host */
            signal(sig, SIG_DFL);
            sigprocmask(SIG_SETMASK, &nothing, NULL);
            kill(getpid(), sig);
        }
        _exit(code);
    }
    return pid;
}

static void await_handler(void)
{
    while (chld_calls == 0)
        sigsuspend(&nothing);
}

static void handler_info(void)
{
    set_sigaction(SIGCHLD, chld_handler, 0);
    const struct {
        int code, sig, want_code, want_status;
    } cases[] = {
        {5, 0, CLD_EXITED, 5},
        {0, 0, CLD_EXITED, 0},
        {255, 0, CLD_EXITED, 255},
        {0, SIGTERM, CLD_KILLED, SIGTERM},
        {0, SIGKILL, CLD_KILLED, SIGKILL},
        {0, SIGABRT, CLD_KILLED, SIGABRT},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        chld_calls = 0;
        pid_t pid = spawn(cases[i].code, cases[i].sig);
        await_handler();
        CHECK(chld_calls == 1 && chld_signo == SIGCHLD, "handler calls %d", chld_calls);
        CHECK(chld_pid == pid, "si_pid is not the child");
        CHECK(chld_code == cases[i].want_code && chld_status == cases[i].want_status,
              "case %u: %s status %d", i, code_name(chld_code), chld_status);
        printf("ok SIGCHLD for a child that %s %d: %s, si_status %d, si_pid the child\n",
               cases[i].sig ? "got signal" : "exited with", cases[i].sig ? cases[i].sig
                                                                          : cases[i].code,
               code_name(chld_code), chld_status);
        int st;
        CHECK(waitpid(pid, &st, 0) == pid, "the zombie can be reaped");
        if (cases[i].sig)
            CHECK(WIFSIGNALED(st) && WTERMSIG(st) == cases[i].sig && !WCOREDUMP(st),
                  "status %#x", st);
        else
            CHECK(WIFEXITED(st) && WEXITSTATUS(st) == cases[i].code, "status %#x", st);
    }
    OK("each child was then reaped with the matching status");
}

static void zombies(void)
{
    set_handler(SIGCHLD, SIG_DFL, 0);
    drain_signal(SIGCHLD);
    pid_t pid = spawn(3, 0);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0, "waitid WNOWAIT");
    CHECK(si.si_pid == pid && si.si_code == CLD_EXITED && si.si_status == 3,
          "waitid: %s %d", code_name(si.si_code), si.si_status);
    CHECK(is_pending(SIGCHLD), "a blocked SIG_DFL SIGCHLD is not pending");
    OK("SIG_DFL: the exited child stays a zombie; the blocked SIGCHLD is pending");
    expect_exit(pid, 3, "zombie");
    errno = 0;
    CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD, "children left");
    OK("after reaping it: ECHILD");
    drain_signal(SIGCHLD);
}

static void autoreap(int ign)
{
    const char *how = ign ? "SIG_IGN" : "SA_NOCLDWAIT";
    if (ign)
        set_handler(SIGCHLD, SIG_IGN, 0);
    else
        set_sigaction(SIGCHLD, chld_handler, SA_NOCLDWAIT);
    drain_signal(SIGCHLD);
    int hold[2];
    CHECK(pipe(hold) == 0, "pipe");
    for (int i = 0; i < 3; i++) {
        pid_t pid = fork_checked();
        if (pid == 0) {
            char c;
            close(hold[1]);
            (void)!read(hold[0], &c, 1);
            _exit(i);
        }
    }
    close(hold[0]);
    close(hold[1]); /* all three exit now; wait blocks until they have */
    errno = 0;
    pid_t r = wait(NULL);
    CHECK(r == -1 && errno == ECHILD, "%s: wait returned %d", how, (int)r);
    printf("ok %s: children are reaped by themselves, wait ends with ECHILD\n", how);
    if (ign) {
        CHECK(!is_pending(SIGCHLD), "SIG_IGN: SIGCHLD pending");
        OK("SIG_IGN: no SIGCHLD is sent, even while blocked");
    } else {
        CHECK(is_pending(SIGCHLD), "SA_NOCLDWAIT: no SIGCHLD pending");
        OK("SA_NOCLDWAIT: SIGCHLD is still sent");
        chld_calls = 0;
        sigsuspend(&nothing);
        CHECK(chld_calls == 1 && chld_code == CLD_EXITED, "SA_NOCLDWAIT handler");
        OK("SA_NOCLDWAIT: the handler gets CLD_EXITED");
    }
    set_handler(SIGCHLD, SIG_DFL, 0);
    drain_signal(SIGCHLD);
}

/* PR_SET_PDEATHSIG: a grandchild, reparented to us (a subreaper), gets
 * SIGTERM when its parent exits. */
static void pdeathsig(void)
{
    CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0, "PR_SET_CHILD_SUBREAPER");
    int ready[2], gpid[2];
    CHECK(pipe(ready) == 0 && pipe(gpid) == 0, "pipe");
    pid_t middle = fork_checked();
    if (middle == 0) {
        pid_t me = getpid();
        pid_t g = fork();
        if (g < 0)
            _exit(2);
        if (g == 0) {
            sigprocmask(SIG_SETMASK, &nothing, NULL);
            if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) != 0)
                _exit(3);
            int s = 0;
            if (prctl(PR_GET_PDEATHSIG, &s, 0, 0, 0) != 0 || s != SIGTERM)
                _exit(4);
            if (getppid() != me) /* the parent is gone already: no signal */
                _exit(5);
            if (write(ready[1], "r", 1) != 1)
                _exit(6);
            for (;;)
                pause();
        }
        if (write(gpid[1], &g, sizeof g) != sizeof g)
            _exit(7);
        char c;
        if (read(ready[0], &c, 1) != 1)
            _exit(8);
        _exit(0);
    }
    close(ready[1]);
    close(gpid[1]);
    pid_t g = 0;
    CHECK(read(gpid[0], &g, sizeof g) == sizeof g, "grandchild pid");
    expect_exit(middle, 0, "middle child");
    int st;
    CHECK(waitpid(g, &st, 0) == g, "the grandchild was not reparented to us");
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "grandchild status %#x", st);
    OK("PR_SET_PDEATHSIG: the orphan gets SIGTERM, and we (subreaper) reap it");
    close(ready[0]);
    close(gpid[0]);
    CHECK(prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0) == 0, "subreaper off");
}

int main(void)
{
    sigemptyset(&nothing);
    chld_only = sigset_of(SIGCHLD);
    CHECK(sigprocmask(SIG_BLOCK, &chld_only, NULL) == 0, "block SIGCHLD");
    handler_info();
    zombies();
    autoreap(0);
    autoreap(1);
    pdeathsig();
    errno = 0;
    CHECK(waitpid(-1, NULL, 0) == -1 && errno == ECHILD, "children left");
    OK("no children left");
    return 0;
}
