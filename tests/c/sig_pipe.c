/* SIGPIPE: a write to a pipe with no reader kills with SIGPIPE by default
 * (a child's status: signaled 13, before the write returns); with SIGPIPE
 * ignored the write fails with EPIPE; with a handler the handler runs
 * (si_code SI_USER, si_pid ours) and the write then fails with EPIPE;
 * blocked, the write fails with EPIPE and SIGPIPE stays pending; writev
 * too. (MSG_NOSIGNAL on sockets comes with the sockets.) */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/uio.h>
#include <unistd.h>
#include "check.h"
#include "proc.h"
#include "sig.h"

static volatile int calls, code;
static volatile pid_t from;

static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (sig == SIGPIPE)
        calls++;
    code = si->si_code;
    from = si->si_pid;
}

/* A pipe whose read end is closed; returns the write end. */
static int broken_pipe(void)
{
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    close(p[0]);
    return p[1];
}

static void default_kills(void)
{
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    pid_t pid = fork_checked();
    if (pid == 0) {
        close(p[0]);
        int w = broken_pipe();
        signal(SIGPIPE, SIG_DFL);
        (void)!write(w, "x", 1);
        (void)!write(p[1], "survived", 8); /* not reached */
        _exit(0);
    }
    close(p[1]);
    char buf[8];
    CHECK(read(p[0], buf, sizeof buf) == 0, "the child went on after the write");
    close(p[0]);
    expect_killed(pid, SIGPIPE, "writer");
    OK("write to a pipe with no reader: killed by SIGPIPE (13) before the write returns");
}

static void ignored(void)
{
    CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR, "SIG_IGN");
    int w = broken_pipe();
    EXPECT_ERRNO("write, SIGPIPE ignored", EPIPE, write(w, "x", 1));
    struct iovec iov = {.iov_base = "abc", .iov_len = 3};
    EXPECT_ERRNO("writev, SIGPIPE ignored", EPIPE, writev(w, &iov, 1));
    CHECK(!is_pending(SIGPIPE), "pending");
    close(w);

    /* Data still buffered does not help: no reader, no write. */
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    CHECK(write(p[1], "a", 1) == 1, "write");
    close(p[0]);
    EXPECT_ERRNO("write after the reader closed with data buffered", EPIPE, write(p[1], "b", 1));
    close(p[1]);
    signal(SIGPIPE, SIG_DFL);
}

static void handled(void)
{
    set_sigaction(SIGPIPE, handler, 0);
    int w = broken_pipe();
    calls = 0;
    EXPECT_ERRNO("write, SIGPIPE handled", EPIPE, write(w, "x", 1));
    CHECK(calls == 1, "handler ran %d times", calls);
    printf("ok the SIGPIPE handler ran once, si_code %s\n",
           code == SI_USER ? "SI_USER" : code == SI_KERNEL ? "SI_KERNEL" : "other");
    CHECK(code == SI_USER, "si_code %d", code);
    CHECK(from == getpid(), "si_pid is not ours");
    OK("SIGPIPE's si_pid is our own");
    calls = 0;
    EXPECT_ERRNO("a second write", EPIPE, write(w, "y", 1));
    CHECK(calls == 1, "handler ran %d times", calls);
    OK("each failing write raises SIGPIPE again");

    sigset_t s = sigset_of(SIGPIPE);
    CHECK(sigprocmask(SIG_BLOCK, &s, NULL) == 0, "block");
    calls = 0;
    EXPECT_ERRNO("write, SIGPIPE blocked", EPIPE, write(w, "z", 1));
    CHECK(calls == 0 && is_pending(SIGPIPE), "blocked SIGPIPE not pending");
    OK("blocked: SIGPIPE is pending");
    CHECK(sigprocmask(SIG_UNBLOCK, &s, NULL) == 0 && calls == 1, "unblock");
    OK("unblocking delivers it");
    close(w);
    signal(SIGPIPE, SIG_DFL);
}

int main(void)
{
    default_kills();
    ignored();
    handled();
    return 0;
}
