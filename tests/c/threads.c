/* Threads (clone with CLONE_THREAD, futexes underneath) through the C
 * library's pthreads: create and join many threads that share a counter
 * under a mutex, return values, thread ids and the shared process id,
 * pthread_exit, detached threads, thread-local storage, condition
 * variables, barriers, read-write locks, POSIX semaphores, pthread_self
 * and pthread_equal, memory and descriptors shared between threads, and a
 * thread blocked in read() woken by another thread's write().
 *
 * pthread_join returning at all relies on CLONE_CHILD_CLEARTID: the kernel
 * clears the thread's tid word and wakes its futex when the thread exits.
 *
 * Nothing printed depends on scheduling: only fixed "ok" lines. Each part
 * checks its invariants and FAILs with details otherwise. */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static pid_t my_tid(void)
{
    return (pid_t)syscall(SYS_gettid);
}

/* ---- many threads, a shared counter, return values, ids, TLS ---------- */

#define NCOUNT 64
#define NINCR 10000

static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static __thread int tls_counter;          /* zero-initialized TLS (.tbss) */
static __thread int tls_init = 1234;      /* initialized TLS (.tdata) */

struct counter_arg {
    int index;
    pid_t tid;
    pid_t pid;
    int *tls_addr;
    int tls_init_seen;
    int tls_final;
};

static void *counter_thread(void *p)
{
    struct counter_arg *a = p;
    a->tid = my_tid();
    a->pid = getpid();
    a->tls_addr = &tls_counter;
    a->tls_init_seen = tls_init + tls_counter; /* 1234 + 0 in a new thread */
    tls_init = a->index;
    for (int i = 0; i < NINCR; i++) {
        PT(pthread_mutex_lock(&count_lock));
        counter++;
        PT(pthread_mutex_unlock(&count_lock));
        tls_counter++;
    }
    a->tls_final = tls_counter + tls_init * 1000000;
    return (void *)(intptr_t)(a->index * 3 + 1);
}

static void many_threads(void)
{
    static pthread_t th[NCOUNT];
    static struct counter_arg args[NCOUNT];
    tls_counter = -5;
    tls_init = 99;
    for (int i = 0; i < NCOUNT; i++) {
        args[i].index = i;
        PT(pthread_create(&th[i], NULL, counter_thread, &args[i]));
    }
    long sum = 0;
    for (int i = 0; i < NCOUNT; i++) {
        void *ret = NULL;
        PT(pthread_join(th[i], &ret));
        CHECK((intptr_t)ret == i * 3 + 1, "thread %d returned %ld", i, (long)(intptr_t)ret);
        sum += (intptr_t)ret;
    }
    CHECK(counter == (long)NCOUNT * NINCR, "counter %ld, expected %ld", counter,
          (long)NCOUNT * NINCR);
    OK("%d threads x %d mutex-protected increments: %ld", NCOUNT, NINCR, counter);
    CHECK(sum == (long)3 * NCOUNT * (NCOUNT - 1) / 2 + NCOUNT, "sum of results %ld", sum);
    OK("pthread_join collected every thread's return value");

    pid_t me = my_tid();
    CHECK(me == getpid(), "the main thread's tid %d is not the pid %d", me, getpid());
    for (int i = 0; i < NCOUNT; i++) {
        CHECK(args[i].pid == getpid(), "thread %d: getpid %d, main %d", i, args[i].pid,
              getpid());
        CHECK(args[i].tid > 0 && args[i].tid != me, "thread %d: tid %d (main %d)", i,
              args[i].tid, me);
        for (int j = 0; j < i; j++)
            CHECK(args[i].tid != args[j].tid, "threads %d and %d share tid %d", i, j,
                  args[i].tid);
    }
    OK("getpid() is the same in every thread, gettid() differs");

    for (int i = 0; i < NCOUNT; i++) {
        CHECK(args[i].tls_addr != &tls_counter, "thread %d shares main's TLS", i);
        CHECK(args[i].tls_init_seen == 1234, "thread %d: initial TLS %d, expected 1234", i,
              args[i].tls_init_seen);
        CHECK(args[i].tls_final == NINCR + i * 1000000, "thread %d: TLS ended at %d", i,
              args[i].tls_final);
    }
    /* (A finished thread's TLS block may be reused by a later thread, so
     * addresses are only compared with the main thread's.) */
    CHECK(tls_counter == -5 && tls_init == 99, "main's TLS changed: %d %d", tls_counter,
          tls_init);
    OK("__thread variables are per thread, initialized from the TLS image");
}

