/* Raw futex(2) on private words: FUTEX_WAIT's value check and timeouts,
 * FUTEX_WAKE with and without waiters, a waiter in another thread woken,
 * FUTEX_WAIT_BITSET/FUTEX_WAKE_BITSET with disjoint and matching bitsets
 * and absolute timeouts on both clocks, FUTEX_PRIVATE_FLAG variants,
 * FUTEX_CMP_REQUEUE moving a waiter from one word to another, and the
 * errors: EAGAIN, ETIMEDOUT, EINVAL (bitset 0, unaligned word, bad
 * timeout, negative requeue count), EFAULT, ENOSYS.
 *
 * Threads come from pthread_create (so clone with CLONE_THREAD and
 * CLONE_CHILD_CLEARTID underneath); the futex calls under test are raw.
 * Whether a waiter is already asleep when the main thread wakes it is up
 * to the scheduler, so the tests are written to print the same lines
 * either way: wakes are retried until they find the waiter. */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

/* From <linux/futex.h>, which musl-gcc cannot see. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_BITSET_PRIVATE (FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

static long futex(void *uaddr, int op, unsigned val, const void *timeout_or_val2,
                  void *uaddr2, unsigned val3)
{
    return syscall(SYS_futex, uaddr, op, val, timeout_or_val2, uaddr2, val3);
}

/* FUTEX_CMP_REQUEUE and FUTEX_REQUEUE take nr_requeue in the timeout slot. */
#define VAL2(n) ((const void *)(uintptr_t)(unsigned)(n))

