/* Sending signals: kill(pid, 0) as an existence check (self, a live
 * child, a zombie; ESRCH once reaped); kill(0, sig) reaches the caller's
 * whole process group; kill(-pgid, sig) reaches every member of another
 * group and not the sender; tgkill/tkill to one thread of a pthread
 * program (the handler runs in that thread, pending on it alone); the
 * ESRCH and EINVAL cases of kill, tgkill, tkill and sigqueue; and
 * rt_sigqueueinfo/rt_tgsigqueueinfo, which may forge any siginfo for the
 * caller itself but only negative si_code (other than SI_TKILL) for
 * others (EPERM), the siginfo arriving as given.
 *
 * kill(-1, sig) is left out: natively it would reach every process the
 * user may signal on the host. Children report through their exit
 * status. */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"
#include "proc.h"
#include "sig.h"
#include "soft.h"

/* In a child: waits up to 5 s for `sig` (blocked); 0 if it came. */
static int wait_for(int sig, siginfo_t *si)
{
    sigset_t s = sigset_of(sig);
    struct timespec ts = {5, 0};
    return ktimedwait(&s, si, &ts) == sig ? 0 : 1;
}

static void existence(void)
{
    CHECK(kill(getpid(), 0) == 0, "kill(self, 0)");
    int release;
    pid_t pid = fork_held(0, &release);
    CHECK(kill(pid, 0) == 0, "kill(child, 0)");
    close(release);
    siginfo_t si;
    CHECK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0, "waitid");
    CHECK(kill(pid, 0) == 0, "kill(zombie, 0)");
    expect_exit(pid, 0, "child");
    SOFT_ERRNO("kill(reaped child, 0)", ESRCH, kill(pid, 0));
    OK("kill(pid, 0): 0 for ourselves, a live child and a zombie");
    SOFT_ERRNO("kill(INT_MAX, 0)", ESRCH, kill(INT_MAX, 0));
    SOFT_ERRNO("kill(INT_MIN, 0)", ESRCH, kill(INT_MIN, 0));
    SOFT_ERRNO("kill(-INT_MAX, 0) (no such group)", ESRCH, kill(-INT_MAX, 0));
}

