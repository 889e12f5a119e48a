/* /dev/stdin, /dev/stdout, /dev/stderr and /dev/fd/N (links to
 * /proc/self/fd/N): following the link of a file without a name (a pipe,
 * an anonymous file) leads to its inode, and opening it opens the object
 * anew: a new end of a pipe in either direction, ENXIO for an eventfd.
 * The harness gives the program pipes as stdin ("input line\n"), stdout
 * and stderr. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

struct how {
    uint64_t flags, mode, resolve;
};
#define RESOLVE_NO_MAGICLINKS 0x02

static char *fd_path(int fd)
{
    static char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    return p;
}

/* The link /proc/self/fd/fd reads as. */
static const char *link_of(int fd)
{
    static char buf[256];
    ssize_t n = readlink(fd_path(fd), buf, sizeof buf - 1);
    CHECK(n > 0, "readlink %s", fd_path(fd));
    buf[n] = 0;
    return buf;
}

/* Whether `s` reads pipe:[N]: prints the kind only, never N. */
static int is_pipe_name(const char *s)
{
    size_t n = strlen(s);
    return strncmp(s, "pipe:[", 6) == 0 && n > 7 && s[n - 1] == ']';
}

static void write_str(int fd, const char *s)
{
    fflush(stdout);
    CHECK(write(fd, s, strlen(s)) == (ssize_t)strlen(s), "write to %d", fd);
}

static void expect_read(int fd, const char *want)
{
    char buf[64] = {0};
    ssize_t n = read(fd, buf, sizeof buf - 1);
    CHECK(n == (ssize_t)strlen(want) && memcmp(buf, want, (size_t)n) == 0, "read %zd bytes: %s", n, buf);
}

static void same_object(const char *what, int a, int b)
{
    struct stat sa, sb;
    CHECK(fstat(a, &sa) == 0 && fstat(b, &sb) == 0, "fstat");
    CHECK(sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev, "%s: another object", what);
    OK("%s: the same inode", what);
}

