/* A probe for tests/tests/escape.rs: attempts to leave the sandbox's file
 * tree, each printing what it got, one line per attempt. A file whose
 * contents equal SECRET (the host file the test put outside the tree)
 * prints "ESCAPED", which the test never accepts.
 *
 *   escape_probe dotdot DIR NAME SECRET HOSTPATH
 *       `..` from DIR (a mount root: `/`, or a bind's root) towards NAME,
 *       which lies next to DIR's host directory; HOSTPATH is the secret's
 *       host path, which the sandbox's tree does not hold
 *   escape_probe proc DIR NAME SECRET
 *       /proc/self/root, /proc/PID/cwd (a child's, in DIR) and `..` from them
 *   escape_probe race DIR HOSTDIR SECRET
 *       in the read-write bind DIR: a thread swaps DIR/link between a
 *       directory and links to `/`, to HOSTDIR (the secret's host
 *       directory) and up to it by `..`, while this one opens
 *       DIR/link/secret; then a link made
 *       here with an absolute target resolves in the sandbox's tree
 *   escape_probe moved DIR WIDE NAME SECRET
 *       `..` from a directory moved out of the bind DIR (through the bind
 *       WIDE of its host directory's parent, or by the host if WIDE is
 *       `-`) while this process is in it
 *   escape_probe xdev RO RW RW2
 *       link and rename between the binds RO (:ro, holding `f`), RW and RW2
 *       (:rw, RW holding `f`) and /tmp
 *   escape_probe handle FILE
 *       name_to_handle_at and open_by_handle_at
 *   escape_probe mmap FILE
 *       writable mappings of FILE, in a read-only bind
 *   escape_probe overlay FILE
 *       FILE, of the read-only root, written every way (its host file must
 *       not change)
 *   escape_probe chroot NAME SECRET HOSTPATH
 *       chroot into a subdirectory, then `..` past it from the working
 *       directory left outside, and chroot(".") there
 *   escape_probe rights FILE
 *       FILE's O_RDONLY descriptor and its directory's O_PATH one, passed
 *       over SCM_RIGHTS from a child, then used for writing */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "watchdog.h"

static const char *secret;

/* What opening `path` (at `dirfd`) gives: an errno name, "ESCAPED" if it
 * is the secret, or "opened other". */
static const char *try_open_at(int dirfd, const char *path)
{
    errno = 0;
    int fd = openat(dirfd, path, O_RDONLY);
    if (fd < 0)
        return errname(errno);
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n >= 0 && (size_t)n == strlen(secret) && memcmp(buf, secret, (size_t)n) == 0)
        return "ESCAPED";
    return "opened other";
}

static void show_open_at(const char *what, int dirfd, const char *path)
{
    printf("%s: %s\n", what, try_open_at(dirfd, path));
}

static void show_open(const char *what, const char *path)
{
    show_open_at(what, AT_FDCWD, path);
}

