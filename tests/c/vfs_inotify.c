/* inotify: instances, watches, the events the file calls make, reading
 * and polling the queue, and the errors of bad input. */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include "vfs.h"

static const struct { unsigned bit; const char *name; } NAMES[] = {
    { IN_ACCESS, "ACCESS" }, { IN_MODIFY, "MODIFY" }, { IN_ATTRIB, "ATTRIB" },
    { IN_CLOSE_WRITE, "CLOSE_WRITE" }, { IN_CLOSE_NOWRITE, "CLOSE_NOWRITE" },
    { IN_OPEN, "OPEN" }, { IN_MOVED_FROM, "MOVED_FROM" }, { IN_MOVED_TO, "MOVED_TO" },
    { IN_CREATE, "CREATE" }, { IN_DELETE, "DELETE" }, { IN_DELETE_SELF, "DELETE_SELF" },
    { IN_MOVE_SELF, "MOVE_SELF" }, { IN_UNMOUNT, "UNMOUNT" }, { IN_Q_OVERFLOW, "Q_OVERFLOW" },
    { IN_IGNORED, "IGNORED" }, { IN_ISDIR, "ISDIR" },
};

static char read_buf[64];

/* The cookie of the last MOVED_FROM printed, to check the pairing. */
static unsigned last_from_cookie;

static void print_event(const struct inotify_event *e)
{
    printf("  wd=%d", e->wd);
    unsigned m = e->mask;
    const char *sep = " ";
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++) {
        if (m & NAMES[i].bit) {
            printf("%s%s", sep, NAMES[i].name);
            sep = "|";
            m &= ~NAMES[i].bit;
        }
    }
    if (m)
        printf("%s%#x", sep, m);
    if (e->len) {
        CHECK(e->len % sizeof(struct inotify_event) == 0, "name length %u not padded", e->len);
        CHECK(strlen(e->name) < e->len, "name not NUL-terminated");
        printf(" name=%s", e->name);
    }
    if (e->mask & IN_MOVED_FROM) {
        CHECK(e->cookie != 0, "MOVED_FROM without a cookie");
        last_from_cookie = e->cookie;
    } else if (e->mask & IN_MOVED_TO) {
        if (last_from_cookie)
            printf(" cookie paired: %s", e->cookie == last_from_cookie ? "yes" : "no");
        else
            printf(" cookie: %s", e->cookie ? "set" : "none");
        last_from_cookie = 0;
    } else {
        CHECK(e->cookie == 0, "cookie %u on a non-move event", e->cookie);
    }
    printf("\n");
}

/* Reads and prints every queued event of a non-blocking instance. */
static int drain(int fd, const char *what)
{
    char buf[4096] __attribute__((aligned(8)));
    int count = 0;
    printf("%s:\n", what);
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            CHECK(errno == EAGAIN, "read: %s", errname(errno));
            break;
        }
        CHECK(n > 0, "read returned 0");
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)p;
            print_event(e);
            count++;
            p += sizeof *e + e->len;
        }
    }
    return count;
}

static void touch(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT, 0644);
    CHECK(fd >= 0, "create %s: %s", path, errname(errno));
    close(fd);
}

static void expect_err(long r, int want, const char *what)
{
    CHECK(r == -1 && errno == want, "%s: got %ld (%s), want %s", what, r, errname(errno), errname(want));
    printf("ok %s: %s\n", what, errname(want));
}

static void nobody_watches(void)
{
    int in = inotify_init();
    CHECK(in >= 0, "init");
    expect_err(inotify_add_watch(in, "secret", IN_OPEN), EACCES, "add_watch without read permission");
    CHECK(inotify_add_watch(in, "public", IN_OPEN) == 1, "add_watch with read permission");
    close(in);
}

