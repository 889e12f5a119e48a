/* Signals and threads: the signal mask and the alternate stack are per
 * thread (a new thread inherits the creator's mask, starts with no alt
 * stack); dispositions are shared; a process-directed signal that every
 * thread blocks stays pending until one thread unblocks it, and that
 * thread runs the handler; with the main thread blocking it, a worker that
 * does not block it gets it; thread-directed signals (tgkill) are pending
 * on their thread alone while process-directed ones show in every
 * thread's sigpending; sigwaitinfo in a worker takes a process-directed
 * signal; a fatal signal ends every thread (in a child).
 *
 * The worker obeys one-byte commands from a pipe and answers with a
 * 64-bit value, so the main thread always knows what the worker is
 * doing. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"
#include "proc.h"
#include "sig.h"

static volatile pid_t handler_tid;
static volatile int handler_calls;

static void handler(int sig)
{
    (void)sig;
    handler_calls++;
    handler_tid = gettid();
}

static int cmd_pipe[2], reply_pipe[2];
static pid_t worker_tid;

static uint64_t mask_bits(const sigset_t *s)
{
    uint64_t m = 0;
    for (int i = 1; i <= 64; i++)
        if (sigismember(s, i) == 1)
            m |= BIT(i);
    return m;
}

static uint64_t pending_bits(void)
{
    sigset_t p;
    sigpending(&p);
    return mask_bits(&p);
}

static uint64_t my_mask(void)
{
    sigset_t m;
    pthread_sigmask(SIG_BLOCK, NULL, &m);
    return mask_bits(&m);
}

static void *worker(void *arg)
{
    (void)arg;
    for (;;) {
        char c;
        if (read(cmd_pipe[0], &c, 1) != 1)
            return (void *)1;
        uint64_t r = 0;
        sigset_t s;
        sigemptyset(&s);
        switch (c) {
        case 'i': r = (uint64_t)gettid(); break;
        case 'm': r = my_mask(); break;
        case 'p': r = pending_bits(); break;
        case 'a': {
            stack_t ss;
            sigaltstack(NULL, &ss);
            r = (uint64_t)ss.ss_flags;
            break;
        }
        case 'u':
            sigaddset(&s, SIGUSR1);
            pthread_sigmask(SIG_UNBLOCK, &s, NULL); /* a pending SIGUSR1 runs here */
            r = (uint64_t)handler_calls;
            break;
        case 'b':
            sigaddset(&s, SIGUSR1);
            pthread_sigmask(SIG_BLOCK, &s, NULL);
            break;
        case 't': r = (uint64_t)syscall(SYS_tgkill, getpid(), gettid(), SIGUSR2); break;
        case 'w': {
            sigaddset(&s, SIGUSR2);
            siginfo_t si;
            struct timespec ts = {5, 0};
            r = (uint64_t)ktimedwait(&s, &si, &ts);
            break;
        }
        case 's':
            /* Wait with everything but SIGUSR1 blocked. */
            sigfillset(&s);
            sigdelset(&s, SIGUSR1);
            sigsuspend(&s);
            r = (uint64_t)handler_calls;
            break;
        case 'q': return NULL;
        }
        if (write(reply_pipe[1], &r, sizeof r) != sizeof r)
            return (void *)2;
    }
}

static uint64_t ask(char c)
{
    uint64_t r;
    CHECK(write(cmd_pipe[1], &c, 1) == 1, "command");
    CHECK(read(reply_pipe[0], &r, sizeof r) == sizeof r, "reply");
    return r;
}

static void set_mask(int how, uint64_t bits)
{
    sigset_t s = sigset_of_bits(bits);
    PT(pthread_sigmask(how, &s, NULL));
}

