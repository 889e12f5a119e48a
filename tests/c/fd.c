/* The descriptor table: dup, dup2, dup3, close_range, fcntl, FIONBIO, and EMFILE
 * under a lowered RLIMIT_NOFILE. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static long dup3_(int oldfd, int newfd, int flags)
{
    return syscall(SYS_dup3, oldfd, newfd, flags);
}

static long close_range_(unsigned first, unsigned last, unsigned flags)
{
    return syscall(SYS_close_range, first, last, flags);
}

static int is_open(int fd)
{
    return fcntl(fd, F_GETFD) >= 0;
}

static void open_fds(const char *what)
{
    printf("%s:", what);
    for (int fd = 0; fd < 300; fd++)
        if (is_open(fd))
            printf(" %d", fd);
    printf("\n");
}

static void dups(void)
{
    int p[2];
    CHECK(pipe2(p, O_CLOEXEC) == 0, "pipe2");
    printf("pipe at %d %d\n", p[0], p[1]);
    int d = dup(p[1]);
    int fd_d = fcntl(d, F_GETFD), fd_o = fcntl(p[1], F_GETFD);
    printf("dup -> %d, F_GETFD %d (original %d)\n", d, fd_d, fd_o);
    EXPECT_ERRNO("dup(-1)", EBADF, dup(-1));
    EXPECT_ERRNO("dup(299)", EBADF, dup(299));

    /* The duplicate shares the description: writes through it arrive. */
    char buf[8] = {0};
    CHECK(write(d, "dup", 3) == 3, "write through the dup");
    CHECK(read(p[0], buf, sizeof buf) == 3 && memcmp(buf, "dup", 3) == 0, "read");
    OK("a dup shares the open file description");
    CHECK(fcntl(d, F_SETFL, O_NONBLOCK) == 0, "F_SETFL");
    CHECK(fcntl(p[1], F_GETFL) & O_NONBLOCK, "status flags are not shared");
    OK("a dup shares status flags");
    CHECK(fcntl(d, F_SETFL, 0) == 0, "F_SETFL");

    printf("dup2(p0, p0) -> %d\n", dup2(p[0], p[0]));
    EXPECT_ERRNO("dup2(299, 299)", EBADF, dup2(299, 299));
    EXPECT_ERRNO("dup2(299, 100)", EBADF, dup2(299, 100));
    EXPECT_ERRNO("dup2(-1, 100)", EBADF, dup2(-1, 100));
    EXPECT_ERRNO("dup2(p0, -1)", EBADF, dup2(p[0], -1));
    EXPECT_ERRNO("dup2(p0, 256) (the limit)", EBADF, dup2(p[0], 256));
    printf("dup2(p0, 255) -> %d\n", dup2(p[0], 255));
    int r2 = dup2(p[1], 100);
    printf("dup2(p1, 100) -> %d, F_GETFD %d\n", r2, fcntl(100, F_GETFD));
    CHECK(fcntl(100, F_SETFD, FD_CLOEXEC) == 0, "F_SETFD");
    r2 = dup2(p[0], 100);
    printf("dup2(p0, 100) over a close-on-exec descriptor -> %d, F_GETFD %d\n", r2, fcntl(100, F_GETFD));

    /* dup2 over the last writer of another pipe closes it: EOF there. */
    int q[2];
    CHECK(pipe(q) == 0, "pipe");
    CHECK(dup2(p[1], q[1]) == q[1], "dup2 over q[1]");
    ssize_t r = read(q[0], buf, sizeof buf);
    printf("read from a pipe whose writer dup2 replaced: %zd\n", r);
    CHECK(write(q[1], "p", 1) == 1 && read(p[0], buf, 1) == 1 && buf[0] == 'p', "q[1] writes into p");
    OK("the new descriptor names the old description");
    close(q[0]);
    close(q[1]);

    EXPECT_ERRNO("dup3(p0, p0, 0)", EINVAL, dup3_(p[0], p[0], 0));
    EXPECT_ERRNO("dup3(-1, -1, 0)", EINVAL, dup3_(-1, -1, 0));
    EXPECT_ERRNO("dup3(p0, 101, O_NONBLOCK)", EINVAL, dup3_(p[0], 101, O_NONBLOCK));
    EXPECT_ERRNO("dup3(p0, p0, O_NONBLOCK)", EINVAL, dup3_(p[0], p[0], O_NONBLOCK));
    EXPECT_ERRNO("dup3(299, 101, 0)", EBADF, dup3_(299, 101, 0));
    EXPECT_ERRNO("dup3(p0, 256, 0)", EBADF, dup3_(p[0], 256, 0));
    EXPECT_ERRNO("dup3(299, 256, 0)", EBADF, dup3_(299, 256, 0));
    r2 = dup3_(p[0], 101, O_CLOEXEC);
    printf("dup3(p0, 101, O_CLOEXEC) -> %d, F_GETFD %d\n", r2, fcntl(101, F_GETFD));
    r2 = dup3_(p[0], 101, 0);
    printf("dup3(p0, 101, 0) -> %d, F_GETFD %d\n", r2, fcntl(101, F_GETFD));
    open_fds("open");
    CHECK(close_range_(4, ~0u, 0) == 0, "close_range");
    close(p[0]);
    close(p[1]);
}

