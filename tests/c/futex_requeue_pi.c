/* FUTEX_WAIT_REQUEUE_PI / FUTEX_CMP_REQUEUE_PI, as a PI condition variable
 * uses them: a thread waits on a condition word, is requeued onto a PI
 * lock the main thread holds, and returns owning that lock once the main
 * thread unlocks it. Plus their argument errors. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_CMP_REQUEUE_PI 12
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_TID_MASK 0x3fffffffu

static uint32_t cond, lock;
static _Atomic int waiter_ready;
static _Atomic long waiter_result = -100;
static _Atomic int waiter_owned;

static long futex(uint32_t *uaddr, int op, uint32_t val, long val2, uint32_t *uaddr2, uint32_t val3)
{
    return syscall(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

static void *waiter(void *arg)
{
    (void)arg;
    uint32_t me = (uint32_t)syscall(SYS_gettid);
    waiter_ready = 1;
    long r = futex(&cond, FUTEX_WAIT_REQUEUE_PI, 0, 0, &lock, 0);
    waiter_result = r == 0 ? 0 : -errno;
    waiter_owned = (__atomic_load_n(&lock, __ATOMIC_SEQ_CST) & FUTEX_TID_MASK) == me;
    if (r == 0) {
        uint32_t expect = me;
        if (!__atomic_compare_exchange_n(&lock, &expect, 0, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            futex(&lock, FUTEX_UNLOCK_PI, 0, 0, NULL, 0);
    }
    return NULL;
}

int main(void)
{
    uint32_t me = (uint32_t)syscall(SYS_gettid);
    __atomic_store_n(&lock, me, __ATOMIC_SEQ_CST); /* main owns the PI lock */

    errno = 0;
    CHECK(futex(&cond, FUTEX_CMP_REQUEUE_PI, 2, 0, &lock, 0) == -1 && errno == EINVAL, "nr_wake 2");
    errno = 0;
    CHECK(futex(&cond, FUTEX_CMP_REQUEUE_PI, 1, 0, &cond, 0) == -1 && errno == EINVAL, "same word");
    errno = 0;
    CHECK(futex(&cond, FUTEX_CMP_REQUEUE_PI, 1, 0, &lock, 7) == -1 && errno == EAGAIN, "value mismatch");
    errno = 0;
    CHECK(futex(&cond, FUTEX_WAIT_REQUEUE_PI, 0, 0, &cond, 0) == -1 && errno == EINVAL, "wait: same word");
    errno = 0;
    CHECK(futex(&cond, FUTEX_WAIT_REQUEUE_PI, 1, 0, &lock, 0) == -1 && errno == EAGAIN, "wait: value mismatch");
    OK("requeue-PI argument errors");

    pthread_t t;
    PT(pthread_create(&t, NULL, waiter, NULL));
    while (!waiter_ready)
        sched_yield();
    long moved = 0;
    for (int i = 0; i < 2000 && moved == 0; i++) {
        moved = futex(&cond, FUTEX_CMP_REQUEUE_PI, 1, 0, &lock, 0);
        CHECK(moved >= 0, "cmp_requeue_pi: %s", errname(errno));
        if (moved == 0)
            sleep_ms(1);
    }
    CHECK(moved == 1, "one waiter woken or requeued (%ld)", moved);
    CHECK(__atomic_load_n(&lock, __ATOMIC_SEQ_CST) & FUTEX_WAITERS, "the lock is marked contended");
    CHECK(futex(&lock, FUTEX_UNLOCK_PI, 0, 0, NULL, 0) == 0, "unlock_pi");
    PT(pthread_join(t, NULL));
    CHECK(waiter_result == 0, "the waiter returned %ld", (long)waiter_result);
    CHECK(waiter_owned, "the waiter returned owning the lock");
    OK("a requeued waiter returns owning the PI lock");
    return 0;
}
