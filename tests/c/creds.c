/* Credentials: set*uid/set*gid, fs ids, groups, capget/capset, the
 * capability changes that follow uid changes, bounding set, ambient set,
 * securebits. Run as root it walks through privileged transitions and ends
 * unprivileged (it changes its own ids for good); run as anyone else it
 * checks only the unprivileged errors.
 *
 * Capability sets are printed relative to the permitted set the program
 * starts with ("all", "none", "fs", "all-{22}", "{7}"), never as raw masks. */
#define _GNU_SOURCE
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

typedef unsigned long long u64;

#define V1 0x19980330u
#define V2 0x20071026u
#define V3 0x20080522u
#define NO_PID 0x3fffffff /* above PID_MAX_LIMIT: never a task */

#define CAP_CHOWN 0
#define CAP_DAC_OVERRIDE 1
#define CAP_DAC_READ_SEARCH 2
#define CAP_FOWNER 3
#define CAP_FSETID 4
#define CAP_SETGID 6
#define CAP_SETUID 7
#define CAP_SETPCAP 8
#define CAP_LINUX_IMMUTABLE 9
#define CAP_SYS_BOOT 22
#define CAP_SYS_TIME 25
#define CAP_MKNOD 27
#define CAP_MAC_OVERRIDE 32
#define BIT(c) (1ULL << (c))
#define FS_SET (BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_DAC_READ_SEARCH) | BIT(CAP_FOWNER) | \
                BIT(CAP_FSETID) | BIT(CAP_LINUX_IMMUTABLE) | BIT(CAP_MKNOD) | BIT(CAP_MAC_OVERRIDE))

#define SECBIT_NO_SETUID_FIXUP (1 << 2)
#define SECBIT_KEEP_CAPS (1 << 4)
#define SECBIT_KEEP_CAPS_LOCKED (1 << 5)

struct cap_header {
    unsigned version;
    int pid;
};
struct cap_data {
    unsigned effective, permitted, inheritable;
};
struct caps {
    u64 e, p, i;
};

static u64 orig; /* the permitted set at start */
static const unsigned NONE = (unsigned)-1;

static long pr(long opt, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)
{
    return syscall(SYS_prctl, opt, a2, a3, a4, a5);
}

static struct caps get_caps(void)
{
    struct cap_header h = {V3, 0};
    struct cap_data d[2];
    CHECK(syscall(SYS_capget, &h, d) == 0, "capget");
    struct caps c = {
        d[0].effective | (u64)d[1].effective << 32,
        d[0].permitted | (u64)d[1].permitted << 32,
        d[0].inheritable | (u64)d[1].inheritable << 32,
    };
    return c;
}

static long set_caps(u64 e, u64 p, u64 i)
{
    struct cap_header h = {V3, 0};
    struct cap_data d[2] = {
        {(unsigned)e, (unsigned)p, (unsigned)i},
        {(unsigned)(e >> 32), (unsigned)(p >> 32), (unsigned)(i >> 32)},
    };
    return syscall(SYS_capset, &h, d);
}

/* A set described relative to `orig`. */
static const char *desc(u64 m)
{
    static char bufs[4][256];
    static int k;
    char *b = bufs[k++ % 4];
    if (m == 0)
        return "none";
    if (m == orig)
        return "all";
    if (m == (orig & FS_SET))
        return "fs";
    int present = __builtin_popcountll(m), total = __builtin_popcountll(orig);
    int listing_missing = (m & ~orig) == 0 && present > total / 2;
    u64 list = listing_missing ? orig & ~m : m;
    strcpy(b, listing_missing ? "all-{" : "{");
    const char *sep = "";
    for (int c = 0; c < 64; c++) {
        if (list & BIT(c)) {
            sprintf(b + strlen(b), "%s%d", sep, c);
            sep = ",";
        }
    }
    strcat(b, "}");
    return b;
}

static void state(const char *label)
{
    unsigned r, e, s, gr, ge, gs;
    CHECK(syscall(SYS_getresuid, &r, &e, &s) == 0, "getresuid");
    CHECK(syscall(SYS_getresgid, &gr, &ge, &gs) == 0, "getresgid");
    unsigned fsuid = syscall(SYS_setfsuid, NONE);
    unsigned fsgid = syscall(SYS_setfsgid, NONE);
    CHECK(getuid() == r && geteuid() == e && getgid() == gr && getegid() == ge, "get*id disagree with getres*id");
    struct caps c = get_caps();
    printf("%s: uid %u/%u/%u/%u gid %u/%u/%u/%u caps e=%s p=%s i=%s\n", label, r, e, s, fsuid, gr, ge, gs, fsgid,
           desc(c.e), desc(c.p), desc(c.i));
}