static void ranges(void)
{
    for (int fd = 100; fd <= 105; fd++)
        CHECK(dup2(0, fd) == fd, "dup2(0, %d)", fd);
    printf("close_range(100, 102, 0) -> %ld\n", close_range_(100, 102, 0));
    open_fds("open");
    printf("close_range(103, 104, CLOEXEC) -> %ld\n", close_range_(103, 104, CLOSE_RANGE_CLOEXEC));
    int f103 = fcntl(103, F_GETFD), f104 = fcntl(104, F_GETFD), f105 = fcntl(105, F_GETFD);
    printf("F_GETFD 103 %d, 104 %d, 105 %d\n", f103, f104, f105);
    printf("close_range(104, 104, UNSHARE) -> %ld\n", close_range_(104, 104, CLOSE_RANGE_UNSHARE));
    open_fds("open");
    EXPECT_ERRNO("close_range(5, 4, 0)", EINVAL, close_range_(5, 4, 0));
    EXPECT_ERRNO("close_range(0, ~0, 1)", EINVAL, close_range_(0, ~0u, 1));
    EXPECT_ERRNO("close_range(0, ~0, 8)", EINVAL, close_range_(0, ~0u, 8));
    printf("close_range(200, ~0, 0) -> %ld\n", close_range_(200, ~0u, 0));
    printf("close_range(300, 300, 0) on nothing -> %ld\n", close_range_(300, 300, 0));
    printf("close_range(103, ~0, UNSHARE|CLOEXEC) -> %ld\n",
           close_range_(103, ~0u, CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC));
    f103 = fcntl(103, F_GETFD);
    f105 = fcntl(105, F_GETFD);
    printf("F_GETFD 103 %d, 105 %d\n", f103, f105);
    printf("close_range(3, ~0, 0) -> %ld\n", close_range_(3, ~0u, 0));
    open_fds("open");
}

static void fcntls(void)
{
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    int a = fcntl(p[0], F_DUPFD, 50);
    int b = fcntl(p[0], F_DUPFD, 50);
    printf("F_DUPFD 50 -> %d, again -> %d\n", a, b);
    printf("F_DUPFD 0 -> %d\n", fcntl(p[0], F_DUPFD, 0));
    printf("F_DUPFD 255 -> %d\n", fcntl(p[0], F_DUPFD, 255));
    EXPECT_ERRNO("F_DUPFD 255 again", EMFILE, fcntl(p[0], F_DUPFD, 255));
    EXPECT_ERRNO("F_DUPFD 256 (the limit)", EINVAL, fcntl(p[0], F_DUPFD, 256));
    EXPECT_ERRNO("F_DUPFD -1", EINVAL, fcntl(p[0], F_DUPFD, -1));
    EXPECT_ERRNO("F_DUPFD on a bad descriptor", EBADF, fcntl(299, F_DUPFD, -1));
    int c = fcntl(p[0], F_DUPFD_CLOEXEC, 60);
    printf("F_DUPFD_CLOEXEC 60 -> %d, F_GETFD %d\n", c, fcntl(c, F_GETFD));

    printf("F_GETFD %d", fcntl(p[0], F_GETFD));
    CHECK(fcntl(p[0], F_SETFD, FD_CLOEXEC) == 0, "F_SETFD");
    printf(", after F_SETFD 1: %d", fcntl(p[0], F_GETFD));
    CHECK(fcntl(p[0], F_SETFD, 0) == 0, "F_SETFD");
    printf(", after F_SETFD 0: %d", fcntl(p[0], F_GETFD));
    CHECK(fcntl(p[0], F_SETFD, 6) == 0, "F_SETFD");
    printf(", after F_SETFD 6: %d", fcntl(p[0], F_GETFD));
    CHECK(fcntl(p[0], F_SETFD, ~0) == 0, "F_SETFD");
    printf(", after F_SETFD ~0: %d\n", fcntl(p[0], F_GETFD));
    EXPECT_ERRNO("F_GETFD on a bad descriptor", EBADF, fcntl(299, F_GETFD));
    EXPECT_ERRNO("F_SETFD on a bad descriptor", EBADF, fcntl(299, F_SETFD, 0));
    EXPECT_ERRNO("F_GETFL on a bad descriptor", EBADF, fcntl(-1, F_GETFL));

    a = fcntl(p[0], F_GETFL);
    b = fcntl(p[1], F_GETFL);
    printf("F_GETFL read end %o, write end %o\n", a, b);
    CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0, "F_SETFL");
    printf("after F_SETFL O_NONBLOCK: %o\n", fcntl(p[0], F_GETFL));
    CHECK(fcntl(p[1], F_SETFL, O_RDWR | O_NONBLOCK | O_APPEND | O_CREAT | O_TRUNC | O_EXCL | O_CLOEXEC) == 0,
          "F_SETFL");
    a = fcntl(p[1], F_GETFL);
    b = fcntl(p[1], F_GETFD);
    printf("after F_SETFL O_RDWR|O_NONBLOCK|O_APPEND|O_CREAT|O_TRUNC|O_EXCL|O_CLOEXEC: %o (F_GETFD %d)\n", a, b);
    CHECK(fcntl(p[1], F_SETFL, O_ASYNC | O_DIRECT | O_NOATIME) == 0, "F_SETFL");
    printf("after F_SETFL O_ASYNC|O_DIRECT|O_NOATIME: %o\n", fcntl(p[1], F_GETFL));
    CHECK(fcntl(p[1], F_SETFL, 0) == 0, "F_SETFL");
    printf("after F_SETFL 0: %o\n", fcntl(p[1], F_GETFL));

    int on = 1;
    CHECK(ioctl(p[0], FIONBIO, &on) == 0, "FIONBIO 1");
    printf("after FIONBIO 1: %o\n", fcntl(p[0], F_GETFL));
    on = 0;
    CHECK(ioctl(p[0], FIONBIO, &on) == 0, "FIONBIO 0");
    printf("after FIONBIO 0: %o\n", fcntl(p[0], F_GETFL));
    on = -7;
    CHECK(ioctl(p[0], FIONBIO, &on) == 0, "FIONBIO -7");
    printf("after FIONBIO -7: %o\n", fcntl(p[0], F_GETFL));
    EXPECT_ERRNO("FIONBIO with a bad pointer", EFAULT, ioctl(p[0], FIONBIO, (int *)8));
    EXPECT_ERRNO("FIONBIO on a bad descriptor", EBADF, ioctl(299, FIONBIO, &on));
    CHECK(fcntl(p[0], F_SETFL, 0) == 0, "F_SETFL");

    printf("F_GETPIPE_SZ %d\n", fcntl(p[0], F_GETPIPE_SZ));
    EXPECT_ERRNO("unknown command 12345", EINVAL, fcntl(p[0], 12345, 0));
    EXPECT_ERRNO("unknown command on a bad descriptor", EBADF, fcntl(299, 12345, 0));
    open_fds("open");
    CHECK(close_range_(3, ~0u, 0) == 0, "close_range");
}

