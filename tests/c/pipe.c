/* Pipes in one process: flags, capacity and atomicity, FIONREAD, EOF,
 * EPIPE, F_SETPIPE_SZ, packet mode (O_DIRECT), fstat. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "check.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

static char big[1 << 17];

static int nread(int fd)
{
    int n = -1;
    CHECK(ioctl(fd, FIONREAD, &n) == 0, "FIONREAD failed");
    return n;
}

static void close_pair(int p[2])
{
    CHECK(close(p[0]) == 0 && close(p[1]) == 0, "close failed");
}

static void flags_and_errors(void)
{
    int p[2];
    EXPECT_ERRNO("pipe2(O_APPEND)", EINVAL, pipe2(p, O_APPEND));
    EXPECT_ERRNO("pipe2(O_RDWR)", EINVAL, pipe2(p, O_RDWR));
    EXPECT_ERRNO("pipe2(O_TRUNC)", EINVAL, pipe2(p, O_TRUNC));
    EXPECT_ERRNO("pipe2(0x80000000)", EINVAL, syscall(SYS_pipe2, p, 0x80000000u));
    EXPECT_ERRNO("pipe2(bad flags, NULL)", EINVAL, syscall(SYS_pipe2, NULL, O_APPEND));

    /* A fault writing the descriptors leaves none behind. */
    int probe = dup(0);
    CHECK(probe >= 0, "dup(0)");
    close(probe);
    EXPECT_ERRNO("pipe2(NULL)", EFAULT, syscall(SYS_pipe2, NULL, 0));
    EXPECT_ERRNO("pipe((void *)8)", EFAULT, syscall(SYS_pipe, (void *)8));
    int again = dup(0);
    CHECK(again == probe, "a failed pipe2 leaked descriptors (%d != %d)", again, probe);
    close(again);
    OK("no descriptor left behind by EFAULT");

    CHECK(pipe(p) == 0, "pipe");
    CHECK(p[1] == p[0] + 1, "pipe: descriptors %d %d", p[0], p[1]);
    CHECK(fcntl(p[0], F_GETFD) == 0 && fcntl(p[1], F_GETFD) == 0, "pipe: close-on-exec set");
    printf("pipe F_GETFL: read %o write %o\n", fcntl(p[0], F_GETFL), fcntl(p[1], F_GETFL));
    char c;
    EXPECT_ERRNO("write to the read end", EBADF, write(p[0], "x", 1));
    EXPECT_ERRNO("read from the write end", EBADF, read(p[1], &c, 1));
    EXPECT_ERRNO("lseek on a pipe", ESPIPE, lseek(p[0], 0, SEEK_CUR));
    EXPECT_ERRNO("pwrite on a pipe", ESPIPE, pwrite(p[1], "x", 1, 0));
    EXPECT_ERRNO("pread on a pipe", ESPIPE, pread(p[0], &c, 1, 0));
    close_pair(p);

    CHECK(pipe2(p, O_CLOEXEC | O_NONBLOCK | O_DIRECT) == 0, "pipe2(all flags)");
    CHECK(fcntl(p[0], F_GETFD) == FD_CLOEXEC && fcntl(p[1], F_GETFD) == FD_CLOEXEC,
          "pipe2(O_CLOEXEC): close-on-exec not set");
    printf("pipe2(O_CLOEXEC|O_NONBLOCK|O_DIRECT) F_GETFL: read %o write %o\n",
           fcntl(p[0], F_GETFL), fcntl(p[1], F_GETFL));
    EXPECT_ERRNO("read of an empty non-blocking pipe", EAGAIN, read(p[0], &c, 1));
    close_pair(p);
}

