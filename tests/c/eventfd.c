/* eventfd and eventfd2: the counter, semaphore mode, non-blocking reads
 * and writes, the 8-byte rules, overflow, flags, fstat of the anonymous
 * inode, lseek/pread, poll readiness, a blocking read woken by a writer
 * thread, a blocking write woken by a reader thread, and a counter shared
 * across fork. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static uint64_t get(int fd)
{
    uint64_t v = 0;
    long n = read(fd, &v, sizeof v);
    CHECK(n == 8, "read returned %ld", n);
    return v;
}

static void put(int fd, uint64_t v)
{
    long n = write(fd, &v, sizeof v);
    CHECK(n == 8, "write of %llu returned %ld", (unsigned long long)v, n);
}

static short revents(int fd, short events)
{
    struct pollfd p = {fd, events, 0};
    CHECK(poll(&p, 1, 0) >= 0, "poll");
    return p.revents;
}

static void counter(void)
{
    int fd = eventfd(5, 0);
    CHECK(fd >= 0, "eventfd");
    printf("F_GETFL %o F_GETFD %d\n", fcntl(fd, F_GETFL), fcntl(fd, F_GETFD));
    printf("read: %llu\n", (unsigned long long)get(fd));
    put(fd, 3);
    put(fd, 4);
    printf("two writes then read: %llu\n", (unsigned long long)get(fd));
    put(fd, 0);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    uint64_t v;
    EXPECT_ERRNO("read of 0 after writing 0", EAGAIN, read(fd, &v, 8));
    /* A write must be of 8 bytes exactly; a read of more gets 8. */
    uint64_t two[2] = {6, 7};
    EXPECT_ERRNO("write of 16 bytes", EINVAL, write(fd, two, sizeof two));
    put(fd, 6);
    uint64_t out[2] = {0, 99};
    long got = read(fd, out, sizeof out);
    printf("read 16 bytes: %ld -> %llu %llu\n", got, (unsigned long long)out[0], (unsigned long long)out[1]);
    close(fd);
}

static void semaphore(void)
{
    int fd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
    CHECK(fd >= 0, "eventfd(EFD_SEMAPHORE)");
    printf("semaphore F_GETFL %o F_GETFD %d\n", fcntl(fd, F_GETFL), fcntl(fd, F_GETFD));
    for (int i = 0; i < 3; i++)
        printf("semaphore read %d: %llu\n", i, (unsigned long long)get(fd));
    uint64_t v;
    EXPECT_ERRNO("semaphore read at 0", EAGAIN, read(fd, &v, 8));
    put(fd, 2);
    printf("semaphore after +2: %llu %llu\n", (unsigned long long)get(fd), (unsigned long long)get(fd));
    close(fd);
}

