/* Blocking system calls interrupted by a handled signal. Without
 * SA_RESTART: read on an empty pipe, wait4 and FUTEX_WAIT fail with EINTR.
 * With SA_RESTART they restart and finish normally (the read returns the
 * data written later, wait4 the child, the futex wait its wake). Linux
 * never restarts nanosleep (EINTR, with the time left), poll, select or
 * epoll_wait, SA_RESTART or not. An ignored signal interrupts nothing.
 *
 * Two kinds of sender child: a "nagger" sends SIGUSR1 every few ms until
 * told to stop (for calls that can only end by EINTR: whether the first
 * signal comes before or during the call, one comes during it); a
 * "counted" sender sends SIGUSR1 three times, each after a pause and
 * acknowledged by the handler, then finishes the call's work (writes the
 * data, exits, wakes the futex). The outcome does not depend on whether a
 * signal arrived before or during the call. */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"
#include "proc.h"
#include "sig.h"

#define FUTEX_WAIT 0 /* shared (not _PRIVATE): the waker is another process */
#define FUTEX_WAKE 1

static volatile int handled;
static int ack_fd = -1;

static void handler(int sig)
{
    (void)sig;
    handled++;
    if (ack_fd >= 0) {
        char c = 'a';
        (void)!write(ack_fd, &c, 1);
    }
}

static void install(int flags)
{
    set_handler(SIGUSR1, handler, flags);
    handled = 0;
}

/* Forks a child that sends `sig` three times (20 ms apart, waiting for the
 * handler's acknowledgement each time, unless sig is ignored), then calls
 * finish(arg) and exits 0. */
static pid_t start_counted(int sig, int acked, void (*finish)(long), long arg)
{
    int fds[2];
    CHECK(pipe(fds) == 0, "pipe");
    pid_t parent = getpid();
    pid_t pid = fork_checked();
    if (pid == 0) {
        close(fds[1]);
        for (int i = 0; i < 3; i++) {
            sleep_ms(20);
            if (kill(parent, sig) != 0)
                _exit(2);
            char c;
            if (acked && read(fds[0], &c, 1) != 1)
                _exit(3);
        }
        finish(arg);
        _exit(0);
    }
    close(fds[0]);
    ack_fd = acked ? fds[1] : -1;
    if (!acked)
        close(fds[1]);
    return pid;
}

static void end_counted(pid_t pid, const char *what)
{
    expect_exit(pid, 0, what);
    if (ack_fd >= 0)
        close(ack_fd);
    ack_fd = -1;
}

static void write_byte(long fd)
{
    if (write((int)fd, "d", 1) != 1)
        _exit(4);
}

static void reads(void)
{
    int p[2];
    char c;
    CHECK(pipe(p) == 0, "pipe");
    install(0);
    struct nagger n = start_nagger(SIGUSR1);
    errno = 0;
    long r = read(p[0], &c, 1);
    int e = errno;
    stop_nagger(n);
    CHECK(r == -1 && e == EINTR, "read without SA_RESTART: %ld %s", r, errname(e));
    CHECK(handled >= 1, "handler did not run");
    OK("read on an empty pipe, handler without SA_RESTART: EINTR");

    install(SA_RESTART);
    pid_t pid = start_counted(SIGUSR1, 1, write_byte, p[1]);
    r = read(p[0], &c, 1);
    end_counted(pid, "counted sender");
    CHECK(r == 1 && c == 'd', "read with SA_RESTART: %ld %s", r, errname(errno));
    CHECK(handled == 3, "handler ran %d times, not 3", handled);
    OK("read with SA_RESTART: three signals handled, then the data arrives");

    /* An ignored signal does not interrupt anything. */
    CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR, "SIG_IGN");
    pid = start_counted(SIGUSR2, 0, write_byte, p[1]);
    r = read(p[0], &c, 1);
    end_counted(pid, "ignored sender");
    CHECK(r == 1 && c == 'd', "read with ignored signals: %ld %s", r, errname(errno));
    OK("read while ignored SIGUSR2 arrive: the data arrives");
    signal(SIGUSR2, SIG_DFL);
    close(p[0]);
    close(p[1]);
}

static void sleeps(void)
{
    for (int restart = 0; restart <= 1; restart++) {
        install(restart ? SA_RESTART : 0);
        struct nagger n = start_nagger(SIGUSR1);
        struct timespec req = {5, 0}, rem = {0, 0};
        errno = 0;
        int r = nanosleep(&req, &rem);
        int e = errno;
        stop_nagger(n);
        CHECK(r == -1 && e == EINTR, "nanosleep: %d %s", r, errname(e));
        /* The time left may exceed the request by the timer slack (50 us)
         * when the signal comes right away. */
        int left = (rem.tv_sec > 0 || rem.tv_nsec > 0) &&
                   (rem.tv_sec < 5 || (rem.tv_sec == 5 && rem.tv_nsec < 100000000L));
        printf("ok nanosleep%s interrupted: EINTR, time left above 0, about 5 s at most: %s\n",
               restart ? " (SA_RESTART)" : "", left ? "yes" : "no");
        CHECK(left, "remaining time %ld.%09ld", (long)rem.tv_sec, rem.tv_nsec);
    }
}