static void groups(const char *label)
{
    unsigned g[16];
    long n = syscall(SYS_getgroups, 16, g);
    CHECK(n >= 0 && n == syscall(SYS_getgroups, 0, NULL), "getgroups count");
    printf("%s groups:", label);
    for (long i = 0; i < n; i++)
        printf(" %u", g[i]);
    printf("\n");
}

static void unprivileged(void)
{
    unsigned r, e, s;
    CHECK(syscall(SYS_getresuid, &r, &e, &s) == 0, "getresuid");
    unsigned other = r + e + s + 1;
    EXPECT_ERRNO("unprivileged setuid(other)", EPERM, syscall(SYS_setuid, other));
    CHECK(syscall(SYS_setuid, r) == 0, "setuid(own)");
    OK("setuid to the real uid");
    EXPECT_ERRNO("unprivileged setresuid(other, -1, -1)", EPERM, syscall(SYS_setresuid, other, NONE, NONE));
    EXPECT_ERRNO("unprivileged setreuid(-1, other)", EPERM, syscall(SYS_setreuid, NONE, other));
    EXPECT_ERRNO("unprivileged setreuid(other, -1)", EPERM, syscall(SYS_setreuid, other, NONE));
    CHECK(syscall(SYS_setresuid, NONE, NONE, NONE) == 0, "setresuid no-op");
    OK("setresuid(-1, -1, -1)");
    EXPECT_ERRNO("setuid(-1)", EINVAL, syscall(SYS_setuid, NONE));
    unsigned fs = syscall(SYS_setfsuid, NONE);
    CHECK((unsigned)syscall(SYS_setfsuid, other) == fs, "setfsuid returns the old fsuid");
    CHECK((unsigned)syscall(SYS_setfsuid, NONE) == fs, "unprivileged setfsuid(other) changed the fsuid");
    OK("unprivileged setfsuid(other) is ignored");

    unsigned gr, ge, gs;
    CHECK(syscall(SYS_getresgid, &gr, &ge, &gs) == 0, "getresgid");
    unsigned gother = gr + ge + gs + 1;
    EXPECT_ERRNO("unprivileged setgid(other)", EPERM, syscall(SYS_setgid, gother));
    CHECK(syscall(SYS_setgid, gr) == 0, "setgid(own)");
    EXPECT_ERRNO("unprivileged setresgid(-1, other, -1)", EPERM, syscall(SYS_setresgid, NONE, gother, NONE));
    EXPECT_ERRNO("unprivileged setregid(other, -1)", EPERM, syscall(SYS_setregid, gother, NONE));
    unsigned fsg = syscall(SYS_setfsgid, NONE);
    CHECK((unsigned)syscall(SYS_setfsgid, gother) == fsg, "setfsgid returns the old fsgid");
    CHECK((unsigned)syscall(SYS_setfsgid, NONE) == fsg, "unprivileged setfsgid(other) changed the fsgid");
    OK("unprivileged setfsgid(other) is ignored");
    EXPECT_ERRNO("unprivileged setgroups", EPERM, syscall(SYS_setgroups, 0, NULL));
    EXPECT_ERRNO("unprivileged setgroups, too many", EPERM, syscall(SYS_setgroups, 65537, NULL));

    struct caps c = get_caps();
    CHECK(c.e == 0 && c.p == 0, "unprivileged caps e=%s p=%s", desc(c.e), desc(c.p));
    OK("no capabilities");
    EXPECT_ERRNO("unprivileged capset raise", EPERM, set_caps(BIT(CAP_SETUID), BIT(CAP_SETUID), 0));
    CHECK(set_caps(0, 0, 0) == 0, "capset to nothing");
    EXPECT_ERRNO("unprivileged PR_CAPBSET_DROP", EPERM, pr(PR_CAPBSET_DROP, CAP_SETUID, 0, 0, 0));
    EXPECT_ERRNO("unprivileged PR_CAPBSET_DROP 41", EPERM, pr(PR_CAPBSET_DROP, 41, 0, 0, 0));
    EXPECT_ERRNO("unprivileged PR_SET_SECUREBITS", EPERM, pr(PR_SET_SECUREBITS, 0, 0, 0, 0));
    EXPECT_ERRNO("ambient raise without the capability", EPERM,
                 pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SETUID, 0, 0));

    struct rlimit rl = {64, 64};
    CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0, "lowering NOFILE");
    rl.rlim_max = 65;
    EXPECT_ERRNO("unprivileged setrlimit raising the hard limit", EPERM, setrlimit(RLIMIT_NOFILE, &rl));
}