/* Whether `a` and `b` are the same directory. */
static int same_dir(const char *a, const char *b)
{
    struct stat sa, sb;
    CHECK(stat(a, &sa) == 0, "stat %s", a);
    CHECK(stat(b, &sb) == 0, "stat %s", b);
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static void dotdot(const char *dir, const char *name, const char *hostpath)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/../%s", dir, name);
    show_open("DIR/../NAME", p);
    snprintf(p, sizeof p, "%s/../../../../../../%s", dir, name);
    show_open("DIR/../../../../../../NAME", p);
    size_t len = (size_t)snprintf(p, sizeof p, "%s", dir);
    for (int i = 0; i < 200; i++)
        len += (size_t)snprintf(p + len, sizeof p - len, "/..");
    snprintf(p + len, sizeof p - len, "/%s", name);
    show_open("DIR + 200 x /.. + NAME", p);
    show_open("HOSTPATH", hostpath);
    snprintf(p, sizeof p, "%s/../../../..%s", dir, hostpath);
    show_open("DIR/../../../..HOSTPATH", p);
    CHECK(chdir(dir) == 0, "chdir %s", dir);
    snprintf(p, sizeof p, "../%s", name);
    show_open("cwd ../NAME", p);
    snprintf(p, sizeof p, "../../../../%s", name);
    show_open("cwd ../../../../NAME", p);
    CHECK(chdir("../../../..") == 0, "chdir ../../../..");
    char cwd[4096];
    CHECK(getcwd(cwd, sizeof cwd) != NULL, "getcwd");
    printf("cwd after chdir ../../../..: %s\n", cwd);
    show_open("then NAME", name);
    for (int flags = 0; flags < 2; flags++) {
        int dfd = open(dir, (flags ? O_PATH : O_RDONLY) | O_DIRECTORY);
        CHECK(dfd >= 0, "open %s", dir);
        const char *kind = flags ? "O_PATH" : "O_RDONLY";
        snprintf(p, sizeof p, "../%s", name);
        printf("openat(%s dirfd, ../NAME): %s\n", kind, try_open_at(dfd, p));
        snprintf(p, sizeof p, "../../../../../%s", name);
        printf("openat(%s dirfd, ../../../../../NAME): %s\n", kind, try_open_at(dfd, p));
        int up = openat(dfd, "..", O_PATH | O_DIRECTORY);
        CHECK(up >= 0, "openat ..");
        for (int i = 0; i < 20; i++) {
            int next = openat(up, "..", O_PATH | O_DIRECTORY);
            CHECK(next >= 0, "openat ..");
            close(up);
            up = next;
        }
        printf("openat(%s dirfd, ..) x 21 then NAME: %s\n", kind, try_open_at(up, name));
        struct stat su, sr;
        CHECK(fstat(up, &su) == 0 && stat("/", &sr) == 0, "stat");
        printf("openat(%s dirfd, ..) x 21 is /: %d\n", kind, su.st_dev == sr.st_dev && su.st_ino == sr.st_ino);
        close(up);
        close(dfd);
    }
    snprintf(p, sizeof p, "%s/..", dir);
    printf("DIR/.. is /: %d\n", same_dir(p, "/"));
    printf("/.. is /: %d\n", same_dir("/..", "/"));
}

static void proc(const char *dir, const char *name)
{
    char buf[4096], p[4096];
    ssize_t n = readlink("/proc/self/root", buf, sizeof buf - 1);
    CHECK(n >= 0, "readlink /proc/self/root");
    buf[n] = 0;
    printf("/proc/self/root -> %s\n", buf);
    CHECK(chdir(dir) == 0, "chdir %s", dir);
    n = readlink("/proc/self/cwd", buf, sizeof buf - 1);
    CHECK(n >= 0, "readlink /proc/self/cwd");
    buf[n] = 0;
    printf("/proc/self/cwd -> %s\n", buf);
    snprintf(p, sizeof p, "/proc/self/root/../%s", name);
    show_open("/proc/self/root/../NAME", p);
    snprintf(p, sizeof p, "/proc/self/root/../../../%s", name);
    show_open("/proc/self/root/../../../NAME", p);
    printf("/proc/self/root/.. is /: %d\n", same_dir("/proc/self/root/..", "/"));
    snprintf(p, sizeof p, "/proc/self/cwd/../%s", name);
    show_open("/proc/self/cwd/../NAME", p);
    snprintf(p, sizeof p, "/proc/self/cwd/../../%s", name);
    show_open("/proc/self/cwd/../../NAME", p);
    printf("/proc/self/cwd/../.. is /: %d\n", same_dir("/proc/self/cwd/../..", "/"));
    /* Pid 1 is this program when it is the sandbox's first process. */
    snprintf(p, sizeof p, "/proc/1/cwd/../../%s", name);
    printf("/proc/1 is self: %d\n", getpid() == 1);
    show_open("/proc/1/cwd/../../NAME", p);
    /* Another process's cwd, in DIR. */
    int ready[2], go[2];
    CHECK(pipe(ready) == 0 && pipe(go) == 0, "pipe");
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        watchdog_child(20);
        char c = 0;
        if (chdir(dir) != 0 || write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) < 0)
            _exit(2);
        _exit(0);
    }
    watchdog_kill(pid);
    char c;
    watchdog_step("the child to chdir");
    CHECK(read(ready[0], &c, 1) == 1, "ready");
    snprintf(p, sizeof p, "/proc/%d/cwd", pid);
    n = readlink(p, buf, sizeof buf - 1);
    CHECK(n >= 0, "readlink %s", p);
    buf[n] = 0;
    printf("/proc/CHILD/cwd -> %s\n", buf);
    snprintf(p, sizeof p, "/proc/%d/root", pid);
    n = readlink(p, buf, sizeof buf - 1);
    CHECK(n >= 0, "readlink %s", p);
    buf[n] = 0;
    printf("/proc/CHILD/root -> %s\n", buf);
    snprintf(p, sizeof p, "/proc/%d/cwd/../%s", pid, name);
    show_open("/proc/CHILD/cwd/../NAME", p);
    snprintf(p, sizeof p, "/proc/%d/cwd/../../../%s", pid, name);
    show_open("/proc/CHILD/cwd/../../../NAME", p);
    snprintf(p, sizeof p, "/proc/%d/root/../%s", pid, name);
    show_open("/proc/CHILD/root/../NAME", p);
    CHECK(write(go[1], "g", 1) == 1, "go");
    int st;
    watchdog_step("the child to end");
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child");
}

