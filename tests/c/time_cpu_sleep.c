/* clock_nanosleep on CPU-time clocks: a thread's own CPU clock cannot be
 * slept on (EINVAL); the process's can, relative and absolute, and the
 * sleep ends once the process's other threads have used that much CPU. */
#define _GNU_SOURCE
#include <pthread.h>
#include <time.h>
#include "check.h"

static volatile int stop;

static void *burn(void *arg)
{
    (void)arg;
    while (!stop)
        ;
    return NULL;
}

/* The process's CPU time in nanoseconds (whole numbers: the sandbox's
   clock moves in 10 ms ticks, and a difference of two doubles that should
   be 0.2 exactly may come out just below it). */
static long long cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void)
{
    struct timespec req = {0, 200000000};
    CHECK(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL) == EINVAL, "thread CPU clock");
    OK("clock_nanosleep on the thread CPU clock: EINVAL");
    clockid_t mine;
    CHECK(pthread_getcpuclockid(pthread_self(), &mine) == 0, "pthread_getcpuclockid");
    CHECK(clock_nanosleep(mine, 0, &req, NULL) == EINVAL, "a thread's CPU clock id");
    OK("clock_nanosleep on a thread's CPU clock id: EINVAL");

    pthread_t t;
    CHECK(pthread_create(&t, NULL, burn, NULL) == 0, "pthread_create");
    long long before = cpu_now();
    CHECK(clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, 0, &req, NULL) == 0, "relative sleep");
    CHECK(cpu_now() - before >= 200000000, "woke after %lld ns of CPU", cpu_now() - before);
    OK("a relative sleep on the process CPU clock lasts 200 ms of the burner's CPU");
    struct timespec at;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &at);
    at.tv_nsec += 100000000;
    if (at.tv_nsec >= 1000000000) {
        at.tv_sec++;
        at.tv_nsec -= 1000000000;
    }
    CHECK(clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, TIMER_ABSTIME, &at, NULL) == 0, "absolute sleep");
    CHECK(cpu_now() >= at.tv_sec * 1000000000LL + at.tv_nsec, "woke before the CPU time asked for");
    OK("an absolute sleep on the process CPU clock ends once the clock gets there");
    stop = 1;
    pthread_join(t, NULL);
    return 0;
}
