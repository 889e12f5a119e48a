/* The main thread ends alone (pthread_exit) and the other threads go on
 * in the process's memory: a read() into a large buffer (the kernel copies
 * it in one go, which the sandbox does across processes), a write() from
 * one, a mapping made and read, and /proc/self/status, until the last
 * thread ends the process with exit_group. The process's exit status is
 * the last thread's.
 *
 * Nothing printed depends on scheduling. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>
#include "check.h"
#include "watchdog.h"

#define BIG (1 << 18)

static char big[BIG];
static pthread_t main_thread;

static void *worker(void *arg)
{
    (void)arg;
    /* Wait until the main thread is gone. */
    watchdog_step("the main thread's end");
    int e;
    CHECK((e = pthread_join(main_thread, NULL)) == 0, "pthread_join(main): %s", errname(e));
    OK("the main thread has ended");

    int fd = open("/dev/zero", O_RDONLY);
    CHECK(fd >= 0, "open /dev/zero");
    memset(big, 1, sizeof big);
    ssize_t n = read(fd, big, sizeof big);
    CHECK(n == BIG, "read of %d bytes: %zd", BIG, n);
    size_t ones = 0;
    for (size_t i = 0; i < sizeof big; i++)
        ones += big[i] != 0;
    CHECK(ones == 0, "%zu bytes not zeroed by read()", ones);
    close(fd);
    OK("a large read() after the main thread's end");

    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    memset(big, 'x', 60000);
    CHECK(write(p[1], big, 60000) == 60000, "write of 60000 bytes");
    memset(big, 0, 60000);
    size_t got = 0;
    while (got < 60000) {
        n = read(p[0], big + got, 60000 - got);
        CHECK(n > 0, "read back");
        got += n;
    }
    CHECK(big[0] == 'x' && big[59999] == 'x', "the bytes read back");
    OK("a large write() and read() through a pipe");

    char *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED, "mmap");
    m[12345] = 7;
    CHECK(m[12345] == 7 && munmap(m, 1 << 20) == 0, "the mapping");
    OK("mmap and munmap");

    char status[4096];
    fd = open("/proc/self/status", O_RDONLY);
    CHECK(fd >= 0, "open /proc/self/status");
    n = read(fd, status, sizeof status - 1);
    CHECK(n > 0, "read /proc/self/status");
    status[n] = '\0';
    close(fd);
    CHECK(strstr(status, "\nThreads:") != NULL, "no Threads: line");
    OK("/proc/self/status reads");
    fflush(stdout);
    exit(5);
}

int main(void)
{
    watchdog_start(20);
    main_thread = pthread_self();
    pthread_t t;
    int e;
    CHECK((e = pthread_create(&t, NULL, worker, NULL)) == 0, "pthread_create: %s", errname(e));
    fflush(stdout);
    pthread_exit(NULL);
}
