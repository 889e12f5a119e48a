/* File mappings: MAP_SHARED coherence with read and write through the
 * descriptor and with a forked child, MAP_PRIVATE copy-on-write, SIGBUS
 * past the end of the file, a read-only host file, /dev/zero, mremap and
 * mprotect of file mappings, msync and mincore, and mmap's errors. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include "vfs.h"

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif

#define PG 4096L

static sigjmp_buf jump;
static volatile sig_atomic_t caught;

static void on_bus(int sig)
{
    caught = sig;
    siglongjmp(jump, 1);
}

/* Whether reading `*p` raises SIGBUS. */
static int faults(volatile char *p)
{
    caught = 0;
    if (sigsetjmp(jump, 1) == 0) {
        (void)*p;
        return 0;
    }
    return caught == SIGBUS;
}

static char at(int fd, off_t off)
{
    char c = 0;
    CHECK(pread(fd, &c, 1, off) == 1, "pread at %ld", (long)off);
    return c;
}

static void wait_ok(pid_t pid)
{
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
}

static void shared_file(void)
{
    int fd = open("f", O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK(fd >= 0, "create");
    char data[5000];
    for (int i = 0; i < (int)sizeof data; i++)
        data[i] = 'a' + i % 26;
    CHECK(write(fd, data, sizeof data) == sizeof data, "write");
    char *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED, "mmap shared");
    CHECK(memcmp(p, data, sizeof data) == 0, "the mapping shows the file");
    int zero = 1;
    for (long i = sizeof data; i < 2 * PG; i++)
        zero &= p[i] == 0;
    CHECK(zero, "the rest of the last page reads as zeros");
    OK("shared mapping reads the file");
    p[0] = 'H';
    CHECK(at(fd, 0) == 'H', "a store is seen by read");
    CHECK(pwrite(fd, "W", 1, 4100) == 1 && p[4100] == 'W', "a write is seen in the mapping");
    OK("shared mapping and descriptor agree");
    CHECK(faults(p + 2 * PG), "a page past the end of the file raises SIGBUS");
    OK("SIGBUS past the end of the file");
    CHECK(ftruncate(fd, 3 * PG) == 0, "grow");
    CHECK(!faults(p + 2 * PG) && p[2 * PG] == 0, "the grown page reads as zero");
    p[2 * PG + 1] = 'Z';
    CHECK(at(fd, 2 * PG + 1) == 'Z', "a store in the grown page reaches the file");
    OK("growing the file makes its pages accessible");

    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        p[1] = 'C';
        CHECK(pwrite(fd, "D", 1, 2) == 1, "child pwrite");
        _exit(p[2] == 'D' ? 0 : 1);
    }
    wait_ok(pid);
    CHECK(p[1] == 'C' && at(fd, 1) == 'C', "the child's store is seen by the parent");
    CHECK(p[2] == 'D', "the child's write is seen in the parent's mapping");
    OK("a forked child shares the mapping");

    CHECK(msync(p, 3 * PG, MS_SYNC) == 0 && msync(p, PG, MS_ASYNC | MS_INVALIDATE) == 0 && msync(p + PG, 1, 0) == 0, "msync");
    EXPECT_ERRNO("msync unaligned", EINVAL, msync(p + 1, PG, MS_SYNC));
    EXPECT_ERRNO("msync bad flags", EINVAL, msync(p, PG, 8));
    EXPECT_ERRNO("msync async and sync", EINVAL, msync(p, PG, MS_ASYNC | MS_SYNC));
    unsigned char vec[3] = {0xff, 0xff, 0xff};
    CHECK(mincore(p, 2 * PG + 1, vec) == 0 && (vec[0] & 1) && (vec[2] & 1), "mincore of touched pages");
    EXPECT_ERRNO("mincore unaligned", EINVAL, mincore(p + 1, PG, vec));

    char *q = mremap(p, 3 * PG, 4 * PG, MREMAP_MAYMOVE);
    CHECK(q != MAP_FAILED && q[0] == 'H' && q[2 * PG + 1] == 'Z', "mremap keeps the file's pages");
    CHECK(faults(q + 3 * PG), "the grown part past the end raises SIGBUS");
    CHECK(munmap(q + PG, PG) == 0, "unmap the middle");
    EXPECT_ERRNO("msync of a hole", ENOMEM, msync(q, 3 * PG, MS_SYNC));
    EXPECT_ERRNO("mincore of a hole", ENOMEM, mincore(q, 3 * PG, vec));
    q[2 * PG + 2] = 'Y';
    CHECK(at(fd, 2 * PG + 2) == 'Y', "the piece after the hole still maps its file offset");
    CHECK(munmap(q, 4 * PG) == 0, "munmap");
    OK("mremap, munmap, msync and mincore of a file mapping");

    char *o = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, PG);
    CHECK(o != MAP_FAILED && o[4] == 'W', "a mapping at a file offset");
    CHECK(munmap(o, PG) == 0, "munmap");

    /* Private: changes through the descriptor show until the page is
     * written, then the process has a copy of its own. */
    char *v = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(v != MAP_FAILED, "mmap private");
    CHECK(pwrite(fd, "X", 1, 100) == 1 && v[100] == 'X', "an untouched private page follows the file");
    v[0] = 'P';
    CHECK(at(fd, 0) == 'H', "a private store does not reach the file");
    CHECK(pwrite(fd, "Q", 1, 101) == 1 && v[101] != 'Q', "a written private page is the process's own");
    fflush(stdout);
    pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        v[1] = 'c';
        _exit(0);
    }
    wait_ok(pid);
    CHECK(v[1] != 'c' && at(fd, 1) == 'C', "a child's private store stays in the child");
    CHECK(munmap(v, 2 * PG) == 0, "munmap");
    OK("private mapping is copy-on-write");
    close(fd);

    /* A shared mapping through a read-only descriptor can never write. */
    int ro = open("f", O_RDONLY);
    CHECK(ro >= 0, "open read-only");
    EXPECT_ERRNO("shared writable mapping of a read-only descriptor", EACCES, (long)mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0));
    char *r = mmap(NULL, PG, PROT_READ, MAP_SHARED, ro, 0);
    CHECK(r != MAP_FAILED && r[0] == 'H', "shared read-only mapping");
    EXPECT_ERRNO("mprotect it writable", EACCES, mprotect(r, PG, PROT_READ | PROT_WRITE));
    char *w = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, ro, 0);
    CHECK(w != MAP_FAILED && mprotect(w, PG, PROT_READ | PROT_WRITE) == 0, "a private mapping may become writable");
    w[0] = 'w';
    CHECK(r[0] == 'H' && at(ro, 0) == 'H', "and its stores stay private");
    munmap(r, PG);
    munmap(w, PG);
    close(ro);
}