static long long now_ns(clockid_t clk)
{
    struct timespec ts;
    CHECK(clock_gettime(clk, &ts) == 0, "clock_gettime");
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct timespec ns_to_ts(long long ns)
{
    struct timespec ts = {ns / 1000000000LL, ns % 1000000000LL};
    return ts;
}

static int load(int *p)
{
    return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void store(int *p, int v)
{
    __atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

/* ---- single-thread behaviour ------------------------------------------ */

static int word;

static void no_waiters(void)
{
    word = 1;
    EXPECT_ERRNO("FUTEX_WAIT with a mismatched value", EAGAIN,
                 futex(&word, FUTEX_WAIT, 0, NULL, NULL, 0));
    EXPECT_ERRNO("FUTEX_WAIT_PRIVATE with a mismatched value", EAGAIN,
                 futex(&word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0));
    EXPECT_ERRNO("FUTEX_WAIT_BITSET with a mismatched value", EAGAIN,
                 futex(&word, FUTEX_WAIT_BITSET, 2, NULL, NULL, FUTEX_BITSET_MATCH_ANY));

    long r = futex(&word, FUTEX_WAKE, 1, NULL, NULL, 0);
    CHECK(r == 0, "FUTEX_WAKE with no waiters returned %ld", r);
    r = futex(&word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    CHECK(r == 0, "FUTEX_WAKE(INT_MAX) with no waiters returned %ld", r);
    r = futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    CHECK(r == 0, "FUTEX_WAKE_PRIVATE with no waiters returned %ld", r);
    r = futex(&word, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0x5);
    CHECK(r == 0, "FUTEX_WAKE_BITSET with no waiters returned %ld", r);
    OK("FUTEX_WAKE with nobody waiting: 0");
    r = futex(&word, FUTEX_CMP_REQUEUE, 1, VAL2(1), &word + 1, 1);
    CHECK(r == 0, "FUTEX_CMP_REQUEUE with no waiters returned %ld", r);
    r = futex(&word, FUTEX_REQUEUE, 1, VAL2(1), &word + 1, 0);
    CHECK(r == 0, "FUTEX_REQUEUE with no waiters returned %ld", r);
    OK("FUTEX_CMP_REQUEUE and FUTEX_REQUEUE with nobody waiting: 0");

    /* A relative timeout on a word nobody changes. */
    word = 0;
    struct timespec rel = {0, 20 * 1000000L};
    long long t0 = now_ns(CLOCK_MONOTONIC);
    EXPECT_ERRNO("FUTEX_WAIT, 20 ms timeout", ETIMEDOUT,
                 futex(&word, FUTEX_WAIT, 0, &rel, NULL, 0));
    long long dt = now_ns(CLOCK_MONOTONIC) - t0;
    CHECK(dt >= 20 * 1000000LL, "timed out after only %lld ns", dt);
    CHECK(dt < 10 * 1000000000LL, "timed out after %lld ns", dt);
    OK("FUTEX_WAIT timed out after at least 20 ms");

    t0 = now_ns(CLOCK_MONOTONIC);
    EXPECT_ERRNO("FUTEX_WAIT_PRIVATE, 20 ms timeout", ETIMEDOUT,
                 futex(&word, FUTEX_WAIT_PRIVATE, 0, &rel, NULL, 0));
    dt = now_ns(CLOCK_MONOTONIC) - t0;
    CHECK(dt >= 20 * 1000000LL, "timed out after only %lld ns", dt);

    struct timespec zero = {0, 0};
    EXPECT_ERRNO("FUTEX_WAIT, zero timeout", ETIMEDOUT,
                 futex(&word, FUTEX_WAIT, 0, &zero, NULL, 0));

    /* FUTEX_WAIT_BITSET takes an absolute time, CLOCK_MONOTONIC unless
     * FUTEX_CLOCK_REALTIME. */
    t0 = now_ns(CLOCK_MONOTONIC);
    struct timespec abs_mono = ns_to_ts(t0 + 20 * 1000000LL);
    EXPECT_ERRNO("FUTEX_WAIT_BITSET, absolute CLOCK_MONOTONIC timeout", ETIMEDOUT,
                 futex(&word, FUTEX_WAIT_BITSET, 0, &abs_mono, NULL, FUTEX_BITSET_MATCH_ANY));
    dt = now_ns(CLOCK_MONOTONIC) - t0;
    CHECK(dt >= 20 * 1000000LL, "timed out after only %lld ns", dt);
    CHECK(dt < 10 * 1000000000LL, "timed out after %lld ns", dt);

    long long r0 = now_ns(CLOCK_REALTIME);
    struct timespec abs_real = ns_to_ts(r0 + 20 * 1000000LL);
    EXPECT_ERRNO("FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME, absolute timeout", ETIMEDOUT,
                 futex(&word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &abs_real,
                       NULL, FUTEX_BITSET_MATCH_ANY));
    dt = now_ns(CLOCK_REALTIME) - r0;
    CHECK(dt >= 20 * 1000000LL, "timed out after only %lld ns", dt);

    struct timespec past = {1, 0}; /* long gone on either clock */
    EXPECT_ERRNO("FUTEX_WAIT_BITSET, absolute timeout in the past", ETIMEDOUT,
                 futex(&word, FUTEX_WAIT_BITSET, 0, &past, NULL, FUTEX_BITSET_MATCH_ANY));
    OK("FUTEX_WAIT_BITSET timed out at the absolute times");
}

static void errors(void)
{
    static int pair[2];
    word = 0;

    EXPECT_ERRNO("FUTEX_WAIT_BITSET with bitset 0", EINVAL,
                 futex(&word, FUTEX_WAIT_BITSET, 0, NULL, NULL, 0));
    EXPECT_ERRNO("FUTEX_WAKE_BITSET with bitset 0", EINVAL,
                 futex(&word, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0));
    EXPECT_ERRNO("FUTEX_WAIT_BITSET_PRIVATE with bitset 0", EINVAL,
                 futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, NULL, 0));

    EXPECT_ERRNO("futex op 99", ENOSYS, futex(&word, 99, 0, NULL, NULL, 0));
    EXPECT_ERRNO("futex op 99|FUTEX_PRIVATE_FLAG", ENOSYS,
                 futex(&word, 99 | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0));
    EXPECT_ERRNO("FUTEX_WAKE|FUTEX_CLOCK_REALTIME", ENOSYS,
                 futex(&word, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0));

    char *unaligned = (char *)&pair[0] + 1;
    EXPECT_ERRNO("FUTEX_WAIT on an unaligned address", EINVAL,
                 futex(unaligned, FUTEX_WAIT, 0, NULL, NULL, 0));
    EXPECT_ERRNO("FUTEX_WAKE on an unaligned address", EINVAL,
                 futex(unaligned, FUTEX_WAKE, 1, NULL, NULL, 0));
    EXPECT_ERRNO("FUTEX_WAIT_PRIVATE on an unaligned address", EINVAL,
                 futex(unaligned, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0));

    EXPECT_ERRNO("FUTEX_WAIT on NULL", EFAULT, futex(NULL, FUTEX_WAIT, 0, NULL, NULL, 0));
    EXPECT_ERRNO("FUTEX_WAIT_PRIVATE on NULL", EFAULT,
                 futex(NULL, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0));

    struct timespec bad_nsec = {0, 2000000000L};
    EXPECT_ERRNO("FUTEX_WAIT with tv_nsec = 2e9", EINVAL,
                 futex(&word, FUTEX_WAIT, 1, &bad_nsec, NULL, 0));
    struct timespec neg_nsec = {0, -1};
    EXPECT_ERRNO("FUTEX_WAIT with tv_nsec = -1", EINVAL,
                 futex(&word, FUTEX_WAIT, 1, &neg_nsec, NULL, 0));
    struct timespec neg_sec = {-1, 0};
    EXPECT_ERRNO("FUTEX_WAIT with tv_sec = -1", EINVAL,
                 futex(&word, FUTEX_WAIT, 1, &neg_sec, NULL, 0));
    EXPECT_ERRNO("FUTEX_WAIT_BITSET with tv_nsec = 2e9", EINVAL,
                 futex(&word, FUTEX_WAIT_BITSET, 1, &bad_nsec, NULL, FUTEX_BITSET_MATCH_ANY));
    EXPECT_ERRNO("FUTEX_WAIT with an unreadable timeout", EFAULT,
                 futex(&word, FUTEX_WAIT, 1, (void *)8, NULL, 0));

    pair[0] = 7;
    EXPECT_ERRNO("FUTEX_CMP_REQUEUE with a mismatched value", EAGAIN,
                 futex(&pair[0], FUTEX_CMP_REQUEUE, 1, VAL2(1), &pair[1], 8));
    EXPECT_ERRNO("FUTEX_CMP_REQUEUE with nr_requeue = -1", EINVAL,
                 futex(&pair[0], FUTEX_CMP_REQUEUE, 1, VAL2(-1), &pair[1], 7));
    EXPECT_ERRNO("FUTEX_CMP_REQUEUE_PRIVATE with a mismatched value", EAGAIN,
                 futex(&pair[0], FUTEX_CMP_REQUEUE_PRIVATE, 1, VAL2(1), &pair[1], 8));
}

/* ---- a waiter woken by another thread --------------------------------- */

struct waiter {
    int *uaddr;
    int op;         /* FUTEX_WAIT[_PRIVATE] or FUTEX_WAIT_BITSET[_PRIVATE] */
    unsigned val;
    unsigned bitset;
    int started;    /* set just before the waiter calls futex */
    int done;       /* set when its futex call returned */
    long ret;
    int err;
};

static void *waiter_thread(void *p)
{
    struct waiter *w = p;
    store(&w->started, 1);
    errno = 0;
    w->ret = futex(w->uaddr, w->op, w->val, NULL, NULL, w->bitset);
    w->err = errno;
    store(&w->done, 1);
    return NULL;
}

static void start_waiter(pthread_t *t, struct waiter *w)
{
    PT(pthread_create(t, NULL, waiter_thread, w));
    while (!load(&w->started))
        sleep_ms(1);
}

/* Calls `wake` (a FUTEX_WAKE flavour) until it reports a woken waiter:
 * a waiter that has announced itself may not be queued yet. Returns what
 * the successful call returned. */
static long wake_until_found(int *uaddr, int op, unsigned bitset, struct waiter *w)
{
    for (int tries = 0; tries < 10000; tries++) {
        long r = futex(uaddr, op, INT_MAX, NULL, NULL, bitset);
        CHECK(r >= 0, "wake failed");
        if (r != 0)
            return r;
        CHECK(!load(&w->done), "the waiter returned (%ld/%s) before it was woken", w->ret,
              errname(w->err));
        sleep_ms(1);
    }
    FAIL("the waiter never went to sleep");
}

static void wake_one(const char *what, int wait_op, int wake_op)
{
    static int w_word;
    pthread_t t;
    struct waiter w = {&w_word, wait_op, 0, FUTEX_BITSET_MATCH_ANY, 0, 0, 0, 0};
    w_word = 0;
    start_waiter(&t, &w);
    sleep_ms(10);
    long r = wake_until_found(&w_word, wake_op, FUTEX_BITSET_MATCH_ANY, &w);
    CHECK(r == 1, "%s: FUTEX_WAKE returned %ld", what, r);
    PT(pthread_join(t, NULL));
    CHECK(w.ret == 0, "%s: the waiter's FUTEX_WAIT returned %ld/%s", what, w.ret,
          errname(w.err));
    OK("%s: woken by another thread (wait returns 0, wake returns 1)", what);
}

static void bitsets(void)
{
    static int b_word;
    pthread_t t;
    struct waiter w = {&b_word, FUTEX_WAIT_BITSET, 0, 0x1, 0, 0, 0, 0};
    b_word = 0;
    start_waiter(&t, &w);
    sleep_ms(10);
    for (int i = 0; i < 5; i++) {
        long r = futex(&b_word, FUTEX_WAKE_BITSET, INT_MAX, NULL, NULL, 0x6);
        CHECK(r == 0, "FUTEX_WAKE_BITSET with a disjoint bitset woke %ld", r);
        sleep_ms(2);
    }
    CHECK(!load(&w.done), "a disjoint FUTEX_WAKE_BITSET woke the waiter");
    OK("FUTEX_WAKE_BITSET with a disjoint bitset wakes nobody");
    long r = wake_until_found(&b_word, FUTEX_WAKE_BITSET, 0x3, &w);
    CHECK(r == 1, "FUTEX_WAKE_BITSET with an overlapping bitset returned %ld", r);
    PT(pthread_join(t, NULL));
    CHECK(w.ret == 0, "the FUTEX_WAIT_BITSET waiter returned %ld/%s", w.ret, errname(w.err));
    OK("FUTEX_WAKE_BITSET with an overlapping bitset wakes it");

    /* Plain FUTEX_WAKE is FUTEX_WAKE_BITSET with every bit: it wakes a
     * bitset waiter, and FUTEX_WAKE_BITSET wakes a plain waiter. */
    struct waiter w2 = {&b_word, FUTEX_WAIT_BITSET_PRIVATE, 0, 0x40, 0, 0, 0, 0};
    start_waiter(&t, &w2);
    r = wake_until_found(&b_word, FUTEX_WAKE_PRIVATE, 0, &w2);
    CHECK(r == 1, "FUTEX_WAKE of a bitset waiter returned %ld", r);
    PT(pthread_join(t, NULL));
    CHECK(w2.ret == 0, "the waiter returned %ld/%s", w2.ret, errname(w2.err));
    struct waiter w3 = {&b_word, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0, 0, 0};
    start_waiter(&t, &w3);
    r = wake_until_found(&b_word, FUTEX_WAKE_BITSET_PRIVATE, 0x80000000u, &w3);
    CHECK(r == 1, "FUTEX_WAKE_BITSET of a plain waiter returned %ld", r);
    PT(pthread_join(t, NULL));
    CHECK(w3.ret == 0, "the waiter returned %ld/%s", w3.ret, errname(w3.err));
    OK("FUTEX_WAKE and FUTEX_WAKE_BITSET wake each other's waiters");
}

/* FUTEX_WAKE wakes at most nr waiters. */
static void wake_counts(void)
{
    static int c_word;
    enum { N = 3 };
    pthread_t t[N];
    struct waiter w[N];
    c_word = 0;
    for (int i = 0; i < N; i++) {
        w[i] = (struct waiter){&c_word, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0, 0, 0};
        start_waiter(&t[i], &w[i]);
    }
    sleep_ms(20);
    int woken = 0;
    for (int tries = 0; woken < N; tries++) {
        CHECK(tries < 10000, "only %d of %d waiters ever found", woken, N);
        long r = futex(&c_word, FUTEX_WAKE_PRIVATE, 2, NULL, NULL, 0);
        CHECK(r >= 0 && r <= 2, "FUTEX_WAKE(2) returned %ld", r);
        woken += r;
        if (woken < N)
            sleep_ms(1);
    }
    CHECK(woken == N, "woke %d", woken);
    for (int i = 0; i < N; i++) {
        PT(pthread_join(t[i], NULL));
        CHECK(w[i].ret == 0, "waiter %d returned %ld/%s", i, w[i].ret, errname(w[i].err));
    }
    OK("FUTEX_WAKE(nr = 2) never wakes more than 2; all %d waiters woken", N);
}

/* ---- FUTEX_CMP_REQUEUE ------------------------------------------------ */

static int req_a, req_b;

static int try_requeue(int settle_ms, int op_flags)
{
    pthread_t t[2];
    struct waiter w[2];
    req_a = 0;
    req_b = 0;
    for (int i = 0; i < 2; i++) {
        w[i] = (struct waiter){&req_a, FUTEX_WAIT | op_flags, 0, 0, 0, 0, 0, 0};
        start_waiter(&t[i], &w[i]);
    }
    sleep_ms(settle_ms);
    /* Wake one waiter of A and move one to B. */
    long r = futex(&req_a, FUTEX_CMP_REQUEUE | op_flags, 1, VAL2(1), &req_b, 0);
    CHECK(r >= 0 && r <= 2, "FUTEX_CMP_REQUEUE returned %ld", r);
    if (r != 2) {
        /* A waiter was not asleep yet: undo and let the caller retry. */
        store(&req_a, 1);
        while (!load(&w[0].done) || !load(&w[1].done)) {
            futex(&req_a, FUTEX_WAKE | op_flags, INT_MAX, NULL, NULL, 0);
            futex(&req_b, FUTEX_WAKE | op_flags, INT_MAX, NULL, NULL, 0);
            sleep_ms(1);
        }
        PT(pthread_join(t[0], NULL));
        PT(pthread_join(t[1], NULL));
        return 0;
    }
    /* Exactly one of them returns now; the other stays asleep on B. */
    int woken = -1;
    for (int tries = 0; woken < 0; tries++) {
        CHECK(tries < 10000, "the woken waiter never returned");
        for (int i = 0; i < 2; i++)
            if (load(&w[i].done))
                woken = i;
        if (woken < 0)
            sleep_ms(1);
    }
    int moved = 1 - woken;
    sleep_ms(10);
    CHECK(!load(&w[moved].done), "the requeued waiter returned too (%ld/%s)", w[moved].ret,
          errname(w[moved].err));
    CHECK(w[woken].ret == 0, "the woken waiter returned %ld/%s", w[woken].ret,
          errname(w[woken].err));
    r = futex(&req_a, FUTEX_WAKE | op_flags, INT_MAX, NULL, NULL, 0);
    CHECK(r == 0, "FUTEX_WAKE on A after the requeue woke %ld", r);
    CHECK(!load(&w[moved].done), "a FUTEX_WAKE on A woke the requeued waiter");
    r = futex(&req_b, FUTEX_WAKE | op_flags, INT_MAX, NULL, NULL, 0);
    CHECK(r == 1, "FUTEX_WAKE on B woke %ld", r);
    PT(pthread_join(t[moved], NULL));
    PT(pthread_join(t[woken], NULL));
    CHECK(w[moved].ret == 0, "the requeued waiter returned %ld/%s", w[moved].ret,
          errname(w[moved].err));
    return 1;
}

static void requeue(const char *what, int op_flags)
{
    for (int attempt = 0;; attempt++) {
        CHECK(attempt < 20, "%s: the waiters never both went to sleep", what);
        if (try_requeue(10 + 10 * attempt, op_flags))
            break;
    }
    OK("%s: 2 waiters on A, wake 1 + requeue 1 returns 2; A is empty; B wakes 1", what);
}

/* The word's value is checked atomically with queueing: a waker that
 * changes the word and then wakes can never be missed. */
#define HANDOFFS 2000
static int seq_word;

static void *seq_waiter(void *p)
{
    (void)p;
    for (int i = 0; i < HANDOFFS; i++) {
        /* Wait for the word to become odd (2i+1), then make it 2i+2. */
        int v;
        while (((v = load(&seq_word)) & 1) == 0) {
            long r = futex(&seq_word, FUTEX_WAIT_PRIVATE, (unsigned)v, NULL, NULL, 0);
            CHECK(r == 0 || errno == EAGAIN, "FUTEX_WAIT");
        }
        CHECK(v == 2 * i + 1, "saw %d at step %d", v, i);
        store(&seq_word, v + 1);
        futex(&seq_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    }
    return NULL;
}

static void handoffs(void)
{
    pthread_t t;
    seq_word = 0;
    PT(pthread_create(&t, NULL, seq_waiter, NULL));
    for (int i = 0; i < HANDOFFS; i++) {
        int v;
        while (((v = load(&seq_word)) & 1) == 1) {
            long r = futex(&seq_word, FUTEX_WAIT_PRIVATE, (unsigned)v, NULL, NULL, 0);
            CHECK(r == 0 || errno == EAGAIN, "FUTEX_WAIT");
        }
        CHECK(v == 2 * i, "saw %d at step %d", v, i);
        store(&seq_word, v + 1);
        futex(&seq_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    }
    PT(pthread_join(t, NULL));
    CHECK(seq_word == 2 * HANDOFFS, "ended at %d", seq_word);
    OK("%d futex handoffs between two threads, none lost", HANDOFFS);
}

int main(void)
{
    no_waiters();
    errors();
    wake_one("FUTEX_WAIT/FUTEX_WAKE", FUTEX_WAIT, FUTEX_WAKE);
    wake_one("FUTEX_WAIT_PRIVATE/FUTEX_WAKE_PRIVATE", FUTEX_WAIT_PRIVATE, FUTEX_WAKE_PRIVATE);
    bitsets();
    wake_counts();
    requeue("FUTEX_CMP_REQUEUE", 0);
    requeue("FUTEX_CMP_REQUEUE_PRIVATE", FUTEX_PRIVATE_FLAG);
    handoffs();
    OK("done");
    return 0;
}
