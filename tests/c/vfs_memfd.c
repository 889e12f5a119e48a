/* memfd_create: flags and their errors, the file it makes (mode, size,
 * link count, /proc/self/fd name, reopening it), mappings of it shared
 * with a child, and seals (F_ADD_SEALS, F_GET_SEALS) with the errors Linux
 * gives for writes, truncation, mappings and sealing itself. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "vfs.h"

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#define MFD_ALLOW_SEALING 0x0002U
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#define MFD_EXEC 0x0010U
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#define F_SEAL_SEAL 0x0001
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW 0x0004
#define F_SEAL_WRITE 0x0008
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

#define PG 4096L

/* The raw call: musl and old glibc may lack the wrapper. */
static int mfd(const char *name, unsigned flags)
{
    return (int)syscall(SYS_memfd_create, name, flags);
}

static void link_name(int fd, const char *want)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, buf, sizeof buf - 1);
    CHECK(n > 0, "readlink %s", path);
    buf[n] = 0;
    CHECK(strcmp(buf, want) == 0, "link is '%s', want '%s'", buf, want);
    printf("ok fd link: %s\n", buf);
}

static void creation(void)
{
    int fd = mfd("hello", 0);
    CHECK(fd >= 0, "memfd_create");
    struct stat st;
    CHECK(fstat(fd, &st) == 0, "fstat");
    CHECK(S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0777 && st.st_size == 0 && st.st_nlink == 0, "a new memfd: mode %o size %ld nlink %ld", st.st_mode, (long)st.st_size, (long)st.st_nlink);
    CHECK(st.st_uid == geteuid() && st.st_gid == getegid(), "owned by the caller");
    CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR, "open for reading and writing");
    CHECK(fcntl(fd, F_GETFD) == 0, "not close-on-exec");
    OK("memfd is an empty regular file, mode 0777, no links");
    link_name(fd, "/memfd:hello (deleted)");
    CHECK(write(fd, "data", 4) == 4 && lseek(fd, 0, SEEK_SET) == 0, "write");
    CHECK(ftruncate(fd, 3 * PG) == 0 && fstat(fd, &st) == 0 && st.st_size == 3 * PG, "ftruncate");
    char path[64], buf[8] = {0};
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int again = open(path, O_RDONLY);
    CHECK(again >= 0 && read(again, buf, 4) == 4 && memcmp(buf, "data", 4) == 0, "reopen through /proc/self/fd");
    struct stat st2;
    CHECK(fstat(again, &st2) == 0 && st2.st_ino == st.st_ino && st2.st_dev == st.st_dev, "the same file");
    close(again);
    OK("reopening through /proc/self/fd gives the same file");
    close(fd);

    fd = mfd("cloexec", MFD_CLOEXEC);
    CHECK(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC, "MFD_CLOEXEC");
    close(fd);
    OK("MFD_CLOEXEC sets close-on-exec");
    char name[300];
    memset(name, 'n', sizeof name);
    name[249] = 0;
    fd = mfd(name, 0);
    CHECK(fd >= 0, "a 249-byte name");
    close(fd);
    name[249] = 'n';
    name[250] = 0;
    EXPECT_ERRNO("a 250-byte name", EINVAL, mfd(name, 0));
    fd = mfd("", 0);
    CHECK(fd >= 0, "an empty name");
    link_name(fd, "/memfd: (deleted)");
    close(fd);
    EXPECT_ERRNO("a bad name pointer", EFAULT, mfd((const char *)8, 0));
    EXPECT_ERRNO("unknown flags", EINVAL, mfd("x", 0x100));
    EXPECT_ERRNO("MFD_EXEC with MFD_NOEXEC_SEAL", EINVAL, mfd("x", MFD_EXEC | MFD_NOEXEC_SEAL));
    fd = mfd("noexec", MFD_NOEXEC_SEAL);
    CHECK(fd >= 0, "MFD_NOEXEC_SEAL");
    struct stat ns;
    CHECK(fstat(fd, &ns) == 0 && (ns.st_mode & 07777) == 0666, "MFD_NOEXEC_SEAL drops the exec bits: %o", ns.st_mode);
    CHECK(fcntl(fd, F_GET_SEALS) == F_SEAL_EXEC, "and seals them: %#x", fcntl(fd, F_GET_SEALS));
    EXPECT_ERRNO("chmod +x under F_SEAL_EXEC", EPERM, fchmod(fd, 0755));
    CHECK(fchmod(fd, 0600) == 0, "other mode bits may change");
    close(fd);
    fd = mfd("exec", MFD_EXEC);
    CHECK(fd >= 0 && fcntl(fd, F_GET_SEALS) == F_SEAL_SEAL, "MFD_EXEC without sealing");
    close(fd);
    OK("memfd_create flags");
}

