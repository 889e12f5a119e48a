/* CPU time: a busy loop of 2 s of CPU reads the same on every CPU clock,
 * getrusage and times; sleeping costs none; children's time is counted
 * once reaped. Prints no time, only comparisons with generous slack. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static double clock_s(clockid_t c)
{
    struct timespec t;
    CHECK(clock_gettime(c, &t) == 0, "clock_gettime(%d)", (int)c);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static double tv_s(struct timeval tv)
{
    return tv.tv_sec + tv.tv_usec / 1e6;
}

/* Spins in user code until the process has used `secs` of CPU. */
static void burn(double secs)
{
    volatile unsigned long x = 0;
    double start = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    while (clock_s(CLOCK_PROCESS_CPUTIME_ID) - start < secs)
        for (int i = 0; i < 2000000; i++)
            x += i;
}

static volatile int burner_ready, burner_stop;

static void *burner(void *arg)
{
    (void)arg;
    burner_ready = 1;
    while (!burner_stop)
        sched_yield();
    return NULL;
}

static int near(double a, double b, double frac)
{
    double d = a > b ? a - b : b - a;
    return d <= frac * (a > b ? a : b) + 0.03;
}

int main(void)
{
    double before = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    sleep_ms(300);
    CHECK(clock_s(CLOCK_PROCESS_CPUTIME_ID) - before < 0.1, "sleeping 300 ms used CPU time");
    OK("a sleeping process uses no CPU time");

    burn(2.0);
    double proc = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    double thread = clock_s(CLOCK_THREAD_CPUTIME_ID);
    struct rusage self, thr;
    CHECK(getrusage(RUSAGE_SELF, &self) == 0, "RUSAGE_SELF");
    CHECK(getrusage(RUSAGE_THREAD, &thr) == 0, "RUSAGE_THREAD");
    struct tms tm;
    times(&tm);
    double ru_self = tv_s(self.ru_utime) + tv_s(self.ru_stime);
    double ru_thr = tv_s(thr.ru_utime) + tv_s(thr.ru_stime);
    double tms = (double)(tm.tms_utime + tm.tms_stime) / sysconf(_SC_CLK_TCK);
    CHECK(proc >= 2.0 && proc < 3.0, "CLOCK_PROCESS_CPUTIME_ID after burning 2 s");
    CHECK(near(thread, proc, 0.1), "CLOCK_THREAD_CPUTIME_ID disagrees");
    CHECK(near(ru_self, proc, 0.1), "getrusage(RUSAGE_SELF) disagrees with the CPU clock");
    CHECK(near(ru_thr, proc, 0.1), "getrusage(RUSAGE_THREAD) disagrees with the CPU clock");
    CHECK(near(tms, proc, 0.1), "times() disagrees with the CPU clock");
    CHECK(tv_s(self.ru_utime) > tv_s(self.ru_stime), "a user-space loop is mostly user time");
    OK("2 s of CPU: process and thread clocks, getrusage and times agree");

    clockid_t cid;
    CHECK(clock_getcpuclockid(0, &cid) == 0, "clock_getcpuclockid(0)");
    CHECK(near(clock_s(cid), proc, 0.1), "clock_getcpuclockid(0) clock");
    CHECK(clock_getcpuclockid(getpid(), &cid) == 0, "clock_getcpuclockid(self)");
    CHECK(near(clock_s(cid), proc, 0.1), "clock_getcpuclockid(getpid()) clock");
    CHECK(pthread_getcpuclockid(pthread_self(), &cid) == 0, "pthread_getcpuclockid");
    CHECK(near(clock_s(cid), thread, 0.1), "pthread_getcpuclockid clock");
    struct timespec res;
    CHECK(clock_getres(cid, &res) == 0, "clock_getres of a thread clock");
    OK("clock_getcpuclockid and pthread_getcpuclockid clocks");

    /* Another thread's clock: it counts that thread's time only. */
    pthread_t th;
    CHECK(pthread_create(&th, NULL, burner, NULL) == 0, "pthread_create");
    while (!burner_ready)
        sched_yield();
    CHECK(pthread_getcpuclockid(th, &cid) == 0, "pthread_getcpuclockid of another thread");
    double other = clock_s(cid);
    CHECK(other < 0.5, "a new thread's clock counts only its own time");
    burner_stop = 1;
    CHECK(pthread_join(th, NULL) == 0, "pthread_join");
    OK("pthread_getcpuclockid of another thread");
    CHECK(clock_gettime((clockid_t)((~99999 << 3) | 2), &res) == -1 && errno == EINVAL, "no such pid");
    CHECK(clock_gettime((clockid_t)((~0 << 3) | 3), &res) == -1 && errno == EINVAL, "clock type 3");
    OK("CPU clocks of unknown processes: EINVAL");

    struct rusage ch;
    CHECK(getrusage(RUSAGE_CHILDREN, &ch) == 0, "RUSAGE_CHILDREN");
    CHECK(tv_s(ch.ru_utime) + tv_s(ch.ru_stime) == 0, "no children yet");
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        burn(0.5);
        _exit(0);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status), "waitpid");
    CHECK(getrusage(RUSAGE_CHILDREN, &ch) == 0, "RUSAGE_CHILDREN");
    double child = tv_s(ch.ru_utime) + tv_s(ch.ru_stime);
    CHECK(child >= 0.45 && child < 1.5, "RUSAGE_CHILDREN after a child burned 0.5 s");
    times(&tm);
    CHECK(near((double)(tm.tms_cutime + tm.tms_cstime) / sysconf(_SC_CLK_TCK), child, 0.1), "times() children");
    CHECK(clock_s(CLOCK_PROCESS_CPUTIME_ID) - proc < 0.3, "the child's time is not the parent's");
    OK("a reaped child's CPU time is counted for RUSAGE_CHILDREN and times");

    /* A stopped process is not running: it uses no CPU time. */
    pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        sleep_ms(600);
        _exit(0);
    }
    sleep_ms(100);
    kill(pid, SIGSTOP);
    sleep_ms(300);
    kill(pid, SIGCONT);
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status), "the continued child exited");
    struct rusage ch2;
    CHECK(getrusage(RUSAGE_CHILDREN, &ch2) == 0, "RUSAGE_CHILDREN");
    double stopped = tv_s(ch2.ru_utime) + tv_s(ch2.ru_stime) - child;
    CHECK(stopped < 0.1, "a child stopped for 300 ms was charged CPU time");
    OK("a stopped process uses no CPU time");
    return 0;
}
