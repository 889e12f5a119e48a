/* Job control signals on a child: SIGSTOP and SIGTSTP stop it
 * (waitpid WUNTRACED: WIFSTOPPED, WSTOPSIG; reported once), SIGCONT
 * continues it (WCONTINUED: WIFCONTINUED); the parent gets SIGCHLD with
 * CLD_STOPPED / CLD_CONTINUED, si_pid and si_status, unless SA_NOCLDSTOP;
 * waitid with WSTOPPED / WCONTINUED (and WNOWAIT); a stopped child runs no
 * handler and dies from no default SIGTERM until continued, but SIGKILL
 * kills it at once.
 *
 * The child is a small server: it reads a byte from one pipe and answers
 * 'y' on another ('q' makes it exit 0), so the parent knows when the child
 * has run. It gets a process group of its own, so that SIGTSTP is never
 * discarded for an orphaned group. SIGCHLD stays blocked in the parent
 * and is taken with rt_sigtimedwait. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include "check.h"
#include "proc.h"
#include "sig.h"

struct kid {
    pid_t pid;
    int to, from;
};

static int from_fd_for_handler = -1;

static void term_handler(int sig)
{
    (void)sig;
    char c = 'h';
    (void)!write(from_fd_for_handler, &c, 1);
}

static struct kid start_kid(int term_handled)
{
    int a[2], b[2];
    CHECK(pipe(a) == 0 && pipe(b) == 0, "pipe");
    pid_t pid = fork_checked();
    if (pid == 0) {
        close(a[1]);
        close(b[0]);
        setpgid(0, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (term_handled) {
            from_fd_for_handler = b[1];
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = term_handler;
            sa.sa_flags = SA_RESTART;
            sigaction(SIGTERM, &sa, NULL);
        }
        for (;;) {
            char c;
            long r = read(a[0], &c, 1);
            if (r < 0 && errno == EINTR)
                continue;
            if (r != 1)
                _exit(2);
            if (c == 'q')
                _exit(0);
            if (write(b[1], "y", 1) != 1)
                _exit(3);
        }
    }
    setpgid(pid, pid); /* also here: no race with the child's own call */
    close(a[0]);
    close(b[1]);
    struct kid k = {pid, a[1], b[0]};
    /* Make sure it runs (and has its group and handlers). */
    char c;
    CHECK(write(k.to, "p", 1) == 1 && read(k.from, &c, 1) == 1 && c == 'y', "ping");
    return k;
}

static void ping(struct kid k)
{
    char c = 0;
    CHECK(write(k.to, "p", 1) == 1, "write");
    CHECK(read(k.from, &c, 1) == 1 && c == 'y', "the child did not answer");
}

static void finish(struct kid k)
{
    CHECK(write(k.to, "q", 1) == 1, "write");
    expect_exit(k.pid, 0, "child");
    close(k.to);
    close(k.from);
}

/* A child started and then stopped by SIGSTOP (reaped with WUNTRACED). */
static struct kid stopped_kid(int term_handled)
{
    struct kid k = start_kid(term_handled);
    int st;
    CHECK(kill(k.pid, SIGSTOP) == 0, "kill");
    CHECK(waitpid(k.pid, &st, WUNTRACED) == k.pid && WIFSTOPPED(st), "stopped");
    return k;
}

/* Reaps a child that `sig` killed, and closes its pipes. */
static void reap_killed(struct kid k, int sig)
{
    expect_killed(k.pid, sig, "child");
    close(k.to);
    close(k.from);
}

static sigset_t chld_set;

/* Takes a SIGCHLD (blocked), waiting up to `ms`. */
static int take_sigchld(siginfo_t *si, long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    return ktimedwait(&chld_set, si, &ts);
}

/* Waits (up to 5 s) for a SIGCHLD and checks its siginfo. */
static void expect_sigchld(pid_t pid, int code, int status, const char *what)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    int r = take_sigchld(&si, 5000);
    CHECK(r == SIGCHLD, "%s: no SIGCHLD (%s)", what, errname(errno));
    CHECK(si.si_code == code, "%s: si_code %d, expected %d", what, si.si_code, code);
    CHECK(si.si_pid == pid, "%s: si_pid is not the child", what);
    CHECK(si.si_status == status, "%s: si_status %d, expected %d", what, si.si_status, status);
    CHECK(si.si_uid == getuid(), "%s: si_uid", what);
}

static void no_sigchld(const char *what)
{
    siginfo_t si;
    errno = 0;
    int r = take_sigchld(&si, 0);
    CHECK(r == -1 && errno == EAGAIN, "%s: unexpected SIGCHLD, si_code %d", what, si.si_code);
}

static void stop_and_continue(int stop_sig, const char *name)
{
    drain_signal(SIGCHLD);
    struct kid k = start_kid(0);
    int st;
    CHECK(kill(k.pid, stop_sig) == 0, "kill");
    CHECK(waitpid(k.pid, &st, WUNTRACED) == k.pid, "waitpid WUNTRACED");
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == stop_sig, "%s: status %#x", name, st);
    printf("ok %s: WIFSTOPPED, WSTOPSIG %d\n", name, WSTOPSIG(st));
    expect_sigchld(k.pid, CLD_STOPPED, stop_sig, name);
    printf("ok %s: SIGCHLD with CLD_STOPPED, si_status %d, si_pid the child\n", name, stop_sig);
    CHECK(waitpid(k.pid, &st, WUNTRACED | WNOHANG) == 0, "stop reported twice");
    OK("%s: the stop is reported once", name);

    CHECK(kill(k.pid, SIGCONT) == 0, "kill SIGCONT");
    CHECK(waitpid(k.pid, &st, WCONTINUED) == k.pid, "waitpid WCONTINUED");
    CHECK(WIFCONTINUED(st), "status %#x", st);
    OK("%s then SIGCONT: WIFCONTINUED", name);
    expect_sigchld(k.pid, CLD_CONTINUED, SIGCONT, "SIGCONT");
    OK("SIGCONT: SIGCHLD with CLD_CONTINUED, si_status SIGCONT");
    CHECK(waitpid(k.pid, &st, WCONTINUED | WNOHANG) == 0, "continue reported twice");
    ping(k);
    OK("the continued child runs again");
    finish(k);
    expect_sigchld(k.pid, CLD_EXITED, 0, "exit");
}