static void errors(void)
{
    expect_err(inotify_init1(0x4), EINVAL, "init1 with an unknown flag");
    int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    CHECK(in >= 0, "init1");
    CHECK(fcntl(in, F_GETFL) & O_NONBLOCK, "IN_NONBLOCK sets O_NONBLOCK");
    CHECK(fcntl(in, F_GETFD) == FD_CLOEXEC, "IN_CLOEXEC sets FD_CLOEXEC");
    CHECK((fcntl(in, F_GETFL) & O_ACCMODE) == O_RDONLY, "the instance is read-only");
    printf("ok init1 flags\n");
    touch("file");
    expect_err(inotify_add_watch(in, ".", 0), EINVAL, "add_watch with an empty mask");
    expect_err(inotify_add_watch(in, ".", IN_OPEN | IN_MASK_ADD | IN_MASK_CREATE), EINVAL, "add_watch with MASK_ADD|MASK_CREATE");
    expect_err(inotify_add_watch(in, ".", IN_OPEN | 0x00010000), EINVAL, "add_watch with an unknown bit");
    expect_err(inotify_add_watch(-1, ".", IN_OPEN), EBADF, "add_watch on a bad fd");
    expect_err(inotify_add_watch(99, ".", IN_OPEN), EBADF, "add_watch on a closed fd");
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    expect_err(inotify_add_watch(p[0], ".", IN_OPEN), EINVAL, "add_watch on a pipe");
    expect_err(inotify_rm_watch(p[0], 1), EINVAL, "rm_watch on a pipe");
    close(p[0]);
    close(p[1]);
    expect_err(inotify_add_watch(in, "missing", IN_OPEN), ENOENT, "add_watch on a missing file");
    expect_err(inotify_add_watch(in, "file/x", IN_OPEN), ENOTDIR, "add_watch through a file");
    expect_err(inotify_add_watch(in, "file", IN_OPEN | IN_ONLYDIR), ENOTDIR, "add_watch ONLYDIR on a file");
    expect_err(inotify_add_watch(in, (const char *)8, IN_OPEN), EFAULT, "add_watch with a bad path");
    expect_err(inotify_rm_watch(in, 1), EINVAL, "rm_watch of an unknown wd");
    expect_err(inotify_rm_watch(-1, 1), EBADF, "rm_watch on a bad fd");
    int only = inotify_add_watch(in, ".", IN_ONLYDIR);
    printf("add_watch with only IN_ONLYDIR: %s\n", only >= 0 ? "accepted" : errname(errno));
    CHECK(symlink("file", "link") == 0, "symlink");
    int wl = inotify_add_watch(in, "link", IN_ATTRIB | IN_DONT_FOLLOW);
    int wf = inotify_add_watch(in, "file", IN_ATTRIB);
    CHECK(wl > 0 && wf > 0 && wl != wf, "DONT_FOLLOW watches the link itself (%d %d)", wl, wf);
    CHECK(inotify_add_watch(in, "link", IN_ATTRIB) == wf, "the link followed is the file");
    printf("ok DONT_FOLLOW\n");
    expect_err(inotify_add_watch(in, "file", IN_ATTRIB | IN_MASK_CREATE), EEXIST, "MASK_CREATE on a watched file");
    CHECK(open("secret", O_CREAT | O_WRONLY, 0600) >= 0 && open("public", O_CREAT | O_WRONLY, 0644) >= 0, "create");
    as_nobody(nobody_watches);
    unlink("secret");
    unlink("public");
    char buf[64];
    expect_err(read(in, buf, sizeof buf), EAGAIN, "non-blocking read of an empty queue");
    expect_err(write(in, buf, 8), EBADF, "write to an instance");
    char link[64] = { 0 };
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", in);
    CHECK(readlink(path, link, sizeof link - 1) > 0, "readlink %s", path);
    printf("fd link: %s\n", link);
    close(in);
    unlink("link");
    unlink("file");
}