static void standard_streams(void)
{
    CHECK(is_pipe_name(link_of(0)) && is_pipe_name(link_of(1)), "stdio links: %s", link_of(1));
    OK("/proc/self/fd/0 and 1 read pipe:[N]");

    int in = open("/proc/self/fd/0", O_RDONLY);
    CHECK(in >= 0, "open /proc/self/fd/0");
    same_object("reopened stdin", in, 0);
    char line[64] = {0};
    ssize_t n = read(in, line, sizeof line - 1);
    CHECK(n > 0, "read the reopened stdin");
    printf("read through /proc/self/fd/0: %s", line);
    close(in);

    int out = open("/dev/stdout", O_WRONLY);
    CHECK(out >= 0, "open /dev/stdout");
    same_object("/dev/stdout", out, 1);
    write_str(out, "written through /dev/stdout\n");
    close(out);

    out = open("/dev/stdout", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(out >= 0, "open /dev/stdout O_CREAT|O_TRUNC");
    int fl = fcntl(out, F_GETFL);
    CHECK((fl & O_ACCMODE) == O_WRONLY && (fl & (O_CREAT | O_TRUNC)) == 0, "flags %o", fl);
    write_str(out, "written through /dev/stdout opened O_CREAT|O_TRUNC\n");
    close(out);

    int err = open("/dev/stderr", O_WRONLY | O_APPEND);
    CHECK(err >= 0, "open /dev/stderr");
    write_str(err, "written through /dev/stderr\n");
    OK("wrote through /dev/stderr");
    close(err);

    EXPECT_ERRNO("/dev/stdout O_CREAT|O_EXCL", EEXIST, open("/dev/stdout", O_WRONLY | O_CREAT | O_EXCL, 0644));
    EXPECT_ERRNO("/dev/stdin O_DIRECTORY", ENOTDIR, open("/dev/stdin", O_RDONLY | O_DIRECTORY));
    struct how how = {O_RDONLY, 0, RESOLVE_NO_MAGICLINKS};
    EXPECT_ERRNO("openat2 /dev/stdin RESOLVE_NO_MAGICLINKS", ELOOP, syscall(SYS_openat2, AT_FDCWD, "/dev/stdin", &how, sizeof how));
}

static void own_pipe(void)
{
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    char rname[256];
    snprintf(rname, sizeof rname, "%s", link_of(p[0]));
    CHECK(is_pipe_name(rname) && strcmp(rname, link_of(p[1])) == 0, "pipe links %s %s", rname, link_of(p[1]));
    OK("both ends read the same pipe:[N]");

    struct stat st, end;
    CHECK(stat(fd_path(p[0]), &st) == 0 && fstat(p[0], &end) == 0, "stat through the link");
    CHECK(S_ISFIFO(st.st_mode) && (st.st_mode & 07777) == 0600, "mode %o", st.st_mode);
    CHECK(st.st_ino == end.st_ino && st.st_dev == end.st_dev && st.st_uid == geteuid(), "another inode");
    OK("stat through the link: a FIFO, 0600, the owner's, the end's inode");
    struct statfs sf;
    CHECK(fstatfs(p[0], &sf) == 0 && sf.f_type == 0x50495045, "fstatfs type %lx", (long)sf.f_type);
    OK("fstatfs of a pipe: pipefs");

    int w = open(fd_path(p[0]), O_WRONLY);
    CHECK(w >= 0, "reopen the read end for writing");
    same_object("write end from the read end", w, p[0]);
    EXPECT_ERRNO("read from it", EBADF, read(w, rname, 1));
    write_str(w, "abc");
    expect_read(p[0], "abc");
    OK("a write end made from the read end writes into the pipe");

    int r = open(fd_path(p[1]), O_RDONLY | O_NONBLOCK);
    CHECK(r >= 0, "reopen the write end for reading");
    same_object("read end from the write end", r, p[1]);
    int fl = fcntl(r, F_GETFL);
    CHECK((fl & O_ACCMODE) == O_RDONLY && (fl & O_NONBLOCK), "flags %o", fl);
    char c;
    EXPECT_ERRNO("empty pipe, non-blocking", EAGAIN, read(r, &c, 1));
    write_str(p[1], "xyz");
    expect_read(r, "xyz");
    OK("a read end made from the write end reads the pipe");

    int rw = open(fd_path(p[0]), O_RDWR);
    CHECK(rw >= 0, "reopen O_RDWR");
    write_str(rw, "both");
    expect_read(rw, "both");
    OK("O_RDWR reads and writes the pipe");

    int opath = open(fd_path(p[0]), O_PATH);
    CHECK(opath >= 0, "O_PATH through the link");
    CHECK(strcmp(link_of(opath), rname) == 0, "O_PATH link %s", link_of(opath));
    OK("an O_PATH descriptor of it reads the same pipe:[N]");
    int w2 = open(fd_path(opath), O_WRONLY);
    CHECK(w2 >= 0, "open the O_PATH descriptor's link");
    write_str(w2, "q");
    expect_read(p[0], "q");
    OK("and opens as a new end");

    close(w);
    close(w2);
    close(rw);
    close(p[1]);
    /* No writer left: a pipe (no named FIFO) opens at once and reads
     * the end. */
    int late = open(fd_path(p[0]), O_RDONLY);
    CHECK(late >= 0, "reopen with no writer");
    expect_read(late, "");
    OK("a reader opened with no writer left sees the end at once");
    close(late);
    close(r);
    close(opath);
    close(p[0]);
}

static void anonymous_files(void)
{
    int e = eventfd(0, 0);
    CHECK(e >= 0, "eventfd");
    printf("eventfd link: %s\n", link_of(e));
    struct stat st;
    CHECK(stat(fd_path(e), &st) == 0, "stat through the eventfd's link");
    printf("eventfd inode mode %o\n", st.st_mode);
    char dev[64];
    snprintf(dev, sizeof dev, "/dev/fd/%d", e);
    /* The anonymous inode is 0600, root's: its open is ENXIO for root. */
    EXPECT_ERRNO("open /dev/fd/N of an eventfd", geteuid() == 0 ? ENXIO : EACCES, open(dev, O_RDONLY));
    close(e);

    int m = memfd_create("devfd", 0);
    CHECK(m >= 0, "memfd_create");
    printf("memfd link: %s\n", link_of(m));
    write_str(m, "memory");
    int again = open(fd_path(m), O_RDWR);
    CHECK(again >= 0, "reopen a memfd");
    expect_read(again, "memory");
    OK("a memfd reopens as the same file, at offset 0");
    close(again);
    close(m);

    int null = open("/dev/null", O_WRONLY);
    CHECK(null >= 0, "open /dev/null");
    printf("/dev/null link: %s\n", link_of(null));
    int null2 = open(fd_path(null), O_RDONLY);
    CHECK(null2 >= 0 && read(null2, dev, 1) == 0, "reopen /dev/null");
    OK("/dev/fd/N of /dev/null reopens it");
    close(null2);
    close(null);
}

static void named_pipe(void)
{
    char dir[] = "/tmp/devfd-XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    char path[64];
    snprintf(path, sizeof path, "%s/fifo", dir);
    umask(0);
    CHECK(mkfifo(path, 0640) == 0, "mkfifo");
    int f = open(path, O_RDWR);
    CHECK(f >= 0, "open the FIFO");
    CHECK(strcmp(link_of(f), path) == 0, "FIFO link %s", link_of(f));
    OK("/proc/self/fd/N of a named pipe reads its path");
    struct stat st, node;
    CHECK(fstat(f, &st) == 0 && stat(path, &node) == 0, "fstat");
    CHECK(st.st_mode == (S_IFIFO | 0640) && st.st_ino == node.st_ino && st.st_dev == node.st_dev, "fstat mode %o", st.st_mode);
    OK("fstat of a named pipe shows the node");
    int w = open(fd_path(f), O_WRONLY | O_NONBLOCK);
    CHECK(w >= 0, "reopen the named pipe");
    write_str(w, "fifo");
    expect_read(f, "fifo");
    OK("its link reopens the named pipe");
    close(w);
    close(f);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    standard_streams();
    own_pipe();
    anonymous_files();
    named_pipe();
    return 0;
}
