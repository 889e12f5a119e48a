/* splice and tee: pipe to pipe, file to pipe and pipe to file with and
 * without offsets (which advance the pointer, not the file position),
 * SPLICE_F_NONBLOCK and O_NONBLOCK, EOF, a pipe without readers, tee
 * copying without consuming, and the errors: ESPIPE for an offset on a
 * pipe, EINVAL when neither end is a pipe or both are one pipe, for bad
 * flags and O_APPEND, EBADF for the wrong access mode. vmsplice into and
 * out of a pipe. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/eventfd.h>
#include "vfs.h"

static void mkpipe(int p[2], int flags)
{
    CHECK(pipe2(p, flags) == 0, "pipe2");
}

static void expect_read(int fd, const char *want)
{
    char buf[256] = {0};
    size_t n = strlen(want);
    CHECK(read(fd, buf, sizeof buf) == (ssize_t)n && !memcmp(buf, want, n), "read %s, got %s", want, buf);
}

static void pipe_to_pipe(void)
{
    int a[2], b[2];
    mkpipe(a, 0);
    mkpipe(b, 0);
    CHECK(write(a[1], "hello world", 11) == 11, "write");
    CHECK(splice(a[0], NULL, b[1], NULL, 5, 0) == 5, "splice 5 of 11");
    expect_read(b[0], "hello");
    CHECK(splice(a[0], NULL, b[1], NULL, 100, SPLICE_F_MOVE | SPLICE_F_MORE) == 6, "splice what is there");
    expect_read(b[0], " world");
    EXPECT_ERRNO("an empty pipe with SPLICE_F_NONBLOCK", EAGAIN, splice(a[0], NULL, b[1], NULL, 10, SPLICE_F_NONBLOCK));
    int fl = fcntl(a[0], F_GETFL);
    CHECK(fcntl(a[0], F_SETFL, fl | O_NONBLOCK) == 0, "F_SETFL");
    EXPECT_ERRNO("an empty O_NONBLOCK pipe", EAGAIN, splice(a[0], NULL, b[1], NULL, 10, 0));
    CHECK(fcntl(a[0], F_SETFL, fl) == 0, "F_SETFL");
    CHECK(splice(a[0], NULL, b[1], NULL, 0, 0) == 0, "len 0");
    loff_t off = 0;
    EXPECT_ERRNO("an offset for the input pipe", ESPIPE, splice(a[0], &off, b[1], NULL, 1, 0));
    EXPECT_ERRNO("an offset for the output pipe", ESPIPE, splice(a[0], NULL, b[1], &off, 1, 0));
    EXPECT_ERRNO("one pipe at both ends", EINVAL, splice(a[0], NULL, a[1], NULL, 1, 0));
    EXPECT_ERRNO("unknown flags", EINVAL, splice(a[0], NULL, b[1], NULL, 1, 0x100));
    EXPECT_ERRNO("the write end as input", EBADF, splice(a[1], NULL, b[1], NULL, 1, 0));
    EXPECT_ERRNO("the read end as output", EBADF, splice(a[0], NULL, b[0], NULL, 1, 0));
    EXPECT_ERRNO("a closed descriptor", EBADF, splice(a[0], NULL, 99, NULL, 1, 0));
    /* A full output pipe: non-blocking is EAGAIN. */
    CHECK(fcntl(b[1], F_SETPIPE_SZ, 4096) == 4096, "F_SETPIPE_SZ");
    static char page[4096];
    CHECK(write(b[1], page, sizeof page) == 4096, "fill b");
    CHECK(write(a[1], "x", 1) == 1, "write a");
    EXPECT_ERRNO("a full output pipe", EAGAIN, splice(a[0], NULL, b[1], NULL, 1, SPLICE_F_NONBLOCK));
    CHECK(read(b[0], page, sizeof page) == 4096, "drain b");
    /* EOF: no writer left. */
    close(a[1]);
    CHECK(splice(a[0], NULL, b[1], NULL, 10, 0) == 1, "the last byte");
    /* (Linux waits for room in the output before it sees the EOF.) */
    expect_read(b[0], "x");
    CHECK(splice(a[0], NULL, b[1], NULL, 10, 0) == 0, "EOF");
    /* No reader left: EPIPE (SIGPIPE ignored). */
    int c[2];
    mkpipe(c, 0);
    CHECK(write(c[1], "y", 1) == 1, "write c");
    close(b[0]);
    signal(SIGPIPE, SIG_IGN);
    EXPECT_ERRNO("an output pipe without readers", EPIPE, splice(c[0], NULL, b[1], NULL, 1, 0));
    close(a[0]);
    close(b[1]);
    close(c[0]);
    close(c[1]);
}

