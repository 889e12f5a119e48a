/* signalfd: SFD_NONBLOCK and SFD_CLOEXEC; reading a blocked pending
 * signal as struct signalfd_siginfo (ssi_signo, ssi_code, ssi_pid,
 * ssi_uid, ssi_int/ssi_ptr for sigqueue) consumes it; several queued
 * real-time signals in one read; EAGAIN when empty and non-blocking;
 * EINVAL for a buffer smaller than one record; poll and epoll readiness; a
 * blocking read woken by a child's signal; changing the mask with a second
 * signalfd call on the same descriptor; SIGKILL/SIGSTOP in the mask are
 * ignored; EINVAL for bad flags, a bad mask size and a descriptor that is
 * not a signalfd, EBADF for a closed one. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"
#include "proc.h"
#include "sig.h"
#include "soft.h"

static const char *code_name(int32_t c)
{
    switch (c) {
    case SI_USER: return "SI_USER";
    case SI_TKILL: return "SI_TKILL";
    case SI_QUEUE: return "SI_QUEUE";
    default: return "other";
    }
}

static int readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, 0);
    CHECK(r >= 0, "poll");
    return r == 1 && (p.revents & POLLIN);
}

static void basics(void)
{
    sigset_t m = sigset_of(SIGUSR1);
    sigaddset(&m, SIGRTMIN);
    CHECK(sigprocmask(SIG_BLOCK, &m, NULL) == 0, "block");
    int fd = signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC);
    CHECK(fd >= 0, "signalfd");
    CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "FD_CLOEXEC");
    CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK, "O_NONBLOCK");
    OK("signalfd with SFD_NONBLOCK | SFD_CLOEXEC: both flags set");

    struct signalfd_siginfo ssi[4];
    EXPECT_ERRNO("read of an empty non-blocking signalfd", EAGAIN, read(fd, ssi, sizeof ssi));
    CHECK(!readable(fd), "poll says readable when empty");
    OK("poll: not readable when empty");

    CHECK(raise(SIGUSR1) == 0, "raise");
    CHECK(readable(fd), "poll: not readable with SIGUSR1 pending");
    OK("poll: readable with SIGUSR1 pending");
    EXPECT_ERRNO("read with a buffer smaller than a record", EINVAL, read(fd, ssi, 127));
    CHECK(is_pending(SIGUSR1), "the failed read consumed the signal");
    memset(ssi, 0, sizeof ssi);
    long n = read(fd, ssi, sizeof ssi);
    CHECK(n == (long)sizeof ssi[0], "read returned %ld", n);
    CHECK(ssi[0].ssi_signo == SIGUSR1, "ssi_signo %u", ssi[0].ssi_signo);
    printf("ok read a raised SIGUSR1: 128 bytes, ssi_code %s\n", code_name(ssi[0].ssi_code));
    CHECK(ssi[0].ssi_code == SI_TKILL, "ssi_code");
    CHECK(ssi[0].ssi_pid == (uint32_t)getpid() && ssi[0].ssi_uid == (uint32_t)getuid(),
          "ssi_pid/ssi_uid");
    OK("ssi_pid and ssi_uid are ours");
    CHECK(!is_pending(SIGUSR1) && !readable(fd), "not consumed");
    OK("reading consumed it");

    CHECK(sigqueue(getpid(), SIGUSR1, (union sigval){.sival_int = 77}) == 0, "sigqueue");
    memset(ssi, 0, sizeof ssi);
    CHECK(read(fd, ssi, sizeof ssi) == (long)sizeof ssi[0], "read");
    CHECK(ssi[0].ssi_signo == SIGUSR1 && ssi[0].ssi_code == SI_QUEUE && ssi[0].ssi_int == 77,
          "sigqueue record: %s int %d", code_name(ssi[0].ssi_code), ssi[0].ssi_int);
    OK("sigqueue(SIGUSR1, 77): ssi_code SI_QUEUE, ssi_int 77");

    /* Three queued real-time signals in one read. */
    static int marker;
    for (int v = 1; v <= 3; v++)
        CHECK(sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = v}) == 0, "sigqueue");
    union sigval pv = {.sival_ptr = &marker};
    CHECK(sigqueue(getpid(), SIGRTMIN, pv) == 0, "sigqueue");
    memset(ssi, 0, sizeof ssi);
    n = read(fd, ssi, 3 * sizeof ssi[0]);
    CHECK(n == 3 * (long)sizeof ssi[0], "read of three returned %ld", n);
    for (int i = 0; i < 3; i++)
        CHECK(ssi[i].ssi_signo == (uint32_t)SIGRTMIN && ssi[i].ssi_int == i + 1, "record %d", i);
    OK("three queued SIGRTMIN in one read, values 1 2 3 in order");
    CHECK(read(fd, ssi, sizeof ssi) == (long)sizeof ssi[0], "the fourth");
    CHECK(ssi[0].ssi_ptr == (uint64_t)(uintptr_t)&marker, "ssi_ptr");
    OK("the fourth: ssi_ptr is the queued pointer");

    /* The same descriptor, a new mask. */
    sigset_t m2 = sigset_of(SIGUSR2);
    CHECK(sigprocmask(SIG_BLOCK, &m2, NULL) == 0, "block");
    CHECK(signalfd(fd, &m2, 0) == fd, "signalfd update");
    CHECK(raise(SIGUSR1) == 0, "raise");
    EXPECT_ERRNO("read after the mask dropped SIGUSR1", EAGAIN, read(fd, ssi, sizeof ssi));
    CHECK(is_pending(SIGUSR1), "SIGUSR1 gone");
    CHECK(raise(SIGUSR2) == 0, "raise");
    CHECK(read(fd, ssi, sizeof ssi) == (long)sizeof ssi[0] && ssi[0].ssi_signo == SIGUSR2,
          "SIGUSR2 not read");
    OK("signalfd(fd, {SIGUSR2}) updates the mask: SIGUSR1 stays pending, SIGUSR2 is read");
    struct timespec zero = {0, 0};
    sigset_t u1 = sigset_of(SIGUSR1);
    CHECK(sigtimedwait(&u1, NULL, &zero) == SIGUSR1, "take SIGUSR1");

    /* SIGKILL and SIGSTOP are silently left out. */
    sigset_t ks = sigset_of(SIGKILL);
    sigaddset(&ks, SIGSTOP);
    CHECK(signalfd(fd, &ks, 0) == fd, "signalfd with SIGKILL/SIGSTOP");
    OK("a mask with SIGKILL and SIGSTOP is accepted");
    close(fd);
}

