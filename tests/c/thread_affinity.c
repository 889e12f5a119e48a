/* CPU affinity is per thread, and one thread may read and set another's
 * by thread id (sched_getaffinity/sched_setaffinity with a tid). */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

static pthread_barrier_t step;
static _Atomic pid_t worker_tid;
static int worker_cpu_ok;

static void *worker(void *arg)
{
    (void)arg;
    worker_tid = (pid_t)syscall(SYS_gettid);
    pthread_barrier_wait(&step); /* tid published */
    pthread_barrier_wait(&step); /* main changed our affinity */
    cpu_set_t mine;
    CHECK(sched_getaffinity(0, sizeof mine, &mine) == 0, "worker getaffinity");
    worker_cpu_ok = CPU_COUNT(&mine) == 1 && CPU_ISSET(0, &mine);
    return NULL;
}

int main(void)
{
    cpu_set_t all, one;
    CHECK(sched_getaffinity(0, sizeof all, &all) == 0, "getaffinity");
    CHECK(CPU_ISSET(0, &all), "CPU 0 allowed");
    pthread_barrier_init(&step, NULL, 2);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, worker, NULL) == 0, "create");
    pthread_barrier_wait(&step);
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    CHECK(sched_setaffinity(worker_tid, sizeof one, &one) == 0, "set the worker's affinity by tid");
    cpu_set_t seen;
    CHECK(sched_getaffinity(worker_tid, sizeof seen, &seen) == 0 && CPU_EQUAL(&seen, &one), "read it back by tid");
    cpu_set_t mine;
    CHECK(sched_getaffinity(0, sizeof mine, &mine) == 0 && CPU_EQUAL(&mine, &all), "ours is unchanged");
    pthread_barrier_wait(&step);
    CHECK(pthread_join(t, NULL) == 0 && worker_cpu_ok, "the worker sees its new affinity");
    OK("affinity per thread, set from another thread");
    errno = 0;
    CHECK(sched_getaffinity(0x3fffffff, sizeof seen, &seen) == -1 && errno == ESRCH, "unknown tid: ESRCH");
    OK("unknown tid");
    return 0;
}