/* The race: the swapper's state. */
static const char *race_dir, *race_hostdir;
static atomic_int race_stop;
static atomic_long race_swaps;

/* renameat2's RENAME_EXCHANGE, which older C libraries do not name. */
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static int exchange(const char *a, const char *b)
{
    return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}

static void *swapper(void *arg)
{
    (void)arg;
    CHECK(chdir(race_dir) == 0, "chdir");
    char up[4096];
    snprintf(up, sizeof up, "../../../../../../../..%s", race_hostdir);
    const char *targets[] = {"/", race_hostdir, up};
    /* "link" starts as the directory; "dir" does not exist. Odd rounds
     * swap by removing and renaming, even ones atomically (RENAME_EXCHANGE
     * with a link "sym"), if the kernel can. */
    int atomic = symlink("/", "sym") == 0 && exchange("link", "sym") == 0 && exchange("link", "sym") == 0;
    fprintf(stderr, "race: RENAME_EXCHANGE %s\n", atomic ? "works" : errname(errno));
    for (long i = 0; !atomic_load(&race_stop); i++) {
        const char *target = targets[i % 3];
        if (atomic && (i & 1)) {
            /* sym: a fresh link to the target, exchanged with the
             * directory and back. */
            if (unlink("sym") != 0 || symlink(target, "sym") != 0)
                FAIL("relink sym: %s", errname(errno));
            if (exchange("link", "sym") != 0)
                FAIL("exchange: %s", errname(errno));
            sched_yield();
            if (exchange("link", "sym") != 0)
                FAIL("exchange back: %s", errname(errno));
        } else {
            /* link: directory -> symlink, and back */
            if (rename("link", "dir") != 0)
                FAIL("rename link dir: %s", errname(errno));
            if (symlink(target, "link") != 0)
                FAIL("symlink: %s", errname(errno));
            sched_yield();
            if (unlink("link") != 0)
                FAIL("unlink: %s", errname(errno));
            if (rename("dir", "link") != 0)
                FAIL("rename dir link: %s", errname(errno));
        }
        atomic_fetch_add(&race_swaps, 1);
    }
    return NULL;
}

static void race(const char *dir, const char *hostdir)
{
    race_dir = dir;
    race_hostdir = hostdir;
    char p[4096];
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0, "open %s", dir);
    CHECK(mkdirat(dfd, "link", 0755) == 0, "mkdir link");
    int f = openat(dfd, "link/secret", O_WRONLY | O_CREAT | O_EXCL, 0644);
    CHECK(f >= 0 && write(f, "inside", 6) == 6 && close(f) == 0, "write link/secret");
    pthread_t t;
    PT(pthread_create(&t, NULL, swapper, NULL));
    long opens = 0, inside = 0, enoent = 0, other = 0, escaped = 0;
    long start = now_ms();
    snprintf(p, sizeof p, "%s/link/secret", dir);
    while ((opens < 20000 || atomic_load(&race_swaps) < 3000) && now_ms() - start < 5000) {
        const char *r = try_open_at((opens & 1) ? dfd : AT_FDCWD, (opens & 1) ? "link/secret" : p);
        opens++;
        if (strcmp(r, "ESCAPED") == 0)
            escaped++;
        else if (strcmp(r, "opened other") == 0)
            inside++;
        else if (strcmp(r, "ENOENT") == 0 || strcmp(r, "ENOTDIR") == 0)
            enoent++;
        else
            other++;
    }
    atomic_store(&race_stop, 1);
    PT(pthread_join(t, NULL));
    fprintf(stderr, "race: %ld opens (%ld inside, %ld ENOENT/ENOTDIR, %ld other), %ld swaps\n", opens, inside,
            enoent, other, atomic_load(&race_swaps));
    printf("race: host secret opened %ld times\n", escaped);
    printf("race: opens of the directory's file: %s\n", inside > 0 ? "some" : "none");
    printf("race: other errors: %ld\n", other);

    /* A link made here with an absolute target resolves in the sandbox's
     * tree: the host directory's path names nothing in it, and `/in-root`
     * is the root's. */
    CHECK(symlinkat(hostdir, dfd, "abs") == 0, "symlink abs");
    CHECK(symlinkat("/in-root", dfd, "abs2") == 0, "symlink abs2");
    CHECK(symlinkat("../../../../../../..", dfd, "up") == 0, "symlink up");
    show_open_at("abs/secret", dfd, "abs/secret");
    show_open_at("abs2/file", dfd, "abs2/file");
    snprintf(p, sizeof p, "up%s/secret", hostdir);
    show_open_at("up/HOSTDIR/secret", dfd, p);
    show_open_at("up/in-root/file", dfd, "up/in-root/file");
    /* Creating through them lands in the sandbox's tree, not the host's. */
    errno = 0;
    f = openat(dfd, "abs/created", O_WRONLY | O_CREAT | O_EXCL, 0644);
    printf("create abs/created: %s\n", f >= 0 ? "ok" : errname(errno));
    if (f >= 0)
        close(f);
    close(dfd);
}