static void cap_calls(void)
{
    struct cap_header h = {0x12345678, 0};
    struct cap_data d[2];
    EXPECT_ERRNO("capget unknown version", EINVAL, syscall(SYS_capget, &h, d));
    printf("version written back: %#x\n", h.version);
    h.version = 1;
    CHECK(syscall(SYS_capget, &h, NULL) == 0, "capget probe with NULL data");
    printf("probe: 0, version written back: %#x\n", h.version);
    h.version = V3;
    h.pid = NO_PID;
    CHECK(syscall(SYS_capget, &h, NULL) == 0, "capget v3 with NULL data");
    OK("capget v3 with NULL data returns 0 before looking at the pid");

    h.pid = 0;
    struct cap_data v1[2] = {{0, 0, 0}, {0xdeadbeef, 0xdeadbeef, 0xdeadbeef}};
    h.version = V1;
    CHECK(syscall(SYS_capget, &h, v1) == 0, "capget v1");
    CHECK(v1[1].effective == 0xdeadbeef && v1[1].inheritable == 0xdeadbeef, "capget v1 wrote two structs");
    CHECK(v1[0].permitted == (unsigned)orig, "capget v1 permitted");
    OK("capget v1 writes one struct");
    h.version = V2;
    CHECK(syscall(SYS_capget, &h, d) == 0, "capget v2");
    CHECK((d[0].permitted | (u64)d[1].permitted << 32) == orig, "capget v2 permitted");
    OK("capget v2 writes two structs");
    h.version = V3;
    h.pid = getpid();
    CHECK(syscall(SYS_capget, &h, d) == 0, "capget of own pid");
    h.pid = syscall(SYS_gettid);
    CHECK(syscall(SYS_capget, &h, d) == 0, "capget of own tid");
    OK("capget of own pid and tid");
    h.pid = -1;
    EXPECT_ERRNO("capget pid -1", EINVAL, syscall(SYS_capget, &h, d));
    h.pid = NO_PID;
    EXPECT_ERRNO("capget missing pid", ESRCH, syscall(SYS_capget, &h, d));
    h.pid = 0;
    EXPECT_ERRNO("capget bad data", EFAULT, syscall(SYS_capget, &h, (void *)1));
    EXPECT_ERRNO("capget bad header", EFAULT, syscall(SYS_capget, (void *)1, d));

    h.version = 7;
    EXPECT_ERRNO("capset unknown version", EINVAL, syscall(SYS_capset, &h, d));
    printf("capset version written back: %#x\n", h.version);
    h.pid = NO_PID;
    EXPECT_ERRNO("capset other pid", EPERM, syscall(SYS_capset, &h, d));
    h.pid = 0;
    EXPECT_ERRNO("capset bad data", EFAULT, syscall(SYS_capset, &h, (void *)1));
    EXPECT_ERRNO("capset bad header", EFAULT, syscall(SYS_capset, (void *)1, d));

    struct caps c = get_caps();
    EXPECT_ERRNO("capset effective beyond permitted", EPERM, set_caps(c.p, c.p & ~BIT(CAP_SYS_BOOT), 0));
    u64 p = orig & ~BIT(CAP_SYS_BOOT) & ~BIT(CAP_SYS_TIME);
    CHECK(set_caps(p, p, c.i) == 0, "capset dropping SYS_BOOT and SYS_TIME");
    state("dropped 22,25");
    EXPECT_ERRNO("capset permitted grows", EPERM, set_caps(p, orig, c.i));
    CHECK(set_caps(p, p, BIT(CAP_SYS_BOOT)) == 0, "inheritable beyond permitted with CAP_SETPCAP");
    OK("inheritable beyond permitted with CAP_SETPCAP");
    CHECK(set_caps(p & ~BIT(CAP_SETPCAP), p, BIT(CAP_SYS_BOOT)) == 0, "dropping SETPCAP from effective");
    EXPECT_ERRNO("inheritable beyond permitted without CAP_SETPCAP", EPERM,
                 set_caps(p & ~BIT(CAP_SETPCAP), p, BIT(CAP_SYS_BOOT) | BIT(CAP_SYS_TIME)));
    CHECK(set_caps(p, p, BIT(CAP_SYS_BOOT)) == 0, "SETPCAP back");
    state("inheritable 22");

    /* v1 sets the low 32 bits only: the high ones are cleared, for good. */
    struct cap_data one = {(unsigned)p, (unsigned)p, BIT(CAP_SYS_BOOT)};
    h.version = V1;
    CHECK(syscall(SYS_capset, &h, &one) == 0, "capset v1");
    state("after capset v1");
    p &= 0xffffffffu;
    EXPECT_ERRNO("capset regaining high bits", EPERM,
                 set_caps(p | BIT(CAP_MAC_OVERRIDE), p | BIT(CAP_MAC_OVERRIDE), BIT(CAP_SYS_BOOT)));

    printf("CAPBSET_READ SETUID=%ld SYS_TIME=%ld\n", pr(PR_CAPBSET_READ, CAP_SETUID, 0, 0, 0),
           pr(PR_CAPBSET_READ, CAP_SYS_TIME, 0, 0, 0));
    EXPECT_ERRNO("PR_CAPBSET_READ 41", EINVAL, pr(PR_CAPBSET_READ, 41, 0, 0, 0));
    EXPECT_ERRNO("PR_CAPBSET_READ -1", EINVAL, pr(PR_CAPBSET_READ, -1UL, 0, 0, 0));
    EXPECT_ERRNO("PR_CAPBSET_DROP 41", EINVAL, pr(PR_CAPBSET_DROP, 41, 0, 0, 0));
    CHECK(pr(PR_CAPBSET_DROP, CAP_SYS_TIME, 0, 0, 0) == 0, "PR_CAPBSET_DROP SYS_TIME");
    printf("after drop: CAPBSET_READ SYS_TIME=%ld\n", pr(PR_CAPBSET_READ, CAP_SYS_TIME, 0, 0, 0));
    /* With CAP_SETPCAP inheritable may exceed permitted, but not the
     * bounding set plus the old inheritable set. */
    EXPECT_ERRNO("inheritable beyond the bounding set", EPERM, set_caps(p, p, BIT(CAP_SYS_BOOT) | BIT(CAP_SYS_TIME)));

    /* Ambient: needs the capability permitted and inheritable. */
    CHECK(set_caps(p, p, BIT(CAP_SYS_BOOT) | BIT(CAP_SETUID)) == 0, "inheritable SETUID");
    EXPECT_ERRNO("ambient raise of a non-permitted cap", EPERM,
                 pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_BOOT, 0, 0));
    CHECK(pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SETUID, 0, 0) == 0, "ambient raise");
    printf("ambient SETUID=%ld\n", pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_SETUID, 0, 0));
    CHECK(pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_SETUID, 0, 0) == 0, "ambient lower");
    printf("ambient SETUID after lower=%ld\n", pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_SETUID, 0, 0));
    CHECK(pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SETUID, 0, 0) == 0, "ambient raise");
    CHECK(set_caps(p, p, BIT(CAP_SYS_BOOT)) == 0, "inheritable without SETUID");
    printf("ambient SETUID after capset dropped it from inheritable=%ld\n",
           pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_SETUID, 0, 0));
    EXPECT_ERRNO("ambient clear with arg3", EINVAL, pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1, 0, 0));
    CHECK(pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == 0, "ambient clear");
    EXPECT_ERRNO("ambient is_set 41", EINVAL, pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 41, 0, 0));
    EXPECT_ERRNO("ambient is_set arg4", EINVAL, pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 1, 1, 0));
    EXPECT_ERRNO("ambient op 9", EINVAL, pr(PR_CAP_AMBIENT, 9, 1, 0, 0));
    CHECK(set_caps(p, p, 0) == 0, "inheritable cleared");
}