static void directory_events(void)
{
    CHECK(mkdir("d", 0755) == 0, "mkdir d");
    int in = inotify_init1(IN_NONBLOCK);
    CHECK(in >= 0, "init1");
    int wd = inotify_add_watch(in, "d", IN_ALL_EVENTS);
    CHECK(wd == 1, "the first wd is 1 (%d)", wd);
    CHECK(inotify_add_watch(in, "d", IN_ALL_EVENTS) == wd, "the same inode has the same wd");
    int fd = open("d/f", O_WRONLY | O_CREAT, 0644);
    CHECK(fd >= 0, "create d/f");
    CHECK(write(fd, "abc", 3) == 3, "write");
    CHECK(write(fd, "def", 3) == 3, "write again");
    CHECK(close(fd) == 0, "close");
    drain(in, "create, write twice, close");

    fd = open("d/f", O_RDONLY);
    CHECK(fd >= 0, "open d/f");
    CHECK(read(fd, read_buf, 2) == 2, "read");
    CHECK(read(fd, read_buf, 10) == 4, "read the rest");
    CHECK(read(fd, read_buf, 10) == 0, "read at the end");
    CHECK(close(fd) == 0, "close");
    drain(in, "open, read, read at the end, close");

    CHECK(chmod("d/f", 0600) == 0, "chmod");
    CHECK(truncate("d/f", 1) == 0, "truncate");
    struct timespec ts[2] = { { 1, 0 }, { 2, 0 } };
    CHECK(utimensat(AT_FDCWD, "d/f", ts, 0) == 0, "utimensat");
    ts[1].tv_nsec = UTIME_OMIT;
    CHECK(utimensat(AT_FDCWD, "d/f", ts, 0) == 0, "utimensat atime");
    ts[0].tv_nsec = UTIME_OMIT;
    ts[1].tv_nsec = 0;
    CHECK(utimensat(AT_FDCWD, "d/f", ts, 0) == 0, "utimensat mtime");
    drain(in, "chmod, truncate, utimensat both, atime, mtime");

    CHECK(rename("d/f", "d/g") == 0, "rename");
    CHECK(link("d/g", "d/h") == 0, "link");
    CHECK(symlink("g", "d/s") == 0, "symlink");
    CHECK(mkdir("d/sub", 0755) == 0, "mkdir");
    CHECK(mknod("d/fifo", S_IFIFO | 0644, 0) == 0, "mkfifo");
    drain(in, "rename, link, symlink, mkdir, mkfifo");

    CHECK(syscall(SYS_renameat2, AT_FDCWD, "d/g", AT_FDCWD, "d/s", 2 /* RENAME_EXCHANGE */) == 0, "exchange");
    CHECK(syscall(SYS_renameat2, AT_FDCWD, "d/g", AT_FDCWD, "d/s", 2 /* RENAME_EXCHANGE */) == 0, "exchange back");
    fd = open("d/g", O_WRONLY | O_TRUNC);
    CHECK(fd >= 0, "open O_TRUNC");
    close(fd);
    drain(in, "exchange twice, open with O_TRUNC");

    fd = open("d/sub", O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0, "open d/sub");
    char dents[1024];
    CHECK(syscall(SYS_getdents64, fd, dents, sizeof dents) > 0, "getdents");
    CHECK(syscall(SYS_getdents64, fd, dents, sizeof dents) == 0, "getdents at the end");
    close(fd);
    fd = open("d", O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0, "open d");
    close(fd);
    int pfd = open("d/s", O_PATH | O_NOFOLLOW);
    CHECK(pfd >= 0, "O_PATH open");
    close(pfd);
    drain(in, "open, list and close d/sub, open and close d, O_PATH");

    CHECK(rmdir("d/sub") == 0, "rmdir");
    CHECK(unlink("d/h") == 0, "unlink h");
    CHECK(unlink("d/g") == 0, "unlink g");
    CHECK(unlink("d/s") == 0, "unlink s");
    CHECK(unlink("d/fifo") == 0, "unlink fifo");
    drain(in, "rmdir, unlink");

    CHECK(rmdir("d") == 0, "rmdir d");
    drain(in, "rmdir of the watched directory");
    expect_err(inotify_rm_watch(in, wd), EINVAL, "rm_watch after the directory went");
    close(in);
}

static void self_events(void)
{
    CHECK(mkdir("d1", 0755) == 0 && mkdir("d2", 0755) == 0, "mkdir");
    touch("d1/a");
    touch("d1/b");
    int in = inotify_init1(IN_NONBLOCK);
    CHECK(in >= 0, "init1");
    int w1 = inotify_add_watch(in, "d1", IN_ALL_EVENTS);
    int w2 = inotify_add_watch(in, "d2", IN_ALL_EVENTS);
    int wa = inotify_add_watch(in, "d1/a", IN_ALL_EVENTS);
    int wb = inotify_add_watch(in, "d1/b", IN_ALL_EVENTS);
    printf("wds %d %d %d %d\n", w1, w2, wa, wb);
    CHECK(chmod("d1/a", 0600) == 0, "chmod");
    drain(in, "chmod of a file watched itself and through its directory");
    CHECK(rename("d1/a", "d2/a2") == 0, "rename across directories");
    drain(in, "rename across directories");
    CHECK(rename("d1/b", "d2/a2") == 0, "rename over a watched file");
    drain(in, "rename over a watched file");
    int fd = open("d2/a2", O_RDWR);
    CHECK(fd >= 0, "open");
    CHECK(unlink("d2/a2") == 0, "unlink while open");
    drain(in, "unlink of an open watched file");
    CHECK(write(fd, "x", 1) == 1, "write to the unlinked file");
    CHECK(close(fd) == 0, "close");
    drain(in, "write and last close of the unlinked file");
    touch("d1/c");
    int wc = inotify_add_watch(in, "d1/c", IN_ALL_EVENTS);
    CHECK(wc == 5, "wd 5 (%d)", wc);
    CHECK(unlink("d1/c") == 0, "unlink");
    drain(in, "unlink of a watched file");
    CHECK(chmod("d1", 0700) == 0, "chmod d1");
    CHECK(rename("d1", "d2/d3") == 0, "rename d1");
    drain(in, "chmod and rename of a watched directory");
    CHECK(rmdir("d2/d3") == 0 && rmdir("d2") == 0, "rmdir");
    drain(in, "rmdir d1 d2");
    close(in);
}

