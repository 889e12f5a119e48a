/* Signal dispositions and masks as the model records them: rt_sigaction and
 * rt_sigprocmask, their flags and errors (delivery: the sig_*.c programs). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"
#include "sig.h"

static void handler(int sig) { (void)sig; }

int main(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaddset(&sa.sa_mask, SIGTERM);
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction(SIGUSR1) failed");
    memset(&old, 0, sizeof old);
    CHECK(sigaction(SIGUSR1, NULL, &old) == 0, "sigaction read back failed");
    CHECK(old.sa_handler == handler, "handler not read back");
    CHECK(old.sa_flags & SA_RESTART, "SA_RESTART not read back (flags %#x)", (unsigned)old.sa_flags);
    CHECK(sigismember(&old.sa_mask, SIGUSR2) == 1, "SIGUSR2 not in the read-back mask");
    CHECK(sigismember(&old.sa_mask, SIGTERM) == 1, "SIGTERM not in the read-back mask");
    CHECK(sigismember(&old.sa_mask, SIGINT) == 0, "SIGINT in the read-back mask");
    OK("sigaction SIGUSR1 read back: handler, SA_RESTART, mask");

    /* The raw kernel view agrees. */
    struct ksigaction k;
    memset(&k, 0, sizeof k);
    CHECK(raw_sigaction(SIGUSR1, NULL, &k, 8) == 0, "raw rt_sigaction read failed");
    CHECK(k.handler == (void *)handler, "raw handler differs");
    CHECK(k.flags & SA_RESTART, "raw flags lack SA_RESTART");
    CHECK((k.mask & (BIT(SIGUSR2) | BIT(SIGTERM))) == (BIT(SIGUSR2) | BIT(SIGTERM)),
          "raw mask lacks SIGUSR2/SIGTERM");
    OK("raw rt_sigaction read back");

    /* Default and ignored dispositions. */
    CHECK(sigaction(SIGUSR2, NULL, &old) == 0, "sigaction(SIGUSR2) read failed");
    CHECK(old.sa_handler == SIG_DFL, "SIGUSR2 is not SIG_DFL initially");
    OK("SIGUSR2 starts SIG_DFL");
    CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR, "signal(SIGUSR2, SIG_IGN) failed");
    CHECK(sigaction(SIGUSR2, NULL, &old) == 0 && old.sa_handler == SIG_IGN, "SIG_IGN not read back");
    OK("SIG_IGN read back");
    CHECK(signal(SIGUSR2, SIG_DFL) == SIG_IGN, "signal() did not return the previous SIG_IGN");
    OK("signal() returns the previous disposition");

    /* sigprocmask. */
    sigset_t set, cur;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0, "SIG_BLOCK failed");
    CHECK(sigprocmask(SIG_BLOCK, NULL, &cur) == 0, "reading the mask failed");
    CHECK(sigismember(&cur, SIGUSR2) == 1, "SIGUSR2 not blocked");
    CHECK(sigismember(&cur, SIGUSR1) == 0, "SIGUSR1 blocked");
    OK("SIG_BLOCK SIGUSR2 read back");
    CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0, "SIG_UNBLOCK failed");
    CHECK(sigprocmask(SIG_BLOCK, NULL, &cur) == 0, "reading the mask failed");
    CHECK(sigismember(&cur, SIGUSR2) == 0, "SIGUSR2 still blocked");
    OK("SIG_UNBLOCK SIGUSR2 read back");

    uint64_t want = BIT(SIGKILL) | BIT(SIGSTOP) | BIT(SIGUSR1) | BIT(SIGHUP);
    uint64_t got = 0;
    CHECK(raw_sigprocmask(SIG_SETMASK, &want, NULL) == 0, "raw SIG_SETMASK failed");
    CHECK(raw_sigprocmask(SIG_BLOCK, NULL, &got) == 0, "raw mask read failed");
    CHECK(got == (BIT(SIGUSR1) | BIT(SIGHUP)), "mask read back as %#llx", (unsigned long long)got);
    OK("SIGKILL and SIGSTOP cannot be blocked");
    uint64_t none = 0;
    CHECK(raw_sigprocmask(SIG_SETMASK, &none, NULL) == 0, "clearing the mask failed");
    EXPECT_ERRNO("rt_sigprocmask how=99", EINVAL, raw_sigprocmask(99, &none, NULL));
    EXPECT_ERRNO("rt_sigprocmask sigsetsize 16", EINVAL,
                 syscall(SYS_rt_sigprocmask, SIG_BLOCK, &none, NULL, 16));

    /* Invalid sigaction requests. */
    struct ksigaction ka;
    memset(&ka, 0, sizeof ka);
    ka.handler = (void *)handler;
    EXPECT_ERRNO("rt_sigaction SIGKILL", EINVAL, raw_sigaction(SIGKILL, &ka, NULL, 8));
    EXPECT_ERRNO("rt_sigaction SIGSTOP", EINVAL, raw_sigaction(SIGSTOP, &ka, NULL, 8));
    EXPECT_ERRNO("sigaction(SIGKILL) via libc", EINVAL, sigaction(SIGKILL, &sa, NULL));
    CHECK(raw_sigaction(SIGKILL, NULL, &k, 8) == 0, "reading SIGKILL's disposition failed");
    CHECK(k.handler == SIG_DFL, "SIGKILL's disposition is not SIG_DFL");
    OK("reading SIGKILL's disposition is allowed");
    EXPECT_ERRNO("rt_sigaction signal 0", EINVAL, raw_sigaction(0, &ka, NULL, 8));
    EXPECT_ERRNO("rt_sigaction signal 65", EINVAL, raw_sigaction(65, &ka, NULL, 8));
    EXPECT_ERRNO("rt_sigaction sigsetsize 16", EINVAL, raw_sigaction(SIGUSR1, &ka, NULL, 16));
    EXPECT_ERRNO("rt_sigaction bad act pointer", EFAULT, raw_sigaction(SIGUSR1, (void *)1, NULL, 8));
    return 0;
}
