/* Interval timers: ITIMER_REAL/alarm fire SIGALRM after the right wall
 * time, ITIMER_VIRTUAL and ITIMER_PROF after the right CPU time; periodic
 * ones keep firing; getitimer and alarm report what is left; Linux's
 * errors. Prints no time, only comparisons with generous slack. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static volatile sig_atomic_t alrm, vtalrm, prof;

static void on_signal(int s)
{
    if (s == SIGALRM)
        alrm++;
    else if (s == SIGVTALRM)
        vtalrm++;
    else if (s == SIGPROF)
        prof++;
}

static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static long long us(struct timeval tv)
{
    return tv.tv_sec * 1000000LL + tv.tv_usec;
}

/* Spins in user code until `flag` is set or `limit` s of CPU pass. */
static double spin_until(volatile sig_atomic_t *flag, double limit)
{
    volatile unsigned long x = 0;
    double start = cpu_s();
    while (!*flag && cpu_s() - start < limit)
        for (int i = 0; i < 200000; i++)
            x += i;
    return cpu_s() - start;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGALRM, &sa, NULL);
    sigaction(SIGVTALRM, &sa, NULL);
    sigaction(SIGPROF, &sa, NULL);

    struct itimerval cur;
    CHECK(getitimer(ITIMER_REAL, &cur) == 0 && us(cur.it_value) == 0 && us(cur.it_interval) == 0,
          "ITIMER_REAL starts disarmed");
    OK("interval timers start disarmed");

    /* ITIMER_REAL one-shot: SIGALRM after 100 ms of wall time. */
    struct itimerval it = {{0, 0}, {0, 100000}}, old;
    long t0 = now_ms();
    CHECK(setitimer(ITIMER_REAL, &it, &old) == 0 && us(old.it_value) == 0, "setitimer REAL");
    CHECK(getitimer(ITIMER_REAL, &cur) == 0 && us(cur.it_value) > 0 && us(cur.it_value) <= 100000,
          "getitimer REAL while armed");
    while (!alrm && now_ms() - t0 < 5000)
        pause();
    CHECK(alrm == 1, "SIGALRM came");
    CHECK(now_ms() - t0 >= 99, "SIGALRM came early");
    CHECK(getitimer(ITIMER_REAL, &cur) == 0 && us(cur.it_value) == 0, "a fired one-shot is disarmed");
    OK("ITIMER_REAL one-shot fires SIGALRM once, not early");

    /* Periodic ITIMER_REAL: several signals. */
    alrm = 0;
    it = (struct itimerval){{0, 20000}, {0, 20000}};
    CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer REAL periodic");
    t0 = now_ms();
    while (alrm < 3 && now_ms() - t0 < 5000)
        pause();
    CHECK(alrm >= 3, "a periodic ITIMER_REAL fires again and again");
    CHECK(getitimer(ITIMER_REAL, &cur) == 0 && us(cur.it_interval) == 20000, "periodic interval kept");
    it = (struct itimerval){{0, 0}, {0, 0}};
    CHECK(setitimer(ITIMER_REAL, &it, &old) == 0 && us(old.it_interval) == 20000, "disarm REAL");
    OK("ITIMER_REAL periodic");

    /* alarm: returns the seconds left, rounded. */
    alrm = 0;
    CHECK(alarm(10) == 0, "alarm with none armed returns 0");
    CHECK(alarm(3) >= 9, "alarm returns the previous alarm's seconds");
    CHECK(alarm(0) >= 2, "alarm(0) returns what was left");
    CHECK(getitimer(ITIMER_REAL, &cur) == 0 && us(cur.it_value) == 0, "alarm(0) disarms");
    t0 = now_ms();
    alarm(1);
    while (!alrm && now_ms() - t0 < 5000)
        pause();
    CHECK(alrm == 1 && now_ms() - t0 >= 999, "alarm(1) fires after a second");
    OK("alarm");

    /* ITIMER_VIRTUAL and ITIMER_PROF: after the right CPU time. */
    it = (struct itimerval){{0, 0}, {0, 200000}};
    CHECK(setitimer(ITIMER_VIRTUAL, &it, NULL) == 0, "setitimer VIRTUAL");
    CHECK(getitimer(ITIMER_VIRTUAL, &cur) == 0 && us(cur.it_value) > 0 && us(cur.it_value) <= 220000,
          "getitimer VIRTUAL");
    sleep_ms(300);
    CHECK(!vtalrm, "ITIMER_VIRTUAL fired while the process slept");
    double used = spin_until(&vtalrm, 3.0);
    CHECK(vtalrm == 1, "SIGVTALRM came");
    CHECK(used >= 0.15 && used < 0.6, "SIGVTALRM after about 200 ms of CPU");
    OK("ITIMER_VIRTUAL fires after the CPU time, not while asleep");
    it = (struct itimerval){{0, 100000}, {0, 100000}};
    CHECK(setitimer(ITIMER_PROF, &it, NULL) == 0, "setitimer PROF");
    used = spin_until(&prof, 3.0);
    CHECK(prof >= 1 && used >= 0.07 && used < 0.5, "SIGPROF after about 100 ms of CPU");
    prof = 0;
    spin_until(&prof, 3.0);
    CHECK(prof >= 1, "a periodic ITIMER_PROF fires again");
    it = (struct itimerval){{0, 0}, {0, 0}};
    CHECK(setitimer(ITIMER_PROF, &it, &old) == 0 && us(old.it_interval) == 100000, "disarm PROF");
    OK("ITIMER_PROF periodic");

    /* Errors. */
    it = (struct itimerval){{0, 0}, {0, 1000000}};
    EXPECT_ERRNO("setitimer tv_usec 1e6", EINVAL, setitimer(ITIMER_REAL, &it, NULL));
    it = (struct itimerval){{0, -1}, {0, 0}};
    EXPECT_ERRNO("setitimer interval tv_usec -1", EINVAL, setitimer(ITIMER_REAL, &it, NULL));
    it = (struct itimerval){{0, 0}, {0, 0}};
    EXPECT_ERRNO("setitimer which 3", EINVAL, setitimer(3, &it, NULL));
    EXPECT_ERRNO("getitimer which 3", EINVAL, getitimer(3, &cur));
    EXPECT_ERRNO("setitimer bad pointer", EFAULT, syscall(SYS_setitimer, ITIMER_REAL, (void *)8, NULL));
    EXPECT_ERRNO("getitimer bad pointer", EFAULT, syscall(SYS_getitimer, ITIMER_REAL, (void *)8));
    CHECK(syscall(SYS_setitimer, ITIMER_REAL, NULL, NULL) == 0, "setitimer NULL disarms");
    OK("setitimer NULL new value disarms");
    return 0;
}