static void watch_flags(void)
{
    touch("f");
    int in = inotify_init1(IN_NONBLOCK);
    CHECK(in >= 0, "init1");
    int w = inotify_add_watch(in, "f", IN_OPEN | IN_ONESHOT);
    CHECK(w == 1, "wd 1");
    close(open("f", O_RDONLY));
    close(open("f", O_RDONLY));
    drain(in, "ONESHOT: open twice");
    w = inotify_add_watch(in, "f", IN_OPEN);
    printf("new wd after a oneshot: %d\n", w);
    CHECK(inotify_add_watch(in, "f", IN_CLOSE_NOWRITE | IN_MASK_ADD) == w, "MASK_ADD keeps the wd");
    close(open("f", O_RDONLY));
    drain(in, "MASK_ADD of CLOSE_NOWRITE to OPEN");
    CHECK(inotify_add_watch(in, "f", IN_CLOSE_NOWRITE) == w, "replace keeps the wd");
    close(open("f", O_RDONLY));
    drain(in, "mask replaced by CLOSE_NOWRITE");
    CHECK(inotify_rm_watch(in, w) == 0, "rm_watch");
    drain(in, "rm_watch");
    expect_err(inotify_rm_watch(in, w), EINVAL, "rm_watch twice");
    close(open("f", O_RDONLY));
    CHECK(drain(in, "after rm_watch") == 0, "no events after rm_watch");

    /* EXCL_UNLINK: no events of an unlinked child through the directory. */
    CHECK(mkdir("e", 0755) == 0, "mkdir e");
    touch("e/x");
    int we = inotify_add_watch(in, "e", IN_MODIFY | IN_DELETE | IN_EXCL_UNLINK);
    int fd = open("e/x", O_WRONLY);
    CHECK(write(fd, "1", 1) == 1, "write");
    CHECK(unlink("e/x") == 0, "unlink");
    CHECK(write(fd, "2", 1) == 1, "write");
    close(fd);
    drain(in, "EXCL_UNLINK: write, unlink, write");
    inotify_rm_watch(in, we);
    rmdir("e");
    drain(in, "rm_watch e");
    close(in);
    unlink("f");
}

