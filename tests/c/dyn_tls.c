/* Thread-local storage in a dynamically linked program: __thread variables
 * of the main program (initialised, zeroed, and an array) and errno, which
 * lives in libc.so.6's TLS block, each thread's own; a thread's changes
 * are not seen by another; the addresses differ between threads and sit
 * in the thread's static TLS (near its thread pointer); initial values are
 * fresh in every new thread. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <unistd.h>
#include "check.h"
#include "watchdog.h"

#define THREADS 4
#define ROUNDS 200

__thread int tls_init = 42;
__thread long tls_zero;
__thread char tls_buf[64] = "initial";

static pthread_barrier_t barrier;

struct result {
    int index;
    int alone; /* no barrier: the thread runs by itself */
    uintptr_t init_addr, errno_addr;
    int ok;
};

static void *worker(void *arg)
{
    struct result *r = arg;
    CHECK(tls_init == 42, "thread %d: tls_init %d", r->index, tls_init);
    CHECK(tls_zero == 0, "thread %d: tls_zero %ld", r->index, tls_zero);
    CHECK(strcmp(tls_buf, "initial") == 0, "thread %d: tls_buf %s", r->index, tls_buf);
    r->init_addr = (uintptr_t)&tls_init;
    r->errno_addr = (uintptr_t)&errno;

    tls_init = 1000 + r->index;
    tls_zero = r->index;
    snprintf(tls_buf, sizeof tls_buf, "thread %d", r->index);
    int bad = 0;
    for (int i = 0; i < ROUNDS; i++) {
        /* Each thread sets errno its own way, then all meet. */
        errno = 0;
        if (r->index % 2)
            (void)!close(-1); /* EBADF */
        else
            errno = ERANGE;
        if (r->alone) {
            sched_yield();
        } else {
            int pe = pthread_barrier_wait(&barrier);
            if (pe != 0 && pe != PTHREAD_BARRIER_SERIAL_THREAD)
                FAIL("pthread_barrier_wait: %d", pe);
        }
        if (errno != (r->index % 2 ? EBADF : ERANGE))
            bad++;
        if (tls_init != 1000 + r->index || tls_zero != r->index)
            bad++;
    }
    CHECK(bad == 0, "thread %d: %d rounds saw another thread's values", r->index, bad);
    char want[64];
    snprintf(want, sizeof want, "thread %d", r->index);
    CHECK(strcmp(tls_buf, want) == 0, "thread %d: tls_buf %s", r->index, tls_buf);
    r->ok = 1;
    return NULL;
}

int main(void)
{
    watchdog_start(20);
    watchdog_step("the threads");
    PT(pthread_barrier_init(&barrier, NULL, THREADS));
    uintptr_t tp;
    __asm__("mov %%fs:0, %0" : "=r"(tp));
    CHECK(tp != 0, "no thread pointer");
    /* Static TLS (the main program's and the initial libraries') sits just
     * below the thread pointer on x86_64 (variant II). */
    CHECK((uintptr_t)&tls_init < tp && tp - (uintptr_t)&tls_init < 65536, "tls_init is not below %%fs");
    CHECK((uintptr_t)&errno < tp && tp - (uintptr_t)&errno < 65536, "errno is not below %%fs");
    OK("main thread: tls_init and errno lie just below the thread pointer");

    tls_init = 7;
    tls_zero = -1;
    errno = EDOM;

    pthread_t th[THREADS];
    struct result r[THREADS];
    for (int i = 0; i < THREADS; i++) {
        r[i] = (struct result){.index = i};
        PT(pthread_create(&th[i], NULL, worker, &r[i]));
    }
    for (int i = 0; i < THREADS; i++)
        PT(pthread_join(th[i], NULL));
    for (int i = 0; i < THREADS; i++) {
        CHECK(r[i].ok, "thread %d failed", i);
        CHECK(r[i].init_addr != (uintptr_t)&tls_init, "thread %d shares tls_init's address", i);
        CHECK(r[i].errno_addr != (uintptr_t)&errno, "thread %d shares errno's address", i);
        for (int j = 0; j < i; j++)
            CHECK(r[i].init_addr != r[j].init_addr && r[i].errno_addr != r[j].errno_addr, "threads %d and %d share TLS", i, j);
    }
    OK("%d threads: each its own tls_init, tls_zero, tls_buf and errno over %d rounds", THREADS, ROUNDS);
    CHECK(tls_init == 7 && tls_zero == -1 && strcmp(tls_buf, "initial") == 0, "the main thread's TLS changed");
    CHECK(errno == EDOM, "the main thread's errno changed: %s", errname(errno));
    OK("the main thread's values are untouched");

    /* A thread started after the others sees fresh initial values too. */
    struct result late = {.index = 100, .alone = 1};
    pthread_t t;
    PT(pthread_create(&t, NULL, worker, &late));
    PT(pthread_join(t, NULL));
    CHECK(late.ok, "a late thread failed");
    OK("a later thread starts from the initial values");
    return 0;
}