static void errors(void)
{
    int fd = eventfd(0, EFD_NONBLOCK);
    CHECK(fd >= 0, "eventfd");
    uint64_t v = 1;
    uint32_t small = 1;
    EXPECT_ERRNO("read of 4 bytes", EINVAL, read(fd, &small, 4));
    EXPECT_ERRNO("read of 0 bytes", EINVAL, read(fd, &v, 0));
    EXPECT_ERRNO("write of 4 bytes", EINVAL, write(fd, &small, 4));
    EXPECT_ERRNO("write of 0 bytes", EINVAL, write(fd, &v, 0));
    v = UINT64_MAX;
    EXPECT_ERRNO("write of 0xffffffffffffffff", EINVAL, write(fd, &v, 8));
    /* NULL passes the range check: an empty counter says EAGAIN, a full
     * one is taken and then the copy faults. */
    EXPECT_ERRNO("read into NULL, empty", EAGAIN, syscall(SYS_read, fd, NULL, 8));
    put(fd, 9);
    EXPECT_ERRNO("read into NULL", EFAULT, syscall(SYS_read, fd, NULL, 8));
    EXPECT_ERRNO("read after the fault", EAGAIN, read(fd, &v, 8));
    EXPECT_ERRNO("write from NULL", EFAULT, syscall(SYS_write, fd, NULL, 8));
    EXPECT_ERRNO("read from (void *)-4096", EFAULT, syscall(SYS_read, fd, (void *)-4096L, 8));
    EXPECT_ERRNO("pread", ESPIPE, pread(fd, &v, 8, 0));
    EXPECT_ERRNO("pwrite", ESPIPE, pwrite(fd, &v, 8, 0));
    printf("lseek: %ld\n", (long)lseek(fd, 100, SEEK_SET));
    EXPECT_ERRNO("eventfd2(2)", EINVAL, syscall(SYS_eventfd2, 0, 2));
    EXPECT_ERRNO("eventfd2(O_RDWR)", EINVAL, syscall(SYS_eventfd2, 0, O_RDWR));
    EXPECT_ERRNO("eventfd2(O_APPEND)", EINVAL, syscall(SYS_eventfd2, 0, O_APPEND));
    int raw = (int)syscall(SYS_eventfd, 7);
    CHECK(raw >= 0, "raw eventfd");
    printf("raw eventfd: F_GETFL %o value %llu\n", fcntl(raw, F_GETFL), (unsigned long long)get(raw));
    close(raw);

    /* The counter tops out at 2^64 - 2. */
    v = UINT64_MAX - 1;
    put(fd, v);
    printf("full: revents %#x\n", revents(fd, POLLIN | POLLOUT));
    v = 1;
    EXPECT_ERRNO("write past the top", EAGAIN, write(fd, &v, 8));
    put(fd, 0);
    printf("read at the top: %#llx\n", (unsigned long long)get(fd));
    printf("empty: revents %#x\n", revents(fd, POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM));
    put(fd, 1);
    printf("one: revents %#x\n", revents(fd, POLLIN | POLLOUT | POLLPRI));

    struct stat st;
    CHECK(fstat(fd, &st) == 0, "fstat");
    printf("fstat: mode %o nlink %lu size %ld uid %u gid %u\n", (unsigned)st.st_mode,
           (unsigned long)st.st_nlink, (long)st.st_size, (unsigned)st.st_uid, (unsigned)st.st_gid);
    int other = eventfd(0, 0);
    struct stat st2;
    CHECK(fstat(other, &st2) == 0, "fstat");
    printf("fstat: one inode for all: %d\n", st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
    close(other);
    close(fd);
}

static int shared_fd;

static void *late_writer(void *arg)
{
    sleep_ms(30);
    put(shared_fd, (uint64_t)(uintptr_t)arg);
    return NULL;
}

static void *late_reader(void *arg)
{
    (void)arg;
    sleep_ms(30);
    return (void *)(uintptr_t)get(shared_fd);
}

static void blocking(void)
{
    shared_fd = eventfd(0, 0);
    CHECK(shared_fd >= 0, "eventfd");
    pthread_t th;
    PT(pthread_create(&th, NULL, late_writer, (void *)(uintptr_t)42));
    printf("blocking read woken by a writer: %llu\n", (unsigned long long)get(shared_fd));
    PT(pthread_join(th, NULL));

    /* A write that would overflow waits for a reader. */
    put(shared_fd, UINT64_MAX - 2);
    PT(pthread_create(&th, NULL, late_reader, NULL));
    put(shared_fd, 5);
    void *got;
    PT(pthread_join(th, &got));
    printf("blocked write: the reader took %#llx, left %llu\n", (unsigned long long)(uintptr_t)got,
           (unsigned long long)get(shared_fd));

    /* Semaphore mode: a reader per unit. */
    close(shared_fd);
    shared_fd = eventfd(0, EFD_SEMAPHORE);
    pthread_t r[3];
    for (int i = 0; i < 3; i++)
        PT(pthread_create(&r[i], NULL, late_reader, NULL));
    sleep_ms(60);
    put(shared_fd, 3);
    for (int i = 0; i < 3; i++) {
        PT(pthread_join(r[i], &got));
        CHECK((uintptr_t)got == 1, "semaphore reader got %lu", (unsigned long)(uintptr_t)got);
    }
    OK("three blocked semaphore readers each took 1");
    close(shared_fd);
}

static void across_fork(void)
{
    int fd = eventfd(0, 0);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        put(fd, 11);
        put(fd, 31);
        _exit(0);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status), "waitpid");
    printf("written by the child: %llu\n", (unsigned long long)get(fd));
    close(fd);
}

int main(void)
{
    counter();
    semaphore();
    errors();
    blocking();
    across_fork();
    return 0;
}
