/* poll, ppoll, select and pselect6 over pipes, eventfds and stdout:
 * readiness bits, POLLHUP and POLLERR when the other end closes,
 * POLLNVAL, negative descriptors, the nfds limits, timeouts that last at
 * least as long as asked (CLOCK_MONOTONIC), the time left written back by
 * select and ppoll, signal masks restored after ppoll/pselect6, errors,
 * and waits woken by another thread. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static short poll1(int fd, short events)
{
    struct pollfd p = {fd, events, 0x7777};
    int n = poll(&p, 1, 0);
    CHECK(n == (p.revents != 0), "poll returned %d with revents %#x", n, p.revents);
    return p.revents;
}

static void pipes(void)
{
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    const short all = POLLIN | POLLOUT | POLLPRI | POLLRDNORM | POLLWRNORM | POLLRDBAND | POLLWRBAND | POLLRDHUP;
    printf("empty pipe: read end %#x, write end %#x\n", poll1(p[0], all), poll1(p[1], all));
    CHECK(write(p[1], "abc", 3) == 3, "write");
    printf("with data: read end %#x (POLLIN only: %#x, POLLRDNORM only: %#x)\n", poll1(p[0], all),
           poll1(p[0], POLLIN), poll1(p[0], POLLRDNORM));
    printf("asking for nothing: %#x\n", poll1(p[0], 0));

    /* Fill the pipe: no longer writable. */
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    static char big[65536];
    while (write(p[1], big, sizeof big) > 0) {
    }
    printf("full pipe: write end %#x\n", poll1(p[1], all));
    char buf[4096];
    CHECK(read(p[0], buf, sizeof buf) > 0, "read");
    printf("a page read: write end %#x\n", poll1(p[1], POLLOUT));

    /* The writer goes: POLLHUP (with POLLIN while data is left). */
    close(p[1]);
    printf("writer closed, data left: %#x\n", poll1(p[0], POLLIN));
    while (read(p[0], buf, sizeof buf) > 0) {
    }
    printf("writer closed, drained: %#x (asking nothing: %#x)\n", poll1(p[0], POLLIN), poll1(p[0], 0));
    close(p[0]);

    /* The reader goes: POLLERR on the write end. */
    CHECK(pipe(p) == 0, "pipe");
    close(p[0]);
    printf("reader closed: write end %#x\n", poll1(p[1], POLLOUT));
    close(p[1]);
}

static void nval_and_negative(void)
{
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    CHECK(write(p[1], "x", 1) == 1, "write");
    int closed = dup(p[0]);
    close(closed);
    struct pollfd fds[5] = {
        {p[0], POLLIN, 0x1234},
        {-1, POLLIN, 0x1234},
        {closed, POLLIN, 0x1234},
        {-p[0], POLLIN, 0x1234},
        {100000, 0, 0x1234},
    };
    int n = poll(fds, 5, 1000);
    printf("poll: %d; revents %#x %#x %#x %#x %#x\n", n, fds[0].revents, fds[1].revents, fds[2].revents,
           fds[3].revents, fds[4].revents);
    printf("fd and events kept: %d %d\n", fds[1].fd == -1 && fds[1].events == POLLIN, fds[2].fd == closed);
    close(p[0]);
    close(p[1]);

    /* Only negative descriptors: a plain sleep. */
    struct pollfd neg = {-5, POLLIN, 0};
    long t0 = now_ms();
    n = poll(&neg, 1, 30);
    long dt = now_ms() - t0;
    CHECK(n == 0 && dt >= 30, "poll of a negative fd: %d after %ld ms", n, dt);
    OK("poll of a negative descriptor sleeps for the timeout");
}

static void stdout_ready(void)
{
    printf("stdout: %#x\n", poll1(1, POLLOUT) & POLLOUT);
    fflush(stdout);
}

static void eventfds(void)
{
    int e = eventfd(0, EFD_NONBLOCK);
    printf("eventfd 0: %#x\n", poll1(e, POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM));
    uint64_t v = 2;
    CHECK(write(e, &v, 8) == 8, "write");
    printf("eventfd 2: %#x\n", poll1(e, POLLIN | POLLOUT));
    v = UINT64_MAX - 3;
    CHECK(write(e, &v, 8) == 8, "write");
    printf("eventfd full: %#x\n", poll1(e, POLLIN | POLLOUT));
    close(e);
}