int main(void)
{
    set_handler(SIGUSR1, handler, 0);
    set_mask(SIG_SETMASK, BIT(SIGUSR1) | BIT(SIGUSR2) | BIT(SIGHUP));
    static char alt[64 * 1024];
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0};
    CHECK(sigaltstack(&ss, NULL) == 0, "sigaltstack");

    CHECK(pipe(cmd_pipe) == 0 && pipe(reply_pipe) == 0, "pipe");
    pthread_t t;
    PT(pthread_create(&t, NULL, worker, NULL));
    worker_tid = (pid_t)ask('i');
    CHECK(worker_tid != gettid(), "worker tid");

    uint64_t wm = ask('m') & ~(BIT(32) | BIT(33) | BIT(34)); /* libc-internal */
    CHECK(wm == (BIT(SIGUSR1) | BIT(SIGUSR2) | BIT(SIGHUP)), "worker mask %#llx",
          (unsigned long long)wm);
    OK("a new thread starts with its creator's signal mask");
    CHECK(ask('a') == SS_DISABLE, "worker alt stack flags %llu", (unsigned long long)ask('a'));
    OK("a new thread starts without an alternate stack");
    set_mask(SIG_UNBLOCK, BIT(SIGHUP));
    CHECK(ask('m') & BIT(SIGHUP), "unblocking in main changed the worker's mask");
    set_mask(SIG_BLOCK, BIT(SIGHUP));
    OK("masks are per thread");

    /* Blocked everywhere: pending until the worker unblocks it. */
    handler_calls = 0;
    CHECK(kill(getpid(), SIGUSR1) == 0, "kill");
    CHECK(handler_calls == 0, "delivered while blocked in every thread");
    CHECK(pending_bits() & BIT(SIGUSR1), "not pending in main");
    CHECK(ask('p') & BIT(SIGUSR1), "not pending in the worker");
    OK("a process-directed SIGUSR1 blocked in all threads is pending, seen by both");
    CHECK(ask('u') == 1, "the worker's unblock did not run the handler");
    CHECK(handler_calls == 1 && handler_tid == worker_tid, "the handler ran elsewhere");
    CHECK(!(pending_bits() & BIT(SIGUSR1)), "still pending");
    OK("the worker unblocks it: the handler runs once, in the worker");

    /* Only the worker can take it: it gets a later kill too. */
    ask('b');
    handler_calls = 0;
    CHECK(write(cmd_pipe[1], "s", 1) == 1, "command");
    CHECK(kill(getpid(), SIGUSR1) == 0, "kill");
    uint64_t r;
    CHECK(read(reply_pipe[0], &r, sizeof r) == sizeof r, "reply");
    CHECK(r == 1 && handler_calls == 1 && handler_tid == worker_tid,
          "kill while the worker waits: calls %d", handler_calls);
    OK("kill(getpid()) while main blocks SIGUSR1: the handler runs in the worker");

    /* Thread-directed pending is per thread. */
    CHECK(syscall(SYS_tgkill, getpid(), gettid(), SIGUSR2) == 0, "tgkill main");
    CHECK(pending_bits() & BIT(SIGUSR2), "not pending in main");
    CHECK(!(ask('p') & BIT(SIGUSR2)), "main's tgkill shows in the worker");
    OK("tgkill to main: pending in main only");
    CHECK(ask('t') == 0, "worker tgkill");
    CHECK(ask('p') & BIT(SIGUSR2), "not pending in the worker");
    struct timespec zero = {0, 0};
    sigset_t u2 = sigset_of(SIGUSR2);
    CHECK(sigtimedwait(&u2, NULL, &zero) == SIGUSR2, "main takes its own");
    CHECK(!(pending_bits() & BIT(SIGUSR2)), "main sees the worker's SIGUSR2");
    OK("tgkill to the worker: pending in the worker only");
    CHECK(ask('w') == SIGUSR2 && !(ask('p') & BIT(SIGUSR2)), "worker takes its own");

    /* A process-directed signal, taken by sigwaitinfo in the worker. */
    CHECK(kill(getpid(), SIGUSR2) == 0, "kill");
    CHECK(pending_bits() & BIT(SIGUSR2), "not pending");
    CHECK(ask('w') == SIGUSR2, "the worker's sigwaitinfo");
    CHECK(!(pending_bits() & BIT(SIGUSR2)), "still pending in main");
    OK("sigwaitinfo in the worker takes a process-directed SIGUSR2 for everyone");

    CHECK(write(cmd_pipe[1], "q", 1) == 1, "quit");
    void *ret;
    PT(pthread_join(t, &ret));
    CHECK(ret == NULL, "worker failed");

    /* A fatal signal ends all threads of a process. */
    pid_t pid = fork_checked();
    if (pid == 0) {
        set_mask(SIG_SETMASK, 0);
        signal(SIGUSR1, SIG_DFL);
        CHECK(pipe(cmd_pipe) == 0 && pipe(reply_pipe) == 0, "pipe");
        pthread_t t2;
        if (pthread_create(&t2, NULL, worker, NULL) != 0)
            _exit(2);
        ask('i'); /* running */
        set_mask(SIG_BLOCK, BIT(SIGTERM)); /* only the worker can take it */
        kill(getpid(), SIGTERM);
        for (;;)
            pause();
    }
    expect_killed(pid, SIGTERM, "child");
    OK("SIGTERM taken by one thread kills the whole process");
    return 0;
}
