/* Advisory locks: fcntl record locks between processes (F_GETLK reports
 * the holder, F_SETLK fails with EAGAIN, F_SETLKW waits, closing any
 * descriptor of the file drops the process's locks), OFD locks between
 * two descriptions of one process, and flock. */
#define _GNU_SOURCE
#include <sys/file.h>
#include "vfs.h"

static int setlk(int fd, int cmd, short type, off_t start, off_t len)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    return fcntl(fd, cmd, &fl);
}

int main(void)
{
    enter_scratch_dir();
    int fd = open("f", O_CREAT | O_RDWR, 0644);
    CHECK(fd >= 0, "open");
    CHECK(setlk(fd, F_SETLK, F_WRLCK, 0, 10) == 0, "a write lock on [0, 10)");
    CHECK(setlk(fd, F_SETLK, F_RDLCK, 5, 10) == 0, "the owner may change its own range");
    pid_t parent = getpid();
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int cfd = open("f", O_RDWR);
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
        CHECK(fcntl(cfd, F_GETLK, &fl) == 0 && fl.l_type == F_WRLCK && fl.l_pid == parent && fl.l_start == 0 && fl.l_len == 5, "F_GETLK reports the holder");
        EXPECT_ERRNO("a conflicting F_SETLK", EAGAIN, setlk(cfd, F_SETLK, F_WRLCK, 2, 1));
        CHECK(setlk(cfd, F_SETLK, F_RDLCK, 6, 2) == 0, "read locks share");
        CHECK(setlk(cfd, F_SETLK, F_WRLCK, 20, 5) == 0, "a lock on a free range");
        CHECK(setlk(cfd, F_SETLKW, F_WRLCK, 0, 1) == 0, "F_SETLKW waits for the unlock");
        fflush(stdout);
        _exit(0);
    }
    sleep_ms(100);
    int other = open("f", O_RDONLY);
    close(other);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "closing any descriptor releases the locks");
    EXPECT_ERRNO("a write lock through a read-only descriptor", EBADF, setlk(other = open("f", O_RDONLY), F_SETLK, F_WRLCK, 0, 1));
    close(other);
    OK("record locks");

    int a = open("f", O_RDWR), b = open("f", O_RDWR);
    CHECK(setlk(a, F_OFD_SETLK, F_WRLCK, 0, 0) == 0, "an OFD lock");
    EXPECT_ERRNO("another description's OFD lock", EAGAIN, setlk(b, F_OFD_SETLK, F_WRLCK, 0, 1));
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_pid = 5};
    EXPECT_ERRNO("an OFD lock with a pid", EINVAL, fcntl(b, F_OFD_SETLK, &fl));
    close(a);
    CHECK(setlk(b, F_OFD_SETLK, F_WRLCK, 0, 1) == 0, "free once the description is closed");
    close(b);
    OK("OFD locks");

    a = open("f", O_RDONLY);
    b = open("f", O_RDONLY);
    CHECK(flock(a, LOCK_EX) == 0, "flock");
    EXPECT_ERRNO("a second description", EWOULDBLOCK, flock(b, LOCK_SH | LOCK_NB));
    CHECK(flock(a, LOCK_SH) == 0 && flock(b, LOCK_SH | LOCK_NB) == 0, "shared locks");
    CHECK(flock(a, LOCK_UN) == 0 && flock(b, LOCK_UN) == 0, "unlock");
    EXPECT_ERRNO("a bad operation", EINVAL, flock(a, 0));
    OK("flock");
    return 0;
}
