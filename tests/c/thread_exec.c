/* execve from a thread that is not the leader: the other threads end,
 * and the new image runs as the process's only thread, with the
 * process's pid as its thread id. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

static char *self;

static void *run(void *arg)
{
    (void)arg;
    char *args[] = {self, "after", NULL};
    execv("/proc/self/exe", args);
    FAIL("execv");
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        CHECK(getpid() == (pid_t)syscall(SYS_gettid), "the exec'd image's tid is its pid");
        OK("exec'd image runs as the leader");
        return 0;
    }
    self = argv[0];
    fflush(stdout);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, run, NULL) == 0, "create");
    for (;;)
        sleep(1);
}
