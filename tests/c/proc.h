/* Process helpers shared by the test programs that fork. */
#ifndef SBX_PROC_H
#define SBX_PROC_H

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

/* fork(), with stdio flushed first so that no output is doubled. */
static inline pid_t fork_checked(void)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    return pid;
}

/* Reaps `pid` and checks it exited with `code`. */
static inline void expect_exit(pid_t pid, int code, const char *what)
{
    int st = -1;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid(%s)", what);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == code, "%s: status %#x, expected exit %d", what,
          st, code);
}

#endif