static void xdev(const char *ro, const char *rw, const char *rw2)
{
    char rof[4096], rwf[4096], a[4096];
    snprintf(rof, sizeof rof, "%s/f", ro);
    snprintf(rwf, sizeof rwf, "%s/f", rw);
    int t = open("/tmp/t", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(t >= 0 && close(t) == 0, "create /tmp/t");
    EXPECT_ERRNO("link ro -> /tmp", EXDEV, link(rof, "/tmp/l"));
    snprintf(a, sizeof a, "%s/l", rw);
    EXPECT_ERRNO("link ro -> rw", EXDEV, link(rof, a));
    snprintf(a, sizeof a, "%s/l", ro);
    EXPECT_ERRNO("link ro -> ro", EROFS, link(rof, a));
    EXPECT_ERRNO("link rw -> /tmp", EXDEV, link(rwf, "/tmp/l"));
    snprintf(a, sizeof a, "%s/l", rw2);
    EXPECT_ERRNO("link rw -> rw2", EXDEV, link(rwf, a));
    snprintf(a, sizeof a, "%s/l", rw);
    EXPECT_ERRNO("link /tmp -> rw", EXDEV, link("/tmp/t", a));
    EXPECT_ERRNO("link / -> rw", EXDEV, link("/in-root/file", a));
    /* Through the magic link of an open descriptor of a file outside. */
    int fd = open("/in-root/file", O_RDONLY);
    CHECK(fd >= 0, "open /in-root/file");
    char m[64];
    snprintf(m, sizeof m, "/proc/self/fd/%d", fd);
    EXPECT_ERRNO("linkat /proc/self/fd/N (outside) -> rw", EXDEV, linkat(AT_FDCWD, m, AT_FDCWD, a, AT_SYMLINK_FOLLOW));
    errno = 0;
    int r = linkat(fd, "", AT_FDCWD, a, AT_EMPTY_PATH);
    printf("linkat AT_EMPTY_PATH (outside) -> rw: %s\n", r == 0 ? "ok" : errname(errno));
    close(fd);
    fd = open(rof, O_RDONLY);
    CHECK(fd >= 0, "open %s", rof);
    snprintf(m, sizeof m, "/proc/self/fd/%d", fd);
    EXPECT_ERRNO("linkat /proc/self/fd/N (ro) -> rw", EXDEV, linkat(AT_FDCWD, m, AT_FDCWD, a, AT_SYMLINK_FOLLOW));
    close(fd);
    EXPECT_ERRNO("rename ro -> /tmp", EXDEV, rename(rof, "/tmp/r"));
    snprintf(a, sizeof a, "%s/r", rw);
    EXPECT_ERRNO("rename ro -> rw", EXDEV, rename(rof, a));
    snprintf(a, sizeof a, "%s/r", ro);
    EXPECT_ERRNO("rename ro -> ro", EROFS, rename(rof, a));
    EXPECT_ERRNO("rename rw -> /tmp", EXDEV, rename(rwf, "/tmp/r"));
    snprintf(a, sizeof a, "%s/r", rw2);
    EXPECT_ERRNO("rename rw -> rw2", EXDEV, rename(rwf, a));
    snprintf(a, sizeof a, "%s/r", rw);
    EXPECT_ERRNO("rename /tmp -> rw", EXDEV, rename("/tmp/t", a));
    EXPECT_ERRNO("rename / -> rw", EXDEV, rename("/in-root/file", a));
    snprintf(a, sizeof a, "%s/f", ro);
    EXPECT_ERRNO("rename /tmp over ro", EXDEV, rename("/tmp/t", a));
    /* A directory too. */
    CHECK(mkdir("/tmp/d", 0755) == 0, "mkdir /tmp/d");
    snprintf(a, sizeof a, "%s/d", rw);
    EXPECT_ERRNO("rename dir /tmp -> rw", EXDEV, rename("/tmp/d", a));
}

/* glibc's struct file_handle, with room for the handle. */
struct handle {
    unsigned int handle_bytes;
    int handle_type;
    unsigned char f_handle[128];
};

static void handle(const char *file)
{
    struct handle h;
    memset(&h, 0, sizeof h);
    h.handle_bytes = sizeof h.f_handle;
    int mount_id = 0;
    errno = 0;
    long r = syscall(SYS_name_to_handle_at, AT_FDCWD, file, &h, &mount_id, 0);
    printf("name_to_handle_at: %s\n", r == 0 ? "ok" : errname(errno));
    int mfd = open("/", O_RDONLY | O_DIRECTORY);
    CHECK(mfd >= 0, "open /");
    if (r == 0) {
        errno = 0;
        r = syscall(SYS_open_by_handle_at, mfd, &h, O_RDONLY);
        printf("open_by_handle_at (its handle): %s\n", r >= 0 ? "ok" : errname(errno));
    }
    /* Forged: an inode number of the host's (that of the file) with
     * generation 0, in the common 32-bit layout, and some nearby. */
    struct stat st;
    CHECK(stat(file, &st) == 0, "stat %s", file);
    const char *worst = NULL;
    int ok = 0;
    for (int type = 1; type <= 2; type++)
        for (unsigned int ino = 2; ino < 66; ino++) {
            memset(&h, 0, sizeof h);
            h.handle_type = type;
            h.handle_bytes = 8;
            unsigned int v = ino == 65 ? (unsigned int)st.st_ino : ino;
            memcpy(h.f_handle, &v, 4);
            errno = 0;
            r = syscall(SYS_open_by_handle_at, mfd, &h, O_RDONLY | O_PATH);
            if (r >= 0) {
                ok++;
                close((int)r);
            } else if (worst == NULL) {
                worst = errname(errno);
            }
        }
    printf("open_by_handle_at (forged): %d opened, first error %s\n", ok, worst ? worst : "none");
    close(mfd);
}

static void mmap_ro(const char *file)
{
    int fd = open(file, O_RDONLY);
    CHECK(fd >= 0, "open %s", file);
    char orig[16] = {0};
    CHECK(pread(fd, orig, sizeof orig - 1, 0) > 0, "pread");
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    printf("mmap(PROT_WRITE, MAP_SHARED): %s\n", p == MAP_FAILED ? errname(errno) : "ok");
    if (p != MAP_FAILED)
        memcpy(p, "SHARED", 6);
    p = mmap(NULL, 4096, PROT_WRITE, MAP_SHARED, fd, 0);
    printf("mmap(PROT_WRITE only, MAP_SHARED): %s\n", p == MAP_FAILED ? errname(errno) : "ok");
    p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    printf("mmap(PROT_WRITE, MAP_PRIVATE): %s\n", p == MAP_FAILED ? errname(errno) : "ok");
    if (p != MAP_FAILED) {
        memcpy(p, "PRIVATE", 7);
        errno = 0;
        int r = msync(p, 4096, MS_SYNC);
        printf("msync: %s\n", r == 0 ? "ok" : errname(errno));
        CHECK(munmap(p, 4096) == 0, "munmap");
    }
    p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED, "mmap(PROT_READ, MAP_SHARED)");
    errno = 0;
    int r = mprotect(p, 4096, PROT_READ | PROT_WRITE);
    printf("mprotect(PROT_WRITE) of a shared read-only mapping: %s\n", r == 0 ? "ok" : errname(errno));
    if (r == 0)
        memcpy(p, "MPROTECT", 8);
    CHECK(munmap(p, 4096) == 0, "munmap");
    /* A private one may become writable. */
    p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED, "mmap(PROT_READ, MAP_PRIVATE)");
    errno = 0;
    r = mprotect(p, 4096, PROT_READ | PROT_WRITE);
    printf("mprotect(PROT_WRITE) of a private mapping: %s\n", r == 0 ? "ok" : errname(errno));
    if (r == 0)
        memcpy(p, "PRIVMPROT", 9);
    CHECK(munmap(p, 4096) == 0, "munmap");
    char now[16] = {0};
    CHECK(pread(fd, now, sizeof now - 1, 0) > 0, "pread");
    printf("contents unchanged in the sandbox: %d\n", strcmp(orig, now) == 0);
    close(fd);
    int flags[] = {O_RDWR, O_WRONLY, O_RDONLY | O_TRUNC, O_WRONLY | O_APPEND};
    const char *names[] = {"O_RDWR", "O_WRONLY", "O_RDONLY|O_TRUNC", "O_WRONLY|O_APPEND"};
    for (int i = 0; i < 4; i++) {
        errno = 0;
        fd = open(file, flags[i]);
        printf("open(%s): %s\n", names[i], fd >= 0 ? "ok" : errname(errno));
        if (fd >= 0)
            close(fd);
    }
}

