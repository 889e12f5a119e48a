/* A futex in MAP_SHARED memory, shared by a parent and a forked child:
 * the parent's FUTEX_WAKE (not private) wakes the child's FUTEX_WAIT. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include "check.h"
#include "proc.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1

int main(void)
{
    int *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(w != MAP_FAILED, "mmap");
    int *ready = w + 1;
    pid_t p = fork_checked();
    if (p == 0) {
        __atomic_store_n(ready, 1, __ATOMIC_SEQ_CST);
        while (__atomic_load_n(w, __ATOMIC_SEQ_CST) == 0)
            syscall(SYS_futex, w, FUTEX_WAIT, 0, NULL, NULL, 0);
        _exit(*w == 5 ? 0 : 1);
    }
    while (__atomic_load_n(ready, __ATOMIC_SEQ_CST) == 0)
        sched_yield();
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
    __atomic_store_n(w, 5, __ATOMIC_SEQ_CST);
    long woken = 0;
    for (int i = 0; i < 100 && woken == 0; i++) {
        woken = syscall(SYS_futex, w, FUTEX_WAKE, 1, NULL, NULL, 0);
        if (woken == 0)
            nanosleep(&pause, NULL);
    }
    expect_exit(p, 0, "child");
    OK("a shared futex wakes another process");
    return 0;
}