static void timeouts(void)
{
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    struct pollfd pf = {p[0], POLLIN, 0};
    long t0 = now_ms();
    int n = poll(&pf, 1, 50);
    long dt = now_ms() - t0;
    CHECK(n == 0 && pf.revents == 0, "poll timeout: %d %#x", n, pf.revents);
    CHECK(dt >= 50 && dt < 5000, "a 50 ms poll returned after %ld ms", dt);
    OK("poll: a 50 ms timeout waits at least 50 ms");

    t0 = now_ms();
    n = poll(NULL, 0, 30);
    dt = now_ms() - t0;
    CHECK(n == 0 && dt >= 30, "poll(NULL, 0, 30): %d after %ld ms", n, dt);
    OK("poll with no descriptors sleeps");

    /* ppoll: the kernel writes the time left back. */
    struct timespec ts = {0, 50 * 1000000L};
    t0 = now_ms();
    n = (int)syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8);
    dt = now_ms() - t0;
    CHECK(n == 0 && dt >= 50, "ppoll: %d after %ld ms", n, dt);
    printf("ppoll timed out: time left %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
    CHECK(write(p[1], "x", 1) == 1, "write");
    ts.tv_sec = 5;
    ts.tv_nsec = 0;
    n = (int)syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8);
    CHECK(n == 1 && ts.tv_sec >= 4 && ts.tv_sec <= 5, "ppoll ready: %d, left %ld s", n, (long)ts.tv_sec);
    OK("ppoll of a ready descriptor: most of the time left");
    struct timespec zero = {0, 0};
    n = (int)syscall(SYS_ppoll, &pf, 1, &zero, NULL, 8);
    printf("ppoll zero timeout: %d, left %ld.%09ld\n", n, (long)zero.tv_sec, zero.tv_nsec);

    struct timespec bad = {0, 1000000000L};
    EXPECT_ERRNO("ppoll tv_nsec 1e9", EINVAL, syscall(SYS_ppoll, &pf, 1, &bad, NULL, 8));
    bad.tv_sec = -1;
    bad.tv_nsec = 0;
    EXPECT_ERRNO("ppoll tv_sec -1", EINVAL, syscall(SYS_ppoll, &pf, 1, &bad, NULL, 8));
    EXPECT_ERRNO("ppoll bad timespec pointer", EFAULT, syscall(SYS_ppoll, &pf, 1, (void *)8, NULL, 8));

    /* The mask is in force only during the call. */
    sigset_t mask, before, after;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigprocmask(SIG_SETMASK, NULL, &before);
    ts.tv_sec = 0;
    ts.tv_nsec = 10 * 1000000L;
    n = ppoll(&pf, 1, &ts, &mask);
    sigprocmask(SIG_SETMASK, NULL, &after);
    CHECK(n == 1, "ppoll with a mask: %d", n);
    printf("ppoll restored the mask: %d\n", sigismember(&after, SIGUSR1) == sigismember(&before, SIGUSR1));
    EXPECT_ERRNO("ppoll sigsetsize 4", EINVAL, syscall(SYS_ppoll, &pf, 1, NULL, &mask, 4));
    EXPECT_ERRNO("ppoll bad sigmask", EFAULT, syscall(SYS_ppoll, &pf, 1, NULL, (void *)8, 8));
    printf("ppoll sigsetsize ignored without a mask: %ld\n", syscall(SYS_ppoll, &pf, 1, NULL, NULL, 4));
    close(p[0]);
    close(p[1]);
}