static void exit_now(long unused)
{
    (void)unused;
}

static void waits(void)
{
    install(0);
    int release;
    pid_t kid = fork_held(7, &release);
    struct nagger n = start_nagger(SIGUSR1);
    int st;
    errno = 0;
    pid_t r = waitpid(kid, &st, 0);
    int e = errno;
    stop_nagger(n);
    CHECK(r == -1 && e == EINTR, "waitpid without SA_RESTART: %d %s", (int)r, errname(e));
    OK("waitpid without SA_RESTART: EINTR");
    close(release);
    expect_exit(kid, 7, "held child");

    /* With SA_RESTART: the counted sender is the child waited for. */
    install(SA_RESTART);
    pid_t pid = start_counted(SIGUSR1, 1, exit_now, 0);
    r = waitpid(pid, &st, 0);
    CHECK(r == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "waitpid with SA_RESTART: %s",
          errname(errno));
    CHECK(handled == 3, "handler ran %d times", handled);
    close(ack_fd);
    ack_fd = -1;
    OK("waitpid with SA_RESTART: restarted, reaps the child after three signals");
}

static void multiplexers(void)
{
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    int ep = epoll_create1(0);
    CHECK(ep >= 0, "epoll_create1");
    struct epoll_event ev = {.events = EPOLLIN};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "epoll_ctl");
    for (int restart = 0; restart <= 1; restart++) {
        const char *how = restart ? "with SA_RESTART" : "without SA_RESTART";
        install(restart ? SA_RESTART : 0);

        struct nagger n = start_nagger(SIGUSR1);
        struct pollfd pf = {.fd = p[0], .events = POLLIN};
        errno = 0;
        int r = poll(&pf, 1, -1);
        int e = errno;
        stop_nagger(n);
        CHECK(r == -1 && e == EINTR, "poll %s: %d %s", how, r, errname(e));
        OK("poll %s: EINTR", how);

        n = start_nagger(SIGUSR1);
        fd_set rd;
        FD_ZERO(&rd);
        FD_SET(p[0], &rd);
        errno = 0;
        r = select(p[0] + 1, &rd, NULL, NULL, NULL);
        e = errno;
        stop_nagger(n);
        CHECK(r == -1 && e == EINTR, "select %s: %d %s", how, r, errname(e));
        OK("select %s: EINTR", how);

        n = start_nagger(SIGUSR1);
        errno = 0;
        r = epoll_wait(ep, &ev, 1, -1);
        e = errno;
        stop_nagger(n);
        CHECK(r == -1 && e == EINTR, "epoll_wait %s: %d %s", how, r, errname(e));
        OK("epoll_wait %s: EINTR", how);
    }
    close(ep);
    close(p[0]);
    close(p[1]);
}

static uint32_t *word;

static long futex(uint32_t *addr, int op, uint32_t val)
{
    return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

static void wake_word(long unused)
{
    (void)unused;
    __atomic_store_n(word, 1, __ATOMIC_SEQ_CST);
    if (futex(word, FUTEX_WAKE, 1) < 0)
        _exit(5);
}

static void futexes(void)
{
    word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(word != MAP_FAILED, "mmap");
    *word = 0;
    install(0);
    struct nagger n = start_nagger(SIGUSR1);
    errno = 0;
    long r = futex(word, FUTEX_WAIT, 0);
    int e = errno;
    stop_nagger(n);
    CHECK(r == -1 && e == EINTR, "FUTEX_WAIT without SA_RESTART: %ld %s", r, errname(e));
    OK("FUTEX_WAIT without SA_RESTART: EINTR");

    /* If the wake comes before the wait starts, the wait sees the new
     * value (EAGAIN); it must never see EINTR. */
    install(SA_RESTART);
    pid_t pid = start_counted(SIGUSR1, 1, wake_word, 0);
    int eintr = 0;
    while (__atomic_load_n(word, __ATOMIC_SEQ_CST) == 0) {
        errno = 0;
        r = futex(word, FUTEX_WAIT, 0);
        if (r == -1 && errno == EINTR)
            eintr++;
        CHECK(r == 0 || errno == EAGAIN || errno == EINTR, "FUTEX_WAIT: %s", errname(errno));
    }
    end_counted(pid, "futex waker");
    CHECK(eintr == 0, "FUTEX_WAIT with SA_RESTART returned EINTR");
    CHECK(handled == 3, "handler ran %d times", handled);
    OK("FUTEX_WAIT with SA_RESTART: restarted until the wake, no EINTR");
    munmap(word, 4096);
}

int main(void)
{
    reads();
    sleeps();
    waits();
    multiplexers();
    futexes();
    return 0;
}