static void own_group(void)
{
    pid_t w = fork_checked();
    if (w == 0) {
        if (setpgid(0, 0) != 0)
            _exit(2);
        sigset_t s = sigset_of(SIGUSR1);
        sigprocmask(SIG_BLOCK, &s, NULL);
        pid_t kids[2];
        for (int i = 0; i < 2; i++) {
            kids[i] = fork();
            if (kids[i] < 0)
                _exit(3);
            if (kids[i] == 0) {
                siginfo_t si;
                _exit(wait_for(SIGUSR1, &si) == 0 && si.si_code == SI_USER ? 0 : 1);
            }
        }
        if (kill(0, SIGUSR1) != 0)
            _exit(4);
        siginfo_t si;
        if (wait_for(SIGUSR1, &si) != 0)
            _exit(5);
        if (si.si_pid != getpid())
            _exit(6);
        for (int i = 0; i < 2; i++) {
            int st;
            if (waitpid(kids[i], &st, 0) != kids[i] || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
                _exit(10 + i);
        }
        _exit(0);
    }
    expect_exit(w, 0, "group leader");
    OK("kill(0, SIGUSR1) reaches the caller and both children in its group");
}

static void other_group(void)
{
    sigset_t s = sigset_of(SIGUSR2);
    CHECK(sigprocmask(SIG_BLOCK, &s, NULL) == 0, "block");
    pid_t kids[3];
    for (int i = 0; i < 3; i++) {
        kids[i] = fork_checked();
        if (kids[i] == 0) {
            siginfo_t si;
            _exit(wait_for(SIGUSR2, &si) == 0 && si.si_code == SI_USER ? 0 : 1);
        }
        CHECK(setpgid(kids[i], kids[0]) == 0, "setpgid(child %d)", i);
    }
    CHECK(getpgid(kids[2]) == kids[0], "group");
    CHECK(kill(-kids[0], SIGUSR2) == 0, "kill(-pgid)");
    for (int i = 0; i < 3; i++)
        expect_exit(kids[i], 0, "group member");
    OK("kill(-pgid, SIGUSR2) reaches all three members of the group");
    sigset_t p;
    CHECK(sigpending(&p) == 0 && !sigismember(&p, SIGUSR2), "the sender got SIGUSR2");
    OK("the sender, in another group, does not get it");
    CHECK(sigprocmask(SIG_UNBLOCK, &s, NULL) == 0, "unblock");
    SOFT_ERRNO("kill(-pgid of a group now empty, 0)", ESRCH, kill(-kids[0], 0));
}

/* Thread-directed signals. */
static volatile pid_t handler_tid;
static volatile int handler_calls;

static void thread_handler(int sig)
{
    (void)sig;
    handler_calls++;
    handler_tid = gettid();
}

struct worker {
    int tid_pipe[2];
    int go_pipe[2];
    int pending_on_worker;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    pid_t me = gettid();
    if (write(w->tid_pipe[1], &me, sizeof me) != sizeof me)
        return (void *)1;
    char c;
    if (read(w->go_pipe[0], &c, 1) != 1) /* main has sent the signal */
        return (void *)2;
    sigset_t p;
    sigpending(&p);
    w->pending_on_worker = sigismember(&p, SIGUSR1);
    sigset_t none;
    sigemptyset(&none);
    sigsuspend(&none); /* the pending SIGUSR1 ends this */
    return NULL;
}

static void threads(void)
{
    set_handler(SIGUSR1, thread_handler, 0);
    sigset_t s = sigset_of(SIGUSR1);
    for (int use_tkill = 0; use_tkill <= 1; use_tkill++) {
        const char *how = use_tkill ? "tkill" : "tgkill";
        CHECK(sigprocmask(SIG_BLOCK, &s, NULL) == 0, "block");
        struct worker w;
        CHECK(pipe(w.tid_pipe) == 0 && pipe(w.go_pipe) == 0, "pipe");
        pthread_t t;
        PT(pthread_create(&t, NULL, worker_main, &w));
        pid_t tid;
        CHECK(read(w.tid_pipe[0], &tid, sizeof tid) == sizeof tid, "tid");
        CHECK(tid != gettid(), "the worker has our tid");
        handler_calls = 0;
        if (use_tkill)
            CHECK(syscall(SYS_tkill, tid, SIGUSR1) == 0, "tkill");
        else
            CHECK(syscall(SYS_tgkill, getpid(), tid, SIGUSR1) == 0, "tgkill");
        sigset_t p;
        CHECK(sigpending(&p) == 0 && !sigismember(&p, SIGUSR1),
              "%s to the worker is pending on the main thread", how);
        CHECK(write(w.go_pipe[1], "g", 1) == 1, "go");
        void *ret;
        PT(pthread_join(t, &ret));
        CHECK(ret == NULL, "worker failed: %ld", (long)ret);
        CHECK(w.pending_on_worker, "%s: not pending on the worker", how);
        CHECK(handler_calls == 1 && handler_tid == tid, "%s: the handler ran %d times, %s",
              how, handler_calls, handler_tid == tid ? "in the worker" : "not in the worker");
        printf("ok %s to a worker thread: pending on it alone, its handler runs there\n", how);
        CHECK(syscall(SYS_tgkill, getpid(), gettid(), 0) == 0, "tgkill(self, 0)");
        CHECK(sigprocmask(SIG_UNBLOCK, &s, NULL) == 0, "unblock");
        close(w.tid_pipe[0]);
        close(w.tid_pipe[1]);
        close(w.go_pipe[0]);
        close(w.go_pipe[1]);
    }
    signal(SIGUSR1, SIG_DFL);
}

static void errors(void)
{
    SOFT_ERRNO("kill signal 65", EINVAL, kill(getpid(), 65));
    SOFT_ERRNO("kill signal -1", EINVAL, kill(getpid(), -1));
    /* The target is looked up before the signal number is checked. */
    SOFT_ERRNO("kill signal 65 to nobody", ESRCH, kill(INT_MAX, 65));
    SOFT_ERRNO("tgkill signal 65", EINVAL, syscall(SYS_tgkill, getpid(), gettid(), 65));
    SOFT_ERRNO("tgkill wrong tgid", ESRCH, syscall(SYS_tgkill, INT_MAX, gettid(), 0));
    SOFT_ERRNO("tgkill wrong tid", ESRCH, syscall(SYS_tgkill, getpid(), INT_MAX, 0));
    SOFT_ERRNO("tgkill tgid 0", EINVAL, syscall(SYS_tgkill, 0, gettid(), 0));
    SOFT_ERRNO("tgkill tid -1", EINVAL, syscall(SYS_tgkill, getpid(), -1, 0));
    SOFT_ERRNO("tkill tid 0", EINVAL, syscall(SYS_tkill, 0, 0));
    SOFT_ERRNO("tkill signal 65", EINVAL, syscall(SYS_tkill, gettid(), 65));
    SOFT_ERRNO("tkill INT_MAX", ESRCH, syscall(SYS_tkill, INT_MAX, 0));
    SOFT_ERRNO("sigqueue signal 65", EINVAL, sigqueue(getpid(), 65, (union sigval){0}));
    SOFT_ERRNO("sigqueue to nobody", ESRCH, sigqueue(INT_MAX, SIGUSR1, (union sigval){0}));

    /* A child exists so that "another process" is real. */
    int release;
    pid_t pid = fork_held(0, &release);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = SIGUSR1;
    si.si_code = SI_USER;
    SOFT_ERRNO("rt_sigqueueinfo SI_USER to another process", EPERM,
               syscall(SYS_rt_sigqueueinfo, pid, SIGUSR1, &si));
    si.si_code = SI_KERNEL;
    SOFT_ERRNO("rt_sigqueueinfo SI_KERNEL to another process", EPERM,
               syscall(SYS_rt_sigqueueinfo, pid, SIGUSR1, &si));
    si.si_code = SI_TKILL;
    SOFT_ERRNO("rt_sigqueueinfo SI_TKILL to another process", EPERM,
               syscall(SYS_rt_sigqueueinfo, pid, SIGUSR1, &si));
    si.si_code = SI_USER;
    SOFT_ERRNO("rt_tgsigqueueinfo SI_USER to another process", EPERM,
               syscall(SYS_rt_tgsigqueueinfo, pid, pid, SIGUSR1, &si));
    si.si_code = SI_QUEUE;
    SOFT_ERRNO("rt_sigqueueinfo signal 65", EINVAL, syscall(SYS_rt_sigqueueinfo, pid, 65, &si));
    SOFT_ERRNO("rt_sigqueueinfo bad siginfo pointer", EFAULT,
               syscall(SYS_rt_sigqueueinfo, pid, SIGUSR1, (void *)8));
    SOFT_ERRNO("rt_sigqueueinfo to nobody", ESRCH,
               syscall(SYS_rt_sigqueueinfo, INT_MAX, SIGUSR1, &si));
    close(release);
    expect_exit(pid, 0, "bystander");
}

/* Forged siginfo: to ourselves any si_code, to a child a negative one. */
static void forged(void)
{
    sigset_t s = sigset_of(SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &s, NULL) == 0, "block");
    siginfo_t si, got;
    memset(&si, 0, sizeof si);
    si.si_signo = SIGUSR1;
    si.si_code = SI_USER;
    si.si_pid = 12345;
    si.si_uid = 777;
    CHECK(syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, &si) == 0,
          "rt_sigqueueinfo SI_USER to ourselves");
    memset(&got, 0, sizeof got);
    struct timespec zero = {0, 0};
    CHECK(ktimedwait(&s, &got, &zero) == SIGUSR1, "take it");
    CHECK(got.si_code == SI_USER && got.si_pid == 12345 && got.si_uid == 777,
          "forged siginfo changed: code %d", got.si_code);
    OK("rt_sigqueueinfo with SI_USER to ourselves: allowed, siginfo arrives as forged");

    si.si_code = SI_KERNEL;
    CHECK(syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), SIGUSR1, &si) == 0,
          "rt_tgsigqueueinfo SI_KERNEL to ourselves");
    memset(&got, 0, sizeof got);
    CHECK(ktimedwait(&s, &got, &zero) == SIGUSR1, "take it");
    CHECK(got.si_code == SI_KERNEL, "code %d", got.si_code);
    OK("rt_tgsigqueueinfo with SI_KERNEL to our own thread: allowed");

    pid_t pid = fork_checked();
    if (pid == 0) {
        siginfo_t in;
        memset(&in, 0, sizeof in);
        if (wait_for(SIGUSR1, &in) != 0)
            _exit(2);
        if (in.si_code != SI_QUEUE || in.si_pid != 12345 || in.si_uid != 777 ||
            in.si_value.sival_int != 55)
            _exit(3);
        _exit(0);
    }
    si.si_code = SI_QUEUE;
    si.si_value.sival_int = 55;
    CHECK(syscall(SYS_rt_sigqueueinfo, pid, SIGUSR1, &si) == 0, "rt_sigqueueinfo to a child");
    expect_exit(pid, 0, "receiver");
    OK("rt_sigqueueinfo with SI_QUEUE to a child: the forged si_pid/si_uid arrive as given");
    CHECK(sigprocmask(SIG_UNBLOCK, &s, NULL) == 0, "unblock");
}

int main(void)
{
    existence();
    own_group();
    other_group();
    threads();
    errors();
    forged();
    SOFT_DONE();
    return 0;
}