static void reading(void)
{
    touch("name-of-sixteen+");
    int in = inotify_init1(IN_NONBLOCK);
    CHECK(in >= 0, "init1");
    CHECK(inotify_add_watch(in, ".", IN_OPEN | IN_CLOSE) == 1, "watch .");
    int n = -1;
    CHECK(ioctl(in, FIONREAD, &n) == 0 && n == 0, "FIONREAD of an empty queue (%d)", n);
    struct pollfd pf = { .fd = in, .events = POLLIN };
    CHECK(poll(&pf, 1, 0) == 0, "not readable while empty");
    close(open("name-of-sixteen+", O_RDONLY));
    CHECK(poll(&pf, 1, 0) == 1 && pf.revents == POLLIN, "readable with events (%#x)", pf.revents);
    CHECK(ioctl(in, FIONREAD, &n) == 0, "FIONREAD");
    printf("FIONREAD with two events: %d\n", n);
    char buf[256];
    expect_err(read(in, buf, sizeof(struct inotify_event) + 16), EINVAL, "read into a buffer too small for the event");
    expect_err(read(in, buf, 0), EINVAL, "read of 0 bytes");
    ssize_t r = read(in, buf, sizeof(struct inotify_event) + 32 + 10);
    printf("read with room for one and a half events: %zd\n", r);
    CHECK(ioctl(in, FIONREAD, &n) == 0, "FIONREAD");
    printf("FIONREAD with one event: %d\n", n);
    drain(in, "the rest");
    CHECK(poll(&pf, 1, 0) == 0, "not readable once drained");
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN }, got;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, in, &ev) == 0, "epoll_ctl: %s", errname(errno));
    CHECK(epoll_wait(ep, &got, 1, 0) == 0, "epoll: not ready while empty");
    close(open("name-of-sixteen+", O_RDONLY));
    CHECK(epoll_wait(ep, &got, 1, 0) == 1 && got.events == EPOLLIN, "epoll: ready with events");
    drain(in, "after epoll");
    CHECK(epoll_wait(ep, &got, 1, 0) == 0, "epoll: not ready once drained");
    close(ep);
    printf("ok epoll readiness\n");
    CHECK(lseek(in, 10, SEEK_SET) == 0, "lseek does nothing");
    printf("ok lseek\n");
    struct stat st;
    CHECK(fstat(in, &st) == 0, "fstat");
    printf("fstat mode %o size %lld\n", st.st_mode, (long long)st.st_size);
    close(in);

    /* Coalescing: an event like the last queued one is dropped. */
    in = inotify_init1(IN_NONBLOCK);
    CHECK(inotify_add_watch(in, "name-of-sixteen+", IN_OPEN | IN_ACCESS) == 1, "watch");
    int fd = open("name-of-sixteen+", O_RDWR);
    CHECK(write(fd, "abc", 3) == 3, "write");
    CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek");
    for (int i = 0; i < 3; i++)
        CHECK(read(fd, buf, 1) == 1, "read");
    close(fd);
    drain(in, "three reads of a byte");

    /* Overflow: the queue holds max_queued_events, then one overflow. */
    FILE *f = fopen("/proc/sys/fs/inotify/max_queued_events", "r");
    int max = 16384;
    if (f) {
        CHECK(fscanf(f, "%d", &max) == 1, "max_queued_events");
        fclose(f);
    }
    CHECK(inotify_add_watch(in, "name-of-sixteen+", IN_OPEN | IN_CLOSE_NOWRITE) == 1, "watch");
    for (int i = 0; i < max / 2 + 1; i++)
        close(open("name-of-sixteen+", O_RDONLY));
    int total = 0, overflows = 0, last_overflow = 0;
    for (;;) {
        r = read(in, buf, sizeof buf);
        if (r < 0)
            break;
        for (char *p = buf; p < buf + r;) {
            struct inotify_event *e = (struct inotify_event *)p;
            total++;
            last_overflow = e->mask == IN_Q_OVERFLOW && e->wd == -1;
            overflows += last_overflow;
            p += sizeof *e + e->len;
        }
    }
    CHECK(total == max + 1 && overflows == 1 && last_overflow, "overflow: %d events, %d overflows, last %d", total, overflows, last_overflow);
    printf("ok overflow after max_queued_events\n");
    close(in);
    unlink("name-of-sixteen+");
}

static void blocking(void)
{
    touch("shared");
    int in = inotify_init();
    CHECK(in >= 0, "init");
    CHECK(inotify_add_watch(in, "shared", IN_MODIFY) == 1, "watch");
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        struct timespec t = { 0, 50 * 1000 * 1000 };
        nanosleep(&t, NULL);
        int fd = open("shared", O_WRONLY);
        CHECK(write(fd, "child", 5) == 5, "child write");
        _exit(0);
    }
    struct pollfd pf = { .fd = in, .events = POLLIN };
    CHECK(poll(&pf, 1, 5000) == 1, "poll waits for the child's write");
    char buf[64];
    ssize_t r = read(in, buf, sizeof buf);
    CHECK(r == (ssize_t)sizeof(struct inotify_event), "blocking read: %zd", r);
    printf("from the child:\n");
    print_event((struct inotify_event *)buf);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && st == 0, "child");
    pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        struct timespec t = { 0, 50 * 1000 * 1000 };
        nanosleep(&t, NULL);
        int fd = open("shared", O_WRONLY);
        CHECK(write(fd, "again", 5) == 5, "child write");
        _exit(0);
    }
    r = read(in, buf, sizeof buf);
    CHECK(r == (ssize_t)sizeof(struct inotify_event), "blocking read: %zd", r);
    printf("a blocking read from the child:\n");
    print_event((struct inotify_event *)buf);
    CHECK(waitpid(pid, &st, 0) == pid && st == 0, "child");
    close(in);
    unlink("shared");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    enter_scratch_dir();
    errors();
    directory_events();
    self_events();
    watch_flags();
    reading();
    blocking();
    return 0;
}