static void host_file(void)
{
    /* The test program itself, on the host, opened read-only. */
    int fd = open("/proc/self/exe", O_RDONLY);
    CHECK(fd >= 0, "open /proc/self/exe");
    char head[PG];
    CHECK(pread(fd, head, PG, 0) == PG, "read the head");
    char *p = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED && memcmp(p, head, PG) == 0 && memcmp(p, "\177ELF", 4) == 0, "a shared mapping of a host file");
    EXPECT_ERRNO("host file shared writable", EACCES, (long)mmap(NULL, PG, PROT_WRITE, MAP_SHARED, fd, 0));
    EXPECT_ERRNO("host file mprotect writable", EACCES, mprotect(p, PG, PROT_READ | PROT_WRITE));
    char *q = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(q != MAP_FAILED && memcmp(q, head, PG) == 0, "a private mapping of a host file");
    q[0] = 'x';
    char now[4];
    CHECK(pread(fd, now, 4, 0) == 4 && memcmp(now, "\177ELF", 4) == 0 && p[0] == 0x7f, "a private store does not reach the host file");
    munmap(p, PG);
    munmap(q, PG);
    close(fd);
    OK("host file mapped read-only and private");
}

static void dev_zero(void)
{
    int fd = open("/dev/zero", O_RDWR);
    CHECK(fd >= 0, "open /dev/zero");
    char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED && p[0] == 0 && p[2 * PG - 1] == 0, "private /dev/zero reads zeros");
    p[0] = 1;
    char *s = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(s != MAP_FAILED && s[0] == 0, "shared /dev/zero is new memory");
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        s[0] = 's';
        p[1] = 'p';
        _exit(0);
    }
    wait_ok(pid);
    CHECK(s[0] == 's' && p[1] == 0, "shared /dev/zero is shared with a child, private is not");
    munmap(p, 2 * PG);
    munmap(s, PG);
    close(fd);
    OK("/dev/zero mappings");
}

