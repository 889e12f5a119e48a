/* Default actions, seen by the parent through waitpid on forked children:
 * terminate (SIGTERM, SIGUSR1, SIGHUP, SIGINT, SIGALRM, SIGRTMIN; no core
 * bit), core (SIGQUIT, SIGABRT, SIGSEGV, SIGFPE, SIGILL, SIGSYS, SIGBUS,
 * SIGTRAP; undumpable children, so no core file is written and the core
 * bit is 0 on any host), ignore (SIGCHLD, SIGURG, SIGWINCH; SIGCONT on a
 * running process); SIG_IGN makes SIGTERM harmless; a blocked fatal
 * signal waits for the unblock; SIGKILL cannot be caught, ignored or
 * blocked; the raw wait status of a signal death; on execve handlers
 * become SIG_DFL while SIG_IGN, the mask and pending signals are kept.
 *
 * Usage: sig_default            run the tests
 *        sig_default execd      (exec'd by a child) check the inherited
 *                               signal state, exit 0 if right */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>
#include "check.h"
#include "proc.h"
#include "sig.h"

/* The status of a child that sets up as `prep` says, then raises `sig`,
 * and exits 0 if it survives. */
enum prep { PLAIN, NO_CORE, CORE_UNLIMITED, IGNORED, ALL_BLOCKED_IGN };

static int run_child(int sig, enum prep prep)
{
    pid_t pid = fork_checked();
    if (pid == 0) {
        if (prep == NO_CORE || prep == CORE_UNLIMITED) {
            struct rlimit rl = {0, 0};
            if (prep == CORE_UNLIMITED)
                rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
            if (setrlimit(RLIMIT_CORE, &rl) != 0 && prep == NO_CORE)
                _exit(2);
            /* Undumpable: no core file (not even through a core_pattern
             * pipe, which ignores RLIMIT_CORE 0), so no core bit. */
            if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
                _exit(3);
        }
        if (prep == IGNORED || prep == ALL_BLOCKED_IGN) {
            if (signal(SIGTERM, SIG_IGN) == SIG_ERR)
                _exit(4);
        }
        if (prep == ALL_BLOCKED_IGN) {
            sigset_t all;
            sigfillset(&all);
            if (sigprocmask(SIG_SETMASK, &all, NULL) != 0)
                _exit(5);
        }
        kill(getpid(), sig);
        _exit(0);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
    return st;
}

static void terminate(void)
{
    const int sigs[] = {SIGTERM, SIGUSR1, SIGUSR2, SIGHUP, SIGINT, SIGALRM, SIGPIPE, SIGVTALRM};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        int st = run_child(sigs[i], PLAIN);
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == sigs[i], "signal %d: status %#x", sigs[i], st);
        CHECK(!WCOREDUMP(st), "signal %d: core bit set", sigs[i]);
        CHECK(st == sigs[i], "signal %d: raw status %#x", sigs[i], st);
        printf("ok %s kills: WTERMSIG %d, no core bit, raw status %d\n", strsignal(sigs[i]),
               WTERMSIG(st), st);
    }
    int st = run_child(SIGRTMIN + 1, PLAIN);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGRTMIN + 1 && !WCOREDUMP(st),
          "SIGRTMIN+1: status %#x", st);
    OK("SIGRTMIN+1 kills, no core bit");
}

static void core(void)
{
    const int sigs[] = {SIGQUIT, SIGABRT, SIGSEGV, SIGFPE, SIGILL, SIGSYS, SIGBUS, SIGTRAP,
                        SIGXCPU, SIGXFSZ};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        int st = run_child(sigs[i], NO_CORE);
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == sigs[i], "signal %d: status %#x", sigs[i], st);
        printf("ok %s kills (undumpable): WTERMSIG %d, core bit %s\n", strsignal(sigs[i]),
               WTERMSIG(st), WCOREDUMP(st) ? "set" : "clear");
        CHECK(!WCOREDUMP(st), "core bit set for an undumpable process");
        st = run_child(sigs[i], CORE_UNLIMITED);
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == sigs[i], "signal %d with RLIMIT_CORE unlimited",
              sigs[i]);
    }
    OK("the core signals kill with RLIMIT_CORE unlimited too");
}