/* ---- pthread_exit ---------------------------------------------------- */

static void exit_deep(int depth);
static void (*volatile exit_next)(int) = exit_deep; /* not inlined away */

static void exit_deep(int depth)
{
    if (depth > 0)
        exit_next(depth - 1);
    pthread_exit((void *)(intptr_t)(4242 + depth));
}

static void *exiting_thread(void *p)
{
    (void)p;
    exit_deep(5);
    return (void *)1;
}

static void thread_exit(void)
{
    pthread_t t;
    void *ret = NULL;
    PT(pthread_create(&t, NULL, exiting_thread, NULL));
    PT(pthread_join(t, &ret));
    CHECK((intptr_t)ret == 4242, "pthread_exit value %ld", (long)(intptr_t)ret);
    OK("pthread_exit from a nested call: join gets its value");
}

/* ---- detached threads ------------------------------------------------ */

#define NDETACH 12

static pthread_mutex_t detach_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t detach_cond = PTHREAD_COND_INITIALIZER;
static int detach_done;
static int detach_mask;

static void *detached_thread(void *p)
{
    int i = (int)(intptr_t)p;
    sleep_ms(i % 3);
    PT(pthread_mutex_lock(&detach_lock));
    detach_done++;
    detach_mask |= 1 << i;
    PT(pthread_cond_signal(&detach_cond));
    PT(pthread_mutex_unlock(&detach_lock));
    return NULL;
}

static void detached(void)
{
    pthread_attr_t attr;
    PT(pthread_attr_init(&attr));
    PT(pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED));
    for (int i = 0; i < NDETACH; i++) {
        pthread_t t;
        if (i % 2) {
            PT(pthread_create(&t, &attr, detached_thread, (void *)(intptr_t)i));
        } else {
            PT(pthread_create(&t, NULL, detached_thread, (void *)(intptr_t)i));
            PT(pthread_detach(t));
        }
    }
    PT(pthread_attr_destroy(&attr));
    PT(pthread_mutex_lock(&detach_lock));
    while (detach_done < NDETACH)
        PT(pthread_cond_wait(&detach_cond, &detach_lock));
    CHECK(detach_mask == (1 << NDETACH) - 1, "mask %#x", detach_mask);
    PT(pthread_mutex_unlock(&detach_lock));
    OK("%d detached threads (pthread_detach and the attribute) all ran", NDETACH);
}

/* ---- condition variable ping-pong ------------------------------------ */

#define PINGPONG 1000

static pthread_mutex_t pp_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pp_cond = PTHREAD_COND_INITIALIZER;
static int pp_turn;     /* 0: ping's turn, 1: pong's turn */
static int pp_hits[2];

static void *pp_thread(void *p)
{
    int me = (int)(intptr_t)p;
    for (int i = 0; i < PINGPONG; i++) {
        PT(pthread_mutex_lock(&pp_lock));
        while (pp_turn != me)
            PT(pthread_cond_wait(&pp_cond, &pp_lock));
        CHECK(pp_hits[me] == i && pp_hits[1 - me] == i + me,
              "ping-pong out of step: side %d round %d, hits %d %d", me, i, pp_hits[0],
              pp_hits[1]);
        pp_hits[me]++;
        pp_turn = 1 - me;
        PT(pthread_cond_signal(&pp_cond));
        PT(pthread_mutex_unlock(&pp_lock));
    }
    return NULL;
}