static void privileged(void)
{
    state("start");
    printf("dumpable=%ld keepcaps=%ld securebits=%ld\n", pr(PR_GET_DUMPABLE, 0, 0, 0, 0),
           pr(PR_GET_KEEPCAPS, 0, 0, 0, 0), pr(PR_GET_SECUREBITS, 0, 0, 0, 0));

    /* Supplementary groups. */
    unsigned g[4] = {30, 10, 20, 10};
    CHECK(syscall(SYS_setgroups, 4, g) == 0, "setgroups");
    groups("sorted, duplicates kept");
    unsigned small[2];
    EXPECT_ERRNO("getgroups too small", EINVAL, syscall(SYS_getgroups, 2, small));
    EXPECT_ERRNO("getgroups negative", EINVAL, syscall(SYS_getgroups, -1, small));
    EXPECT_ERRNO("getgroups bad pointer", EFAULT, syscall(SYS_getgroups, 4, (void *)1));
    EXPECT_ERRNO("setgroups too many", EINVAL, syscall(SYS_setgroups, 65537, g));
    EXPECT_ERRNO("setgroups negative", EINVAL, syscall(SYS_setgroups, -1, g));
    EXPECT_ERRNO("setgroups bad pointer", EFAULT, syscall(SYS_setgroups, 2, (void *)1));
    unsigned bad[2] = {5, (unsigned)-1};
    EXPECT_ERRNO("setgroups gid -1", EINVAL, syscall(SYS_setgroups, 2, bad));
    groups("unchanged by failures");
    CHECK(syscall(SYS_setgroups, 0, NULL) == 0, "setgroups(0, NULL)");
    CHECK(syscall(SYS_getgroups, 5, (void *)1) == 0, "getgroups with none writes nothing");
    groups("cleared");
    unsigned two[2] = {1000, 100};
    CHECK(syscall(SYS_setgroups, 2, two) == 0, "setgroups two");
    groups("two");

    /* Group ids. */
    CHECK(syscall(SYS_setresgid, 1, 2, 3) == 0, "setresgid");
    state("setresgid(1,2,3)");
    CHECK(syscall(SYS_setregid, NONE, 3) == 0, "setregid(-1, 3)");
    state("setregid(-1,3)");
    CHECK(syscall(SYS_setregid, 4, NONE) == 0, "setregid(4, -1)");
    state("setregid(4,-1)");
    printf("setfsgid(7) returned %ld\n", syscall(SYS_setfsgid, 7));
    state("setfsgid(7)");
    CHECK(syscall(SYS_setgid, 0) == 0, "setgid(0)");
    state("setgid(0)");
    EXPECT_ERRNO("setgid(-1)", EINVAL, syscall(SYS_setgid, NONE));
    CHECK(syscall(SYS_setregid, NONE, NONE) == 0 && syscall(SYS_setresgid, NONE, NONE, NONE) == 0, "no-op set*gid");
    OK("setregid(-1, -1) and setresgid(-1, -1, -1)");

    /* Capabilities follow uid changes. */
    CHECK(syscall(SYS_setreuid, 1000, NONE) == 0, "setreuid(1000, -1)");
    state("setreuid(1000,-1)");
    CHECK(syscall(SYS_setreuid, NONE, 1000) == 0, "setreuid(-1, 1000)");
    state("setreuid(-1,1000)");
    CHECK(syscall(SYS_setreuid, NONE, 0) == 0, "setreuid(-1, 0)");
    state("setreuid(-1,0)");
    CHECK(syscall(SYS_setresuid, 0, NONE, NONE) == 0, "setresuid(0, -1, -1)");
    state("setresuid(0,-1,-1)");

    CHECK(pr(PR_SET_PDEATHSIG, 10, 0, 0, 0) == 0, "PR_SET_PDEATHSIG");
    CHECK(syscall(SYS_setresuid, NONE, 1000, NONE) == 0, "setresuid(-1, 1000, -1)");
    state("euid 1000");
    int sig = -1;
    CHECK(pr(PR_GET_PDEATHSIG, (unsigned long)&sig, 0, 0, 0) == 0, "PR_GET_PDEATHSIG");
    printf("pdeathsig after euid change=%d, dumpable reset=%s\n", sig,
           pr(PR_GET_DUMPABLE, 0, 0, 0, 0) != 1 ? "yes" : "no");
    CHECK(pr(PR_SET_DUMPABLE, 1, 0, 0, 0) == 0, "PR_SET_DUMPABLE");
    printf("setfsuid(0) returned %ld\n", syscall(SYS_setfsuid, 0));
    state("fsuid 0");
    printf("setfsuid(1000) returned %ld\n", syscall(SYS_setfsuid, 1000));
    state("fsuid 1000");
    CHECK(syscall(SYS_setresuid, NONE, 0, NONE) == 0, "setresuid(-1, 0, -1)");
    state("euid 0 again");
    CHECK(syscall(SYS_setresuid, 1, 2, 3) == 0, "setresuid(1, 2, 3)");
    state("setresuid(1,2,3)");
    EXPECT_ERRNO("setresuid(0,0,0) after losing every capability", EPERM, syscall(SYS_setresuid, 0, 0, 0));
    CHECK(syscall(SYS_setresuid, 3, 1, 2) == 0, "permuting own ids");
    state("setresuid(3,1,2)");
    printf("dumpable after losing capabilities: %s\n", pr(PR_GET_DUMPABLE, 0, 0, 0, 0) != 1 ? "reset" : "kept");
}