static void file_and_pipe(void)
{
    int fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0, "open f");
    CHECK(write(fd, "0123456789", 10) == 10, "write f");
    int p[2];
    mkpipe(p, 0);
    /* File to pipe at an offset: the offset advances, not the position. */
    loff_t off = 2;
    CHECK(splice(fd, &off, p[1], NULL, 3, 0) == 3 && off == 5, "file to pipe at an offset");
    expect_read(p[0], "234");
    CHECK(lseek(fd, 0, SEEK_CUR) == 10, "the position is unchanged");
    /* At the position: it advances. */
    CHECK(lseek(fd, 6, SEEK_SET) == 6, "lseek");
    CHECK(splice(fd, NULL, p[1], NULL, 100, 0) == 4, "file to pipe at the position, up to EOF");
    CHECK(lseek(fd, 0, SEEK_CUR) == 10, "the position advanced");
    expect_read(p[0], "6789");
    CHECK(splice(fd, NULL, p[1], NULL, 100, 0) == 0, "at EOF");
    off = -1;
    EXPECT_ERRNO("a negative offset", EINVAL, splice(fd, &off, p[1], NULL, 1, 0));
    /* Pipe to file. */
    CHECK(write(p[1], "ABCDEFG", 7) == 7, "write p");
    off = 1;
    CHECK(splice(p[0], NULL, fd, &off, 3, 0) == 3 && off == 4, "pipe to file at an offset");
    CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek 0");
    CHECK(splice(p[0], NULL, fd, NULL, 100, 0) == 4, "pipe to file at the position");
    CHECK(lseek(fd, 0, SEEK_CUR) == 4, "the position advanced");
    char buf[16] = {0};
    CHECK(pread(fd, buf, sizeof buf, 0) == 10 && !memcmp(buf, "DEFG456789", 10), "file contents %s", buf);
    EXPECT_ERRNO("pipe to file, empty, non-blocking", EAGAIN, splice(p[0], NULL, fd, NULL, 1, SPLICE_F_NONBLOCK));
    /* Access modes and kinds. */
    int ro = open("f", O_RDONLY);
    int wo = open("f", O_WRONLY);
    int ap = open("f", O_WRONLY | O_APPEND);
    CHECK(ro >= 0 && wo >= 0 && ap >= 0, "open f again");
    CHECK(write(p[1], "z", 1) == 1, "write p");
    EXPECT_ERRNO("to a read-only file", EBADF, splice(p[0], NULL, ro, NULL, 1, 0));
    EXPECT_ERRNO("from a write-only file", EBADF, splice(wo, NULL, p[1], NULL, 1, 0));
    EXPECT_ERRNO("to an O_APPEND file", EINVAL, splice(p[0], NULL, ap, NULL, 1, 0));
    EXPECT_ERRNO("neither end a pipe", EINVAL, splice(fd, NULL, wo, NULL, 1, 0));
    int dir = open(".", O_RDONLY | O_DIRECTORY);
    EXPECT_ERRNO("from a directory", EINVAL, splice(dir, NULL, p[1], NULL, 1, 0));
    int efd = eventfd(1, 0);
    EXPECT_ERRNO("from an eventfd", EINVAL, splice(efd, NULL, p[1], NULL, 8, 0));
    /* From /dev/zero. */
    int zero = open("/dev/zero", O_RDONLY);
    CHECK(splice(p[0], NULL, wo, NULL, 1, 0) == 1, "drain p");
    CHECK(splice(zero, NULL, p[1], NULL, 5, 0) == 5, "from /dev/zero");
    char z[5] = {1, 1, 1, 1, 1};
    CHECK(read(p[0], z, 5) == 5 && !z[0] && !z[4], "zeros");
    OK("file and pipe splices");
    close(fd);
    close(ro);
    close(wo);
    close(ap);
    close(dir);
    close(efd);
    close(zero);
    close(p[0]);
    close(p[1]);
}

