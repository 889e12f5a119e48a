/* SANDBOX ONLY: sethostname/setdomainname and what uname then reports.
 * Never run natively: it would rename the host. It refuses unless it sees
 * the sandbox (pid 1 and the sandbox's kernel version string).
 *
 * Usage: sethostname HOSTNAME DOMAINNAME */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "check.h"

struct cap_header {
    unsigned version;
    int pid;
};
struct cap_data {
    unsigned effective, permitted, inheritable;
};

static void show(const char *label)
{
    struct utsname u;
    char h[128];
    CHECK(uname(&u) == 0, "uname");
    CHECK(gethostname(h, sizeof h) == 0, "gethostname");
    CHECK(strcmp(h, u.nodename) == 0, "gethostname [%s] != uname [%s]", h, u.nodename);
    printf("%s: nodename=[%s] domainname=[%s]\n", label, u.nodename, u.domainname);
}

int main(int argc, char **argv)
{
    struct utsname u;
    CHECK(uname(&u) == 0, "uname");
    if (getpid() != 1 || strstr(u.version, "sandbox") == NULL) {
        printf("refusing: not in the sandbox\n");
        return 2;
    }
    CHECK(argc == 3, "usage: sethostname HOSTNAME DOMAINNAME");
    show("before");

    char long_name[70];
    memset(long_name, 'x', sizeof long_name);
    EXPECT_ERRNO("sethostname len 65", EINVAL, syscall(SYS_sethostname, long_name, 65));
    EXPECT_ERRNO("sethostname len -1", EINVAL, syscall(SYS_sethostname, long_name, -1));
    EXPECT_ERRNO("sethostname bad pointer", EFAULT, syscall(SYS_sethostname, (void *)1, 4));
    EXPECT_ERRNO("setdomainname len 65", EINVAL, syscall(SYS_setdomainname, long_name, 65));
    EXPECT_ERRNO("setdomainname bad pointer", EFAULT, syscall(SYS_setdomainname, (void *)1, 4));
    show("unchanged by failures");

    CHECK(syscall(SYS_sethostname, long_name, 64) == 0, "sethostname 64 bytes");
    CHECK(uname(&u) == 0 && strlen(u.nodename) == 64, "a 64-byte name reads back as %zu bytes", strlen(u.nodename));
    OK("a 64-byte host name");
    CHECK(syscall(SYS_sethostname, "abc\0def", 7) == 0, "sethostname with a NUL inside");
    show("NUL inside");
    CHECK(syscall(SYS_sethostname, "", 0) == 0, "sethostname empty");
    show("empty");

    CHECK(sethostname(argv[1], strlen(argv[1])) == 0, "sethostname");
    CHECK(setdomainname(argv[2], strlen(argv[2])) == 0, "setdomainname");
    show("after");

    /* Without CAP_SYS_ADMIN: EPERM, checked before the length. */
    struct cap_header h = {0x20080522, 0};
    struct cap_data d[2];
    CHECK(syscall(SYS_capget, &h, d) == 0, "capget");
    d[0].effective &= ~(1u << 21);
    CHECK(syscall(SYS_capset, &h, d) == 0, "capset");
    EXPECT_ERRNO("sethostname without CAP_SYS_ADMIN", EPERM, syscall(SYS_sethostname, "nope", 4));
    EXPECT_ERRNO("sethostname len 65 without CAP_SYS_ADMIN", EPERM, syscall(SYS_sethostname, long_name, 65));
    EXPECT_ERRNO("setdomainname without CAP_SYS_ADMIN", EPERM, syscall(SYS_setdomainname, "nope", 4));
    show("final");
    return 0;
}
