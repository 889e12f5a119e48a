/* epoll: an event loop over 32 pipes and 8 eventfds in level- and
 * edge-triggered modes, maxevents smaller than the ready set,
 * EPOLLONESHOT re-armed by EPOLL_CTL_MOD, EPOLL_CTL_DEL, interests that
 * go away with their file, POLLHUP, epoll on epoll (and poll of an epoll
 * descriptor), loops and chains too long (ELOOP), timeouts of epoll_wait and epoll_pwait2, a
 * wait woken by another thread, the host-backed stdout, and the errors of
 * every call. Results are sorted before they are printed. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif
#ifndef EPOLLEXCLUSIVE
#define EPOLLEXCLUSIVE (1u << 28)
#endif

#define NPIPES 32
#define NEVENTS 8
#define NSRC (NPIPES + NEVENTS)

static int rd[NSRC];   /* what epoll watches: pipe read ends, then eventfds */
static int wr[NPIPES]; /* pipe write ends */

static void open_sources(void)
{
    for (int i = 0; i < NPIPES; i++) {
        int p[2];
        CHECK(pipe2(p, O_NONBLOCK) == 0, "pipe2");
        rd[i] = p[0];
        wr[i] = p[1];
    }
    for (int i = 0; i < NEVENTS; i++) {
        rd[NPIPES + i] = eventfd(0, EFD_NONBLOCK);
        CHECK(rd[NPIPES + i] >= 0, "eventfd");
    }
}

static void close_sources(void)
{
    for (int i = 0; i < NSRC; i++)
        close(rd[i]);
    for (int i = 0; i < NPIPES; i++)
        close(wr[i]);
}

/* Makes source `i` readable (once more). */
static void poke(int i)
{
    if (i < NPIPES) {
        CHECK(write(wr[i], "x", 1) == 1, "pipe write");
    } else {
        uint64_t v = 1;
        CHECK(write(rd[i], &v, 8) == 8, "eventfd write");
    }
}

/* Makes source `i` unreadable. */
static void drain(int i)
{
    char buf[256];
    while (read(rd[i], buf, i < NPIPES ? sizeof buf : 8) > 0) {
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* One epoll_wait; prints the sorted data of what it reported. */
static int wait_print(const char *what, int ep, int max, int timeout)
{
    struct epoll_event evs[64];
    uint64_t got[64];
    int n = epoll_wait(ep, evs, max, timeout);
    CHECK(n >= 0, "%s: epoll_wait", what);
    for (int i = 0; i < n; i++) {
        CHECK(evs[i].events == EPOLLIN, "%s: events %#x for %llu", what, evs[i].events,
              (unsigned long long)evs[i].data.u64);
        got[i] = evs[i].data.u64;
    }
    qsort(got, n, sizeof got[0], cmp_u64);
    printf("%s: %d [", what, n);
    for (int i = 0; i < n; i++)
        printf("%s%llu", i ? " " : "", (unsigned long long)got[i]);
    printf("]\n");
    return n;
}

static int add_all(uint32_t flags)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK(ep >= 0, "epoll_create1");
    for (int i = 0; i < NSRC; i++) {
        struct epoll_event ev = {.events = EPOLLIN | flags, .data.u64 = 1000 + i};
        CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, rd[i], &ev) == 0, "EPOLL_CTL_ADD %d", i);
    }
    return ep;
}

