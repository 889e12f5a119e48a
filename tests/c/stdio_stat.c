/* Standard streams: stdout is a pipe, stdin is a pipe with "input line\n". */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>
#include "check.h"

static const char *ftype(mode_t m)
{
    if (S_ISFIFO(m)) return "fifo";
    if (S_ISCHR(m)) return "chr";
    if (S_ISREG(m)) return "reg";
    if (S_ISDIR(m)) return "dir";
    if (S_ISSOCK(m)) return "sock";
    if (S_ISLNK(m)) return "lnk";
    if (S_ISBLK(m)) return "blk";
    return "unknown";
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        CHECK(w > 0, "write returned %zd", w);
        p += w;
        n -= (size_t)w;
    }
}

int main(void)
{
    struct stat st;
    CHECK(fstat(1, &st) == 0, "fstat(1) failed");
    printf("stdout type=%s\n", ftype(st.st_mode));
    CHECK(S_ISFIFO(st.st_mode), "stdout is not a FIFO");
    CHECK(fstat(0, &st) == 0, "fstat(0) failed");
    printf("stdin type=%s\n", ftype(st.st_mode));
    CHECK(fstat(2, &st) == 0, "fstat(2) failed");
    printf("stderr type=%s\n", ftype(st.st_mode));

    struct termios t;
    EXPECT_ERRNO("ioctl(1, TCGETS)", ENOTTY, ioctl(1, TCGETS, &t));
    struct winsize ws;
    EXPECT_ERRNO("ioctl(1, TIOCGWINSZ)", ENOTTY, ioctl(1, TIOCGWINSZ, &ws));
    CHECK(!isatty(1), "isatty(1) is true");
    OK("isatty(1) is false");
    EXPECT_ERRNO("fstat(12345)", EBADF, fstat(12345, &st));
    EXPECT_ERRNO("write(12345)", EBADF, write(12345, "x", 1));
    fflush(stdout);

    /* 100 KiB in one write call (more than a pipe buffer). */
    size_t len = 100 * 1024;
    char *big = malloc(len);
    CHECK(big != NULL, "malloc failed");
    for (size_t i = 0; i < len; i++)
        big[i] = (i % 64 == 63) ? '\n' : (char)('a' + (i / 64) % 26);
    write_all(1, big, len);
    free(big);
    printf("wrote %zu bytes\n", len);
    fflush(stdout);

    struct iovec iov[3] = {
        {"writev ", 7},
        {"of three ", 9},
        {"iovecs\n", 7},
    };
    ssize_t w = writev(1, iov, 3);
    CHECK(w == 23, "writev returned %zd", w);
    printf("writev returned %zd\n", w);

    char in[256];
    size_t got = 0;
    for (;;) {
        ssize_t r = read(0, in + got, sizeof in - 1 - got);
        CHECK(r >= 0, "read(0) failed");
        if (r == 0)
            break;
        got += (size_t)r;
    }
    in[got] = 0;
    printf("read %zu bytes: [%s]\n", got, in);
    CHECK(read(0, in, sizeof in) == 0, "read at EOF did not return 0");
    OK("read at EOF returns 0");

    EXPECT_ERRNO("pread(0) on a pipe", ESPIPE, pread(0, in, 1, 0));
    EXPECT_ERRNO("lseek(0) on a pipe", ESPIPE, lseek(0, 0, SEEK_SET));
    EXPECT_ERRNO("write from a bad buffer", EFAULT, syscall(SYS_write, 1, (void *)1, 1));
    return 0;
}
