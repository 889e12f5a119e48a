/* How a multi-threaded process ends, chosen by argv[1]:
 *
 *   (none)   A thread calls exit(3) while the main thread is blocked in
 *            pthread_join, one thread waits on a condition variable that is
 *            never signalled and one sleeps for a minute. exit() runs the
 *            atexit handlers in the calling thread, flushes stdio, and
 *            exit_group ends every thread: the status is 3, at once.
 *   leader   The main thread calls pthread_exit; the process lives on in its
 *            other thread, which then calls exit(3): the status is 3.
 *   all      The main thread calls pthread_exit, then so does the last other
 *            thread: the C library exits the process with status 0.
 *
 * Output is fixed lines printed in an order the program enforces. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static pthread_cond_t started_cond = PTHREAD_COND_INITIALIZER;
static int started;
static pid_t exiting_tid;

static void announce(void)
{
    PT(pthread_mutex_lock(&lock));
    started++;
    PT(pthread_cond_broadcast(&started_cond));
    PT(pthread_mutex_unlock(&lock));
}

static void *cond_waiter(void *p)
{
    (void)p;
    PT(pthread_mutex_lock(&lock));
    started++;
    PT(pthread_cond_broadcast(&started_cond));
    for (;;)
        PT(pthread_cond_wait(&never, &lock));
    return NULL;
}

static void *sleeper(void *p)
{
    (void)p;
    announce();
    sleep_ms(60000);
    FAIL("the sleeping thread outlived exit(3)");
    return NULL;
}

static void at_exit(void)
{
    if ((pid_t)syscall(SYS_gettid) == exiting_tid)
        printf("ok atexit handler runs in the thread that called exit\n");
    else
        printf("FAIL atexit handler runs in another thread\n");
}

static void *exiter(void *p)
{
    (void)p;
    exiting_tid = (pid_t)syscall(SYS_gettid);
    printf("ok a thread calls exit(3)\n");
    exit(3);
}

static void exit_from_thread(void)
{
    pthread_t waiter, sleepy, ex;
    CHECK(atexit(at_exit) == 0, "atexit");
    PT(pthread_create(&waiter, NULL, cond_waiter, NULL));
    PT(pthread_create(&sleepy, NULL, sleeper, NULL));
    PT(pthread_mutex_lock(&lock));
    while (started < 2)
        PT(pthread_cond_wait(&started_cond, &lock));
    PT(pthread_mutex_unlock(&lock));
    printf("ok two threads blocked (condition variable, nanosleep)\n");
    fflush(stdout);
    PT(pthread_create(&ex, NULL, exiter, NULL));
    PT(pthread_join(waiter, NULL)); /* never returns */
    FAIL("pthread_join of a thread that never ends returned");
}

static void *last_thread(void *p)
{
    int code = (int)(intptr_t)p;
    sleep_ms(30); /* the main thread is gone by now (either way is correct) */
    if (code) {
        printf("ok the last thread calls exit(%d)\n", code);
        exit(code);
    }
    printf("ok the last thread calls pthread_exit\n");
    pthread_exit(NULL);
}

static void leader_exits_first(int code)
{
    pthread_t t;
    PT(pthread_create(&t, NULL, last_thread, (void *)(intptr_t)code));
    printf("ok the main thread calls pthread_exit\n");
    fflush(stdout);
    pthread_exit(NULL);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        exit_from_thread();
    else if (strcmp(argv[1], "leader") == 0)
        leader_exits_first(3);
    else if (strcmp(argv[1], "all") == 0)
        leader_exits_first(0);
    FAIL("unknown mode %s", argv[1]);
}