static void level_triggered(void)
{
    open_sources();
    int ep = add_all(0);
    wait_print("LT nothing ready", ep, 64, 0);
    for (int i = 0; i < NSRC; i += 3)
        poke(i);
    wait_print("LT every third", ep, 64, 0);
    wait_print("LT again, unread", ep, 64, 0);
    for (int i = 0; i < NSRC; i += 6)
        drain(i);
    wait_print("LT after draining every sixth", ep, 64, 0);

    /* maxevents 5 over 40 ready: the list rotates, all are seen. */
    for (int i = 0; i < NSRC; i++)
        poke(i);
    int seen[NSRC] = {0}, total = 0;
    for (int round = 0; round < 8; round++) {
        struct epoll_event evs[5];
        int n = epoll_wait(ep, evs, 5, 0);
        CHECK(n == 5, "round %d: %d events", round, n);
        for (int k = 0; k < n; k++)
            seen[evs[k].data.u64 - 1000]++;
        total += n;
    }
    int once = 0;
    for (int i = 0; i < NSRC; i++)
        once += seen[i] == 1;
    printf("LT maxevents 5, 8 rounds: %d events, %d sources seen exactly once\n", total, once);
    for (int i = 0; i < NSRC; i++)
        drain(i);
    wait_print("LT all drained", ep, 64, 0);
    close(ep);
    close_sources();
}

static void edge_triggered(void)
{
    open_sources();
    int ep = add_all(EPOLLET);
    wait_print("ET nothing ready", ep, 64, 0);
    for (int i = 0; i < NSRC; i += 4)
        poke(i);
    wait_print("ET every fourth", ep, 64, 0);
    wait_print("ET again, unread", ep, 64, 0);
    for (int i = 0; i < NSRC; i += 8)
        poke(i);
    wait_print("ET new data on every eighth", ep, 64, 0);
    for (int i = 1; i < NSRC; i += 10)
        poke(i);
    wait_print("ET new sources", ep, 64, 0);
    for (int i = 0; i < NSRC; i++)
        drain(i);
    wait_print("ET drained", ep, 64, 0);

    /* More ready than maxevents: the rest wait for the next call. */
    for (int i = 0; i < NSRC; i++)
        poke(i);
    int total = 0, n;
    while ((n = epoll_wait(ep, (struct epoll_event[7]){0}, 7, 0)) > 0)
        total += n;
    printf("ET all poked, maxevents 7: %d events in all\n", total);
    for (int i = 0; i < NSRC; i++)
        drain(i);

    /* Writability, edge-triggered: one edge when a full pipe gets room. */
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLET, .data.u64 = 7};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, wr[0], &ev) == 0, "ADD write end");
    struct epoll_event out[4];
    printf("ET write end: %d", epoll_wait(ep, out, 4, 0));
    printf(" %d", epoll_wait(ep, out, 4, 0));
    static char big[65536];
    while (write(wr[0], big, sizeof big) > 0) {
    }
    printf(" full %d", epoll_wait(ep, out, 4, 0));
    char page[4096];
    CHECK(read(rd[0], page, sizeof page) == sizeof page, "read a page");
    n = epoll_wait(ep, out, 4, 0);
    printf(" room %d (%#x)\n", n, n > 0 ? out[0].events : 0);
    close(ep);
    close_sources();
}

