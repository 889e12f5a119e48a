/* CPU affinity, getcpu and scheduling policy queries. The number and ids
 * of the host's CPUs are never printed: only relations between answers. */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

#define NO_PID 0x3fffffff /* above PID_MAX_LIMIT: never a task */

static long getaff(long pid, unsigned long len, void *mask)
{
    /* The kernel writes only the bytes it returns: clear the rest. */
    if ((unsigned long)mask >= 4096 && len == sizeof(cpu_set_t))
        memset(mask, 0, len);
    return syscall(SYS_sched_getaffinity, pid, len, mask);
}

static long setaff(long pid, unsigned long len, const void *mask)
{
    return syscall(SYS_sched_setaffinity, pid, len, mask);
}

static long raw_getcpu(unsigned *cpu, unsigned *node)
{
    return syscall(SYS_getcpu, cpu, node, NULL);
}

int main(void)
{
    cpu_set_t all, set;
    CPU_ZERO(&all);
    long n = getaff(0, sizeof all, &all);
    CHECK(n > 0 && n % 8 == 0 && n <= (long)sizeof all, "sched_getaffinity returned %ld", n);
    OK("sched_getaffinity returns a whole number of longs");
    CHECK(CPU_COUNT(&all) >= 1, "no CPU in the affinity");
    OK("at least one CPU");
    CHECK(getaff(getpid(), sizeof set, &set) == n && CPU_EQUAL(&set, &all), "by pid");
    CHECK(getaff(syscall(SYS_gettid), sizeof set, &set) == n && CPU_EQUAL(&set, &all), "by tid");
    OK("sched_getaffinity by pid and tid");
    /* Longer buffers get the same count; the rest is left alone. */
    unsigned char big[256];
    memset(big, 0xa5, sizeof big);
    CHECK(getaff(0, sizeof big, big) == n && big[n] == 0xa5, "a larger buffer changed the count or was overwritten");
    OK("a larger buffer gets the same count");

    EXPECT_ERRNO("sched_getaffinity len 0", EINVAL, getaff(0, 0, &set));
    EXPECT_ERRNO("sched_getaffinity len 12", EINVAL, getaff(0, 12, &set));
    EXPECT_ERRNO("sched_getaffinity len 2^29 (wraps)", EINVAL, getaff(0, 0x20000000, &set));
    EXPECT_ERRNO("sched_getaffinity bad pointer", EFAULT, getaff(0, sizeof set, (void *)1));
    EXPECT_ERRNO("sched_getaffinity missing pid", ESRCH, getaff(NO_PID, sizeof set, &set));
    EXPECT_ERRNO("sched_getaffinity pid -1", ESRCH, getaff(-1, sizeof set, &set));
    EXPECT_ERRNO("sched_getaffinity missing pid, bad pointer", ESRCH, getaff(NO_PID, sizeof set, NULL));

    int first = -1, last = -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &all)) {
            if (first < 0)
                first = c;
            last = c;
        }

    /* Pin to one CPU: getcpu must say that one. */
    CPU_ZERO(&set);
    CPU_SET(first, &set);
    CHECK(setaff(0, sizeof set, &set) == 0, "sched_setaffinity one CPU");
    cpu_set_t got;
    CHECK(getaff(0, sizeof got, &got) == n && CPU_COUNT(&got) == 1 && CPU_ISSET(first, &got), "one CPU not read back");
    unsigned cpu = 12345, node = 12345;
    CHECK(raw_getcpu(&cpu, &node) == 0, "getcpu");
    CHECK((int)cpu == first, "getcpu says %u, pinned to the lowest allowed CPU", cpu);
    CHECK(node != 12345, "getcpu wrote no node");
    OK("pinned: getcpu is the one allowed CPU");
    /* The same through the tid and a 4-byte mask, when the CPU fits. */
    if (last < 32) {
        CPU_ZERO(&set);
        CPU_SET(last, &set);
        CHECK(setaff(syscall(SYS_gettid), 4, &set) == 0, "sched_setaffinity with 4 bytes");
        CHECK(raw_getcpu(&cpu, NULL) == 0 && (int)cpu == last, "getcpu after pinning to the highest CPU says %u", cpu);
    }
    OK("a short mask is accepted");

    CHECK(setaff(0, sizeof all, &all) == 0, "sched_setaffinity back to all");
    CHECK(getaff(0, sizeof got, &got) == n && CPU_EQUAL(&got, &all), "full set not read back");
    CHECK(raw_getcpu(&cpu, NULL) == 0 && CPU_ISSET(cpu, &all), "getcpu outside the affinity");
    CHECK(raw_getcpu(NULL, &node) == 0 && raw_getcpu(NULL, NULL) == 0, "getcpu with NULL pointers");
    OK("getcpu within the affinity; NULL pointers allowed");
    EXPECT_ERRNO("getcpu bad cpu pointer", EFAULT, raw_getcpu((void *)1, NULL));
    EXPECT_ERRNO("getcpu bad node pointer", EFAULT, raw_getcpu(&cpu, (void *)1));

    CPU_ZERO(&set);
    EXPECT_ERRNO("sched_setaffinity empty", EINVAL, setaff(0, sizeof set, &set));
    CPU_SET(CPU_SETSIZE - 1, &set);
    EXPECT_ERRNO("sched_setaffinity only a CPU that does not exist", EINVAL, setaff(0, sizeof set, &set));
    EXPECT_ERRNO("sched_setaffinity len 0", EINVAL, setaff(0, 0, &all));
    EXPECT_ERRNO("sched_setaffinity bad pointer", EFAULT, setaff(0, sizeof set, (void *)1));
    EXPECT_ERRNO("sched_setaffinity missing pid", ESRCH, setaff(NO_PID, sizeof all, &all));
    CHECK(getaff(0, sizeof got, &got) == n && CPU_EQUAL(&got, &all), "failed calls changed the affinity");
    OK("failed calls leave the affinity alone");

    /* Policies. */
    struct sched_param p = {7};
    printf("sched_getscheduler=%ld\n", syscall(SYS_sched_getscheduler, 0));
    CHECK(syscall(SYS_sched_getscheduler, getpid()) == SCHED_OTHER, "sched_getscheduler(getpid())");
    EXPECT_ERRNO("sched_getscheduler -1", EINVAL, syscall(SYS_sched_getscheduler, -1));
    EXPECT_ERRNO("sched_getscheduler missing pid", ESRCH, syscall(SYS_sched_getscheduler, NO_PID));
    CHECK(syscall(SYS_sched_getparam, 0, &p) == 0, "sched_getparam");
    printf("sched_getparam priority=%d\n", p.sched_priority);
    EXPECT_ERRNO("sched_getparam NULL", EINVAL, syscall(SYS_sched_getparam, 0, NULL));
    EXPECT_ERRNO("sched_getparam -1", EINVAL, syscall(SYS_sched_getparam, -1, &p));
    EXPECT_ERRNO("sched_getparam bad pointer", EFAULT, syscall(SYS_sched_getparam, 0, (void *)1));
    EXPECT_ERRNO("sched_getparam missing pid", ESRCH, syscall(SYS_sched_getparam, NO_PID, &p));

    int policies[] = {SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_IDLE, 6 /* SCHED_DEADLINE */};
    for (int i = 0; i < 6; i++)
        printf("policy %d: priority %ld..%ld\n", policies[i], syscall(SYS_sched_get_priority_min, policies[i]),
               syscall(SYS_sched_get_priority_max, policies[i]));
    EXPECT_ERRNO("sched_get_priority_max 4", EINVAL, syscall(SYS_sched_get_priority_max, 4));
    EXPECT_ERRNO("sched_get_priority_min -1", EINVAL, syscall(SYS_sched_get_priority_min, -1));
    EXPECT_ERRNO("sched_get_priority_min 8", EINVAL, syscall(SYS_sched_get_priority_min, 8));

    p.sched_priority = 0;
    CHECK(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &p) == 0, "sched_setscheduler OTHER 0");
    CHECK(syscall(SYS_sched_setparam, 0, &p) == 0, "sched_setparam 0");
    OK("SCHED_OTHER with priority 0");
    p.sched_priority = 1;
    EXPECT_ERRNO("sched_setscheduler OTHER 1", EINVAL, syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &p));
    EXPECT_ERRNO("sched_setparam 1", EINVAL, syscall(SYS_sched_setparam, 0, &p));
    p.sched_priority = -1;
    EXPECT_ERRNO("sched_setparam -1", EINVAL, syscall(SYS_sched_setparam, 0, &p));
    p.sched_priority = 0;
    EXPECT_ERRNO("sched_setscheduler FIFO 0", EINVAL, syscall(SYS_sched_setscheduler, 0, SCHED_FIFO, &p));
    p.sched_priority = 100;
    EXPECT_ERRNO("sched_setscheduler RR 100", EINVAL, syscall(SYS_sched_setscheduler, 0, SCHED_RR, &p));
    p.sched_priority = 0;
    EXPECT_ERRNO("sched_setscheduler policy 4", EINVAL, syscall(SYS_sched_setscheduler, 0, 4, &p));
    EXPECT_ERRNO("sched_setscheduler policy -1", EINVAL, syscall(SYS_sched_setscheduler, 0, -1, &p));
    EXPECT_ERRNO("sched_setscheduler DEADLINE", EINVAL, syscall(SYS_sched_setscheduler, 0, 6, &p));
    EXPECT_ERRNO("sched_setscheduler NULL", EINVAL, syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, NULL));
    EXPECT_ERRNO("sched_setscheduler pid -1", EINVAL, syscall(SYS_sched_setscheduler, -1, SCHED_OTHER, &p));
    EXPECT_ERRNO("sched_setscheduler bad pointer", EFAULT, syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, (void *)1));
    EXPECT_ERRNO("sched_setscheduler missing pid", ESRCH, syscall(SYS_sched_setscheduler, NO_PID, SCHED_OTHER, &p));
    EXPECT_ERRNO("sched_setparam missing pid", ESRCH, syscall(SYS_sched_setparam, NO_PID, &p));
    printf("sched_getscheduler after=%ld\n", syscall(SYS_sched_getscheduler, 0));
    return 0;
}