static void send_fds(int sock, const int *fds, int n)
{
    char c = 'x';
    struct iovec iov = {&c, 1};
    char cbuf[CMSG_SPACE(sizeof(int) * 4)];
    memset(cbuf, 0, sizeof cbuf);
    struct msghdr mh = {0};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cbuf;
    mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
    memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)n);
    CHECK(sendmsg(sock, &mh, 0) == 1, "sendmsg");
}

static void recv_fds(int sock, int *fds, int n)
{
    char c;
    struct iovec iov = {&c, 1};
    char cbuf[CMSG_SPACE(sizeof(int) * 4)];
    struct msghdr mh = {0};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof cbuf;
    CHECK(recvmsg(sock, &mh, 0) == 1, "recvmsg");
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    CHECK(cm && cm->cmsg_type == SCM_RIGHTS && cm->cmsg_len == CMSG_LEN(sizeof(int) * (size_t)n), "rights");
    memcpy(fds, CMSG_DATA(cm), sizeof(int) * (size_t)n);
}

static void rights(const char *file)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", file);
    char *slash = strrchr(dir, '/');
    CHECK(slash && slash != dir, "FILE in a directory");
    *slash = 0;
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        watchdog_child(20);
        int fds[2] = {open(file, O_RDONLY), open(dir, O_PATH | O_DIRECTORY)};
        if (fds[0] < 0 || fds[1] < 0)
            _exit(2);
        send_fds(sv[1], fds, 2);
        _exit(0);
    }
    watchdog_kill(pid);
    close(sv[1]);
    int fds[2];
    watchdog_step("the descriptors");
    recv_fds(sv[0], fds, 2);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child");
    int fd = fds[0], dfd = fds[1];
    printf("access mode: %s\n", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY ? "O_RDONLY" : "other");
    EXPECT_ERRNO("write", EBADF, write(fd, "x", 1));
    EXPECT_ERRNO("pwrite", EBADF, pwrite(fd, "x", 1, 0));
    EXPECT_ERRNO("ftruncate", EINVAL, ftruncate(fd, 0));
    EXPECT_ERRNO("fallocate", EBADF, fallocate(fd, 0, 0, 4096));
    CHECK(fcntl(fd, F_SETFL, O_RDWR | O_APPEND) == 0, "F_SETFL");
    printf("access mode after F_SETFL O_RDWR: %s\n", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY ? "O_RDONLY" : "other");
    EXPECT_ERRNO("write after F_SETFL", EBADF, write(fd, "x", 1));
    EXPECT_ERRNO("mmap(PROT_WRITE, MAP_SHARED)", EACCES, (long)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    char m[64];
    snprintf(m, sizeof m, "/proc/self/fd/%d", fd);
    EXPECT_ERRNO("reopen /proc/self/fd/N O_RDWR", EROFS, open(m, O_RDWR));
    EXPECT_ERRNO("reopen /proc/self/fd/N O_WRONLY", EROFS, open(m, O_WRONLY));
    EXPECT_ERRNO("reopen /proc/self/fd/N O_TRUNC", EROFS, open(m, O_RDONLY | O_TRUNC));
    EXPECT_ERRNO("fchmod", EROFS, fchmod(fd, 0777));
    EXPECT_ERRNO("openat(O_PATH dirfd, f, O_RDWR)", EROFS, openat(dfd, strrchr(file, '/') + 1, O_RDWR));
    EXPECT_ERRNO("openat(O_PATH dirfd, new, O_CREAT)", EROFS, openat(dfd, "new", O_WRONLY | O_CREAT, 0644));
    EXPECT_ERRNO("mkdirat(O_PATH dirfd)", EROFS, mkdirat(dfd, "newdir", 0755));
    EXPECT_ERRNO("unlinkat(O_PATH dirfd)", EROFS, unlinkat(dfd, strrchr(file, '/') + 1, 0));
    EXPECT_ERRNO("openat(O_PATH dirfd, .., O_RDWR dir)", EISDIR, openat(dfd, "..", O_RDWR));
    snprintf(m, sizeof m, "/proc/self/fd/%d/new", dfd);
    EXPECT_ERRNO("create under /proc/self/fd/DIR", EROFS, open(m, O_WRONLY | O_CREAT, 0644));
}