static void limits(void)
{
    struct rlimit old, lim;
    getrlimit(RLIMIT_NOFILE, &old);
    lim = old;
    lim.rlim_cur = 64;
    CHECK(setrlimit(RLIMIT_NOFILE, &lim) == 0, "setrlimit");
    static struct pollfd many[65];
    for (int i = 0; i < 65; i++) {
        many[i].fd = -1;
        many[i].events = POLLIN;
    }
    EXPECT_ERRNO("poll nfds > RLIMIT_NOFILE", EINVAL, poll(many, 65, 0));
    printf("poll nfds == RLIMIT_NOFILE: %d\n", poll(many, 64, 0));
    CHECK(setrlimit(RLIMIT_NOFILE, &old) == 0, "setrlimit");
    EXPECT_ERRNO("poll(NULL, 1)", EFAULT, syscall(SYS_poll, NULL, 1, 0));
    EXPECT_ERRNO("poll((void *)8, 1)", EFAULT, syscall(SYS_poll, (void *)8, 1, 0));
}

static int wake_fd;

static void *wake_later(void *arg)
{
    sleep_ms(30);
    if (arg) {
        uint64_t v = 1;
        CHECK(write(wake_fd, &v, 8) == 8, "eventfd write");
    } else {
        CHECK(write(wake_fd, "w", 1) == 1, "pipe write");
    }
    return NULL;
}

static void woken(void)
{
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    int e = eventfd(0, 0);
    struct pollfd fds[2] = {{p[0], POLLIN, 0}, {e, POLLIN, 0}};
    pthread_t th;
    wake_fd = p[1];
    PT(pthread_create(&th, NULL, wake_later, NULL));
    int n = poll(fds, 2, -1);
    PT(pthread_join(th, NULL));
    printf("woken by a pipe write: %d, %#x %#x\n", n, fds[0].revents, fds[1].revents);
    char c;
    CHECK(read(p[0], &c, 1) == 1, "read");
    wake_fd = e;
    PT(pthread_create(&th, NULL, wake_later, (void *)1));
    n = poll(fds, 2, 10000);
    PT(pthread_join(th, NULL));
    printf("woken by an eventfd write: %d, %#x %#x\n", n, fds[0].revents, fds[1].revents);

    /* select woken the same way. */
    uint64_t v;
    CHECK(read(e, &v, 8) == 8, "read");
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    FD_SET(e, &r);
    wake_fd = p[1];
    PT(pthread_create(&th, NULL, wake_later, NULL));
    n = select((p[0] > e ? p[0] : e) + 1, &r, NULL, NULL, NULL);
    PT(pthread_join(th, NULL));
    printf("select woken by a pipe write: %d, pipe %d eventfd %d\n", n, FD_ISSET(p[0], &r), FD_ISSET(e, &r));
    close(p[0]);
    close(p[1]);
    close(e);
}