static void stat_pipe(void)
{
    int p[2], q[2];
    struct stat a, b, c;
    CHECK(pipe(p) == 0 && pipe(q) == 0, "pipe");
    CHECK(fstat(p[0], &a) == 0 && fstat(p[1], &b) == 0 && fstat(q[0], &c) == 0, "fstat");
    CHECK(S_ISFIFO(a.st_mode), "not a FIFO");
    printf("fstat: mode %o nlink %lu size %ld blksize %ld\n", (unsigned)a.st_mode,
           (unsigned long)a.st_nlink, (long)a.st_size, (long)a.st_blksize);
    CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev, "the ends of a pipe differ");
    CHECK(a.st_ino != c.st_ino, "two pipes share an inode");
    CHECK(a.st_uid == geteuid() && a.st_gid == getegid(), "owner is not the creator");
    OK("both ends share an inode; pipes have their own; the creator owns it");
    CHECK(write(p[1], "abc", 3) == 3, "write");
    CHECK(fstat(p[0], &a) == 0 && a.st_size == 0, "st_size of a pipe with data is not 0");
    OK("st_size stays 0");
    close_pair(p);
    close_pair(q);
}

/* Fills a non-blocking pipe with `chunk`-byte writes until EAGAIN. */
static long fill(int fd, size_t chunk)
{
    long total = 0;
    for (;;) {
        ssize_t w = write(fd, big, chunk);
        if (w < 0) {
            CHECK(errno == EAGAIN, "filling: %s", errname(errno));
            return total;
        }
        total += w;
    }
}

static void capacity(void)
{
    int p[2];
    CHECK(pipe2(p, O_NONBLOCK) == 0, "pipe2");
    printf("F_GETPIPE_SZ %d (read end %d)\n", fcntl(p[1], F_GETPIPE_SZ), fcntl(p[0], F_GETPIPE_SZ));
    printf("FIONREAD empty %d\n", nread(p[0]));
    printf("filled with 1024-byte writes: %ld bytes, then EAGAIN\n", fill(p[1], 1024));
    printf("FIONREAD full %d\n", nread(p[0]));
    EXPECT_ERRNO("write 1 byte to a full pipe", EAGAIN, write(p[1], "x", 1));
    CHECK(read(p[0], big, 1000) == 1000, "read 1000");
    printf("FIONREAD after reading 1000: %d\n", nread(p[0]));
    EXPECT_ERRNO("write 1 byte when no page is free", EAGAIN, write(p[1], "x", 1));
    CHECK(read(p[0], big, 3096) == 3096, "read 3096");
    ssize_t w0 = write(p[1], big, 5000);
    printf("a page freed: a 5000-byte write takes %zd\n", w0);
    ssize_t r = read(p[0], big, sizeof big);
    printf("read the rest: %zd\n", r);
    close_pair(p);

    /* Small writes share pages: 1000-byte writes fill 4000 bytes a page. */
    ssize_t w;
    CHECK(pipe2(p, O_NONBLOCK) == 0, "pipe2");
    printf("filled with 1000-byte writes: %ld bytes, then EAGAIN\n", fill(p[1], 1000));
    w = write(p[1], big, 96);
    printf("then a 96-byte write: %zd", w);
    w = write(p[1], big, 1);
    printf(", and 1 more: %zd\n", w);
    close_pair(p);
    CHECK(pipe2(p, O_NONBLOCK) == 0, "pipe2");
    printf("filled with 1-byte writes: %ld bytes\n", fill(p[1], 1));
    close_pair(p);

    CHECK(pipe2(p, O_NONBLOCK) == 0, "pipe2");
    w = write(p[1], big, 100000);
    printf("one 100000-byte non-blocking write: %zd\n", w);
    close_pair(p);

    /* 15 pages and a byte: 4095 bytes of room, but a 4096-byte write is
     * atomic and does not fit. */
    CHECK(pipe2(p, O_NONBLOCK) == 0, "pipe2");
    CHECK(write(p[1], big, 61441) == 61441, "write 61441");
    EXPECT_ERRNO("4096-byte write with 4095 bytes free", EAGAIN, write(p[1], big, 4096));
    w = write(p[1], big, 4095);
    printf("4095-byte write with 4095 bytes free: %zd\n", w);
    EXPECT_ERRNO("1-byte write to the full pipe", EAGAIN, write(p[1], "x", 1));
    printf("FIONREAD %d\n", nread(p[0]));
    close_pair(p);
}