static void oneshot_and_del(void)
{
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    int ep = epoll_create(1);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.u64 = 5};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "ADD");
    struct epoll_event out[4];
    CHECK(write(p[1], "a", 1) == 1, "write");
    printf("oneshot: %d", epoll_wait(ep, out, 4, 0));
    CHECK(write(p[1], "b", 1) == 1, "write");
    printf(" then %d", epoll_wait(ep, out, 4, 0));
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.u64 = 6;
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0, "MOD");
    int n = epoll_wait(ep, out, 4, 0);
    printf(" re-armed %d (data %llu)", n, n > 0 ? (unsigned long long)out[0].data.u64 : 0ULL);
    printf(" then %d\n", epoll_wait(ep, out, 4, 0));
    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0, "DEL");
    EXPECT_ERRNO("DEL twice", ENOENT, epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    EXPECT_ERRNO("MOD after DEL", ENOENT, epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    printf("after DEL: %d\n", epoll_wait(ep, out, 4, 0));

    /* Hang-up: reported whatever the interest asks for. */
    ev.events = EPOLLRDHUP;
    ev.data.u64 = 8;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "ADD");
    printf("asking for EPOLLRDHUP on a pipe: %d\n", epoll_wait(ep, out, 4, 0));
    close(p[1]);
    n = epoll_wait(ep, out, 4, 0);
    printf("writer closed: %d (%#x)\n", n, n > 0 ? out[0].events : 0);

    /* An interest lives as long as its file, not its descriptor. */
    int q[2];
    CHECK(pipe(q) == 0, "pipe");
    ev.events = EPOLLIN;
    ev.data.u64 = 9;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev) == 0, "ADD");
    int copy = dup(q[0]);
    close(q[0]);
    CHECK(write(q[1], "c", 1) == 1, "write");
    n = epoll_wait(ep, out, 4, 0);
    int found = 0;
    for (int i = 0; i < n; i++)
        found |= out[i].data.u64 == 9;
    printf("descriptor closed, file open through a dup: reported %d\n", found);
    EXPECT_ERRNO("DEL of the closed descriptor", EBADF, epoll_ctl(ep, EPOLL_CTL_DEL, q[0], NULL));
    close(copy);
    n = epoll_wait(ep, out, 4, 0);
    found = 0;
    for (int i = 0; i < n; i++)
        found |= out[i].data.u64 == 9;
    printf("file closed: reported %d\n", found);
    /* The descriptor number can be added again for a new file. */
    int r[2];
    CHECK(pipe(r) == 0, "pipe");
    if (r[0] != q[0])
        CHECK(dup2(r[0], q[0]) == q[0], "dup2");
    ev.data.u64 = 10;
    printf("re-add under the old number: %d\n", epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev));
    close(r[0]);
    close(r[1]);
    if (r[0] != q[0])
        close(q[0]);
    close(q[1]);
    close(p[0]);
    close(ep);
}

static void nested(void)
{
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    int inner = epoll_create1(0), outer = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 1};
    CHECK(epoll_ctl(inner, EPOLL_CTL_ADD, p[0], &ev) == 0, "ADD pipe to inner");
    ev.data.u64 = 2;
    CHECK(epoll_ctl(outer, EPOLL_CTL_ADD, inner, &ev) == 0, "ADD inner to outer");
    EXPECT_ERRNO("a loop", ELOOP, epoll_ctl(inner, EPOLL_CTL_ADD, outer, &ev));
    EXPECT_ERRNO("an epoll in itself", EINVAL, epoll_ctl(inner, EPOLL_CTL_ADD, inner, &ev));
    struct pollfd pf = {inner, POLLIN | POLLOUT, 0};
    int pn = poll(&pf, 1, 0);
    printf("poll of an idle epoll: %d %#x\n", pn, pf.revents);
    struct epoll_event out[4];
    printf("outer, idle: %d\n", epoll_wait(outer, out, 4, 0));
    CHECK(write(p[1], "x", 1) == 1, "write");
    pn = poll(&pf, 1, 0);
    printf("poll of a ready epoll: %d %#x\n", pn, pf.revents);
    int n = epoll_wait(outer, out, 4, 0);
    printf("outer, inner ready: %d (data %llu events %#x)\n", n, n > 0 ? (unsigned long long)out[0].data.u64 : 0ULL,
           n > 0 ? out[0].events : 0);
    n = epoll_wait(inner, out, 4, 0);
    printf("inner: %d (data %llu)\n", n, n > 0 ? (unsigned long long)out[0].data.u64 : 0ULL);

    /* Edge-triggered outer: one event per change inside. */
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u64 = 3;
    CHECK(epoll_ctl(outer, EPOLL_CTL_MOD, inner, &ev) == 0, "MOD");
    printf("outer ET: %d", epoll_wait(outer, out, 4, 0));
    printf(" %d", epoll_wait(outer, out, 4, 0));
    CHECK(write(p[1], "y", 1) == 1, "write");
    printf(" after a write %d", epoll_wait(outer, out, 4, 0));
    printf(" %d\n", epoll_wait(outer, out, 4, 0));
    char buf[8];
    CHECK(read(p[0], buf, sizeof buf) == 2, "read");
    printf("outer after draining: %d\n", epoll_wait(outer, out, 4, 0));
    close(outer);
    close(inner);
    close(p[0]);
    close(p[1]);
}