static void selects(void)
{
    int p[2], q[2];
    CHECK(pipe(p) == 0 && pipe(q) == 0, "pipe");
    CHECK(write(q[1], "x", 1) == 1, "write");
    int maxfd = q[1] + 1;
    fd_set r, w, x;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&x);
    FD_SET(p[0], &r);
    FD_SET(q[0], &r);
    FD_SET(p[1], &w);
    FD_SET(p[0], &x);
    FD_SET(q[0], &x);
    struct timeval tv = {5, 0};
    int n = (int)syscall(SYS_select, maxfd, &r, &w, &x, &tv);
    printf("select: %d; read p %d q %d; write p %d; except %d %d\n", n, FD_ISSET(p[0], &r), FD_ISSET(q[0], &r),
           FD_ISSET(p[1], &w), FD_ISSET(p[0], &x), FD_ISSET(q[0], &x));
    CHECK(tv.tv_sec >= 4 && tv.tv_sec <= 5, "select left %ld s", (long)tv.tv_sec);
    OK("select of ready descriptors leaves most of the time");

    /* Nothing ready: the sets come back empty, the timeval zero. */
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv.tv_sec = 0;
    tv.tv_usec = 50000;
    long t0 = now_ms();
    n = (int)syscall(SYS_select, p[0] + 1, &r, NULL, NULL, &tv);
    long dt = now_ms() - t0;
    CHECK(n == 0 && dt >= 50, "select timeout: %d after %ld ms", n, dt);
    printf("select timed out: set %d, left %ld.%06ld\n", FD_ISSET(p[0], &r), (long)tv.tv_sec, (long)tv.tv_usec);

    /* Bits at or above nfds are not looked at, and come back clear. */
    FD_ZERO(&r);
    FD_SET(q[0], &r);
    FD_SET(q[0] + 1, &r);
    n = select(q[0] + 1, &r, NULL, NULL, NULL);
    printf("select below nfds: %d, q %d, above %d\n", n, FD_ISSET(q[0], &r), FD_ISSET(q[0] + 1, &r));

    /* Microseconds beyond a second carry over. */
    FD_ZERO(&r);
    FD_SET(q[0], &r);
    tv.tv_sec = 0;
    tv.tv_usec = 1500000;
    n = (int)syscall(SYS_select, q[0] + 1, &r, NULL, NULL, &tv);
    CHECK(n == 1 && tv.tv_sec == 1, "select with 1.5 s in usec: %d, left %ld s", n, (long)tv.tv_sec);
    OK("select takes 1500000 us as 1.5 s");

    tv.tv_sec = 0;
    tv.tv_usec = -1;
    EXPECT_ERRNO("select negative usec", EINVAL, syscall(SYS_select, q[0] + 1, &r, NULL, NULL, &tv));
    tv.tv_sec = -1;
    tv.tv_usec = 0;
    EXPECT_ERRNO("select negative sec", EINVAL, syscall(SYS_select, q[0] + 1, &r, NULL, NULL, &tv));
    EXPECT_ERRNO("select nfds -1", EINVAL, syscall(SYS_select, -1, NULL, NULL, NULL, NULL));
    EXPECT_ERRNO("select bad timeval pointer", EFAULT, syscall(SYS_select, 1, NULL, NULL, NULL, (void *)8));
    FD_ZERO(&r);
    FD_SET(q[0], &r);
    EXPECT_ERRNO("select bad set pointer", EFAULT, syscall(SYS_select, q[0] + 1, &r, (void *)8, NULL, NULL));

    int closed = dup(0);
    close(closed);
    FD_ZERO(&r);
    FD_SET(q[0], &r);
    FD_SET(closed, &w);
    tv.tv_sec = 1;
    tv.tv_usec = 0;
    EXPECT_ERRNO("select with a closed descriptor", EBADF,
                 syscall(SYS_select, (closed > q[0] ? closed : q[0]) + 1, &r, &w, NULL, &tv));

    /* A zero timeout is a check. */
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    printf("select zero timeout: %d\n", select(p[0] + 1, &r, NULL, NULL, &tv));

    /* pselect6 with its packed mask argument. */
    sigset_t mask, before, after;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR2);
    sigprocmask(SIG_SETMASK, NULL, &before);
    struct {
        const sigset_t *ss;
        size_t len;
    } pack = {&mask, 8};
    struct timespec ts = {0, 40 * 1000000L};
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    t0 = now_ms();
    n = (int)syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, &ts, &pack);
    dt = now_ms() - t0;
    sigprocmask(SIG_SETMASK, NULL, &after);
    CHECK(n == 0 && dt >= 40, "pselect6 timeout: %d after %ld ms", n, dt);
    printf("pselect6 timed out: left %ld.%09ld, mask restored %d\n", (long)ts.tv_sec, ts.tv_nsec,
           sigismember(&after, SIGUSR2) == sigismember(&before, SIGUSR2));
    pack.len = 16;
    EXPECT_ERRNO("pselect6 ss_len 16", EINVAL, syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, NULL, &pack));
    EXPECT_ERRNO("pselect6 bad pack", EFAULT, syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, NULL, (void *)8));
    pack.ss = NULL;
    FD_ZERO(&r);
    FD_SET(q[0], &r);
    printf("pselect6 no mask, ss_len 16: %ld\n", syscall(SYS_pselect6, q[0] + 1, &r, NULL, NULL, NULL, &pack));
    FD_ZERO(&r);
    FD_SET(q[0], &r);
    printf("pselect libc: %d\n", pselect(q[0] + 1, &r, NULL, NULL, NULL, &mask));

    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);
}

int main(void)
{
    pipes();
    nval_and_negative();
    stdout_ready();
    eventfds();
    timeouts();
    limits();
    woken();
    selects();
    return 0;
}