static void with_epoll(void)
{
    sigset_t m = sigset_of(SIGUSR2);
    int fd = signalfd(-1, &m, SFD_NONBLOCK);
    CHECK(fd >= 0, "signalfd");
    int ep = epoll_create1(0);
    CHECK(ep >= 0, "epoll_create1");
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0, "epoll_ctl");
    CHECK(epoll_wait(ep, &ev, 1, 0) == 0, "ready when empty");
    CHECK(raise(SIGUSR2) == 0, "raise");
    memset(&ev, 0, sizeof ev);
    CHECK(epoll_wait(ep, &ev, 1, 0) == 1 && (ev.events & EPOLLIN) && ev.data.u32 == 7,
          "epoll_wait");
    OK("epoll: not ready when empty, EPOLLIN with SIGUSR2 pending");
    struct signalfd_siginfo ssi;
    CHECK(read(fd, &ssi, sizeof ssi) == sizeof ssi && ssi.ssi_signo == SIGUSR2, "read");
    CHECK(epoll_wait(ep, &ev, 1, 0) == 0, "still ready after reading");
    OK("epoll: not ready once read");
    close(ep);
    close(fd);
}

static void blocking(void)
{
    sigset_t m = sigset_of(SIGUSR1);
    int fd = signalfd(-1, &m, 0);
    CHECK(fd >= 0, "signalfd");
    CHECK(!(fcntl(fd, F_GETFL) & O_NONBLOCK) && fcntl(fd, F_GETFD) == 0, "flags");
    pid_t parent = getpid();
    pid_t pid = fork_checked();
    if (pid == 0) {
        sleep_ms(20); /* not needed for correctness: let the parent block */
        _exit(sigqueue(parent, SIGUSR1, (union sigval){.sival_int = 5}) == 0 ? 0 : 1);
    }
    struct signalfd_siginfo ssi;
    memset(&ssi, 0, sizeof ssi);
    CHECK(read(fd, &ssi, sizeof ssi) == sizeof ssi, "blocking read");
    CHECK(ssi.ssi_signo == SIGUSR1 && ssi.ssi_code == SI_QUEUE && ssi.ssi_int == 5 &&
              ssi.ssi_pid == (uint32_t)pid,
          "the child's signal: code %s", code_name(ssi.ssi_code));
    expect_exit(pid, 0, "sender");
    OK("a blocking read returns the child's SIGUSR1: SI_QUEUE, ssi_int 5, ssi_pid the child");
    close(fd);
}

static void errors(void)
{
    sigset_t m = sigset_of(SIGUSR1);
    SOFT_ERRNO("signalfd4 flags 1", EINVAL, syscall(SYS_signalfd4, -1, &m, 8, 1));
    SOFT_ERRNO("signalfd4 flags O_RDWR", EINVAL, syscall(SYS_signalfd4, -1, &m, 8, O_RDWR));
    SOFT_ERRNO("signalfd4 mask size 4", EINVAL, syscall(SYS_signalfd4, -1, &m, 4, 0));
    SOFT_ERRNO("signalfd4 mask size 16", EINVAL, syscall(SYS_signalfd4, -1, &m, 16, 0));
    SOFT_ERRNO("signalfd4 bad mask pointer", EFAULT, syscall(SYS_signalfd4, -1, (void *)8, 8, 0));
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    SOFT_ERRNO("signalfd on a pipe", EINVAL, signalfd(p[0], &m, 0));
    close(p[0]);
    close(p[1]);
    SOFT_ERRNO("signalfd on a closed descriptor", EBADF, signalfd(p[0], &m, 0));
    int fd = (int)syscall(SYS_signalfd, -1, &m, 8);
    CHECK(fd >= 0, "the old signalfd syscall");
    CHECK(fcntl(fd, F_GETFD) == 0 && !(fcntl(fd, F_GETFL) & O_NONBLOCK), "old syscall flags");
    OK("the old signalfd syscall (no flags) works");
    struct signalfd_siginfo ssi;
    SOFT_ERRNO("write to a signalfd", EINVAL, write(fd, &ssi, sizeof ssi));
    close(fd);
}

int main(void)
{
    basics();
    with_epoll();
    blocking();
    errors();
    SOFT_DONE();
    return 0;
}