/* At most five epolls in a chain, however it is built. */
static void depth(void)
{
    int c[8], d[8];
    struct epoll_event ev = {.events = EPOLLIN};
    for (int i = 0; i < 8; i++) {
        c[i] = epoll_create1(0);
        d[i] = epoll_create1(0);
    }
    int i;
    for (i = 0; i < 7; i++)
        if (epoll_ctl(c[i], EPOLL_CTL_ADD, c[i + 1], &ev) != 0)
            break;
    printf("chain built top-down: refused at link %d (%s)\n", i, errname(errno));
    for (i = 6; i >= 0; i--)
        if (epoll_ctl(d[i], EPOLL_CTL_ADD, d[i + 1], &ev) != 0)
            break;
    printf("chain built bottom-up: refused at link %d (%s)\n", i, errname(errno));
    CHECK(epoll_ctl(d[6], EPOLL_CTL_DEL, d[7], NULL) == 0, "DEL");
    printf("after a DEL: %d\n", epoll_ctl(d[2], EPOLL_CTL_ADD, d[3], &ev));
    /* Readiness travels up the whole chain. */
    uint64_t one = 1;
    int e = eventfd(0, 0);
    CHECK(epoll_ctl(c[4], EPOLL_CTL_ADD, e, &ev) == 0, "ADD eventfd at the bottom");
    struct epoll_event out[2];
    printf("top of the chain, idle: %d\n", epoll_wait(c[0], out, 2, 0));
    CHECK(write(e, &one, 8) == 8, "write");
    printf("top of the chain, eventfd written: %d\n", epoll_wait(c[0], out, 2, 0));
    close(e);
    for (i = 0; i < 8; i++) {
        close(c[i]);
        close(d[i]);
    }
}

static int wake_fd;

static void *wake_later(void *arg)
{
    (void)arg;
    sleep_ms(30);
    uint64_t v = 3;
    CHECK(write(wake_fd, &v, 8) == 8, "eventfd write");
    return NULL;
}

static void timeouts_and_wakeups(void)
{
    int ep = epoll_create1(0);
    int e = eventfd(0, 0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 77}, out[4];
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev) == 0, "ADD");
    long t0 = now_ms();
    int n = epoll_wait(ep, out, 4, 50);
    long dt = now_ms() - t0;
    CHECK(n == 0 && dt >= 50 && dt < 5000, "epoll_wait 50 ms: %d after %ld ms", n, dt);
    OK("epoll_wait: a 50 ms timeout waits at least 50 ms");
    struct timespec ts = {0, 50 * 1000000L};
    t0 = now_ms();
    n = (int)syscall(SYS_epoll_pwait2, ep, out, 4, &ts, NULL, 8);
    dt = now_ms() - t0;
    CHECK(n == 0 && dt >= 50 && dt < 5000, "epoll_pwait2 50 ms: %d after %ld ms", n, dt);
    printf("epoll_pwait2 timed out; timespec untouched: %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
    ts.tv_nsec = 0;
    printf("epoll_pwait2 zero timeout: %ld\n", syscall(SYS_epoll_pwait2, ep, out, 4, &ts, NULL, 8));

    wake_fd = e;
    pthread_t th;
    PT(pthread_create(&th, NULL, wake_later, NULL));
    n = epoll_wait(ep, out, 4, -1);
    PT(pthread_join(th, NULL));
    printf("woken by another thread: %d (data %llu)\n", n, n > 0 ? (unsigned long long)out[0].data.u64 : 0ULL);
    uint64_t v;
    CHECK(read(e, &v, 8) == 8, "read");

    PT(pthread_create(&th, NULL, wake_later, NULL));
    n = (int)syscall(SYS_epoll_pwait2, ep, out, 4, NULL, NULL, 8);
    PT(pthread_join(th, NULL));
    printf("epoll_pwait2 without a timeout, woken: %d\n", n);
    CHECK(read(e, &v, 8) == 8, "read");

    sigset_t mask, before, after;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigprocmask(SIG_SETMASK, NULL, &before);
    n = epoll_pwait(ep, out, 4, 20, &mask);
    sigprocmask(SIG_SETMASK, NULL, &after);
    printf("epoll_pwait: %d, mask restored %d\n", n, sigismember(&after, SIGUSR1) == sigismember(&before, SIGUSR1));
    close(e);
    close(ep);
}

