/* Extended attributes in the user. namespace: set with XATTR_CREATE and
 * XATTR_REPLACE, get and list with size 0 and with a small buffer,
 * remove; the errors for bad names, sizes and flags, and for files that
 * cannot have user attributes. The trusted. namespace, for
 * CAP_SYS_ADMIN only (hidden from others). */
#define _GNU_SOURCE
#include <sys/xattr.h>
#include "vfs.h"

/* Without CAP_SYS_ADMIN, trusted attributes cannot be read, changed or
 * listed. */
static void trusted_as_nobody(void)
{
    char buf[64];
    EXPECT_ERRNO("nobody reads a trusted attribute", ENODATA, getxattr("f", "trusted.t", buf, sizeof buf));
    EXPECT_ERRNO("nobody sets a trusted attribute", EPERM, setxattr("f", "trusted.n", "x", 1, 0));
    EXPECT_ERRNO("nobody removes a trusted attribute", EPERM, removexattr("f", "trusted.t"));
    CHECK(close(open("g", O_CREAT | O_WRONLY, 0644)) == 0, "create g");
    EXPECT_ERRNO("nobody sets one on its own file", EPERM, setxattr("g", "trusted.n", "x", 1, 0));
    char list[64];
    ssize_t n = listxattr("f", list, sizeof list);
    CHECK(n == (ssize_t)sizeof "user.empty" && !strcmp(list, "user.empty"), "nobody lists %ld bytes", (long)n);
    OK("trusted attributes are hidden from nobody");
}

int main(void)
{
    enter_scratch_dir();
    close(open("f", O_CREAT | O_WRONLY, 0644));
    CHECK(setxattr("f", "user.a", "one", 3, XATTR_CREATE) == 0, "setxattr: %s", errname(errno));
    EXPECT_ERRNO("XATTR_CREATE on an existing name", EEXIST, setxattr("f", "user.a", "x", 1, XATTR_CREATE));
    EXPECT_ERRNO("XATTR_REPLACE on a missing name", ENODATA, setxattr("f", "user.b", "x", 1, XATTR_REPLACE));
    CHECK(setxattr("f", "user.a", "uno", 3, XATTR_REPLACE) == 0, "XATTR_REPLACE");
    CHECK(setxattr("f", "user.empty", "", 0, 0) == 0, "an empty value");
    char buf[64] = {0};
    CHECK(getxattr("f", "user.a", NULL, 0) == 3, "size 0 asks for the length");
    CHECK(getxattr("f", "user.a", buf, sizeof buf) == 3 && !memcmp(buf, "uno", 3), "getxattr");
    EXPECT_ERRNO("a small buffer", ERANGE, getxattr("f", "user.a", buf, 1));
    EXPECT_ERRNO("a missing attribute", ENODATA, getxattr("f", "user.zz", buf, sizeof buf));
    CHECK(getxattr("f", "user.empty", buf, sizeof buf) == 0, "an empty value reads as 0 bytes");
    ssize_t n = listxattr("f", NULL, 0);
    CHECK(n == (ssize_t)(sizeof "user.a" + sizeof "user.empty"), "listxattr length (%ld)", (long)n);
    char list[64];
    CHECK(listxattr("f", list, sizeof list) == n, "listxattr");
    int a = 0, e = 0;
    for (char *p = list; p < list + n; p += strlen(p) + 1) {
        a |= !strcmp(p, "user.a");
        e |= !strcmp(p, "user.empty");
    }
    CHECK(a && e, "both names listed");
    EXPECT_ERRNO("listxattr with a small buffer", ERANGE, listxattr("f", list, 3));
    EXPECT_ERRNO("an empty name", ERANGE, setxattr("f", "", "x", 1, 0));
    EXPECT_ERRNO("bad flags", EINVAL, setxattr("f", "user.a", "x", 1, 4));
    static char big[65537];
    EXPECT_ERRNO("a value too large", E2BIG, setxattr("f", "user.big", big, sizeof big, 0));
    char longname[300] = "user.";
    memset(longname + 5, 'n', 260);
    EXPECT_ERRNO("a name too long", ERANGE, getxattr("f", longname, buf, sizeof buf));
    int fd = open("f", O_RDONLY);
    CHECK(fgetxattr(fd, "user.a", buf, sizeof buf) == 3, "fgetxattr");
    CHECK(fremovexattr(fd, "user.a") == 0, "fremovexattr");
    EXPECT_ERRNO("remove it again", ENODATA, removexattr("f", "user.a"));
    close(fd);
    CHECK(symlink("f", "l") == 0, "symlink");
    EXPECT_ERRNO("user attributes on a link", EPERM, lsetxattr("l", "user.a", "x", 1, 0));
    CHECK(lgetxattr("l", "user.empty", buf, sizeof buf) == -1 && errno == ENODATA, "lgetxattr on a link");
    CHECK(getxattr("l", "user.empty", buf, sizeof buf) == 0, "getxattr follows the link");
    CHECK(mkdir("d", 0755) == 0 && setxattr("d", "user.d", "dir", 3, 0) == 0, "on a directory");
    OK("user attributes");

    if (geteuid() == 0) {
        CHECK(setxattr("f", "trusted.t", "tv", 2, XATTR_CREATE) == 0, "setxattr trusted: %s", errname(errno));
        CHECK(getxattr("f", "trusted.t", buf, sizeof buf) == 2 && !memcmp(buf, "tv", 2), "getxattr trusted");
        n = listxattr("f", list, sizeof list);
        int t = 0;
        for (char *p = list; p < list + n; p += strlen(p) + 1)
            t |= !strcmp(p, "trusted.t");
        CHECK(t, "trusted.t listed for root");
        CHECK(lsetxattr("l", "trusted.l", "x", 1, 0) == 0, "trusted attributes on a link");
        CHECK(lgetxattr("l", "trusted.l", buf, sizeof buf) == 1, "lgetxattr trusted on a link");
        CHECK(lremovexattr("l", "trusted.l") == 0, "lremovexattr trusted on a link");
        OK("trusted attributes for root");
        as_nobody(trusted_as_nobody);
        CHECK(removexattr("f", "trusted.t") == 0, "removexattr trusted");
        EXPECT_ERRNO("remove it again", ENODATA, removexattr("f", "trusted.t"));
    }
    return 0;
}
