/* File contents and attributes on the scratch filesystem: read, write,
 * positioned and vectored I/O, O_APPEND, sparse files with SEEK_DATA and
 * SEEK_HOLE, truncate, hard links and link counts, unlinked open files,
 * directory listings, timestamps, umask, FIFOs and the /dev devices. */
#define _GNU_SOURCE
#include <dirent.h>
#include <grp.h>
#include <stdint.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include "vfs.h"

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *dir)
{
    DIR *d = opendir(dir);
    CHECK(d != NULL, "opendir");
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 64)
        names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    printf("ok listing:");
    for (int i = 0; i < n; i++)
        printf(" %s", names[i]);
    printf("\n");
}

static int later(struct timespec a, struct timespec b)
{
    return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}

int main(void)
{
    enter_scratch_dir();
    umask(022);
    int fd = open("f", O_CREAT | O_RDWR, 0666);
    CHECK(fd >= 0, "create");
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0644 && S_ISREG(st.st_mode), "umask applies");
    CHECK(write(fd, "hello world", 11) == 11, "write");
    CHECK(lseek(fd, 0, SEEK_CUR) == 11, "position after write");
    char buf[64] = {0};
    CHECK(pread(fd, buf, 5, 6) == 5 && memcmp(buf, "world", 5) == 0, "pread");
    CHECK(pwrite(fd, "W", 1, 6) == 1, "pwrite");
    CHECK(lseek(fd, 0, SEEK_CUR) == 11, "pread/pwrite keep the position");
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && read(fd, buf, sizeof buf) == 11 && memcmp(buf, "hello World", 11) == 0, "read back");
    CHECK(read(fd, buf, sizeof buf) == 0, "read at the end");
    EXPECT_ERRNO("lseek before 0", EINVAL, lseek(fd, -1, SEEK_SET));
    EXPECT_ERRNO("lseek with a bad whence", EINVAL, lseek(fd, 0, 7));
    CHECK(lseek(fd, 100, SEEK_END) == 111, "lseek past the end");
    struct iovec iov[2] = {{"ab", 2}, {"cd", 2}};
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && writev(fd, iov, 2) == 4, "writev");
    char x1[3] = {0}, x2[3] = {0};
    struct iovec riov[2] = {{x1, 2}, {x2, 2}};
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && readv(fd, riov, 2) == 4 && !strcmp(x1, "ab") && !strcmp(x2, "cd"), "readv");
    close(fd);
    OK("read and write");

    fd = open("f", O_WRONLY | O_APPEND);
    CHECK(write(fd, "!", 1) == 1, "append");
    CHECK(pwrite(fd, "?", 1, 0) == 1, "pwrite on O_APPEND");
    close(fd);
    CHECK(stat("f", &st) == 0 && st.st_size == 13, "O_APPEND writes at the end (size %ld)", (long)st.st_size);
    fd = open("f", O_RDONLY);
    CHECK(pread(fd, buf, 13, 0) == 13 && buf[11] == '!' && buf[12] == '?', "appended bytes");
    EXPECT_ERRNO("write to a read-only descriptor", EBADF, write(fd, "x", 1));
    EXPECT_ERRNO("ftruncate of a read-only descriptor", EINVAL, ftruncate(fd, 0));
    close(fd);
    fd = open("f", O_WRONLY | O_TRUNC);
    CHECK(fstat(fd, &st) == 0 && st.st_size == 0, "O_TRUNC");
    EXPECT_ERRNO("read from a write-only descriptor", EBADF, read(fd, buf, 1));
    close(fd);
    OK("append and truncate");

    fd = open("sparse", O_CREAT | O_RDWR, 0644);
    char page[4096];
    memset(page, 'x', sizeof page);
    CHECK(pwrite(fd, page, sizeof page, 1 << 20) == 4096, "write at 1 MiB");
    CHECK(fstat(fd, &st) == 0 && st.st_size == (1 << 20) + 4096, "size");
    CHECK(st.st_blocks < 100, "a sparse file has few blocks");
    CHECK(lseek(fd, 0, SEEK_DATA) == 1 << 20, "SEEK_DATA skips the hole");
    CHECK(lseek(fd, 0, SEEK_HOLE) == 0, "SEEK_HOLE at a hole");
    CHECK(lseek(fd, 1 << 20, SEEK_HOLE) == (1 << 20) + 4096, "SEEK_HOLE finds the end");
    EXPECT_ERRNO("SEEK_DATA at the end", ENXIO, lseek(fd, (1 << 20) + 4096, SEEK_DATA));
    CHECK(pread(fd, buf, 8, 100) == 8 && buf[0] == 0 && buf[7] == 0, "a hole reads as zeros");
    CHECK(ftruncate(fd, 10) == 0 && fstat(fd, &st) == 0 && st.st_size == 10, "ftruncate down");
    CHECK(truncate("sparse", 5000) == 0 && stat("sparse", &st) == 0 && st.st_size == 5000, "truncate up");
    CHECK(pread(fd, buf, 8, 4000) == 8 && buf[0] == 0, "truncate up reads zeros");
    EXPECT_ERRNO("truncate to a negative size", EINVAL, truncate("sparse", -1));
    EXPECT_ERRNO("truncate of a directory", EISDIR, truncate(".", 0));
    CHECK(fallocate(fd, 0, 0, 8192) == 0 && fstat(fd, &st) == 0 && st.st_size == 8192, "fallocate extends");
    CHECK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 20000) == 0 && fstat(fd, &st) == 0 && st.st_size == 8192, "FALLOC_FL_KEEP_SIZE keeps the size");
    EXPECT_ERRNO("fallocate of nothing", EINVAL, fallocate(fd, 0, 0, 0));
    CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0, "fadvise");
    close(fd);
    OK("sparse files");

    fd = open("src", O_CREAT | O_RDWR, 0644);
    CHECK(write(fd, "0123456789", 10) == 10, "write src");
    int out = open("dst", O_CREAT | O_WRONLY, 0644);
    off_t off = 2;
    CHECK(sendfile(out, fd, &off, 5) == 5 && off == 7 && lseek(fd, 0, SEEK_CUR) == 10, "sendfile with an offset");
    CHECK(lseek(fd, 8, SEEK_SET) == 8 && sendfile(out, fd, NULL, 100) == 2 && lseek(fd, 0, SEEK_CUR) == 10, "sendfile from the position");
    close(out);
    char pgot[16] = {0};
    struct iovec pv[2] = {{pgot, 3}, {pgot + 3, 4}};
    out = open("dst", O_RDONLY);
    CHECK(preadv(out, pv, 2, 0) == 7 && !strcmp(pgot, "2345689"), "preadv (%s)", pgot);
    close(out);
    loff_t cin = 1, cout = 0;
    out = open("cfr", O_CREAT | O_RDWR, 0644);
    CHECK(copy_file_range(fd, &cin, out, &cout, 4, 0) == 4 && cin == 5 && cout == 4, "copy_file_range with offsets");
    CHECK(pread(out, pgot, 4, 0) == 4 && !memcmp(pgot, "1234", 4), "copied bytes");
    EXPECT_ERRNO("copy_file_range with flags", EINVAL, copy_file_range(fd, NULL, out, NULL, 1, 1));
    close(out);
    close(fd);
    OK("sendfile and preadv");

    fflush(stdout);
    pid_t lim = fork();
    if (lim == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {1000, 1000};
        CHECK(setrlimit(RLIMIT_FSIZE, &rl) == 0, "setrlimit");
        int f = open("limited", O_CREAT | O_WRONLY, 0644);
        CHECK(write(f, page, 2000) == 1000, "RLIMIT_FSIZE cuts a write short");
        EXPECT_ERRNO("a write at RLIMIT_FSIZE", EFBIG, write(f, page, 1));
        fflush(stdout);
        _exit(0);
    }
    int lst;
    CHECK(waitpid(lim, &lst, 0) == lim && WIFEXITED(lst) && WEXITSTATUS(lst) == 0, "the limited child");
    OK("file size limit");

    CHECK(link("f", "f2") == 0, "link");
    CHECK(stat("f", &st) == 0 && st.st_nlink == 2, "two links");
    EXPECT_ERRNO("link to an existing name", EEXIST, link("f", "f2"));
    EXPECT_ERRNO("link of a directory", EPERM, link(".", "dirlink"));
    EXPECT_ERRNO("link of a missing file", ENOENT, link("nope", "x"));
    CHECK(mkdir("sub", 0755) == 0 && mkdir("sub/a", 0755) == 0 && mkdir("sub/b", 0755) == 0, "mkdirs");
    CHECK(stat("sub", &st) == 0 && st.st_nlink == 4, "a directory's links count its subdirectories");
    CHECK(rmdir("sub/b") == 0 && stat("sub", &st) == 0 && st.st_nlink == 3, "rmdir drops a link");
    fd = open("f2", O_RDWR);
    CHECK(unlink("f") == 0 && unlink("f2") == 0, "unlink both names");
    CHECK(fstat(fd, &st) == 0 && st.st_nlink == 0, "an unlinked open file has no links");
    CHECK(pwrite(fd, "still", 5, 0) == 5 && pread(fd, buf, 5, 0) == 5 && !memcmp(buf, "still", 5), "and still works");
    close(fd);
    EXPECT_ERRNO("unlink of a missing file", ENOENT, unlink("f"));
    EXPECT_ERRNO("unlink of a directory", EISDIR, unlink("sub"));
    EXPECT_ERRNO("rmdir of a non-empty directory", ENOTEMPTY, rmdir("sub"));
    EXPECT_ERRNO("rmdir of a file", ENOTDIR, rmdir("sparse"));
    EXPECT_ERRNO("rmdir of '.'", EINVAL, rmdir("sub/a/."));
    EXPECT_ERRNO("unlinkat with bad flags", EINVAL, unlinkat(AT_FDCWD, "sub", 0x1));
    CHECK(unlinkat(AT_FDCWD, "sub/a", AT_REMOVEDIR) == 0, "unlinkat AT_REMOVEDIR");
    OK("links");

    CHECK(mkdir("ls", 0755) == 0, "mkdir ls");
    const char *names[] = {"c", "a", "b", "dir"};
    for (int i = 0; i < 3; i++) {
        char p[32];
        snprintf(p, sizeof p, "ls/%s", names[i]);
        close(open(p, O_CREAT | O_WRONLY, 0644));
    }
    CHECK(mkdir("ls/dir", 0755) == 0 && symlink("a", "ls/sym") == 0, "dir and link");
    list("ls");
    DIR *d = opendir("ls");
    int dirs = 0, links = 0, regs = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        dirs += e->d_type == DT_DIR;
        links += e->d_type == DT_LNK;
        regs += e->d_type == DT_REG;
    }
    rewinddir(d);
    int again = 0;
    while (readdir(d) != NULL)
        again++;
    closedir(d);
    CHECK(dirs == 3 && links == 1 && regs == 3 && again == 7, "d_type and rewinddir (%d %d %d %d)", dirs, links, regs, again);
    fd = open("ls/a", O_RDONLY);
    char dbuf[256];
    EXPECT_ERRNO("getdents64 of a file", ENOTDIR, syscall(SYS_getdents64, fd, dbuf, sizeof dbuf));
    close(fd);
    fd = open("ls", O_RDONLY | O_DIRECTORY);
    EXPECT_ERRNO("getdents64 with a tiny buffer", EINVAL, syscall(SYS_getdents64, fd, dbuf, 8));
    EXPECT_ERRNO("read of a directory", EISDIR, read(fd, dbuf, sizeof dbuf));
    close(fd);
    OK("directories");

    fd = open("t", O_CREAT | O_RDWR, 0644);
    struct stat s0, s1;
    fstat(fd, &s0);
    sleep_ms(20);
    CHECK(write(fd, "x", 1) == 1, "write for mtime");
    fstat(fd, &s1);
    CHECK(later(s1.st_mtim, s0.st_mtim) && later(s1.st_ctim, s0.st_ctim), "a write changes mtime and ctime");
    sleep_ms(20);
    CHECK(fchmod(fd, 0600) == 0, "fchmod");
    fstat(fd, &s0);
    CHECK(later(s0.st_ctim, s1.st_ctim) && !later(s0.st_mtim, s1.st_mtim), "chmod changes only ctime");
    struct timespec ts[2] = {{1000, 5}, {2000, 7}};
    CHECK(futimens(fd, ts) == 0, "futimens");
    fstat(fd, &s1);
    CHECK(s1.st_atim.tv_sec == 1000 && s1.st_atim.tv_nsec == 5 && s1.st_mtim.tv_sec == 2000 && s1.st_mtim.tv_nsec == 7, "explicit times");
    struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
    CHECK(utimensat(AT_FDCWD, "t", omit, 0) == 0, "utimensat OMIT/NOW");
    fstat(fd, &s0);
    CHECK(s0.st_atim.tv_sec == 1000 && s0.st_mtim.tv_sec > 2000, "UTIME_OMIT keeps, UTIME_NOW sets");
    struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
    EXPECT_ERRNO("utimensat with a bad nsec", EINVAL, utimensat(AT_FDCWD, "t", bad, 0));
    struct timeval tv[2] = {{3000, 1}, {4000, 2}};
    CHECK(utimes("t", tv) == 0 && stat("t", &s1) == 0 && s1.st_atim.tv_sec == 3000 && s1.st_atim.tv_nsec == 1000 && s1.st_mtim.tv_nsec == 2000, "utimes");
    struct timeval badtv[2] = {{0, 1000000}, {0, 0}};
    EXPECT_ERRNO("utimes with a bad usec", EINVAL, utimes("t", badtv));
    CHECK(mkdir("tdir", 0755) == 0, "mkdir tdir");
    stat("tdir", &s0);
    sleep_ms(20);
    close(open("tdir/x", O_CREAT | O_WRONLY, 0644));
    stat("tdir", &s1);
    CHECK(later(s1.st_mtim, s0.st_mtim), "creating a file changes its directory's mtime");
    close(fd);
    OK("timestamps");

    CHECK(mkfifo("fifo", 0644) == 0, "mkfifo");
    CHECK(stat("fifo", &st) == 0 && S_ISFIFO(st.st_mode), "a FIFO");
    EXPECT_ERRNO("a non-blocking writer without readers", ENXIO, open("fifo", O_WRONLY | O_NONBLOCK));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int w = open("fifo", O_WRONLY);
        if (write(w, "through the fifo", 16) != 16)
            _exit(1);
        _exit(0);
    }
    int r = open("fifo", O_RDONLY);
    CHECK(r >= 0, "a blocking reader waits for the writer");
    memset(buf, 0, sizeof buf);
    int got = 0, n;
    while ((n = read(r, buf + got, sizeof buf - 1 - got)) > 0)
        got += n;
    CHECK(got == 16 && !strcmp(buf, "through the fifo"), "data through the FIFO");
    int wst;
    waitpid(pid, &wst, 0);
    close(r);
    CHECK(mknod("node", S_IFREG | 0600, 0) == 0 && stat("node", &st) == 0 && S_ISREG(st.st_mode), "mknod of a regular file");
    EXPECT_ERRNO("mknod of a directory", EPERM, mknod("nd", S_IFDIR | 0755, 0));
    OK("fifos");

    fd = open("/dev/null", O_RDWR);
    CHECK(fd >= 0 && write(fd, "abc", 3) == 3 && read(fd, buf, 3) == 0, "/dev/null");
    close(fd);
    fd = open("/dev/zero", O_RDONLY);
    memset(buf, 1, 8);
    CHECK(fd >= 0 && read(fd, buf, 8) == 8 && buf[0] == 0 && buf[7] == 0, "/dev/zero");
    close(fd);
    fd = open("/dev/full", O_WRONLY);
    EXPECT_ERRNO("/dev/full", ENOSPC, write(fd, "x", 1));
    close(fd);
    fd = open("/dev/urandom", O_RDONLY);
    CHECK(fd >= 0 && read(fd, buf, 16) == 16, "/dev/urandom");
    close(fd);
    CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3, "/dev/null is 1:3");
    OK("devices");
    return 0;
}
