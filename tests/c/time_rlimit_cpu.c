/* RLIMIT_CPU: SIGXCPU at the soft limit (then each further second), SIGKILL
 * at the hard limit, the soft limit raised by a second at each SIGXCPU,
 * and SIGXCPU's default action. Prints no time. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

static int xcpu_pipe[2];

static void on_xcpu(int s)
{
    (void)s;
    struct rlimit r;
    getrlimit(RLIMIT_CPU, &r);
    char c = (char)('0' + r.rlim_cur);
    if (write(xcpu_pipe[1], &c, 1) != 1)
        _exit(9);
}

static void spin(void)
{
    volatile unsigned long x = 0;
    for (;;)
        x++;
}

static pid_t child(rlim_t soft, rlim_t hard, int handle)
{
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        if (handle) {
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = on_xcpu;
            sigaction(SIGXCPU, &sa, NULL);
        }
        struct rlimit r = {soft, hard};
        if (setrlimit(RLIMIT_CPU, &r) != 0)
            _exit(8);
        spin();
    }
    return pid;
}

int main(void)
{
    CHECK(pipe(xcpu_pipe) == 0, "pipe");
    int st;
    pid_t pid = child(1, 2, 1);
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the hard limit kills with SIGKILL (status %#x)", st);
    close(xcpu_pipe[1]);
    char seen[16];
    ssize_t n = read(xcpu_pipe[0], seen, sizeof seen);
    CHECK(n == 1, "one SIGXCPU before the hard limit (%zd)", n);
    CHECK(seen[0] == '2', "the soft limit was raised by a second at SIGXCPU");
    OK("soft limit: SIGXCPU (soft limit raised by 1 s); hard limit: SIGKILL");

    pid = child(1, RLIM_INFINITY, 0);
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGXCPU, "SIGXCPU's default action ends the process (status %#x)", st);
    OK("SIGXCPU unhandled ends the process");
    return 0;
}