static void ping_pong(void)
{
    pthread_t a, b;
    PT(pthread_create(&b, NULL, pp_thread, (void *)1));
    PT(pthread_create(&a, NULL, pp_thread, (void *)0));
    PT(pthread_join(a, NULL));
    PT(pthread_join(b, NULL));
    CHECK(pp_hits[0] == PINGPONG && pp_hits[1] == PINGPONG, "hits %d %d", pp_hits[0],
          pp_hits[1]);
    OK("condition variable ping-pong, %d rounds, strictly alternating", PINGPONG);
}

/* ---- barrier --------------------------------------------------------- */

#define NBARRIER 16
#define BROUNDS 100

static pthread_barrier_t barrier;
static volatile int bslot[NBARRIER];
static int bserial; /* PTHREAD_BARRIER_SERIAL_THREAD returns, atomically counted */

static void *barrier_thread(void *p)
{
    int me = (int)(intptr_t)p;
    for (int r = 1; r <= BROUNDS; r++) {
        bslot[me] = r;
        int ret = pthread_barrier_wait(&barrier);
        if (ret == PTHREAD_BARRIER_SERIAL_THREAD)
            __atomic_fetch_add(&bserial, 1, __ATOMIC_SEQ_CST);
        else if (ret != 0)
            FAIL("pthread_barrier_wait: %s", errname(ret));
        for (int i = 0; i < NBARRIER; i++)
            CHECK(bslot[i] == r, "round %d: thread %d sees slot %d = %d", r, me, i, bslot[i]);
        ret = pthread_barrier_wait(&barrier);
        if (ret == PTHREAD_BARRIER_SERIAL_THREAD)
            __atomic_fetch_add(&bserial, 1, __ATOMIC_SEQ_CST);
        else if (ret != 0)
            FAIL("pthread_barrier_wait: %s", errname(ret));
    }
    return NULL;
}

static void barriers(void)
{
    pthread_t th[NBARRIER];
    PT(pthread_barrier_init(&barrier, NULL, NBARRIER));
    for (int i = 0; i < NBARRIER; i++)
        PT(pthread_create(&th[i], NULL, barrier_thread, (void *)(intptr_t)i));
    for (int i = 0; i < NBARRIER; i++)
        PT(pthread_join(th[i], NULL));
    PT(pthread_barrier_destroy(&barrier));
    CHECK(bserial == 2 * BROUNDS, "%d serial-thread returns, expected %d", bserial,
          2 * BROUNDS);
    OK("barrier of %d threads, %d rounds, one serial thread per round", NBARRIER, BROUNDS);
}

/* ---- read-write lock ------------------------------------------------- */

#define NREADERS 8
#define NWRITERS 2
#define RITER 2000
#define WITER 300

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static volatile long rw_a, rw_b;
static int rw_readers, rw_writers; /* inside the lock, atomically counted */
static int rw_max_readers;