static void eof_and_epipe(void)
{
    int p[2];
    char buf[16];
    CHECK(pipe(p) == 0, "pipe");
    CHECK(write(p[1], "abc", 3) == 3, "write");
    CHECK(close(p[1]) == 0, "close writer");
    ssize_t r = read(p[0], buf, sizeof buf);
    printf("read after the writer closed: %zd\n", r);
    r = read(p[0], buf, sizeof buf);
    printf("then: %zd (EOF)\n", r);
    r = read(p[0], buf, sizeof buf);
    printf("and again: %zd\n", r);
    close(p[0]);

    CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR, "signal(SIGPIPE, SIG_IGN)");
    CHECK(pipe(p) == 0, "pipe");
    CHECK(close(p[0]) == 0, "close reader");
    EXPECT_ERRNO("write with no reader", EPIPE, write(p[1], "x", 1));
    EXPECT_ERRNO("big write with no reader", EPIPE, write(p[1], big, 100000));
    r = write(p[1], "x", 0);
    printf("empty write with no reader: %zd\n", r);
    close(p[1]);

    /* The non-blocking flag is read at each call. */
    CHECK(pipe(p) == 0, "pipe");
    CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0, "F_SETFL");
    EXPECT_ERRNO("read after F_SETFL O_NONBLOCK", EAGAIN, read(p[0], buf, 1));
    CHECK(fcntl(p[1], F_SETFL, O_NONBLOCK) == 0, "F_SETFL");
    CHECK(write(p[1], big, 70000) == 65536, "non-blocking write did not stop at 65536");
    OK("F_SETFL O_NONBLOCK on a blocking pipe takes effect");
    close_pair(p);
}

static void vectored(void)
{
    int p[2];
    char a[4] = {0}, b[8] = {0};
    CHECK(pipe(p) == 0, "pipe");
    struct iovec out[3] = {{"one ", 4}, {"two ", 4}, {"three", 5}};
    ssize_t w = writev(p[1], out, 3);
    struct iovec in[2] = {{a, 3}, {b, 7}};
    ssize_t r = readv(p[0], in, 2);
    printf("writev %zd, readv %zd: [%.3s][%.7s], %d left\n", w, r, a, b, nread(p[0]));
    close_pair(p);
}