static void emfile(void)
{
    struct rlimit r;
    CHECK(getrlimit(RLIMIT_NOFILE, &r) == 0, "getrlimit");
    struct rlimit low = {16, r.rlim_max};
    CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0, "setrlimit");
    int last = -1, n = 0;
    for (;;) {
        int fd = dup(0);
        if (fd < 0) {
            CHECK(errno == EMFILE, "dup until failure: %s", errname(errno));
            break;
        }
        last = fd;
        n++;
    }
    printf("RLIMIT_NOFILE 16: %d dups, the last %d, then EMFILE\n", n, last);
    int p[2];
    EXPECT_ERRNO("pipe with no descriptor free", EMFILE, pipe(p));
    EXPECT_ERRNO("F_DUPFD 3 with none free", EMFILE, fcntl(0, F_DUPFD, 3));
    EXPECT_ERRNO("F_DUPFD 16", EINVAL, fcntl(0, F_DUPFD, 16));
    EXPECT_ERRNO("dup2 to 16", EBADF, dup2(0, 16));
    CHECK(close(15) == 0, "close(15)");
    EXPECT_ERRNO("pipe with one descriptor free", EMFILE, pipe(p));
    printf("after the failed pipe, dup -> %d\n", dup(0));
    printf("dup2(0, 15) -> %d\n", dup2(0, 15));
    CHECK(close_range_(3, ~0u, 0) == 0, "close_range");
    printf("F_DUPFD 10 -> %d\n", fcntl(0, F_DUPFD, 10));
    CHECK(setrlimit(RLIMIT_NOFILE, &r) == 0, "setrlimit back");
    /* Descriptors above a lowered limit stay usable. */
    struct rlimit lower = {8, r.rlim_max};
    CHECK(setrlimit(RLIMIT_NOFILE, &lower) == 0, "setrlimit 8");
    printf("with the limit lowered to 8, fd 10 is %s\n", is_open(10) ? "still open" : "closed");
    EXPECT_ERRNO("dup2(10, 9) above the lowered limit", EBADF, dup2(10, 9));
    printf("dup(10) -> %d\n", dup(10));
    CHECK(setrlimit(RLIMIT_NOFILE, &r) == 0, "setrlimit back");
}

int main(void)
{
    close_range_(3, ~0u, 0);
    struct rlimit r;
    CHECK(getrlimit(RLIMIT_NOFILE, &r) == 0, "getrlimit");
    CHECK(r.rlim_max >= 256, "NOFILE hard limit below 256");
    struct rlimit l = {256, r.rlim_max};
    CHECK(setrlimit(RLIMIT_NOFILE, &l) == 0, "setrlimit 256");
    open_fds("start");
    dups();
    ranges();
    fcntls();
    emfile();
    return 0;
}