/* Part two needs root again: run from a fresh start of the program. */
static void privileged_caps(void)
{
    cap_calls();
    state("after capability calls");
    struct caps c = get_caps();
    u64 p = c.p;

    /* KEEPCAPS keeps the permitted set when every uid leaves 0. */
    EXPECT_ERRNO("PR_SET_KEEPCAPS 2", EINVAL, pr(PR_SET_KEEPCAPS, 2, 0, 0, 0));
    CHECK(pr(PR_SET_KEEPCAPS, 1, 0, 0, 0) == 0, "PR_SET_KEEPCAPS");
    printf("keepcaps=%ld securebits=%ld\n", pr(PR_GET_KEEPCAPS, 0, 0, 0, 0), pr(PR_GET_SECUREBITS, 0, 0, 0, 0));
    CHECK(set_caps(p, p, BIT(CAP_SETUID)) == 0, "inheritable SETUID");
    CHECK(pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SETUID, 0, 0) == 0, "ambient raise");
    CHECK(syscall(SYS_setresuid, 1000, 1000, 1000) == 0, "setresuid(1000,1000,1000)");
    state("keepcaps, uid 1000");
    printf("ambient SETUID after leaving root=%ld\n", pr(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_SETUID, 0, 0));
    CHECK(set_caps(p, p, 0) == 0, "raise effective from permitted");
    state("effective raised");
    CHECK(syscall(SYS_setresuid, 0, 0, 0) == 0, "setresuid(0,0,0) with CAP_SETUID");
    state("back to root");
    CHECK(pr(PR_SET_KEEPCAPS, 0, 0, 0, 0) == 0, "PR_SET_KEEPCAPS 0");

    /* SECBIT_NO_SETUID_FIXUP leaves capabilities alone. */
    EXPECT_ERRNO("PR_SET_SECUREBITS unsupported bit", EPERM, pr(PR_SET_SECUREBITS, 1 << 12, 0, 0, 0));
    CHECK(pr(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP, 0, 0, 0) == 0, "PR_SET_SECUREBITS");
    CHECK(syscall(SYS_setresuid, NONE, 1000, NONE) == 0, "setresuid(-1,1000,-1)");
    state("no fixup, euid 1000");
    CHECK(syscall(SYS_setresuid, NONE, 0, NONE) == 0, "setresuid(-1,0,-1)");
    CHECK(pr(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0) == 0, "lock KEEP_CAPS off");
    EXPECT_ERRNO("PR_SET_KEEPCAPS when locked", EPERM, pr(PR_SET_KEEPCAPS, 1, 0, 0, 0));
    EXPECT_ERRNO("unlocking securebits", EPERM, pr(PR_SET_SECUREBITS, 0, 0, 0, 0));
    printf("securebits=%ld\n", pr(PR_GET_SECUREBITS, 0, 0, 0, 0));

    /* setuid as root changes every uid and drops every capability. */
    CHECK(syscall(SYS_setresgid, 1000, 1000, 1000) == 0, "setresgid(1000,1000,1000)");
    CHECK(syscall(SYS_setuid, 1000) == 0, "setuid(1000)");
    state("setuid(1000)");
    unprivileged();
    state("end");
}

int main(int argc, char **argv)
{
    orig = get_caps().p;
    if (geteuid() != 0 || !(orig & BIT(CAP_SETUID)) || !(orig & BIT(CAP_SETGID)) || !(orig & BIT(CAP_SETPCAP))) {
        printf("not privileged: checking the unprivileged rules only\n");
        unprivileged();
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "caps") == 0)
        privileged_caps();
    else
        privileged();
    return 0;
}