static void errors(void)
{
    int fd = open("e", O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK(fd >= 0 && write(fd, "x", 1) == 1, "create");
    EXPECT_ERRNO("bad descriptor", EBADF, (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, -1, 0));
    EXPECT_ERRNO("closed descriptor", EBADF, (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 1000, 0));
    EXPECT_ERRNO("bad descriptor before a zero length", EBADF, (long)mmap(NULL, 0, PROT_READ, MAP_PRIVATE, 1000, 0));
    EXPECT_ERRNO("zero length", EINVAL, (long)mmap(NULL, 0, PROT_READ, MAP_PRIVATE, fd, 0));
    EXPECT_ERRNO("unaligned offset", EINVAL, (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 1));
    EXPECT_ERRNO("no mapping type", EINVAL, (long)mmap(NULL, PG, PROT_READ, 0, fd, 0));
    EXPECT_ERRNO("offset overflow", EOVERFLOW, (long)mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 0x7ffffffffffff000L));
    int path = open("e", O_PATH);
    CHECK(path >= 0, "O_PATH");
    EXPECT_ERRNO("O_PATH descriptor", EBADF, (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, path, 0));
    int wo = open("e", O_WRONLY);
    CHECK(wo >= 0, "open write-only");
    EXPECT_ERRNO("write-only descriptor", EACCES, (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, wo, 0));
    EXPECT_ERRNO("write-only descriptor shared", EACCES, (long)mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, wo, 0));
    int dir = open(".", O_RDONLY | O_DIRECTORY);
    CHECK(dir >= 0, "open dir");
    EXPECT_ERRNO("directory", ENODEV, (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, dir, 0));
    int pfd[2];
    CHECK(pipe(pfd) == 0, "pipe");
    EXPECT_ERRNO("pipe read end", ENODEV, (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, pfd[0], 0));
    EXPECT_ERRNO("pipe write end", EACCES, (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, pfd[1], 0));
    int efd = eventfd(0, 0);
    CHECK(efd >= 0, "eventfd");
    EXPECT_ERRNO("eventfd", ENODEV, (long)mmap(NULL, PG, PROT_READ, MAP_SHARED, efd, 0));
    int null = open("/dev/null", O_RDWR);
    CHECK(null >= 0, "open /dev/null");
    EXPECT_ERRNO("/dev/null", ENODEV, (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, null, 0));
    int shm = open("/dev/shm", O_RDONLY | O_DIRECTORY);
    if (shm >= 0) {
        char name[64];
        snprintf(name, sizeof name, "sbx-mmap-%d", (int)getpid());
        int s = openat(shm, name, O_CREAT | O_RDWR, 0600);
        CHECK(s >= 0, "create in /dev/shm");
        CHECK(unlinkat(shm, name, 0) == 0, "unlink");
        EXPECT_ERRNO("MAP_SYNC on tmpfs", EOPNOTSUPP, (long)mmap(NULL, PG, PROT_READ, MAP_SHARED_VALIDATE | MAP_SYNC, s, 0));
        void *m = mmap(NULL, PG, PROT_READ, MAP_SHARED | MAP_SYNC, s, 0);
        CHECK(m != MAP_FAILED, "MAP_SHARED ignores MAP_SYNC");
        munmap(m, PG);
        close(s);
        close(shm);
    } else {
        OK("MAP_SYNC on tmpfs: EOPNOTSUPP");
    }
    void *past = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 16 * PG);
    CHECK(past != MAP_FAILED && faults(past), "an offset past the end maps, and faults");
    munmap(past, PG);
    OK("offset past the end maps");
    close(fd);
    close(path);
    close(wo);
    close(dir);
    close(pfd[0]);
    close(pfd[1]);
    close(efd);
    close(null);
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_bus;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGBUS, &sa, NULL) == 0, "sigaction");
    enter_scratch_dir();
    shared_file();
    host_file();
    dev_zero();
    errors();
    return 0;
}