static void mapping(void)
{
    int fd = mfd("map", 0);
    CHECK(fd >= 0 && ftruncate(fd, 2 * PG) == 0, "memfd");
    char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED, "mmap");
    strcpy(p, "mapped");
    char buf[8] = {0};
    CHECK(pread(fd, buf, 6, 0) == 6 && memcmp(buf, "mapped", 6) == 0, "a store is read through the fd");
    CHECK(pwrite(fd, "written", 7, PG) == 7 && memcmp(p + PG, "written", 7) == 0, "a write is seen in the mapping");
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        /* A new mapping in the child, of the inherited descriptor. */
        char *c = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (c == MAP_FAILED || c[0] != 'm')
            _exit(1);
        c[0] = 'M';
        p[1] = 'A';
        _exit(0);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child");
    CHECK(memcmp(p, "MApped", 6) == 0, "the child's stores are seen by the parent");
    munmap(p, 2 * PG);
    close(fd);
    OK("memfd mappings are shared with the descriptor and a child");
}

static void seals(void)
{
    int fd = mfd("seals", MFD_ALLOW_SEALING);
    CHECK(fd >= 0, "memfd_create");
    CHECK(fcntl(fd, F_GET_SEALS) == 0, "no seals yet");
    CHECK(write(fd, "0123456789", 10) == 10, "write");
    EXPECT_ERRNO("unknown seal", EINVAL, fcntl(fd, F_ADD_SEALS, 0x40));
    CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) == 0 && fcntl(fd, F_GET_SEALS) == F_SEAL_SHRINK, "F_SEAL_SHRINK");
    EXPECT_ERRNO("shrink under F_SEAL_SHRINK", EPERM, ftruncate(fd, 5));
    CHECK(ftruncate(fd, 20) == 0 && ftruncate(fd, 20) == 0, "growing is fine");
    CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW) == 0, "F_SEAL_GROW");
    EXPECT_ERRNO("grow under F_SEAL_GROW", EPERM, ftruncate(fd, 21));
    EXPECT_ERRNO("a write past the end under F_SEAL_GROW", EPERM, pwrite(fd, "xy", 2, 19));
    CHECK(pwrite(fd, "ab", 2, 18) == 2, "a write inside the file");
    EXPECT_ERRNO("fallocate past the end under F_SEAL_GROW", EPERM, fallocate(fd, 0, 0, 100));

    char *w = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(w != MAP_FAILED, "a writable shared mapping");
    EXPECT_ERRNO("F_SEAL_WRITE while mapped writable", EBUSY, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
    munmap(w, PG);
    char *ro = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(ro != MAP_FAILED, "a read-only shared mapping");
    EXPECT_ERRNO("F_SEAL_WRITE while mapped shared, may write", EBUSY, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
    munmap(ro, PG);
    char *priv = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(priv != MAP_FAILED, "a private mapping");

    /* A child's writable mapping counts until the child exits. */
    int go[2], back[2];
    CHECK(pipe(go) == 0 && pipe(back) == 0, "pipes");
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        char *c = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        char b = c == MAP_FAILED ? 'F' : 'm';
        if (write(back[1], &b, 1) != 1 || read(go[0], &b, 1) != 1)
            _exit(2);
        _exit(0);
    }
    char b;
    CHECK(read(back[0], &b, 1) == 1 && b == 'm', "the child mapped the file");
    EXPECT_ERRNO("F_SEAL_WRITE while a child maps it writable", EBUSY, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
    CHECK(write(go[1], "x", 1) == 1, "release the child");
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child");
    close(go[0]);
    close(go[1]);
    close(back[0]);
    close(back[1]);
    CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == 0, "F_SEAL_WRITE once only a private mapping is left");
    munmap(priv, PG);
    EXPECT_ERRNO("write under F_SEAL_WRITE", EPERM, pwrite(fd, "z", 1, 0));
    EXPECT_ERRNO("shared writable mapping under F_SEAL_WRITE", EPERM, (long)mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    char *r = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(r != MAP_FAILED && memcmp(r, "0123456789", 10) == 0, "a read-only shared mapping under F_SEAL_WRITE");
    EXPECT_ERRNO("mprotect it writable", EACCES, mprotect(r, PG, PROT_READ | PROT_WRITE));
    munmap(r, PG);
    char *pw = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(pw != MAP_FAILED, "a private writable mapping under F_SEAL_WRITE");
    pw[0] = 'P';
    char c0;
    CHECK(pread(fd, &c0, 1, 0) == 1 && c0 == '0', "its stores stay private");
    munmap(pw, PG);
    CHECK(fcntl(fd, F_GET_SEALS) == (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE), "the seals so far");
    CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL) == 0, "F_SEAL_SEAL");
    EXPECT_ERRNO("sealing after F_SEAL_SEAL", EPERM, fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
    EXPECT_ERRNO("even with no seals", EPERM, fcntl(fd, F_ADD_SEALS, 0));
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int rdonly = open(path, O_RDONLY);
    CHECK(rdonly >= 0, "reopen read-only");
    EXPECT_ERRNO("F_ADD_SEALS on a read-only descriptor", EPERM, fcntl(rdonly, F_ADD_SEALS, 0x40));
    CHECK(fcntl(rdonly, F_GET_SEALS) == (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE), "seals belong to the file");
    close(rdonly);
    close(fd);
    OK("seals");

    fd = mfd("future", MFD_ALLOW_SEALING);
    CHECK(fd >= 0 && write(fd, "abc", 3) == 3, "memfd");
    char *before = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(before != MAP_FAILED, "mapping before F_SEAL_FUTURE_WRITE");
    CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) == 0, "F_SEAL_FUTURE_WRITE with a writable mapping");
    before[0] = 'A';
    CHECK(pread(fd, &c0, 1, 0) == 1 && c0 == 'A', "an existing mapping still writes");
    EXPECT_ERRNO("write under F_SEAL_FUTURE_WRITE", EPERM, write(fd, "x", 1));
    EXPECT_ERRNO("new writable mapping under F_SEAL_FUTURE_WRITE", EPERM, (long)mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    munmap(before, PG);
    close(fd);
    OK("F_SEAL_FUTURE_WRITE");

    fd = mfd("exec", MFD_ALLOW_SEALING);
    CHECK(fd >= 0, "memfd");
    CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_EXEC) == 0, "F_SEAL_EXEC");
    CHECK(fcntl(fd, F_GET_SEALS) == (F_SEAL_EXEC | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE), "on an executable memfd it seals writes too: %#x", fcntl(fd, F_GET_SEALS));
    close(fd);
    OK("F_SEAL_EXEC");
}