static void set_size(void)
{
    int p[2];
    CHECK(pipe2(p, O_NONBLOCK) == 0, "pipe2");
    unsigned sizes[] = {0, 1, 4096, 4097, 8192, 65535, 100000, 1048576};
    for (unsigned i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        int r = fcntl(p[1], F_SETPIPE_SZ, sizes[i]);
        printf("F_SETPIPE_SZ %u -> %d, F_GETPIPE_SZ %d\n", sizes[i], r, fcntl(p[0], F_GETPIPE_SZ));
    }
    EXPECT_ERRNO("F_SETPIPE_SZ 2^31+1", EINVAL, fcntl(p[1], F_SETPIPE_SZ, (1u << 31) + 1));
    EXPECT_ERRNO("F_SETPIPE_SZ -1", EINVAL, fcntl(p[1], F_SETPIPE_SZ, -1));
    /* Above fs.pipe-max-size takes CAP_SYS_RESOURCE, which depends on
     * who runs the test: print what happened. */
    errno = 0;
    int r = fcntl(p[1], F_SETPIPE_SZ, 2 * 1048576);
    CHECK(r == 2 * 1048576 || (r == -1 && errno == EPERM), "F_SETPIPE_SZ 2 MiB: %d", r);
    printf("F_SETPIPE_SZ 2 MiB (needs CAP_SYS_RESOURCE): %s\n", r < 0 ? errname(errno) : "allowed");

    /* Shrinking below what the pipe holds: EBUSY. */
    CHECK(fcntl(p[1], F_SETPIPE_SZ, 65536) == 65536, "back to 65536");
    CHECK(write(p[1], big, 5000) == 5000, "write 5000");
    EXPECT_ERRNO("F_SETPIPE_SZ 4096 holding two pages", EBUSY, fcntl(p[1], F_SETPIPE_SZ, 4096));
    r = fcntl(p[1], F_SETPIPE_SZ, 8192);
    printf("F_SETPIPE_SZ 8192 holding 5000 bytes -> %d\n", r);
    ssize_t w = write(p[1], big, 10000);
    printf("then a 10000-byte write: %zd (FIONREAD %d)\n", w, nread(p[0]));
    CHECK(read(p[0], big, 4096) == 4096, "read a page");
    w = write(p[1], big, 10000);
    printf("after reading a page: %zd\n", w);
    close_pair(p);

    /* A one-page pipe. */
    CHECK(pipe2(p, O_NONBLOCK) == 0, "pipe2");
    CHECK(fcntl(p[0], F_SETPIPE_SZ, 1) == 4096, "F_SETPIPE_SZ 1");
    w = write(p[1], big, 10000);
    printf("one-page pipe takes %zd\n", w);
    close_pair(p);
}

static void packets(void)
{
    int p[2];
    char buf[8192];
    CHECK(pipe2(p, O_DIRECT | O_NONBLOCK) == 0, "pipe2(O_DIRECT)");
    CHECK(write(p[1], "hello", 5) == 5 && write(p[1], "world!", 6) == 6, "write packets");
    printf("O_DIRECT FIONREAD %d\n", nread(p[0]));
    ssize_t r = read(p[0], buf, sizeof buf);
    printf("packet 1: %zd [%.*s]\n", r, (int)(r > 0 ? r : 0), buf);
    r = read(p[0], buf, 3);
    printf("packet 2 into 3 bytes: %zd [%.*s]\n", r, (int)(r > 0 ? r : 0), buf);
    EXPECT_ERRNO("the rest of packet 2 is gone", EAGAIN, read(p[0], buf, sizeof buf));

    CHECK(write(p[1], big, 5000) == 5000, "a 5000-byte packet write");
    r = read(p[0], buf, sizeof buf);
    printf("a 5000-byte packet write reads as %zd", r);
    r = read(p[0], buf, sizeof buf);
    printf(" then %zd\n", r);

    /* Packet mode belongs to the writer's description: F_SETFL changes it. */
    CHECK(fcntl(p[1], F_SETFL, O_NONBLOCK) == 0, "F_SETFL clear O_DIRECT");
    CHECK(write(p[1], "ab", 2) == 2 && write(p[1], "cd", 2) == 2, "plain writes");
    r = read(p[0], buf, sizeof buf);
    printf("without O_DIRECT: %zd\n", r);
    CHECK(fcntl(p[1], F_SETFL, O_NONBLOCK | O_DIRECT) == 0, "F_SETFL set O_DIRECT");
    CHECK(write(p[1], "xy", 2) == 2 && write(p[1], "z", 1) == 1, "packet writes");
    r = read(p[0], buf, sizeof buf);
    printf("with O_DIRECT again: %zd", r);
    r = read(p[0], buf, sizeof buf);
    printf(" then %zd\n", r);
    printf("F_GETFL write end %o\n", fcntl(p[1], F_GETFL));
    close_pair(p);
}

int main(void)
{
    syscall(SYS_close_range, 3, ~0u, 0);
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)i;
    flags_and_errors();
    stat_pipe();
    capacity();
    eof_and_epipe();
    vectored();
    set_size();
    packets();
    return 0;
}
