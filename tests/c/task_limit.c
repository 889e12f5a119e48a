/* Under `sandbox-exec --pids N`: forks children that wait on a pipe until
 * fork fails, then threads until pthread_create fails, and reports the
 * counts and the errors. Reaped children and joined threads give their
 * places back. Run in the sandbox only (natively the host's limits
 * apply). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "watchdog.h"

#define MAX 64

static int gate[2];

static void *waiter(void *arg)
{
    (void)arg;
    char c;
    while (read(gate[0], &c, 1) < 0 && errno == EINTR) {
    }
    return NULL;
}

/* Forks children that wait until the gate closes; returns how many. */
static int fork_until_refused(pid_t *kids, int *err)
{
    int n = 0;
    for (; n < MAX; n++) {
        pid_t p = fork();
        if (p < 0) {
            *err = errno;
            break;
        }
        if (p == 0) {
            close(gate[1]);
            waiter(NULL);
            _exit(0);
        }
        kids[n] = p;
    }
    return n;
}

int main(void)
{
    watchdog_start(30);
    watchdog_step("the children and threads to end");
    CHECK(pipe(gate) == 0, "pipe");
    pid_t kids[MAX];
    int err = 0;
    int n = fork_until_refused(kids, &err);
    printf("forked %d children, then %s\n", n, errname(err));
    CHECK(close(gate[1]) == 0, "close");
    for (int i = 0; i < n; i++)
        CHECK(waitpid(kids[i], NULL, 0) == kids[i], "reap child %d", i);
    close(gate[0]);

    CHECK(pipe(gate) == 0, "pipe");
    n = fork_until_refused(kids, &err);
    printf("after reaping them: forked %d children again\n", n);
    CHECK(close(gate[1]) == 0, "close");
    for (int i = 0; i < n; i++)
        CHECK(waitpid(kids[i], NULL, 0) == kids[i], "reap child %d", i);
    close(gate[0]);

    CHECK(pipe(gate) == 0, "pipe");
    pthread_t threads[MAX];
    int t = 0, terr = 0;
    for (; t < MAX; t++) {
        terr = pthread_create(&threads[t], NULL, waiter, NULL);
        if (terr != 0)
            break;
    }
    printf("started %d threads, then %s\n", t, errname(terr));
    CHECK(close(gate[1]) == 0, "close");
    for (int i = 0; i < t; i++)
        CHECK(pthread_join(threads[i], NULL) == 0, "join thread %d", i);
    OK("every child reaped and every thread joined");
    return 0;
}