static void ignore(void)
{
    const int sigs[] = {SIGCHLD, SIGURG, SIGWINCH, SIGCONT};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        int st = run_child(sigs[i], PLAIN);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "signal %d: status %#x", sigs[i], st);
        printf("ok %s does not kill by default (ignore; continue for SIGCONT): the child exits 0\n",
               strsignal(sigs[i]));
    }
    int st = run_child(SIGTERM, IGNORED);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "ignored SIGTERM: status %#x", st);
    OK("SIGTERM set to SIG_IGN is harmless");
}

static void kill_rules(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    EXPECT_ERRNO("sigaction(SIGKILL, SIG_IGN)", EINVAL, sigaction(SIGKILL, &sa, NULL));
    errno = 0;
    CHECK(signal(SIGKILL, SIG_IGN) == SIG_ERR && errno == EINVAL, "signal(SIGKILL, SIG_IGN)");
    OK("signal(SIGKILL, SIG_IGN): SIG_ERR/EINVAL");
    int st = run_child(SIGKILL, ALL_BLOCKED_IGN);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && st == SIGKILL, "SIGKILL: status %#x",
          st);
    OK("SIGKILL kills a child that blocks everything and ignores SIGTERM: raw status 9");
    st = run_child(SIGTERM, ALL_BLOCKED_IGN);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "blocked ignored SIGTERM: %#x", st);
    OK("a blocked and ignored SIGTERM does nothing");
}

/* A blocked SIGTERM kills only when unblocked. */
static void blocked_fatal(void)
{
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    pid_t pid = fork_checked();
    if (pid == 0) {
        close(p[0]);
        sigset_t t = sigset_of(SIGTERM);
        sigprocmask(SIG_BLOCK, &t, NULL);
        raise(SIGTERM);
        if (write(p[1], "a", 1) != 1)
            _exit(2);
        sigprocmask(SIG_UNBLOCK, &t, NULL);
        _exit(0);
    }
    close(p[1]);
    char c = 0;
    CHECK(read(p[0], &c, 1) == 1 && c == 'a', "the child did not survive the blocked SIGTERM");
    close(p[0]);
    expect_killed(pid, SIGTERM, "child");
    OK("a blocked SIGTERM is harmless until unblocked, then kills");
}

static void on_usr1(int sig)
{
    (void)sig;
}

static int execd(void)
{
    struct sigaction sa;
    if (sigaction(SIGTERM, NULL, &sa) != 0 || sa.sa_handler != SIG_IGN)
        return 10;
    if (sigaction(SIGUSR1, NULL, &sa) != 0 || sa.sa_handler != SIG_DFL)
        return 11;
    sigset_t cur, pend;
    if (sigprocmask(SIG_BLOCK, NULL, &cur) != 0 || !sigismember(&cur, SIGUSR2) ||
        sigismember(&cur, SIGUSR1))
        return 12;
    if (sigpending(&pend) != 0 || !sigismember(&pend, SIGUSR2))
        return 13;
    return 0;
}

static void exec_inherit(char *argv0)
{
    pid_t pid = fork_checked();
    if (pid == 0) {
        signal(SIGTERM, SIG_IGN);
        signal(SIGUSR1, on_usr1);
        sigset_t s = sigset_of(SIGUSR2);
        sigprocmask(SIG_BLOCK, &s, NULL);
        raise(SIGUSR2);
        char *args[] = {argv0, "execd", NULL};
        execv(argv0, args);
        _exit(99);
    }
    expect_exit(pid, 0, "exec'd image");
    OK("across execve: handler reset to SIG_DFL, SIG_IGN, mask and pending signal kept");
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "execd") == 0)
        return execd();
    terminate();
    core();
    ignore();
    kill_rules();
    blocked_fatal();
    exec_inherit(argv[0]);
    return 0;
}