/* DIR/x is in the bind DIR, whose host directory is also under the bind
 * WIDE (as WIDE/sub): this process goes into DIR/x, then moves it out of
 * DIR through WIDE, and looks for NAME, which lies two levels above WIDE's
 * host directory, by `..` from where it is. */
static void moved(const char *dir, const char *wide, const char *name)
{
    char p[4096], q[4096];
    snprintf(p, sizeof p, "%s/x", dir);
    int dfd = open(p, O_PATH | O_DIRECTORY);
    CHECK(dfd >= 0, "open %s", p);
    CHECK(chdir(p) == 0, "chdir %s", p);
    if (strcmp(wide, "-") != 0) {
        snprintf(p, sizeof p, "%s/sub/x", wide);
        snprintf(q, sizeof q, "%s/x", wide);
        CHECK(rename(p, q) == 0, "rename %s %s", p, q);
    } else {
        /* The host moves it, when DIR/ready appears, and says so with
         * x/go. */
        snprintf(p, sizeof p, "%s/ready", dir);
        int f = open(p, O_WRONLY | O_CREAT, 0644);
        CHECK(f >= 0 && close(f) == 0, "create %s", p);
        watchdog_step("the host to move the directory");
        struct stat st;
        while (fstatat(dfd, "go", &st, 0) != 0)
            sleep_ms(10);
    }
    OK("moved out of the bind");
    {
        struct stat st;
        snprintf(p, sizeof p, "%s/x", dir);
        errno = 0;
        int r = stat(p, &st);
        printf("DIR/x after the move: %s\n", r == 0 ? "exists" : errname(errno));
    }
    const char *ups[] = {"..", "../..", "../../..", "../../../../../../.."};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", ups[i], name);
        printf("cwd %s/NAME: %s\n", ups[i], try_open_at(AT_FDCWD, p));
        printf("dirfd %s/NAME: %s\n", ups[i], try_open_at(dfd, p));
        struct stat st, sr, sd, sw;
        errno = 0;
        int r = fstatat(dfd, ups[i], &st, 0);
        CHECK(stat("/", &sr) == 0 && stat(dir, &sd) == 0, "stat");
        if (strcmp(wide, "-") == 0 || stat(wide, &sw) != 0)
            sw = sr;
        const char *what = r != 0 ? errname(errno)
                           : st.st_dev == sr.st_dev && st.st_ino == sr.st_ino ? "/"
                           : st.st_dev == sd.st_dev && st.st_ino == sd.st_ino ? "DIR"
                           : st.st_dev == sw.st_dev && st.st_ino == sw.st_ino ? "WIDE"
                                                                              : "another directory";
        printf("dirfd %s: %s\n", ups[i], what);
    }
    char cwd[4096];
    errno = 0;
    printf("getcwd: %s\n", getcwd(cwd, sizeof cwd) ? "ok" : errname(errno));
    errno = 0;
    int r = chdir("..");
    printf("chdir ..: %s\n", r == 0 ? "ok" : errname(errno));
    for (int i = 0; r == 0 && i < 10; i++)
        r = chdir("..");
    printf("after chdir .. x 10, NAME: %s\n", try_open_at(AT_FDCWD, name));
    close(dfd);
}

