/* Pipes between processes: a 1 MiB transfer from a forked writer with a
 * checksum; EPIPE for a writer (SIGPIPE ignored) whose reader exits early,
 * also when it is blocked on a full pipe; EOF only once every write end
 * (dup'd ones included, in both processes) is closed; and a filter
 * pipeline: pipe + dup2 + fork + exec of /proc/self/exe.
 *
 * Usage: pipe_xfer            run the tests
 *        pipe_xfer filter     copy stdin to stdout in upper case
 *
 * Children never print; they report through their exit status. */
#define _GNU_SOURCE
#include <ctype.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "proc.h"

#define XFER (1 << 20)

/* Byte `i` of the transfer: not periodic in any power of two. */
static unsigned char pattern(uint64_t i)
{
    return (unsigned char)((i * 2654435761u) >> 13 ^ i / 4099);
}

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

#define FNV_INIT 14695981039346656037ull

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void transfer(void)
{
    static unsigned char buf[XFER];
    for (uint64_t i = 0; i < XFER; i++)
        buf[i] = pattern(i);
    uint64_t want = fnv1a(FNV_INIT, buf, XFER);

    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    pid_t pid = fork_checked();
    if (pid == 0) {
        close(p[0]);
        /* Writes of assorted sizes, some larger than the pipe. */
        static const size_t sizes[] = {1, 4096, 7, 65536, 100000, 4095, 512, 3, 131072};
        size_t off = 0;
        for (int k = 0; off < XFER; k++) {
            size_t n = sizes[k % (sizeof sizes / sizeof sizes[0])];
            if (n > XFER - off)
                n = XFER - off;
            if (write_all(p[1], buf + off, n) != 0)
                _exit(2);
            off += n;
        }
        _exit(0);
    }
    close(p[1]);
    static unsigned char got[XFER + 1];
    size_t total = 0;
    int reads = 0;
    for (;;) {
        /* Reads of assorted sizes too. */
        size_t want_n = (reads % 3 == 0) ? 1000 : (reads % 3 == 1) ? 70000 : 65536;
        if (want_n > sizeof got - total)
            want_n = sizeof got - total;
        ssize_t r = read(p[0], got + total, want_n);
        CHECK(r >= 0, "read");
        if (r == 0)
            break;
        total += (size_t)r;
        reads++;
        CHECK(total <= XFER, "more than %d bytes arrived", XFER);
    }
    close(p[0]);
    expect_exit(pid, 0, "writer");
    CHECK(total == XFER, "got %zu bytes, expected %d", total, XFER);
    uint64_t sum = fnv1a(FNV_INIT, got, total);
    CHECK(sum == want, "checksum %016llx, expected %016llx", (unsigned long long)sum,
          (unsigned long long)want);
    OK("1 MiB from a forked writer: %zu bytes, fnv1a %016llx", total, (unsigned long long)sum);
}

/* The reader (us) closes its end early; the writer, SIGPIPE ignored, gets
 * EPIPE: once while blocked on a full pipe, once on a fresh write. */
static void epipe(void)
{
    int p[2], ready[2];
    CHECK(pipe(p) == 0 && pipe(ready) == 0, "pipe");
    pid_t pid = fork_checked();
    if (pid == 0) {
        close(p[0]);
        close(ready[0]);
        if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
            _exit(2);
        if (write(ready[1], "r", 1) != 1)
            _exit(3);
        close(ready[1]);
        static unsigned char chunk[16384];
        memset(chunk, 'w', sizeof chunk);
        /* Fill the pipe and block: the reader closes while we wait. */
        for (long n = 0; n < 64L << 20; n += sizeof chunk) {
            ssize_t w = write(p[1], chunk, sizeof chunk);
            if (w < 0)
                _exit(errno == EPIPE ? 32 : 4);
        }
        _exit(5); /* 64 MiB went into a pipe nobody reads */
    }
    close(p[1]);
    close(ready[1]);
    char c;
    CHECK(read(ready[0], &c, 1) == 1, "read ready");
    close(ready[0]);
    char some[100];
    CHECK(read(p[0], some, sizeof some) > 0, "read some of it");
    close(p[0]);
    expect_exit(pid, 32, "writer after the reader closed");
    OK("writer with SIGPIPE ignored gets EPIPE when the reader closes early");

    /* A reader child that exits after reading a little. */
    CHECK(pipe(p) == 0, "pipe");
    pid = fork_checked();
    if (pid == 0) {
        close(p[1]);
        char b[10];
        _exit(read(p[0], b, sizeof b) == 5 ? 0 : 1);
    }
    close(p[0]);
    CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR, "signal(SIGPIPE, SIG_IGN)");
    CHECK(write(p[1], "hello", 5) == 5, "first write");
    expect_exit(pid, 0, "reader");
    EXPECT_ERRNO("write after the reader exited", EPIPE, write(p[1], "more", 4));
    close(p[1]);
    CHECK(signal(SIGPIPE, SIG_DFL) == SIG_IGN, "signal(SIGPIPE, SIG_DFL)");
}