static void host_stdout(void)
{
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLOUT, .data.u64 = 1}, out[2];
    if (epoll_ctl(ep, EPOLL_CTL_ADD, 1, &ev) != 0) {
        /* stdout redirected to a regular file */
        CHECK(errno == EPERM, "ADD stdout");
        printf("stdout: not pollable\n");
        close(ep);
        return;
    }
    int n = epoll_wait(ep, out, 2, 1000);
    printf("stdout: %d %#x\n", n, n > 0 ? out[0].events & EPOLLOUT : 0);
    close(ep);
}

static void errors(void)
{
    /* (musl's epoll_create does not check the size: the raw call.) */
    EXPECT_ERRNO("epoll_create(0)", EINVAL, syscall(SYS_epoll_create, 0));
    EXPECT_ERRNO("epoll_create(-1)", EINVAL, syscall(SYS_epoll_create, -1));
    EXPECT_ERRNO("epoll_create1(1)", EINVAL, epoll_create1(1));
    EXPECT_ERRNO("epoll_create1(O_NONBLOCK)", EINVAL, epoll_create1(O_NONBLOCK));
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int plain = epoll_create(100);
    printf("F_GETFD %d %d, F_GETFL %o\n", fcntl(ep, F_GETFD), fcntl(plain, F_GETFD), fcntl(ep, F_GETFL));
    struct stat st;
    CHECK(fstat(ep, &st) == 0, "fstat");
    printf("fstat: mode %o nlink %lu size %ld\n", (unsigned)st.st_mode, (unsigned long)st.st_nlink, (long)st.st_size);
    char c;
    EXPECT_ERRNO("read of an epoll", EINVAL, read(ep, &c, 1));
    EXPECT_ERRNO("write to an epoll", EINVAL, write(ep, &c, 1));
    printf("lseek of an epoll: %ld\n", (long)lseek(ep, 5, SEEK_SET));

    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    int closed = dup(0);
    close(closed);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 1};
    EXPECT_ERRNO("ctl bad epfd", EBADF, epoll_ctl(closed, EPOLL_CTL_ADD, p[0], &ev));
    EXPECT_ERRNO("ctl bad fd", EBADF, epoll_ctl(ep, EPOLL_CTL_ADD, closed, &ev));
    EXPECT_ERRNO("ctl epfd not an epoll", EINVAL, epoll_ctl(p[1], EPOLL_CTL_ADD, p[0], &ev));
    EXPECT_ERRNO("ctl bad event pointer", EFAULT, epoll_ctl(ep, EPOLL_CTL_ADD, p[0], (void *)8));
    EXPECT_ERRNO("ctl unknown op", EINVAL, epoll_ctl(ep, 99, p[0], &ev));
    EXPECT_ERRNO("ctl unknown op, bad event pointer", EFAULT, epoll_ctl(ep, 99, p[0], (void *)8));
    EXPECT_ERRNO("ctl MOD of nothing", ENOENT, epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    EXPECT_ERRNO("ctl DEL of nothing", ENOENT, epoll_ctl(ep, EPOLL_CTL_DEL, p[0], (void *)8));
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "ADD");
    EXPECT_ERRNO("ctl ADD twice", EEXIST, epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    EXPECT_ERRNO("ctl MOD with EPOLLEXCLUSIVE", EINVAL, epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
    EXPECT_ERRNO("ctl ADD EPOLLEXCLUSIVE|EPOLLONESHOT", EINVAL, epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
    ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLRDNORM;
    EXPECT_ERRNO("ctl ADD EPOLLEXCLUSIVE|EPOLLRDNORM", EINVAL, epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    EXPECT_ERRNO("ctl ADD EPOLLEXCLUSIVE of an epoll", EINVAL, epoll_ctl(ep, EPOLL_CTL_ADD, plain, &ev));
    ev.events = EPOLLOUT | EPOLLEXCLUSIVE | EPOLLET;
    ev.data.u64 = 2;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev) == 0, "ADD EPOLLEXCLUSIVE");
    ev.events = EPOLLOUT;
    EXPECT_ERRNO("ctl MOD of an exclusive interest", EINVAL, epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev));
    struct epoll_event out[4];
    int n = epoll_wait(ep, out, 4, 0);
    printf("exclusive interest: %d (data %llu events %#x)\n", n, n > 0 ? (unsigned long long)out[0].data.u64 : 0ULL,
           n > 0 ? out[0].events : 0);
    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL) == 0, "DEL exclusive");

    EXPECT_ERRNO("wait maxevents 0", EINVAL, syscall(SYS_epoll_wait, ep, out, 0, 0));
    EXPECT_ERRNO("wait maxevents -1", EINVAL, syscall(SYS_epoll_wait, ep, out, -1, 0));
    EXPECT_ERRNO("wait maxevents too large", EINVAL, syscall(SYS_epoll_wait, ep, out, 0x7fffffff / 12 + 1, 0));
    static struct epoll_event low[4]; /* static: far enough below the top of user space */
    printf("wait maxevents INT_MAX / 12: %ld\n", syscall(SYS_epoll_wait, ep, low, 0x7fffffff / 12, 0));
    EXPECT_ERRNO("wait events out of range", EFAULT, syscall(SYS_epoll_wait, ep, (void *)-4096L, 4, 0));
    EXPECT_ERRNO("wait bad epfd", EBADF, epoll_wait(closed, out, 4, 0));
    EXPECT_ERRNO("wait on a pipe", EINVAL, epoll_wait(p[0], out, 4, 0));
    EXPECT_ERRNO("wait on a pipe, events out of range", EFAULT, syscall(SYS_epoll_wait, p[0], (void *)-4096L, 4, 0));
    printf("wait of nothing into NULL: %ld\n", syscall(SYS_epoll_wait, ep, NULL, 1, 0));
    CHECK(write(p[1], "x", 1) == 1, "write");
    EXPECT_ERRNO("wait of an event into NULL", EFAULT, syscall(SYS_epoll_wait, ep, NULL, 1, 0));
    sigset_t mask;
    sigemptyset(&mask);
    EXPECT_ERRNO("pwait sigsetsize 4", EINVAL, syscall(SYS_epoll_pwait, ep, out, 4, 0, &mask, 4));
    EXPECT_ERRNO("pwait bad mask", EFAULT, syscall(SYS_epoll_pwait, ep, out, 4, 0, (void *)8, 8));
    EXPECT_ERRNO("pwait sigsetsize 4 before maxevents", EINVAL, syscall(SYS_epoll_pwait, ep, out, 0, 0, &mask, 4));
    struct timespec bad = {0, -1};
    EXPECT_ERRNO("pwait2 bad timeout", EINVAL, syscall(SYS_epoll_pwait2, ep, out, 4, &bad, NULL, 8));
    EXPECT_ERRNO("pwait2 timeout pointer", EFAULT, syscall(SYS_epoll_pwait2, ep, out, 4, (void *)8, NULL, 8));
    bad.tv_sec = -1;
    bad.tv_nsec = 0;
    EXPECT_ERRNO("pwait2 negative timeout before sigsetsize", EINVAL,
                 syscall(SYS_epoll_pwait2, ep, out, 4, &bad, &mask, 4));
    n = epoll_wait(ep, out, 4, 0);
    printf("still ready after the faults: %d\n", n);
    close(p[0]);
    close(p[1]);
    close(plain);
    close(ep);
}

int main(void)
{
    errors();
    level_triggered();
    edge_triggered();
    oneshot_and_del();
    nested();
    depth();
    timeouts_and_wakeups();
    host_stdout();
    return 0;
}