/* FILE in the read-only root, under the in-memory overlay: written
 * through every way there is, from a descriptor opened before the first
 * write too. The sandbox sees the writes; the test checks the host file. */
static void overlay(const char *file)
{
    int ro = open(file, O_RDONLY);
    CHECK(ro >= 0, "open %s", file);
    void *rmap = mmap(NULL, 4096, PROT_READ, MAP_SHARED, ro, 0);
    CHECK(rmap != MAP_FAILED, "mmap(PROT_READ, MAP_SHARED)");
    char m[64];
    snprintf(m, sizeof m, "/proc/self/fd/%d", ro);
    int rw = open(m, O_RDWR);
    CHECK(rw >= 0, "reopen %s O_RDWR", m);
    CHECK(pwrite(rw, "PWNED", 5, 0) == 5, "pwrite");
    void *wmap = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
    CHECK(wmap != MAP_FAILED, "mmap(PROT_WRITE, MAP_SHARED)");
    memcpy((char *)wmap + 5, "MAPPED", 6);
    CHECK(msync(wmap, 4096, MS_SYNC) == 0, "msync");
    CHECK(fchmod(rw, 0777) == 0, "fchmod");
    CHECK(fsync(rw) == 0, "fsync");
    int app = open(file, O_WRONLY | O_APPEND);
    CHECK(app >= 0 && write(app, "APPENDED", 8) == 8, "append");
    close(app);
    char buf[64] = {0};
    int again = open(file, O_RDONLY);
    CHECK(again >= 0 && read(again, buf, sizeof buf - 1) > 0, "read again");
    printf("the sandbox sees: %s\n", buf);
    CHECK(truncate(file, 2) == 0, "truncate");
    struct stat st;
    CHECK(stat(file, &st) == 0, "stat");
    printf("then truncated: size %lld, mode %o\n", (long long)st.st_size, (unsigned)(st.st_mode & 07777));
    munmap(rmap, 4096);
    munmap(wmap, 4096);
}