/* EOF comes when the last write end closes, wherever it is. */
static void eof_last_writer(void)
{
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    int w2 = dup(p[1]);
    CHECK(w2 >= 0, "dup");
    pid_t pid = fork_checked();
    if (pid == 0) {
        close(p[0]);
        if (write(w2, "abc", 3) != 3)
            _exit(2);
        close(w2);
        if (write(p[1], "def", 3) != 3)
            _exit(3);
        close(p[1]);
        _exit(0);
    }
    close(p[1]);
    expect_exit(pid, 0, "writer");
    char buf[16];
    CHECK(read(p[0], buf, sizeof buf) == 6 && memcmp(buf, "abcdef", 6) == 0, "read abcdef");
    OK("read what both write ends of the exited child wrote");
    /* Our dup'd write end is still open: no EOF, just nothing yet. */
    CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0, "F_SETFL");
    EXPECT_ERRNO("read while our dup'd write end is open", EAGAIN, read(p[0], buf, sizeof buf));
    CHECK(write(w2, "g", 1) == 1, "write through the dup");
    CHECK(read(p[0], buf, sizeof buf) == 1 && buf[0] == 'g', "read g");
    close(w2);
    CHECK(read(p[0], buf, sizeof buf) == 0, "no EOF after the last write end closed");
    OK("EOF once the last write end is closed");
    close(p[0]);

    /* A blocked reader wakes with EOF when a child closes the last end. */
    CHECK(pipe(p) == 0, "pipe");
    w2 = dup(p[1]);
    CHECK(w2 >= 0, "dup");
    pid = fork_checked();
    if (pid == 0) {
        close(p[0]);
        close(p[1]);
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
        close(w2);
        _exit(0);
    }
    close(p[1]);
    close(w2);
    CHECK(read(p[0], buf, sizeof buf) == 0, "blocked read did not end with EOF");
    OK("a blocked reader gets EOF when the child closes the last write end");
    close(p[0]);
    expect_exit(pid, 0, "closer");
}

static int filter(void)
{
    static char buf[8192];
    for (;;) {
        ssize_t r = read(0, buf, sizeof buf);
        if (r < 0)
            return 2;
        if (r == 0)
            return 0;
        for (ssize_t i = 0; i < r; i++)
            buf[i] = (char)toupper((unsigned char)buf[i]);
        if (write_all(1, (unsigned char *)buf, (size_t)r) != 0)
            return 3;
    }
}

/* feeder -> [in] -> filter (exec'd /proc/self/exe) -> [out] -> us */
static void pipeline(const char *argv0)
{
    enum { LINES = 5000 };
    int in[2], out[2];
    CHECK(pipe(in) == 0 && pipe(out) == 0, "pipe");
    pid_t filt = fork_checked();
    if (filt == 0) {
        if (dup2(in[0], 0) != 0 || dup2(out[1], 1) != 1)
            _exit(120);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        char *const args[] = {(char *)argv0, "filter", NULL};
        execv("/proc/self/exe", args);
        _exit(121);
    }
    pid_t feeder = fork_checked();
    if (feeder == 0) {
        close(in[0]);
        close(out[0]);
        close(out[1]);
        char line[64];
        for (int i = 0; i < LINES; i++) {
            int n = snprintf(line, sizeof line, "line %d of the pipeline, xyz\n", i);
            if (write_all(in[1], (unsigned char *)line, (size_t)n) != 0)
                _exit(2);
        }
        _exit(0);
    }
    close(in[0]);
    close(in[1]);
    close(out[1]);
    static char got[LINES * 64];
    size_t total = 0;
    for (;;) {
        ssize_t r = read(out[0], got + total, sizeof got - total);
        CHECK(r >= 0, "read");
        if (r == 0)
            break;
        total += (size_t)r;
    }
    close(out[0]);
    expect_exit(feeder, 0, "feeder");
    expect_exit(filt, 0, "filter");
    size_t off = 0;
    char line[64];
    for (int i = 0; i < LINES; i++) {
        int n = snprintf(line, sizeof line, "LINE %d OF THE PIPELINE, XYZ\n", i);
        CHECK(off + (size_t)n <= total && memcmp(got + off, line, (size_t)n) == 0,
              "line %d of the filter's output is wrong", i);
        off += (size_t)n;
    }
    CHECK(off == total, "%zu extra bytes", total - off);
    OK("feeder | exec'd filter | us: %d lines, %zu bytes, all upper case", LINES, total);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "filter") == 0)
        return filter();
    transfer();
    epipe();
    eof_last_writer();
    pipeline(argv[0]);
    OK("done");
    return 0;
}