static void tee_pipes(void)
{
    int a[2], b[2];
    mkpipe(a, 0);
    mkpipe(b, 0);
    CHECK(write(a[1], "abcdef", 6) == 6, "write");
    CHECK(tee(a[0], b[1], 4, 0) == 4, "tee 4");
    expect_read(b[0], "abcd");
    CHECK(tee(a[0], b[1], 100, 0) == 6, "tee all: nothing was consumed");
    expect_read(b[0], "abcdef");
    expect_read(a[0], "abcdef");
    EXPECT_ERRNO("tee of an empty pipe, non-blocking", EAGAIN, tee(a[0], b[1], 1, SPLICE_F_NONBLOCK));
    EXPECT_ERRNO("tee to the same pipe", EINVAL, tee(a[0], a[1], 1, 0));
    EXPECT_ERRNO("tee with bad flags", EINVAL, tee(a[0], b[1], 1, 0x100));
    EXPECT_ERRNO("tee from the write end", EBADF, tee(a[1], b[1], 1, 0));
    int fd = open("f", O_RDWR);
    EXPECT_ERRNO("tee to a file", EINVAL, tee(a[0], fd, 1, 0));
    CHECK(tee(a[0], b[1], 0, 0) == 0, "tee len 0");
    close(a[1]);
    CHECK(tee(a[0], b[1], 1, 0) == 0, "tee at EOF");
    close(fd);
    close(a[0]);
    close(b[0]);
    close(b[1]);
}

static void vmsplice_pipe(void)
{
    int p[2];
    mkpipe(p, 0);
    char a[] = "vm", b[] = "splice";
    struct iovec in[2] = {{a, 2}, {b, 6}};
    CHECK(vmsplice(p[1], in, 2, 0) == 8, "vmsplice into the pipe: %s", errname(errno));
    char x[3] = {0}, y[8] = {0};
    struct iovec out[2] = {{x, 3}, {y, sizeof y}};
    CHECK(vmsplice(p[0], out, 2, 0) == 8, "vmsplice out of the pipe");
    CHECK(!memcmp(x, "vms", 3) && !memcmp(y, "plice", 5), "the data, scattered");
    EXPECT_ERRNO("vmsplice out of an empty pipe, non-blocking", EAGAIN, vmsplice(p[0], out, 2, SPLICE_F_NONBLOCK));
    EXPECT_ERRNO("vmsplice with bad flags", EINVAL, vmsplice(p[1], in, 2, 0x100));
    int fd = open("f", O_RDWR);
    EXPECT_ERRNO("vmsplice to a file", EBADF, vmsplice(fd, in, 2, 0));
    CHECK(vmsplice(fd, in, 0, 0) == 0, "no buffers");
    close(fd);
    close(p[1]);
    CHECK(vmsplice(p[0], out, 2, 0) == 0, "vmsplice at EOF");
    close(p[0]);
    OK("vmsplice");
}

int main(void)
{
    enter_scratch_dir();
    pipe_to_pipe();
    file_and_pipe();
    tee_pipes();
    vmsplice_pipe();
    return 0;
}