/* The classic way out of a chroot: chroot into a subdirectory while the
 * working directory stays above it, then `..` from there, and chroot(".").
 * HOSTPATH is the secret's host path, NAME its name. */
static void chroot_out(const char *name, const char *hostpath)
{
    CHECK(mkdir("/tmp/c", 0755) == 0 || errno == EEXIST, "mkdir /tmp/c");
    CHECK(chdir("/") == 0, "chdir /");
    errno = 0;
    int r = chroot("/tmp/c");
    printf("chroot /tmp/c: %s\n", r == 0 ? "ok" : errname(errno));
    for (int i = 0; i < 50; i++)
        CHECK(chdir("..") == 0, "chdir ..");
    errno = 0;
    r = chroot(".");
    printf("chroot . after chdir .. x 50: %s\n", r == 0 ? "ok" : errname(errno));
    struct stat sd, sr;
    CHECK(stat(".", &sd) == 0 && stat("/", &sr) == 0, "stat");
    char p[4096];
    snprintf(p, sizeof p, "../../../../../../%s", name);
    show_open("../../../../../../NAME", p);
    show_open("HOSTPATH", hostpath);
    printf("/probe is there: %d\n", access("/probe", X_OK) == 0);
}

int main(int argc, char **argv)
{
    watchdog_start(30);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 2 && strcmp(argv[1], "dotdot") == 0 && argc == 6) {
        secret = argv[4];
        dotdot(argv[2], argv[3], argv[5]);
    } else if (argc >= 2 && strcmp(argv[1], "proc") == 0 && argc == 5) {
        secret = argv[4];
        proc(argv[2], argv[3]);
    } else if (argc >= 2 && strcmp(argv[1], "moved") == 0 && argc == 6) {
        secret = argv[5];
        moved(argv[2], argv[3], argv[4]);
    } else if (argc >= 2 && strcmp(argv[1], "race") == 0 && argc == 5) {
        secret = argv[4];
        race(argv[2], argv[3]);
    } else if (argc >= 2 && strcmp(argv[1], "xdev") == 0 && argc == 5) {
        xdev(argv[2], argv[3], argv[4]);
    } else if (argc >= 2 && strcmp(argv[1], "handle") == 0 && argc == 3) {
        handle(argv[2]);
    } else if (argc >= 2 && strcmp(argv[1], "mmap") == 0 && argc == 3) {
        mmap_ro(argv[2]);
    } else if (argc >= 2 && strcmp(argv[1], "overlay") == 0 && argc == 3) {
        overlay(argv[2]);
    } else if (argc >= 2 && strcmp(argv[1], "chroot") == 0 && argc == 5) {
        secret = argv[3];
        chroot_out(argv[2], argv[4]);
    } else if (argc >= 2 && strcmp(argv[1], "rights") == 0 && argc == 3) {
        rights(argv[2]);
    } else {
        FAIL("usage: escape_probe dotdot|proc|race|xdev|handle|mmap|rights ...");
    }
    return 0;
}