static void other_files(void)
{
    int fd = mfd("plain", 0);
    CHECK(fd >= 0, "memfd");
    CHECK(fcntl(fd, F_GET_SEALS) == F_SEAL_SEAL, "a memfd without MFD_ALLOW_SEALING is sealed");
    EXPECT_ERRNO("sealing it", EPERM, fcntl(fd, F_ADD_SEALS, F_SEAL_GROW));
    close(fd);
    int shm = open("/dev/shm", O_RDONLY | O_DIRECTORY);
    if (shm >= 0) {
        char name[64];
        snprintf(name, sizeof name, "sbx-memfd-%d", (int)getpid());
        int s = openat(shm, name, O_CREAT | O_RDWR, 0600);
        CHECK(s >= 0 && unlinkat(shm, name, 0) == 0, "a file in /dev/shm");
        CHECK(fcntl(s, F_GET_SEALS) == F_SEAL_SEAL, "a tmpfs file is sealed with F_SEAL_SEAL");
        EXPECT_ERRNO("sealing a tmpfs file", EPERM, fcntl(s, F_ADD_SEALS, F_SEAL_GROW));
        close(s);
        close(shm);
    } else {
        OK("a tmpfs file is sealed with F_SEAL_SEAL");
        OK("sealing a tmpfs file: EPERM");
    }
    int pfd[2];
    CHECK(pipe(pfd) == 0, "pipe");
    EXPECT_ERRNO("F_GET_SEALS on a pipe", EINVAL, fcntl(pfd[0], F_GET_SEALS));
    EXPECT_ERRNO("F_ADD_SEALS on a pipe", EINVAL, fcntl(pfd[1], F_ADD_SEALS, F_SEAL_GROW));
    EXPECT_ERRNO("F_ADD_SEALS on a pipe's read end", EPERM, fcntl(pfd[0], F_ADD_SEALS, F_SEAL_GROW));
    close(pfd[0]);
    close(pfd[1]);
    int d = open("/", O_RDONLY | O_DIRECTORY);
    CHECK(d >= 0, "open /");
    EXPECT_ERRNO("F_GET_SEALS on a directory", EINVAL, fcntl(d, F_GET_SEALS));
    close(d);
}

int main(void)
{
    creation();
    mapping();
    seals();
    other_files();
    return 0;
}
