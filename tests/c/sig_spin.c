/* A signal reaches a process spinning in app code, with no system call to
 * stop at: the handler runs, the loop it breaks ends, and the process goes
 * on. (How fast is sandbox-bench's `signal-latency` case.) */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "proc.h"
#include "sig.h"

static volatile sig_atomic_t got;

static void handler(int sig)
{
    got = sig;
}

int main(void)
{
    int ready[2];
    CHECK(pipe(ready) == 0, "pipe");
    pid_t pid = fork_checked();
    if (pid == 0) {
        set_handler(SIGUSR1, handler, 0);
        if (write(ready[1], "r", 1) != 1)
            _exit(2);
        while (!got)
            ;
        _exit(got == SIGUSR1 ? 0 : 3);
    }
    char c;
    CHECK(read(ready[0], &c, 1) == 1, "the child did not get ready");
    CHECK(kill(pid, SIGUSR1) == 0, "kill");
    expect_exit(pid, 0, "spinning child");
    OK("a child spinning in app code takes a signal, and its handler ends the loop");
    /* Twice, in a row, in the same spin. */
    pid = fork_checked();
    if (pid == 0) {
        set_handler(SIGUSR1, handler, 0);
        if (write(ready[1], "r", 1) != 1)
            _exit(2);
        for (int i = 0; i < 2; i++) {
            while (!got)
                ;
            got = 0;
            if (write(ready[1], "h", 1) != 1)
                _exit(2);
        }
        _exit(0);
    }
    CHECK(read(ready[0], &c, 1) == 1 && c == 'r', "ready");
    for (int i = 0; i < 2; i++) {
        CHECK(kill(pid, SIGUSR1) == 0, "kill");
        CHECK(read(ready[0], &c, 1) == 1 && c == 'h', "handled");
    }
    expect_exit(pid, 0, "spinning child");
    OK("and again, each time");
    /* A fatal one ends it. */
    pid = fork_checked();
    if (pid == 0) {
        if (write(ready[1], "r", 1) != 1)
            _exit(2);
        for (;;)
            ;
    }
    CHECK(read(ready[0], &c, 1) == 1, "ready");
    CHECK(kill(pid, SIGTERM) == 0, "kill");
    expect_killed(pid, SIGTERM, "spinning child");
    OK("SIGTERM ends a spinning child");
    return 0;
}