static void nocldstop(void)
{
    set_handler(SIGCHLD, SIG_DFL, SA_NOCLDSTOP);
    drain_signal(SIGCHLD);
    struct kid k = stopped_kid(0);
    int st;
    no_sigchld("SA_NOCLDSTOP, stop");
    CHECK(kill(k.pid, SIGCONT) == 0, "kill");
    CHECK(waitpid(k.pid, &st, WCONTINUED) == k.pid && WIFCONTINUED(st), "continued");
    ping(k); /* it has run since SIGCONT, so it would have notified by now */
    no_sigchld("SA_NOCLDSTOP, continue");
    OK("SA_NOCLDSTOP: no SIGCHLD for stop or continue; waitpid still reports both");
    finish(k);
    expect_sigchld(k.pid, CLD_EXITED, 0, "exit with SA_NOCLDSTOP");
    OK("SA_NOCLDSTOP: SIGCHLD still comes for the exit");
    set_handler(SIGCHLD, SIG_DFL, 0);
}

static void with_waitid(void)
{
    drain_signal(SIGCHLD);
    struct kid k = start_kid(0);
    siginfo_t si;
    CHECK(kill(k.pid, SIGSTOP) == 0, "kill");
    for (int i = 0; i < 2; i++) {
        memset(&si, 0, sizeof si);
        CHECK(waitid(P_PID, k.pid, &si, WSTOPPED | WNOWAIT) == 0, "waitid WNOWAIT");
        CHECK(si.si_code == CLD_STOPPED && si.si_status == SIGSTOP && si.si_pid == k.pid &&
                  si.si_signo == SIGCHLD,
              "waitid WNOWAIT %d: code %d status %d", i, si.si_code, si.si_status);
    }
    OK("waitid(WSTOPPED | WNOWAIT) reports the stop without consuming it");
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PID, k.pid, &si, WSTOPPED) == 0, "waitid WSTOPPED");
    CHECK(si.si_code == CLD_STOPPED && si.si_status == SIGSTOP && si.si_pid == k.pid,
          "waitid WSTOPPED: code %d status %d", si.si_code, si.si_status);
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PID, k.pid, &si, WSTOPPED | WNOHANG) == 0 && si.si_pid == 0,
          "stop reported again");
    OK("waitid(WSTOPPED): CLD_STOPPED, si_status SIGSTOP, then nothing more");
    CHECK(kill(k.pid, SIGCONT) == 0, "kill");
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PID, k.pid, &si, WCONTINUED) == 0, "waitid WCONTINUED");
    CHECK(si.si_code == CLD_CONTINUED && si.si_status == SIGCONT && si.si_pid == k.pid,
          "waitid WCONTINUED: code %d status %d", si.si_code, si.si_status);
    OK("waitid(WCONTINUED): CLD_CONTINUED, si_status SIGCONT");
    finish(k);
}

static void stopped_deaths(void)
{
    drain_signal(SIGCHLD);
    int st;
    struct kid k = stopped_kid(0);
    CHECK(kill(k.pid, SIGKILL) == 0, "kill");
    reap_killed(k, SIGKILL);
    OK("a stopped child killed with SIGKILL is reaped as signaled (9)");

    k = stopped_kid(0);
    CHECK(kill(k.pid, SIGTERM) == 0, "kill");
    CHECK(waitpid(k.pid, &st, WNOHANG) == 0, "the stopped child died from SIGTERM at once");
    OK("a default SIGTERM leaves a stopped child stopped");
    CHECK(kill(k.pid, SIGCONT) == 0, "kill");
    reap_killed(k, SIGTERM);
    OK("after SIGCONT the pending SIGTERM kills it");

    /* A handled SIGTERM waits for SIGCONT. */
    k = stopped_kid(1);
    CHECK(kill(k.pid, SIGTERM) == 0, "kill");
    int fl = fcntl(k.from, F_GETFL);
    CHECK(fcntl(k.from, F_SETFL, fl | O_NONBLOCK) == 0, "O_NONBLOCK");
    char c;
    errno = 0;
    CHECK(read(k.from, &c, 1) == -1 && errno == EAGAIN, "the stopped child ran its handler");
    CHECK(waitpid(k.pid, &st, WNOHANG) == 0, "the stopped child died");
    OK("a stopped child does not run its SIGTERM handler");
    CHECK(fcntl(k.from, F_SETFL, fl) == 0, "blocking again");
    CHECK(kill(k.pid, SIGCONT) == 0, "kill");
    CHECK(read(k.from, &c, 1) == 1 && c == 'h', "no handler after SIGCONT");
    OK("after SIGCONT the pending SIGTERM's handler runs");
    finish(k);
}

int main(void)
{
    chld_set = sigset_of(SIGCHLD);
    CHECK(sigprocmask(SIG_BLOCK, &chld_set, NULL) == 0, "block SIGCHLD");
    stop_and_continue(SIGSTOP, "SIGSTOP");
    stop_and_continue(SIGTSTP, "SIGTSTP");
    stop_and_continue(SIGTTIN, "SIGTTIN");
    nocldstop();
    with_waitid();
    stopped_deaths();
    return 0;
}