static void *rw_reader(void *p)
{
    (void)p;
    for (int i = 0; i < RITER; i++) {
        PT(pthread_rwlock_rdlock(&rw));
        int n = __atomic_add_fetch(&rw_readers, 1, __ATOMIC_SEQ_CST);
        int m = rw_max_readers;
        while (n > m && !__atomic_compare_exchange_n(&rw_max_readers, &m, n, 0,
                                                     __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
        }
        CHECK(__atomic_load_n(&rw_writers, __ATOMIC_SEQ_CST) == 0, "a writer inside with a reader");
        long a = rw_a, b = rw_b;
        CHECK(a == b, "reader sees a torn update: %ld %ld", a, b);
        __atomic_sub_fetch(&rw_readers, 1, __ATOMIC_SEQ_CST);
        PT(pthread_rwlock_unlock(&rw));
    }
    return NULL;
}

static void *rw_writer(void *p)
{
    (void)p;
    for (int i = 0; i < WITER; i++) {
        PT(pthread_rwlock_wrlock(&rw));
        int w = __atomic_add_fetch(&rw_writers, 1, __ATOMIC_SEQ_CST);
        CHECK(w == 1, "%d writers inside", w);
        CHECK(__atomic_load_n(&rw_readers, __ATOMIC_SEQ_CST) == 0, "a reader inside with a writer");
        rw_a++;
        for (volatile int k = 0; k < 50; k++) {
        }
        rw_b++;
        __atomic_sub_fetch(&rw_writers, 1, __ATOMIC_SEQ_CST);
        PT(pthread_rwlock_unlock(&rw));
    }
    return NULL;
}

static void rwlocks(void)
{
    pthread_t r[NREADERS], w[NWRITERS];
    for (int i = 0; i < NREADERS; i++)
        PT(pthread_create(&r[i], NULL, rw_reader, NULL));
    for (int i = 0; i < NWRITERS; i++)
        PT(pthread_create(&w[i], NULL, rw_writer, NULL));
    for (int i = 0; i < NREADERS; i++)
        PT(pthread_join(r[i], NULL));
    for (int i = 0; i < NWRITERS; i++)
        PT(pthread_join(w[i], NULL));
    CHECK(rw_a == NWRITERS * WITER && rw_b == rw_a, "a %ld b %ld", rw_a, rw_b);
    CHECK(rw_max_readers >= 1 && rw_max_readers <= NREADERS, "max readers %d", rw_max_readers);
    /* Two read locks at once from one thread, and trylock against them. */
    PT(pthread_rwlock_rdlock(&rw));
    PT(pthread_rwlock_rdlock(&rw));
    int e = pthread_rwlock_trywrlock(&rw);
    CHECK(e == EBUSY, "trywrlock under read locks: %s", errname(e));
    PT(pthread_rwlock_unlock(&rw));
    PT(pthread_rwlock_unlock(&rw));
    PT(pthread_rwlock_trywrlock(&rw));
    e = pthread_rwlock_tryrdlock(&rw);
    CHECK(e == EBUSY, "tryrdlock under a write lock: %s", errname(e));
    PT(pthread_rwlock_unlock(&rw));
    OK("rwlock with %d readers and %d writers: no torn reads, writers exclusive", NREADERS,
       NWRITERS);
}

/* ---- semaphores: producers and consumers ----------------------------- */

#define NPROD 4
#define NCONS 4
#define NITEMS 10000
#define QSIZE 16

static sem_t sem_empty, sem_full, sem_lock;
static int queue[QSIZE];
static int q_head, q_tail;
static unsigned char seen[NITEMS + 1];

struct cons_result {
    long sum;
    int count;
};

static void *producer(void *p)
{
    int me = (int)(intptr_t)p;
    for (int k = 0; k < NITEMS / NPROD; k++) {
        int item = me * (NITEMS / NPROD) + k + 1;
        CHECK(sem_wait(&sem_empty) == 0, "sem_wait(empty)");
        CHECK(sem_wait(&sem_lock) == 0, "sem_wait(lock)");
        queue[q_tail] = item;
        q_tail = (q_tail + 1) % QSIZE;
        CHECK(sem_post(&sem_lock) == 0, "sem_post(lock)");
        CHECK(sem_post(&sem_full) == 0, "sem_post(full)");
    }
    return NULL;
}

static void *consumer(void *p)
{
    struct cons_result *r = p;
    for (int k = 0; k < NITEMS / NCONS; k++) {
        CHECK(sem_wait(&sem_full) == 0, "sem_wait(full)");
        CHECK(sem_wait(&sem_lock) == 0, "sem_wait(lock)");
        int item = queue[q_head];
        q_head = (q_head + 1) % QSIZE;
        CHECK(item >= 1 && item <= NITEMS && !seen[item], "item %d bad or seen twice", item);
        seen[item] = 1;
        CHECK(sem_post(&sem_lock) == 0, "sem_post(lock)");
        CHECK(sem_post(&sem_empty) == 0, "sem_post(empty)");
        r->sum += item;
        r->count++;
    }
    return NULL;
}

static void semaphores(void)
{
    pthread_t prod[NPROD], cons[NCONS];
    struct cons_result res[NCONS];
    memset(res, 0, sizeof res);
    CHECK(sem_init(&sem_empty, 0, QSIZE) == 0, "sem_init");
    CHECK(sem_init(&sem_full, 0, 0) == 0, "sem_init");
    CHECK(sem_init(&sem_lock, 0, 1) == 0, "sem_init");
    for (int i = 0; i < NCONS; i++)
        PT(pthread_create(&cons[i], NULL, consumer, &res[i]));
    for (int i = 0; i < NPROD; i++)
        PT(pthread_create(&prod[i], NULL, producer, (void *)(intptr_t)i));
    for (int i = 0; i < NPROD; i++)
        PT(pthread_join(prod[i], NULL));
    long sum = 0;
    int count = 0;
    for (int i = 0; i < NCONS; i++) {
        PT(pthread_join(cons[i], NULL));
        sum += res[i].sum;
        count += res[i].count;
    }
    CHECK(count == NITEMS, "%d items consumed", count);
    CHECK(sum == (long)NITEMS * (NITEMS + 1) / 2, "checksum %ld", sum);
    for (int i = 1; i <= NITEMS; i++)
        CHECK(seen[i], "item %d never consumed", i);
    int v = -1;
    CHECK(sem_getvalue(&sem_empty, &v) == 0 && v == QSIZE, "empty ends at %d", v);
    CHECK(sem_getvalue(&sem_full, &v) == 0 && v == 0, "full ends at %d", v);
    errno = 0;
    CHECK(sem_trywait(&sem_full) == -1 && errno == EAGAIN, "sem_trywait on 0");
    sem_destroy(&sem_empty);
    sem_destroy(&sem_full);
    sem_destroy(&sem_lock);
    OK("semaphores: %d producers, %d consumers, %d items, checksum %ld", NPROD, NCONS, NITEMS,
       sum);
}

/* ---- pthread_self / pthread_equal ------------------------------------ */

static pthread_t self_seen;

static void *self_thread(void *p)
{
    (void)p;
    self_seen = pthread_self();
    return NULL;
}

static void self_equal(void)
{
    pthread_t t;
    pthread_t main_self = pthread_self();
    PT(pthread_create(&t, NULL, self_thread, NULL));
    PT(pthread_join(t, NULL));
    CHECK(pthread_equal(t, self_seen), "pthread_self in the thread != pthread_create's id");
    CHECK(!pthread_equal(t, main_self), "a thread equals the main thread");
    CHECK(pthread_equal(main_self, pthread_self()), "pthread_self changed");
    OK("pthread_self and pthread_equal");
}

/* ---- shared memory and descriptors ----------------------------------- */

static void *mapper_thread(void *p)
{
    (void)p;
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED, "mmap in a thread");
    strcpy(m + 4096, "written by a thread");
    return m;
}

