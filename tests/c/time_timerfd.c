/* timerfd: create, set, get, read of the expiry count (blocking and not),
 * overruns of a periodic timer while the reader was away, poll and epoll
 * readiness, and Linux's errors. Prints no time. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

#define MS 1000000L

static struct itimerspec spec(long value_ns, long interval_ns)
{
    struct itimerspec s = {{interval_ns / 1000000000L, interval_ns % 1000000000L},
                           {value_ns / 1000000000L, value_ns % 1000000000L}};
    return s;
}

static long long ts_ns(struct timespec t)
{
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, 0);
    CHECK(fd >= 0, "timerfd_create MONOTONIC");
    CHECK(fcntl(fd, F_GETFL) == O_RDWR, "flags O_RDWR");
    CHECK(fcntl(fd, F_GETFD) == 0, "no FD_CLOEXEC");
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == 0 && (st.st_mode & 0777) == 0600, "anonymous inode");
    struct itimerspec cur;
    CHECK(timerfd_gettime(fd, &cur) == 0, "gettime");
    CHECK(ts_ns(cur.it_value) == 0 && ts_ns(cur.it_interval) == 0, "a new timerfd is disarmed");
    OK("timerfd_create MONOTONIC: disarmed, O_RDWR");

    int fds[3] = {timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC), timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK),
                  -1};
    CHECK(fds[0] >= 0 && fcntl(fds[0], F_GETFD) == FD_CLOEXEC, "TFD_CLOEXEC");
    CHECK(fds[1] >= 0 && fcntl(fds[1], F_GETFL) == (O_RDWR | O_NONBLOCK), "TFD_NONBLOCK");
    OK("timerfd_create REALTIME, BOOTTIME, flags");
    EXPECT_ERRNO("timerfd_create PROCESS_CPUTIME_ID", EINVAL, timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0));
    EXPECT_ERRNO("timerfd_create MONOTONIC_RAW", EINVAL, timerfd_create(CLOCK_MONOTONIC_RAW, 0));
    EXPECT_ERRNO("timerfd_create clock 99", EINVAL, timerfd_create(99, 0));
    EXPECT_ERRNO("timerfd_create bad flags", EINVAL, timerfd_create(CLOCK_MONOTONIC, 1));

    /* Non-blocking read of a disarmed timer; short buffers. */
    uint64_t n = 0;
    EXPECT_ERRNO("read disarmed nonblocking", EAGAIN, read(fds[1], &n, 8));
    uint32_t small;
    EXPECT_ERRNO("read 4 bytes", EINVAL, read(fds[1], &small, 4));
    EXPECT_ERRNO("write", EINVAL, write(fd, &n, 8));

    /* One-shot, relative: a blocking read returns 1. */
    struct itimerspec s = spec(30 * MS, 0), old;
    long t0 = now_ms();
    CHECK(timerfd_settime(fd, 0, &s, &old) == 0, "settime one-shot");
    CHECK(ts_ns(old.it_value) == 0, "old value of a disarmed timer");
    CHECK(timerfd_gettime(fd, &cur) == 0, "gettime");
    CHECK(ts_ns(cur.it_value) > 0 && ts_ns(cur.it_value) <= 30 * MS && ts_ns(cur.it_interval) == 0,
          "gettime of an armed one-shot");
    CHECK(read(fd, &n, 8) == 8 && n == 1, "blocking read of a one-shot");
    CHECK(now_ms() - t0 >= 29, "the read returned before the expiry");
    CHECK(timerfd_gettime(fd, &cur) == 0 && ts_ns(cur.it_value) == 0, "an expired one-shot is disarmed");
    OK("one-shot: blocking read returns 1 after the expiry, then disarmed");

    /* Periodic: 10 ms, not read for 120 ms: the count holds every period. */
    s = spec(10 * MS, 10 * MS);
    CHECK(timerfd_settime(fds[1], 0, &s, NULL) == 0, "settime periodic");
    sleep_ms(120);
    CHECK(read(fds[1], &n, 8) == 8, "read periodic");
    CHECK(n >= 8 && n <= 20, "periodic 10 ms timer unread for 120 ms counted %s", n < 8 ? "too few" : "too many");
    CHECK(timerfd_gettime(fds[1], &cur) == 0, "gettime periodic");
    CHECK(ts_ns(cur.it_interval) == 10 * MS && ts_ns(cur.it_value) > 0 && ts_ns(cur.it_value) <= 10 * MS,
          "gettime of a periodic timer");
    OK("periodic: overruns while unread are counted");

    /* Disarm: old value reports the period; the count restarts. */
    sleep_ms(25);
    s = spec(0, 0);
    CHECK(timerfd_settime(fds[1], 0, &s, &old) == 0, "disarm");
    CHECK(ts_ns(old.it_interval) == 10 * MS, "old interval");
    EXPECT_ERRNO("read after disarm", EAGAIN, read(fds[1], &n, 8));
    OK("disarming zeroes the count");

    /* Absolute, in the past: expires at once. */
    struct timespec mono;
    clock_gettime(CLOCK_MONOTONIC, &mono);
    s.it_value = mono;
    s.it_interval.tv_sec = 0;
    s.it_interval.tv_nsec = 0;
    CHECK(timerfd_settime(fds[1], TFD_TIMER_ABSTIME, &s, NULL) == 0, "settime ABSTIME");
    CHECK(read(fds[1], &n, 8) == 8 && n == 1, "an absolute time already past expires at once");
    /* Absolute on realtime, with CANCEL_ON_SET (nobody sets the clock). */
    struct timespec real;
    clock_gettime(CLOCK_REALTIME, &real);
    s.it_value.tv_sec = real.tv_sec;
    s.it_value.tv_nsec = real.tv_nsec + 20 * MS;
    if (s.it_value.tv_nsec >= 1000000000L) {
        s.it_value.tv_sec++;
        s.it_value.tv_nsec -= 1000000000L;
    }
    CHECK(timerfd_settime(fds[0], TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &s, NULL) == 0, "settime REALTIME");
    CHECK(read(fds[0], &n, 8) == 8 && n == 1, "read REALTIME absolute");
    OK("TFD_TIMER_ABSTIME on MONOTONIC and REALTIME");

    /* Readiness: poll and epoll see the expiry. */
    struct pollfd p = {fd, POLLIN, 0};
    CHECK(poll(&p, 1, 0) == 0, "a disarmed timerfd is not readable");
    s = spec(20 * MS, 0);
    CHECK(timerfd_settime(fd, 0, &s, NULL) == 0, "settime");
    CHECK(poll(&p, 1, 5000) == 1 && p.revents == POLLIN, "poll sees the expiry");
    int ep = epoll_create1(0);
    struct epoll_event ev = {EPOLLIN, {.u64 = 7}}, got;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0, "epoll_ctl");
    CHECK(epoll_wait(ep, &got, 1, 0) == 1 && got.data.u64 == 7, "epoll: readable while unread");
    CHECK(read(fd, &n, 8) == 8 && n == 1, "read");
    CHECK(epoll_wait(ep, &got, 1, 0) == 0, "epoll: not readable once read");
    s = spec(20 * MS, 0);
    CHECK(timerfd_settime(fd, 0, &s, NULL) == 0, "settime");
    CHECK(epoll_wait(ep, &got, 1, 5000) == 1 && got.events == EPOLLIN, "epoll_wait wakes at the expiry");
    OK("poll and epoll readiness");

    /* Errors. */
    s = spec(1, 0);
    s.it_value.tv_nsec = 1000000000L;
    EXPECT_ERRNO("settime bad tv_nsec", EINVAL, timerfd_settime(fd, 0, &s, NULL));
    s = spec(MS, 0);
    s.it_interval.tv_sec = -1;
    EXPECT_ERRNO("settime negative interval", EINVAL, timerfd_settime(fd, 0, &s, NULL));
    s = spec(MS, 0);
    EXPECT_ERRNO("settime bad flags", EINVAL, timerfd_settime(fd, 4, &s, NULL));
    EXPECT_ERRNO("settime bad pointer", EFAULT, timerfd_settime(fd, 0, (void *)8, NULL));
    EXPECT_ERRNO("settime bad fd", EBADF, timerfd_settime(999, 0, &s, NULL));
    EXPECT_ERRNO("settime not a timerfd", EINVAL, timerfd_settime(ep, 0, &s, NULL));
    EXPECT_ERRNO("gettime not a timerfd", EINVAL, timerfd_gettime(0, &cur));
    EXPECT_ERRNO("gettime bad pointer", EFAULT, timerfd_gettime(fd, (void *)8));
    EXPECT_ERRNO("gettime bad fd", EBADF, timerfd_gettime(-1, &cur));
    return 0;
}
