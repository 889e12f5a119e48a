/* Robust and priority-inheritance mutexes: a robust mutex whose owner
 * thread died locks with EOWNERDEAD and can be made consistent; a PI
 * mutex contended by 8 threads counts exactly. */
#define _GNU_SOURCE
#include <pthread.h>
#include "check.h"

static pthread_mutex_t robust, pi;
static long counter;

static void *die_holding(void *arg)
{
    (void)arg;
    CHECK(pthread_mutex_lock(&robust) == 0, "lock robust");
    return NULL; /* exits while holding it */
}

static void *count(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20000; i++) {
        CHECK(pthread_mutex_lock(&pi) == 0, "lock pi");
        counter++;
        CHECK(pthread_mutex_unlock(&pi) == 0, "unlock pi");
    }
    return NULL;
}

int main(void)
{
    pthread_mutexattr_t at;
    pthread_mutexattr_init(&at);
    pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST);
    CHECK(pthread_mutex_init(&robust, &at) == 0, "init robust");
    pthread_t t;
    CHECK(pthread_create(&t, NULL, die_holding, NULL) == 0 && pthread_join(t, NULL) == 0, "owner thread");
    CHECK(pthread_mutex_lock(&robust) == EOWNERDEAD, "the lock of a dead owner gives EOWNERDEAD");
    CHECK(pthread_mutex_consistent(&robust) == 0, "consistent");
    CHECK(pthread_mutex_unlock(&robust) == 0 && pthread_mutex_lock(&robust) == 0, "usable again");
    OK("robust mutex recovered from a dead owner");

    pthread_mutexattr_init(&at);
    pthread_mutexattr_setprotocol(&at, PTHREAD_PRIO_INHERIT);
    CHECK(pthread_mutex_init(&pi, &at) == 0, "init pi");
    pthread_t ts[8];
    for (int i = 0; i < 8; i++)
        CHECK(pthread_create(&ts[i], NULL, count, NULL) == 0, "create");
    for (int i = 0; i < 8; i++)
        CHECK(pthread_join(ts[i], NULL) == 0, "join");
    CHECK(counter == 160000, "pi counter %ld", counter);
    OK("pi mutex under contention");
    return 0;
}