static int reader_fd;

static void *reader_thread(void *p)
{
    (void)p;
    static char buf[64];
    ssize_t n = read(reader_fd, buf, sizeof buf - 1);
    CHECK(n > 0, "read in a thread returned %ld", (long)n);
    buf[n] = 0;
    return buf;
}

static void shared_state(void)
{
    pthread_t t;
    void *ret;
    PT(pthread_create(&t, NULL, mapper_thread, NULL));
    PT(pthread_join(t, &ret));
    CHECK(strcmp((char *)ret + 4096, "written by a thread") == 0, "mapping contents");
    CHECK(munmap(ret, 8192) == 0, "munmap of a thread's mapping");
    OK("a mapping made by a thread is visible to the main thread");

    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    reader_fd = p[0];
    PT(pthread_create(&t, NULL, reader_thread, NULL));
    sleep_ms(20); /* let the thread block in read() (either way is correct) */
    CHECK(write(p[1], "hello thread", 12) == 12, "write");
    PT(pthread_join(t, &ret));
    CHECK(strcmp(ret, "hello thread") == 0, "thread read \"%s\"", (char *)ret);
    close(p[0]);
    close(p[1]);
    OK("a thread blocked in read() gets what the main thread writes");
}

int main(void)
{
    many_threads();
    thread_exit();
    detached();
    ping_pong();
    barriers();
    rwlocks();
    semaphores();
    self_equal();
    shared_state();
    OK("done");
    return 0;
}
