/* prctl options beyond the name: parent-death signal, dumpable, child
 * subreaper, no_new_privs, keepcaps and bounding-set reads, unknown options. */
#define _GNU_SOURCE
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

static long pr(long opt, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)
{
    return syscall(SYS_prctl, opt, a2, a3, a4, a5);
}

int main(void)
{
    int v = -1;
    CHECK(pr(PR_GET_PDEATHSIG, (unsigned long)&v, 0, 0, 0) == 0, "PR_GET_PDEATHSIG");
    printf("pdeathsig=%d\n", v);
    CHECK(pr(PR_SET_PDEATHSIG, 64, 0, 0, 0) == 0, "PR_SET_PDEATHSIG 64");
    CHECK(pr(PR_GET_PDEATHSIG, (unsigned long)&v, 0, 0, 0) == 0 && v == 64, "pdeathsig 64 read back as %d", v);
    CHECK(pr(PR_SET_PDEATHSIG, 15, 0, 0, 0) == 0, "PR_SET_PDEATHSIG 15");
    CHECK(pr(PR_GET_PDEATHSIG, (unsigned long)&v, 0, 0, 0) == 0, "PR_GET_PDEATHSIG");
    printf("pdeathsig=%d\n", v);
    EXPECT_ERRNO("PR_SET_PDEATHSIG 65", EINVAL, pr(PR_SET_PDEATHSIG, 65, 0, 0, 0));
    EXPECT_ERRNO("PR_SET_PDEATHSIG -1", EINVAL, pr(PR_SET_PDEATHSIG, -1UL, 0, 0, 0));
    EXPECT_ERRNO("PR_GET_PDEATHSIG bad pointer", EFAULT, pr(PR_GET_PDEATHSIG, 1, 0, 0, 0));
    CHECK(pr(PR_SET_PDEATHSIG, 0, 0, 0, 0) == 0, "PR_SET_PDEATHSIG 0");

    printf("dumpable=%ld\n", pr(PR_GET_DUMPABLE, 0, 0, 0, 0));
    CHECK(pr(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0, "PR_SET_DUMPABLE 0");
    printf("dumpable=%ld\n", pr(PR_GET_DUMPABLE, 0, 0, 0, 0));
    EXPECT_ERRNO("PR_SET_DUMPABLE 2", EINVAL, pr(PR_SET_DUMPABLE, 2, 0, 0, 0));
    EXPECT_ERRNO("PR_SET_DUMPABLE 1<<32", EINVAL, pr(PR_SET_DUMPABLE, 1UL << 32, 0, 0, 0));
    CHECK(pr(PR_SET_DUMPABLE, 1, 0, 0, 0) == 0, "PR_SET_DUMPABLE 1");
    printf("dumpable=%ld\n", pr(PR_GET_DUMPABLE, 0, 0, 0, 0));

    CHECK(pr(PR_GET_CHILD_SUBREAPER, (unsigned long)&v, 0, 0, 0) == 0, "PR_GET_CHILD_SUBREAPER");
    printf("subreaper=%d\n", v);
    CHECK(pr(PR_SET_CHILD_SUBREAPER, 5, 0, 0, 0) == 0, "PR_SET_CHILD_SUBREAPER 5");
    CHECK(pr(PR_GET_CHILD_SUBREAPER, (unsigned long)&v, 0, 0, 0) == 0, "PR_GET_CHILD_SUBREAPER");
    printf("subreaper=%d\n", v);
    CHECK(pr(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0) == 0, "PR_SET_CHILD_SUBREAPER 0");
    CHECK(pr(PR_GET_CHILD_SUBREAPER, (unsigned long)&v, 0, 0, 0) == 0, "PR_GET_CHILD_SUBREAPER");
    printf("subreaper=%d\n", v);
    EXPECT_ERRNO("PR_GET_CHILD_SUBREAPER bad pointer", EFAULT, pr(PR_GET_CHILD_SUBREAPER, 1, 0, 0, 0));

    printf("no_new_privs=%ld\n", pr(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    EXPECT_ERRNO("PR_SET_NO_NEW_PRIVS 2", EINVAL, pr(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0));
    EXPECT_ERRNO("PR_SET_NO_NEW_PRIVS 0", EINVAL, pr(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0));
    EXPECT_ERRNO("PR_SET_NO_NEW_PRIVS arg3", EINVAL, pr(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0));
    EXPECT_ERRNO("PR_SET_NO_NEW_PRIVS arg5", EINVAL, pr(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 1));
    EXPECT_ERRNO("PR_GET_NO_NEW_PRIVS arg2", EINVAL, pr(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0));
    CHECK(pr(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "PR_SET_NO_NEW_PRIVS");
    CHECK(pr(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "PR_SET_NO_NEW_PRIVS again");
    printf("no_new_privs=%ld\n", pr(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));

    printf("keepcaps=%ld\n", pr(PR_GET_KEEPCAPS, 0, 0, 0, 0));
    EXPECT_ERRNO("PR_SET_KEEPCAPS 2", EINVAL, pr(PR_SET_KEEPCAPS, 2, 0, 0, 0));
    CHECK(pr(PR_SET_KEEPCAPS, 1, 0, 0, 0) == 0, "PR_SET_KEEPCAPS 1");
    printf("keepcaps=%ld securebits=%ld\n", pr(PR_GET_KEEPCAPS, 0, 0, 0, 0), pr(PR_GET_SECUREBITS, 0, 0, 0, 0));
    CHECK(pr(PR_SET_KEEPCAPS, 0, 0, 0, 0) == 0, "PR_SET_KEEPCAPS 0");
    printf("keepcaps=%ld\n", pr(PR_GET_KEEPCAPS, 0, 0, 0, 0));

    long r = pr(PR_CAPBSET_READ, 0, 0, 0, 0);
    CHECK(r == 0 || r == 1, "PR_CAPBSET_READ 0 returned %ld", r);
    CHECK(pr(PR_CAPBSET_READ, 40, 0, 0, 0) >= 0, "PR_CAPBSET_READ 40");
    OK("PR_CAPBSET_READ 0 and 40");
    EXPECT_ERRNO("PR_CAPBSET_READ 41", EINVAL, pr(PR_CAPBSET_READ, 41, 0, 0, 0));
    printf("ambient 0 set=%ld\n", pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 0, 0, 0));

    EXPECT_ERRNO("prctl 0", EINVAL, pr(0, 0, 0, 0, 0));
    EXPECT_ERRNO("prctl 12345", EINVAL, pr(12345, 0, 0, 0, 0));
    EXPECT_ERRNO("prctl -1", EINVAL, pr(-1, 0, 0, 0, 0));

    char name[16];
    CHECK(pr(PR_SET_NAME, (unsigned long)"still-works", 0, 0, 0) == 0, "PR_SET_NAME");
    CHECK(pr(PR_GET_NAME, (unsigned long)name, 0, 0, 0) == 0, "PR_GET_NAME");
    printf("name=[%s]\n", name);
    return 0;
}
